/*
 * message.c - raw RFC 5322/MIME bytes to decoded UTF-8 text parts.
 *
 * Owns: the parser fed by libmilter (header fields, body chunks) and by
 * message_parse() for whole files, the raw-byte cap (max_body_len), the
 * header caps, the GMime parse of the reconstructed bytes, the walk over
 * the MIME tree (explicit stack, depth and part caps, multipart/
 * alternative choice, message/rfc822), transfer decoding checks, binary
 * sniffing, and struct message with every string in it.
 * Charsets and RFC 2047 live in message_charset.c, HTML in message_html.c.
 *
 * Untrusted input: every header and body byte of a mail.
 */
#include "triage/message.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "message_int.h"

/* Header fields struct message reports (first instance of each). */
enum { H_SUBJECT, H_FROM, H_REPLY_TO, H_MSGID, H_DATE, H_COUNT };
static const char *const hdr_names[H_COUNT] = {
	"subject", "from", "reply-to", "message-id", "date",
};

struct message_parser {
	struct message_limits lim;
	struct buf raw; /* "Name: value\n" fields, "\n", body */
	size_t raw_len; /* bytes seen, kept or not */
	size_t header_count;
	unsigned anomalies;
	int in_body;
	char *hdr[H_COUNT]; /* raw values (cut to max_header_len) */
};

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static int global_ready; /* GMime set up; changed under global_lock */

static const struct {
	unsigned bit;
	const char *name;
} anomaly_names[] = {
	{ MSG_TRUNCATED, "truncated" },
	{ MSG_BODY_TOO_LARGE, "body-too-large" },
	{ MSG_TEXT_TOO_LARGE, "text-too-large" },
	{ MSG_DEEP_NESTING, "deep-nesting" },
	{ MSG_TOO_MANY_PARTS, "too-many-parts" },
	{ MSG_HEADER_TOO_LONG, "header-too-long" },
	{ MSG_BAD_CHARSET, "bad-charset" },
	{ MSG_BAD_ENCODING, "bad-encoding" },
	{ MSG_INVALID_UTF8, "invalid-utf8" },
	{ MSG_NUL_BYTES, "nul-bytes" },
	{ MSG_BAD_MIME, "bad-mime" },
	{ MSG_NO_TEXT, "no-text" },
	{ MSG_TOO_MANY_HEADERS, "too-many-headers" },
};

const char *
message_anomaly_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(anomaly_names) / sizeof(anomaly_names[0]); i++)
		if (anomaly_names[i].bit == bit)
			return anomaly_names[i].name;
	return "unknown";
}

void
message_limits_default(struct message_limits *lim)
{
	lim->max_body_len = TRIAGE_MAX_BODY_LEN;
	lim->max_text_len = TRIAGE_MAX_TEXT_LEN;
	lim->max_header_len = TRIAGE_MAX_HEADER_LEN;
	lim->max_mime_depth = TRIAGE_MAX_MIME_DEPTH;
	lim->max_mime_parts = TRIAGE_MAX_MIME_PARTS;
	lim->fallback_charset = "windows-1252";
}

void
message_global_init(void)
{
	pthread_mutex_lock(&global_lock);
	if (!global_ready) {
		g_mime_init();
		xmlInitParser();
		message_charset_pin(1);
		global_ready = 1;
	}
	pthread_mutex_unlock(&global_lock);
}

void
message_global_shutdown(void)
{
	pthread_mutex_lock(&global_lock);
	if (global_ready) {
		message_charset_pin(0);
		g_mime_shutdown();
		global_ready = 0;
	}
	pthread_mutex_unlock(&global_lock);
}

struct message_parser *
message_parser_new(const struct message_limits *lim)
{
	struct message_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	else
		message_limits_default(&p->lim);
	if (p->lim.fallback_charset == NULL)
		p->lim.fallback_charset = "windows-1252";
	buf_init(&p->raw, p->lim.max_body_len);
	return p;
}

void
message_parser_free(struct message_parser *p)
{
	size_t i;

	if (p == NULL)
		return;
	buf_free(&p->raw);
	for (i = 0; i < H_COUNT; i++)
		free(p->hdr[i]);
	free(p);
}

/* RFC 5322 field names: printable ASCII except the colon. */
static int
header_name_ok(const char *name)
{
	if (*name == '\0')
		return 0;
	for (; *name != '\0'; name++)
		if ((unsigned char)*name <= 32 || (unsigned char)*name >= 127 ||
		    *name == ':')
			return 0;
	return 1;
}

/* Appends "name: value\n"; a line break inside value that does not
 * continue the field gets a space, so a value cannot start a new field.
 * Returns a buf status (BUF_TOO_LARGE: it did not fit). */
static int
raw_add_field(struct buf *b, const char *name, size_t nl, const char *value,
              size_t vl)
{
	size_t i, start = 0;
	int rc;

	if ((rc = buf_append(b, name, nl)) != BUF_OK ||
	    (rc = buf_append(b, ": ", 2)) != BUF_OK)
		return rc;
	for (i = 0; i < vl; i++) {
		if (value[i] != '\n' || i + 1 >= vl || value[i + 1] == ' ' ||
		    value[i + 1] == '\t')
			continue;
		if ((rc = buf_append(b, value + start, i + 1 - start)) !=
		        BUF_OK ||
		    (rc = buf_putc(b, ' ')) != BUF_OK)
			return rc;
		start = i + 1;
	}
	if ((rc = buf_append(b, value + start, vl - start)) != BUF_OK)
		return rc;
	return buf_putc(b, '\n');
}

int
message_header(struct message_parser *p, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), old = p->raw.len, i;
	int rc;

	p->raw_len += nl + vl + 3;
	if (p->in_body)
		return 0;
	if (++p->header_count > TRIAGE_MAX_HEADER_COUNT) {
		p->anomalies |= MSG_TOO_MANY_HEADERS | MSG_TRUNCATED;
		return 0;
	}
	if (!header_name_ok(name)) {
		p->anomalies |= MSG_BAD_MIME;
		return 0;
	}
	if (nl + 2 + vl > p->lim.max_header_len) {
		size_t keep = p->lim.max_header_len > nl + 2
		                  ? p->lim.max_header_len - nl - 2
		                  : 0;

		vl = message_utf8_cut(value, vl, keep);
		p->anomalies |= MSG_HEADER_TOO_LONG | MSG_TRUNCATED;
	}
	for (i = 0; i < H_COUNT; i++) {
		if (p->hdr[i] != NULL || str_casecmp(name, hdr_names[i]) != 0)
			continue;
		if ((p->hdr[i] = str_ndup(value, vl)) == NULL)
			return -1;
	}
	rc = raw_add_field(&p->raw, name, nl, value, vl);
	if (rc != BUF_OK) {
		p->raw.len = old; /* the field is not kept, not even in part */
		if (p->raw.data != NULL)
			p->raw.data[old] = '\0';
		if (rc == BUF_NOMEM)
			return -1;
		p->anomalies |= MSG_BODY_TOO_LARGE | MSG_TRUNCATED;
	}
	return 0;
}

int
message_body(struct message_parser *p, const unsigned char *chunk, size_t len)
{
	int rc;

	p->raw_len += len;
	if (!p->in_body) {
		p->in_body = 1;
		rc = buf_putc(&p->raw, '\n');
		if (rc == BUF_NOMEM)
			return -1;
		if (rc == BUF_TOO_LARGE)
			p->anomalies |= MSG_BODY_TOO_LARGE | MSG_TRUNCATED;
	}
	if (len == 0 || (p->anomalies & MSG_BODY_TOO_LARGE))
		return 0;
	rc = buf_append_trunc(&p->raw, chunk, len);
	if (rc == BUF_NOMEM)
		return -1;
	if (rc == BUF_TOO_LARGE)
		p->anomalies |= MSG_BODY_TOO_LARGE | MSG_TRUNCATED;
	return 0;
}

/* --- header values --- */

static char *
trim_dup(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return str_ndup(s, len);
}

/* Skips a quoted string or comment starting at s[i]; returns the index
 * after it. */
static size_t
skip_special(const char *s, size_t i)
{
	char open = s[i];
	int depth = 0;

	for (; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0') {
			i++;
			continue;
		}
		if (open == '"' && s[i] == '"' && depth++ > 0)
			return i + 1;
		if (open == '(' && s[i] == '(')
			depth++;
		if (open == '(' && s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return i;
}

/* The bare addr-spec of the first mailbox in an address list (angle form
 * first, else the first word with an '@'); NULL when there is none. */
static char *
addr_extract(const char *v)
{
	size_t i = 0, a, b = 0;

	while (v[i] != '\0' && v[i] != '<' && v[i] != ',' && v[i] != ';') {
		if (v[i] == '"' || v[i] == '(')
			i = skip_special(v, i);
		else
			i++;
	}
	if (v[i] == '<') {
		a = i + 1;
		for (b = a; v[b] != '\0' && v[b] != '>'; b++)
			if (v[b] == ':' && memchr(v + a, '@', b - a) != NULL &&
			    v[a] == '@')
				a = b + 1; /* obsolete source route */
	} else {
		for (a = 0; v[a] != '\0'; a = b) {
			while (v[a] == ' ' || v[a] == '\t' || v[a] == ',' ||
			       v[a] == ';' || v[a] == ':')
				a++;
			if (v[a] == '(') {
				b = skip_special(v, a);
				continue;
			}
			for (b = a;
			     v[b] != '\0' && v[b] != ' ' && v[b] != '\t' &&
			     v[b] != ',' && v[b] != ';' && v[b] != '(';
			     b++)
				if (v[b] == '"')
					b = skip_special(v, b) - 1;
			if (memchr(v + a, '@', b - a) != NULL)
				break;
			if (v[b] == '\0')
				return NULL;
		}
		if (v[a] == '\0')
			return NULL;
	}
	while (a < b && (v[a] == ' ' || v[a] == '\t'))
		a++;
	while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
		b--;
	if (b == a || b - a > TRIAGE_MAX_ADDRESS_LEN ||
	    memchr(v + a, '@', b - a) == NULL)
		return NULL;
	return str_ndup(v + a, b - a);
}

static char *
msgid_clean(const char *v)
{
	const char *lt = strchr(v, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return trim_dup(lt + 1, (size_t)(gt - lt - 1));
	return trim_dup(v, strlen(v));
}

/* Applies fn to the unfolded raw value; *out gets its result.  Returns
 * -1 on out of memory (fn returning NULL for "none" is not an error
 * unless required). */
static int
hdr_apply(const char *raw, char *(*fn)(const char *), char **out, int required)
{
	char *u;

	if (raw == NULL)
		return 0;
	if ((u = message_unfold(raw, strlen(raw))) == NULL)
		return -1;
	*out = fn(u);
	free(u);
	return (*out == NULL && required) ? -1 : 0;
}

static char *
trim_cstr(const char *s)
{
	return trim_dup(s, strlen(s));
}

/* RFC 2047-decoded, trimmed value into *out. */
static int
hdr_decode(const char *raw, const char *fallback, unsigned *anom, char **out)
{
	char *u;

	if (raw == NULL)
		return 0;
	u = message_rfc2047_decode(raw, strlen(raw), fallback, anom);
	if (u == NULL)
		return -1;
	*out = trim_dup(u, strlen(u));
	free(u);
	return *out == NULL ? -1 : 0;
}

/* Fills the header fields of m from the raw values the parser kept. */
static int
fill_headers(struct message *m, char *const *hdr, const char *fallback)
{
	if (hdr_apply(hdr[H_SUBJECT], trim_cstr, &m->subject_raw, 1) != 0 ||
	    hdr_decode(hdr[H_SUBJECT], fallback, &m->anomalies, &m->subject) !=
	        0 ||
	    hdr_decode(hdr[H_FROM], fallback, &m->anomalies, &m->from) != 0 ||
	    hdr_apply(hdr[H_FROM], addr_extract, &m->from_addr, 0) != 0 ||
	    hdr_apply(hdr[H_REPLY_TO], addr_extract, &m->reply_to_addr, 0) !=
	        0 ||
	    hdr_apply(hdr[H_MSGID], msgid_clean, &m->message_id, 1) != 0 ||
	    hdr_apply(hdr[H_DATE], trim_cstr, &m->date, 1) != 0)
		return -1;
	return 0;
}

/* --- MIME walk --- */

struct walk_frame {
	GMimeObject *obj;
	unsigned depth;
	int in_rfc822;
	const char *skip; /* inherited reason not to use the text */
};

struct walk {
	struct message *m;
	const struct message_limits *lim;
	struct walk_frame *stack;
	size_t sp, stack_cap;
	size_t parts_cap;
	GMimeObject **objs; /* the GMime object of each part (borrowed) */
	GMimeParserOptions *opts;
	GPtrArray *held; /* messages parsed from encoded message/rfc822
	                       parts, released after the walk */
	size_t visited;
	size_t text_left;
};

static int
walk_push(struct walk *w, GMimeObject *obj, unsigned depth, int in_rfc822,
          const char *skip)
{
	if (w->sp == w->stack_cap) {
		size_t ncap = w->stack_cap ? w->stack_cap * 2 : 16;
		struct walk_frame *s = realloc(w->stack, ncap * sizeof(*s));

		if (s == NULL)
			return -1;
		w->stack = s;
		w->stack_cap = ncap;
	}
	w->stack[w->sp].obj = obj;
	w->stack[w->sp].depth = depth;
	w->stack[w->sp].in_rfc822 = in_rfc822;
	w->stack[w->sp].skip = skip;
	w->sp++;
	return 0;
}

static struct msg_part *
part_new(struct walk *w, GMimeObject *obj)
{
	struct message *m = w->m;
	struct msg_part *mp;
	GMimeObject **o;

	if (m->parts_count == w->parts_cap) {
		size_t ncap = w->parts_cap ? w->parts_cap * 2 : 8;

		mp = realloc(m->parts, ncap * sizeof(*mp));
		if (mp == NULL)
			return NULL;
		m->parts = mp;
		o = realloc(w->objs, ncap * sizeof(*o));
		if (o == NULL)
			return NULL;
		w->objs = o;
		w->parts_cap = ncap;
	}
	w->objs[m->parts_count] = obj;
	mp = &m->parts[m->parts_count];
	memset(mp, 0, sizeof(*mp));
	mp->index = m->parts_count++;
	return mp;
}

static char *
lower_dup(const char *s)
{
	char *r = str_dup(s), *q;

	if (r != NULL)
		for (q = r; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q + 32);
	return r;
}

/* What the check of an encoded body has seen so far. */
struct enc_check {
	size_t b64; /* base64 alphabet characters */
	int pad;    /* '=' seen (base64) */
	int eq;     /* QP: 2 just after '=', 1 after "=X" */
	int bad;
};

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
	       (c >= 'a' && c <= 'f');
}

/* Byte classes for the base64 check: 1 alphabet, 2 white space, 3 '='. */
static unsigned char b64_class[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void
b64_class_init(void)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                "0123456789+/";

	for (; *a != '\0'; a++)
		b64_class[(unsigned char)*a] = 1;
	b64_class['\n'] = b64_class['\r'] = b64_class[' '] = 2;
	b64_class['\t'] = 2;
	b64_class['='] = 3;
}

static void
b64_scan(const unsigned char *s, size_t n, struct enc_check *st)
{
	size_t i;

	pthread_once(&b64_once, b64_class_init);
	for (i = 0; i < n; i++) {
		unsigned k = b64_class[s[i]];

		if (k == 1 && !st->pad) {
			st->b64++;
			continue;
		}
		if (k == 2)
			continue;
		if (k == 3) {
			st->pad = 1;
			continue;
		}
		st->bad = 1; /* a stray byte, or data after the padding */
		return;
	}
}

/* Quoted-printable: every '=' is followed by two hex digits or ends the
 * line (soft break, trailing white space allowed). */
static void
qp_scan(const unsigned char *s, size_t n, struct enc_check *st)
{
	const unsigned char *e = s + n, *q;
	int ws;

	while (s < e && !st->bad) {
		if (st->eq == 0) {
			q = memchr(s, '=', (size_t)(e - s));
			if (q == NULL)
				return;
			st->eq = 2;
			s = q + 1;
			continue;
		}
		ws = *s == '\n' || *s == '\r' || *s == ' ' || *s == '\t';
		if (st->eq == 2) {
			st->bad = !is_hex(*s) && !ws;
			st->eq = is_hex(*s) ? 1 : 0;
		} else {
			st->bad = !is_hex(*s);
			st->eq = 0;
		}
		s++;
	}
}

/* Transfer-decodes part into a GMime memory stream (caller unrefs) and
 * checks the encoded bytes for broken base64/QP (MSG_BAD_ENCODING; what
 * can be decoded still is). */
static GMimeStream *
part_decode(GMimePart *part, size_t *raw_len, unsigned *anom)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new(), *enc;
	GMimeContentEncoding ce = g_mime_part_get_content_encoding(part);
	int check = ce == GMIME_CONTENT_ENCODING_BASE64 ||
	            ce == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	struct enc_check st;
	unsigned char chunk[4096];
	ssize_t n;

	*raw_len = 0;
	memset(&st, 0, sizeof(st));
	if (mem == NULL || dw == NULL)
		return mem;
	enc = g_mime_data_wrapper_get_stream(dw);
	if (enc != NULL && g_mime_stream_reset(enc) == 0) {
		while ((n = g_mime_stream_read(enc, (char *)chunk,
		                               sizeof(chunk))) > 0) {
			*raw_len += (size_t)n;
			if (ce == GMIME_CONTENT_ENCODING_BASE64 && !st.bad)
				b64_scan(chunk, (size_t)n, &st);
			else if (check)
				qp_scan(chunk, (size_t)n, &st);
		}
		g_mime_stream_reset(enc);
	}
	if (st.bad || (ce == GMIME_CONTENT_ENCODING_BASE64 && st.b64 % 4 == 1))
		*anom |= MSG_BAD_ENCODING;
	g_mime_data_wrapper_write_to_stream(dw, mem);
	return mem;
}

/* Binary content in a part that says it is text: file magic, or many
 * control bytes (not for UTF-16/32, where NULs are normal). */
static int
looks_binary(const unsigned char *s, size_t len, const char *charset)
{
	static const struct {
		const char *magic;
		size_t len;
	} magics[] = {
		{ "PK\x03\x04", 4 },
		{ "\x89PNG", 4 },
		{ "%PDF-", 5 },
		{ "GIF8", 4 },
		{ "\xFF\xD8\xFF", 3 },
		{ "\x1F\x8B", 2 },
		{ "Rar!", 4 },
		{ "7z\xBC\xAF", 4 },
		{ "\xD0\xCF\x11\xE0", 4 },
	};
	size_t i, n = len < 4096 ? len : 4096, ctl = 0;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len &&
		    memcmp(s, magics[i].magic, magics[i].len) == 0)
			return 1;
	if (charset != NULL && (str_casestarts(charset, "utf-16") ||
	                        str_casestarts(charset, "utf-32") ||
	                        str_casestarts(charset, "ucs")))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' &&
		    s[i] != '\t' && s[i] != '\f' && s[i] != 0x1B)
			ctl++;
	return ctl > 8 && ctl * 10 > n;
}

/* Removes CR (a CRLF pair becomes LF, a lone CR becomes LF) in place. */
static size_t
text_lf(char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			s[n++] = '\n';
			continue;
		}
		s[n++] = s[i];
	}
	s[n] = '\0';
	return n;
}

/* Plain text into one segment (the converted text is handed over). */
static int
plain_segment(struct msg_part *mp, struct msg_conv *c)
{
	c->len = text_lf(c->text, c->len);
	if (c->len == 0) {
		free(c->text);
		c->text = NULL;
		return 0;
	}
	mp->segs = calloc(1, sizeof(*mp->segs));
	if (mp->segs == NULL)
		return -1;
	mp->segs[0].kind = mp->in_rfc822 ? SEG_FORWARD : SEG_TEXT;
	mp->segs[0].reason = mp->in_rfc822 ? "message/rfc822" : NULL;
	mp->segs[0].text = c->text;
	mp->segs[0].len = c->len;
	mp->segs_count = 1;
	c->text = NULL;
	return 0;
}

/* Decodes the text of a used text part into segments. */
static int
part_text(struct walk *w, struct msg_part *mp, const unsigned char *data,
          size_t len)
{
	struct msg_conv c;
	size_t i, max = mp->is_html ? w->lim->max_body_len : w->text_left;
	int rc = 0;

	if (message_convert(mp->charset, (const char *)data, len,
	                    w->lim->fallback_charset, max, &c) != 0)
		return -1;
	w->m->anomalies |= c.anomalies;
	if ((mp->charset_used = str_dup(c.used_name)) == NULL)
		rc = -1;
	else if (!mp->is_html)
		rc = plain_segment(mp, &c);
	else
		rc =
		    message_html_to_text(c.text, c.len, w->text_left, &mp->segs,
		                         &mp->segs_count, &w->m->anomalies);
	free(c.text);
	for (i = 0; rc == 0 && i < mp->segs_count; i++) {
		if (mp->in_rfc822) {
			mp->segs[i].kind = SEG_FORWARD;
			mp->segs[i].reason = "message/rfc822";
		}
		w->text_left -= mp->segs[i].len <= w->text_left
		                    ? mp->segs[i].len
		                    : w->text_left;
		w->m->text_len += mp->segs[i].len;
	}
	return rc;
}

/* 1 when GMime typed a part application/octet-stream only because its
 * Content-Type field was not valid. */
static int
bad_content_type(GMimeObject *obj)
{
	const char *v = g_mime_object_get_header(obj, "Content-Type");
	const char *p;

	if (v == NULL)
		return 0;
	for (p = v; *p != '\0'; p++)
		if (str_ncasecmp(p, "octet-stream", 12) == 0)
			return 0;
	return 1;
}

/* Fills the description of a leaf part from its headers. */
static int
part_describe(struct msg_part *mp, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeContentDisposition *cd =
	    g_mime_object_get_content_disposition(obj);
	const char *cs =
	    g_mime_object_get_content_type_parameter(obj, "charset");
	const char *cte =
	    g_mime_object_get_header(obj, "Content-Transfer-Encoding");
	const char *fn = g_mime_part_get_filename(GMIME_PART(obj));
	char *type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	unsigned anom = 0;

	mp->content_type = lower_dup(type != NULL ? type : "text/plain");
	g_free(type);
	mp->encoding =
	    cte != NULL ? trim_dup(cte, strlen(cte)) : str_dup("7bit");
	if (mp->content_type == NULL || mp->encoding == NULL)
		return -1;
	if (cte != NULL)
		for (type = mp->encoding; *type != '\0'; type++)
			if (*type >= 'A' && *type <= 'Z')
				*type = (char)(*type + 32);
	if (cs != NULL && (mp->charset = str_dup(cs)) == NULL)
		return -1;
	if (fn != NULL &&
	    (mp->filename = message_to_utf8(
	         NULL, fn, strlen(fn), "windows-1252", NULL, &anom)) == NULL)
		return -1;
	if (strcmp(mp->content_type, "application/octet-stream") == 0 &&
	    bad_content_type(obj) && mp->filename == NULL) {
		free(mp->content_type); /* RFC 2045 5.2: invalid means text */
		if ((mp->content_type = str_dup("text/plain")) == NULL)
			return -1;
	}
	mp->is_html = strcmp(mp->content_type, "text/html") == 0;
	mp->is_text =
	    mp->is_html || strcmp(mp->content_type, "text/plain") == 0;
	/* the whole body of a single-part message is its text, whatever
	 * its disposition says */
	mp->is_attachment =
	    !mp->is_text ||
	    (mp->depth > 0 &&
	     (mp->filename != NULL ||
	      (cd != NULL && g_mime_content_disposition_is_attachment(cd))));
	return 0;
}

static size_t
part_encoded_len(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *s = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	gint64 n = s != NULL ? g_mime_stream_length(s) : -1;

	return n > 0 ? (size_t)n : 0;
}

/* Transfer-decodes a text part and converts it into segments, unless
 * its bytes are binary. */
static int
part_read(struct walk *w, struct msg_part *mp, GMimeObject *obj)
{
	GMimeStream *mem;
	GByteArray *ba;
	int rc = 0;

	mem = part_decode(GMIME_PART(obj), &mp->raw_len, &w->m->anomalies);
	if (mem == NULL)
		return -1;
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (ba != NULL && looks_binary(ba->data, ba->len, mp->charset)) {
		mp->skip_reason = "binary content";
	} else {
		mp->used = 1;
		mp->skip_reason = NULL;
		rc = part_text(w, mp, ba != NULL ? ba->data : NULL,
		               ba != NULL ? ba->len : 0);
	}
	g_object_unref(mem);
	return rc;
}

/* One leaf part: describe, and decode its text when it is used. */
static int
walk_leaf(struct walk *w, const struct walk_frame *f)
{
	struct msg_part *mp = part_new(w, f->obj);

	if (mp == NULL)
		return -1;
	mp->depth = f->depth;
	mp->in_rfc822 = f->in_rfc822;
	if (part_describe(mp, f->obj) != 0)
		return -1;
	if (f->skip != NULL || mp->is_attachment) {
		mp->skip_reason = f->skip != NULL ? f->skip
		                  : mp->is_text   ? "attachment"
		                                  : "not text";
		mp->raw_len = part_encoded_len(GMIME_PART(f->obj));
		return 0;
	}
	return part_read(w, mp, f->obj);
}

/* A mail whose only text is in text attachments: read those, so the
 * rules see something (they stay marked is_attachment). */
static int
walk_rescue(struct walk *w)
{
	struct message *m = w->m;
	size_t i;

	for (i = 0; i < m->parts_count; i++)
		if (m->parts[i].used && m->parts[i].is_text)
			return 0;
	for (i = 0; i < m->parts_count; i++) {
		struct msg_part *mp = &m->parts[i];

		if (mp->is_text && mp->is_attachment && w->objs[i] != NULL &&
		    mp->skip_reason != NULL &&
		    strcmp(mp->skip_reason, "attachment") == 0 &&
		    part_read(w, mp, w->objs[i]) != 0)
			return -1;
	}
	return 0;
}

/* 1 when a plain rendering says nothing a person wrote: empty, or a
 * short note that the mail is meant to be read as HTML. */
static int
plain_is_stub(struct walk *w, GMimePart *part)
{
	static const char *const notes[] = {
		"html", "browser", "web version", "webversion", NULL,
	};
	GMimeStream *mem;
	GByteArray *ba;
	struct msg_conv c;
	size_t raw, i, n;
	unsigned anom = 0;
	int stub = 0, k;

	mem = part_decode(part, &raw, &anom);
	if (mem == NULL)
		return 0;
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (ba == NULL ||
	    message_convert(g_mime_object_get_content_type_parameter(
	                        GMIME_OBJECT(part), "charset"),
	                    (const char *)ba->data, ba->len,
	                    w->lim->fallback_charset, 1024, &c) != 0) {
		g_object_unref(mem);
		return 0;
	}
	for (i = 0, n = 0; i < c.len; i++)
		if (c.text[i] != ' ' && c.text[i] != '\n' &&
		    c.text[i] != '\r' && c.text[i] != '\t')
			n++;
	if (n == 0)
		stub = 1;
	else if (c.len < 300 && ba->len < 1024) {
		for (i = 0; i < c.len; i++)
			if (c.text[i] >= 'A' && c.text[i] <= 'Z')
				c.text[i] = (char)(c.text[i] + 32);
		for (k = 0; notes[k] != NULL && !stub; k++)
			stub = strstr(c.text, notes[k]) != NULL;
	}
	free(c.text);
	g_object_unref(mem);
	return stub;
}

static int
is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

/* Index of the child of a multipart/alternative whose text is used: the
 * text/plain unless it is empty or a stub, else the (last) HTML one
 * (also inside multipart/related), else the last child. */
static int
alt_choose(struct walk *w, GMimeMultipart *mp)
{
	int n = g_mime_multipart_get_count(mp), i, plain = -1, html = -1;

	for (i = 0; i < n; i++) {
		GMimeObject *c = g_mime_multipart_get_part(mp, i);

		if (GMIME_IS_PART(c) && is_type(c, "text", "plain") &&
		    plain < 0)
			plain = i;
		else if (GMIME_IS_PART(c) && is_type(c, "text", "html"))
			html = i;
		else if (GMIME_IS_MULTIPART(c) &&
		         g_mime_multipart_get_count(GMIME_MULTIPART(c)) > 0 &&
		         is_type(
		             g_mime_multipart_get_part(GMIME_MULTIPART(c), 0),
		             "text", "html"))
			html = i;
	}
	if (plain >= 0 &&
	    (html < 0 || !plain_is_stub(w, GMIME_PART(g_mime_multipart_get_part(
	                                       mp, plain)))))
		return plain;
	if (html >= 0)
		return html;
	return n - 1;
}

/* Pushes the children of a multipart (last first, so they pop in
 * order); never more than the part cap can still visit. */
static int
walk_multipart(struct walk *w, const struct walk_frame *f)
{
	GMimeMultipart *mp = GMIME_MULTIPART(f->obj);
	int n = g_mime_multipart_get_count(mp), i, chosen = -1;
	size_t room = w->lim->max_mime_parts + 1 - w->visited;

	if (n <= 0) {
		w->m->anomalies |= MSG_BAD_MIME;
		return 0;
	}
	if (f->skip == NULL && is_type(f->obj, "multipart", "alternative"))
		chosen = alt_choose(w, mp);
	if ((size_t)n > room)
		n = (int)room;
	for (i = n - 1; i >= 0; i--) {
		const char *skip = f->skip;

		if (skip == NULL && chosen >= 0 && i != chosen)
			skip = "alternative not chosen";
		if (walk_push(w, g_mime_multipart_get_part(mp, i), f->depth + 1,
		              f->in_rfc822, skip) != 0)
			return -1;
	}
	return 0;
}

/* A message/rfc822 part with a base64 or QP body, which GMime leaves as
 * a leaf: decode it, parse the bytes as a message and walk that. */
static int
walk_encoded_rfc822(struct walk *w, const struct walk_frame *f)
{
	GMimeStream *mem;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeObject *body;
	size_t raw;

	mem = part_decode(GMIME_PART(f->obj), &raw, &w->m->anomalies);
	if (mem == NULL)
		return -1;
	g_mime_stream_reset(mem);
	parser = g_mime_parser_new_with_stream(mem);
	g_object_unref(mem);
	if (parser == NULL)
		return -1;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, w->opts);
	g_object_unref(parser);
	if (msg == NULL)
		return 0;
	g_ptr_array_add(w->held, msg);
	body = g_mime_message_get_mime_part(msg);
	return body != NULL ? walk_push(w, body, f->depth + 1, 1, f->skip) : 0;
}

static int
walk_one(struct walk *w, const struct walk_frame *f)
{
	GMimeContentEncoding ce;

	if (GMIME_IS_MULTIPART(f->obj))
		return walk_multipart(w, f);
	if (GMIME_IS_MESSAGE_PART(f->obj)) {
		GMimeMessage *msg =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(f->obj));
		GMimeObject *body =
		    msg != NULL ? g_mime_message_get_mime_part(msg) : NULL;

		return body != NULL
		           ? walk_push(w, body, f->depth + 1, 1, f->skip)
		           : 0;
	}
	if (!GMIME_IS_PART(f->obj))
		return 0;
	ce = g_mime_part_get_content_encoding(GMIME_PART(f->obj));
	if (is_type(f->obj, "message", "rfc822") &&
	    (ce == GMIME_CONTENT_ENCODING_BASE64 ||
	     ce == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE))
		return walk_encoded_rfc822(w, f);
	return walk_leaf(w, f);
}

/* Visits the MIME tree with an explicit stack under the depth and part
 * caps. */
static int
walk_tree(struct walk *w, GMimeObject *root)
{
	struct walk_frame f;

	if (walk_push(w, root, 0, 0, NULL) != 0)
		return -1;
	while (w->sp > 0) {
		f = w->stack[--w->sp];
		if (f.depth > w->lim->max_mime_depth) {
			w->m->anomalies |= MSG_DEEP_NESTING | MSG_TRUNCATED;
			continue;
		}
		if (++w->visited > w->lim->max_mime_parts) {
			w->m->anomalies |= MSG_TOO_MANY_PARTS | MSG_TRUNCATED;
			break;
		}
		if (walk_one(w, &f) != 0)
			return -1;
	}
	return 0;
}

static void
gmime_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
              gpointer user_data)
{
	unsigned *anom = user_data;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_CRIT_NESTING_OVERFLOW:
		*anom |= MSG_DEEP_NESTING | MSG_TRUNCATED;
		break;
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_WARN_TRUNCATED_MESSAGE:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		*anom |= MSG_BAD_MIME;
		break;
	default:
		break;
	}
}

/* When GMime finds no message at all: the bytes after the header block
 * as one plain text part. */
static int
walk_fallback(struct walk *w, const char *data, size_t len)
{
	const char *body = NULL;
	struct msg_part *mp = part_new(w, NULL);
	size_t i;

	for (i = 0; i + 1 < len && body == NULL; i++)
		if (data[i] == '\n' && data[i + 1] == '\n')
			body = data + i;

	w->m->anomalies |= MSG_BAD_MIME;
	if (mp == NULL)
		return -1;
	mp->content_type = str_dup("text/plain");
	mp->encoding = str_dup("7bit");
	if (mp->content_type == NULL || mp->encoding == NULL)
		return -1;
	mp->is_text = 1;
	mp->used = 1;
	body = body != NULL ? body + 2 : data + len;
	mp->raw_len = (size_t)(data + len - body);
	return part_text(w, mp, (const unsigned char *)body, mp->raw_len);
}

/* Parses data with GMime and walks what it finds into w->m. */
static int
decode_mime(struct walk *w, const char *data, size_t len)
{
	const char *fallbacks[3] = { "UTF-8", w->lim->fallback_charset, NULL };
	GMimeParserOptions *opts = g_mime_parser_options_new();
	GMimeStream *st = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	GMimeObject *root = NULL;
	int rc = -1;

	if (opts == NULL)
		return -1;
	g_mime_parser_options_set_fallback_charsets(opts, fallbacks);
	g_mime_parser_options_set_warning_callback(opts, gmime_warning,
	                                           &w->m->anomalies);
	g_mime_parser_options_set_rfc2047_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
	    opts, GMIME_RFC_COMPLIANCE_LOOSE);
	w->opts = opts;
	if ((w->held = g_ptr_array_new_with_free_func(g_object_unref)) == NULL)
		goto out;
	st = g_mime_stream_mem_new_with_buffer(data, len);
	if (st == NULL || (parser = g_mime_parser_new_with_stream(st)) == NULL)
		goto out;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, opts);
	if (msg != NULL)
		root = g_mime_message_get_mime_part(msg);
	rc = root != NULL ? walk_tree(w, root) : walk_fallback(w, data, len);
	if (rc == 0 && root != NULL)
		rc = walk_rescue(w);
out:
	if (w->held != NULL)
		g_ptr_array_free(w->held, TRUE);
	w->held = NULL;
	if (msg != NULL)
		g_object_unref(msg);
	if (parser != NULL)
		g_object_unref(parser);
	if (st != NULL)
		g_object_unref(st);
	g_mime_parser_options_free(opts);
	return rc;
}

/* CRLF to LF in place (GMime and the text decoders then see one kind of
 * line end); returns the new length. */
static size_t
crlf_to_lf(char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			s[n++] = s[i];
	return n;
}

static void
message_finalize(struct message *m)
{
	size_t i;

	for (i = 0; i < m->parts_count; i++)
		if (m->parts[i].used && m->parts[i].is_text)
			return;
	m->anomalies |= MSG_NO_TEXT;
}

/* Raw 8-bit header text that is not UTF-8 is most likely in the charset
 * of the body text (Outlook writes both in ks_c_5601-1987, The Bat! in
 * KOI8-U); the configured fallback otherwise. */
static const char *
header_fallback(const struct message *m, const struct message_limits *lim)
{
	size_t i;

	for (i = 0; i < m->parts_count; i++)
		if (m->parts[i].used && m->parts[i].charset != NULL &&
		    !str_casestarts(m->parts[i].charset, "utf") &&
		    !str_casestarts(m->parts[i].charset, "us-ascii"))
			return m->parts[i].charset;
	return lim->fallback_charset;
}

struct message *
message_finish(struct message_parser *p, struct triage_err *err)
{
	struct message *m = calloc(1, sizeof(*m));
	struct walk w;
	size_t len;

	memset(&w, 0, sizeof(w));
	if (m == NULL)
		goto oom;
	w.m = m;
	w.lim = &p->lim;
	w.text_left = p->lim.max_text_len;
	if (!p->in_body && message_body(p, NULL, 0) != 0)
		goto oom;
	m->anomalies = p->anomalies;
	m->raw_len = p->raw_len;
	len = p->raw.data != NULL ? crlf_to_lf(p->raw.data, p->raw.len) : 0;
	p->raw.len = len;
	if (decode_mime(&w, p->raw.data != NULL ? p->raw.data : "", len) != 0)
		goto oom;
	if (fill_headers(m, p->hdr, header_fallback(m, &p->lim)) != 0)
		goto oom;
	free(w.stack);
	free(w.objs);
	message_finalize(m);
	return m;
oom:
	free(w.stack);
	free(w.objs);
	message_free(m);
	if (err != NULL)
		triage_err_set(err, "message: cannot decode: out of memory");
	return NULL;
}

/* Splits one header block line by line into fields and hands each to
 * message_header(); returns the offset where the body starts. */
static int
parse_headers(struct message_parser *p, const char *d, size_t len, size_t *body)
{
	size_t i = 0, e, c, vs;
	char *name, *value;

	if (len >= 5 && memcmp(d, "From ", 5) == 0) /* mbox separator */
		while (i < len && d[i++] != '\n')
			;
	while (i < len) {
		if (d[i] == '\n' ||
		    (d[i] == '\r' && i + 1 < len && d[i + 1] == '\n')) {
			*body = i + (d[i] == '\r' ? 2 : 1);
			return 0;
		}
		/* the field runs to the first line end not followed by SP/HT */
		for (e = i; e < len; e++)
			if (d[e] == '\n' &&
			    (e + 1 >= len ||
			     (d[e + 1] != ' ' && d[e + 1] != '\t')))
				break;
		for (c = i; c < e && d[c] != ':' && d[c] != '\n'; c++)
			;
		if (c >= e || d[c] != ':' || c == i)
			break; /* not a field: the body starts here */
		vs = c + 1;
		while (vs < e && (d[vs] == ' ' || d[vs] == '\t'))
			vs++;
		while (c > i && (d[c - 1] == ' ' || d[c - 1] == '\t'))
			c--;
		name = str_ndup(d + i, c - i);
		value = str_ndup(
		    d + vs, (e > vs && d[e - 1] == '\r') ? e - vs - 1 : e - vs);
		if (name == NULL || value == NULL ||
		    message_header(p, name, value) != 0) {
			free(name);
			free(value);
			return -1;
		}
		free(name);
		free(value);
		i = e < len ? e + 1 : len;
	}
	*body = i;
	return 0;
}

struct message *
message_parse(const char *data, size_t len, const struct message_limits *lim,
              struct triage_err *err)
{
	struct message_parser *p = message_parser_new(lim);
	struct message *m = NULL;
	size_t body = 0;

	if (p == NULL || parse_headers(p, data, len, &body) != 0 ||
	    message_body(p, (const unsigned char *)data + body, len - body) !=
	        0) {
		if (err != NULL)
			triage_err_set(err,
			               "message: cannot parse: out of memory");
		message_parser_free(p);
		return NULL;
	}
	m = message_finish(p, err);
	if (m != NULL)
		m->raw_len = len;
	message_parser_free(p);
	return m;
}

void
message_free(struct message *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->parts_count; i++) {
		struct msg_part *mp = &m->parts[i];

		free(mp->content_type);
		free(mp->charset);
		free(mp->charset_used);
		free(mp->encoding);
		free(mp->filename);
		for (j = 0; j < mp->segs_count; j++)
			free(mp->segs[j].text);
		free(mp->segs);
	}
	free(m->parts);
	free(m->subject);
	free(m->subject_raw);
	free(m->from);
	free(m->from_addr);
	free(m->reply_to_addr);
	free(m->message_id);
	free(m->date);
	free(m);
}
