/*
 * ltv_csv.c - a bounded RFC 4180 CSV reader and the amount parser used by
 * the customer import.
 *
 * Owns: splitting a shop export into records and fields (quoted fields,
 * doubled quotes, commas and newlines inside quotes, a UTF-8 byte order
 * mark, CRLF or LF line ends), the physical line each record starts on,
 * and turning decimal amounts into integer cents.
 *
 * Untrusted input: every byte of the CSV file.  A field, a record and the
 * number of columns are capped (TRIAGE_MAX_CSV_*); a record past a cap or
 * with broken quoting is read to its end and reported, never kept in
 * part.
 */
#include "ltv_int.h"

#include <stdio.h>
#include <string.h>

#include "triage/limits.h"

void
ltv_csv_init(struct ltv_csv *r, FILE *fp)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->line = 1;
	buf_init(&r->rec, TRIAGE_MAX_CSV_RECORD_LEN + TRIAGE_MAX_CSV_COLUMNS);
}

void
ltv_csv_free(struct ltv_csv *r)
{
	if (r == NULL)
		return;
	buf_free(&r->rec);
	r->count = 0;
}

static int
csv_get(struct ltv_csv *r)
{
	int c;

	if (r->npb > 0)
		c = r->pb[--r->npb];
	else
		c = getc(r->fp);
	if (c == '\n')
		r->line++;
	return c;
}

static void
csv_unget(struct ltv_csv *r, int c)
{
	if (c == EOF || r->npb >= (int)(sizeof(r->pb) / sizeof(r->pb[0])))
		return;
	if (c == '\n')
		r->line--;
	r->pb[r->npb++] = c;
}

/* Skips a UTF-8 byte order mark at the very start of the file; bytes of
 * a false start are put back as data. */
static void
csv_skip_bom(struct ltv_csv *r)
{
	static const int bom[3] = { 0xEF, 0xBB, 0xBF };
	int got[3];
	int i, n = 0;

	for (i = 0; i < 3; i++) {
		got[n] = csv_get(r);
		if (got[n] == EOF)
			break;
		n++;
		if (got[n - 1] != bom[i])
			break;
	}
	if (n == 3 && got[2] == bom[2])
		return;
	while (n > 0)
		csv_unget(r, got[--n]);
}

static void
csv_bad(struct ltv_csv *r, int *bad, const char *fmt, size_t n)
{
	if (*bad)
		return;
	*bad = 1;
	snprintf(r->error, sizeof(r->error), fmt, n);
}

/* Appends one byte to the current field unless the record is already
 * bad; enforces the field and record caps. */
static int
csv_put(struct ltv_csv *r, int c, int *bad)
{
	size_t flen;

	if (*bad)
		return 0;
	if (c == 0) {
		csv_bad(r, bad, "NUL byte in field %zu", r->count);
		return 0;
	}
	flen = r->rec.len - r->offs[r->count - 1];
	if (flen >= TRIAGE_MAX_CSV_FIELD_LEN) {
		csv_bad(r, bad, "field %zu longer than the field limit",
		        r->count);
		return 0;
	}
	if (r->rec.len >= TRIAGE_MAX_CSV_RECORD_LEN) {
		csv_bad(r, bad,
		        "record longer than the record limit (%zu "
		        "fields read)",
		        r->count);
		return 0;
	}
	if (buf_putc(&r->rec, (char)c) != BUF_OK)
		return -1;
	return 0;
}

/* Reads a quoted field's body after its opening quote; returns the byte
 * after the closing quote (or EOF when it never closed). */
static int
csv_quoted(struct ltv_csv *r, int *bad, int *nomem, unsigned open_line)
{
	int c;

	for (;;) {
		c = csv_get(r);
		if (c == EOF) {
			if (!*bad) {
				*bad = 1;
				snprintf(r->error, sizeof(r->error),
				         "unterminated quoted field (opened on "
				         "line %u)",
				         open_line);
			}
			return EOF;
		}
		if (c == '"') {
			c = csv_get(r);
			if (c != '"')
				return c;
		}
		if (csv_put(r, c, bad) < 0) {
			*nomem = 1;
			return EOF;
		}
	}
}

static void
csv_field_begin(struct ltv_csv *r, int *bad)
{
	if (r->count >= TRIAGE_MAX_CSV_COLUMNS) {
		csv_bad(r, bad, "more than %zu columns",
		        (size_t)TRIAGE_MAX_CSV_COLUMNS);
		return;
	}
	r->offs[r->count++] = r->rec.len;
}

static int
csv_field_end(struct ltv_csv *r, int bad)
{
	if (bad)
		return 0;
	return buf_putc(&r->rec, '\0') == BUF_OK ? 0 : -1;
}

/* Reads one record whose first byte is c. */
static enum ltv_csv_status
csv_record(struct ltv_csv *r, int c)
{
	int bad = 0, nomem = 0;

	for (;;) {
		csv_field_begin(r, &bad);
		if (c == '"') {
			c = csv_quoted(r, &bad, &nomem, r->line);
			if (nomem)
				return LTV_CSV_NOMEM;
			if (c != ',' && c != '\n' && c != '\r' && c != EOF)
				csv_bad(r, &bad,
				        "text after the closing quote "
				        "of field %zu",
				        r->count);
		}
		while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
			if (csv_put(r, c, &bad) < 0)
				return LTV_CSV_NOMEM;
			c = csv_get(r);
		}
		if (csv_field_end(r, bad) < 0)
			return LTV_CSV_NOMEM;
		if (c == ',') {
			c = csv_get(r);
			continue;
		}
		if (c == '\r') {
			c = csv_get(r);
			if (c != '\n' && c != EOF)
				csv_unget(r, c);
		}
		break;
	}
	if (c == EOF && ferror(r->fp))
		return LTV_CSV_IOERR;
	if (bad) {
		/* Fields of a bad record are not NUL terminated: hide them. */
		r->count = 0;
		return LTV_CSV_BAD;
	}
	return LTV_CSV_OK;
}

enum ltv_csv_status
ltv_csv_next(struct ltv_csv *r)
{
	int c;

	buf_reset(&r->rec);
	r->count = 0;
	r->error[0] = '\0';
	if (!r->started) {
		r->started = 1;
		csv_skip_bom(r);
	}
	for (;;) {
		r->rec_line = r->line;
		c = csv_get(r);
		if (c == EOF)
			return ferror(r->fp) ? LTV_CSV_IOERR : LTV_CSV_EOF;
		if (c == '\n')
			continue;
		if (c == '\r') {
			c = csv_get(r);
			if (c != '\n' && c != EOF)
				csv_unget(r, c);
			continue;
		}
		return csv_record(r, c);
	}
}

const char *
ltv_csv_field(const struct ltv_csv *r, size_t i)
{
	if (i >= r->count)
		return "";
	return r->rec.data ? r->rec.data + r->offs[i] : "";
}

/* Shopify writes amounts as plain decimals ("1240.00"); anything else
 * (a sign, "1,240.00", "12,50", "$5", "1e3") is refused rather than
 * guessed, so a mis-exported file cannot silently change a tier. */
int
ltv_parse_cents(const char *s, int64_t *out)
{
	int64_t units = 0, frac = 0;
	int ndig = 0, nfrac = 0, dot = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s != '\0' && *s != ' ' && *s != '\t'; s++) {
		if (*s == '.' && !dot) {
			dot = 1;
		} else if (*s >= '0' && *s <= '9') {
			if (!dot) {
				if (units > TRIAGE_MAX_CSV_CENTS / 100)
					return -1; /* and no overflow below */
				units = units * 10 + (*s - '0');
				ndig++;
			} else if (nfrac < 2) {
				frac = frac * 10 + (*s - '0');
				nfrac++;
			} else if (*s != '0') {
				return -1; /* a fraction of a cent */
			}
		} else {
			return -1;
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0' || (ndig == 0 && nfrac == 0))
		return -1;
	if (nfrac == 1)
		frac *= 10;
	if (units * 100 + frac > TRIAGE_MAX_CSV_CENTS)
		return -1;
	*out = units * 100 + frac;
	return 0;
}

void
ltv_format_cents(int64_t cents, char *out, size_t outlen)
{
	const char *sign = cents < 0 ? "-" : "";
	uint64_t v =
	    cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(out, outlen, "%s%llu.%02llu", sign,
	         (unsigned long long)(v / 100), (unsigned long long)(v % 100));
}

int
ltv_addr_norm(const char *in, char *out, size_t outlen)
{
	size_t n, i, at = 0, ats = 0;
	const char *e;

	if (in == NULL)
		return -1;
	while (*in == ' ' || *in == '\t')
		in++;
	e = in + strlen(in);
	while (e > in && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - in >= 2 && *in == '<' && e[-1] == '>') {
		in++;
		e--;
	}
	n = (size_t)(e - in);
	if (n == 0 || n > TRIAGE_MAX_ADDRESS_LEN || n >= outlen)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',')
			return -1;
		if (c == '@') {
			at = i;
			ats++;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
	}
	out[n] = '\0';
	if (ats != 1 || at == 0 || at == n - 1)
		return -1;
	return 0;
}
