/*
 * cmd-audit.c -- `audit verify` and `audit show`: the append-only audit
 * trail of the store (issue 7).
 *
 * Every signal, approval, order, fill, calibration, configuration change
 * and kill-switch event is appended to audit_log with a SHA-256 hash
 * chain (store.h: store_audit_append).  `audit verify` recomputes the
 * chain from the first entry and fails (exit 1) naming the first entry
 * that was edited, removed or moved; `audit show` lists entries.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "market.h"
#include "qd.h"
#include "store.h"
#include "util.h"

static const struct cmd_opt cmd_audit_show_opts[] = {
	{ "since", OPT_STRING, "TIME", 0, "only entries at or after TIME (UTC date/time or epoch)" },
	{ "kind", OPT_STRING, "K", 0, "only entries of this kind (order, fill, calibration...)" },
	{ "limit", OPT_INT, "N", 0, "the last N matching entries (default 100, 0 = all)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Opens the configured store for an audit command; NULL after cmd_error. */
static struct store *cmd_audit_open(struct cmd_ctx *ctx, const char *name)
{
	struct store *s;
	char *cause = NULL;

	if ((s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause)) == NULL) {
		cmd_error(ctx, "%s: %s", name, cause);
		free(cause);
	}
	return s;
}

/* audit verify */
static int cmd_audit_verify_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct store_audit *last = NULL;
	struct store *s;
	char *cause = NULL;
	long long bad, n;
	size_t nl = 0;

	(void)a;
	if ((s = cmd_audit_open(ctx, "audit verify")) == NULL)
		return -1;
	if (store_audit_verify(s, &bad, &cause) != 0) {
		store_close(s);
		if (bad > 0)
			cmd_error(ctx, "audit verify: entry %lld is bad: %s", bad, cause);
		else
			cmd_error(ctx, "audit verify: %s", cause);
		free(cause);
		return -1;
	}
	if ((n = store_count(s, "audit_log", &cause)) < 0 ||
	    (n > 0 && store_audit_read(s, n, 1, &last, &nl, &cause) != 0)) {
		store_close(s);
		cmd_error(ctx, "audit verify: %s", cause);
		free(cause);
		return -1;
	}
	store_close(s);
	out_begin(ctx->out);
	out_str(ctx->out, "status", "intact");
	out_int(ctx->out, "entries", n);
	out_str(ctx->out, "head", nl > 0 ? last[0].hash : "");
	out_end(ctx->out);
	store_audit_free(last, nl);
	return 0;
}

/* audit show [--since TIME] [--kind K] [--limit N] */
static int cmd_audit_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *since_s = cmd_arg_str(a, "since", NULL), *kind = cmd_arg_str(a, "kind", NULL);
	long limit = cmd_arg_int(a, "limit", 100);
	struct store_audit *page, *keep = NULL;
	size_t n, i, nk = 0, cap = 0, start;
	double since = -INFINITY;
	long long next = 1;
	struct store *s;
	char *cause = NULL, when[40];

	if (limit < 0)
		return cmd_error(ctx, "audit show: --limit must not be negative");
	if (since_s != NULL && market_parse_time(since_s, &since) != 0 &&
	    parse_double(since_s, &since) != 0)
		return cmd_error(ctx, "audit show: --since '%s' is not a time (YYYY-MM-DD "
		    "[HH:MM[:SS]] UTC, or epoch seconds)", since_s);
	if (kind != NULL && (*kind == '\0' || strlen(kind) >= STORE_NAME_MAX))
		return cmd_error(ctx, "audit show: --kind '%s' is not a kind", kind);
	if ((s = cmd_audit_open(ctx, "audit show")) == NULL)
		return -1;
	/* Page through the log, keeping the matching entries (the last N). */
	for (;;) {
		if (store_audit_read(s, next, 5000, &page, &n, &cause) != 0) {
			store_close(s);
			store_audit_free(keep, nk);
			cmd_error(ctx, "audit show: %s", cause);
			free(cause);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (page[i].time < since || (kind != NULL && strcmp(page[i].kind, kind) != 0))
				continue;
			if (nk == cap) {
				cap = cap ? cap * 2 : 64;
				keep = xrealloc(keep, cap * sizeof *keep);
			}
			keep[nk++] = page[i];
			page[i].payload = NULL;
			if (limit > 0 && nk > 2 * (size_t)limit + 64) {
				/* drop the oldest beyond the limit */
				size_t drop = nk - (size_t)limit, j;

				for (j = 0; j < drop; j++)
					free(keep[j].payload);
				memmove(keep, keep + drop, (size_t)limit * sizeof *keep);
				nk = (size_t)limit;
			}
		}
		if (n > 0)
			next = page[n - 1].seq + 1;
		store_audit_free(page, n);
		if (n < 5000)
			break;
	}
	store_close(s);
	start = limit > 0 && nk > (size_t)limit ? nk - (size_t)limit : 0;
	out_table(ctx->out);
	for (i = start; i < nk; i++) {
		market_format_time(keep[i].time, when, sizeof when);
		out_begin(ctx->out);
		out_int(ctx->out, "seq", keep[i].seq);
		out_str(ctx->out, "time", when);
		out_str(ctx->out, "kind", keep[i].kind);
		out_str(ctx->out, "payload", keep[i].payload);
		out_str(ctx->out, "hash", keep[i].hash);
		out_end(ctx->out);
	}
	store_audit_free(keep, nk);
	return 0;
}

const struct cmd_entry cmd_audit_verify_entry = {
	.name = "audit verify",
	.positional = "",
	.min_pos = 0,
	.max_pos = 0,
	.opts = NULL,
	.topic = "audit",
	.flags = CMD_READONLY_OK,
	.summary = "check the audit trail's hash chain; exit 1 naming the first bad entry",
	.exec = cmd_audit_verify_exec,
};

const struct cmd_entry cmd_audit_show_entry = {
	.name = "audit show",
	.positional = "",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_audit_show_opts,
	.topic = "audit",
	.flags = CMD_READONLY_OK,
	.summary = "list entries of the audit trail",
	.exec = cmd_audit_show_exec,
};
