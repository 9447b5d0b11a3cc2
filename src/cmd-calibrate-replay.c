/*
 * cmd-calibrate-replay.c -- `calibrate replay ID`: runs a stored
 * calibration again from its stored inputs and previous parameters and
 * says whether the parameters came out bit for bit the same.
 *
 * The proof that a calibration is reproducible (calib.h): the engine
 * stores every calibration with its encoded inputs (calib-store.c); this
 * command decodes them, checks their fingerprint, reruns calib_run() with
 * the configuration captured in the inputs, prints the stored and the
 * replayed parameters and `identical yes|no`, and exits 1 when they
 * differ.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calib-store.h"
#include "calib.h"
#include "cmd.h"
#include "qd.h"
#include "store.h"
#include "util.h"

/* Prints the parameters of r as records labelled which ("stored", "replay"). */
static void cmd_calibrate_replay_params(struct out *o, const char *which,
    const struct calib_result *r)
{
	size_t i;

	switch (r->model) {
	case CALIB_HESTON:
		out_begin(o);
		out_str(o, "which", which);
		out_num(o, "kappa", r->heston.kappa);
		out_num(o, "theta", r->heston.theta);
		out_num(o, "sigma", r->heston.sigma);
		out_num(o, "rho", r->heston.rho);
		out_num(o, "v0", r->heston.v0);
		out_num(o, "rmse_iv_bp", r->rmse_iv_bp);
		out_end(o);
		break;
	case CALIB_SABR:
		for (i = 0; i < r->nslices; i++) {
			out_begin(o);
			out_str(o, "which", which);
			out_int(o, "expiry", r->sabr[i].expiry);
			out_num(o, "alpha", r->sabr[i].p.alpha);
			out_num(o, "beta", r->sabr[i].p.beta);
			out_num(o, "rho", r->sabr[i].p.rho);
			out_num(o, "nu", r->sabr[i].p.nu);
			out_num(o, "rmse_iv_bp", r->sabr[i].rmse_iv_bp);
			out_end(o);
		}
		break;
	case CALIB_OU:
		out_begin(o);
		out_str(o, "which", which);
		out_num(o, "hedge_ratio", r->ou.hedge_ratio);
		out_num(o, "theta", r->ou.p.theta);
		out_num(o, "mu", r->ou.p.mu);
		out_num(o, "sigma", r->ou.p.sigma);
		out_num(o, "half_life_days", r->ou.half_life_days);
		out_num(o, "coint_pvalue", r->ou.coint_pvalue);
		out_end(o);
		break;
	default:
		break;
	}
}

/* calibrate replay ID */
static int cmd_calibrate_replay_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct calib_result stored, again;
	struct store *s;
	char *cause = NULL;
	long id;
	int identical, rc;

	if (parse_long(cmd_arg_pos(a, 0), 1, 0x7fffffffL, &id) != 0)
		return cmd_error(ctx, "calibrate replay: '%s' is not a calibration id (a positive "
		    "integer; `calibrations` lists them)", cmd_arg_pos(a, 0));
	if ((s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause)) == NULL) {
		cmd_error(ctx, "calibrate replay: %s", cause);
		free(cause);
		return -1;
	}
	rc = calib_replay(s, id, &stored, &again, &identical, &cause);
	store_close(s);
	if (rc != 0) {
		cmd_error(ctx, "calibrate replay: %s", cause);
		free(cause);
		return -1;
	}
	cmd_calibrate_replay_params(ctx->out, "stored", &stored);
	cmd_calibrate_replay_params(ctx->out, "replay", &again);
	out_begin(ctx->out);
	out_int(ctx->out, "id", id);
	out_str(ctx->out, "model", calib_model_name(stored.model));
	out_str(ctx->out, "symbol", stored.symbol);
	out_str(ctx->out, "status", calib_status_name(stored.status));
	out_str(ctx->out, "replay_status", calib_status_name(again.status));
	out_str(ctx->out, "fingerprint", stored.fingerprint);
	out_str(ctx->out, "identical", identical ? "yes" : "no");
	out_end(ctx->out);
	if (!identical)
		return cmd_error(ctx, "calibrate replay: calibration %ld of %s %s did not reproduce "
		    "bit for bit", id, calib_model_name(stored.model), stored.symbol);
	return 0;
}

const struct cmd_entry cmd_calibrate_replay_entry = {
	.name = "calibrate replay",
	.positional = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = NULL,
	.topic = "calibrate-replay",
	.flags = CMD_READONLY_OK,
	.summary = "rerun a stored calibration and check it reproduces bit for bit",
	.exec = cmd_calibrate_replay_exec,
};
