/*
 * nullfilter.c - the protocol floor: a libmilter filter that does
 * nothing and accepts every message at end of message.
 *
 *   nullfilter -p SOCKET [-r] [-a N] [-N]
 *
 * Without -r it answers every protocol step (the cost of a filter that
 * negotiates nothing away); with -r it negotiates "no reply" for every
 * step before end of body and skips helo/data/unknown (the cheapest a
 * libmilter filter can be).  -a N adds N headers at end of message (the
 * replies of a filter with a verdict: several small packets written back
 * to back); -N sets TCP_NODELAY on the listening socket, which accepted
 * connections inherit on Linux (libmilter itself leaves Nagle's
 * algorithm on).  Built by bench/Makefile for `make bench`.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int nullf_noreply;
static int nullf_addhdrs;

#define NULLF_STEP (nullf_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE)

static sfsistat
nullf_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                unsigned long f2, unsigned long f3, unsigned long *pf0,
                unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
	                     SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN |
	                     SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_HDR |
	                     SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN;

	(void)ctx;
	(void)f3;
	*pf0 = nullf_addhdrs > 0 ? (f0 & SMFIF_ADDHDRS) : 0;
	*pf2 = 0;
	*pf1 = nullf_noreply ? (f1 & want) : 0;
	*pf3 = 0;
	if (nullf_noreply && (f1 & want) != want)
		nullf_noreply = 0;
	(void)f2;
	return SMFIS_CONTINUE;
}

static sfsistat
nullf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx; (void)host; (void)sa;
	return NULLF_STEP;
}

static sfsistat
nullf_helo(SMFICTX *ctx, char *h)
{
	(void)ctx; (void)h;
	return NULLF_STEP;
}

static sfsistat
nullf_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx; (void)argv;
	return NULLF_STEP;
}

static sfsistat
nullf_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx; (void)argv;
	return NULLF_STEP;
}

static sfsistat
nullf_header(SMFICTX *ctx, char *n, char *v)
{
	(void)ctx; (void)n; (void)v;
	return NULLF_STEP;
}

static sfsistat
nullf_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return NULLF_STEP;
}

static sfsistat
nullf_body(SMFICTX *ctx, unsigned char *b, size_t len)
{
	(void)ctx; (void)b; (void)len;
	return NULLF_STEP;
}

static sfsistat
nullf_eom(SMFICTX *ctx)
{
	for (int i = 0; i < nullf_addhdrs; i++) {
		char name[32];

		snprintf(name, sizeof(name), "X-Null-%d", i);
		if (smfi_addheader(ctx, name, "a value of some forty bytes, "
		                              "like a verdict") != MI_SUCCESS)
			return SMFIS_TEMPFAIL;
	}
	return SMFIS_ACCEPT;
}

/* Sets TCP_NODELAY on every listening TCP socket of this process (the
 * one smfi_opensocket made; libmilter does not expose its descriptor).
 * Returns how many were set. */
static int
nullf_nodelay(void)
{
	int set = 0;

	for (int fd = 3; fd < 1024; fd++) {
		int v = 0, dom = 0;
		socklen_t l = sizeof(v), dl = sizeof(dom);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) != 0 ||
		    !v ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) != 0 ||
		    (dom != AF_INET && dom != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		               sizeof(int)) == 0)
			set++;
	}
	return set;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		"nullfilter", SMFI_VERSION, 0,
		nullf_connect, nullf_helo, nullf_envfrom, nullf_envrcpt,
		nullf_header, nullf_eoh, nullf_body, nullf_eom, NULL, NULL,
		NULL, NULL, nullf_negotiate,
	};
	const char *sock = NULL;
	int c, nodelay = 0;

	while ((c = getopt(argc, argv, "p:ra:N")) != -1) {
		if (c == 'p')
			sock = optarg;
		else if (c == 'r')
			nullf_noreply = 1;
		else if (c == 'a')
			nullf_addhdrs = (int)strtol(optarg, NULL, 10);
		else if (c == 'N')
			nodelay = 1;
		else
			return 2;
	}
	if (sock == NULL || nullf_addhdrs < 0 || nullf_addhdrs > 100) {
		fprintf(stderr, "usage: nullfilter -p SOCKET [-r] [-a N] [-N]\n");
		return 2;
	}
	if (nullf_addhdrs > 0)
		desc.xxfi_flags = SMFIF_ADDHDRS;
	if (smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullfilter: cannot set up %s\n", sock);
		return 1;
	}
	if (nodelay && nullf_nodelay() == 0)
		fprintf(stderr, "nullfilter: no TCP listening socket for -N\n");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
