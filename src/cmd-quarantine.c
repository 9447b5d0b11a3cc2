/*
 * cmd-quarantine.c -- `quarantine [--since TIME] [--reason R] [--limit N]
 * [--summary]`: the market data that failed validation, kept with its
 * reason (market-state.h), and the counters per reason.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "market-state.h"
#include "util.h"

/* Parses --since: epoch seconds, a date or date-time (UTC), or an age
 * such as 90s, 15m, 2h, 1d. */
static int cmd_quarantine_since(const char *s, double *t)
{
	size_t n = strlen(s);
	double v, unit = 0;

	if (n >= 2 && isdigit((unsigned char)s[0])) {
		switch (s[n - 1]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		}
		if (unit > 0) {
			char *num = xstrdup(s);

			num[n - 1] = '\0';
			if (parse_double(num, &v) == 0 && v >= 0) {
				free(num);
				*t = now_wall() - v * unit;
				return 0;
			}
			free(num);
		}
	}
	if (market_parse_time(s, t) == 0)
		return 0;
	if (parse_double(s, &v) == 0 && v >= 0) {
		*t = v;
		return 0;
	}
	return -1;
}

/* quarantine */
static int cmd_quarantine_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct mstate *ms = mstate_global();
	const char *since = cmd_arg_str(args, "since", NULL);
	const char *rname = cmd_arg_str(args, "reason", NULL);
	long limit = cmd_arg_int(args, "limit", 100);
	struct quarantine_entry *e;
	double t = -INFINITY;
	size_t n, i, first, cap;
	unsigned long after = 0;
	int reason = -1;

	if (since != NULL && cmd_quarantine_since(since, &t) != 0)
		return cmd_error(ctx, "quarantine: --since: expected epoch seconds, "
		    "YYYY-MM-DD[THH:MM[:SS]] or an age like 30s, 10m, 2h, 1d; got '%s'", since);
	if (rname != NULL && (reason = validate_reason_parse(rname)) <= 0)
		return cmd_error(ctx, "quarantine: --reason: unknown reason '%s' (missing, "
		    "nonpositive, crossed, wide, iv, stale, parity, calendar, butterfly, bar)",
		    rname);
	if (limit < 0)
		return cmd_error(ctx, "quarantine: --limit must be 0 (all) or more");
	if (cmd_arg_has(args, "summary")) {
		struct mstate_counts c;
		int k;

		mstate_get_counts(ms, &c);
		out_table(ctx->out);
		for (k = 1; k < VR_NREASONS; k++) {
			if (reason > 0 && k != reason)
				continue;
			out_begin(ctx->out);
			out_str(ctx->out, "reason", validate_reason_name((enum vreason)k));
			out_int(ctx->out, "count", (long long)c.quarantined[k]);
			out_str(ctx->out, "meaning", validate_reason_text((enum vreason)k));
			out_end(ctx->out);
		}
		if (reason < 0) {
			out_begin(ctx->out);
			out_str(ctx->out, "reason", "total");
			out_int(ctx->out, "count", (long long)c.quarantined_total);
			out_str(ctx->out, "meaning", "every rejected row");
			out_end(ctx->out);
		}
		return 0;
	}
	/* read in chunks, oldest first, keeping at most the newest 2 x limit */
	cap = 4096;
	e = xmalloc(cap * sizeof *e);
	n = 0;
	for (;;) {
		size_t got;

		if (n + 1024 > cap) {
			cap *= 2;
			e = xrealloc(e, cap * sizeof *e);
		}
		got = mstate_quarantine_read(ms, after, t, reason, e + n, 1024);
		if (got == 0)
			break;
		after = e[n + got - 1].seq;
		n += got;
		if (limit > 0 && n > (size_t)limit * 2) {
			memmove(e, e + (n - (size_t)limit), (size_t)limit * sizeof *e);
			n = (size_t)limit;
		}
	}
	first = limit > 0 && n > (size_t)limit ? n - (size_t)limit : 0;
	out_table(ctx->out);
	for (i = first; i < n; i++) {
		char when[32], dwhen[32];

		market_format_time(e[i].time, when, sizeof when);
		market_format_time(e[i].data_time, dwhen, sizeof dwhen);
		out_begin(ctx->out);
		out_int(ctx->out, "seq", (long long)e[i].seq);
		out_str(ctx->out, "time", when);
		out_str(ctx->out, "source", e[i].source);
		out_str(ctx->out, "symbol", e[i].symbol);
		out_str(ctx->out, "reason", validate_reason_name(e[i].reason));
		out_str(ctx->out, "detail", e[i].detail);
		out_str(ctx->out, "data_time", isfinite(e[i].data_time) ? dwhen : "");
		out_end(ctx->out);
	}
	free(e);
	return 0;
}

static const struct cmd_opt cmd_quarantine_opts[] = {
	{ "since", OPT_STRING, "TIME", 0, "only rows quarantined since TIME (date, epoch or 10m)" },
	{ "reason", OPT_STRING, "REASON", 0, "only rows rejected for REASON" },
	{ "limit", OPT_INT, "N", 0, "the newest N rows (default 100; 0: all kept)" },
	{ "summary", OPT_FLAG, NULL, 0, "the counters per reason instead of the rows" },
	{ NULL, 0, NULL, 0, NULL },
};

const struct cmd_entry cmd_quarantine_entry = {
	.name = "quarantine",
	.positional = "",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_quarantine_opts,
	.topic = "quarantine",
	.flags = CMD_READONLY_OK,
	.summary = "show market data rejected by validation, with the reasons",
	.exec = cmd_quarantine_exec,
};
