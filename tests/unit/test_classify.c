/*
 * test_classify.c - rule hits to flags: scores (once per rule, negative
 * scores cancel, a signal takes its best single language), thresholds,
 * all / any / not / flags, proximity by sentence, words and message, and
 * the "why" lines.
 *
 * Rule sets are small trees written to a temporary directory; texts go
 * through normalize_string() and rules_match() as in the milter.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/classify.h"
#include "triage/log.h"
#include "triage/normalize.h"
#include "triage/rules.h"

static char tmpdir[] = "/tmp/test_classify.XXXXXX";

static const char flags_yaml[] =
    "flags:\n"
    "  - name: chargeback\n"
    "    signals: [dispute.filed, dispute.threat, dispute.negated]\n"
    "    threshold: 3\n"
    "  - name: chargeback-reship\n"
    "    signals: [dispute.filed, reship.ask]\n"
    "    threshold: 5\n"
    "    all: [dispute.filed, reship.ask]\n"
    "    near: {signals: [dispute.filed, reship.ask], within: sentence}\n"
    "    flags: [chargeback]\n"
    "  - name: amazon-expectation\n"
    "    signals: [amazon.compare]\n"
    "    threshold: 2\n"
    "    any: [amazon.compare, reship.ask]\n"
    "    not: [dispute.filed]\n"
    "  - name: words\n"
    "    signals: [w.alpha, w.beta]\n"
    "    threshold: 2\n"
    "    near: {signals: [w.alpha, w.beta], within: 3}\n"
    "  - name: message\n"
    "    signals: [w.alpha, w.gamma]\n"
    "    threshold: 2\n"
    "    near: {signals: [w.alpha, w.gamma], within: message}\n"
    "  - name: sentence\n"
    "    signals: [w.alpha, w.gamma]\n"
    "    threshold: 2\n"
    "    near: {signals: [w.alpha, w.gamma], within: sentence}\n";

#define RULE(id, sig, score, pat, ex)                     \
	"  - {id: " id ", signal: " sig ", score: " score \
	", description: d,\n"                             \
	"     pattern: '" pat "', match: ['" ex "']}\n"

static const char rules_yaml[] =
    "language: en\n"
    "rules:\n" RULE("en.filed", "dispute.filed", "4",
                    "\\bi\\s+(?:have\\s+)?filed\\s+a\\s+chargeback",
                    "i filed a chargeback")
        RULE("en.threat", "dispute.threat", "3",
             "\\bi\\s+will\\s+file\\s+a\\s+chargeback",
             "i will file a chargeback")
            RULE("en.threat2", "dispute.threat", "0.5", "\\bchargeback\\b",
                 "chargeback") RULE("en.negated", "dispute.negated", "-3",
                                    "\\bi\\s+will\\s+not\\s+file",
                                    "i will not file")
                RULE("en.reship", "reship.ask", "2",
                     "\\bsend\\s+it\\s+again\\b", "send it again")
                    RULE("en.amazon", "amazon.compare", "2.5",
                         "\\bamazon\\s+would\\b", "amazon would")
                        RULE("en.alpha", "w.alpha", "1", "\\balpha\\b", "alpha")
                            RULE("en.beta", "w.beta", "1", "\\bbeta\\b", "beta")
                                RULE("en.gamma", "w.gamma", "1",
                                     "\\bgamma\\b|감마", "gamma");

/* Close languages share cues: "банк" raises dispute.threat in uk and in
 * ru; "оскарж" only in uk. */
static const char uk_yaml[] =
    "language: uk\n"
    "rules:\n" RULE("uk.bank", "dispute.threat", "2", "\\bбанк", "банк")
        RULE("uk.dispute", "dispute.threat", "2", "\\bоскарж", "оскаржила");

static const char ru_yaml[] =
    "language: ru\n"
    "rules:\n" RULE("ru.bank", "dispute.threat", "2", "\\bбанк", "банк");

static struct ruleset *rs;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
write_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(s, fp) < 0 || fclose(fp) != 0 ||
	    chmod(path, 0644) != 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

static int
setup(void **state)
{
	static char *langs[] = { "en", "uk", "ru" };
	struct rules_options o = { 0 };
	struct diags d;

	(void)state;
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) != 0 ||
	    mkdir("p", 0755) != 0 || mkdir("p/en", 0755) != 0 ||
	    mkdir("p/uk", 0755) != 0 || mkdir("p/ru", 0755) != 0)
		return -1;
	write_file("p/flags.yaml", flags_yaml);
	write_file("p/en/rules.yaml", rules_yaml);
	write_file("p/uk/rules.yaml", uk_yaml);
	write_file("p/ru/rules.yaml", ru_yaml);
	log_init("test_classify", 1, "mail");
	o.dir = "p";
	o.languages = langs;
	o.languages_count = 3;
	diags_init(&d);
	rs = rules_load(&o, &d);
	for (size_t i = 0; i < d.count; i++)
		fprintf(stderr, "%s\n", d.v[i].text);
	diags_free(&d);
	return rs == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	rules_free(rs);
	if (chdir("/") != 0)
		return -1;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Normalizes s, matches and classifies it into v. */
static void
run(const char *s, struct verdict *v)
{
	struct text t = { 0 };
	struct match_result m;
	struct triage_err err;

	t.norm = normalize_string(s, strlen(s), &t.norm_len);
	assert_non_null(t.norm);
	t.orig = t.norm;
	t.orig_len = t.norm_len;
	assert_int_equal(rules_match(rs, t.norm, t.norm_len, &m, &err), 0);
	assert_int_equal(classify(rs, &t, &m, v), 0);
	assert_int_equal(v->flags_count, 6);
	for (size_t i = 0; i < v->flags_count; i++) {
		assert_string_equal(v->flags[i].name, rules_flag_name(rs, i));
		assert_int_equal((v->mask >> i) & 1, v->flags[i].set);
	}
	match_result_free(&m);
	free(t.norm);
}

static int
flag_set(const struct verdict *v, const char *name)
{
	int i = rules_flag_index(rs, name);

	assert_true(i >= 0);
	return v->flags[i].set;
}

static double
flag_score(const struct verdict *v, const char *name)
{
	return v->flags[rules_flag_index(rs, name)].score;
}

static void
test_scores(void **state)
{
	struct verdict v;

	(void)state;
	run("I will file a chargeback.", &v);
	assert_true(flag_set(&v, "chargeback"));
	assert_true(flag_score(&v, "chargeback") == 3.5);
	assert_string_equal(v.flags[0].why, "score 3.5 >= 3: yes");
	assert_true(v.flags[0].threshold == 3);
	/* a rule counts once however often it matches */
	run("I will file a chargeback. I will file a chargeback! chargeback",
	    &v);
	assert_true(flag_score(&v, "chargeback") == 3.5);
	/* a negation cancels */
	run("I will file a chargeback. Actually I will not file it.", &v);
	assert_false(flag_set(&v, "chargeback"));
	assert_true(flag_score(&v, "chargeback") == 0.5);
	assert_string_equal(v.flags[0].why, "score 0.5 >= 3: no");
	run("Nothing to see here.", &v);
	assert_int_equal(v.mask, 0);
	assert_true(flag_score(&v, "chargeback") == 0);
}

/* A signal takes the largest sum of any one language, not the sum over
 * languages: a cue that uk and ru rules share counts once. */
static void
test_scores_one_language(void **state)
{
	struct verdict v;

	(void)state;
	run("Я вже звернулася в банк.", &v); /* uk 2, ru 2 */
	assert_true(flag_score(&v, "chargeback") == 2);
	assert_false(flag_set(&v, "chargeback"));
	run("Я оскаржила платіж, банк уже знає.", &v); /* uk 2 + 2, ru 2 */
	assert_true(flag_score(&v, "chargeback") == 4);
	assert_true(flag_set(&v, "chargeback"));
	/* en 3 + 0.5 against uk 2 and ru 2: the best language */
	run("I will file a chargeback, банк.", &v);
	assert_true(flag_score(&v, "chargeback") == 3.5);
	/* each signal of a flag takes its best language: dispute.threat 2
	 * (uk or ru, above en's 0.5), dispute.negated -3 (en) */
	run("I will not file a chargeback, банк.", &v);
	assert_true(flag_score(&v, "chargeback") == -1);
	assert_false(flag_set(&v, "chargeback"));
}

static void
test_all_near_flags(void **state)
{
	struct verdict v;

	(void)state;
	run("I have filed a chargeback, please send it again.", &v);
	assert_true(flag_set(&v, "chargeback"));
	assert_true(flag_set(&v, "chargeback-reship"));
	assert_int_equal(v.mask, 3);
	assert_string_equal(
	    v.flags[1].why,
	    "score 6 >= 5: yes\n"
	    "all: dispute.filed=4 reship.ask=2: yes\n"
	    "flags: chargeback set: yes\n"
	    "near dispute.filed reship.ask within sentence: yes");
	run("I have filed a chargeback. Please send it again.", &v);
	assert_true(flag_set(&v, "chargeback"));
	assert_false(flag_set(&v, "chargeback-reship"));
	assert_non_null(strstr(v.flags[1].why, "within sentence: no"));
	run("I have filed a chargeback\nplease send it again", &v);
	assert_false(flag_set(&v, "chargeback-reship"));
	run("I filed a chargeback for 19.99 and you should send it again", &v);
	assert_true(flag_set(&v, "chargeback-reship"));
	/* all: one signal missing */
	run("Please send it again, send it again!", &v);
	assert_false(flag_set(&v, "chargeback-reship"));
	assert_non_null(
	    strstr(v.flags[1].why, "all: dispute.filed=0 reship.ask=2: no"));
	/* flags: chargeback itself cancelled by a negation */
	run("I filed a chargeback, I will not file more, send it again.", &v);
	assert_false(flag_set(&v, "chargeback"));
	assert_true(flag_score(&v, "chargeback-reship") == 6);
	assert_false(flag_set(&v, "chargeback-reship"));
	assert_non_null(
	    strstr(v.flags[1].why, "flags: chargeback not set: no"));
}

static void
test_any_not(void **state)
{
	struct verdict v;

	(void)state;
	run("Amazon would send it again.", &v);
	assert_true(flag_set(&v, "amazon-expectation"));
	assert_string_equal(v.flags[2].why,
	                    "score 2.5 >= 2: yes\n"
	                    "any: amazon.compare=2.5 reship.ask=2: yes\n"
	                    "not: dispute.filed=0: yes");
	run("Amazon would. I filed a chargeback.", &v);
	assert_false(flag_set(&v, "amazon-expectation"));
	assert_non_null(strstr(v.flags[2].why, "not: dispute.filed=4: no"));
	run("send it again", &v);
	assert_false(flag_set(&v, "amazon-expectation"));
	assert_non_null(strstr(v.flags[2].why, "score 0 >= 2: no"));
	assert_non_null(strstr(v.flags[2].why, "any: amazon.compare=0 "
	                                       "reship.ask=2: yes"));
}

static void
test_near_words(void **state)
{
	static const struct {
		const char *text;
		int set;
	} cases[] = {
		{ "alpha one two beta", 1 },
		{ "alpha one two three beta", 0 },
		{ "beta x alpha", 1 },
		{ "alpha, -- ... !! beta", 1 },
		{ "alpha 12 34 56 beta", 0 },
		{ "alpha 12,34 beta", 1 },
		{ "Alpha один два beta", 1 },
		{ "alpha один два три beta", 0 },
		{ "alpha x y z beta alpha", 1 },
		{ "alpha", 0 },
	};
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		run(cases[i].text, &v);
		if (flag_set(&v, "words") != cases[i].set)
			fail_msg("\"%s\": got %d, want %d (%s)", cases[i].text,
			         flag_set(&v, "words"), cases[i].set,
			         v.flags[3].why);
	}
	run("alpha one two three beta", &v);
	assert_string_equal(v.flags[3].why,
	                    "score 2 >= 2: yes\n"
	                    "near w.alpha w.beta within 3 words: no");
}

static void
test_near_sentence_message(void **state)
{
	static const struct {
		const char *text;
		int sentence, message;
	} cases[] = {
		{ "alpha. gamma", 0, 1 },
		{ "alpha gamma", 1, 1 },
		{ "alpha and 감마 too", 1, 1 },
		{ "alpha。감마", 0, 1 },
		{ "Alpha?gamma", 0, 1 },
		{ "alpha!gamma", 0, 1 },
		{ "alpha\ngamma", 0, 1 },
		{ "alpha 3.5 gamma", 1, 1 },
		{ "alpha e.g. gamma", 0, 1 },
		{ "gamma here. alpha, then gamma", 1, 1 },
		{ "no alpha here", 0, 0 },
	};
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		run(cases[i].text, &v);
		if (flag_set(&v, "sentence") != cases[i].sentence ||
		    flag_set(&v, "message") != cases[i].message)
			fail_msg(
			    "\"%s\": got sentence=%d message=%d, want %d %d",
			    cases[i].text, flag_set(&v, "sentence"),
			    flag_set(&v, "message"), cases[i].sentence,
			    cases[i].message);
	}
}

/* Hits given by hand: no text (positions unknown), limit hits copied. */
static void
test_without_text(void **state)
{
	struct rule_hit hits[2];
	struct match_result m = { 0 };
	struct verdict v;
	size_t alpha = 0, gamma = 0;

	(void)state;
	for (size_t i = 0; i < rules_count(rs); i++) {
		if (strcmp(rule_id(rules_get(rs, i)), "en.alpha") == 0)
			alpha = i;
		if (strcmp(rule_id(rules_get(rs, i)), "en.gamma") == 0)
			gamma = i;
	}
	hits[0] = (struct rule_hit){ rules_get(rs, alpha), 0, 5 };
	hits[1] = (struct rule_hit){ rules_get(rs, gamma), 6, 11 };
	m.hits = hits;
	m.count = 2;
	m.limit_hits = 3;
	assert_int_equal(classify(rs, NULL, &m, &v), 0);
	assert_int_equal(v.limit_hits, 3);
	assert_true(flag_set(&v, "message"));
	assert_false(flag_set(&v, "sentence"));
	m.count = 0;
	assert_int_equal(classify(rs, NULL, &m, &v), 0);
	assert_int_equal(v.mask, 0);
	assert_int_equal(v.flags_count, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_scores_one_language),
		cmocka_unit_test(test_all_near_flags),
		cmocka_unit_test(test_any_not),
		cmocka_unit_test(test_near_words),
		cmocka_unit_test(test_near_sentence_message),
		cmocka_unit_test(test_without_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
