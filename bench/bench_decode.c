/*
 * bench_decode.c - throughput of message_parse() (MIME, transfer
 * decoding, charsets, HTML to text).
 *
 * Builds a fixed set of messages in memory (deterministic generator,
 * median about 8 KB, the MIME forms and charsets real support mail uses,
 * text in en/ko/uk/ru/de/es/fr), decodes the whole set several times and
 * prints MB/s and microseconds per message.  Input is generated here, so
 * nothing untrusted reaches it.
 */
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triage/buf.h"
#include "triage/message.h"

#define BENCH_MESSAGES 400
#define BENCH_ROUNDS 5

struct lang {
	const char *code, *sentence, *charset; /* legacy charset to use */
};

static const struct lang langs[] = {
	{"en", "Hello, my order #2087 arrived damaged and I would like a "
	       "replacement or a refund, please let me know what to do. ",
	 "iso-8859-1"},
	{"ko", "안녕하세요, 주문한 상품이 파손된 상태로 도착했어요. 교환이나 환불 "
	       "부탁드립니다. 어떻게 하면 될까요? ", "ks_c_5601-1987"},
	{"uk", "Добрий день, моє замовлення N2087 прийшло пошкодженим. Прошу "
	       "замінити товар або повернути гроші. ", "koi8-u"},
	{"ru", "Здравствуйте, мой заказ пришёл повреждённым. Прошу заменить "
	       "товар или вернуть деньги. ", "windows-1251"},
	{"de", "Guten Tag, meine Bestellung kam beschädigt an. Bitte um Ersatz "
	       "oder Rückerstattung, Grüße aus München. ", "iso-8859-1"},
	{"es", "Hola, mi pedido llegó dañado. ¿Pueden enviarme otro o "
	       "devolverme el dinero? Gracias. ", "iso-8859-1"},
	{"fr", "Bonjour, ma commande est arrivée abîmée. Pourriez-vous "
	       "l'échanger ou me rembourser ? Merci beaucoup. ", "iso-8859-1"},
};

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
put_b64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = t[(v >> 18) & 63];
		q[1] = t[(v >> 12) & 63];
		q[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? t[v & 63] : '=';
		buf_append(b, q, 4);
		if ((col += 4) >= 76) {
			buf_putc(b, '\n');
			col = 0;
		}
	}
	buf_putc(b, '\n');
}

static void
put_qp(struct buf *b, const unsigned char *s, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		if (col >= 72 && s[i] != '\n') {
			buf_puts(b, "=\n");
			col = 0;
		}
		if (s[i] == '\n') {
			buf_putc(b, '\n');
			col = 0;
		} else if (s[i] >= 33 && s[i] <= 126 && s[i] != '=') {
			buf_putc(b, (char)s[i]);
			col++;
		} else if (s[i] == ' ') {
			buf_putc(b, ' ');
			col++;
		} else {
			buf_printf(b, "=%02X", s[i]);
			col += 3;
		}
	}
	buf_putc(b, '\n');
}

/* The sentence repeated into about len bytes, broken into lines. */
static char *
make_text(const struct lang *l, size_t len)
{
	struct buf b;
	size_t k = 0;

	buf_init(&b, SIZE_MAX - 1);
	while (b.len < len) {
		buf_puts(&b, l->sentence);
		if (++k % 3 == 0)
			buf_puts(&b, "\n");
	}
	buf_puts(&b, "\n");
	return buf_steal(&b);
}

/* UTF-8 text in a legacy charset (for the charset forms). */
static char *
encode_legacy(const char *text, const char *charset, size_t *outlen)
{
	const char *name = strcmp(charset, "ks_c_5601-1987") == 0 ? "CP949"
	                                                          : charset;
	iconv_t cd = iconv_open(name, "UTF-8");
	size_t inl = strlen(text), outl = inl * 2 + 16;
	char *out = malloc(outl), *in = (char *)text, *o = out;

	if (cd == (iconv_t)-1 || out == NULL) {
		fprintf(stderr, "bench_decode: no iconv for %s\n", name);
		exit(1);
	}
	if (iconv(cd, &in, &inl, &o, &outl) == (size_t)-1) {
		fprintf(stderr, "bench_decode: cannot encode in %s\n", name);
		exit(1);
	}
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	return out;
}

static void
headers(struct buf *b, const char *ctype)
{
	buf_puts(b, "From: =?UTF-8?B?7ZmN6ri464+Z?= <customer@example.com>\n"
	            "To: support@shop.example\nSubject: =?UTF-8?Q?Order_=232087?=\n"
	            "Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
	            "Message-ID: <bench@example.com>\nMIME-Version: 1.0\n");
	buf_printf(b, "Content-Type: %s\n", ctype);
}

/* One message of form f in language l with about len bytes of text. */
static char *
make_message(unsigned f, const struct lang *l, size_t len, size_t *outlen)
{
	struct buf b;
	char *t = make_text(l, len), *leg;
	size_t n = strlen(t), ln;
	unsigned i;

	buf_init(&b, SIZE_MAX - 1);
	switch (f) {
	case 0: /* plain UTF-8 8bit */
		headers(&b, "text/plain; charset=utf-8");
		buf_puts(&b, "Content-Transfer-Encoding: 8bit\n\n");
		buf_append(&b, t, n);
		break;
	case 1: /* quoted-printable */
		headers(&b, "text/plain; charset=utf-8");
		buf_puts(&b, "Content-Transfer-Encoding: quoted-printable\n\n");
		put_qp(&b, (const unsigned char *)t, n);
		break;
	case 2: /* base64 */
		headers(&b, "text/plain; charset=utf-8");
		buf_puts(&b, "Content-Transfer-Encoding: base64\n\n");
		put_b64(&b, (const unsigned char *)t, n);
		break;
	case 3: /* legacy charset, 8bit */
		leg = encode_legacy(t, l->charset, &ln);
		headers(&b, "text/plain");
		buf_printf(&b, "Content-Type: text/plain; charset=%s\n\n", l->charset);
		buf_append(&b, leg, ln);
		free(leg);
		break;
	case 4: /* alternative: plain + HTML with a Gmail quote */
		headers(&b, "multipart/alternative; boundary=\"ALT\"");
		buf_puts(&b, "\n--ALT\nContent-Type: text/plain; charset=utf-8\n"
		             "Content-Transfer-Encoding: quoted-printable\n\n");
		put_qp(&b, (const unsigned char *)t, n);
		buf_puts(&b, "--ALT\nContent-Type: text/html; charset=utf-8\n"
		             "Content-Transfer-Encoding: base64\n\n");
		/* FALLTHROUGH */
	default: /* HTML with a quote (alone in form 5, in the alternative
	            in 4), then a PNG-like attachment in form 6 */
		if (f >= 5)
			headers(&b, f == 5 ? "text/html; charset=utf-8"
			                   : "multipart/mixed; boundary=\"MIX\"");
		if (f == 6)
			buf_puts(&b, "\n--MIX\nContent-Type: text/html; charset=utf-8\n");
		if (f >= 5)
			buf_puts(&b, "Content-Transfer-Encoding: base64\n\n");
		{
			struct buf h;

			buf_init(&h, SIZE_MAX - 1);
			buf_puts(&h, "<html><head><style>p{margin:0}</style></head>"
			             "<body><div dir=\"ltr\"><p>");
			buf_append(&h, t, n / 2);
			buf_puts(&h, "</p><p>&quot;Thanks&quot; &amp; regards&nbsp;"
			             "</p></div><div class=\"gmail_quote\"><blockquote>");
			buf_append(&h, t + n / 2, n - n / 2);
			buf_puts(&h, "</blockquote></div></body></html>\n");
			put_b64(&b, (const unsigned char *)h.data, h.len);
			buf_free(&h);
		}
		if (f == 4)
			buf_puts(&b, "--ALT--\n");
		if (f == 6) {
			buf_puts(&b, "--MIX\nContent-Type: image/png; name=a.png\n"
			             "Content-Disposition: attachment; filename=a.png\n"
			             "Content-Transfer-Encoding: base64\n\n");
			for (i = 0; i < 40; i++)
				buf_puts(&b, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI\n");
			buf_puts(&b, "--MIX--\n");
		}
		break;
	}
	free(t);
	*outlen = b.len;
	return buf_steal(&b);
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(void)
{
	static char *msgs[BENCH_MESSAGES];
	static size_t lens[BENCH_MESSAGES], sorted[BENCH_MESSAGES];
	size_t i, total = 0, text = 0;
	unsigned r;
	double t0, secs;
	struct triage_err err;

	message_global_init();
	for (i = 0; i < BENCH_MESSAGES; i++) {
		/* text length log-uniform between 1.4 KB and 17 KB: median ~5 KB,
		 * ~8 KB with headers and encoding */
		double u = (double)(rnd() % 10000) / 10000.0;
		size_t len = (size_t)(1400.0 * pow(12.0, u));

		msgs[i] = make_message(rnd() % 7,
		                       &langs[rnd() % (sizeof(langs) / sizeof(langs[0]))],
		                       len, &lens[i]);
		sorted[i] = lens[i];
		total += lens[i];
	}
	qsort(sorted, BENCH_MESSAGES, sizeof(sorted[0]), cmp_size);
	t0 = now();
	for (r = 0; r < BENCH_ROUNDS; r++)
		for (i = 0; i < BENCH_MESSAGES; i++) {
			struct message *m = message_parse(msgs[i], lens[i], NULL, &err);

			if (m == NULL || (m->anomalies & MSG_NO_TEXT)) {
				fprintf(stderr, "bench_decode: message %zu: %s\n", i,
				        m == NULL ? err.text : "no text");
				return 1;
			}
			text += m->text_len;
			message_free(m);
		}
	secs = now() - t0;
	printf("bench_decode: %d messages (median %zu bytes, %.1f MB), "
	       "%d rounds, %.1f MB of text out\n", BENCH_MESSAGES,
	       sorted[BENCH_MESSAGES / 2], (double)total / 1e6, BENCH_ROUNDS,
	       (double)text / 1e6);
	printf("bench_decode: %.1f MB/s, %.0f us per message\n",
	       (double)total * BENCH_ROUNDS / 1e6 / secs,
	       secs * 1e6 / (BENCH_MESSAGES * BENCH_ROUNDS));
	for (i = 0; i < BENCH_MESSAGES; i++)
		free(msgs[i]);
	return 0;
}
