/*
 * triagectl_int.h - shared between the files of triagectl.
 */
#ifndef TRIAGE_TRIAGECTL_INT_H
#define TRIAGE_TRIAGECTL_INT_H

#include <stdio.h>

#include "triage/config.h"
#include "triage/err.h"
#include "triage/policy.h"
#include "triage/snapshot.h"

#define PATH_MAX_LEN 4096 /* paths built from arguments */

struct ctl {
	const char *config_path; /* -c */
	const char *db_path;     /* -d */
	int color;               /* ANSI colours on stdout */
	int no_hyperscan;        /* -P: PCRE2 only */
};

/* Loads config (-c, -d applied), patterns and the database; prints
 * diagnostics (errors always, warnings unless quiet_ok).  NULL on
 * failure.  Free with snapshot_free. */
struct snapshot *ctl_snapshot(const struct ctl *ctl, int quiet_ok);

/* The configuration the daemon would load, with -d applied; NULL after
 * printing every diagnostic.  Caller frees. */
struct config *ctl_config(const struct ctl *ctl);

void ctl_print_diags(const struct diags *d);
void ctl_print_headers(FILE *out, const struct actions *a);

/* Reads a message file ("-" = stdin) bounded by the config's limits and
 * checks it looks like a message; prints the error and returns -1. */
int ctl_read_message(const char *path, const struct config *cfg, char **data,
                     size_t *len);

int ctl_cmd_explain(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_eval(struct ctl *ctl, int argc, char **argv);

#endif
