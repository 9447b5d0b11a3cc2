/*
 * cmd-params.c -- `params SYMBOL [--model M]`: the parameters in force for
 * a symbol (the engine's parameter book: the latest accepted calibration,
 * reloaded from the store when the engine has not run in this process).
 */
#include "config.h"

#include <string.h>

#include "cmd-calib.h"
#include "cmd.h"
#include "engine.h"
#include "qd.h"

static const struct cmd_opt cmd_params_opts[] = {
	{ "model", OPT_CHOICE, "heston|sabr|ou", 0, "one model only" },
	{ NULL, 0, NULL, 0, NULL }
};

/* params SYMBOL [--model M] */
static int cmd_params_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *sym = cmd_arg_pos(a, 0);
	const struct engine_snap *es;
	const struct calib_book *b;
	enum calib_model only = CALIB_NMODELS;
	size_t i, found = 0;

	if (cmd_arg_has(a, "model"))
		calib_model_parse(cmd_arg_str(a, "model", ""), &only);
	engine_load_book(ctx->qd->conf);
	es = engine_snapshot();
	b = engine_snap_book(es);
	for (i = 0; i < b->n; i++) {
		if (strcmp(b->v[i].symbol, sym) != 0 ||
		    (only != CALIB_NMODELS && b->v[i].model != only))
			continue;
		cmd_calib_records(ctx->out, &b->v[i]);
		found++;
	}
	engine_snap_release(es);
	if (found == 0)
		return cmd_error(ctx, "params: no %s parameters for '%s' (calibrate it first: "
		    "calibrate heston|sabr|ou %s)", only != CALIB_NMODELS ?
		    calib_model_name(only) : "calibrated", sym, sym);
	return 0;
}

const struct cmd_entry cmd_params_entry = {
	.name = "params",
	.positional = "SYMBOL",
	.min_pos = 1,
	.max_pos = 1,
	.opts = cmd_params_opts,
	.topic = "params",
	.flags = CMD_READONLY_OK,
	.summary = "the model parameters in force for a symbol",
	.exec = cmd_params_exec,
};
