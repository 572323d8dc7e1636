/*
 * rules_span.c - how far before its required literal a match can start.
 *
 * Owns: the analysis of a pattern's possible matches used to confirm a
 * Hyperscan candidate near its literal instead of over the whole text.
 * Two bounds, either of which may be missing:
 *
 *   - max_bytes: the longest match in bytes (4 per character), when no
 *     part of the pattern repeats without bound;
 *   - sep / sep_max: the ASCII characters no unbounded repeat of the
 *     pattern can consume (for "[^ \n]+" and "[a-z]*", space and
 *     newline), and the most of them a whole match can consume.  A match
 *     then starts after the (sep_max + 1)-th such character before its
 *     literal.
 *
 * The analysis is conservative: whatever it does not follow (back
 * references, recursion, conditionals, \K, \G, \Q, verbs, (?x)) gives
 * no bound, and the rule is confirmed over the whole text.
 *
 * Untrusted input: pattern files (bounded length, nesting limited).
 */
#include "rules_int.h"

#include <string.h>

#define SP_INF ((size_t)-1)
#define SP_SAT ((size_t)1 << 40) /* counts at or past this: no bound */
#define SP_MAX_DEPTH 64

struct sp_res {
	uint64_t ch[2]; /* ASCII characters the item can consume */
	size_t cnt;     /* most characters of sep consumed (pass 2) */
	size_t maxc;    /* most characters consumed; SP_INF: unbounded */
};

struct sp {
	const char *p, *e;
	int bad, pass;
	unsigned depth, zw; /* zw > 0: inside a lookaround */
	uint64_t unb[2];    /* pass 1: what unbounded repeats consume */
	uint64_t sep[2];    /* pass 2: the complement of unb */
};

static size_t
add_sat(size_t a, size_t b)
{
	return a >= SP_SAT || b >= SP_SAT || a + b >= SP_SAT ? SP_SAT : a + b;
}

static size_t
mul_sat(size_t a, size_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a >= SP_SAT || b >= SP_SAT || a > SP_SAT / b ? SP_SAT : a * b;
}

static void
set_add(uint64_t *s, unsigned c)
{
	if (c < 128)
		s[c >> 6] |= (uint64_t)1 << (c & 63);
}

static void
set_range(uint64_t *s, unsigned long lo, unsigned long hi)
{
	for (unsigned long c = lo; c <= hi && c < 128; c++)
		set_add(s, (unsigned)c);
}

static void
set_all(uint64_t *s)
{
	s[0] = s[1] = ~(uint64_t)0;
}

/* Adds the ASCII characters PCRE2 matches caselessly for code point
 * cp: its other case, and k/s for KELVIN SIGN and LONG S. */
static void
set_char(uint64_t *s, unsigned long cp)
{
	if (cp < 128) {
		set_add(s, (unsigned)cp);
		if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
			set_add(s, (unsigned)(cp ^ 0x20));
	} else if (cp == 0x212a) {
		set_add(s, 'k');
		set_add(s, 'K');
	} else if (cp == 0x17f) {
		set_add(s, 's');
		set_add(s, 'S');
	}
}

/* The ASCII part of \d \w \s \h \v and their negations; 0 when c is
 * none of them. */
static int
set_escape_class(uint64_t *s, char c)
{
	uint64_t t[2] = { 0, 0 };

	switch (c | 0x20) {
	case 'd':
		set_range(t, '0', '9');
		break;
	case 'w':
		set_range(t, '0', '9');
		set_range(t, 'a', 'z');
		set_range(t, 'A', 'Z');
		set_add(t, '_');
		break;
	case 's':
		set_range(t, 9, 13);
		set_add(t, ' ');
		break;
	case 'h':
		set_add(t, 9);
		set_add(t, ' ');
		break;
	case 'v':
		set_range(t, 10, 13);
		break;
	default:
		return 0;
	}
	if (c >= 'A' && c <= 'Z') {
		t[0] = ~t[0];
		t[1] = ~t[1];
	}
	s[0] |= t[0];
	s[1] |= t[1];
	return 1;
}

/* Decodes one UTF-8 character at x->p (pattern files are valid UTF-8). */
static unsigned long
sp_utf8(struct sp *x)
{
	const unsigned char *p = (const unsigned char *)x->p;
	unsigned long cp = *p;
	size_t n = 1;

	if (cp >= 0xf0)
		cp &= 0x07, n = 4;
	else if (cp >= 0xe0)
		cp &= 0x0f, n = 3;
	else if (cp >= 0xc0)
		cp &= 0x1f, n = 2;
	for (size_t i = 1; i < n; i++) {
		if (x->p + i >= x->e) {
			x->bad = 1;
			break;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	x->p += n;
	return cp;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* \xHH, \x{H..}, \0oo, \o{..} at x->p (the backslash); the code point,
 * or -1 with x->bad set. */
static long
sp_code(struct sp *x)
{
	char kind = x->p[1];
	int base = kind == 'x' ? 16 : 8;
	unsigned long cp = 0;
	size_t k = 0;

	x->p += 2;
	if ((kind == 'x' || kind == 'o') && x->p < x->e && *x->p == '{') {
		for (x->p++; x->p < x->e && *x->p != '}' && k < 8;
		     x->p++, k++) {
			int v = hexval(*x->p);

			if (v < 0 || v >= base)
				break;
			cp = cp * (unsigned long)base + (unsigned long)v;
		}
		if (x->p >= x->e || *x->p != '}' || k == 0) {
			x->bad = 1;
			return -1;
		}
		x->p++;
		return (long)cp;
	}
	if (kind == 'o') {
		x->bad = 1;
		return -1;
	}
	for (; k < 2 && x->p < x->e; x->p++, k++) {
		int v = hexval(*x->p);

		if (v < 0 || v >= base)
			break;
		cp = cp * (unsigned long)base + (unsigned long)v;
	}
	return (long)cp;
}

/* A single character escape (\n, \., \x41 ...) at x->p; its code
 * point, or -1 when it is not one (x->p unmoved unless x->bad). */
static long
sp_char_escape(struct sp *x)
{
	char c = x->p + 1 < x->e ? x->p[1] : '\0';
	const char *ctl = c != '\0' ? strchr("ntrfea", c) : NULL;

	if (c == 'x' || c == '0' || c == 'o')
		return sp_code(x);
	if (ctl != NULL) {
		x->p += 2;
		return "\n\t\r\f\x1b\a"[ctl - "ntrfea"];
	}
	if (c != '\0' && (unsigned char)c < 0x80 &&
	    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	      (c >= '0' && c <= '9'))) {
		x->p += 2;
		return (unsigned char)c;
	}
	if ((unsigned char)c >= 0x80) {
		x->p++;
		return (long)sp_utf8(x);
	}
	return -1;
}

/* One character of a class (literal or escape) as a code point, or -1
 * when it is a class escape or unknown. */
static long
sp_class_char(struct sp *x)
{
	long cp;

	if (*x->p != '\\')
		return (long)sp_utf8(x);
	if (x->p + 1 < x->e && x->p[1] == 'b') {
		x->p += 2;
		return 8; /* backspace inside a class */
	}
	cp = sp_char_escape(x);
	return cp;
}

/* A single character or a range a-z of a class into known; x->bad
 * when it is a form not followed. */
static void
sp_class_range(struct sp *x, uint64_t *known)
{
	long lo = sp_class_char(x), hi;

	if (lo < 0) {
		x->bad = 1; /* \Q, \E, \N, ... inside a class */
		return;
	}
	hi = lo;
	if (x->p + 1 < x->e && *x->p == '-' && x->p[1] != ']') {
		x->p++;
		if (*x->p == '\\' && x->p + 1 < x->e &&
		    strchr("dDwWsShHvVpP", x->p[1]) != NULL) {
			x->bad = 1; /* "a-\d": rare, not followed */
			return;
		}
		if ((hi = sp_class_char(x)) < lo) {
			x->bad = 1;
			return;
		}
	}
	if (hi >= 128) {
		/* the ASCII-caseless specials inside a range */
		if (lo <= 0x17f && hi >= 0x17f)
			set_char(known, 0x17f);
		if (lo <= 0x212a && hi >= 0x212a)
			set_char(known, 0x212a);
	}
	for (long c = lo; c <= hi && c < 128; c++)
		set_char(known, (unsigned long)c);
}

/* One item of a class at x->p into known; *unknown set for an item
 * whose ASCII members are not worked out ([:alpha:], \p{..}). */
static void
sp_class_item(struct sp *x, uint64_t *known, int *unknown)
{
	if (*x->p == '[' && x->p + 1 < x->e && x->p[1] == ':') {
		const char *q = x->p + 2;

		while (q + 1 < x->e && !(q[0] == ':' && q[1] == ']'))
			q++;
		if (q + 1 >= x->e)
			x->bad = 1;
		else
			x->p = q + 2;
		*unknown = 1;
	} else if (*x->p == '\\' && x->p + 1 < x->e &&
	           set_escape_class(known, x->p[1])) {
		x->p += 2;
	} else if (*x->p == '\\' && x->p + 1 < x->e &&
	           (x->p[1] == 'p' || x->p[1] == 'P')) {
		x->p += 2;
		if (x->p < x->e && *x->p == '{') {
			while (x->p < x->e && *x->p != '}')
				x->p++;
		}
		if (x->p < x->e)
			x->p++;
		*unknown = 1;
	} else {
		sp_class_range(x, known);
	}
}

/* A bracket class at '['. */
static struct sp_res
sp_class(struct sp *x)
{
	struct sp_res r = { { 0, 0 }, 1, 1 };
	uint64_t known[2] = { 0, 0 };
	int neg = 0, unknown = 0, first = 1;

	x->p++;
	if (x->p < x->e && *x->p == '^') {
		neg = 1;
		x->p++;
	}
	while (!x->bad && x->p < x->e && (*x->p != ']' || first)) {
		first = 0;
		sp_class_item(x, known, &unknown);
	}
	if (x->p >= x->e)
		x->bad = 1;
	else
		x->p++;
	if (neg) {
		/* conservative: a negated class may match any ASCII
		 * character it does not list exactly */
		r.ch[0] = ~known[0];
		r.ch[1] = ~known[1];
	} else if (unknown) {
		set_all(r.ch);
	} else {
		r.ch[0] = known[0];
		r.ch[1] = known[1];
	}
	return r;
}

static struct sp_res sp_alt(struct sp *x);

/* The opening of a group at '(' up to its contents: 1 when contents
 * follow (*look set for a lookaround), 0 for a comment or an option
 * setting (consumed whole), x->bad for what is not followed (verbs,
 * (?x), recursion, conditions, back references). */
static int
sp_group_open(struct sp *x, int *look)
{
	const char *p;

	*look = 0;
	if (++x->p < x->e && *x->p == '*') {
		x->bad = 1;
		return 0;
	}
	if (x->p >= x->e || *x->p != '?')
		return 1; /* a capturing group */
	if ((p = ++x->p) >= x->e) {
		x->bad = 1;
		return 0;
	}
	if (*p == ':' || *p == '>' || *p == '|') {
		x->p++;
	} else if (*p == '=' || *p == '!') {
		x->p++;
		*look = 1;
	} else if (*p == '<' && p + 1 < x->e && (p[1] == '=' || p[1] == '!')) {
		x->p += 2;
		*look = 1;
	} else if (*p == '<' || *p == '\'' ||
	           (*p == 'P' && p + 1 < x->e && p[1] == '<')) {
		char close = *p == '\'' ? '\'' : '>';

		while (x->p < x->e && *x->p != close)
			x->p++;
		x->bad |= x->p >= x->e;
		x->p += x->p < x->e;
	} else {
		int comment = *p == '#';

		while (x->p < x->e && *x->p != '\0' &&
		       (comment ? *x->p != ')'
		                : strchr("imnsUJ-^", *x->p) != NULL))
			x->p++;
		if (x->p < x->e && *x->p == ')') {
			x->p++;
			return 0;
		}
		if (comment || x->p >= x->e || *x->p != ':') {
			x->bad = 1;
			return 0;
		}
		x->p++;
	}
	return !x->bad;
}

/* A group at '('. */
static struct sp_res
sp_group(struct sp *x)
{
	struct sp_res r = { { 0, 0 }, 0, 0 }, in;
	int look;

	if (!sp_group_open(x, &look) || x->bad)
		return r;
	if (++x->depth > SP_MAX_DEPTH) {
		x->bad = 1;
		return r;
	}
	x->zw += (unsigned)look;
	in = sp_alt(x);
	x->zw -= (unsigned)look;
	x->depth--;
	if (x->p >= x->e || *x->p != ')')
		x->bad = 1;
	else
		x->p++;
	return look ? r : in;
}

/* An escape outside a class. */
static struct sp_res
sp_escape(struct sp *x)
{
	struct sp_res r = { { 0, 0 }, 1, 1 };
	char c = x->p + 1 < x->e ? x->p[1] : '\0';
	long cp;

	if (c == '\0') {
		x->bad = 1;
		return r;
	}
	if (strchr("bBAzZ", c) != NULL) {
		x->p += 2;
		r.maxc = 0;
		return r;
	}
	if (set_escape_class(r.ch, c)) {
		x->p += 2;
		return r;
	}
	if (c == 'p' || c == 'P') {
		x->p += 2;
		if (x->p < x->e && *x->p == '{') {
			while (x->p < x->e && *x->p != '}')
				x->p++;
		}
		if (x->p < x->e)
			x->p++;
		set_all(r.ch);
		return r;
	}
	if (c == 'N') {
		x->p += 2;
		set_all(r.ch);
		return r;
	}
	if (c == 'R') {
		x->p += 2;
		set_range(r.ch, 10, 13);
		r.maxc = 2;
		return r;
	}
	if ((cp = sp_char_escape(x)) < 0) {
		x->bad = 1; /* \G \K \Q \E \X \C \g \k \1 ... */
		return r;
	}
	set_char(r.ch, (unsigned long)cp);
	return r;
}

/* One atom at x->p. */
static struct sp_res
sp_atom(struct sp *x)
{
	struct sp_res r = { { 0, 0 }, 1, 1 };

	switch (*x->p) {
	case '(':
		return sp_group(x);
	case '[':
		return sp_class(x);
	case '\\':
		return sp_escape(x);
	case '.':
		x->p++;
		set_all(r.ch);
		return r;
	case '^':
	case '$':
		x->p++;
		r.maxc = 0;
		return r;
	case '*':
	case '+':
	case '?':
		x->bad = 1;
		return r;
	default:
		set_char(r.ch, sp_utf8(x));
		return r;
	}
}

/* A quantifier at x->p into [*min, *max] (SP_INF: none); 0 when there
 * is none ('{' not followed by a count is a literal). */
static int
sp_quant(struct sp *x, size_t *max)
{
	const char *p = x->p;
	size_t hi = 0;

	if (p >= x->e)
		return 0;
	if (*p == '*' || *p == '+') {
		*max = SP_INF;
		p++;
	} else if (*p == '?') {
		*max = 1;
		p++;
	} else if (*p == '{') {
		const char *q = p + 1, *d = q;
		size_t lo = 0;

		for (; q < x->e && *q >= '0' && *q <= '9'; q++)
			lo = add_sat(mul_sat(lo, 10), (size_t)(*q - '0'));
		if (q == d || q >= x->e)
			return 0;
		hi = lo;
		if (*q == ',') {
			const char *m = ++q;

			hi = 0;
			for (; q < x->e && *q >= '0' && *q <= '9'; q++)
				hi = add_sat(mul_sat(hi, 10),
				             (size_t)(*q - '0'));
			if (q == m)
				hi = SP_INF;
		}
		if (q >= x->e || *q != '}')
			return 0;
		*max = hi;
		p = q + 1;
	} else {
		return 0;
	}
	if (p < x->e && (*p == '?' || *p == '+'))
		p++;
	x->p = p;
	return 1;
}

/* Pass 2: how many characters of sep a one-character item consumes. */
static size_t
sp_sep_count(const struct sp *x, const struct sp_res *a)
{
	return (a->ch[0] & x->sep[0]) || (a->ch[1] & x->sep[1]) ? 1 : 0;
}

static struct sp_res
sp_branch(struct sp *x)
{
	struct sp_res r = { { 0, 0 }, 0, 0 };

	while (!x->bad && x->p < x->e && *x->p != ')' && *x->p != '|') {
		int single = *x->p != '(';
		struct sp_res a = sp_atom(x);
		size_t max;

		if (x->bad)
			break;
		/* a one-character item counts 1 when it can consume a
		 * separator; a group's count comes from inside */
		if (single && x->pass == 2)
			a.cnt = a.maxc == 0 ? 0 : sp_sep_count(x, &a) * a.maxc;
		if (sp_quant(x, &max)) {
			if (a.maxc == 0) {
				/* a repeated assertion or empty group */
			} else if (max == SP_INF) {
				if (x->zw == 0) {
					x->unb[0] |= a.ch[0];
					x->unb[1] |= a.ch[1];
				}
				a.maxc = SP_INF;
				a.cnt = a.cnt > 0 ? SP_SAT : 0;
			} else {
				a.maxc = a.maxc == SP_INF
				             ? SP_INF
				             : mul_sat(a.maxc, max);
				a.cnt = mul_sat(a.cnt, max);
			}
		}
		r.ch[0] |= a.ch[0];
		r.ch[1] |= a.ch[1];
		r.cnt = add_sat(r.cnt, a.cnt);
		r.maxc = r.maxc == SP_INF || a.maxc == SP_INF
		             ? SP_INF
		             : add_sat(r.maxc, a.maxc);
	}
	return r;
}

static struct sp_res
sp_alt(struct sp *x)
{
	struct sp_res r = sp_branch(x);

	while (!x->bad && x->p < x->e && *x->p == '|') {
		struct sp_res b;

		x->p++;
		b = sp_branch(x);
		r.ch[0] |= b.ch[0];
		r.ch[1] |= b.ch[1];
		r.cnt = b.cnt > r.cnt ? b.cnt : r.cnt;
		r.maxc = b.maxc > r.maxc ? b.maxc : r.maxc;
	}
	return r;
}

int
rules_span_of(const char *pattern, size_t len, struct rule_span *out)
{
	struct sp x = { 0 };
	struct sp_res r;

	out->sep[0] = out->sep[1] = 0;
	out->sep_max = SIZE_MAX;
	out->max_bytes = SIZE_MAX;
	for (int pass = 1; pass <= 2; pass++) {
		x.p = pattern;
		x.e = pattern + len;
		x.bad = 0;
		x.depth = x.zw = 0;
		x.pass = pass;
		r = sp_alt(&x);
		if (x.bad || x.p != x.e)
			return -1;
		if (pass == 1) {
			x.sep[0] = ~x.unb[0];
			x.sep[1] = ~x.unb[1];
		}
	}
	if (r.maxc != SP_INF && r.maxc < SP_SAT / 4)
		out->max_bytes = r.maxc * 4;
	if ((x.sep[0] | x.sep[1]) != 0 && r.cnt < SP_SAT) {
		out->sep[0] = x.sep[0];
		out->sep[1] = x.sep[1];
		out->sep_max = r.cnt;
	}
	return out->max_bytes == SIZE_MAX && out->sep_max == SIZE_MAX ? -1 : 0;
}

size_t
rules_span_start(const struct rule_span *sp, const char *text, size_t at,
                 size_t floor)
{
	size_t lo = floor, n = 0;

	if (sp->max_bytes != SIZE_MAX && at > sp->max_bytes &&
	    at - sp->max_bytes > lo)
		lo = at - sp->max_bytes;
	if (sp->sep_max == SIZE_MAX)
		return lo;
	for (size_t i = at; i > lo; i--) {
		unsigned char c = (unsigned char)text[i - 1];

		if (c < 128 && (sp->sep[c >> 6] >> (c & 63) & 1) &&
		    ++n > sp->sep_max)
			return i;
	}
	return lo;
}
