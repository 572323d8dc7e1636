/*
 * fuzz_prefilter.c - differential libFuzzer target for the Hyperscan
 * prefilter and the windows it gives PCRE2.
 *
 * The input's first line is a pattern, the rest a text.  When PCRE2
 * compiles the pattern, it becomes the one rule of a rule set loaded
 * twice, with and without the prefilter, and both must report exactly
 * the same hits on the text (normalized, as the milter matches it); a
 * difference aborts.  This runs the literal reduction, the splitting
 * into alternatives, the span analysis (rules_span.c) and the windowed
 * search on arbitrary patterns.  In a build without Hyperscan both
 * loads are PCRE2 only and the target only checks they agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "triage/err.h"
#include "triage/log.h"
#include "triage/normalize.h"
#include "triage/rules.h"

#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATTERN 300

static const char flags_yaml[] = "flags:\n"
                                 "  - name: f\n"
                                 "    signals: [s]\n"
                                 "    threshold: 1\n";

static char dir[64];

static int
setup_dir(void)
{
	char p[128];

	if (dir[0] != '\0')
		return 0;
	if (fuzz_dir(dir, "fuzz_prefilter") != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/flags.yaml", dir);
	return fuzz_put(p, flags_yaml, sizeof(flags_yaml) - 1);
}

/* The rule file: the pattern as a YAML double-quoted string. */
static int
write_rule(const uint8_t *pat, size_t len)
{
	char yaml[64 + 4 * MAX_PATTERN + 128], p[128];
	size_t k = 0;

	k += (size_t)snprintf(yaml, sizeof(yaml),
	                      "rules:\n  - id: en.fuzz\n    signal: s\n"
	                      "    score: 1\n    description: d\n"
	                      "    pattern: \"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = pat[i];

		if (c == '"' || c == '\\')
			k += (size_t)snprintf(yaml + k, sizeof(yaml) - k,
			                      "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(yaml + k, sizeof(yaml) - k,
			                      "\\x%02x", c);
		else
			yaml[k++] = (char)c;
	}
	k += (size_t)snprintf(yaml + k, sizeof(yaml) - k, "\"\n");
	snprintf(p, sizeof(p), "%s/en/fuzz.yaml", dir);
	return fuzz_put(p, yaml, k);
}

static struct ruleset *
load(int no_hs)
{
	static char *langs[] = { "en" };
	struct rules_options o = { 0 };
	struct ruleset *rs;
	struct diags d;

	o.dir = dir;
	o.languages = langs;
	o.languages_count = 1;
	o.no_hyperscan = no_hs;
	o.match_limit = 100000;
	o.depth_limit = 1000;
	o.heap_limit_kib = 20000;
	diags_init(&d);
	rs = rules_load(&o, &d);
	diags_free(&d);
	return rs;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : size, tlen, normlen;
	struct ruleset *hs = NULL, *pc = NULL;
	struct match_result a, b;
	struct triage_err err;
	pcre2_code *code;
	char *norm;
	int ec;
	PCRE2_SIZE off;

	if (plen == 0 || plen > MAX_PATTERN || memchr(data, '\0', plen) ||
	    setup_dir() != 0)
		return 0;
	/* only patterns the loader accepts are worth the two loads */
	code = pcre2_compile(data, plen,
	                     PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP |
	                         PCRE2_MATCH_INVALID_UTF,
	                     &ec, &off, NULL);
	if (code == NULL)
		return 0;
	pcre2_code_free(code);
	tlen = nl ? size - plen - 1 : 0;
	if (write_rule(data, plen) != 0 ||
	    (norm = normalize_string(nl ? (const char *)nl + 1 : "", tlen,
	                             &normlen)) == NULL)
		return 0;
	hs = load(0);
	pc = load(1);
	if (hs != NULL && pc != NULL &&
	    rules_match(hs, norm, normlen, &a, &err) == 0) {
		if (rules_match(pc, norm, normlen, &b, &err) == 0) {
			/* a PCRE2 limit can stop one search and not the
			 * other (they try different start offsets) */
			int same = a.count == b.count;

			for (size_t i = 0; same && i < a.count; i++)
				same = a.hits[i].start == b.hits[i].start &&
				       a.hits[i].end == b.hits[i].end;
			if (!same && a.limit_hits == 0 && b.limit_hits == 0) {
				fprintf(stderr,
				        "prefilter: %zu hits, PCRE2 alone: %zu "
				        "for /%.*s/\n",
				        a.count, b.count, (int)plen, data);
				abort();
			}
			match_result_free(&b);
		}
		match_result_free(&a);
	}
	rules_free(hs);
	rules_free(pc);
	free(norm);
	return 0;
}
