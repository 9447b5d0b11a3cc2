/*
 * cmd-price.c -- the price family: `price bs` (Black-Scholes-Merton price
 * and Greeks) and `price sabr` (Hagan's SABR implied vol), for one option
 * or every row of a chain file.  `price heston` lives in
 * cmd-price-heston.c.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "cmd.h"
#include "option-rows.h"
#include "qm-status.h"
#include "sabr.h"
#include "util.h"

/* --- price bs -------------------------------------------------------------- */

static const struct cmd_opt cmd_price_bs_opts[] = {
	{ "type", OPT_CHOICE, "call|put", 0, "option type" },
	{ "spot", OPT_DOUBLE, "S", 0, "underlying price" },
	{ "strike", OPT_DOUBLE, "K", 0, "strike" },
	{ "maturity", OPT_DOUBLE, "T", 0, "years to expiry" },
	{ "vol", OPT_DOUBLE, "SIGMA", 0, "volatility, annualised" },
	{ "rate", OPT_DOUBLE, "R", 0, "continuous rate (default 0)" },
	{ "div", OPT_DOUBLE, "Q", 0, "continuous dividend yield (default 0)" },
	{ "chain", OPT_STRING, "FILE", 0, "price every row (implied_vol or vol column, or --vol)" },
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "quote date for a chain with expiry dates" },
	{ NULL, 0, NULL, 0, NULL }
};

static const char *const cmd_bs_names[] = {
	"price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga"
};

/* Copies the Greeks into an array in cmd_bs_names order. */
static void cmd_bs_values(const struct bs_greeks *g, double *v)
{
	v[0] = g->price;
	v[1] = g->delta;
	v[2] = g->gamma;
	v[3] = g->vega;
	v[4] = g->theta;
	v[5] = g->rho;
	v[6] = g->vanna;
	v[7] = g->volga;
}

/* Prices every row of a chain. */
static int cmd_price_bs_chain(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct option_defaults d;
	struct chain_file c;
	char *cause = NULL;
	size_t i;

	option_defaults_read(a, 0, &d);
	if (option_load_chain(ctx, a, CHAIN_NEED_TYPE, &c) != 0)
		return -1;
	out_table(ctx->out);
	for (i = 0; i < c.n; i++) {
		struct option_inputs in;
		struct bs_greeks g;
		double v[8], vol = c.rows[i].implied_vol;
		int st;

		if (chain_row_number(&c, i, "vol", &vol, &cause) < 0 ||
		    option_inputs_row(&c, i, &d, &in, &cause) != 0) {
			cmd_error(ctx, "price bs: %s", cause);
			free(cause);
			chain_free(&c);
			return -1;
		}
		if (isnan(vol))
			vol = cmd_arg_double(a, "vol", NAN);
		if (isnan(vol) || !(vol >= 0)) {
			cmd_error(ctx, "price bs: %s:%d: no volatility (an implied_vol or vol column, "
			    "or --vol)", c.csv.path, c.rows[i].line);
			chain_free(&c);
			return -1;
		}
		if ((st = bs_greeks(in.type, in.S, in.K, in.T, vol, in.r, in.q, &g)) != QM_OK) {
			cmd_error(ctx, "price bs: %s:%d: %s", c.csv.path, c.rows[i].line,
			    qm_strerror(st));
			chain_free(&c);
			return -1;
		}
		cmd_bs_values(&g, v);
		chain_out_row(ctx->out, &c, i, cmd_bs_names, v, 8);
	}
	chain_free(&c);
	return 0;
}

/* price bs */
static int cmd_price_bs_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const need[] = { "type", "spot", "strike", "maturity", "vol", NULL };
	struct bs_greeks g;
	double v[8];
	int i, st;

	if (cmd_arg_has(a, "chain"))
		return cmd_price_bs_chain(ctx, a);
	for (i = 0; need[i] != NULL; i++) {
		if (!cmd_arg_has(a, need[i]))
			return cmd_usage_error(ctx, "price bs: missing option --%s (or give --chain "
			    "FILE)", need[i]);
	}
	st = bs_greeks(strcmp(cmd_arg_str(a, "type", ""), "call") == 0 ? BS_CALL : BS_PUT,
	    cmd_arg_double(a, "spot", 0), cmd_arg_double(a, "strike", 0),
	    cmd_arg_double(a, "maturity", 0), cmd_arg_double(a, "vol", 0),
	    cmd_arg_double(a, "rate", 0), cmd_arg_double(a, "div", 0), &g);
	if (st != QM_OK)
		return cmd_error(ctx, "price bs: %s (spot, strike, maturity and vol must be "
		    "positive or zero, finite)", qm_strerror(st));
	cmd_bs_values(&g, v);
	out_begin(ctx->out);
	for (i = 0; i < 8; i++)
		out_num(ctx->out, cmd_bs_names[i], v[i]);
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_price_bs_entry = {
	.name = "price bs",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_price_bs_opts,
	.topic = "price",
	.flags = CMD_READONLY_OK,
	.summary = "Black-Scholes-Merton price and Greeks",
	.exec = cmd_price_bs_exec,
};

/* --- price sabr ------------------------------------------------------------ */

static const struct cmd_opt cmd_price_sabr_opts[] = {
	{ "forward", OPT_DOUBLE, "F", 0, "forward price" },
	{ "maturity", OPT_DOUBLE, "T", 0, "years to expiry" },
	{ "strike", OPT_DOUBLE, "K", 0, "strike" },
	{ "alpha", OPT_DOUBLE, "ALPHA", 0, "SABR alpha" },
	{ "beta", OPT_DOUBLE, "BETA", 0, "SABR beta in [0, 1]" },
	{ "rho", OPT_DOUBLE, "RHO", 0, "SABR rho in (-1, 1)" },
	{ "nu", OPT_DOUBLE, "NU", 0, "SABR vol of vol" },
	{ "obloj", OPT_FLAG, NULL, 0, "Obloj's (2008) correction of the leading term" },
	{ "normal", OPT_FLAG, NULL, 0, "the normal (Bachelier) vol instead" },
	{ "chain", OPT_STRING, "FILE", 0, "every row of a chain (parameters per row or options)" },
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "quote date for a chain with expiry dates" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Evaluates the chosen SABR formula. */
static int cmd_sabr_eval(const struct cmd_args *a, const sabr_params *p, double F, double K,
    double T, double *vol)
{
	if (cmd_arg_has(a, "normal"))
		return sabr_vol_normal(p, F, K, T, vol);
	return sabr_vol(cmd_arg_has(a, "obloj") ? SABR_OBLOJ : SABR_HAGAN, p, F, K, T, vol);
}

/* Reads a per-row parameter column, defaulting to the option. */
static int cmd_sabr_param(const struct chain_file *c, size_t i, const struct cmd_args *a,
    const char *name, double *v, char **cause)
{
	*v = cmd_arg_double(a, name, NAN);
	return chain_row_number(c, i, name, v, cause) < 0 ? -1 : 0;
}

/* Evaluates every row of a chain. */
static int cmd_price_sabr_chain(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *names[] = { cmd_arg_has(a, "normal") ? "normal_vol" : "implied_vol" };
	struct chain_file c;
	char *cause = NULL;
	size_t i;

	if (option_load_chain(ctx, a, 0, &c) != 0)
		return -1;
	out_table(ctx->out);
	for (i = 0; i < c.n; i++) {
		sabr_params p;
		double F = c.rows[i].forward, vol;
		int st;

		if (isnan(F))
			F = cmd_arg_double(a, "forward", NAN);
		if (cmd_sabr_param(&c, i, a, "alpha", &p.alpha, &cause) != 0 ||
		    cmd_sabr_param(&c, i, a, "beta", &p.beta, &cause) != 0 ||
		    cmd_sabr_param(&c, i, a, "rho", &p.rho, &cause) != 0 ||
		    cmd_sabr_param(&c, i, a, "nu", &p.nu, &cause) != 0) {
			cmd_error(ctx, "price sabr: %s", cause);
			free(cause);
			chain_free(&c);
			return -1;
		}
		st = cmd_sabr_eval(a, &p, F, c.rows[i].strike, c.rows[i].maturity, &vol);
		if (st != QM_OK) {
			cmd_error(ctx, "price sabr: %s:%d: %s (forward, alpha, beta, rho and nu "
			    "come from columns or options)", c.csv.path, c.rows[i].line,
			    qm_strerror(st));
			chain_free(&c);
			return -1;
		}
		chain_out_row(ctx->out, &c, i, names, &vol, 1);
	}
	chain_free(&c);
	return 0;
}

/* price sabr */
static int cmd_price_sabr_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const need[] = {
		"forward", "maturity", "strike", "alpha", "beta", "rho", "nu", NULL
	};
	sabr_params p;
	double vol;
	int i, st;

	if (cmd_arg_has(a, "obloj") && cmd_arg_has(a, "normal"))
		return cmd_usage_error(ctx, "price sabr: --obloj applies to the lognormal vol only");
	if (cmd_arg_has(a, "chain"))
		return cmd_price_sabr_chain(ctx, a);
	for (i = 0; need[i] != NULL; i++) {
		if (!cmd_arg_has(a, need[i]))
			return cmd_usage_error(ctx, "price sabr: missing option --%s (or give --chain "
			    "FILE)", need[i]);
	}
	p.alpha = cmd_arg_double(a, "alpha", 0);
	p.beta = cmd_arg_double(a, "beta", 0);
	p.rho = cmd_arg_double(a, "rho", 0);
	p.nu = cmd_arg_double(a, "nu", 0);
	st = cmd_sabr_eval(a, &p, cmd_arg_double(a, "forward", 0), cmd_arg_double(a, "strike", 0),
	    cmd_arg_double(a, "maturity", 0), &vol);
	if (st != QM_OK)
		return cmd_error(ctx, "price sabr: %s (F, K > 0, T >= 0, alpha > 0, beta in [0,1], "
		    "|rho| < 1, nu >= 0)", qm_strerror(st));
	out_begin(ctx->out);
	out_num(ctx->out, cmd_arg_has(a, "normal") ? "normal_vol" : "implied_vol", vol);
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_price_sabr_entry = {
	.name = "price sabr",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_price_sabr_opts,
	.topic = "price",
	.flags = CMD_READONLY_OK,
	.summary = "SABR implied volatility (Hagan 2002, Obloj 2008, normal)",
	.exec = cmd_price_sabr_exec,
};
