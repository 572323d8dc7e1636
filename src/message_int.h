/*
 * message_int.h - types and helpers shared by the files of the message
 * module (message.c, message_charset.c, message_html.c).  Not a public
 * interface: other modules use include/triage/message.h only.
 *
 * Untrusted input: every function here takes bytes from a mail.
 */
#ifndef TRIAGE_MESSAGE_INT_H
#define TRIAGE_MESSAGE_INT_H

#include <stddef.h>

/* Result of one charset conversion. */
struct msg_conv {
	char *text; /* malloc'd valid UTF-8, NUL-terminated, no NULs */
	size_t len;
	char used_name[48]; /* iconv name of the charset actually used */
	unsigned anomalies;
};

/* Converts len bytes labelled charset (may be NULL) to UTF-8 keeping at
 * most max_out bytes (cut on a character boundary, MSG_TEXT_TOO_LARGE |
 * MSG_TRUNCATED).  Returns 0, or -1 on out of memory. */
int message_convert(const char *charset, const char *data, size_t len,
                    const char *fallback, size_t max_out, struct msg_conv *out);

/* 1 when data[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int message_utf8_valid(const char *data, size_t len);

/* Length of the longest prefix of s[0..len) that ends on a UTF-8
 * character boundary and is at most max bytes. */
size_t message_utf8_cut(const char *s, size_t len, size_t max);

/* Decodes RFC 2047 encoded words in a header value (adjacent words of
 * one charset are joined before conversion, so a character split over
 * two words survives); raw 8-bit text is taken as UTF-8 when valid, else
 * converted from fallback.  CR/LF are removed (unfolding), tabs become
 * spaces.  Returns malloc'd UTF-8 or NULL on out of memory. */
char *message_rfc2047_decode(const char *value, size_t len,
                             const char *fallback, unsigned *anomalies);

/* Removes CR and LF (unfolding) and turns tabs into spaces; returns a
 * malloc'd copy or NULL on out of memory. */
char *message_unfold(const char *value, size_t len);

/* on: keeps the gconv modules of the common mail charsets loaded (see
 * message_charset.c); off: releases them.  Called by
 * message_global_init/shutdown under their lock. */
void message_charset_pin(int on);

#endif
