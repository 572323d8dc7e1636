/*
 * ltv_import.c - the customer database schema (versioned migrations) and
 * the import of shop exports into it, for `triagectl import`.
 *
 * Owns: the SQL that creates and migrates the schema, the recognition of
 * a CSV file by its header row (Shopify customers export, current and
 * older column sets; Shopify orders export; plain email,ltv[,orders,
 * currency]), and the one write transaction per imported file.
 *
 * Untrusted input: the CSV file (from the shop admin or a script).  Every
 * value is checked before it is bound as a parameter; a bad row is
 * skipped with a "FILE:LINE: why" diagnostic, or with strict fails the
 * whole file with nothing changed.
 */
#include "triage/ltv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "ltv_int.h"
#include "triage/buf.h"

/* An import waits this long for a history write to finish; readers never
 * block it (WAL). */
#define IMPORT_BUSY_TIMEOUT_MS 10000

static const char *const migrations[] = {
	/* 1: everything. */
	"CREATE TABLE customers ("
	" id INTEGER PRIMARY KEY,"
	" email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" shop_id TEXT, name TEXT,"
	" ltv_cents INTEGER NOT NULL DEFAULT 0,"
	" currency TEXT NOT NULL DEFAULT 'USD',"
	" orders_count INTEGER NOT NULL DEFAULT 0,"
	" first_order TEXT, last_order TEXT, tags TEXT,"
	" basis TEXT NOT NULL DEFAULT 'total-spent'"
	"  CHECK (basis IN ('total-spent', 'orders')),"
	" updated INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE addresses ("
	" customer_id INTEGER NOT NULL REFERENCES customers(id)"
	"  ON DELETE CASCADE,"
	" email TEXT NOT NULL UNIQUE COLLATE NOCASE);"
	"CREATE TABLE orders ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" customer_email TEXT COLLATE NOCASE,"
	" total_cents INTEGER NOT NULL DEFAULT 0,"
	" refunded_cents INTEGER NOT NULL DEFAULT 0,"
	" financial_status TEXT,"
	" cancelled INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT);"
	"CREATE INDEX orders_customer ON orders(customer_email);"
	"CREATE TABLE history ("
	" id INTEGER PRIMARY KEY,"
	" customer_email TEXT NOT NULL COLLATE NOCASE,"
	" message_id TEXT NOT NULL UNIQUE,"
	" flags TEXT NOT NULL DEFAULT '',"
	" tier TEXT, action TEXT,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX history_customer_at ON history(customer_email, at);"
	"CREATE INDEX history_at ON history(at);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == LTV_SCHEMA_VERSION,
               "one migration per schema version");

static int
schema_version(sqlite3 *conn, int *version, int *rc)
{
	sqlite3_stmt *st = NULL;

	*rc = sqlite3_prepare_v2(conn, "PRAGMA user_version", -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return -1;
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		*rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return *rc == SQLITE_OK ? 0 : -1;
}

int
ltv_schema_check(sqlite3 *conn, const char *path, int *rc,
                 struct triage_err *err)
{
	int v = 0;

	if (schema_version(conn, &v, rc) < 0) {
		triage_err_set(err, "ltv: cannot read %s: %s", path,
		               sqlite3_errstr(*rc));
		return -1;
	}
	if (v > LTV_SCHEMA_VERSION) {
		*rc = SQLITE_ERROR;
		triage_err_set(err,
		               "ltv: %s has schema version %d, newer than "
		               "this program knows (%d); upgrade triage-milter",
		               path, v, LTV_SCHEMA_VERSION);
		return -1;
	}
	if (v < LTV_SCHEMA_VERSION) {
		*rc = SQLITE_ERROR;
		triage_err_set(err,
		               "ltv: %s has schema version %d, not %d; run "
		               "triagectl import to create or migrate it",
		               path, v, LTV_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int
exec_or_err(sqlite3 *conn, const char *sql, const char *path,
            struct triage_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(conn, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	triage_err_set(err, "ltv: %s: %s", path,
	               msg ? msg : sqlite3_errmsg(conn));
	sqlite3_free(msg);
	return -1;
}

int
ltv_schema_migrate(sqlite3 *conn, const char *path, struct triage_err *err)
{
	char sql[64];
	int v = 0, rc;

	if (schema_version(conn, &v, &rc) < 0) {
		triage_err_set(err, "ltv: cannot read %s: %s", path,
		               sqlite3_errstr(rc));
		return -1;
	}
	if (v > LTV_SCHEMA_VERSION)
		return ltv_schema_check(conn, path, &rc, err);
	/* WAL lets lookups read while an import writes. */
	if (exec_or_err(conn, "PRAGMA journal_mode=WAL", path, err) < 0)
		return -1;
	for (; v < LTV_SCHEMA_VERSION; v++) {
		if (exec_or_err(conn, "BEGIN IMMEDIATE", path, err) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec_or_err(conn, migrations[v], path, err) < 0 ||
		    exec_or_err(conn, sql, path, err) < 0) {
			sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (exec_or_err(conn, "COMMIT", path, err) < 0) {
			sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* --- import --- */

enum col {
	COL_ID,
	COL_FIRST,
	COL_LAST,
	COL_EMAIL,
	COL_SPENT,
	COL_ORDERS,
	COL_TAGS,
	COL_NAME,
	COL_FIN,
	COL_TOTAL,
	COL_CREATED,
	COL_REFUNDED,
	COL_CANCELLED,
	COL_LTV,
	COL_CURRENCY,
	COL_COUNT
};

enum kind { KIND_CUSTOMERS, KIND_ORDERS, KIND_PLAIN };

struct imp {
	const struct config *cfg;
	const char *path; /* the CSV file, for diagnostics */
	struct diags *d;
	struct ltv_import_stats *st;
	sqlite3 *db;
	sqlite3_stmt *upsert;
	enum kind kind;
	int col[COL_COUNT]; /* column index, -1 when absent */
	unsigned line;      /* line of the current record */
	char order[64];     /* order whose first row came last */
	int64_t now;
};

static const char *const sql_customer =
    "INSERT INTO customers (email, shop_id, name, ltv_cents, currency,"
    " orders_count, tags, basis, updated)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'total-spent', ?8)"
    " ON CONFLICT (email) DO UPDATE SET"
    " shop_id = coalesce(excluded.shop_id, shop_id),"
    " name = coalesce(excluded.name, name),"
    " ltv_cents = excluded.ltv_cents, currency = excluded.currency,"
    " orders_count = excluded.orders_count,"
    " tags = coalesce(excluded.tags, tags),"
    " basis = 'total-spent', updated = excluded.updated";

static const char *const sql_order =
    "INSERT INTO orders (name, customer_email, total_cents,"
    " refunded_cents, financial_status, cancelled, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (name) DO UPDATE SET"
    " customer_email = excluded.customer_email,"
    " total_cents = excluded.total_cents,"
    " refunded_cents = excluded.refunded_cents,"
    " financial_status = excluded.financial_status,"
    " cancelled = excluded.cancelled, created_at = excluded.created_at";

/* Customers known only from orders get LTV = what they paid and kept
 * (Total - Refunded Amount) over paid, partially refunded and refunded
 * orders that were not cancelled; customers from a customers export keep
 * their Total Spent.  Everyone gets first and last order dates. */
static const char *const sql_recompute =
    "INSERT INTO customers (email, ltv_cents, currency, orders_count,"
    " first_order, last_order, basis, updated)"
    " SELECT lower(customer_email),"
    "  sum(CASE WHEN ok THEN total_cents - refunded_cents ELSE 0 END),"
    "  ?1, sum(ok), min(created_at), max(created_at), 'orders', ?2"
    " FROM (SELECT customer_email, total_cents, refunded_cents,"
    "  created_at, (cancelled = 0 AND financial_status IN"
    "  ('paid', 'partially_refunded', 'refunded')) AS ok"
    "  FROM orders WHERE customer_email IS NOT NULL)"
    " WHERE true GROUP BY lower(customer_email)"
    " ON CONFLICT (email) DO UPDATE SET"
    " ltv_cents = CASE WHEN basis = 'orders' THEN excluded.ltv_cents"
    "  ELSE ltv_cents END,"
    " orders_count = CASE WHEN basis = 'orders'"
    "  THEN excluded.orders_count ELSE orders_count END,"
    " first_order = excluded.first_order,"
    " last_order = excluded.last_order, updated = excluded.updated";

static void
imp_bad(struct imp *im, const char *fmt, const char *value)
{
	char safe[64];

	str_lcpy(safe, value ? value : "", sizeof(safe));
	for (char *p = safe; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = '?';
	diags_add(im->d, DIAG_ERROR, im->path, im->line, 0, fmt, safe);
	im->st->skipped++;
}

/* Field by column role, with Shopify's leading apostrophe (which keeps
 * spreadsheet programs from eating leading zeros) and blanks removed.
 * Copies into out; "" when the column is absent. */
static const char *
imp_field(const struct imp *im, const struct ltv_csv *r, enum col c, char *out,
          size_t outlen)
{
	const char *s, *e;
	size_t n;

	out[0] = '\0';
	if (im->col[c] < 0)
		return out;
	s = ltv_csv_field(r, (size_t)im->col[c]);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\'')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	                 e[-1] == '\n'))
		e--;
	n = (size_t)(e - s);
	if (n >= outlen) {
		/* Only free text (names, tags) is that long: cut it on a
		 * UTF-8 character boundary. */
		n = outlen - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static int
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Runs the bound upsert; -1 on a database error (diagnostic added). */
static int
imp_step(struct imp *im)
{
	int rc = sqlite3_step(im->upsert);

	sqlite3_reset(im->upsert);
	sqlite3_clear_bindings(im->upsert);
	if (rc == SQLITE_DONE)
		return 0;
	diags_add(im->d, DIAG_ERROR, im->path, im->line, 0,
	          "database error: %s", sqlite3_errmsg(im->db));
	return -1;
}

static int
parse_count(const char *s, long *out)
{
	long long v;

	if (*s == '\0') {
		*out = 0;
		return 0;
	}
	if (str_to_ll(s, 0, 100000000, &v) < 0)
		return -1;
	*out = (long)v;
	return 0;
}

/* One row of a Shopify customers export or of a plain file.  0 done,
 * 1 bad row (counted, diagnostic added), -1 database error. */
static int
imp_customer(struct imp *im, const struct ltv_csv *r)
{
	char raw[TRIAGE_MAX_ADDRESS_LEN + 64],
	    email[TRIAGE_MAX_ADDRESS_LEN + 1];
	char amount[64], count[64], id[64], cur[16], first[256], last[256];
	char name[520], tags[1024];
	int64_t cents;
	long orders;
	sqlite3_stmt *st = im->upsert;

	imp_field(im, r, COL_EMAIL, raw, sizeof(raw));
	if (raw[0] == '\0')
		return imp_bad(im, "no email address%s", ""), 1;
	if (ltv_addr_norm(raw, email, sizeof(email)) < 0)
		return imp_bad(im, "\"%s\" is not an email address", raw), 1;
	imp_field(im, r, im->kind == KIND_PLAIN ? COL_LTV : COL_SPENT, amount,
	          sizeof(amount));
	if (ltv_parse_cents(amount, &cents) < 0)
		return imp_bad(im,
		               im->kind == KIND_PLAIN
		                   ? "ltv \"%s\" is not an amount"
		                   : "Total Spent \"%s\" is not an amount",
		               amount),
		       1;
	if (parse_count(imp_field(im, r, COL_ORDERS, count, sizeof(count)),
	                &orders) < 0)
		return imp_bad(im, "order count \"%s\" is not a number", count),
		       1;
	imp_field(im, r, COL_CURRENCY, cur, sizeof(cur));
	if (cur[0] != '\0' && (strlen(cur) != 3 ||
	                       strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
		return imp_bad(im, "currency \"%s\" is not a code like USD",
		               cur),
		       1;
	imp_field(im, r, COL_FIRST, first, sizeof(first));
	imp_field(im, r, COL_LAST, last, sizeof(last));
	snprintf(name, sizeof(name), "%s%s%s", first,
	         first[0] && last[0] ? " " : "", last);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	bind_text_or_null(st, 2, imp_field(im, r, COL_ID, id, sizeof(id)));
	bind_text_or_null(st, 3, name);
	sqlite3_bind_int64(st, 4, cents);
	sqlite3_bind_text(st, 5, cur[0] ? cur : im->cfg->currency, -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, orders);
	bind_text_or_null(st, 7,
	                  imp_field(im, r, COL_TAGS, tags, sizeof(tags)));
	sqlite3_bind_int64(st, 8, im->now);
	if (imp_step(im) < 0)
		return -1;
	im->st->customers++;
	return 0;
}

/* A line-item row after an order's first row: Shopify leaves Total and
 * the status empty there.  It must follow its order's first row. */
static int
imp_order_item(struct imp *im, const char *name)
{
	if (strcmp(name, im->order) != 0)
		return imp_bad(im,
		               "line item of order %s without the order's "
		               "first row (no Total)",
		               name),
		       1;
	return 0;
}

static int
imp_order(struct imp *im, const struct ltv_csv *r)
{
	char name[64], raw[TRIAGE_MAX_ADDRESS_LEN + 64];
	char email[TRIAGE_MAX_ADDRESS_LEN + 1], total[64], refunded[64];
	char fin[64], created[64], cancelled[64];
	int64_t tc, rc = 0;
	sqlite3_stmt *st = im->upsert;

	imp_field(im, r, COL_NAME, name, sizeof(name));
	if (name[0] == '\0' || strlen(name) >= 32)
		return imp_bad(im, "order Name \"%s\" is empty or too long",
		               name),
		       1;
	if (imp_field(im, r, COL_TOTAL, total, sizeof(total))[0] == '\0')
		return imp_order_item(im, name);
	/* Its line items follow, even when this first row turns out bad
	 * (one diagnostic per order, not one per item). */
	str_lcpy(im->order, name, sizeof(im->order));
	if (ltv_parse_cents(total, &tc) < 0)
		return imp_bad(im, "Total \"%s\" is not an amount", total), 1;
	imp_field(im, r, COL_REFUNDED, refunded, sizeof(refunded));
	if (refunded[0] != '\0' && ltv_parse_cents(refunded, &rc) < 0)
		return imp_bad(im, "Refunded Amount \"%s\" is not an amount",
		               refunded),
		       1;
	if (rc > tc)
		return imp_bad(im, "Refunded Amount %s is more than the Total",
		               refunded),
		       1;
	imp_field(im, r, COL_EMAIL, raw, sizeof(raw));
	if (raw[0] != '\0' && ltv_addr_norm(raw, email, sizeof(email)) < 0)
		return imp_bad(im, "\"%s\" is not an email address", raw), 1;
	imp_field(im, r, COL_FIN, fin, sizeof(fin));
	for (char *p = fin; *p; p++)
		*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32)
		     : *p == ' '              ? '_'
		                              : *p;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	bind_text_or_null(st, 2, raw[0] ? email : NULL);
	sqlite3_bind_int64(st, 3, tc);
	sqlite3_bind_int64(st, 4, rc);
	bind_text_or_null(st, 5, fin);
	sqlite3_bind_int(st, 6,
	                 imp_field(im, r, COL_CANCELLED, cancelled,
	                           sizeof(cancelled))[0] != '\0');
	bind_text_or_null(
	    st, 7, imp_field(im, r, COL_CREATED, created, sizeof(created)));
	if (imp_step(im) < 0)
		return -1;
	im->st->orders++;
	return 0;
}

static int
header_find(const struct ltv_csv *r, const char *name)
{
	for (size_t i = 0; i < r->count; i++) {
		const char *f = ltv_csv_field(r, i);

		while (*f == ' ')
			f++;
		if (str_casecmp(f, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Recognises the file by its header row; -1 when it is none of ours. */
static int
imp_detect(struct imp *im, const struct ltv_csv *r)
{
	static const char *const names[COL_COUNT] = {
		"Customer ID",  "First Name",  "Last Name",
		"Email",        "Total Spent", "Total Orders",
		"Tags",         "Name",        "Financial Status",
		"Total",        "Created at",  "Refunded Amount",
		"Cancelled at", "ltv",         "currency",
	};

	for (int c = 0; c < COL_COUNT; c++)
		im->col[c] = header_find(r, names[c]);
	if (im->col[COL_EMAIL] >= 0 && im->col[COL_SPENT] >= 0) {
		im->kind = KIND_CUSTOMERS;
		str_lcpy(im->st->kind, "shopify-customers",
		         sizeof(im->st->kind));
		im->col[COL_CURRENCY] = im->col[COL_LTV] = -1;
		return 0;
	}
	if (im->col[COL_NAME] >= 0 && im->col[COL_EMAIL] >= 0 &&
	    im->col[COL_FIN] >= 0 && im->col[COL_TOTAL] >= 0) {
		im->kind = KIND_ORDERS;
		str_lcpy(im->st->kind, "shopify-orders", sizeof(im->st->kind));
		return 0;
	}
	im->col[COL_ORDERS] = header_find(r, "orders");
	if (im->col[COL_EMAIL] == 0 && im->col[COL_LTV] == 1 && r->count <= 4) {
		for (int c = 0; c < COL_COUNT; c++)
			if (c != COL_EMAIL && c != COL_LTV && c != COL_ORDERS &&
			    c != COL_CURRENCY)
				im->col[c] = -1;
		if ((size_t)(im->col[COL_ORDERS] >= 0) +
		        (size_t)(im->col[COL_CURRENCY] >= 0) + 2 ==
		    r->count) {
			im->kind = KIND_PLAIN;
			str_lcpy(im->st->kind, "plain", sizeof(im->st->kind));
			return 0;
		}
	}
	return -1;
}

static int
imp_open_db(struct imp *im, const char *db_path)
{
	struct triage_err err;
	int rc;

	rc = sqlite3_open_v2(db_path, &im->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                         SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		diags_add(im->d, DIAG_ERROR, db_path, 0, 0,
		          "cannot open database: %s", sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(im->db, IMPORT_BUSY_TIMEOUT_MS);
	/* WAL with synchronous=NORMAL cannot corrupt on power loss; it may
	 * lose the last commit, which a re-import restores. */
	sqlite3_exec(im->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (ltv_schema_migrate(im->db, db_path, &err) < 0) {
		diags_add(im->d, DIAG_ERROR, NULL, 0, 0, "%s", err.text);
		return -1;
	}
	return 0;
}

/* Reads every record after the header.  0, or -1 on a database error,
 * out of memory or a read error (the caller rolls back). */
static int
imp_rows(struct imp *im, struct ltv_csv *r)
{
	enum ltv_csv_status s;
	int rc;

	while ((s = ltv_csv_next(r)) != LTV_CSV_EOF) {
		im->line = r->rec_line;
		if (s == LTV_CSV_BAD) {
			imp_bad(im, "%s", r->error);
			continue;
		}
		if (s != LTV_CSV_OK) {
			diags_add(im->d, DIAG_ERROR, im->path, im->line, 0,
			          "%s",
			          s == LTV_CSV_NOMEM ? "out of memory"
			                             : strerror(errno));
			return -1;
		}
		rc = im->kind == KIND_ORDERS ? imp_order(im, r)
		                             : imp_customer(im, r);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
imp_recompute(struct imp *im)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(im->db, sql_recompute, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, im->cfg->currency, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, im->now);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		diags_add(im->d, DIAG_ERROR, im->path, 0, 0,
		          "database error: %s", sqlite3_errmsg(im->db));
		return -1;
	}
	im->st->customers = sqlite3_changes(im->db);
	return 0;
}

/* Header, rows and (for orders) the recomputation, inside the caller's
 * transaction. */
static int
imp_body(struct imp *im, struct ltv_csv *r)
{
	enum ltv_csv_status s = ltv_csv_next(r);

	if (s != LTV_CSV_OK || imp_detect(im, r) < 0) {
		diags_add(
		    im->d, DIAG_ERROR, im->path,
		    s == LTV_CSV_EOF ? 0 : r->rec_line, 0, "%s",
		    s == LTV_CSV_EOF
		        ? "empty file"
		        : "header row is not a Shopify customers or orders "
		          "export, nor email,ltv[,orders,currency]");
		return -1;
	}
	if (sqlite3_prepare_v2(
	        im->db, im->kind == KIND_ORDERS ? sql_order : sql_customer, -1,
	        &im->upsert, NULL) != SQLITE_OK) {
		diags_add(im->d, DIAG_ERROR, im->path, 0, 0,
		          "database error: %s", sqlite3_errmsg(im->db));
		return -1;
	}
	if (imp_rows(im, r) < 0)
		return -1;
	if (im->kind == KIND_ORDERS && imp_recompute(im) < 0)
		return -1;
	return 0;
}

int
ltv_import(const struct config *cfg, const char *db_path, const char *csv_path,
           int strict, struct ltv_import_stats *st, struct diags *d)
{
	struct imp im;
	struct ltv_csv r;
	FILE *fp;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	memset(&im, 0, sizeof(im));
	im.cfg = cfg;
	im.path = csv_path;
	im.d = d;
	im.st = st;
	im.now = (int64_t)time(NULL);
	fp = fopen(csv_path, "rb");
	if (fp == NULL) {
		diags_add(d, DIAG_ERROR, csv_path, 0, 0, "cannot open: %s",
		          strerror(errno));
		return -1;
	}
	ltv_csv_init(&r, fp);
	if (imp_open_db(&im, db_path) < 0)
		goto done;
	if (sqlite3_exec(im.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		diags_add(d, DIAG_ERROR, db_path, 0, 0,
		          "cannot start a write "
		          "transaction: %s",
		          sqlite3_errmsg(im.db));
		goto done;
	}
	ret = imp_body(&im, &r);
	if (ret == 0 && strict && st->skipped > 0) {
		diags_add(d, DIAG_ERROR, csv_path, 0, 0,
		          "%ld bad row%s: nothing "
		          "imported (strict)",
		          st->skipped, st->skipped == 1 ? "" : "s");
		ret = -1;
	}
	if (ret == 0 &&
	    sqlite3_exec(im.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		diags_add(d, DIAG_ERROR, db_path, 0, 0, "cannot commit: %s",
		          sqlite3_errmsg(im.db));
		ret = -1;
	}
	if (ret < 0)
		sqlite3_exec(im.db, "ROLLBACK", NULL, NULL, NULL);
done:
	sqlite3_finalize(im.upsert);
	sqlite3_close(im.db);
	ltv_csv_free(&r);
	fclose(fp);
	return ret;
}
