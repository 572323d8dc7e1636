/*
 * fuzz_config.c - libFuzzer target for the YAML configuration loader.
 *
 * The input becomes DIR/triage-milter.yaml (mode 0644, so the loader's
 * permission check passes) in a private temporary directory made once
 * per process, and config_load() reads it: YAML syntax, key table, types,
 * ranges, octal modes, tiers, the policy table, subject tags and routes,
 * relative paths resolved against DIR.  Whatever loads is walked (tiers,
 * policy lines, routes) and freed; the diagnostics are freed on every
 * path (the harness must not leak under -fsanitize=address).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/config.h"
#include "triage/err.h"
#include "triage/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static int
setup_dir(void)
{
	if (dir[0] != '\0')
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_config.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return -1;
	}
	log_init("fuzz_config", 1, "mail");
	log_set_level(LOG_LVL_ERR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	struct diags d;
	struct config *c;
	FILE *fp;
	size_t sum = 0;

	if (setup_dir() != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/triage-milter.yaml", dir);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return 0;
	}
	if (fclose(fp) != 0 || chmod(path, 0644) != 0)
		return 0;
	diags_init(&d);
	c = config_load(path, &d);
	if (c != NULL) {
		for (size_t i = 0; i < c->routes_count; i++)
			sum += strlen(c->routes[i].key) + strlen(c->routes[i].value);
		(void)config_keyval_get(c->routes, c->routes_count, "dispute");
		config_free(c);
	}
	diags_free(&d);
	return (int)(sum & 0);
}
