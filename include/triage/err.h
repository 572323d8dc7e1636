/*
 * err.h - error reports and diagnostic lists.
 *
 * A failing call fills a caller-supplied struct triage_err with one line
 * of text ("what failed, on what, why").  Loaders that report every
 * problem they find (config, pattern files, CSV imports) append to a
 * struct diags instead; each line reads "FILE:LINE:COL: message" (or
 * "FILE:LINE: ..." when no column is known).
 */
#ifndef TRIAGE_ERR_H
#define TRIAGE_ERR_H

#include <stddef.h>

struct triage_err {
	char text[1024];
};

void triage_err_set(struct triage_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

enum diag_level { DIAG_ERROR = 0, DIAG_WARNING = 1 };

struct diag {
	enum diag_level level;
	char *text; /* owned, the full formatted line */
};

struct diags {
	struct diag *v;
	size_t count;    /* lines kept (at most TRIAGE_MAX_DIAGS) */
	size_t errors;   /* errors seen, kept or not */
	size_t warnings; /* warnings seen, kept or not */
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);

/* Appends "FILE:LINE:COL: " + message (line/col 0 leave them out, file
 * NULL leaves the location out).  Warnings are prefixed "warning: " after
 * the location.  Out of memory still counts the diagnostic. */
void diags_add(struct diags *d, enum diag_level level, const char *file,
               unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Moves every line of src to the end of dst. */
void diags_move(struct diags *dst, struct diags *src);

#endif
