/*
 * ltv.h - customer lifetime value: SQLite schema and access.
 *
 * The database (schema versioned by PRAGMA user_version, WAL mode) holds
 * customers (email, shop id, name, LTV in integer cents, currency, order
 * count, first/last order, tags, which basis the LTV came from), extra
 * addresses, orders (order name -> customer) and the flag history.
 *
 * Lookups: a pool of read-only connections with prepared statements and
 * a bounded busy timeout; a database missing, locked too long or corrupt
 * gives tier "unknown" (cfg->tier_unknown) and db_ok = 0, never an error
 * that stops mail.  Writes (history, import) are one function and one
 * transaction each.  SQL only through bound parameters.
 *
 * Untrusted input: addresses and text from mail, CSV files from the shop.
 */
#ifndef TRIAGE_LTV_H
#define TRIAGE_LTV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "triage/config.h"
#include "triage/err.h"
#include "triage/limits.h"

struct ltv_db;

/* Opens (lazily, on the first lookup) the database of cfg->db_path.  Never fails
 * for a missing or broken file: lookups then report db_ok = 0.  NULL
 * only on out of memory.  The handle may be shared by all threads. */
struct ltv_db *ltv_open(const struct config *cfg);
void ltv_close(struct ltv_db *db);

/* Kept for callers written when connections were per thread: they are
 * pooled now (taken per lookup, given back), so this does nothing;
 * ltv_close releases all. */
void ltv_thread_done(struct ltv_db *db);

struct customer {
	int db_ok;          /* 0: database unavailable, tier "unknown" */
	char db_error[256]; /* why, when db_ok is 0 */
	int found;
	char matched_by[16]; /* "from", "reply-to", "order", or "" */
	char email[TRIAGE_MAX_ADDRESS_LEN + 1]; /* the customer's address */
	char order[32]; /* the order number that matched, if by order */
	int64_t ltv_cents;
	char currency[8];
	long orders;
	char basis[16]; /* "total-spent" or "orders" */
	char tier[TRIAGE_MAX_NAME_LEN];
	/* Identity steps for explanations, e.g.
	 * "from a@x.example: not found; reply-to b@y.example: found". */
	char steps[512];
	/* Earlier flags within the history window: name and count. */
	struct {
		char flag[TRIAGE_MAX_NAME_LEN];
		long count;
	} history[TRIAGE_MAX_FLAGS];
	size_t history_count;
	unsigned history_days;
};

/* Identifies the sender: from_addr, then reply_to_addr, then an order
 * number found in text (cfg->order_pattern) looked up in orders.  Any of
 * them may be NULL.  Fills out completely (tier included).  Returns 0;
 * -1 only on out of memory (out then holds tier "unknown"). */
int
ltv_lookup(struct ltv_db *db, const char *from_addr, const char *reply_to_addr,
           const char *text, size_t text_len, struct customer *out);

/* Tier name for an LTV per cfg->tiers (found = 0 gives cfg->tier_new). */
const char *ltv_tier(const struct config *cfg, int found, int64_t ltv_cents);

/* Records a verdict (flags comma separated in canonical order, c->tier,
 * action) for the customer's address (or the sender's when not found),
 * idempotent per Message-ID, and purges rows older than the retention.
 * 0, or -1 with err filled (the mail goes on regardless). */
int ltv_record(struct ltv_db *db, const struct customer *c,
               const char *sender_addr, const char *message_id,
               const char *flags, const char *action, struct triage_err *err);

struct ltv_import_stats {
	char kind[32];  /* "shopify-customers", "shopify-orders",
	                         "plain" */
	long customers; /* inserted or updated */
	long orders;
	long skipped; /* bad rows */
};

/* Imports one CSV file into the database at db_path (created and
 * migrated if needed) in one transaction.  Bad rows are skipped with a
 * "FILE:LINE: why" diagnostic each; with strict, any bad row fails the
 * whole file with nothing changed.  Returns 0, or -1 (diagnostics say
 * why). */
int
ltv_import(const struct config *cfg, const char *db_path, const char *csv_path,
           int strict, struct ltv_import_stats *st, struct diags *d);

/* Prints what is known about address (LTV, basis, tier, orders,
 * history) to out.  Returns 0 when found, 1 when not found, -1 when the
 * database cannot be read (err says why). */
int ltv_describe(struct ltv_db *db, const char *address, FILE *out,
                 struct triage_err *err);

/* Counts of history rows per flag, tier and action over the last days,
 * printed to out as a table.  0, or -1 with err filled. */
int
ltv_stats(struct ltv_db *db, unsigned days, FILE *out, struct triage_err *err);

#endif
