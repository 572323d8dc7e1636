/*
 * policy.h - flags, scores and tier to the action and the exact headers.
 *
 * policy_decide() applies the policy table of the config (first match
 * wins), then builds every header value of the contract in DESIGN.md:
 * printable ASCII only (anything else from mail or YAML is replaced),
 * folded per RFC 5322 at 78 columns, each at most
 * TRIAGE_MAX_ADDED_HEADER_LEN bytes, so no CR/LF or non-ASCII from a
 * message can reach a header.  It also decides the optional subject tag
 * (added once: a subject already carrying the tag is left alone) and the
 * optional route.  Pure: no I/O, no libmilter.
 */
#ifndef TRIAGE_POLICY_H
#define TRIAGE_POLICY_H

#include <stddef.h>

#include "triage/classify.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/ltv.h"

/* X-Triage-Status words besides "ok". */
enum policy_status {
	POLICY_ST_TRUNCATED = 1u << 0,      /* a decode limit was hit */
	POLICY_ST_DB_UNAVAILABLE = 1u << 1, /* tier unknown */
	POLICY_ST_MATCH_LIMIT = 1u << 2,    /* a rule stopped at a limit */
};

struct policy_header {
	char name[TRIAGE_MAX_NAME_LEN * 2];          /* prefix + "Flags" etc. */
	char value[TRIAGE_MAX_ADDED_HEADER_LEN + 1]; /* folded ("\n\t"
	                                      between lines, as libmilter
	                                      wants), ASCII */
};

struct actions {
	char action[TRIAGE_MAX_NAME_LEN];
	const char *action_why; /* static description of the policy line */
	char flags[512];        /* "chargeback, chargeback-reship" or "none" */
	struct policy_header headers[16];
	size_t headers_count;
	char *new_subject; /* owned; the whole new Subject value (tags
	                            + " " + raw value), NULL when the
	                            subject stays */
	char route[TRIAGE_MAX_ADDRESS_LEN + 1]; /* "" when no route */
	unsigned status;                        /* enum policy_status bits */
};

/* In:  verdict (flags and scores), rule hits m (rule ids for the Rules
 *      header), customer c, the decoded subject (to see whether a tag is
 *      already there) and the raw Subject field as received (the tag is
 *      prepended to it, so its encoding is kept; both may be NULL),
 *      status bits (from message anomalies and the match result).
 * Out: a filled struct actions (free with actions_free).
 * Returns 0, or -1 with err filled on out of memory. */
int policy_decide(const struct config *cfg, const struct ruleset *rs,
                  const struct verdict *v, const struct match_result *m,
                  const struct customer *c, const char *subject,
                  const char *subject_raw, unsigned status,
                  const char *version_host, struct actions *out,
                  struct triage_err *err);

void actions_free(struct actions *a);

/* Folds value (already ASCII) into out of size outlen for a header whose
 * name is name_len bytes long: lines of at most 78 columns, broken at
 * spaces after commas or semicolons where possible, joined by "\n\t".
 * Returns 0, -1 when it does not fit. */
int policy_fold(const char *value, size_t name_len, char *out, size_t outlen);

/* Copies src into dst keeping printable ASCII only (others become '?'),
 * at most dstlen - 1 bytes.  Returns dst. */
char *policy_ascii(char *dst, size_t dstlen, const char *src);

#endif
