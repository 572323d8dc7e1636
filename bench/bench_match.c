/*
 * bench_match.c - time rule matching per message.
 *
 * Builds a rule set of about 300 rules (the shipped patterns/ when
 * present, topped up with synthetic multilingual rules) in a temporary
 * directory, generates messages of multilingual support text (median
 * about 8 KB, normalized as the milter does), and prints microseconds
 * per message for: rules_match with the Hyperscan prefilter, rules_match
 * with PCRE2 only, and the bare Hyperscan scan of the same database.
 * Also prints load times (compile, then from the cache).  Figures are
 * for reading; the program fails only when something cannot be set up.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/rules_int.h"
#include "triage/buf.h"
#include "triage/log.h"
#include "triage/normalize.h"
#include "triage/rules.h"

#define TARGET_RULES 300
#define MESSAGES 200
#define ROUNDS 5

static const char *const langs[] = { "en", "de", "es", "fr", "ru", "uk", "ko" };
#define NLANGS (sizeof(langs) / sizeof(*langs))

/* Words per language for synthetic rules and messages. */
static const char *const words[NLANGS][12] = {
	{ "refund", "order", "package", "delivered", "never", "arrived",
	  "chargeback", "review", "amazon", "subscription", "address", "bank" },
	{ "erstattung", "bestellung", "paket", "zugestellt", "nie",
	  "angekommen", "rückbuchung", "bewertung", "amazon", "abonnement",
	  "adresse", "bank" },
	{ "reembolso", "pedido", "paquete", "entregado", "nunca", "llegó",
	  "contracargo", "reseña", "amazon", "suscripción", "dirección",
	  "banco" },
	{ "remboursement", "commande", "colis", "livré", "jamais", "arrivé",
	  "rétrofacturation", "avis", "amazon", "abonnement", "adresse",
	  "banque" },
	{ "возврат", "заказ", "посылка", "доставлено", "никогда", "пришла",
	  "чарджбэк", "отзыв", "амазон", "подписка", "адрес", "банк" },
	{ "повернення", "замовлення", "посилка", "доставлено", "ніколи",
	  "прийшла", "чарджбек", "відгук", "амазон", "підписка", "адреса",
	  "банк" },
	{ "환불", "주문", "택배", "배송완료", "안", "도착", "차지백", "리뷰",
	  "쿠팡", "구독", "주소", "카드사" },
};
static const char *const filler[] = {
	"hello",      "thanks",    "please",  "the",        "my",
	"it",         "was",       "and",     "i",          "we",
	"you",        "for",       "with",    "this",       "that",
	"today",      "yesterday", "bitte",   "danke",      "gracias",
	"merci",      "спасибо",   "дякую",   "감사합니다", "ich",
	"habe",       "yo",        "je",      "я",          "не",
	"이",         "를",        "order",   "number",     "hi",
	"team",       "regards",   "best",    "would",      "like",
	"know",       "when",      "where",   "what",       "could",
	"help",       "me",        "our",     "new",        "color",
	"size",       "blue",      "shirt",   "shoes",      "week",
	"monday",     "email",     "phone",   "call",       "wieder",
	"schuhe",     "farbe",     "woche",   "hola",       "quiero",
	"saber",      "cuando",    "bonjour", "voudrais",   "savoir",
	"taille",     "привет",    "хочу",    "узнать",     "когда",
	"размер",     "вітаю",     "хочу",    "дізнатися",  "коли",
	"안녕하세요", "언제",      "사이즈",  "색상",       "문의",
	"드립니다"
};

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int
copy_file(const char *src, const char *dst)
{
	char *data;
	size_t len;
	FILE *fp;

	if (file_read_all(src, TRIAGE_MAX_FILE_LEN, &data, &len) != 0)
		return -1;
	if ((fp = fopen(dst, "wb")) == NULL) {
		free(data);
		return -1;
	}
	fwrite(data, 1, len, fp);
	fclose(fp);
	free(data);
	return chmod(dst, 0644);
}

/* Copies top/patterns/<lang>/NAME.yaml and flags.yaml into dir; returns
 * the rules copied, counted roughly as "- id:" lines. */
static size_t
copy_shipped(const char *top, const char *dir)
{
	char src[4096], dst[4096];
	size_t rules = 0;

	snprintf(src, sizeof(src), "%s/patterns/flags.yaml", top);
	snprintf(dst, sizeof(dst), "%s/flags.yaml", dir);
	if (copy_file(src, dst) != 0)
		return 0;
	for (size_t l = 0; l < NLANGS; l++) {
		DIR *d;
		struct dirent *de;

		snprintf(src, sizeof(src), "%s/patterns/%s", top, langs[l]);
		if ((d = opendir(src)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char *data;
			size_t len, n = strlen(de->d_name);

			if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0)
				continue;
			snprintf(src, sizeof(src), "%s/patterns/%s/%s", top,
			         langs[l], de->d_name);
			snprintf(dst, sizeof(dst), "%s/%s/%s", dir, langs[l],
			         de->d_name);
			if (copy_file(src, dst) != 0 ||
			    file_read_all(dst, TRIAGE_MAX_FILE_LEN, &data,
			                  &len) != 0)
				continue;
			for (char *p = data; (p = strstr(p, "- id:")) != NULL;
			     p++)
				rules++;
			free(data);
		}
		closedir(d);
	}
	return rules;
}

/* Writes n synthetic rules spread over the languages. */
static int
write_synthetic(const char *dir, size_t n, uint32_t *x)
{
	for (size_t l = 0; l < NLANGS; l++) {
		char path[4096];
		struct buf b;
		FILE *fp;

		/* The shipped set may already reach the target: an empty
		 * rules list would be a load error. */
		if (l >= n)
			continue;
		buf_init(&b, 1u << 22);
		buf_printf(&b, "language: %s\nrules:\n", langs[l]);
		for (size_t i = l; i < n; i += NLANGS) {
			const char *const *w = words[l];

			buf_printf(
			    &b,
			    "  - id: %s.bench.r%zu\n    signal: bench.s%zu\n"
			    "    score: 1\n    description: synthetic\n"
			    "    pattern: '(?:%s|%s)\\s+(?:\\S+\\s+){0,3}?(?:%s|%s)%s'\n"
			    "    match: ['%s %s']\n",
			    langs[l], i, i % 20, w[rnd(x) % 12], w[rnd(x) % 12],
			    w[rnd(x) % 12], w[rnd(x) % 12],
			    l == NLANGS - 1 ? "" : "\\b", w[0], w[1]);
		}
		snprintf(path, sizeof(path), "%s/%s/zz-bench.yaml", dir,
		         langs[l]);
		if ((fp = fopen(path, "w")) == NULL)
			return -1;
		fwrite(b.data, 1, b.len, fp);
		fclose(fp);
		buf_free(&b);
		if (chmod(path, 0644) != 0)
			return -1;
	}
	return 0;
}

/* One message: sentences of filler and topic words, several languages,
 * about target bytes. */
static char *
message(size_t target, uint32_t *x, size_t *outlen)
{
	struct buf b;
	char *norm;

	buf_init(&b, 1u << 22);
	while (b.len < target) {
		size_t l = rnd(x) % NLANGS, n = 5 + rnd(x) % 12;

		for (size_t i = 0; i < n; i++) {
			/* topic words are rare in real support mail */
			if (rnd(x) % 150 == 0)
				buf_puts(&b, words[l][rnd(x) % 12]);
			else
				buf_puts(&b,
				         filler[rnd(x) % (sizeof(filler) /
				                          sizeof(*filler))]);
			buf_putc(&b, ' ');
		}
		buf_puts(&b, rnd(x) % 5 == 0 ? ".\n" : ". ");
	}
	norm = normalize_string(b.data, b.len, outlen);
	buf_free(&b);
	return norm;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Times fn over every message ROUNDS times; prints mean and median. */
enum mode { M_FULL, M_BARE };

static void
time_it(const char *what, const struct ruleset *rs, enum mode mode, char **msgs,
        size_t *lens)
{
	static double per[MESSAGES];
	struct rules_scratch *s = rules_scratch_get(rs);
	double total = 0;
	size_t hits = 0;
	long cands = 0;

	if (s == NULL)
		return;
	for (size_t i = 0; i < MESSAGES; i++) {
		double best = 1e18;

		for (int r = 0; r < ROUNDS; r++) {
			struct match_result m;
			struct triage_err err;
			double t0 = now_us(), t;

			if (mode == M_FULL) {
				if (rules_match(rs, msgs[i], lens[i], &m,
				                &err) != 0)
					return;
				if (r == 0)
					hits += m.count;
				match_result_free(&m);
			} else {
				long c =
				    rules_pf_bare_scan(rs, s, msgs[i], lens[i]);

				if (r == 0)
					cands += c;
			}
			t = now_us() - t0;
			best = t < best ? t : best;
		}
		per[i] = best;
		total += best;
	}
	rules_scratch_put(rs, s);
	qsort(per, MESSAGES, sizeof(*per), cmp_double);
	printf("%-34s %8.1f us/msg mean %8.1f median %8.1f p95", what,
	       total / MESSAGES, per[MESSAGES / 2], per[MESSAGES * 95 / 100]);
	if (mode == M_FULL)
		printf("  (%.1f hits/msg)\n", (double)hits / MESSAGES);
	else
		printf("  (%.1f candidate rules/msg)\n",
		       (double)cands / MESSAGES);
}

static struct ruleset *
load(const char *dir, char **ls, size_t n, int no_hs, const char *cache,
     double *us)
{
	struct rules_options o = { 0 };
	struct diags d;
	struct ruleset *rs;
	double t0 = now_us();

	o.dir = dir;
	o.languages = ls;
	o.languages_count = n;
	o.no_hyperscan = no_hs;
	o.cache_dir = cache;
	diags_init(&d);
	rs = rules_load(&o, &d);
	*us = now_us() - t0;
	for (size_t i = 0; rs == NULL && i < d.count; i++)
		fprintf(stderr, "%s\n", d.v[i].text);
	diags_free(&d);
	return rs;
}

int
main(void)
{
	char tmpl[] = "/tmp/bench_match.XXXXXX", dir[64], cache[64];
	const char *top = getenv("TOP") ? getenv("TOP") : "..";
	char *ls[NLANGS], *msgs[MESSAGES];
	size_t lens[MESSAGES], shipped, in_pf = 0, near = 0, bytes = 0;
	const char *only = getenv("BENCH_MATCH");
	struct ruleset *hs, *pc, *cached;
	double t_hs, t_pc, t_cached;
	uint32_t x = 0x12345678u;
	int rc = 1;

	log_init("bench_match", 1, "mail");
	log_set_level(LOG_LVL_ERR);
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/p", tmpl);
	snprintf(cache, sizeof(cache), "%s/cache", tmpl);
	mkdir(dir, 0755);
	mkdir(cache, 0755);
	for (size_t l = 0; l < NLANGS; l++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/%s", dir, langs[l]);
		mkdir(p, 0755);
		ls[l] = (char *)(uintptr_t)langs[l];
	}
	shipped = copy_shipped(top, dir);
	if (shipped == 0) {
		/* no shipped patterns: one flag over the synthetic signals */
		char p[128];
		FILE *fp;

		snprintf(p, sizeof(p), "%s/flags.yaml", dir);
		if ((fp = fopen(p, "w")) == NULL)
			goto out;
		fputs("flags:\n  - name: bench\n    signals: [bench.s0]\n"
		      "    threshold: 1\n",
		      fp);
		fclose(fp);
		chmod(p, 0644);
	}
	if (write_synthetic(dir,
	                    shipped < TARGET_RULES ? TARGET_RULES - shipped : 0,
	                    &x) != 0)
		goto out;
	if ((hs = load(dir, ls, NLANGS, 0, cache, &t_hs)) == NULL)
		goto out;
	pc = load(dir, ls, NLANGS, 1, NULL, &t_pc);
	cached = load(dir, ls, NLANGS, 0, cache, &t_cached);
	rules_pf_coverage(hs, &in_pf, &near);
	for (size_t i = 0; i < MESSAGES; i++) {
		msgs[i] = message(2048 + rnd(&x) % 12288, &x, &lens[i]);
		bytes += lens[i];
	}
	printf("rules: %zu (%zu shipped), %zu in the Hyperscan prefilter, "
	       "%zu of them confirmed near their literals; "
	       "%d messages, mean %zu bytes\n",
	       rules_count(hs), shipped, in_pf, near, MESSAGES,
	       bytes / MESSAGES);
	printf("load: compile %.0f ms, from cache %.0f ms (cached=%d), "
	       "PCRE2 only %.0f ms\n",
	       t_hs / 1000, t_cached / 1000,
	       cached ? rules_hyperscan_cached(cached) : -1, t_pc / 1000);
	/* BENCH_MATCH=full|bare|pcre2 runs one mode only (for perf stat) */
	if (rules_uses_hyperscan(hs)) {
		if (only == NULL || strcmp(only, "full") == 0)
			time_it("rules_match, Hyperscan + PCRE2", hs, M_FULL,
			        msgs, lens);
		if (only == NULL || strcmp(only, "bare") == 0)
			time_it("bare hs_scan", hs, M_BARE, msgs, lens);
	} else {
		printf("(built without Hyperscan)\n");
	}
	if (pc != NULL && (only == NULL || strcmp(only, "pcre2") == 0))
		time_it("rules_match, PCRE2 only", pc, M_FULL, msgs, lens);
	for (size_t i = 0; i < MESSAGES; i++)
		free(msgs[i]);
	rules_free(hs);
	rules_free(pc);
	rules_free(cached);
	rc = 0;
out:
	nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
