/*
 * rules.c - the immutable rule set: loading, matching, accessors.
 *
 * Owns: struct ruleset's life (rules_load / rules_free), the pool of
 * per-thread scratch space, matching every rule under the PCRE2 limits
 * (after the optional Hyperscan prefilter of rules_hs.c) and the hit
 * list handed to classify.c.  Linting lives in rules_lint.c's place at
 * the end of this file; pattern-file parsing in rules_load.c.
 *
 * Untrusted input: the text matched (mail, normalized): every match runs
 * under the match/depth/heap limits and a limit hit counts as no match.
 */
#include "rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "triage/limits.h"
#include "triage/log.h"
#include "triage/normalize.h"

uint64_t
rules_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---------- life cycle ---------- */

static void
scratch_free(struct rules_scratch *s)
{
	if (s == NULL)
		return;
	rules_pf_scratch_free(s);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	free(s->cand);
	free(s->all);
	free(s);
}

void
rules_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->rules_count; i++)
		rules_rule_clear(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->signals_count; i++)
		free(rs->signals[i]);
	free(rs->signals);
	free(rs->signal_rules);
	free(rs->signal_known);
	for (size_t i = 0; i < rs->flags_count; i++) {
		struct flag_def *f = &rs->flags[i];

		free(f->name);
		free(f->signals.v);
		free(f->all.v);
		free(f->any.v);
		free(f->not_.v);
	}
	if (rs->pool != NULL) {
		while (rs->pool->free != NULL) {
			struct rules_scratch *s = rs->pool->free;

			rs->pool->free = s->next;
			scratch_free(s);
		}
		pthread_mutex_destroy(&rs->pool->lock);
		free(rs->pool);
	}
	rules_pf_free(rs->pf);
	pcre2_match_context_free(rs->mctx);
	for (size_t i = 0; i < rs->files_count; i++)
		free(rs->files[i]);
	free(rs->files);
	free(rs);
}

static int
rules_setup(struct ruleset *rs, const struct rules_options *opt)
{
	if ((rs->pool = calloc(1, sizeof(*rs->pool))) == NULL)
		return -1;
	if (pthread_mutex_init(&rs->pool->lock, NULL) != 0) {
		free(rs->pool);
		rs->pool = NULL;
		return -1;
	}
	if ((rs->mctx = pcre2_match_context_create(NULL)) == NULL)
		return -1;
	pcre2_set_match_limit(rs->mctx, opt->match_limit
	                                    ? opt->match_limit
	                                    : TRIAGE_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, opt->depth_limit
	                                    ? opt->depth_limit
	                                    : TRIAGE_PCRE2_DEPTH_LIMIT);
	pcre2_set_heap_limit(rs->mctx, opt->heap_limit_kib
	                                   ? opt->heap_limit_kib
	                                   : TRIAGE_PCRE2_HEAP_LIMIT_KIB);
	rs->no_hyperscan = opt->no_hyperscan;
	return 0;
}

struct ruleset *
rules_load(const struct rules_options *opt, struct diags *d)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL || rules_setup(rs, opt) != 0) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0, "out of memory");
		rules_free(rs);
		return NULL;
	}
	if (rules_load_files(rs, opt, d) > 0) {
		rules_free(rs);
		return NULL;
	}
	if (!opt->no_hyperscan && rs->rules_count > 0 &&
	    rules_pf_build(rs, opt, d) != 0) {
		rules_free(rs);
		return NULL;
	}
	return rs;
}

/* ---------- accessors ---------- */

int
rules_uses_hyperscan(const struct ruleset *rs)
{
	return rs->pf != NULL;
}

int
rules_hyperscan_cached(const struct ruleset *rs)
{
	return rs->pf != NULL && rs->pf_cached;
}

size_t
rules_count(const struct ruleset *rs)
{
	return rs->rules_count;
}

const struct rule *
rules_get(const struct ruleset *rs, size_t i)
{
	return i < rs->rules_count ? &rs->rules[i] : NULL;
}

const char *
rule_id(const struct rule *r)
{
	return r->id;
}
const char *
rule_signal(const struct rule *r)
{
	return r->signal;
}
double
rule_score(const struct rule *r)
{
	return r->score;
}
const char *
rule_description(const struct rule *r)
{
	return r->description;
}
const char *
rule_file(const struct rule *r)
{
	return r->file;
}
unsigned
rule_line(const struct rule *r)
{
	return r->line;
}
const char *
rule_language(const struct rule *r)
{
	return r->language;
}

size_t
rules_flags_count(const struct ruleset *rs)
{
	return rs->flags_count;
}

const char *
rules_flag_name(const struct ruleset *rs, size_t i)
{
	return i < rs->flags_count ? rs->flags[i].name : NULL;
}

int
rules_flag_index(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->flags_count; i++)
		if (strcmp(rs->flags[i].name, name) == 0)
			return (int)i;
	return -1;
}

size_t
rules_signals_count(const struct ruleset *rs)
{
	return rs->signals_count;
}

const char *
rules_signal_name(const struct ruleset *rs, size_t i)
{
	return i < rs->signals_count ? rs->signals[i] : NULL;
}

size_t
rule_signal_index(const struct rule *r)
{
	return r->signal_index;
}

int
rules_flag_def(const struct ruleset *rs, size_t i, struct rules_flag_def *out)
{
	const struct flag_def *f;

	if (i >= rs->flags_count)
		return -1;
	f = &rs->flags[i];
	out->name = f->name;
	out->threshold = f->threshold;
	out->signals = f->signals.v;
	out->signals_count = f->signals.count;
	out->all = f->all.v;
	out->all_count = f->all.count;
	out->any = f->any.v;
	out->any_count = f->any.count;
	out->not_ = f->not_.v;
	out->not_count = f->not_.count;
	out->flags = f->flags;
	out->flags_count = f->flags_count;
	out->near = f->near;
	out->near_a = f->near_a;
	out->near_b = f->near_b;
	out->within_words = f->within_words;
	return 0;
}

/* ---------- matching ---------- */

static int
is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

int
rules_run_one(const struct ruleset *rs, const struct rule *r,
              pcre2_match_data *md, const char *text, size_t len,
              struct rule_hit *out, size_t max)
{
	size_t n = 0, off = 0;

	while (n < max && off <= len) {
		int rc = pcre2_match(r->code, (PCRE2_SPTR)text, len, off, 0, md,
		                     rs->mctx);
		PCRE2_SIZE *ov;

		if (is_limit(rc))
			return -1;
		if (rc < 0) /* PCRE2_ERROR_NOMATCH, or nothing more to find */
			break;
		ov = pcre2_get_ovector_pointer(md);
		out[n].rule = r;
		out[n].start = ov[0];
		/* \K can put the start after the end; keep start <= end. */
		out[n].end = ov[1] < ov[0] ? ov[0] : ov[1];
		off = out[n].end;
		if (out[n].end == out[n].start) {
			/* An empty match: go on after the next character. */
			off++;
			while (off < len &&
			       ((unsigned char)text[off] & 0xc0) == 0x80)
				off++;
		}
		n++;
	}
	return (int)n;
}

/* Like rules_run_one, but tries only start offsets in the windows
 * (sorted, disjoint (lo, hi) pairs) from rules_pf_windows: every match
 * starts in one of them, so the hits are the same as over the whole
 * text, found with a fraction of the work. */
static int
run_windows(const struct rule *r, struct rules_scratch *s, const char *text,
            size_t len, const size_t *win, size_t nwin, struct rule_hit *out,
            size_t max)
{
	size_t n = 0, off = 0;

	for (size_t w = 0; w < nwin && n < max; w++) {
		size_t lo = win[2 * w] < off ? off : win[2 * w];
		size_t hi = win[2 * w + 1];

		/* a byte bound can fall inside a character: no match starts
		 * on a continuation byte */
		while (lo < hi && ((unsigned char)text[lo] & 0xc0) == 0x80)
			lo++;

		while (n < max && lo <= hi) {
			int rc;
			PCRE2_SIZE *ov;

			pcre2_set_offset_limit(s->mctx, hi);
			rc = pcre2_match(r->code, (PCRE2_SPTR)text, len, lo, 0,
			                 s->md, s->mctx);
			if (is_limit(rc))
				return -1;
			if (rc < 0)
				break;
			ov = pcre2_get_ovector_pointer(s->md);
			out[n].rule = r;
			out[n].start = ov[0];
			out[n].end = ov[1] < ov[0] ? ov[0] : ov[1];
			off = out[n].end;
			if (out[n].end == out[n].start) {
				off++;
				while (off < len && ((unsigned char)text[off] &
				                     0xc0) == 0x80)
					off++;
			}
			n++;
			lo = off;
		}
	}
	return (int)n;
}

struct rules_scratch *
rules_scratch_get(const struct ruleset *rs)
{
	struct rules_scratch *s;
	size_t n = rs->rules_count ? rs->rules_count : 1;

	pthread_mutex_lock(&rs->pool->lock);
	if ((s = rs->pool->free) != NULL)
		rs->pool->free = s->next;
	pthread_mutex_unlock(&rs->pool->lock);
	if (s != NULL)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->md = pcre2_match_data_create(1, NULL);
	s->mctx = pcre2_match_context_copy(rs->mctx);
	s->cand = calloc(n, 1);
	s->all = calloc(n * RULES_HITS_PER_RULE, sizeof(*s->all));
	if (s->md == NULL || s->mctx == NULL || s->cand == NULL ||
	    s->all == NULL ||
	    (rs->pf != NULL && rules_pf_scratch_new(rs, s) != 0)) {
		scratch_free(s);
		return NULL;
	}
	return s;
}

void
rules_scratch_put(const struct ruleset *rs, struct rules_scratch *s)
{
	pthread_mutex_lock(&rs->pool->lock);
	s->next = rs->pool->free;
	rs->pool->free = s;
	pthread_mutex_unlock(&rs->pool->lock);
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Keeps at most TRIAGE_MAX_HITS of the n hits in all: every fired rule's
 * first hit before any rule's second, so no fired rule is lost. */
static int
hits_keep(struct rule_hit *all, size_t n, struct match_result *out)
{
	size_t keep = n < TRIAGE_MAX_HITS ? n : TRIAGE_MAX_HITS, k = 0;

	if (n == 0)
		return 0;
	if ((out->hits = malloc(keep * sizeof(*out->hits))) == NULL)
		return -1;
	for (size_t round = 0; round < RULES_HITS_PER_RULE && k < keep; round++)
		for (size_t i = 0; i < n && k < keep; i++) {
			/* hits of one rule are adjacent and in order */
			size_t first = i;

			while (first > 0 && all[first - 1].rule == all[i].rule)
				first--;
			if (i - first == round)
				out->hits[k++] = all[i];
		}
	out->count = k;
	qsort(out->hits, k, sizeof(*out->hits), hit_cmp);
	return 0;
}

static void
note_limit(const struct rule *r, struct match_result *out)
{
	if (out->limit_hits++ == 0)
		out->limit_rule = r;
	log_warn("rules: rule %s (%s:%u) hit a PCRE2 limit; counted as no "
	         "match",
	         r->id, r->file, r->line);
}

int
rules_match(const struct ruleset *rs, const char *text, size_t len,
            struct match_result *out, struct triage_err *err)
{
	struct rules_scratch *s;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((s = rules_scratch_get(rs)) == NULL) {
		triage_err_set(err, "rules: out of memory for match scratch");
		return -1;
	}
	if (rs->pf != NULL && rules_pf_scan(rs, s, text, len, err) != 0)
		goto done;
	for (size_t i = 0; i < rs->rules_count; i++) {
		const struct rule *r = &rs->rules[i];
		int k;

		long nwin = -1;

		if (rs->pf != NULL) {
			if (!s->cand[i])
				continue;
			nwin = rules_pf_windows(rs, s, i, text, len);
		}
		if (nwin > 0)
			k = run_windows(r, s, text, len, s->win, (size_t)nwin,
			                s->all + n, RULES_HITS_PER_RULE);
		else
			k = rules_run_one(rs, r, s->md, text, len, s->all + n,
			                  RULES_HITS_PER_RULE);
		if (k < 0)
			note_limit(r, out);
		else
			n += (size_t)k;
	}
	if (hits_keep(s->all, n, out) != 0) {
		triage_err_set(err, "rules: out of memory for %zu hits", n);
		goto done;
	}
	rc = 0;
done:
	rules_scratch_put(rs, s);
	return rc;
}

void
match_result_free(struct match_result *m)
{
	if (m == NULL)
		return;
	free(m->hits);
	m->hits = NULL;
	m->count = 0;
}

/* ---------- lint ---------- */

/* Quotes an example for a diagnostic: at most 120 bytes, control
 * characters and quotes escaped. */
static void
quote(char *dst, size_t dstlen, const char *s)
{
	size_t k = 0;

	for (; *s != '\0' && k + 8 < dstlen; s++) {
		unsigned char ch = (unsigned char)*s;

		if (k >= 120) {
			memcpy(dst + k, "...", 3);
			k += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			dst[k++] = '\\';
			dst[k++] = (char)ch;
		} else if (ch == '\n') {
			dst[k++] = '\\';
			dst[k++] = 'n';
		} else if (ch < 0x20 || ch == 0x7f) {
			dst[k++] = '?';
		} else {
			dst[k++] = (char)ch;
		}
	}
	dst[k] = '\0';
}

/* Runs one example; 1 when it matches, 0 when not, -1 on a limit or out
 * of memory. */
static int
example_matches(const struct ruleset *rs, const struct rule *r,
                pcre2_match_data *md, const char *ex)
{
	struct rule_hit h;
	size_t nl;
	char *norm = normalize_string(ex, strlen(ex), &nl);
	int k;

	if (norm == NULL)
		return -1;
	k = rules_run_one(rs, r, md, norm, nl, &h, 1);
	free(norm);
	return k < 0 ? -1 : k > 0;
}

static size_t
lint_examples(const struct ruleset *rs, const struct rule *r,
              pcre2_match_data *md, struct diags *d)
{
	char q[160];
	size_t errors = 0;

	for (size_t i = 0; i < r->match_count; i++) {
		const struct rule_example *e = &r->match[i];

		if (example_matches(rs, r, md, e->text) == 1)
			continue;
		quote(q, sizeof(q), e->text);
		diags_add(d, DIAG_ERROR, r->file, e->line, 0,
		          "%s: example %zu "
		          "should match but does not: \"%s\"",
		          r->id, i + 1, q);
		errors++;
	}
	for (size_t i = 0; i < r->no_match_count; i++) {
		const struct rule_example *e = &r->no_match[i];

		if (example_matches(rs, r, md, e->text) == 0)
			continue;
		quote(q, sizeof(q), e->text);
		diags_add(d, DIAG_ERROR, r->file, e->line, 0,
		          "%s: no_match "
		          "example %zu should not match but does: \"%s\"",
		          r->id, i + 1, q);
		errors++;
	}
	return errors;
}

/* The hostile texts every rule must survive without a limit hit. */
struct probes {
	char *as, *spaces, *words, *mix;
	size_t as_len, spaces_len, words_len;
};

#define PROBE_RUN 50000
#define PROBE_WORDS 10000
#define PROBE_MIX 10000

static int
probes_make(struct probes *p)
{
	static const char two[2][8] = { "refund ", "order " };
	size_t k = 0;

	memset(p, 0, sizeof(*p));
	p->as = malloc(PROBE_RUN + 1);
	p->spaces = malloc(PROBE_RUN + 1);
	p->words = malloc(PROBE_WORDS * 8 + 1);
	p->mix = malloc(PROBE_MIX * 4 + 1);
	if (!p->as || !p->spaces || !p->words || !p->mix)
		return -1;
	memset(p->as, 'a', PROBE_RUN);
	memset(p->spaces, ' ', PROBE_RUN);
	p->as_len = p->spaces_len = PROBE_RUN;
	for (size_t i = 0; i < PROBE_WORDS; i++) {
		size_t n = strlen(two[i & 1]);

		memcpy(p->words + k, two[i & 1], n);
		k += n;
	}
	p->words_len = k;
	return 0;
}

static void
probes_free(struct probes *p)
{
	free(p->as);
	free(p->spaces);
	free(p->words);
	free(p->mix);
}

/* A PROBE_MIX-character text of the letters and digits the pattern
 * itself spells out (a cheap way to make it try hard); its length. */
static size_t
probe_mix(const struct rule *r, char *out)
{
	size_t starts[256], n = 0, k = 0;
	uint32_t x = 2463534242u;
	const unsigned char *p = (const unsigned char *)r->pattern;

	for (size_t i = 0; i < r->pattern_len && n < 256; i++) {
		if (i > 0 && p[i - 1] == '\\')
			continue; /* an escape such as \s or \b, not a letter */
		if ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 0xc0 && p[i] < 0xf8))
			starts[n++] = i;
	}
	if (n == 0)
		return 0;
	for (size_t c = 0; c < PROBE_MIX; c++) {
		size_t at, len = 1;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		at = starts[x % n];
		while (at + len < r->pattern_len &&
		       (p[at + len] & 0xc0) == 0x80)
			len++;
		memcpy(out + k, p + at, len);
		k += len;
	}
	return k;
}

static void
lint_probes(const struct ruleset *rs, const struct rule *r,
            pcre2_match_data *md, struct probes *p, struct diags *d)
{
	struct rule_hit h[RULES_HITS_PER_RULE];
	const struct {
		const char *name, *text;
		size_t len;
	} v[4] = {
		{ "50000 x 'a'", p->as, p->as_len },
		{ "50000 spaces", p->spaces, p->spaces_len },
		{ "10000 alternating words", p->words, p->words_len },
		{ "10000 characters of the pattern's own letters", p->mix,
		  probe_mix(r, p->mix) },
	};

	for (size_t i = 0; i < 4; i++) {
		if (v[i].len == 0)
			continue;
		if (rules_run_one(rs, r, md, v[i].text, v[i].len, h,
		                  RULES_HITS_PER_RULE) < 0)
			diags_add(d, DIAG_WARNING, r->file, r->line, 0,
			          "%s: hits the "
			          "PCRE2 match limit on probe %s",
			          r->id, v[i].name);
	}
}

/* What makes a rule slow with the Hyperscan prefilter (docs/patterns.md,
 * "Speed"). */
static void
lint_speed(const struct ruleset *rs, size_t i, struct diags *d)
{
	const struct rule *r = &rs->rules[i];

	switch (rules_pf_speed(rs, i)) {
	case RULES_SPEED_EVERY_MESSAGE:
		diags_add(
		    d, DIAG_WARNING, r->file, r->pat_line, 0,
		    "%s: an alternative has no word of 3 or more bytes "
		    "that all its matches contain: the rule runs over the "
		    "whole text of every message",
		    r->id);
		break;
	case RULES_SPEED_WHOLE_TEXT:
		diags_add(
		    d, DIAG_WARNING, r->file, r->pat_line, 0,
		    "%s: how far before its word a match starts has no "
		    "bound (.*, \\w+ across spaces, a back reference): "
		    "the rule runs over the whole text when its words occur",
		    r->id);
		break;
	default:
		break;
	}
}

static int
list_has(const struct sig_list *l, size_t sig)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->v[i] == sig)
			return 1;
	return 0;
}

static int
signal_used(const struct ruleset *rs, size_t sig)
{
	for (size_t i = 0; i < rs->flags_count; i++) {
		const struct flag_def *f = &rs->flags[i];

		if (list_has(&f->signals, sig) || list_has(&f->all, sig) ||
		    list_has(&f->any, sig) || list_has(&f->not_, sig) ||
		    (f->near && (f->near_a == sig || f->near_b == sig)))
			return 1;
	}
	return 0;
}

static void
lint_signals(const struct ruleset *rs, struct diags *d)
{
	for (size_t s = 0; s < rs->signals_count; s++) {
		int used = signal_used(rs, s);

		if (rs->signal_rules[s] > 0 && !used) {
			const struct rule *r = rs->rules;

			while (r->signal_index != s)
				r++;
			diags_add(d, DIAG_WARNING, r->file, r->line, 0,
			          "%s: signal "
			          "\"%s\" is used by no flag",
			          r->id, rs->signals[s]);
		}
		for (size_t i = 0;
		     i < rs->flags_count && rs->signal_rules[s] == 0; i++) {
			const struct flag_def *f = &rs->flags[i];

			if (list_has(&f->signals, s) || list_has(&f->all, s) ||
			    list_has(&f->any, s) || list_has(&f->not_, s) ||
			    (f->near && (f->near_a == s || f->near_b == s)))
				diags_add(
				    d, DIAG_WARNING, f->file, f->line, 0,
				    "flag \"%s\": signal \"%s\" has no enabled "
				    "rule",
				    f->name, rs->signals[s]);
		}
	}
}

size_t
rules_lint(const struct ruleset *rs, struct diags *d)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	struct probes p;
	size_t errors = 0;

	if (md == NULL || probes_make(&p) != 0) {
		diags_add(d, DIAG_ERROR, NULL, 0, 0,
		          "rules: out of memory for "
		          "lint");
		pcre2_match_data_free(md);
		if (md != NULL)
			probes_free(&p);
		return 1;
	}
	for (size_t i = 0; i < rs->rules_count; i++) {
		errors += lint_examples(rs, &rs->rules[i], md, d);
		lint_probes(rs, &rs->rules[i], md, &p, d);
		lint_speed(rs, i, d);
	}
	lint_signals(rs, d);
	probes_free(&p);
	pcre2_match_data_free(md);
	return errors;
}
