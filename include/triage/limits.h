/*
 * limits.h - every hard cap of triage-milter, in one place.
 *
 * Each cap bounds something an untrusted party controls (a mail, a CSV
 * export, a pattern file).  Where the configuration may lower or raise a
 * value, the number here is the default and the *_CEILING is the largest
 * value the configuration accepts.  Hitting a cap is never a crash: the
 * module that hits it sets an anomaly flag (see message.h) and continues
 * with what it has.
 */
#ifndef TRIAGE_LIMITS_H
#define TRIAGE_LIMITS_H

/*
 * Raw message bytes (headers + body) the milter keeps for decoding.
 * 2 MiB is well above the text scan limit, so a base64 attachment placed
 * before the customer's text does not hide it.  Past it the body is only
 * counted; the verdict says "truncated".
 */
#define TRIAGE_MAX_BODY_LEN (2u * 1024u * 1024u)
#define TRIAGE_MAX_BODY_LEN_CEILING (64u * 1024u * 1024u)

/* One header field (name + value).  RFC 5322 has no limit; Postfix
 * defaults to 100 KiB for a whole header, we cap a single field at 64 KiB.
 * A longer field is cut and MSG_HEADER_TOO_LONG is set. */
#define TRIAGE_MAX_HEADER_LEN (64u * 1024u)
#define TRIAGE_MAX_HEADER_LEN_CEILING (1024u * 1024u)

/* Number of header fields kept per message; more are counted, not kept. */
#define TRIAGE_MAX_HEADER_COUNT 1000

/* Decoded UTF-8 text (all regions together) handed to the rules.  Rules
 * look for intent in what a person wrote; 512 KiB is a long novel. */
#define TRIAGE_MAX_TEXT_LEN (512u * 1024u)
#define TRIAGE_MAX_TEXT_LEN_CEILING (16u * 1024u * 1024u)

/* MIME nesting depth (multipart inside multipart, message/rfc822 inside
 * a part).  Postfix allows 100; real mail rarely goes past 5. */
#define TRIAGE_MAX_MIME_DEPTH 20
#define TRIAGE_MAX_MIME_DEPTH_CEILING 100

/* MIME parts visited per message. */
#define TRIAGE_MAX_MIME_PARTS 200
#define TRIAGE_MAX_MIME_PARTS_CEILING 10000

/* HTML element nesting the HTML-to-text walk follows; deeper content is
 * still read as text, only its structure is no longer tracked. */
#define TRIAGE_MAX_HTML_DEPTH 256

/* One pattern's source text in a pattern file. */
#define TRIAGE_MAX_PATTERN_LEN 4096

/* Rules per rule set (all languages together). */
#define TRIAGE_MAX_RULES 4096

/* Flags defined in flags.yaml: a verdict keeps them in a 32-bit mask. */
#define TRIAGE_MAX_FLAGS 32

/* Rule hits kept per message (for headers and explanations); further hits
 * still count towards scores. */
#define TRIAGE_MAX_HITS 256

/* PCRE2 limits applied to every match (pcre2_set_match_limit, depth,
 * heap in KiB).  A rule that hits one counts as no match and is logged. */
#define TRIAGE_PCRE2_MATCH_LIMIT 200000u
#define TRIAGE_PCRE2_DEPTH_LIMIT 5000u
#define TRIAGE_PCRE2_HEAP_LIMIT_KIB 8192u

/* One header value the filter adds, after folding. */
#define TRIAGE_MAX_ADDED_HEADER_LEN 1024

/* Header prefix (e.g. "X-Triage-"), tier, flag and action names. */
#define TRIAGE_MAX_NAME_LEN 64

/* An e-mail address as compared against the database (RFC 5321 path). */
#define TRIAGE_MAX_ADDRESS_LEN 320

/* One CSV import: a field and a record (a Shopify note can be long). */
#define TRIAGE_MAX_CSV_FIELD_LEN (64u * 1024u)
#define TRIAGE_MAX_CSV_RECORD_LEN (1024u * 1024u)
#define TRIAGE_MAX_CSV_COLUMNS 256

/* Largest amount one CSV value may carry, in cents (ten trillion units
 * of currency): far above any shop, far below INT64_MAX, so the sum of
 * a customer's orders cannot overflow.  A larger value is a bad row. */
#define TRIAGE_MAX_CSV_CENTS 1000000000000000LL

/* Order numbers in one message's text that the LTV lookup tries (a mail
 * listing hundreds of numbers must not cost hundreds of queries); the
 * first one that names a known customer wins. */
#define TRIAGE_MAX_ORDER_NUMBERS 5

/* A config or pattern file read whole into memory. */
#define TRIAGE_MAX_FILE_LEN (8u * 1024u * 1024u)

/* Pattern files per rule set. */
#define TRIAGE_MAX_PATTERN_FILES 1024

/* A cached Hyperscan database file (rules_hs.c) read back at load.  A
 * serialized database of a few thousand rules is tens of MiB; a larger
 * file is not ours and is ignored (the database is compiled instead). */
#define TRIAGE_MAX_HS_CACHE_LEN (256u * 1024u * 1024u)

/* Compiled Hyperscan databases kept in the cache directory (the newest;
 * older ones are removed when a new one is written).  Each rule change
 * makes a new file of several MiB. */
#define TRIAGE_MAX_HS_CACHE_FILES 4

/* Diagnostic lines collected before a loader stops collecting more. */
#define TRIAGE_MAX_DIAGS 200

/* Untrusted strings in log lines are cut to this many bytes. */
#define TRIAGE_MAX_LOG_VALUE_LEN 200

/* Configuration values with no natural ceiling elsewhere: the largest
 * PCRE2 limits the config accepts (past these a pathological pattern could
 * hold a worker thread for seconds), and the length of lists in the main
 * config (tiers, policy lines, recipients, tags, routes, languages).  A
 * config past them is rejected with a diagnostic. */
#define TRIAGE_PCRE2_MATCH_LIMIT_CEILING 100000000u
#define TRIAGE_PCRE2_DEPTH_LIMIT_CEILING 1000000u
#define TRIAGE_PCRE2_HEAP_LIMIT_KIB_CEILING (1024u * 1024u)
#define TRIAGE_MAX_TIERS 16
#define TRIAGE_MAX_POLICY_LINES 64
#define TRIAGE_MAX_CONFIG_LIST 1000

_Static_assert(TRIAGE_MAX_BODY_LEN <= TRIAGE_MAX_BODY_LEN_CEILING,
               "body default above ceiling");
_Static_assert(TRIAGE_MAX_TEXT_LEN <= TRIAGE_MAX_TEXT_LEN_CEILING,
               "text default above ceiling");
_Static_assert(TRIAGE_MAX_FLAGS <= 32, "flags are kept in a 32-bit mask");
_Static_assert(TRIAGE_MAX_ADDED_HEADER_LEN >= 128,
               "added headers must hold at least a short verdict");

#endif
