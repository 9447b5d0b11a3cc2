/*
 * cmd-calibrations.c -- `calibrations [SYMBOL] [--model M] [--limit N]`:
 * the history of calibrations from the store, newest first.
 *
 * Each row is one calibration the engine ran (calib-store.c): when, which
 * model and symbol, whether the new parameters were accepted (ok) or the
 * previous kept (poor, failed), the key parameters in force afterwards,
 * the fit's RMSE and the alert raised.  `calibrate replay ID` reruns one.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib-store.h"
#include "calib.h"
#include "cmd.h"
#include "qd.h"
#include "store.h"
#include "util.h"

static const struct cmd_opt cmd_calibrations_opts[] = {
	{ "model", OPT_CHOICE, "heston|sabr|ou", 0, "only calibrations of this model" },
	{ "limit", OPT_INT, "N", 0, "at most N rows (default 50, 0 = all)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Writes the key parameters of r as "name=value ..." into b. */
static void cmd_calibrations_brief(struct buf *b, const struct calib_result *r)
{
	size_t i;

	switch (r->model) {
	case CALIB_HESTON:
		buf_printf(b, "kappa=%.4g theta=%.4g sigma=%.4g rho=%.4g v0=%.4g", r->heston.kappa,
		    r->heston.theta, r->heston.sigma, r->heston.rho, r->heston.v0);
		break;
	case CALIB_SABR:
		for (i = 0; i < r->nslices; i++)
			buf_printf(b, "%s%d:alpha=%.4g,rho=%.4g,nu=%.4g", i > 0 ? " " : "",
			    r->sabr[i].expiry, r->sabr[i].p.alpha, r->sabr[i].p.rho,
			    r->sabr[i].p.nu);
		if (r->nslices == 0)
			buf_adds(b, "none");
		break;
	case CALIB_OU:
		buf_printf(b, "hedge_ratio=%.4g theta=%.4g mu=%.4g sigma=%.4g half_life_days=%.3g",
		    r->ou.hedge_ratio, r->ou.p.theta, r->ou.p.mu, r->ou.p.sigma,
		    r->ou.half_life_days);
		break;
	default:
		break;
	}
}

/* calibrations [SYMBOL] [--model M] [--limit N] */
static int cmd_calibrations_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct store_calibration *rows = NULL;
	struct calib_result r;
	struct store *s;
	const char *sym = cmd_arg_pos(a, 0), *model = cmd_arg_str(a, "model", NULL);
	long limit = cmd_arg_int(a, "limit", 50);
	char *cause = NULL, when[32];
	size_t n = 0, i, shown = 0;
	struct buf b;

	if (limit < 0)
		return cmd_error(ctx, "calibrations: --limit must not be negative");
	if (sym != NULL && !market_symbol_valid(sym))
		return cmd_error(ctx, "calibrations: '%s' is not a symbol or pair LEG1/LEG2", sym);
	if ((s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause)) == NULL) {
		cmd_error(ctx, "calibrations: %s", cause);
		free(cause);
		return -1;
	}
	/* Filter by model while reading, so --limit counts what is shown. */
	if (store_list_calibrations(s, sym, model != NULL ? 0 : (size_t)limit, &rows, &n,
	    &cause) != 0) {
		store_close(s);
		cmd_error(ctx, "calibrations: %s", cause);
		free(cause);
		return -1;
	}
	store_close(s);
	out_table(ctx->out);
	buf_init(&b);
	for (i = 0; i < n && (limit == 0 || shown < (size_t)limit); i++) {
		if (model != NULL && strcmp(rows[i].model, model) != 0)
			continue;
		if (calib_store_result(&rows[i], &r, &cause) != 0) {
			cmd_error(ctx, "calibrations: %s", cause);
			free(cause);
			break;
		}
		buf_reset(&b);
		buf_adds(&b, "");
		cmd_calibrations_brief(&b, &r);
		market_format_time(rows[i].wall_time, when, sizeof when);
		out_begin(ctx->out);
		out_int(ctx->out, "id", rows[i].id);
		out_str(ctx->out, "time", when);
		out_str(ctx->out, "model", rows[i].model);
		out_str(ctx->out, "symbol", rows[i].symbol);
		out_str(ctx->out, "status", rows[i].status);
		out_bool(ctx->out, "kept_previous", rows[i].kept_previous);
		out_str(ctx->out, "params", b.data);
		out_num(ctx->out, "rmse_iv_bp", r.rmse_iv_bp);
		out_str(ctx->out, "alert", rows[i].alert);
		out_end(ctx->out);
		shown++;
	}
	buf_free(&b);
	store_calibrations_free(rows, n);
	return ctx->cause != NULL ? -1 : 0;
}

const struct cmd_entry cmd_calibrations_entry = {
	.name = "calibrations",
	.positional = "[SYMBOL]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = cmd_calibrations_opts,
	.topic = "calibrations",
	.flags = CMD_READONLY_OK,
	.summary = "history of calibrations from the store, newest first",
	.exec = cmd_calibrations_exec,
};
