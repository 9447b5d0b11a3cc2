/*
 * cmd-vol.c -- `vol`: volatility of a price series by realized, EWMA or
 * GARCH(1,1) estimators, with the Moreira-Muir volatility-managed weight.
 *
 * The series is read with series_read(); prices become log returns (or
 * are taken as returns with --returns).  Every estimate is annualised
 * with --periods-per-year (252 trading days by default).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "series.h"
#include "util.h"
#include "volest.h"
#include "qm-status.h"

static const struct cmd_opt cmd_vol_opts[] = {
	{ "series", OPT_STRING, "FILE", 1, "CSV series file (help series-format)" },
	{ "column", OPT_STRING, "NAME", 0, "price column (default: the first numeric one)" },
	{ "method", OPT_CHOICE, "realized|ewma|garch", 1, "estimator" },
	{ "window", OPT_INT, "N", 0, "realized: the last N returns only" },
	{ "lambda", OPT_DOUBLE, "L", 0, "EWMA decay (default 0.94)" },
	{ "periods-per-year", OPT_DOUBLE, "P", 0, "sampling frequency (default 252)" },
	{ "returns", OPT_FLAG, NULL, 0, "the column holds returns, not prices" },
	{ "target", OPT_DOUBLE, "VOL", 0, "Moreira-Muir target vol: also print the weight" },
	{ "cap", OPT_DOUBLE, "W", 0, "largest weight (default 2.0)" },
	{ "floor", OPT_DOUBLE, "W", 0, "smallest weight (default 0.2)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Turns a model status into a command error naming the step. */
static int cmd_vol_fail(struct cmd_ctx *ctx, const char *what, int st)
{
	return cmd_error(ctx, "vol: %s: %s", what, qm_strerror(st));
}

/* Prints the Moreira-Muir weight for vol when --target was given. */
static int cmd_vol_weight(struct cmd_ctx *ctx, const struct cmd_args *a, double vol)
{
	double w;
	int st;

	if (!cmd_arg_has(a, "target"))
		return 0;
	st = volest_mm_weight(vol, cmd_arg_double(a, "target", 0),
	    cmd_arg_double(a, "cap", VOLEST_MM_CAP), cmd_arg_double(a, "floor", VOLEST_MM_FLOOR),
	    &w);
	if (st != QM_OK)
		return cmd_vol_fail(ctx, "weight (target, cap and floor must be > 0, floor <= cap)", st);
	out_num(ctx->out, "target", cmd_arg_double(a, "target", 0));
	out_num(ctx->out, "weight", w);
	return 0;
}

/* Runs the chosen estimator on the returns and prints one record. */
static int cmd_vol_estimate(struct cmd_ctx *ctx, const struct cmd_args *a, const char *col,
    const double *ret, size_t n, double ppy)
{
	const char *method = cmd_arg_str(a, "method", "realized");
	double vol = NAN;
	int st;

	out_begin(ctx->out);
	out_str(ctx->out, "column", col);
	out_str(ctx->out, "method", method);
	if (strcmp(method, "realized") == 0) {
		long win = cmd_arg_int(a, "window", 0);

		if (win < 0 || (win > 0 && (size_t)win > n))
			return cmd_error(ctx, "vol: --window %ld: need 1..%zu returns", win, n);
		if (win > 0) {
			ret += n - (size_t)win;
			n = (size_t)win;
		}
		st = volest_realized(ret, n, ppy, VOLEST_DEMEAN, &vol);
		if (st != QM_OK)
			return cmd_vol_fail(ctx, "realized volatility", st);
		out_int(ctx->out, "n", (long long)n);
	} else if (strcmp(method, "ewma") == 0) {
		double lambda = cmd_arg_double(a, "lambda", VOLEST_EWMA_LAMBDA);

		st = volest_ewma(ret, n, lambda, 0, ppy, NULL, &vol);
		if (st != QM_OK)
			return cmd_vol_fail(ctx, "EWMA (lambda must be in (0,1))", st);
		out_int(ctx->out, "n", (long long)n);
		out_num(ctx->out, "lambda", lambda);
	} else {
		volest_garch_workspace *w = volest_garch_workspace_alloc(n);
		struct volest_garch g;

		if (w == NULL)
			return cmd_error(ctx, "vol: out of memory for %zu returns", n);
		st = volest_garch_fit(ret, n, VOLEST_GARCH_MEAN, ppy, w, &g);
		if (st != QM_OK && st != QM_EMAXITER) {
			volest_garch_workspace_free(w);
			return cmd_vol_fail(ctx, "GARCH(1,1) fit", st);
		}
		/* The next period's conditional variance, annualised. */
		vol = sqrt((g.omega + g.alpha * pow(ret[n - 1] - g.mu, 2) + g.beta * g.h[n - 1]) * ppy);
		out_int(ctx->out, "n", (long long)n);
		out_num(ctx->out, "mu", g.mu);
		out_num(ctx->out, "omega", g.omega);
		out_num(ctx->out, "alpha", g.alpha);
		out_num(ctx->out, "beta", g.beta);
		out_num(ctx->out, "omega_se", g.se_omega);
		out_num(ctx->out, "alpha_se", g.se_alpha);
		out_num(ctx->out, "beta_se", g.se_beta);
		out_num(ctx->out, "loglik", g.loglik);
		out_num(ctx->out, "persistence", g.persistence);
		out_num(ctx->out, "longrun_vol", g.longrun_vol);
		out_int(ctx->out, "iterations", g.iterations);
		out_str(ctx->out, "status", st == QM_OK ? "converged" : "max-iterations");
		volest_garch_workspace_free(w);
	}
	out_num(ctx->out, "vol", vol);
	if (cmd_vol_weight(ctx, a, vol) != 0)
		return -1;
	out_end(ctx->out);
	return 0;
}

/* vol --series FILE --method M */
static int cmd_vol_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *col = cmd_arg_str(a, "column", NULL);
	double ppy = cmd_arg_double(a, "periods-per-year", 252), *ret;
	struct series s;
	char *cause = NULL;
	size_t n;
	int rc, st;

	if (!(ppy > 0))
		return cmd_error(ctx, "vol: --periods-per-year must be positive");
	if (series_read(cmd_arg_str(a, "series", ""), col ? &col : NULL, col ? 1 : 0, &s,
	    &cause) != 0) {
		cmd_error(ctx, "vol: %s", cause);
		free(cause);
		return -1;
	}
	if (cmd_arg_has(a, "returns")) {
		n = s.n;
		ret = xcalloc(n + 1, sizeof *ret);
		memcpy(ret, s.cols[0], n * sizeof *ret);
	} else {
		n = s.n > 0 ? s.n - 1 : 0;
		ret = xcalloc(n + 1, sizeof *ret);
		if (s.n < 2)
			st = QM_ETOOSHORT;
		else
			st = volest_log_returns(s.cols[0], s.n, ret);
		if (st != QM_OK) {
			free(ret);
			series_free(&s);
			return cmd_error(ctx, "vol: %s: column '%s': %s (prices must be positive)",
			    cmd_arg_str(a, "series", ""), col ? col : "", qm_strerror(st));
		}
	}
	rc = cmd_vol_estimate(ctx, a, s.names[0], ret, n, ppy);
	free(ret);
	series_free(&s);
	return rc;
}

const struct cmd_entry cmd_vol_entry = {
	.name = "vol",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_vol_opts,
	.topic = "vol",
	.flags = CMD_READONLY_OK,
	.summary = "volatility of a series: realized, EWMA or GARCH(1,1)",
	.exec = cmd_vol_exec,
};
