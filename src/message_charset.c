/*
 * message_charset.c - charset labels to UTF-8, and RFC 2047 header words.
 *
 * Owns: the table of charset aliases real mail clients send (Outlook's
 * ks_c_5601-1987, x-unknown, unicode-1-1-utf-7, gb2312 meaning GBK, ...),
 * the iconv conversion loop that never fails on bad bytes (U+FFFD), the
 * UTF-8 validator, and the RFC 2047 encoded-word decoder.
 *
 * Untrusted input: charset labels, body bytes and header values of a
 * mail.  Output is always valid UTF-8 without NUL bytes, bounded by the
 * caller's maximum.
 */
#include "triage/message.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"
#include "message_int.h"

/* What a label turns into. */
enum cs_kind {
	CS_ICONV = 0, /* convert with iconv under the given name */
	CS_UTF8,      /* validate, replace bad bytes */
	CS_ASCII,     /* ASCII when 7-bit, else treated as unknown */
	CS_UNKNOWN,   /* no usable label: UTF-8 when valid, else fallback */
};

struct cs_alias {
	const char *label;
	enum cs_kind kind;
	const char *name;
};

/* Labels iconv does not know under that name, or knows with a narrower
 * meaning than the mail clients that send them (WHATWG Encoding). */
static const struct cs_alias cs_aliases[] = {
	{ "utf-8", CS_UTF8, "UTF-8" },
	{ "utf8", CS_UTF8, "UTF-8" },
	{ "x-utf-8", CS_UTF8, "UTF-8" },
	{ "unicode-1-1-utf-8", CS_UTF8, "UTF-8" },
	{ "us-ascii", CS_ASCII, "US-ASCII" },
	{ "ascii", CS_ASCII, "US-ASCII" },
	{ "ansi_x3.4-1968", CS_ASCII, "US-ASCII" },
	{ "us", CS_ASCII, "US-ASCII" },
	{ "iso646-us", CS_ASCII, "US-ASCII" },
	{ "csascii", CS_ASCII, "US-ASCII" },
	{ "x-unknown", CS_UNKNOWN, NULL },
	{ "unknown-8bit", CS_UNKNOWN, NULL },
	{ "unknown", CS_UNKNOWN, NULL },
	{ "x-user-defined", CS_UNKNOWN, NULL },
	{ "", CS_UNKNOWN, NULL },
	{ "ks_c_5601-1987", CS_ICONV, "CP949" },
	{ "ks_c_5601-1989", CS_ICONV, "CP949" },
	{ "ks_c_5601", CS_ICONV, "CP949" },
	{ "ksc5601", CS_ICONV, "CP949" },
	{ "ksc_5601", CS_ICONV, "CP949" },
	{ "euc-kr", CS_ICONV, "CP949" },
	{ "euckr", CS_ICONV, "CP949" },
	{ "cseuckr", CS_ICONV, "CP949" },
	{ "korean", CS_ICONV, "CP949" },
	{ "windows-949", CS_ICONV, "CP949" },
	{ "x-windows-949", CS_ICONV, "CP949" },
	{ "ms949", CS_ICONV, "CP949" },
	{ "uhc", CS_ICONV, "CP949" },
	{ "cp949", CS_ICONV, "CP949" },
	{ "csksc56011987", CS_ICONV, "CP949" },
	{ "iso-ir-149", CS_ICONV, "CP949" },
	{ "unicode-1-1-utf-7", CS_ICONV, "UTF-7" },
	{ "utf-7", CS_ICONV, "UTF-7" },
	{ "x-utf-7", CS_ICONV, "UTF-7" },
	{ "csunicode11utf7", CS_ICONV, "UTF-7" },
	{ "gb2312", CS_ICONV, "GB18030" },
	{ "gbk", CS_ICONV, "GB18030" },
	{ "x-gbk", CS_ICONV, "GB18030" },
	{ "cp936", CS_ICONV, "GB18030" },
	{ "euc-cn", CS_ICONV, "GB18030" },
	{ "x-euc-cn", CS_ICONV, "GB18030" },
	{ "csgb2312", CS_ICONV, "GB18030" },
	{ "gb_2312-80", CS_ICONV, "GB18030" },
	{ "chinese", CS_ICONV, "GB18030" },
	{ "gb18030", CS_ICONV, "GB18030" },
	{ "big5", CS_ICONV, "BIG5-HKSCS" },
	{ "big-5", CS_ICONV, "BIG5-HKSCS" },
	{ "x-big5", CS_ICONV, "BIG5-HKSCS" },
	{ "cn-big5", CS_ICONV, "BIG5-HKSCS" },
	{ "csbig5", CS_ICONV, "BIG5-HKSCS" },
	{ "shift_jis", CS_ICONV, "CP932" },
	{ "shift-jis", CS_ICONV, "CP932" },
	{ "x-sjis", CS_ICONV, "CP932" },
	{ "sjis", CS_ICONV, "CP932" },
	{ "ms_kanji", CS_ICONV, "CP932" },
	{ "csshiftjis", CS_ICONV, "CP932" },
	{ "windows-31j", CS_ICONV, "CP932" },
	{ "cp932", CS_ICONV, "CP932" },
	{ "iso-2022-jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "csiso2022jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "euc-jp", CS_ICONV, "EUC-JP-MS" },
	{ "x-euc-jp", CS_ICONV, "EUC-JP-MS" },
	{ "iso-2022-kr", CS_ICONV, "ISO-2022-KR" },
	{ "koi8-r", CS_ICONV, "KOI8-U" },
	{ "koi8", CS_ICONV, "KOI8-U" },
	{ "cskoi8r", CS_ICONV, "KOI8-U" },
	{ "koi8-u", CS_ICONV, "KOI8-U" },
	{ "koi8-ru", CS_ICONV, "KOI8-RU" },
	{ "iso-8859-1", CS_ICONV, "CP1252" },
	{ "iso8859-1", CS_ICONV, "CP1252" },
	{ "iso_8859-1", CS_ICONV, "CP1252" },
	{ "latin1", CS_ICONV, "CP1252" },
	{ "l1", CS_ICONV, "CP1252" },
	{ "cp819", CS_ICONV, "CP1252" },
	{ "csisolatin1", CS_ICONV, "CP1252" },
	{ "iso-ir-100", CS_ICONV, "CP1252" },
	{ "iso_8859-1:1987", CS_ICONV, "CP1252" },
	{ "tis-620", CS_ICONV, "CP874" },
	{ "windows-874", CS_ICONV, "CP874" },
	{ "x-windows-874", CS_ICONV, "CP874" },
	{ "iso-8859-11", CS_ICONV, "CP874" },
	{ "x-mac-cyrillic", CS_ICONV, "MAC-CYRILLIC" },
	{ "x-mac-ukrainian", CS_ICONV, "MAC-CYRILLIC" },
	{ "iso-8859-8-i", CS_ICONV, "ISO-8859-8" },
	{ "iso-8859-6-i", CS_ICONV, "ISO-8859-6" },
	{ "utf-16", CS_ICONV, "UTF-16" },
	{ "ucs-2", CS_ICONV, "UTF-16" },
};

static const char repl[3] = { '\xEF', '\xBF', '\xBD' }; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int
message_utf8_valid(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, k;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, len - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

size_t
message_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Copies src to out as valid UTF-8: NULs dropped, a leading BOM dropped,
 * bad bytes become U+FFFD; stops at max bytes on a character boundary. */
static int
utf8_sanitize(struct buf *out, const char *src, size_t len, size_t max,
              unsigned *anom)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, k;

	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		size_t run = i;

		while (run < len && s[run] >= 0x01 && s[run] < 0x80)
			run++;
		if (run > i) {
			size_t n = run - i;

			if (out->len + n > max)
				n = max - out->len;
			if (buf_append(out, s + i, n) != BUF_OK)
				return -1;
			if (n < run - i)
				goto cut;
			i = run;
			continue;
		}
		if (s[i] == 0) {
			*anom |= MSG_NUL_BYTES;
			i++;
			continue;
		}
		k = utf8_seq(s + i, len - i);
		if (k == 0)
			*anom |= MSG_INVALID_UTF8;
		if (out->len + (k ? k : 3) > max)
			goto cut;
		if (buf_append(out, k ? (const void *)(s + i) : repl,
		               k ? k : 3) != BUF_OK)
			return -1;
		i += k ? k : 1;
	}
	return 0;
cut:
	*anom |= MSG_TEXT_TOO_LARGE | MSG_TRUNCATED;
	return 0;
}

/* Lower-cases and trims a label into dst; returns 0, or -1 when it has
 * characters no charset name uses (then it is treated as unknown). */
static int
cs_normalize(const char *label, char *dst, size_t dstlen)
{
	size_t n = 0;

	while (*label == ' ' || *label == '\t' || *label == '"' ||
	       *label == '\'')
		label++;
	for (; *label != '\0'; label++) {
		unsigned char c = (unsigned char)*label;

		if (c == '"' || c == '\'' || c == ' ' || c == '\t' || c == ';')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '+' || c == '(' || c == ')'))
			return -1;
		if (n + 1 >= dstlen)
			return -1;
		dst[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	dst[n] = '\0';
	return 0;
}

/* Resolves a label; for CS_ICONV fills name (iconv name). */
static enum cs_kind
cs_resolve(const char *label, char *name, size_t namelen, int *bad_label)
{
	char low[48];
	size_t i;
	iconv_t cd;

	*bad_label = 0;
	if (label == NULL)
		return CS_UNKNOWN;
	if (cs_normalize(label, low, sizeof(low)) != 0) {
		*bad_label = 1;
		return CS_UNKNOWN;
	}
	for (i = 0; i < sizeof(cs_aliases) / sizeof(cs_aliases[0]); i++) {
		if (strcmp(low, cs_aliases[i].label) != 0)
			continue;
		if (cs_aliases[i].name != NULL)
			str_lcpy(name, cs_aliases[i].name, namelen);
		return cs_aliases[i].kind;
	}
	cd = iconv_open("UTF-8", low);
	if (cd == (iconv_t)-1) {
		*bad_label = 1;
		return CS_UNKNOWN;
	}
	iconv_close(cd);
	for (i = 0; low[i] != '\0'; i++)
		if (low[i] >= 'a' && low[i] <= 'z')
			low[i] = (char)(low[i] - 32);
	str_lcpy(name, low, namelen);
	return CS_ICONV;
}

/* Grows b so that at least need more bytes fit; -1 on out of memory. */
static int
raw_reserve(char **b, size_t *cap, size_t used, size_t need)
{
	size_t ncap;
	char *nb;

	if (*cap - used >= need)
		return 0;
	ncap = *cap * 2 + need;
	if (ncap < *cap)
		return -1;
	nb = realloc(*b, ncap);
	if (nb == NULL)
		return -1;
	*b = nb;
	*cap = ncap;
	return 0;
}

/* Runs iconv over the whole input; invalid bytes become U+FFFD.  Output
 * (possibly with NULs) in *res; stops once it has more than max bytes. */
static int
iconv_loop(iconv_t cd, const char *data, size_t len, size_t max, char **res,
           size_t *reslen, unsigned *anom)
{
	char *in = (char *)data, *ob, *b;
	size_t inleft = len, cap = len * 2 + 64, used = 0, oleft;

	b = malloc(cap);
	if (b == NULL)
		return -1;
	while (inleft > 0 && used <= max) {
		ob = b + used;
		oleft = cap - used;
		if (iconv(cd, &in, &inleft, &ob, &oleft) != (size_t)-1) {
			used = (size_t)(ob - b);
			break;
		}
		used = (size_t)(ob - b);
		if (errno == E2BIG) {
			if (raw_reserve(&b, &cap, used, 256 + inleft * 2) != 0)
				goto oom;
			continue;
		}
		if (raw_reserve(&b, &cap, used, 3) != 0)
			goto oom;
		memcpy(b + used, repl, 3);
		used += 3;
		*anom |= MSG_INVALID_UTF8;
		if (errno != EILSEQ)
			break; /* EINVAL: incomplete sequence at the end */
		in++;
		inleft--;
	}
	/* flush the shift state of stateful encodings */
	ob = b + used;
	oleft = cap - used;
	if (oleft > 0 && iconv(cd, NULL, NULL, &ob, &oleft) != (size_t)-1)
		used = (size_t)(ob - b);
	*res = b;
	*reslen = used;
	return 0;
oom:
	free(b);
	return -1;
}

/* Converts with iconv name, then sanitizes into out. */
static int
convert_iconv(const char *name, const char *data, size_t len, size_t max,
              struct buf *out, unsigned *anom)
{
	iconv_t cd;
	char *tmp = NULL;
	size_t tmplen = 0;
	int rc;

	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return 1;
	rc = iconv_loop(cd, data, len, max, &tmp, &tmplen, anom);
	iconv_close(cd);
	if (rc != 0)
		return -1;
	rc = utf8_sanitize(out, tmp, tmplen, max, anom);
	free(tmp);
	return rc;
}

static int
has_8bit(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] >= 0x80)
			return 1;
	return 0;
}

/* Unknown label or 8-bit "ASCII": UTF-8 when valid, else the fallback. */
static int
convert_unknown(const char *data, size_t len, const char *fallback, size_t max,
                struct buf *out, struct msg_conv *c)
{
	char name[48];
	int bad, rc;
	enum cs_kind k;

	if (message_utf8_valid(data, len)) {
		str_lcpy(c->used_name, "UTF-8", sizeof(c->used_name));
		return utf8_sanitize(out, data, len, max, &c->anomalies);
	}
	c->anomalies |= MSG_BAD_CHARSET;
	k = cs_resolve(fallback, name, sizeof(name), &bad);
	if (k != CS_ICONV)
		str_lcpy(name, "CP1252", sizeof(name));
	str_lcpy(c->used_name, name, sizeof(c->used_name));
	rc = convert_iconv(name, data, len, max, out, &c->anomalies);
	if (rc == 1) /* fallback not usable either */
		rc =
		    convert_iconv("CP1252", data, len, max, out, &c->anomalies);
	return rc;
}

int
message_convert(const char *charset, const char *data, size_t len,
                const char *fallback, size_t max_out, struct msg_conv *c)
{
	struct buf out;
	char name[48];
	int bad, rc;
	enum cs_kind k;

	memset(c, 0, sizeof(*c));
	buf_init(&out, max_out == SIZE_MAX ? SIZE_MAX - 1 : max_out + 1);
	k = cs_resolve(charset, name, sizeof(name), &bad);
	if (bad)
		c->anomalies |= MSG_BAD_CHARSET;
	if (k == CS_ASCII && has_8bit(data, len))
		k = CS_UNKNOWN;
	switch (k) {
	case CS_ICONV:
		str_lcpy(c->used_name, name, sizeof(c->used_name));
		rc = convert_iconv(name, data, len, max_out, &out,
		                   &c->anomalies);
		if (rc == 1)
			rc = convert_unknown(data, len, fallback, max_out, &out,
			                     c);
		break;
	case CS_UTF8:
	case CS_ASCII:
		str_lcpy(c->used_name, k == CS_UTF8 ? "UTF-8" : "US-ASCII",
		         sizeof(c->used_name));
		rc = utf8_sanitize(&out, data, len, max_out, &c->anomalies);
		break;
	default:
		rc = convert_unknown(data, len, fallback, max_out, &out, c);
		break;
	}
	if (rc != 0) {
		buf_free(&out);
		return -1;
	}
	c->len = out.len;
	c->text = buf_steal(&out);
	return c->text == NULL ? -1 : 0;
}

char *
message_to_utf8(const char *charset, const char *data, size_t len,
                const char *fallback, size_t *outlen, unsigned *anomalies)
{
	struct msg_conv c;

	if (message_convert(charset, data, len, fallback, SIZE_MAX, &c) != 0)
		return NULL;
	if (outlen != NULL)
		*outlen = c.len;
	if (anomalies != NULL)
		*anomalies |= c.anomalies;
	return c.text;
}

/* --- RFC 2047 --- */

/* Bytes of one run of text in one charset, waiting for conversion; adjacent
 * encoded words of the same charset are joined here. */
struct ew_pend {
	struct buf bytes;
	char cs[48]; /* "" for raw header text */
	int encoded;
};

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the text of one encoded word into dst. */
static int
ew_decode(char enc, const char *t, size_t n, struct buf *dst, unsigned *anom)
{
	size_t i;
	unsigned acc = 0;
	int bits = 0, v, h, l;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (enc == 'b') {
			if (c == '=')
				break;
			if ((v = b64_val(c)) < 0) {
				*anom |= MSG_BAD_ENCODING;
				continue;
			}
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (buf_putc(dst, (char)((acc >> bits) &
				                         0xFF)) == BUF_NOMEM)
					return -1;
			}
			continue;
		}
		if (c == '_')
			c = ' ';
		else if (c == '=' && i + 2 < n &&
		         (h = hex_val((unsigned char)t[i + 1])) >= 0 &&
		         (l = hex_val((unsigned char)t[i + 2])) >= 0) {
			c = (unsigned char)(h * 16 + l);
			i += 2;
		} else if (c == '=')
			*anom |= MSG_BAD_ENCODING;
		if (buf_putc(dst, (char)c) == BUF_NOMEM)
			return -1;
	}
	return 0;
}

/* Parses an encoded word at s[0..n): "=?cs[*lang]?e?text?=".  Fills cs,
 * enc, text span; returns its length, 0 when this is no encoded word. */
static size_t
ew_parse(const char *s, size_t n, char *cs, size_t cslen, char *enc,
         const char **text, size_t *textlen)
{
	size_t i = 2, c0, k;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	c0 = i;
	while (i < n && s[i] != '?' && i - c0 < cslen - 1 && s[i] != ' ')
		i++;
	if (i >= n || s[i] != '?' || i == c0)
		return 0;
	for (k = 0; k < i - c0 && s[c0 + k] != '*'; k++)
		cs[k] = s[c0 + k];
	cs[k] = '\0';
	if (i + 3 >= n || s[i + 2] != '?')
		return 0;
	*enc = (char)(s[i + 1] | 0x20);
	if (*enc != 'b' && *enc != 'q')
		return 0;
	i += 3;
	*text = s + i;
	while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=')) {
		if (s[i] == '\r' || s[i] == '\n')
			return 0;
		i++;
	}
	if (i + 1 >= n)
		return 0;
	*textlen = (size_t)(s + i - *text);
	return i + 2;
}

/* Converts the pending run into out and empties it. */
static int
ew_flush(struct ew_pend *p, struct buf *out, const char *fallback,
         unsigned *anom)
{
	struct msg_conv c;

	if (p->bytes.len == 0)
		return 0;
	if (message_convert(p->encoded ? p->cs : NULL, p->bytes.data,
	                    p->bytes.len, fallback, SIZE_MAX, &c) != 0)
		return -1;
	*anom |= c.anomalies & ~(unsigned)MSG_NUL_BYTES;
	if (buf_append(out, c.text, c.len) != BUF_OK) {
		free(c.text);
		return -1;
	}
	free(c.text);
	buf_reset(&p->bytes);
	return 0;
}

/* Makes the pending run hold bytes of (encoded, cs). */
static int
ew_switch(struct ew_pend *p, int encoded, const char *cs, struct buf *out,
          const char *fallback, unsigned *anom)
{
	if (p->encoded == encoded && str_casecmp(p->cs, cs) == 0)
		return 0;
	if (ew_flush(p, out, fallback, anom) != 0)
		return -1;
	p->encoded = encoded;
	str_lcpy(p->cs, cs, sizeof(p->cs));
	return 0;
}

/* Whitespace run at s[i..); returns its end. */
static size_t
ws_end(const char *s, size_t i, size_t len)
{
	while (i < len &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

static int
rfc2047_run(const char *s, size_t len, struct ew_pend *p, struct buf *out,
            const char *fallback, unsigned *anom)
{
	size_t i = 0, n, tl, j;
	const char *t;
	char cs[48], enc;
	int prev_ew = 0;

	while (i < len) {
		n = ew_parse(s + i, len - i, cs, sizeof(cs), &enc, &t, &tl);
		if (n > 0) {
			if (ew_switch(p, 1, cs, out, fallback, anom) != 0 ||
			    ew_decode(enc, t, tl, &p->bytes, anom) != 0)
				return -1;
			i += n;
			prev_ew = 1;
			continue;
		}
		j = ws_end(s, i, len);
		if (j > i) {
			char cs2[48], e2;
			const char *t2;
			size_t tl2;

			if (prev_ew && j < len &&
			    ew_parse(s + j, len - j, cs2, sizeof(cs2), &e2, &t2,
			             &tl2) > 0) {
				i = j; /* space between encoded words goes */
				continue;
			}
			if (ew_switch(p, 0, "", out, fallback, anom) != 0)
				return -1;
			for (; i < j; i++)
				if (s[i] != '\r' && s[i] != '\n' &&
				    buf_putc(&p->bytes, ' ') == BUF_NOMEM)
					return -1;
			continue;
		}
		if (ew_switch(p, 0, "", out, fallback, anom) != 0 ||
		    buf_putc(&p->bytes, s[i]) == BUF_NOMEM)
			return -1;
		prev_ew = 0;
		i++;
	}
	return ew_flush(p, out, fallback, anom);
}

char *
message_rfc2047_decode(const char *value, size_t len, const char *fallback,
                       unsigned *anomalies)
{
	struct ew_pend p;
	struct buf out;
	char *r = NULL;

	memset(&p, 0, sizeof(p));
	buf_init(&p.bytes, SIZE_MAX - 1);
	buf_init(&out, SIZE_MAX - 1);
	if (rfc2047_run(value, len, &p, &out, fallback, anomalies) == 0)
		r = buf_steal(&out);
	buf_free(&p.bytes);
	buf_free(&out);
	return r;
}

char *
message_unfold(const char *value, size_t len)
{
	char *r = malloc(len + 1);
	size_t i, n = 0;

	if (r == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			continue;
		r[n++] = value[i] == '\t' ? ' ' : value[i];
	}
	r[n] = '\0';
	return r;
}

/* iconv descriptors kept open for the life of the process so that glibc
 * keeps their gconv modules loaded: otherwise every conversion in a
 * legacy charset loads and unloads a shared object (dlopen/dlclose,
 * under a process-wide lock).  Only opened and closed, never used, so
 * sharing them between threads is safe.  Set up under message.c's
 * global lock. */
static const char *const pinned_names[] = {
	"CP949",      "KOI8-U",      "KOI8-RU",     "CP1250", "CP1251",
	"CP1252",     "CP1253",      "CP1254",      "CP1255", "CP1256",
	"CP1257",     "GB18030",     "BIG5-HKSCS",  "CP932",  "ISO-2022-JP-2",
	"EUC-JP-MS",  "ISO-2022-KR", "UTF-7",       "UTF-16", "CP874",
	"ISO-8859-2", "ISO-8859-5",  "ISO-8859-15",
};
static iconv_t pinned[sizeof(pinned_names) / sizeof(pinned_names[0])];

void
message_charset_pin(int on)
{
	size_t i;

	for (i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		if (on) {
			pinned[i] = iconv_open("UTF-8", pinned_names[i]);
		} else if (pinned[i] != (iconv_t)-1 && pinned[i] != NULL) {
			iconv_close(pinned[i]);
			pinned[i] = NULL;
		}
	}
}
