/*
 * normalize.h - the text rules match on.
 *
 * normalize_text() joins the kept regions (subject first, then each
 * customer region, separated by "\n\n") and normalizes them with
 * utf8proc: NFKC, case folding, zero-width and other format characters
 * removed, typographic quotes/apostrophes (’ ʼ ‘ ´ `) to "'", “ ” « » „ to
 * '"', dashes (‐ ‑ ‒ – — ―) to '-', runs of horizontal whitespace to one
 * space, runs of blank lines to one "\n\n" (single newlines are kept:
 * rules may treat them as sentence ends).  A map keeps, for every byte of
 * the normalized text, the offset of the original byte it came from, so a
 * match can be shown as the customer wrote it.  Pure: no I/O.
 */
#ifndef TRIAGE_NORMALIZE_H
#define TRIAGE_NORMALIZE_H

#include <stddef.h>

#include "triage/err.h"
#include "triage/regions.h"

struct text {
	char *orig; /* kept regions joined, as decoded; owned */
	size_t orig_len;
	char *norm; /* normalized UTF-8, NUL-terminated; owned */
	size_t norm_len;
	size_t *map;   /* norm_len + 1 entries: map[i] = offset in orig of
	                      the character norm byte i came from;
	                      map[norm_len] = orig_len */
	int truncated; /* 1 when max_len cut the text */
};

/* Builds the match text of the kept regions of r, at most max_len bytes
 * of normalized text.  NULL with err filled on out of memory. */
struct text *
normalize_text(const struct regions *r, size_t max_len, struct triage_err *err);

/* Normalizes one string (rule examples, order patterns) exactly as
 * normalize_text() does.  Returns a malloc'd NUL-terminated string and
 * its length in *outlen, or NULL on out of memory. */
char *normalize_string(const char *s, size_t len, size_t *outlen);

/* The original text behind normalized bytes [start, end): borrowed
 * pointer into t->orig and its length in *len. */
const char *
text_original(const struct text *t, size_t start, size_t end, size_t *len);

void text_free(struct text *t);

#endif
