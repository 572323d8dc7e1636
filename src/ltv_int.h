/*
 * ltv_int.h - types and helpers shared by the files of the ltv module
 * (ltv.c: lookups and history; ltv_import.c: schema and CSV import;
 * ltv_csv.c: the CSV reader).  Not seen outside src/ltv*.c.
 *
 * Untrusted input: CSV bytes from a shop export reach ltv_csv_next();
 * amounts and addresses from those files reach ltv_parse_cents() and
 * ltv_addr_norm().
 */
#ifndef TRIAGE_LTV_INT_H
#define TRIAGE_LTV_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "triage/buf.h"
#include "triage/err.h"
#include "triage/limits.h"

/* The schema version this program writes and reads (PRAGMA
 * user_version).  A database with a larger number was written by a newer
 * program and is refused. */
#define LTV_SCHEMA_VERSION 1

/* --- CSV reader (ltv_csv.c), RFC 4180 --- */

enum ltv_csv_status {
	LTV_CSV_OK = 0,   /* a record is in fields[] */
	LTV_CSV_EOF = 1,  /* no more records */
	LTV_CSV_BAD = -1, /* a malformed record, skipped; see error */
	LTV_CSV_NOMEM = -2,
	LTV_CSV_IOERR = -3, /* reading the file failed (errno) */
};

struct ltv_csv {
	FILE *fp;          /* borrowed */
	unsigned line;     /* physical line of the next byte */
	unsigned rec_line; /* line where the last record started */
	int started;       /* BOM check done */
	int pb[3];         /* bytes pushed back (a false BOM) */
	int npb;
	struct buf rec; /* field bytes, each NUL terminated */
	size_t offs[TRIAGE_MAX_CSV_COLUMNS]; /* each field's start in rec */
	size_t count;                        /* fields in the last record */
	char error[160];                     /* why the last record was bad */
};

/* Prepares r to read fp (caller keeps fp open).  Never fails. */
void ltv_csv_init(struct ltv_csv *r, FILE *fp);

/* Reads the next record.  Blank lines are skipped.  A malformed record
 * (bad quoting, a field, record or column count past its cap, a NUL
 * byte) is read to its end and reported as LTV_CSV_BAD with r->error
 * set, r->rec_line at its first line and no fields, so the caller may
 * go on. */
enum ltv_csv_status ltv_csv_next(struct ltv_csv *r);

/* Field i of the last record ("" past the end); borrowed until the next
 * ltv_csv_next(). */
const char *ltv_csv_field(const struct ltv_csv *r, size_t i);

void ltv_csv_free(struct ltv_csv *r);

/* --- values --- */

/* Parses a decimal amount ("1240", "1240.5", "1240.00", " 0.99 ") into
 * cents exactly.  No sign, no thousands separators, at most two
 * significant decimals.  0, or -1 for anything else. */
int ltv_parse_cents(const char *s, int64_t *out);

/* Normalises an address for comparison: trims blanks and one pair of
 * angle brackets, lower-cases ASCII.  Needs one '@' with text on both
 * sides, no blanks or controls, at most TRIAGE_MAX_ADDRESS_LEN bytes.
 * Writes to out (size outlen > TRIAGE_MAX_ADDRESS_LEN); 0 or -1. */
int ltv_addr_norm(const char *in, char *out, size_t outlen);

/* Formats cents as "1240.00" into out. */
void ltv_format_cents(int64_t cents, char *out, size_t outlen);

/* --- schema (ltv_import.c) --- */

/* Brings the database on conn up to LTV_SCHEMA_VERSION (each migration
 * in its own transaction) and sets WAL mode.  -1 with err when the file
 * is newer than this program or a statement fails. */
int ltv_schema_migrate(sqlite3 *conn, const char *path, struct triage_err *err);

/* Reads PRAGMA user_version; 0 when it equals LTV_SCHEMA_VERSION, else
 * -1 with err saying whether the file is uninitialised, newer or
 * unreadable.  *rc receives the SQLite result code of a failure. */
int ltv_schema_check(sqlite3 *conn, const char *path, int *rc,
                     struct triage_err *err);

#endif
