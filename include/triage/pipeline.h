/*
 * pipeline.h - the end-of-message chain, one code path for the milter,
 * `triage-milter -t` and `triagectl test/explain/eval`.
 *
 *   message -> regions_mark -> normalize_text -> rules_match -> classify
 *           -> ltv_lookup -> policy_decide
 *
 * It sits beside snapshot.c, above every stage, and below milter.c and
 * triagectl.c; it keeps every intermediate result so explanations show
 * exactly what the milter decided.
 */
#ifndef TRIAGE_PIPELINE_H
#define TRIAGE_PIPELINE_H

#include <stdint.h>

#include "triage/classify.h"
#include "triage/err.h"
#include "triage/ltv.h"
#include "triage/message.h"
#include "triage/normalize.h"
#include "triage/policy.h"
#include "triage/regions.h"
#include "triage/rules.h"
#include "triage/snapshot.h"

enum pipeline_stage {
	STAGE_DECODE = 0,
	STAGE_REGIONS,
	STAGE_NORMALIZE,
	STAGE_MATCH,
	STAGE_CLASSIFY,
	STAGE_LOOKUP,
	STAGE_POLICY,
	STAGE_COUNT
};

struct pipeline_result {
	struct message *msg;     /* owned */
	struct regions *regions; /* owned */
	struct text *text;       /* owned */
	struct match_result match;
	struct verdict verdict;
	struct customer customer;
	struct actions actions;
	uint64_t stage_ns[STAGE_COUNT]; /* time spent per stage */
};

/* Fills the message limits from a config. */
void pipeline_limits(const struct config *cfg, struct message_limits *lim);

/* Runs the chain on msg with the config, rules and database of s (the
 * result takes ownership of msg, even on failure; res is cleared first,
 * so stage_ns[STAGE_DECODE] is the caller's to fill afterwards).  The
 * Version header names cfg->hostname, else gethostname().
 * Returns 0, or -1 with err filled; res must be freed either way.
 * Thread-safe for one res per thread. */
int pipeline_run(const struct snapshot *s, struct message *msg,
                 struct pipeline_result *res, struct triage_err *err);

/* Parses a whole message file's bytes with the limits of s->cfg and
 * runs the chain (decode time included).  As pipeline_run. */
int pipeline_run_bytes(const struct snapshot *s, const char *data, size_t len,
                       struct pipeline_result *res, struct triage_err *err);

void pipeline_result_free(struct pipeline_result *res);

/* Records the verdict in the history when it has flags, the config
 * asks for it (record_history) and the message has a Message-ID; the
 * flags go to ltv_record joined by "," in flags.yaml order.  sender_addr
 * is the address to record when the customer was not found.
 * 0 (also when nothing is recorded), or -1 with err filled. */
int pipeline_record(const struct snapshot *s, const struct pipeline_result *res,
                    const char *sender_addr, struct triage_err *err);

#endif
