/*
 * test_config.c - config.c: defaults, a file with every key, each kind of
 * error with its exact "FILE:LINE:COL: ..." text, paths, tier amounts,
 * config_find order, the default order pattern and the reference table.
 *
 * Fixtures: tests/fixtures/config/ (found through $TOP, else ".").
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "triage/config.h"
#include "triage/limits.h"

static char fixdir[PATH_MAX];

static const char *
fixture(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	return path;
}

static struct config *
load_ok(const char *name)
{
	struct diags d;
	struct config *c;

	diags_init(&d);
	c = config_load(fixture(name), &d);
	for (size_t i = 0; i < d.count; i++)
		print_message("unexpected: %s\n", d.v[i].text);
	assert_non_null(c);
	assert_int_equal(d.errors, 0);
	diags_free(&d);
	return c;
}

static void
test_defaults(void **state)
{
	struct config *c = config_new_defaults();

	(void)state;
	assert_non_null(c);
	assert_null(c->path);
	assert_string_equal(c->dir, ".");
	assert_string_equal(c->socket, "inet:8890@127.0.0.1");
	assert_int_equal(c->socket_mode, 0660);
	assert_null(c->user);
	assert_null(c->pidfile);
	assert_int_equal(c->on_error, ON_ERROR_ACCEPT);
	assert_int_equal(c->timeout, 30);
	assert_int_equal(c->max_body_len, TRIAGE_MAX_BODY_LEN);
	assert_int_equal(c->max_text_len, TRIAGE_MAX_TEXT_LEN);
	assert_int_equal(c->max_header_len, TRIAGE_MAX_HEADER_LEN);
	assert_int_equal(c->max_mime_depth, TRIAGE_MAX_MIME_DEPTH);
	assert_int_equal(c->max_mime_parts, TRIAGE_MAX_MIME_PARTS);
	assert_int_equal(c->match_limit, TRIAGE_PCRE2_MATCH_LIMIT);
	assert_int_equal(c->depth_limit, TRIAGE_PCRE2_DEPTH_LIMIT);
	assert_int_equal(c->heap_limit_kib, TRIAGE_PCRE2_HEAP_LIMIT_KIB);
	assert_int_equal(c->scope_recipients_count, 0);
	assert_int_equal(c->skip_authenticated, 1);
	assert_string_equal(c->header_prefix, "X-Triage-");
	assert_null(c->hostname);
	assert_string_equal(c->fallback_charset, "windows-1252");
	assert_string_equal(c->db_path, "data/ltv.db");
	assert_string_equal(c->currency, "USD");
	assert_int_equal(c->busy_timeout_ms, 100);
	assert_int_equal(c->fold_plus_tags, 0);
	assert_string_equal(c->order_prefix, "#");
	assert_int_equal(c->history_window_days, 365);
	assert_int_equal(c->history_retention_days, 730);
	assert_int_equal(c->record_history, 1);
	assert_int_equal(c->tiers_count, 3);
	assert_string_equal(c->tiers[0].name, "vip");
	assert_int_equal(c->tiers[0].min_cents, 100000);
	assert_string_equal(c->tiers[1].name, "loyal");
	assert_int_equal(c->tiers[1].min_cents, 25000);
	assert_string_equal(c->tiers[2].name, "standard");
	assert_int_equal(c->tiers[2].min_cents, 0);
	assert_string_equal(c->tier_new, "new");
	assert_string_equal(c->tier_unknown, "unknown");
	assert_string_equal(c->patterns_dir, "patterns");
	assert_int_equal(c->languages_count, 7);
	assert_string_equal(c->languages[0], "en");
	assert_string_equal(c->languages[1], "ko");
	assert_string_equal(c->languages[6], "fr");
	assert_string_equal(c->cache_dir, "build/cache");
	assert_int_equal(c->policy_count, 3);
	assert_string_equal(c->policy[0].action, "dispute");
	assert_int_equal(c->policy[0].flags_count, 2);
	assert_string_equal(c->policy[0].flags[1], "chargeback-reship");
	assert_string_equal(c->policy[0].why,
	                    "policy line 1 (flags: chargeback, "
	                    "chargeback-reship)");
	assert_string_equal(c->policy[1].action, "accommodate");
	assert_int_equal(c->policy[1].flags_count, 3);
	assert_int_equal(c->policy[1].tiers_count, 1);
	assert_string_equal(c->policy[1].tiers[0], "vip");
	assert_string_equal(c->policy[2].action, "standard");
	assert_int_equal(c->policy[2].any_flag, 1);
	assert_string_equal(c->policy[2].why, "policy line 3 (any_flag)");
	assert_string_equal(c->default_action, "normal");
	assert_int_equal(c->tag_actions_count + c->tag_tiers_count +
	                     c->tag_flags_count + c->routes_count,
	                 0);
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->log_facility, "mail");
	config_free(c);
}

static void
test_full_file(void **state)
{
	struct config *c = load_ok("full.yaml");

	(void)state;
	assert_string_equal(c->socket, "unix:/run/triage/triage.sock");
	assert_int_equal(c->socket_mode, 0640);
	assert_string_equal(c->user, "triage");
	assert_int_equal(c->on_error, ON_ERROR_TEMPFAIL);
	assert_int_equal(c->timeout, 45);
	assert_int_equal(c->max_body_len, 4194304);
	assert_int_equal(c->max_text_len, 262144);
	assert_int_equal(c->max_header_len, 32768);
	assert_int_equal(c->max_mime_depth, 10);
	assert_int_equal(c->max_mime_parts, 100);
	assert_int_equal(c->match_limit, 100000);
	assert_int_equal(c->depth_limit, 2000);
	assert_int_equal(c->heap_limit_kib, 4096);
	assert_int_equal(c->scope_recipients_count, 2);
	assert_string_equal(c->scope_recipients[0], "support@shop.example");
	assert_string_equal(c->scope_recipients[1], "@help.shop.example");
	assert_int_equal(c->skip_authenticated, 0);
	assert_string_equal(c->header_prefix, "X-Support-");
	assert_string_equal(c->hostname, "mx1.shop.example");
	assert_string_equal(c->fallback_charset, "iso-8859-1");
	assert_string_equal(c->currency, "EUR");
	assert_int_equal(c->busy_timeout_ms, 250);
	assert_int_equal(c->fold_plus_tags, 1);
	assert_string_equal(c->order_pattern, "ref[ -]?([0-9]{4,8})");
	assert_string_equal(c->order_prefix, "SO-");
	assert_int_equal(c->history_window_days, 90);
	assert_int_equal(c->history_retention_days, 180);
	assert_int_equal(c->record_history, 0);
	assert_string_equal(c->tier_new, "fresh");
	assert_string_equal(c->tier_unknown, "nodb");
	assert_string_equal(c->patterns_dir, "/srv/patterns");
	assert_int_equal(c->languages_count, 2);
	assert_string_equal(c->languages[1], "de");
	assert_string_equal(c->cache_dir, "");
	assert_int_equal(c->policy_count, 3);
	assert_string_equal(c->policy[0].action, "escalate");
	assert_int_equal(c->policy[0].tiers_count, 2);
	assert_string_equal(c->policy[0].tiers[1], "silver");
	assert_string_equal(c->policy[0].why,
	                    "policy line 1 (flags: chargeback; tiers: gold, "
	                    "silver)");
	assert_int_equal(c->policy[1].no_flag, 1);
	assert_string_equal(c->policy[1].why, "policy line 2 (no_flag)");
	assert_int_equal(c->policy[2].any_flag, 1);
	assert_string_equal(c->default_action, "normal-queue");
	assert_string_equal(config_keyval_get(c->tag_actions,
	                                      c->tag_actions_count, "escalate"),
	                    "[ESC]");
	assert_string_equal(config_keyval_get(c->tag_tiers, c->tag_tiers_count,
	                                      "gold"),
	                    "[GOLD]");
	assert_string_equal(config_keyval_get(c->tag_flags, c->tag_flags_count,
	                                      "review-threat"),
	                    "[RT]");
	assert_null(config_keyval_get(c->tag_flags, c->tag_flags_count,
	                              "wrong-address"));
	assert_string_equal(config_keyval_get(c->routes, c->routes_count,
	                                      "escalate"),
	                    "disputes@shop.example");
	assert_string_equal(c->log_level, "debug");
	assert_string_equal(c->log_facility, "local3");
	config_free(c);
}

/* Tier minimums are exact cents: no floating point on the way. */
static void
test_tier_cents(void **state)
{
	struct config *c = load_ok("full.yaml");

	(void)state;
	assert_int_equal(c->tiers_count, 3);
	assert_string_equal(c->tiers[0].name, "gold");
	assert_int_equal(c->tiers[0].min_cents, 99999);
	assert_string_equal(c->tiers[1].name, "silver");
	assert_int_equal(c->tiers[1].min_cents, 25050);
	assert_string_equal(c->tiers[2].name, "bronze");
	assert_int_equal(c->tiers[2].min_cents, 1);
	config_free(c);
}

static void
test_relative_paths(void **state)
{
	struct config *c = load_ok("full.yaml");
	char want[PATH_MAX * 2];

	(void)state;
	assert_string_equal(c->dir, fixdir);
	snprintf(want, sizeof(want), "%s/full.yaml", fixdir);
	assert_string_equal(c->path, want);
	snprintf(want, sizeof(want), "%s/db/customers.db", fixdir);
	assert_string_equal(c->db_path, want);
	snprintf(want, sizeof(want), "%s/run/triage.pid", fixdir);
	assert_string_equal(c->pidfile, want);
	config_free(c);

	/* file defaults are relative to the file too */
	c = load_ok("empty.yaml");
	snprintf(want, sizeof(want), "%s/../data/ltv.db", fixdir);
	assert_string_equal(c->db_path, want);
	snprintf(want, sizeof(want), "%s/../patterns", fixdir);
	assert_string_equal(c->patterns_dir, want);
	snprintf(want, sizeof(want), "%s/../build/cache", fixdir);
	assert_string_equal(c->cache_dir, want);
	assert_null(c->pidfile);
	config_free(c);
}

/* A file named relative to the current directory still gives absolute
 * paths. */
static void
test_relative_file_name(void **state)
{
	char cwd[PATH_MAX], want[PATH_MAX * 2];
	struct config *c;
	struct diags d;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fixdir), 0);
	diags_init(&d);
	c = config_load("full.yaml", &d);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/full.yaml", fixdir);
	assert_string_equal(c->path, want);
	assert_string_equal(c->dir, fixdir);
	snprintf(want, sizeof(want), "%s/db/customers.db", fixdir);
	assert_string_equal(c->db_path, want);
	config_free(c);
	diags_free(&d);
}

/* Each bad fixture and every diagnostic it must give, in order. */
static const struct {
	const char *file;
	const char *want[10];
} bad_cases[] = {
	{ "bad-unknown-key.yaml",
	  { ":3:3: unknown key \"limits.mime_dpeth\"" } },
	{ "bad-type.yaml",
	  { ":2:12: key \"milter.timeout\": expected an integer",
	    ":3:8: key \"scope\": expected a mapping, got a list",
	    ":5:14: key \"patterns.languages\": expected a list, got a "
	    "scalar",
	    ":7:11: key \"headers.prefix\": expected a string, got a list",
	    ":9:19: key \"ltv.record_history\": expected a boolean" } },
	{ "bad-policy.yaml",
	  { ":3:7: key \"policy.rules[0]\": missing \"action\"",
	    ":4:25: unknown key \"policy.rules[1].flag\"",
	    ":5:7: key \"policy.rules[2]\": no_flag cannot be combined with "
	    "any_flag",
	    ":6:7: key \"policy.rules[3]\": expected a mapping, got a scalar",
	    ":7:12: key \"policy.default\": must not be empty" } },
	{ "bad-range.yaml",
	  { ":2:15: key \"limits.mime_depth\": value 500 out of range "
	    "1..100" } },
	{ "bad-enum.yaml",
	  { ":2:13: key \"milter.on_error\": value \"reject\" is not one "
	    "of accept, tempfail" } },
	{ "bad-mode.yaml",
	  { ":2:16: key \"milter.socket_mode\": value \"0698\" is not an "
	    "octal mode (0000..0777)" } },
	{ "bad-duplicate.yaml",
	  { ":4:3: key \"ltv.currency\": duplicate key (first at 2:3)" } },
	{ "bad-syntax.yaml",
	  { ":5:1: YAML syntax error: found unexpected end of stream "
	    "while scanning a quoted scalar at 2:11" } },
	{ "bad-tiers.yaml",
	  { ":3:24: key \"ltv.tiers[0].min\": value \"12.345\" is not an "
	    "amount (digits, at most 2 decimals)",
	    ":5:7: key \"ltv.tiers[2]\": missing \"name\"" } },
	{ "bad-policy-tier.yaml",
	  { ":5:16: key \"subject_tags.tiers.vip\": value \"[VIP] ???\": "
	    "subject tags must be printable ASCII",
	    ":7:12: key \"routes.dispute\": value \"not-an-address\": not "
	    "an e-mail address",
	    ":3:61: key \"policy.rules\": unknown tier \"vpi\"" } },
	{ "bad-several.yaml",
	  { ":2:13: key \"milter.on_error\": value \"maybe\" is not one of "
	    "accept, tempfail",
	    ":3:12: key \"milter.timeout\": value 0 out of range 1..3600",
	    ":5:11: key \"headers.prefix\": value \"X Triage:\": not a "
	    "header name prefix (printable ASCII, no colon or space)",
	    ":9:7: key \"ltv.tiers[1]\": tiers must be in descending order "
	    "of min (250.00 is not below 100.00)",
	    ":10:13: key \"ltv.currency\": value \"dollars\": not a 3-letter "
	    "currency code",
	    ":13:7: key \"policy.rules[0]\": no_flag cannot be combined "
	    "with flags",
	    ":14:16: key \"policy.rules[1].action\": value \"Bad Name\": may "
	    "contain only a-z 0-9 _ -",
	    ":16:10: key \"logging.level\": value \"loud\" is not one of "
	    "error, warning, info, debug",
	    ":17:3: unknown key \"logging.colour\"" } },
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct diags d;
		struct config *c;
		size_t n = 0;
		char want[PATH_MAX * 2 + 1024];

		diags_init(&d);
		c = config_load(fixture(bad_cases[i].file), &d);
		assert_null(c);
		while (n < 10 && bad_cases[i].want[n] != NULL)
			n++;
		for (size_t j = 0; j < d.count && d.count != n; j++)
			print_message("got: %s\n", d.v[j].text);
		assert_int_equal(d.count, n);
		assert_int_equal(d.errors, n);
		for (size_t j = 0; j < n; j++) {
			snprintf(want, sizeof(want), "%s%s",
			         fixture(bad_cases[i].file),
			         bad_cases[i].want[j]);
			assert_string_equal(d.v[j].text, want);
		}
		diags_free(&d);
	}
}

static void
test_missing_file(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(config_load(fixture("no-such.yaml"), &d));
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].text, "no-such.yaml: cannot read: "));
	diags_free(&d);
}

/* The shipped etc/triage-milter.yaml holds exactly the defaults. */
static void
test_shipped_file_is_defaults(void **state)
{
	char path[PATH_MAX + 64];
	struct config *def = config_new_defaults(), *c;
	struct diags d;

	(void)state;
	snprintf(path, sizeof(path), "%s/../../../etc/triage-milter.yaml",
	         fixdir);
	diags_init(&d);
	c = config_load(path, &d);
	assert_non_null(c);
	assert_string_equal(c->order_pattern, def->order_pattern);
	assert_string_equal(c->socket, def->socket);
	assert_int_equal(c->socket_mode, def->socket_mode);
	assert_int_equal(c->max_body_len, def->max_body_len);
	assert_int_equal(c->heap_limit_kib, def->heap_limit_kib);
	assert_int_equal(c->scope_recipients_count, 0);
	assert_int_equal(c->languages_count, def->languages_count);
	assert_int_equal(c->tiers_count, def->tiers_count);
	for (size_t i = 0; i < c->tiers_count; i++)
		assert_int_equal(c->tiers[i].min_cents, def->tiers[i].min_cents);
	assert_int_equal(c->policy_count, def->policy_count);
	for (size_t i = 0; i < c->policy_count; i++)
		assert_string_equal(c->policy[i].why, def->policy[i].why);
	assert_int_equal(c->tag_actions_count + c->routes_count, 0);
	assert_non_null(strstr(c->db_path, "/etc/../data/ltv.db"));
	config_free(c);
	config_free(def);
	diags_free(&d);
}

static void
test_find(void **state)
{
	char tmpl[] = "/tmp/test_config_XXXXXX", cwd[PATH_MAX];
	const char *dir;
	FILE *f;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(dir = mkdtemp(tmpl));
	assert_int_equal(chdir(dir), 0);
	unsetenv("TRIAGE_CONFIG");
	assert_string_equal(config_find("/x/explicit.yaml"),
	                    "/x/explicit.yaml");
	if (access("/etc/triage-milter/triage-milter.yaml", F_OK) != 0)
		assert_null(config_find(NULL));
	assert_int_equal(mkdir("etc", 0700), 0);
	assert_non_null(f = fopen("etc/triage-milter.yaml", "w"));
	fclose(f);
	assert_string_equal(config_find(NULL), "etc/triage-milter.yaml");
	setenv("TRIAGE_CONFIG", "/y/env.yaml", 1);
	assert_string_equal(config_find(NULL), "/y/env.yaml");
	assert_string_equal(config_find("/x/explicit.yaml"),
	                    "/x/explicit.yaml");
	setenv("TRIAGE_CONFIG", "", 1);
	assert_string_equal(config_find(NULL), "etc/triage-milter.yaml");
	unsetenv("TRIAGE_CONFIG");
	unlink("etc/triage-milter.yaml");
	rmdir("etc");
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
}

/* Runs the default order pattern on text normalized as the milter does
 * (NFKC + case folding); returns the captured number or "". */
static void
order_capture(pcre2_code *re, const char *raw, char *out, size_t outlen)
{
	utf8proc_uint8_t *norm = utf8proc_NFKC_Casefold(
	    (const utf8proc_uint8_t *)raw);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	PCRE2_SIZE *ov;
	int rc;

	assert_non_null(norm);
	assert_non_null(md);
	out[0] = '\0';
	rc = pcre2_match(re, norm, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	if (rc >= 2) {
		ov = pcre2_get_ovector_pointer(md);
		snprintf(out, outlen, "%.*s", (int)(ov[3] - ov[2]),
		         (const char *)norm + ov[2]);
	}
	pcre2_match_data_free(md);
	free(norm);
}

static void
test_order_pattern(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "Where is #1042?", "1042" },
		{ "\xe2\x84\x96" "1042", "1042" },
		{ "My Order 1042 is late", "1042" },
		{ "ORDER NO. 1042", "1042" },
		{ "order number: 20455", "20455" },
		{ "\xec\xa3\xbc\xeb\xac\xb8\xeb\xb2\x88\xed\x98\xb8 1042",
		  "1042" },
		{ "\xec\xa3\xbc\xeb\xac\xb8 \xeb\xb2\x88\xed\x98\xb8: 1042",
		  "1042" },
		{ "\xd0\x97\xd0\xb0\xd0\xbc\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0"
		  "\xbd\xd0\xbd\xd1\x8f \xe2\x84\x96" "1042", "1042" },
		{ "\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7 \xe2\x84\x96 1042",
		  "1042" },
		{ "Bestellung 1042", "1042" },
		{ "mein pedido 1042", "1042" },
		{ "Commande n\xc2\xb0 1042", "1042" },
		{ "\xef\xbc\x83\xef\xbc\x91\xef\xbc\x90\xef\xbc\x94\xef\xbc\x92",
		  "1042" }, /* fullwidth "#1042" */
		{ "I ordered 2 mugs", "" },
		{ "order 12", "" },
		{ "#12345678901", "" },
	};
	struct config *c = config_new_defaults();
	pcre2_code *re;
	int ec;
	PCRE2_SIZE eo;
	char got[64];

	(void)state;
	re = pcre2_compile((PCRE2_SPTR)c->order_pattern, PCRE2_ZERO_TERMINATED,
	                   PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
	assert_non_null(re);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		order_capture(re, cases[i].text, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			         cases[i].want);
	}
	pcre2_code_free(re);
	config_free(c);
}

static void
test_reference(void **state)
{
	char *text = NULL;
	size_t len = 0, rows = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	config_print_reference(f);
	fclose(f);
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	/* header, separator, then one row per key: the 42 of full.yaml */
	assert_int_equal(rows, 2 + 42);
	assert_non_null(strstr(text, "| `limits.mime_depth` | integer | "
	                             "`20` | 1..100 | "));
	assert_non_null(strstr(text, "| `milter.on_error` | enum | `accept` "
	                             "| accept, tempfail | "));
	assert_non_null(strstr(text, "| `ltv.database` | path | "
	                             "`../data/ltv.db` |"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_tier_cents),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_relative_file_name),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_shipped_file_is_defaults),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_order_pattern),
		cmocka_unit_test(test_reference),
	};
	const char *top = getenv("TOP");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tests/fixtures/config",
	         top ? top : ".");
	if (realpath(path, fixdir) == NULL) {
		fprintf(stderr, "test_config: no fixtures at %s\n", path);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
