/*
 * triagectl_eval.c - `triagectl eval DIR`: measure the rules on a labeled
 * corpus (labels.tsv as in the corpus TAXONOMY: file, lang, flags, tier,
 * note).
 *
 * Owns: reading labels.tsv, the per-flag and per-language counts, the
 * report and the threshold check.  When the corpus ships Shopify exports
 * (customers.csv, orders.csv beside the messages or one folder up) and no
 * -d was given, they are imported into a temporary database so the tier
 * column is measured too.  Untrusted input: the corpus files (bounded).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "triage/ltv.h"
#include "triage/pipeline.h"
#include "triage/rules.h"
#include "triagectl_int.h"

#define EVAL_MAX_LANGS 32
#define EVAL_MAX_ROWS 100000

struct eval_counts {
	long tp[TRIAGE_MAX_FLAGS], fp[TRIAGE_MAX_FLAGS], fn[TRIAGE_MAX_FLAGS];
	long msgs, exact, tier_ok;
};

struct eval {
	const struct ctl *ctl;
	struct snapshot *s;
	const char *dir;
	int verbose;
	double min_p, min_r;
	struct eval_counts all;
	char langs[EVAL_MAX_LANGS][8];
	struct eval_counts by_lang[EVAL_MAX_LANGS];
	size_t langs_count;
	struct buf misses;
	char tmpdir[64];
	char tmpdb[128];
};

static double
ratio(long a, long b)
{
	return b == 0 ? 1.0 : (double)a / (double)b;
}

static double
f1(double p, double r)
{
	return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

/* Parses "a,b" flag names of a label into a mask; unknown names are an
 * error naming the file and line. */
static int
eval_mask(struct eval *ev, const char *labels, const char *where,
          uint32_t *mask)
{
	char name[TRIAGE_MAX_NAME_LEN];
	const char *p = labels;

	*mask = 0;
	if (strcmp(labels, "-") == 0 || *labels == '\0')
		return 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int idx;

		while (n > 0 && p[0] == ' ')
			p++, n--;
		if (n == 0 || n >= sizeof(name)) {
			fprintf(stderr, "%s: bad flag list \"%s\"\n", where,
			        labels);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		while (n > 0 && name[n - 1] == ' ')
			name[--n] = '\0';
		if ((idx = rules_flag_index(ev->s->rules, name)) < 0) {
			fprintf(stderr, "%s: unknown flag \"%s\"\n", where,
			        name);
			return -1;
		}
		*mask |= 1u << idx;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

static struct eval_counts *
eval_lang(struct eval *ev, const char *lang)
{
	for (size_t i = 0; i < ev->langs_count; i++)
		if (strcmp(ev->langs[i], lang) == 0)
			return &ev->by_lang[i];
	if (ev->langs_count == EVAL_MAX_LANGS)
		return NULL;
	str_lcpy(ev->langs[ev->langs_count], lang, sizeof(ev->langs[0]));
	return &ev->by_lang[ev->langs_count++];
}

static void
eval_count(struct eval_counts *c, uint32_t want, uint32_t got, int tier_ok)
{
	for (size_t i = 0; i < TRIAGE_MAX_FLAGS; i++) {
		uint32_t b = 1u << i;

		c->tp[i] += (want & b) && (got & b);
		c->fp[i] += !(want & b) && (got & b);
		c->fn[i] += (want & b) && !(got & b);
	}
	c->msgs++;
	c->exact += want == got;
	c->tier_ok += tier_ok;
}

static void
eval_flag_names(const struct eval *ev, uint32_t mask, struct buf *b)
{
	int n = 0;

	for (size_t i = 0; i < rules_flags_count(ev->s->rules); i++)
		if (mask & (1u << i))
			buf_printf(b, "%s%s", n++ ? "," : "",
			           rules_flag_name(ev->s->rules, i));
	if (n == 0)
		buf_puts(b, "-");
}

static void
eval_note_miss(struct eval *ev, const char *file, const char *lang,
               uint32_t want, uint32_t got, const char *want_tier,
               const struct pipeline_result *res)
{
	struct buf *b = &ev->misses;

	buf_printf(b, "  %s [%s] expected: ", file, lang);
	eval_flag_names(ev, want, b);
	buf_puts(b, "  got: ");
	eval_flag_names(ev, got, b);
	if (strcmp(want_tier, res->customer.tier) != 0)
		buf_printf(b, "  tier: expected %s got %s", want_tier,
		           res->customer.tier);
	buf_puts(b, "\n      rules:");
	if (res->match.count == 0)
		buf_puts(b, " none");
	for (size_t i = 0; i < res->match.count; i++) {
		const char *id = rule_id(res->match.hits[i].rule);
		int dup = 0;

		for (size_t j = 0; j < i; j++)
			dup |=
			    res->match.hits[j].rule == res->match.hits[i].rule;
		if (!dup)
			buf_printf(b, " %s", id);
	}
	buf_puts(b, "\n");
}

/* One labels.tsv row: run the pipeline on the file and count. */
static int
eval_row(struct eval *ev, char **col, unsigned line)
{
	struct pipeline_result res;
	struct triage_err err = { "" };
	struct eval_counts *lc;
	char where[600], path[PATH_MAX_LEN];
	uint32_t want, got;
	char *data;
	size_t len;
	int tier_ok;

	snprintf(where, sizeof(where), "%s/labels.tsv:%u", ev->dir, line);
	if (eval_mask(ev, col[2], where, &want) != 0)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ev->dir, col[0]) >=
	    sizeof(path)) {
		fprintf(stderr, "%s: file name too long\n", where);
		return -1;
	}
	if (ctl_read_message(path, ev->s->cfg, &data, &len) != 0)
		return -1;
	if (pipeline_run_bytes(ev->s, data, len, &res, &err) != 0) {
		fprintf(stderr, "triagectl: %s: %s\n", path, err.text);
		pipeline_result_free(&res);
		free(data);
		return -1;
	}
	got = res.verdict.mask;
	tier_ok = strcmp(col[3], res.customer.tier) == 0;
	eval_count(&ev->all, want, got, tier_ok);
	if ((lc = eval_lang(ev, col[1])) != NULL)
		eval_count(lc, want, got, tier_ok);
	if (want != got || !tier_ok || ev->verbose)
		eval_note_miss(ev, col[0], col[1], want, got, col[3], &res);
	pipeline_result_free(&res);
	free(data);
	return 0;
}

/* Splits a line at tabs into at most n columns; returns the count. */
static size_t
eval_split(char *line, char **col, size_t n)
{
	size_t c = 0;

	while (c < n) {
		col[c++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return c;
}

static int
eval_labels(struct eval *ev)
{
	char path[PATH_MAX_LEN], *data, *p;
	size_t len;
	unsigned line = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/labels.tsv", ev->dir);
	if (file_read_all(path, TRIAGE_MAX_FILE_LEN, &data, &len) != 0) {
		fprintf(stderr, "triagectl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (p = data; p && *p && line < EVAL_MAX_ROWS;) {
		char *nl = strchr(p, '\n'), *col[5];

		if (nl)
			*nl = '\0';
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		line++;
		if (line > 1 && *p != '\0') {
			if (eval_split(p, col, 5) < 4) {
				fprintf(stderr,
				        "%s:%u: expected at least 4 "
				        "tab-separated columns\n",
				        path, line);
				rc = -1;
			} else if (eval_row(ev, col, line) != 0) {
				rc = -1;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	free(data);
	return rc;
}

static void
eval_report_flags(struct eval *ev, int *below)
{
	const struct eval_counts *c = &ev->all;
	long stp = 0, sfp = 0, sfn = 0;

	printf("%-24s %5s %5s %5s %9s %7s %6s\n", "flag", "tp", "fp", "fn",
	       "precision", "recall", "f1");
	for (size_t i = 0; i < rules_flags_count(ev->s->rules); i++) {
		double p = ratio(c->tp[i], c->tp[i] + c->fp[i]);
		double r = ratio(c->tp[i], c->tp[i] + c->fn[i]);
		int bad = p < ev->min_p || r < ev->min_r;

		printf("%-24s %5ld %5ld %5ld %9.3f %7.3f %6.3f%s\n",
		       rules_flag_name(ev->s->rules, i), c->tp[i], c->fp[i],
		       c->fn[i], p, r, f1(p, r), bad ? "  BELOW" : "");
		*below |= bad;
		stp += c->tp[i];
		sfp += c->fp[i];
		sfn += c->fn[i];
	}
	printf("%-24s %5ld %5ld %5ld %9.3f %7.3f %6.3f\n", "all (micro)", stp,
	       sfp, sfn, ratio(stp, stp + sfp), ratio(stp, stp + sfn),
	       f1(ratio(stp, stp + sfp), ratio(stp, stp + sfn)));
}

static void
eval_report_langs(struct eval *ev)
{
	printf("\n%-6s %5s %7s %9s %7s %6s %7s\n", "lang", "msgs", "exact",
	       "precision", "recall", "f1", "tier");
	for (size_t l = 0; l < ev->langs_count; l++) {
		const struct eval_counts *c = &ev->by_lang[l];
		long tp = 0, fp = 0, fn = 0;

		for (size_t i = 0; i < TRIAGE_MAX_FLAGS; i++) {
			tp += c->tp[i];
			fp += c->fp[i];
			fn += c->fn[i];
		}
		printf("%-6s %5ld %7.3f %9.3f %7.3f %6.3f %7.3f\n",
		       ev->langs[l], c->msgs, ratio(c->exact, c->msgs),
		       ratio(tp, tp + fp), ratio(tp, tp + fn),
		       f1(ratio(tp, tp + fp), ratio(tp, tp + fn)),
		       ratio(c->tier_ok, c->msgs));
	}
}

/* Imports DIR's (or DIR/..'s) customers.csv and orders.csv into a fresh
 * temporary database and points the config at it. */
static int
eval_import(struct eval *ev, struct config *cfg)
{
	static const char *const names[] = { "customers.csv", "orders.csv" };
	static const char *const where[] = { "", "/.." };
	int imported = 0;

	str_lcpy(ev->tmpdir, "/tmp/triagectl-eval.XXXXXX", sizeof(ev->tmpdir));
	if (mkdtemp(ev->tmpdir) == NULL) {
		fprintf(stderr, "triagectl: eval: mkdtemp: %s\n",
		        strerror(errno));
		ev->tmpdir[0] = '\0';
		return -1;
	}
	snprintf(ev->tmpdb, sizeof(ev->tmpdb), "%s/ltv.db", ev->tmpdir);
	for (size_t w = 0; w < 2 && !imported; w++) {
		for (size_t n = 0; n < 2; n++) {
			char path[PATH_MAX_LEN];
			struct ltv_import_stats st;
			struct diags d;
			struct stat sb;

			snprintf(path, sizeof(path), "%s%s/%s", ev->dir,
			         where[w], names[n]);
			if (stat(path, &sb) != 0)
				continue;
			memset(&st, 0, sizeof(st));
			diags_init(&d);
			if (ltv_import(cfg, ev->tmpdb, path, 0, &st, &d) != 0) {
				ctl_print_diags(&d);
				diags_free(&d);
				return -1;
			}
			diags_free(&d);
			imported++;
		}
	}
	if (imported) {
		char *p = str_dup(ev->tmpdb);

		if (p == NULL)
			return -1;
		free(cfg->db_path);
		cfg->db_path = p;
	}
	return 0;
}

static void
eval_cleanup(struct eval *ev)
{
	static const char *const files[] = { "", "-wal", "-shm" };

	if (ev->tmpdir[0] == '\0')
		return;
	for (size_t i = 0; i < 3; i++) {
		char p[200];

		snprintf(p, sizeof(p), "%s%s", ev->tmpdb, files[i]);
		unlink(p);
	}
	rmdir(ev->tmpdir);
}

static int
eval_args(struct eval *ev, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "-v") == 0) {
			ev->verbose = 1;
		} else if ((strcmp(argv[i], "--min-precision") == 0 ||
		            strcmp(argv[i], "--min-recall") == 0) &&
		           i + 1 < argc) {
			double v = strtod(argv[i + 1], &end);

			if (*end != '\0' || v < 0 || v > 1)
				return -1;
			*(argv[i][6] == 'p' ? &ev->min_p : &ev->min_r) = v;
			i++;
		} else if (argv[i][0] != '-' && ev->dir == NULL) {
			ev->dir = argv[i];
		} else {
			return -1;
		}
	}
	return ev->dir ? 0 : -1;
}

int
ctl_cmd_eval(struct ctl *ctl, int argc, char **argv)
{
	struct eval ev;
	struct config *cfg;
	struct diags d;
	char msgs[PATH_MAX_LEN];
	struct stat sb;
	int below = 0, rc;

	memset(&ev, 0, sizeof(ev));
	ev.ctl = ctl;
	if (eval_args(&ev, argc, argv) != 0) {
		int help = argc > 1 && strcmp(argv[1], "-h") == 0;

		fputs("usage: triagectl eval [-v] [--min-precision P] "
		      "[--min-recall R] DIR\n"
		      "  DIR holds labels.tsv and the messages (or DIR/msgs "
		      "does); customers.csv and\n"
		      "  orders.csv beside them are imported into a "
		      "temporary database for tiers\n",
		      help ? stdout : stderr);
		return help ? 0 : 2;
	}
	snprintf(msgs, sizeof(msgs), "%s/msgs/labels.tsv", ev.dir);
	if (stat(msgs, &sb) == 0) {
		snprintf(msgs, sizeof(msgs), "%s/msgs", ev.dir);
		ev.dir = msgs;
	}
	if ((cfg = ctl_config(ctl)) == NULL)
		return 3;
	if (ctl->db_path == NULL && eval_import(&ev, cfg) != 0) {
		config_free(cfg);
		eval_cleanup(&ev);
		return 3;
	}
	cfg->record_history = 0;
	diags_init(&d);
	ev.s = snapshot_from_config(cfg, ctl->no_hyperscan, &d);
	if (ev.s == NULL) {
		ctl_print_diags(&d);
		diags_free(&d);
		eval_cleanup(&ev);
		return 3;
	}
	diags_free(&d);
	buf_init(&ev.misses, 16u * 1024u * 1024u);
	rc = eval_labels(&ev);
	printf("eval: %s: %ld messages\n\n", ev.dir, ev.all.msgs);
	eval_report_flags(&ev, &below);
	eval_report_langs(&ev);
	printf("\nexact match: %ld/%ld (%.1f%%)\n", ev.all.exact, ev.all.msgs,
	       100 * ratio(ev.all.exact, ev.all.msgs));
	printf("tier accuracy: %ld/%ld (%.1f%%)\n", ev.all.tier_ok, ev.all.msgs,
	       100 * ratio(ev.all.tier_ok, ev.all.msgs));
	if (ev.misses.len)
		printf("\n%s:\n%s", ev.verbose ? "messages" : "misses",
		       buf_cstr(&ev.misses));
	if (below)
		printf("\nFAIL: a flag is below precision %.2f or recall "
		       "%.2f\n",
		       ev.min_p, ev.min_r);
	buf_free(&ev.misses);
	snapshot_free(ev.s);
	eval_cleanup(&ev);
	return rc != 0 ? 3 : below ? 1 : 0;
}
