/*
 * rules_hs.c - the Hyperscan prefilter of the rule set.
 *
 * Owns: one block-mode Hyperscan database over every rule pattern
 * Hyperscan accepts in prefilter mode (a superset matcher: it may report
 * a rule that PCRE2 then rejects, never miss one), its per-thread
 * scratch (cloned from a prototype) and the on-disk cache of the
 * compiled database in cache_dir/<hash>.hsdb, written atomically
 * (temporary file + rename).  Rules Hyperscan rejects run with PCRE2 on
 * every message.
 *
 * Untrusted input: the text scanned (mail; scanned only when it is valid
 * UTF-8, as HS_FLAG_UTF8 requires, else every rule is a candidate) and
 * the cache file (bounded, checked by key and checksum before Hyperscan
 * deserializes it).
 */
#include "rules_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hs.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "triage/log.h"

#define HS_RULE_FLAGS                                                       \
	(HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SINGLEMATCH | \
	 HS_FLAG_PREFILTER)

/* Cache file: magic, key, rule count, one byte per rule (in the
 * database or not), payload checksum and length, payload. */
static const char cache_magic[8] = {'T', 'R', 'H', 'S', 'D', 'B', '0', '1'};

struct rules_pf {
	hs_database_t *db;
	hs_scratch_t *proto;
};

/* The cache key: every pattern, id and flag set in order, and the
 * Hyperscan version. */
static uint64_t
pf_key(const struct ruleset *rs)
{
	uint64_t h = RULES_FNV_SEED;
	const char *v = hs_version();
	uint32_t flags = HS_RULE_FLAGS;

	/* the widening below is part of what the database holds */
	h = rules_fnv1a(h, "widen-1", 8);
	h = rules_fnv1a(h, v, strlen(v) + 1);
	h = rules_fnv1a(h, &flags, sizeof(flags));
	for (size_t i = 0; i < rs->rules_count; i++) {
		const struct rule *r = &rs->rules[i];

		h = rules_fnv1a(h, r->id, strlen(r->id) + 1);
		h = rules_fnv1a(h, r->pattern, r->pattern_len + 1);
	}
	return h;
}

static void
cache_path(struct buf *b, const char *dir, uint64_t key)
{
	buf_init(b, 4096);
	buf_printf(b, "%s/%016llx.hsdb", dir, (unsigned long long)key);
}

/* Reads a cached database for key; 0 with pf->db set and every rule's
 * in_prefilter restored, -1 when there is none or it is unusable. */
static int
cache_read(struct ruleset *rs, struct rules_pf *pf, const char *dir,
           uint64_t key)
{
	size_t n = rs->rules_count, hdr = 8 + 8 + 8 + n + 8 + 8, len = 0;
	uint64_t k, count, sum, plen;
	char *data = NULL;
	struct buf path;
	int rc = -1;

	cache_path(&path, dir, key);
	if (path.data == NULL ||
	    file_read_all(path.data, TRIAGE_MAX_HS_CACHE_LEN, &data, &len) != 0)
		goto out;
	if (len < hdr || memcmp(data, cache_magic, 8) != 0)
		goto bad;
	memcpy(&k, data + 8, 8);
	memcpy(&count, data + 16, 8);
	memcpy(&sum, data + 24 + n, 8);
	memcpy(&plen, data + 32 + n, 8);
	if (k != key || count != n || plen != len - hdr ||
	    sum != rules_fnv1a(RULES_FNV_SEED, data + hdr, len - hdr))
		goto bad;
	if (hs_deserialize_database(data + hdr, len - hdr, &pf->db) !=
	    HS_SUCCESS)
		goto bad;
	for (size_t i = 0; i < n; i++)
		rs->rules[i].in_prefilter = data[24 + i] == 1;
	rc = 0;
	goto out;
bad:
	log_warn("rules: ignoring damaged Hyperscan cache %s; recompiling",
	         path.data);
out:
	free(data);
	buf_free(&path);
	return rc;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t w = write(fd, c, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes the cache file as a temporary file renamed into place, so a
 * reader never sees half a file.  Returns 0 or -1 with errno. */
static int
cache_write_file(const struct ruleset *rs, const char *path,
                 const char *bytes, size_t len)
{
	uint64_t count = rs->rules_count, plen = len, sum;
	struct buf tmp;
	int fd, rc = -1;

	buf_init(&tmp, 4200);
	if (buf_printf(&tmp, "%s.XXXXXX", path) != BUF_OK) {
		errno = ENAMETOOLONG;
		buf_free(&tmp);
		return -1;
	}
	if ((fd = mkstemp(tmp.data)) < 0) {
		buf_free(&tmp);
		return -1;
	}
	sum = rules_fnv1a(RULES_FNV_SEED, bytes, len);
	if (write_all(fd, cache_magic, 8) == 0 &&
	    write_all(fd, &(uint64_t){pf_key(rs)}, 8) == 0 &&
	    write_all(fd, &count, 8) == 0) {
		rc = 0;
		for (size_t i = 0; i < rs->rules_count && rc == 0; i++) {
			char b = rs->rules[i].in_prefilter ? 1 : 0;

			rc = write_all(fd, &b, 1);
		}
		if (rc == 0 && (write_all(fd, &sum, 8) != 0 ||
		                write_all(fd, &plen, 8) != 0 ||
		                write_all(fd, bytes, len) != 0))
			rc = -1;
	}
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp.data, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp.data);
	buf_free(&tmp);
	return rc;
}

static void
cache_write(const struct ruleset *rs, const struct rules_pf *pf,
            const char *dir, uint64_t key)
{
	char *bytes = NULL;
	size_t len = 0;
	struct buf path;

	if (hs_serialize_database(pf->db, &bytes, &len) != HS_SUCCESS) {
		log_warn("rules: cannot serialize the Hyperscan database; not "
		         "cached");
		return;
	}
	cache_path(&path, dir, key);
	if (path.data == NULL || cache_write_file(rs, path.data, bytes, len)) {
		log_warn("rules: cannot write Hyperscan cache in %s: %s; "
		         "compiling at every load", dir, strerror(errno));
	}
	buf_free(&path);
	free(bytes);
}

/* ---------- widening ----------
 *
 * Hyperscan compiles Unicode classes (\w, \S, [^.!?] under UCP) inside
 * bounded repeats into very large automata: a few dozen real rules took
 * minutes.  The prefilter only has to accept a superset of what PCRE2
 * matches, so each pattern is first widened to its literal skeleton:
 * every class or class escape becomes "any character", assertions,
 * anchors and lookarounds are dropped, bounded repeats become * or +,
 * lazy / possessive / atomic markers go, back references become "any
 * text".  Each step only widens the language, so a rule whose widened
 * pattern does not match cannot match in PCRE2 either.  Anything this
 * code does not understand leaves the rule to PCRE2 alone. */

#define WIDE_ANY "(?s:.)"
#define WIDE_MAX_DEPTH 64

struct widen {
	const char *p, *e;
	struct buf *out;
	int bad;
	unsigned depth;
};

static void
w_emit(struct widen *w, int emit, const char *s, size_t n)
{
	if (emit && buf_append(w->out, s, n) != BUF_OK)
		w->bad = 1;
}

/* Length of a quantifier at p (0: none, '{' then is a literal); *min0
 * says whether it allows zero repetitions, *opt whether it is "?". */
static size_t
w_quant(const char *p, const char *e, int *min0, int *opt)
{
	size_t n = 0;

	*opt = 0;
	if (p >= e)
		return 0;
	if (*p == '*' || *p == '+' || *p == '?') {
		*min0 = *p != '+';
		*opt = *p == '?';
		n = 1;
	} else if (*p == '{') {
		const char *q = p + 1, *d;
		unsigned long lo = 0;

		for (d = q; q < e && *q >= '0' && *q <= '9'; q++)
			lo = lo * 10 + (unsigned long)(*q - '0');
		if (q == d || q >= e)
			return 0;
		if (*q == ',')
			for (q++; q < e && *q >= '0' && *q <= '9'; q++)
				;
		if (q >= e || *q != '}')
			return 0;
		*min0 = lo == 0;
		n = (size_t)(q - p) + 1;
	} else {
		return 0;
	}
	if (p + n < e && (p[n] == '?' || p[n] == '+'))
		n++;
	return n;
}

/* Skips from just after an opening delimiter to just past close. */
static void
w_skip_to(struct widen *w, char close)
{
	while (w->p < w->e && *w->p != close)
		w->p++;
	if (w->p >= w->e)
		w->bad = 1;
	else
		w->p++;
}

static void w_seq(struct widen *w, int emit);

/* A group at '('; returns 1 when it stays (quantifiable), 0 when it is
 * removed (lookaround, option setting, comment). */
static int
w_group(struct widen *w, int emit)
{
	int keep = 1;
	const char *p = ++w->p;

	if (p < w->e && *p == '*') {
		w->bad = 1; /* verbs and (*pla:...) */
		return 0;
	}
	if (p < w->e && *p == '?') {
		p = ++w->p;
		if (p >= w->e) {
			w->bad = 1;
			return 0;
		}
		if (*p == ':' || *p == '>' || *p == '|') {
			w->p++;
		} else if (*p == '=' || *p == '!') {
			w->p++;
			keep = 0;
		} else if (*p == '<' && p + 1 < w->e && (p[1] == '=' || p[1] == '!')) {
			w->p += 2;
			keep = 0;
		} else if (*p == '<' || (*p == 'P' && p + 1 < w->e && p[1] == '<')) {
			w->p += *p == 'P' ? 2 : 1;
			w_skip_to(w, '>');
		} else if (*p == '\'') {
			w->p++;
			w_skip_to(w, '\'');
		} else if (*p == '#') {
			w_skip_to(w, ')');
			return 0;
		} else {
			while (w->p < w->e && strchr("imnsUJ-^", *w->p) != NULL &&
			       *w->p != '\0')
				w->p++;
			if (w->p < w->e && *w->p == ')') {
				w->p++;
				return 0;
			}
			if (w->p >= w->e || *w->p != ':') {
				w->bad = 1;
				return 0;
			}
			w->p++;
		}
	}
	if (w->bad || ++w->depth > WIDE_MAX_DEPTH) {
		w->bad = 1;
		return 0;
	}
	w_emit(w, emit && keep, "(?:", 3);
	w_seq(w, emit && keep);
	w->depth--;
	if (w->p >= w->e || *w->p != ')') {
		w->bad = 1;
		return 0;
	}
	w->p++;
	w_emit(w, emit && keep, ")", 1);
	return keep;
}

/* A bracket class at '[': skipped whole, it matches one character. */
static void
w_class(struct widen *w, int emit)
{
	w->p++;
	if (w->p < w->e && *w->p == '^')
		w->p++;
	if (w->p < w->e && *w->p == ']')
		w->p++;
	while (w->p < w->e && *w->p != ']') {
		if (*w->p == '\\') {
			if (w->p + 1 < w->e && w->p[1] == 'Q')
				w->bad = 1;
			w->p += 2;
		} else if (*w->p == '[' && w->p + 1 < w->e && w->p[1] == ':') {
			w->p += 2;
			while (w->p + 1 < w->e && !(w->p[0] == ':' && w->p[1] == ']'))
				w->p++;
			w->p += 2;
		} else {
			w->p++;
		}
	}
	if (w->p >= w->e)
		w->bad = 1;
	else
		w->p++;
	w_emit(w, emit, WIDE_ANY, strlen(WIDE_ANY));
}

/* Copies \xHH, \x{...} or \0oo as written (Hyperscan reads them). */
static void
w_copy_code(struct widen *w, int emit)
{
	const char *s = w->p;

	w->p += 2;
	if (s[1] == 'x' && w->p < w->e && *w->p == '{') {
		w_skip_to(w, '}');
	} else {
		const char *digits = s[1] == 'x' ? "0123456789abcdefABCDEF"
		                                 : "01234567";

		for (int k = 0; k < 2 && w->p < w->e && *w->p != '\0' &&
		                strchr(digits, *w->p) != NULL; k++)
			w->p++;
	}
	w_emit(w, emit, s, (size_t)(w->p - s));
}

/* A back reference at \g or \k: any text. */
static void
w_backref(struct widen *w, int emit)
{
	char open = w->p + 2 < w->e ? w->p[2] : '\0';

	w->p += 2;
	if (open == '{' || open == '<' || open == '\'') {
		if (w->p[-1] == 'g' && open != '{') {
			w->bad = 1; /* \g<name> is a subroutine call */
			return;
		}
		w->p++;
		w_skip_to(w, open == '{' ? '}' : open == '<' ? '>' : '\'');
	} else {
		while (w->p < w->e && (*w->p == '-' || (*w->p >= '0' && *w->p <= '9')))
			w->p++;
	}
	w_emit(w, emit, "(?:" WIDE_ANY "*)", 3 + strlen(WIDE_ANY) + 2);
}

static int
w_escape(struct widen *w, int emit)
{
	char c = w->p + 1 < w->e ? w->p[1] : '\0';

	if (c == '\0') {
		w->bad = 1;
		return 0;
	}
	if (strchr("bBAzZGK", c) != NULL) {
		w->p += 2;
		return 0;
	}
	if (strchr("dDwWsShHvV", c) != NULL ||
	    (c == 'N' && !(w->p + 2 < w->e && w->p[2] == '{'))) {
		w->p += 2;
		w_emit(w, emit, WIDE_ANY, strlen(WIDE_ANY));
	} else if (c == 'R' || c == 'X') {
		w->p += 2;
		w_emit(w, emit, "(?:" WIDE_ANY "+)", 3 + strlen(WIDE_ANY) + 2);
	} else if (c == 'p' || c == 'P') {
		w->p += 2;
		if (w->p < w->e && *w->p == '{')
			w_skip_to(w, '}');
		else
			w->p++;
		w_emit(w, emit, WIDE_ANY, strlen(WIDE_ANY));
	} else if (c == 'x' || c == '0') {
		w_copy_code(w, emit);
	} else if (strchr("ntrfea", c) != NULL) {
		w_emit(w, emit, w->p, 2);
		w->p += 2;
	} else if (c >= '1' && c <= '9') {
		w->p++; /* \1: a back reference */
		while (w->p < w->e && *w->p >= '0' && *w->p <= '9')
			w->p++;
		w_emit(w, emit, "(?:" WIDE_ANY "*)", 3 + strlen(WIDE_ANY) + 2);
	} else if (c == 'g' || c == 'k') {
		w_backref(w, emit);
	} else if ((unsigned char)c < 0x80 && !((c >= 'a' && c <= 'z') ||
	                                        (c >= 'A' && c <= 'Z'))) {
		w_emit(w, emit, w->p, 2); /* an escaped punctuation mark */
		w->p += 2;
	} else if ((unsigned char)c >= 0x80) {
		w->p++; /* "\é" is "é" */
		return -1;
	} else {
		w->bad = 1; /* \Q, \E, \c, \o, \u ... */
		return 0;
	}
	return 1;
}

/* One literal character (a whole UTF-8 sequence), escaped when it is a
 * metacharacter that PCRE2 took literally here. */
static void
w_literal(struct widen *w, int emit)
{
	size_t n = 1;

	if (*w->p == '{' || *w->p == '}' || *w->p == ']') {
		w_emit(w, emit, "\\", 1);
	} else {
		while (w->p + n < w->e && ((unsigned char)w->p[n] & 0xc0) == 0x80)
			n++;
	}
	w_emit(w, emit, w->p, n);
	w->p += n;
}

static int
w_atom(struct widen *w, int emit)
{
	int min0, opt;

	switch (*w->p) {
	case '(':
		return w_group(w, emit);
	case '[':
		w_class(w, emit);
		return 1;
	case '\\': {
		int r = w_escape(w, emit);

		if (r >= 0)
			return r;
		w_literal(w, emit);
		return 1;
	}
	case '.':
		w->p++;
		w_emit(w, emit, WIDE_ANY, strlen(WIDE_ANY));
		return 1;
	case '^':
	case '$':
		w->p++;
		return 0;
	case '*':
	case '+':
	case '?':
		w->bad = 1;
		return 0;
	case '{':
		if (w_quant(w->p, w->e, &min0, &opt) > 0) {
			w->bad = 1;
			return 0;
		}
		w_literal(w, emit); /* a literal brace */
		return 1;
	default:
		w_literal(w, emit);
		return 1;
	}
}

static void
w_seq(struct widen *w, int emit)
{
	while (!w->bad && w->p < w->e && *w->p != ')') {
		int min0 = 0, opt = 0, atom;
		size_t q;

		if (*w->p == '|') {
			w->p++;
			w_emit(w, emit, "|", 1);
			continue;
		}
		atom = w_atom(w, emit);
		if (w->bad || (q = w_quant(w->p, w->e, &min0, &opt)) == 0)
			continue;
		if (!atom) {
			w->bad = 1;
			return;
		}
		w->p += q;
		w_emit(w, emit, opt ? "?" : min0 ? "*" : "+", 1);
	}
}

/* The widened form of pattern, malloc'd; NULL when it cannot be widened
 * (the rule then runs with PCRE2 on every message). */
static char *
widen_pattern(const char *pattern, size_t len)
{
	struct widen w = {pattern, pattern + len, NULL, 0, 0};
	struct buf out;

	buf_init(&out, 8u * TRIAGE_MAX_PATTERN_LEN);
	w.out = &out;
	w_seq(&w, 1);
	if (w.p != w.e)
		w.bad = 1; /* an unbalanced ')' */
	if (w.bad || out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* Compiles every rule not yet excluded; a pattern Hyperscan rejects is
 * excluded (left to PCRE2) and the rest compiled again.  Returns 0 with
 * pf->db set, or -1 when nothing could be compiled. */
static int
pf_compile(struct ruleset *rs, struct rules_pf *pf, char *const *wide)
{
	size_t n = rs->rules_count;
	const char **expr = calloc(n, sizeof(*expr));
	unsigned *flags = calloc(n, sizeof(*flags)), *ids = calloc(n,
	                                                           sizeof(*ids));
	int rc = -1;

	while (expr != NULL && flags != NULL && ids != NULL) {
		hs_compile_error_t *ce = NULL;
		unsigned k = 0;

		for (size_t i = 0; i < n; i++) {
			if (!rs->rules[i].in_prefilter)
				continue;
			expr[k] = wide[i];
			flags[k] = HS_RULE_FLAGS;
			ids[k++] = (unsigned)i;
		}
		if (k == 0)
			break;
		if (hs_compile_multi(expr, flags, ids, k, HS_MODE_BLOCK, NULL,
		                     &pf->db, &ce) == HS_SUCCESS) {
			rc = 0;
			break;
		}
		if (ce == NULL || ce->expression < 0 ||
		    (unsigned)ce->expression >= k) {
			log_warn("rules: Hyperscan cannot compile the rule set: %s; "
			         "using PCRE2 only", ce ? ce->message : "unknown");
			hs_free_compile_error(ce);
			break;
		}
		log_debug("rules: rule %s runs without the Hyperscan prefilter: "
		          "%s", rs->rules[ids[ce->expression]].id, ce->message);
		rs->rules[ids[ce->expression]].in_prefilter = 0;
		hs_free_compile_error(ce);
	}
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

/* Marks the rules whose pattern Hyperscan can take (checked one by one,
 * which is much cheaper than failing a whole compile per rejection). */
static void
pf_mark(struct ruleset *rs, char *const *wide)
{
	for (size_t i = 0; i < rs->rules_count; i++) {
		struct rule *r = &rs->rules[i];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;

		r->in_prefilter = wide[i] != NULL &&
		                  hs_expression_info(wide[i], HS_RULE_FLAGS, &info,
		                                     &ce) == HS_SUCCESS;
		/* A pattern that can match the empty string matches
		 * everywhere; Hyperscan refuses it and PCRE2 runs it. */
		if (info != NULL && info->min_width == 0)
			r->in_prefilter = 0;
		free(info);
		hs_free_compile_error(ce);
	}
}

static void
pf_clear(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->rules_count; i++)
		rs->rules[i].in_prefilter = 0;
}

/* Widens every pattern, then compiles what Hyperscan accepts. */
static int
pf_compile_all(struct ruleset *rs, struct rules_pf *pf)
{
	char **wide = calloc(rs->rules_count, sizeof(*wide));
	int rc;

	if (wide == NULL)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++)
		wide[i] = widen_pattern(rs->rules[i].pattern,
		                        rs->rules[i].pattern_len);
	pf_mark(rs, wide);
	rc = pf_compile(rs, pf, wide);
	for (size_t i = 0; i < rs->rules_count; i++)
		free(wide[i]);
	free(wide);
	return rc;
}

int
rules_pf_build(struct ruleset *rs, const struct rules_options *opt,
               struct diags *d)
{
	struct rules_pf *pf = calloc(1, sizeof(*pf));
	int cache = opt->cache_dir != NULL && opt->cache_dir[0] != '\0';
	uint64_t key = pf_key(rs);

	if (pf == NULL) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0, "out of memory for the "
		          "Hyperscan prefilter");
		return -1;
	}
	rs->pf_cached = cache && cache_read(rs, pf, opt->cache_dir, key) == 0;
	if (!rs->pf_cached) {
		if (pf_compile_all(rs, pf) != 0) {
			/* Not an error: PCRE2 alone gives the same results. */
			pf_clear(rs);
			rules_pf_free(pf);
			return 0;
		}
		if (cache)
			cache_write(rs, pf, opt->cache_dir, key);
	}
	if (hs_alloc_scratch(pf->db, &pf->proto) != HS_SUCCESS) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0, "out of memory for "
		          "Hyperscan scratch space");
		pf_clear(rs);
		rules_pf_free(pf);
		return -1;
	}
	rs->pf = pf;
	return 0;
}

void
rules_pf_free(struct rules_pf *pf)
{
	if (pf == NULL)
		return;
	hs_free_scratch(pf->proto);
	hs_free_database(pf->db);
	free(pf);
}

int
rules_pf_scratch_new(const struct ruleset *rs, struct rules_scratch *s)
{
	hs_scratch_t *hs = NULL;

	if (hs_clone_scratch(rs->pf->proto, &hs) != HS_SUCCESS)
		return -1;
	s->pf = hs;
	return 0;
}

void
rules_pf_scratch_free(struct rules_scratch *s)
{
	if (s->pf != NULL)
		hs_free_scratch(s->pf);
	s->pf = NULL;
}

/* 1 when p[0..len) is well-formed UTF-8 (no overlong forms, surrogates
 * or code points past U+10FFFF), as HS_FLAG_UTF8 requires. */
static int
utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i], n, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
         unsigned flags, void *ctx)
{
	unsigned char *cand = ctx;

	(void)from;
	(void)to;
	(void)flags;
	cand[id] = 1;
	return 0;
}

int
rules_pf_scan(const struct ruleset *rs, struct rules_scratch *s,
              const char *text, size_t len, struct triage_err *err)
{
	hs_error_t e;

	if (len > UINT_MAX || !utf8_valid((const unsigned char *)text, len)) {
		memset(s->cand, 1, rs->rules_count);
		return 0;
	}
	memset(s->cand, 0, rs->rules_count);
	e = hs_scan(rs->pf->db, text, (unsigned)len, 0, s->pf, on_match,
	            s->cand);
	if (e != HS_SUCCESS) {
		triage_err_set(err, "rules: Hyperscan scan failed (error %d)",
		               (int)e);
		return -1;
	}
	return 0;
}

long
rules_pf_bare_scan(const struct ruleset *rs, struct rules_scratch *s,
                   const char *text, size_t len)
{
	long n = 0;

	if (rs->pf == NULL || len > UINT_MAX)
		return -1;
	memset(s->cand, 0, rs->rules_count);
	if (hs_scan(rs->pf->db, text, (unsigned)len, 0, s->pf, on_match,
	            s->cand) != HS_SUCCESS)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++)
		n += s->cand[i];
	return n;
}
