/*
 * buf.h - bounded growable byte buffers and small string helpers.
 *
 * A struct buf is created with its maximum length; growing past it fails
 * with BUF_TOO_LARGE (distinct from BUF_NOMEM), and the buffer keeps what
 * it had.  Contents are pointer + length: mail carries NUL bytes, so the
 * terminating NUL that buf keeps after the data is a convenience only.
 */
#ifndef TRIAGE_BUF_H
#define TRIAGE_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum buf_status {
	BUF_OK = 0,
	BUF_NOMEM = -1,     /* allocation failed */
	BUF_TOO_LARGE = -2, /* the append would pass the buffer's max */
};

/* Value type: fields may be read directly; change them only through the
 * functions below.  data is NULL until the first append. */
struct buf {
	char *data; /* owned; always NUL-terminated when not NULL */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* len never exceeds this */
};

/* Sets up an empty buffer that will never hold more than max bytes. */
void buf_init(struct buf *b, size_t max);

/* Appends len bytes.  On BUF_TOO_LARGE nothing is appended. */
int buf_append(struct buf *b, const void *data, size_t len);

/* Appends as many of len bytes as fit under max; returns BUF_TOO_LARGE
 * when it had to cut, BUF_OK when all fit. */
int buf_append_trunc(struct buf *b, const void *data, size_t len);

int buf_putc(struct buf *b, char c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Returns the contents as a C string ("" for an empty buffer); borrowed,
 * valid until the next change to b. */
const char *buf_cstr(const struct buf *b);

/* Hands the allocation to the caller (free() it) and empties b; returns a
 * NUL-terminated copy of "" for an empty buffer, NULL on out of memory. */
char *buf_steal(struct buf *b);

/* Empties b, keeping its allocation and max. */
void buf_reset(struct buf *b);

/* Frees the allocation; b can be initialized again. Accepts NULL. */
void buf_free(struct buf *b);

/* --- small string helpers --- */

/* Case-insensitive ASCII comparisons (locale independent). */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
int str_casestarts(const char *s, const char *prefix);

/* strdup / strndup that return NULL on out of memory (callers check). */
char *str_dup(const char *s);
char *str_ndup(const char *s, size_t n);

/* Copies src into dst of size dstlen, always NUL-terminated; returns the
 * length of src (as strlcpy), so a result >= dstlen means it was cut. */
size_t str_lcpy(char *dst, const char *src, size_t dstlen);

/* Parses a whole decimal integer in [min, max]; 0 on success, -1 when s
 * is not a number, has trailing characters or is out of range. */
int str_to_ll(const char *s, long long min, long long max, long long *out);

/* Reads a whole file into a NUL-terminated malloc'd buffer of at most max
 * bytes.  Returns 0, or -1 with errno set (EFBIG when larger than max). */
int file_read_all(const char *path, size_t max, char **out, size_t *outlen);

#endif
