/*
 * ltv.c - customer lookups, tiers and the flag history (see ltv.h).
 *
 * Owns: a pool of read-only SQLite connections with their prepared
 * statements (one taken per lookup and given back, so a connection
 * outlives the short-lived libmilter worker thread that opened it), the single
 * read-write connection for history writes behind a mutex, the compiled
 * order-number pattern, and the watch on the database file (replaced,
 * made world-writable, broken) that decides when connections reopen.
 *
 * Untrusted input: addresses and customer text from mail.  Addresses are
 * normalised (ltv_addr_norm) before they are bound; text only meets the
 * PCRE2 order pattern under match limits.  SQL is bound parameters only.
 * The database file itself is trusted only as far as its mode allows: a
 * file writable by others is refused.
 */
#include "triage/ltv.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sqlite3.h>

#include "ltv_int.h"
#include "triage/buf.h"
#include "triage/log.h"

/* How often (ms) lookups stat the database path to notice a file that
 * was replaced, removed or chmod'ed; an error triggers a check at once. */
#define LTV_RECHECK_MS 2000
/* At most one log line about an unusable database per this many s. */
#define LTV_LOG_INTERVAL_S 60
/* Page cache of each pooled read connection, in KiB (SQLite's default is
 * 2000).  The file is read with pread, not mapped: a mapping made every
 * page a lookup ever touched count in the daemon's memory (8.5 of 10 MB
 * for 100,000 customers), while the upper levels of the indexes, all a
 * lookup needs twice, fit in this cache. */
#define LTV_CACHE_KIB "256"

enum stmt_id {
	ST_CUSTOMER,
	ST_ORDER,
	ST_HISTORY,
	ST_DESCRIBE,
	ST_STATS,
	ST_BEGIN,
	ST_END,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_CUSTOMER] =
	    "SELECT email, ltv_cents, currency, orders_count, basis"
	    " FROM customers WHERE email = ?1"
	    " UNION ALL SELECT c.email, c.ltv_cents, c.currency, c.orders_count,"
	    " c.basis FROM addresses a JOIN customers c ON c.id = a.customer_id"
	    " WHERE a.email = ?1 LIMIT 1",
	[ST_ORDER] =
	    "SELECT o.customer_email, c.email, c.ltv_cents, c.currency,"
	    " c.orders_count, c.basis FROM orders o"
	    " LEFT JOIN customers c ON c.email = o.customer_email"
	    " WHERE o.name = ?1",
	[ST_HISTORY] =
	    "SELECT flags FROM history WHERE customer_email = ?1 AND at >= ?2"
	    " ORDER BY at",
	[ST_DESCRIBE] =
	    "SELECT name, shop_id, first_order, last_order, tags FROM customers"
	    " WHERE email = ?1",
	[ST_STATS] = "SELECT flags, tier, action FROM history WHERE at >= ?1",
	/* One read transaction per lookup: one snapshot for all steps, and
	 * one WAL lock round instead of one per statement. */
	[ST_BEGIN] = "BEGIN",
	[ST_END] = "COMMIT",
};

/* One pooled read-only connection, used by one lookup at a time. */
struct ltv_conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	pcre2_match_data *md;
	unsigned gen;          /* owner->gen when opened */
	struct ltv_conn *next; /* in the idle list */
};

struct ltv_file_id {
	int exists;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	struct timespec mtime;
};

struct ltv_db {
	const struct config *cfg; /* borrowed; outlives the handle */
	char *path;
	pthread_mutex_t lock;  /* idle, file id, log time */
	struct ltv_conn *idle; /* connections no lookup holds */
	pcre2_code *order_re;  /* NULL: no order step */
	pcre2_match_context *mctx;
	atomic_uint gen; /* bumped when the file changes */
	atomic_llong next_check_ms;
	struct ltv_file_id fid;
	time_t last_log;
	atomic_int failing;    /* the last open or query failed */
	pthread_mutex_t wlock; /* the write connection below */
	sqlite3 *w;
	sqlite3_stmt *w_ins, *w_purge;
	unsigned wgen;
};

static int ltv_order_compile(struct ltv_db *db);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs why the database cannot be used, at most once a minute. */
static void
db_log_failure(struct ltv_db *db, const char *why)
{
	time_t now = time(NULL);
	int say;

	pthread_mutex_lock(&db->lock);
	say = db->last_log == 0 || now - db->last_log >= LTV_LOG_INTERVAL_S;
	if (say)
		db->last_log = now;
	db->failing = 1;
	pthread_mutex_unlock(&db->lock);
	if (say)
		log_warn("%s; tier %s until it is readable", why,
		         db->cfg->tier_unknown);
}

static void
db_log_recovered(struct ltv_db *db)
{
	int was;

	if (!atomic_load(&db->failing))
		return;
	pthread_mutex_lock(&db->lock);
	was = db->failing;
	db->failing = 0;
	db->last_log = 0;
	pthread_mutex_unlock(&db->lock);
	if (was)
		log_info("ltv: %s is readable again", db->path);
}

static void
file_id_read(const char *path, struct ltv_file_id *id)
{
	struct stat sb;

	memset(id, 0, sizeof(*id));
	if (stat(path, &sb) != 0)
		return;
	id->exists = 1;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	id->mode = sb.st_mode;
	id->mtime = sb.st_mtim;
}

/* Every LTV_RECHECK_MS (or at once with force) compares the file behind
 * the path with what the connections opened; any difference (replaced
 * by rename, removed, chmod'ed, rewritten) makes every connection
 * reopen before its next query. */
static void
db_check_file(struct ltv_db *db, int force)
{
	struct ltv_file_id id;
	long long now = now_ms();

	if (!force && now < atomic_load(&db->next_check_ms))
		return;
	atomic_store(&db->next_check_ms, now + LTV_RECHECK_MS);
	file_id_read(db->path, &id);
	pthread_mutex_lock(&db->lock);
	if (id.exists != db->fid.exists || id.dev != db->fid.dev ||
	    id.ino != db->fid.ino || id.mode != db->fid.mode ||
	    id.mtime.tv_sec != db->fid.mtime.tv_sec ||
	    id.mtime.tv_nsec != db->fid.mtime.tv_nsec) {
		db->fid = id;
		atomic_fetch_add(&db->gen, 1);
	}
	pthread_mutex_unlock(&db->lock);
}

/* Refuses a missing, non-regular or world-writable file before SQLite
 * sees it.  0, or -1 with why. */
static int
db_file_ok(const struct ltv_db *db, char *why, size_t whylen)
{
	struct stat sb;

	if (stat(db->path, &sb) != 0) {
		snprintf(why, whylen, "ltv: cannot open %s: %s", db->path,
		         strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "ltv: %s is not a regular file",
		         db->path);
		return -1;
	}
	if (sb.st_mode & S_IWOTH) {
		snprintf(why, whylen,
		         "ltv: %s is writable by others; refusing "
		         "it (chmod o-w)",
		         db->path);
		return -1;
	}
	return 0;
}

static void
conn_free(struct ltv_conn *c)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	pcre2_match_data_free(c->md);
	free(c);
}

/* Opens the read-only connection.  0; -1 with why (SQLite result in
 * *rc, or SQLITE_CANTOPEN when the file was refused); -2 out of
 * memory. */
static int
conn_open_db(struct ltv_db *db, struct ltv_conn *c, char *why, size_t whylen)
{
	struct triage_err err;
	int rc;

	if (db_file_ok(db, why, whylen) < 0)
		return -1;
	rc = sqlite3_open_v2(db->path, &c->db,
	                     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_NOMEM)
		return -2;
	if (rc != SQLITE_OK) {
		snprintf(why, whylen, "ltv: cannot open %s: %s", db->path,
		         sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(c->db, (int)db->cfg->busy_timeout_ms);
	sqlite3_exec(c->db, "PRAGMA cache_size = -" LTV_CACHE_KIB, NULL, NULL,
	             NULL);
	if (ltv_schema_check(c->db, db->path, &rc, &err) < 0) {
		if (rc == SQLITE_NOMEM)
			return -2;
		str_lcpy(why, err.text, whylen);
		return -1;
	}
	for (int i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(c->db, stmt_sql[i], -1,
		                        SQLITE_PREPARE_PERSISTENT, &c->st[i],
		                        NULL);
		if (rc != SQLITE_OK) {
			snprintf(why, whylen, "ltv: %s: %s", db->path,
			         sqlite3_errmsg(c->db));
			return rc == SQLITE_NOMEM ? -2 : -1;
		}
	}
	return 0;
}

/* Takes a connection from the pool, opening one when none is idle (and
 * dropping one opened before the file changed).  NULL with why: *nomem
 * tells out of memory from an unusable database.  Give it back with
 * conn_put(), or drop it with conn_failed(). */
static struct ltv_conn *
conn_get(struct ltv_db *db, char *why, size_t whylen, int *nomem)
{
	struct ltv_conn *c;
	unsigned gen;
	int rc;

	*nomem = 0;
	db_check_file(db, 0);
	gen = atomic_load(&db->gen);
	for (;;) {
		pthread_mutex_lock(&db->lock);
		c = db->idle;
		if (c != NULL)
			db->idle = c->next;
		pthread_mutex_unlock(&db->lock);
		if (c == NULL)
			break;
		c->next = NULL;
		if (c->gen == gen)
			return c;
		conn_free(c);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || (db->order_re != NULL &&
	                  (c->md = pcre2_match_data_create_from_pattern(
	                       db->order_re, NULL)) == NULL)) {
		free(c);
		*nomem = 1;
		return NULL;
	}
	c->gen = gen;
	rc = conn_open_db(db, c, why, whylen);
	if (rc < 0) {
		*nomem = rc == -2;
		conn_free(c);
		return NULL;
	}
	return c;
}

/* Gives c back to the pool, or frees it when the file changed since it
 * was opened. */
static void
conn_put(struct ltv_db *db, struct ltv_conn *c)
{
	if (c->gen != atomic_load(&db->gen)) {
		conn_free(c);
		return;
	}
	pthread_mutex_lock(&db->lock);
	c->next = db->idle;
	db->idle = c;
	pthread_mutex_unlock(&db->lock);
}

/* After a failed query: drop the connection so the next lookup opens
 * the file afresh, and look at the file now. */
static void
conn_failed(struct ltv_db *db, struct ltv_conn *c)
{
	conn_free(c);
	db_check_file(db, 1);
}

struct ltv_db *
ltv_open(const struct config *cfg)
{
	struct ltv_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->cfg = cfg;
	db->path = str_dup(cfg->db_path ? cfg->db_path : "ltv.db");
	if (db->path == NULL) {
		free(db);
		return NULL;
	}
	pthread_mutex_init(&db->lock, NULL);
	pthread_mutex_init(&db->wlock, NULL);
	atomic_init(&db->gen, 0);
	atomic_init(&db->next_check_ms, 0);
	atomic_init(&db->failing, 0);
	file_id_read(db->path, &db->fid);
	if (ltv_order_compile(db) < 0) {
		ltv_close(db);
		return NULL;
	}
	return db;
}

void
ltv_thread_done(struct ltv_db *db)
{
	/* Connections are pooled, not per thread: nothing to release. */
	(void)db;
}

static void
writer_close(struct ltv_db *db)
{
	sqlite3_finalize(db->w_ins);
	sqlite3_finalize(db->w_purge);
	sqlite3_close(db->w);
	db->w_ins = db->w_purge = NULL;
	db->w = NULL;
}

void
ltv_close(struct ltv_db *db)
{
	struct ltv_conn *c, *next;

	if (db == NULL)
		return;
	for (c = db->idle; c != NULL; c = next) {
		next = c->next;
		conn_free(c);
	}
	writer_close(db);
	pcre2_code_free(db->order_re);
	pcre2_match_context_free(db->mctx);
	pthread_mutex_destroy(&db->lock);
	pthread_mutex_destroy(&db->wlock);
	free(db->path);
	free(db);
}

/* Compiles cfg->order_pattern once per handle.  A pattern that does not
 * compile disables the order step with one error line (the config
 * loader reports it too); -1 only on out of memory. */
static int
ltv_order_compile(struct ltv_db *db)
{
	const struct config *cfg = db->cfg;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	int code;

	if (cfg->order_pattern == NULL || cfg->order_pattern[0] == '\0')
		return 0;
	db->order_re = pcre2_compile(
	    (PCRE2_SPTR)cfg->order_pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF,
	    &code, &off, NULL);
	if (db->order_re == NULL) {
		if (code == PCRE2_ERROR_NOMEMORY)
			return -1;
		pcre2_get_error_message(code, msg, sizeof(msg));
		log_err("ltv: order_pattern: regex error at offset %zu: %s; "
		        "order numbers are not looked up",
		        (size_t)off, (const char *)msg);
		return 0;
	}
	db->mctx = pcre2_match_context_create(NULL);
	if (db->mctx == NULL)
		return -1;
	pcre2_set_match_limit(db->mctx, cfg->match_limit
	                                    ? cfg->match_limit
	                                    : TRIAGE_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(db->mctx, cfg->depth_limit
	                                    ? cfg->depth_limit
	                                    : TRIAGE_PCRE2_DEPTH_LIMIT);
	pcre2_set_heap_limit(db->mctx, cfg->heap_limit_kib
	                                   ? cfg->heap_limit_kib
	                                   : TRIAGE_PCRE2_HEAP_LIMIT_KIB);
	return 0;
}

const char *
ltv_tier(const struct config *cfg, int found, int64_t ltv_cents)
{
	if (!found)
		return cfg->tier_new;
	for (size_t i = 0; i < cfg->tiers_count; i++) {
		const struct config_tier *t = &cfg->tiers[i];

		if (t->min_cents > 0 ? ltv_cents >= t->min_cents
		                     : ltv_cents > t->min_cents)
			return t->name;
	}
	return cfg->tier_new;
}

static void steps_add(struct customer *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends one identity step ("; " separated) to out->steps; cut when
 * full. */
static void
steps_add(struct customer *out, const char *fmt, ...)
{
	size_t used = strlen(out->steps);
	va_list ap;

	if (used > 0 && used + 2 < sizeof(out->steps)) {
		memcpy(out->steps + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(out->steps))
		return;
	va_start(ap, fmt);
	vsnprintf(out->steps + used, sizeof(out->steps) - used, fmt, ap);
	va_end(ap);
}

/* Copies the customer columns (email, ltv, currency, orders, basis)
 * starting at column first of st into out. */
static void
fill_customer(sqlite3_stmt *st, int first, const char *how,
              struct customer *out)
{
	const unsigned char *s;

	out->found = 1;
	str_lcpy(out->matched_by, how, sizeof(out->matched_by));
	s = sqlite3_column_text(st, first);
	str_lcpy(out->email, s ? (const char *)s : "", sizeof(out->email));
	out->ltv_cents = sqlite3_column_int64(st, first + 1);
	s = sqlite3_column_text(st, first + 2);
	str_lcpy(out->currency, s ? (const char *)s : "",
	         sizeof(out->currency));
	out->orders = (long)sqlite3_column_int64(st, first + 3);
	s = sqlite3_column_text(st, first + 4);
	str_lcpy(out->basis, s ? (const char *)s : "", sizeof(out->basis));
}

/* 1 found, 0 not found, or a negative SQLite result code. */
static int
find_address(struct ltv_conn *c, const char *addr, const char *how,
             struct customer *out)
{
	sqlite3_stmt *st = c->st[ST_CUSTOMER];
	int rc;

	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_customer(st, 0, how, out);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -rc;
}

/* One identity step by address: the address as written, then (with
 * fold_plus_tags) without its +tag.  Display names never get here: the
 * caller passes the bare address. */
static int
step_address(struct ltv_db *db, struct ltv_conn *c, const char *raw,
             const char *how, struct customer *out)
{
	char addr[TRIAGE_MAX_ADDRESS_LEN + 1];
	char *plus, *at;
	int rc;

	if (raw == NULL || raw[0] == '\0')
		return 0;
	if (ltv_addr_norm(raw, addr, sizeof(addr)) < 0) {
		steps_add(out, "%s: not an address", how);
		return 0;
	}
	rc = find_address(c, addr, how, out);
	plus = strchr(addr, '+');
	at = strrchr(addr, '@');
	if (rc == 0 && db->cfg->fold_plus_tags && plus != NULL && plus < at &&
	    plus > addr) {
		memmove(plus, at, strlen(at) + 1);
		rc = find_address(c, addr, how, out);
		if (rc >= 0)
			steps_add(out, "%s %s (+tag folded): %s", how, addr,
			          rc ? "found" : "not found");
		return rc;
	}
	if (rc >= 0)
		steps_add(out, "%s %s: %s", how, addr,
		          rc ? "found" : "not found");
	return rc;
}

/* Looks up one order name.  1 found, 0 not, negative SQLite code. */
static int
find_order(struct ltv_conn *c, const char *name, struct customer *out)
{
	sqlite3_stmt *st = c->st[ST_ORDER];
	const unsigned char *who;
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		who = sqlite3_column_text(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			fill_customer(st, 1, "order", out);
			str_lcpy(out->order, name, sizeof(out->order));
			steps_add(out, "order %s: found %s", name, out->email);
		} else {
			steps_add(out, "order %s: %s", name,
			          who ? "customer not in the database"
			              : "no customer address");
			rc = SQLITE_DONE;
		}
	} else if (rc == SQLITE_DONE) {
		steps_add(out, "order %s: not found", name);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -rc;
}

/* Forms prefix + the ASCII digits of a capture; 0 when it has none. */
static int
order_name(const char *prefix, const char *s, size_t len, char *out,
           size_t outlen)
{
	size_t n = str_lcpy(out, prefix, outlen), digits = 0;

	if (n >= outlen)
		return 0;
	for (size_t i = 0; i < len && n + 1 < outlen; i++)
		if (s[i] >= '0' && s[i] <= '9') {
			out[n++] = s[i];
			digits++;
		}
	out[n] = '\0';
	return digits > 0;
}

/* Step 3: order numbers in the customer's text, at most
 * TRIAGE_MAX_ORDER_NUMBERS distinct ones, first found wins. */
static int
step_order(struct ltv_db *db, struct ltv_conn *c, const char *text, size_t len,
           struct customer *out)
{
	char name[sizeof(out->order)], tried[TRIAGE_MAX_ORDER_NUMBERS][32];
	PCRE2_SIZE off = 0, *ov;
	int n = 0, rc, g, dup;

	if (db->order_re == NULL || text == NULL)
		return 0;
	while (n < TRIAGE_MAX_ORDER_NUMBERS && off <= len) {
		rc = pcre2_match(db->order_re, (PCRE2_SPTR)text, len, off, 0,
		                 c->md, db->mctx);
		if (rc < 0)
			break; /* no match, or a limit: no order number */
		ov = pcre2_get_ovector_pointer(c->md);
		g = (rc >= 2 && ov[2] != PCRE2_UNSET) ? 1 : 0;
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80)
			off++;
		if (!order_name(db->cfg->order_prefix ? db->cfg->order_prefix
		                                      : "",
		                text + ov[2 * g], ov[2 * g + 1] - ov[2 * g],
		                name, sizeof(name)))
			continue;
		dup = 0;
		for (int i = 0; i < n; i++)
			dup |= strcmp(tried[i], name) == 0;
		if (dup)
			continue;
		str_lcpy(tried[n++], name, sizeof(tried[0]));
		rc = find_order(c, name, out);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Adds one flag occurrence to out->history (kept in first-seen order). */
static void
history_count(struct customer *out, const char *flag, size_t len)
{
	size_t i;

	while (len > 0 && (*flag == ' ' || *flag == '\t'))
		flag++, len--;
	while (len > 0 && (flag[len - 1] == ' ' || flag[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(out->history[0].flag))
		return;
	for (i = 0; i < out->history_count; i++)
		if (strlen(out->history[i].flag) == len &&
		    memcmp(out->history[i].flag, flag, len) == 0) {
			out->history[i].count++;
			return;
		}
	if (i >= TRIAGE_MAX_FLAGS)
		return;
	memcpy(out->history[i].flag, flag, len);
	out->history[i].flag[len] = '\0';
	out->history[i].count = 1;
	out->history_count++;
}

/* Earlier flags of key within the window.  0 or a negative SQLite
 * code. */
static int
history_load(struct ltv_db *db, struct ltv_conn *c, const char *key,
             struct customer *out)
{
	sqlite3_stmt *st = c->st[ST_HISTORY];
	int64_t since =
	    (int64_t)time(NULL) - (int64_t)db->cfg->history_window_days * 86400;
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f = (const char *)sqlite3_column_text(st, 0);
		const char *comma;

		for (; f != NULL && *f != '\0';
		     f = *comma ? comma + 1 : comma) {
			comma = strchr(f, ',');
			if (comma == NULL)
				comma = f + strlen(f);
			history_count(out, f, (size_t)(comma - f));
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -rc;
}

static void
customer_reset(const struct config *cfg, struct customer *out)
{
	memset(out, 0, sizeof(*out));
	out->db_ok = 1;
	str_lcpy(out->tier, cfg->tier_new, sizeof(out->tier));
	out->history_days = cfg->history_window_days;
}

static void
customer_unusable(const struct config *cfg, struct customer *out,
                  const char *why)
{
	customer_reset(cfg, out);
	out->db_ok = 0;
	str_lcpy(out->db_error, why, sizeof(out->db_error));
	str_lcpy(out->tier, cfg->tier_unknown, sizeof(out->tier));
}

/* The three identity steps and the history; 0 or a negative SQLite
 * code. */
static int
lookup_steps(struct ltv_db *db, struct ltv_conn *c, const char *from,
             const char *reply_to, const char *text, size_t text_len,
             struct customer *out)
{
	char key[TRIAGE_MAX_ADDRESS_LEN + 1];
	int rc;

	rc = step_address(db, c, from, "from", out);
	if (rc == 0 && reply_to != NULL &&
	    (from == NULL || str_casecmp(from, reply_to) != 0))
		rc = step_address(db, c, reply_to, "reply-to", out);
	if (rc == 0)
		rc = step_order(db, c, text, text_len, out);
	if (rc < 0)
		return rc;
	if (out->found)
		str_lcpy(key, out->email, sizeof(key));
	else if (from == NULL || ltv_addr_norm(from, key, sizeof(key)) < 0)
		return 0;
	return history_load(db, c, key, out);
}

/* Runs a statement without results; 0 or a negative SQLite code. */
static int
run_simple(struct ltv_conn *c, enum stmt_id id)
{
	int rc = sqlite3_step(c->st[id]);

	sqlite3_reset(c->st[id]);
	return rc == SQLITE_DONE ? 0 : -rc;
}

int
ltv_lookup(struct ltv_db *db, const char *from_addr, const char *reply_to_addr,
           const char *text, size_t text_len, struct customer *out)
{
	const struct config *cfg = db->cfg;
	struct ltv_conn *c;
	char why[256];
	int nomem, rc;

	customer_reset(cfg, out);
	c = conn_get(db, why, sizeof(why), &nomem);
	if (c == NULL) {
		customer_unusable(cfg, out, nomem ? "ltv: out of memory" : why);
		if (nomem)
			return -1;
		db_log_failure(db, why);
		return 0;
	}
	rc = run_simple(c, ST_BEGIN);
	if (rc == 0)
		rc = lookup_steps(db, c, from_addr, reply_to_addr, text,
		                  text_len, out);
	if (rc == 0)
		rc = run_simple(c, ST_END);
	if (rc < 0) {
		snprintf(why, sizeof(why), "ltv: cannot read %s: %s", db->path,
		         sqlite3_errstr(-rc));
		conn_failed(db, c);
		customer_unusable(cfg, out, why);
		if (-rc == SQLITE_NOMEM)
			return -1;
		db_log_failure(db, why);
		return 0;
	}
	conn_put(db, c);
	db_log_recovered(db);
	str_lcpy(out->tier, ltv_tier(cfg, out->found, out->ltv_cents),
	         sizeof(out->tier));
	return 0;
}

/* Opens the history writer (never creates the file: an import does).
 * 0 or -1 with err.  Caller holds wlock. */
static int
writer_open(struct ltv_db *db, struct triage_err *err)
{
	char why[256];
	int rc;

	if (db_file_ok(db, why, sizeof(why)) < 0) {
		triage_err_set(err, "%s", why);
		return -1;
	}
	rc = sqlite3_open_v2(db->path, &db->w,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db->w, (int)db->cfg->busy_timeout_ms);
		/* No fsync per verdict: WAL stays consistent; a power loss
		 * may drop the last few history rows, never mail. */
		sqlite3_exec(db->w, "PRAGMA synchronous = NORMAL", NULL, NULL,
		             NULL);
		if (ltv_schema_check(db->w, db->path, &rc, err) < 0) {
			writer_close(db);
			return -1;
		}
		rc = sqlite3_prepare_v2(
		    db->w,
		    "INSERT OR IGNORE INTO history"
		    " (customer_email, message_id, flags, tier, action, at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		    -1, &db->w_ins, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db->w,
		                        "DELETE FROM history WHERE at < ?1", -1,
		                        &db->w_purge, NULL);
	if (rc != SQLITE_OK) {
		triage_err_set(
		    err, "ltv: cannot open %s for history: %s", db->path,
		    db->w ? sqlite3_errmsg(db->w) : sqlite3_errstr(rc));
		writer_close(db);
		return -1;
	}
	db->wgen = atomic_load(&db->gen);
	return 0;
}

/* Insert + purge in one transaction.  0, or -1 with err (-2 when the
 * database was only busy, so the connection is kept).  Caller holds
 * wlock and an open writer. */
static int
writer_run(struct ltv_db *db, const char *key, const struct customer *c,
           const char *message_id, const char *flags, const char *action,
           struct triage_err *err)
{
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *ins = db->w_ins, *purge = db->w_purge;
	int rc;

	rc = sqlite3_exec(db->w, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(ins, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, flags ? flags : "", -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, c->tier, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, action ? action : "", -1,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, now);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_bind_int64(
		    purge, 1,
		    now - (int64_t)db->cfg->history_retention_days * 86400);
		rc = sqlite3_step(purge);
		sqlite3_reset(purge);
	}
	if (rc == SQLITE_DONE)
		rc = sqlite3_exec(db->w, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	triage_err_set(err, "ltv: cannot record history in %s: %s", db->path,
	               sqlite3_errmsg(db->w));
	rc = sqlite3_errcode(db->w);
	sqlite3_exec(db->w, "ROLLBACK", NULL, NULL, NULL);
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -2 : -1;
}

int
ltv_record(struct ltv_db *db, const struct customer *c, const char *sender_addr,
           const char *message_id, const char *flags, const char *action,
           struct triage_err *err)
{
	char key[TRIAGE_MAX_ADDRESS_LEN + 1];
	int rc;

	if (message_id == NULL || message_id[0] == '\0') {
		triage_err_set(err,
		               "ltv: no Message-ID to record history under");
		return -1;
	}
	if (c->found && c->email[0] != '\0')
		str_lcpy(key, c->email, sizeof(key));
	else if (ltv_addr_norm(sender_addr, key, sizeof(key)) < 0) {
		triage_err_set(err, "ltv: no sender address to record history "
		                    "under");
		return -1;
	}
	pthread_mutex_lock(&db->wlock);
	db_check_file(db, 0);
	if (db->w != NULL && db->wgen != atomic_load(&db->gen))
		writer_close(db);
	rc = db->w != NULL ? 0 : writer_open(db, err);
	if (rc == 0) {
		rc = writer_run(db, key, c, message_id, flags, action, err);
		if (rc == -1)
			writer_close(db); /* reopen afresh next time */
		rc = rc < 0 ? -1 : 0;
	}
	pthread_mutex_unlock(&db->wlock);
	return rc;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* The stored details of a found customer (name, shop id, dates, tags). */
static void
describe_details(struct ltv_db *db, const char *email, FILE *out)
{
	struct ltv_conn *c;
	sqlite3_stmt *st;
	char why[256];
	int nomem;

	if ((c = conn_get(db, why, sizeof(why), &nomem)) == NULL)
		return;
	st = c->st[ST_DESCRIBE];
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "name:        %s\n", col_text(st, 0));
		fprintf(out, "shop id:     %s\n", col_text(st, 1));
		fprintf(out, "first order: %s\n", col_text(st, 2));
		fprintf(out, "last order:  %s\n", col_text(st, 3));
		fprintf(out, "tags:        %s\n", col_text(st, 4));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	conn_put(db, c);
}

int
ltv_describe(struct ltv_db *db, const char *address, FILE *out,
             struct triage_err *err)
{
	struct customer *c = malloc(sizeof(*c));
	char money[32];
	int ret;

	if (c == NULL || ltv_lookup(db, address, NULL, NULL, 0, c) < 0) {
		triage_err_set(err, "ltv: out of memory");
		free(c);
		return -1;
	}
	if (!c->db_ok) {
		triage_err_set(err, "%s", c->db_error);
		free(c);
		return -1;
	}
	fprintf(out, "address:     %s\n", address);
	if (c->found) {
		ltv_format_cents(c->ltv_cents, money, sizeof(money));
		fprintf(out, "customer:    %s\n", c->email);
		fprintf(out, "ltv:         %s %s (basis %s)\n", money,
		        c->currency, c->basis);
		fprintf(out, "orders:      %ld\n", c->orders);
		describe_details(db, c->email, out);
	} else {
		fprintf(out, "customer:    not found\n");
	}
	fprintf(out, "tier:        %s\n", c->tier);
	fprintf(out, "history:     ");
	for (size_t i = 0; i < c->history_count; i++)
		fprintf(out, "%s%s=%ld", i ? "; " : "", c->history[i].flag,
		        c->history[i].count);
	fprintf(out, "%sdays=%u\n", c->history_count ? "; " : "",
	        c->history_days);
	ret = c->found ? 0 : 1;
	free(c);
	return ret;
}

/* Distinct names per stats table; rarer ones past it go to "(other)". */
#define LTV_STATS_ROWS 64

struct tally_row {
	char name[TRIAGE_MAX_NAME_LEN];
	long count;
};

struct tally {
	struct tally_row row[LTV_STATS_ROWS];
	size_t n;
	long other;
};

static void
tally_add(struct tally *t, const char *name, size_t len)
{
	size_t i;

	while (len > 0 && *name == ' ')
		name++, len--;
	while (len > 0 && name[len - 1] == ' ')
		len--;
	if (len == 0)
		return;
	for (i = 0; i < t->n; i++)
		if (strlen(t->row[i].name) == len &&
		    memcmp(t->row[i].name, name, len) == 0) {
			t->row[i].count++;
			return;
		}
	if (i >= LTV_STATS_ROWS || len >= sizeof(t->row[0].name)) {
		t->other++;
		return;
	}
	memcpy(t->row[i].name, name, len);
	t->row[i].name[len] = '\0';
	t->row[i].count = 1;
	t->n++;
}

/* Prints one table, most frequent first (ties by name). */
static void
tally_print(struct tally *t, const char *title, FILE *out)
{
	size_t i, j, w = strlen(title);

	for (i = 1; i < t->n; i++)
		for (j = i; j > 0 &&
		            (t->row[j].count > t->row[j - 1].count ||
		             (t->row[j].count == t->row[j - 1].count &&
		              strcmp(t->row[j].name, t->row[j - 1].name) < 0));
		     j--) {
			struct tally_row tmp = t->row[j];
			t->row[j] = t->row[j - 1];
			t->row[j - 1] = tmp;
		}
	for (i = 0; i < t->n; i++)
		if (strlen(t->row[i].name) > w)
			w = strlen(t->row[i].name);
	fprintf(out, "%-*s %8s\n", (int)w, title, "count");
	for (i = 0; i < t->n; i++)
		fprintf(out, "%-*s %8ld\n", (int)w, t->row[i].name,
		        t->row[i].count);
	if (t->other > 0)
		fprintf(out, "%-*s %8ld\n", (int)w, "(other)", t->other);
	if (t->n == 0 && t->other == 0)
		fprintf(out, "%-*s %8d\n", (int)w, "(none)", 0);
}

struct stats_tables {
	struct tally flags, tiers, actions;
	long messages;
};

static int
stats_collect(struct ltv_conn *c, unsigned days, struct stats_tables *t)
{
	sqlite3_stmt *st = c->st[ST_STATS];
	int rc;

	sqlite3_bind_int64(st, 1, (int64_t)time(NULL) - (int64_t)days * 86400);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f = col_text(st, 0), *comma;

		t->messages++;
		for (; *f != '\0'; f = *comma ? comma + 1 : comma) {
			comma = strchr(f, ',');
			if (comma == NULL)
				comma = f + strlen(f);
			tally_add(&t->flags, f, (size_t)(comma - f));
		}
		tally_add(&t->tiers, col_text(st, 1), strlen(col_text(st, 1)));
		tally_add(&t->actions, col_text(st, 2),
		          strlen(col_text(st, 2)));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

int
ltv_stats(struct ltv_db *db, unsigned days, FILE *out, struct triage_err *err)
{
	struct stats_tables *t;
	struct ltv_conn *c;
	char why[256];
	int nomem, rc;

	c = conn_get(db, why, sizeof(why), &nomem);
	if (c == NULL) {
		triage_err_set(err, "%s", nomem ? "ltv: out of memory" : why);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		triage_err_set(err, "ltv: out of memory");
		conn_put(db, c);
		return -1;
	}
	rc = stats_collect(c, days, t);
	if (rc != 0) {
		triage_err_set(err, "ltv: cannot read %s: %s", db->path,
		               sqlite3_errstr(rc));
		conn_failed(db, c);
		free(t);
		return -1;
	}
	conn_put(db, c);
	fprintf(out, "history of the last %u days: %ld message%s\n\n", days,
	        t->messages, t->messages == 1 ? "" : "s");
	tally_print(&t->flags, "flag", out);
	fputc('\n', out);
	tally_print(&t->tiers, "tier", out);
	fputc('\n', out);
	tally_print(&t->actions, "action", out);
	free(t);
	return 0;
}
