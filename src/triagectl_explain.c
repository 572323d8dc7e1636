/*
 * triagectl_explain.c - `triagectl explain [--json] FILE`: a readable (or
 * JSON) account of why one message gets its headers.
 *
 * Owns: the explain text layout and the JSON writer.  Untrusted input:
 * everything decoded from the message is printed; control characters are
 * shown escaped so a message cannot drive the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage/buf.h"
#include "triage/message.h"
#include "triage/normalize.h"
#include "triage/pipeline.h"
#include "triage/regions.h"
#include "triage/rules.h"
#include "triagectl_int.h"

#define EXPLAIN_MAX_LINES 60 /* region lines shown before "... more" */

/* Writes s (len bytes of UTF-8) as a JSON string. */
static void
json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; s != NULL && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void
json_cstr(FILE *f, const char *s)
{
	if (s == NULL)
		fputs("null", f);
	else
		json_str(f, s, strlen(s));
}

/* Prints terminal-safe text: control characters other than newline and
 * tab become '?'. */
static void
safe_write(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : (int)c, f);
	}
}

static void
heading(const struct ctl *ctl, const char *title)
{
	if (ctl->color)
		printf("\n\033[1m== %s\033[0m\n", title);
	else
		printf("\n== %s\n", title);
}

static void
explain_anomalies(FILE *f, unsigned bits, int json)
{
	int n = 0;

	for (unsigned b = 1; b != 0; b <<= 1) {
		if (!(bits & b))
			continue;
		if (json) {
			fputs(n ? ", " : "", f);
			json_cstr(f, message_anomaly_name(b));
		} else {
			fprintf(f, "%s%s", n ? ", " : "",
			        message_anomaly_name(b));
		}
		n++;
	}
	if (!json && n == 0)
		fputs("none", f);
}

static void
explain_mime(const struct ctl *ctl, const struct message *m)
{
	heading(ctl, "MIME structure");
	for (size_t i = 0; i < m->parts_count; i++) {
		const struct msg_part *p = &m->parts[i];

		printf("%*s#%zu %s", (int)(2 + 2 * p->depth), "", p->index,
		       p->content_type ? p->content_type : "?");
		if (p->charset)
			printf(" charset=%s", p->charset);
		if (p->charset_used && p->charset &&
		    str_casecmp(p->charset, p->charset_used) != 0)
			printf(" (decoded as %s)", p->charset_used);
		if (p->encoding)
			printf(" %s", p->encoding);
		if (p->filename) {
			printf(" name=\"");
			safe_write(stdout, p->filename, strlen(p->filename));
			printf("\"");
		}
		printf(" %zu bytes", p->raw_len);
		if (p->in_rfc822)
			printf(" [forwarded message]");
		if (p->is_text)
			printf(p->used ? " -> used" : " -> not used: %s",
			       p->skip_reason ? p->skip_reason : "-");
		printf("\n");
	}
}

static void
explain_region_text(const char *text, size_t len)
{
	size_t lines = 0, i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (lines == EXPLAIN_MAX_LINES) {
			size_t more = 0;

			for (size_t j = i; j < len; j++)
				more += text[j] == '\n';
			printf("    | ... %zu more lines\n", more + 1);
			return;
		}
		printf("    | ");
		safe_write(stdout, text + i, end - i);
		printf("\n");
		lines++;
		i = end + 1;
	}
}

static void
explain_regions(const struct ctl *ctl, const struct regions *r)
{
	heading(ctl, "Text regions (what the rules see: kept)");
	for (size_t i = 0; i < r->count; i++) {
		const struct region *g = &r->v[i];

		printf("  [%s] %s", region_kind_name(g->kind),
		       g->kept ? "kept" : "left out");
		if (g->reason)
			printf(": %s", g->reason);
		if (g->part_index != (size_t)-1)
			printf(" (part #%zu)", g->part_index);
		printf("\n");
		explain_region_text(g->text, g->len);
	}
}

static void
explain_rules(const struct ctl *ctl, const struct pipeline_result *res)
{
	heading(ctl, "Rules that fired");
	if (res->match.count == 0)
		printf("  none\n");
	for (size_t i = 0; i < res->match.count; i++) {
		const struct rule_hit *h = &res->match.hits[i];
		size_t len;
		const char *snip =
		    text_original(res->text, h->start, h->end, &len);

		printf("  %-32s %-22s %+5.1f  %s:%u\n", rule_id(h->rule),
		       rule_signal(h->rule), rule_score(h->rule),
		       rule_file(h->rule), rule_line(h->rule));
		printf("      \"%s", ctl->color ? "\033[1;31m" : "");
		safe_write(stdout, snip, len);
		printf("%s\"\n", ctl->color ? "\033[0m" : "");
	}
	if (res->match.limit_hits)
		printf("  (%zu matches stopped at a PCRE2 limit, first: %s)\n",
		       res->match.limit_hits,
		       res->match.limit_rule ? rule_id(res->match.limit_rule)
		                             : "?");
}

static void
explain_flags(const struct ctl *ctl, const struct verdict *v)
{
	heading(ctl, "Flags (score against threshold, conditions)");
	for (size_t i = 0; i < v->flags_count; i++) {
		const struct flag_result *f = &v->flags[i];

		printf("  %-24s %5.1f / %-5.1f %s\n", f->name, f->score,
		       f->threshold, f->set ? "SET" : "-");
		if (f->why[0])
			printf("      %s\n", f->why);
	}
}

static void
explain_customer(const struct ctl *ctl, const struct customer *c)
{
	heading(ctl, "Customer");
	printf("  identity: %s\n", c->steps[0] ? c->steps : "-");
	if (!c->db_ok) {
		printf("  database unavailable: %s\n", c->db_error);
	} else if (c->found) {
		printf("  customer: %s (matched by %s%s%s)\n", c->email,
		       c->matched_by, c->order[0] ? " " : "", c->order);
		printf("  ltv: %lld.%02lld %s (basis %s), orders: %ld\n",
		       (long long)(c->ltv_cents / 100),
		       (long long)(c->ltv_cents % 100), c->currency, c->basis,
		       c->orders);
	} else {
		printf("  not a known customer\n");
	}
	printf("  tier: %s\n", c->tier);
	printf("  history (%u days):", c->history_days);
	if (c->history_count == 0)
		printf(" none");
	for (size_t i = 0; i < c->history_count; i++)
		printf(" %s=%ld", c->history[i].flag, c->history[i].count);
	printf("\n");
}

static void
explain_text(const struct ctl *ctl, const char *path,
             const struct pipeline_result *res)
{
	const struct message *m = res->msg;
	const struct actions *a = &res->actions;

	printf("message: %s\n", path);
	printf("  message-id: %s\n", m->message_id ? m->message_id : "-");
	printf("  from: %s\n", m->from_addr ? m->from_addr : "-");
	printf("  reply-to: %s\n", m->reply_to_addr ? m->reply_to_addr : "-");
	printf("  subject: ");
	if (m->subject)
		safe_write(stdout, m->subject, strlen(m->subject));
	printf("\n  anomalies: ");
	explain_anomalies(stdout, m->anomalies, 0);
	printf("\n");
	explain_mime(ctl, m);
	explain_regions(ctl, res->regions);
	explain_rules(ctl, res);
	explain_flags(ctl, &res->verdict);
	explain_customer(ctl, &res->customer);
	heading(ctl, "Action");
	printf("  %s (%s)\n", a->action, a->action_why ? a->action_why : "-");
	if (a->route[0])
		printf("  route: %s\n", a->route);
	heading(ctl, "Headers added");
	ctl_print_headers(stdout, a);
}

static void
json_regions(FILE *f, const struct regions *r)
{
	fputs("\"regions\": [", f);
	for (size_t i = 0; i < r->count; i++) {
		const struct region *g = &r->v[i];

		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"kind\": ", f);
		json_cstr(f, region_kind_name(g->kind));
		fputs(", \"kept\": ", f);
		fputs(g->kept ? "true" : "false", f);
		fputs(", \"reason\": ", f);
		json_cstr(f, g->reason);
		fputs(", \"text\": ", f);
		json_str(f, g->text, g->len);
		fputs("}", f);
	}
	fputs("]", f);
}

static void
json_rules(FILE *f, const struct pipeline_result *res)
{
	fputs("\"rules\": [", f);
	for (size_t i = 0; i < res->match.count; i++) {
		const struct rule_hit *h = &res->match.hits[i];
		size_t len;
		const char *snip =
		    text_original(res->text, h->start, h->end, &len);

		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"id\": ", f);
		json_cstr(f, rule_id(h->rule));
		fputs(", \"signal\": ", f);
		json_cstr(f, rule_signal(h->rule));
		fprintf(
		    f, ", \"score\": %.2f, \"snippet\": ", rule_score(h->rule));
		json_str(f, snip, len);
		fputs(", \"file\": ", f);
		json_cstr(f, rule_file(h->rule));
		fprintf(f, ", \"line\": %u}", rule_line(h->rule));
	}
	fputs("]", f);
}

static void
json_flags(FILE *f, const struct verdict *v)
{
	fputs("\"flags\": [", f);
	for (size_t i = 0; i < v->flags_count; i++) {
		const struct flag_result *fr = &v->flags[i];

		fputs(i ? ",\n  {" : "\n  {", f);
		fputs("\"name\": ", f);
		json_cstr(f, fr->name);
		fprintf(f,
		        ", \"score\": %.2f, \"threshold\": %.2f, "
		        "\"set\": %s, \"why\": ",
		        fr->score, fr->threshold, fr->set ? "true" : "false");
		json_cstr(f, fr->why);
		fputs("}", f);
	}
	fputs("]", f);
}

static void
json_customer(FILE *f, const struct customer *c)
{
	fputs("\"customer\": {\"db_ok\": ", f);
	fputs(c->db_ok ? "true" : "false", f);
	fputs(", \"db_error\": ", f);
	json_cstr(f, c->db_ok ? NULL : c->db_error);
	fprintf(f, ", \"found\": %s, \"matched_by\": ",
	        c->found ? "true" : "false");
	json_cstr(f, c->matched_by[0] ? c->matched_by : NULL);
	fputs(", \"email\": ", f);
	json_cstr(f, c->found ? c->email : NULL);
	fprintf(f, ", \"ltv_cents\": %lld, \"currency\": ",
	        (long long)c->ltv_cents);
	json_cstr(f, c->currency);
	fprintf(f, ", \"orders\": %ld, \"basis\": ", c->orders);
	json_cstr(f, c->basis[0] ? c->basis : NULL);
	fputs(", \"tier\": ", f);
	json_cstr(f, c->tier);
	fputs(", \"steps\": ", f);
	json_cstr(f, c->steps);
	fprintf(f, ", \"history_days\": %u, \"history\": {", c->history_days);
	for (size_t i = 0; i < c->history_count; i++) {
		fputs(i ? ", " : "", f);
		json_cstr(f, c->history[i].flag);
		fprintf(f, ": %ld", c->history[i].count);
	}
	fputs("}}", f);
}

static void
explain_json(const char *path, const struct pipeline_result *res)
{
	const struct message *m = res->msg;
	const struct actions *a = &res->actions;
	FILE *f = stdout;

	fputs("{\"file\": ", f);
	json_cstr(f, path);
	fputs(",\n\"message\": {\"message_id\": ", f);
	json_cstr(f, m->message_id);
	fputs(", \"from\": ", f);
	json_cstr(f, m->from_addr);
	fputs(", \"reply_to\": ", f);
	json_cstr(f, m->reply_to_addr);
	fputs(", \"subject\": ", f);
	json_cstr(f, m->subject);
	fputs(", \"anomalies\": [", f);
	explain_anomalies(f, m->anomalies, 1);
	fputs("]},\n", f);
	json_regions(f, res->regions);
	fputs(",\n", f);
	json_rules(f, res);
	fputs(",\n", f);
	json_flags(f, &res->verdict);
	fputs(",\n", f);
	json_customer(f, &res->customer);
	fputs(",\n\"action\": ", f);
	json_cstr(f, a->action);
	fputs(", \"action_why\": ", f);
	json_cstr(f, a->action_why);
	fputs(", \"route\": ", f);
	json_cstr(f, a->route[0] ? a->route : NULL);
	fputs(", \"new_subject\": ", f);
	json_cstr(f, a->new_subject);
	fputs(",\n\"headers\": {", f);
	for (size_t i = 0; i < a->headers_count; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		json_cstr(f, a->headers[i].name);
		fputs(": ", f);
		json_cstr(f, a->headers[i].value);
	}
	fputs("}}\n", f);
}

int
ctl_cmd_explain(struct ctl *ctl, int argc, char **argv)
{
	struct pipeline_result res;
	struct triage_err err = { "" };
	struct snapshot *s;
	const char *path = NULL;
	int json = 0, rc = 0;
	char *data;
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0)
			path = NULL, argc = 0;
		else if (path == NULL)
			path = argv[i];
		else
			path = NULL, argc = -1;
	}
	if (path == NULL) {
		fputs("usage: triagectl explain [--json] FILE  "
		      "(- reads standard input)\n",
		      argc == 0 ? stdout : stderr);
		return argc == 0 ? 0 : 2;
	}
	if ((s = ctl_snapshot(ctl, 1)) == NULL)
		return 3;
	if (ctl_read_message(path, s->cfg, &data, &len) != 0) {
		snapshot_free(s);
		return 3;
	}
	if (pipeline_run_bytes(s, data, len, &res, &err) != 0) {
		fprintf(stderr, "triagectl: %s: %s\n", path, err.text);
		rc = 3;
	} else if (json) {
		explain_json(path, &res);
	} else {
		explain_text(ctl, path, &res);
	}
	pipeline_result_free(&res);
	free(data);
	snapshot_free(s);
	return rc;
}
