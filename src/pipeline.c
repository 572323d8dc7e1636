/*
 * pipeline.c - the end-of-message chain shared by the milter,
 * `triage-milter -t` and triagectl.
 *
 * Owns: the order of the stages, the status bits handed to policy (from
 * message anomalies, text truncation, the database and PCRE2 limits), the
 * time spent per stage, and the decision to record a verdict in the
 * history.  Every intermediate result stays in struct pipeline_result so
 * an explanation shows exactly what the milter decided.
 * Untrusted input: the whole message (bytes or an already parsed struct
 * message); each stage bounds what it reads, this file adds no parsing.
 */
#include "triage/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triage/buf.h"
#include "triage/config.h"

static uint64_t
pipeline_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Adds the time since *t to stage st and moves *t to now. */
static void
pipeline_lap(struct pipeline_result *res, enum pipeline_stage st, uint64_t *t)
{
	uint64_t now = pipeline_now_ns();

	res->stage_ns[st] += now - *t;
	*t = now;
}

void
pipeline_limits(const struct config *cfg, struct message_limits *lim)
{
	message_limits_default(lim);
	lim->max_body_len = cfg->max_body_len;
	lim->max_text_len = cfg->max_text_len;
	lim->max_header_len = cfg->max_header_len;
	lim->max_mime_depth = cfg->max_mime_depth;
	lim->max_mime_parts = cfg->max_mime_parts;
	if (cfg->fallback_charset != NULL)
		lim->fallback_charset = cfg->fallback_charset;
}

/* The host named in the Version header: the snapshot's (read when it was
 * built), else the configured name, else the system's.  out has room for
 * outlen bytes. */
static void
pipeline_host(const struct snapshot *s, char *out, size_t outlen)
{
	const struct config *cfg = s->cfg;

	if (s->host[0] != '\0') {
		str_lcpy(out, s->host, outlen);
		return;
	}
	if (cfg->hostname != NULL && cfg->hostname[0] != '\0') {
		str_lcpy(out, cfg->hostname, outlen);
		return;
	}
	if (gethostname(out, outlen) != 0)
		str_lcpy(out, "localhost", outlen);
	out[outlen - 1] = '\0';
}

/* The status words policy prints besides "ok". */
static unsigned
pipeline_status(const struct pipeline_result *res)
{
	unsigned st = 0;

	if ((res->msg->anomalies & MSG_TRUNCATED) || res->text->truncated)
		st |= POLICY_ST_TRUNCATED;
	if (!res->customer.db_ok)
		st |= POLICY_ST_DB_UNAVAILABLE;
	if (res->match.limit_hits > 0)
		st |= POLICY_ST_MATCH_LIMIT;
	return st;
}

int
pipeline_run(const struct snapshot *s, struct message *msg,
             struct pipeline_result *res, struct triage_err *err)
{
	const struct config *cfg = s->cfg;
	char host[256];
	uint64_t t;

	memset(res, 0, sizeof(*res));
	res->msg = msg;
	t = pipeline_now_ns();
	res->regions = regions_mark(msg, err);
	if (res->regions == NULL)
		return -1;
	pipeline_lap(res, STAGE_REGIONS, &t);
	res->text = normalize_text(res->regions, cfg->max_text_len, err);
	if (res->text == NULL)
		return -1;
	pipeline_lap(res, STAGE_NORMALIZE, &t);
	if (rules_match(s->rules, res->text->norm, res->text->norm_len,
	                &res->match, err) != 0)
		return -1;
	pipeline_lap(res, STAGE_MATCH, &t);
	classify(s->rules, res->text, &res->match, &res->verdict);
	pipeline_lap(res, STAGE_CLASSIFY, &t);
	if (ltv_lookup(s->ltv, msg->from_addr, msg->reply_to_addr,
	               res->text->norm, res->text->norm_len,
	               &res->customer) != 0) {
		triage_err_set(err, "ltv: out of memory looking up the sender");
		return -1;
	}
	pipeline_lap(res, STAGE_LOOKUP, &t);
	pipeline_host(s, host, sizeof(host));
	if (policy_decide(cfg, s->rules, &res->verdict, &res->match,
	                  &res->customer, msg->subject, msg->subject_raw,
	                  pipeline_status(res), host, &res->actions, err) != 0)
		return -1;
	pipeline_lap(res, STAGE_POLICY, &t);
	return 0;
}

int
pipeline_run_bytes(const struct snapshot *s, const char *data, size_t len,
                   struct pipeline_result *res, struct triage_err *err)
{
	struct message_limits lim;
	struct message *msg;
	uint64_t t0, decode_ns;

	memset(res, 0, sizeof(*res));
	pipeline_limits(s->cfg, &lim);
	t0 = pipeline_now_ns();
	msg = message_parse(data, len, &lim, err);
	if (msg == NULL)
		return -1;
	decode_ns = pipeline_now_ns() - t0;
	if (pipeline_run(s, msg, res, err) != 0)
		return -1;
	res->stage_ns[STAGE_DECODE] = decode_ns;
	return 0;
}

void
pipeline_result_free(struct pipeline_result *res)
{
	if (res == NULL)
		return;
	actions_free(&res->actions);
	match_result_free(&res->match);
	text_free(res->text);
	regions_free(res->regions);
	message_free(res->msg);
	memset(res, 0, sizeof(*res));
}

/* The set flags of v joined by "," in canonical (flags.yaml) order. */
static int
pipeline_flag_list(const struct verdict *v, struct buf *b)
{
	for (size_t i = 0; i < v->flags_count; i++) {
		if (!v->flags[i].set)
			continue;
		if ((b->len > 0 && buf_putc(b, ',') != BUF_OK) ||
		    buf_puts(b, v->flags[i].name) != BUF_OK)
			return -1;
	}
	return 0;
}

int
pipeline_record(const struct snapshot *s, const struct pipeline_result *res,
                const char *sender_addr, struct triage_err *err)
{
	struct buf flags;
	int rc;

	if (res->verdict.mask == 0 || !s->cfg->record_history ||
	    res->msg == NULL || res->msg->message_id == NULL ||
	    res->msg->message_id[0] == '\0')
		return 0;
	buf_init(&flags, 4096);
	if (pipeline_flag_list(&res->verdict, &flags) != 0) {
		buf_free(&flags);
		triage_err_set(err, "history: out of memory listing flags");
		return -1;
	}
	rc = ltv_record(s->ltv, &res->customer, sender_addr,
	                res->msg->message_id, buf_cstr(&flags),
	                res->actions.action, err);
	buf_free(&flags);
	return rc;
}
