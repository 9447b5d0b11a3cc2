/*
 * cmd-coint.c -- `coint`: cointegration tests of series in a CSV file.
 *
 * Engle-Granger (OLS hedge ratio, ADF on the residual, MacKinnon p-value
 * and critical values, half-life of the spread), optionally with the
 * rolling health check the live strategies use; or Johansen's trace and
 * maximum-eigenvalue tests for 2 to 12 series.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adf.h"
#include "cmd.h"
#include "coint.h"
#include "johansen.h"
#include "qm-status.h"
#include "series.h"
#include "util.h"

static const struct cmd_opt cmd_coint_opts[] = {
	{ "series", OPT_STRING, "FILE", 1, "CSV series file (help series-format)" },
	{ "columns", OPT_STRING, "A,B[,C...]", 1, "columns: y first, then the regressors" },
	{ "method", OPT_CHOICE, "eg|johansen", 0, "Engle-Granger (default) or Johansen" },
	{ "lags", OPT_STRING, "N|aic|bic", 0, "ADF lag order or criterion (default aic)" },
	{ "no-intercept", OPT_FLAG, NULL, 0, "Engle-Granger regression without a constant" },
	{ "order", OPT_INT, "P", 0, "Johansen VAR order in levels (default 2)" },
	{ "det", OPT_CHOICE, "none|const|trend", 0, "Johansen deterministic terms (default const)" },
	{ "days-per-period", OPT_DOUBLE, "D", 0, "days per observation for half_life_days (default 1)" },
	{ "health", OPT_INT, "WINDOW", 0, "also run the rolling health check over windows of this size" },
	{ "step", OPT_INT, "N", 0, "health check: observations between windows (default 5)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Parses --lags into an ADF lag selection and order. */
static int cmd_coint_lags(struct cmd_ctx *ctx, const char *s, coint_opts *o)
{
	long n;

	o->maxlag = ADF_MAXLAG_DEFAULT;
	if (strcmp(s, "aic") == 0)
		o->lagsel = ADF_LAG_AIC;
	else if (strcmp(s, "bic") == 0)
		o->lagsel = ADF_LAG_BIC;
	else if (parse_long(s, 0, 1000, &n) == 0) {
		o->lagsel = ADF_LAG_FIXED;
		o->maxlag = (size_t)n;
	} else
		return cmd_error(ctx, "coint: --lags: expected a number, aic or bic, got '%s'", s);
	return 0;
}

/* Prints the rolling health check of an Engle-Granger pair. */
static int cmd_coint_health(struct cmd_ctx *ctx, const struct cmd_args *a, struct series *s,
    const coint_opts *o, coint_workspace *w)
{
	size_t window = (size_t)cmd_arg_int(a, "health", 0), step = (size_t)cmd_arg_int(a, "step", 5);
	size_t count = 0, k = (size_t)s->ncols - 1;
	double *pv, *stat, *beta, *hl, *work;
	coint_health_limits lim;
	coint_health h;
	int st;

	if (cmd_arg_int(a, "health", 0) < 20 || cmd_arg_int(a, "step", 5) < 1)
		return cmd_error(ctx, "coint: --health needs a window of at least 20 and --step >= 1");
	if (coint_rolling_count(s->n, window, step, &count) != QM_OK || count < 2)
		return cmd_error(ctx, "coint: --health %zu: the series (%zu rows) holds fewer than "
		    "two windows", window, s->n);
	pv = xcalloc(count, sizeof *pv);
	stat = xcalloc(count, sizeof *stat);
	beta = xcalloc(count * k, sizeof *beta);
	hl = xcalloc(count, sizeof *hl);
	work = xcalloc(4 * count + 16, sizeof *work);
	{
		double *x = xcalloc(s->n * k, sizeof *x);
		size_t j;

		for (j = 0; j < k; j++)
			memcpy(x + j * s->n, s->cols[j + 1], s->n * sizeof *x);
		st = coint_rolling(s->cols[0], x, s->n, k, window, step, o, w, pv, stat, beta, hl,
		    count, &count);
		free(x);
	}
	if (st == QM_OK) {
		coint_health_default_limits(&lim);
		st = coint_health_eval(pv, beta, hl, count, k, &lim, work, &h);
	}
	if (st == QM_OK) {
		static const char *const verdicts[] = { "pass", "warn", "fail" };

		out_str(ctx->out, "health", verdicts[h.verdict]);
		out_num(ctx->out, "health_pvalue", h.pvalue);
		out_num(ctx->out, "health_pass_fraction", h.pass_frac);
		out_num(ctx->out, "health_beta_z", h.beta_z);
		out_num(ctx->out, "health_half_life_ratio", h.half_life_ratio);
		out_int(ctx->out, "health_windows", (long long)count);
	}
	free(pv);
	free(stat);
	free(beta);
	free(hl);
	free(work);
	if (st != QM_OK)
		return cmd_error(ctx, "coint: health check: %s", qm_strerror(st));
	return 0;
}

/* Engle-Granger on the first column against the others. */
static int cmd_coint_eg(struct cmd_ctx *ctx, const struct cmd_args *a, struct series *s)
{
	size_t k = (size_t)s->ncols - 1, j;
	double dpp = cmd_arg_double(a, "days-per-period", 1), *x;
	coint_workspace *w;
	coint_result r;
	coint_opts o;
	int st;

	o.trend = cmd_arg_has(a, "no-intercept") ? ADF_TREND_N : ADF_TREND_C;
	if (cmd_coint_lags(ctx, cmd_arg_str(a, "lags", "aic"), &o) != 0)
		return -1;
	if (!(dpp > 0))
		return cmd_error(ctx, "coint: --days-per-period must be positive");
	if ((w = coint_workspace_alloc(s->n, k, o.maxlag)) == NULL)
		return cmd_error(ctx, "coint: cannot size a workspace for %zu rows", s->n);
	x = xcalloc(s->n * k, sizeof *x);
	for (j = 0; j < k; j++)
		memcpy(x + j * s->n, s->cols[j + 1], s->n * sizeof *x);
	st = coint_eg(s->cols[0], x, s->n, k, &o, w, &r, NULL);
	free(x);
	if (st != QM_OK) {
		coint_workspace_free(w);
		return cmd_error(ctx, "coint: %s (%zu rows of %s)", qm_strerror(st), s->n,
		    s->names[0]);
	}
	out_begin(ctx->out);
	out_num(ctx->out, "hedge_ratio", r.beta[0]);
	for (j = 1; j < k; j++) {
		char *name = xasprintf("hedge_ratio_%s", s->names[j + 1]);

		out_num(ctx->out, name, r.beta[j]);
		free(name);
	}
	out_num(ctx->out, "intercept", o.trend == ADF_TREND_N ? 0.0 : r.alpha);
	out_num(ctx->out, "adf_stat", r.stat);
	out_num(ctx->out, "p_value", r.pvalue);
	out_num(ctx->out, "crit_1pct", r.crit[0]);
	out_num(ctx->out, "crit_5pct", r.crit[1]);
	out_num(ctx->out, "crit_10pct", r.crit[2]);
	out_int(ctx->out, "lags", (long long)r.lags);
	out_num(ctx->out, "half_life_days", r.half_life * dpp);
	out_num(ctx->out, "spread_sd", r.resid_sd);
	out_int(ctx->out, "n", (long long)s->n);
	if (cmd_arg_has(a, "health") && cmd_coint_health(ctx, a, s, &o, w) != 0) {
		coint_workspace_free(w);
		return -1;
	}
	out_end(ctx->out);
	coint_workspace_free(w);
	return 0;
}

/* Johansen's tests on all the columns. */
static int cmd_coint_johansen(struct cmd_ctx *ctx, const struct cmd_args *a, struct series *s)
{
	const char *dets = cmd_arg_str(a, "det", "const");
	long p = cmd_arg_int(a, "order", 2);
	int det = strcmp(dets, "none") == 0 ? JOHANSEN_DET_NONE :
	    strcmp(dets, "trend") == 0 ? JOHANSEN_DET_TREND : JOHANSEN_DET_CONST;
	size_t m = (size_t)s->ncols, r, j;
	johansen_workspace *w;
	johansen_result res;
	double *y;
	int st;

	if (m > JOHANSEN_MAXVARS)
		return cmd_error(ctx, "coint: Johansen takes 2 to %d series", JOHANSEN_MAXVARS);
	if (p < 1 || p > 50)
		return cmd_error(ctx, "coint: --order must be 1..50");
	if ((w = johansen_workspace_alloc(s->n, m, (size_t)p)) == NULL)
		return cmd_error(ctx, "coint: cannot size a workspace for %zu rows", s->n);
	y = xcalloc(s->n * m, sizeof *y);
	for (j = 0; j < m; j++)
		memcpy(y + j * s->n, s->cols[j], s->n * sizeof *y);
	st = johansen_test(y, s->n, m, (size_t)p, det, w, &res);
	free(y);
	johansen_workspace_free(w);
	if (st != QM_OK)
		return cmd_error(ctx, "coint: Johansen: %s", qm_strerror(st));
	for (r = 0; r < m; r++) {
		out_begin(ctx->out);
		out_int(ctx->out, "r", (long long)r);
		out_num(ctx->out, "eigenvalue", res.eig[r]);
		out_num(ctx->out, "trace", res.trace[r]);
		out_num(ctx->out, "trace_cv90", res.trace_cv[r][0]);
		out_num(ctx->out, "trace_cv95", res.trace_cv[r][1]);
		out_num(ctx->out, "trace_cv99", res.trace_cv[r][2]);
		out_num(ctx->out, "max_eig", res.maxeig[r]);
		out_num(ctx->out, "max_eig_cv90", res.maxeig_cv[r][0]);
		out_num(ctx->out, "max_eig_cv95", res.maxeig_cv[r][1]);
		out_num(ctx->out, "max_eig_cv99", res.maxeig_cv[r][2]);
		for (j = 0; j < m; j++) {
			char *name = xasprintf("vector_%s", s->names[j]);

			out_num(ctx->out, name, res.evec[j * m + r]);
			free(name);
		}
		out_end(ctx->out);
	}
	out_begin(ctx->out);
	out_int(ctx->out, "rank_trace", (long long)res.rank_trace);
	out_int(ctx->out, "rank_max_eig", (long long)res.rank_maxeig);
	out_int(ctx->out, "nobs", (long long)res.nobs);
	out_str(ctx->out, "det", dets);
	out_int(ctx->out, "order", p);
	out_end(ctx->out);
	return 0;
}

/* coint --series FILE --columns A,B */
static int cmd_coint_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int n, rc;
	char **names = series_split_names(cmd_arg_str(a, "columns", ""), &n), *cause = NULL;
	struct series s;

	if (n < 2) {
		series_names_free(names);
		return cmd_error(ctx, "coint: --columns needs at least two names, comma-separated");
	}
	if (series_read(cmd_arg_str(a, "series", ""), (const char *const *)names, n, &s,
	    &cause) != 0) {
		series_names_free(names);
		cmd_error(ctx, "coint: %s", cause);
		free(cause);
		return -1;
	}
	series_names_free(names);
	if (strcmp(cmd_arg_str(a, "method", "eg"), "johansen") == 0)
		rc = cmd_coint_johansen(ctx, a, &s);
	else if (n - 1 > COINT_MAXREG) {
		rc = cmd_error(ctx, "coint: Engle-Granger takes at most %d regressors",
		    COINT_MAXREG);
	} else
		rc = cmd_coint_eg(ctx, a, &s);
	series_free(&s);
	return rc;
}

const struct cmd_entry cmd_coint_entry = {
	.name = "coint",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_coint_opts,
	.topic = "coint",
	.flags = CMD_READONLY_OK,
	.summary = "cointegration tests: Engle-Granger or Johansen",
	.exec = cmd_coint_exec,
};
