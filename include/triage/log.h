/*
 * log.h - levels, syslog or stderr, and making untrusted strings safe.
 *
 * Thread-safe.  Level filtering happens here, not at the call sites.
 */
#ifndef TRIAGE_LOG_H
#define TRIAGE_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident: program name; to_stderr: 1 for stderr (foreground, tools), 0 for
 * syslog with the given facility name ("mail", "local0"..."local7"). */
void log_init(const char *ident, int to_stderr, const char *facility);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warning", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *name);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies at most TRIAGE_MAX_LOG_VALUE_LEN bytes of untrusted src into
 * dst (size dstlen), replacing control characters, quotes, backslashes,
 * spaces and invalid UTF-8 with '?' or "\\xNN"-free substitutes so that
 * the result fits one key=value token.  Returns dst. */
char *log_safe(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
