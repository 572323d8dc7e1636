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

struct rules_pf {
	hs_database_t *db;
	hs_scratch_t *proto;
	struct rules_lits lt; /* what the database looks for */
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
	if (k != key || count != pf->lt.nwords || plen != len - hdr ||
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
	uint64_t count = pf->lt.nwords, plen = len, sum;
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

/* Compiles the words into pf->db.  Returns 0, or -1. */
static int
pf_compile(struct rules_pf *pf)
{
	const char **expr = calloc(pf->lt.nwords, sizeof(*expr));
	unsigned *flags = calloc(pf->lt.nwords, sizeof(*flags)),
	         *ids = calloc(pf->lt.nwords, sizeof(*ids));
	size_t *lens = calloc(pf->lt.nwords, sizeof(*lens));
	hs_compile_error_t *ce = NULL;
	int rc = -1;

	if (expr != NULL && flags != NULL && ids != NULL && lens != NULL) {
		for (size_t i = 0; i < pf->lt.nwords; i++) {
			expr[i] = pf->lt.words[i].s;
			lens[i] = pf->lt.words[i].len;
			ids[i] = (unsigned)i;
			/* every place of an anchor, the first of the rest */
			flags[i] =
			    HS_RULE_FLAGS |
			    (pf->lt.words[i].anchors ? 0 : HS_FLAG_SINGLEMATCH);
		}
		if (hs_compile_lit_multi(expr, flags, ids, lens,
		                         (unsigned)pf->lt.nwords, HS_MODE_BLOCK,
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

int
rules_pf_build(struct ruleset *rs, const struct rules_options *opt,
               struct diags *d)
{
	struct rules_pf *pf = calloc(1, sizeof(*pf));
	int cache = opt->cache_dir != NULL && opt->cache_dir[0] != '\0';
	uint64_t key;

	/* The literal table is rebuilt at every load (cheap); only the
	 * compiled database comes from the cache. */
	if (pf == NULL || rules_lits_build(rs, &pf->lt) != 0) {
		diags_add(d, DIAG_ERROR, opt->dir, 0, 0,
		          "out of memory for the Hyperscan prefilter");
		rules_pf_free(pf);
		return -1;
	}
	if (pf->lt.nwords == 0) {
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
	rules_lits_free(&pf->lt);
	free(pf);
}

int
rules_pf_scratch_new(const struct ruleset *rs, struct rules_scratch *s)
{
	hs_scratch_t *hs = NULL;
	size_t n = rs->pf->lt.nunits ? rs->pf->lt.nunits : 1;

	s->unit_cand = calloc(n, 1);
	s->seen = calloc((rs->pf->lt.nwords + 7) / 8, 1);
	s->place_head = calloc(rs->pf->lt.naw + 1, sizeof(*s->place_head));
	s->place_tail = calloc(rs->pf->lt.naw + 1, sizeof(*s->place_tail));
	s->place_count = calloc(rs->pf->lt.naw + 1, sizeof(*s->place_count));
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
	const struct rules_word *w = &pf->lt.words[id];
	uint32_t a = w->aidx;

	(void)from;
	(void)flags;
	/* the sets of a word's users are marked at its first place */
	if (!(s->seen[id >> 3] & (1u << (id & 7)))) {
		s->seen[id >> 3] |= (unsigned char)(1u << (id & 7));
		for (uint32_t k = w->first; k < w->first + w->count; k++)
			s->unit_cand[pf->lt.users[k].unit] |=
			    (unsigned char)(1u << pf->lt.users[k].factor);
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

	memset(s->unit_cand, 0, pf->lt.nunits);
	memset(s->seen, 0, (pf->lt.nwords + 7) / 8);
	memset(s->place_count, 0, pf->lt.naw * sizeof(*s->place_count));
	s->places = 0;
	s->rs = rs;
	if (hs_scan(pf->db, text, (unsigned)len, 0, s->pf, on_match, s) !=
	    HS_SUCCESS)
		return -1;
	for (size_t i = 0; i < rs->rules_count; i++) {
		uint32_t u = pf->lt.rule_first[i], e = u + pf->lt.rule_units[i];

		s->cand[i] = 0;
		for (; u < e && !s->cand[i]; u++)
			s->cand[i] = s->unit_cand[u] == pf->lt.units[u].mask;
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
		       rs->pf->lt.naw * sizeof(*s->place_count));
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

/* The places of a unit's anchor words, in order, into at[]; their
 * number, SIZE_MAX when there are too many to search near. */
static size_t
unit_places(const struct rules_pf *pf, const struct rules_scratch *s,
            const struct rules_unit *un, uint32_t *at)
{
	size_t c = 0;

	for (uint32_t j = un->aw_first; j < un->aw_first + un->aw_count; j++) {
		uint32_t a = pf->lt.unit_aw[j], cnt = s->place_count[a];

		if (cnt > RULES_PF_PLACES_PER_RULE ||
		    c + cnt > RULES_PF_PLACES_PER_RULE)
			return SIZE_MAX;
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
	return c;
}

long
rules_pf_windows(const struct ruleset *rs, struct rules_scratch *s, size_t i,
                 const char *text, size_t len)
{
	const struct rules_pf *pf = rs->pf;
	uint32_t u = pf->lt.rule_first[i], e = u + pf->lt.rule_units[i];
	size_t n = 0, m = 0;

	(void)len;
	for (; u < e; u++) {
		const struct rules_unit *un = &pf->lt.units[u];
		uint32_t at[RULES_PF_PLACES_PER_RULE];
		size_t k, c, first = n;

		if (s->unit_cand[u] != un->mask)
			continue; /* this alternative cannot match */
		if (!un->span_ok)
			return -1;
		c = unit_places(pf, s, un, at);
		if (c == 0 || c == SIZE_MAX || n + c > RULES_PF_WINDOWS)
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

int
rules_pf_speed(const struct ruleset *rs, size_t i)
{
	const struct rules_pf *pf = rs->pf;
	uint32_t u, e;
	int speed = RULES_SPEED_NEAR;

	if (pf == NULL || i >= rs->rules_count)
		return -1;
	u = pf->lt.rule_first[i];
	e = u + pf->lt.rule_units[i];
	for (; u < e; u++) {
		if (pf->lt.units[u].mask == 0)
			return RULES_SPEED_EVERY_MESSAGE;
		if (!pf->lt.units[u].span_ok)
			speed = RULES_SPEED_WHOLE_TEXT;
	}
	return speed;
}

void
rules_pf_coverage(const struct ruleset *rs, size_t *covered, size_t *near)
{
	*covered = *near = 0;
	for (size_t i = 0; rs->pf != NULL && i < rs->rules_count; i++) {
		int speed = rules_pf_speed(rs, i);

		*covered += speed != RULES_SPEED_EVERY_MESSAGE;
		*near += speed == RULES_SPEED_NEAR;
	}
}
