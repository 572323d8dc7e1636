/*
 * regions.c - which parts of a decoded message the customer wrote now.
 *
 * Owns: the split of each used text part into the customer's new text and
 * the material left out of rule matching (quoted replies, reply headers
 * in en/ko/uk/ru/de/es/fr, Outlook blocks, inline forwards, signatures,
 * mobile footers), and the region list handed to normalize.c.
 *
 * Untrusted input: every byte of the decoded subject and part text (valid
 * UTF-8 by message.h's contract, but arbitrarily long, with any lines).
 * Each line is looked at a bounded number of times; the longest text we
 * ever examine as one unit is RG_MAX_HEADER_LINE bytes (a reply header),
 * so work stays linear in the text length.
 *
 * How a SEG_TEXT segment is read, line by line, in order:
 *   - a line starting with '>' is quoted; if it (or it and the next
 *     quoted line) is a reply header (Apple Mail quotes its own "On ...
 *     wrote:"), it and the quoted block below it form an attribution;
 *   - a signature delimiter, an inline forward marker, an Outlook
 *     "Original Message" marker, a "____" divider before a From: header,
 *     or a From:/Sent: header block starts a region that runs to the end
 *     of the segment;
 *   - an unquoted reply header ("On ... wrote:", also wrapped over two
 *     lines) starts an attribution: when the text below it is quoted with
 *     '>', the attribution is the header plus that quoted block and later
 *     unquoted lines are read again (inline answers stay the customer's);
 *     otherwise it runs to the end of the segment;
 *   - a mobile footer ("Sent from my iPhone") is left out, that line only;
 *   - anything else is the customer's.
 * Blank lines belong to the region above them; each region is trimmed of
 * leading and trailing blank lines, and empty regions are dropped.
 */
#include "triage/regions.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"

/* A reply header is one short line, or two joined: anything longer is the
 * customer's prose, not a header, and is not examined as one. */
#define RG_MAX_HEADER_LINE 600

/* Header lines examined for one Outlook From:/Sent: block (real blocks
 * have four to six). */
#define RG_MAX_HEADER_BLOCK 12

/* A mobile footer is a short line ("Sent from my Samsung Galaxy ..."). */
#define RG_MAX_FOOTER_LINE 100

static const char RG_QUOTED[] = "quoted with '>'";
static const char RG_SIGNATURE[] = "signature after '-- '";
static const char RG_FOOTER[] = "mobile footer";
static const char RG_OUTLOOK_DIVIDER[] =
    "Outlook '____' divider and From: header block";
static const char RG_HEADER_BLOCK[] = "Outlook header block 'From:/Sent:'";
static const char RG_HTML_QUOTE[] = "html quote";
static const char RG_RFC822[] = "message/rfc822";

struct rg_line {
	size_t start; /* first byte */
	size_t end;   /* end of the content, before "\r\n" / "\n" */
};

struct rg_list {
	struct region *v;
	size_t count;
	size_t cap;
};

/* Per-line verdict while a segment is read. */
struct rg_mark {
	enum region_kind kind;
	const char *reason;
};

struct rg_seg {
	const char *text;
	size_t len;
	struct rg_line *lines;
	size_t nlines;
	struct rg_mark *marks;
};

const char *
region_kind_name(enum region_kind k)
{
	switch (k) {
	case REGION_SUBJECT:
		return "subject";
	case REGION_CUSTOMER:
		return "customer";
	case REGION_QUOTED:
		return "quoted";
	case REGION_ATTRIBUTION:
		return "attribution";
	case REGION_FORWARDED:
		return "forwarded";
	case REGION_SIGNATURE:
		return "signature";
	case REGION_FOOTER:
		return "footer";
	}
	return "unknown";
}

/* --- small byte helpers ------------------------------------------------ */

static int
rg_is_hspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of a horizontal space at s[0] (ASCII, NBSP or NNBSP), or 0. */
static size_t
rg_space_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len >= 1 && rg_is_hspace(u[0]))
		return 1;
	if (len >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (len >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xaf)
		return 3;
	return 0;
}

/* Trims horizontal space at both ends of [*s, *s + *len). */
static void
rg_trim(const char **s, size_t *len)
{
	size_t n;

	while (*len > 0 && (n = rg_space_len(*s, *len)) > 0) {
		*s += n;
		*len -= n;
	}
	for (;;) {
		if (*len >= 1 && rg_is_hspace((unsigned char)(*s)[*len - 1]))
			*len -= 1;
		else if (*len >= 2 && rg_space_len(*s + *len - 2, 2) == 2)
			*len -= 2;
		else if (*len >= 3 && rg_space_len(*s + *len - 3, 3) == 3)
			*len -= 3;
		else
			break;
	}
}

static int
rg_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Compares n bytes, ASCII letters without regard to case. */
static int
rg_bytes_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rg_lower((unsigned char)a[i]) !=
		    rg_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int
rg_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && rg_bytes_eq(s, prefix, n);
}

static int
rg_ends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && rg_bytes_eq(s + len - n, suffix, n);
}

static int
rg_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && rg_bytes_eq(s, word, len);
}

/* Finds word in s (ASCII case folded); returns its offset or -1. */
static long
rg_find(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (rg_bytes_eq(s + i, word, n))
			return (long)i;
	return -1;
}

static int
rg_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
rg_is_alnum(unsigned char c)
{
	return rg_is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* --- lines -------------------------------------------------------------- */

static struct rg_line *
rg_split_lines(const char *text, size_t len, size_t *count)
{
	struct rg_line *lines;
	size_t n = 1, i, k = 0, start = 0;

	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	lines = calloc(n, sizeof(*lines));
	if (lines == NULL)
		return NULL;
	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		lines[k].start = start;
		lines[k].end = i;
		if (i > start && text[i - 1] == '\r')
			lines[k].end = i - 1;
		k++;
		start = i + 1;
	}
	*count = k;
	return lines;
}

static int
rg_line_blank(const struct rg_seg *sg, size_t i)
{
	const char *s = sg->text + sg->lines[i].start;
	size_t len = sg->lines[i].end - sg->lines[i].start;

	rg_trim(&s, &len);
	return len == 0;
}

/* The line's content with horizontal space trimmed. */
static const char *
rg_line_trimmed(const struct rg_seg *sg, size_t i, size_t *len)
{
	const char *s = sg->text + sg->lines[i].start;

	*len = sg->lines[i].end - sg->lines[i].start;
	rg_trim(&s, len);
	return s;
}

static int
rg_line_quoted(const struct rg_seg *sg, size_t i)
{
	size_t len;
	const char *s = rg_line_trimmed(sg, i, &len);

	return len > 0 && s[0] == '>';
}

/* The text of a quoted line after every '>' level, trimmed. */
static const char *
rg_unquote(const struct rg_seg *sg, size_t i, size_t *len)
{
	const char *s = rg_line_trimmed(sg, i, len);

	while (*len > 0 && (s[0] == '>' || rg_is_hspace((unsigned char)s[0]))) {
		s++;
		(*len)--;
	}
	return s;
}

/* --- reply headers ("On ... wrote:") ----------------------------------- */

enum rg_verb_pos { RG_AT_END, RG_ANYWHERE };

struct rg_verb {
	const char *verb;
	enum rg_verb_pos pos;
	int bounded;         /* must follow a non-letter (not a suffix) */
	const char *reason;  /* unquoted header */
	const char *qreason; /* header quoted with '>' (Apple Mail) */
};

static const struct rg_verb rg_verbs[] = {
	{ "wrote", RG_AT_END, 1, "reply header 'On ... wrote:'",
	  "reply header '> On ..., at ..., X wrote:' (Apple Mail)" },
	{ "\xeb\x8b\x98\xec\x9d\xb4 \xec\x9e\x91\xec\x84\xb1", /* 님이 작성 */
	  RG_AT_END, 0, "reply header '... X <a>님이 작성:'",
	  "reply header '> ... X <a>님이 작성:' (Apple Mail)" },
	{ "\xec\x9e\x91\xec\x84\xb1", RG_AT_END, 1, /* 작성 */
	  "reply header '... X <a> 작성:'",
	  "reply header '> ... X <a> 작성:' (Apple Mail)" },
	{ "пише", RG_AT_END, 1, "reply header '... X <a> пише:'",
	  "reply header '> ... X <a> пише:' (Apple Mail)" },
	{ "написав(-ла)", RG_AT_END, 1,
	  "reply header '... X <a> написав(-ла):'",
	  "reply header '> ... X <a> написав(-ла):' (Apple Mail)" },
	{ "написав", RG_AT_END, 1, "reply header '... X <a> написав:'",
	  "reply header '> ... X <a> написав:' (Apple Mail)" },
	{ "пишет", RG_AT_END, 1, "reply header '... X <a> пишет:'",
	  "reply header '> ... X <a> пишет:' (Apple Mail)" },
	{ "написал(а)", RG_AT_END, 1, "reply header '... X <a> написал(а):'",
	  "reply header '> ... X <a> написал(а):' (Apple Mail)" },
	{ "написал", RG_AT_END, 1, "reply header '... X <a> написал:'",
	  "reply header '> ... X <a> написал:' (Apple Mail)" },
	{ "написала", RG_AT_END, 1, "reply header '... X <a> написала:'",
	  "reply header '> ... X <a> написала:' (Apple Mail)" },
	{ "schrieb", RG_ANYWHERE, 1, "reply header 'Am ... schrieb X <a>:'",
	  "reply header '> Am ... schrieb X <a>:' (Apple Mail)" },
	{ "escribió", RG_AT_END, 1, "reply header 'El ... escribió:'",
	  "reply header '> El ... escribió:' (Apple Mail)" },
	{ "a écrit", RG_AT_END, 1, "reply header 'Le ... a écrit :'",
	  "reply header '> Le ... a écrit :' (Apple Mail)" },
};

static const char RG_RU_GMAIL[] = "reply header '... г. в ..., X <a>:'";
static const char RG_RU_GMAIL_Q[] =
    "reply header '> ... г. в ..., X <a>:' (Apple Mail)";
static const char RG_DATE_ADDR[] = "reply header '<date> <time>, X <a>:'";
static const char RG_DATE_ADDR_Q[] =
    "reply header '> <date> <time>, X <a>:' (Apple Mail)";

enum { RG_TIME = 1, RG_YEAR = 2, RG_NUMDATE = 4 };

/* Which date tokens s holds: a time (9:41, 15:11), a year (1999, 2025),
 * a numeric date (3/2/25, 03.03.2025): what clients put in a reply
 * header. */
static unsigned
rg_date_tokens(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, j, n;
	unsigned found = 0;

	for (i = 0; i < len; i++) {
		if (!rg_is_digit(u[i]) || (i > 0 && rg_is_digit(u[i - 1])))
			continue;
		for (n = 0; i + n < len && rg_is_digit(u[i + n]); n++)
			;
		if (n <= 2 && i + n + 2 < len && u[i + n] == ':' &&
		    rg_is_digit(u[i + n + 1]) && rg_is_digit(u[i + n + 2]))
			found |= RG_TIME;
		if (n == 4 && (u[i] == '1' || u[i] == '2') &&
		    (u[i + 1] == '9' || u[i + 1] == '0'))
			found |= RG_YEAR;
		if (n <= 4 && i + n + 1 < len &&
		    (u[i + n] == '/' || u[i + n] == '.' || u[i + n] == '-') &&
		    rg_is_digit(u[i + n + 1])) {
			for (j = i + n + 1; j < len && rg_is_digit(u[j]); j++)
				;
			if (j + 1 < len && u[j] == u[i + n] &&
			    rg_is_digit(u[j + 1]))
				found |= RG_NUMDATE;
		}
	}
	return found;
}

static int
rg_has_date(const char *s, size_t len)
{
	return rg_date_tokens(s, len) != 0;
}

/* Does s end with "<address>"? */
static int
rg_ends_with_addr(const char *s, size_t len)
{
	size_t i = len;

	if (len == 0 || s[len - 1] != '>')
		return 0;
	while (i > 0 && s[i - 1] != '<')
		i--;
	return i > 0 && memchr(s + i, '@', len - i) != NULL;
}

static int
rg_verb_matches(const struct rg_verb *v, const char *body, size_t len)
{
	size_t n = strlen(v->verb);
	long at;

	if (v->pos == RG_AT_END) {
		if (!rg_ends(body, len, v->verb))
			return 0;
		at = (long)(len - n);
	} else {
		at = rg_find(body, len, v->verb);
		if (at < 0)
			return 0;
		if ((size_t)at + n < len &&
		    rg_is_alnum((unsigned char)body[at + n]))
			return 0;
	}
	if (!v->bounded || at == 0)
		return 1;
	/* Preceded by ASCII that is not a letter: not the tail of a word
	 * (a UTF-8 byte there would be part of a longer word). */
	return (unsigned char)body[at - 1] < 0x80 &&
	       !rg_is_alnum((unsigned char)body[at - 1]);
}

/* The Russian Gmail form has no verb: "пн, 17 мар. 2025 г. в 09:12,
 * Name <addr>:"; other clients write "17.03.2025, 09:12, Name <addr>:". */
static const char *
rg_verbless(const char *body, size_t len, int quoted)
{
	if (!rg_ends_with_addr(body, len) ||
	    !(rg_date_tokens(body, len) & RG_TIME))
		return NULL;
	if (rg_find(body, len, "г. в ") >= 0)
		return quoted ? RG_RU_GMAIL_Q : RG_RU_GMAIL;
	return quoted ? RG_DATE_ADDR_Q : RG_DATE_ADDR;
}

/* Returns the reason when s (trimmed, at most RG_MAX_HEADER_LINE bytes)
 * is a reply header, else NULL. */
static const char *
rg_attribution(const char *s, size_t len, int quoted)
{
	size_t i;

	rg_trim(&s, &len);
	if (len == 0 || len > RG_MAX_HEADER_LINE)
		return NULL;
	if (s[len - 1] == ':')
		len -= 1;
	else if (rg_ends(s, len, "\xef\xbc\x9a")) /* full-width colon */
		len -= 3;
	else
		return NULL;
	rg_trim(&s, &len);
	if (memchr(s, '@', len) == NULL && !rg_has_date(s, len))
		return NULL;
	for (i = 0; i < sizeof(rg_verbs) / sizeof(rg_verbs[0]); i++)
		if (rg_verb_matches(&rg_verbs[i], s, len))
			return quoted ? rg_verbs[i].qreason
			              : rg_verbs[i].reason;
	return rg_verbless(s, len, quoted);
}

/* Does s end inside "<...", an address the client wrapped? */
static int
rg_open_angle(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != '<' && s[i - 1] != '>')
		i--;
	return i > 0 && s[i - 1] == '<';
}

/* Checks lines i and i+1 joined with one space (a header the client
 * wrapped).  Both lines must be non-blank and quoted alike. */
static const char *
rg_attribution_wrapped(const struct rg_seg *sg, size_t i, int quoted)
{
	char joined[RG_MAX_HEADER_LINE + 1];
	const char *a, *b;
	size_t alen, blen;

	if (i + 1 >= sg->nlines || rg_line_blank(sg, i + 1) ||
	    rg_line_quoted(sg, i + 1) != quoted)
		return NULL;
	a = quoted ? rg_unquote(sg, i, &alen) : rg_line_trimmed(sg, i, &alen);
	b = quoted ? rg_unquote(sg, i + 1, &blen)
	           : rg_line_trimmed(sg, i + 1, &blen);
	if (alen == 0 || blen == 0 || alen + 1 + blen > RG_MAX_HEADER_LINE ||
	    b[blen - 1] != ':')
		return NULL;
	/* The first half carries the date or the address.  A second half
	 * that is a header alone is found on its own line ("Laura" above
	 * "On ... wrote:" is the customer's), unless the first half breaks
	 * off inside "<address>". */
	if (memchr(a, '@', alen) == NULL && !rg_has_date(a, alen))
		return NULL;
	if (rg_attribution(b, blen, quoted) != NULL && !rg_open_angle(a, alen))
		return NULL;
	memcpy(joined, a, alen);
	joined[alen] = ' ';
	memcpy(joined + alen + 1, b, blen);
	return rg_attribution(joined, alen + 1 + blen, quoted);
}

/* --- Outlook blocks, forwards, signatures, footers --------------------- */

enum rg_hdr { RG_HDR_NONE = 0, RG_HDR_FROM, RG_HDR_OTHER };

struct rg_hdr_name {
	const char *name;
	enum rg_hdr type;
};

static const struct rg_hdr_name rg_hdr_names[] = {
	{ "From", RG_HDR_FROM },        { "보낸 사람", RG_HDR_FROM },
	{ "Від", RG_HDR_FROM },         { "От", RG_HDR_FROM },
	{ "Von", RG_HDR_FROM },         { "De", RG_HDR_FROM },
	{ "Sent", RG_HDR_OTHER },       { "To", RG_HDR_OTHER },
	{ "Subject", RG_HDR_OTHER },    { "Date", RG_HDR_OTHER },
	{ "Cc", RG_HDR_OTHER },         { "Bcc", RG_HDR_OTHER },
	{ "Reply-To", RG_HDR_OTHER },   { "보낸 날짜", RG_HDR_OTHER },
	{ "받는 사람", RG_HDR_OTHER },  { "제목", RG_HDR_OTHER },
	{ "참조", RG_HDR_OTHER },       { "날짜", RG_HDR_OTHER },
	{ "Надіслано", RG_HDR_OTHER },  { "Кому", RG_HDR_OTHER },
	{ "Тема", RG_HDR_OTHER },       { "Дата", RG_HDR_OTHER },
	{ "Копія", RG_HDR_OTHER },      { "Отправлено", RG_HDR_OTHER },
	{ "Копия", RG_HDR_OTHER },      { "Gesendet", RG_HDR_OTHER },
	{ "An", RG_HDR_OTHER },         { "Betreff", RG_HDR_OTHER },
	{ "Datum", RG_HDR_OTHER },      { "Enviado", RG_HDR_OTHER },
	{ "Enviado el", RG_HDR_OTHER }, { "Para", RG_HDR_OTHER },
	{ "Asunto", RG_HDR_OTHER },     { "Fecha", RG_HDR_OTHER },
	{ "Envoyé", RG_HDR_OTHER },     { "À", RG_HDR_OTHER },
	{ "Objet", RG_HDR_OTHER },
};

/* Is line i a header line "Name: value" (also "Name :" and "*Name:*")? */
static enum rg_hdr
rg_header_line(const struct rg_seg *sg, size_t i)
{
	size_t len, k, n, sp;
	const char *s = rg_line_trimmed(sg, i, &len);

	if (len > 0 && s[0] == '*') {
		s++;
		len--;
	}
	for (k = 0; k < sizeof(rg_hdr_names) / sizeof(rg_hdr_names[0]); k++) {
		n = strlen(rg_hdr_names[k].name);
		if (!rg_starts(s, len, rg_hdr_names[k].name))
			continue;
		while (n < len && (sp = rg_space_len(s + n, len - n)) > 0)
			n += sp;
		if (n < len && s[n] == ':')
			return rg_hdr_names[k].type;
	}
	return RG_HDR_NONE;
}

/* A block of at least two header lines, one of them a From:, starts at
 * line i.  Only the first RG_MAX_HEADER_BLOCK lines are looked at, so a
 * text of many "To: x" lines costs linear time, not quadratic. */
static int
rg_header_block(const struct rg_seg *sg, size_t i)
{
	size_t j;
	int from = 0;
	enum rg_hdr h;

	for (j = i; j < sg->nlines && j - i < RG_MAX_HEADER_BLOCK; j++) {
		h = rg_header_line(sg, j);
		if (h == RG_HDR_NONE)
			break;
		if (h == RG_HDR_FROM)
			from = 1;
	}
	return j - i >= 2 && from;
}

/* "________________________________" with a From: header within two
 * lines below it. */
static int
rg_outlook_divider(const struct rg_seg *sg, size_t i)
{
	size_t len, k;
	const char *s = rg_line_trimmed(sg, i, &len);

	if (len < 8)
		return 0;
	for (k = 0; k < len; k++)
		if (s[k] != '_')
			return 0;
	for (k = i + 1; k <= i + 2 && k < sg->nlines; k++)
		if (rg_header_line(sg, k) == RG_HDR_FROM)
			return 1;
	return 0;
}

struct rg_dash_marker {
	const char *phrase;
	enum region_kind kind;
	const char *reason;
};

static const struct rg_dash_marker rg_dash_markers[] = {
	{ "Forwarded message", REGION_FORWARDED,
	  "forward '---------- Forwarded message ---------'" },
	{ "Пересланное сообщение", REGION_FORWARDED,
	  "forward '---------- Пересланное сообщение ---------'" },
	{ "Переслане повідомлення", REGION_FORWARDED,
	  "forward '---------- Переслане повідомлення ---------'" },
	{ "전달된 메시지", REGION_FORWARDED,
	  "forward '---------- 전달된 메시지 ---------'" },
	{ "Weitergeleitete Nachricht", REGION_FORWARDED,
	  "forward '---------- Weitergeleitete Nachricht ----------'" },
	{ "Mensaje reenviado", REGION_FORWARDED,
	  "forward '---------- Mensaje reenviado ---------'" },
	{ "Message transféré", REGION_FORWARDED,
	  "forward '---------- Message transféré ---------'" },
	{ "Исходное сообщение", REGION_ATTRIBUTION,
	  "Outlook '-----Исходное сообщение-----'" },
	{ "Ursprüngliche Nachricht", REGION_ATTRIBUTION,
	  "Outlook '-----Ursprüngliche Nachricht-----'" },
	{ "Original-Nachricht", REGION_ATTRIBUTION,
	  "reply header '-------- Original-Nachricht --------'" },
	{ "Message d'origine", REGION_ATTRIBUTION,
	  "Outlook '-----Message d'origine-----'" },
	{ "Message d\xe2\x80\x99origine", REGION_ATTRIBUTION,
	  "Outlook '-----Message d'origine-----'" },
	{ "Mensaje original", REGION_ATTRIBUTION,
	  "Outlook '-----Mensaje original-----'" },
	{ "Оригінальне повідомлення", REGION_ATTRIBUTION,
	  "Outlook '-----Оригінальне повідомлення-----'" },
	{ "원본 메시지", REGION_ATTRIBUTION,
	  "Outlook '-----원본 메시지-----'" },
};

static const char RG_ORIG_REPLY[] = "Outlook '-----Original Message-----'";
static const char RG_ORIG_FWD[] =
    "forward '-------- Original Message --------'";

/* "-----Phrase-----" / "---------- Phrase ---------": *spaced says if
 * blanks separate the phrase from the dashes, *lead counts the dashes. */
static int
rg_dashed(const char *s, size_t len, const char **phrase, size_t *plen,
          int *spaced, size_t *lead)
{
	size_t a = 0, b = len, trail = 0;

	while (a < len && s[a] == '-')
		a++;
	while (b > a && s[b - 1] == '-') {
		b--;
		trail++;
	}
	if (a < 2 || trail < 2 || b <= a)
		return 0;
	*lead = a;
	*phrase = s + a;
	*plen = b - a;
	rg_trim(phrase, plen);
	*spaced = *phrase != s + a || *phrase + *plen != s + b;
	return *plen > 0;
}

/* A dashed "Original Message" / "Forwarded message" line. */
static const struct rg_mark *
rg_dash_line(const char *s, size_t len, struct rg_mark *out)
{
	const char *p;
	size_t plen, lead, k;
	int spaced;

	if (!rg_dashed(s, len, &p, &plen, &spaced, &lead))
		return NULL;
	if (rg_eq(p, plen, "Original Message")) {
		/* Thunderbird forwards with 8 dashes and blanks; Outlook
		 * replies with "-----Original Message-----". */
		int fwd = spaced && lead >= 8;

		out->kind = fwd ? REGION_FORWARDED : REGION_ATTRIBUTION;
		out->reason = fwd ? RG_ORIG_FWD : RG_ORIG_REPLY;
		return out;
	}
	for (k = 0; k < sizeof(rg_dash_markers) / sizeof(rg_dash_markers[0]);
	     k++) {
		if (rg_eq(p, plen, rg_dash_markers[k].phrase)) {
			out->kind = rg_dash_markers[k].kind;
			out->reason = rg_dash_markers[k].reason;
			return out;
		}
	}
	return NULL;
}

/* Apple Mail's forward line, in the languages we read. */
static const char *const rg_apple_forwards[] = {
	"Begin forwarded message:",
	"Anfang der weitergeleiteten Nachricht:",
	"Inicio del mensaje reenviado:",
	"Début du message réexpédié :",
	"Начало переадресованного сообщения:",
};

static const char RG_APPLE_FWD[] = "forward 'Begin forwarded message:'";

/* Line i starts something that runs to the end of the segment. */
static int
rg_cut_marker(const struct rg_seg *sg, size_t i, struct rg_mark *out)
{
	size_t len, k, raw;
	const char *s = rg_line_trimmed(sg, i, &len);

	raw = sg->lines[i].end - sg->lines[i].start;
	if ((raw == 3 &&
	     memcmp(sg->text + sg->lines[i].start, "-- ", 3) == 0) ||
	    (raw == 2 && memcmp(sg->text + sg->lines[i].start, "--", 2) == 0)) {
		out->kind = REGION_SIGNATURE;
		out->reason = RG_SIGNATURE;
		return 1;
	}
	if (rg_dash_line(s, len, out) != NULL)
		return 1;
	for (k = 0;
	     k < sizeof(rg_apple_forwards) / sizeof(rg_apple_forwards[0]);
	     k++) {
		if (rg_eq(s, len, rg_apple_forwards[k])) {
			out->kind = REGION_FORWARDED;
			out->reason = RG_APPLE_FWD;
			return 1;
		}
	}
	out->kind = REGION_ATTRIBUTION;
	if (rg_outlook_divider(sg, i)) {
		out->reason = RG_OUTLOOK_DIVIDER;
		return 1;
	}
	if (rg_header_block(sg, i)) {
		out->reason = RG_HEADER_BLOCK;
		return 1;
	}
	return 0;
}

static const char *const rg_footer_prefixes[] = {
	"Sent from my ",
	"Sent from Yahoo Mail",
	"Sent from Mail for Windows",
	"Sent from Outlook",
	"Get Outlook for ",
	"Надіслано з ",
	"Отправлено с ",
	"Отправлено из ",
	"Enviado desde mi ",
	"Envoyé de mon ",
	"Envoyé depuis mon ",
};

static int
rg_footer(const struct rg_seg *sg, size_t i)
{
	size_t len, k;
	const char *s = rg_line_trimmed(sg, i, &len);

	if (len > RG_MAX_FOOTER_LINE)
		return 0;
	for (k = 0;
	     k < sizeof(rg_footer_prefixes) / sizeof(rg_footer_prefixes[0]);
	     k++)
		if (rg_starts(s, len, rg_footer_prefixes[k]))
			return 1;
	if (rg_starts(s, len, "Von meinem ") && rg_ends(s, len, " gesendet"))
		return 1;
	/* "iPhone에서 보냄", "Galaxy에서 보냄" */
	return rg_ends(s, len,
	               "\xec\x97\x90\xec\x84\x9c \xeb\xb3\xb4\xeb\x83\x84");
}

/* --- classification of one segment ------------------------------------- */

static void
rg_mark_range(struct rg_seg *sg, size_t from, size_t to, enum region_kind k,
              const char *reason)
{
	size_t j;

	for (j = from; j < to; j++) {
		sg->marks[j].kind = k;
		sg->marks[j].reason = reason;
	}
}

/* The end of the quoted ('>') and blank lines from line i on. */
static size_t
rg_quote_block_end(const struct rg_seg *sg, size_t i)
{
	while (i < sg->nlines &&
	       (rg_line_blank(sg, i) || rg_line_quoted(sg, i)))
		i++;
	return i;
}

/* Line i is a reply header (hlines lines long): marks it and what it
 * covers; returns the next line to read (nlines when it ran to the end). */
static size_t
rg_take_attribution(struct rg_seg *sg, size_t i, size_t hlines,
                    const char *reason, int quoted)
{
	size_t j = i + hlines;

	while (!quoted && j < sg->nlines && rg_line_blank(sg, j))
		j++;
	if (quoted || (j < sg->nlines && rg_line_quoted(sg, j)))
		j = rg_quote_block_end(sg, j);
	else
		j = sg->nlines;
	rg_mark_range(sg, i, j, REGION_ATTRIBUTION, reason);
	return j;
}

static const char *
rg_line_attribution(const struct rg_seg *sg, size_t i, int quoted,
                    size_t *hlines)
{
	size_t len;
	const char *s, *r;

	s = quoted ? rg_unquote(sg, i, &len) : rg_line_trimmed(sg, i, &len);
	*hlines = 1;
	if (len > 0 && (r = rg_attribution(s, len, quoted)) != NULL)
		return r;
	*hlines = 2;
	return rg_attribution_wrapped(sg, i, quoted);
}

/* Classifies line i; returns the next line to classify. */
static size_t
rg_classify_line(struct rg_seg *sg, size_t i)
{
	struct rg_mark m;
	const char *r;
	size_t hlines;
	int quoted;

	if (rg_line_blank(sg, i)) {
		m.kind = i > 0 ? sg->marks[i - 1].kind : REGION_CUSTOMER;
		m.reason = i > 0 ? sg->marks[i - 1].reason : NULL;
		rg_mark_range(sg, i, i + 1, m.kind, m.reason);
		return i + 1;
	}
	quoted = rg_line_quoted(sg, i);
	if (!quoted && rg_cut_marker(sg, i, &m)) {
		rg_mark_range(sg, i, sg->nlines, m.kind, m.reason);
		return sg->nlines;
	}
	r = rg_line_attribution(sg, i, quoted, &hlines);
	if (r != NULL)
		return rg_take_attribution(sg, i, hlines, r, quoted);
	if (quoted)
		rg_mark_range(sg, i, i + 1, REGION_QUOTED, RG_QUOTED);
	else if (rg_footer(sg, i))
		rg_mark_range(sg, i, i + 1, REGION_FOOTER, RG_FOOTER);
	else
		rg_mark_range(sg, i, i + 1, REGION_CUSTOMER, NULL);
	return i + 1;
}

/* --- the region list ---------------------------------------------------- */

static int
rg_push(struct rg_list *l, enum region_kind kind, const char *reason,
        size_t part_index, const char *text, size_t len)
{
	struct region *r;

	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct region *nv;

		if (ncap > SIZE_MAX / sizeof(*nv))
			return -1;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	r = &l->v[l->count];
	r->text = str_ndup(text != NULL ? text : "", len);
	if (r->text == NULL)
		return -1;
	r->kind = kind;
	r->kept = kind == REGION_SUBJECT || kind == REGION_CUSTOMER;
	r->reason = reason;
	r->part_index = part_index;
	r->len = len;
	l->count++;
	return 0;
}

/* Pushes lines [a, b) of the segment, without blank lines at either end;
 * nothing when all are blank. */
static int
rg_push_lines(struct rg_list *l, const struct rg_seg *sg, size_t a, size_t b,
              size_t part_index)
{
	size_t start, end;

	while (a < b && rg_line_blank(sg, a))
		a++;
	while (b > a && rg_line_blank(sg, b - 1))
		b--;
	if (a == b)
		return 0;
	start = sg->lines[a].start;
	end = sg->lines[b - 1].end;
	return rg_push(l, sg->marks[a].kind, sg->marks[a].reason, part_index,
	               sg->text + start, end - start);
}

/* Splits one SEG_TEXT segment into regions. */
static int
rg_text_segment(struct rg_list *l, const char *text, size_t len,
                size_t part_index)
{
	struct rg_seg sg;
	size_t i, a;
	int rc = -1;

	memset(&sg, 0, sizeof(sg));
	sg.text = text;
	sg.len = len;
	sg.lines = rg_split_lines(text, len, &sg.nlines);
	if (sg.lines == NULL)
		goto out;
	sg.marks = calloc(sg.nlines, sizeof(*sg.marks));
	if (sg.marks == NULL)
		goto out;
	for (i = 0; i < sg.nlines;)
		i = rg_classify_line(&sg, i);
	for (a = 0, i = 1; i <= sg.nlines; i++) {
		if (i < sg.nlines && sg.marks[i].kind == sg.marks[a].kind &&
		    sg.marks[i].reason == sg.marks[a].reason)
			continue;
		if (rg_push_lines(l, &sg, a, i, part_index) < 0)
			goto out;
		a = i;
	}
	rc = 0;
out:
	free(sg.lines);
	free(sg.marks);
	return rc;
}

/* Whole-segment regions (HTML quotes, attached messages), unless blank. */
static int
rg_whole_segment(struct rg_list *l, enum region_kind kind, const char *reason,
                 const char *text, size_t len, size_t part_index)
{
	const char *s = text;
	size_t n = len;

	while (n > 0 && (rg_is_hspace((unsigned char)s[0]) || s[0] == '\n')) {
		s++;
		n--;
	}
	while (n > 0 &&
	       (rg_is_hspace((unsigned char)s[n - 1]) || s[n - 1] == '\n'))
		n--;
	if (n == 0)
		return 0;
	return rg_push(l, kind, reason, part_index, s, n);
}

static int
rg_part(struct rg_list *l, const struct msg_part *p, size_t index)
{
	const struct msg_segment *sg;
	size_t k;
	int rc;

	for (k = 0; k < p->segs_count; k++) {
		sg = &p->segs[k];
		if (sg->text == NULL)
			continue;
		if (sg->kind == SEG_FORWARD || p->in_rfc822)
			rc = rg_whole_segment(l, REGION_FORWARDED,
			                      sg->reason != NULL ? sg->reason
			                                         : RG_RFC822,
			                      sg->text, sg->len, index);
		else if (sg->kind == SEG_QUOTE)
			rc = rg_whole_segment(
			    l, REGION_QUOTED,
			    sg->reason != NULL ? sg->reason : RG_HTML_QUOTE,
			    sg->text, sg->len, index);
		else
			rc = rg_text_segment(l, sg->text, sg->len, index);
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct regions *
regions_mark(const struct message *msg, struct triage_err *err)
{
	struct rg_list l = { NULL, 0, 0 };
	struct regions *r;
	const char *subj = msg->subject != NULL ? msg->subject : "";
	size_t i;

	if (rg_push(&l, REGION_SUBJECT, NULL, (size_t)-1, subj, strlen(subj)) <
	    0)
		goto nomem;
	for (i = 0; i < msg->parts_count; i++) {
		const struct msg_part *p = &msg->parts[i];

		if (!p->used || !p->is_text)
			continue;
		if (rg_part(&l, p, i) < 0)
			goto nomem;
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		goto nomem;
	r->v = l.v;
	r->count = l.count;
	return r;
nomem:
	for (i = 0; i < l.count; i++)
		free(l.v[i].text);
	free(l.v);
	triage_err_set(err, "regions: out of memory");
	return NULL;
}

void
regions_free(struct regions *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->count; i++)
		free(r->v[i].text);
	free(r->v);
	free(r);
}
