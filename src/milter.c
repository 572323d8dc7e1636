/*
 * milter.c - the libmilter callbacks: what Postfix talks to.
 *
 * Owns: the connection context (client address, negotiated protocol
 * steps) and the message context (sender, recipients, scope, forged
 * header names, the streaming parser and the snapshot reference taken at
 * MAIL FROM), running the pipeline at end of message, and applying its
 * result: forged X-Triage-* headers deleted, headers added, Subject
 * changed, in-scope recipients replaced by a route, one log line.
 * Per-message memory is freed by msg_ctx_free() only, from eom, abort,
 * an early accept, a new MAIL FROM and close.
 * Untrusted input: everything the MTA hands over (addresses, header
 * names and values, body bytes, macros); it goes to message.c bounded,
 * and reaches a log line only through log_safe().
 */
#include "triage/milter.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/limits.h"
#include "triage/log.h"
#include "triage/message.h"
#include "triage/pipeline.h"
#include "triage/snapshot.h"

/* Protocol steps we ask for, when the MTA offers them: no HELO, DATA or
 * unknown commands (we have no use for them), and no reply for every
 * step before end of headers but that one: each reply is a round trip
 * (and, in libmilter's worker pool, a trip of the session through the
 * pool's poll thread).  What MAIL FROM decides (authenticated sender,
 * stopping daemon, no message context) is answered at end of headers
 * instead (milter_defer); end of headers keeps its reply, as it refuses
 * mail with too many forged names, defers failures under on_error
 * tempfail and accepts out-of-scope mail before its body is sent. */
#define MILTER_STEPS (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA)
#define MILTER_NOREPLY                                                  \
	(SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | \
	 SMFIP_NR_BODY)
#define MILTER_ACTIONS \
	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_DELRCPT)

/* One inbound header name that carries our prefix, and how often it came
 * (any letter case). */
struct forged {
	char *name;
	unsigned count;
};

struct msg_ctx {
	struct snapshot *snap; /* reference taken at MAIL FROM */
	struct message_parser *parser;
	char *sender;                 /* MAIL FROM argument, as given */
	char **rcpts;                 /* RCPT TO arguments, as given */
	unsigned char *rcpt_in_scope; /* per recipient */
	size_t rcpts_count;
	int in_scope;
	struct forged *forged;
	size_t forged_count;
	const char *failed; /* static reason: fail at eoh/eom */
	/* A forged header could not be noted, so it could not be deleted:
	 * the message must not pass with it (1: too many names, reject;
	 * 2: out of memory, tempfail). */
	int forged_lost;
	char qid[64];
};

/* Messages between MAIL FROM and their end, for a clean stop. */
static unsigned long milter_in_flight;
/* Messages ended since the start. */
static unsigned long milter_done;
/* 1 once the daemon is stopping: new messages are not started. */
static int milter_stopping;

struct conn_ctx {
	unsigned long steps; /* protocol steps negotiated */
	char client[64];
	struct msg_ctx *msg;
	/* The answer MAIL FROM could not give (no reply negotiated for it),
	 * for the next step that replies; counted in milter_in_flight while
	 * it waits. */
	int deferred;
	sfsistat deferred_reply;
};

static void
msg_ctx_free(struct conn_ctx *cc)
{
	struct msg_ctx *m;

	if (cc == NULL || cc->msg == NULL)
		return;
	m = cc->msg;
	message_parser_free(m->parser);
	for (size_t i = 0; i < m->rcpts_count; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->rcpt_in_scope);
	for (size_t i = 0; i < m->forged_count; i++)
		free(m->forged[i].name);
	free(m->forged);
	free(m->sender);
	snapshot_release(m->snap);
	free(m);
	cc->msg = NULL;
	__atomic_sub_fetch(&milter_in_flight, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&milter_done, 1, __ATOMIC_RELAXED);
}

/* SMFIS_NOREPLY when the MTA agreed not to wait for this reply. */
static sfsistat
milter_continue(const struct conn_ctx *cc, unsigned long nr_bit)
{
	return (cc != NULL && (cc->steps & nr_bit)) ? SMFIS_NOREPLY
	                                            : SMFIS_CONTINUE;
}

/* Answers r at MAIL FROM, or, when the MTA agreed not to wait for that
 * reply, keeps r for end of headers (or end of message) and answers
 * nothing now.  The message context is already freed. */
static sfsistat
milter_defer(struct conn_ctx *cc, sfsistat r)
{
	if (!(cc->steps & SMFIP_NR_MAIL))
		return r;
	cc->deferred = 1;
	cc->deferred_reply = r;
	__atomic_add_fetch(&milter_in_flight, 1, __ATOMIC_SEQ_CST);
	return SMFIS_NOREPLY;
}

/* Drops a deferred answer (given, or its message ended); 1 if there was
 * one, with it in *r. */
static int
milter_take_deferred(struct conn_ctx *cc, sfsistat *r)
{
	if (cc == NULL || !cc->deferred)
		return 0;
	cc->deferred = 0;
	if (r != NULL)
		*r = cc->deferred_reply;
	__atomic_sub_fetch(&milter_in_flight, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&milter_done, 1, __ATOMIC_RELAXED);
	return 1;
}

/* Strips the angle brackets of an SMTP path into out. */
static void
milter_bare_addr(const char *arg, char *out, size_t outlen)
{
	size_t len;

	if (*arg == '<')
		arg++;
	len = strcspn(arg, ">");
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, arg, len);
	out[len] = '\0';
}

/* 1 when addr (bare) matches one of the scope entries: an exact address
 * or "@domain", both without regard to case. */
static int
milter_addr_in_scope(const struct config *cfg, const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (cfg->scope_recipients_count == 0)
		return 1;
	for (size_t i = 0; i < cfg->scope_recipients_count; i++) {
		const char *e = cfg->scope_recipients[i];

		if (e[0] == '@' ? (at != NULL && str_casecmp(at, e) == 0)
		                : str_casecmp(addr, e) == 0)
			return 1;
	}
	return 0;
}

/* What to answer when something failed: the configured fail mode. */
static int
milter_tempfails(const struct msg_ctx *m)
{
	return m != NULL && m->snap != NULL &&
	       m->snap->cfg->on_error == ON_ERROR_TEMPFAIL;
}

/* m may be NULL (no message context could be made). */
static sfsistat
milter_fail(const struct msg_ctx *m, const char *why)
{
	int tempfail = milter_tempfails(m);

	log_err("qid=%s error=\"%s\" result=%s",
	        m != NULL && m->qid[0] ? m->qid : "-", why,
	        tempfail ? "tempfail" : "accept-without-headers");
	return tempfail ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}

static void
milter_read_qid(SMFICTX *ctx, struct msg_ctx *m)
{
	char *v = smfi_getsymval(ctx, "i");

	if (v != NULL)
		log_safe(m->qid, sizeof(m->qid), v, strlen(v));
}

/* ---- message context ---------------------------------------------- */

static const char *
msg_ctx_start(struct conn_ctx *cc, const char *sender)
{
	struct message_limits lim;
	struct msg_ctx *m;

	msg_ctx_free(cc);
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return "out of memory for the message context";
	cc->msg = m;
	__atomic_add_fetch(&milter_in_flight, 1, __ATOMIC_SEQ_CST);
	m->snap = snapshot_acquire();
	if (m->snap == NULL)
		return "no configuration loaded";
	m->sender = str_dup(sender);
	if (m->sender == NULL)
		return "out of memory for the sender";
	pipeline_limits(m->snap->cfg, &lim);
	m->parser = message_parser_new(&lim);
	if (m->parser == NULL)
		return "out of memory for the parser";
	return NULL;
}

static const char *
msg_ctx_add_rcpt(struct msg_ctx *m, const char *arg)
{
	char addr[TRIAGE_MAX_ADDRESS_LEN + 1];
	char **nr;
	unsigned char *ns;
	size_t n = m->rcpts_count;

	nr = realloc(m->rcpts, (n + 1) * sizeof(*nr));
	if (nr == NULL)
		return "out of memory for a recipient";
	m->rcpts = nr;
	ns = realloc(m->rcpt_in_scope, n + 1);
	if (ns == NULL)
		return "out of memory for a recipient";
	m->rcpt_in_scope = ns;
	if ((m->rcpts[n] = str_dup(arg)) == NULL)
		return "out of memory for a recipient";
	milter_bare_addr(arg, addr, sizeof(addr));
	ns[n] = (unsigned char)milter_addr_in_scope(m->snap->cfg, addr);
	m->in_scope |= ns[n];
	m->rcpts_count = n + 1;
	return NULL;
}

/* Remembers one inbound header carrying our prefix (any case). */
static const char *
msg_ctx_note_forged(struct msg_ctx *m, const char *name)
{
	struct forged *nf;

	for (size_t i = 0; i < m->forged_count; i++) {
		if (str_casecmp(m->forged[i].name, name) == 0) {
			m->forged[i].count++;
			return NULL;
		}
	}
	if (m->forged_count >= TRIAGE_MAX_HEADER_COUNT) {
		m->forged_lost = 1;
		return NULL;
	}
	nf = realloc(m->forged, (m->forged_count + 1) * sizeof(*nf));
	if (nf == NULL) {
		m->forged_lost = 2;
		return NULL;
	}
	m->forged = nf;
	nf[m->forged_count].name = str_dup(name);
	if (nf[m->forged_count].name == NULL) {
		m->forged_lost = 2;
		return NULL;
	}
	nf[m->forged_count++].count = 1;
	return NULL;
}

static const char *
msg_ctx_header(struct msg_ctx *m, const char *name, const char *value)
{
	if (str_casestarts(name, m->snap->cfg->header_prefix)) {
		const char *why = msg_ctx_note_forged(m, name);

		if (why != NULL)
			return why;
	}
	if (message_header(m->parser, name, value) != 0)
		return "out of memory in the header parser";
	return NULL;
}

/* ---- end of message ------------------------------------------------- */

/* Deletes every inbound header with our prefix: for each name, from the
 * last occurrence down to the first, so the indexes of those still to
 * go do not move.  The MTA matches the name without regard to case. */
static int
milter_delete_forged(SMFICTX *ctx, const struct msg_ctx *m)
{
	for (size_t i = 0; i < m->forged_count; i++)
		for (unsigned k = m->forged[i].count; k >= 1; k--)
			if (smfi_chgheader(ctx, m->forged[i].name, (int)k,
			                   NULL) != MI_SUCCESS)
				return -1;
	return 0;
}

/* Replaces the in-scope recipients by the route address. */
static int
milter_route(SMFICTX *ctx, const struct msg_ctx *m, const char *route)
{
	char addr[TRIAGE_MAX_ADDRESS_LEN + 1];
	char arg[TRIAGE_MAX_ADDRESS_LEN + 3];
	int have = 0;

	for (size_t i = 0; i < m->rcpts_count; i++) {
		milter_bare_addr(m->rcpts[i], addr, sizeof(addr));
		if (str_casecmp(addr, route) == 0) {
			have = 1;
			continue;
		}
		if (m->rcpt_in_scope[i] &&
		    smfi_delrcpt(ctx, m->rcpts[i]) != MI_SUCCESS)
			return -1;
	}
	if (have)
		return 0;
	snprintf(arg, sizeof(arg), "<%s>", route);
	return smfi_addrcpt(ctx, arg) == MI_SUCCESS ? 0 : -1;
}

static const char *
milter_apply(SMFICTX *ctx, const struct msg_ctx *m,
             const struct pipeline_result *res)
{
	const struct actions *a = &res->actions;

	if (milter_delete_forged(ctx, m) != 0)
		return "deleting a forged header failed";
	for (size_t i = 0; i < a->headers_count; i++)
		if (smfi_addheader(ctx, (char *)a->headers[i].name,
		                   (char *)a->headers[i].value) != MI_SUCCESS)
			return "adding a header failed";
	if (a->new_subject != NULL &&
	    smfi_chgheader(ctx, "Subject", 1, a->new_subject) != MI_SUCCESS)
		return "changing the subject failed";
	if (a->route[0] != '\0' && milter_route(ctx, m, a->route) != 0)
		return "changing the recipients failed";
	return NULL;
}

/* The distinct rule ids that fired, comma separated, into b. */
static void
milter_rule_list(const struct match_result *mr, char *b, size_t blen)
{
	size_t o = 0;

	b[0] = '\0';
	for (size_t i = 0; i < mr->count; i++) {
		const char *id = rule_id(mr->hits[i].rule);
		size_t j;

		for (j = 0; j < i; j++)
			if (mr->hits[j].rule == mr->hits[i].rule)
				break;
		if (j < i)
			continue;
		o += (size_t)snprintf(b + o, o < blen ? blen - o : 0, "%s%s",
		                      o ? "," : "", id);
		if (o >= blen)
			break;
	}
	if (b[0] == '\0')
		str_lcpy(b, "-", blen);
}

static void
milter_anomaly_list(unsigned bits, char *b, size_t blen)
{
	size_t o = 0;

	b[0] = '\0';
	for (unsigned bit = 1; bit != 0 && o < blen; bit <<= 1)
		if (bits & bit)
			o += (size_t)snprintf(b + o, blen - o, "%s%s",
			                      o ? "," : "",
			                      message_anomaly_name(bit));
	if (b[0] == '\0')
		str_lcpy(b, "-", blen);
}

static void
milter_log(const struct msg_ctx *m, const struct pipeline_result *res)
{
	char msgid[TRIAGE_MAX_LOG_VALUE_LEN + 1],
	    from[TRIAGE_MAX_LOG_VALUE_LEN + 1];
	char flags[512], rules[512], anomalies[256];
	const char *id = res->msg->message_id;
	uint64_t ns = 0;

	for (int i = 0; i < STAGE_COUNT; i++)
		ns += res->stage_ns[i];
	log_safe(msgid, sizeof(msgid), id, id ? strlen(id) : 0);
	log_safe(from, sizeof(from), m->sender, strlen(m->sender));
	policy_ascii(flags, sizeof(flags), res->actions.flags);
	for (char *p = flags; *p; p++)
		if (*p == ' ')
			memmove(p, p + 1, strlen(p));
	milter_rule_list(&res->match, rules, sizeof(rules));
	milter_anomaly_list(res->msg->anomalies, anomalies, sizeof(anomalies));
	log_info("qid=%s msgid=%s from=%s tier=%s flags=%s action=%s "
	         "rules=%s anomalies=%s us=%llu",
	         m->qid[0] ? m->qid : "-", msgid, from, res->customer.tier,
	         flags, res->actions.action, rules, anomalies,
	         (unsigned long long)(ns / 1000));
}

/* The whole end of message: decode, run, apply, log, record.  Returns
 * NULL, or the reason it failed (nothing is added then). */
static const char *
milter_finish(SMFICTX *ctx, struct msg_ctx *m)
{
	struct pipeline_result res;
	struct triage_err err;
	struct message *msg;
	struct timespec t0, t1;
	const char *why = NULL;

	err.text[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	msg = message_finish(m->parser, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (msg == NULL) {
		log_err("qid=%s decode: %s", m->qid, err.text);
		return "decoding failed";
	}
	if (pipeline_run(m->snap, msg, &res, &err) != 0) {
		log_err("qid=%s pipeline: %s", m->qid, err.text);
		why = "pipeline failed";
		goto done;
	}
	res.stage_ns[STAGE_DECODE] =
	    (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
	    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	why = milter_apply(ctx, m, &res);
	if (why != NULL)
		goto done;
	milter_log(m, &res);
	if (pipeline_record(m->snap, &res, m->sender, &err) != 0)
		log_warn("qid=%s history not recorded: %s", m->qid, err.text);
done:
	pipeline_result_free(&res);
	return why;
}

/* Inbound X-Triage-* headers that could not all be noted cannot all be
 * deleted, and the mail must not reach the inbox with one of them,
 * whatever on_error says: a message with more distinct names than
 * TRIAGE_MAX_HEADER_COUNT is refused, an allocation failure defers it.
 * Only whole-message scope decides first: out-of-scope mail is not ours. */
static sfsistat
milter_forged_lost(SMFICTX *ctx, const struct msg_ctx *m)
{
	if (!m->in_scope)
		return SMFIS_ACCEPT;
	log_err("qid=%s error=\"%s\" result=%s", m->qid[0] ? m->qid : "-",
	        m->forged_lost == 1 ? "too many distinct X-Triage header names"
	                            : "out of memory noting X-Triage headers",
	        m->forged_lost == 1 ? "reject" : "tempfail");
	if (m->forged_lost == 2)
		return SMFIS_TEMPFAIL;
	if (smfi_setreply(ctx, "550", "5.7.1",
	                  "too many X-Triage header fields") != MI_SUCCESS)
		log_warn("qid=%s cannot set the reject text", m->qid);
	return SMFIS_REJECT;
}

/* A message that starts while the daemon stops: checked after the
 * in-flight count went up, so the stop waits for every message that got
 * past this point; this one is answered as on_error says. */
static sfsistat
milter_turn_away(struct conn_ctx *cc)
{
	sfsistat r = milter_tempfails(cc->msg) ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;

	log_info("client=%s stopping: new message %s", cc->client,
	         r == SMFIS_TEMPFAIL ? "deferred" : "not inspected");
	msg_ctx_free(cc);
	return milter_defer(cc, r);
}

/* ---- callbacks -------------------------------------------------------- */

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
             unsigned long *pf2, unsigned long *pf3)
{
	struct conn_ctx *cc = calloc(1, sizeof(*cc));

	(void)f2;
	(void)f3;
	if (cc == NULL) {
		log_err("milter: out of memory for a connection");
		return SMFIS_REJECT; /* the MTA applies its default action */
	}
	if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) !=
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS))
		log_warn("milter: the MTA does not let us add and change "
		         "headers (offers 0x%lx)",
		         f0);
	*pf0 = f0 & MILTER_ACTIONS;
	*pf1 = f1 & (MILTER_STEPS | MILTER_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	cc->steps = *pf1;
	smfi_setpriv(ctx, cc);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	char *addr = smfi_getsymval(ctx, "{client_addr}");

	(void)sa;
	if (cc == NULL)
		return SMFIS_ACCEPT;
	if (addr == NULL)
		addr = hostname;
	log_safe(cc->client, sizeof(cc->client), addr, addr ? strlen(addr) : 0);
	return milter_continue(cc, SMFIP_NR_CONN);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	const char *why;

	if (cc == NULL)
		return SMFIS_ACCEPT;
	milter_take_deferred(cc, NULL);
	why = msg_ctx_start(cc, argv[0] ? argv[0] : "<>");
	if (why != NULL) {
		sfsistat r = milter_fail(cc->msg, why);
		msg_ctx_free(cc);
		return milter_defer(cc, r);
	}
	if (__atomic_load_n(&milter_stopping, __ATOMIC_SEQ_CST))
		return milter_turn_away(cc);
	if (cc->msg->snap->cfg->skip_authenticated &&
	    smfi_getsymval(ctx, "{auth_authen}") != NULL) {
		log_debug("client=%s authenticated: not inspected", cc->client);
		msg_ctx_free(cc);
		return milter_defer(cc, SMFIS_ACCEPT);
	}
	return milter_continue(cc, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct msg_ctx *m = cc ? cc->msg : NULL;
	const char *why;

	if (m != NULL && m->failed == NULL && argv[0] != NULL) {
		why = msg_ctx_add_rcpt(m, argv[0]);
		if (why != NULL)
			m->failed = why;
	}
	return milter_continue(cc, SMFIP_NR_RCPT);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct msg_ctx *m = cc ? cc->msg : NULL;

	if (m != NULL && m->failed == NULL)
		m->failed = msg_ctx_header(m, name, value ? value : "");
	return milter_continue(cc, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct msg_ctx *m = cc ? cc->msg : NULL;
	sfsistat r;

	if (milter_take_deferred(cc, &r))
		return r;
	if (m == NULL)
		return SMFIS_ACCEPT;
	milter_read_qid(ctx, m);
	if (m->forged_lost != 0) {
		r = milter_forged_lost(ctx, m);
		msg_ctx_free(cc);
		return r;
	}
	if (m->failed != NULL && milter_tempfails(m)) {
		r = milter_fail(m, m->failed);
		msg_ctx_free(cc);
		return r;
	}
	/* A failure with on_error accept goes on to eom, where forged
	 * headers can still be deleted. */
	if (!m->in_scope) {
		/* Not for the support inbox: out of our hands, untouched. */
		log_debug("qid=%s no recipient in scope", m->qid);
		msg_ctx_free(cc);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct msg_ctx *m = cc ? cc->msg : NULL;

	if (m != NULL && m->failed == NULL &&
	    message_body(m->parser, chunk, len) != 0)
		m->failed = "out of memory in the body parser";
	return milter_continue(cc, SMFIP_NR_BODY);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct msg_ctx *m = cc ? cc->msg : NULL;
	const char *why;
	sfsistat r = SMFIS_ACCEPT;

	if (milter_take_deferred(cc, &r))
		return r;
	if (m == NULL)
		return SMFIS_ACCEPT;
	milter_read_qid(ctx, m);
	why = m->failed ? m->failed : milter_finish(ctx, m);
	if (why != NULL) {
		/* No verdict, so no triage headers at all: forged ones
		 * go too, whatever the fail mode. */
		if (milter_delete_forged(ctx, m) != 0)
			log_err("qid=%s deleting forged headers failed",
			        m->qid);
		r = milter_fail(m, why);
	}
	msg_ctx_free(cc);
	return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);

	milter_take_deferred(cc, NULL);
	msg_ctx_free(cc);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);

	if (cc != NULL) {
		milter_take_deferred(cc, NULL);
		msg_ctx_free(cc);
		smfi_setpriv(ctx, NULL);
		free(cc);
	}
	return SMFIS_CONTINUE;
}

int
milter_register(void)
{
	static struct smfiDesc desc = {
		.xxfi_name = "triage-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = MILTER_ACTIONS,
		.xxfi_connect = cb_connect,
		.xxfi_envfrom = cb_envfrom,
		.xxfi_envrcpt = cb_envrcpt,
		.xxfi_header = cb_header,
		.xxfi_eoh = cb_eoh,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_close = cb_close,
		.xxfi_negotiate = cb_negotiate,
	};

	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}

void
milter_stop_new_messages(void)
{
	__atomic_store_n(&milter_stopping, 1, __ATOMIC_SEQ_CST);
}

unsigned long
milter_messages_in_flight(void)
{
	return __atomic_load_n(&milter_in_flight, __ATOMIC_SEQ_CST);
}

unsigned long
milter_messages_done(void)
{
	return __atomic_load_n(&milter_done, __ATOMIC_RELAXED);
}
