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

/* Compiles every rule not yet excluded; a pattern Hyperscan rejects is
 * excluded (left to PCRE2) and the rest compiled again.  Returns 0 with
 * pf->db set, or -1 when nothing could be compiled. */
static int
pf_compile(struct ruleset *rs, struct rules_pf *pf)
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
			expr[k] = rs->rules[i].pattern;
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
pf_mark(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->rules_count; i++) {
		struct rule *r = &rs->rules[i];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;

		r->in_prefilter = hs_expression_info(r->pattern, HS_RULE_FLAGS,
		                                     &info, &ce) == HS_SUCCESS;
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
		pf_mark(rs);
		if (pf_compile(rs, pf) != 0) {
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
