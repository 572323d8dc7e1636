/*
 * rules_load.c - pattern files (flags.yaml, <lang>/NAME.yaml) into a ruleset.
 *
 * Owns: reading and validating pattern files with libyaml, the file and
 * directory permission check, PCRE2 compilation of every enabled rule and
 * every load diagnostic ("FILE:LINE:COL: rule-id: problem").  Format:
 * docs/patterns.md.
 *
 * Untrusted input: the pattern files.  Patterns are code, so files and
 * directories writable by group or others are refused; every size is
 * bounded (file length, files, rules, pattern length) and every problem
 * is collected before the load fails.
 */
#include "rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "triage/buf.h"
#include "triage/limits.h"

/* Longest rule id or signal name (docs/patterns.md). */
#define RULES_MAX_ID_LEN 64
/* Largest `within: N` of a near condition, in words. */
#define RULES_MAX_WITHIN_WORDS 1000
/* Open-addressing table of rule ids; twice TRIAGE_MAX_RULES. */
#define SEEN_SLOTS 8192u
_Static_assert(SEEN_SLOTS >= 2u * TRIAGE_MAX_RULES, "id table too small");

struct seen_id {
	char *id;
	const char *file;
	unsigned line;
};

/* A signal named in flags.yaml, checked once every rule is known. */
struct sig_ref {
	size_t signal, flag;
	unsigned line, col;
};

struct load_ctx {
	struct ruleset *rs;
	struct diags *d;
	const char *file;     /* the file being read (owned by rs->files) */
	struct seen_id *seen; /* SEEN_SLOTS entries */
	size_t parsed_rules;  /* enabled and disabled, all files */
	int too_many_rules;
	struct sig_ref *refs;
	size_t refs_count, refs_cap;
	int oom;
};

struct yfile {
	yaml_document_t doc;
	int loaded;
};

/* ---------- small helpers ---------- */

static void
load_err(struct load_ctx *c, const yaml_node_t *n, const char *label,
         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
load_err(struct load_ctx *c, const yaml_node_t *n, const char *label,
         const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(c->d, DIAG_ERROR, c->file,
	          n ? (unsigned)n->start_mark.line + 1 : 0,
	          n ? (unsigned)n->start_mark.column + 1 : 0, "%s%s%s",
	          label ? label : "", label ? ": " : "", msg);
}

static yaml_node_t *
ynode(struct yfile *y, int idx)
{
	return yaml_document_get_node(&y->doc, idx);
}

/* The scalar's text when n is a scalar without NUL bytes, else NULL. */
static const char *
yscalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Parses a plain scalar as a finite number. */
static int
ynumber(const yaml_node_t *n, double *out)
{
	const char *s = yscalar(n);
	char *end;

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    *s == '\0')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(*out))
		return -1;
	return 0;
}

static int
ybool(const yaml_node_t *n, int *out)
{
	const char *s = yscalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return -1;
	if (strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static char *
load_strdup(struct load_ctx *c, const char *s)
{
	char *p = str_dup(s);

	if (p == NULL)
		c->oom = 1;
	return p;
}

/* ---------- files, permissions, YAML ---------- */

/* Patterns are code: refuse what group or others may change. */
static int
check_mode(struct load_ctx *c, const char *path, int want_dir)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		diags_add(c->d, DIAG_ERROR, path, 0, 0, "%s%s",
		          want_dir ? "missing directory: " : "cannot read: ",
		          strerror(errno));
		return -1;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		diags_add(c->d, DIAG_ERROR, path, 0, 0, "not a %s",
		          want_dir ? "directory" : "regular file");
		return -1;
	}
	if (st.st_mode & 022) {
		diags_add(
		    c->d, DIAG_ERROR, path, 0, 0,
		    "writable by group or others (mode %04o); pattern files "
		    "are code: chmod go-w",
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Remembers a path for the life of the rule set; NULL on out of memory. */
static const char *
keep_path(struct load_ctx *c, const char *a, const char *b, const char *e)
{
	struct ruleset *rs = c->rs;
	struct buf p;
	char *s;

	if (rs->files_count == rs->files_cap) {
		size_t n = rs->files_cap ? rs->files_cap * 2 : 16;
		char **nv = realloc(rs->files, n * sizeof(*nv));

		if (nv == NULL)
			goto oom;
		rs->files = nv;
		rs->files_cap = n;
	}
	buf_init(&p, 8192);
	buf_puts(&p, a);
	if (b != NULL) {
		buf_putc(&p, '/');
		buf_puts(&p, b);
	}
	if (e != NULL) {
		buf_putc(&p, '/');
		buf_puts(&p, e);
	}
	if ((s = buf_steal(&p)) == NULL)
		goto oom;
	rs->files[rs->files_count++] = s;
	return s;
oom:
	c->oom = 1;
	return NULL;
}

/* Reads and parses c->file; 0 with y loaded, -1 after a diagnostic. */
static int
yfile_load(struct load_ctx *c, struct yfile *y)
{
	yaml_parser_t p;
	yaml_document_t extra;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	y->loaded = 0;
	if (check_mode(c, c->file, 0) != 0)
		return -1;
	if (file_read_all(c->file, TRIAGE_MAX_FILE_LEN, &data, &len) != 0) {
		diags_add(c->d, DIAG_ERROR, c->file, 0, 0, "cannot read: %s",
		          errno == EFBIG ? "file too large" : strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		free(data);
		c->oom = 1;
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	if (!yaml_parser_load(&p, &y->doc)) {
		diags_add(c->d, DIAG_ERROR, c->file,
		          (unsigned)p.problem_mark.line + 1,
		          (unsigned)p.problem_mark.column + 1,
		          "YAML error: %s%s%s",
		          p.problem ? p.problem : "unknown",
		          p.context ? " " : "", p.context ? p.context : "");
		goto out;
	}
	y->loaded = 1;
	if (yaml_document_get_root_node(&y->doc) == NULL) {
		diags_add(c->d, DIAG_ERROR, c->file, 0, 0, "empty file");
		goto out;
	}
	if (!yaml_parser_load(&p, &extra)) {
		diags_add(c->d, DIAG_ERROR, c->file,
		          (unsigned)p.problem_mark.line + 1,
		          (unsigned)p.problem_mark.column + 1, "YAML error: %s",
		          p.problem ? p.problem : "unknown");
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		diags_add(c->d, DIAG_ERROR, c->file,
		          (unsigned)yaml_document_get_root_node(&extra)
		                  ->start_mark.line +
		              1,
		          0, "more than one YAML document");
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);
	rc = 0;
out:
	yaml_parser_delete(&p);
	free(data);
	if (rc != 0 && y->loaded) {
		yaml_document_delete(&y->doc);
		y->loaded = 0;
	}
	return rc;
}

static void
yfile_free(struct yfile *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = 0;
}

/* ---------- signals ---------- */

long
rules_signal_index(struct ruleset *rs, const char *name, int add)
{
	for (size_t i = 0; i < rs->signals_count; i++)
		if (strcmp(rs->signals[i], name) == 0)
			return (long)i;
	if (!add)
		return -1;
	if (rs->signals_count == rs->signals_cap) {
		size_t n = rs->signals_cap ? rs->signals_cap * 2 : 32;
		char **nv = realloc(rs->signals, n * sizeof(*nv));
		unsigned *nr;
		unsigned char *nk;

		if (nv == NULL)
			return -1;
		rs->signals = nv;
		if ((nr = realloc(rs->signal_rules, n * sizeof(*nr))) == NULL)
			return -1;
		rs->signal_rules = nr;
		if ((nk = realloc(rs->signal_known, n)) == NULL)
			return -1;
		rs->signal_known = nk;
		rs->signals_cap = n;
	}
	if ((rs->signals[rs->signals_count] = str_dup(name)) == NULL)
		return -1;
	rs->signal_rules[rs->signals_count] = 0;
	rs->signal_known[rs->signals_count] = 0;
	return (long)rs->signals_count++;
}

/* ---------- mappings ---------- */

/* The value of key in mapping m, or NULL. */
static yaml_node_t *
find_key(struct yfile *y, const yaml_node_t *m, const char *key)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		const char *k = yscalar(ynode(y, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return ynode(y, p->value);
	}
	return NULL;
}

/* 1 when the key of pair i of mapping m already appeared before it. */
static int
dup_key(struct yfile *y, const yaml_node_t *m, const yaml_node_pair_t *pair)
{
	const char *k = yscalar(ynode(y, pair->key));

	for (const yaml_node_pair_t *p = m->data.mapping.pairs.start; p < pair;
	     p++) {
		const char *pk = yscalar(ynode(y, p->key));

		if (k != NULL && pk != NULL && strcmp(k, pk) == 0)
			return 1;
	}
	return 0;
}

/* Checks every key of m against the NULL-terminated list known, reporting
 * unknown and repeated keys; fills vals[i] with the value of known[i]. */
static void
map_keys(struct load_ctx *c, struct yfile *y, const yaml_node_t *m,
         const char *label, const char *const *known, yaml_node_t **vals)
{
	for (size_t i = 0; known[i] != NULL; i++)
		vals[i] = NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = ynode(y, p->key);
		const char *k = yscalar(kn);
		size_t i;

		if (k == NULL) {
			load_err(c, kn, label, "a key must be a string");
			continue;
		}
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], k) == 0)
				break;
		if (known[i] == NULL)
			load_err(c, kn, label, "unknown key \"%s\"", k);
		else if (dup_key(y, m, p))
			load_err(c, kn, label, "duplicate key \"%s\"", k);
		else
			vals[i] = ynode(y, p->value);
	}
}

static int
is_seq(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SEQUENCE_NODE;
}

static size_t
seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	                n->data.sequence.items.start);
}

/* ---------- flags.yaml ---------- */

static void
add_ref(struct load_ctx *c, size_t sig, size_t flag, const yaml_node_t *n)
{
	if (c->refs_count == c->refs_cap) {
		size_t cap = c->refs_cap ? c->refs_cap * 2 : 64;
		struct sig_ref *nv = realloc(c->refs, cap * sizeof(*nv));

		if (nv == NULL) {
			c->oom = 1;
			return;
		}
		c->refs = nv;
		c->refs_cap = cap;
	}
	c->refs[c->refs_count++] =
	    (struct sig_ref){ sig, flag, (unsigned)n->start_mark.line + 1,
		              (unsigned)n->start_mark.column + 1 };
}

/* Reads a list of signal names into l (which must be empty). */
static void
flag_signals(struct load_ctx *c, struct yfile *y, const yaml_node_t *n,
             struct sig_list *l, const char *label, const char *key,
             size_t flag)
{
	if (!is_seq(n) || seq_len(n) == 0) {
		load_err(c, n, label, "\"%s\" must be a list of signal names",
		         key);
		return;
	}
	if ((l->v = calloc(seq_len(n), sizeof(*l->v))) == NULL) {
		c->oom = 1;
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *sn = ynode(y, *it);
		const char *s = yscalar(sn);
		long idx;

		if (s == NULL || !name_ok(s, RULES_MAX_ID_LEN)) {
			load_err(c, sn, label,
			         "bad signal name \"%s\" in \"%s\": use "
			         "[a-z0-9._-]",
			         s ? s : "", key);
			continue;
		}
		if ((idx = rules_signal_index(c->rs, s, 1)) < 0) {
			c->oom = 1;
			return;
		}
		l->v[l->count++] = (size_t)idx;
		add_ref(c, (size_t)idx, flag, sn);
	}
}

static void
flag_near(struct load_ctx *c, struct yfile *y, const yaml_node_t *n,
          struct flag_def *f, const char *label, size_t flag)
{
	static const char *const keys[] = { "signals", "within", NULL };
	yaml_node_t *v[2];
	struct sig_list l = { 0 };
	const char *w;
	long long words;

	if (n->type != YAML_MAPPING_NODE) {
		load_err(c, n, label,
		         "\"near\" must be a mapping with signals "
		         "and within");
		return;
	}
	map_keys(c, y, n, label, keys, v);
	if (v[0] == NULL || v[1] == NULL) {
		load_err(c, n, label, "missing key \"%s\" in \"near\"",
		         v[0] == NULL ? "signals" : "within");
		return;
	}
	if (!is_seq(v[0]) || seq_len(v[0]) != 2) {
		load_err(c, v[0], label,
		         "near \"signals\" must list two signals");
	} else {
		flag_signals(c, y, v[0], &l, label, "near", flag);
		if (l.count == 2) {
			f->near_a = l.v[0];
			f->near_b = l.v[1];
			f->near = NEAR_MESSAGE;
		}
		free(l.v);
	}
	w = yscalar(v[1]);
	if (w != NULL && strcmp(w, "sentence") == 0) {
		if (f->near)
			f->near = NEAR_SENTENCE;
	} else if (w != NULL && strcmp(w, "message") == 0) {
		/* set above */
	} else if (w != NULL &&
	           str_to_ll(w, 1, RULES_MAX_WITHIN_WORDS, &words) == 0) {
		f->within_words = (unsigned)words;
		if (f->near)
			f->near = NEAR_WORDS;
	} else {
		f->near = NEAR_NONE;
		load_err(c, v[1], label,
		         "bad within \"%s\": use sentence, message "
		         "or a number of words (1-%d)",
		         w ? w : "", RULES_MAX_WITHIN_WORDS);
	}
}

static void
flag_flags(struct load_ctx *c, struct yfile *y, const yaml_node_t *n,
           struct flag_def *f, const char *label, size_t flag)
{
	if (!is_seq(n)) {
		load_err(c, n, label, "\"flags\" must be a list of flag names");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *sn = ynode(y, *it);
		const char *s = yscalar(sn);
		size_t j;

		for (j = 0; s != NULL && j < flag; j++)
			if (strcmp(c->rs->flags[j].name, s) == 0)
				break;
		if (s == NULL || j >= flag) {
			load_err(c, sn, label,
			         "unknown flag \"%s\" (flags must be "
			         "defined earlier in flags.yaml)",
			         s ? s : "");
			continue;
		}
		if (f->flags_count < TRIAGE_MAX_FLAGS)
			f->flags[f->flags_count++] = j;
	}
}

/* Reads the name of flag number k; 0 when it is usable. */
static int
flag_name(struct load_ctx *c, const yaml_node_t *n, const yaml_node_t *m,
          size_t k, char *label, size_t labellen)
{
	const char *s = yscalar(n);

	snprintf(label, labellen, "flag %zu", k + 1);
	if (n == NULL) {
		load_err(c, m, label, "missing key \"name\"");
		return -1;
	}
	if (s == NULL || !name_ok(s, TRIAGE_MAX_NAME_LEN - 1)) {
		load_err(c, n, label,
		         "bad flag name \"%s\": use [a-z0-9._-], at "
		         "most %d bytes",
		         s ? s : "", TRIAGE_MAX_NAME_LEN - 1);
		return -1;
	}
	for (size_t j = 0; j < k; j++)
		if (strcmp(c->rs->flags[j].name, s) == 0) {
			load_err(c, n, label, "duplicate flag \"%s\"", s);
			return -1;
		}
	snprintf(label, labellen, "flag \"%s\"", s);
	return 0;
}

static void
parse_flag(struct load_ctx *c, struct yfile *y, const yaml_node_t *m)
{
	static const char *const keys[] = { "name", "signals", "threshold",
		                            "all",  "any",     "not",
		                            "near", "flags",   NULL };
	struct ruleset *rs = c->rs;
	size_t k = rs->flags_count;
	struct flag_def *f = &rs->flags[k];
	yaml_node_t *v[8];
	char label[TRIAGE_MAX_NAME_LEN + 16];

	if (m->type != YAML_MAPPING_NODE) {
		snprintf(label, sizeof(label), "flag %zu", k + 1);
		load_err(c, m, label, "must be a mapping");
		return;
	}
	snprintf(label, sizeof(label), "flag %zu", k + 1);
	if (yscalar(find_key(y, m, "name")) != NULL &&
	    name_ok(yscalar(find_key(y, m, "name")), TRIAGE_MAX_NAME_LEN - 1))
		snprintf(label, sizeof(label), "flag \"%s\"",
		         yscalar(find_key(y, m, "name")));
	map_keys(c, y, m, label, keys, v);
	if (flag_name(c, v[0], m, k, label, sizeof(label)) != 0)
		return;
	memset(f, 0, sizeof(*f));
	if ((f->name = load_strdup(c, yscalar(v[0]))) == NULL)
		return;
	f->file = c->file;
	f->line = (unsigned)m->start_mark.line + 1;
	f->col = (unsigned)m->start_mark.column + 1;
	rs->flags_count++;
	if (v[1] == NULL)
		load_err(c, m, label, "missing key \"signals\"");
	else
		flag_signals(c, y, v[1], &f->signals, label, "signals", k);
	if (v[2] == NULL)
		load_err(c, m, label, "missing key \"threshold\"");
	else if (ynumber(v[2], &f->threshold) != 0 || f->threshold <= 0 ||
	         f->threshold > 10000)
		load_err(c, v[2], label, "\"threshold\" must be a number > 0");
	if (v[3] != NULL)
		flag_signals(c, y, v[3], &f->all, label, "all", k);
	if (v[4] != NULL)
		flag_signals(c, y, v[4], &f->any, label, "any", k);
	if (v[5] != NULL)
		flag_signals(c, y, v[5], &f->not_, label, "not", k);
	if (v[6] != NULL)
		flag_near(c, y, v[6], f, label, k);
	if (v[7] != NULL)
		flag_flags(c, y, v[7], f, label, k);
}

static void
parse_flags_file(struct load_ctx *c, struct yfile *y)
{
	static const char *const keys[] = { "flags", NULL };
	yaml_node_t *root = yaml_document_get_root_node(&y->doc);
	yaml_node_t *v[1];

	if (root->type != YAML_MAPPING_NODE) {
		load_err(c, root, NULL,
		         "expected a mapping with key \"flags\"");
		return;
	}
	map_keys(c, y, root, NULL, keys, v);
	if (v[0] == NULL) {
		load_err(c, root, NULL, "missing key \"flags\"");
		return;
	}
	if (!is_seq(v[0]) || seq_len(v[0]) == 0) {
		load_err(c, v[0], NULL, "\"flags\" must be a list of flags");
		return;
	}
	for (yaml_node_item_t *it = v[0]->data.sequence.items.start;
	     it < v[0]->data.sequence.items.top; it++) {
		if (c->rs->flags_count >= TRIAGE_MAX_FLAGS) {
			load_err(c, ynode(y, *it), NULL,
			         "too many flags (max %d)", TRIAGE_MAX_FLAGS);
			return;
		}
		parse_flag(c, y, ynode(y, *it));
	}
}

/* ---------- rule files ---------- */

enum {
	K_ID,
	K_SIGNAL,
	K_SCORE,
	K_DESC,
	K_PATTERN,
	K_MATCH,
	K_NOMATCH,
	K_ENABLED,
	K_COUNT
};

/* Looks id up among the ids seen so far and adds it; returns the earlier
 * entry when it is a duplicate, NULL otherwise. */
static const struct seen_id *
seen_add(struct load_ctx *c, const char *id, unsigned line)
{
	uint64_t h = rules_fnv1a(RULES_FNV_SEED, id, strlen(id));
	size_t i = (size_t)(h & (SEEN_SLOTS - 1));

	while (c->seen[i].id != NULL) {
		if (strcmp(c->seen[i].id, id) == 0)
			return &c->seen[i];
		i = (i + 1) & (SEEN_SLOTS - 1);
	}
	if ((c->seen[i].id = load_strdup(c, id)) != NULL) {
		c->seen[i].file = c->file;
		c->seen[i].line = line;
	}
	return NULL;
}

/* Copies a list of example strings; -1 after a diagnostic. */
static int
examples(struct load_ctx *c, struct yfile *y, const yaml_node_t *n,
         const char *label, const char *key, int need_one,
         struct rule_example **out, size_t *count)
{
	size_t k = 0;

	*out = NULL;
	*count = 0;
	if (!is_seq(n) || (need_one && seq_len(n) == 0)) {
		load_err(c, n, label,
		         "\"%s\" must be a list of example "
		         "strings%s",
		         key, need_one ? " (at least one)" : "");
		return -1;
	}
	if ((*out = calloc(seq_len(n) + 1, sizeof(**out))) == NULL) {
		c->oom = 1;
		return -1;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = ynode(y, *it);
		const char *s = yscalar(e);

		if (s == NULL) {
			load_err(c, e, label,
			         "\"%s\" example %zu must be a string", key,
			         k + 1);
			return -1;
		}
		(*out)[k].line = (unsigned)e->start_mark.line + 1;
		(*out)[k].col = (unsigned)e->start_mark.column + 1;
		if (((*out)[k].text = load_strdup(c, s)) == NULL)
			return -1;
		*count = ++k;
	}
	return 0;
}

void
rules_rule_clear(struct rule *r)
{
	free(r->id);
	free(r->signal);
	free(r->description);
	free(r->language);
	free(r->pattern);
	pcre2_code_free(r->code);
	for (size_t i = 0; i < r->match_count; i++)
		free(r->match[i].text);
	for (size_t i = 0; i < r->no_match_count; i++)
		free(r->no_match[i].text);
	free(r->match);
	free(r->no_match);
	memset(r, 0, sizeof(*r));
}

/* Checks a string key that must look like an id; returns it or NULL. */
static const char *
id_value(struct load_ctx *c, const yaml_node_t *m, const yaml_node_t *n,
         const char *label, const char *key)
{
	const char *s = yscalar(n);

	if (n == NULL) {
		load_err(c, m, label, "missing key \"%s\"", key);
		return NULL;
	}
	if (s == NULL) {
		load_err(c, n, label, "\"%s\" must be a string", key);
		return NULL;
	}
	if (!name_ok(s, RULES_MAX_ID_LEN)) {
		load_err(c, n, label,
		         "bad %s \"%s\": use [a-z0-9._-], at most %d "
		         "bytes",
		         key, s, RULES_MAX_ID_LEN);
		return NULL;
	}
	return s;
}

static int
rule_compile(struct load_ctx *c, struct rule *r, const yaml_node_t *pn,
             const char *label)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int ec;

	r->code =
	    pcre2_compile((PCRE2_SPTR)r->pattern, r->pattern_len,
	                  PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP |
	                      PCRE2_MATCH_INVALID_UTF | PCRE2_USE_OFFSET_LIMIT,
	                  &ec, &off, NULL);
	if (r->code == NULL) {
		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			str_lcpy((char *)msg, "unknown error", sizeof(msg));
		load_err(c, pn, label, "regex error at offset %zu: %s",
		         (size_t)off, (const char *)msg);
		return -1;
	}
	/* JIT is an optimisation: when it is unavailable the interpreter
	 * gives the same results. */
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	return 0;
}

/* Checks the scalar keys of a rule into r; returns the error count. */
static size_t
rule_fields(struct load_ctx *c, const yaml_node_t *m, yaml_node_t **v,
            const char *label, struct rule *r, int *enabled)
{
	size_t before = c->d->errors;
	const char *s;

	if ((s = id_value(c, m, v[K_SIGNAL], label, "signal")) != NULL)
		r->signal = load_strdup(c, s);
	if (v[K_SCORE] == NULL)
		load_err(c, m, label, "missing key \"score\"");
	else if (ynumber(v[K_SCORE], &r->score) != 0)
		load_err(c, v[K_SCORE], label, "\"score\" must be a number");
	else if (r->score < -100 || r->score > 100)
		load_err(c, v[K_SCORE], label,
		         "score %g out of range -100..100", r->score);
	if (v[K_DESC] == NULL)
		load_err(c, m, label, "missing key \"description\"");
	else if ((s = yscalar(v[K_DESC])) == NULL || *s == '\0')
		load_err(c, v[K_DESC], label,
		         "\"description\" must be a "
		         "non-empty string");
	else
		r->description = load_strdup(c, s);
	if (v[K_PATTERN] == NULL) {
		load_err(c, m, label, "missing key \"pattern\"");
	} else if ((s = yscalar(v[K_PATTERN])) == NULL || *s == '\0') {
		load_err(c, v[K_PATTERN], label,
		         "\"pattern\" must be a "
		         "non-empty string");
	} else if (strlen(s) > TRIAGE_MAX_PATTERN_LEN) {
		load_err(c, v[K_PATTERN], label,
		         "pattern too long (%zu bytes, "
		         "max %d)",
		         strlen(s), TRIAGE_MAX_PATTERN_LEN);
	} else {
		r->pattern = load_strdup(c, s);
		r->pattern_len = strlen(s);
		r->pat_line = (unsigned)v[K_PATTERN]->start_mark.line + 1;
		r->pat_col = (unsigned)v[K_PATTERN]->start_mark.column + 1;
	}
	if (v[K_ENABLED] != NULL && ybool(v[K_ENABLED], enabled) != 0)
		load_err(c, v[K_ENABLED], label,
		         "\"enabled\" must be true or "
		         "false");
	return c->d->errors - before;
}

/* Appends a finished rule to the set (taking its fields). */
static void
rule_keep(struct load_ctx *c, struct rule *r)
{
	struct ruleset *rs = c->rs;
	long sig = rules_signal_index(rs, r->signal, 1);

	if (sig < 0 || rs->rules_count == rs->rules_cap) {
		size_t n = rs->rules_cap ? rs->rules_cap * 2 : 64;
		struct rule *nv =
		    sig < 0 ? NULL : realloc(rs->rules, n * sizeof(*nv));

		if (nv == NULL) {
			c->oom = 1;
			rules_rule_clear(r);
			return;
		}
		rs->rules = nv;
		rs->rules_cap = n;
	}
	r->signal_index = (size_t)sig;
	rs->signal_rules[sig]++;
	rs->rules[rs->rules_count++] = *r;
}

static void
parse_rule(struct load_ctx *c, struct yfile *y, const yaml_node_t *m,
           size_t nth, const char *lang)
{
	static const char *const keys[] = { "id",          "signal",  "score",
		                            "description", "pattern", "match",
		                            "no_match",    "enabled", NULL };
	yaml_node_t *v[K_COUNT];
	char label[RULES_MAX_ID_LEN + 16];
	struct rule r = { 0 };
	const struct seen_id *dup;
	const char *id;
	size_t errs;
	int enabled = 1;

	snprintf(label, sizeof(label), "rule %zu", nth);
	if (m->type != YAML_MAPPING_NODE) {
		load_err(c, m, label, "must be a mapping");
		return;
	}
	id = yscalar(find_key(y, m, "id"));
	if (id != NULL && name_ok(id, RULES_MAX_ID_LEN))
		snprintf(label, sizeof(label), "%s", id);
	errs = c->d->errors;
	map_keys(c, y, m, label, keys, v);
	if ((id = id_value(c, m, v[K_ID], label, "id")) != NULL) {
		dup = seen_add(c, id, (unsigned)m->start_mark.line + 1);
		if (dup != NULL)
			load_err(c, v[K_ID], label,
			         "duplicate id, first defined "
			         "at %s:%u",
			         dup->file, dup->line);
		r.id = load_strdup(c, id);
	}
	rule_fields(c, m, v, label, &r, &enabled);
	if (v[K_MATCH] == NULL)
		load_err(c, m, label, "missing key \"match\"");
	else
		examples(c, y, v[K_MATCH], label, "match", 1, &r.match,
		         &r.match_count);
	if (v[K_NOMATCH] != NULL)
		examples(c, y, v[K_NOMATCH], label, "no_match", 0, &r.no_match,
		         &r.no_match_count);
	if (r.signal != NULL) {
		long sig = rules_signal_index(c->rs, r.signal, 1);

		if (sig >= 0)
			c->rs->signal_known[sig] = 1;
	}
	r.file = c->file;
	r.line = (unsigned)m->start_mark.line + 1;
	r.col = (unsigned)m->start_mark.column + 1;
	/* A disabled rule is checked but neither compiled nor kept. */
	if (!enabled || c->oom || r.pattern == NULL ||
	    rule_compile(c, &r, v[K_PATTERN], label) != 0 ||
	    c->d->errors != errs ||
	    (r.language = load_strdup(c, lang)) == NULL) {
		rules_rule_clear(&r);
		return;
	}
	rule_keep(c, &r);
}

static void
parse_rule_file(struct load_ctx *c, struct yfile *y, const char *lang)
{
	static const char *const keys[] = { "language", "rules", NULL };
	yaml_node_t *root = yaml_document_get_root_node(&y->doc);
	yaml_node_t *v[2];
	const char *l;
	size_t nth = 0;

	if (root->type != YAML_MAPPING_NODE) {
		load_err(c, root, NULL,
		         "expected a mapping with keys language "
		         "and rules");
		return;
	}
	map_keys(c, y, root, NULL, keys, v);
	if (v[0] == NULL)
		load_err(c, root, NULL, "missing key \"language\"");
	else if ((l = yscalar(v[0])) == NULL || strcmp(l, lang) != 0)
		load_err(c, v[0], NULL,
		         "language mismatch: file says \"%s\", "
		         "directory is \"%s\"",
		         l ? l : "", lang);
	if (v[1] == NULL) {
		load_err(c, root, NULL, "missing key \"rules\"");
		return;
	}
	if (!is_seq(v[1])) {
		load_err(c, v[1], NULL, "\"rules\" must be a list of rules");
		return;
	}
	for (yaml_node_item_t *it = v[1]->data.sequence.items.start;
	     it < v[1]->data.sequence.items.top && !c->oom; it++) {
		if (c->parsed_rules >= TRIAGE_MAX_RULES) {
			if (!c->too_many_rules)
				load_err(c, ynode(y, *it), NULL,
				         "too many rules "
				         "(max %d)",
				         TRIAGE_MAX_RULES);
			c->too_many_rules = 1;
			return;
		}
		c->parsed_rules++;
		parse_rule(c, y, ynode(y, *it), ++nth, lang);
	}
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml names of dir in name order; -1 when it cannot be read. */
static int
list_yaml(struct load_ctx *c, const char *dir, char ***out, size_t *count)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if (dp == NULL) {
		diags_add(c->d, DIAG_ERROR, dir, 0, 0,
		          "cannot read language "
		          "directory: %s",
		          strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n >= TRIAGE_MAX_PATTERN_FILES)
			break;
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*nv))) == NULL)
				break;
			v = nv;
		}
		if ((v[n] = str_dup(de->d_name)) == NULL)
			break;
		n++;
	}
	if (de != NULL)
		c->oom = n < TRIAGE_MAX_PATTERN_FILES;
	closedir(dp);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	*count = n;
	return 0;
}

static int
lang_ok(const char *lang)
{
	return name_ok(lang, TRIAGE_MAX_NAME_LEN) && lang[0] != '.' &&
	       strchr(lang, '.') == NULL;
}

static void
load_language(struct load_ctx *c, const char *dir, const char *lang,
              size_t *files)
{
	const char *ldir;
	char **names;
	size_t n;

	if (!lang_ok(lang)) {
		diags_add(c->d, DIAG_ERROR, dir, 0, 0,
		          "bad language name \"%s\"", lang);
		return;
	}
	if ((ldir = keep_path(c, dir, lang, NULL)) == NULL)
		return;
	if (access(ldir, F_OK) != 0) {
		diags_add(c->d, DIAG_ERROR, ldir, 0, 0,
		          "missing language "
		          "directory for enabled language \"%s\"",
		          lang);
		return;
	}
	if (check_mode(c, ldir, 1) != 0 || list_yaml(c, ldir, &names, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct yfile y;

		if (++*files > TRIAGE_MAX_PATTERN_FILES) {
			diags_add(c->d, DIAG_ERROR, ldir, 0, 0,
			          "too many pattern "
			          "files (max %d)",
			          TRIAGE_MAX_PATTERN_FILES);
			break;
		}
		if (c->oom ||
		    (c->file = keep_path(c, dir, lang, names[i])) == NULL)
			break;
		if (yfile_load(c, &y) == 0)
			parse_rule_file(c, &y, lang);
		yfile_free(&y);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Signals named in flags.yaml that no rule names are typing mistakes. */
static void
check_refs(struct load_ctx *c, const char *flags_file)
{
	for (size_t i = 0; i < c->refs_count; i++) {
		const struct sig_ref *r = &c->refs[i];

		if (c->rs->signal_known[r->signal])
			continue;
		diags_add(
		    c->d, DIAG_ERROR, flags_file, r->line, r->col,
		    "flag \"%s\": unknown signal \"%s\" (no rule raises it)",
		    c->rs->flags[r->flag].name, c->rs->signals[r->signal]);
	}
}

size_t
rules_load_files(struct ruleset *rs, const struct rules_options *opt,
                 struct diags *d)
{
	struct load_ctx c = { .rs = rs, .d = d };
	size_t before = d->errors, files = 0;
	const char *flags_file;
	struct yfile y;

	if ((c.seen = calloc(SEEN_SLOTS, sizeof(*c.seen))) == NULL) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0, "out of memory");
		return 1;
	}
	if (check_mode(&c, opt->dir, 1) != 0)
		goto out;
	if ((flags_file = keep_path(&c, opt->dir, "flags.yaml", NULL)) == NULL)
		goto out;
	c.file = flags_file;
	if (yfile_load(&c, &y) == 0)
		parse_flags_file(&c, &y);
	yfile_free(&y);
	for (size_t i = 0; i < opt->languages_count && !c.oom; i++)
		load_language(&c, opt->dir, opt->languages[i], &files);
	if (!c.oom)
		check_refs(&c, flags_file);
out:
	if (c.oom)
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory while "
		          "loading patterns");
	for (size_t i = 0; i < SEEN_SLOTS; i++)
		free(c.seen[i].id);
	free(c.seen);
	free(c.refs);
	return d->errors - before;
}
