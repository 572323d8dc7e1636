/*
 * rules_nohs.c - the rules prefilter in a build without Hyperscan.
 *
 * Owns: nothing.  Without Hyperscan there is no prefilter: rules_load
 * leaves rs->pf NULL and rules_match runs every rule with PCRE2, which
 * gives the same results as the Hyperscan build, only slower.
 *
 * Untrusted input: none reaches this file.
 */
#include "rules_int.h"

int
rules_pf_build(struct ruleset *rs, const struct rules_options *opt,
               struct diags *d)
{
	(void)opt;
	(void)d;
	rs->pf = NULL;
	rs->pf_cached = 0;
	return 0;
}

void
rules_pf_free(struct rules_pf *pf)
{
	(void)pf;
}

int
rules_pf_scratch_new(const struct ruleset *rs, struct rules_scratch *s)
{
	(void)rs;
	s->pf = NULL;
	return 0;
}

void
rules_pf_scratch_free(struct rules_scratch *s)
{
	(void)s;
}

int
rules_pf_scan(const struct ruleset *rs, struct rules_scratch *s,
              const char *text, size_t len, struct triage_err *err)
{
	(void)text;
	(void)len;
	(void)err;
	for (size_t i = 0; i < rs->rules_count; i++)
		s->cand[i] = 1;
	return 0;
}

long
rules_pf_bare_scan(const struct ruleset *rs, struct rules_scratch *s,
                   const char *text, size_t len)
{
	(void)rs;
	(void)s;
	(void)text;
	(void)len;
	return -1;
}

long
rules_pf_windows(const struct ruleset *rs, struct rules_scratch *s, size_t i,
                 const char *text, size_t len)
{
	(void)rs;
	(void)s;
	(void)i;
	(void)text;
	(void)len;
	return -1;
}

void
rules_pf_coverage(const struct ruleset *rs, size_t *covered, size_t *near)
{
	(void)rs;
	*covered = *near = 0;
}

int
rules_pf_speed(const struct ruleset *rs, size_t i)
{
	(void)rs;
	(void)i;
	return -1;
}
