/*
 * message_html.c - HTML mail bodies to plain text segments, with libxml2.
 *
 * Owns: the walk over the libxml2 tree (iterative, through parent
 * pointers, element state kept on a stack of at most TRIAGE_MAX_HTML_DEPTH
 * frames), browser-like whitespace collapsing, line breaks for block
 * elements, and recognising quote containers (blockquote, Apple
 * type=cite, Gmail, Outlook reply dividers, Yahoo, Naver/Daum) as
 * SEG_QUOTE segments.
 *
 * Untrusted input: the HTML of a mail part, already converted to UTF-8 by
 * the caller.  libxml2 is told the input is UTF-8, so a <meta charset>
 * inside the mail cannot change how the bytes are read.
 */
#include "triage/message.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "triage/buf.h"
#include "triage/limits.h"
#include "message_int.h"

/* Frame flags: what to undo when the walk leaves an element. */
enum {
	FR_BLOCK = 1u << 0,
	FR_PRE = 1u << 1,
	FR_QUOTE = 1u << 2, /* this element opened a quote segment */
};

struct html_out {
	struct msg_segment *segs;
	size_t count, cap;
	struct buf cur; /* text of the open segment */
	enum seg_kind kind;
	const char *reason;
	unsigned pend_nl;  /* line breaks owed before the next text */
	int pend_space;    /* a collapsed space owed */
	int pre;           /* inside <pre> (count) */
	int rest_quoted;   /* an Outlook divider was seen */
	size_t total, max; /* bytes in closed segments; budget */
	int full;          /* budget reached */
	unsigned *anom;
};

static const char *const html_skip[] = {
	"script", "style",  "head", "title", "template", "noscript",
	"object", "iframe", "svg",  "math",  NULL,
};

static const char *const html_block[] = {
	"p",      "div",        "li",       "tr",     "h1",     "h2",
	"h3",     "h4",         "h5",       "h6",     "table",  "blockquote",
	"pre",    "hr",         "ul",       "ol",     "dl",     "dt",
	"dd",     "section",    "article",  "header", "footer", "address",
	"center", "form",       "fieldset", "nav",    "aside",  "main",
	"figure", "figcaption", "caption",  "tbody",  "thead",  "tfoot",
	"body",   "html",       NULL,
};

/* Header labels an Outlook reply block starts with, in the languages of
 * our mail (From: / Von: / Від: / От: / 보낸 사람: / De :). */
static const char *const outlook_labels[] = {
	"From:",
	"Von:",
	"De:",
	"De :",
	"Van:",
	"Da:",
	"Od:",
	"Fra:",
	"Fr\xC3\xA5n:",
	"\xD0\x92\xD1\x96\xD0\xB4:",
	"\xD0\x9E\xD1\x82:",
	"\xEB\xB3\xB4\xEB\x82\xB8 \xEC\x82\xAC\xEB\x9E\x8C:",
	NULL,
};

static int
name_in(const char *name, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(name, *set) == 0)
			return 1;
	return 0;
}

/* --- output --- */

static int
seg_close(struct html_out *o)
{
	struct msg_segment *s;
	size_t n = o->cur.len;

	while (n > 0 &&
	       (o->cur.data[n - 1] == ' ' || o->cur.data[n - 1] == '\n'))
		n--;
	o->pend_nl = 0;
	o->pend_space = 0;
	if (n == 0) {
		buf_reset(&o->cur);
		return 0;
	}
	if (o->count == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 4;

		s = realloc(o->segs, ncap * sizeof(*s));
		if (s == NULL)
			return -1;
		o->segs = s;
		o->cap = ncap;
	}
	s = &o->segs[o->count];
	s->text = str_ndup(o->cur.data, n);
	if (s->text == NULL)
		return -1;
	s->len = n;
	s->kind = o->kind;
	s->reason = o->kind == SEG_TEXT ? NULL : o->reason;
	o->count++;
	o->total += n;
	buf_reset(&o->cur);
	return 0;
}

static int
seg_switch(struct html_out *o, enum seg_kind kind, const char *reason)
{
	if (o->kind == kind && o->reason == reason)
		return 0;
	if (seg_close(o) != 0)
		return -1;
	o->kind = kind;
	o->reason = reason;
	return 0;
}

/* Appends n bytes within the text budget. */
static int
out_put(struct html_out *o, const char *s, size_t n)
{
	size_t room;

	if (o->full)
		return 0;
	room =
	    o->max > o->total + o->cur.len ? o->max - o->total - o->cur.len : 0;
	if (n > room) {
		n = message_utf8_cut(s, n, room);
		o->full = 1;
		*o->anom |= MSG_TEXT_TOO_LARGE | MSG_TRUNCATED;
	}
	return buf_append(&o->cur, s, n) == BUF_NOMEM ? -1 : 0;
}

/* Writes the line breaks or the space owed before new text. */
static int
out_pending(struct html_out *o)
{
	int rc = 0;

	if (o->cur.len > 0 && o->pend_nl > 0)
		rc = out_put(o, "\n\n", o->pend_nl > 1 ? 2 : 1);
	else if (o->cur.len > 0 && o->pend_space &&
	         o->cur.data[o->cur.len - 1] != '\n')
		rc = out_put(o, " ", 1);
	o->pend_nl = 0;
	o->pend_space = 0;
	return rc;
}

static int
is_space(const unsigned char *s, size_t n, size_t *w)
{
	*w = 1;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ||
	    s[0] == '\f')
		return 1;
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) { /* no-break space */
		*w = 2;
		return 1;
	}
	return 0;
}

static int
out_text(struct html_out *o, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), i = 0, w, j;

	if (o->pre) {
		if (out_pending(o) != 0)
			return -1;
		for (i = 0; i < n; i = j + 1) {
			for (j = i; j < n && s[j] != '\r'; j++)
				;
			if (out_put(o, text + i, j - i) != 0)
				return -1;
		}
		return 0;
	}
	while (i < n) {
		if (is_space(s + i, n - i, &w)) {
			o->pend_space = 1;
			i += w;
			continue;
		}
		for (j = i; j < n && !is_space(s + j, n - j, &w); j++)
			;
		if (out_pending(o) != 0 || out_put(o, text + i, j - i) != 0)
			return -1;
		i = j;
	}
	return 0;
}

static void
out_break(struct html_out *o, unsigned n)
{
	if (o->pend_nl < n)
		o->pend_nl = n;
	o->pend_space = 0;
}

/* --- quote containers --- */

/* Lower-cased copy of attribute attr of n into dst ("" when absent). */
static void
attr_lower(xmlNodePtr n, const char *attr, char *dst, size_t dstlen)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	size_t i;

	dst[0] = '\0';
	if (v == NULL)
		return;
	str_lcpy(dst, (const char *)v, dstlen);
	xmlFree(v);
	for (i = 0; dst[i] != '\0'; i++)
		if (dst[i] >= 'A' && dst[i] <= 'Z')
			dst[i] = (char)(dst[i] + 32);
}

/* 1 when the white-space separated list has token tok. */
static int
has_token(const char *list, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = list;

	while ((p = strstr(p, tok)) != NULL) {
		int start = p == list || p[-1] == ' ' || p[-1] == '\t';
		int end = p[tl] == '\0' || p[tl] == ' ' || p[tl] == '\t';

		if (start && end)
			return 1;
		p += tl;
	}
	return 0;
}

/* The first bytes of text below n (a bounded look, not a full walk). */
static void
first_text(xmlNodePtr n, char *dst, size_t dstlen)
{
	xmlNodePtr c = n->children;
	size_t used = 0, visits = 0;

	dst[0] = '\0';
	while (c != NULL && c != n && visits++ < 64 && used + 1 < dstlen) {
		if (c->type == XML_TEXT_NODE && c->content != NULL) {
			const char *t = (const char *)c->content;

			while (used == 0 && (*t == ' ' || *t == '\n' ||
			                     *t == '\r' || *t == '\t'))
				t++;
			used += str_lcpy(dst + used, t, dstlen - used);
			if (used >= dstlen)
				used = dstlen - 1;
		}
		if (c->type == XML_ELEMENT_NODE && c->children != NULL) {
			c = c->children;
			continue;
		}
		while (c != n && c->next == NULL)
			c = c->parent;
		if (c == n)
			break;
		c = c->next;
	}
}

static int
outlook_block(xmlNodePtr n)
{
	char style[256], text[96];
	size_t i;

	attr_lower(n, "style", style, sizeof(style));
	if (strstr(style, "border-top") == NULL)
		return 0;
	first_text(n, text, sizeof(text));
	for (i = 0; outlook_labels[i] != NULL; i++)
		if (strncmp(text, outlook_labels[i],
		            strlen(outlook_labels[i])) == 0)
			return 1;
	return 0;
}

/* Returns the reason when element n is an Outlook reply divider (the rest
 * of the part is quoted), else NULL. */
static const char *
quote_divider(xmlNodePtr n, const char *name, const char *id)
{
	if (strcmp(id, "divrplyfwdmsg") == 0 ||
	    strcmp(id, "x_divrplyfwdmsg") == 0)
		return "outlook reply";
	if (strcmp(name, "hr") == 0 && (strcmp(id, "stopspelling") == 0 ||
	                                strcmp(id, "x_stopspelling") == 0))
		return "outlook reply";
	if (strcmp(name, "div") == 0 && outlook_block(n))
		return "outlook reply";
	return NULL;
}

/* Returns the reason when element n is a quote container, else NULL. */
static const char *
quote_container(xmlNodePtr n, const char *name, const char *id)
{
	char cls[256], type[32];

	attr_lower(n, "class", cls, sizeof(cls));
	/* Outlook prefixes "x_" to the classes and ids of HTML it quotes */
	if (has_token(cls, "gmail_quote") ||
	    has_token(cls, "gmail_quote_container") ||
	    has_token(cls, "x_gmail_quote"))
		return "gmail_quote";
	if (has_token(cls, "yahoo_quoted") ||
	    has_token(cls, "x_yahoo_quoted") ||
	    strncmp(id, "yahoo_quoted", 12) == 0 ||
	    strncmp(id, "x_yahoo_quoted", 14) == 0)
		return "yahoo_quoted";
	if ((strstr(cls, "naver") != NULL || strstr(id, "naver") != NULL) &&
	    (strstr(cls, "quote") != NULL || strstr(id, "quote") != NULL))
		return "naver quote";
	if (has_token(cls, "__se_quote"))
		return "naver quote";
	if ((strstr(cls, "daum") != NULL || strstr(id, "daum") != NULL ||
	     strstr(cls, "hanmail") != NULL) &&
	    (strstr(cls, "quote") != NULL || strstr(id, "quote") != NULL))
		return "daum quote";
	if (strcmp(id, "replycontent") == 0 || has_token(cls, "replycontent"))
		return "webmail reply";
	if (strcmp(name, "blockquote") == 0) {
		attr_lower(n, "type", type, sizeof(type));
		return strcmp(type, "cite") == 0 ? "apple cite"
		                                 : "html blockquote";
	}
	return NULL;
}

/* --- flattening of pathologically deep markup --- */

/* Elements deeper than this (by a tag count) lose their tags before
 * libxml2 sees the document; their text stays.  Below libxml2's own
 * depth limit, so its parser never gives up on a document. */
#define HTML_FLAT_DEPTH 200

static const char *const html_void[] = {
	"area", "base", "br",    "col",    "embed", "hr",  "img", "input",
	"link", "meta", "param", "source", "track", "wbr", NULL,
};

/* End of the markup construct starting at s[i] == '<' (index after '>'),
 * honouring quoted attribute values and comments. */
static size_t
tag_end(const char *s, size_t i, size_t len)
{
	char q = 0;

	if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
		for (i += 4; i + 2 < len; i++)
			if (memcmp(s + i, "-->", 3) == 0)
				return i + 3;
		return len;
	}
	for (i++; i < len; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
		} else if (s[i] == '>') {
			return i + 1;
		}
	}
	return len;
}

/* Classifies the tag s[a..b): +1 opens an element, -1 closes one, 0
 * neither (void element, self-closing, comment, doctype).  For <script>
 * and <style> sets *raw to the name's length, so the caller skips their
 * content. */
static int
tag_kind(const char *s, size_t a, size_t b, size_t *raw)
{
	char name[16];
	size_t i = a + 1, n = 0;
	int close = 0;

	*raw = 0;
	if (i < b && s[i] == '/')
		close = 1, i++;
	while (i < b && n + 1 < sizeof(name) &&
	       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	        (s[i] >= '0' && s[i] <= '9')))
		name[n++] =
		    (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]),
		i++;
	name[n] = '\0';
	if (n == 0)
		return 0;
	if (close)
		return -1;
	if (name_in(name, html_void) || (b >= 2 && s[b - 2] == '/'))
		return 0;
	if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)
		*raw = n;
	return 1;
}

/* Copies html without the tags of elements nested deeper than
 * HTML_FLAT_DEPTH into *out (NULL when the document is shallow enough
 * as it is).  Returns 0, or -1 on out of memory. */
static int
html_flatten(const char *s, size_t len, char **out, size_t *outlen, int copy)
{
	size_t i = 0, e, raw, depth = 0, max = 0, n = 0;
	int k;

	*out = NULL;
	if (copy && (*out = malloc(len + 1)) == NULL)
		return -1;
	while (i < len) {
		if (s[i] != '<') {
			if (copy)
				(*out)[n++] = s[i];
			i++;
			continue;
		}
		e = tag_end(s, i, len);
		k = tag_kind(s, i, e, &raw);
		if (k > 0)
			depth++;
		if (depth > max)
			max = depth;
		if (copy && depth <= HTML_FLAT_DEPTH) {
			memcpy(*out + n, s + i, e - i);
			n += e - i;
		}
		if (k < 0 && depth > 0)
			depth--;
		i = e;
		if (raw > 0 && k > 0) { /* script/style: up to its end tag */
			for (e = i; e + 2 < len; e++)
				if (s[e] == '<' && s[e + 1] == '/' &&
				    (s[e + 2] == 's' || s[e + 2] == 'S'))
					break;
			if (e + 2 >= len)
				e = len;
			if (copy && depth <= HTML_FLAT_DEPTH) {
				memcpy(*out + n, s + i, e - i);
				n += e - i;
			}
			i = e;
		}
	}
	if (!copy)
		return max > HTML_FLAT_DEPTH
		           ? html_flatten(s, len, out, outlen, 1)
		           : 0;
	(*out)[n] = '\0';
	*outlen = n;
	return 0;
}

/* --- the walk --- */

/* Handles entering node n.  Returns 1 to descend into its children, 0 to
 * skip them, -1 on out of memory.  tracked: the element gets a frame, so
 * what it opens here can be closed when the walk leaves it. */
static int
html_enter(struct html_out *o, xmlNodePtr n, int tracked, unsigned *flags)
{
	const char *name, *r;
	char id[128];

	*flags = 0;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		return (n->content != NULL &&
		        out_text(o, (const char *)n->content) != 0)
		           ? -1
		           : 0;
	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return 0;
	name = (const char *)n->name;
	if (name_in(name, html_skip))
		return 0;
	if (strcmp(name, "br") == 0) {
		if (o->pend_nl < 2)
			o->pend_nl++;
		o->pend_space = 0;
		return 0;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		o->pend_space = 1;
	attr_lower(n, "id", id, sizeof(id));
	if (tracked && !o->rest_quoted &&
	    (r = quote_divider(n, name, id)) != NULL) {
		o->rest_quoted = 1;
		if (seg_switch(o, SEG_QUOTE, r) != 0)
			return -1;
	} else if (tracked && o->kind == SEG_TEXT &&
	           (r = quote_container(n, name, id)) != NULL) {
		if (seg_switch(o, SEG_QUOTE, r) != 0)
			return -1;
		*flags |= FR_QUOTE;
	}
	if (name_in(name, html_block)) {
		out_break(o, 1);
		*flags |= FR_BLOCK;
	}
	if (tracked && strcmp(name, "pre") == 0) {
		o->pre++;
		*flags |= FR_PRE;
	}
	return 1;
}

static int
html_leave(struct html_out *o, unsigned flags)
{
	if (flags & FR_BLOCK)
		out_break(o, 1);
	if (flags & FR_PRE)
		o->pre--;
	if ((flags & FR_QUOTE) && !o->rest_quoted)
		return seg_switch(o, SEG_TEXT, NULL);
	return 0;
}

/* Pre-order walk through child/next/parent pointers: no recursion; the
 * first TRIAGE_MAX_HTML_DEPTH levels keep a frame, deeper elements are
 * read as text only. */
static int
html_walk(struct html_out *o, xmlDocPtr doc)
{
	unsigned frames[TRIAGE_MAX_HTML_DEPTH];
	xmlNodePtr n = doc->children;
	size_t depth = 0;
	unsigned fl;
	int d;

	while (n != NULL && !o->full) {
		d = html_enter(o, n, depth < TRIAGE_MAX_HTML_DEPTH, &fl);
		if (d < 0)
			return -1;
		if (d > 0 && n->children != NULL) {
			if (depth < TRIAGE_MAX_HTML_DEPTH)
				frames[depth] = fl;
			depth++;
			n = n->children;
			continue;
		}
		if (depth < TRIAGE_MAX_HTML_DEPTH && html_leave(o, fl) != 0)
			return -1;
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == (xmlNodePtr)doc || depth == 0)
				return 0;
			depth--;
			if (depth < TRIAGE_MAX_HTML_DEPTH &&
			    html_leave(o, frames[depth]) != 0)
				return -1;
		}
		n = n->next;
	}
	return 0;
}

static void
segs_free(struct msg_segment *segs, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(segs[i].text);
	free(segs);
}

int
message_html_to_text(const char *html, size_t len, size_t max_text,
                     struct msg_segment **segs, size_t *segs_count,
                     unsigned *anomalies)
{
	struct html_out o;
	htmlDocPtr doc;
	char *flat = NULL;
	size_t flat_len = 0;
	unsigned anom = 0;
	int rc = 0;

	*segs = NULL;
	*segs_count = 0;
	if (len == 0)
		return 0;
	if (len > INT_MAX) {
		len = message_utf8_cut(html, len, INT_MAX);
		anom |= MSG_TRUNCATED;
	}
	if (html_flatten(html, len, &flat, &flat_len, 0) != 0)
		return -1;
	if (flat != NULL) {
		html = flat;
		len = flat_len;
	}
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                         HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	                         HTML_PARSE_COMPACT | XML_PARSE_HUGE);
	free(flat);
	if (doc == NULL)
		goto done; /* nothing libxml2 could read: no text */
	memset(&o, 0, sizeof(o));
	buf_init(&o.cur, max_text + 4 < max_text ? max_text : max_text + 4);
	o.max = max_text;
	o.anom = &anom;
	rc = html_walk(&o, doc);
	if (rc == 0)
		rc = seg_close(&o);
	buf_free(&o.cur);
	xmlFreeDoc(doc);
	if (rc != 0) {
		segs_free(o.segs, o.count);
		return -1;
	}
	*segs = o.segs;
	*segs_count = o.count;
done:
	if (anomalies != NULL)
		*anomalies |= anom;
	return 0;
}
