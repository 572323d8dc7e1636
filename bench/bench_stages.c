/*
 * bench_stages.c - in-process cost of each pipeline stage per message.
 *
 *   bench_stages [CONFIG [DIR...]]
 *
 * Loads the snapshot of CONFIG (the shipped rules; Hyperscan from the
 * cache when warm) and runs pipeline_run_bytes over every *.eml of each
 * DIR, ROUNDS times, after one warm-up pass, then prints per stage
 * (decode, regions, normalize, match, classify, lookup, policy) and for
 * the whole chain the mean and median microseconds per message, from
 * pipeline_result.stage_ns.  CONFIG defaults to $TRIAGE_BENCH_CONFIG,
 * else $TOP/etc/triage-milter.yaml; DIRs default to $TOP/tests/corpus/msgs
 * and $BUILD/bench/msgs when present.  bench/milter.bench.sh runs it with
 * its 100,000-customer database; run standalone with the shipped config,
 * the database is whatever that config names, so the lookup figures are
 * not printed (and the cache may be cold: the first load compiles).
 * Figures are for reading; the program fails only when something cannot
 * be set up.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "triage/err.h"
#include "triage/log.h"
#include "triage/message.h"
#include "triage/pipeline.h"
#include "triage/snapshot.h"

#define ROUNDS 5
#define MAX_MSGS 5000
#define MAX_MSG_BYTES (4u * 1024u * 1024u)

static const char *const stage_names[STAGE_COUNT] = {
	"decode", "regions", "normalize", "match", "classify", "lookup",
	"policy",
};

struct msgfile {
	char *data;
	size_t len;
};

static int
read_file(const char *path, struct msgfile *m)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;

	if (f == NULL)
		return -1;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 ||
	    (uint64_t)sb.st_size > MAX_MSG_BYTES) {
		fclose(f);
		return -1;
	}
	m->len = (size_t)sb.st_size;
	m->data = malloc(m->len + 1);
	if (m->data == NULL || fread(m->data, 1, m->len, f) != m->len) {
		free(m->data);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Loads up to MAX_MSGS *.eml files of dir in name order. */
static size_t
load_dir(const char *dir, struct msgfile *v, size_t cap, size_t *bytes)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t got = 0;

	*bytes = 0;
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t l = strlen(name);
		char path[4096];

		if (got < cap && l > 4 && strcmp(name + l - 4, ".eml") == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
		            sizeof(path) &&
		    read_file(path, &v[got]) == 0) {
			*bytes += v[got].len;
			got++;
		}
		free(ents[i]);
	}
	free(ents);
	return got;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one set and prints its table.  0, or -1 when nothing ran. */
static int
run_set(const struct snapshot *s, const char *dir, int with_lookup)
{
	static struct msgfile msgs[MAX_MSGS];
	size_t n, bytes, runs, k = 0, failed = 0, found = 0, flagged = 0;
	uint64_t *ns[STAGE_COUNT + 1];
	double t0, wall;

	n = load_dir(dir, msgs, MAX_MSGS, &bytes);
	if (n == 0) {
		printf("%s: no messages, skipped\n", dir);
		return -1;
	}
	runs = n * ROUNDS;
	for (int st = 0; st <= STAGE_COUNT; st++) {
		ns[st] = calloc(runs, sizeof(uint64_t));
		if (ns[st] == NULL) {
			fprintf(stderr, "bench_stages: out of memory\n");
			exit(1);
		}
	}
	/* Warm-up: page cache, SQLite cache, lazy per-thread handles. */
	for (size_t i = 0; i < n; i++) {
		struct pipeline_result res;
		struct triage_err err = { "" };

		pipeline_run_bytes(s, msgs[i].data, msgs[i].len, &res, &err);
		pipeline_result_free(&res);
	}
	t0 = now_s();
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < n; i++, k++) {
			struct pipeline_result res;
			struct triage_err err = { "" };
			uint64_t total = 0;

			if (pipeline_run_bytes(s, msgs[i].data, msgs[i].len,
			                       &res, &err) != 0)
				failed++;
			for (int st = 0; st < STAGE_COUNT; st++) {
				ns[st][k] = res.stage_ns[st];
				total += res.stage_ns[st];
			}
			ns[STAGE_COUNT][k] = total;
			if (r == 0) {
				found += res.customer.found != 0;
				flagged += res.verdict.mask != 0;
			}
			pipeline_result_free(&res);
		}
	}
	wall = now_s() - t0;
	printf("%s: %zu messages, %zu KiB, mean %.1f KiB; %d rounds; "
	       "%zu flagged, %zu senders found; %zu failed; "
	       "%.0f msg/s on one thread\n",
	       dir, n, bytes / 1024, (double)bytes / 1024.0 / (double)n,
	       ROUNDS, flagged, found, failed, (double)runs / wall);
	printf("  %-10s %10s %10s %10s\n", "stage", "mean us", "p50 us",
	       "p99 us");
	for (int st = 0; st <= STAGE_COUNT; st++) {
		double sum = 0;

		if (st == STAGE_LOOKUP && !with_lookup) {
			printf("  %-10s %10s %10s %10s  (no bench database: "
			       "see note)\n", stage_names[st], "-", "-", "-");
			free(ns[st]);
			continue;
		}
		for (size_t i = 0; i < runs; i++)
			sum += (double)ns[st][i];
		qsort(ns[st], runs, sizeof(uint64_t), cmp_u64);
		printf("  %-10s %10.1f %10.1f %10.1f\n",
		       st == STAGE_COUNT ? "total" : stage_names[st],
		       sum / (double)runs / 1e3, (double)ns[st][runs / 2] / 1e3,
		       (double)ns[st][(size_t)((double)(runs - 1) * 0.99)] /
		               1e3);
		free(ns[st]);
	}
	for (size_t i = 0; i < n; i++)
		free(msgs[i].data);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("TOP"), *build = getenv("BUILD");
	const char *cfgpath = argc > 1 ? argv[1] : getenv("TRIAGE_BENCH_CONFIG");
	char defcfg[4096], dir1[4096], dir2[4096];
	const char *dirs[64];
	int ndirs = 0, with_lookup = 1, ran = 0;
	struct diags d;
	struct snapshot *s;
	double t0;

	log_init("bench_stages", 1, "user");
	log_set_level(LOG_LVL_ERR);
	message_global_init();
	if (top == NULL)
		top = ".";
	if (build == NULL)
		build = "build";
	if (cfgpath == NULL) {
		snprintf(defcfg, sizeof(defcfg), "%s/etc/triage-milter.yaml",
		         top);
		cfgpath = defcfg;
		with_lookup = 0;
	}
	for (int i = 2; i < argc && ndirs < 64; i++)
		dirs[ndirs++] = argv[i];
	if (ndirs == 0) {
		struct stat sb;

		snprintf(dir1, sizeof(dir1), "%s/tests/corpus/msgs", top);
		dirs[ndirs++] = dir1;
		snprintf(dir2, sizeof(dir2), "%s/bench/msgs", build);
		if (stat(dir2, &sb) == 0)
			dirs[ndirs++] = dir2;
	}
	diags_init(&d);
	t0 = now_s();
	s = snapshot_load(cfgpath, 0, &d);
	if (s == NULL) {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.v[i].text);
		fprintf(stderr, "bench_stages: cannot load %s\n", cfgpath);
		diags_free(&d);
		return 1;
	}
	diags_free(&d);
	printf("config %s: %zu rules, loaded in %.2f s\n", cfgpath,
	       rules_count(s->rules), now_s() - t0);
	if (!with_lookup)
		printf("note: no bench config given (argv[1] or "
		       "TRIAGE_BENCH_CONFIG); the lookup stage is not "
		       "reported, run bench/milter.bench.sh for it\n");
	for (int i = 0; i < ndirs; i++)
		ran += run_set(s, dirs[i], with_lookup) == 0;
	snapshot_free(s);
	message_global_shutdown();
	return ran ? 0 : 1;
}
