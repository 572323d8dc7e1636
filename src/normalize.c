/*
 * normalize.c - the text rules match on.
 *
 * Owns: the match text (struct text) built from the kept regions, the
 * normalization itself and the map from normalized bytes back to the
 * customer's wording.  Untrusted input: every byte of the kept regions
 * (decoded mail text; invalid UTF-8 is read as U+FFFD, one byte at a
 * time) and the strings handed to normalize_string().
 *
 * The work runs as a stream in two stages, so no step holds more than
 * one grapheme cluster besides the output, and it stops once max_len
 * bytes are written:
 *   1. characters: per grapheme cluster of the input, special characters
 *      are unified first (typographic quotes and apostrophes, dashes,
 *      spaces, line separators; format and control characters dropped),
 *      every other code point is decomposed with compatibility mappings
 *      and case folding (utf8proc), the cluster is put in canonical order
 *      and composed again: NFKC + case fold.  Each output code point
 *      keeps the orig offset of the input character it came from; when
 *      composition merged characters, the whole cluster maps to its first
 *      character.
 *   2. white space: runs of horizontal space become one ' ', spaces at
 *      the end and start of a line go, "\r\n" and "\r" become "\n", two or
 *      more line breaks (with only spaces between) become "\n\n", and the
 *      text neither starts nor ends with white space.
 * The map is therefore non-decreasing.
 */
#include "triage/normalize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* Decomposed code points held for one grapheme cluster.  A longer
 * cluster (hundreds of stacked combining marks: only an attacker writes
 * that) is cut into pieces of this size, which bounds the canonical
 * reordering (quadratic in the piece) and changes nothing for real text. */
#define NORM_CLUSTER_MAX 64

/* The most code points one character decomposes into (U+FDFA gives 18). */
#define NORM_DECOMP_MAX 32

/* Marks a code point that is dropped. */
#define NORM_DROP (-1)

#define NORM_OPTS                                                 \
	(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | \
	 UTF8PROC_IGNORE)

struct norm_out {
	char *s;
	size_t *map; /* NULL when no map is wanted */
	size_t len;
	size_t cap;
	size_t max; /* len never exceeds this */
	int full;   /* something did not fit: stop */
	int nomem;
};

struct norm_ws {
	int space; /* a run of horizontal space is pending */
	size_t space_off;
	unsigned nl; /* pending line breaks (0, 1, 2) */
	size_t nl_off;
	int after_cr; /* last code point was '\r' */
};

struct norm_state {
	struct norm_out out;
	struct norm_ws ws;
	utf8proc_int32_t cl[NORM_CLUSTER_MAX + NORM_DECOMP_MAX];
	size_t cl_off[NORM_CLUSTER_MAX + NORM_DECOMP_MAX];
	size_t cl_len;
};

/* --- output ------------------------------------------------------------- */

/* Makes room for n more bytes (and the NUL, and the map's last entry). */
static int
norm_reserve(struct norm_out *o, size_t n)
{
	size_t need, ncap;
	char *ns;
	size_t *nm;

	if (n > o->max || o->len > o->max - n) {
		o->full = 1;
		return -1;
	}
	need = o->len + n + 1;
	if (need <= o->cap)
		return 0;
	ncap = o->cap ? o->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 4 ? need : ncap * 2;
	if (o->map != NULL && ncap > SIZE_MAX / sizeof(size_t))
		goto nomem;
	ns = realloc(o->s, ncap);
	if (ns == NULL)
		goto nomem;
	o->s = ns;
	if (o->map != NULL) {
		nm = realloc(o->map, ncap * sizeof(size_t));
		if (nm == NULL)
			goto nomem;
		o->map = nm;
	}
	o->cap = ncap;
	return 0;
nomem:
	o->nomem = 1;
	o->full = 1;
	return -1;
}

static void
norm_put(struct norm_out *o, const void *bytes, size_t n, size_t off)
{
	size_t i;

	memcpy(o->s + o->len, bytes, n);
	if (o->map != NULL)
		for (i = 0; i < n; i++)
			o->map[o->len + i] = off;
	o->len += n;
}

/* --- stage 2: white space ----------------------------------------------- */

static void
norm_ws_newline(struct norm_ws *w, size_t off)
{
	w->space = 0;
	if (w->nl == 0)
		w->nl_off = off;
	if (w->nl < 2)
		w->nl++;
}

/* Emits the pending separator and then code point cp, or nothing when
 * both do not fit. */
static void
norm_ws_visible(struct norm_state *st, utf8proc_int32_t cp, size_t off)
{
	struct norm_out *o = &st->out;
	struct norm_ws *w = &st->ws;
	utf8proc_uint8_t enc[4];
	size_t pre = 0, n;

	n = (size_t)utf8proc_encode_char(cp, enc);
	if (o->len > 0)
		pre = w->nl > 0 ? w->nl : (w->space ? 1 : 0);
	if (norm_reserve(o, pre + n) < 0)
		return;
	if (pre > 0 && w->nl > 0)
		norm_put(o, "\n\n", pre, w->nl_off);
	else if (pre > 0)
		norm_put(o, " ", 1, w->space_off);
	norm_put(o, enc, n, off);
	w->nl = 0;
	w->space = 0;
}

static void
norm_ws_feed(struct norm_state *st, utf8proc_int32_t cp, size_t off)
{
	struct norm_ws *w = &st->ws;

	if (st->out.full)
		return;
	if (cp == '\n' && w->after_cr) {
		w->after_cr = 0;
		return;
	}
	w->after_cr = cp == '\r';
	if (cp == '\r' || cp == '\n') {
		norm_ws_newline(w, off);
	} else if (cp == ' ') {
		if (!w->space && w->nl == 0) {
			w->space = 1;
			w->space_off = off;
		}
	} else {
		norm_ws_visible(st, cp, off);
	}
}

/* --- stage 1: characters ------------------------------------------------ */

/* Unifies the characters rules should not tell apart; returns the code
 * point to use, NORM_DROP, or cp itself. */
static utf8proc_int32_t
norm_special(utf8proc_int32_t cp)
{
	switch (cp) {
	case '\t':
	case '\v':
	case '\f':
		return ' ';
	case '\n':
	case '\r':
		return cp;
	case 0x85:
	case 0x2028:
	case 0x2029:
		return '\n';
	case 0x2019:
	case 0x2018:
	case 0x201B:
	case 0x02BC:
	case 0x00B4:
	case 0x0060:
	case 0x2032:
	case 0xFF07:
		return '\'';
	case 0x201C:
	case 0x201D:
	case 0x201E:
	case 0x201F:
	case 0x00AB:
	case 0x00BB:
	case 0x2033:
	case 0xFF02:
		return '"';
	case 0x2010:
	case 0x2011:
	case 0x2012:
	case 0x2013:
	case 0x2014:
	case 0x2015:
	case 0x2212:
	case 0xFE58:
	case 0xFE63:
	case 0xFF0D:
		return '-';
	default:
		break;
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_CC:
	case UTF8PROC_CATEGORY_CF:
		return NORM_DROP;
	case UTF8PROC_CATEGORY_ZS:
		return ' ';
	default:
		return cp;
	}
}

static int
norm_ccc(utf8proc_int32_t cp)
{
	return utf8proc_get_property(cp)->combining_class;
}

/* Canonical order of the cluster (stable by combining class among
 * non-starters); returns 1 when anything moved. */
static int
norm_reorder(utf8proc_int32_t *cp, size_t *off, size_t n)
{
	size_t i, j;
	int moved = 0;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0; j--) {
			int a = norm_ccc(cp[j - 1]), b = norm_ccc(cp[j]);
			utf8proc_int32_t tc;
			size_t to;

			if (a == 0 || b == 0 || a <= b)
				break;
			tc = cp[j - 1];
			cp[j - 1] = cp[j];
			cp[j] = tc;
			to = off[j - 1];
			off[j - 1] = off[j];
			off[j] = to;
			moved = 1;
		}
	}
	return moved;
}

/* Composes the held cluster and passes it on to stage 2. */
static void
norm_flush(struct norm_state *st)
{
	size_t n = st->cl_len, i;
	utf8proc_ssize_t m;
	int moved;

	st->cl_len = 0;
	if (n == 0)
		return;
	moved = norm_reorder(st->cl, st->cl_off, n);
	m = utf8proc_normalize_utf32(st->cl, (utf8proc_ssize_t)n,
	                             UTF8PROC_COMPOSE);
	if (m < 0)
		m = 0;
	for (i = 0; i < (size_t)m; i++)
		norm_ws_feed(st, st->cl[i],
		             (moved || (size_t)m != n) ? st->cl_off[0]
		                                       : st->cl_off[i]);
}

static void
norm_hold(struct norm_state *st, utf8proc_int32_t cp, size_t off)
{
	if (st->cl_len >= NORM_CLUSTER_MAX + NORM_DECOMP_MAX)
		norm_flush(st);
	st->cl[st->cl_len] = cp;
	st->cl_off[st->cl_len] = off;
	st->cl_len++;
}

/* One input code point at orig offset off, into the held cluster. */
static void
norm_char(struct norm_state *st, utf8proc_int32_t cp, size_t off)
{
	utf8proc_int32_t d[NORM_DECOMP_MAX], m;
	utf8proc_ssize_t n, i;
	int boundclass = 0;

	m = norm_special(cp);
	if (m == NORM_DROP)
		return;
	if (st->cl_len >= NORM_CLUSTER_MAX)
		norm_flush(st);
	if (m != cp || m < 0x80) {
		norm_hold(st, m < 0x80 && m >= 'A' && m <= 'Z' ? m + 32 : m,
		          off);
		return;
	}
	n = utf8proc_decompose_char(cp, d, NORM_DECOMP_MAX, NORM_OPTS,
	                            &boundclass);
	if (n < 0 || n > NORM_DECOMP_MAX) {
		norm_hold(st, 0xFFFD, off);
		return;
	}
	for (i = 0; i < n; i++) {
		m = norm_special(d[i]);
		if (m != NORM_DROP)
			norm_hold(st, m, off);
	}
}

/* Normalizes s[0..len) into st->out; offsets count from base. */
static void
norm_run(struct norm_state *st, const char *s, size_t len)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp, prev = -1, gb = 0;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len && !st->out.full) {
		n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			cp = 0xFFFD;
			n = 1;
		}
		if (prev >= 0 &&
		    utf8proc_grapheme_break_stateful(prev, cp, &gb))
			norm_flush(st);
		prev = cp;
		norm_char(st, cp, i);
		i += (size_t)n;
	}
	norm_flush(st);
}

/* Sets up st writing at most max bytes; want_map adds the offset map.
 * Returns -1 on out of memory. */
static int
norm_begin(struct norm_state *st, size_t max, int want_map)
{
	memset(&st->out, 0, sizeof(st->out));
	memset(&st->ws, 0, sizeof(st->ws));
	st->cl_len = 0;
	st->out.max = max;
	st->out.cap = 64;
	st->out.s = malloc(st->out.cap);
	if (want_map)
		st->out.map = malloc(st->out.cap * sizeof(size_t));
	if (st->out.s == NULL || (want_map && st->out.map == NULL)) {
		free(st->out.s);
		free(st->out.map);
		return -1;
	}
	return 0;
}

char *
normalize_string(const char *s, size_t len, size_t *outlen)
{
	struct norm_state *st;
	char *r;

	st = malloc(sizeof(*st));
	if (st == NULL)
		return NULL;
	if (norm_begin(st, SIZE_MAX / 8, 0) < 0) {
		free(st);
		return NULL;
	}
	norm_run(st, s != NULL ? s : "", s != NULL ? len : 0);
	r = st->out.s;
	if (st->out.nomem) {
		free(r);
		r = NULL;
	} else {
		r[st->out.len] = '\0';
		if (outlen != NULL)
			*outlen = st->out.len;
	}
	free(st);
	return r;
}

/* The kept regions joined by "\n\n" (empty ones left out). */
static char *
norm_join(const struct regions *r, size_t *len)
{
	size_t i, total = 0;
	char *s, *p;

	for (i = 0; i < r->count; i++) {
		if (!r->v[i].kept || r->v[i].len == 0)
			continue;
		if (r->v[i].len > SIZE_MAX / 2 - total - 2)
			return NULL;
		total += r->v[i].len + 2;
	}
	s = malloc(total + 1);
	if (s == NULL)
		return NULL;
	for (p = s, i = 0; i < r->count; i++) {
		if (!r->v[i].kept || r->v[i].len == 0)
			continue;
		if (p != s) {
			memcpy(p, "\n\n", 2);
			p += 2;
		}
		memcpy(p, r->v[i].text, r->v[i].len);
		p += r->v[i].len;
	}
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

struct text *
normalize_text(const struct regions *r, size_t max_len, struct triage_err *err)
{
	struct norm_state *st = NULL;
	struct text *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->orig = norm_join(r, &t->orig_len);
	st = malloc(sizeof(*st));
	if (t->orig == NULL || st == NULL || norm_begin(st, max_len, 1) < 0)
		goto nomem;
	norm_run(st, t->orig, t->orig_len);
	t->norm = st->out.s;
	t->map = st->out.map;
	t->norm_len = st->out.len;
	t->truncated = st->out.full && !st->out.nomem;
	if (st->out.nomem)
		goto nomem;
	t->norm[t->norm_len] = '\0';
	t->map[t->norm_len] = t->orig_len;
	free(st);
	return t;
nomem:
	free(st);
	text_free(t);
	triage_err_set(err, "normalize: out of memory");
	return NULL;
}

/* The end of the grapheme cluster of orig that starts at off. */
static size_t
norm_cluster_end(const struct text *t, size_t off)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)t->orig;
	utf8proc_int32_t cp, prev = -1, gb = 0;
	utf8proc_ssize_t n;

	while (off < t->orig_len) {
		n = utf8proc_iterate(
		    u + off, (utf8proc_ssize_t)(t->orig_len - off), &cp);
		if (n <= 0) {
			cp = 0xFFFD;
			n = 1;
		}
		if (prev >= 0 &&
		    utf8proc_grapheme_break_stateful(prev, cp, &gb))
			break;
		prev = cp;
		off += (size_t)n;
	}
	return off;
}

const char *
text_original(const struct text *t, size_t start, size_t end, size_t *len)
{
	size_t ostart, oend;

	if (end > t->norm_len)
		end = t->norm_len;
	if (start >= end) {
		*len = 0;
		return t->orig +
		       t->map[start < t->norm_len ? start : t->norm_len];
	}
	ostart = t->map[start];
	oend = norm_cluster_end(t, t->map[end - 1]);
	*len = oend - ostart;
	return t->orig + ostart;
}

void
text_free(struct text *t)
{
	if (t == NULL)
		return;
	free(t->orig);
	free(t->norm);
	free(t->map);
	free(t);
}
