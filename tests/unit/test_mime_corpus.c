/*
 * test_mime_corpus.c - the decoder over whole corpora of real mail.
 *
 * With env SHARED set and $SHARED/corpus/mime/ present: decodes every
 * message listed in oracle.tsv (Python's email package's view of each
 * file) and checks that the oracle's sample words appear in what we
 * decode (subject + every used text segment, quotes included); prints
 * the rate as a TAP comment and fails below 95% of the messages Python
 * finds words in.  Always: decodes the project's own fixtures
 * (tests/fixtures/mime/) and checks each gives text.
 *
 * Untrusted input: the corpus files (read, decoded, never trusted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "triage/buf.h"
#include "triage/message.h"

#define CORPUS_MAX_FILE (64u * 1024u * 1024u)

static char *
path_join(const char *a, const char *b, const char *c)
{
	struct buf p;

	buf_init(&p, 4096);
	if (buf_printf(&p, "%s%s%s", a, b, c) != BUF_OK) {
		buf_free(&p);
		return NULL;
	}
	return buf_steal(&p);
}

/* Subject + all used text of m, one string. */
static char *
decoded_all(const struct message *m)
{
	struct buf out;
	size_t i, j;

	buf_init(&out, SIZE_MAX - 1);
	if (m->subject != NULL)
		buf_printf(&out, "%s\n", m->subject);
	for (i = 0; i < m->parts_count; i++) {
		if (!m->parts[i].used)
			continue;
		for (j = 0; j < m->parts[i].segs_count; j++) {
			buf_append(&out, m->parts[i].segs[j].text,
			           m->parts[i].segs[j].len);
			buf_putc(&out, '\n');
		}
	}
	return buf_steal(&out);
}

static struct message *
decode_file(const char *path)
{
	struct triage_err err;
	struct message *m;
	char *data;
	size_t len;

	if (file_read_all(path, CORPUS_MAX_FILE, &data, &len) != 0)
		return NULL;
	m = message_parse(data, len, NULL, &err);
	free(data);
	return m;
}

/* 1 when every space-separated word of words occurs in text. */
static int
words_found(const char *text, const char *words, int verbose,
            const char *file)
{
	char w[256];
	const char *p = words, *e;
	int ok = 1;

	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) < sizeof(w) && e > p) {
			memcpy(w, p, (size_t)(e - p));
			w[e - p] = '\0';
			if (strstr(text, w) == NULL) {
				ok = 0;
				if (verbose)
					printf("# miss %s: %s\n", file, w);
			}
		}
		p = *e != '\0' ? e + 1 : e;
	}
	return ok;
}

/* 1 when Python recorded a defect that means it guessed the structure
 * (README of the corpus): its sample words are then no reference. */
static int
python_guessed(const char *defects)
{
	static const char *const guess[] = {
		"MissingHeaderBodySeparatorDefect", "StartBoundaryNotFoundDefect",
		"CloseBoundaryNotFoundDefect", "MultipartInvariantViolationDefect",
		"FirstHeaderLineIsContinuationDefect", NULL,
	};
	size_t i;

	for (i = 0; guess[i] != NULL; i++)
		if (strstr(defects, guess[i]) != NULL)
			return 1;
	return 0;
}

/* Splits a TSV line in place into at most n fields. */
static size_t
tsv_split(char *line, char **f, size_t n)
{
	size_t k = 0;

	while (k < n) {
		f[k++] = line;
		line = strchr(line, '\t');
		if (line == NULL)
			break;
		*line++ = '\0';
	}
	return k;
}

/* 1 when every segment is valid UTF-8 without NULs: converting it from
 * UTF-8 again changes nothing and reports nothing. */
static int
all_valid_utf8(const struct message *m)
{
	size_t i, j, n;
	unsigned anom;
	char *t;
	int ok = 1;

	for (i = 0; i < m->parts_count; i++)
		for (j = 0; j < m->parts[i].segs_count && ok; j++) {
			const struct msg_segment *s = &m->parts[i].segs[j];

			anom = 0;
			t = message_to_utf8("utf-8", s->text, s->len, NULL, &n, &anom);
			ok = t != NULL && n == s->len && memcmp(t, s->text, n) == 0 &&
			     anom == 0;
			free(t);
		}
	return ok;
}

static void
test_oracle(void **state)
{
	const char *shared = getenv("SHARED");
	char *dir, *oracle, *data, *line, *next, *f[8], *path, *text;
	size_t len, total = 0, matched = 0, decoded = 0, ctotal = 0, cmatched = 0;
	int ok;
	struct message *m;

	(void)state;
	if (shared == NULL || *shared == '\0') {
		printf("# skipped: no shared corpus\n");
		return;
	}
	dir = path_join(shared, "/corpus/mime/", "");
	oracle = path_join(dir, "oracle.tsv", "");
	assert_non_null(oracle);
	if (file_read_all(oracle, CORPUS_MAX_FILE, &data, &len) != 0) {
		printf("# skipped: no shared corpus\n");
		free(dir);
		free(oracle);
		return;
	}
	for (line = strchr(data, '\n'); line != NULL; line = next) {
		next = strchr(++line, '\n');
		if (next != NULL)
			*next = '\0';
		if (tsv_split(line, f, 8) < 8)
			continue;
		path = path_join(dir, f[0], "");
		assert_non_null(path);
		m = decode_file(path);
		free(path);
		assert_non_null(m); /* every file must decode */
		if (!all_valid_utf8(m))
			fail_msg("%s: a segment is not valid UTF-8", f[0]);
		decoded++;
		if (strcmp(f[4], "-") != 0) {
			text = decoded_all(m);
			assert_non_null(text);
			total++;
			ok = words_found(text, f[4], getenv("VERBOSE") != NULL, f[0]);
			matched += (size_t)ok;
			if (!python_guessed(f[7])) {
				ctotal++;
				cmatched += (size_t)ok;
			}
			free(text);
		}
		message_free(m);
	}
	printf("# mime corpus: %zu/%zu messages, rate %.1f%% (%zu files decoded)\n",
	       matched, total, total ? 100.0 * (double)matched / (double)total : 0.0,
	       decoded);
	printf("# mime corpus, structure Python did not guess: %zu/%zu messages, "
	       "rate %.1f%%\n", cmatched, ctotal,
	       ctotal ? 100.0 * (double)cmatched / (double)ctotal : 0.0);
	assert_true(decoded >= 398);
	assert_true(cmatched * 100 >= ctotal * 95);
	assert_true(matched * 100 >= total * 90);
	free(data);
	free(dir);
	free(oracle);
}

/* Every fixture of our own decodes to valid text. */
static void
test_own_fixtures(void **state)
{
	const char *top = getenv("TOP");
	char *dir, *path;
	DIR *d;
	struct dirent *de;
	struct message *m;
	size_t n = 0;

	(void)state;
	dir = path_join(top != NULL ? top : ".", "/tests/fixtures/mime/", "");
	assert_non_null(dir);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".eml") != 0)
			continue;
		path = path_join(dir, de->d_name, "");
		m = decode_file(path);
		assert_non_null(m);
		if (strcmp(de->d_name, "binary-as-text.eml") != 0)
			assert_true(m->text_len > 0);
		assert_non_null(m->subject);
		assert_true(all_valid_utf8(m));
		message_free(m);
		free(path);
		n++;
	}
	closedir(d);
	free(dir);
	printf("# own fixtures decoded: %zu\n", n);
	assert_true(n >= 20);
}

/* The labelled development corpus: every message gives text, with no
 * replacement characters and no unknown charsets. */
static void
test_dev_corpus(void **state)
{
	const char *shared = getenv("SHARED");
	char *dir, *path, *text;
	DIR *d;
	struct dirent *de;
	struct message *m;
	size_t n = 0;

	(void)state;
	if (shared == NULL || *shared == '\0' ||
	    (dir = path_join(shared, "/corpus/dev/msgs/", "")) == NULL ||
	    (d = opendir(dir)) == NULL) {
		printf("# skipped: no shared dev corpus\n");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".eml") != 0)
			continue;
		path = path_join(dir, de->d_name, "");
		m = decode_file(path);
		assert_non_null(m);
		text = decoded_all(m);
		if ((m->anomalies & (MSG_INVALID_UTF8 | MSG_BAD_CHARSET |
		                     MSG_NO_TEXT | MSG_BAD_MIME)) != 0 ||
		    strstr(text, "\xEF\xBF\xBD") != NULL || m->from_addr == NULL)
			fail_msg("%s: anomalies %#x", de->d_name, m->anomalies);
		free(text);
		message_free(m);
		free(path);
		n++;
	}
	closedir(d);
	free(dir);
	printf("# dev corpus decoded cleanly: %zu\n", n);
	assert_true(n >= 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_fixtures),
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_dev_corpus),
	};

	message_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
