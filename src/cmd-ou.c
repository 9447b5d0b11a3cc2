/*
 * cmd-ou.c -- the OU family: `ou fit` (exact maximum likelihood of a
 * series), `ou optimal` (Leung & Li's optimal entry and exit levels, with
 * or without a stop-loss) and `ou value` (their value functions on a grid,
 * for charts).  `ou bertram` lives in cmd-ou-bertram.c.
 *
 * Conventions (help ou): mu, sigma and the discount rates per year; the
 * series step --dt in years (1/252 for daily closes); costs in the
 * spread's units per transaction; a stop-loss L is an absolute level and a
 * stopped position is sold for L - c.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "leungli.h"
#include "ou.h"
#include "qm-status.h"
#include "series.h"
#include "util.h"

/* --- ou fit ---------------------------------------------------------------- */

static const struct cmd_opt cmd_ou_fit_opts[] = {
	{ "series", OPT_STRING, "FILE", 1, "CSV series file (help series-format)" },
	{ "column", OPT_STRING, "NAME", 0, "the spread column (default: the first numeric one)" },
	{ "dt", OPT_DOUBLE, "DT", 0, "years between observations (default 1/252)" },
	{ "log", OPT_FLAG, NULL, 0, "fit the logarithm of the series" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Maps an ou_mle failure to a status word and a message. */
static int cmd_ou_fit_fail(struct cmd_ctx *ctx, int st, size_t n)
{
	const char *why;

	switch (st) {
	case QM_ENOTMR: why = "not_mean_reverting: the AR(1) coefficient is >= 1"; break;
	case QM_ETOOSHORT: why = "too_short: at least 4 observations are needed"; break;
	case QM_ECONST: why = "constant: the series does not move"; break;
	case QM_EINVAL: why = "invalid: the series alternates faster than any OU process "
	    "sampled at this step (AR(1) coefficient <= 0), or holds NaN"; break;
	default: why = qm_strerror(st); break;
	}
	return cmd_error(ctx, "ou fit: %s (%zu observations)", why, n);
}

/* ou fit --series FILE */
static int cmd_ou_fit_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *col = cmd_arg_str(a, "column", NULL);
	double dt = cmd_arg_double(a, "dt", 1.0 / 252.0);
	struct series s;
	struct ou_fit f;
	char *cause = NULL;
	size_t i;
	int st;

	if (!(dt > 0))
		return cmd_error(ctx, "ou fit: --dt must be positive (years between observations)");
	if (series_read(cmd_arg_str(a, "series", ""), col ? &col : NULL, col ? 1 : 0, &s,
	    &cause) != 0) {
		cmd_error(ctx, "ou fit: %s", cause);
		free(cause);
		return -1;
	}
	if (cmd_arg_has(a, "log")) {
		for (i = 0; i < s.n; i++) {
			if (!(s.cols[0][i] > 0)) {
				cmd_error(ctx, "ou fit: --log: value %g of '%s' (row %zu) is not positive",
				    s.cols[0][i], s.names[0], i + 1);
				series_free(&s);
				return -1;
			}
			s.cols[0][i] = log(s.cols[0][i]);
		}
	}
	st = ou_mle(s.cols[0], s.n, dt, &f);
	if (st != QM_OK) {
		cmd_ou_fit_fail(ctx, st, s.n);
		series_free(&s);
		return -1;
	}
	out_begin(ctx->out);
	out_str(ctx->out, "column", s.names[0]);
	out_num(ctx->out, "theta", f.p.theta);
	out_num(ctx->out, "mu", f.p.mu);
	out_num(ctx->out, "sigma", f.p.sigma);
	out_num(ctx->out, "theta_se", f.se_theta);
	out_num(ctx->out, "mu_se", f.se_mu);
	out_num(ctx->out, "sigma_se", f.se_sigma);
	out_num(ctx->out, "half_life", f.half_life);
	out_num(ctx->out, "half_life_days", f.half_life / dt);
	out_num(ctx->out, "loglik", f.loglik);
	out_num(ctx->out, "aic", f.aic);
	out_num(ctx->out, "bic", f.bic);
	out_int(ctx->out, "n", (long long)s.n);
	out_str(ctx->out, "status", "ok");
	out_end(ctx->out);
	series_free(&s);
	return 0;
}

const struct cmd_entry cmd_ou_fit_entry = {
	.name = "ou fit",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_ou_fit_opts,
	.topic = "ou",
	.flags = CMD_READONLY_OK,
	.summary = "fit an Ornstein-Uhlenbeck process to a series (exact MLE)",
	.exec = cmd_ou_fit_exec,
};

/* --- the Leung-Li problem, shared by ou optimal and ou value --------------- */

#define LEUNGLI_OPTS \
	{ "theta", OPT_DOUBLE, "THETA", 1, "long-run mean of the spread" }, \
	{ "mu", OPT_DOUBLE, "MU", 1, "mean-reversion speed, per year" }, \
	{ "sigma", OPT_DOUBLE, "SIGMA", 1, "volatility, spread units per sqrt(year)" }, \
	{ "rate", OPT_DOUBLE, "R", 1, "discount rate while holding, per year" }, \
	{ "cost", OPT_DOUBLE, "C", 1, "cost per exit, spread units" }, \
	{ "rate-entry", OPT_DOUBLE, "R", 0, "discount rate while waiting to enter (default --rate)" }, \
	{ "cost-entry", OPT_DOUBLE, "C", 0, "cost per entry (default --cost)" }, \
	{ "stop-loss", OPT_DOUBLE, "L", 0, "stop-loss level (absolute, spread units)" }

/* Reads and checks the problem's options. */
static int cmd_ou_problem(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct leungli_params *p)
{
	p->ou.theta = cmd_arg_double(a, "theta", 0);
	p->ou.mu = cmd_arg_double(a, "mu", 0);
	p->ou.sigma = cmd_arg_double(a, "sigma", 0);
	p->r = cmd_arg_double(a, "rate", 0);
	p->c = cmd_arg_double(a, "cost", 0);
	p->r_hat = cmd_arg_double(a, "rate-entry", p->r);
	p->c_hat = cmd_arg_double(a, "cost-entry", p->c);
	if (!(p->ou.mu > 0) || !(p->ou.sigma > 0))
		return cmd_error(ctx, "%s: --mu and --sigma must be positive", ctx->entry->name);
	if (!(p->r > 0) || !(p->r_hat > 0))
		return cmd_error(ctx, "%s: the discount rates must be positive", ctx->entry->name);
	if (p->c < 0 || p->c_hat < 0 || !(p->c + p->c_hat > 0))
		return cmd_error(ctx, "%s: costs must be >= 0 and not both zero",
		    ctx->entry->name);
	if (p->r / p->ou.mu < 1e-8 || p->r / p->ou.mu > 200 || p->r_hat / p->ou.mu < 1e-8 ||
	    p->r_hat / p->ou.mu > 200)
		return cmd_error(ctx, "%s: rate / mu must lie in [1e-8, 200]", ctx->entry->name);
	return 0;
}

/* --- ou optimal ------------------------------------------------------------ */

static const struct cmd_opt cmd_ou_optimal_opts[] = {
	LEUNGLI_OPTS,
	{ NULL, 0, NULL, 0, NULL }
};

/* ou optimal --theta --mu --sigma --rate --cost [--stop-loss L] */
static int cmd_ou_optimal_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct leungli_params p;
	int st;

	if (cmd_ou_problem(ctx, a, &p) != 0)
		return -1;
	out_begin(ctx->out);
	if (!cmd_arg_has(a, "stop-loss")) {
		struct leungli_levels lv;

		if ((st = leungli_solve(&p, &lv)) != QM_OK)
			return cmd_error(ctx, "ou optimal: %s", qm_strerror(st));
		out_num(ctx->out, "exit_level", lv.b);
		out_num(ctx->out, "entry_level", lv.d);
		out_str(ctx->out, "status", "ok");
	} else {
		struct leungli_sl_levels lv;
		double L = cmd_arg_double(a, "stop-loss", 0);

		if ((st = leungli_solve_sl(&p, L, &lv)) != QM_OK)
			return cmd_error(ctx, "ou optimal: %s", qm_strerror(st));
		out_num(ctx->out, "stop_loss", L);
		out_num(ctx->out, "exit_level", lv.b);
		if (lv.entry) {
			out_num(ctx->out, "entry_lower", lv.a);
			out_num(ctx->out, "entry_upper", lv.d);
		}
		out_str(ctx->out, "status", !lv.entry ? "never_enter" :
		    lv.sell_now ? "sell_now" : "ok");
	}
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_ou_optimal_entry = {
	.name = "ou optimal",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_ou_optimal_opts,
	.topic = "ou",
	.flags = CMD_READONLY_OK,
	.summary = "Leung-Li optimal entry and exit levels, with a stop-loss",
	.exec = cmd_ou_optimal_exec,
};

/* --- ou value -------------------------------------------------------------- */

static const struct cmd_opt cmd_ou_value_opts[] = {
	LEUNGLI_OPTS,
	{ "from", OPT_DOUBLE, "X", 1, "first grid point" },
	{ "to", OPT_DOUBLE, "X", 1, "last grid point" },
	{ "points", OPT_INT, "N", 1, "grid points (2..100000)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* ou value ... --from X --to X --points N */
static int cmd_ou_value_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	double from = cmd_arg_double(a, "from", 0), to = cmd_arg_double(a, "to", 0);
	long n = cmd_arg_int(a, "points", 0), i;
	int sl = cmd_arg_has(a, "stop-loss"), st;
	struct leungli_params p;
	struct leungli_levels lv;
	struct leungli_sl_levels lvl;

	if (cmd_ou_problem(ctx, a, &p) != 0)
		return -1;
	if (n < 2 || n > 100000)
		return cmd_error(ctx, "ou value: --points must be 2..100000");
	if (!(to > from))
		return cmd_error(ctx, "ou value: --to must be above --from");
	st = sl ? leungli_solve_sl(&p, cmd_arg_double(a, "stop-loss", 0), &lvl) :
	    leungli_solve(&p, &lv);
	if (st != QM_OK)
		return cmd_error(ctx, "ou value: %s", qm_strerror(st));
	if (sl && from < lvl.L)
		return cmd_error(ctx, "ou value: with a stop-loss the grid must start at or "
		    "above L = %g", lvl.L);
	out_table(ctx->out);
	for (i = 0; i < n; i++) {
		double x = from + (to - from) * (double)i / (double)(n - 1), v, dv, j, dj;

		st = sl ? leungli_exit_value_sl(&lvl, x, &v, &dv) : leungli_exit_value(&lv, x, &v, &dv);
		if (st == QM_OK)
			st = sl ? leungli_entry_value_sl(&lvl, x, &j, &dj) :
			    leungli_entry_value(&lv, x, &j, &dj);
		if (st != QM_OK)
			return cmd_error(ctx, "ou value: at x = %g: %s", x, qm_strerror(st));
		out_begin(ctx->out);
		out_num(ctx->out, "x", x);
		out_num(ctx->out, "exit_value", v);
		out_num(ctx->out, "entry_value", j);
		out_end(ctx->out);
	}
	return 0;
}

const struct cmd_entry cmd_ou_value_entry = {
	.name = "ou value",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_ou_value_opts,
	.topic = "ou",
	.flags = CMD_READONLY_OK,
	.summary = "Leung-Li value functions V and J on a grid",
	.exec = cmd_ou_value_exec,
};
