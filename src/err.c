/*
 * err.c - error reports and diagnostic lists (see err.h).
 *
 * Owns: the formatting of "FILE:LINE:COL: message" lines.  Untrusted
 * input: message arguments may quote pattern or config text; they are
 * stored as given and printed by the caller.
 */
#include "triage/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"
#include "triage/limits.h"

void
triage_err_set(struct triage_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
diags_free(struct diags *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++)
		free(d->v[i].text);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void
diags_add(struct diags *d, enum diag_level level, const char *file,
          unsigned line, unsigned col, const char *fmt, ...)
{
	struct buf b;
	struct diag *nv;
	va_list ap;

	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->count >= TRIAGE_MAX_DIAGS)
		return;
	buf_init(&b, 4096);
	if (file != NULL) {
		buf_puts(&b, file);
		if (line > 0)
			buf_printf(&b, ":%u", line);
		if (line > 0 && col > 0)
			buf_printf(&b, ":%u", col);
		buf_puts(&b, ": ");
	}
	if (level == DIAG_WARNING)
		buf_puts(&b, "warning: ");
	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) == BUF_TOO_LARGE)
		buf_append_trunc(&b, "...", 3);
	va_end(ap);
	nv = realloc(d->v, (d->count + 1) * sizeof(*nv));
	if (nv == NULL) {
		buf_free(&b);
		return;
	}
	d->v = nv;
	d->v[d->count].level = level;
	if ((d->v[d->count].text = buf_steal(&b)) != NULL)
		d->count++;
}

void
diags_move(struct diags *dst, struct diags *src)
{
	for (size_t i = 0; i < src->count; i++) {
		diags_add(dst, src->v[i].level, NULL, 0, 0, "%s",
		          src->v[i].text);
		/* diags_add counted it; src counts are added below instead */
		if (src->v[i].level == DIAG_ERROR)
			dst->errors--;
		else
			dst->warnings--;
	}
	dst->errors += src->errors;
	dst->warnings += src->warnings;
	diags_free(src);
}
