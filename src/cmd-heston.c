/*
 * cmd-heston.c -- `price heston` (European prices and Greeks under Heston
 * 1993, one option or a whole chain in one surface call) and `calibrate
 * heston` (the global + Levenberg-Marquardt fit of models/heston-calib.c).
 *
 * A chain is priced by heston_price_surface(), which shares the
 * characteristic-function values of each maturity across its strikes;
 * when rows carry their own parameters (kappa theta sigma rho v0 columns)
 * each row is priced alone.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib-input.h"
#include "calib.h"
#include "cmd-calib.h"
#include "cmd.h"
#include "heston-calib.h"
#include "heston.h"
#include "market-state.h"
#include "market.h"
#include "option-rows.h"
#include "qm-status.h"
#include "util.h"

#define HESTON_MARKET_OPTS \
	{ "spot", OPT_DOUBLE, "S", 0, "underlying price (or a spot column)" }, \
	{ "rate", OPT_DOUBLE, "R", 0, "continuous rate (default 0; or a rate column)" }, \
	{ "div", OPT_DOUBLE, "Q", 0, "continuous dividend yield (default 0)" }, \
	{ "chain", OPT_STRING, "FILE", 0, "chain file (help chain-format)" }, \
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "quote date for a chain with expiry dates" }

static const struct cmd_opt cmd_price_heston_opts[] = {
	HESTON_MARKET_OPTS,
	{ "kappa", OPT_DOUBLE, "KAPPA", 0, "mean-reversion speed of variance, per year" },
	{ "theta", OPT_DOUBLE, "THETA", 0, "long-run variance" },
	{ "sigma", OPT_DOUBLE, "SIGMA", 0, "volatility of variance" },
	{ "rho", OPT_DOUBLE, "RHO", 0, "correlation of spot and variance" },
	{ "v0", OPT_DOUBLE, "V0", 0, "initial variance" },
	{ "strike", OPT_DOUBLE, "K", 0, "strike (one option)" },
	{ "maturity", OPT_DOUBLE, "T", 0, "years to expiry (one option)" },
	{ "type", OPT_CHOICE, "call|put", 0, "option type (one option)" },
	{ "greeks", OPT_FLAG, NULL, 0, "also delta, gamma, vega_v0, vega_level, theta" },
	{ NULL, 0, NULL, 0, NULL }
};

static const char *const cmd_heston_pnames[] = { "kappa", "theta", "sigma", "rho", "v0" };

/* Reads the parameters from the options (NaN where absent). */
static void cmd_heston_opts_params(const struct cmd_args *a, heston_params *p)
{
	p->kappa = cmd_arg_double(a, "kappa", NAN);
	p->theta = cmd_arg_double(a, "theta", NAN);
	p->sigma = cmd_arg_double(a, "sigma", NAN);
	p->rho = cmd_arg_double(a, "rho", NAN);
	p->v0 = cmd_arg_double(a, "v0", NAN);
}

/* Overrides parameters from a row's columns; -1 with cause on a bad cell. */
static int cmd_heston_row_params(const struct chain_file *c, size_t i, heston_params *p,
    int *per_row, char **cause)
{
	double *f[] = { &p->kappa, &p->theta, &p->sigma, &p->rho, &p->v0 };
	int k, r;

	for (k = 0; k < 5; k++) {
		if ((r = chain_row_number(c, i, cmd_heston_pnames[k], f[k], cause)) < 0)
			return -1;
		*per_row |= r;
	}
	return 0;
}

/* Prints one option's results as a record (single mode). */
static void cmd_heston_record(struct out *o, const heston_greeks *g, int greeks)
{
	out_begin(o);
	out_num(o, "price", g->price);
	if (greeks) {
		out_num(o, "delta", g->delta);
		out_num(o, "gamma", g->gamma);
		out_num(o, "vega_v0", g->vega_v0);
		out_num(o, "vega_level", g->vega_level);
		out_num(o, "theta", g->theta);
	}
	out_end(o);
}

/* Explains a pricing failure. */
static const char *cmd_heston_why(int st)
{
	if (st == QM_EINVAL)
		return "invalid input (kappa, theta, sigma, v0 >= 0, rho in [-1, 1], S, K, T > 0)";
	if (st == QM_ENOMEM)
		return "these parameters need more quadrature nodes than the workspace holds "
		    "(an extreme corner: tiny kappa with |rho| near 1, or huge sigma at long "
		    "maturities)";
	return qm_strerror(st);
}

/* Prices every row of a chain. */
static int cmd_price_heston_chain(struct cmd_ctx *ctx, const struct cmd_args *a,
    heston_workspace *w)
{
	static const char *const names[] = {
		"price", "delta", "gamma", "vega_v0", "vega_level", "theta"
	};
	int greeks = cmd_arg_has(a, "greeks"), per_row = 0, st = QM_OK, *type;
	struct option_defaults d;
	struct chain_file c;
	heston_params p0, *p;
	heston_greeks *g;
	double *T, *K, *r, *q, S = NAN;
	char *cause = NULL;
	size_t i, n;

	option_defaults_read(a, 0, &d);
	cmd_heston_opts_params(a, &p0);
	if (option_load_chain(ctx, a, CHAIN_NEED_TYPE, &c) != 0)
		return -1;
	n = c.n;
	T = xcalloc(n, sizeof *T);
	K = xcalloc(n, sizeof *K);
	r = xcalloc(n, sizeof *r);
	q = xcalloc(n, sizeof *q);
	type = xcalloc(n, sizeof *type);
	p = xcalloc(n, sizeof *p);
	g = xcalloc(n, sizeof *g);
	for (i = 0; i < n; i++) {
		struct option_inputs in;

		p[i] = p0;
		if (option_inputs_row(&c, i, &d, &in, &cause) != 0 ||
		    cmd_heston_row_params(&c, i, &p[i], &per_row, &cause) != 0) {
			cmd_error(ctx, "price heston: %s", cause);
			free(cause);
			goto out;
		}
		if (!isnan(S) && in.S != S)
			per_row = 1;    /* spots differ: one surface call cannot hold them */
		S = in.S;
		T[i] = in.T;
		K[i] = in.K;
		r[i] = in.r;
		q[i] = in.q;
		type[i] = in.type > 0 ? HESTON_CALL : HESTON_PUT;
	}
	if (!per_row) {
		if (greeks)
			st = heston_greeks_surface(&p0, S, n, T, K, r, q, type, g, w);
		else {
			/* Prices alone: the cheaper surface call, n contiguous prices. */
			double *prices = xcalloc(n, sizeof *prices);

			st = heston_price_surface(&p0, S, n, T, K, r, q, type, prices, w);
			for (i = 0; i < n; i++)
				g[i].price = prices[i];
			free(prices);
		}
	} else {
		for (i = 0; i < n && st == QM_OK; i++) {
			struct option_inputs in;

			option_inputs_row(&c, i, &d, &in, &cause);
			st = heston_greeks_surface(&p[i], in.S, 1, &T[i], &K[i], &r[i], &q[i],
			    &type[i], &g[i], w);
			if (st != QM_OK)
				cmd_error(ctx, "price heston: %s:%d: %s", c.csv.path, c.rows[i].line,
				    cmd_heston_why(st));
		}
		if (st != QM_OK)
			goto out;
	}
	if (st != QM_OK) {
		cmd_error(ctx, "price heston: %s: %s", c.csv.path, cmd_heston_why(st));
		goto out;
	}
	out_table(ctx->out);
	for (i = 0; i < n; i++) {
		double v[6] = { g[i].price, g[i].delta, g[i].gamma, g[i].vega_v0, g[i].vega_level,
			g[i].theta };

		chain_out_row(ctx->out, &c, i, names, v, greeks ? 6 : 1);
	}
out:
	free(T);
	free(K);
	free(r);
	free(q);
	free(type);
	free(p);
	free(g);
	chain_free(&c);
	return st == QM_OK && ctx->cause == NULL ? 0 : -1;
}

/* price heston */
static int cmd_price_heston_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const need[] = { "spot", "strike", "maturity", "type", NULL };
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	heston_params p;
	heston_greeks g;
	double T, K, r, q, S;
	int i, st, type, rc;

	if (w == NULL)
		return cmd_error(ctx, "price heston: out of memory for the quadrature workspace");
	if (cmd_arg_has(a, "chain")) {
		rc = cmd_price_heston_chain(ctx, a, w);
		heston_workspace_free(w);
		return rc;
	}
	heston_workspace_free(w);
	for (i = 0; need[i] != NULL; i++) {
		if (!cmd_arg_has(a, need[i]))
			return cmd_usage_error(ctx, "price heston: missing option --%s (or give "
			    "--chain FILE)", need[i]);
	}
	for (i = 0; i < 5; i++) {
		if (!cmd_arg_has(a, cmd_heston_pnames[i]))
			return cmd_usage_error(ctx, "price heston: missing option --%s",
			    cmd_heston_pnames[i]);
	}
	cmd_heston_opts_params(a, &p);
	S = cmd_arg_double(a, "spot", 0);
	T = cmd_arg_double(a, "maturity", 0);
	K = cmd_arg_double(a, "strike", 0);
	r = cmd_arg_double(a, "rate", 0);
	q = cmd_arg_double(a, "div", 0);
	type = strcmp(cmd_arg_str(a, "type", "call"), "call") == 0 ? HESTON_CALL : HESTON_PUT;
	w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	st = heston_greeks_surface(&p, S, 1, &T, &K, &r, &q, &type, &g, w);
	heston_workspace_free(w);
	if (st != QM_OK)
		return cmd_error(ctx, "price heston: %s", cmd_heston_why(st));
	cmd_heston_record(ctx->out, &g, cmd_arg_has(a, "greeks"));
	return 0;
}

const struct cmd_entry cmd_price_heston_entry = {
	.name = "price heston",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_price_heston_opts,
	.topic = "price",
	.flags = CMD_READONLY_OK,
	.summary = "Heston (1993) prices and Greeks of an option or a chain",
	.exec = cmd_price_heston_exec,
};

/* --- calibrate heston ------------------------------------------------------ */

static const struct cmd_opt cmd_calibrate_heston_opts[] = {
	HESTON_MARKET_OPTS,
	{ "weights", OPT_CHOICE, "uniform|vega|spread", 0, "quote weights (default uniform)" },
	{ "start", OPT_STRING, "KAPPA,THETA,SIGMA,RHO,V0", 0, "warm start" },
	{ "objective", OPT_CHOICE, "iv|price", 0, "fit implied vols or prices (default: what the chain gives)" },
	{ "global", OPT_INT, "N", 0, "NLopt global-stage screening evaluations (default 24, 0 = none)" },
	{ "feller", OPT_DOUBLE, "W", 0, "weight of the Feller-condition penalty (default 0)" },
	{ "budget", OPT_DOUBLE, "MS", 0, "wall-clock budget in milliseconds (default none)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Parses --start into parameters. */
static int cmd_heston_start(struct cmd_ctx *ctx, const char *s, heston_params *p)
{
	double v[5];
	char *copy = xstrdup(s), *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(copy, ",", &save); w != NULL && n < 6; w = strtok_r(NULL, ",", &save)) {
		if (n == 5 || parse_double(w, &v[n]) != 0) {
			free(copy);
			return cmd_error(ctx, "calibrate heston: --start: expected five numbers "
			    "kappa,theta,sigma,rho,v0, got '%s'", s);
		}
		n++;
	}
	free(copy);
	if (n != 5)
		return cmd_error(ctx, "calibrate heston: --start: expected five numbers "
		    "kappa,theta,sigma,rho,v0, got '%s'", s);
	p->kappa = v[0];
	p->theta = v[1];
	p->sigma = v[2];
	p->rho = v[3];
	p->v0 = v[4];
	return 0;
}

/* The quotes of one calibration, from a chain file or the market state. */
struct cmd_hquotes {
	size_t n;
	double S;
	double *T, *K, *r, *q, *price, *iv, *spread;
	int *type;
	int have_iv, have_price;
	char *where;            /* "FILE" or "market state SYMBOL", for messages */
	int *line;              /* file line per quote (0: none) */
};

/* Allocates room for n quotes. */
static void cmd_hquotes_alloc(struct cmd_hquotes *h, size_t n)
{
	memset(h, 0, sizeof *h);
	h->n = n;
	h->S = NAN;
	h->T = xcalloc(n + 1, sizeof *h->T);
	h->K = xcalloc(n + 1, sizeof *h->K);
	h->r = xcalloc(n + 1, sizeof *h->r);
	h->q = xcalloc(n + 1, sizeof *h->q);
	h->price = xcalloc(n + 1, sizeof *h->price);
	h->iv = xcalloc(n + 1, sizeof *h->iv);
	h->spread = xcalloc(n + 1, sizeof *h->spread);
	h->type = xcalloc(n + 1, sizeof *h->type);
	h->line = xcalloc(n + 1, sizeof *h->line);
	h->have_iv = h->have_price = 1;
}

/* Frees the quotes. */
static void cmd_hquotes_free(struct cmd_hquotes *h)
{
	free(h->T);
	free(h->K);
	free(h->r);
	free(h->q);
	free(h->price);
	free(h->iv);
	free(h->spread);
	free(h->type);
	free(h->line);
	free(h->where);
}

/* Reads the quotes of a chain file (--chain). */
static int cmd_hquotes_file(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct cmd_hquotes *h)
{
	struct option_defaults d;
	struct chain_file c;
	char *cause = NULL;
	size_t i;

	option_defaults_read(a, 0, &d);
	if (option_load_chain(ctx, a, CHAIN_NEED_QUOTE, &c) != 0)
		return -1;
	cmd_hquotes_alloc(h, c.n);
	h->where = xstrdup(c.csv.path);
	for (i = 0; i < c.n; i++) {
		const struct chain_row *row = &c.rows[i];
		struct option_inputs in;

		if (option_inputs_row(&c, i, &d, &in, &cause) != 0) {
			cmd_error(ctx, "calibrate heston: %s", cause);
			free(cause);
			chain_free(&c);
			return -1;
		}
		if (!isnan(h->S) && fabs(in.S - h->S) > 1e-12 * h->S) {
			cmd_error(ctx, "calibrate heston: %s:%d: spot %g differs from %g: one "
			    "calibration takes one underlying price", c.csv.path, row->line, in.S, h->S);
			chain_free(&c);
			return -1;
		}
		h->S = in.S;
		h->T[i] = in.T;
		h->K[i] = in.K;
		h->r[i] = in.r;
		h->q[i] = in.q;
		h->type[i] = in.type > 0 ? HESTON_CALL : HESTON_PUT;
		h->price[i] = row->price;
		h->iv[i] = row->implied_vol;
		h->spread[i] = row->ask - row->bid;
		h->line[i] = row->line;
		h->have_iv &= !isnan(h->iv[i]);
		h->have_price &= !isnan(h->price[i]);
	}
	chain_free(&c);
	return 0;
}

/* Reads the latest clean chain of an underlying from the market state
 * (the feed: the simulator by default): the quotes calib.c selects for the
 * engine's Heston calibrations (calib_input_from_snap), so this command
 * and the engine fit the same quotes. */
static int cmd_hquotes_market(struct cmd_ctx *ctx, const char *symbol, struct cmd_hquotes *h)
{
	const struct mstate_snap *snap = mstate_snapshot(mstate_global());
	struct calib_input *in;
	struct calib_cfg cfg;
	char *cause = NULL;
	size_t k;

	calib_cfg_default(&cfg);
	if (calib_input_from_snap(CALIB_HESTON, symbol, snap, &cfg, &in, &cause) != 0) {
		mstate_snap_release(snap);
		cmd_error(ctx, "calibrate heston: %s", cause);
		free(cause);
		return -1;
	}
	mstate_snap_release(snap);
	cmd_hquotes_alloc(h, in->n);
	h->where = xasprintf("market state %s", symbol);
	h->S = in->spot;
	for (k = 0; k < in->n; k++) {
		h->T[k] = in->T[k];
		h->K[k] = in->K[k];
		h->r[k] = in->r[k];
		h->q[k] = in->q[k];
		h->type[k] = in->type[k];
		h->price[k] = in->price[k];
		h->iv[k] = in->iv[k];
		h->spread[k] = in->spread[k];
		h->have_iv &= !isnan(h->iv[k]);
		h->have_price &= !isnan(h->price[k]);
	}
	calib_input_free(in);
	return 0;
}

/* Whether any option of an ad-hoc fit was given. */
static int cmd_heston_fit_options(const struct cmd_args *a)
{
	static const char *const names[] = {
		"weights", "start", "objective", "global", "feller", "budget", "spot", "rate",
		"div", "date"
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (cmd_arg_has(a, names[i]))
			return 1;
	return 0;
}

/* calibrate heston --chain FILE | SYMBOL */
static int cmd_calibrate_heston_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const words[] = {
		[QM_OK] = "converged", [QM_EMAXITER] = "max-iterations", [QM_ETIMEOUT] = "time-budget"
	};
	heston_calib_workspace *w = NULL;
	heston_calib_opts o;
	heston_calib_result res;
	heston_chain hc;
	heston_params start;
	struct cmd_hquotes h;
	int st, rc = -1;
	const char *wt = cmd_arg_str(a, "weights", "uniform"), *sym = cmd_arg_pos(a, 0);
	size_t i;

	if (cmd_arg_has(a, "chain") == (sym != NULL))
		return cmd_usage_error(ctx, "calibrate heston: give either --chain FILE or a "
		    "SYMBOL of the market state");
	/* SYMBOL alone (or all): the engine's orchestrator, which stores the
	 * fit and updates the parameters in force.  With fit options: a
	 * what-if fit of the live chain, printed only. */
	if (sym != NULL && !cmd_heston_fit_options(a))
		return cmd_calibrate_engine(ctx, CALIB_HESTON, sym);
	if (sym != NULL && strcmp(sym, "all") == 0)
		return cmd_usage_error(ctx, "calibrate heston all: the fit options apply to one "
		    "SYMBOL or --chain; `all` uses the calibrate.* settings");
	heston_calib_defaults(&o);
	if (cmd_arg_has(a, "start")) {
		if (cmd_heston_start(ctx, cmd_arg_str(a, "start", ""), &start) != 0)
			return -1;
		o.warm = &start;
	}
	if ((sym != NULL ? cmd_hquotes_market(ctx, sym, &h) : cmd_hquotes_file(ctx, a, &h)) != 0) {
		if (h.T != NULL)
			cmd_hquotes_free(&h);
		return -1;
	}
	if (strcmp(wt, "spread") == 0) {
		for (i = 0; i < h.n; i++) {
			if (!(h.spread[i] > 0)) {
				cmd_error(ctx, "calibrate heston: %s:%d: --weights spread needs bid "
				    "and ask with ask > bid", h.where, h.line[i]);
				goto out;
			}
		}
	}
	o.weighting = strcmp(wt, "vega") == 0 ? HESTON_W_VEGA :
	    strcmp(wt, "spread") == 0 ? HESTON_W_SPREAD : HESTON_W_UNIFORM;
	o.target = h.have_iv ? HESTON_FIT_IV : HESTON_FIT_PRICE;
	if (cmd_arg_has(a, "objective"))
		o.target = strcmp(cmd_arg_str(a, "objective", ""), "iv") == 0 ?
		    HESTON_FIT_IV : HESTON_FIT_PRICE;
	if (o.target == HESTON_FIT_PRICE && !h.have_price) {
		cmd_error(ctx, "calibrate heston: --objective price needs a price (or bid and "
		    "ask) in every row");
		goto out;
	}
	if (cmd_arg_has(a, "global"))
		o.global_evals = (int)cmd_arg_int(a, "global", 24);
	o.feller_weight = cmd_arg_double(a, "feller", 0);
	o.budget_ms = cmd_arg_double(a, "budget", 0);
	if (o.global_evals < 0 || o.feller_weight < 0 || o.budget_ms < 0) {
		cmd_error(ctx, "calibrate heston: --global, --feller and --budget must not be "
		    "negative");
		goto out;
	}
	hc.n = h.n;
	hc.S = h.S;
	hc.T = h.T;
	hc.K = h.K;
	hc.r = h.r;
	hc.q = h.q;
	hc.type = h.type;
	hc.price = h.have_price ? h.price : NULL;
	hc.iv = h.have_iv ? h.iv : NULL;
	hc.spread = h.spread;
	if ((w = heston_calib_alloc(h.n)) == NULL) {
		cmd_error(ctx, "calibrate heston: out of memory for %zu quotes", h.n);
		goto out;
	}
	st = heston_calibrate(&hc, &o, w, &res);
	if (st != QM_OK && st != QM_EMAXITER && st != QM_ETIMEOUT) {
		cmd_error(ctx, "calibrate heston: %s: %s", h.where, st == QM_EBOUNDS ?
		    "a quote lies outside the no-arbitrage bounds (no implied vol)" :
		    qm_strerror(st));
		goto out;
	}
	out_begin(ctx->out);
	if (sym != NULL)
		out_str(ctx->out, "underlying", sym);
	out_num(ctx->out, "kappa", res.params.kappa);
	out_num(ctx->out, "theta", res.params.theta);
	out_num(ctx->out, "sigma", res.params.sigma);
	out_num(ctx->out, "rho", res.params.rho);
	out_num(ctx->out, "v0", res.params.v0);
	out_num(ctx->out, "rmse_price", res.rmse_price);
	out_num(ctx->out, "rmse_iv_bp", res.rmse_iv_bp);
	out_num(ctx->out, "max_err_iv_bp", res.max_iv_err_bp);
	out_num(ctx->out, "sse_iv_pts", res.sse_iv_pts);
	out_int(ctx->out, "iterations", res.iterations);
	out_int(ctx->out, "evaluations", res.evaluations);
	out_bool(ctx->out, "global_stage", res.global_used);
	out_num(ctx->out, "elapsed_ms", res.elapsed_ms);
	out_str(ctx->out, "objective", o.target == HESTON_FIT_IV ? "iv" : "price");
	out_str(ctx->out, "status", words[st]);
	out_bool(ctx->out, "feller", 2 * res.params.kappa * res.params.theta >=
	    res.params.sigma * res.params.sigma);
	out_int(ctx->out, "quotes", (long long)h.n);
	out_end(ctx->out);
	rc = 0;
out:
	heston_calib_free(w);
	cmd_hquotes_free(&h);
	return rc;
}

const struct cmd_entry cmd_calibrate_heston_entry = {
	.name = "calibrate heston",
	.positional = "[SYMBOL|all]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = cmd_calibrate_heston_opts,
	.topic = "calibrate",
	.flags = CMD_READONLY_OK,
	.summary = "fit Heston to a chain of prices or implied vols",
	.exec = cmd_calibrate_heston_exec,
};
