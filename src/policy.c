/*
 * policy.c - flags, scores and tier to the action, the exact header
 * values, the optional subject tag and route (see policy.h).
 *
 * Owns: the first-match walk of the policy table, the text of every
 * header of the contract in DESIGN.md, making those values printable
 * ASCII, folding them at 78 columns and capping them.
 *
 * Untrusted input: the subject of the mail, and values that came from
 * mail or the database (customer tier, match basis, history flag names).
 * Every byte of them that reaches a header value passes policy_ascii();
 * the raw Subject kept in a tagged subject passes subject_clean(), which
 * lets only proper folds through.
 */
#include "triage/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"

#ifndef TRIAGE_VERSION
#error "TRIAGE_VERSION must be defined by the build"
#endif

#define FOLD_COLS 78

static const char why_default[] = "default action (no policy line matched)";

char *
policy_ascii(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;
	int in_seq = 0;

	if (dstlen == 0)
		return dst;
	for (const unsigned char *p = (const unsigned char *)src;
	     p != NULL && *p && o + 1 < dstlen; p++) {
		/* one '?' per UTF-8 sequence, not one per byte */
		if (*p >= 0x80 && (*p & 0xc0) == 0x80 && in_seq)
			continue;
		in_seq = *p >= 0x80;
		dst[o++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
	}
	dst[o] = '\0';
	return dst;
}

/* Where to break the line that starts at value[start] and may hold room
 * more columns: the last space that fits after a ',' or ';', else the
 * last space that fits, else the first space at all.  0 when none. */
static size_t
fold_break(const char *value, size_t start, size_t room)
{
	size_t pref = 0, any = 0;

	for (size_t i = start + 1; value[i] && i - start <= room; i++) {
		if (value[i] != ' ')
			continue;
		any = i;
		if (value[i - 1] == ',' || value[i - 1] == ';')
			pref = i;
	}
	if (pref)
		return pref;
	if (any)
		return any;
	for (size_t i = start + 1; value[i]; i++)
		if (value[i] == ' ')
			return i;
	return 0;
}

int
policy_fold(const char *value, size_t name_len, char *out, size_t outlen)
{
	size_t len = strlen(value), start = 0, o = 0, used = name_len + 2;

	while (len - start + used > FOLD_COLS) {
		size_t room = used < FOLD_COLS ? FOLD_COLS - used : 0;
		size_t brk = fold_break(value, start, room);

		if (brk == 0)
			break;
		if (o + (brk - start) + 2 >= outlen)
			return -1;
		memcpy(out + o, value + start, brk - start);
		o += brk - start;
		out[o++] = '\n';
		out[o++] = '\t';
		start = brk + 1;
		used = 1;
	}
	if (o + (len - start) >= outlen)
		return -1;
	memcpy(out + o, value + start, len - start);
	out[o + len - start] = '\0';
	return 0;
}

/* Joins the first k items with sep, plus sep + "..." when k < n. */
static int
join_items(struct buf *b, const char *const *items, size_t n, size_t k,
           const char *sep)
{
	buf_reset(b);
	for (size_t i = 0; i < k; i++)
		if (buf_printf(b, "%s%s", i ? sep : "", items[i]) != BUF_OK)
			return -1;
	if (k < n && buf_printf(b, "%s...", k ? sep : "") != BUF_OK)
		return -1;
	if (n == 0 && buf_puts(b, "none") != BUF_OK)
		return -1;
	return buf_append(b, "", 0) == BUF_OK ? 0 : -1;
}

/* Adds a header whose value is a list: as many items as fit, folded and
 * within TRIAGE_MAX_ADDED_HEADER_LEN, cut at an item with sep "...".
 * tail (may be NULL) always ends the value. */
static int
add_list(const struct config *cfg, struct actions *out, const char *suffix,
         const char *const *items, size_t n, const char *sep, const char *tail)
{
	struct policy_header *h = &out->headers[out->headers_count];
	struct buf b;
	size_t k = 0, raw = 0;

	/* start from the items whose plain join fits the cap at all */
	while (k < n && raw + strlen(items[k]) <= TRIAGE_MAX_ADDED_HEADER_LEN)
		raw += strlen(items[k++]) + strlen(sep);
	if (k == 0)
		k = n > 0 ? 1 : 0;
	snprintf(h->name, sizeof(h->name), "%s%s", cfg->header_prefix, suffix);
	buf_init(&b, 64 * 1024);
	for (;;) {
		if (join_items(&b, items, n, k, sep) < 0 ||
		    (tail && buf_puts(&b, tail) != BUF_OK)) {
			buf_free(&b);
			return -1;
		}
		if (b.len <= TRIAGE_MAX_ADDED_HEADER_LEN &&
		    policy_fold(buf_cstr(&b), strlen(h->name), h->value,
		                sizeof(h->value)) == 0)
			break;
		if (k == 0) {
			buf_free(&b);
			return -1;
		}
		k--;
	}
	buf_free(&b);
	out->headers_count++;
	return 0;
}

/* Adds a header with a single value. */
static int
add_one(const struct config *cfg, struct actions *out, const char *suffix,
        const char *value)
{
	const char *items[1];

	items[0] = value;
	return add_list(cfg, out, suffix, items, 1, "", NULL);
}

/* The tier the customer is in, as the policy and the headers see it. */
static const char *
tier_of(const struct config *cfg, const struct customer *c)
{
	if (c == NULL)
		return cfg->tier_unknown;
	if (c->tier[0] != '\0')
		return c->tier;
	return c->db_ok ? cfg->tier_new : cfg->tier_unknown;
}

static int
flag_is_set(const struct verdict *v, const char *name)
{
	for (size_t i = 0; v != NULL && i < v->flags_count; i++)
		if (v->flags[i].set && v->flags[i].name != NULL &&
		    strcmp(v->flags[i].name, name) == 0)
			return 1;
	return 0;
}

static size_t
flags_set_count(const struct verdict *v)
{
	size_t n = 0;

	for (size_t i = 0; v != NULL && i < v->flags_count; i++)
		n += v->flags[i].set != 0;
	return n;
}

static int
line_matches(const struct config_policy *p, const struct verdict *v,
             const char *tier)
{
	size_t nset = flags_set_count(v);
	int hit = 0;

	for (size_t i = 0; i < p->flags_count && !hit; i++)
		hit = flag_is_set(v, p->flags[i]);
	if (p->flags_count > 0 && !hit)
		return 0;
	if ((p->any_flag && nset == 0) || (p->no_flag && nset > 0))
		return 0;
	if (p->tiers_count == 0)
		return 1;
	for (size_t i = 0; i < p->tiers_count; i++)
		if (strcmp(p->tiers[i], tier) == 0)
			return 1;
	return 0;
}

/* First matching line of the table, else the default action. */
static void
decide_action(const struct config *cfg, const struct verdict *v,
              const char *tier, struct actions *out)
{
	for (size_t i = 0; i < cfg->policy_count; i++)
		if (line_matches(&cfg->policy[i], v, tier)) {
			policy_ascii(out->action, sizeof(out->action),
			             cfg->policy[i].action);
			out->action_why = cfg->policy[i].why;
			return;
		}
	policy_ascii(out->action, sizeof(out->action), cfg->default_action);
	out->action_why = why_default;
}

/* Names and "name=score" of the set flags, sanitized, verdict order. */
struct flag_items {
	char names[TRIAGE_MAX_FLAGS][TRIAGE_MAX_NAME_LEN];
	char scores[TRIAGE_MAX_FLAGS][TRIAGE_MAX_NAME_LEN + 32];
	const char *np[TRIAGE_MAX_FLAGS], *sp[TRIAGE_MAX_FLAGS];
	size_t n;
};

static void
collect_flags(const struct verdict *v, struct flag_items *f)
{
	char nm[TRIAGE_MAX_NAME_LEN];

	f->n = 0;
	for (size_t i = 0;
	     v != NULL && i < v->flags_count && i < TRIAGE_MAX_FLAGS; i++) {
		if (!v->flags[i].set)
			continue;
		policy_ascii(nm, sizeof(nm),
		             v->flags[i].name ? v->flags[i].name : "?");
		str_lcpy(f->names[f->n], nm, sizeof(f->names[0]));
		snprintf(f->scores[f->n], sizeof(f->scores[0]), "%s=%.1f", nm,
		         v->flags[i].score);
		f->np[f->n] = f->names[f->n];
		f->sp[f->n] = f->scores[f->n];
		f->n++;
	}
}

/* out->flags: the set flags joined, as many as fit, or "none". */
static int
fill_flag_summary(const struct flag_items *f, struct actions *out)
{
	struct buf b;
	size_t k = f->n;

	buf_init(&b, 64 * 1024);
	for (;;) {
		if (join_items(&b, f->np, f->n, k, ", ") < 0) {
			buf_free(&b);
			return -1;
		}
		if (b.len < sizeof(out->flags) || k == 0)
			break;
		k--;
	}
	str_lcpy(out->flags, buf_cstr(&b), sizeof(out->flags));
	buf_free(&b);
	return 0;
}

#define RULE_ID_LEN 128

/* Rules header: distinct rule ids in order of first hit, or "none". */
static int
add_rules(const struct config *cfg, const struct match_result *m,
          struct actions *out)
{
	char(*ids)[RULE_ID_LEN] = NULL;
	const char **p = NULL;
	size_t n = 0, count = m != NULL ? m->count : 0;
	int rc = -1;

	if (count > 0 && ((ids = calloc(count, sizeof(*ids))) == NULL ||
	                  (p = calloc(count, sizeof(*p))) == NULL))
		goto done;
	for (size_t i = 0; i < count; i++) {
		const char *id =
		    m->hits[i].rule ? rule_id(m->hits[i].rule) : NULL;
		size_t j;

		policy_ascii(ids[n], RULE_ID_LEN, id ? id : "?");
		for (j = 0; j < n && strcmp(ids[j], ids[n]) != 0; j++)
			;
		if (j == n) {
			p[n] = ids[n];
			n++;
		}
	}
	rc = add_list(cfg, out, "Rules", p, n, ", ", NULL);
done:
	free(ids);
	free(p);
	return rc;
}

static int
add_customer(const struct config *cfg, const struct customer *c,
             struct actions *out)
{
	char v[256], cur[8], by[16], basis[16];
	int64_t a;

	if (c == NULL || !c->db_ok)
		return add_one(cfg, out, "Customer", "unavailable");
	policy_ascii(cur, sizeof(cur),
	             c->currency[0] ? c->currency : cfg->currency);
	if (!c->found) {
		snprintf(v, sizeof(v), "ltv=0.00 %s; orders=0; matched=none",
		         cur);
		return add_one(cfg, out, "Customer", v);
	}
	policy_ascii(by, sizeof(by), c->matched_by[0] ? c->matched_by : "none");
	policy_ascii(basis, sizeof(basis), c->basis);
	a = c->ltv_cents < 0 ? -c->ltv_cents : c->ltv_cents;
	snprintf(v, sizeof(v), "ltv=%s%lld.%02lld %s; orders=%ld; matched=%s",
	         c->ltv_cents < 0 ? "-" : "", (long long)(a / 100),
	         (long long)(a % 100), cur, c->orders, by);
	if (basis[0] != '\0')
		snprintf(v + strlen(v), sizeof(v) - strlen(v), "; basis=%s",
		         basis);
	return add_one(cfg, out, "Customer", v);
}

static int
add_history(const struct config *cfg, const struct customer *c,
            struct actions *out)
{
	char items[TRIAGE_MAX_FLAGS][TRIAGE_MAX_NAME_LEN + 24];
	char name[TRIAGE_MAX_NAME_LEN], tail[32];
	const char *p[TRIAGE_MAX_FLAGS];
	size_t n = 0;

	if (c == NULL || !c->db_ok)
		return add_one(cfg, out, "History", "unavailable");
	for (size_t i = 0; i < c->history_count && i < TRIAGE_MAX_FLAGS; i++) {
		policy_ascii(name, sizeof(name), c->history[i].flag);
		snprintf(items[n], sizeof(items[0]), "%s=%ld", name,
		         c->history[i].count);
		p[n] = items[n];
		n++;
	}
	snprintf(tail, sizeof(tail), "; days=%u",
	         c->history_days ? c->history_days : cfg->history_window_days);
	return add_list(cfg, out, "History", p, n, "; ", tail);
}

static int
add_status(const struct config *cfg, struct actions *out)
{
	const char *p[4];
	size_t n = 0;

	if (out->status == 0)
		return add_one(cfg, out, "Status", "ok");
	p[n++] = "partial";
	if (out->status & POLICY_ST_TRUNCATED)
		p[n++] = "truncated";
	if (out->status & POLICY_ST_DB_UNAVAILABLE)
		p[n++] = "db-unavailable";
	if (out->status & POLICY_ST_MATCH_LIMIT)
		p[n++] = "match-limit";
	return add_list(cfg, out, "Status", p, n, "; ", NULL);
}

static int
add_version(const struct config *cfg, const char *host, struct actions *out)
{
	char h[256], v[320];

	if (host == NULL || *host == '\0')
		host = cfg->hostname ? cfg->hostname : "localhost";
	policy_ascii(h, sizeof(h), host);
	snprintf(v, sizeof(v), "triage-milter %s on %s", TRIAGE_VERSION, h);
	return add_one(cfg, out, "Version", v);
}

/* 1 when hay contains needle, ASCII case-insensitively. */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL || n == 0)
		return 0;
	for (; *hay; hay++)
		if (str_ncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Appends the raw Subject keeping only proper folds (CR LF or LF before
 * a space or tab, passed on as "\n" + that blank); any other CR or LF
 * becomes a space, so no header can be started from the subject. */
static int
subject_clean(struct buf *b, const char *raw)
{
	for (const char *s = raw; *s; s++) {
		int rc;

		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' && (s[1] == ' ' || s[1] == '\t'))
			rc = buf_putc(b, '\n');
		else if (*s == '\r' || *s == '\n')
			rc = buf_putc(b, ' ');
		else
			rc = buf_putc(b, *s);
		if (rc != BUF_OK)
			return -1;
	}
	return 0;
}

/* Tags for the action, the tier, then each set flag; each at most once
 * and only when the decoded subject does not carry it already. */
static int
decide_subject(const struct config *cfg, const struct verdict *v,
               const char *tier, const char *subject, const char *subject_raw,
               struct actions *out)
{
	const char *cand[2 + TRIAGE_MAX_FLAGS], *pick[2 + TRIAGE_MAX_FLAGS];
	size_t nc = 0, np = 0;
	struct buf b;

	cand[nc++] = config_keyval_get(cfg->tag_actions, cfg->tag_actions_count,
	                               out->action);
	cand[nc++] =
	    config_keyval_get(cfg->tag_tiers, cfg->tag_tiers_count, tier);
	for (size_t i = 0;
	     v != NULL && i < v->flags_count && i < TRIAGE_MAX_FLAGS; i++)
		if (v->flags[i].set)
			cand[nc++] = config_keyval_get(cfg->tag_flags,
			                               cfg->tag_flags_count,
			                               v->flags[i].name);
	for (size_t i = 0; i < nc; i++) {
		size_t j;

		if (cand[i] == NULL || contains_ci(subject, cand[i]))
			continue;
		for (j = 0; j < np && str_casecmp(pick[j], cand[i]) != 0; j++)
			;
		if (j == np)
			pick[np++] = cand[i];
	}
	if (np == 0)
		return 0;
	buf_init(&b, 2 * TRIAGE_MAX_HEADER_LEN_CEILING);
	for (size_t i = 0; i < np; i++)
		if (buf_printf(&b, "%s%s", i ? " " : "", pick[i]) != BUF_OK)
			goto fail;
	while (subject_raw != NULL &&
	       (*subject_raw == ' ' || *subject_raw == '\t'))
		subject_raw++;
	if (subject_raw != NULL && *subject_raw != '\0' &&
	    (buf_putc(&b, ' ') != BUF_OK || subject_clean(&b, subject_raw) < 0))
		goto fail;
	if ((out->new_subject = buf_steal(&b)) == NULL)
		goto fail;
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static int
build_headers(const struct config *cfg, const struct verdict *v,
              const struct match_result *m, const struct customer *c,
              const char *tier, const char *host, struct actions *out)
{
	struct flag_items *f = malloc(sizeof(*f));
	char t[TRIAGE_MAX_NAME_LEN];
	int rc = -1;

	if (f == NULL)
		return -1;
	collect_flags(v, f);
	if (fill_flag_summary(f, out) < 0 ||
	    add_list(cfg, out, "Flags", f->np, f->n, ", ", NULL) < 0 ||
	    add_one(cfg, out, "Tier", policy_ascii(t, sizeof(t), tier)) < 0 ||
	    add_one(cfg, out, "Action", out->action) < 0 ||
	    add_list(cfg, out, "Score", f->sp, f->n, " ", NULL) < 0 ||
	    add_rules(cfg, m, out) < 0 || add_customer(cfg, c, out) < 0 ||
	    add_history(cfg, c, out) < 0 || add_status(cfg, out) < 0 ||
	    add_version(cfg, host, out) < 0)
		goto done;
	rc = 0;
done:
	free(f);
	return rc;
}

int
policy_decide(const struct config *cfg, const struct ruleset *rs,
              const struct verdict *v, const struct match_result *m,
              const struct customer *c, const char *subject,
              const char *subject_raw, unsigned status,
              const char *version_host, struct actions *out,
              struct triage_err *err)
{
	const char *tier = tier_of(cfg, c);
	const char *route;

	(void)rs; /* flag names and rule ids come with v and m */
	memset(out, 0, sizeof(*out));
	out->status = status;
	if (c == NULL || !c->db_ok)
		out->status |= POLICY_ST_DB_UNAVAILABLE;
	if ((v != NULL && v->limit_hits > 0) || (m != NULL && m->limit_hits))
		out->status |= POLICY_ST_MATCH_LIMIT;
	decide_action(cfg, v, tier, out);
	if ((route = config_keyval_get(cfg->routes, cfg->routes_count,
	                               out->action)) != NULL)
		policy_ascii(out->route, sizeof(out->route), route);
	if (build_headers(cfg, v, m, c, tier, version_host, out) < 0 ||
	    decide_subject(cfg, v, tier, subject, subject_raw, out) < 0) {
		actions_free(out);
		triage_err_set(err, "policy: out of memory building headers");
		return -1;
	}
	return 0;
}

void
actions_free(struct actions *a)
{
	if (a == NULL)
		return;
	free(a->new_subject);
	a->new_subject = NULL;
}
