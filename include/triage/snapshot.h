/*
 * snapshot.h - the current config + rule set pair, reference counted.
 *
 * A snapshot is built complete off to the side (snapshot_load); the
 * current pointer is swapped under a mutex (snapshot_install).  Each
 * message takes a reference at MAIL FROM (snapshot_acquire) and drops it
 * at end of message or abort (snapshot_release), so one message never
 * sees two rule sets; the last release frees a replaced snapshot.  The
 * reference count changes only under the lock.
 */
#ifndef TRIAGE_SNAPSHOT_H
#define TRIAGE_SNAPSHOT_H

#include "triage/config.h"
#include "triage/err.h"
#include "triage/ltv.h"
#include "triage/rules.h"

struct snapshot {
	struct config *cfg;       /* owned, read-only */
	struct ruleset *rules;    /* owned, read-only */
	struct ltv_db *ltv;       /* owned; opened for cfg->db_path */
	unsigned long generation; /* 1 for the first, +1 per reload */
	/* The host the Version header names: cfg->hostname, else the
	 * system's name when the snapshot was built (read once here, not
	 * once per message; a reload reads it again).  Empty: unknown. */
	char host[256];
	/* private: */
	unsigned long refs;
};

/* Loads config_path (NULL: built-in defaults) and its pattern files into
 * a new snapshot; NULL with every diagnostic in d when anything is
 * wrong.  no_hyperscan as in struct rules_options. */
struct snapshot *
snapshot_load(const char *config_path, int no_hyperscan, struct diags *d);

/* The same from a config already loaded (triagectl applies -d first):
 * takes ownership of cfg even on failure. */
struct snapshot *
snapshot_from_config(struct config *cfg, int no_hyperscan, struct diags *d);

/* Makes s current (the snapshot takes over s; the previous one is
 * released and freed when its last message ends). */
void snapshot_install(struct snapshot *s);

/* A reference to the current snapshot (NULL before the first install). */
struct snapshot *snapshot_acquire(void);
void snapshot_release(struct snapshot *s);

/* The generation of the most recently installed snapshot (0 before the
 * first install). */
unsigned long snapshot_generation(void);

/* Releases the current snapshot at shutdown. */
void snapshot_shutdown(void);

/* Frees a snapshot that was never installed. */
void snapshot_free(struct snapshot *s);

#endif
