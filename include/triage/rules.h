/*
 * rules.h - pattern files into an immutable rule set; matching.
 *
 * A rule set is loaded from PATTERNS_DIR/flags.yaml and every
 * PATTERNS_DIR/<lang>/ *.yaml of the enabled languages (format:
 * docs/patterns.md).  Every pattern is compiled with PCRE2 (caseless, UTF,
 * UCP, PCRE2_MATCH_INVALID_UTF) and, when built with Hyperscan, also into
 * one Hyperscan database used as a prefilter; candidates are confirmed by
 * PCRE2, so results are the same with or without Hyperscan.  The compiled
 * Hyperscan database is cached in cache_dir, keyed by a hash of the rule
 * set and the library version.
 *
 * Untrusted input: pattern files (bounded, every error reported with
 * FILE:LINE:COL) and the text matched (every match runs under PCRE2
 * match/depth/heap limits).
 *
 * Thread-safety: a loaded rule set is read-only and may be shared by any
 * number of threads; scratch space is per thread, managed internally.
 */
#ifndef TRIAGE_RULES_H
#define TRIAGE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "triage/err.h"

struct ruleset;
struct rule;

struct rules_options {
	const char *dir;        /* patterns directory */
	char *const *languages; /* enabled language subdirectories */
	size_t languages_count;
	const char *cache_dir; /* NULL or "": no Hyperscan cache */
	uint32_t match_limit;  /* PCRE2 limits for every match */
	uint32_t depth_limit;
	uint32_t heap_limit_kib;
	int no_hyperscan; /* 1: PCRE2 only (tests compare both) */
};

/* Loads and compiles everything; NULL when anything is wrong, with every
 * problem in d ("FILE:LINE:COL: rule-id: problem").  Warnings do not fail
 * the load.  Caller owns the result: rules_free(). */
struct ruleset *rules_load(const struct rules_options *opt, struct diags *d);

void rules_free(struct ruleset *rs);

/* Runs every rule's match / no_match examples (normalized as the milter
 * normalizes text) and the limit probes (long runs of one character, of
 * spaces, of repeated words); failures are errors, limit hits warnings,
 * as "FILE:LINE: rule-id: problem".  Returns the number of errors. */
size_t rules_lint(const struct ruleset *rs, struct diags *d);

/* 1 when the set uses a Hyperscan prefilter, and whether its database
 * came from the cache. */
int rules_uses_hyperscan(const struct ruleset *rs);
int rules_hyperscan_cached(const struct ruleset *rs);

size_t rules_count(const struct ruleset *rs);
const struct rule *rules_get(const struct ruleset *rs, size_t i);
const char *rule_id(const struct rule *r);
const char *rule_signal(const struct rule *r);
double rule_score(const struct rule *r);
const char *rule_description(const struct rule *r);
const char *rule_file(const struct rule *r);
unsigned rule_line(const struct rule *r);
const char *rule_language(const struct rule *r);

/* One match of one rule, as offsets into the normalized text. */
struct rule_hit {
	const struct rule *rule;
	size_t start, end;
};

struct match_result {
	struct rule_hit *hits; /* owned; ordered by start offset */
	size_t count;
	size_t limit_hits;             /* matches stopped by a PCRE2 limit */
	const struct rule *limit_rule; /* the first rule that hit a limit */
};

/* Matches every rule against text (len bytes), normalized as
 * normalize_text() makes it (NFKC, case folded): the prefilter looks for
 * the rules' literals in that form, so on other text it may miss a match
 * PCRE2 alone would find.  Each rule
 * reports at most a few non-overlapping matches (enough for proximity
 * conditions); at most TRIAGE_MAX_HITS hits in all.  Returns 0, or -1
 * with err filled (out of memory, Hyperscan failure). */
int rules_match(const struct ruleset *rs, const char *text, size_t len,
                struct match_result *out, struct triage_err *err);

void match_result_free(struct match_result *m);

/* --- flag definitions (from flags.yaml), in file order --- */

size_t rules_flags_count(const struct ruleset *rs);
const char *rules_flag_name(const struct ruleset *rs, size_t i);
/* Index of a flag by name, or -1. */
int rules_flag_index(const struct ruleset *rs, const char *name);

/* --- for classify.c: signals and flag definitions (added) --- */

/* Distinct signal names (rules and flags.yaml), and a rule's signal as
 * an index into them. */
size_t rules_signals_count(const struct ruleset *rs);
const char *rules_signal_name(const struct ruleset *rs, size_t i);
size_t rule_signal_index(const struct rule *r);

enum rules_near {
	RULES_NEAR_NONE = 0,
	RULES_NEAR_SENTENCE,
	RULES_NEAR_MESSAGE,
	RULES_NEAR_WORDS
};

/* Flag i of flags.yaml; every pointer borrowed from the rule set.
 * Signal lists hold signal indices, flags indices of earlier flags. */
struct rules_flag_def {
	const char *name;
	double threshold;
	const size_t *signals, *all, *any, *not_, *flags;
	size_t signals_count, all_count, any_count, not_count, flags_count;
	enum rules_near near; /* proximity of signals near_a, near_b */
	size_t near_a, near_b;
	unsigned within_words; /* for RULES_NEAR_WORDS */
};

/* Fills out; -1 when i is out of range. */
int
rules_flag_def(const struct ruleset *rs, size_t i, struct rules_flag_def *out);

#endif
