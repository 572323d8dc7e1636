/*
 * config.h - the main configuration (triage-milter.yaml), immutable once
 * loaded.
 *
 * config_load() reads the YAML file with libyaml into a struct config.
 * Every key comes from one table (name, type, min, max, default, help) in
 * config.c that the parser, `triagectl lint` and the docs share.  Unknown
 * keys, wrong types and out-of-range values are errors reported as
 * "FILE:LINE:COL: what is wrong"; every error in the file is collected.
 * Relative paths in the file are made absolute against the directory of
 * the file itself.
 *
 * The struct is read-only after loading and shared by all threads through
 * a snapshot (snapshot.h); modules read its fields directly.
 */
#ifndef TRIAGE_CONFIG_H
#define TRIAGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "triage/err.h"
#include "triage/limits.h"

enum on_error { ON_ERROR_ACCEPT = 0, ON_ERROR_TEMPFAIL = 1 };

struct config_tier {
	char *name;        /* e.g. "vip" */
	int64_t min_cents; /* LTV >= min_cents (for min_cents 0: LTV > 0) */
};

/* One line of the policy table; the first line that matches decides. */
struct config_policy {
	char *action;       /* action name, e.g. "dispute" */
	char **flags;       /* matches when any of these flags is set; */
	size_t flags_count; /*   0 = no flag condition */
	int any_flag;       /* 1: matches when any flag at all is set */
	int no_flag;        /* 1: matches only when no flag is set */
	char **tiers;       /* and the tier is one of these; 0 = any tier */
	size_t tiers_count;
	char *why; /* owned; "policy line 1 (flags: chargeback,
	                        ...)", for explanations (actions.action_why) */
};

/* A subject tag or a route keyed by an action, tier or flag name. */
struct config_keyval {
	char *key;
	char *value;
};

struct config {
	char *path; /* absolute path of the file loaded, or NULL
	                            for built-in defaults */
	char *dir;  /* its directory ("." for defaults) */

	/* milter: */
	char *socket;           /* default "inet:8890@127.0.0.1" */
	unsigned socket_mode;   /* default 0660 (unix sockets only) */
	char *user;             /* default NULL: do not change user */
	char *pidfile;          /* default NULL */
	enum on_error on_error; /* default accept */
	unsigned timeout;       /* libmilter I/O timeout, s; default 30 */

	/* limits: */
	size_t max_body_len;     /* default TRIAGE_MAX_BODY_LEN */
	size_t max_text_len;     /* default TRIAGE_MAX_TEXT_LEN */
	size_t max_header_len;   /* default TRIAGE_MAX_HEADER_LEN */
	unsigned max_mime_depth; /* default TRIAGE_MAX_MIME_DEPTH */
	unsigned max_mime_parts; /* default TRIAGE_MAX_MIME_PARTS */
	uint32_t match_limit;    /* default TRIAGE_PCRE2_MATCH_LIMIT */
	uint32_t depth_limit;    /* default TRIAGE_PCRE2_DEPTH_LIMIT */
	uint32_t heap_limit_kib; /* default TRIAGE_PCRE2_HEAP_LIMIT_KIB */

	/* scope: */
	char **scope_recipients; /* addresses or "@domain"; 0 = every mail */
	size_t scope_recipients_count;
	int skip_authenticated; /* default 1 */

	/* headers: */
	char *header_prefix; /* default "X-Triage-" */
	char *hostname;      /* for the Version header; default NULL =
	                            gethostname() at load */

	/* decode: */
	char *fallback_charset; /* default "windows-1252" */

	/* ltv: */
	char *db_path;            /* default "<config dir>/../data/ltv.db" for a
	                            file, "data/ltv.db" for built-in defaults */
	char *currency;           /* default "USD" */
	unsigned busy_timeout_ms; /* default 100 */
	int fold_plus_tags;       /* default 0: a+b@x is not a@x */
	char *order_pattern;      /* PCRE2 with one capture group: the order
	                            number; default matches "#1042", "№1042",
	                            "order 1042", "주문번호 1042", ... */
	char *order_prefix;       /* prepended to the captured number to form
	                            the order name; default "#" */
	unsigned history_window_days;    /* default 365 */
	unsigned history_retention_days; /* default 730 */
	int record_history;              /* default 1 */
	struct config_tier *tiers;       /* highest first; default vip 1000.00,
	                              loyal 250.00, standard 0 (> 0) */
	size_t tiers_count;
	char *tier_new;     /* default "new" */
	char *tier_unknown; /* default "unknown" */

	/* patterns: */
	char *patterns_dir; /* default "<config dir>/../patterns" */
	char **languages;   /* default en ko uk ru de es fr */
	size_t languages_count;
	char *cache_dir; /* Hyperscan database cache; default
	                            "<config dir>/../build/cache"; NULL/"" =
	                            no cache */

	/* policy: */
	struct config_policy *policy; /* default: the table of TAXONOMY.md */
	size_t policy_count;
	char *default_action; /* when no line matches; default "normal" */

	/* subject_tags: */
	struct config_keyval *tag_actions; /* e.g. dispute -> "[DISPUTE]" */
	size_t tag_actions_count;
	struct config_keyval *tag_tiers; /* e.g. vip -> "[VIP]" */
	size_t tag_tiers_count;
	struct config_keyval *tag_flags;
	size_t tag_flags_count;

	/* routes: action -> recipient address that replaces the in-scope
	 * recipients */
	struct config_keyval *routes;
	size_t routes_count;

	/* logging: */
	char *log_level;    /* default "info" */
	char *log_facility; /* default "mail" */
};

/* Returns a config holding every default (paths relative to the current
 * directory); NULL on out of memory.  Caller owns it: config_free(). */
struct config *config_new_defaults(void);

/* Loads path.  Returns NULL when the file cannot be read or has any
 * error; every problem found is appended to d.  Caller owns the result. */
struct config *config_load(const char *path, struct diags *d);

/* Finds the config file as DESIGN.md says: explicit (-c) if not NULL,
 * else $TRIAGE_CONFIG, else etc/triage-milter.yaml in the current
 * directory, else /etc/triage-milter/triage-milter.yaml.  Returns a
 * borrowed static or the argument; NULL when none exists. */
const char *config_find(const char *explicit_path);

void config_free(struct config *c);

/* Looks up key in a keyval list; NULL when absent. */
const char *
config_keyval_get(const struct config_keyval *v, size_t n, const char *key);

/* Prints the reference of every key (name, type, default, range, help)
 * as a Markdown table, for the docs and `triagectl lint --keys`. */
void config_print_reference(void *file /* FILE * */);

#endif
