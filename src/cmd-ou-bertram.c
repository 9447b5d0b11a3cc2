/*
 * cmd-ou-bertram.c -- `ou bertram`: Bertram's (2010) optimal symmetric
 * entry and exit levels for an OU spread, maximising the expected return
 * per unit time or the Sharpe ratio.
 *
 * Conventions (help ou): c is the round-trip cost of one trade cycle in
 * the spread's units; mu and sigma per year; the risk-free rate is a
 * continuous rate per year, or a hurdle per trade cycle with
 * --risk-free-mode per-trade (the reading of Bertram's eq. 15 used by
 * arbitragelab).
 */
#include "config.h"

#include <string.h>

#include "bertram.h"
#include "cmd.h"
#include "qm-status.h"

static const struct cmd_opt cmd_ou_bertram_opts[] = {
	{ "theta", OPT_DOUBLE, "THETA", 1, "long-run mean of the spread" },
	{ "mu", OPT_DOUBLE, "MU", 1, "mean-reversion speed, per year" },
	{ "sigma", OPT_DOUBLE, "SIGMA", 1, "volatility, spread units per sqrt(year)" },
	{ "cost", OPT_DOUBLE, "C", 1, "round-trip cost of one trade cycle" },
	{ "objective", OPT_CHOICE, "return|sharpe", 0, "what to maximise (default return)" },
	{ "risk-free", OPT_DOUBLE, "R", 0, "risk-free rate for the Sharpe ratio (default 0)" },
	{ "risk-free-mode", OPT_CHOICE, "rate|per-trade", 0,
	  "R per year (default) or a hurdle per trade cycle" },
	{ NULL, 0, NULL, 0, NULL }
};

/* ou bertram */
static int cmd_ou_bertram_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct ou_params p;
	struct bertram_levels lv;
	const char *obj = cmd_arg_str(a, "objective", "return");
	int sharpe = strcmp(obj, "sharpe") == 0, st, mode;
	double c = cmd_arg_double(a, "cost", 0), rf = cmd_arg_double(a, "risk-free", 0);

	p.theta = cmd_arg_double(a, "theta", 0);
	p.mu = cmd_arg_double(a, "mu", 0);
	p.sigma = cmd_arg_double(a, "sigma", 0);
	mode = strcmp(cmd_arg_str(a, "risk-free-mode", "rate"), "per-trade") == 0 ?
	    BERTRAM_RF_PER_TRADE : BERTRAM_RF_RATE;
	if (!(p.mu > 0) || !(p.sigma > 0))
		return cmd_error(ctx, "ou bertram: --mu and --sigma must be positive");
	if (!sharpe && !(c > 0))
		return cmd_error(ctx, "ou bertram: --cost must be positive for the return "
		    "objective (with no cost the optimum trades infinitely often)");
	if (c < 0)
		return cmd_error(ctx, "ou bertram: --cost must not be negative");
	st = sharpe ? bertram_optimal_sharpe(&p, c, rf, mode, &lv) :
	    bertram_optimal_return(&p, c, &lv);
	if (st == QM_ENOCONV && sharpe)
		return cmd_error(ctx, "ou bertram: the Sharpe ratio has no interior maximum "
		    "(with a zero risk-free rate it grows as the levels close in); give "
		    "--risk-free or use --objective return");
	if (st == QM_ENOROOT)
		return cmd_error(ctx, "ou bertram: no levels give a positive %s",
		    sharpe ? "Sharpe ratio" : "return");
	if (st != QM_OK)
		return cmd_error(ctx, "ou bertram: %s", qm_strerror(st));
	out_begin(ctx->out);
	out_num(ctx->out, "entry", lv.a);
	out_num(ctx->out, "exit", lv.m);
	out_num(ctx->out, "expected_length", lv.trade_mean);
	out_num(ctx->out, "length_variance", lv.trade_var);
	out_num(ctx->out, "expected_return", lv.ret_mean);
	out_num(ctx->out, "variance", lv.ret_sd * lv.ret_sd);
	out_num(ctx->out, "sharpe", lv.sharpe);
	out_str(ctx->out, "objective", obj);
	out_num(ctx->out, "objective_value", sharpe ? lv.sharpe : lv.ret_mean);
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_ou_bertram_entry = {
	.name = "ou bertram",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_ou_bertram_opts,
	.topic = "ou-bertram",
	.flags = CMD_READONLY_OK,
	.summary = "Bertram's optimal trading levels for an OU spread",
	.exec = cmd_ou_bertram_exec,
};
