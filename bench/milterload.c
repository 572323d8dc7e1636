/*
 * milterload.c - a milter-protocol load generator and protocol dumper.
 *
 * Speaks the MTA side of the milter protocol (version 6) the way Postfix
 * does: option negotiation offering every action and protocol step, then
 * per message connect, helo, mail, rcpt, data, headers, end of headers,
 * body chunks and end of message, with the macros Postfix sends (j,
 * {daemon_name}, {mail_addr}, {rcpt_addr}, i), and quit.  Steps the filter
 * negotiated away are not sent; steps it asked not to answer are not
 * waited for.  It replays a folder of messages at a chosen concurrency
 * for a bounded count or time and reports messages per second, latency
 * percentiles and errors; --dump prints the modifications the filter
 * asked for, so it doubles as a correctness tool.  --unique-ids gives
 * every message a Message-ID of its own (queue id and process id
 * prefixed), so a filter that records each verdict under its Message-ID
 * writes a new row for each one instead of ignoring a replay.
 *
 *   milterload -s SOCKET [-c CONC] [-n COUNT] [-d SECONDS] [-m PER_CONN]
 *              [-r RCPT]... [-f FROM] [--dump] [-q] [--hold N]
 *              [--unique-ids] FILE|DIR...
 *
 * SOCKET is inet:PORT@HOST, inet6:PORT@HOST or unix:PATH (as libmilter).
 * Untrusted input: the filter's replies (lengths bounded) and the message
 * files (read whole, bounded).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define ML_MAX_MSG_LEN (64u * 1024u * 1024u) /* one message file */
#define ML_MAX_REPLY_LEN (1024u * 1024u)     /* one reply packet */
#define ML_CHUNK 65535u                      /* body chunk, as Postfix */
#define ML_MAX_RCPTS 16
#define ML_MAX_FILES 100000

struct ml_header {
	char *name;
	char *value;
};

struct ml_msg {
	char *path;
	char *from;
	struct ml_header *hdrs;
	size_t nhdrs;
	char *body; /* CRLF line ends, as the MTA sends it */
	size_t body_len;
};

/* --unique-ids: rewrite each Message-ID with the message's queue id. */
static int ml_unique_ids;

struct ml_opts {
	const char *socket;
	int conc;
	long count;
	double seconds;
	int per_conn;
	const char *rcpts[ML_MAX_RCPTS];
	int nrcpts;
	const char *from;
	int dump;
	int quiet;
	int hold;
};

struct ml_state {
	struct ml_opts o;
	struct ml_msg *msgs;
	size_t nmsgs;
	long next;         /* atomic: next message index */
	double *lat_ms;    /* per message, the first lat_cap messages */
	long lat_cap;
	long done, errors, accepted, modified;
	double t0;
	pthread_mutex_t out_lock;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "milterload: out of memory\n");
		exit(2);
	}
	return p;
}

/* --- message files --- */

static char *
ml_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *p;

	if (f == NULL || fstat(fileno(f), &sb) != 0 ||
	    (size_t)sb.st_size > ML_MAX_MSG_LEN) {
		fprintf(stderr, "milterload: %s: %s\n", path,
		        f ? "too large" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	p = xmalloc((size_t)sb.st_size + 1);
	*len = fread(p, 1, (size_t)sb.st_size, f);
	p[*len] = '\0';
	fclose(f);
	return p;
}

/* The bare address inside a From value (for the envelope sender). */
static char *
ml_addr(const char *v)
{
	const char *lt = strrchr(v, '<'), *gt;
	size_t n;
	char *a;

	if (lt && (gt = strchr(lt, '>')) != NULL) {
		n = (size_t)(gt - lt - 1);
		v = lt + 1;
	} else {
		while (*v == ' ')
			v++;
		n = strcspn(v, " \t\r\n");
	}
	a = xmalloc(n + 1);
	memcpy(a, v, n);
	a[n] = '\0';
	return a;
}

static void
ml_add_header(struct ml_msg *m, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	struct ml_header *h;
	size_t nl;

	if (colon == NULL)
		return;
	m->hdrs = realloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
	if (m->hdrs == NULL)
		exit(2);
	h = &m->hdrs[m->nhdrs++];
	nl = (size_t)(colon - line);
	h->name = xmalloc(nl + 1);
	memcpy(h->name, line, nl);
	h->name[nl] = '\0';
	/* Postfix sends the value without the one leading space. */
	colon++;
	if (colon < line + len && *colon == ' ')
		colon++;
	h->value = xmalloc((size_t)(line + len - colon) + 1);
	memcpy(h->value, colon, (size_t)(line + len - colon));
	h->value[line + len - colon] = '\0';
	if (m->from == NULL && strcasecmp(h->name, "From") == 0)
		m->from = ml_addr(h->value);
}

/* Splits a message file into unfolded-with-CRLF header fields and a CRLF
 * body. */
static int
ml_load(struct ml_msg *m, const char *path)
{
	size_t len, i = 0, hstart;
	char *d = ml_read_file(path, &len), *line;
	size_t ll = 0;

	if (d == NULL)
		return -1;
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	line = xmalloc(len + 1);
	while (i < len) {
		size_t e = i;

		while (e < len && d[e] != '\n')
			e++;
		hstart = i;
		i = e < len ? e + 1 : e;
		if (e > hstart && d[e - 1] == '\r')
			e--;
		if (e == hstart) /* blank line: end of header */
			break;
		if ((d[hstart] == ' ' || d[hstart] == '\t') && ll > 0) {
			line[ll++] = '\n'; /* folding kept, as Postfix sends it */
		} else {
			if (ll)
				ml_add_header(m, line, ll);
			ll = 0;
		}
		memcpy(line + ll, d + hstart, e - hstart);
		ll += e - hstart;
	}
	if (ll)
		ml_add_header(m, line, ll);
	free(line);
	m->body = xmalloc((len - i) * 2 + 1);
	for (size_t j = i; j < len; j++) {
		if (d[j] == '\n' && (j == i || d[j - 1] != '\r'))
			m->body[m->body_len++] = '\r';
		m->body[m->body_len++] = d[j];
	}
	free(d);
	return 0;
}

static int
ml_load_path(struct ml_state *st, const char *path)
{
	struct stat sb;
	struct dirent **ents;
	int n;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "milterload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (st->nmsgs >= ML_MAX_FILES)
			return 0;
		st->msgs = realloc(st->msgs, (st->nmsgs + 1) * sizeof(*st->msgs));
		if (st->msgs == NULL)
			exit(2);
		if (ml_load(&st->msgs[st->nmsgs], path) == 0)
			st->nmsgs++;
		return 0;
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		size_t l = strlen(ents[k]->d_name);
		char p[4096];

		if (l > 4 && strcmp(ents[k]->d_name + l - 4, ".eml") == 0) {
			snprintf(p, sizeof(p), "%s/%s", path, ents[k]->d_name);
			ml_load_path(st, p);
		}
		free(ents[k]);
	}
	free(ents);
	return 0;
}

/* --- the wire --- */

static int
ml_connect(const char *spec)
{
	int fd = -1;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un sa;

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s",
		         strchr(spec, ':') + 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			fd = -1;
		}
	} else if (strncmp(spec, "inet:", 5) == 0 ||
	           strncmp(spec, "inet6:", 6) == 0) {
		char port[16], host[256];
		const char *p = strchr(spec, ':') + 1, *at = strchr(p, '@');
		struct addrinfo hints, *ai;

		if (at == NULL || (size_t)(at - p) >= sizeof(port))
			return -1;
		memcpy(port, p, (size_t)(at - p));
		port[at - p] = '\0';
		snprintf(host, sizeof(host), "%s", at + 1);
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_family = spec[4] == '6' ? AF_INET6 : AF_INET;
		if (getaddrinfo(host, port, &hints, &ai) != 0)
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
		/* A macro packet and its command go out back to back: without
		 * this, Nagle holds the second until the peer's delayed ACK. */
		if (fd >= 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			           sizeof(int));
		freeaddrinfo(ai);
	}
	return fd;
}

static int
ml_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
ml_read_all(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One packet in one write, as an MTA does: two writes would meet
 * Nagle's algorithm and the peer's delayed ACK (40 ms per step). */
static int
ml_send(int fd, char cmd, const char *data, size_t len)
{
	char small[4096], *p = len + 5 <= sizeof(small) ? small
	                                                  : xmalloc(len + 5);
	uint32_t n = htonl((uint32_t)len + 1);
	int rc;

	memcpy(p, &n, 4);
	p[4] = cmd;
	if (len)
		memcpy(p + 5, data, len);
	rc = ml_write_all(fd, p, len + 5);
	if (p != small)
		free(p);
	return rc;
}

/* Reads one reply; *data (malloc'd) and *len hold its payload. */
static int
ml_recv(int fd, char *cmd, char **data, size_t *len)
{
	uint32_t n;

	if (ml_read_all(fd, (char *)&n, 4) != 0)
		return -1;
	n = ntohl(n);
	if (n < 1 || n > ML_MAX_REPLY_LEN)
		return -1;
	if (ml_read_all(fd, cmd, 1) != 0)
		return -1;
	*len = n - 1;
	*data = xmalloc(*len + 1);
	if (ml_read_all(fd, *data, *len) != 0) {
		free(*data);
		return -1;
	}
	(*data)[*len] = '\0';
	return 0;
}

/* Sends a macro packet: for command c, name/value pairs in nv. */
static int
ml_macros(int fd, char c, const char *const *nv, size_t n)
{
	char buf[2048];
	size_t o = 0;

	buf[o++] = c;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(nv[i]) + 1;

		if (o + l > sizeof(buf))
			return -1;
		memcpy(buf + o, nv[i], l);
		o += l;
	}
	return ml_send(fd, SMFIC_MACRO, buf, o);
}

/* --- one session --- */

struct ml_sess {
	int fd;
	uint32_t pflags;  /* protocol flags the filter asked for */
	char qid[32];
	int final;        /* 'a','c','r','t','d' once decided */
	int mods;
	FILE *dump;       /* memstream when dumping */
};

static const char *
ml_final_name(int c)
{
	switch (c) {
	case SMFIR_ACCEPT: return "accept";
	case SMFIR_CONTINUE: return "continue";
	case SMFIR_REJECT: return "reject";
	case SMFIR_TEMPFAIL: return "tempfail";
	case SMFIR_DISCARD: return "discard";
	case SMFIR_REPLYCODE: return "replycode";
	default: return "?";
	}
}

static void
ml_dump_mod(struct ml_sess *s, char c, const char *d, size_t len)
{
	const char *a = d, *b = len > strlen(a) ? d + strlen(a) + 1 : "";

	if (s->dump == NULL)
		return;
	switch (c) {
	case SMFIR_ADDHEADER:
		fprintf(s->dump, "addheader %s: %s\n", a, b);
		break;
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER: {
		uint32_t idx;
		const char *name = d + 4, *val;

		if (len < 5)
			return;
		memcpy(&idx, d, 4);
		val = name + strlen(name) + 1;
		fprintf(s->dump, "%s %s[%u]: %s\n",
		        c == SMFIR_CHGHEADER ? (*val ? "chgheader" : "delheader")
		                             : "insheader",
		        name, (unsigned)ntohl(idx), val);
		break;
	}
	case SMFIR_ADDRCPT:
	case SMFIR_ADDRCPT_PAR:
		fprintf(s->dump, "addrcpt %s\n", a);
		break;
	case SMFIR_DELRCPT:
		fprintf(s->dump, "delrcpt %s\n", a);
		break;
	default:
		fprintf(s->dump, "modification '%c' (%zu bytes)\n", c, len);
	}
}

/* Reads replies until a non-modification one; returns it, or -1. */
static int
ml_reply(struct ml_sess *s)
{
	for (;;) {
		char c, *d;
		size_t len;

		if (ml_recv(s->fd, &c, &d, &len) != 0)
			return -1;
		switch (c) {
		case SMFIR_PROGRESS:
			break;
		case SMFIR_ADDHEADER: case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER: case SMFIR_ADDRCPT:
		case SMFIR_ADDRCPT_PAR: case SMFIR_DELRCPT:
		case SMFIR_CHGFROM: case SMFIR_REPLBODY:
		case SMFIR_QUARANTINE:
			s->mods++;
			ml_dump_mod(s, c, d, len);
			break;
		default:
			free(d);
			return (unsigned char)c;
		}
		free(d);
	}
}

/* Sends one step; waits for its reply unless nr_bit was negotiated.
 * Returns 1 when the message is decided (accept/reject/...), 0 to go on,
 * -1 on a protocol error. */
static int
ml_step(struct ml_sess *s, char cmd, const char *d, size_t len,
        uint32_t nr_bit)
{
	int r;

	if (ml_send(s->fd, cmd, d, len) != 0)
		return -1;
	if (s->pflags & nr_bit)
		return 0;
	if ((r = ml_reply(s)) < 0)
		return -1;
	if (r == SMFIR_CONTINUE)
		return 0;
	if (r == SMFIR_SKIP && cmd == SMFIC_BODY)
		return 2;
	s->final = r;
	return 1;
}

static int
ml_negotiate(struct ml_sess *s)
{
	uint32_t v[3] = { htonl(SMFI_PROT_VERSION), htonl(SMFI_CURR_ACTS),
		          htonl(SMFI_CURR_PROT) };
	char c, *d;
	size_t len;

	if (ml_send(s->fd, SMFIC_OPTNEG, (const char *)v, sizeof(v)) != 0 ||
	    ml_recv(s->fd, &c, &d, &len) != 0)
		return -1;
	if (c != SMFIC_OPTNEG || len < 12) {
		free(d);
		return -1;
	}
	memcpy(&s->pflags, d + 8, 4);
	s->pflags = ntohl(s->pflags);
	free(d);
	return 0;
}

static int
ml_envelope(struct ml_sess *s, const struct ml_opts *o, const struct ml_msg *m)
{
	/* hostname, family '4', port 12345 (network order), address */
	static const char conn[] = "client.example\0" "4" "\x30\x39" "192.0.2.10";
	const char *mc[] = { "j", "mx.shop.example", "{daemon_name}", "smtpd" };
	char buf[1024];
	int r;

	if (!(s->pflags & SMFIP_NOCONNECT)) {
		ml_macros(s->fd, SMFIC_CONNECT, mc, 4);
		if ((r = ml_step(s, SMFIC_CONNECT, conn, sizeof(conn),
		                 SMFIP_NR_CONN)) != 0)
			return r;
	}
	if (!(s->pflags & SMFIP_NOHELO) &&
	    (r = ml_step(s, SMFIC_HELO, "client.example", 15,
	                 SMFIP_NR_HELO)) != 0)
		return r;
	const char *from = o->from ? o->from : m->from ? m->from
	                                              : "sender@example.net";
	const char *mm[] = { "{mail_addr}", from };
	ml_macros(s->fd, SMFIC_MAIL, mm, 2);
	snprintf(buf, sizeof(buf), "<%s>", from);
	if (!(s->pflags & SMFIP_NOMAIL) &&
	    (r = ml_step(s, SMFIC_MAIL, buf, strlen(buf) + 1,
	                 SMFIP_NR_MAIL)) != 0)
		return r;
	for (int i = 0; i < o->nrcpts; i++) {
		const char *rm[] = { "{rcpt_addr}", o->rcpts[i] };

		ml_macros(s->fd, SMFIC_RCPT, rm, 2);
		snprintf(buf, sizeof(buf), "<%s>", o->rcpts[i]);
		if (!(s->pflags & SMFIP_NORCPT) &&
		    (r = ml_step(s, SMFIC_RCPT, buf, strlen(buf) + 1,
		                 SMFIP_NR_RCPT)) != 0)
			return r;
	}
	return 0;
}

static int
ml_content(struct ml_sess *s, const struct ml_msg *m)
{
	const char *qm[] = { "i", s->qid };
	int r;

	ml_macros(s->fd, SMFIC_DATA, qm, 2);
	if (!(s->pflags & SMFIP_NODATA) &&
	    (r = ml_step(s, SMFIC_DATA, NULL, 0, SMFIP_NR_DATA)) != 0)
		return r;
	for (size_t i = 0; i < m->nhdrs && !(s->pflags & SMFIP_NOHDRS); i++) {
		const char *v = m->hdrs[i].value;
		char idv[1024];
		size_t nl = strlen(m->hdrs[i].name), vl;
		char *b;

		/* --unique-ids: "<ML0000002A.local@host>" for "<local@host>",
		 * so that every message is new to the filter's history. */
		if (ml_unique_ids && strcasecmp(m->hdrs[i].name, "Message-ID") == 0) {
			v += strspn(v, " \t<");
			snprintf(idv, sizeof(idv), "<%s.%ld.%s", s->qid,
			         (long)getpid(), v);
			v = idv;
		}
		vl = strlen(v);
		b = xmalloc(nl + vl + 2);
		memcpy(b, m->hdrs[i].name, nl + 1);
		memcpy(b + nl + 1, v, vl + 1);
		r = ml_step(s, SMFIC_HEADER, b, nl + vl + 2, SMFIP_NR_HDR);
		free(b);
		if (r != 0)
			return r;
	}
	ml_macros(s->fd, SMFIC_EOH, qm, 2);
	if (!(s->pflags & SMFIP_NOEOH) &&
	    (r = ml_step(s, SMFIC_EOH, NULL, 0, SMFIP_NR_EOH)) != 0)
		return r;
	for (size_t o = 0; o < m->body_len && !(s->pflags & SMFIP_NOBODY);) {
		size_t n = m->body_len - o > ML_CHUNK ? ML_CHUNK : m->body_len - o;

		r = ml_step(s, SMFIC_BODY, m->body + o, n, SMFIP_NR_BODY);
		if (r == 2)
			break;
		if (r != 0)
			return r;
		o += n;
	}
	ml_macros(s->fd, SMFIC_BODYEOB, qm, 2);
	if (ml_send(s->fd, SMFIC_BODYEOB, NULL, 0) != 0)
		return -1;
	if ((r = ml_reply(s)) < 0)
		return -1;
	s->final = r;
	return 1;
}

/* One message on an open, negotiated connection.  0 or -1. */
static int
ml_message(struct ml_state *st, struct ml_sess *s, const struct ml_msg *m,
           long n)
{
	int r;

	snprintf(s->qid, sizeof(s->qid), "ML%08lX", n);
	s->final = 0;
	s->mods = 0;
	if ((r = ml_envelope(s, &st->o, m)) == 0)
		r = ml_content(s, m);
	if (r < 0)
		return -1;
	__atomic_add_fetch(&st->accepted,
	                   s->final == SMFIR_ACCEPT || s->final == SMFIR_CONTINUE,
	                   __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->modified, s->mods > 0, __ATOMIC_RELAXED);
	return 0;
}

static void
ml_dump_flush(struct ml_state *st, struct ml_sess *s, const struct ml_msg *m,
              char **mem, size_t *memlen, int ok)
{
	if (s->dump == NULL)
		return;
	fprintf(s->dump, "result %s\n", ok ? ml_final_name(s->final) : "error");
	fclose(s->dump);
	s->dump = NULL;
	pthread_mutex_lock(&st->out_lock);
	printf("# %s\n%s", m->path, *mem);
	pthread_mutex_unlock(&st->out_lock);
	free(*mem);
	*mem = NULL;
	*memlen = 0;
}

static void *
ml_worker(void *arg)
{
	struct ml_state *st = arg;
	struct ml_sess s;
	int on_conn = 0;

	memset(&s, 0, sizeof(s));
	s.fd = -1;
	for (;;) {
		long n = __atomic_fetch_add(&st->next, 1, __ATOMIC_RELAXED);
		const struct ml_msg *m;
		char *mem = NULL;
		size_t memlen = 0;
		double t0;
		int ok;

		if ((st->o.count > 0 && n >= st->o.count) ||
		    (st->o.seconds > 0 && now_s() - st->t0 >= st->o.seconds))
			break;
		m = &st->msgs[(size_t)n % st->nmsgs];
		if (st->o.dump)
			s.dump = open_memstream(&mem, &memlen);
		t0 = now_s();
		if (s.fd < 0) {
			ok = (s.fd = ml_connect(st->o.socket)) >= 0 &&
			     ml_negotiate(&s) == 0;
			on_conn = 0;
		} else {
			ok = 1;
		}
		ok = ok && ml_message(st, &s, m, n) == 0;
		on_conn++;
		if (!ok || on_conn >= st->o.per_conn) {
			if (s.fd >= 0) {
				ml_send(s.fd, SMFIC_QUIT, NULL, 0);
				close(s.fd);
			}
			s.fd = -1;
		} else {
			ml_send(s.fd, SMFIC_ABORT, NULL, 0);
		}
		if (n < st->lat_cap)
			st->lat_ms[n] = (now_s() - t0) * 1000;
		if (!ok)
			__atomic_add_fetch(&st->errors, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->done, 1, __ATOMIC_RELAXED);
		ml_dump_flush(st, &s, m, &mem, &memlen, ok);
	}
	if (s.fd >= 0) {
		ml_send(s.fd, SMFIC_QUIT, NULL, 0);
		close(s.fd);
	}
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return n ? v[i] : 0;
}

/* Opens n connections and takes each to the end of the headers, then
 * waits until SIGTERM/SIGINT (memory measurement with many open
 * sessions), then finishes them. */
static int
ml_hold(struct ml_state *st)
{
	struct ml_sess *ss = calloc((size_t)st->o.hold, sizeof(*ss));
	sigset_t set;
	int sig, opened = 0;

	if (ss == NULL)
		return 2;
	for (int i = 0; i < st->o.hold; i++) {
		const struct ml_msg *m = &st->msgs[(size_t)i % st->nmsgs];

		ss[i].fd = ml_connect(st->o.socket);
		if (ss[i].fd < 0 || ml_negotiate(&ss[i]) != 0 ||
		    ml_envelope(&ss[i], &st->o, m) != 0) {
			fprintf(stderr, "milterload: hold: connection %d failed\n", i);
			continue;
		}
		opened++;
	}
	printf("holding %d connections\n", opened);
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigwait(&set, &sig);
	for (int i = 0; i < st->o.hold; i++) {
		if (ss[i].fd < 0)
			continue;
		ml_send(ss[i].fd, SMFIC_QUIT, NULL, 0);
		close(ss[i].fd);
	}
	free(ss);
	return 0;
}

static void
ml_usage(void)
{
	fputs("usage: milterload -s SOCKET [-c CONC] [-n COUNT] [-d SECONDS] "
	      "[-m PER_CONN]\n"
	      "                  [-r RCPT]... [-f FROM] [--dump] [-q] "
	      "[--hold N] [--unique-ids] FILE|DIR...\n",
	      stderr);
	exit(2);
}

static void
ml_args(struct ml_opts *o, int argc, char **argv, int *first)
{
	int i;

	o->conc = 1;
	o->per_conn = 1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--dump") == 0) { o->dump = 1; continue; }
		if (strcmp(a, "-q") == 0) { o->quiet = 1; continue; }
		if (strcmp(a, "--unique-ids") == 0) { ml_unique_ids = 1; continue; }
		if (v == NULL)
			ml_usage();
		i++;
		if (strcmp(a, "-s") == 0) o->socket = v;
		else if (strcmp(a, "-c") == 0) o->conc = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "-n") == 0) o->count = strtol(v, NULL, 10);
		else if (strcmp(a, "-d") == 0) o->seconds = strtod(v, NULL);
		else if (strcmp(a, "-m") == 0) o->per_conn = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "-f") == 0) o->from = v;
		else if (strcmp(a, "--hold") == 0) o->hold = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "-r") == 0 && o->nrcpts < ML_MAX_RCPTS)
			o->rcpts[o->nrcpts++] = v;
		else
			ml_usage();
	}
	if (o->socket == NULL || i >= argc || o->conc < 1 || o->conc > 1024 ||
	    o->per_conn < 1 || (o->count <= 0 && o->seconds <= 0 && !o->hold))
		ml_usage();
	if (o->nrcpts == 0)
		o->rcpts[o->nrcpts++] = "support@shop.example";
	*first = i;
}

int
main(int argc, char **argv)
{
	struct ml_state st;
	pthread_t *th;
	sigset_t set;
	long n;
	int first;
	double secs;

	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.out_lock, NULL);
	ml_args(&st.o, argc, argv, &first);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = first; i < argc; i++)
		ml_load_path(&st, argv[i]);
	if (st.nmsgs == 0) {
		fprintf(stderr, "milterload: no messages\n");
		return 2;
	}
	if (st.o.hold)
		return ml_hold(&st);
	st.lat_cap = st.o.count > 0 ? st.o.count : 1000000;
	st.lat_ms = calloc((size_t)st.lat_cap, sizeof(double));
	th = calloc((size_t)st.o.conc, sizeof(*th));
	if (st.lat_ms == NULL || th == NULL)
		return 2;
	st.t0 = now_s();
	for (int i = 0; i < st.o.conc; i++)
		pthread_create(&th[i], NULL, ml_worker, &st);
	for (int i = 0; i < st.o.conc; i++)
		pthread_join(th[i], NULL);
	secs = now_s() - st.t0;
	n = st.done < st.lat_cap ? st.done : st.lat_cap;
	qsort(st.lat_ms, (size_t)n, sizeof(double), cmp_d);
	printf("%smsgs=%ld secs=%.3f rate=%.1f p50=%.3f p90=%.3f p99=%.3f "
	       "max=%.3f errors=%ld accepted=%ld modified=%ld\n",
	       st.o.dump ? "# " : "", st.done, secs, (double)st.done / secs,
	       pct(st.lat_ms, n, 0.5), pct(st.lat_ms, n, 0.9),
	       pct(st.lat_ms, n, 0.99), n ? st.lat_ms[n - 1] : 0, st.errors,
	       st.accepted, st.modified);
	return st.errors ? 1 : 0;
}
