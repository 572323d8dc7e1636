/*
 * fuzz_patterns.c - libFuzzer target for the pattern-file loader.
 *
 * The input becomes one rule file, DIR/en/fuzz.yaml, beside a fixed
 * flags.yaml, in a private temporary directory made once per process.
 * When the input holds a line "---flags---", the part before it becomes
 * flags.yaml instead.  Whatever loads is matched against a short text,
 * so the compiled rules run too.  Everything is freed on
 * every path (the harness must not leak under -fsanitize=address).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/err.h"
#include "triage/log.h"
#include "triage/rules.h"

#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_flags[] = "flags:\n"
                                    "  - name: f\n"
                                    "    signals: [s]\n"
                                    "    threshold: 1\n";

static char dir[64];

static int
setup_dir(void)
{
	return fuzz_dir(dir, "fuzz_patterns");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "---flags---\n";
	static char *langs[] = { "en" };
	const char *text = "i have filed a chargeback, send it again. амазон";
	const uint8_t *rules = data, *cut = NULL;
	size_t rules_len = size;
	char p[128];
	struct rules_options o = { 0 };
	struct diags d;
	struct ruleset *rs;

	if (setup_dir() != 0)
		return 0;
	for (size_t i = 0; i + sizeof(sep) - 1 <= size; i++)
		if (memcmp(data + i, sep, sizeof(sep) - 1) == 0) {
			cut = data + i;
			break;
		}
	snprintf(p, sizeof(p), "%s/flags.yaml", dir);
	if (cut != NULL) {
		rules = cut + sizeof(sep) - 1;
		rules_len = size - (size_t)(rules - data);
		if (fuzz_put(p, data, (size_t)(cut - data)) != 0)
			return 0;
	} else if (fuzz_put(p, default_flags, sizeof(default_flags) - 1) != 0) {
		return 0;
	}
	snprintf(p, sizeof(p), "%s/en/fuzz.yaml", dir);
	if (fuzz_put(p, rules, rules_len) != 0)
		return 0;
	o.dir = dir;
	o.languages = langs;
	o.languages_count = 1;
	o.no_hyperscan = 1; /* Hyperscan compiles are slow; PCRE2 is the
	                       reference and the loader is what is fuzzed */
	o.match_limit = 10000;
	diags_init(&d);
	if ((rs = rules_load(&o, &d)) != NULL) {
		struct match_result m;
		struct triage_err err;

		if (rules_match(rs, text, strlen(text), &m, &err) == 0)
			match_result_free(&m);
		rules_free(rs);
	}
	diags_free(&d);
	return 0;
}
