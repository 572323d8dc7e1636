/*
 * fuzz_csv.c - libFuzzer target for the ltv CSV reader and importer.
 *
 * Each input is read record by record from memory, then imported as a
 * file into a fresh temporary database (non-strict and strict).  Every
 * allocation is freed on every path, so LeakSanitizer can judge the
 * code under test.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Iinclude
 *        tests/fuzz/fuzz_csv.c src/ltv*.c src/config.c src/buf.c src/err.c
 *        src/log.c -lsqlite3 -lpcre2-8 -lyaml -lpthread
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/ltv_int.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/log.h"
#include "triage/ltv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct config *cfg;
static char dir[64];
static char csv_path[128], db_path[128];

static void
cleanup(void)
{
	char p[160];

	remove(csv_path);
	remove(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	remove(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	remove(p);
	rmdir(dir);
	config_free(cfg);
	cfg = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_csv", 1, NULL);
	log_set_level(LOG_LVL_ERR);
	snprintf(dir, sizeof(dir), "%s/fuzz_csv.XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(csv_path, sizeof(csv_path), "%s/in.csv", dir);
	snprintf(db_path, sizeof(db_path), "%s/ltv.db", dir);
	cfg = config_new_defaults();
	if (cfg == NULL)
		abort();
	atexit(cleanup);
	return 0;
}

static void
read_all(const uint8_t *data, size_t size)
{
	struct ltv_csv r;
	enum ltv_csv_status s;
	FILE *fp;

	if (size == 0)
		return;
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (fp == NULL)
		return;
	ltv_csv_init(&r, fp);
	while ((s = ltv_csv_next(&r)) == LTV_CSV_OK || s == LTV_CSV_BAD) {
		for (size_t i = 0; i < r.count; i++)
			if (ltv_csv_field(&r, i) == NULL)
				abort();
		if (s == LTV_CSV_BAD && r.error[0] == '\0')
			abort(); /* a bad record always says why */
	}
	ltv_csv_free(&r);
	fclose(fp);
}

static void
import_once(int strict)
{
	struct ltv_import_stats st;
	struct diags d;
	char p[160];

	remove(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	remove(p);
	diags_init(&d);
	if (ltv_import(cfg, db_path, csv_path, strict, &st, &d) == 0 &&
	    strict && st.skipped != 0)
		abort(); /* strict never succeeds with bad rows */
	diags_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	read_all(data, size);
	f = fopen(csv_path, "wb");
	if (f == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	import_once(0);
	import_once(1);
	return 0;
}
