/*
 * triagectl.c - the admin's offline tool.
 *
 *   triagectl [-c FILE] [-d DB] [-C] [-P] COMMAND [ARGS]
 *     test FILE...        the headers the milter would add
 *     explain [--json] FILE
 *     lint                config, pattern files, examples, probes
 *     eval [options] DIR  precision / recall of the rules on a corpus
 *     import [--strict] FILE.csv...
 *     lookup ADDRESS
 *     stats [--days N]
 *
 * Owns: argument parsing, output formats, exit codes.  Runs the very
 * same pipeline as the milter (pipeline.h); links everything but
 * milter.c.  Untrusted input: message files and CSV files named on the
 * command line (read bounded), the database.
 *
 * Exit codes: 0 success; 1 a check failed (lint errors, eval below its
 * thresholds, lookup found nobody); 2 usage error; 3 the input or the
 * environment failed (unreadable file, not a message, bad config,
 * unreadable database).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/limits.h"
#include "triage/log.h"
#include "triage/ltv.h"
#include "triage/message.h"
#include "triage/pipeline.h"
#include "triage/rules.h"
#include "triage/snapshot.h"
#include "triagectl_int.h"

enum { EX_OKAY = 0, EX_CHECK = 1, EX_USAGE_ERR = 2, EX_FAIL = 3 };

static void
ctl_usage(FILE *f)
{
	fputs("usage: triagectl [-c FILE] [-d DB] [-C] [-P] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  test FILE...            headers the milter would add "
	      "(- reads stdin)\n"
	      "  explain [--json] FILE   why a message got its headers\n"
	      "  lint                    check config, pattern files and "
	      "rule examples\n"
	      "  eval [-v] [--min-precision P] [--min-recall R] DIR\n"
	      "                          precision/recall on a labeled "
	      "corpus\n"
	      "  import [--strict] FILE.csv...\n"
	      "                          import Shopify or plain CSV "
	      "exports\n"
	      "  lookup ADDRESS          what is known about a customer\n"
	      "  stats [--days N]        verdicts per flag, tier, action\n"
	      "\n"
	      "options:\n"
	      "  -c FILE   configuration (default: $TRIAGE_CONFIG, "
	      "etc/triage-milter.yaml,\n"
	      "            /etc/triage-milter/triage-milter.yaml)\n"
	      "  -d DB     customer database (overrides ltv.database)\n"
	      "  -C        colour even when not on a terminal\n"
	      "  -P        match with PCRE2 only, without the Hyperscan "
	      "prefilter\n"
	      "            (same results, slower: a check of the prefilter)\n"
	      "  -h        this help; COMMAND -h for a command's help\n",
	      f);
}

/* Loads the configuration the daemon would, with -d applied; NULL after
 * printing every diagnostic. */
struct config *
ctl_config(const struct ctl *ctl)
{
	struct diags d;
	struct config *cfg;
	const char *path = config_find(ctl->config_path);

	if (ctl->config_path != NULL && path == NULL) {
		fprintf(stderr, "triagectl: %s: %s\n", ctl->config_path,
		        strerror(errno ? errno : ENOENT));
		return NULL;
	}
	diags_init(&d);
	cfg = path ? config_load(path, &d) : config_new_defaults();
	ctl_print_diags(&d);
	diags_free(&d);
	if (cfg == NULL) {
		if (path == NULL)
			fprintf(stderr, "triagectl: out of memory\n");
		return NULL;
	}
	if (ctl->db_path != NULL) {
		char *p = str_dup(ctl->db_path);

		if (p == NULL) {
			config_free(cfg);
			return NULL;
		}
		free(cfg->db_path);
		cfg->db_path = p;
	}
	return cfg;
}

void
ctl_print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "%s\n", d->v[i].text);
	if (d->errors + d->warnings > d->count)
		fprintf(stderr, "(%zu more diagnostics not shown)\n",
		        d->errors + d->warnings - d->count);
}

struct snapshot *
ctl_snapshot(const struct ctl *ctl, int quiet_ok)
{
	struct diags d;
	struct config *cfg;
	struct snapshot *s;

	if ((cfg = ctl_config(ctl)) == NULL)
		return NULL;
	diags_init(&d);
	s = snapshot_from_config(cfg, ctl->no_hyperscan, &d);
	if (s == NULL || !quiet_ok)
		ctl_print_diags(&d);
	diags_free(&d);
	return s;
}

/* Prints the headers of one pipeline result, as the milter adds them. */
void
ctl_print_headers(FILE *out, const struct actions *a)
{
	for (size_t i = 0; i < a->headers_count; i++)
		fprintf(out, "%s: %s\n", a->headers[i].name,
		        a->headers[i].value);
	if (a->new_subject != NULL)
		fprintf(out, "Subject: %s\n", a->new_subject);
}

/* Reads a message file ("-" = stdin), bounded by the body limit plus
 * room for headers.  Checks that it starts with a header field. */
int
ctl_read_message(const char *path, const struct config *cfg, char **data,
                 size_t *len)
{
	size_t max = cfg->max_body_len + cfg->max_header_len * 4;
	const char *p, *colon;

	if (strcmp(path, "-") == 0)
		path = "/dev/stdin";
	if (file_read_all(path, max, data, len) != 0) {
		if (errno == EFBIG)
			fprintf(stderr,
			        "triagectl: %s: larger than %zu bytes "
			        "(limits.body_bytes)\n",
			        path, max);
		else
			fprintf(stderr, "triagectl: %s: %s\n", path,
			        strerror(errno));
		return -1;
	}
	/* A message starts with a header field: name ':' (RFC 5322 2.2),
	 * possibly after an mbox "From " line. */
	p = *data;
	if (strncmp(p, "From ", 5) == 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	colon = p ? strchr(p, ':') : NULL;
	if (p == NULL || colon == NULL || colon == p ||
	    memchr(p, '\n', (size_t)(colon - p)) != NULL ||
	    memchr(p, ' ', (size_t)(colon - p)) != NULL) {
		fprintf(stderr,
		        "triagectl: %s: not a message (no header fields at "
		        "the start)\n",
		        path);
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

static int
cmd_test(struct ctl *ctl, int argc, char **argv)
{
	struct snapshot *s;
	int rc = EX_OKAY;

	if (argc < 2 || strcmp(argv[1], "-h") == 0) {
		fputs("usage: triagectl test FILE...  (- reads standard "
		      "input)\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE_ERR : EX_OKAY;
	}
	if ((s = ctl_snapshot(ctl, 1)) == NULL)
		return EX_FAIL;
	for (int i = 1; i < argc; i++) {
		struct pipeline_result res;
		struct triage_err err = { "" };
		char *data;
		size_t len;

		if (ctl_read_message(argv[i], s->cfg, &data, &len) != 0) {
			rc = EX_FAIL;
			continue;
		}
		if (argc > 2)
			printf("# %s\n", argv[i]);
		if (pipeline_run_bytes(s, data, len, &res, &err) != 0) {
			fprintf(stderr, "triagectl: %s: %s\n", argv[i],
			        err.text);
			rc = EX_FAIL;
		} else {
			ctl_print_headers(stdout, &res.actions);
		}
		pipeline_result_free(&res);
		free(data);
	}
	snapshot_free(s);
	return rc;
}

static int
cmd_lint(struct ctl *ctl, int argc, char **argv)
{
	struct snapshot *s;
	struct diags d;
	size_t errors;

	if (argc > 1 && strcmp(argv[1], "--keys") == 0) {
		config_print_reference(stdout);
		return EX_OKAY;
	}
	if (argc > 1) {
		fputs("usage: triagectl lint [--keys]\n"
		      "  checks the configuration and every pattern file, "
		      "runs every rule's\n"
		      "  examples and the limit probes; --keys prints the "
		      "configuration reference\n",
		      strcmp(argv[1], "-h") == 0 ? stdout : stderr);
		return strcmp(argv[1], "-h") == 0 ? EX_OKAY : EX_USAGE_ERR;
	}
	if ((s = ctl_snapshot(ctl, 0)) == NULL) {
		fprintf(stderr, "triagectl: lint failed\n");
		return EX_CHECK;
	}
	diags_init(&d);
	errors = rules_lint(s->rules, &d);
	ctl_print_diags(&d);
	if (errors == 0)
		printf("OK: %s: %zu rules, %zu flags, %zu languages%s\n",
		       s->cfg->path ? s->cfg->path : "(built-in defaults)",
		       rules_count(s->rules), rules_flags_count(s->rules),
		       s->cfg->languages_count,
		       d.warnings ? " (with warnings)" : "");
	else
		fprintf(stderr, "triagectl: lint: %zu errors\n", errors);
	diags_free(&d);
	snapshot_free(s);
	return errors == 0 ? EX_OKAY : EX_CHECK;
}

static int
cmd_import(struct ctl *ctl, int argc, char **argv)
{
	struct config *cfg;
	int strict = 0, first = 1, rc = EX_OKAY;

	if (argc > 1 && strcmp(argv[1], "--strict") == 0) {
		strict = 1;
		first = 2;
	}
	if (argc <= first || strcmp(argv[1], "-h") == 0) {
		fputs("usage: triagectl import [--strict] FILE.csv...\n"
		      "  Shopify customers or orders exports, or a plain "
		      "email,ltv[,orders,currency]\n"
		      "  CSV; bad rows are skipped (--strict: the whole file "
		      "fails)\n",
		      argc <= first ? stderr : stdout);
		return argc <= first ? EX_USAGE_ERR : EX_OKAY;
	}
	if ((cfg = ctl_config(ctl)) == NULL)
		return EX_FAIL;
	for (int i = first; i < argc; i++) {
		struct ltv_import_stats st;
		struct diags d;

		memset(&st, 0, sizeof(st));
		diags_init(&d);
		if (ltv_import(cfg, cfg->db_path, argv[i], strict, &st, &d) !=
		    0) {
			ctl_print_diags(&d);
			fprintf(stderr,
			        "triagectl: %s: import failed, nothing "
			        "changed\n",
			        argv[i]);
			rc = EX_FAIL;
		} else {
			ctl_print_diags(&d);
			printf("%s: %s: %ld customers, %ld orders, %ld "
			       "skipped\n",
			       argv[i], st.kind, st.customers, st.orders,
			       st.skipped);
		}
		diags_free(&d);
	}
	config_free(cfg);
	return rc;
}

static int
cmd_lookup(struct ctl *ctl, int argc, char **argv)
{
	struct config *cfg;
	struct ltv_db *db;
	struct triage_err err = { "" };
	int rc;

	if (argc != 2 || strcmp(argv[1], "-h") == 0) {
		fputs("usage: triagectl lookup ADDRESS\n",
		      argc != 2 ? stderr : stdout);
		return argc != 2 ? EX_USAGE_ERR : EX_OKAY;
	}
	if ((cfg = ctl_config(ctl)) == NULL)
		return EX_FAIL;
	if ((db = ltv_open(cfg)) == NULL) {
		config_free(cfg);
		return EX_FAIL;
	}
	rc = ltv_describe(db, argv[1], stdout, &err);
	if (rc < 0)
		fprintf(stderr, "triagectl: %s\n", err.text);
	else if (rc == 1)
		printf("%s: not found (tier %s)\n", argv[1], cfg->tier_new);
	ltv_close(db);
	config_free(cfg);
	return rc < 0 ? EX_FAIL : rc == 1 ? EX_CHECK : EX_OKAY;
}

static int
cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	struct config *cfg;
	struct ltv_db *db;
	struct triage_err err = { "" };
	long long days = 7;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--days") == 0) {
		if (str_to_ll(argv[2], 1, 36500, &days) != 0) {
			fprintf(stderr,
			        "triagectl: stats: --days wants a number "
			        "from 1 to 36500\n");
			return EX_USAGE_ERR;
		}
	} else if (argc != 1) {
		int help = strcmp(argv[1], "-h") == 0;

		fputs("usage: triagectl stats [--days N]   (default 7)\n",
		      help ? stdout : stderr);
		return help ? EX_OKAY : EX_USAGE_ERR;
	}
	if ((cfg = ctl_config(ctl)) == NULL)
		return EX_FAIL;
	if ((db = ltv_open(cfg)) == NULL) {
		config_free(cfg);
		return EX_FAIL;
	}
	rc = ltv_stats(db, (unsigned)days, stdout, &err);
	if (rc != 0)
		fprintf(stderr, "triagectl: %s\n", err.text);
	ltv_close(db);
	config_free(cfg);
	return rc != 0 ? EX_FAIL : EX_OKAY;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct ctl *, int, char **);
	} cmds[] = {
		{ "test", cmd_test },     { "explain", ctl_cmd_explain },
		{ "lint", cmd_lint },     { "eval", ctl_cmd_eval },
		{ "import", cmd_import }, { "lookup", cmd_lookup },
		{ "stats", cmd_stats },
	};
	struct ctl ctl;
	int c, rc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	while ((c = getopt(argc, argv, "+c:d:ChPV")) != -1) {
		switch (c) {
		case 'c':
			ctl.config_path = optarg;
			break;
		case 'd':
			ctl.db_path = optarg;
			break;
		case 'C':
			ctl.color = 1;
			break;
		case 'P':
			ctl.no_hyperscan = 1;
			break;
		case 'V':
			printf("triagectl %s\n", TRIAGE_VERSION);
			return EX_OKAY;
		case 'h':
			ctl_usage(stdout);
			return EX_OKAY;
		default:
			ctl_usage(stderr);
			return EX_USAGE_ERR;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return EX_USAGE_ERR;
	}
	log_init("triagectl", 1, NULL);
	log_set_level(LOG_LVL_ERR);
	message_global_init();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			rc = cmds[i].fn(&ctl, argc - optind, argv + optind);
			message_global_shutdown();
			return rc;
		}
	}
	fprintf(stderr, "triagectl: unknown command \"%s\"\n", argv[optind]);
	ctl_usage(stderr);
	return EX_USAGE_ERR;
}
