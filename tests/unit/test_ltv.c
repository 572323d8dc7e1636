/*
 * test_ltv.c - the customer value store: CSV imports (Shopify customers,
 * current and older columns; Shopify orders; plain), identity steps,
 * tiers, history, concurrency and unusable databases.
 *
 * Fixtures: tests/fixtures/csv (found through $TOP, else the current
 * directory).  Every test works in its own temporary directory.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/log.h"
#include "triage/ltv.h"

struct env {
	char dir[64];
	char db[128];
	struct config *cfg;
	struct ltv_db *ltv;
};

static char *
fixture(const char *name)
{
	static char path[4][1024];
	static int next;
	const char *top = getenv("TOP");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/tests/fixtures/csv/%s",
	         top ? top : ".", name);
	return p;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_ltv.XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->db, sizeof(e->db), "%s/ltv.db", e->dir);
	e->cfg = config_new_defaults();
	if (e->cfg == NULL)
		return -1;
	free(e->cfg->db_path);
	e->cfg->db_path = str_dup(e->db);
	*state = e;
	return e->cfg->db_path ? 0 : -1;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
teardown(void **state)
{
	struct env *e = *state;

	ltv_close(e->ltv);
	config_free(e->cfg);
	nftw(e->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(e);
	return 0;
}

/* Opens the lookup handle (after imports, or to test a missing file). */
static struct ltv_db *
env_open(struct env *e)
{
	ltv_close(e->ltv);
	e->ltv = ltv_open(e->cfg);
	assert_non_null(e->ltv);
	return e->ltv;
}

static void
import_ok(struct env *e, const char *csv, const char *kind, long customers,
          long orders)
{
	struct ltv_import_stats st;
	struct diags d;
	int rc;

	diags_init(&d);
	rc = ltv_import(e->cfg, e->db, csv, 0, &st, &d);
	if (rc != 0 || d.count != 0)
		fail_msg("import %s: rc %d, %zu diagnostics, first: %s", csv,
		         rc, d.count, d.count ? d.v[0].text : "");
	assert_string_equal(st.kind, kind);
	if (customers >= 0)
		assert_int_equal(st.customers, customers);
	assert_int_equal(st.orders, orders);
	assert_int_equal(st.skipped, 0);
	diags_free(&d);
}

static void
lookup(struct env *e, const char *from, const char *reply_to, const char *text,
       struct customer *c)
{
	assert_int_equal(ltv_lookup(e->ltv, from, reply_to, text,
	                            text ? strlen(text) : 0, c),
	                 0);
}

/* Expects addr to be found with this LTV and tier. */
static void
expect_customer(struct env *e, const char *addr, int64_t cents,
                const char *tier, const char *basis)
{
	struct customer c;

	lookup(e, addr, NULL, NULL, &c);
	assert_int_equal(c.db_ok, 1);
	if (!c.found || c.ltv_cents != cents || strcmp(c.tier, tier) != 0 ||
	    strcmp(c.basis, basis) != 0)
		fail_msg("%s: got found %d ltv %lld tier %s basis %s, want ltv "
		         "%lld tier %s basis %s",
		         addr, c.found, (long long)c.ltv_cents, c.tier, c.basis,
		         (long long)cents, tier, basis);
}

/* Runs SQL on the database directly (test setup only). */
static void
sql(struct env *e, const char *q)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(e->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

static long
sql_count(struct env *e, const char *q)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open(e->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* ltv_describe output as a string (caller frees). */
static char *
describe(struct env *e, const char *addr, int want_rc)
{
	struct triage_err err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(ltv_describe(e->ltv, addr, f, &err), want_rc);
	fclose(f);
	return text;
}

static void
expect_contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("got \"%s\", want it to contain \"%s\"",
		         hay ? hay : "(null)", needle);
}

static void
test_customers_current(void **state)
{
	struct env *e = *state;
	char *text;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	env_open(e);
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
	expect_customer(e, "olena.koval@example.org", 150050, "vip",
	                "total-spent");
	text = describe(e, "olena.koval@example.org", 0);
	expect_contains(text, "name:        Олена Коваль\n");
	/* Shopify's leading apostrophe is not part of the id. */
	expect_contains(text, "shop id:     7100000000007\n");
	expect_contains(text, "ltv:         1500.50 USD (basis total-spent)\n");
	expect_contains(text, "orders:      11\n");
	free(text);
	text = describe(e, "nobody@example.com", 1);
	expect_contains(text, "customer:    not found\ntier:        new\n");
	free(text);
}

static void
test_tier_edges(void **state)
{
	struct env *e = *state;
	struct customer c;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	env_open(e);
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
	expect_customer(e, "loyal.edge@example.com", 99999, "loyal",
	                "total-spent");
	expect_customer(e, "loyal.min@example.com", 25000, "loyal",
	                "total-spent");
	/* 249.99 with a legacy "VIP" tag: tags never decide a tier. */
	expect_customer(e, "standard.top@example.net", 24999, "standard",
	                "total-spent");
	lookup(e, "zero@example.net", NULL, NULL, &c);
	assert_int_equal(c.found, 1);
	assert_int_equal(c.ltv_cents, 0);
	assert_string_equal(c.tier, "new");
	assert_string_equal(ltv_tier(e->cfg, 1, 1), "standard");
	assert_string_equal(ltv_tier(e->cfg, 0, 500000), "new");
}

static void
test_customers_old_bom_crlf(void **state)
{
	struct env *e = *state;
	char *text;

	import_ok(e, fixture("customers_old.csv"), "shopify-customers", 3, 0);
	env_open(e);
	expect_customer(e, "ada.old@example.com", 31025, "loyal",
	                "total-spent");
	expect_customer(e, "ben.older@example.net", 7500, "standard",
	                "total-spent");
	expect_customer(e, "cy.oldest@example.org", 120050, "vip",
	                "total-spent");
	/* The BOM must not hide the first header ("First Name"). */
	text = describe(e, "ada.old@example.com", 0);
	expect_contains(text, "name:        Ada Old\n");
	free(text);
}

static void
test_orders(void **state)
{
	struct env *e = *state;
	struct customer c;
	char *text;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	import_ok(e, fixture("orders.csv"), "shopify-orders", -1, 9);
	env_open(e);
	/* paid 120 + partially refunded 80-30 + refunded 40-40; the voided
	 * and the cancelled order do not count. */
	expect_customer(e, "ord.only@example.org", 17000, "standard", "orders");
	lookup(e, "ord.only@example.org", NULL, NULL, &c);
	assert_int_equal(c.orders, 3);
	assert_string_equal(c.currency, "USD");
	text = describe(e, "ord.only@example.org", 0);
	expect_contains(text, "first order: 2024-01-05 10:00:00 -0500\n");
	expect_contains(text, "last order:  2024-05-05 10:00:00 -0500\n");
	free(text);
	/* Only a pending order: known, nothing paid -> new. */
	lookup(e, "pending.only@example.org", NULL, NULL, &c);
	assert_int_equal(c.found, 1);
	assert_int_equal(c.orders, 0);
	assert_string_equal(c.tier, "new");
	/* Total Spent from the customers export stays authoritative. */
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	assert_int_equal(c.orders, 4);
	/* Line-item rows are not orders; re-import changes nothing. */
	assert_int_equal(sql_count(e, "SELECT count(*) FROM orders"), 9);
	import_ok(e, fixture("orders.csv"), "shopify-orders", -1, 9);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM orders"), 9);
	expect_customer(e, "ord.only@example.org", 17000, "standard", "orders");
	assert_int_equal(sql_count(e, "SELECT total_cents FROM orders"
	                              " WHERE name = '#3001'"),
	                 12000);
}

/* The demo export in examples/: LTV recomputed from the orders export
 * must equal the customers export's Total Spent for every customer. */
static void
test_examples_agree(void **state)
{
	struct env *e = *state;
	char cust[1024], ord[1024];
	const char *top = getenv("TOP");

	snprintf(cust, sizeof(cust), "%s/examples/customers.csv",
	         top ? top : ".");
	snprintf(ord, sizeof(ord), "%s/examples/orders.csv", top ? top : ".");
	import_ok(e, ord, "shopify-orders", -1, 61);
	sql(e, "CREATE TABLE snap AS SELECT email, ltv_cents, orders_count"
	       " FROM customers");
	import_ok(e, cust, "shopify-customers", 26, 0);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers c"
	                              " JOIN snap s ON s.email = c.email"),
	                 27);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers c"
	                              " JOIN snap s ON s.email = c.email"
	                              " WHERE s.ltv_cents != c.ltv_cents"
	                              " OR s.orders_count != c.orders_count"),
	                 0);
	env_open(e);
	expect_customer(e, "avery.stone@example.com", 100000, "vip",
	                "total-spent");
	expect_customer(e, "blake.rivers@example.net", 99999, "loyal",
	                "total-spent");
	expect_customer(e, "guest.one@example.org", 22300, "standard",
	                "orders");
}

/* The shared development corpus, when present beside the project: its
 * Shopify exports import without a bad row, and LTV from orders equals
 * Total Spent (as its README promises). */
static void
test_shared_corpus(void **state)
{
	struct env *e = *state;
	const char *shared = getenv("SHARED");
	char cust[1024], ord[1024];
	struct stat sb;

	snprintf(cust, sizeof(cust), "%s/corpus/dev/customers.csv",
	         shared && *shared ? shared : "../shared");
	snprintf(ord, sizeof(ord), "%s/corpus/dev/orders.csv",
	         shared && *shared ? shared : "../shared");
	if (stat(cust, &sb) != 0 || stat(ord, &sb) != 0)
		skip();
	import_ok(e, ord, "shopify-orders", -1, 774);
	sql(e, "CREATE TABLE snap AS SELECT email, ltv_cents, orders_count"
	       " FROM customers");
	import_ok(e, cust, "shopify-customers", 140, 0);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers c"
	                              " JOIN snap s ON s.email = c.email"
	                              " WHERE s.ltv_cents != c.ltv_cents"
	                              " OR s.orders_count != c.orders_count"),
	                 0);
	assert_true(sql_count(e, "SELECT count(*) FROM snap") > 100);
}

static void
test_plain(void **state)
{
	struct env *e = *state;
	struct customer c;

	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	import_ok(e, fixture("plain_min.csv"), "plain", 1, 0);
	env_open(e);
	expect_customer(e, "plain.one@example.com", 124000, "vip",
	                "total-spent");
	lookup(e, "plain.one@example.com", NULL, NULL, &c);
	assert_string_equal(c.currency, "EUR");
	assert_int_equal(c.orders, 9);
	expect_customer(e, "plain.two@example.com", 500, "standard",
	                "total-spent");
	lookup(e, "plain.two@example.com", NULL, NULL, &c);
	assert_string_equal(c.currency, "USD");
	expect_customer(e, "plain.three@example.net", 50, "standard",
	                "total-spent");
	expect_customer(e, "min.one@example.com", 30000, "loyal",
	                "total-spent");
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_reimport_updates(void **state)
{
	struct env *e = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/a.csv", e->dir);
	write_file(path, "email,ltv\nre@example.com,10.00\n");
	import_ok(e, path, "plain", 1, 0);
	write_file(path, "email,ltv\nRE@example.com,1000.00\n");
	import_ok(e, path, "plain", 1, 0);
	env_open(e);
	expect_customer(e, "re@example.com", 100000, "vip", "total-spent");
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers"), 1);
}

static void
test_unknown_header(void **state)
{
	struct env *e = *state;
	struct ltv_import_stats st;
	struct diags d;
	char want[1200];

	diags_init(&d);
	assert_int_equal(ltv_import(e->cfg, e->db,
	                            fixture("unknown_header.csv"), 0, &st, &d),
	                 -1);
	snprintf(want, sizeof(want),
	         "%s:1: header row is not a Shopify "
	         "customers or orders export, nor email,ltv[,orders,currency]",
	         fixture("unknown_header.csv"));
	assert_int_equal(d.count, 1);
	assert_string_equal(d.v[0].text, want);
	diags_free(&d);
}

static void
expect_bad_rows_diags(const struct diags *d, const char *path)
{
	static const char *const want[] = {
		":3: Total Spent \"12,50\" is not an amount",
		":4: \"not-an-address\" is not an email address",
		":7: text after the closing quote of field 3",
		":9: order count \"three\" is not a number",
		":10: unterminated quoted field (opened on line 10)",
	};
	char line[1200];

	assert_true(d->count >= 5);
	for (size_t i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "%s%s", path, want[i]);
		assert_string_equal(d->v[i].text, line);
	}
}

static void
test_bad_rows(void **state)
{
	struct env *e = *state;
	const char *path = fixture("bad_rows.csv");
	struct ltv_import_stats st;
	struct diags d;

	diags_init(&d);
	assert_int_equal(ltv_import(e->cfg, e->db, path, 0, &st, &d), 0);
	assert_int_equal(st.customers, 3);
	assert_int_equal(st.skipped, 5);
	assert_int_equal(d.count, 5);
	expect_bad_rows_diags(&d, path);
	diags_free(&d);
	env_open(e);
	expect_customer(e, "good.two@example.com", 2000, "standard",
	                "total-spent");
	expect_customer(e, "good.three@example.com", 3000, "standard",
	                "total-spent");
}

static void
test_orders_bad_rows(void **state)
{
	struct env *e = *state;
	const char *path = fixture("orders_bad.csv");
	static const char *const want[] = {
		":4: Total \"ten\" is not an amount",
		":6: line item of order #4003 without the order's first row "
		"(no Total)",
		":7: Refunded Amount 7.00 is more than the Total",
		":8: \"b at example.com\" is not an email address",
	};
	struct ltv_import_stats st;
	struct diags d;
	char line[1200];

	diags_init(&d);
	assert_int_equal(ltv_import(e->cfg, e->db, path, 0, &st, &d), 0);
	assert_string_equal(st.kind, "shopify-orders");
	assert_int_equal(st.orders, 2);
	assert_int_equal(st.skipped, 4);
	assert_int_equal(d.count, 4);
	for (size_t i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "%s%s", path, want[i]);
		assert_string_equal(d.v[i].text, line);
	}
	diags_free(&d);
	env_open(e);
	expect_customer(e, "a@example.com", 1000, "standard", "orders");
	expect_customer(e, "b@example.com", 1750, "standard", "orders");
}

static void
test_strict_rolls_back(void **state)
{
	struct env *e = *state;
	const char *path = fixture("bad_rows.csv");
	struct ltv_import_stats st;
	struct customer c;
	struct diags d;
	char want[1200];

	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	diags_init(&d);
	assert_int_equal(ltv_import(e->cfg, e->db, path, 1, &st, &d), -1);
	assert_int_equal(d.count, 6);
	expect_bad_rows_diags(&d, path);
	snprintf(want, sizeof(want),
	         "%s: 5 bad rows: nothing imported "
	         "(strict)",
	         path);
	assert_string_equal(d.v[5].text, want);
	diags_free(&d);
	env_open(e);
	lookup(e, "good.one@example.com", NULL, NULL, &c);
	assert_int_equal(c.db_ok, 1);
	assert_int_equal(c.found, 0);
	expect_customer(e, "plain.one@example.com", 124000, "vip",
	                "total-spent");
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers"), 3);
}

/* Writes a Shopify customers export of n customers: cust<i>@example.com
 * with Total Spent i.07 (so cents = i * 100 + 7). */
static void
write_generated(const char *path, long n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("\"Customer ID\",\"First Name\",\"Last Name\",\"Email\","
	      "\"Accepts Email Marketing\",\"Total Spent\",\"Total Orders\","
	      "\"Note\",\"Tax Exempt\",\"Tags\"\n",
	      f);
	for (long i = 0; i < n; i++)
		fprintf(
		    f,
		    "\"'%ld\",\"First%ld\",\"Last\",\"cust%ld@example.com\","
		    "\"no\",\"%ld.07\",\"%ld\",\"note, with comma\",\"no\","
		    "\"\"\n",
		    9000000 + i, i, i, i, i % 50);
	fclose(f);
}

static void
test_generated_10000(void **state)
{
	struct env *e = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/gen.csv", e->dir);
	write_generated(path, 10000);
	import_ok(e, path, "shopify-customers", 10000, 0);
	env_open(e);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers"), 10000);
	expect_customer(e, "cust0@example.com", 7, "standard", "total-spent");
	expect_customer(e, "CUST249@example.com", 24907, "standard",
	                "total-spent");
	expect_customer(e, "cust250@example.com", 25007, "loyal",
	                "total-spent");
	expect_customer(e, "cust9999@example.com", 999907, "vip",
	                "total-spent");
}

static void
test_identity_from_and_reply_to(void **state)
{
	struct env *e = *state;
	struct customer c;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	env_open(e);
	/* Stored as "Mixed.Case@Example.COM" in the export. */
	lookup(e, "MIXED.case@EXAMPLE.com", NULL, NULL, &c);
	assert_int_equal(c.found, 1);
	assert_string_equal(c.matched_by, "from");
	assert_string_equal(c.email, "mixed.case@example.com");
	assert_string_equal(c.steps, "from mixed.case@example.com: found");
	lookup(e, "<Loyal.Min@example.com>", NULL, NULL, &c);
	assert_string_equal(c.tier, "loyal");
	lookup(e, "unknown@example.com", "Loyal.Min@Example.com", NULL, &c);
	assert_string_equal(c.matched_by, "reply-to");
	assert_string_equal(c.tier, "loyal");
	assert_string_equal(c.steps, "from unknown@example.com: not found; "
	                             "reply-to loyal.min@example.com: found");
	/* A display name is never an identity: only the address counts,
	 * and text naming a customer does not match them. */
	lookup(e, "Vera Exact <someone.else@example.net>", NULL,
	       "Hi, this is Vera Exact, vip.exact@example.com", &c);
	assert_int_equal(c.found, 0);
	assert_string_equal(c.tier, "new");
	assert_string_equal(c.steps, "from: not an address");
	lookup(e, NULL, NULL, NULL, &c);
	assert_int_equal(c.found, 0);
	assert_int_equal(c.db_ok, 1);
	assert_string_equal(c.tier, "new");
}

static void
test_plus_tags_and_addresses(void **state)
{
	struct env *e = *state;
	struct customer c;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	sql(e, "INSERT INTO addresses (customer_id, email) SELECT id,"
	       " 'VIP.alias@example.org' FROM customers"
	       " WHERE email = 'vip.exact@example.com'");
	env_open(e);
	lookup(e, "vip.alias@EXAMPLE.org", NULL, NULL, &c);
	assert_int_equal(c.found, 1);
	assert_string_equal(c.email, "vip.exact@example.com");
	assert_string_equal(c.tier, "vip");
	lookup(e, "vip.exact+shop@example.com", NULL, NULL, &c);
	assert_int_equal(c.found, 0);
	e->cfg->fold_plus_tags = 1;
	env_open(e);
	lookup(e, "vip.exact+shop@example.com", NULL, NULL, &c);
	assert_int_equal(c.found, 1);
	assert_string_equal(c.steps, "from vip.exact@example.com (+tag "
	                             "folded): found");
}

static void
expect_order(struct env *e, const char *text, const char *email,
             const char *order, const char *steps)
{
	struct customer c;

	lookup(e, "stranger@example.net", NULL, text, &c);
	if (email == NULL) {
		assert_int_equal(c.found, 0);
		assert_string_equal(c.tier, "new");
	} else {
		assert_int_equal(c.found, 1);
		assert_string_equal(c.matched_by, "order");
		assert_string_equal(c.email, email);
		assert_string_equal(c.order, order);
	}
	assert_string_equal(c.steps, steps);
}

static void
test_identity_order(void **state)
{
	struct env *e = *state;
	const char *found = "from stranger@example.net: not found; order "
	                    "#2087: found loyal.edge@example.com";

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	import_ok(e, fixture("orders.csv"), "shopify-orders", -1, 9);
	env_open(e);
	/* The default pattern, on normalized text (NFKC turns № into
	 * "no", case folding lowers it). */
	expect_order(e, "where is my order #2087?", "loyal.edge@example.com",
	             "#2087", found);
	expect_order(e, "посилка no2087 досі не прийшла",
	             "loyal.edge@example.com", "#2087", found);
	expect_order(e, "주문번호 2087 배송 문의", "loyal.edge@example.com",
	             "#2087", found);
	expect_order(e, "order #9999 and then #2087", "loyal.edge@example.com",
	             "#2087",
	             "from stranger@example.net: not found; order #9999: not "
	             "found; order #2087: found loyal.edge@example.com");
	expect_order(e, "order #9999 please", NULL, "",
	             "from stranger@example.net: not found; order #9999: not "
	             "found");
	/* Invalid UTF-8 around the number does not stop the match. */
	expect_order(e, "\xff\xfe bad bytes #2087 \xc3",
	             "loyal.edge@example.com", "#2087", found);
	expect_order(e, "gift card order #3008", NULL, "",
	             "from stranger@example.net: not found; order #3008: no "
	             "customer address");
	/* A pattern of the admin's own, on raw text. */
	free(e->cfg->order_pattern);
	e->cfg->order_pattern = str_dup("(?:#|№|주문번호)\\s*([0-9]+)");
	env_open(e);
	expect_order(e, "Замовлення №2087", "loyal.edge@example.com", "#2087",
	             found);
	{
		struct customer c;

		lookup(e, "stranger@example.net", NULL, "№2087", &c);
		assert_string_equal(c.tier, "loyal");
	}
}

static void
record(struct env *e, const struct customer *c, const char *sender,
       const char *mid, const char *flags)
{
	struct triage_err err;

	if (ltv_record(e->ltv, c, sender, mid, flags, "dispute", &err) != 0)
		fail_msg("ltv_record %s: %s", mid, err.text);
}

static long
history_of(const struct customer *c, const char *flag)
{
	for (size_t i = 0; i < c->history_count; i++)
		if (strcmp(c->history[i].flag, flag) == 0)
			return c->history[i].count;
	return 0;
}

static void
test_history(void **state)
{
	struct env *e = *state;
	struct customer c, s;
	char q[512];
	long now = (long)time(NULL);

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	snprintf(
	    q, sizeof(q),
	    "INSERT INTO history (customer_email,"
	    " message_id, flags, tier, action, at) VALUES"
	    " ('vip.exact@example.com', '<old1@x>', 'wrong-address', 'vip',"
	    " 'standard', %ld), ('vip.exact@example.com', '<old2@x>',"
	    " 'amazon-expectation', 'vip', 'standard', %ld)",
	    now - 400L * 86400, now - 800L * 86400);
	sql(e, q);
	env_open(e);
	lookup(e, "Vip.Exact@example.com", NULL, NULL, &c);
	record(e, &c, "Vip.Exact@example.com", "<m1@x>",
	       "review-threat,chargeback");
	record(e, &c, "Vip.Exact@example.com", "<m1@x>",
	       "review-threat,chargeback");
	record(e, &c, "Vip.Exact@example.com", "<m2@x>", "chargeback");
	/* Not a customer: recorded under the sender, lower-cased. */
	lookup(e, "Stranger@Example.NET", NULL, NULL, &s);
	record(e, &s, "Stranger@Example.NET", "<m3@x>", "chargeback");
	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	assert_int_equal(history_of(&c, "chargeback"), 2);
	assert_int_equal(history_of(&c, "review-threat"), 1);
	/* 400 days ago is outside the 365-day window. */
	assert_int_equal(history_of(&c, "wrong-address"), 0);
	assert_int_equal(c.history_count, 2);
	assert_int_equal(c.history_days, 365);
	lookup(e, "stranger@example.net", NULL, NULL, &s);
	assert_int_equal(history_of(&s, "chargeback"), 1);
	/* The 800-day row went with the first record (retention 730). */
	assert_int_equal(sql_count(e, "SELECT count(*) FROM history"
	                              " WHERE message_id = '<old2@x>'"),
	                 0);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM history"
	                              " WHERE message_id = '<old1@x>'"),
	                 1);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM history"), 4);
	e->cfg->history_window_days = 500;
	env_open(e);
	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	assert_int_equal(history_of(&c, "wrong-address"), 1);
	assert_int_equal(c.history_days, 500);
}

static void
test_stats(void **state)
{
	struct env *e = *state;
	struct triage_err err;
	struct customer c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	env_open(e);
	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	record(e, &c, NULL, "<a@x>", "chargeback,chargeback-reship");
	record(e, &c, NULL, "<b@x>", "chargeback");
	lookup(e, "zero@example.net", NULL, NULL, &c);
	record(e, &c, NULL, "<c@x>", "review-threat");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(ltv_stats(e->ltv, 30, f, &err), 0);
	fclose(f);
	assert_string_equal(text, "history of the last 30 days: 3 messages\n"
	                          "\n"
	                          "flag                 count\n"
	                          "chargeback               2\n"
	                          "chargeback-reship        1\n"
	                          "review-threat            1\n"
	                          "\n"
	                          "tier    count\n"
	                          "vip         2\n"
	                          "new         1\n"
	                          "\n"
	                          "action     count\n"
	                          "dispute        3\n");
	free(text);
}

struct reader {
	struct env *e;
	volatile int *stop;
	long lookups, failures;
	char first_failure[300];
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	static const char *const who[] = {
		"vip.exact@example.com",
		"loyal.edge@example.com",
		"cust17@example.com",
		"nobody@example.com",
	};
	struct customer c;

	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE) || r->lookups < 50) {
		const char *a = who[r->lookups % 4];

		if (ltv_lookup(r->e->ltv, a, NULL, NULL, 0, &c) != 0 ||
		    !c.db_ok || c.found != (r->lookups % 4 != 3)) {
			if (r->failures++ == 0)
				snprintf(r->first_failure,
				         sizeof(r->first_failure),
				         "%s: ok %d "
				         "found %d %s",
				         a, c.db_ok, c.found, c.db_error);
		}
		r->lookups++;
	}
	ltv_thread_done(r->e->ltv);
	return NULL;
}

/* WAL: an import commits while another connection holds a read
 * transaction open; that reader keeps its snapshot, new lookups see the
 * import. */
static void
test_import_under_open_reader(void **state)
{
	struct env *e = *state;
	sqlite3 *r;
	sqlite3_stmt *st;

	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	env_open(e);
	assert_int_equal(sqlite3_open_v2(e->db, &r, SQLITE_OPEN_READONLY, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(r, "SELECT count(*) FROM customers",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	sqlite3_reset(st);
	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	sqlite3_finalize(st);
	sqlite3_exec(r, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(r);
	assert_int_equal(sql_count(e, "SELECT count(*) FROM customers"), 10);
}

static void
test_concurrent_import(void **state)
{
	struct env *e = *state;
	struct reader r[8];
	pthread_t t[8];
	volatile int stop = 0;
	char path[256];

	snprintf(path, sizeof(path), "%s/gen.csv", e->dir);
	write_generated(path, 10000);
	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	import_ok(e, path, "shopify-customers", 10000, 0);
	env_open(e);
	for (int i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].e = e;
		r[i].stop = &stop;
		assert_int_equal(
		    pthread_create(&t[i], NULL, reader_main, &r[i]), 0);
	}
	/* Imports (write transactions) while 8 threads read. */
	import_ok(e, path, "shopify-customers", 10000, 0);
	import_ok(e, fixture("orders.csv"), "shopify-orders", -1, 9);
	import_ok(e, path, "shopify-customers", 10000, 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (r[i].failures != 0)
			fail_msg(
			    "thread %d: %ld of %ld lookups failed, first: %s",
			    i, r[i].failures, r[i].lookups, r[i].first_failure);
		assert_true(r[i].lookups >= 50);
	}
	expect_customer(e, "ord.only@example.org", 17000, "standard", "orders");
}

static void
expect_unusable(struct env *e, const char *why)
{
	struct customer c;

	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	assert_int_equal(c.db_ok, 0);
	assert_int_equal(c.found, 0);
	assert_string_equal(c.tier, "unknown");
	expect_contains(c.db_error, why);
}

static void
test_missing_then_created(void **state)
{
	struct env *e = *state;
	struct triage_err err;
	struct customer c;

	env_open(e);
	expect_unusable(e, "No such file or directory");
	lookup(e, "vip.exact@example.com", NULL, NULL, &c);
	assert_int_equal(ltv_record(e->ltv, &c, "a@example.com", "<m@x>",
	                            "chargeback", "dispute", &err),
	                 -1);
	expect_contains(err.text, "No such file or directory");
	assert_int_equal(ltv_describe(e->ltv, "a@example.com", stdout, &err),
	                 -1);
	expect_contains(err.text, "cannot open");
	/* The file appears: the same handle recovers. */
	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
}

/* An unusable database is logged once, not once per message. */
static void
test_log_once(void **state)
{
	struct env *e = *state;
	char path[256], *text = NULL, *p;
	size_t len = 0;
	int saved, fd, n = 0;

	snprintf(path, sizeof(path), "%s/stderr.txt", e->dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	env_open(e);
	for (int i = 0; i < 50; i++)
		expect_unusable(e, "No such file or directory");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(file_read_all(path, 1 << 20, &text, &len), 0);
	for (p = text; (p = strstr(p, "cannot open")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	expect_contains(text, "tier unknown until it is readable");
	free(text);
}

static void
test_garbage_and_newer(void **state)
{
	struct env *e = *state;
	char q[64];

	write_file(e->db, "this is a text file, not a database\n"
	                  "this is a text file, not a database\n");
	env_open(e);
	expect_unusable(e, "not a database");
	remove(e->db);
	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", 99);
	sql(e, q);
	env_open(e);
	expect_unusable(e, "has schema version 99, newer than this program "
	                   "knows (1)");
	{
		struct ltv_import_stats st;
		struct diags d;

		diags_init(&d);
		assert_int_equal(
		    ltv_import(e->cfg, e->db, fixture("plain.csv"), 0, &st, &d),
		    -1);
		assert_int_equal(d.count, 1);
		expect_contains(d.v[0].text, "newer than this program knows");
		diags_free(&d);
	}
}

static void
test_world_writable(void **state)
{
	struct env *e = *state;

	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	assert_int_equal(chmod(e->db, 0666), 0);
	env_open(e);
	expect_unusable(e, "is writable by others; refusing it");
	assert_int_equal(chmod(e->db, 0644), 0);
	expect_customer(e, "plain.one@example.com", 124000, "vip",
	                "total-spent");
	/* chmod while open: noticed at the next file check. */
	assert_int_equal(chmod(e->db, 0646), 0);
	usleep(2200 * 1000);
	{
		struct customer c;

		lookup(e, "plain.one@example.com", NULL, NULL, &c);
		assert_int_equal(c.db_ok, 0);
		expect_contains(c.db_error, "writable by others");
	}
}

/* Moves a freshly built database over the live one, as an admin would
 * with mv (the old WAL files go with the old file). */
static void
replace_db(struct env *e, const char *from)
{
	char p[300];

	snprintf(p, sizeof(p), "%s-wal", e->db);
	remove(p);
	snprintf(p, sizeof(p), "%s-shm", e->db);
	remove(p);
	assert_int_equal(rename(from, e->db), 0);
}

static void
test_replaced_while_open(void **state)
{
	struct env *e = *state;
	struct ltv_import_stats st;
	struct diags d;
	char other[256], junk[256];

	import_ok(e, fixture("customers_current.csv"), "shopify-customers", 7,
	          0);
	env_open(e);
	expect_customer(e, "vip.exact@example.com", 100000, "vip",
	                "total-spent");
	snprintf(other, sizeof(other), "%s/other.db", e->dir);
	snprintf(junk, sizeof(junk), "%s/other.csv", e->dir);
	write_file(junk, "email,ltv\nvip.exact@example.com,5.00\n");
	diags_init(&d);
	assert_int_equal(ltv_import(e->cfg, other, junk, 0, &st, &d), 0);
	diags_free(&d);
	replace_db(e, other);
	usleep(2200 * 1000);
	expect_customer(e, "vip.exact@example.com", 500, "standard",
	                "total-spent");
	/* Replaced by garbage: unusable; then good again at once. */
	write_file(junk, "garbage garbage garbage garbage garbage garbage\n");
	replace_db(e, junk);
	usleep(2200 * 1000);
	expect_unusable(e, "not a database");
	remove(e->db);
	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	expect_customer(e, "plain.one@example.com", 124000, "vip",
	                "total-spent");
}

static void
test_record_busy(void **state)
{
	struct env *e = *state;
	struct triage_err err;
	struct customer c;
	struct timespec a, b;
	sqlite3 *w;
	long ms;

	import_ok(e, fixture("plain.csv"), "plain", 3, 0);
	env_open(e);
	lookup(e, "plain.one@example.com", NULL, NULL, &c);
	assert_int_equal(
	    ltv_record(e->ltv, &c, NULL, "", "chargeback", "dispute", &err),
	    -1);
	expect_contains(err.text, "no Message-ID");
	assert_int_equal(sqlite3_open(e->db, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	                 SQLITE_OK);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ltv_record(e->ltv, &c, NULL, "<busy@x>", "chargeback",
	                            "dispute", &err),
	                 -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	expect_contains(err.text, "locked");
	assert_true(ms < 1000); /* busy timeout is 100 ms */
	/* Lookups still read while the writer holds its lock (WAL). */
	lookup(e, "plain.one@example.com", NULL, NULL, &c);
	assert_int_equal(c.db_ok, 1);
	assert_int_equal(c.found, 1);
	sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(w);
	record(e, &c, NULL, "<busy@x>", "chargeback");
	assert_int_equal(sql_count(e, "SELECT count(*) FROM history"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_customers_current, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_tier_edges, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_customers_old_bom_crlf,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examples_agree, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_shared_corpus, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reimport_updates, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_unknown_header, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orders_bad_rows, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_strict_rolls_back, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_generated_10000, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_identity_from_and_reply_to,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_plus_tags_and_addresses,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_order, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_under_open_reader,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_import, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_missing_then_created,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_newer, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_world_writable, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_replaced_while_open, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_record_busy, setup,
		                                teardown),
	};

	log_init("test_ltv", 1, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
