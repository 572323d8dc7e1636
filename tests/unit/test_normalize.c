/*
 * test_normalize.c - normalize_text(), normalize_string(), text_original().
 *
 * Table-driven: each normalization case gives the input and the exact
 * normalized bytes.  Regions are built by hand, so these tests do not
 * depend on regions.c.  The map is checked for its contract (norm_len + 1
 * entries, non-decreasing, character starts, last entry orig_len) and by
 * round trips: the original wording behind a normalized match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "triage/normalize.h"

static void
expect_bytes(const char *name, const char *got, size_t got_len,
    const char *want)
{
	if (got_len != strlen(want) || memcmp(got, want, got_len) != 0)
		fail_msg("%s: got \"%.*s\" (%zu bytes), want \"%s\" (%zu bytes)",
		    name, (int)got_len, got, got_len, want, strlen(want));
}

struct ncase {
	const char *name;
	const char *in;
	const char *want;
};

static const struct ncase ncases[] = {
	{ "ascii case", "I Filed A CHARGEBACK", "i filed a chargeback" },
	{ "full-width letters (NFKC)", "ＡＢＣ ｆｕｌｌ ＩＢＡＮ：１２",
	  "abc full iban:12" },
	{ "ligatures", "\xef\xac\x81le \xef\xac\x82ow", "file flow" },
	{ "compatibility forms", "\xe2\x85\xab \xe2\x91\xa0 \xe3\x8e\x8f",
	  "xii 1 kg" },
	{ "german sharp s folds to ss", "STRASSE Straße Rückbuchung",
	  "strasse strasse rückbuchung" },
	{ "cyrillic folds", "ПРИВЕТ Їжак ҐАНОК", "привет їжак ґанок" },
	{ "korean hangul unchanged", "안녕하세요 고객님, 환불 부탁드립니다",
	  "안녕하세요 고객님, 환불 부탁드립니다" },
	{ "conjoining jamo compose to a syllable", "\xe1\x84\x80\xe1\x85\xa1",
	  "가" },
	{ "combining accent composes", "cafe\xcc\x81", "caf\xc3\xa9" },
	{ "zero-width and format characters removed",
	  "char\xe2\x80\x8bge\xc2\xad" "back \xef\xbb\xbfre\xe2\x81\xa0view "
	  "a\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\x8f" "b",
	  "chargeback review ab" },
	{ "apostrophes unified",
	  "I\xe2\x80\x99ve \xe2\x80\x98x\xe2\x80\x99 \xca\xbcy\xc2\xb4 `z` "
	  "\xe2\x80\xb2", "i've 'x' 'y' 'z' '" },
	{ "double quotes unified",
	  "\xe2\x80\x9c" "a" "\xe2\x80\x9d \xe2\x80\x9e" "b" "\xe2\x80\x9c "
	  "\xc2\xab" "c" "\xc2\xbb \xe2\x80\xb3" "d" "\xe2\x80\xb3",
	  "\"a\" \"b\" \"c\" \"d\"" },
	{ "dashes unified",
	  "a\xe2\x80\x90" "b\xe2\x80\x91" "c\xe2\x80\x92" "d\xe2\x80\x93"
	  "e\xe2\x80\x94" "f\xe2\x80\x95" "g\xe2\x88\x92h", "a-b-c-d-e-f-g-h" },
	{ "spaces unified and folded",
	  "a\xc2\xa0" "b\xe2\x80\x83" "c\xe3\x80\x80" "d \t  e\xe2\x80\xaf" "f",
	  "a b c d e f" },
	{ "leading and trailing space dropped", "  lead  and   trail \t ",
	  "lead and trail" },
	{ "trailing spaces before a newline", "line one  \t\nline two",
	  "line one\nline two" },
	{ "leading spaces after a newline", "one\n   two", "one\ntwo" },
	{ "single newlines kept", "a\nb\nc", "a\nb\nc" },
	{ "CRLF and CR", "a\r\nb\rc\r\n", "a\nb\nc" },
	{ "blank lines folded", "a\r\n\r\n\r\n \t\r\n\nb\n\n\n\nc",
	  "a\n\nb\n\nc" },
	{ "line and paragraph separators", "a\xe2\x80\xa8" "b\xe2\x80\xa9"
	  "\xe2\x80\xa9" "c", "a\nb\n\nc" },
	{ "controls dropped", "pay\x01" "back\x7f", "payback" },
	{ "empty", "", "" },
	{ "only white space", " \n\t\r\n ", "" },
	{ "invalid bytes become U+FFFD", "a\xff" "b\xc3", "a\xef\xbf\xbd"
	  "b\xef\xbf\xbd" },
	{ "surrogate and overlong bytes", "\xed\xa0\x80\xc0\xaf",
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
};

static void
test_normalize_string(void **state)
{
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(ncases) / sizeof(ncases[0]); i++) {
		n = (size_t)-1;
		s = normalize_string(ncases[i].in, strlen(ncases[i].in), &n);
		assert_non_null(s);
		assert_int_equal(s[n], '\0');
		expect_bytes(ncases[i].name, s, n, ncases[i].want);
		free(s);
	}
}

/* NUL bytes are data, not the end: the length says where a string ends. */
static void
test_string_with_nul(void **state)
{
	size_t n;
	char *s;

	(void)state;
	s = normalize_string("AB\0CD", 5, &n);
	assert_non_null(s);
	expect_bytes("embedded NUL", s, n, "abcd");
	free(s);
	s = normalize_string(NULL, 0, &n);
	assert_non_null(s);
	expect_bytes("NULL input", s, n, "");
	free(s);
}

/* --- normalize_text ----------------------------------------------------- */

struct tregions {
	struct regions r;
	struct region v[8];
};

static void
add_region(struct tregions *t, enum region_kind kind, const char *text)
{
	struct region *g = &t->v[t->r.count];

	assert_true(t->r.count < 8);
	g->kind = kind;
	g->kept = kind == REGION_SUBJECT || kind == REGION_CUSTOMER;
	g->reason = g->kept ? NULL : "test";
	g->part_index = kind == REGION_SUBJECT ? (size_t)-1 : 0;
	g->text = (char *)text;
	g->len = strlen(text);
	t->r.v = t->v;
	t->r.count++;
}

/* Marks where a decoder reading orig starts a character (an invalid
 * byte is a character of its own). */
static char *
char_starts(const char *s, size_t len)
{
	char *starts = calloc(len + 1, 1);
	size_t i = 0;
	utf8proc_int32_t cp;

	assert_non_null(starts);
	while (i < len) {
		utf8proc_ssize_t r = utf8proc_iterate(
		    (const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i),
		    &cp);

		starts[i] = 1;
		i += r > 0 ? (size_t)r : 1;
	}
	return starts;
}

/* Checks the map contract of t. */
static void
check_map(const char *name, const struct text *t)
{
	size_t i, n;
	utf8proc_int32_t cp;
	char *starts = char_starts(t->orig, t->orig_len);

	assert_int_equal(t->map[t->norm_len], t->orig_len);
	assert_int_equal(t->norm[t->norm_len], '\0');
	for (i = 0; i < t->norm_len; i++) {
		if (t->map[i] >= t->orig_len)
			fail_msg("%s: map[%zu] = %zu, past orig_len %zu", name, i,
			    t->map[i], t->orig_len);
		if (i > 0 && t->map[i] < t->map[i - 1])
			fail_msg("%s: map decreases at %zu", name, i);
		if (!starts[t->map[i]])
			fail_msg("%s: map[%zu] is inside a character", name, i);
	}
	free(starts);
	/* norm is valid UTF-8 all along. */
	for (i = 0; i < t->norm_len; i += n) {
		utf8proc_ssize_t r = utf8proc_iterate(
		    (const utf8proc_uint8_t *)t->norm + i,
		    (utf8proc_ssize_t)(t->norm_len - i), &cp);

		if (r <= 0)
			fail_msg("%s: invalid UTF-8 in norm at %zu", name, i);
		n = (size_t)r;
	}
}

static void
test_text_joins_kept_regions(void **state)
{
	struct tregions tr;
	struct triage_err err;
	struct text *t;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	add_region(&tr, REGION_SUBJECT, "Re: Order #2001");
	add_region(&tr, REGION_CUSTOMER, "I\xe2\x80\x99ve  FILED a chargeback");
	add_region(&tr, REGION_QUOTED, "> the shop said CHARGEBACK");
	add_region(&tr, REGION_CUSTOMER, "Send it AGAIN.");
	add_region(&tr, REGION_SIGNATURE, "-- \nAcme");
	t = normalize_text(&tr.r, 1024, &err);
	assert_non_null(t);
	expect_bytes("orig", t->orig, t->orig_len,
	    "Re: Order #2001\n\nI\xe2\x80\x99ve  FILED a chargeback\n\n"
	    "Send it AGAIN.");
	expect_bytes("norm", t->norm, t->norm_len,
	    "re: order #2001\n\ni've filed a chargeback\n\nsend it again.");
	assert_int_equal(t->truncated, 0);
	check_map("join", t);
	text_free(t);
}

static void
test_text_empty_subject(void **state)
{
	struct tregions tr;
	struct triage_err err;
	struct text *t;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	add_region(&tr, REGION_SUBJECT, "");
	add_region(&tr, REGION_CUSTOMER, "Hello");
	t = normalize_text(&tr.r, 1024, &err);
	assert_non_null(t);
	expect_bytes("orig", t->orig, t->orig_len, "Hello");
	expect_bytes("norm", t->norm, t->norm_len, "hello");
	check_map("empty subject", t);
	text_free(t);

	memset(&tr, 0, sizeof(tr));
	add_region(&tr, REGION_SUBJECT, "");
	t = normalize_text(&tr.r, 1024, &err);
	assert_non_null(t);
	assert_int_equal(t->norm_len, 0);
	assert_int_equal(t->orig_len, 0);
	assert_int_equal(t->map[0], 0);
	text_free(t);
	text_free(NULL);
}

/* normalize_string() and normalize_text() agree. */
static void
test_string_matches_text(void **state)
{
	size_t i, n;
	struct triage_err err;

	(void)state;
	for (i = 0; i < sizeof(ncases) / sizeof(ncases[0]); i++) {
		struct tregions tr;
		struct text *t;
		char *s;

		memset(&tr, 0, sizeof(tr));
		add_region(&tr, REGION_SUBJECT, ncases[i].in);
		t = normalize_text(&tr.r, 1u << 20, &err);
		assert_non_null(t);
		s = normalize_string(ncases[i].in, strlen(ncases[i].in), &n);
		assert_non_null(s);
		expect_bytes(ncases[i].name, t->norm, t->norm_len, s);
		check_map(ncases[i].name, t);
		free(s);
		text_free(t);
	}
}

/* --- map round trips ---------------------------------------------------- */

struct rtcase {
	const char *name;
	const char *orig;   /* one customer region */
	const char *find;   /* normalized needle */
	const char *want;   /* what the customer wrote */
};

static const struct rtcase rtcases[] = {
	{ "apostrophe and case", "Look: I\xe2\x80\x99ve FILED it.",
	  "i've filed", "I\xe2\x80\x99ve FILED" },
	{ "folded space run", "please   send\xc2\xa0\xc2\xa0it again",
	  "send it again", "send\xc2\xa0\xc2\xa0it again" },
	{ "sharp s", "Die Straße ist falsch", "strasse",
	  "Stra\xc3\x9f" "e" },
	{ "part of an expansion maps to the whole character",
	  "Die Straße", "stras", "Stra\xc3\x9f" },
	{ "ligature", "the \xef\xac\x81le", "file", "\xef\xac\x81le" },
	{ "full width", "ＲＥＦＵＮＤ now", "refund",
	  "ＲＥＦＵＮＤ" },
	{ "decomposed accent", "un cafe\xcc\x81 noir", "café",
	  "cafe\xcc\x81" },
	{ "korean", "주문 환불 부탁드립니다", "환불", "환불" },
	{ "cyrillic", "Я ПОДАЛА СПОР в банке", "подала спор",
	  "ПОДАЛА СПОР" },
	{ "zero width inside", "charge\xe2\x80\x8b" "back filed", "chargeback",
	  "charge\xe2\x80\x8b" "back" },
	{ "zero width at the end is not the customer's word",
	  "chargeback\xe2\x80\x8b filed", "chargeback", "chargeback" },
	{ "CRLF paragraph", "first\r\n\r\n\r\nsecond", "first\n\nsecond",
	  "first\r\n\r\n\r\nsecond" },
	{ "dash", "COD\xe2\x80\x94" "2001", "cod-2001",
	  "COD\xe2\x80\x94" "2001" },
};

static void
test_round_trips(void **state)
{
	size_t i, len;
	struct triage_err err;

	(void)state;
	for (i = 0; i < sizeof(rtcases) / sizeof(rtcases[0]); i++) {
		struct tregions tr;
		struct text *t;
		const char *at, *o;

		memset(&tr, 0, sizeof(tr));
		add_region(&tr, REGION_SUBJECT, "");
		add_region(&tr, REGION_CUSTOMER, rtcases[i].orig);
		t = normalize_text(&tr.r, 1u << 20, &err);
		assert_non_null(t);
		check_map(rtcases[i].name, t);
		at = strstr(t->norm, rtcases[i].find);
		if (at == NULL)
			fail_msg("%s: \"%s\" not in norm \"%s\"", rtcases[i].name,
			    rtcases[i].find, t->norm);
		o = text_original(t, (size_t)(at - t->norm),
		    (size_t)(at - t->norm) + strlen(rtcases[i].find), &len);
		expect_bytes(rtcases[i].name, o, len, rtcases[i].want);
		text_free(t);
	}
}

static void
test_original_edges(void **state)
{
	struct tregions tr;
	struct triage_err err;
	struct text *t;
	const char *o;
	size_t len;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	add_region(&tr, REGION_SUBJECT, "Hello World");
	t = normalize_text(&tr.r, 1024, &err);
	assert_non_null(t);
	o = text_original(t, 3, 3, &len);
	assert_int_equal(len, 0);
	assert_ptr_equal(o, t->orig + 3);
	o = text_original(t, 6, 500, &len);
	expect_bytes("end clamped", o, len, "World");
	o = text_original(t, 500, 600, &len);
	assert_int_equal(len, 0);
	assert_ptr_equal(o, t->orig + t->orig_len);
	o = text_original(t, 0, t->norm_len, &len);
	expect_bytes("whole", o, len, "Hello World");
	text_free(t);
}

/* --- truncation --------------------------------------------------------- */

struct trcase {
	const char *name;
	const char *in;
	size_t max;
	const char *want;
	int truncated;
};

static const struct trcase trcases[] = {
	{ "fits exactly", "Hello", 5, "hello", 0 },
	{ "trailing space does not count", "Hello   \n\n", 5, "hello", 0 },
	{ "cut before a two-byte character", "h\xc3\xa9llo", 2, "h", 1 },
	{ "cut after a two-byte character", "h\xc3\xa9llo", 3, "h\xc3\xa9", 1 },
	{ "cut inside hangul", "가나다", 8, "가나", 1 },
	{ "no separator left dangling", "ab cd", 3, "ab", 1 },
	{ "no paragraph break left dangling", "ab\n\ncd", 4, "ab", 1 },
	{ "expansion cut", "\xef\xac\x83", 2, "ff", 1 },
	{ "zero", "x", 0, "", 1 },
};

static void
test_truncation(void **state)
{
	size_t i;
	struct triage_err err;

	(void)state;
	for (i = 0; i < sizeof(trcases) / sizeof(trcases[0]); i++) {
		struct tregions tr;
		struct text *t;

		memset(&tr, 0, sizeof(tr));
		add_region(&tr, REGION_SUBJECT, trcases[i].in);
		t = normalize_text(&tr.r, trcases[i].max, &err);
		assert_non_null(t);
		expect_bytes(trcases[i].name, t->norm, t->norm_len,
		    trcases[i].want);
		if (t->truncated != trcases[i].truncated)
			fail_msg("%s: truncated: got %d, want %d",
			    trcases[i].name, t->truncated, trcases[i].truncated);
		check_map(trcases[i].name, t);
		text_free(t);
	}
}

/* --- hostile input ------------------------------------------------------ */

/* Random bytes, with and without a cap: never a crash, always valid
 * UTF-8 out and a map that keeps its contract. */
static void
test_random_bytes(void **state)
{
	static const char *const bits[] = { "\xff", "\xc3", "\xa9", "\xe2\x80",
		"\xcc\x81", "\r", "\n", " ", "\xe2\x80\x8b", "A", "\xc3\x9f",
		"\xea\xb0\x80", "\xe1\x84\x80", "\xe1\x85\xa1", "\xef\xac\x81",
		"\0", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc2\xa0" };
	char buf[256];
	unsigned seed = 7;
	struct triage_err err;
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		struct tregions tr;
		struct text *t;
		size_t len = 0, k, olen;

		while (len < 200) {
			const char *b;

			seed = seed * 1103515245u + 12345u;
			b = bits[(seed >> 8) % (sizeof(bits) / sizeof(bits[0]))];
			k = b[0] == '\0' ? 1 : strlen(b);
			memcpy(buf + len, b, k);
			len += k;
		}
		memset(&tr, 0, sizeof(tr));
		add_region(&tr, REGION_SUBJECT, "");
		tr.v[0].text = buf;
		tr.v[0].len = len;
		t = normalize_text(&tr.r, round % 2 ? 1u << 16 : (seed >> 3) % 64,
		    &err);
		assert_non_null(t);
		check_map("random", t);
		if (t->norm_len > 0)
			(void)text_original(t, (seed >> 5) % t->norm_len,
			    t->norm_len, &olen);
		text_free(t);
	}
}

/* Thousands of stacked combining marks: bounded work, one base letter. */
static void
test_combining_flood(void **state)
{
	size_t n = 20000, i, len;
	char *s = malloc(1 + 2 * n + 1), *r;

	(void)state;
	assert_non_null(s);
	s[0] = 'A';
	for (i = 0; i < n; i++)
		memcpy(s + 1 + 2 * i, "\xcc\x81", 2);
	s[1 + 2 * n] = '\0';
	r = normalize_string(s, 1 + 2 * n, &len);
	assert_non_null(r);
	assert_true(len > 0);
	assert_true((unsigned char)r[0] == 0xc3 && (unsigned char)r[1] == 0xa1);
	free(r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_string),
		cmocka_unit_test(test_string_with_nul),
		cmocka_unit_test(test_text_joins_kept_regions),
		cmocka_unit_test(test_text_empty_subject),
		cmocka_unit_test(test_string_matches_text),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_original_edges),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_combining_flood),
	};

	return cmocka_run_group_tests_name("normalize", tests, NULL, NULL);
}
