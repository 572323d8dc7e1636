/*
 * test_csv.c - the ltv module's CSV reader, amount parser and address
 * normaliser (src/ltv_csv.c), on in-memory input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/ltv_int.h"

struct rd {
	FILE *fp;
	struct ltv_csv r;
};

static void
rd_open(struct rd *d, const char *data, size_t len)
{
	d->fp = fmemopen((void *)(uintptr_t)data, len, "rb");
	assert_non_null(d->fp);
	ltv_csv_init(&d->r, d->fp);
}

static void
rd_close(struct rd *d)
{
	ltv_csv_free(&d->r);
	fclose(d->fp);
}

/* Expects one good record starting on line with the given fields. */
static void
expect_record(struct rd *d, unsigned line, size_t n, ...)
{
	va_list ap;

	assert_int_equal(ltv_csv_next(&d->r), LTV_CSV_OK);
	assert_int_equal(d->r.rec_line, line);
	assert_int_equal(d->r.count, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(ltv_csv_field(&d->r, i),
		                    va_arg(ap, const char *));
	va_end(ap);
}

static void
test_quoting(void **state)
{
	static const char in[] = "a,\"b,c\",\"say \"\"hi\"\"\"\n"
	                         "\"multi\nline\",,x\n"
	                         "\"\",\"\"\"\",plain\n";
	struct rd d;

	(void)state;
	rd_open(&d, in, sizeof(in) - 1);
	expect_record(&d, 1, 3, "a", "b,c", "say \"hi\"");
	expect_record(&d, 2, 3, "multi\nline", "", "x");
	expect_record(&d, 4, 3, "", "\"", "plain");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_EOF);
	rd_close(&d);
}

static void
test_bom_crlf_blank_lines(void **state)
{
	static const char in[] = "\xEF\xBB\xBF\"h1\",h2\r\n"
	                         "\r\n"
	                         "1,\"two\r\nlines\"\r\n"
	                         "\n"
	                         "3,4";
	struct rd d;

	(void)state;
	rd_open(&d, in, sizeof(in) - 1);
	expect_record(&d, 1, 2, "h1", "h2");
	expect_record(&d, 3, 2, "1", "two\r\nlines");
	expect_record(&d, 6, 2, "3", "4");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_EOF);
	rd_close(&d);
}

static void
test_false_bom_is_data(void **state)
{
	static const char in[] = "\xEF\xBBx,y\n";
	struct rd d;

	(void)state;
	rd_open(&d, in, sizeof(in) - 1);
	expect_record(&d, 1, 2, "\xEF\xBBx", "y");
	rd_close(&d);
}

static void
test_malformed_records(void **state)
{
	static const char in[] = "ok,1\n"
	                         "\"a\"b,2\n"
	                         "fine,3\n"
	                         "x,\"nul\0here\"\n"
	                         "after,4\n"
	                         "\"never\nclosed,5\n";
	struct rd d;

	(void)state;
	rd_open(&d, in, sizeof(in) - 1);
	expect_record(&d, 1, 2, "ok", "1");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_BAD);
	assert_int_equal(d.r.rec_line, 2);
	assert_string_equal(d.r.error, "text after the closing quote of "
	                               "field 1");
	expect_record(&d, 3, 2, "fine", "3");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_BAD);
	assert_string_equal(d.r.error, "NUL byte in field 2");
	expect_record(&d, 5, 2, "after", "4");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_BAD);
	assert_int_equal(d.r.rec_line, 6);
	assert_string_equal(d.r.error, "unterminated quoted field (opened on "
	                               "line 6)");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_EOF);
	rd_close(&d);
}

static void
test_caps(void **state)
{
	size_t flen = TRIAGE_MAX_CSV_FIELD_LEN + 10;
	size_t cols = TRIAGE_MAX_CSV_COLUMNS + 1;
	size_t len = flen + 2 * cols + 16, n = 0;
	char *in = malloc(len);
	struct rd d;

	(void)state;
	assert_non_null(in);
	memset(in, 'x', flen); /* record 1: one field too long */
	n = flen;
	in[n++] = '\n';
	for (size_t i = 0; i < cols; i++) { /* record 2: too many columns */
		in[n++] = 'c';
		in[n++] = i + 1 < cols ? ',' : '\n';
	}
	memcpy(in + n, "last,1\n", 7); /* record 3: fine */
	n += 7;
	rd_open(&d, in, n);
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_BAD);
	assert_string_equal(d.r.error, "field 1 longer than the field limit");
	assert_int_equal(ltv_csv_next(&d.r), LTV_CSV_BAD);
	assert_int_equal(d.r.rec_line, 2);
	assert_string_equal(d.r.error, "more than 256 columns");
	expect_record(&d, 3, 2, "last", "1");
	rd_close(&d);
	free(in);
}

static void
test_cents(void **state)
{
	static const struct {
		const char *in;
		int rc;
		int64_t want;
	} tab[] = {
		{ "1240.00", 0, 124000 },
		{ "1240", 0, 124000 },
		{ "0.5", 0, 50 },
		{ " 999.99 ", 0, 99999 },
		{ ".99", 0, 99 },
		{ "0.00", 0, 0 },
		{ "12.340", 0, 1234 },
		{ "1000.", 0, 100000 },
		{ "1,240.00", -1, 0 },
		{ "12,50", -1, 0 },
		{ "-5.00", -1, 0 },
		{ "$5", -1, 0 },
		{ "1e3", -1, 0 },
		{ "", -1, 0 },
		{ ".", -1, 0 },
		{ "1.2.3", -1, 0 },
		{ "12.345", -1, 0 },
		{ "1 2", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "10000000000000.00", 0, 1000000000000000LL },
		{ "10000000000000.01", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		int64_t got = -7;
		int rc = ltv_parse_cents(tab[i].in, &got);

		if (rc != tab[i].rc || (rc == 0 && got != tab[i].want))
			fail_msg(
			    "\"%s\": got rc %d cents %lld, want rc %d cents "
			    "%lld",
			    tab[i].in, rc, (long long)got, tab[i].rc,
			    (long long)tab[i].want);
	}
}

static void
test_addr_norm(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} tab[] = {
		{ "A.B@Example.COM", "a.b@example.com" },
		{ " <x+tag@y.example> ", "x+tag@y.example" },
		{ "plain@host", "plain@host" },
		{ "no-at.example", NULL },
		{ "a@b@c", NULL },
		{ "@x", NULL },
		{ "x@", NULL },
		{ "a b@x", NULL },
		{ "", NULL },
		{ "<>", NULL },
		{ "Name <a@x>", NULL },
	};
	char out[TRIAGE_MAX_ADDRESS_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		int rc = ltv_addr_norm(tab[i].in, out, sizeof(out));

		if (tab[i].want == NULL && rc != -1)
			fail_msg("\"%s\": got \"%s\", want rejection",
			         tab[i].in, out);
		if (tab[i].want != NULL &&
		    (rc != 0 || strcmp(out, tab[i].want) != 0))
			fail_msg("\"%s\": got rc %d, want \"%s\"", tab[i].in,
			         rc, tab[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_bom_crlf_blank_lines),
		cmocka_unit_test(test_false_bom_is_data),
		cmocka_unit_test(test_malformed_records),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_cents),
		cmocka_unit_test(test_addr_norm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
