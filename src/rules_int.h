/*
 * rules_int.h - types shared by the files of the rules module.
 *
 * rules_load.c builds a struct ruleset from pattern files, rules.c matches
 * and lints it, rules_hs.c / rules_nohs.c are the two prefilter variants
 * (Hyperscan or none) behind the rules_pf_* functions.  Nothing outside
 * src/rules*.c includes this file, except bench/bench_match.c, which
 * times the bare prefilter scan.
 */
#ifndef TRIAGE_RULES_INT_H
#define TRIAGE_RULES_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "triage/err.h"
#include "triage/limits.h"
#include "triage/rules.h"

/* Non-overlapping matches one rule reports per message: enough for the
 * proximity conditions of flags.yaml. */
#define RULES_HITS_PER_RULE 4

/* Required literal sets per alternative in the Hyperscan prefilter. */
#define RULES_PF_FACTORS 4

/* Where the prefilter saw the anchor literal of a rule's alternative:
 * at most this many places per alternative and per message, and
 * windows per rule (more: the rule is confirmed over the whole text). */
#define RULES_PF_PLACES_PER_RULE 256
#define RULES_PF_PLACES 4096
#define RULES_PF_WINDOWS 1024

/* How far before its required literal a match of a rule can start
 * (rules_span.c): a match consumes at most sep_max of the ASCII
 * characters in sep and at most max_bytes bytes; SIZE_MAX: no bound. */
struct rule_span {
	uint64_t sep[2];
	size_t sep_max;
	size_t max_bytes;
};

struct rule_example {
	char *text; /* as written in the file */
	unsigned line, col;
};

struct rule {
	char *id, *signal, *description, *language;
	const char *file;   /* borrowed from ruleset.files */
	unsigned line, col; /* the rule's mapping */
	unsigned pat_line, pat_col;
	double score;
	char *pattern;
	size_t pattern_len;
	pcre2_code *code;
	size_t signal_index; /* into ruleset.signals */
	struct rule_example *match, *no_match;
	size_t match_count, no_match_count;
};

/* near: kinds as in rules.h */
#define NEAR_NONE RULES_NEAR_NONE
#define NEAR_SENTENCE RULES_NEAR_SENTENCE
#define NEAR_MESSAGE RULES_NEAR_MESSAGE
#define NEAR_WORDS RULES_NEAR_WORDS

struct sig_list {
	size_t *v; /* signal indices */
	size_t count;
};

struct flag_def {
	char *name;
	const char *file;
	unsigned line, col;
	double threshold;
	struct sig_list signals, all, any, not_;
	size_t flags[TRIAGE_MAX_FLAGS]; /* earlier flags that must hold */
	size_t flags_count;
	enum rules_near near;
	size_t near_a, near_b; /* signal indices */
	unsigned within_words;
};

/* Per-thread working memory: taken from the pool for one rules_match
 * call and given back, so concurrent calls never share it. */
struct rules_place {
	uint32_t at;   /* where an anchor literal starts */
	uint32_t next; /* the rule's next place; UINT32_MAX: none */
};

struct rules_scratch {
	struct rules_scratch *next;
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* the set's, plus an offset limit */
	void *pf;             /* prefilter scratch (hs_scratch_t *) or NULL */
	unsigned char *cand;  /* one byte per rule: 1 when it may match */
	struct rule_hit *all; /* RULES_HITS_PER_RULE per rule */
	/* the prefilter's last scan: literal sets seen and anchor places,
	 * per alternative of each rule */
	unsigned char *unit_cand;
	unsigned char *seen; /* a bit per prefilter word */
	uint32_t *place_head, *place_tail;
	uint16_t *place_count; /* > RULES_PF_PLACES_PER_RULE: overflow */
	struct rules_place *place;
	size_t places;
	size_t *win;              /* RULES_PF_WINDOWS (lo, hi) pairs */
	const struct ruleset *rs; /* for the scan callback */
};

/* Scratch objects not in use; its own allocation, so that a const
 * ruleset can still hand them out. */
struct rules_pool {
	pthread_mutex_t lock;
	struct rules_scratch *free;
};

struct rules_pf; /* variant-specific prefilter state */

struct ruleset {
	struct rule *rules;
	size_t rules_count, rules_cap;
	char **signals; /* distinct signal names, first-seen order */
	size_t signals_count, signals_cap;
	unsigned *signal_rules;      /* enabled rules raising each signal */
	unsigned char *signal_known; /* 1: some rule (even disabled) names it */
	struct flag_def flags[TRIAGE_MAX_FLAGS];
	size_t flags_count;
	char **files; /* every file path loaded (owned) */
	size_t files_count, files_cap;
	pcre2_match_context *mctx; /* read-only once loaded: shared */
	int no_hyperscan;
	struct rules_pf *pf; /* NULL: run every rule with PCRE2 */
	int pf_cached;
	struct rules_pool *pool;
};

/* --- rules_load.c --- */

/* Parses flags.yaml and the rule files into rs (already zeroed, limits
 * set); every problem goes to d.  Returns the number of errors. */
size_t rules_load_files(struct ruleset *rs, const struct rules_options *opt,
                        struct diags *d);

/* Index of a signal name, adding it when add is 1; -1 when absent or out
 * of memory. */
long rules_signal_index(struct ruleset *rs, const char *name, int add);

/* Frees the fields of one rule and zeroes it. */
void rules_rule_clear(struct rule *r);

/* --- rules.c --- */

/* Runs r over text under the set's limits; fills at most max hits into
 * out (non-overlapping, increasing).  Returns the number of hits, or -1
 * when a PCRE2 limit stopped the match (which then counts as none). */
int rules_run_one(const struct ruleset *rs, const struct rule *r,
                  pcre2_match_data *md, const char *text, size_t len,
                  struct rule_hit *out, size_t max);

/* Takes scratch space from the set's pool (NULL on out of memory) and
 * gives it back; any thread, any number at once. */
struct rules_scratch *rules_scratch_get(const struct ruleset *rs);
void rules_scratch_put(const struct ruleset *rs, struct rules_scratch *s);

/* --- rules_hs.c / rules_nohs.c --- */

/* Builds the prefilter over every rule, using or filling the cache in
 * opt->cache_dir.
 * Returns 0; -1 with a diagnostic when the prefilter cannot be built. */
int rules_pf_build(struct ruleset *rs, const struct rules_options *opt,
                   struct diags *d);
void rules_pf_free(struct rules_pf *pf);

/* Allocates / frees the per-thread part of the prefilter. */
int rules_pf_scratch_new(const struct ruleset *rs, struct rules_scratch *s);
void rules_pf_scratch_free(struct rules_scratch *s);

/* Scans text once and sets s->cand[i] to 1 when rule i may match.
 * Returns 0, or -1 with err filled. */
int rules_pf_scan(const struct ruleset *rs, struct rules_scratch *s,
                  const char *text, size_t len, struct triage_err *err);

/* The windows of start offsets, as (lo, hi) pairs in s->win, sorted
 * and disjoint, in which a match of candidate rule i can start after
 * the last rules_pf_scan of text in s: every match contains an anchor
 * literal the scan saw.  Returns their number, or -1 when they are not
 * known (no prefilter, no bound, too many places): then the whole
 * text. */
long rules_pf_windows(const struct ruleset *rs, struct rules_scratch *s,
                      size_t i, const char *text, size_t len);

/* How the prefilter handles rule i: -1 without a prefilter. */
enum {
	RULES_SPEED_NEAR,          /* searched only near its words */
	RULES_SPEED_WHOLE_TEXT,    /* when its words occur, the whole text */
	RULES_SPEED_EVERY_MESSAGE, /* an alternative without words */
};
int rules_pf_speed(const struct ruleset *rs, size_t i);

/* Rules the prefilter covers (each alternative has required literals)
 * and, of those, the ones confirmed only near their literals. */
void rules_pf_coverage(const struct ruleset *rs, size_t *covered, size_t *near);

/* The bare prefilter scan with no PCRE2 after it (benchmarks only), in
 * scratch s from rules_scratch_get.  Returns the number of candidates,
 * -1 without a prefilter or on failure. */
long rules_pf_bare_scan(const struct ruleset *rs, struct rules_scratch *s,
                        const char *text, size_t len);

/* --- rules_lits.c: what the prefilter looks for --- */

/* A unit: one alternative of a rule, a candidate when the scan saw
 * every one of its required literal sets (mask). */
struct rules_unit {
	unsigned rule;
	unsigned char mask; /* one bit per required set */
	int span_ok;        /* 0: no bound before the anchor */
	struct rule_span span;
	uint32_t aw_first, aw_count; /* its anchor words in unit_aw */
};

/* A unit whose required set holds a word, and which set. */
struct rules_user {
	uint32_t unit;
	unsigned char factor;
};

/* A distinct literal: one Hyperscan id. */
struct rules_word {
	const char *s; /* in the arena (while building: a user's) */
	size_t len;
	uint32_t first, count; /* its users */
	uint32_t anchors;      /* users for which it is an anchor */
	uint32_t aidx;         /* its place list; UINT32_MAX: none */
};

struct rules_lit; /* while building only */

struct rules_lits {
	struct rules_word *words;
	size_t nwords;
	struct rules_user *users; /* grouped by word */
	char *arena;              /* the words' text */
	struct rules_unit *units;
	size_t nunits;
	uint32_t *unit_aw;    /* anchor word lists of the units */
	size_t naw;           /* words with a place list */
	uint32_t *rule_first; /* a rule's units: rule_first[i] ... */
	uint16_t *rule_units; /* ... and how many */
	struct rules_lit *lits;
	size_t nlits;
};

/* Builds lt (zeroed) for every rule of rs.  0, or -1 on out of memory
 * (lt then still goes to rules_lits_free). */
int rules_lits_build(const struct ruleset *rs, struct rules_lits *lt);
void rules_lits_free(struct rules_lits *lt);

/* --- rules_span.c --- */

/* Fills out for pattern; 0, or -1 when no bound is known (the rule is
 * then confirmed over the whole text). */
int rules_span_of(const char *pattern, size_t len, struct rule_span *out);

/* The lowest offset, at least floor, at which a match that contains
 * the literal starting at text[at] can start. */
size_t rules_span_start(const struct rule_span *sp, const char *text, size_t at,
                        size_t floor);

/* 64-bit FNV-1a, chained: start with RULES_FNV_SEED. */
#define RULES_FNV_SEED 0xcbf29ce484222325ull
uint64_t rules_fnv1a(uint64_t h, const void *data, size_t len);

#endif
