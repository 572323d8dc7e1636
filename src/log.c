/*
 * log.c - levels, syslog or stderr, safe rendering of untrusted values.
 *
 * Owns: the only level filter in the program and the choice of sink.
 * Untrusted input: values from mail given to log_safe() before they are
 * formatted into a line.
 */
#include "triage/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "triage/buf.h"
#include "triage/limits.h"

static struct {
	pthread_mutex_t lock;
	int to_stderr;
	int level;
	char ident[64];
} logst = { PTHREAD_MUTEX_INITIALIZER, 1, LOG_LVL_INFO, "triage" };

static int
facility_code(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} tab[] = {
		{ "mail", LOG_MAIL },     { "daemon", LOG_DAEMON },
		{ "user", LOG_USER },     { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};

	for (size_t i = 0; name && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0)
			return tab[i].code;
	return LOG_MAIL;
}

void
log_init(const char *ident, int to_stderr, const char *facility)
{
	pthread_mutex_lock(&logst.lock);
	str_lcpy(logst.ident, ident ? ident : "triage", sizeof(logst.ident));
	logst.to_stderr = to_stderr;
	if (!to_stderr)
		openlog(logst.ident, LOG_PID | LOG_NDELAY,
		        facility_code(facility));
	pthread_mutex_unlock(&logst.lock);
}

void
log_set_level(enum log_level level)
{
	__atomic_store_n(&logst.level, (int)level, __ATOMIC_RELAXED);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)__atomic_load_n(&logst.level, __ATOMIC_RELAXED);
}

int
log_level_parse(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "error") == 0)
		return LOG_LVL_ERR;
	if (strcmp(name, "warning") == 0)
		return LOG_LVL_WARN;
	if (strcmp(name, "info") == 0)
		return LOG_LVL_INFO;
	if (strcmp(name, "debug") == 0)
		return LOG_LVL_DEBUG;
	return -1;
}

__attribute__((format(printf, 2, 0))) static void
log_emit(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const word[] = { "error", "warning", "info",
		                            "debug" };
	char line[4096];

	if ((int)level > (int)log_get_level())
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (logst.to_stderr) {
		pthread_mutex_lock(&logst.lock);
		fprintf(stderr, "%s: %s: %s\n", logst.ident, word[level], line);
		pthread_mutex_unlock(&logst.lock);
	} else {
		syslog(prio[level], "%s", line);
	}
}

#define LOG_FN(fn, lvl)                 \
	void fn(const char *fmt, ...)   \
	{                               \
		va_list ap;             \
		va_start(ap, fmt);      \
		log_emit(lvl, fmt, ap); \
		va_end(ap);             \
	}

LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

char *
log_safe(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t o = 0;

	if (dstlen == 0)
		return dst;
	if (src == NULL) {
		str_lcpy(dst, "-", dstlen);
		return dst;
	}
	if (srclen > TRIAGE_MAX_LOG_VALUE_LEN)
		srclen = TRIAGE_MAX_LOG_VALUE_LEN;
	for (size_t i = 0; i < srclen && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];
		/* Printable ASCII except what would break key=value. */
		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=')
			dst[o++] = (char)c;
		else
			dst[o++] = '?';
	}
	dst[o] = '\0';
	return dst;
}
