/*
 * bench_ltv.c - how fast the customer value store imports and looks up.
 *
 * Builds a database of 100,000 customers (a generated Shopify customers
 * export, imported with ltv_import) in a temporary directory, then runs
 * lookups (From address; a mix of customers and strangers, history
 * included) from 1 and from 8 threads and prints lookups per second,
 * then history writes per second and lookups again with 5,000 history
 * rows of one customer.
 * Prints figures only; never fails on a time.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/log.h"
#include "triage/ltv.h"

#define BENCH_CUSTOMERS 100000L
#define BENCH_LOOKUPS_PER_THREAD 200000L

struct worker {
	struct ltv_db *db;
	unsigned seed;
	long done, found, failed;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_export(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs("\"Customer ID\",\"First Name\",\"Last Name\",\"Email\","
	      "\"Accepts Email Marketing\",\"Total Spent\",\"Total Orders\","
	      "\"Note\",\"Tax Exempt\",\"Tags\"\n",
	      f);
	for (long i = 0; i < BENCH_CUSTOMERS; i++)
		fprintf(f,
		        "\"'%ld\",\"Name%ld\",\"Bench\",\"c%ld@example.com\","
		        "\"no\",\"%ld.%02ld\",\"%ld\",\"\",\"no\",\"\"\n",
		        7000000 + i, i, i, (i * 37) % 3000, i % 100, i % 40);
	return fclose(f);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct customer c;
	char addr[64];

	for (long i = 0; i < BENCH_LOOKUPS_PER_THREAD; i++) {
		long n = (long)(rand_r(&w->seed) % (BENCH_CUSTOMERS * 5 / 4));

		/* One in five senders is not a customer. */
		snprintf(addr, sizeof(addr), "%s%ld@example.com",
		         n < BENCH_CUSTOMERS ? "C" : "stranger", n);
		if (ltv_lookup(w->db, addr, NULL, NULL, 0, &c) != 0 || !c.db_ok)
			w->failed++;
		w->found += c.found;
		w->done++;
	}
	ltv_thread_done(w->db);
	return NULL;
}

static void
run_threads(struct ltv_db *db, int n)
{
	struct worker w[8];
	pthread_t t[8];
	long done = 0, found = 0, failed = 0;
	double t0 = now_s(), secs;

	for (int i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].db = db;
		w[i].seed = 12345u + (unsigned)i;
		if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "bench_ltv: pthread_create failed\n");
			exit(1);
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		done += w[i].done;
		found += w[i].found;
		failed += w[i].failed;
	}
	secs = now_s() - t0;
	printf("lookups, %d thread%s: %ld in %.2f s = %.0f/s (%.1f us each "
	       "per thread; %ld found, %ld failed)\n",
	       n, n == 1 ? "" : "s", done, secs, (double)done / secs,
	       secs * 1e6 * n / (double)done, found, failed);
}

/* History writes (insert + purge, one transaction each), one thread. */
static void
run_records(struct ltv_db *db)
{
	struct triage_err err;
	struct customer c;
	char mid[64];
	long n = 5000, failed = 0;
	double t0;

	if (ltv_lookup(db, "c42@example.com", NULL, NULL, 0, &c) != 0)
		return;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		snprintf(mid, sizeof(mid), "<bench%ld@example.com>", i);
		failed += ltv_record(db, &c, NULL, mid, "chargeback", "dispute",
		                     &err) != 0;
	}
	printf("history records: %ld in %.2f s = %.0f/s (%ld failed)\n", n,
	       now_s() - t0, (double)n / (now_s() - t0), failed);
}

static void
remove_all(const char *dir, const char *csv, const char *db_path)
{
	char p[80];

	remove(csv);
	remove(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	remove(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	remove(p);
	rmdir(dir);
}

int
main(void)
{
	char dir[] = "/tmp/bench_ltv.XXXXXX", csv[64], db_path[64];
	struct ltv_import_stats st;
	struct config *cfg;
	struct ltv_db *db;
	struct diags d;
	double t0;
	int rc;

	log_init("bench_ltv", 1, NULL);
	if (mkdtemp(dir) == NULL || (cfg = config_new_defaults()) == NULL)
		return 1;
	snprintf(csv, sizeof(csv), "%s/customers.csv", dir);
	snprintf(db_path, sizeof(db_path), "%s/ltv.db", dir);
	free(cfg->db_path);
	cfg->db_path = str_dup(db_path);
	if (cfg->db_path == NULL || write_export(csv) != 0)
		return 1;
	diags_init(&d);
	t0 = now_s();
	rc = ltv_import(cfg, db_path, csv, 1, &st, &d);
	printf("import of %ld customers: %.2f s (rc %d, %ld imported)\n",
	       BENCH_CUSTOMERS, now_s() - t0, rc, st.customers);
	diags_free(&d);
	db = ltv_open(cfg);
	if (rc != 0 || db == NULL)
		return 1;
	run_threads(db, 1);
	run_threads(db, 8);
	run_records(db);
	run_threads(db, 1);
	ltv_close(db);
	config_free(cfg);
	remove_all(dir, csv, db_path);
	return 0;
}
