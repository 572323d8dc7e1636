/*
 * classify.h - rule hits to flags and scores.
 *
 * For each flag of flags.yaml: its score is the sum of the scores of the
 * distinct rules that fired for its signals (a rule counts once per
 * message); the flag is set when the score reaches the threshold and
 * every combination holds (all / any / not signals, other flags, and
 * proximity: two signals in the same sentence or within N words).
 * Pure: no I/O.
 */
#ifndef TRIAGE_CLASSIFY_H
#define TRIAGE_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "triage/limits.h"
#include "triage/normalize.h"
#include "triage/rules.h"

struct flag_result {
	const char *name; /* borrowed from the rule set */
	double score;
	double threshold;
	int set;
	/* One line per condition with whether it held, for explanations,
	 * e.g. "score 6.5 >= 3", "all: dispute.filed yes, reship.ask yes",
	 * "near dispute.filed reship.ask within sentence: yes". */
	char why[512];
};

struct verdict {
	struct flag_result flags[TRIAGE_MAX_FLAGS]; /* flags.yaml order */
	size_t flags_count;
	uint32_t mask;     /* bit i = flags[i].set */
	size_t limit_hits; /* copied from the match result */
};

/* Fills out from the hits of m on text t.  Returns 0 (it cannot fail). */
int classify(const struct ruleset *rs, const struct text *t,
             const struct match_result *m, struct verdict *out);

#endif
