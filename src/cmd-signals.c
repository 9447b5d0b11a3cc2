/*
 * cmd-signals.c -- `signals [--pending|--all] [--strategy NAME]
 * [--symbol SYM]`: the strategies' signals as the engine aggregated them,
 * newest first, losers with the reason they lost.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"
#include "market.h"
#include "qd.h"

static const struct cmd_opt cmd_signals_opts[] = {
	{ "pending", OPT_FLAG, NULL, 0, "only signals awaiting approval (the default)" },
	{ "all", OPT_FLAG, NULL, 0, "every signal kept: lost and expired ones too" },
	{ "strategy", OPT_STRING, "NAME", 0, "one strategy only" },
	{ "symbol", OPT_STRING, "SYM", 0, "one instrument or underlying only" },
	{ "limit", OPT_INT, "N", 0, "at most N signals (default 100)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Prints one signal. */
static void cmd_signal_record(struct out *o, const struct signal *s)
{
	char when[32], exp[32], legs[256];
	size_t i, len = 0;

	market_format_time(s->time, when, sizeof when);
	market_format_time(s->expires, exp, sizeof exp);
	legs[0] = '\0';
	for (i = 0; i < s->nlegs && len < sizeof legs; i++)
		len += (size_t)snprintf(legs + len, sizeof legs - len, "%s%s %+.6g", i ? ", " : "",
		    s->legs[i].symbol, s->legs[i].qty);
	out_begin(o);
	out_int(o, "id", (long long)s->id);
	out_str(o, "state", signal_state_name(s->state));
	out_str(o, "strategy", s->strategy);
	out_str(o, "instrument", s->instrument);
	out_str(o, "kind", s->kind);
	out_str(o, "side", signal_side_name(s->side));
	out_num(o, "confidence", s->confidence);
	out_num(o, "size_hint", s->size_hint);
	out_str(o, "legs", legs);
	out_str(o, "time", when);
	out_str(o, "expires", exp);
	out_str(o, "rationale", s->rationale);
	out_str(o, "reason", s->reason);
	out_str(o, "inputs", s->inputs);
	out_end(o);
}

/* signals */
static int cmd_signals_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const struct engine_snap *es;
	const struct signal *s;
	const char *strat = cmd_arg_str(a, "strategy", NULL), *sym = cmd_arg_str(a, "symbol", NULL);
	int all = cmd_arg_has(a, "all");
	long limit = cmd_arg_int(a, "limit", 100);
	size_t n, i, shown = 0;

	if (all && cmd_arg_has(a, "pending"))
		return cmd_usage_error(ctx, "signals: --pending and --all exclude each other");
	es = engine_snapshot();
	s = engine_snap_signals(es, &n);
	out_table(ctx->out);
	for (i = n; i-- > 0 && (long)shown < limit;) {
		if (!all && s[i].state != SIGNAL_PENDING)
			continue;
		if (strat != NULL && strcmp(s[i].strategy, strat) != 0)
			continue;
		if (sym != NULL && strcmp(s[i].instrument, sym) != 0 &&
		    strcmp(s[i].underlying, sym) != 0)
			continue;
		cmd_signal_record(ctx->out, &s[i]);
		shown++;
	}
	engine_snap_release(es);
	return 0;
}

const struct cmd_entry cmd_signals_entry = {
	.name = "signals",
	.opts = cmd_signals_opts,
	.topic = "signals",
	.flags = CMD_READONLY_OK,
	.summary = "the strategies' signals after aggregation",
	.exec = cmd_signals_exec,
};
