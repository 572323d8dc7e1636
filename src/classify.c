/*
 * classify.c - rule hits to flags and scores (see classify.h).
 *
 * Owns: the meaning of flags.yaml at match time: signal scores (each
 * fired rule counted once; the best single language's sum), thresholds,
 * all / any / not / flags conditions, proximity (same sentence, within
 * N words, same message) and the readable "why" of every flag.
 *
 * Untrusted input: the normalized text and the hit offsets into it; both
 * only read within t->norm_len.  No allocation, no I/O: it cannot fail.
 */
#include "triage/classify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

/* Where each kept hit lies: sentence and word index of its start. */
struct hit_pos {
	size_t sentence[TRIAGE_MAX_HITS];
	size_t word[TRIAGE_MAX_HITS];
};

/* The distinct rules that fired, and the signal scores they give. */
struct fired {
	const struct rule *rules[TRIAGE_MAX_HITS];
	size_t count;
};

static void why_add(struct flag_result *fr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_add(struct flag_result *fr, const char *fmt, ...)
{
	size_t used = strlen(fr->why);
	va_list ap;

	if (used + 2 >= sizeof(fr->why))
		return;
	if (used > 0)
		fr->why[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(fr->why + used, sizeof(fr->why) - used, fmt, ap);
	va_end(ap);
}

static void
fired_collect(const struct match_result *m, struct fired *f)
{
	f->count = 0;
	for (size_t i = 0; i < m->count && i < TRIAGE_MAX_HITS; i++) {
		size_t k;

		for (k = 0; k < f->count; k++)
			if (f->rules[k] == m->hits[i].rule)
				break;
		if (k == f->count)
			f->rules[f->count++] = m->hits[i].rule;
	}
}

/* 1 when fired rule j raises signal sig in language lang. */
static int
raises_in(const struct fired *f, size_t j, size_t sig, const char *lang)
{
	const char *l = rule_language(f->rules[j]);

	return rule_signal_index(f->rules[j]) == sig &&
	       (l == lang ||
	        (l != NULL && lang != NULL && strcmp(l, lang) == 0));
}

/* A signal's score: the largest sum that the fired rules of any one
 * language give it (0 when none fired).  Rules of every language run on
 * every message, and close languages (uk and ru) share cues: one sentence
 * must not count once per language. */
static double
signal_score(const struct fired *f, size_t sig)
{
	double best = 0;
	int any = 0;

	for (size_t i = 0; i < f->count; i++) {
		const char *lang = rule_language(f->rules[i]);
		double s = 0;
		size_t k;

		if (rule_signal_index(f->rules[i]) != sig)
			continue;
		for (k = 0; k < i; k++) /* this language is summed already */
			if (raises_in(f, k, sig, lang))
				break;
		if (k < i)
			continue;
		for (size_t j = i; j < f->count; j++)
			if (raises_in(f, j, sig, lang))
				s += rule_score(f->rules[j]);
		if (!any || s > best)
			best = s;
		any = 1;
	}
	return best;
}

/* Decodes one code point at p (len > 0 bytes left); its length in *n.
 * Invalid bytes count as one non-letter each. */
static utf8proc_int32_t
next_cp(const char *p, size_t len, size_t *n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p,
	                                      (utf8proc_ssize_t)len, &cp);

	*n = k > 0 ? (size_t)k : 1;
	return k > 0 ? cp : -1;
}

static int
is_word_cp(utf8proc_int32_t cp)
{
	if (cp < 0)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* Sentence ends: ! ? 。 ！ ？ and line breaks always, '.' only before
 * white space or the end (so "19.99" and "no.5" stay one sentence). */
static int
is_sentence_end(utf8proc_int32_t cp, const char *next, size_t left)
{
	if (cp == '!' || cp == '?' || cp == '\n' || cp == 0x3002 ||
	    cp == 0xff01 || cp == 0xff1f)
		return 1;
	return cp == '.' && (left == 0 || *next == ' ' || *next == '\n' ||
	                     *next == '\t' || *next == '\r');
}

/* One pass over the text: the sentence and word index at each hit's
 * start (hits are ordered by start).  A hit starting inside a word gets
 * that word's index, one starting between words the next word's. */
static void
positions(const struct text *t, const struct match_result *m,
          struct hit_pos *hp)
{
	size_t off = 0, sentence = 0, words = 0, h = 0;
	size_t n = m->count < TRIAGE_MAX_HITS ? m->count : TRIAGE_MAX_HITS;
	int in_word = 0;

	while (h < n) {
		size_t k = 0;
		utf8proc_int32_t cp = -1;
		int w = 0;

		if (off < t->norm_len) {
			cp = next_cp(t->norm + off, t->norm_len - off, &k);
			w = is_word_cp(cp);
		}
		for (; h < n && (m->hits[h].start <= off || off >= t->norm_len);
		     h++) {
			hp->sentence[h] = sentence;
			hp->word[h] = (w && in_word) ? words - 1 : words;
		}
		if (off >= t->norm_len)
			break;
		words += w && !in_word;
		in_word = w;
		off += k;
		if (is_sentence_end(cp, t->norm + off, t->norm_len - off))
			sentence++;
	}
}

static int
near_holds(const struct rules_flag_def *f, const struct match_result *m,
           const struct hit_pos *hp, int have_pos)
{
	size_t n = m->count < TRIAGE_MAX_HITS ? m->count : TRIAGE_MAX_HITS;

	for (size_t i = 0; i < n; i++) {
		if (rule_signal_index(m->hits[i].rule) != f->near_a)
			continue;
		for (size_t j = 0; j < n; j++) {
			size_t d;

			if (j == i ||
			    rule_signal_index(m->hits[j].rule) != f->near_b)
				continue;
			if (f->near == RULES_NEAR_MESSAGE)
				return 1;
			if (!have_pos)
				continue;
			if (f->near == RULES_NEAR_SENTENCE &&
			    hp->sentence[i] == hp->sentence[j])
				return 1;
			d = hp->word[i] > hp->word[j]
			        ? hp->word[i] - hp->word[j]
			        : hp->word[j] - hp->word[i];
			if (f->near == RULES_NEAR_WORDS && d <= f->within_words)
				return 1;
		}
	}
	return 0;
}

enum list_kind { LIST_ALL, LIST_ANY, LIST_NOT };

/* Checks an all / any / not list and explains it. */
static int
list_holds(const struct ruleset *rs, const size_t *sigs, size_t count,
           enum list_kind kind, const struct fired *fr, struct flag_result *res)
{
	static const char *const names[] = { "all", "any", "not" };
	char line[sizeof(res->why)];
	size_t used, positive = 0;
	int ok;

	used = (size_t)snprintf(line, sizeof(line), "%s:", names[kind]);
	for (size_t i = 0; i < count; i++) {
		double s = signal_score(fr, sigs[i]);

		positive += s > 0;
		if (used < sizeof(line))
			used += (size_t)snprintf(
			    line + used, sizeof(line) - used, " %s=%g",
			    rules_signal_name(rs, sigs[i]), s);
	}
	ok = kind == LIST_ALL   ? positive == count
	     : kind == LIST_ANY ? positive > 0
	                        : positive == 0;
	why_add(res, "%s: %s", line, ok ? "yes" : "no");
	return ok;
}

static double
flag_score(const struct rules_flag_def *f, const struct fired *fr)
{
	double score = 0;

	for (size_t i = 0; i < f->signals_count; i++) {
		size_t k;

		for (k = 0; k < i; k++) /* a signal listed twice counts once */
			if (f->signals[k] == f->signals[i])
				break;
		if (k == i)
			score += signal_score(fr, f->signals[i]);
	}
	return score;
}

static int
flags_hold(const struct ruleset *rs, const struct rules_flag_def *f,
           const struct verdict *out, struct flag_result *res)
{
	char line[sizeof(res->why)];
	size_t used = (size_t)snprintf(line, sizeof(line), "flags:");
	int ok = 1;

	for (size_t i = 0; i < f->flags_count; i++) {
		int set = out->flags[f->flags[i]].set;

		ok &= set;
		if (used < sizeof(line))
			used += (size_t)snprintf(
			    line + used, sizeof(line) - used, " %s %s",
			    rules_flag_name(rs, f->flags[i]),
			    set ? "set" : "not set");
	}
	why_add(res, "%s: %s", line, ok ? "yes" : "no");
	return ok;
}

static void
eval_flag(const struct ruleset *rs, size_t idx, const struct fired *fr,
          const struct match_result *m, const struct hit_pos *hp, int have_pos,
          struct verdict *out)
{
	static const char *const within[] = { "", "sentence", "message", "" };
	struct flag_result *res = &out->flags[idx];
	struct rules_flag_def def, *f = &def;
	int ok;

	if (rules_flag_def(rs, idx, &def) != 0)
		return;

	res->name = f->name;
	res->threshold = f->threshold;
	res->score = flag_score(f, fr);
	/* scores such as 0.1 + 0.2 must reach a threshold of 0.3 */
	ok = res->score >= f->threshold - 1e-9;
	why_add(res, "score %g >= %g: %s", res->score, f->threshold,
	        ok ? "yes" : "no");
	if (f->all_count > 0)
		ok &= list_holds(rs, f->all, f->all_count, LIST_ALL, fr, res);
	if (f->any_count > 0)
		ok &= list_holds(rs, f->any, f->any_count, LIST_ANY, fr, res);
	if (f->not_count > 0)
		ok &= list_holds(rs, f->not_, f->not_count, LIST_NOT, fr, res);
	if (f->flags_count > 0)
		ok &= flags_hold(rs, f, out, res);
	if (f->near != RULES_NEAR_NONE) {
		int near = near_holds(f, m, hp, have_pos);

		if (f->near == RULES_NEAR_WORDS)
			why_add(res, "near %s %s within %u words: %s",
			        rules_signal_name(rs, f->near_a),
			        rules_signal_name(rs, f->near_b),
			        f->within_words, near ? "yes" : "no");
		else
			why_add(res, "near %s %s within %s: %s",
			        rules_signal_name(rs, f->near_a),
			        rules_signal_name(rs, f->near_b),
			        within[f->near], near ? "yes" : "no");
		ok &= near;
	}
	res->set = ok;
	if (ok)
		out->mask |= 1u << idx;
}

int
classify(const struct ruleset *rs, const struct text *t,
         const struct match_result *m, struct verdict *out)
{
	struct fired fr;
	struct hit_pos hp;
	int have_pos = t != NULL && t->norm != NULL;

	memset(out, 0, sizeof(*out));
	fired_collect(m, &fr);
	if (have_pos)
		positions(t, m, &hp);
	out->flags_count = rules_flags_count(rs);
	if (out->flags_count > TRIAGE_MAX_FLAGS)
		out->flags_count = TRIAGE_MAX_FLAGS;
	out->limit_hits = m->limit_hits;
	for (size_t i = 0; i < out->flags_count; i++)
		eval_flag(rs, i, &fr, m, &hp, have_pos, out);
	return 0;
}
