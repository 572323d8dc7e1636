/*
 * rules_lits.c - what the Hyperscan prefilter looks for in a rule set.
 *
 * Owns: the reduction of every pattern to units (its top-level
 * alternatives, each split again at its biggest group of alternatives)
 * and of each unit to the literal sets every match of it must contain,
 * normalized as the text is; the anchor set of each unit (the places
 * where it occurs are recorded at scan time) and the span before it
 * (rules_span.c); the distinct literals (words) with their users.
 * rules_hs.c compiles the words into a Hyperscan database and scans.
 * Nothing here depends on Hyperscan.
 *
 * Untrusted input: pattern files (bounded length and nesting; anything
 * not followed gives no literal, and the rule runs over the whole text).
 */
#include "rules_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "triage/normalize.h"

/* ---------- required literals ----------
 *
 * Hyperscan compiles Unicode classes (\w, \S, [^.!?] under UCP) inside
 * bounded repeats into very large automata: a few dozen real rules took
 * minutes to compile and milliseconds per message to scan.  The
 * prefilter only has to let through every text PCRE2 could match, so
 * each pattern is reduced to a set of literals of which every match
 * must contain at least one ("filed a dispute" -> {"dispute"}):
 * concatenation keeps its most selective part, alternation joins its
 * branches' sets, an optional or unknown part (a class, a back
 * reference) has no set.  Hyperscan then only matches literals, which
 * it does fast.  A pattern without such a set, or one this code does
 * not understand, runs with PCRE2 on every message. */

#define LIT_MAX 256      /* literals per rule */
#define LIT_MAX_DEPTH 64 /* group nesting followed */

struct lits {
	char **v;
	size_t n;
	size_t minlen;
	int some; /* 0: no literal is guaranteed */
};

struct lx {
	const char *p, *e;
	int bad;
	unsigned depth;
};

enum { A_LIT, A_SET, A_ZERO, A_NONE };

static void
lits_free(struct lits *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
lits_add(struct lits *l, const char *s, size_t len)
{
	char **nv;

	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], s, len) == 0)
			return 0;
	if (l->n >= LIT_MAX ||
	    (nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	if ((l->v[l->n] = str_ndup(s, len)) == NULL)
		return -1;
	l->minlen = l->n == 0 || len < l->minlen ? len : l->minlen;
	l->n++;
	l->some = 1;
	return 0;
}

/* The literal sets every match must contain each of (a conjunction),
 * at most RULES_PF_FACTORS of them, the most selective kept. */
struct factors {
	struct lits f[RULES_PF_FACTORS];
	size_t n;
};

static void
factors_free(struct factors *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		lits_free(&fs->f[i]);
	fs->n = 0;
}

/* Adds set (used up) to fs, dropping the weakest set when full. */
static void
factors_add(struct factors *fs, struct lits *set)
{
	size_t weak = 0;

	if (!set->some) {
		lits_free(set);
		return;
	}
	if (fs->n < RULES_PF_FACTORS) {
		fs->f[fs->n++] = *set;
		memset(set, 0, sizeof(*set));
		return;
	}
	for (size_t i = 1; i < fs->n; i++)
		if (fs->f[i].minlen < fs->f[weak].minlen)
			weak = i;
	if (set->minlen > fs->f[weak].minlen) {
		lits_free(&fs->f[weak]);
		fs->f[weak] = *set;
		memset(set, 0, sizeof(*set));
	}
	lits_free(set);
}

/* Length of a quantifier at p (0: none; '{' then is a literal); *min0
 * says whether it allows zero repetitions. */
static size_t
lx_quant(const char *p, const char *e, int *min0)
{
	size_t n = 0;

	if (p >= e)
		return 0;
	if (*p == '*' || *p == '+' || *p == '?') {
		*min0 = *p != '+';
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

static void
lx_skip_to(struct lx *x, char close)
{
	while (x->p < x->e && *x->p != close)
		x->p++;
	if (x->p >= x->e)
		x->bad = 1;
	else
		x->p++;
}

/* Encodes code point cp as UTF-8 into out (4 bytes); its length. */
static size_t
utf8_put(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static struct factors lx_seq(struct lx *x);

/* A group at '('. */
static int
lx_group(struct lx *x, struct factors *out)
{
	int zero = 0;
	const char *p = ++x->p;

	if (p < x->e && *p == '*') {
		x->bad = 1; /* verbs and (*pla:...) */
		return A_NONE;
	}
	if (p < x->e && *p == '?') {
		p = ++x->p;
		if (p >= x->e) {
			x->bad = 1;
			return A_NONE;
		}
		if (*p == ':' || *p == '>' || *p == '|') {
			x->p++;
		} else if (*p == '=' || *p == '!') {
			x->p++;
			zero = 1;
		} else if (*p == '<' && p + 1 < x->e &&
		           (p[1] == '=' || p[1] == '!')) {
			x->p += 2;
			zero = 1;
		} else if (*p == '<' ||
		           (*p == 'P' && p + 1 < x->e && p[1] == '<')) {
			x->p += *p == 'P' ? 2 : 1;
			lx_skip_to(x, '>');
		} else if (*p == '\'') {
			x->p++;
			lx_skip_to(x, '\'');
		} else if (*p == '#') {
			lx_skip_to(x, ')');
			return A_ZERO;
		} else {
			while (x->p < x->e && *x->p != '\0' &&
			       strchr("imnsUJ-^", *x->p) != NULL)
				x->p++;
			if (x->p < x->e && *x->p == ')') {
				x->p++;
				return A_ZERO;
			}
			if (x->p >= x->e || *x->p != ':') {
				x->bad = 1;
				return A_NONE;
			}
			x->p++;
		}
	}
	if (x->bad || ++x->depth > LIT_MAX_DEPTH) {
		x->bad = 1;
		return A_NONE;
	}
	*out = lx_seq(x);
	x->depth--;
	if (x->p >= x->e || *x->p != ')')
		x->bad = 1;
	else
		x->p++;
	if (zero || out->n == 0) {
		factors_free(out);
		return zero ? A_ZERO : A_NONE;
	}
	return A_SET;
}

/* A bracket class at '[': skipped, it is no literal. */
static int
lx_class(struct lx *x)
{
	x->p++;
	if (x->p < x->e && *x->p == '^')
		x->p++;
	if (x->p < x->e && *x->p == ']')
		x->p++;
	while (x->p < x->e && *x->p != ']') {
		if (*x->p == '\\') {
			x->p += 2;
		} else if (*x->p == '[' && x->p + 1 < x->e && x->p[1] == ':') {
			x->p += 2;
			while (x->p + 1 < x->e &&
			       !(x->p[0] == ':' && x->p[1] == ']'))
				x->p++;
			x->p += 2;
		} else {
			x->p++;
		}
	}
	if (x->p >= x->e)
		x->bad = 1;
	else
		x->p++;
	return A_NONE;
}

/* \xHH, \x{H...} or \0oo into the character in ch. */
static int
lx_code(struct lx *x, char *ch, size_t *chlen)
{
	int hex = x->p[1] == 'x';
	unsigned long cp = 0;
	size_t k = 0;

	x->p += 2;
	if (hex && x->p < x->e && *x->p == '{') {
		for (x->p++; x->p < x->e && *x->p != '}' && k < 8;
		     x->p++, k++) {
			char c = *x->p;

			if (!((c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				break;
			cp = cp * 16 +
			     (unsigned long)(c <= '9' ? c - '0'
			                              : (c | 0x20) - 'a' + 10);
		}
		if (x->p >= x->e || *x->p != '}' || k == 0) {
			x->bad = 1;
			return A_NONE;
		}
		x->p++;
	} else {
		for (; k < 2 && x->p < x->e; x->p++, k++) {
			char c = *x->p;

			if (hex ? !((c >= '0' && c <= '9') ||
			            (c >= 'a' && c <= 'f') ||
			            (c >= 'A' && c <= 'F'))
			        : !(c >= '0' && c <= '7'))
				break;
			cp = cp * (hex ? 16 : 8) +
			     (unsigned long)(c <= '9' ? c - '0'
			                              : (c | 0x20) - 'a' + 10);
		}
	}
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return A_NONE; /* NUL or not a character: no literal */
	*chlen = utf8_put(cp, ch);
	return A_LIT;
}

static int
lx_escape(struct lx *x, char *ch, size_t *chlen)
{
	char c = x->p + 1 < x->e ? x->p[1] : '\0';
	const char *ctl = strchr("ntrfea", c);

	if (c == '\0') {
		x->bad = 1;
		return A_NONE;
	}
	if (strchr("bBAzZGK", c) != NULL) {
		x->p += 2;
		return A_ZERO;
	}
	if (c == 'x' || c == '0')
		return lx_code(x, ch, chlen);
	if (ctl != NULL) {
		*ch = "\n\t\r\f\x1b\a"[ctl - "ntrfea"];
		*chlen = 1;
		x->p += 2;
		return A_LIT;
	}
	if ((unsigned char)c < 0x80 &&
	    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	      (c >= '0' && c <= '9'))) {
		*ch = c; /* an escaped punctuation mark */
		*chlen = 1;
		x->p += 2;
		return A_LIT;
	}
	if ((unsigned char)c >= 0x80) {
		x->p++; /* "\é" is "é": read on as a literal */
		return -1;
	}
	if (strchr("dDwWsShHvVNRXpP", c) == NULL) {
		x->bad = 1; /* \Q, \E, \c, \g, \k, \1 ... */
		return A_NONE;
	}
	x->p += 2;
	if ((c == 'p' || c == 'P' || c == 'N') && x->p < x->e && *x->p == '{')
		lx_skip_to(x, '}');
	else if (c == 'p' || c == 'P')
		x->p++;
	return A_NONE;
}

/* One atom at x->p: a literal character (in ch), a set, a zero-width
 * item or something without a guaranteed literal. */
static int
lx_atom(struct lx *x, char *ch, size_t *chlen, struct factors *set)
{
	int min0, r;
	size_t n = 1;

	switch (*x->p) {
	case '(':
		return lx_group(x, set);
	case '[':
		return lx_class(x);
	case '\\':
		if ((r = lx_escape(x, ch, chlen)) >= 0)
			return r;
		break;
	case '.':
		x->p++;
		return A_NONE;
	case '^':
	case '$':
		x->p++;
		return A_ZERO;
	case '*':
	case '+':
	case '?':
		x->bad = 1;
		return A_NONE;
	case '{':
		if (lx_quant(x->p, x->e, &min0) > 0) {
			x->bad = 1;
			return A_NONE;
		}
		break;
	default:
		break;
	}
	while (x->p + n < x->e && ((unsigned char)x->p[n] & 0xc0) == 0x80 &&
	       n < 4)
		n++;
	memcpy(ch, x->p, n);
	*chlen = n;
	x->p += n;
	return A_LIT;
}

/* Flushes the run of plain literal characters as a factor. */
static void
lx_flush(struct lx *x, struct buf *run, struct factors *fs)
{
	struct lits cand = { 0 };

	if (run->len > 0) {
		if (lits_add(&cand, run->data, run->len) != 0)
			x->bad = 1;
		factors_add(fs, &cand);
	}
	buf_reset(run);
}

/* One branch: up to '|' or ')' or the end; every factor is required. */
static struct factors
lx_branch(struct lx *x)
{
	struct factors fs = { 0 };
	struct buf run;

	buf_init(&run, TRIAGE_MAX_PATTERN_LEN);
	while (!x->bad && x->p < x->e && *x->p != ')' && *x->p != '|') {
		struct factors sub = { 0 };
		struct lits one = { 0 };
		char ch[4];
		size_t chlen = 0, q;
		int min0 = 0, kind = lx_atom(x, ch, &chlen, &sub);

		q = x->bad ? 0 : lx_quant(x->p, x->e, &min0);
		if (q > 0 && kind == A_ZERO)
			x->bad = 1;
		x->p += q;
		if (kind == A_LIT && q == 0) {
			if (buf_append(&run, ch, chlen) != BUF_OK)
				x->bad = 1;
			continue;
		}
		lx_flush(x, &run, &fs);
		if (kind == A_LIT && !min0) {
			if (lits_add(&one, ch, chlen) != 0)
				x->bad = 1;
			factors_add(&fs, &one);
		}
		if (kind == A_SET && q > 0 && min0)
			factors_free(&sub);
		for (size_t i = 0; i < sub.n; i++)
			factors_add(&fs, &sub.f[i]);
	}
	lx_flush(x, &run, &fs);
	buf_free(&run);
	return fs;
}

static int
lits_cmp_len(const void *a, const void *b)
{
	const struct lits *x = a, *y = b;

	return x->minlen > y->minlen ? -1 : x->minlen < y->minlen;
}

/* Joins the factors of several branches.  A match of branch b holds
 * every factor of b, so set k = the union over branches of each
 * branch's k-th factor (cycling when it has fewer) is required too. */
static void
lx_join(struct lx *x, struct factors *br, size_t nbr, struct factors *out)
{
	size_t sets = 0;

	for (size_t b = 0; b < nbr; b++) {
		if (br[b].n == 0)
			return;
		qsort(br[b].f, br[b].n, sizeof(*br[b].f), lits_cmp_len);
		sets = br[b].n > sets ? br[b].n : sets;
	}
	for (size_t k = 0; k < sets && !x->bad; k++) {
		struct lits set = { 0 };
		int ok = 1;

		for (size_t b = 0; b < nbr && ok; b++) {
			const struct lits *f = &br[b].f[k % br[b].n];

			for (size_t i = 0; i < f->n && ok; i++)
				ok = lits_add(&set, f->v[i], strlen(f->v[i])) ==
				     0;
		}
		if (!ok)
			lits_free(&set);
		factors_add(out, &set);
	}
}

#define LIT_MAX_BRANCHES 64

/* Alternatives up to ')' or the end. */
static struct factors
lx_seq(struct lx *x)
{
	struct factors *br, out = { 0 };
	size_t n = 0;

	out = lx_branch(x);
	if (x->bad || x->p >= x->e || *x->p != '|')
		return out;
	if ((br = calloc(LIT_MAX_BRANCHES, sizeof(*br))) == NULL) {
		x->bad = 1;
		factors_free(&out);
		return out;
	}
	br[n++] = out;
	memset(&out, 0, sizeof(out));
	while (!x->bad && x->p < x->e && *x->p == '|') {
		x->p++;
		if (n == LIT_MAX_BRANCHES) {
			struct factors skip = lx_branch(x);

			factors_free(&skip);
			x->bad = 1; /* too many to join: run with PCRE2 */
			continue;
		}
		br[n++] = lx_branch(x);
	}
	if (!x->bad)
		lx_join(x, br, n, &out);
	for (size_t b = 0; b < n; b++)
		factors_free(&br[b]);
	free(br);
	return out;
}

/* The prefilter works on units: each top-level alternative of a
 * pattern (up to PF_UNITS_MAX, else the whole pattern) with its own
 * required literal sets, anchor and span.  A rule is a candidate when
 * some unit saw all its sets, and is confirmed near the places where
 * such units saw their anchor.
 *
 * Literals are normalized as the text is (NFKC, case folded), so the
 * scan is a plain byte search.  A word is one distinct literal (one
 * Hyperscan id); its users are the units whose sets hold it. */
#define PF_UNITS_MAX 32
#define PF_SHORT 3

struct rules_lit {
	char *s;
	size_t len;
	uint32_t unit;
	unsigned char factor; /* bit of the unit's mask */
	unsigned char anchor; /* 1: its places are recorded */
};

struct pf_build {
	size_t lits_cap, units_cap;
};

void
rules_lits_free(struct rules_lits *lt)
{
	for (size_t i = 0; i < lt->nlits; i++)
		free(lt->lits[i].s);
	free(lt->lits);
	free(lt->users);
	free(lt->arena);
	free(lt->words);
	free(lt->units);
	free(lt->unit_aw);
	free(lt->rule_first);
	free(lt->rule_units);
	lt->lits = NULL;
	lt->users = NULL;
	lt->arena = NULL;
	lt->words = NULL;
	lt->units = NULL;
	lt->unit_aw = NULL;
	lt->rule_first = NULL;
	lt->rule_units = NULL;
	lt->nlits = lt->nwords = lt->nunits = 0;
}

/* Gives back the unused tail of a grown array. */
static void
shrink(void **p, size_t size)
{
	void *n = size > 0 ? realloc(*p, size) : NULL;

	if (n != NULL)
		*p = n;
}

static int
lit_cmp(const void *a, const void *b)
{
	const struct rules_lit *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static int
aw_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Gives every anchor word a place list and every unit the list of its
 * anchor words. */
static int
pf_anchor_words(struct rules_lits *lt)
{
	uint32_t *pairs =
	    calloc(2 * (lt->nlits ? lt->nlits : 1), sizeof(*pairs));
	size_t n = 0;

	if (pairs == NULL)
		return -1;
	lt->naw = 0;
	for (size_t w = 0; w < lt->nwords; w++) {
		struct rules_word *wd = &lt->words[w];

		wd->aidx = wd->anchors ? (uint32_t)lt->naw++ : UINT32_MAX;
		for (uint32_t k = wd->first; k < wd->first + wd->count; k++)
			if (lt->lits[k].anchor) {
				pairs[2 * n] = lt->lits[k].unit;
				pairs[2 * n++ + 1] = wd->aidx;
			}
	}
	qsort(pairs, n, 2 * sizeof(*pairs), aw_cmp);
	if ((lt->unit_aw = calloc(n ? n : 1, sizeof(*lt->unit_aw))) == NULL) {
		free(pairs);
		return -1;
	}
	for (size_t k = 0, m = 0; k < n; k++) {
		struct rules_unit *un = &lt->units[pairs[2 * k]];

		if (k > 0 && pairs[2 * k] == pairs[2 * k - 2] &&
		    pairs[2 * k + 1] == pairs[2 * k - 1])
			continue; /* the same word twice in one set */
		if (un->aw_count++ == 0)
			un->aw_first = (uint32_t)m;
		lt->unit_aw[m++] = pairs[2 * k + 1];
	}
	free(pairs);
	return 0;
}

/* Sorts the literals and makes one word of each distinct one. */
static int
pf_words(struct rules_lits *lt)
{
	size_t w = 0;

	qsort(lt->lits, lt->nlits, sizeof(*lt->lits), lit_cmp);
	if ((lt->words = calloc(lt->nlits, sizeof(*lt->words))) == NULL)
		return -1;
	for (size_t i = 0; i < lt->nlits; i++) {
		const struct rules_lit *l = &lt->lits[i];

		if (i == 0 || l->len != lt->words[w - 1].len ||
		    memcmp(l->s, lt->words[w - 1].s, l->len) != 0)
			lt->words[w++] =
			    (struct rules_word){ l->s, l->len, (uint32_t)i,
				                 0,    0,      UINT32_MAX };
		lt->words[w - 1].count++;
		lt->words[w - 1].anchors += l->anchor;
	}
	lt->nwords = w;
	return pf_anchor_words(lt);
}

/* Doubles the array *p of *cap elements of size bytes (1,024 at
 * first).  0, or -1 with *p unchanged. */
static int
grow(void **p, size_t *cap, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 1024;
	void *n = ncap <= SIZE_MAX / size ? realloc(*p, ncap * size) : NULL;

	if (n == NULL)
		return -1;
	*p = n;
	*cap = ncap;
	return 0;
}

static int
pf_lit_add(struct rules_lits *lt, struct pf_build *b, char *s, size_t len,
           size_t unit, unsigned factor, int anchor)
{
	if (lt->nlits == b->lits_cap &&
	    grow((void **)&lt->lits, &b->lits_cap, sizeof(*lt->lits)) != 0)
		return -1;
	lt->lits[lt->nlits++] =
	    (struct rules_lit){ s, len, (uint32_t)unit, (unsigned char)factor,
		                (unsigned char)anchor };
	return 0;
}

/* A literal normalized as the text is.  Lower-case ASCII letters and
 * digits with single inner spaces, most literals, are left as they are
 * without the cost of the full normalization. */
static char *
lit_normalize(const char *s, size_t *outlen)
{
	size_t len = strlen(s), i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == ' ' && i > 0 && i + 1 < len && s[i + 1] != ' ')
			continue;
		break;
	}
	if (i < len)
		return normalize_string(s, len, outlen);
	*outlen = len;
	return str_ndup(s, len);
}

/* One required set, normalized: 0 with its literals in out (owned) and
 * the shortest length in *minlen; -1 when a literal normalizes to
 * nothing (the set then says nothing) or on out of memory. */
static int
factor_norm(const struct lits *l, char **out, size_t *lens, size_t *minlen)
{
	size_t k;

	*minlen = SIZE_MAX;
	for (k = 0; k < l->n; k++) {
		size_t nl;
		char *n = lit_normalize(l->v[k], &nl);

		if (n == NULL || nl == 0) {
			free(n);
			break;
		}
		out[k] = n;
		lens[k] = nl;
		*minlen = nl < *minlen ? nl : *minlen;
	}
	if (k == l->n)
		return 0;
	while (k > 0)
		free(out[--k]);
	return -1;
}

/* Splits pattern at its top-level '|' into at most max branches (start
 * offsets in at[], the end of each is the next start - 1, the last one
 * len).  Returns their number, or 0 when there are more than max or
 * the pattern holds something this scan does not follow (\Q). */
static size_t
split_top(const char *p, size_t len, size_t *at, size_t max)
{
	size_t n = 1, depth = 0, i = 0;

	at[0] = 0;
	while (i < len) {
		char c = p[i];

		if (c == '\\') {
			if (i + 1 < len && (p[i + 1] == 'Q' || p[i + 1] == 'E'))
				return 0;
			i += 2;
		} else if (c == '[') {
			i++;
			if (i < len && p[i] == '^')
				i++;
			if (i < len && p[i] == ']')
				i++;
			while (i < len && p[i] != ']') {
				if (p[i] == '\\')
					i++;
				else if (p[i] == '[' && i + 1 < len &&
				         p[i + 1] == ':') {
					const char *q = p + i + 2;

					while (q + 1 < p + len &&
					       !(q[0] == ':' && q[1] == ']'))
						q++;
					i = (size_t)(q - p) + 1;
				}
				i++;
			}
			i++;
		} else if (c == '(') {
			depth++;
			i++;
		} else if (c == ')') {
			if (depth == 0)
				return 0;
			depth--;
			i++;
		} else if (c == '|' && depth == 0) {
			if (n == max)
				return 0;
			at[n++] = ++i;
		} else {
			i++;
		}
	}
	return depth == 0 ? n : 0;
}

/* End of the class starting at p[i] == '['. */
static size_t
skip_class(const char *p, size_t len, size_t i)
{
	i++;
	if (i < len && p[i] == '^')
		i++;
	if (i < len && p[i] == ']')
		i++;
	while (i < len && p[i] != ']') {
		if (p[i] == '\\') {
			i++;
		} else if (p[i] == '[' && i + 1 < len && p[i + 1] == ':') {
			const char *q = p + i + 2;

			while (q + 1 < p + len && !(q[0] == ':' && q[1] == ']'))
				q++;
			i = (size_t)(q - p) + 1;
		}
		i++;
	}
	return i + 1;
}

/* The end of the element (one atom and its quantifier) of a top-level
 * sequence starting at p[i]; 0 at a top-level '|' or on anything not
 * followed. */
static size_t
elem_end(const char *p, size_t len, size_t i)
{
	size_t start = i;
	int min0;

	if (p[i] == '|' || p[i] == ')')
		return 0;
	if (p[i] == '\\') {
		if (i + 1 >= len || strchr("QEpPNxog", p[i + 1]) != NULL)
			return 0; /* forms with braces: not split */
		i += 2;
		while (i < len && ((unsigned char)p[i] & 0xc0) == 0x80)
			i++;
	} else if (p[i] == '[') {
		i = skip_class(p, len, i);
	} else if (p[i] == '(') {
		size_t depth = 0;

		while (i < len) {
			if (p[i] == '\\') {
				i += 2;
				continue;
			}
			if (p[i] == '[') {
				i = skip_class(p, len, i);
				continue;
			}
			if (p[i] == '(')
				depth++;
			else if (p[i] == ')' && --depth == 0)
				break;
			i++;
		}
		if (i >= len)
			return 0;
		i++;
	} else {
		/* a run of plain characters is one element, up to one that
		 * a quantifier follows */
		size_t last = i;

		while (i < len && strchr("\\[](){}|.^$*+?", p[i]) == NULL) {
			last = i++;
			while (i < len && ((unsigned char)p[i] & 0xc0) == 0x80)
				i++;
			if (lx_quant(p + i, p + len, &min0) > 0) {
				if (last > start)
					i = last; /* that character on its own */
				break;
			}
		}
		if (i == start)
			i++; /* a lone '{' or ']' */
	}
	if (i > len)
		return 0;
	return i + lx_quant(p + i, p + len, &min0);
}

/* One required set of pattern[0..len), normalized, the most selective
 * (longest shortest literal, then fewest literals); its literal count,
 * 0 when there is none. */
static size_t
best_factor(const char *pattern, size_t len, char **lit, size_t *lens,
            size_t *minlen)
{
	struct lx x = { pattern, pattern + len, 0, 0 };
	struct factors fs = lx_seq(&x);
	size_t best = 0;

	*minlen = 0;
	for (size_t f = 0; !x.bad && x.p == x.e && f < fs.n; f++) {
		char *l[LIT_MAX];
		size_t ls[LIT_MAX], ml;

		if (factor_norm(&fs.f[f], l, ls, &ml) != 0)
			continue;
		if (best == 0 || ml > *minlen ||
		    (ml == *minlen && fs.f[f].n < best)) {
			while (best > 0)
				free(lit[--best]);
			memcpy(lit, l, fs.f[f].n * sizeof(*l));
			memcpy(lens, ls, fs.f[f].n * sizeof(*ls));
			best = fs.f[f].n;
			*minlen = ml;
		} else {
			for (size_t k = 0; k < fs.f[f].n; k++)
				free(l[k]);
		}
	}
	factors_free(&fs);
	return best;
}

/* The anchor of a unit: the set whose places are recorded.  Taken from
 * the earliest element of the unit's top-level sequence that has a set
 * of literals at least PF_SHORT bytes long (else the most selective
 * element), so that a match starts little before it: the span is that
 * of the prefix up to the end of this element.  Its literal count, 0
 * when there is none; *prefix is the prefix length. */
static size_t
pf_anchor(const char *pattern, size_t len, char **lit, size_t *lens,
          size_t *prefix)
{
	size_t i = 0, best = 0, best_min = 0;

	*prefix = len;
	while (i < len) {
		size_t e = elem_end(pattern, len, i), n, ml;
		char *l[LIT_MAX];
		size_t ls[LIT_MAX];

		if (e == 0 || e > len)
			break;
		n = best_factor(pattern + i, e - i, l, ls, &ml);
		if (n > 0 && (best == 0 || ml > best_min)) {
			while (best > 0)
				free(lit[--best]);
			memcpy(lit, l, n * sizeof(*l));
			memcpy(lens, ls, n * sizeof(*ls));
			best = n;
			best_min = ml;
			*prefix = e;
		} else {
			while (n > 0)
				free(l[--n]);
		}
		i = e;
	}
	if (i < len) {
		/* a sequence not followed to its end: the whole unit */
		while (best > 0)
			free(lit[--best]);
		*prefix = len;
		return best_factor(pattern, len, lit, lens, &best_min);
	}
	return best;
}

/* The literals of one unit (pattern[0..len)) into pf's table: its
 * required sets (a candidate needs all), and its anchor. */
static int
pf_unit_literals(struct rules_lits *lt, struct pf_build *b, size_t u,
                 const char *pattern, size_t len)
{
	struct rules_unit *un = &lt->units[u];
	struct lx x = { pattern, pattern + len, 0, 0 };
	struct factors fs = lx_seq(&x);
	char *lit[LIT_MAX], *alit[LIT_MAX];
	size_t lens[LIT_MAX], alens[LIT_MAX], minlen, prefix, used = 0, na;
	int rc = 0;

	if (x.p != x.e)
		x.bad = 1; /* an unbalanced ')' */
	/* Sets with a literal shorter than PF_SHORT bytes ("и", "to") are
	 * found everywhere and slow the scan: they are left out. */
	for (size_t f = 0; !x.bad && f < fs.n && used < RULES_PF_FACTORS; f++) {
		if (factor_norm(&fs.f[f], lit, lens, &minlen) != 0)
			continue;
		for (size_t k = 0; k < fs.f[f].n; k++) {
			if (minlen >= PF_SHORT && rc == 0 &&
			    pf_lit_add(lt, b, lit[k], lens[k], u,
			               (unsigned)used, 0) == 0)
				continue;
			rc = minlen >= PF_SHORT ? -1 : rc;
			free(lit[k]);
		}
		used += minlen >= PF_SHORT;
	}
	factors_free(&fs);
	na = x.bad ? 0 : pf_anchor(pattern, len, alit, alens, &prefix);
	for (size_t k = 0; k < na; k++) {
		if (rc == 0 && pf_lit_add(lt, b, alit[k], alens[k], u,
		                          (unsigned)used, 1) == 0)
			continue;
		rc = -1;
		free(alit[k]);
	}
	if (rc == 0 && na > 0) {
		un->mask = (unsigned char)((1u << (used + 1)) - 1);
		un->span_ok = rules_span_of(pattern, prefix, &un->span) == 0;
	}
	return rc;
}

/* Adds one unit of rule i for pattern[0..len). */
static int
pf_add_unit(struct rules_lits *lt, struct pf_build *b, size_t i,
            const char *pattern, size_t len)
{
	size_t u;

	if (lt->nunits == b->units_cap &&
	    grow((void **)&lt->units, &b->units_cap, sizeof(*lt->units)) != 0)
		return -1;
	u = lt->nunits++;
	lt->units[u] = (struct rules_unit){ .rule = (unsigned)i };
	return pf_unit_literals(lt, b, u, pattern, len);
}

/* The unquantified group of a branch's top-level sequence with the
 * most alternatives ("\b(?:resend|ship ...|...)"): 1 with its bounds
 * (the group from *gs to *ge, its content from *cs) and the starts of
 * its alternatives in at[] (*n of them), 0 when there is none worth
 * splitting. */
static int
find_group(const char *p, size_t len, size_t *gs, size_t *ge, size_t *cs,
           size_t *at, size_t *n, size_t max)
{
	size_t i = 0, best = 0;

	while (i < len) {
		size_t e = elem_end(p, len, i), c = i + 1, k,
		       tmp[PF_UNITS_MAX + 1];

		if (e == 0 || e > len)
			return 0;
		if (p[i] == '(' && p[e - 1] == ')') {
			if (c + 1 < e && p[c] == '?' && p[c + 1] == ':')
				c += 2;
			else if (c < e && p[c] == '?')
				c = e; /* lookaround, named, atomic: not split */
			if (c < e &&
			    (k = split_top(p + c, e - 1 - c, tmp, max)) >
			        best &&
			    k >= 2) {
				best = k;
				*gs = i;
				*ge = e;
				*cs = c;
				memcpy(at, tmp, k * sizeof(*tmp));
				*n = k;
			}
		}
		i = e;
	}
	return best >= 2;
}

/* The units of rule i: its top-level alternatives, and each of those
 * split again at its biggest group of alternatives while the rule has
 * at most PF_UNITS_MAX units.  A match of the rule is a match of one
 * of them, so every unit is required only for its own matches. */
static int
pf_rule_literals(const struct ruleset *rs, struct rules_lits *lt,
                 struct pf_build *b, size_t i)
{
	const struct rule *r = &rs->rules[i];
	size_t at[PF_UNITS_MAX + 1];
	size_t n = split_top(r->pattern, r->pattern_len, at, PF_UNITS_MAX);
	size_t units = 0;
	struct buf tmp;
	int rc = 0;

	if (n == 0) {
		n = 1; /* the whole pattern is one unit */
		at[0] = 0;
	}
	at[n] = r->pattern_len + 1;
	lt->rule_first[i] = (uint32_t)lt->nunits;
	buf_init(&tmp, 2 * TRIAGE_MAX_PATTERN_LEN);
	for (size_t k = 0; k < n && rc == 0; k++) {
		const char *bp = r->pattern + at[k];
		size_t bl = at[k + 1] - 1 - at[k], gs = 0, ge = 0, cs = 0,
		       g[PF_UNITS_MAX + 1], m = 0;

		if (find_group(bp, bl, &gs, &ge, &cs, g, &m, PF_UNITS_MAX) &&
		    units + m + (n - k - 1) <= PF_UNITS_MAX) {
			g[m] = ge - 1 - cs + 1;
			for (size_t j = 0; j < m && rc == 0; j++) {
				buf_reset(&tmp);
				if (buf_append(&tmp, bp, gs) != BUF_OK ||
				    buf_puts(&tmp, "(?:") != BUF_OK ||
				    buf_append(&tmp, bp + cs + g[j],
				               g[j + 1] - 1 - g[j]) != BUF_OK ||
				    buf_putc(&tmp, ')') != BUF_OK ||
				    buf_append(&tmp, bp + ge, bl - ge) !=
				        BUF_OK)
					rc = -1;
				else
					rc = pf_add_unit(lt, b, i, tmp.data,
					                 tmp.len);
				units++;
			}
		} else {
			rc = pf_add_unit(lt, b, i, bp, bl);
			units++;
		}
	}
	buf_free(&tmp);
	lt->rule_units[i] = (uint16_t)units;
	return rc;
}

/* Keeps what the scan needs: the words' text in one arena and 8 bytes
 * per user, instead of a string and a record per literal (tens of
 * thousands once alternatives are split). */
static int
pf_compact(struct rules_lits *lt)
{
	size_t total = 0, off = 0;

	for (size_t w = 0; w < lt->nwords; w++)
		total += lt->words[w].len + 1;
	lt->arena = malloc(total ? total : 1);
	lt->users = calloc(lt->nlits ? lt->nlits : 1, sizeof(*lt->users));
	if (lt->arena == NULL || lt->users == NULL)
		return -1;
	for (size_t w = 0; w < lt->nwords; w++) {
		struct rules_word *wd = &lt->words[w];

		memcpy(lt->arena + off, wd->s, wd->len);
		lt->arena[off + wd->len] = '\0';
		wd->s = lt->arena + off;
		off += wd->len + 1;
	}
	for (size_t i = 0; i < lt->nlits; i++) {
		lt->users[i] =
		    (struct rules_user){ lt->lits[i].unit, lt->lits[i].factor };
		free(lt->lits[i].s);
	}
	free(lt->lits);
	lt->lits = NULL;
	lt->nlits = 0;
	/* the words and units arrays were grown by doubling */
	shrink((void **)&lt->words, lt->nwords * sizeof(*lt->words));
	shrink((void **)&lt->units, lt->nunits * sizeof(*lt->units));
	return 0;
}

/* Builds the literal table of every rule.  Returns 0, or -1 on out of
 * memory. */
int
rules_lits_build(const struct ruleset *rs, struct rules_lits *lt)
{
	struct pf_build b = { 0, 0 };
	size_t n = rs->rules_count ? rs->rules_count : 1;

	lt->rule_first = calloc(n, sizeof(*lt->rule_first));
	lt->rule_units = calloc(n, sizeof(*lt->rule_units));
	if (lt->rule_first == NULL || lt->rule_units == NULL)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++)
		if (pf_rule_literals(rs, lt, &b, i) != 0)
			return -1;
	if (lt->nunits > UINT32_MAX || lt->nlits > UINT_MAX ||
	    pf_words(lt) != 0)
		return -1;
	return pf_compact(lt);
}
