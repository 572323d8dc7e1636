/*
 * nullfilter.c - the protocol floor: a libmilter filter that does
 * nothing and accepts every message at end of message.
 *
 *   nullfilter -p SOCKET [-r]
 *
 * Without -r it answers every protocol step (the cost of a filter that
 * negotiates nothing away); with -r it negotiates "no reply" for every
 * step before end of body and skips helo/data/unknown (the cheapest a
 * libmilter filter can be).  Built by bench/Makefile for `make bench`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int nullf_noreply;

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
	(void)f0;
	(void)f3;
	*pf0 = 0;
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
	(void)ctx;
	return SMFIS_ACCEPT;
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
	int c;

	while ((c = getopt(argc, argv, "p:r")) != -1) {
		if (c == 'p')
			sock = optarg;
		else if (c == 'r')
			nullf_noreply = 1;
		else
			return 2;
	}
	if (sock == NULL) {
		fprintf(stderr, "usage: nullfilter -p SOCKET [-r]\n");
		return 2;
	}
	if (smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "nullfilter: cannot set up %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
