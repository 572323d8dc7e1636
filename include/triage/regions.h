/*
 * regions.h - which parts of a decoded message the customer wrote now.
 *
 * regions_mark() turns a struct message into an ordered list of regions:
 * the subject, the customer's new text, and the material left out of rule
 * matching with the reason (lines quoted with '>', a reply attribution
 * line and everything below it in en/ko/uk/ru/de/es/fr, Outlook
 * "Original Message" and From:/Sent: blocks, forwarded messages,
 * signatures after "-- ", mobile footers, HTML quote containers found by
 * message.c).  Pure: no I/O, no matching.
 */
#ifndef TRIAGE_REGIONS_H
#define TRIAGE_REGIONS_H

#include <stddef.h>

#include "triage/err.h"
#include "triage/message.h"

enum region_kind {
	REGION_SUBJECT = 0, /* the decoded Subject (kept) */
	REGION_CUSTOMER,    /* the customer's new text (kept) */
	REGION_QUOTED,      /* quoted reply ('>' lines, HTML quotes) */
	REGION_ATTRIBUTION, /* "On ... wrote:" and what follows it */
	REGION_FORWARDED,   /* forwarded message, inline or attached */
	REGION_SIGNATURE,   /* after "-- " */
	REGION_FOOTER,      /* "Sent from my iPhone" and the like */
};

/* "subject", "customer", "quoted", "attribution", "forwarded",
 * "signature", "footer". */
const char *region_kind_name(enum region_kind k);

struct region {
	enum region_kind kind;
	int kept;           /* 1 for SUBJECT and CUSTOMER: rules see it */
	const char *reason; /* static text: why left out ("quoted with '>'",
	                        "reply header 'On ... wrote:'", ...), or NULL */
	size_t part_index;  /* struct message.parts index; (size_t)-1 for
	                        the subject */
	char *text;         /* owned UTF-8 as decoded, before normalization */
	size_t len;
};

struct regions {
	struct region *v; /* in message order, the subject first */
	size_t count;
};

/* Returns the regions of msg (caller owns: regions_free), or NULL with err
 * filled on out of memory.  A message with no text gives just the
 * subject region (which may be empty). */
struct regions *regions_mark(const struct message *msg, struct triage_err *err);

void regions_free(struct regions *r);

#endif
