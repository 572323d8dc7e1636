/*
 * fuzz_message.c - libFuzzer target: message_parse() on arbitrary bytes.
 *
 * Untrusted input: the fuzzer's bytes, taken as a whole mail.  Checks the
 * invariants other modules rely on: every segment is valid UTF-8 without
 * NUL bytes, text_len stays within max_text_len, and the part count
 * within max_mime_parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "triage/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, j;

	while (i < n) {
		if (u[i] == 0)
			return 0;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : u[i] >= 0xC2 ? 2 : 0;
		if (k == 0 || u[i] > 0xF4 || i + k > n)
			return 0;
		for (j = 1; j < k; j++)
			if ((u[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

static void
check(const struct message *m, const struct message_limits *lim)
{
	size_t i, j, total = 0;

	if (m->parts_count > lim->max_mime_parts)
		abort();
	for (i = 0; i < m->parts_count; i++)
		for (j = 0; j < m->parts[i].segs_count; j++) {
			const struct msg_segment *s = &m->parts[i].segs[j];

			if (!utf8_ok(s->text, s->len) || strlen(s->text) != s->len)
				abort();
			total += s->len;
		}
	if (total != m->text_len || total > lim->max_text_len)
		abort();
	if (m->subject != NULL && !utf8_ok(m->subject, strlen(m->subject)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct message_limits lim;
	struct triage_err err;
	struct message *m;

	if (!ready) {
		message_global_init();
		ready = 1;
	}
	message_limits_default(&lim);
	lim.max_text_len = 64 * 1024; /* small caps reach the cut paths */
	lim.max_mime_parts = 50;
	lim.max_mime_depth = 8;
	m = message_parse((const char *)data, size, &lim, &err);
	if (m == NULL)
		return 0;
	check(m, &lim);
	message_free(m);
	return 0;
}
