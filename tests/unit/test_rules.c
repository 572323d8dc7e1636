/*
 * test_rules.c - pattern loading, diagnostics, lint, matching, the
 * Hyperscan prefilter and its cache, and concurrent matching.
 *
 * Works in a fresh temporary directory (fixtures are copied there with
 * mode 0644/0755, so the permission check sees what a packager ships).
 * Golden diagnostics: tests/fixtures/patterns/bad/bad-*.yaml with
 * bad-*.err; TRIAGE_GOLDEN_UPDATE=1 rewrites the .err files.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "triage/log.h"
#include "triage/normalize.h"
#include "triage/rules.h"

#include "../../src/rules_int.h" /* rules_span_of */

static char fixdir[1024];  /* .../tests/fixtures/patterns */
static char shipped[1024]; /* .../patterns, "" when absent */
static char tmpdir[] = "/tmp/test_rules.XXXXXX";

/* ---------- files ---------- */

static char *
slurp(const char *path)
{
	char *data = NULL;
	size_t len;

	if (file_read_all(path, 1u << 24, &data, &len) != 0)
		return NULL;
	return data;
}

static void
put_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
mkdir_p(const char *path)
{
	if (mkdir(path, 0755) != 0)
		assert_int_equal(errno, EEXIST);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
copy_file(const char *src, const char *dst)
{
	char *data = slurp(src);

	assert_non_null(data);
	put_file(dst, data, strlen(data), 0644);
	free(data);
}

/* Copies the tree src to dst: directories 0755, files 0644. */
static void
copy_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *de;

	assert_non_null(d);
	mkdir_p(dst);
	while ((de = readdir(d)) != NULL) {
		char s[4096], t[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		assert_int_equal(stat(s, &st), 0);
		if (S_ISDIR(st.st_mode))
			copy_tree(s, t);
		else if (S_ISREG(st.st_mode))
			copy_file(s, t);
	}
	closedir(d);
}

/* A tree dir/flags.yaml + dir/<lang>/rules.yaml from strings. */
static void
make_tree(const char *dir, const char *flags, const char *lang,
          const char *rules)
{
	char p[4096];

	mkdir_p(dir);
	snprintf(p, sizeof(p), "%s/flags.yaml", dir);
	put_file(p, flags, strlen(flags), 0644);
	snprintf(p, sizeof(p), "%s/%s", dir, lang);
	mkdir_p(p);
	snprintf(p, sizeof(p), "%s/%s/rules.yaml", dir, lang);
	put_file(p, rules, strlen(rules), 0644);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	chmod(path, 0700);
	return remove(path);
}

/* ---------- loading ---------- */

static char *en_only[] = { "en" };
static char *en_ko[] = { "en", "ko" };

static struct rules_options
opts(const char *dir, char **langs, size_t n, int no_hs)
{
	struct rules_options o = { 0 };

	o.dir = dir;
	o.languages = langs;
	o.languages_count = n;
	o.no_hyperscan = no_hs;
	o.match_limit = TRIAGE_PCRE2_MATCH_LIMIT;
	o.depth_limit = TRIAGE_PCRE2_DEPTH_LIMIT;
	o.heap_limit_kib = TRIAGE_PCRE2_HEAP_LIMIT_KIB;
	return o;
}

/* Every diagnostic line of d, each ending in "\n". */
static char *
diags_text(const struct diags *d)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < d->count; i++) {
		buf_puts(&b, d->v[i].text);
		buf_putc(&b, '\n');
	}
	return buf_steal(&b);
}

static struct ruleset *
load_ok(const struct rules_options *o)
{
	struct diags d;
	struct ruleset *rs;

	diags_init(&d);
	rs = rules_load(o, &d);
	if (rs == NULL) {
		for (size_t i = 0; i < d.count; i++)
			print_error("%s\n", d.v[i].text);
		fail_msg("load of %s failed", o->dir);
	}
	diags_free(&d);
	return rs;
}

/* The hits of one match as "id@start-end " text, for comparisons. */
static char *
match_text(const struct ruleset *rs, const char *text, size_t len)
{
	struct match_result m;
	struct triage_err err;
	struct buf b;

	assert_int_equal(rules_match(rs, text, len, &m, &err), 0);
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < m.count; i++) {
		assert_true(m.hits[i].start <= m.hits[i].end);
		assert_true(m.hits[i].end <= len);
		if (i > 0)
			assert_true(m.hits[i - 1].start <= m.hits[i].start);
		buf_printf(&b, "%s@%zu-%zu ", rule_id(m.hits[i].rule),
		           m.hits[i].start, m.hits[i].end);
	}
	match_result_free(&m);
	return buf_steal(&b);
}

/* ---------- the good tree ---------- */

static void
test_good_tree(void **state)
{
	struct rules_options o = opts("good", en_ko, 2, 0);
	struct ruleset *rs;
	const struct rule *r;
	struct diags d;
	static const char *const ids[] = {
		"en.dispute.filed",   "en.dispute.threat",
		"en.dispute.negated", "en.reship.send-again",
		"en.amazon.compare",  "ko.dispute.filed"
	};

	(void)state;
	copy_tree(fixdir, "fx");
	copy_tree("fx/good", "good");
	rs = load_ok(&o);
	assert_int_equal(rules_count(rs), 6); /* the disabled rule is out */
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(rule_id(rules_get(rs, i)), ids[i]);
	assert_null(rules_get(rs, 6));
	r = rules_get(rs, 0);
	assert_string_equal(rule_signal(r), "dispute.filed");
	assert_true(rule_score(r) == 4.0);
	assert_string_equal(rule_description(r),
	                    "A card or PayPal dispute is already open.");
	assert_string_equal(rule_file(r), "good/en/10-dispute.yaml");
	assert_int_equal(rule_line(r), 4);
	assert_string_equal(rule_language(r), "en");
	assert_true(rule_score(rules_get(rs, 2)) == -3.0);
	assert_true(rule_score(rules_get(rs, 4)) == 2.5);
	assert_int_equal(rule_line(rules_get(rs, 2)), 22);
	r = rules_get(rs, 5);
	assert_string_equal(rule_file(r), "good/ko/dispute.yaml");
	assert_int_equal(rule_line(r), 4);
	assert_string_equal(rule_language(r), "ko");
	assert_int_equal(rules_flags_count(rs), 3);
	assert_string_equal(rules_flag_name(rs, 1), "chargeback-reship");
	assert_null(rules_flag_name(rs, 3));
	assert_int_equal(rules_flag_index(rs, "amazon-expectation"), 2);
	assert_int_equal(rules_flag_index(rs, "nosuch"), -1);
	assert_int_equal(rules_uses_hyperscan(rs), TRIAGE_HAVE_HYPERSCAN);
	diags_init(&d);
	assert_int_equal(rules_lint(rs, &d), 0);
	assert_int_equal(d.count, 0);
	diags_free(&d);
	rules_free(rs);

	o = opts("good", en_only, 1, 1);
	rs = load_ok(&o);
	assert_int_equal(rules_count(rs), 5);
	assert_int_equal(rules_uses_hyperscan(rs), 0);
	rules_free(rs);
}

/* ---------- golden diagnostics ---------- */

/* Builds the tree for one bad case, loads (and lints what loads) and
 * returns every diagnostic. */
static char *
run_bad_case(const char *name)
{
	char src[4096], dir[300];
	struct rules_options o;
	struct ruleset *rs;
	struct diags d;
	char *out;
	int is_flags = strncmp(name, "bad-flags-", 10) == 0;

	/* every case as case-NAME/patterns, loaded from case-NAME, so the
	 * golden lines read "patterns/en/50-bad.yaml:..." */
	snprintf(dir, sizeof(dir), "case-%s", name);
	mkdir_p(dir);
	assert_int_equal(chdir(dir), 0);
	mkdir_p("patterns");
	mkdir_p("patterns/en");
	snprintf(src, sizeof(src), "%s/bad/%s", fixdir,
	         is_flags ? name : "flags.yaml");
	copy_file(src, "patterns/flags.yaml");
	if (!is_flags) {
		snprintf(src, sizeof(src), "%s/bad/%s", fixdir, name);
		copy_file(src, "patterns/en/50-bad.yaml");
	}
	snprintf(src, sizeof(src), "%s/bad/base.yaml", fixdir);
	copy_file(src, "patterns/en/00-base.yaml");
	o = opts("patterns", en_only, 1, 0);
	o.match_limit = 100000;
	diags_init(&d);
	if ((rs = rules_load(&o, &d)) != NULL) {
		rules_lint(rs, &d);
		rules_free(rs);
	}
	out = diags_text(&d);
	diags_free(&d);
	assert_int_equal(chdir(".."), 0);
	return out;
}

static void
test_bad_fixtures(void **state)
{
	char bad[2048];
	struct dirent *de;
	DIR *dp;
	size_t cases = 0;
	int update = getenv("TRIAGE_GOLDEN_UPDATE") != NULL;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad", fixdir);
	assert_non_null(dp = opendir(bad));
	while ((de = readdir(dp)) != NULL) {
		char errpath[4096];
		size_t n = strlen(de->d_name);
		char *got, *want;

		if (strncmp(de->d_name, "bad-", 4) != 0 || n < 6 ||
		    strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		snprintf(errpath, sizeof(errpath), "%s/%.*s.err", bad,
		         (int)(n - 5), de->d_name);
		got = run_bad_case(de->d_name);
		assert_non_null(got);
		if (update)
			put_file(errpath, got, strlen(got), 0644);
		want = slurp(errpath);
		if (want == NULL)
			fail_msg("%s: no golden file %s", de->d_name, errpath);
		if (strcmp(got, want) != 0)
			fail_msg("%s:\ngot:\n%swant:\n%s", de->d_name, got,
			         want);
		/* every bad case reports something */
		assert_true(strlen(got) > 0);
		free(got);
		free(want);
		cases++;
	}
	closedir(dp);
	assert_true(cases >= 15);
}

static void
test_missing_language(void **state)
{
	static char *langs[] = { "en", "xx", "../en" };
	struct rules_options o = opts("good", langs, 3, 1);
	struct diags d;
	char *got;

	(void)state;
	diags_init(&d);
	assert_null(rules_load(&o, &d));
	got = diags_text(&d);
	assert_string_equal(
	    got,
	    "good/xx: missing language directory for enabled language \"xx\"\n"
	    "good: bad language name \"../en\"\n");
	free(got);
	diags_free(&d);
}

static void
expect_refused(const char *path, const char *want)
{
	struct rules_options o = opts("perm", en_ko, 2, 1);
	struct diags d;
	char *got;

	diags_init(&d);
	assert_null(rules_load(&o, &d));
	got = diags_text(&d);
	if (strstr(got, want) == NULL)
		fail_msg("%s: got %s, want %s", path, got, want);
	free(got);
	diags_free(&d);
}

static void
test_writable_refused(void **state)
{
	(void)state;
	copy_tree("good", "perm");
	assert_int_equal(chmod("perm/en/20-reship.yaml", 0664), 0);
	expect_refused(
	    "file", "perm/en/20-reship.yaml: writable by group or "
	            "others (mode 0664); pattern files are code: chmod go-w\n");
	assert_int_equal(chmod("perm/en/20-reship.yaml", 0644), 0);
	assert_int_equal(chmod("perm/ko", 0757), 0);
	expect_refused("dir", "perm/ko: writable by group or others (mode "
	                      "0757)");
	assert_int_equal(chmod("perm/ko", 0755), 0);
	assert_int_equal(chmod("perm/flags.yaml", 0646), 0);
	expect_refused("flags", "perm/flags.yaml: writable by group or others");
}

/* ---------- matching ---------- */

static const char one_flag[] = "flags:\n"
                               "  - name: f\n"
                               "    signals: [s]\n"
                               "    threshold: 1\n";

static void
test_limit_hit(void **state)
{
	static const char rules[] =
	    "language: en\n"
	    "rules:\n"
	    "  - id: en.bad.nested\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: Catastrophic backtracking on a run of a.\n"
	    "    pattern: (a+)+$\n"
	    "    match: [aaa]\n"
	    "  - id: en.ok.word\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: Still runs after the other rule gave up.\n"
	    "    pattern: aaaa\n"
	    "    match: [aaaa]\n";
	const char *text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	struct match_result m;
	struct triage_err err;

	(void)state;
	make_tree("lim", one_flag, "en", rules);
	for (int no_hs = 1; no_hs >= 0; no_hs--) {
		struct rules_options o = opts("lim", en_only, 1, no_hs);
		struct ruleset *rs;

		o.match_limit = 100000;
		rs = load_ok(&o);
		assert_int_equal(rules_match(rs, text, strlen(text), &m, &err),
		                 0);
		/* en.ok.word still matches (4 times, non-overlapping) */
		assert_int_equal(m.count, 4);
		for (size_t i = 0; i < m.count; i++) {
			assert_ptr_equal(m.hits[i].rule, rules_get(rs, 1));
			assert_int_equal(m.hits[i].start, 4 * i);
			assert_int_equal(m.hits[i].end, 4 * i + 4);
		}
		if (no_hs) {
			/* PCRE2 gave up: no match, one limit hit, named */
			assert_int_equal(m.limit_hits, 1);
			assert_ptr_equal(m.limit_rule, rules_get(rs, 0));
		} else {
			assert_true(m.limit_hits <= 1);
		}
		match_result_free(&m);
		assert_int_equal(rules_match(rs, "xaaay", 5, &m, &err), 0);
		assert_int_equal(m.count, 0);
		assert_int_equal(m.limit_hits, 0);
		match_result_free(&m);
		assert_int_equal(rules_match(rs, "baa", 3, &m, &err), 0);
		assert_int_equal(m.count, 1);
		assert_int_equal(m.hits[0].start, 1);
		assert_int_equal(m.hits[0].end, 3);
		match_result_free(&m);
		rules_free(rs);
	}
}

static void
test_hits_order(void **state)
{
	static const char rules[] =
	    "language: en\n"
	    "rules:\n"
	    "  - id: en.a.refund\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: The word refund.\n"
	    "    pattern: \\brefund\\b\n"
	    "    match: [refund]\n"
	    "  - id: en.b.span\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: Across two words.\n"
	    "    pattern: und\\s+ref\n"
	    "    match: [refund refund]\n"
	    "  - id: en.c.cyrillic\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: A Cyrillic word; offsets are bytes.\n"
	    "    pattern: \\bвозврат\\b\n"
	    "    match: [Возврат]\n";
	const char *text = "refund refund refund refund refund refund возврат";

	(void)state;
	make_tree("ord", one_flag, "en", rules);
	for (int no_hs = 0; no_hs <= 1; no_hs++) {
		struct rules_options o = opts("ord", en_only, 1, no_hs);
		struct ruleset *rs = load_ok(&o);
		char *got = match_text(rs, text, strlen(text));

		assert_string_equal(
		    got,
		    "en.a.refund@0-6 en.b.span@3-10 en.a.refund@7-13 "
		    "en.b.span@10-17 en.a.refund@14-20 en.b.span@17-24 "
		    "en.a.refund@21-27 en.b.span@24-31 en.c.cyrillic@42-56 ");
		free(got);
		got = match_text(rs, "", 0);
		assert_string_equal(got, "");
		free(got);
		rules_free(rs);
	}
}

/* ---------- Hyperscan and PCRE2 agree ---------- */

/* Patterns that exercise every step of the Hyperscan widening. */
static const char tricky_rules[] =
    "language: en\n"
    "rules:\n"
    "  - {id: en.t.lookbehind, signal: s, score: 1, description: d,\n"
    "     pattern: '(?<=\\bmy\\s)order\\s+(\\d+)\\s+again', match: [my order 12 again]}\n"
    "  - {id: en.t.backref, signal: s, score: 1, description: d,\n"
    "     pattern: '\\b(\\w+)\\s+\\1\\b', match: [the the]}\n"
    "  - {id: en.t.class, signal: s, score: 1, description: d,\n"
    "     pattern: '[\\]\\[x-z]+end', match: ['x]end']}\n"
    "  - {id: en.t.hex, signal: s, score: 1, description: d,\n"
    "     pattern: '\\x{444}\\x{43E}\\x41|ф', match: [фоa]}\n"
    "  - {id: en.t.prop, signal: s, score: 1, description: d,\n"
    "     pattern: '\\p{Cyrillic}+\\s+возврат', match: [мой возврат]}\n"
    "  - {id: en.t.named, signal: s, score: 1, description: d,\n"
    "     pattern: '(?<n>re)fund(?i:ed)?(?#note)', match: [refunded]}\n"
    "  - {id: en.t.atomic, signal: s, score: 1, description: d,\n"
    "     pattern: '(?>ab|a)c|a{2,3}+b', match: [abc]}\n"
    "  - {id: en.t.lookahead, signal: s, score: 1, description: d,\n"
    "     pattern: '\\bcan(?!not)\\b', match: [can do]}\n"
    "  - {id: en.t.option, signal: s, score: 1, description: d,\n"
    "     pattern: '(?i)AMAZON\\s+Would', match: [amazon would]}\n"
    "  - {id: en.t.quote, signal: s, score: 1, description: d,\n"
    "     pattern: '\\Qa.b\\E', match: [a.b]}\n"
    "  - {id: en.t.anchors, signal: s, score: 1, description: d,\n"
    "     pattern: '^refund|\\.$', match: [refund]}\n"
    "  - {id: en.t.brace, signal: s, score: 1, description: d,\n"
    "     pattern: 'x{a}y|z{,2}q', match: ['x{a}y']}\n"
    "  - {id: en.t.dots, signal: s, score: 1, description: d,\n"
    "     pattern: '\\N+\\d{3,}|o.d', match: [abc 1234]}\n"
    "  - {id: en.t.empty, signal: s, score: 1, description: d,\n"
    "     pattern: 'zz*', match: [z]}\n"
    "  - {id: en.t.empty2, signal: s, score: 1, description: d,\n"
    "     pattern: 'q*', match: [q]}\n"
    "  - {id: en.t.umlaut, signal: s, score: 1, description: d,\n"
    "     pattern: '\\bü?ber\\b|(?:a|b|)c\\R', match: [über]}\n"
    "  - {id: en.t.posix, signal: s, score: 1, description: d,\n"
    "     pattern: '[[:alpha:]]{3}\\d|[^\\s.!?]{4,6}!', match: [abc1]}\n"
    "  - {id: en.t.upper, signal: s, score: 1, description: d,\n"
    "     pattern: 'ВОЗВРАТ\\s+денег|STRASSE', match: [возврат денег]}\n"
    "  - {id: en.t.bounded, signal: s, score: 1, description: d,\n"
    "     pattern: '\\b(?:i|we)\\s+(?:\\S+\\s+){0,3}?(?:filed|opened)\\b[^.!?\\n]{0,20}?dispute',\n"
    "     match: [i have already filed a dispute]}\n";

static const char *const vocab[] = {
	"my",         "order",    "12",     "4567",        "again",
	"the",        "The",      "x]end",  "z[end",       "]end",
	"фо",         "фоa",      "фоA",    "ф",           "мой",
	"Возврат",    "возврат",  "re",     "refund",      "refunded",
	"REFUNDED",   "abc",      "aac",    "aaab",        "ac",
	"can",        "cannot",   "amazon", "would",       "AMAZON",
	"a.b",        "a",        "b",      "x{a}y",       "zq",
	"z{,2}q",     "q",        "o",      "d",           "über",
	"ber",        "ü",        "c",      "denег",       "денег",
	"strasse",    "straße",   "i",      "we",          "have",
	"already",    "filed",    "opened", "a",           "dispute",
	"chargeback", "send",     "it",     "replacement", "카드사에",
	"이의제기를", "했습니다", "1234",   "zz",          "z",
	"ǅ",          "ſ",        "Ω",      "ω",
};
static const char *const seps[] = { " ",  " ",  " ",    "  ", "\n", ". ", "! ",
	                            "? ", ", ", "\r\n", "\t", "。", "" };

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* A random text of words from vocab and, when given, sentences. */
static void
random_text(struct buf *b, uint32_t *x, char **extra, size_t nextra)
{
	/* mostly short texts; one in eight long enough (300-1,500 words)
	 * that matches lie far from the start and literals recur */
	size_t n = rnd(x) % 8 == 0 ? 300 + rnd(x) % 1200 : 1 + rnd(x) % 30;

	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		if (nextra > 0 && rnd(x) % 3 == 0)
			buf_puts(b, extra[rnd(x) % nextra]);
		else
			buf_puts(
			    b,
			    vocab[rnd(x) % (sizeof(vocab) / sizeof(*vocab))]);
		buf_puts(b, seps[rnd(x) % (sizeof(seps) / sizeof(*seps))]);
	}
	if (rnd(x) % 50 == 0)
		buf_append(b, "\xff\xc3(", 3); /* invalid UTF-8 now and then */
}

/* Example lines ("- ...") of every YAML file under dir, for texts. */
static void
harvest(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char p[4096];
		char *data, *line, *save = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			harvest(p, out, n);
			continue;
		}
		if ((data = slurp(p)) == NULL)
			continue;
		for (line = strtok_r(data, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *s = line + strspn(line, " ");

			if (strncmp(s, "- ", 2) != 0 ||
			    strstr(s, "id:") != NULL)
				continue;
			s += 2;
			s += strspn(s, "\"'");
			assert_non_null(*out = realloc(
			                    *out, (*n + 1) * sizeof(**out)));
			assert_non_null((*out)[(*n)++] =
			                    str_ndup(s, strcspn(s, "\"'")));
		}
		free(data);
	}
	closedir(d);
}

/* Loads dir both ways and compares the hits over many texts. */
static void
compare_both(const char *dir, char **langs, size_t nlangs, size_t texts)
{
	struct rules_options oh = opts(dir, langs, nlangs, 0);
	struct rules_options op = opts(dir, langs, nlangs, 1);
	struct ruleset *hs = load_ok(&oh), *pc = load_ok(&op);
	char **extra = NULL;
	size_t nextra = 0, nonempty = 0;
	uint32_t x = 0x9e3779b9u;
	struct buf b;

	assert_int_equal(rules_uses_hyperscan(hs), TRIAGE_HAVE_HYPERSCAN);
	assert_int_equal(rules_uses_hyperscan(pc), 0);
	harvest(dir, &extra, &nextra);
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < texts; i++) {
		char *norm, *a, *c;
		size_t nl;

		random_text(&b, &x, extra, nextra);
		/* rules_match takes normalized text, as the milter makes */
		assert_non_null(norm = normalize_string(b.data, b.len, &nl));
		a = match_text(hs, norm, nl);
		c = match_text(pc, norm, nl);
		if (strcmp(a, c) != 0)
			fail_msg(
			    "%s: text \"%s\"\nhyperscan: %s\npcre2:     %s",
			    dir, norm, a, c);
		nonempty += a[0] != '\0';
		free(a);
		free(c);
		free(norm);
	}
	/* the texts did exercise the rules */
	assert_true(nonempty > texts / 4);
	for (size_t i = 0; i < nextra; i++)
		free(extra[i]);
	free(extra);
	buf_free(&b);
	rules_free(hs);
	rules_free(pc);
}

/* How far before its literal a match can start. */
static void
test_span(void **state)
{
	static const struct {
		const char *pattern;
		int ok;
		size_t sep_max, max_bytes;
		const char *in_sep, *not_in_sep;
	} t[] = {
		/* bounded: 4 bytes per character at most */
		{ "filed a (?:dispute|claim)", 0, 0, 4 * 15, "", "" },
		{ "a{2,5}b?", 0, 0, 4 * 6, "", "" },
		{ "(?=look ahead)x", 0, 0, 4, "", "" },
		/* words of any length, at most 1 + 2 + 1 spaces */
		{ "\\bi[ \\n](?:[^ \\n]+[ \\n]){0,2}?filed[ \\n]", 1, 4,
		  SIZE_MAX, " \n", "ab." },
		{ "адрес[а-яё]* верн", 1, 1, SIZE_MAX, " .", "" },
		/* up to the end of the sentence: at most 1 separator */
		{ "claim[^.!?\\n]*?opened\\.", 1, 1, SIZE_MAX, ".!?\n", " a" },
		/* what the analysis does not follow: no bound */
		{ "(a)\\1+", -1, 0, 0, "", "" },
		{ "a\\Kb", -1, 0, 0, "", "" },
		{ "(?x) a b", -1, 0, 0, "", "" },
		{ ".+dispute", -1, 0, 0, "", "" },
		{ "(?(?=a)ab|cd)", -1, 0, 0, "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct rule_span sp;
		char pat[256];
		size_t k = 0;
		int rc;

		/* the table doubles backslashes: undo it */
		for (const char *p = t[i].pattern; *p; p++) {
			if (p[0] == '\\' && p[1] == '\\')
				p++;
			pat[k++] = *p;
		}
		pat[k] = '\0';
		rc = rules_span_of(pat, k, &sp);
		if (t[i].ok < 0) {
			if (rc != -1)
				fail_msg("%s: a bound where none is known",
				         pat);
			continue;
		}
		assert_int_equal(rc, 0);
		if (t[i].ok == 0) {
			if (sp.max_bytes != t[i].max_bytes)
				fail_msg("%s: max_bytes %zu, want %zu", pat,
				         sp.max_bytes, t[i].max_bytes);
			continue;
		}
		if (sp.sep_max != t[i].sep_max)
			fail_msg("%s: sep_max %zu, want %zu", pat, sp.sep_max,
			         t[i].sep_max);
		for (const char *c = t[i].in_sep; *c; c++) {
			unsigned ch = *c == '\\' ? '\n' : (unsigned char)*c;

			if (*c == '\\')
				c++;
			assert_true(sp.sep[ch >> 6] >> (ch & 63) & 1);
		}
		for (const char *c = t[i].not_in_sep; *c; c++)
			assert_false(sp.sep[(unsigned char)*c >> 6] >>
			                 ((unsigned char)*c & 63) &
			             1);
	}
}

/* The start bound walks back over separators. */
static void
test_span_start(void **state)
{
	struct rule_span sp;
	const char *p = "i[ \\n](?:[^ \\n]+[ \\n]){0,1}filed";
	const char *text = "well so i have really filed it";
	size_t at = (size_t)(strstr(text, "filed") - text);

	(void)state;
	assert_int_equal(rules_span_of(p, strlen(p), &sp), 0);
	assert_int_equal(sp.sep_max, 2);
	/* back over "really " and "have ", stop at the space before it */
	assert_int_equal(rules_span_start(&sp, text, at, 0),
	                 (size_t)(strstr(text, "i have") - text) + 2);
	/* never below the floor */
	assert_int_equal(rules_span_start(&sp, text, at, at - 1), at - 1);
}

static void
test_hyperscan_equivalence(void **state)
{
	(void)state;
	make_tree("tricky", one_flag, "en", tricky_rules);
	compare_both("tricky", en_only, 1, 4000);
	compare_both("good", en_ko, 2, 3000);
}

/* The shipped pattern files, every language that has rules. */
static void
test_shipped_equivalence(void **state)
{
	char *langs[16];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	if (shipped[0] == '\0')
		skip();
	copy_tree(shipped, "shipped");
	assert_non_null(d = opendir("shipped"));
	while ((de = readdir(d)) != NULL && n < 16) {
		char p[4096];
		char **names = NULL;
		size_t k = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "shipped/%s", de->d_name);
		harvest(p, &names, &k);
		if (k > 0 && strchr(de->d_name, '.') == NULL)
			langs[n++] = str_dup(de->d_name);
		for (size_t i = 0; i < k; i++)
			free(names[i]);
		free(names);
	}
	closedir(d);
	if (n == 0)
		skip();
	compare_both("shipped", langs, n, 3000);
	for (size_t i = 0; i < n; i++)
		free(langs[i]);
}

/* patterns/example.yaml.sample loads and passes lint as shipped. */
static void
test_example_sample(void **state)
{
	char src[1200];
	struct rules_options o = opts("sample", en_only, 1, 0);
	struct ruleset *rs;
	struct diags d;

	(void)state;
	if (shipped[0] == '\0')
		skip();
	snprintf(src, sizeof(src), "%s/example.yaml.sample", shipped);
	make_tree("sample",
	          "flags:\n  - name: double-refund\n"
	          "    signals: [example.double-refund]\n    threshold: 3\n",
	          "en", "language: en\nrules: []\n");
	copy_file(src, "sample/en/rules.yaml");
	rs = load_ok(&o);
	assert_int_equal(rules_count(rs), 2);
	diags_init(&d);
	assert_int_equal(rules_lint(rs, &d), 0);
	assert_int_equal(d.count, 0);
	diags_free(&d);
	rules_free(rs);
}

/* lint names the rules the prefilter cannot keep cheap. */
static void
test_lint_speed(void **state)
{
	static const char rules[] =
	    "language: en\n"
	    "rules:\n"
	    "  - id: en.slow.every\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: No word at all.\n"
	    "    pattern: '\\b[0-9]{3}\\b'\n"
	    "    match: ['123']\n"
	    "  - id: en.slow.whole\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: Anything at all before the word.\n"
	    "    pattern: '.+dispute'\n"
	    "    match: [a dispute]\n"
	    "  - id: en.fast\n"
	    "    signal: s\n"
	    "    score: 1\n"
	    "    description: Bounded.\n"
	    "    pattern: '\\bi[ \\n](?:[^ \\n]+[ \\n]){0,2}?disputed\\b'\n"
	    "    match: [i have disputed]\n";
	struct rules_options o = opts("speed", en_only, 1, 0);
	struct ruleset *rs;
	struct diags d;
	char *text;

	(void)state;
	make_tree("speed", one_flag, "en", rules);
	rs = load_ok(&o);
	diags_init(&d);
	assert_int_equal(rules_lint(rs, &d), 0);
	text = diags_text(&d);
	if (TRIAGE_HAVE_HYPERSCAN) {
		assert_int_equal(d.warnings, 2);
		assert_non_null(strstr(text, "en.slow.every: an alternative "
		                             "has no word"));
		assert_non_null(strstr(text, "en.slow.whole: how far before "
		                             "its word"));
		assert_null(strstr(text, "en.fast:"));
	} else {
		assert_int_equal(d.warnings, 0); /* no prefilter, no advice */
	}
	free(text);
	diags_free(&d);
	rules_free(rs);
}

/* ---------- the Hyperscan cache ---------- */

/* The one *.hsdb file in dir ("" when none). */
static void
cache_file(const char *dir, char *out, size_t outlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t found = 0;

	out[0] = '\0';
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".hsdb") == 0) {
			snprintf(out, outlen, "%s/%s", dir, de->d_name);
			found++;
		}
		/* no temporary file is left behind */
		assert_null(strstr(de->d_name, ".hsdb."));
	}
	closedir(d);
	assert_true(found <= 1);
}

static int
load_cached(const char *cache, const char *text)
{
	struct rules_options o = opts("good", en_ko, 2, 0);
	struct rules_options p = opts("good", en_ko, 2, 1);
	struct ruleset *rs, *pc;
	char *a, *b;
	int cached;

	o.cache_dir = cache;
	rs = load_ok(&o);
	pc = load_ok(&p);
	cached = rules_hyperscan_cached(rs);
	assert_int_equal(rules_uses_hyperscan(rs), TRIAGE_HAVE_HYPERSCAN);
	a = match_text(rs, text, strlen(text));
	b = match_text(pc, text, strlen(text));
	assert_string_equal(a, b);
	assert_true(strlen(a) > 0);
	free(a);
	free(b);
	rules_free(rs);
	rules_free(pc);
	return cached;
}

static void
test_cache(void **state)
{
	const char *text = "i have filed a chargeback, please send it again. "
	                   "amazon would. 카드사에 이의제기를 했습니다";
	char path[4096];
	FILE *fp;
	int hs = TRIAGE_HAVE_HYPERSCAN;

	(void)state;
	mkdir_p("cache");
	assert_int_equal(load_cached("cache", text), 0);
	cache_file("cache", path, sizeof(path));
	assert_int_equal(path[0] != '\0', hs);
	assert_int_equal(load_cached("cache", text), hs);
	if (hs) {
		/* damage the payload: ignored, recompiled, rewritten */
		assert_non_null(fp = fopen(path, "r+b"));
		assert_int_equal(fseek(fp, 200, SEEK_SET), 0);
		assert_int_equal(fputc(0x5a ^ 0xff, fp), 0x5a ^ 0xff);
		assert_int_equal(fputs("garbage", fp) >= 0, 1);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(load_cached("cache", text), 0);
		assert_int_equal(load_cached("cache", text), 1);
		/* cut short */
		assert_int_equal(truncate(path, 20), 0);
		assert_int_equal(load_cached("cache", text), 0);
		assert_int_equal(load_cached("cache", text), 1);
	}
	/* a cache directory that cannot be used: still loads and matches */
	put_file("cache/notadir", "x", 1, 0644);
	assert_int_equal(load_cached("cache/notadir/sub", text), 0);
	assert_int_equal(load_cached("cache/notadir/sub", text), 0);
	assert_int_equal(load_cached("nosuchdir", text), 0);
	assert_int_equal(load_cached("", text), 0);
	assert_int_equal(load_cached(NULL, text), 0);
}

/* ---------- threads ---------- */

#define THREADS 8
#define THREAD_TEXTS 40

struct thread_job {
	const struct ruleset *rs;
	char **texts;
	char **want;
	int failures;
};

static void *
thread_main(void *arg)
{
	struct thread_job *j = arg;

	for (int round = 0; round < 25; round++)
		for (size_t i = 0; i < THREAD_TEXTS; i++) {
			struct match_result m;
			struct triage_err err;
			struct buf b;
			size_t k = (i + (size_t)round * 7) % THREAD_TEXTS;

			if (rules_match(j->rs, j->texts[k], strlen(j->texts[k]),
			                &m, &err) != 0) {
				j->failures++;
				continue;
			}
			buf_init(&b, 1u << 20);
			for (size_t h = 0; h < m.count; h++)
				buf_printf(&b, "%s@%zu-%zu ",
				           rule_id(m.hits[h].rule),
				           m.hits[h].start, m.hits[h].end);
			if (strcmp(buf_cstr(&b), j->want[k]) != 0)
				j->failures++;
			buf_free(&b);
			match_result_free(&m);
		}
	return NULL;
}

static void
test_threads(void **state)
{
	struct rules_options o = opts("tricky", en_only, 1, 0);
	struct ruleset *rs = load_ok(&o);
	char *texts[THREAD_TEXTS], *want[THREAD_TEXTS];
	struct thread_job jobs[THREADS];
	pthread_t th[THREADS];
	uint32_t x = 12345;
	struct buf b;
	size_t matched = 0;

	(void)state;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < THREAD_TEXTS; i++) {
		random_text(&b, &x, NULL, 0);
		assert_non_null(texts[i] = str_dup(buf_cstr(&b)));
		want[i] = match_text(rs, texts[i], strlen(texts[i]));
		matched += want[i][0] != '\0';
	}
	assert_true(matched > THREAD_TEXTS / 2);
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct thread_job){ rs, texts, want, 0 };
		assert_int_equal(
		    pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(th[t], NULL), 0);
		assert_int_equal(jobs[t].failures, 0);
	}
	for (size_t i = 0; i < THREAD_TEXTS; i++) {
		free(texts[i]);
		free(want[i]);
	}
	buf_free(&b);
	rules_free(rs);
}

/* ---------- setup ---------- */

static int
setup(void **state)
{
	const char *top = getenv("TOP");
	char cwd[2048];
	struct stat st;

	(void)state;
	if (top == NULL || *top == '\0')
		top = getcwd(cwd, sizeof(cwd));
	if (top == NULL)
		return -1;
	snprintf(fixdir, sizeof(fixdir), "%s/tests/fixtures/patterns", top);
	snprintf(shipped, sizeof(shipped), "%s/patterns/flags.yaml", top);
	if (stat(shipped, &st) == 0)
		snprintf(shipped, sizeof(shipped), "%s/patterns", top);
	else
		shipped[0] = '\0';
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) != 0)
		return -1;
	log_init("test_rules", 1, "mail");
	log_set_level(LOG_LVL_ERR);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (chdir("/") != 0)
		return -1;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tree),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_missing_language),
		cmocka_unit_test(test_writable_refused),
		cmocka_unit_test(test_limit_hit),
		cmocka_unit_test(test_hits_order),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_span_start),
		cmocka_unit_test(test_hyperscan_equivalence),
		cmocka_unit_test(test_shipped_equivalence),
		cmocka_unit_test(test_example_sample),
		cmocka_unit_test(test_lint_speed),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
