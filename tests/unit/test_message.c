/*
 * test_message.c - message.c, message_charset.c, message_html.c.
 *
 * Decodes the fixtures of tests/fixtures/mime/ (written by
 * make_fixtures.py there) and compares the decoded text, segments, parts
 * and anomaly bits with values written out here by hand; builds limit
 * cases in memory; checks that the streamed header/body path gives what
 * message_parse gives.
 *
 * Untrusted input: the fixtures (crafted mail).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "triage/buf.h"
#include "triage/message.h"

#define EN "Hello, my order #2087 never arrived.\nI want a refund, not a coupon."
#define KO "안녕하세요, 주문 #2087이 아직 안 왔어요.\n환불 부탁드립니다."
#define UK "Добрий день, замовлення №2087 досі не прийшло.\n" \
           "Поверніть, будь ласка, гроші."

static const char *const langs[] = {"en", "ko", "uk"};
static const char *const texts[] = {EN, KO, UK};
static const char *const news[] = {
	"Thanks, but the parcel is still missing.",
	"감사하지만 택배가 아직 없어요.",
	"Дякую, але посилки досі немає.",
};
static const char *const olds[] = {
	"Please file a chargeback if it is lost.",
	"분실되면 차지백을 신청하세요.",
	"Якщо загубиться, подайте чарджбек.",
};

static char *
fixture_path(const char *name)
{
	const char *top = getenv("TOP");
	struct buf p;

	buf_init(&p, 4096);
	assert_int_equal(buf_printf(&p, "%s/tests/fixtures/mime/%s",
	                            top != NULL ? top : ".", name), BUF_OK);
	return buf_steal(&p);
}

static char *
read_fixture(const char *name, size_t *len)
{
	char *path = fixture_path(name), *data = NULL;

	if (file_read_all(path, 16u << 20, &data, len) != 0)
		fail_msg("cannot read fixture %s", path);
	free(path);
	return data;
}

static struct message *
load_lim(const char *name, const struct message_limits *lim)
{
	struct triage_err err;
	struct message *m;
	size_t len;
	char *data = read_fixture(name, &len);

	m = message_parse(data, len, lim, &err);
	free(data);
	if (m == NULL)
		fail_msg("%s: %s", name, err.text);
	return m;
}

static struct message *
load(const char *name)
{
	return load_lim(name, NULL);
}

/* Every used segment, trailing line breaks cut, joined by "\n". */
static char *
used_text(const struct message *m)
{
	struct buf out;
	size_t i, j, n;

	buf_init(&out, SIZE_MAX - 1);
	for (i = 0; i < m->parts_count; i++) {
		if (!m->parts[i].used)
			continue;
		for (j = 0; j < m->parts[i].segs_count; j++) {
			const struct msg_segment *s = &m->parts[i].segs[j];

			for (n = s->len; n > 0 && s->text[n - 1] == '\n'; n--)
				;
			if (out.len > 0)
				buf_putc(&out, '\n');
			buf_append(&out, s->text, n);
		}
	}
	return buf_steal(&out);
}

static void
expect_text(const char *name, const char *want, unsigned must, unsigned mustnt)
{
	struct message *m = load(name);
	char *got = used_text(m);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got [%s] want [%s]", name, got, want);
	if ((m->anomalies & must) != must || (m->anomalies & mustnt) != 0)
		fail_msg("%s: anomalies %#x (must %#x, must not %#x)", name,
		         m->anomalies, must, mustnt);
	free(got);
	message_free(m);
}

static const unsigned clean = MSG_TRUNCATED | MSG_BAD_CHARSET |
                              MSG_BAD_ENCODING | MSG_INVALID_UTF8 |
                              MSG_NO_TEXT | MSG_BAD_MIME;

/* --- plain forms --- */

static void
test_plain_forms(void **state)
{
	static const char *const forms[] = {"plain-8bit", "qp", "b64",
	                                    "alt-plain", "alt-empty", "alt-stub"};
	char name[64];
	size_t f, l;

	(void)state;
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
		for (l = 0; l < 3; l++) {
			snprintf(name, sizeof(name), "%s-%s.eml", forms[f], langs[l]);
			expect_text(name, texts[l], 0, clean);
		}
	expect_text("plain-7bit-en.eml", EN, 0, clean);
	expect_text("crlf-qp.eml", UK, 0, clean);
}

static void
test_headers(void **state)
{
	struct message *m = load("plain-8bit-ko.eml");

	(void)state;
	assert_string_equal(m->subject, "Order");
	assert_string_equal(m->subject_raw, "Order");
	assert_string_equal(m->from, "Customer <customer@example.com>");
	assert_string_equal(m->from_addr, "customer@example.com");
	assert_null(m->reply_to_addr);
	assert_string_equal(m->message_id, "fixture@example.com");
	assert_string_equal(m->date, "Mon, 3 Mar 2025 10:00:00 +0000");
	assert_int_equal(m->parts_count, 1);
	assert_string_equal(m->parts[0].content_type, "text/plain");
	assert_string_equal(m->parts[0].charset, "utf-8");
	assert_string_equal(m->parts[0].encoding, "8bit");
	message_free(m);

	m = load("hdr-addresses.eml");
	assert_string_equal(m->from, "노은비 <Eunbi.Noh@Example.com>");
	assert_string_equal(m->from_addr, "Eunbi.Noh@Example.com");
	assert_string_equal(m->reply_to_addr, "reply@example.org");
	assert_string_equal(m->message_id, "abc.123@mail.example.com");
	assert_string_equal(m->subject, "환불 해주세요");
	assert_string_equal(m->subject_raw,
	                    "=?UTF-8?B?7ZmY67aI?= "
	                    "=?UTF-8?Q?_=ED=95=B4=EC=A3=BC=EC=84=B8=EC=9A=94?=");
	assert_string_equal(m->date, "Tue, 4 Mar 2025 09:15:00 +0900");
	message_free(m);
}

static void
test_alternative_choice(void **state)
{
	struct message *m = load("alt-plain-uk.eml");

	(void)state;
	assert_int_equal(m->parts_count, 2);
	assert_true(m->parts[0].used);
	assert_false(m->parts[0].is_html);
	assert_false(m->parts[1].used);
	assert_true(m->parts[1].is_html);
	assert_string_equal(m->parts[1].skip_reason, "alternative not chosen");
	assert_int_equal(m->parts[1].segs_count, 0);
	message_free(m);

	m = load("alt-stub-en.eml");
	assert_false(m->parts[0].used);
	assert_true(m->parts[1].used);
	assert_true(m->parts[1].is_html);
	message_free(m);

	m = load("alt-empty-ko.eml");
	assert_false(m->parts[0].used);
	assert_true(m->parts[1].used);
	assert_string_equal(m->parts[1].encoding, "quoted-printable");
	message_free(m);
}

/* --- HTML --- */

static void
test_html_entities(void **state)
{
	(void)state;
	expect_text("html-only-en.eml",
	            "I'm \"upset\" & I\u2019ve waited 2 weeks.\n"
	            "Second line with spaces\nkeep   this\n  pre", 0, clean);
	expect_text("html-only-ko.eml", "환불 & 교환 <김>\n두 번째 줄", 0, clean);
	expect_text("html-only-uk.eml", "«Поверніть» — гроші…\nодин\nдва", 0,
	            clean);
	/* numeric entities in a Latin-1 part whose <meta> lies */
	expect_text("html-entities-latin1-ko.eml", "안녕하세요 café", 0, clean);
	/* KOI8-U label wins over <meta charset="utf-8"> */
	expect_text("cs-html-koi8-u.eml", "Посилка не прийшла", 0, clean);
}

static void
expect_quote(const char *style, size_t lang, const char *reason,
             const char *quoted)
{
	char name[64];
	struct message *m;
	const struct msg_part *p;

	snprintf(name, sizeof(name), "quote-%s-%s.eml", style, langs[lang]);
	m = load(name);
	assert_int_equal(m->parts_count, 1);
	p = &m->parts[0];
	if (p->segs_count != 2)
		fail_msg("%s: %zu segments", name, p->segs_count);
	assert_int_equal(p->segs[0].kind, SEG_TEXT);
	assert_null(p->segs[0].reason);
	assert_string_equal(p->segs[0].text, news[lang]);
	assert_int_equal(p->segs[1].kind, SEG_QUOTE);
	assert_string_equal(p->segs[1].reason, reason);
	if (strcmp(p->segs[1].text, quoted) != 0)
		fail_msg("%s: quote [%s] want [%s]", name, p->segs[1].text, quoted);
	message_free(m);
}

static void
test_html_quotes(void **state)
{
	static const char *const labels[] = {"From:", "보낸 사람:", "Від:"};
	char want[512];
	size_t l;

	(void)state;
	for (l = 0; l < 3; l++) {
		snprintf(want, sizeof(want),
		         "On Mon, Support <support@shop.example> wrote:\n%s", olds[l]);
		expect_quote("gmail", l, "gmail_quote", want);
		snprintf(want, sizeof(want), "On 3 Mar, Support wrote:\n%s", olds[l]);
		expect_quote("apple", l, "apple cite", want);
		snprintf(want, sizeof(want),
		         "From: Support\nSent: Monday\nSubject: Re: order\n%s", olds[l]);
		expect_quote("outlook", l, "outlook reply", want);
		snprintf(want, sizeof(want), "%s Support\nSent: Monday\n%s",
		         labels[l], olds[l]);
		expect_quote("outlook2", l, "outlook reply", want);
		snprintf(want, sizeof(want), "On Monday, Support wrote:\n%s", olds[l]);
		expect_quote("yahoo", l, "yahoo_quoted", want);
		expect_quote("naver", l, "naver quote", olds[l]);
	}
}

static void
test_html_blockquote(void **state)
{
	struct message *m = load("quote-blockquote-ko.eml");
	const struct msg_part *p = &m->parts[0];
	char want[256];

	(void)state;
	assert_int_equal(p->segs_count, 3);
	snprintf(want, sizeof(want), "%s\nOn Monday Support wrote:", news[1]);
	assert_string_equal(p->segs[0].text, want);
	assert_int_equal(p->segs[1].kind, SEG_QUOTE);
	assert_string_equal(p->segs[1].reason, "html blockquote");
	assert_string_equal(p->segs[1].text, olds[1]);
	assert_int_equal(p->segs[2].kind, SEG_TEXT);
	assert_string_equal(p->segs[2].text, "Bye");
	message_free(m);
}

static void
test_html_direct(void **state)
{
	struct msg_segment *segs;
	size_t n, i;
	unsigned anom = 0;
	const char *h = "<p>a<br>b<br><br>c</p><table><tr><td>x</td><td>y</td>"
	                "</tr></table><div>d<hr id=\"stopSpelling\">old</div>";

	(void)state;
	assert_int_equal(message_html_to_text(h, strlen(h), 1000, &segs, &n,
	                                      &anom), 0);
	assert_int_equal(n, 2);
	assert_string_equal(segs[0].text, "a\nb\n\nc\nx y\nd");
	assert_int_equal(segs[1].kind, SEG_QUOTE);
	assert_string_equal(segs[1].reason, "outlook reply");
	assert_string_equal(segs[1].text, "old");
	for (i = 0; i < n; i++)
		free(segs[i].text);
	free(segs);

	/* a Gmail quote inside Outlook's quoting keeps its reason */
	h = "<div>new</div><div class=\"x_gmail_quote\">old</div>";
	assert_int_equal(message_html_to_text(h, strlen(h), 1000, &segs, &n,
	                                      &anom), 0);
	assert_int_equal(n, 2);
	assert_string_equal(segs[1].reason, "gmail_quote");
	assert_string_equal(segs[1].text, "old");
	for (i = 0; i < n; i++)
		free(segs[i].text);
	free(segs);

	/* budget: cut on a character boundary, anomaly set */
	h = "<p>가나다라마바사</p>";
	assert_int_equal(message_html_to_text(h, strlen(h), 10, &segs, &n,
	                                      &anom), 0);
	assert_int_equal(n, 1);
	assert_string_equal(segs[0].text, "가나다");
	assert_true(anom & MSG_TEXT_TOO_LARGE);
	free(segs[0].text);
	free(segs);
}

static void
test_html_deep(void **state)
{
	const size_t depth = 100000;
	struct buf h;
	struct msg_segment *segs;
	size_t n, i;
	unsigned anom = 0;
	char *all;

	(void)state;
	buf_init(&h, SIZE_MAX - 1);
	buf_puts(&h, "<p>before</p>");
	for (i = 0; i < depth; i++)
		buf_puts(&h, i % 2 ? "<div>" : "<blockquote><span>");
	buf_puts(&h, "deep text");
	for (i = 0; i < depth; i++)
		buf_puts(&h, i % 2 ? "</div>" : "</span></blockquote>");
	buf_puts(&h, "<p>after</p>");
	assert_int_equal(message_html_to_text(h.data, h.len, 1u << 20, &segs,
	                                      &n, &anom), 0);
	buf_free(&h);
	buf_init(&h, SIZE_MAX - 1);
	for (i = 0; i < n; i++) {
		buf_append(&h, segs[i].text, segs[i].len);
		buf_putc(&h, '\n');
		free(segs[i].text);
	}
	free(segs);
	all = buf_steal(&h);
	assert_non_null(strstr(all, "before"));
	assert_non_null(strstr(all, "deep text"));
	assert_non_null(strstr(all, "after"));
	free(all);
}

/* --- structure --- */

static void
test_forward_rfc822(void **state)
{
	struct message *m;
	size_t l;
	char name[64];

	(void)state;
	for (l = 0; l < 6; l++) {
		snprintf(name, sizeof(name),
		         l < 3 ? "fwd-rfc822-%s.eml" : "fwd-rfc822-b64-%s.eml",
		         langs[l % 3]);
		m = load(name);
		assert_int_equal(m->parts_count, 2);
		assert_false(m->parts[0].in_rfc822);
		assert_int_equal(m->parts[0].segs[0].kind, SEG_TEXT);
		assert_string_equal(m->parts[0].segs[0].text, news[l % 3]);
		assert_true(m->parts[1].in_rfc822);
		assert_true(m->parts[1].used);
		assert_int_equal(m->parts[1].segs_count, 1);
		assert_int_equal(m->parts[1].segs[0].kind, SEG_FORWARD);
		assert_string_equal(m->parts[1].segs[0].reason, "message/rfc822");
		assert_string_equal(m->parts[1].segs[0].text, olds[l % 3]);
		message_free(m);
	}
}

static void
test_mixed_attachments(void **state)
{
	struct message *m;
	size_t l;
	char name[64];

	(void)state;
	for (l = 0; l < 3; l++) {
		snprintf(name, sizeof(name), "mixed-png-%s.eml", langs[l]);
		m = load(name);
		assert_int_equal(m->parts_count, 3);
		assert_true(m->parts[0].used);
		assert_string_equal(m->parts[1].content_type, "image/png");
		assert_string_equal(m->parts[1].filename, "photo.png");
		assert_true(m->parts[1].is_attachment);
		assert_false(m->parts[1].used);
		assert_int_equal(m->parts[1].segs_count, 0);
		assert_true(m->parts[2].is_text);
		assert_true(m->parts[2].is_attachment);
		assert_false(m->parts[2].used);
		assert_string_equal(m->parts[2].skip_reason, "attachment");
		message_free(m);
		snprintf(name, sizeof(name), "mixed-png-%s.eml", langs[l]);
		expect_text(name, texts[l], 0, clean);
	}
	m = load("rfc2231-filename.eml");
	assert_string_equal(m->parts[1].filename, "영수증.pdf");
	assert_string_equal(m->parts[1].content_type, "application/pdf");
	message_free(m);
}

/* --- charsets --- */

static void
test_charsets(void **state)
{
	static const struct {
		const char *file, *text;
		unsigned must;
	} cases[] = {
		{"cs-euc-kr.eml", "주문한 물건이 안 왔어요. 환불해 주세요.", 0},
		{"cs-ks_c_5601.eml", "배송이 안 됬어요. 환불해 주세요.", 0},
		{"cs-koi8-u.eml",
		 "Добрий день, посилка N2087 не прийшла. Ґанок, їжак, єнот.", 0},
		{"cs-koi8-r.eml", "Здравствуйте, заказ N2087 не пришёл. Верните деньги.",
		 0},
		{"cs-windows-1251.eml",
		 "Добрий день, замовлення №2087 не прийшло. Ґанок, їжак.", 0},
		{"cs-iso-8859-1.eml",
		 "Grüße, die Lieferung ist nicht angekommen. Straße in München, "
		 "¿dónde?", 0},
		{"cs-utf-16.eml", "Добрий день, де моє замовлення?", 0},
		{"cs-iso-2022-jp.eml",
		 "注文した商品がまだ届きません。返金してください。", 0},
		{"cs-shift_jis.eml",
		 "注文した商品がまだ届きません。返金してください。", 0},
		{"cs-x-sjis.eml", "ご注文の商品について", 0},
		{"cs-gb18030.eml", "我的订单还没有到，请退款。", 0},
		{"cs-gb2312.eml", "我的订单还没有到，请退款。", 0},
		{"cs-big5.eml", "我的訂單還沒有到，請退款。", 0},
		{"cs-utf-7.eml", "환불 부탁드립니다. Thanks!", 0},
		{"cs-ascii-utf8.eml", "Добрий день, замовлення не прийшло.", 0},
		{"cs-ascii-latin.eml", "Grüße aus München", MSG_BAD_CHARSET},
		{"cs-unknown-utf8.eml", "환불해 주세요.", MSG_BAD_CHARSET},
		{"cs-unknown-latin.eml", "Café crème brûlée", MSG_BAD_CHARSET},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_text(cases[i].file, cases[i].text, cases[i].must,
		            MSG_INVALID_UTF8 | MSG_NO_TEXT |
		                (cases[i].must ? 0 : MSG_BAD_CHARSET));
}

static void
test_charset_used(void **state)
{
	struct message *m = load("cs-ks_c_5601.eml");

	(void)state;
	assert_string_equal(m->parts[0].charset, "ks_c_5601-1987");
	assert_string_equal(m->parts[0].charset_used, "CP949");
	message_free(m);
	m = load("cs-gb2312.eml");
	assert_string_equal(m->parts[0].charset_used, "GB18030");
	message_free(m);
}

static void
test_to_utf8(void **state)
{
	unsigned anom = 0;
	size_t n;
	char *s;

	(void)state;
	/* truncated double-byte character at the end: EINVAL -> U+FFFD */
	s = message_to_utf8("euc-kr", "\xC7\xD1\xB1", 3, NULL, &n, &anom);
	assert_string_equal(s, "한\xEF\xBF\xBD");
	assert_true(anom & MSG_INVALID_UTF8);
	free(s);
	/* invalid byte in the middle: EILSEQ -> U+FFFD, then goes on */
	anom = 0;
	s = message_to_utf8("ks_c_5601-1987", "\xC7\xD1\xFF\xB1\xDB", 5, NULL,
	                    &n, &anom);
	assert_string_equal(s, "한\xEF\xBF\xBD글");
	free(s);
	/* NUL bytes dropped, length right */
	anom = 0;
	s = message_to_utf8("utf-8", "a\0b\0", 4, NULL, &n, &anom);
	assert_int_equal(n, 2);
	assert_string_equal(s, "ab");
	assert_true(anom & MSG_NUL_BYTES);
	free(s);
	/* no label, not UTF-8: the fallback given */
	anom = 0;
	s = message_to_utf8(NULL, "\xC1\xCE\xD1\xDB", 4, "koi8-u", &n, &anom);
	assert_string_equal(s, "аняш");
	assert_true(anom & MSG_BAD_CHARSET);
	free(s);
	/* UTF-16 with a big-endian BOM */
	s = message_to_utf8("UTF-16", "\xFE\xFF\x04\x14\x00!", 6, NULL, &n,
	                    &anom);
	assert_string_equal(s, "Д!");
	free(s);
}

/* --- RFC 2047 --- */

static void
test_subjects(void **state)
{
	static const struct {
		const char *file, *subject;
	} cases[] = {
		{"subj-b-ko.eml", "주문 #2087 환불"},
		{"subj-b-uk.eml", "Повернення коштів"},
		{"subj-q-en.eml", "Re: Where is my order? (urgent)"},
		{"subj-q-de.eml", "Grüße aus München"},
		{"subj-q-uk.eml", "Де посилка"},
		{"subj-split-ko.eml", "환불 요청"},
		{"subj-ks_c.eml", "배송 됬나요"},
		{"hdr-raw8bit-ko.eml", "환불 요청"},
	};
	struct message *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = load(cases[i].file);
		if (strcmp(m->subject, cases[i].subject) != 0)
			fail_msg("%s: [%s]", cases[i].file, m->subject);
		assert_false(m->anomalies & MSG_INVALID_UTF8);
		message_free(m);
	}
	expect_text("hdr-raw8bit-ko.eml", "본문입니다", 0, MSG_INVALID_UTF8);
}

/* --- broken input --- */

static void
test_broken(void **state)
{
	struct message *m;

	(void)state;
	expect_text("nul-bytes.eml", "Hello world", MSG_NUL_BYTES,
	            MSG_INVALID_UTF8);
	expect_text("invalid-utf8.eml",
	            "caf\xEF\xBF\xBD ok \xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD"
	            "\xEF\xBF\xBD.", MSG_INVALID_UTF8, 0);
	expect_text("broken-base64.eml", "Повернення коштів", MSG_BAD_ENCODING,
	            0);
	expect_text("broken-qp.eml", "Price = 10 =ZZ euro soft €",
	            MSG_BAD_ENCODING, 0);
	expect_text("unterminated-multipart.eml",
	            "First part text.\nSecond part never closed.", MSG_BAD_MIME, 0);
	m = load("binary-as-text.eml");
	assert_int_equal(m->parts_count, 1);
	assert_false(m->parts[0].used);
	assert_string_equal(m->parts[0].skip_reason, "binary content");
	assert_true(m->anomalies & MSG_NO_TEXT);
	message_free(m);
}

/* --- limits --- */

static struct message *
parse_buf(struct buf *b, const struct message_limits *lim)
{
	struct triage_err err;
	struct message *m = message_parse(b->data, b->len, lim, &err);

	assert_non_null(m);
	return m;
}

static void
test_limit_depth(void **state)
{
	struct message_limits lim;
	struct buf b;
	struct message *m;
	unsigned i;

	(void)state;
	message_limits_default(&lim);
	buf_init(&b, SIZE_MAX - 1);
	buf_puts(&b, "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
	             "--b0\nContent-Type: text/plain\n\nshallow text\n");
	for (i = 1; i < 40; i++)
		buf_printf(&b, "--b%u\nContent-Type: multipart/mixed; boundary=b%u\n\n",
		           i - 1, i);
	buf_puts(&b, "--b39\nContent-Type: text/plain\n\ndeep text\n");
	m = parse_buf(&b, &lim);
	assert_true(m->anomalies & MSG_DEEP_NESTING);
	assert_true(m->anomalies & MSG_TRUNCATED);
	assert_string_equal(m->parts[0].segs[0].text, "shallow text");
	message_free(m);
	lim.max_mime_depth = 50;
	m = parse_buf(&b, &lim);
	assert_false(m->anomalies & MSG_DEEP_NESTING);
	assert_int_equal(m->parts_count, 2);
	assert_int_equal(m->parts[1].depth, 40);
	message_free(m);
	buf_free(&b);
}

static void
test_limit_parts(void **state)
{
	struct message_limits lim;
	struct buf b;
	struct message *m;
	unsigned i;

	(void)state;
	message_limits_default(&lim);
	buf_init(&b, SIZE_MAX - 1);
	buf_puts(&b, "Subject: many\nContent-Type: multipart/mixed; boundary=X\n\n");
	for (i = 0; i < 300; i++)
		buf_printf(&b, "--X\nContent-Type: text/plain\n\npart %u\n", i);
	buf_puts(&b, "--X--\n");
	m = parse_buf(&b, &lim);
	assert_true(m->anomalies & MSG_TOO_MANY_PARTS);
	assert_true(m->anomalies & MSG_TRUNCATED);
	assert_true(m->parts_count < lim.max_mime_parts);
	assert_string_equal(m->parts[0].segs[0].text, "part 0");
	message_free(m);
	lim.max_mime_parts = 1000;
	m = parse_buf(&b, &lim);
	assert_false(m->anomalies & MSG_TOO_MANY_PARTS);
	assert_int_equal(m->parts_count, 300);
	message_free(m);
	buf_free(&b);
}

static void
test_limit_text_body_headers(void **state)
{
	struct message_limits lim;
	struct buf b;
	struct message *m;
	unsigned i;

	(void)state;
	message_limits_default(&lim);
	lim.max_text_len = 100;
	buf_init(&b, SIZE_MAX - 1);
	buf_puts(&b, "Subject: long\nContent-Type: text/plain; charset=utf-8\n\n");
	for (i = 0; i < 400; i++)
		buf_puts(&b, "환불");
	m = parse_buf(&b, &lim);
	assert_true(m->anomalies & MSG_TEXT_TOO_LARGE);
	assert_true(m->text_len <= 100 && m->text_len >= 97);
	assert_int_equal(m->parts[0].segs[0].len % 3, 0); /* whole characters */
	message_free(m);

	lim.max_text_len = 1u << 20;
	lim.max_body_len = 1000;
	m = parse_buf(&b, &lim);
	assert_true(m->anomalies & MSG_BODY_TOO_LARGE);
	assert_true(m->anomalies & MSG_TRUNCATED);
	assert_int_equal(m->raw_len, b.len);
	assert_true(m->text_len < 1000);
	message_free(m);
	buf_free(&b);

	message_limits_default(&lim);
	lim.max_header_len = 100;
	buf_init(&b, SIZE_MAX - 1);
	buf_puts(&b, "Subject: ");
	for (i = 0; i < 300; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, "\n");
	for (i = 0; i < 1100; i++)
		buf_printf(&b, "X-Filler-%u: %u\n", i, i);
	buf_puts(&b, "Content-Type: text/plain\n\nbody\n");
	m = parse_buf(&b, &lim);
	assert_true(m->anomalies & MSG_HEADER_TOO_LONG);
	assert_true(m->anomalies & MSG_TOO_MANY_HEADERS);
	assert_int_equal(strlen(m->subject), 100 - strlen("Subject") - 2);
	message_free(m);
	buf_free(&b);
}

/* --- the streamed path --- */

/* Feeds data as libmilter would: each header field (name, value with
 * its folding), then the body in small chunks. */
static struct message *
stream_parse(const char *d, size_t len, size_t chunk)
{
	struct message_parser *p = message_parser_new(NULL);
	struct triage_err err;
	struct message *m;
	size_t i = 0, e, c, v;
	char *name, *value;

	assert_non_null(p);
	while (i < len && d[i] != '\n' && d[i] != '\r') {
		for (e = i; e < len; e++)
			if (d[e] == '\n' && e + 1 < len && d[e + 1] != ' ' &&
			    d[e + 1] != '\t')
				break;
		c = (size_t)((const char *)memchr(d + i, ':', e - i) - d);
		for (v = c + 1; v < e && d[v] == ' '; v++)
			;
		name = strndup(d + i, c - i);
		value = strndup(d + v, e - v - (d[e - 1] == '\r'));
		assert_int_equal(message_header(p, name, value), 0);
		free(name);
		free(value);
		i = e + 1;
	}
	i += d[i] == '\r' ? 2 : 1;
	for (; i < len; i += chunk)
		assert_int_equal(message_body(p, (const unsigned char *)d + i,
		                              len - i < chunk ? len - i : chunk), 0);
	m = message_finish(p, &err);
	message_parser_free(p);
	assert_non_null(m);
	return m;
}

static void
test_streamed_same(void **state)
{
	static const char *const files[] = {
		"alt-stub-ko.eml", "quote-gmail-uk.eml", "fwd-rfc822-ko.eml",
		"mixed-png-uk.eml", "crlf-qp.eml", "hdr-addresses.eml",
		"cs-ks_c_5601.eml", "subj-split-ko.eml", "broken-qp.eml",
	};
	size_t f, len;
	char *data, *a, *b;
	struct message *m1, *m2;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		data = read_fixture(files[f], &len);
		m1 = message_parse(data, len, NULL, NULL);
		m2 = stream_parse(data, len, 7);
		assert_non_null(m1);
		a = used_text(m1);
		b = used_text(m2);
		assert_string_equal(a, b);
		assert_string_equal(m1->subject, m2->subject);
		assert_string_equal(m1->from_addr, m2->from_addr);
		assert_int_equal(m1->parts_count, m2->parts_count);
		assert_int_equal(m1->anomalies, m2->anomalies);
		free(a);
		free(b);
		message_free(m1);
		message_free(m2);
		free(data);
	}
}

/* A header value from the MTA with a line break that does not fold
 * cannot start a header field of its own. */
static void
test_header_injection(void **state)
{
	struct message_parser *p = message_parser_new(NULL);
	struct triage_err err;
	struct message *m;
	const char *body = "hello\n";

	(void)state;
	assert_non_null(p);
	assert_int_equal(message_header(p, "Subject", "hi\nFrom: boss@shop.example"),
	                 0);
	assert_int_equal(message_header(p, "From", "Real <real@example.com>"), 0);
	assert_int_equal(message_header(p, "Bad Name", "x"), 0);
	assert_int_equal(message_body(p, (const unsigned char *)body,
	                              strlen(body)), 0);
	m = message_finish(p, &err);
	message_parser_free(p);
	assert_non_null(m);
	assert_string_equal(m->from_addr, "real@example.com");
	assert_string_equal(m->subject, "hiFrom: boss@shop.example");
	assert_true(m->anomalies & MSG_BAD_MIME); /* the bad field name */
	message_free(m);
}

/* Header fields past max_body_len are counted, not kept, and not cut in
 * the middle; the fields that fit still decode. */
static void
test_header_body_cap(void **state)
{
	struct message_limits lim;
	struct message_parser *p;
	struct triage_err err;
	struct message *m;
	char v[64];
	unsigned i;

	(void)state;
	message_limits_default(&lim);
	lim.max_body_len = 200;
	p = message_parser_new(&lim);
	assert_non_null(p);
	assert_int_equal(message_header(p, "From", "a@example.com"), 0);
	for (i = 0; i < 20; i++) {
		snprintf(v, sizeof(v), "filler value number %u", i);
		assert_int_equal(message_header(p, "X-Filler", v), 0);
	}
	assert_int_equal(message_header(p, "Subject", "late"), 0);
	m = message_finish(p, &err);
	message_parser_free(p);
	assert_non_null(m);
	assert_true(m->anomalies & MSG_BODY_TOO_LARGE);
	assert_true(m->anomalies & MSG_TRUNCATED);
	assert_string_equal(m->from_addr, "a@example.com");
	assert_true(m->raw_len > 200);
	message_free(m);
}

/* Parsers on several threads at once give what one thread gives. */
static void *
thread_run(void *arg)
{
	static const char *const files[] = {
		"quote-gmail-ko.eml", "cs-ks_c_5601.eml", "cs-koi8-u.eml",
		"alt-stub-uk.eml", "fwd-rfc822-en.eml", "cs-iso-2022-jp.eml",
	};
	const char *want = arg;
	size_t i, r;
	int *ok = malloc(sizeof(*ok));

	if (ok == NULL)
		return NULL;
	*ok = 1;
	for (r = 0; r < 20; r++)
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			size_t len;
			char *data = read_fixture(files[i], &len), *t;
			struct message *m = message_parse(data, len, NULL, NULL);

			t = m != NULL ? used_text(m) : NULL;
			if (t == NULL || strstr(want, t) == NULL)
				*ok = 0;
			free(t);
			message_free(m);
			free(data);
		}
	return ok;
}

static void
test_threads(void **state)
{
	static const char *const files[] = {
		"quote-gmail-ko.eml", "cs-ks_c_5601.eml", "cs-koi8-u.eml",
		"alt-stub-uk.eml", "fwd-rfc822-en.eml", "cs-iso-2022-jp.eml",
	};
	pthread_t th[4];
	struct buf want;
	size_t i;
	void *res;

	(void)state;
	buf_init(&want, SIZE_MAX - 1);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct message *m = load(files[i]);
		char *t = used_text(m);

		buf_printf(&want, "%s\x01", t);
		free(t);
		message_free(m);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_run,
		                                (void *)want.data), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_non_null(res);
		assert_int_equal(*(int *)res, 1);
		free(res);
	}
	buf_free(&want);
}

static void
test_anomaly_names(void **state)
{
	(void)state;
	assert_string_equal(message_anomaly_name(MSG_TRUNCATED), "truncated");
	assert_string_equal(message_anomaly_name(MSG_DEEP_NESTING),
	                    "deep-nesting");
	assert_string_equal(message_anomaly_name(MSG_TOO_MANY_HEADERS),
	                    "too-many-headers");
	assert_string_equal(message_anomaly_name(3), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_forms),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_alternative_choice),
		cmocka_unit_test(test_html_entities),
		cmocka_unit_test(test_html_quotes),
		cmocka_unit_test(test_html_blockquote),
		cmocka_unit_test(test_html_direct),
		cmocka_unit_test(test_html_deep),
		cmocka_unit_test(test_forward_rfc822),
		cmocka_unit_test(test_mixed_attachments),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_charset_used),
		cmocka_unit_test(test_to_utf8),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_parts),
		cmocka_unit_test(test_limit_text_body_headers),
		cmocka_unit_test(test_streamed_same),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_header_body_cap),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_anomaly_names),
	};

	message_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
