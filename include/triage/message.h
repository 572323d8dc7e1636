/*
 * message.h - from raw RFC 5322/MIME bytes to decoded UTF-8 text parts.
 *
 * Untrusted input: every byte.  The parser takes headers and body in
 * pieces (as libmilter hands them over) or a whole file, keeps at most
 * limits.max_body_len raw bytes, and at message_finish() decodes with
 * GMime 3: MIME structure, transfer encodings, RFC 2047/2231, charsets to
 * UTF-8 (with the aliases real clients send), HTML to text with libxml2.
 * Odd input is not an error: it sets an anomaly bit and decoding goes on.
 *
 * Thread-safety: a parser and the message it returns belong to one
 * thread at a time; message_global_init() must run once before any use.
 */
#ifndef TRIAGE_MESSAGE_H
#define TRIAGE_MESSAGE_H

#include <stddef.h>

#include "triage/err.h"

/* Anomaly bits (struct message.anomalies).  MSG_TRUNCATED is set whenever
 * any limit cut what was inspected; the specific bit says which. */
enum msg_anomaly {
	MSG_TRUNCATED = 1u << 0,       /* something was not inspected */
	MSG_BODY_TOO_LARGE = 1u << 1,  /* raw body over max_body_len */
	MSG_TEXT_TOO_LARGE = 1u << 2,  /* decoded text over max_text_len */
	MSG_DEEP_NESTING = 1u << 3,    /* MIME depth over max_mime_depth */
	MSG_TOO_MANY_PARTS = 1u << 4,  /* parts over max_mime_parts */
	MSG_HEADER_TOO_LONG = 1u << 5, /* a header field cut */
	MSG_BAD_CHARSET = 1u << 6,     /* unknown charset, fallback used */
	MSG_BAD_ENCODING = 1u << 7,    /* broken base64/QP/RFC 2047 */
	MSG_INVALID_UTF8 = 1u << 8,    /* bytes replaced by U+FFFD */
	MSG_NUL_BYTES = 1u << 9,       /* NUL bytes in text (removed) */
	MSG_BAD_MIME = 1u << 10,       /* unterminated multipart, no boundary */
	MSG_NO_TEXT = 1u << 11,        /* no text part found at all */
	MSG_TOO_MANY_HEADERS = 1u << 12,
};

/* Returns a short comma-free token for one anomaly bit ("truncated",
 * "deep-nesting", ...); "unknown" for other values. */
const char *message_anomaly_name(unsigned bit);

struct message_limits {
	size_t max_body_len;   /* raw header + body bytes kept */
	size_t max_text_len;   /* decoded UTF-8 bytes kept, all parts */
	size_t max_header_len; /* one header field */
	unsigned max_mime_depth;
	unsigned max_mime_parts;
	const char *fallback_charset; /* for 8-bit text with no/unknown charset
	                                 that is not valid UTF-8 */
};

/* Fills lim with the defaults of limits.h and "windows-1252". */
void message_limits_default(struct message_limits *lim);

/* How a piece of a text part's decoded text relates to the customer.
 * message.c marks what the MIME/HTML structure tells (HTML quote
 * containers, forwarded message/rfc822 parts); regions.c marks the rest
 * from the plain text. */
enum seg_kind {
	SEG_TEXT = 0,    /* text as written in this part */
	SEG_QUOTE = 1,   /* inside an HTML quote container */
	SEG_FORWARD = 2, /* text of an attached message/rfc822 */
};

struct msg_segment {
	enum seg_kind kind;
	const char *reason; /* static string, e.g. "html blockquote",
	                        "gmail_quote", "divRplyFwdMsg", "message/rfc822";
	                        NULL for SEG_TEXT */
	char *text;         /* owned UTF-8, valid, no NUL bytes */
	size_t len;
};

struct msg_part {
	char *content_type; /* "text/plain", lower case; owned */
	char *charset;      /* as labelled (may be NULL); owned */
	char *charset_used; /* what was actually used to decode; owned */
	char *encoding;     /* "base64", "quoted-printable", "7bit", ... */
	char *filename;     /* decoded (RFC 2231/2047), or NULL */
	unsigned depth;     /* 0 = top level */
	size_t index;       /* position in struct message.parts */
	int is_attachment;  /* Content-Disposition: attachment, or not text */
	int is_text;        /* text/plain or text/html, decoded below */
	int is_html;
	int in_rfc822;           /* inside an attached message/rfc822 */
	int used;                /* 1: this part's text is part of the message's
	                        text (0: the other rendering of a
	                        multipart/alternative, or an attachment) */
	const char *skip_reason; /* why not used (static), or NULL */
	size_t raw_len;          /* bytes of the encoded body */
	struct msg_segment *segs; /* decoded text in order; owned */
	size_t segs_count;
};

struct message {
	/* Decoded header values (UTF-8, RFC 2047 decoded, unfolded);
	 * owned; NULL when absent. */
	char *subject;
	char *subject_raw; /* the Subject field exactly as received (for
	                        tagging without re-encoding), or NULL */
	char *from;        /* whole decoded From value */
	char *from_addr;   /* the bare address of From, lower case as
	                        written (ltv folds case) */
	char *reply_to_addr;
	char *message_id; /* without angle brackets */
	char *date;

	struct msg_part *parts; /* every MIME part visited, in order */
	size_t parts_count;

	unsigned anomalies; /* enum msg_anomaly bits */
	size_t raw_len;     /* raw bytes seen (headers + body), counted even
	                        past the limit */
	size_t text_len;    /* decoded text bytes kept, all parts */
};

struct message_parser;

/* Sets up GMime once per process; safe to call more than once. */
void message_global_init(void);
void message_global_shutdown(void);

/* A parser fed in pieces.  lim is copied.  NULL on out of memory. */
struct message_parser *message_parser_new(const struct message_limits *lim);

/* One header field as libmilter gives it: name without colon, value
 * without the leading space, folding kept.  Returns 0; -1 on out of
 * memory (caps are anomalies, not errors). */
int
message_header(struct message_parser *p, const char *name, const char *value);

/* A chunk of the body (after the blank line), CRLF or LF line ends. */
int
message_body(struct message_parser *p, const unsigned char *chunk, size_t len);

/* Decodes everything fed so far.  Returns a message the caller owns
 * (message_free), or NULL with err filled (out of memory, GMime failure).
 * The parser may be freed right after. */
struct message *
message_finish(struct message_parser *p, struct triage_err *err);

void message_parser_free(struct message_parser *p);

/* Whole message in one buffer (a .eml file, standard input): the same
 * path as header/body/finish. */
struct message *
message_parse(const char *data, size_t len, const struct message_limits *lim,
              struct triage_err *err);

void message_free(struct message *m);

/* Converts len bytes in charset to valid UTF-8 (invalid bytes become
 * U+FFFD; NUL bytes dropped); knows the aliases real clients send
 * (ks_c_5601-1987 -> CP949, x-unknown, unicode-1-1-utf-7, ...).  Unknown
 * charset: valid UTF-8 is kept, else fallback.  Sets *anomalies bits.
 * Returns a malloc'd string (*outlen bytes) or NULL on out of memory. */
char *
message_to_utf8(const char *charset, const char *data, size_t len,
                const char *fallback, size_t *outlen, unsigned *anomalies);

/* Converts an HTML document (UTF-8) to text segments: block elements and
 * <br> are line breaks, script/style/head dropped, entities decoded,
 * quote containers (blockquote, gmail_quote, type=cite, divRplyFwdMsg,
 * Outlook reply dividers, yahoo_quoted, Naver/Daum quote blocks) turned
 * into SEG_QUOTE segments.  Returns 0 and an owned array in *segs, or -1
 * on out of memory. */
int message_html_to_text(const char *html, size_t len, size_t max_text,
                         struct msg_segment **segs, size_t *segs_count,
                         unsigned *anomalies);

#endif
