/*
 * cmd-calibrate-sabr.c -- `calibrate sabr`: fits (alpha, rho, nu) of
 * Hagan's SABR for a fixed beta to every maturity slice of a chain file,
 * by Levenberg-Marquardt with the analytic Jacobian (models/sabr-calib.c).
 *
 * Quotes are implied vols, or prices turned into implied vols with the
 * Jaeckel inversion.  Rows with equal maturities form one slice; the
 * forward is the row's forward column, --forward, or S e^((r - q) T).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "calib-input.h"
#include "calib.h"
#include "cmd-calib.h"
#include "cmd.h"
#include "iv.h"
#include "market-state.h"
#include "market.h"
#include "option-rows.h"
#include "qm-status.h"
#include "sabr-calib.h"
#include "util.h"

static const struct cmd_opt cmd_calibrate_sabr_opts[] = {
	{ "chain", OPT_STRING, "FILE", 0, "chain file (help chain-format), or give a SYMBOL" },
	{ "beta", OPT_DOUBLE, "B", 0, "fixed CEV exponent in [0, 1] (needed with --chain)" },
	{ "forward", OPT_DOUBLE, "F", 0, "forward for every slice (else per row or from spot)" },
	{ "spot", OPT_DOUBLE, "S", 0, "underlying price (forward S e^((r-q)T))" },
	{ "rate", OPT_DOUBLE, "R", 0, "continuous rate (default 0)" },
	{ "div", OPT_DOUBLE, "Q", 0, "continuous dividend yield (default 0)" },
	{ "obloj", OPT_FLAG, NULL, 0, "fit Obloj's (2008) formula" },
	{ "atm", OPT_FLAG, NULL, 0, "imply alpha from the ATM vol, fit rho and nu" },
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "quote date for a chain with expiry dates" },
	{ NULL, 0, NULL, 0, NULL }
};

/* One maturity slice under construction. */
struct cmd_slice {
	double T, F;
	size_t n;
	double *K, *vol, *w;
};

/* Orders row indices by maturity, then strike. */
static const struct chain_file *cmd_sort_chain;
static int cmd_row_cmp(const void *pa, const void *pb)
{
	const struct chain_row *a = &cmd_sort_chain->rows[*(const size_t *)pa];
	const struct chain_row *b = &cmd_sort_chain->rows[*(const size_t *)pb];

	if (a->maturity != b->maturity)
		return a->maturity < b->maturity ? -1 : 1;
	return (a->strike > b->strike) - (a->strike < b->strike);
}

/* The ATM vol of a slice: linear in strike between the strikes around F. */
static double cmd_atm_vol(const struct cmd_slice *s)
{
	size_t j;

	if (s->F <= s->K[0])
		return s->vol[0];
	for (j = 1; j < s->n; j++) {
		if (s->K[j] >= s->F) {
			double t = (s->F - s->K[j - 1]) / (s->K[j] - s->K[j - 1]);

			return s->vol[j - 1] + t * (s->vol[j] - s->vol[j - 1]);
		}
	}
	return s->vol[s->n - 1];
}

/* Fits one slice and prints its record. */
static int cmd_fit_slice(struct cmd_ctx *ctx, const struct cmd_args *a, sabr_calib_workspace *w,
    struct cmd_slice *s)
{
	static const char *const words[] = { [QM_OK] = "converged", [QM_EMAXITER] = "max-iterations" };
	sabr_calib_opts o;
	sabr_calib_result r;
	sabr_slice sl;
	double t0;
	int st;

	sabr_calib_opts_init(&o, cmd_arg_double(a, "beta", 0));
	o.formula = cmd_arg_has(a, "obloj") ? SABR_OBLOJ : SABR_HAGAN;
	sl.T = s->T;
	sl.F = s->F;
	sl.n = s->n;
	sl.K = s->K;
	sl.vol = s->vol;
	sl.w = s->w;
	sl.atm_vol = cmd_arg_has(a, "atm") ? cmd_atm_vol(s) : 0.0;
	t0 = now_monotonic();
	st = sabr_calib_smile(w, &sl, &o, &r);
	t0 = now_monotonic() - t0;
	out_begin(ctx->out);
	out_num(ctx->out, "maturity", s->T);
	out_num(ctx->out, "forward", s->F);
	out_num(ctx->out, "alpha", r.p.alpha);
	out_num(ctx->out, "beta", o.beta);
	out_num(ctx->out, "rho", r.p.rho);
	out_num(ctx->out, "nu", r.p.nu);
	out_num(ctx->out, "rmse_iv_bp", r.rmse_bp);
	out_int(ctx->out, "quotes", (long long)s->n);
	out_int(ctx->out, "iterations", r.iter);
	out_num(ctx->out, "elapsed_us", t0 * 1e6);
	out_str(ctx->out, "status", st == QM_OK || st == QM_EMAXITER ? words[st] : "failed");
	out_end(ctx->out);
	if (st != QM_OK && st != QM_EMAXITER)
		return cmd_error(ctx, "calibrate sabr: maturity %g: %s", s->T, qm_strerror(st));
	return 0;
}

/* Fits every expiry of the latest clean chain of an underlying in the
 * market state: the out-of-the-money options with a validated implied vol
 * that calib.c selects for the engine's SABR calibrations
 * (calib_input_from_snap), so this command and the engine fit the same
 * quotes. */
static int cmd_calibrate_sabr_market(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *symbol)
{
	const struct mstate_snap *snap = mstate_snapshot(mstate_global());
	struct calib_input *in;
	struct calib_cfg cfg;
	struct cmd_slice s;
	sabr_calib_workspace *w;
	char *cause = NULL;
	size_t i, j;
	int rc = 0, fitted = 0;

	calib_cfg_default(&cfg);
	if (calib_input_from_snap(CALIB_SABR, symbol, snap, &cfg, &in, &cause) != 0) {
		mstate_snap_release(snap);
		cmd_error(ctx, "calibrate sabr: %s", cause);
		free(cause);
		return -1;
	}
	mstate_snap_release(snap);
	w = sabr_calib_workspace_alloc(in->n);
	for (i = 0; i < in->n && rc == 0; i = j) {
		for (j = i; j < in->n && in->expiry[j] == in->expiry[i]; j++)
			;
		s.T = in->T[i];
		s.F = in->fwd[i];
		s.n = j - i;
		s.K = in->K + i;
		s.vol = in->iv + i;
		s.w = in->weight + i;
		/* Three parameters need more than three quotes. */
		if (s.n >= CALIB_SABR_MIN_QUOTES) {
			rc = cmd_fit_slice(ctx, a, w, &s);
			fitted++;
		}
	}
	if (rc == 0 && fitted == 0)
		rc = cmd_error(ctx, "calibrate sabr: no expiry of '%s' has %d usable quotes",
		    symbol, CALIB_SABR_MIN_QUOTES);
	sabr_calib_workspace_free(w);
	calib_input_free(in);
	return rc;
}

/* calibrate sabr --chain FILE --beta B | SYMBOL --beta B */
static int cmd_calibrate_sabr_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct option_defaults d;
	struct chain_file c;
	struct cmd_slice s;
	sabr_calib_workspace *w = NULL;
	size_t *idx, i, j, k;
	char *cause = NULL;
	int rc = 0;
	double beta = cmd_arg_double(a, "beta", 0);

	if (cmd_arg_has(a, "beta") && !(beta >= 0 && beta <= 1))
		return cmd_error(ctx, "calibrate sabr: --beta must lie in [0, 1]");
	if (cmd_arg_has(a, "chain") == (cmd_arg_pos(a, 0) != NULL))
		return cmd_usage_error(ctx, "calibrate sabr: give either --chain FILE or a "
		    "SYMBOL of the market state");
	/* SYMBOL alone (or all): the engine's orchestrator, which stores the
	 * fit and updates the parameters in force.  With fit options: a
	 * what-if fit of the live chain, printed only. */
	if (cmd_arg_pos(a, 0) != NULL && !cmd_arg_has(a, "beta") && !cmd_arg_has(a, "obloj") &&
	    !cmd_arg_has(a, "atm"))
		return cmd_calibrate_engine(ctx, CALIB_SABR, cmd_arg_pos(a, 0));
	if (cmd_arg_pos(a, 0) != NULL && strcmp(cmd_arg_pos(a, 0), "all") == 0)
		return cmd_usage_error(ctx, "calibrate sabr all: the fit options apply to one "
		    "SYMBOL or --chain; `all` uses the calibrate.* settings");
	if (!cmd_arg_has(a, "beta"))
		return cmd_usage_error(ctx, "calibrate sabr --chain FILE: --beta B is needed");
	if (cmd_arg_pos(a, 0) != NULL)
		return cmd_calibrate_sabr_market(ctx, a, cmd_arg_pos(a, 0));
	option_defaults_read(a, 1, &d);
	if (option_load_chain(ctx, a, CHAIN_NEED_QUOTE, &c) != 0)
		return -1;
	idx = xcalloc(c.n, sizeof *idx);
	for (i = 0; i < c.n; i++)
		idx[i] = i;
	cmd_sort_chain = &c;
	qsort(idx, c.n, sizeof *idx, cmd_row_cmp);
	s.K = xcalloc(c.n, sizeof *s.K);
	s.vol = xcalloc(c.n, sizeof *s.vol);
	s.w = xcalloc(c.n, sizeof *s.w);
	w = sabr_calib_workspace_alloc(c.n);
	for (i = 0; i < c.n && rc == 0; i = j) {
		const struct chain_row *r0 = &c.rows[idx[i]];
		struct option_inputs in;

		s.T = r0->maturity;
		s.F = NAN;
		s.n = 0;
		for (j = i; j < c.n && c.rows[idx[j]].maturity == s.T; j++) {
			const struct chain_row *r = &c.rows[idx[j]];
			double vol = r->implied_vol;
			int st;

			if (option_inputs_row(&c, idx[j], &d, &in, &cause) != 0) {
				rc = cmd_error(ctx, "calibrate sabr: %s", cause);
				free(cause);
				break;
			}
			if (isnan(vol)) {
				st = iv_bs(in.type, in.S, in.K, in.T, in.r, in.q, r->price, &vol);
				if (st != QM_OK || !(vol > 0)) {
					rc = cmd_error(ctx, "calibrate sabr: %s:%d: no implied vol for "
					    "price %g: %s", c.csv.path, r->line, r->price, qm_strerror(st));
					break;
				}
			}
			if (j > i && fabs(in.F - s.F) > 1e-12 * s.F) {
				rc = cmd_error(ctx, "calibrate sabr: %s:%d: forward %g differs from %g "
				    "earlier in the same maturity", c.csv.path, r->line, in.F, s.F);
				break;
			}
			s.F = in.F;
			k = s.n++;
			s.K[k] = r->strike;
			s.vol[k] = vol;
			s.w[k] = r->weight;
		}
		if (rc == 0)
			rc = cmd_fit_slice(ctx, a, w, &s);
	}
	sabr_calib_workspace_free(w);
	free(s.K);
	free(s.vol);
	free(s.w);
	free(idx);
	chain_free(&c);
	return rc;
}

const struct cmd_entry cmd_calibrate_sabr_entry = {
	.name = "calibrate sabr",
	.positional = "[SYMBOL|all]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = cmd_calibrate_sabr_opts,
	.topic = "calibrate",
	.flags = CMD_READONLY_OK,
	.summary = "fit SABR (alpha, rho, nu) per maturity of a chain",
	.exec = cmd_calibrate_sabr_exec,
};
