/*
 * rules_hs.c - the Hyperscan prefilter of the rule set.
 *
 * Owns: one block-mode Hyperscan database over the literals each rule's
 * matches must contain (a superset matcher: it may let through a rule
 * that PCRE2 then rejects, never miss one), its per-thread
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

#define HS_RULE_FLAGS                                                          \
	(HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SINGLEMATCH | \
	 HS_FLAG_PREFILTER)

/* Cache file: magic, key, rule count, one byte per rule (in the
 * database or not), payload checksum and length, payload. */
static const char cache_magic[8] = { 'T', 'R', 'H', 'S', 'D', 'B', '0', '1' };

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

	/* the literal extraction is part of what the database holds */
	h = rules_fnv1a(h, "literals-3", 11);
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
 * pf_mask restored, -1 when there is none or it is unusable. */
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
		rs->rules[i].pf_mask = (unsigned char)data[24 + i];
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
cache_write_file(const struct ruleset *rs, const char *path, const char *bytes,
                 size_t len)
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
	    write_all(fd, &(uint64_t){ pf_key(rs) }, 8) == 0 &&
	    write_all(fd, &count, 8) == 0) {
		rc = 0;
		for (size_t i = 0; i < rs->rules_count && rc == 0; i++) {
			char b = (char)rs->rules[i].pf_mask;

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
	/* A fresh checkout has no build/cache yet: make the last level. */
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		log_warn("rules: cannot create cache directory %s: %s", dir,
		         strerror(errno));
	cache_path(&path, dir, key);
	if (path.data == NULL || cache_write_file(rs, path.data, bytes, len)) {
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

/* One factor as a Hyperscan expression: its literals, escaped. */
static char *
factor_expr(const struct lits *l)
{
	struct buf out;

	buf_init(&out, 16u * TRIAGE_MAX_PATTERN_LEN);
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			buf_putc(&out, '|');
		for (const unsigned char *s = (const unsigned char *)l->v[i];
		     *s; s++) {
			if (*s >= 0x80 || (*s >= '0' && *s <= '9') ||
			    (*s >= 'a' && *s <= 'z') ||
			    (*s >= 'A' && *s <= 'Z'))
				buf_putc(&out, (char)*s);
			else
				buf_printf(&out, "\\x%02x", *s);
		}
	}
	return buf_steal(&out);
}

/* The Hyperscan expressions (one per required factor) of pattern into
 * expr; their number, 0 when there is none (the rule then runs on every
 * message). */
static size_t
literal_exprs(const char *pattern, size_t len, char **expr)
{
	struct lx x = { pattern, pattern + len, 0, 0 };
	struct factors fs = lx_seq(&x);
	size_t n = 0;

	if (x.p != x.e)
		x.bad = 1; /* an unbalanced ')' */
	for (size_t i = 0; !x.bad && i < fs.n; i++) {
		if ((expr[n] = factor_expr(&fs.f[i])) == NULL)
			break;
		n++;
	}
	if (n < fs.n || x.bad) {
		while (n > 0)
			free(expr[--n]);
	}
	factors_free(&fs);
	return n;
}

/* Compiles the factors of every rule not yet excluded (id = rule * 8 +
 * factor); a rule Hyperscan rejects is excluded (left to PCRE2) and the
 * rest compiled again.  Returns 0 with pf->db set, or -1 when nothing
 * could be compiled. */
static int
pf_compile(struct ruleset *rs, struct rules_pf *pf, char *const *ex)
{
	size_t n = rs->rules_count * RULES_PF_FACTORS;
	const char **expr = calloc(n, sizeof(*expr));
	unsigned *flags = calloc(n, sizeof(*flags)),
	         *ids = calloc(n, sizeof(*ids));
	int rc = -1;

	while (expr != NULL && flags != NULL && ids != NULL) {
		hs_compile_error_t *ce = NULL;
		unsigned k = 0;

		for (size_t i = 0; i < n; i++) {
			if (ex[i] == NULL ||
			    !rs->rules[i / RULES_PF_FACTORS].pf_mask)
				continue;
			expr[k] = ex[i];
			flags[k] = HS_RULE_FLAGS;
			ids[k++] = (unsigned)(i / RULES_PF_FACTORS * 8 +
			                      i % RULES_PF_FACTORS);
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
			log_warn(
			    "rules: Hyperscan cannot compile the rule set: %s; "
			    "using PCRE2 only",
			    ce ? ce->message : "unknown");
			hs_free_compile_error(ce);
			break;
		}
		log_debug(
		    "rules: rule %s runs without the Hyperscan prefilter: "
		    "%s",
		    rs->rules[ids[ce->expression] / 8].id, ce->message);
		rs->rules[ids[ce->expression] / 8].pf_mask = 0;
		hs_free_compile_error(ce);
	}
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

static void
pf_clear(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->rules_count; i++)
		rs->rules[i].pf_mask = 0;
}

/* Reduces every pattern to its required literals (checked one by one
 * with hs_expression_info, much cheaper than failing a whole compile
 * per rejection), then compiles what Hyperscan accepts. */
static int
pf_compile_all(struct ruleset *rs, struct rules_pf *pf)
{
	size_t n = rs->rules_count * RULES_PF_FACTORS;
	char **ex = calloc(n, sizeof(*ex));
	int rc;

	if (ex == NULL)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++) {
		struct rule *r = &rs->rules[i];
		char **mine = ex + i * RULES_PF_FACTORS;
		size_t k = literal_exprs(r->pattern, r->pattern_len, mine);

		r->pf_mask = (unsigned char)((1u << k) - 1);
		for (size_t f = 0; f < k; f++) {
			hs_expr_info_t *info = NULL;
			hs_compile_error_t *ce = NULL;

			if (hs_expression_info(mine[f], HS_RULE_FLAGS, &info,
			                       &ce) != HS_SUCCESS)
				r->pf_mask = 0;
			free(info);
			hs_free_compile_error(ce);
		}
	}
	rc = pf_compile(rs, pf, ex);
	for (size_t i = 0; i < n; i++)
		free(ex[i]);
	free(ex);
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
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory for the "
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
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory for "
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
		if ((n == 2 &&
		     (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
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
	cand[id / 8] |= (unsigned char)(1u << (id % 8));
	return 0;
}

int
rules_pf_scan(const struct ruleset *rs, struct rules_scratch *s,
              const char *text, size_t len, struct triage_err *err)
{
	hs_error_t e;

	if (len > UINT_MAX || !utf8_valid((const unsigned char *)text, len)) {
		memset(s->cand, 0xff, rs->rules_count);
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
		n +=
		    rs->rules[i].pf_mask &&
		    (s->cand[i] & rs->rules[i].pf_mask) == rs->rules[i].pf_mask;
	return n;
}
