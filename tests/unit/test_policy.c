/*
 * test_policy.c - policy.c: the action table of TAXONOMY.md, the exact
 * header values, folding and caps, ASCII-only values, status words,
 * subject tags and routes.
 *
 * Verdicts, rule hits and customers are built by hand.  policy.c needs
 * only rule_id() from the rules module, so this program defines its own
 * tiny struct rule and rule_id(); rules.o is then never pulled from the
 * library (nothing else linked here refers to it).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triage/buf.h"
#include "triage/policy.h"

struct rule {
	const char *id;
};

const char *
rule_id(const struct rule *r)
{
	return r->id;
}

static struct config *cfg;

/* Flags in canonical order, as flags.yaml lists them. */
static const char *const flag_names[] = {
	"review-threat", "chargeback", "chargeback-reship", "wrong-address",
	"delivered-not-received", "subscription-surprise",
	"amazon-expectation",
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* A verdict with the flags named in set (comma separated) set, each with
 * score 3.0 unless given in scores. */
static void
make_verdict(struct verdict *v, const char *set, const double *scores)
{
	memset(v, 0, sizeof(*v));
	v->flags_count = NFLAGS;
	for (size_t i = 0; i < NFLAGS; i++) {
		size_t n = strlen(flag_names[i]);
		const char *p = set;

		v->flags[i].name = flag_names[i];
		v->flags[i].threshold = 3.0;
		v->flags[i].score = scores ? scores[i] : 0.0;
		while (p && (p = strstr(p, flag_names[i])) != NULL) {
			if ((p == set || p[-1] == ',') &&
			    (p[n] == ',' || p[n] == '\0')) {
				v->flags[i].set = 1;
				v->mask |= 1u << i;
				if (scores == NULL)
					v->flags[i].score = 3.0;
				break;
			}
			p += n;
		}
	}
}

static void
make_customer(struct customer *c, const char *tier, int64_t cents,
              long orders)
{
	memset(c, 0, sizeof(*c));
	c->db_ok = 1;
	c->found = cents > 0;
	str_lcpy(c->tier, tier, sizeof(c->tier));
	c->ltv_cents = cents;
	c->orders = orders;
	str_lcpy(c->currency, "USD", sizeof(c->currency));
	str_lcpy(c->matched_by, c->found ? "from" : "", sizeof(c->matched_by));
	str_lcpy(c->basis, c->found ? "total-spent" : "", sizeof(c->basis));
	c->history_days = 365;
}

static const char *
header(const struct actions *a, const char *suffix)
{
	char name[128];

	snprintf(name, sizeof(name), "X-Triage-%s", suffix);
	for (size_t i = 0; i < a->headers_count; i++)
		if (strcmp(a->headers[i].name, name) == 0)
			return a->headers[i].value;
	fail_msg("no header %s", name);
	return NULL;
}

static int
setup(void **state)
{
	const char *top = getenv("TOP");
	char path[PATH_MAX];
	struct diags d;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/fixtures/config/policy.yaml",
	         top ? top : ".");
	diags_init(&d);
	cfg = config_load(path, &d);
	for (size_t i = 0; i < d.count; i++)
		fprintf(stderr, "%s\n", d.v[i].text);
	diags_free(&d);
	return cfg == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void
decide(const struct verdict *v, const struct match_result *m,
       const struct customer *c, const char *subject, unsigned status,
       struct actions *a)
{
	struct triage_err err;

	assert_int_equal(policy_decide(cfg, NULL, v, m, c, subject, subject,
	                               status, "mx1.example", a, &err),
	                 0);
}

/* TAXONOMY.md: first match wins. */
static void
test_actions(void **state)
{
	static const struct {
		const char *flags, *tier, *action, *why;
	} cases[] = {
		{ "chargeback,chargeback-reship,wrong-address", "vip",
		  "dispute",
		  "policy line 1 (flags: chargeback, chargeback-reship)" },
		{ "chargeback", "new", "dispute", NULL },
		{ "wrong-address", "vip", "accommodate",
		  "policy line 2 (flags: wrong-address, "
		  "delivered-not-received, subscription-surprise; tiers: "
		  "vip)" },
		{ "review-threat,delivered-not-received", "vip", "accommodate",
		  NULL },
		{ "wrong-address", "loyal", "standard",
		  "policy line 3 (any_flag)" },
		{ "subscription-surprise", "unknown", "standard", NULL },
		{ "review-threat", "vip", "standard", NULL },
		{ "amazon-expectation", "standard", "standard", NULL },
		{ "", "vip", "normal",
		  "default action (no policy line matched)" },
		{ "", "new", "normal", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verdict v;
		struct customer c;
		struct actions a;

		make_verdict(&v, cases[i].flags, NULL);
		make_customer(&c, cases[i].tier, 50000, 3);
		decide(&v, NULL, &c, "hello", 0, &a);
		if (strcmp(a.action, cases[i].action) != 0)
			fail_msg("case %zu: got %s, want %s", i, a.action,
			         cases[i].action);
		assert_string_equal(header(&a, "Action"), cases[i].action);
		assert_string_equal(header(&a, "Tier"), cases[i].tier);
		if (cases[i].why)
			assert_string_equal(a.action_why, cases[i].why);
		actions_free(&a);
	}
}

/* The example of DESIGN.md, header by header, in contract order. */
static void
test_headers_exact(void **state)
{
	static const char *const want[][2] = {
		{ "X-Triage-Flags", "chargeback, chargeback-reship" },
		{ "X-Triage-Tier", "vip" },
		{ "X-Triage-Action", "dispute" },
		{ "X-Triage-Score", "chargeback=6.5 chargeback-reship=4.0" },
		{ "X-Triage-Rules", "en.dispute.filed, en.reship.send-again" },
		/* 19 + 63 columns: folded after the last ';' that fits */
		{ "X-Triage-Customer",
		  "ltv=1240.00 USD; orders=9; matched=reply-to;\n\t"
		  "basis=total-spent" },
		{ "X-Triage-History", "chargeback=2; review-threat=1; days=365" },
		{ "X-Triage-Status", "ok" },
		{ "X-Triage-Version", "triage-milter " TRIAGE_VERSION
		                      " on mx1.example" },
	};
	double scores[NFLAGS] = { 1.5, 6.5, 4.0, 0, 0, 0, 0 };
	struct rule r1 = { "en.dispute.filed" }, r2 = { "en.reship.send-again" };
	struct rule_hit hits[] = { { &r1, 0, 5 }, { &r2, 10, 20 },
		                   { &r1, 30, 35 } };
	struct match_result m = { hits, 3, 0, NULL };
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	make_verdict(&v, "chargeback,chargeback-reship", scores);
	make_customer(&c, "vip", 124000, 9);
	str_lcpy(c.matched_by, "reply-to", sizeof(c.matched_by));
	str_lcpy(c.history[0].flag, "chargeback", sizeof(c.history[0].flag));
	c.history[0].count = 2;
	str_lcpy(c.history[1].flag, "review-threat", sizeof(c.history[1].flag));
	c.history[1].count = 1;
	c.history_count = 2;
	decide(&v, &m, &c, "hi", 0, &a);
	assert_int_equal(a.headers_count, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(a.headers[i].name, want[i][0]);
		assert_string_equal(a.headers[i].value, want[i][1]);
	}
	assert_string_equal(a.flags, "chargeback, chargeback-reship");
	assert_int_equal(a.status, 0);
	actions_free(&a);
}

static void
test_not_found_and_unavailable(void **state)
{
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	make_verdict(&v, "", NULL);
	make_customer(&c, "new", 0, 0);
	decide(&v, NULL, &c, NULL, 0, &a);
	assert_string_equal(header(&a, "Flags"), "none");
	assert_string_equal(a.flags, "none");
	assert_string_equal(header(&a, "Score"), "none");
	assert_string_equal(header(&a, "Rules"), "none");
	assert_string_equal(header(&a, "Tier"), "new");
	assert_string_equal(header(&a, "Customer"),
	                    "ltv=0.00 USD; orders=0; matched=none");
	assert_string_equal(header(&a, "History"), "none; days=365");
	assert_string_equal(header(&a, "Status"), "ok");
	actions_free(&a);

	memset(&c, 0, sizeof(c));
	c.db_ok = 0;
	str_lcpy(c.tier, "unknown", sizeof(c.tier));
	decide(&v, NULL, &c, NULL, 0, &a);
	assert_string_equal(header(&a, "Tier"), "unknown");
	assert_string_equal(header(&a, "Customer"), "unavailable");
	assert_string_equal(header(&a, "History"), "unavailable");
	assert_string_equal(header(&a, "Status"), "partial; db-unavailable");
	assert_int_equal(a.status, POLICY_ST_DB_UNAVAILABLE);
	actions_free(&a);

	/* no customer at all: the configured unknown tier */
	decide(&v, NULL, NULL, NULL, 0, &a);
	assert_string_equal(header(&a, "Tier"), "unknown");
	actions_free(&a);
}

static void
test_status_words(void **state)
{
	struct verdict v;
	struct customer c;
	struct actions a;
	struct match_result m = { NULL, 0, 2, NULL };

	(void)state;
	make_verdict(&v, "", NULL);
	make_customer(&c, "loyal", 30000, 2);
	decide(&v, NULL, &c, NULL, POLICY_ST_TRUNCATED, &a);
	assert_string_equal(header(&a, "Status"), "partial; truncated");
	actions_free(&a);
	decide(&v, &m, &c, NULL, POLICY_ST_TRUNCATED, &a);
	assert_string_equal(header(&a, "Status"),
	                    "partial; truncated; match-limit");
	assert_int_equal(a.status, POLICY_ST_TRUNCATED | POLICY_ST_MATCH_LIMIT);
	actions_free(&a);
	c.db_ok = 0;
	decide(&v, NULL, &c, NULL,
	       POLICY_ST_TRUNCATED | POLICY_ST_MATCH_LIMIT, &a);
	assert_string_equal(header(&a, "Status"),
	                    "partial; truncated; db-unavailable; match-limit");
	actions_free(&a);
}

/* Every line of a folded value, "Name: " included on the first. */
static void
assert_folded(const char *name, const char *value)
{
	size_t col = strlen(name) + 2;

	for (const char *p = value; *p; p++) {
		if (*p == '\n') {
			assert_int_equal(p[1], '\t');
			assert_true(col <= 78);
			col = 0;
			continue;
		}
		assert_true(*p >= 0x20 || *p == '\t');
		assert_true(*p < 0x7f);
		col++;
	}
	assert_true(col <= 78);
}

/* "\n\t" back to " ": the value before folding. */
static void
unfold(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in && o + 1 < outlen; in++) {
		if (in[0] == '\n' && in[1] == '\t') {
			out[o++] = ' ';
			in++;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
}

static void
test_fold_long_rules(void **state)
{
	struct rule rules[40];
	char ids[40][32], want[2048], got[2048];
	struct rule_hit hits[40];
	struct match_result m = { hits, 40, 0, NULL };
	struct verdict v;
	struct customer c;
	struct actions a;
	const char *val;
	size_t o = 0;

	(void)state;
	for (size_t i = 0; i < 40; i++) {
		snprintf(ids[i], sizeof(ids[i]), "en.rule-number.%02zu", i);
		rules[i].id = ids[i];
		hits[i].rule = &rules[i];
		hits[i].start = i;
		hits[i].end = i + 1;
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s",
		                      i ? ", " : "", ids[i]);
	}
	make_verdict(&v, "review-threat", NULL);
	make_customer(&c, "vip", 200000, 20);
	decide(&v, &m, &c, NULL, 0, &a);
	val = header(&a, "Rules");
	assert_non_null(strstr(val, "\n\t"));
	assert_folded("X-Triage-Rules", val);
	unfold(val, got, sizeof(got));
	assert_string_equal(got, want);
	/* breaks come after the commas */
	for (const char *p = strstr(val, "\n\t"); p; p = strstr(p + 1, "\n\t"))
		assert_int_equal(p[-1], ',');
	for (size_t i = 0; i < a.headers_count; i++)
		assert_folded(a.headers[i].name, a.headers[i].value);
	actions_free(&a);
}

/* Too many ids for one header: cut after a whole id, ", ..." added. */
static void
test_cap_rules(void **state)
{
	static struct rule rules[200];
	static char ids[200][100];
	static struct rule_hit hits[200];
	struct match_result m = { hits, 200, 0, NULL };
	struct verdict v;
	struct customer c;
	struct actions a;
	char got[4096];
	const char *val, *last;

	(void)state;
	for (size_t i = 0; i < 200; i++) {
		snprintf(ids[i], sizeof(ids[i]), "en.a-very-long-rule-id-%03zu",
		         i);
		rules[i].id = ids[i];
		hits[i].rule = &rules[i];
	}
	make_verdict(&v, "review-threat", NULL);
	make_customer(&c, "vip", 200000, 20);
	decide(&v, &m, &c, NULL, 0, &a);
	val = header(&a, "Rules");
	assert_true(strlen(val) <= TRIAGE_MAX_ADDED_HEADER_LEN);
	assert_folded("X-Triage-Rules", val);
	unfold(val, got, sizeof(got));
	assert_true(strlen(got) > 900);
	last = strrchr(got, ',');
	assert_string_equal(last, ", ...");
	/* the id before ", ..." is whole */
	assert_memory_equal(last - 26, "en.a-very-long-rule-id-", 23);
	actions_free(&a);
}

static void
test_fold_direct(void **state)
{
	char out[256];
	char word[100];

	(void)state;
	assert_int_equal(policy_fold("ok", 15, out, sizeof(out)), 0);
	assert_string_equal(out, "ok");
	/* one word longer than a line cannot be broken: left whole */
	memset(word, 'x', 99);
	word[99] = '\0';
	assert_int_equal(policy_fold(word, 10, out, sizeof(out)), 0);
	assert_string_equal(out, word);
	/* does not fit the output */
	assert_int_equal(policy_fold(word, 10, out, 50), -1);
	/* prefers the space after ';' to a later plain space */
	assert_int_equal(policy_fold("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; "
	                             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cc "
	                             "ddddd",
	                             8, out, sizeof(out)),
	                 0);
	assert_string_equal(out, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;\n\t"
	                         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cc ddddd");
}

/* Random lists of words (each shorter than a line) and separators: every
 * folded line fits and unfolding gives the value back. */
static void
test_fold_random(void **state)
{
	static const char *const seps[] = { ", ", "; ", " " };
	unsigned long seed = 12345;
	char value[900], out[1100], back[1100];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = 0, name_len;

		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		name_len = 5 + (seed >> 33) % 25;
		while (len < 700) {
			size_t w = 1 + (seed >> 40) % 40;

			seed = seed * 6364136223846793005ul + 1;
			if (len > 0) {
				const char *sp = seps[(seed >> 35) % 3];

				memcpy(value + len, sp, strlen(sp));
				len += strlen(sp);
			}
			memset(value + len, 'a' + (int)((seed >> 45) % 26), w);
			len += w;
		}
		value[len] = '\0';
		assert_int_equal(policy_fold(value, name_len, out, sizeof(out)),
		                 0);
		{
			size_t col = name_len + 2;

			for (const char *p = out; *p; p++) {
				if (*p == '\n') {
					assert_true(col <= 78);
					assert_int_equal(p[1], '\t');
					col = 0;
				} else
					col++;
			}
			assert_true(col <= 78);
		}
		unfold(out, back, sizeof(back));
		assert_string_equal(back, value);
	}
}

static void
test_ascii(void **state)
{
	char out[64];
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	assert_string_equal(policy_ascii(out, sizeof(out), "na\xc3\xafve\x01"),
	                    "na?ve?");
	assert_string_equal(policy_ascii(out, 5, "abcdefgh"), "abcd");
	make_verdict(&v, "", NULL);
	make_customer(&c, "vi\r\nX-Evil: 1", 100, 1);
	str_lcpy(c.matched_by, "fr\xc3\xa9m\n", sizeof(c.matched_by));
	str_lcpy(c.basis, "tot\tal", sizeof(c.basis));
	str_lcpy(c.history[0].flag, "\xed\x95\x9c\r", sizeof(c.history[0].flag));
	c.history[0].count = 4;
	c.history_count = 1;
	decide(&v, NULL, &c, NULL, 0, &a);
	assert_string_equal(header(&a, "Tier"), "vi??X-Evil: 1");
	assert_string_equal(header(&a, "Customer"),
	                    "ltv=1.00 USD; orders=1; matched=fr?m?; "
	                    "basis=tot?al");
	assert_string_equal(header(&a, "History"), "?" "?=4; days=365");
	for (size_t i = 0; i < a.headers_count; i++)
		assert_folded(a.headers[i].name, a.headers[i].value);
	actions_free(&a);
}

static void
test_subject_tags(void **state)
{
	static const struct {
		const char *flags, *tier, *subject, *want;
	} cases[] = {
		{ "", "vip", "hello", "[VIP] hello" },
		{ "", "vip", "Re: [VIP] hello", NULL },
		{ "", "vip", "re: [vip] hello", NULL },
		{ "", "vip", NULL, "[VIP]" },
		{ "", "loyal", "hello", NULL },
		/* action tag, then tier; the chargeback tag repeats the
		 * action's and is used once */
		{ "chargeback,review-threat", "vip", "Refund",
		  "[DISPUTE] [VIP] [THREAT] Refund" },
		{ "chargeback", "vip", "[DISPUTE] x", "[VIP] [DISPUTE] x" },
	};
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_verdict(&v, cases[i].flags, NULL);
		make_customer(&c, cases[i].tier, 100, 1);
		decide(&v, NULL, &c, cases[i].subject, 0, &a);
		if (cases[i].want == NULL && a.new_subject != NULL)
			fail_msg("case %zu: got \"%s\", want no change", i,
			         a.new_subject);
		if (cases[i].want != NULL)
			assert_string_equal(a.new_subject, cases[i].want);
		actions_free(&a);
		assert_null(a.new_subject);
	}
}

/* The raw subject keeps its encoding and its folds; a bare CR or LF
 * cannot start a new header. */
static void
test_subject_raw(void **state)
{
	struct verdict v;
	struct customer c;
	struct actions a;
	struct triage_err err;

	(void)state;
	make_verdict(&v, "", NULL);
	make_customer(&c, "vip", 100, 1);
	assert_int_equal(policy_decide(cfg, NULL, &v, NULL, &c, "caf\xc3\xa9",
	                               "=?UTF-8?Q?caf=C3=A9?=\r\n x\r\nBcc: "
	                               "a@b.example",
	                               0, NULL, &a, &err),
	                 0);
	assert_string_equal(a.new_subject, "[VIP] =?UTF-8?Q?caf=C3=A9?=\n x "
	                                   "Bcc: a@b.example");
	/* no version host given: the configured one */
	assert_string_equal(header(&a, "Version"),
	                    "triage-milter " TRIAGE_VERSION " on mx1.example");
	actions_free(&a);
}

static void
test_route(void **state)
{
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	make_verdict(&v, "chargeback", NULL);
	make_customer(&c, "loyal", 30000, 2);
	decide(&v, NULL, &c, NULL, 0, &a);
	assert_string_equal(a.route, "disputes@shop.example");
	actions_free(&a);
	make_verdict(&v, "review-threat", NULL);
	decide(&v, NULL, &c, NULL, 0, &a);
	assert_string_equal(a.route, "");
	actions_free(&a);
}

/* Header names follow the configured prefix; defaults have no tags. */
static void
test_prefix_and_defaults(void **state)
{
	struct config *saved = cfg, *def = config_new_defaults();
	struct verdict v;
	struct customer c;
	struct actions a;

	(void)state;
	assert_non_null(def);
	free(def->header_prefix);
	def->header_prefix = str_dup("X-Support-");
	assert_non_null(def->header_prefix);
	cfg = def;
	make_verdict(&v, "chargeback", NULL);
	make_customer(&c, "vip", 200000, 2);
	decide(&v, NULL, &c, "hi", 0, &a);
	assert_string_equal(a.headers[0].name, "X-Support-Flags");
	assert_string_equal(a.headers[8].name, "X-Support-Version");
	assert_string_equal(a.action, "dispute");
	assert_null(a.new_subject);
	assert_string_equal(a.route, "");
	actions_free(&a);
	cfg = saved;
	config_free(def);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_headers_exact),
		cmocka_unit_test(test_not_found_and_unavailable),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_fold_long_rules),
		cmocka_unit_test(test_cap_rules),
		cmocka_unit_test(test_fold_direct),
		cmocka_unit_test(test_fold_random),
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_subject_tags),
		cmocka_unit_test(test_subject_raw),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_prefix_and_defaults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
