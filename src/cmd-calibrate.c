/*
 * cmd-calibrate.c -- `calibrate ou PAIR|all` and the shared path of every
 * `calibrate MODEL SYMBOL|all` on the market state: the request goes to the
 * engine's orchestrator (engine_calibrate), which warm-starts from the
 * parameter book, keeps the previous parameters on a failed or poor fit,
 * raises alerts and stores the calibration for `calibrate replay`.  With
 * the engine stopped the same happens in the command's own thread.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-calib.h"
#include "cmd.h"
#include "conf.h"
#include "engine.h"
#include "market.h"
#include "qd.h"

/* Prints the fields every record of a result starts with. */
static void cmd_calib_head(struct out *o, const struct calib_result *r)
{
	char when[32];

	market_format_time(r->data_time, when, sizeof when);
	out_str(o, "model", calib_model_name(r->model));
	out_str(o, "symbol", r->symbol);
	out_str(o, "status", calib_status_name(r->status));
	out_bool(o, "kept_previous", r->kept_previous);
	out_str(o, "data_time", isfinite(r->data_time) && r->data_time > 0 ? when : "");
}

/* Prints the fit metrics and the alert. */
static void cmd_calib_tail(struct out *o, const struct calib_result *r)
{
	out_int(o, "quotes", (long long)r->nquotes);
	out_int(o, "iterations", r->iterations);
	out_bool(o, "warm", r->warm);
	out_bool(o, "global_stage", r->global_stage);
	out_num(o, "elapsed_ms", r->elapsed_ms);
	out_str(o, "fingerprint", r->fingerprint);
	out_str(o, "alert", r->alert);
}

/* One record per SABR slice, one otherwise. */
void cmd_calib_records(struct out *o, const struct calib_result *r)
{
	size_t i;

	if (r->model == CALIB_SABR && r->nslices > 0) {
		for (i = 0; i < r->nslices; i++) {
			const struct calib_sabr_slice *s = &r->sabr[i];

			out_begin(o);
			cmd_calib_head(o, r);
			out_int(o, "expiry", s->expiry);
			out_num(o, "T", s->T);
			out_num(o, "forward", s->forward);
			out_num(o, "atm_vol", s->atm_vol);
			out_num(o, "alpha", s->p.alpha);
			out_num(o, "beta", s->p.beta);
			out_num(o, "rho", s->p.rho);
			out_num(o, "nu", s->p.nu);
			out_num(o, "rmse_iv_bp", s->rmse_iv_bp);
			out_num(o, "max_err_iv_bp", s->max_err_iv_bp);
			cmd_calib_tail(o, r);
			out_end(o);
		}
		return;
	}
	out_begin(o);
	cmd_calib_head(o, r);
	if (r->model == CALIB_HESTON && (r->status == CALIB_OK || r->kept_previous)) {
		out_num(o, "kappa", r->heston.kappa);
		out_num(o, "theta", r->heston.theta);
		out_num(o, "sigma", r->heston.sigma);
		out_num(o, "rho", r->heston.rho);
		out_num(o, "v0", r->heston.v0);
		out_num(o, "rmse_iv_bp", r->rmse_iv_bp);
		out_num(o, "max_err_iv_bp", r->max_err_iv_bp);
	} else if (r->model == CALIB_OU && (r->status == CALIB_OK || r->kept_previous)) {
		out_num(o, "theta", r->ou.p.theta);
		out_num(o, "mu", r->ou.p.mu);
		out_num(o, "sigma", r->ou.p.sigma);
		out_num(o, "hedge_ratio", r->ou.hedge_ratio);
		out_num(o, "half_life_days", r->ou.half_life_days);
		out_num(o, "coint_pvalue", r->ou.coint_pvalue);
		out_num(o, "last_spread", r->ou.last_spread);
	}
	cmd_calib_tail(o, r);
	out_end(o);
}

/* What a calibration command's progress reports name. */
struct cmd_calib_progress {
	struct cmd_ctx *ctx;
	enum calib_model model;
	const char *symbol;
};

/* engine_calibrate's progress callback: reports "k of n done" and stops
 * waiting when the trader cancels. */
static int cmd_calibrate_progress(void *arg, size_t done, size_t n)
{
	struct cmd_calib_progress *p = arg;

	cmd_progress(p->ctx, "calibrate %s %s: %zu of %zu done", calib_model_name(p->model),
	    p->symbol, done, n);
	return cmd_cancelled(p->ctx);
}

/* calibrate MODEL SYMBOL|all through the engine. */
int cmd_calibrate_engine(struct cmd_ctx *ctx, enum calib_model model, const char *symbol)
{
	struct calib_result *r = NULL;
	struct cmd_calib_progress prog = { ctx, model, symbol };
	char *cause = NULL;
	size_t i, n = 0, failed = 0;
	double timeout = conf_get_double(ctx->qd->conf, "engine.calibrate_timeout");

	if (engine_calibrate(ctx->qd->conf, model, symbol, timeout, cmd_calibrate_progress, &prog,
	    &r, &n, &cause) != 0) {
		cmd_error(ctx, "calibrate %s: %s", calib_model_name(model), cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++) {
		cmd_calib_records(ctx->out, &r[i]);
		failed += r[i].status == CALIB_FAILED;
	}
	if (failed > 0) {
		for (i = 0; i < n && r[i].status != CALIB_FAILED; i++)
			;
		cmd_error(ctx, "calibrate %s %s: %zu of %zu failed; %s: %s", calib_model_name(model),
		    symbol, failed, n, r[i].symbol, r[i].alert);
	}
	free(r);
	return failed > 0 ? -1 : 0;
}

/* calibrate ou PAIR|all */
static int cmd_calibrate_ou_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *sym = cmd_arg_pos(a, 0);

	if (strcmp(sym, "all") != 0 && strchr(sym, '/') == NULL)
		return cmd_usage_error(ctx, "calibrate ou: '%s' is not a pair: give LEG1/LEG2 "
		    "or all", sym);
	return cmd_calibrate_engine(ctx, CALIB_OU, sym);
}

const struct cmd_entry cmd_calibrate_ou_entry = {
	.name = "calibrate ou",
	.positional = "LEG1/LEG2|all",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "calibrate",
	.flags = CMD_READONLY_OK | CMD_ASYNC,
	.summary = "fit the OU spread of a pair (Engle-Granger hedge ratio, MLE)",
	.exec = cmd_calibrate_ou_exec,
};
