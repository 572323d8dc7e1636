/*
 * snapshot.c - the current config + rule set + database handle, reference
 * counted, swapped whole on reload.
 *
 * Owns: the only mutable global of the program besides the log state:
 * the current-snapshot pointer, the generation counter and the mutex that
 * guards them and every reference count.  A snapshot is freed by whoever
 * drops its last reference once it is no longer current.
 * Untrusted input: none directly; the config and pattern files are read
 * by config.c and rules.c, which report every problem into a diags list.
 */
#include "triage/snapshot.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/log.h"
#include "triage/ltv.h"
#include "triage/rules.h"

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snap_current;
static unsigned long snap_generation;

/* Fills the rule loader's options from a config. */
static void
snapshot_rules_options(const struct config *cfg, int no_hyperscan,
                       struct rules_options *opt)
{
	opt->dir = cfg->patterns_dir;
	opt->languages = cfg->languages;
	opt->languages_count = cfg->languages_count;
	opt->cache_dir = cfg->cache_dir;
	opt->match_limit = cfg->match_limit;
	opt->depth_limit = cfg->depth_limit;
	opt->heap_limit_kib = cfg->heap_limit_kib;
	opt->no_hyperscan = no_hyperscan;
}

struct snapshot *
snapshot_load(const char *config_path, int no_hyperscan, struct diags *d)
{
	struct config *cfg;

	if (config_path != NULL)
		cfg = config_load(config_path, d);
	else if ((cfg = config_new_defaults()) == NULL)
		diags_add(d, DIAG_ERROR, NULL, 0, 0,
		          "config: out of memory for the defaults");
	if (cfg == NULL)
		return NULL;
	return snapshot_from_config(cfg, no_hyperscan, d);
}

struct snapshot *
snapshot_from_config(struct config *cfg, int no_hyperscan, struct diags *d)
{
	struct snapshot *s;
	struct rules_options opt;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		diags_add(d, DIAG_ERROR, NULL, 0, 0, "snapshot: out of memory");
		config_free(cfg);
		return NULL;
	}
	s->cfg = cfg;
	if (cfg->hostname != NULL && cfg->hostname[0] != '\0')
		str_lcpy(s->host, cfg->hostname, sizeof(s->host));
	else if (gethostname(s->host, sizeof(s->host)) != 0)
		s->host[0] = '\0';
	s->host[sizeof(s->host) - 1] = '\0';
	snapshot_rules_options(cfg, no_hyperscan, &opt);
	s->rules = rules_load(&opt, d);
	if (s->rules == NULL)
		goto fail;
	s->ltv = ltv_open(cfg);
	if (s->ltv == NULL) {
		diags_add(d, DIAG_ERROR, NULL, 0, 0,
		          "ltv: out of memory opening %s", cfg->db_path);
		goto fail;
	}
	return s;
fail:
	snapshot_free(s);
	return NULL;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	ltv_close(s->ltv);
	rules_free(s->rules);
	config_free(s->cfg);
	free(s);
}

void
snapshot_install(struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&snap_lock);
	old = snap_current;
	s->generation = ++snap_generation;
	s->refs = 0;
	snap_current = s;
	if (old != NULL && old->refs > 0)
		old = NULL; /* its last snapshot_release frees it */
	pthread_mutex_unlock(&snap_lock);
	snapshot_free(old);
}

struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&snap_lock);
	s = snap_current;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&snap_lock);
	return s;
}

void
snapshot_release(struct snapshot *s)
{
	int last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&snap_lock);
	if (s->refs == 0) {
		/* A release without an acquire is our bug, not the
		 * environment's: stop before a snapshot is freed twice. */
		log_err("snapshot: release of generation %lu without a "
		        "reference",
		        s->generation);
		abort();
	}
	s->refs--;
	last = s->refs == 0 && s != snap_current;
	pthread_mutex_unlock(&snap_lock);
	if (last)
		snapshot_free(s);
}

void
snapshot_shutdown(void)
{
	struct snapshot *old;

	pthread_mutex_lock(&snap_lock);
	old = snap_current;
	snap_current = NULL;
	if (old != NULL && old->refs > 0)
		old = NULL;
	pthread_mutex_unlock(&snap_lock);
	snapshot_free(old);
}

unsigned long
snapshot_generation(void)
{
	unsigned long g;

	pthread_mutex_lock(&snap_lock);
	g = snap_generation;
	pthread_mutex_unlock(&snap_lock);
	return g;
}
