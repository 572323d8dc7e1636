/*
 * fuzz_files.h - the file helpers the pattern-loading fuzz targets
 * share: a private temporary directory made once per process, and
 * writing an input into a file there (mode 0644: the loader refuses
 * files others can write).
 */
#ifndef FUZZ_FILES_H
#define FUZZ_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "triage/log.h"

/* Writes p[0..len) to path, mode 0644.  0, or -1. */
static int
fuzz_put(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (fp == NULL)
		return -1;
	if (len > 0 && fwrite(p, 1, len, fp) != len)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc == 0 ? chmod(path, 0644) : -1;
}

/* Makes /tmp/NAME.XXXXXX with an en/ subdirectory into dir (size 64)
 * on the first call, and quiets the log.  0, or -1. */
static int
fuzz_dir(char *dir, const char *name)
{
	char p[128];

	if (dir[0] != '\0')
		return 0;
	snprintf(dir, 64, "/tmp/%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return -1;
	}
	log_init(name, 1, "mail");
	log_set_level(LOG_LVL_ERR);
	snprintf(p, sizeof(p), "%s/en", dir);
	return mkdir(p, 0755) == 0 ? 0 : -1;
}

#endif
