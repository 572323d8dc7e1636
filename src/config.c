/*
 * config.c - the main configuration file (triage-milter.yaml) into an
 * immutable struct config (see config.h).
 *
 * Owns: the table of every key (name, type, range, default, help) that
 * the parser, the defaults and config_print_reference() share; the YAML
 * walk (libyaml document API, marks kept for diagnostics); validation of
 * values, tiers and the policy table; making relative paths absolute.
 *
 * Untrusted input: the configuration file (read whole, at most
 * TRIAGE_MAX_FILE_LEN bytes).  Keys and values quoted back in
 * diagnostics are cut short and reduced to printable ASCII.
 */
#include "triage/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml.h>

#include "triage/buf.h"

enum ktype {
	K_STR,      /* string, checked by key->check */
	K_UINT,     /* unsigned */
	K_SIZE,     /* size_t */
	K_U32,      /* uint32_t */
	K_BOOL,     /* int 0/1 */
	K_MODE,     /* unsigned, octal file mode */
	K_ENUM_IDX, /* int: index into choices */
	K_ENUM_STR, /* char *: one of choices */
	K_LIST,     /* char ** + count, each checked by key->check */
	K_KEYVAL,   /* struct config_keyval * + count */
	K_TIERS,    /* ltv.tiers */
	K_POLICY,   /* policy.rules */
};

#define KF_NULL 1u  /* null allowed (field becomes NULL) */
#define KF_PATH 2u  /* relative to the config file's directory */
#define KF_EMPTY 4u /* "" allowed */

typedef int check_fn(const char *s, char *why, size_t whylen);

struct cfg_key {
	const char *name;
	enum ktype type;
	unsigned flags;
	long long min, max;
	const char *def;     /* scalar default as text; lists space separated;
	                        NULL = none (null) */
	const char *choices; /* enums: "a|b|c" */
	size_t off, off_count;
	check_fn *check;
	const char *help;
};

static check_fn check_socket, check_name, check_prefix, check_host,
    check_charset, check_currency, check_order_pattern, check_printable,
    check_recipient, check_address, check_tag;

#define OFF(f) offsetof(struct config, f)
#define OFFC(f) offsetof(struct config, f##_count)

/* Defaults of path keys are relative to the file (a checkout keeps its
 * config in etc/); the built-in defaults drop the leading "../" since they
 * are relative to the current directory (the top of a checkout). */
static const struct cfg_key keys[] = {
	{ "milter.socket", K_STR, 0, 0, 0, "inet:8890@127.0.0.1", NULL,
	  OFF(socket), 0, check_socket,
	  "libmilter socket: inet:PORT@HOST, inet6:PORT@HOST or unix:PATH" },
	{ "milter.socket_mode", K_MODE, 0, 0, 0777, "0660", NULL,
	  OFF(socket_mode), 0, NULL,
	  "permissions of a unix socket, octal (\"0660\")" },
	{ "milter.user", K_STR, KF_NULL, 0, 0, NULL, NULL, OFF(user), 0,
	  check_name, "user to run as when started as root; null: stay" },
	{ "milter.pidfile", K_STR, KF_NULL | KF_PATH, 0, 0, NULL, NULL,
	  OFF(pidfile), 0, check_printable, "file to write the pid to" },
	{ "milter.on_error", K_ENUM_IDX, 0, 0, 0, "accept", "accept|tempfail",
	  OFF(on_error), 0, NULL,
	  "what an internal error does to the mail (it never rejects)" },
	{ "milter.timeout", K_UINT, 0, 1, 3600, "30", NULL, OFF(timeout), 0,
	  NULL, "libmilter I/O timeout, seconds" },
	{ "limits.body_bytes", K_SIZE, 0, 4096, TRIAGE_MAX_BODY_LEN_CEILING,
	  "2097152", NULL, OFF(max_body_len), 0, NULL,
	  "raw message bytes kept for decoding; past it: truncated" },
	{ "limits.text_bytes", K_SIZE, 0, 1024, TRIAGE_MAX_TEXT_LEN_CEILING,
	  "524288", NULL, OFF(max_text_len), 0, NULL,
	  "decoded customer text handed to the rules" },
	{ "limits.header_bytes", K_SIZE, 0, 1024, TRIAGE_MAX_HEADER_LEN_CEILING,
	  "65536", NULL, OFF(max_header_len), 0, NULL,
	  "one header field (name and value)" },
	{ "limits.mime_depth", K_UINT, 0, 1, TRIAGE_MAX_MIME_DEPTH_CEILING,
	  "20", NULL, OFF(max_mime_depth), 0, NULL, "MIME nesting depth" },
	{ "limits.mime_parts", K_UINT, 0, 1, TRIAGE_MAX_MIME_PARTS_CEILING,
	  "200", NULL, OFF(max_mime_parts), 0, NULL,
	  "MIME parts visited per message" },
	{ "limits.match_limit", K_U32, 0, 1000,
	  TRIAGE_PCRE2_MATCH_LIMIT_CEILING, "200000", NULL, OFF(match_limit), 0,
	  NULL, "PCRE2 match limit of every rule" },
	{ "limits.depth_limit", K_U32, 0, 100, TRIAGE_PCRE2_DEPTH_LIMIT_CEILING,
	  "5000", NULL, OFF(depth_limit), 0, NULL,
	  "PCRE2 depth limit of every rule" },
	{ "limits.heap_limit_kib", K_U32, 0, 64,
	  TRIAGE_PCRE2_HEAP_LIMIT_KIB_CEILING, "8192", NULL,
	  OFF(heap_limit_kib), 0, NULL, "PCRE2 heap limit, KiB" },
	{ "scope.recipients", K_LIST, 0, 0, TRIAGE_MAX_CONFIG_LIST, "", NULL,
	  OFF(scope_recipients), OFFC(scope_recipients), check_recipient,
	  "triage only mail to these addresses or @domains; empty: all" },
	{ "scope.skip_authenticated", K_BOOL, 0, 0, 1, "true", NULL,
	  OFF(skip_authenticated), 0, NULL,
	  "leave mail from SMTP-authenticated senders alone" },
	{ "headers.prefix", K_STR, 0, 0, 0, "X-Triage-", NULL,
	  OFF(header_prefix), 0, check_prefix,
	  "prefix of every added header (and of those removed on arrival)" },
	{ "headers.hostname", K_STR, KF_NULL, 0, 0, NULL, NULL, OFF(hostname),
	  0, check_host, "host name in the Version header; null: this host" },
	{ "decode.fallback_charset", K_STR, 0, 0, 0, "windows-1252", NULL,
	  OFF(fallback_charset), 0, check_charset,
	  "charset for text that declares none or an unknown one" },
	{ "ltv.database", K_STR, KF_PATH, 0, 0, "../data/ltv.db", NULL,
	  OFF(db_path), 0, check_printable, "SQLite customer database" },
	{ "ltv.currency", K_STR, 0, 0, 0, "USD", NULL, OFF(currency), 0,
	  check_currency, "ISO 4217 code of LTV amounts and tier minimums" },
	{ "ltv.busy_timeout_ms", K_UINT, 0, 0, 60000, "100", NULL,
	  OFF(busy_timeout_ms), 0, NULL,
	  "wait at most this long for a locked database, ms" },
	{ "ltv.fold_plus_tags", K_BOOL, 0, 0, 1, "false", NULL,
	  OFF(fold_plus_tags), 0, NULL, "treat a+tag@x as a@x" },
	{ "ltv.order_pattern", K_STR, 0, 0, 0,
	  "(?:(?:order|bestellung|bestellnummer|pedido|commande|"
	  "\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7|"
	  "\xd0\xb7\xd0\xb0\xd0\xbc\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd"
	  "\xd0\xbd\xd1\x8f|"
	  "\xec\xa3\xbc\xeb\xac\xb8\\s*\xeb\xb2\x88\xed\x98\xb8|"
	  "\xec\xa3\xbc\xeb\xac\xb8)"
	  "(?:[\\s:#.]|number|nr|no|n\xc2\xb0|n\\.o)*"
	  "|#|\\bno\\.?\\s*|\\bn\xc2\xb0\\s*)([0-9]{3,10})(?![0-9])",
	  NULL, OFF(order_pattern), 0, check_order_pattern,
	  "PCRE2 run on the normalized text; group 1 is the order number" },
	{ "ltv.order_prefix", K_STR, KF_EMPTY, 0, 0, "#", NULL,
	  OFF(order_prefix), 0, check_printable,
	  "prepended to the number to form the shop's order name" },
	{ "ltv.history_window_days", K_UINT, 0, 1, 3650, "365", NULL,
	  OFF(history_window_days), 0, NULL,
	  "earlier flags counted in the History header over this many days" },
	{ "ltv.history_retention_days", K_UINT, 0, 1, 36500, "730", NULL,
	  OFF(history_retention_days), 0, NULL,
	  "history rows older than this are purged (>= the window)" },
	{ "ltv.record_history", K_BOOL, 0, 0, 1, "true", NULL,
	  OFF(record_history), 0, NULL, "record each verdict in the history" },
	{ "ltv.tiers", K_TIERS, 0, 1, TRIAGE_MAX_TIERS,
	  "vip 1000, loyal 250, standard 0", NULL, OFF(tiers), OFFC(tiers),
	  NULL,
	  "list of {name, min}, highest min first; LTV >= min (min 0: > 0)" },
	{ "ltv.new_tier", K_STR, 0, 0, 0, "new", NULL, OFF(tier_new), 0,
	  check_name, "tier of a sender not found (or LTV 0)" },
	{ "ltv.unknown_tier", K_STR, 0, 0, 0, "unknown", NULL,
	  OFF(tier_unknown), 0, check_name,
	  "tier when the database cannot be read" },
	{ "patterns.directory", K_STR, KF_PATH, 0, 0, "../patterns", NULL,
	  OFF(patterns_dir), 0, check_printable,
	  "directory of flags.yaml and the language subdirectories" },
	{ "patterns.languages", K_LIST, 0, 1, TRIAGE_MAX_CONFIG_LIST,
	  "en ko uk ru de es fr", NULL, OFF(languages), OFFC(languages),
	  check_name, "language subdirectories to load" },
	{ "patterns.cache_dir", K_STR, KF_NULL | KF_PATH | KF_EMPTY, 0, 0,
	  "../build/cache", NULL, OFF(cache_dir), 0, check_printable,
	  "Hyperscan database cache; null or \"\": no cache" },
	{ "policy.rules", K_POLICY, 0, 0, TRIAGE_MAX_POLICY_LINES,
	  "dispute, accommodate (vip), standard", NULL, OFF(policy),
	  OFFC(policy), NULL,
	  "list of {action, flags, any_flag, no_flag, tiers}; first match" },
	{ "policy.default", K_STR, 0, 0, 0, "normal", NULL, OFF(default_action),
	  0, check_name, "action when no line matches" },
	{ "subject_tags.actions", K_KEYVAL, 0, 0, TRIAGE_MAX_CONFIG_LIST, "",
	  NULL, OFF(tag_actions), OFFC(tag_actions), check_tag,
	  "action -> tag put in front of the Subject" },
	{ "subject_tags.tiers", K_KEYVAL, 0, 0, TRIAGE_MAX_CONFIG_LIST, "",
	  NULL, OFF(tag_tiers), OFFC(tag_tiers), check_tag,
	  "tier -> Subject tag" },
	{ "subject_tags.flags", K_KEYVAL, 0, 0, TRIAGE_MAX_CONFIG_LIST, "",
	  NULL, OFF(tag_flags), OFFC(tag_flags), check_tag,
	  "flag -> Subject tag" },
	{ "routes", K_KEYVAL, 0, 0, TRIAGE_MAX_CONFIG_LIST, "", NULL,
	  OFF(routes), OFFC(routes), check_address,
	  "action -> address that replaces the in-scope recipients" },
	{ "logging.level", K_ENUM_STR, 0, 0, 0, "info",
	  "error|warning|info|debug", OFF(log_level), 0, NULL,
	  "lowest level logged" },
	{ "logging.facility", K_ENUM_STR, 0, 0, 0, "mail",
	  "mail|daemon|user|local0|local1|local2|local3|local4|local5|local6|"
	  "local7",
	  OFF(log_facility), 0, NULL, "syslog facility" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Parse state of one config_load(). */
struct pctx {
	struct config *c;
	struct diags *d;
	const char *file;
	/* tier names used by policy lines, checked once all is read */
	struct tierref {
		char name[TRIAGE_MAX_NAME_LEN];
		unsigned line, col;
	} refs[TRIAGE_MAX_POLICY_LINES * 4];
	size_t refs_count;
	/* where each key of the table was set (0: not in the file) */
	unsigned kline[NKEYS], kcol[NKEYS];
	int oom;
};

/* ---- value checks: 0 when fine, else -1 with why filled ---- */

static int
check_printable(const char *s, char *why, size_t whylen)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "control characters not allowed");
			return -1;
		}
	if (strlen(s) > PATH_MAX) {
		snprintf(why, whylen, "longer than %d bytes", PATH_MAX);
		return -1;
	}
	return 0;
}

static int
check_name(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TRIAGE_MAX_NAME_LEN) {
		snprintf(why, whylen, "must be 1..%d characters",
		         TRIAGE_MAX_NAME_LEN - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-')) {
			snprintf(why, whylen, "may contain only a-z 0-9 _ -");
			return -1;
		}
	return 0;
}

/* Header field name characters (RFC 5322 3.6.8: printable, no colon). */
static int
check_prefix(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0 || n > 48) {
		snprintf(why, whylen, "must be 1..48 characters");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ':') {
			snprintf(why, whylen,
			         "not a header name prefix (printable ASCII, "
			         "no colon or space)");
			return -1;
		}
	return 0;
}

/* Printable ASCII without spaces, at most max bytes. */
static int
token_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
check_host(const char *s, char *why, size_t whylen)
{
	if (!token_ok(s, 253)) {
		snprintf(why, whylen, "not a host name");
		return -1;
	}
	return 0;
}

static int
check_socket(const char *s, char *why, size_t whylen)
{
	if (!(str_casestarts(s, "inet:") || str_casestarts(s, "inet6:") ||
	      str_casestarts(s, "unix:") || str_casestarts(s, "local:")) ||
	    !token_ok(s, PATH_MAX)) {
		snprintf(why, whylen,
		         "not inet:PORT@HOST, inet6:PORT@HOST or unix:PATH");
		return -1;
	}
	return 0;
}

static int
check_charset(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-_.:", s[i])))
			n = 0;
	if (n == 0 || n > 40) {
		snprintf(why, whylen, "not a charset name");
		return -1;
	}
	return 0;
}

static int
check_currency(const char *s, char *why, size_t whylen)
{
	if (strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z') {
		snprintf(why, whylen, "not a 3-letter currency code");
		return -1;
	}
	return 0;
}

static int
check_address(const char *s, char *why, size_t whylen)
{
	const char *at = strrchr(s, '@');

	if (!token_ok(s, TRIAGE_MAX_ADDRESS_LEN) || at == NULL || at == s ||
	    at[1] == '\0' || strpbrk(s, "<>,;\"()") != NULL) {
		snprintf(why, whylen, "not an e-mail address");
		return -1;
	}
	return 0;
}

static int
check_recipient(const char *s, char *why, size_t whylen)
{
	if (s[0] == '@' && s[1] != '\0' && strchr(s + 1, '@') == NULL &&
	    token_ok(s, TRIAGE_MAX_ADDRESS_LEN) &&
	    strpbrk(s, "<>,;\"()") == NULL)
		return 0;
	if (check_address(s, why, whylen) == 0)
		return 0;
	snprintf(why, whylen, "not an address or @domain");
	return -1;
}

/* A subject tag ends up in a header: printable ASCII only. */
static int
check_tag(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0 || n > TRIAGE_MAX_NAME_LEN) {
		snprintf(why, whylen, "must be 1..%d characters",
		         TRIAGE_MAX_NAME_LEN);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f) {
			snprintf(why, whylen,
			         "subject tags must be printable ASCII");
			return -1;
		}
	return 0;
}

static int
check_order_pattern(const char *s, char *why, size_t whylen)
{
	pcre2_code *re;
	int ec;
	PCRE2_SIZE eo;
	uint32_t groups = 0;
	PCRE2_UCHAR msg[160];

	re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
	                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &ec, &eo,
	                   NULL);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(why, whylen, "regex error at offset %zu: %s",
		         (size_t)eo, (const char *)msg);
		return -1;
	}
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_code_free(re);
	if (groups != 1) {
		snprintf(why, whylen, "needs exactly one capture group, has %u",
		         (unsigned)groups);
		return -1;
	}
	return 0;
}

/* ---- helpers ---- */

/* Untrusted text quoted in a diagnostic: printable ASCII, cut short. */
static const char *
quote(char *dst, size_t dstlen, const char *s)
{
	size_t o = 0;

	for (; *s && o + 4 < dstlen; s++)
		dst[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s)
		dst[o++] = '.', dst[o++] = '.', dst[o++] = '.';
	dst[o] = '\0';
	return dst;
}

static const struct cfg_key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* 1 when name is a section ("limits") of some key ("limits.x"). */
static int
key_is_section(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < NKEYS; i++)
		if (strncmp(keys[i].name, name, n) == 0 &&
		    keys[i].name[n] == '.')
			return 1;
	return 0;
}

#define FIELD(c, off, type) ((type *)(void *)((char *)(c) + (off)))

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void
keyval_free(struct config_keyval *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

static void
tiers_free(struct config_tier *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++)
		free(t[i].name);
	free(t);
}

static void
policy_line_free(struct config_policy *p)
{
	free(p->action);
	strv_free(p->flags, p->flags_count);
	strv_free(p->tiers, p->tiers_count);
	free(p->why);
}

static void
policy_free(struct config_policy *p, size_t n)
{
	for (size_t i = 0; p != NULL && i < n; i++)
		policy_line_free(&p[i]);
	free(p);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &keys[i];

		switch (k->type) {
		case K_STR:
		case K_ENUM_STR:
			free(*FIELD(c, k->off, char *));
			break;
		case K_LIST:
			strv_free(*FIELD(c, k->off, char **),
			          *FIELD(c, k->off_count, size_t));
			break;
		case K_KEYVAL:
			keyval_free(*FIELD(c, k->off, struct config_keyval *),
			            *FIELD(c, k->off_count, size_t));
			break;
		case K_TIERS:
			tiers_free(c->tiers, c->tiers_count);
			break;
		case K_POLICY:
			policy_free(c->policy, c->policy_count);
			break;
		default:
			break;
		}
	}
	free(c->path);
	free(c->dir);
	free(c);
}

const char *
config_keyval_get(const struct config_keyval *v, size_t n, const char *key)
{
	if (key == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value;
	return NULL;
}

/* Splits a space separated default list into a new vector. */
static int
strv_from_words(const char *words, char ***out, size_t *count)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = words;

	*out = NULL;
	*count = 0;
	while (*p) {
		size_t len = strcspn(p, " ");
		char **nv;

		if (len > 0) {
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (nv == NULL || (nv[n] = str_ndup(p, len)) == NULL) {
				strv_free(nv ? nv : v, n);
				return -1;
			}
			v = nv;
			n++;
		}
		p += len;
		p += strspn(p, " ");
	}
	*out = v;
	*count = n;
	return 0;
}

/* Decimal amount ("999.99", "1000", "0.01") to cents, no floating point.
 * -1 when not a non-negative amount with at most 2 decimals. */
static int
parse_cents(const char *s, int64_t *out)
{
	int64_t v = 0;
	int frac = -1;
	int digits = 0;

	for (; *s; s++) {
		if (*s == '.' && frac < 0 && digits > 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || frac >= 2)
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
		if (frac >= 0)
			frac++;
	}
	if (digits == 0 || frac == 0)
		return -1;
	for (int f = frac < 0 ? 0 : frac; f < 2; f++) {
		if (v > INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = v;
	return 0;
}

static int
tier_set(struct config_tier *t, const char *name, int64_t cents)
{
	t->min_cents = cents;
	return (t->name = str_dup(name)) == NULL ? -1 : 0;
}

static int
default_tiers(struct config *c)
{
	static const struct {
		const char *name;
		int64_t cents;
	} tab[] = {
		{ "vip", 100000 },
		{ "loyal", 25000 },
		{ "standard", 0 },
	};

	c->tiers = calloc(3, sizeof(*c->tiers));
	if (c->tiers == NULL)
		return -1;
	c->tiers_count = 3;
	for (size_t i = 0; i < 3; i++)
		if (tier_set(&c->tiers[i], tab[i].name, tab[i].cents) < 0)
			return -1;
	return 0;
}

/* Builds "policy line N (flags: a, b; tiers: vip)" for explanations. */
static int
policy_why(struct config_policy *p, size_t lineno)
{
	struct buf b;
	const char *sep = "";

	buf_init(&b, 1024);
	buf_printf(&b, "policy line %zu (", lineno);
	if (p->flags_count > 0) {
		buf_puts(&b, "flags: ");
		for (size_t i = 0; i < p->flags_count; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", p->flags[i]);
		sep = "; ";
	}
	if (p->any_flag) {
		buf_printf(&b, "%sany_flag", sep);
		sep = "; ";
	}
	if (p->no_flag) {
		buf_printf(&b, "%sno_flag", sep);
		sep = "; ";
	}
	if (p->tiers_count > 0) {
		buf_printf(&b, "%stiers: ", sep);
		for (size_t i = 0; i < p->tiers_count; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", p->tiers[i]);
		sep = "; ";
	}
	buf_printf(&b, "%s)", *sep ? "" : "always");
	free(p->why);
	p->why = buf_steal(&b);
	buf_free(&b);
	return p->why == NULL ? -1 : 0;
}

/* The table of TAXONOMY.md. */
static int
default_policy(struct config *c)
{
	static const char *const dispute[] = { "chargeback",
		                               "chargeback-reship" };
	static const char *const mistakes[] = { "wrong-address",
		                                "delivered-not-received",
		                                "subscription-surprise" };
	struct config_policy *p;

	if ((p = calloc(3, sizeof(*p))) == NULL)
		return -1;
	c->policy = p;
	c->policy_count = 3;
	if ((p[0].action = str_dup("dispute")) == NULL ||
	    (p[1].action = str_dup("accommodate")) == NULL ||
	    (p[2].action = str_dup("standard")) == NULL)
		return -1;
	if ((p[0].flags = calloc(2, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < 2; i++, p[0].flags_count++)
		if ((p[0].flags[i] = str_dup(dispute[i])) == NULL)
			return -1;
	if ((p[1].flags = calloc(3, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < 3; i++, p[1].flags_count++)
		if ((p[1].flags[i] = str_dup(mistakes[i])) == NULL)
			return -1;
	if ((p[1].tiers = calloc(1, sizeof(char *))) == NULL)
		return -1;
	if ((p[1].tiers[0] = str_dup("vip")) == NULL)
		return -1;
	p[1].tiers_count = 1;
	p[2].any_flag = 1;
	for (size_t i = 0; i < 3; i++)
		if (policy_why(&p[i], i + 1) < 0)
			return -1;
	return 0;
}

/* Octal mode text ("0660", "660", "0o660") to a number; -1 when bad. */
static int
parse_mode(const char *s, long long *out)
{
	long long v = 0;

	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		s += 2;
	if (*s == '\0' || strlen(s) > 6)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		v = v * 8 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Index of s among "a|b|c" choices, or -1. */
static int
enum_index(const char *choices, const char *s)
{
	int i = 0;
	size_t n = strlen(s);

	for (const char *p = choices; *p; i++) {
		size_t len = strcspn(p, "|");

		if (len == n && strncmp(p, s, n) == 0)
			return i;
		p += len;
		if (*p == '|')
			p++;
	}
	return -1;
}

static int
str_replace_field(char **field, const char *s)
{
	char *dup = NULL;

	if (s != NULL && (dup = str_dup(s)) == NULL)
		return -1;
	free(*field);
	*field = dup;
	return 0;
}

/* Stores an integer already range-checked into its field. */
static void
int_store(struct config *c, const struct cfg_key *k, long long v)
{
	switch (k->type) {
	case K_UINT:
	case K_MODE:
		*FIELD(c, k->off, unsigned) = (unsigned)v;
		break;
	case K_SIZE:
		*FIELD(c, k->off, size_t) = (size_t)v;
		break;
	case K_U32:
		*FIELD(c, k->off, uint32_t) = (uint32_t)v;
		break;
	case K_BOOL:
	case K_ENUM_IDX:
		*FIELD(c, k->off, int) = (int)v;
		break;
	default:
		break;
	}
}

/* Applies one key's default; built-in paths lose their leading "../". */
static int
key_default(struct config *c, const struct cfg_key *k, int builtin)
{
	const char *def = k->def;
	long long v = 0;

	switch (k->type) {
	case K_STR:
	case K_ENUM_STR:
		if (def != NULL && builtin && (k->flags & KF_PATH) &&
		    strncmp(def, "../", 3) == 0)
			def += 3;
		return str_replace_field(FIELD(c, k->off, char *), def);
	case K_UINT:
	case K_SIZE:
	case K_U32:
		if (str_to_ll(def, k->min, k->max, &v) < 0)
			return -1;
		int_store(c, k, v);
		return 0;
	case K_MODE:
		if (parse_mode(def, &v) < 0)
			return -1;
		int_store(c, k, v);
		return 0;
	case K_BOOL:
		int_store(c, k, strcmp(def, "true") == 0);
		return 0;
	case K_ENUM_IDX:
		int_store(c, k, enum_index(k->choices, def));
		return 0;
	case K_LIST:
		return strv_from_words(def, FIELD(c, k->off, char **),
		                       FIELD(c, k->off_count, size_t));
	case K_KEYVAL:
		return 0;
	case K_TIERS:
		return default_tiers(c);
	case K_POLICY:
		return default_policy(c);
	}
	return -1;
}

static struct config *
config_defaults(int builtin)
{
	struct config *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < NKEYS; i++)
		if (key_default(c, &keys[i], builtin) < 0) {
			config_free(c);
			return NULL;
		}
	if (builtin && (c->dir = str_dup(".")) == NULL) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_new_defaults(void)
{
	return config_defaults(1);
}

/* ---- the YAML walk ---- */

struct walk {
	struct pctx *x;
	yaml_document_t *doc;
};

static void node_err(struct pctx *x, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
node_err(struct pctx *x, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(x->d, DIAG_ERROR, x->file,
	          n ? (unsigned)n->start_mark.line + 1 : 0,
	          n ? (unsigned)n->start_mark.column + 1 : 0, "%s", msg);
}

static int
node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *
node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a scalar";
}

/* The string of a scalar node, or NULL after reporting a type error.
 * NUL bytes inside a scalar are refused. */
static const char *
want_string(struct pctx *x, const char *name, const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || node_is_null(n)) {
		node_err(x, n, "key \"%s\": expected a string, got %s", name,
		         node_is_null(n) ? "null" : node_kind(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		node_err(x, n, "key \"%s\": NUL byte in value", name);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* Plain integer scalar in [min, max]; -1 after reporting. */
static int
want_int(struct pctx *x, const char *name, const yaml_node_t *n, long long min,
         long long max, long long *out)
{
	const char *s;
	char q[80];

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    node_is_null(n) ||
	    str_to_ll((const char *)n->data.scalar.value, LLONG_MIN, LLONG_MAX,
	              out) < 0) {
		node_err(x, n, "key \"%s\": expected an integer", name);
		return -1;
	}
	s = (const char *)n->data.scalar.value;
	if (*out < min || *out > max) {
		node_err(x, n, "key \"%s\": value %s out of range %lld..%lld",
		         name, quote(q, sizeof(q), s), min, max);
		return -1;
	}
	return 0;
}

static int
want_bool(struct pctx *x, const char *name, const yaml_node_t *n, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *s = (const char *)n->data.scalar.value;

	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		for (size_t i = 0; i < 3; i++) {
			if (str_casecmp(s, yes[i]) == 0)
				return *out = 1, 0;
			if (str_casecmp(s, no[i]) == 0)
				return *out = 0, 0;
		}
	node_err(x, n, "key \"%s\": expected a boolean", name);
	return -1;
}

/* A checked string value: 0, or -1 after reporting. */
static int
want_checked(struct pctx *x, const char *name, const yaml_node_t *n,
             check_fn *check, unsigned flags, const char **out)
{
	char why[200], q[80];

	if ((*out = want_string(x, name, n)) == NULL)
		return -1;
	if (**out == '\0' && (flags & KF_EMPTY))
		return 0;
	if (**out == '\0') {
		node_err(x, n, "key \"%s\": must not be empty", name);
		return -1;
	}
	if (check != NULL && check(*out, why, sizeof(why)) < 0) {
		node_err(x, n, "key \"%s\": value \"%s\": %s", name,
		         quote(q, sizeof(q), *out), why);
		return -1;
	}
	return 0;
}

static int
set_mode(struct pctx *x, const struct cfg_key *k, const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	long long v;
	char q[80];

	if (n->type != YAML_SCALAR_NODE || node_is_null(n)) {
		node_err(x, n, "key \"%s\": expected a string, got %s", k->name,
		         node_is_null(n) ? "null" : node_kind(n));
		return -1;
	}
	/* A plain number without a leading 0 is decimal YAML: accept it
	 * only as the number it is (432 = 0660). */
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && s[0] != '0' &&
	    str_to_ll(s, 0, LLONG_MAX, &v) == 0) {
		if (v > k->max) {
			node_err(x, n,
			         "key \"%s\": value %s out of range 0..0777",
			         k->name, quote(q, sizeof(q), s));
			return -1;
		}
	} else if (parse_mode(s, &v) < 0 || v > k->max) {
		node_err(x, n,
		         "key \"%s\": value \"%s\" is not an octal mode "
		         "(0000..0777)",
		         k->name, quote(q, sizeof(q), s));
		return -1;
	}
	int_store(x->c, k, v);
	return 0;
}

static int
set_enum(struct pctx *x, const struct cfg_key *k, const yaml_node_t *n)
{
	const char *s;
	char q[80], list[200];
	int i;

	if ((s = want_string(x, k->name, n)) == NULL)
		return -1;
	if ((i = enum_index(k->choices, s)) < 0) {
		size_t o = 0;

		for (const char *p = k->choices; *p && o + 3 < sizeof(list);
		     p++) {
			list[o++] = *p == '|' ? ',' : *p;
			if (*p == '|')
				list[o++] = ' ';
		}
		list[o] = '\0';
		node_err(x, n, "key \"%s\": value \"%s\" is not one of %s",
		         k->name, quote(q, sizeof(q), s), list);
		return -1;
	}
	if (k->type == K_ENUM_IDX) {
		int_store(x->c, k, i);
		return 0;
	}
	if (str_replace_field(FIELD(x->c, k->off, char *), s) < 0)
		x->oom = 1;
	return 0;
}

static int
set_string(struct pctx *x, const struct cfg_key *k, const yaml_node_t *n)
{
	const char *s;

	if ((k->flags & KF_NULL) && node_is_null(n)) {
		free(*FIELD(x->c, k->off, char *));
		*FIELD(x->c, k->off, char *) = NULL;
		return 0;
	}
	if (want_checked(x, k->name, n, k->check, k->flags, &s) < 0)
		return -1;
	if (str_replace_field(FIELD(x->c, k->off, char *), s) < 0)
		x->oom = 1;
	return 0;
}

static yaml_node_t *
node_get(struct walk *w, int i)
{
	return yaml_document_get_node(w->doc, i);
}

/* Reports pair i of map when an earlier pair has the same key; 1 then. */
static int
map_dup(struct walk *w, const yaml_node_t *map, size_t i, const char *name)
{
	yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
	yaml_node_t *k = node_get(w, pairs[i].key), *e;

	for (size_t j = 0; j < i; j++) {
		e = node_get(w, pairs[j].key);
		if (e->type == YAML_SCALAR_NODE &&
		    k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)e->data.scalar.value,
		           (char *)k->data.scalar.value) == 0) {
			node_err(w->x, k,
			         "key \"%s\": duplicate key (first at %u:%u)",
			         name, (unsigned)e->start_mark.line + 1,
			         (unsigned)e->start_mark.column + 1);
			return 1;
		}
	}
	return 0;
}

static size_t
map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top -
	                n->data.mapping.pairs.start);
}

static size_t
seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	                n->data.sequence.items.start);
}

/* A list of checked strings into a new vector (null: empty list). */
static int
parse_strlist(struct walk *w, const char *name, const yaml_node_t *n,
              check_fn *check, long long min, long long max, char ***out,
              size_t *count)
{
	size_t len, bad = 0, got = 0;
	char **v;
	char ename[160];
	const char *s;

	*out = NULL;
	*count = 0;
	if (node_is_null(n))
		len = 0;
	else if (n->type != YAML_SEQUENCE_NODE) {
		node_err(w->x, n, "key \"%s\": expected a list, got %s", name,
		         node_kind(n));
		return -1;
	} else
		len = seq_len(n);
	if ((long long)len < min || (long long)len > max) {
		node_err(w->x, n, "key \"%s\": %zu items, allowed %lld..%lld",
		         name, len, min, max);
		return -1;
	}
	if (len == 0)
		return 0;
	if ((v = calloc(len, sizeof(*v))) == NULL)
		return w->x->oom = 1, -1;
	for (size_t i = 0; i < len; i++) {
		snprintf(ename, sizeof(ename), "%s[%zu]", name, i);
		if (want_checked(w->x, ename,
		                 node_get(w, n->data.sequence.items.start[i]),
		                 check, 0, &s) < 0)
			bad++;
		else if ((v[got++] = str_dup(s)) == NULL)
			w->x->oom = 1;
	}
	if (bad > 0 || w->x->oom) {
		strv_free(v, got);
		return -1;
	}
	*out = v;
	*count = got;
	return 0;
}

static int
set_list(struct walk *w, const struct cfg_key *k, const yaml_node_t *n)
{
	char **v;
	size_t count;

	if (parse_strlist(w, k->name, n, k->check, k->min, k->max, &v, &count) <
	    0)
		return -1;
	strv_free(*FIELD(w->x->c, k->off, char **),
	          *FIELD(w->x->c, k->off_count, size_t));
	*FIELD(w->x->c, k->off, char **) = v;
	*FIELD(w->x->c, k->off_count, size_t) = count;
	return 0;
}

/* name -> value mapping: keys are names, values checked by k->check. */
static int
set_keyval(struct walk *w, const struct cfg_key *k, const yaml_node_t *n)
{
	struct config_keyval *v;
	size_t len, got = 0, bad = 0;
	char ename[160];
	const char *key, *val;

	if (node_is_null(n))
		len = 0;
	else if (n->type != YAML_MAPPING_NODE) {
		node_err(w->x, n, "key \"%s\": expected a mapping, got %s",
		         k->name, node_kind(n));
		return -1;
	} else
		len = map_len(n);
	if ((long long)len > k->max) {
		node_err(w->x, n, "key \"%s\": %zu entries, at most %lld",
		         k->name, len, k->max);
		return -1;
	}
	if ((v = calloc(len ? len : 1, sizeof(*v))) == NULL)
		return w->x->oom = 1, -1;
	for (size_t i = 0; i < len; i++) {
		yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];

		if (want_checked(w->x, k->name, node_get(w, p->key), check_name,
		                 0, &key) < 0) {
			bad++;
			continue;
		}
		snprintf(ename, sizeof(ename), "%s.%s", k->name, key);
		if (map_dup(w, n, i, ename) ||
		    want_checked(w->x, ename, node_get(w, p->value), k->check,
		                 0, &val) < 0) {
			bad++;
			continue;
		}
		if ((v[got].key = str_dup(key)) == NULL ||
		    (v[got].value = str_dup(val)) == NULL)
			w->x->oom = 1;
		got++;
	}
	if (bad > 0 || w->x->oom) {
		keyval_free(v, got);
		return -1;
	}
	keyval_free(*FIELD(w->x->c, k->off, struct config_keyval *),
	            *FIELD(w->x->c, k->off_count, size_t));
	*FIELD(w->x->c, k->off, struct config_keyval *) = v;
	*FIELD(w->x->c, k->off_count, size_t) = got;
	return 0;
}

/* Checks key i of an element mapping: a string, not a duplicate, one of
 * the allowed names.  Returns the key or NULL after reporting. */
static const char *
elem_key(struct walk *w, const yaml_node_t *map, size_t i, const char *ename,
         const char *const *allowed)
{
	const yaml_node_t *kn =
	    node_get(w, map->data.mapping.pairs.start[i].key);
	const char *key;
	char full[200], q[80];

	if ((key = want_string(w->x, ename, kn)) == NULL)
		return NULL;
	snprintf(full, sizeof(full), "%s.%s", ename, quote(q, sizeof(q), key));
	if (map_dup(w, map, i, full))
		return NULL;
	for (size_t j = 0; allowed[j] != NULL; j++)
		if (strcmp(allowed[j], key) == 0)
			return key;
	node_err(w->x, kn, "unknown key \"%s\"", full);
	return NULL;
}

static int
want_map(struct walk *w, const char *name, const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	node_err(w->x, n, "key \"%s\": expected a mapping, got %s", name,
	         node_is_null(n) ? "null" : node_kind(n));
	return -1;
}

static int
parse_tier(struct walk *w, const char *ename, const yaml_node_t *n,
           struct config_tier *t)
{
	static const char *const allowed[] = { "name", "min", NULL };
	char sub[200], q[80];
	const char *key, *s;
	int bad = 0, have_min = 0;

	if (want_map(w, ename, n) < 0)
		return -1;
	for (size_t i = 0; i < map_len(n); i++) {
		yaml_node_t *v =
		    node_get(w, n->data.mapping.pairs.start[i].value);

		if ((key = elem_key(w, n, i, ename, allowed)) == NULL) {
			bad++;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", ename, key);
		if (strcmp(key, "name") == 0) {
			if (want_checked(w->x, sub, v, check_name, 0, &s) < 0)
				bad++;
			else if (str_replace_field(&t->name, s) < 0)
				w->x->oom = 1;
			continue;
		}
		have_min = 1;
		if (v->type != YAML_SCALAR_NODE || node_is_null(v)) {
			node_err(w->x, v, "key \"%s\": expected an amount",
			         sub);
			bad++;
		} else if (parse_cents((char *)v->data.scalar.value,
		                       &t->min_cents) < 0) {
			node_err(
			    w->x, v,
			    "key \"%s\": value \"%s\" is not an amount "
			    "(digits, at most 2 decimals)",
			    sub,
			    quote(q, sizeof(q), (char *)v->data.scalar.value));
			bad++;
		}
	}
	if (t->name == NULL || !have_min) {
		node_err(w->x, n, "key \"%s\": missing \"%s\"", ename,
		         t->name == NULL ? "name" : "min");
		bad++;
	}
	return bad ? -1 : 0;
}

/* Tier names unique, minimums strictly descending. */
static int
tiers_order(struct walk *w, const char *name, const yaml_node_t *n,
            const struct config_tier *t, size_t count)
{
	int bad = 0;

	for (size_t i = 1; i < count; i++) {
		const yaml_node_t *e =
		    node_get(w, n->data.sequence.items.start[i]);

		for (size_t j = 0; j < i; j++)
			if (strcmp(t[i].name, t[j].name) == 0) {
				node_err(w->x, e,
				         "key \"%s[%zu]\": duplicate tier "
				         "\"%s\"",
				         name, i, t[i].name);
				bad++;
			}
		if (t[i].min_cents >= t[i - 1].min_cents) {
			node_err(w->x, e,
			         "key \"%s[%zu]\": tiers must be in descending "
			         "order of min (%lld.%02lld is not below "
			         "%lld.%02lld)",
			         name, i, (long long)(t[i].min_cents / 100),
			         (long long)(t[i].min_cents % 100),
			         (long long)(t[i - 1].min_cents / 100),
			         (long long)(t[i - 1].min_cents % 100));
			bad++;
		}
	}
	return bad ? -1 : 0;
}

static int
set_tiers(struct walk *w, const struct cfg_key *k, const yaml_node_t *n)
{
	struct config_tier *t;
	size_t len;
	int bad = 0;
	char ename[160];

	if (n->type != YAML_SEQUENCE_NODE) {
		node_err(w->x, n, "key \"%s\": expected a list, got %s",
		         k->name, node_is_null(n) ? "null" : node_kind(n));
		return -1;
	}
	len = seq_len(n);
	if ((long long)len < k->min || (long long)len > k->max) {
		node_err(w->x, n, "key \"%s\": %zu items, allowed %lld..%lld",
		         k->name, len, k->min, k->max);
		return -1;
	}
	if ((t = calloc(len, sizeof(*t))) == NULL)
		return w->x->oom = 1, -1;
	for (size_t i = 0; i < len; i++) {
		snprintf(ename, sizeof(ename), "%s[%zu]", k->name, i);
		if (parse_tier(w, ename,
		               node_get(w, n->data.sequence.items.start[i]),
		               &t[i]) < 0)
			bad++;
	}
	if (bad == 0 && !w->x->oom && tiers_order(w, k->name, n, t, len) == 0) {
		tiers_free(w->x->c->tiers, w->x->c->tiers_count);
		w->x->c->tiers = t;
		w->x->c->tiers_count = len;
		return 0;
	}
	tiers_free(t, len);
	return -1;
}

/* Remembers where a policy line names tiers, checked after the walk. */
static void
tier_refs_add(struct walk *w, const yaml_node_t *n,
              const struct config_policy *p)
{
	for (size_t i = 0; i < p->tiers_count; i++) {
		const yaml_node_t *e =
		    node_get(w, n->data.sequence.items.start[i]);

		if (w->x->refs_count >=
		    sizeof(w->x->refs) / sizeof(w->x->refs[0]))
			return;
		str_lcpy(w->x->refs[w->x->refs_count].name, p->tiers[i],
		         sizeof(w->x->refs[0].name));
		w->x->refs[w->x->refs_count].line = e->start_mark.line + 1;
		w->x->refs[w->x->refs_count].col = e->start_mark.column + 1;
		w->x->refs_count++;
	}
}

static int
policy_field(struct walk *w, const char *sub, const char *key,
             const yaml_node_t *v, struct config_policy *p)
{
	const char *s;

	if (strcmp(key, "action") == 0) {
		if (want_checked(w->x, sub, v, check_name, 0, &s) < 0)
			return -1;
		if (str_replace_field(&p->action, s) < 0)
			w->x->oom = 1;
		return 0;
	}
	if (strcmp(key, "flags") == 0)
		return parse_strlist(w, sub, v, check_name, 0, TRIAGE_MAX_FLAGS,
		                     &p->flags, &p->flags_count);
	if (strcmp(key, "tiers") == 0) {
		if (parse_strlist(w, sub, v, check_name, 0, TRIAGE_MAX_TIERS,
		                  &p->tiers, &p->tiers_count) < 0)
			return -1;
		tier_refs_add(w, v, p);
		return 0;
	}
	if (strcmp(key, "any_flag") == 0)
		return want_bool(w->x, sub, v, &p->any_flag);
	return want_bool(w->x, sub, v, &p->no_flag);
}

static int
parse_policy_line(struct walk *w, const char *ename, const yaml_node_t *n,
                  struct config_policy *p)
{
	static const char *const allowed[] = { "action",  "flags", "any_flag",
		                               "no_flag", "tiers", NULL };
	char sub[200];
	const char *key;
	int bad = 0;

	if (want_map(w, ename, n) < 0)
		return -1;
	for (size_t i = 0; i < map_len(n); i++) {
		yaml_node_t *v =
		    node_get(w, n->data.mapping.pairs.start[i].value);

		if ((key = elem_key(w, n, i, ename, allowed)) == NULL) {
			bad++;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", ename, key);
		if (policy_field(w, sub, key, v, p) < 0)
			bad++;
	}
	if (bad)
		return -1;
	if (p->action == NULL) {
		node_err(w->x, n, "key \"%s\": missing \"action\"", ename);
		return -1;
	}
	if (p->no_flag && (p->flags_count > 0 || p->any_flag)) {
		node_err(w->x, n,
		         "key \"%s\": no_flag cannot be combined "
		         "with %s",
		         ename, p->any_flag ? "any_flag" : "flags");
		return -1;
	}
	return 0;
}

static int
set_policy(struct walk *w, const struct cfg_key *k, const yaml_node_t *n)
{
	struct config_policy *p;
	size_t len, refs;
	int bad = 0;
	char ename[160];

	if (node_is_null(n))
		len = 0;
	else if (n->type != YAML_SEQUENCE_NODE) {
		node_err(w->x, n, "key \"%s\": expected a list, got %s",
		         k->name, node_kind(n));
		return -1;
	} else
		len = seq_len(n);
	if ((long long)len > k->max) {
		node_err(w->x, n, "key \"%s\": %zu lines, at most %lld",
		         k->name, len, k->max);
		return -1;
	}
	if ((p = calloc(len ? len : 1, sizeof(*p))) == NULL)
		return w->x->oom = 1, -1;
	refs = w->x->refs_count;
	for (size_t i = 0; i < len; i++) {
		snprintf(ename, sizeof(ename), "%s[%zu]", k->name, i);
		if (parse_policy_line(
		        w, ename, node_get(w, n->data.sequence.items.start[i]),
		        &p[i]) < 0)
			bad++;
		else if (policy_why(&p[i], i + 1) < 0)
			w->x->oom = 1;
	}
	if (bad || w->x->oom) {
		/* a broken table is reported as such, not its tier names */
		w->x->refs_count = refs;
		policy_free(p, len);
		return -1;
	}
	policy_free(w->x->c->policy, w->x->c->policy_count);
	w->x->c->policy = p;
	w->x->c->policy_count = len;
	return 0;
}

static int
set_value(struct walk *w, const struct cfg_key *k, const yaml_node_t *n)
{
	long long v;
	int b;

	switch (k->type) {
	case K_STR:
		return set_string(w->x, k, n);
	case K_UINT:
	case K_SIZE:
	case K_U32:
		if (want_int(w->x, k->name, n, k->min, k->max, &v) < 0)
			return -1;
		int_store(w->x->c, k, v);
		return 0;
	case K_BOOL:
		if (want_bool(w->x, k->name, n, &b) < 0)
			return -1;
		int_store(w->x->c, k, b);
		return 0;
	case K_MODE:
		return set_mode(w->x, k, n);
	case K_ENUM_IDX:
	case K_ENUM_STR:
		return set_enum(w->x, k, n);
	case K_LIST:
		return set_list(w, k, n);
	case K_KEYVAL:
		return set_keyval(w, k, n);
	case K_TIERS:
		return set_tiers(w, k, n);
	case K_POLICY:
		return set_policy(w, k, n);
	}
	return -1;
}

/* Walks a mapping whose keys are prefix.KEY: a key of the table, or a
 * section holding more keys. */
static void
walk_map(struct walk *w, const yaml_node_t *map, const char *prefix)
{
	char name[160], q[80];
	const struct cfg_key *k;

	for (size_t i = 0; i < map_len(map); i++) {
		yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];
		yaml_node_t *kn = node_get(w, p->key),
		            *vn = node_get(w, p->value);
		const char *key;

		if ((key = want_string(w->x, prefix ? prefix : "(top)", kn)) ==
		    NULL)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "",
		         prefix ? "." : "", quote(q, sizeof(q), key));
		if (map_dup(w, map, i, name))
			continue;
		if ((k = key_find(name)) != NULL) {
			w->x->kline[k - keys] = vn->start_mark.line + 1;
			w->x->kcol[k - keys] = vn->start_mark.column + 1;
			set_value(w, k, vn);
		} else if (key_is_section(name) && node_is_null(vn))
			continue;
		else if (key_is_section(name) && want_map(w, name, vn) == 0)
			walk_map(w, vn, name);
		else if (!key_is_section(name))
			node_err(w->x, kn, "unknown key \"%s\"", name);
	}
}

/* Reports at the place key name was set (or without a position). */
static void key_err(struct pctx *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
key_err(struct pctx *x, const char *name, const char *fmt, ...)
{
	const struct cfg_key *k = key_find(name);
	size_t i = k ? (size_t)(k - keys) : 0;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(x->d, DIAG_ERROR, x->file, k ? x->kline[i] : 0,
	          k ? x->kcol[i] : 0, "key \"%s\": %s", name, msg);
}

static int
tier_known(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->tiers_count; i++)
		if (strcmp(c->tiers[i].name, name) == 0)
			return 1;
	return strcmp(name, c->tier_new) == 0 ||
	       strcmp(name, c->tier_unknown) == 0;
}

/* Checks between keys, once everything is read. */
static void
cross_checks(struct pctx *x)
{
	struct config *c = x->c;

	if (c->history_retention_days < c->history_window_days)
		key_err(x, "ltv.history_retention_days",
		        "%u is shorter than ltv.history_window_days %u",
		        c->history_retention_days, c->history_window_days);
	if (strcmp(c->tier_new, c->tier_unknown) == 0)
		key_err(x, "ltv.unknown_tier", "same name as ltv.new_tier");
	for (size_t i = 0; i < c->tiers_count; i++) {
		if (strcmp(c->tiers[i].name, c->tier_new) == 0)
			key_err(x, "ltv.new_tier",
			        "\"%s\" is also in ltv.tiers", c->tier_new);
		if (strcmp(c->tiers[i].name, c->tier_unknown) == 0)
			key_err(x, "ltv.unknown_tier",
			        "\"%s\" is also in ltv.tiers", c->tier_unknown);
	}
	for (size_t i = 0; i < x->refs_count; i++)
		if (!tier_known(c, x->refs[i].name))
			diags_add(x->d, DIAG_ERROR, x->file, x->refs[i].line,
			          x->refs[i].col,
			          "key \"policy.rules\": unknown tier \"%s\"",
			          x->refs[i].name);
}

/* dir + "/" + rel for every relative path key. */
static int
resolve_paths(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char **f = FIELD(c, keys[i].off, char *);
		struct buf b;

		if (!(keys[i].flags & KF_PATH) || *f == NULL || **f == '\0' ||
		    **f == '/')
			continue;
		buf_init(&b, 2 * PATH_MAX);
		if (buf_printf(&b, "%s/%s", c->dir, *f) != BUF_OK) {
			buf_free(&b);
			return -1;
		}
		free(*f);
		*f = buf_steal(&b);
		buf_free(&b);
		if (*f == NULL)
			return -1;
	}
	return 0;
}

/* Sets c->path (absolute) and c->dir from path. */
static int
set_location(struct config *c, const char *path)
{
	char *slash;

	if ((c->path = realpath(path, NULL)) == NULL)
		return -1;
	slash = strrchr(c->path, '/');
	c->dir = slash == c->path
	             ? str_dup("/")
	             : str_ndup(c->path, (size_t)(slash - c->path));
	return c->dir == NULL ? -1 : 0;
}

static void
walk_document(struct pctx *x, yaml_document_t *doc)
{
	struct walk w = { x, doc };
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (root == NULL || node_is_null(root))
		return;
	if (root->type != YAML_MAPPING_NODE) {
		node_err(x, root, "expected a mapping at the top, got %s",
		         node_kind(root));
		return;
	}
	walk_map(&w, root, NULL);
	cross_checks(x);
}

/* Parses text into x->c; every problem goes to x->d. */
static void
parse_text(struct pctx *x, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;

	if (!yaml_parser_initialize(&parser)) {
		x->oom = 1;
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		char where[64] = "";

		if (parser.context != NULL)
			snprintf(where, sizeof(where), " at %u:%u",
			         (unsigned)parser.context_mark.line + 1,
			         (unsigned)parser.context_mark.column + 1);
		diags_add(x->d, DIAG_ERROR, x->file,
		          (unsigned)parser.problem_mark.line + 1,
		          (unsigned)parser.problem_mark.column + 1,
		          "YAML syntax error: %s%s%s%s",
		          parser.problem ? parser.problem : "unknown problem",
		          parser.context ? " " : "",
		          parser.context ? parser.context : "", where);
		yaml_parser_delete(&parser);
		return;
	}
	walk_document(x, &doc);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

struct config *
config_load(const char *path, struct diags *d)
{
	struct pctx *x;
	struct config *c;
	char *text = NULL;
	size_t len, errors = d->errors;

	if (file_read_all(path, TRIAGE_MAX_FILE_LEN, &text, &len) < 0) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		          errno == EFBIG ? "file too large" : strerror(errno));
		return NULL;
	}
	c = config_defaults(0);
	x = calloc(1, sizeof(*x));
	if (c == NULL || x == NULL || set_location(c, path) < 0) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "cannot load: %s",
		          strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	x->c = c;
	x->d = d;
	x->file = path;
	parse_text(x, text, len);
	if (!x->oom && d->errors == errors && resolve_paths(c) < 0)
		x->oom = 1;
	if (x->oom)
		diags_add(d, DIAG_ERROR, path, 0, 0, "out of memory");
	if (x->oom || d->errors != errors)
		goto fail;
	free(x);
	free(text);
	return c;
fail:
	free(x);
	free(text);
	config_free(c);
	return NULL;
}

const char *
config_find(const char *explicit_path)
{
	static const char *const places[] = {
		"etc/triage-milter.yaml",
		"/etc/triage-milter/triage-milter.yaml",
	};
	const char *env;

	if (explicit_path != NULL)
		return explicit_path;
	env = getenv("TRIAGE_CONFIG");
	if (env != NULL && *env != '\0')
		return env;
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		if (access(places[i], F_OK) == 0)
			return places[i];
	return NULL;
}

static const char *
type_name(const struct cfg_key *k)
{
	static const char *const names[] = {
		[K_STR] = "string",
		[K_UINT] = "integer",
		[K_SIZE] = "integer",
		[K_U32] = "integer",
		[K_BOOL] = "boolean",
		[K_MODE] = "octal mode",
		[K_ENUM_IDX] = "enum",
		[K_ENUM_STR] = "enum",
		[K_LIST] = "list of strings",
		[K_KEYVAL] = "mapping",
		[K_TIERS] = "list of tiers",
		[K_POLICY] = "list of policy lines",
	};

	if (k->type == K_STR && (k->flags & KF_PATH))
		return "path";
	return names[k->type];
}

/* Markdown table cells must not hold '|'. */
static void
print_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

static void
print_range(FILE *f, const struct cfg_key *k)
{
	switch (k->type) {
	case K_UINT:
	case K_SIZE:
	case K_U32:
		fprintf(f, "%lld..%lld", k->min, k->max);
		break;
	case K_MODE:
		fputs("0000..0777", f);
		break;
	case K_ENUM_IDX:
	case K_ENUM_STR:
		for (const char *p = k->choices; *p; p++)
			if (*p == '|')
				fputs(", ", f);
			else
				fputc(*p, f);
		break;
	case K_LIST:
	case K_TIERS:
	case K_KEYVAL:
	case K_POLICY:
		fprintf(f, "%lld..%lld items", k->min, k->max);
		break;
	default:
		fputs("-", f);
		break;
	}
}

void
config_print_reference(void *file)
{
	FILE *f = file;

	fputs("| key | type | default | range | meaning |\n", f);
	fputs("|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &keys[i];

		fprintf(f, "| `%s` | %s | ", k->name, type_name(k));
		if (k->def == NULL)
			fputs("null", f);
		else if (*k->def == '\0')
			fputs("(empty)", f);
		else {
			fputc('`', f);
			print_cell(f, k->def);
			fputc('`', f);
		}
		fputs(" | ", f);
		print_range(f, k);
		fputs(" | ", f);
		print_cell(f, k->help);
		fputs(" |\n", f);
	}
}
