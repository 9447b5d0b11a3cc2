/*
 * cmd-iv.c -- `iv`: Black-Scholes implied volatility of one option or of
 * every row of a chain file, by Jaeckel's "Let's be rational" inversion
 * (models/iv.c), accurate to a few ulps over the whole domain.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "cmd.h"
#include "iv.h"
#include "option-rows.h"
#include "qm-status.h"
#include "util.h"

static const struct cmd_opt cmd_iv_opts[] = {
	{ "type", OPT_CHOICE, "call|put", 0, "option type" },
	{ "price", OPT_DOUBLE, "P", 0, "option price (discounted)" },
	{ "spot", OPT_DOUBLE, "S", 0, "underlying price" },
	{ "strike", OPT_DOUBLE, "K", 0, "strike" },
	{ "maturity", OPT_DOUBLE, "T", 0, "years to expiry" },
	{ "rate", OPT_DOUBLE, "R", 0, "continuous rate (default 0)" },
	{ "div", OPT_DOUBLE, "Q", 0, "continuous dividend yield (default 0)" },
	{ "chain", OPT_STRING, "FILE", 0, "a chain file: every row (help chain-format)" },
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "quote date for a chain with expiry dates" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Explains an inversion failure. */
static const char *cmd_iv_why(int st)
{
	if (st == QM_EBOUNDS)
		return "price outside the no-arbitrage bounds (below intrinsic value or above "
		    "the discounted spot/strike)";
	return qm_strerror(st);
}

/* Inverts every row of a chain. */
static int cmd_iv_chain(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const names[] = { "implied_vol" };
	struct option_defaults d;
	struct chain_file c;
	char *cause = NULL;
	int bad_line = 0, bad_st = 0;
	size_t i, nbad = 0;

	option_defaults_read(a, 0, &d);
	if (option_load_chain(ctx, a, CHAIN_NEED_PRICE, &c) != 0)
		return -1;
	out_table(ctx->out);
	for (i = 0; i < c.n; i++) {
		struct option_inputs in;
		double vol;
		int st;

		if (option_inputs_row(&c, i, &d, &in, &cause) != 0) {
			cmd_error(ctx, "iv: %s", cause);
			free(cause);
			chain_free(&c);
			return -1;
		}
		st = iv_bs(in.type, in.S, in.K, in.T, in.r, in.q, c.rows[i].price, &vol);
		if (st != QM_OK) {
			vol = NAN;
			if (nbad++ == 0) {
				bad_line = c.rows[i].line;
				bad_st = st;
			}
		}
		chain_out_row(ctx->out, &c, i, names, &vol, 1);
	}
	if (nbad > 0)
		cmd_error(ctx, "iv: %s:%d: %s (%zu of %zu rows have no implied vol)",
		    c.csv.path, bad_line, cmd_iv_why(bad_st), nbad, c.n);
	chain_free(&c);
	return nbad > 0 ? -1 : 0;
}

/* iv --type --price --spot --strike --maturity | --chain FILE */
static int cmd_iv_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const need[] = { "type", "price", "spot", "strike", "maturity", NULL };
	double vol, T, S, K;
	int i, st;

	if (cmd_arg_has(a, "chain"))
		return cmd_iv_chain(ctx, a);
	for (i = 0; need[i] != NULL; i++) {
		if (!cmd_arg_has(a, need[i]))
			return cmd_usage_error(ctx, "iv: missing option --%s (or give --chain FILE)",
			    need[i]);
	}
	S = cmd_arg_double(a, "spot", 0);
	K = cmd_arg_double(a, "strike", 0);
	T = cmd_arg_double(a, "maturity", 0);
	if (!(S > 0) || !(K > 0))
		return cmd_error(ctx, "iv: --spot and --strike must be positive");
	if (!(T > 0))
		return cmd_error(ctx, "iv: --maturity must be positive (years)");
	st = iv_bs(strcmp(cmd_arg_str(a, "type", "call"), "call") == 0 ? BS_CALL : BS_PUT, S, K,
	    T, cmd_arg_double(a, "rate", 0), cmd_arg_double(a, "div", 0),
	    cmd_arg_double(a, "price", 0), &vol);
	if (st != QM_OK)
		return cmd_error(ctx, "iv: %s", cmd_iv_why(st));
	out_begin(ctx->out);
	out_num(ctx->out, "implied_vol", vol);
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_iv_entry = {
	.name = "iv",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_iv_opts,
	.topic = "iv",
	.flags = CMD_READONLY_OK,
	.summary = "Black-Scholes implied volatility of an option or a chain",
	.exec = cmd_iv_exec,
};
