/*
 * rules_hs.c - the Hyperscan prefilter of the rule set.
 *
 * Owns: the reduction of every pattern to units (its alternatives) and
 * of each unit to the literal sets each of its matches must contain,
 * with one anchor set whose places are recorded and the span before it
 * (rules_span.c); one block-mode Hyperscan literal database over the
 * distinct literals, normalized as the text is (a superset matcher: it
 * may let through a rule that PCRE2 then rejects, never miss one); its
 * per-thread scratch (cloned from a prototype) and the on-disk cache of
 * the compiled database in cache_dir/<hash>.hsdb, written atomically
 * (temporary file + rename).  Rules with a unit without literals run
 * with PCRE2 over the whole text.
 *
 * Untrusted input: the text scanned (mail, normalized; any bytes) and
 * the cache file (bounded, checked by key, word count and checksum
 * before Hyperscan deserializes it).
 */
#include "rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hs.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "triage/log.h"
#include "triage/normalize.h"

#define HS_RULE_FLAGS HS_FLAG_CASELESS

/* Cache file: magic, key, word count, payload checksum and length,
 * payload (the serialized database). */
static const char cache_magic[8] = { 'T', 'R', 'H', 'S', 'D', 'B', '0', '2' };

struct pf_lit;
struct pf_word;
struct pf_unit;

struct rules_pf {
	hs_database_t *db;
	hs_scratch_t *proto;
	struct pf_lit *lits; /* while building: every unit's literals */
	size_t nlits;
	struct pf_user *users; /* the users of each word, grouped by word */
	char *arena;           /* the words' text */
	struct pf_word *words; /* Hyperscan id -> distinct literal */
	size_t nwords;
	struct pf_unit *units;
	size_t nunits;
	uint32_t *unit_aw;    /* anchor word lists of the units */
	size_t naw;           /* words with a place list */
	uint32_t *rule_first; /* a rule's units: rule_first[i] ... */
	uint16_t *rule_units; /* ... and how many */
};

/* The cache key: every pattern, id and flag set in order, and the
 * Hyperscan version. */
static uint64_t
pf_key(const struct ruleset *rs)
{
	uint64_t h = RULES_FNV_SEED;
	const char *v = hs_version();
	uint32_t flags = HS_RULE_FLAGS;

	/* the literal extraction is part of what the database holds */
	h = rules_fnv1a(h, "literals-5", 11);
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

/* Reads a cached database for key; 0 with pf->db set, -1 when there
 * is none or it is unusable. */
static int
cache_read(struct rules_pf *pf, const char *dir, uint64_t key)
{
	size_t hdr = 8 + 8 + 8 + 8 + 8, len = 0;
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
	memcpy(&sum, data + 24, 8);
	memcpy(&plen, data + 32, 8);
	/* the word count checks that the database holds this literal
	 * table (built the same way from the same patterns) */
	if (k != key || count != pf->nwords || plen != len - hdr ||
	    sum != rules_fnv1a(RULES_FNV_SEED, data + hdr, len - hdr))
		goto bad;
	if (hs_deserialize_database(data + hdr, len - hdr, &pf->db) !=
	    HS_SUCCESS)
		goto bad;
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
cache_write_file(const struct rules_pf *pf, uint64_t key, const char *path,
                 const char *bytes, size_t len)
{
	uint64_t count = pf->nwords, plen = len, sum;
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
	if (write_all(fd, cache_magic, 8) == 0 && write_all(fd, &key, 8) == 0 &&
	    write_all(fd, &count, 8) == 0 && write_all(fd, &sum, 8) == 0 &&
	    write_all(fd, &plen, 8) == 0 && write_all(fd, bytes, len) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp.data, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp.data);
	buf_free(&tmp);
	return rc;
}

/* Keeps the newest TRIAGE_MAX_HS_CACHE_FILES databases in dir: every
 * change to the rules writes a new file, and each is megabytes. */
static void
cache_prune(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, NULL);
	struct {
		char name[256];
		time_t mtime;
	} files[64];
	size_t count = 0;

	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);
		struct stat sb;
		char p[4300];

		if (l > 5 && l < sizeof(files[0].name) &&
		    strcmp(nm + l - 5, ".hsdb") == 0 && count < 64) {
			if ((size_t)snprintf(p, sizeof(p), "%.4000s/%s", dir,
			                     nm) < sizeof(p) &&
			    stat(p, &sb) == 0) {
				str_lcpy(files[count].name, nm,
				         sizeof(files[0].name));
				files[count++].mtime = sb.st_mtime;
			}
		}
		free(ents[i]);
	}
	free(ents);
	while (count > TRIAGE_MAX_HS_CACHE_FILES) {
		size_t old = 0;
		char p[4300];

		for (size_t i = 1; i < count; i++)
			if (files[i].mtime < files[old].mtime)
				old = i;
		if ((size_t)snprintf(p, sizeof(p), "%.4000s/%s", dir,
		                     files[old].name) < sizeof(p))
			unlink(p);
		files[old] = files[--count];
	}
}

static void
cache_write(const struct rules_pf *pf, const char *dir, uint64_t key)
{
	char *bytes = NULL;
	size_t len = 0;
	struct buf path;

	if (hs_serialize_database(pf->db, &bytes, &len) != HS_SUCCESS) {
		log_warn("rules: cannot serialize the Hyperscan database; not "
		         "cached");
		return;
	}
	/* A fresh checkout has no build/cache yet: make the last level. */
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		log_warn("rules: cannot create cache directory %s: %s", dir,
		         strerror(errno));
	cache_path(&path, dir, key);
	if (path.data == NULL ||
	    cache_write_file(pf, key, path.data, bytes, len)) {
		log_warn("rules: cannot write Hyperscan cache in %s: %s; "
		         "compiling at every load",
		         dir, strerror(errno));
	} else {
		cache_prune(dir);
	}
	buf_free(&path);
	free(bytes);
}

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

struct pf_unit {
	unsigned rule;
	unsigned char mask; /* one bit per required set */
	int span_ok;
	struct rule_span span;
	uint32_t aw_first, aw_count; /* its anchor words in pf->unit_aw */
};

struct pf_lit {
	char *s;
	size_t len;
	uint32_t unit;
	unsigned char factor; /* bit of the unit's mask */
	unsigned char anchor; /* 1: its places are recorded */
};

struct pf_user {
	uint32_t unit;
	unsigned char factor;
};

struct pf_word {
	const char *s; /* in pf->arena (while building: a user's) */
	size_t len;
	uint32_t first, count; /* its users in pf->users */
	uint32_t anchors;      /* users for which it is an anchor */
	uint32_t aidx;         /* its place list; UINT32_MAX: none */
};

struct pf_build {
	size_t lits_cap, units_cap;
};

static void
pf_lits_free(struct rules_pf *pf)
{
	for (size_t i = 0; i < pf->nlits; i++)
		free(pf->lits[i].s);
	free(pf->lits);
	free(pf->users);
	free(pf->arena);
	free(pf->words);
	free(pf->units);
	free(pf->unit_aw);
	free(pf->rule_first);
	free(pf->rule_units);
	pf->lits = NULL;
	pf->users = NULL;
	pf->arena = NULL;
	pf->words = NULL;
	pf->units = NULL;
	pf->unit_aw = NULL;
	pf->rule_first = NULL;
	pf->rule_units = NULL;
	pf->nlits = pf->nwords = pf->nunits = 0;
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
	const struct pf_lit *x = a, *y = b;
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
pf_anchor_words(struct rules_pf *pf)
{
	uint32_t *pairs =
	    calloc(2 * (pf->nlits ? pf->nlits : 1), sizeof(*pairs));
	size_t n = 0;

	if (pairs == NULL)
		return -1;
	pf->naw = 0;
	for (size_t w = 0; w < pf->nwords; w++) {
		struct pf_word *wd = &pf->words[w];

		wd->aidx = wd->anchors ? (uint32_t)pf->naw++ : UINT32_MAX;
		for (uint32_t k = wd->first; k < wd->first + wd->count; k++)
			if (pf->lits[k].anchor) {
				pairs[2 * n] = pf->lits[k].unit;
				pairs[2 * n++ + 1] = wd->aidx;
			}
	}
	qsort(pairs, n, 2 * sizeof(*pairs), aw_cmp);
	if ((pf->unit_aw = calloc(n ? n : 1, sizeof(*pf->unit_aw))) == NULL) {
		free(pairs);
		return -1;
	}
	for (size_t k = 0, m = 0; k < n; k++) {
		struct pf_unit *un = &pf->units[pairs[2 * k]];

		if (k > 0 && pairs[2 * k] == pairs[2 * k - 2] &&
		    pairs[2 * k + 1] == pairs[2 * k - 1])
			continue; /* the same word twice in one set */
		if (un->aw_count++ == 0)
			un->aw_first = (uint32_t)m;
		pf->unit_aw[m++] = pairs[2 * k + 1];
	}
	free(pairs);
	return 0;
}

/* Sorts the literals and makes one word of each distinct one. */
static int
pf_words(struct rules_pf *pf)
{
	size_t w = 0;

	qsort(pf->lits, pf->nlits, sizeof(*pf->lits), lit_cmp);
	if ((pf->words = calloc(pf->nlits, sizeof(*pf->words))) == NULL)
		return -1;
	for (size_t i = 0; i < pf->nlits; i++) {
		const struct pf_lit *l = &pf->lits[i];

		if (i == 0 || l->len != pf->words[w - 1].len ||
		    memcmp(l->s, pf->words[w - 1].s, l->len) != 0)
			pf->words[w++] =
			    (struct pf_word){ l->s, l->len, (uint32_t)i,
				              0,    0,      UINT32_MAX };
		pf->words[w - 1].count++;
		pf->words[w - 1].anchors += l->anchor;
	}
	pf->nwords = w;
	return pf_anchor_words(pf);
}

static int
pf_lit_add(struct rules_pf *pf, struct pf_build *b, char *s, size_t len,
           size_t unit, unsigned factor, int anchor)
{
	if (pf->nlits == b->lits_cap) {
		size_t ncap = b->lits_cap ? b->lits_cap * 2 : 1024;
		struct pf_lit *nl = realloc(pf->lits, ncap * sizeof(*nl));

		if (nl == NULL)
			return -1;
		pf->lits = nl;
		b->lits_cap = ncap;
	}
	pf->lits[pf->nlits++] =
	    (struct pf_lit){ s, len, (uint32_t)unit, (unsigned char)factor,
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
pf_unit_literals(struct rules_pf *pf, struct pf_build *b, size_t u,
                 const char *pattern, size_t len)
{
	struct pf_unit *un = &pf->units[u];
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
			    pf_lit_add(pf, b, lit[k], lens[k], u,
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
		if (rc == 0 && pf_lit_add(pf, b, alit[k], alens[k], u,
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
pf_add_unit(struct rules_pf *pf, struct pf_build *b, size_t i,
            const char *pattern, size_t len)
{
	size_t u;

	if (pf->nunits == b->units_cap) {
		size_t ncap = b->units_cap ? b->units_cap * 2 : 1024;
		struct pf_unit *nu = realloc(pf->units, ncap * sizeof(*nu));

		if (nu == NULL)
			return -1;
		pf->units = nu;
		b->units_cap = ncap;
	}
	u = pf->nunits++;
	pf->units[u] = (struct pf_unit){ .rule = (unsigned)i };
	return pf_unit_literals(pf, b, u, pattern, len);
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
pf_rule_literals(struct ruleset *rs, struct rules_pf *pf, struct pf_build *b,
                 size_t i)
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
	pf->rule_first[i] = (uint32_t)pf->nunits;
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
					rc = pf_add_unit(pf, b, i, tmp.data,
					                 tmp.len);
				units++;
			}
		} else {
			rc = pf_add_unit(pf, b, i, bp, bl);
			units++;
		}
	}
	buf_free(&tmp);
	pf->rule_units[i] = (uint16_t)units;
	return rc;
}

/* Compiles the words into pf->db.  Returns 0, or -1. */
static int
pf_compile(struct rules_pf *pf)
{
	const char **expr = calloc(pf->nwords, sizeof(*expr));
	unsigned *flags = calloc(pf->nwords, sizeof(*flags)),
	         *ids = calloc(pf->nwords, sizeof(*ids));
	size_t *lens = calloc(pf->nwords, sizeof(*lens));
	hs_compile_error_t *ce = NULL;
	int rc = -1;

	if (expr != NULL && flags != NULL && ids != NULL && lens != NULL) {
		for (size_t i = 0; i < pf->nwords; i++) {
			expr[i] = pf->words[i].s;
			lens[i] = pf->words[i].len;
			ids[i] = (unsigned)i;
			/* every place of an anchor, the first of the rest */
			flags[i] =
			    HS_RULE_FLAGS |
			    (pf->words[i].anchors ? 0 : HS_FLAG_SINGLEMATCH);
		}
		if (hs_compile_lit_multi(expr, flags, ids, lens,
		                         (unsigned)pf->nwords, HS_MODE_BLOCK,
		                         NULL, &pf->db, &ce) == HS_SUCCESS)
			rc = 0;
		else
			log_warn(
			    "rules: Hyperscan cannot compile the literals: "
			    "%s; using PCRE2 only",
			    ce ? ce->message : "unknown");
		hs_free_compile_error(ce);
	}
	free(expr);
	free(flags);
	free(ids);
	free(lens);
	return rc;
}

/* Keeps what the scan needs: the words' text in one arena and 8 bytes
 * per user, instead of a string and a record per literal (tens of
 * thousands once alternatives are split). */
static int
pf_compact(struct rules_pf *pf)
{
	size_t total = 0, off = 0;

	for (size_t w = 0; w < pf->nwords; w++)
		total += pf->words[w].len + 1;
	pf->arena = malloc(total ? total : 1);
	pf->users = calloc(pf->nlits ? pf->nlits : 1, sizeof(*pf->users));
	if (pf->arena == NULL || pf->users == NULL)
		return -1;
	for (size_t w = 0; w < pf->nwords; w++) {
		struct pf_word *wd = &pf->words[w];

		memcpy(pf->arena + off, wd->s, wd->len);
		pf->arena[off + wd->len] = '\0';
		wd->s = pf->arena + off;
		off += wd->len + 1;
	}
	for (size_t i = 0; i < pf->nlits; i++) {
		pf->users[i] =
		    (struct pf_user){ pf->lits[i].unit, pf->lits[i].factor };
		free(pf->lits[i].s);
	}
	free(pf->lits);
	pf->lits = NULL;
	pf->nlits = 0;
	/* the words and units arrays were grown by doubling */
	shrink((void **)&pf->words, pf->nwords * sizeof(*pf->words));
	shrink((void **)&pf->units, pf->nunits * sizeof(*pf->units));
	return 0;
}

/* Builds the literal table of every rule.  Returns 0, or -1 on out of
 * memory. */
static int
pf_tables(struct ruleset *rs, struct rules_pf *pf)
{
	struct pf_build b = { 0, 0 };
	size_t n = rs->rules_count ? rs->rules_count : 1;

	pf->rule_first = calloc(n, sizeof(*pf->rule_first));
	pf->rule_units = calloc(n, sizeof(*pf->rule_units));
	if (pf->rule_first == NULL || pf->rule_units == NULL)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++)
		if (pf_rule_literals(rs, pf, &b, i) != 0)
			return -1;
	if (pf->nunits > UINT32_MAX || pf->nlits > UINT_MAX ||
	    pf_words(pf) != 0)
		return -1;
	return pf_compact(pf);
}

int
rules_pf_build(struct ruleset *rs, const struct rules_options *opt,
               struct diags *d)
{
	struct rules_pf *pf = calloc(1, sizeof(*pf));
	int cache = opt->cache_dir != NULL && opt->cache_dir[0] != '\0';
	uint64_t key;

	/* The literal table is rebuilt at every load (cheap); only the
	 * compiled database comes from the cache. */
	if (pf == NULL || pf_tables(rs, pf) != 0) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory for the Hyperscan prefilter");
		rules_pf_free(pf);
		return -1;
	}
	if (pf->nwords == 0) {
		rules_pf_free(pf); /* nothing to prefilter: PCRE2 alone */
		return 0;
	}
	key = pf_key(rs);
	rs->pf_cached = cache && cache_read(pf, opt->cache_dir, key) == 0;
	if (!rs->pf_cached) {
		if (pf_compile(pf) != 0) {
			/* Not an error: PCRE2 alone gives the same results. */
			rules_pf_free(pf);
			return 0;
		}
		if (cache)
			cache_write(pf, opt->cache_dir, key);
	}
	if (hs_alloc_scratch(pf->db, &pf->proto) != HS_SUCCESS) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory for Hyperscan scratch space");
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
	pf_lits_free(pf);
	free(pf);
}

int
rules_pf_scratch_new(const struct ruleset *rs, struct rules_scratch *s)
{
	hs_scratch_t *hs = NULL;
	size_t n = rs->pf->nunits ? rs->pf->nunits : 1;

	s->unit_cand = calloc(n, 1);
	s->seen = calloc((rs->pf->nwords + 7) / 8, 1);
	s->place_head = calloc(rs->pf->naw + 1, sizeof(*s->place_head));
	s->place_tail = calloc(rs->pf->naw + 1, sizeof(*s->place_tail));
	s->place_count = calloc(rs->pf->naw + 1, sizeof(*s->place_count));
	s->place = calloc(RULES_PF_PLACES, sizeof(*s->place));
	s->win = calloc(2 * RULES_PF_WINDOWS, sizeof(*s->win));
	if (s->unit_cand == NULL || s->seen == NULL || s->place_head == NULL ||
	    s->place_tail == NULL || s->place_count == NULL ||
	    s->place == NULL || s->win == NULL ||
	    hs_clone_scratch(rs->pf->proto, &hs) != HS_SUCCESS)
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
	free(s->unit_cand);
	free(s->seen);
	free(s->place_head);
	free(s->place_tail);
	free(s->place_count);
	free(s->place);
	free(s->win);
	s->unit_cand = s->seen = NULL;
	s->place_head = s->place_tail = NULL;
	s->place_count = NULL;
	s->place = NULL;
	s->win = NULL;
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
         unsigned flags, void *ctx)
{
	struct rules_scratch *s = ctx;
	const struct rules_pf *pf = s->rs->pf;
	const struct pf_word *w = &pf->words[id];
	uint32_t a = w->aidx;

	(void)from;
	(void)flags;
	/* the sets of a word's users are marked at its first place */
	if (!(s->seen[id >> 3] & (1u << (id & 7)))) {
		s->seen[id >> 3] |= (unsigned char)(1u << (id & 7));
		for (uint32_t k = w->first; k < w->first + w->count; k++)
			s->unit_cand[pf->users[k].unit] |=
			    (unsigned char)(1u << pf->users[k].factor);
	}
	/* every place of an anchor word, once for all its users */
	if (a == UINT32_MAX || s->place_count[a] > RULES_PF_PLACES_PER_RULE)
		return 0;
	if (s->place_count[a] == RULES_PF_PLACES_PER_RULE ||
	    s->places == RULES_PF_PLACES) {
		/* too many: its units are confirmed over the whole text */
		s->place_count[a] = RULES_PF_PLACES_PER_RULE + 1;
		return 0;
	}
	s->place[s->places] =
	    (struct rules_place){ (uint32_t)(to - w->len), UINT32_MAX };
	if (s->place_count[a]++ == 0)
		s->place_head[a] = (uint32_t)s->places;
	else
		s->place[s->place_tail[a]].next = (uint32_t)s->places;
	s->place_tail[a] = (uint32_t)s->places++;
	return 0;
}

/* Scans text; then s->cand[i] says whether rule i may match. */
static int
pf_scan(const struct ruleset *rs, struct rules_scratch *s, const char *text,
        size_t len)
{
	const struct rules_pf *pf = rs->pf;

	memset(s->unit_cand, 0, pf->nunits);
	memset(s->seen, 0, (pf->nwords + 7) / 8);
	memset(s->place_count, 0, pf->naw * sizeof(*s->place_count));
	s->places = 0;
	s->rs = rs;
	if (hs_scan(pf->db, text, (unsigned)len, 0, s->pf, on_match, s) !=
	    HS_SUCCESS)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++) {
		uint32_t u = pf->rule_first[i], e = u + pf->rule_units[i];

		s->cand[i] = 0;
		for (; u < e && !s->cand[i]; u++)
			s->cand[i] = s->unit_cand[u] == pf->units[u].mask;
	}
	return 0;
}

int
rules_pf_scan(const struct ruleset *rs, struct rules_scratch *s,
              const char *text, size_t len, struct triage_err *err)
{
	if (len >= UINT32_MAX) {
		/* every rule over the whole text */
		memset(s->cand, 1, rs->rules_count);
		memset(s->place_count, 0xff,
		       rs->pf->naw * sizeof(*s->place_count));
		return 0;
	}
	if (pf_scan(rs, s, text, len) != 0) {
		triage_err_set(err, "rules: Hyperscan scan failed");
		return -1;
	}
	return 0;
}

static int
win_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

long
rules_pf_windows(const struct ruleset *rs, struct rules_scratch *s, size_t i,
                 const char *text, size_t len)
{
	const struct rules_pf *pf = rs->pf;
	uint32_t u = pf->rule_first[i], e = u + pf->rule_units[i];
	size_t n = 0, m = 0;

	(void)len;
	for (; u < e; u++) {
		const struct pf_unit *un = &pf->units[u];
		uint32_t at[RULES_PF_PLACES_PER_RULE];
		size_t k = 0, c = 0, first = n;

		if (s->unit_cand[u] != un->mask)
			continue; /* this alternative cannot match */
		if (!un->span_ok)
			return -1;
		/* the places of the unit's anchor words, in order */
		for (uint32_t j = un->aw_first; j < un->aw_first + un->aw_count;
		     j++) {
			uint32_t a = pf->unit_aw[j], cnt = s->place_count[a];

			if (cnt > RULES_PF_PLACES_PER_RULE ||
			    c + cnt > RULES_PF_PLACES_PER_RULE)
				return -1;
			for (uint32_t p = s->place_head[a]; cnt-- > 0;
			     p = s->place[p].next) {
				size_t q = c++;

				while (q > 0 && at[q - 1] > s->place[p].at) {
					at[q] = at[q - 1];
					q--;
				}
				at[q] = s->place[p].at;
			}
		}
		if (c == 0 || n + c > RULES_PF_WINDOWS)
			return -1;
		for (k = 0; k < c; k++) {
			/* walking back stops at the previous window: a start
			 * there or before only merges the two (the bound only
			 * grows with the place), which keeps the walks of a
			 * rule within one pass over the text */
			size_t floor = n > first ? s->win[2 * n - 1] + 1 : 0;
			size_t lo =
			    rules_span_start(&un->span, text, at[k], floor);

			if (n > first && lo <= floor) {
				s->win[2 * n - 1] = at[k];
				continue;
			}
			s->win[2 * n] = lo;
			s->win[2 * n++ + 1] = at[k];
		}
	}
	if (n == 0)
		return -1;
	qsort(s->win, n, 2 * sizeof(*s->win), win_cmp);
	/* windows that touch are searched as one */
	for (size_t k = 1; k < n; k++) {
		if (s->win[2 * k] <= s->win[2 * m + 1] + 1) {
			if (s->win[2 * k + 1] > s->win[2 * m + 1])
				s->win[2 * m + 1] = s->win[2 * k + 1];
		} else {
			m++;
			s->win[2 * m] = s->win[2 * k];
			s->win[2 * m + 1] = s->win[2 * k + 1];
		}
	}
	return (long)(m + 1);
}

long
rules_pf_bare_scan(const struct ruleset *rs, struct rules_scratch *s,
                   const char *text, size_t len)
{
	long n = 0;

	if (rs->pf == NULL || len >= UINT32_MAX || pf_scan(rs, s, text, len))
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++)
		n += s->cand[i];
	return n;
}

void
rules_pf_coverage(const struct ruleset *rs, size_t *covered, size_t *near)
{
	const struct rules_pf *pf = rs->pf;

	*covered = *near = 0;
	for (size_t i = 0; pf != NULL && i < rs->rules_count; i++) {
		uint32_t u = pf->rule_first[i], e = u + pf->rule_units[i];
		int all = 1, spans = 1;

		for (; u < e; u++) {
			all &= pf->units[u].mask != 0;
			spans &= pf->units[u].span_ok;
		}
		*covered += (size_t)all;
		*near += (size_t)(all && spans);
	}
}
