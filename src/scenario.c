/*
 * scenario.c -- full-revaluation scenarios: the grid of spot x vol shocks
 * and the named historical scenarios (rules in scenario.h).
 *
 * DESIGN
 * Pure functions; each call owns its scratch (one Heston workspace).
 * Positions are resolved once with risk_val_resolve() (the same valuation
 * as the Greeks), then repriced at every point.  Heston options of one
 * underlying are repriced together by heston_price_surface(), which shares
 * the characteristic-function work of options of equal maturity; BS
 * options one by one with bs_price().
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "conf.h"
#include "heston.h"
#include "qm-status.h"
#include "risk-val.h"
#include "scenario.h"
#include "util.h"

#define SCENARIO_FLOOR 0.01     /* shocked spot or vol >= 1% of the current one */

/*
 * The named historical scenarios.  S&P 500 closing levels and VIX levels
 * as published by S&P Dow Jones Indices and Cboe (VIX history); rounded.
 *   crisis2008: SPX 1251.70 (12 Sep 2008, the Friday before Lehman's
 *     bankruptcy) to 752.44 (20 Nov 2008): -39.9%; VIX close 25.66 to
 *     80.86 (20 Nov 2008; intraday high 89.53 on 24 Oct): x 3.15.
 *   covid2020: SPX 3386.15 (19 Feb 2020, record close) to 2237.40
 *     (23 Mar 2020): -33.9%; VIX close 14.38 to 82.69 (16 Mar 2020,
 *     record close): x 5.75.
 *   flash2010: 6 May 2010, SPX from the previous close 1165.87 to the
 *     intraday low 1065.79: -8.6%; the VIX from the previous close 24.91
 *     to the intraday high 40.71: +63% (both extremes of the same day).
 *   lowvol2017: the 2017 calm (VIX near 9-10, record low close 9.14 on
 *     3 Nov 2017, against about 13 at the start of the year): spot +5%,
 *     vols -30% relative.
 * The moves are rounded to the precision of the brief (-40%, -34%, -9%,
 * +5%); the VIX ratios are the levels above.  The 2008 and 2010 VIX levels
 * were checked against Cboe's daily VIX history (open, high, low, close
 * 1990-2012); the 2020 levels and the S&P 500 closes are as published and
 * not in that file.
 */
static const struct scenario_def scenario_defs[] = {
	{ "crisis2008", "2008 crisis: S&P 500 -40% (12 Sep - 20 Nov 2008), VIX 25.7 -> 80.9",
	  -0.40, 80.86 / 25.66 - 1.0,
	  "S&P 500 closes 1251.70 -> 752.44; Cboe VIX closes 25.66 -> 80.86" },
	{ "covid2020", "2020 crash: S&P 500 -34% (19 Feb - 23 Mar 2020), VIX 14.4 -> 82.7",
	  -0.34, 82.69 / 14.38 - 1.0,
	  "S&P 500 closes 3386.15 -> 2237.40; Cboe VIX closes 14.38 -> 82.69" },
	{ "flash2010", "May 2010 flash crash: S&P 500 -9% intraday (6 May 2010), VIX 24.9 -> 40.7",
	  -0.09, 40.71 / 24.91 - 1.0,
	  "S&P 500 1165.87 (5 May close) -> 1065.79 (6 May intraday low); Cboe VIX 24.91 (5 May close) "
	  "-> 40.71 (6 May intraday high)" },
	{ "lowvol2017", "2017 low volatility: S&P 500 +5%, vols -30% (VIX near 9-10)",
	  0.05, -0.30,
	  "Cboe VIX record low close 9.14 (3 Nov 2017) against about 13 in January 2017" },
};
#define SCENARIO_NDEFS (sizeof scenario_defs / sizeof scenario_defs[0])

/* Number of named scenarios. */
size_t scenario_named_count(void)
{
	return SCENARIO_NDEFS;
}

/* The i-th named scenario, NULL past the end. */
const struct scenario_def *scenario_named_at(size_t i)
{
	return i < SCENARIO_NDEFS ? &scenario_defs[i] : NULL;
}

/* The named scenario called name, or NULL. */
const struct scenario_def *scenario_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < SCENARIO_NDEFS; i++)
		if (strcmp(scenario_defs[i].name, name) == 0)
			return &scenario_defs[i];
	return NULL;
}

/* Fills the default grid (scenario.* defaults in conf-keys.c agree). */
void scenario_cfg_default(struct scenario_cfg *cfg)
{
	static const double s[] = { -0.20, -0.10, -0.05, 0, 0.05, 0.10, 0.20 };
	static const double v[] = { -0.30, 0, 0.30, 0.60 };

	memset(cfg, 0, sizeof *cfg);
	cfg->nspot = sizeof s / sizeof s[0];
	cfg->nvol = sizeof v / sizeof v[0];
	memcpy(cfg->spot, s, sizeof s);
	memcpy(cfg->vol, v, sizeof v);
}

/* Parses a comma-separated list of percentages into fractions. */
int scenario_parse_shocks(const char *key, const char *text, double *out, size_t *n,
    char **cause)
{
	char *copy = xstrdup(text != NULL ? text : ""), *item, *save = NULL, *e;
	size_t k = 0;
	double x;

	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ' || *item == '\t')
			item++;
		e = item + strlen(item);
		while (e > item && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (e > item && e[-1] == '%')
			*--e = '\0';
		if (*item == '+')
			item++;
		if (parse_double(item, &x) != 0 || x < -99 || x > 1000) {
			*cause = xasprintf("%s: '%s' is not a percentage in -99..1000", key, item);
			free(copy);
			return -1;
		}
		if (k == SCENARIO_MAX_SHOCKS) {
			*cause = xasprintf("%s: more than %d shocks", key, SCENARIO_MAX_SHOCKS);
			free(copy);
			return -1;
		}
		out[k++] = x / 100.0;
	}
	free(copy);
	if (k == 0) {
		*cause = xasprintf("%s: no shocks (a list like -10,0,10)", key);
		return -1;
	}
	*n = k;
	return 0;
}

/* Reads the scenario.* keys. */
int scenario_cfg_from_conf(struct scenario_cfg *cfg, struct conf *conf, char **cause)
{
	scenario_cfg_default(cfg);
	if (scenario_parse_shocks("scenario.spot_shocks", conf_get_str(conf, "scenario.spot_shocks"),
	    cfg->spot, &cfg->nspot, cause) != 0)
		return -1;
	return scenario_parse_shocks("scenario.vol_shocks", conf_get_str(conf, "scenario.vol_shocks"),
	    cfg->vol, &cfg->nvol, cause);
}

/* Frees a result. */
void scenario_result_free(struct scenario_result *r)
{
	free(r->pt);
	free(r->pnl);
	free(r->ok);
	free(r->err);
	free(r->model);
	memset(r, 0, sizeof *r);
}

/* A multiplier 1 + shock, floored. */
static double scenario_mul(double shock)
{
	double m = 1.0 + shock;

	return m < SCENARIO_FLOOR ? SCENARIO_FLOOR : m;
}

/* Marks position i not valued with a reason. */
static void scenario_fail(struct scenario_result *r, size_t i, const char *why)
{
	size_t p;

	r->ok[i] = 0;
	snprintf(r->err[i], RISK_ERR_MAX, "%s", why);
	for (p = 0; p < r->npoints; p++)
		r->pnl[p * r->npos + i] = NAN;
}

/* Reprices the Heston options of underlying und (indices idx[0..m-1]) at
 * every point. */
static void scenario_heston_group(struct scenario_result *r, const struct risk_val *v,
    const size_t *idx, size_t m, const double *smul, const double *vmul,
    heston_workspace *w)
{
	double *T = xmalloc(m * sizeof *T), *K = xmalloc(m * sizeof *K);
	double *rr = xmalloc(m * sizeof *rr), *qq = xmalloc(m * sizeof *qq);
	double *base = xmalloc(m * sizeof *base), *px = xmalloc(m * sizeof *px);
	int *type = xmalloc(m * sizeof *type);
	const struct risk_val *v0 = &v[idx[0]];
	size_t j, p;
	char why[RISK_ERR_MAX];

	for (j = 0; j < m; j++) {
		const struct risk_val *x = &v[idx[j]];

		T[j] = x->T;
		K[j] = x->K;
		rr[j] = x->r;
		qq[j] = x->q;
		type[j] = x->call ? HESTON_CALL : HESTON_PUT;
	}
	if (heston_price_surface(&v0->hp, v0->spot[0], m, T, K, rr, qq, type, base, w) != QM_OK) {
		snprintf(why, sizeof why, "%s: Heston repricing failed", v0->und[0]);
		for (j = 0; j < m; j++)
			scenario_fail(r, idx[j], why);
		goto out;
	}
	for (p = 0; p < r->npoints; p++) {
		heston_params hp = v0->hp;
		hp.v0 *= vmul[p] * vmul[p];
		hp.theta *= vmul[p] * vmul[p];
		if (heston_price_surface(&hp, v0->spot[0] * smul[p], m, T, K, rr, qq, type, px, w) !=
		    QM_OK) {
			snprintf(why, sizeof why, "%s: Heston repricing failed at spot x %g, vol x %g",
			    v0->und[0], smul[p], vmul[p]);
			for (j = 0; j < m; j++)
				scenario_fail(r, idx[j], why);
			goto out;
		}
		for (j = 0; j < m; j++)
			r->pnl[p * r->npos + idx[j]] = v[idx[j]].qm * (px[j] - base[j]);
	}
out:
	free(T);
	free(K);
	free(rr);
	free(qq);
	free(base);
	free(px);
	free(type);
}

/* Revalues the book under npoints shocks (scenario.h). */
int scenario_run(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, double now,
    const double *spot_shock, const double *vol_shock, size_t npoints, int use_beta,
    struct scenario_result *out, char **cause)
{
	struct risk_val *v;
	heston_workspace *w = NULL;
	double *smul, *vmul, one[2] = { 1, 1 };
	size_t i, j, p, *idx;
	char *done;

	memset(out, 0, sizeof *out);
	if ((n > 0 && pos == NULL) || snap == NULL || cfg == NULL || npoints == 0 ||
	    spot_shock == NULL || vol_shock == NULL || !isfinite(now)) {
		*cause = xasprintf("scenario: no positions, snapshot, shocks or valuation time");
		return -1;
	}
	for (p = 0; p < npoints; p++)
		if (!isfinite(spot_shock[p]) || !isfinite(vol_shock[p])) {
			*cause = xasprintf("scenario: shock %zu is not a number", p);
			return -1;
		}
	out->npos = n;
	out->npoints = npoints;
	out->pt = xcalloc(npoints, sizeof *out->pt);
	out->pnl = xcalloc(npoints * (n ? n : 1), sizeof *out->pnl);
	out->ok = xcalloc(n ? n : 1, sizeof *out->ok);
	out->err = xcalloc(n ? n : 1, sizeof *out->err);
	out->model = xcalloc(n ? n : 1, sizeof *out->model);
	v = xcalloc(n ? n : 1, sizeof *v);
	idx = xcalloc(n ? n : 1, sizeof *idx);
	done = xcalloc(n ? n : 1, 1);
	smul = xcalloc(npoints, sizeof *smul);
	vmul = xcalloc(npoints, sizeof *vmul);
	for (p = 0; p < npoints; p++) {
		out->pt[p].spot_shock = spot_shock[p];
		out->pt[p].vol_shock = vol_shock[p];
		vmul[p] = scenario_mul(vol_shock[p]);
	}
	for (i = 0; i < n; i++) {
		risk_val_resolve(&v[i], &pos[i], snap, book, now);
		out->model[i] = v[i].model;
		out->ok[i] = v[i].ok;
		if (!v[i].ok) {
			scenario_fail(out, i, v[i].err);
			continue;
		}
		if (v[i].model == RISK_MODEL_HESTON && w == NULL &&
		    (w = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL)
			fatal("out of memory (Heston workspace)");
	}
	for (i = 0; i < n; i++) {
		const struct risk_val *x = &v[i];
		double beta0 = use_beta ? risk_beta(cfg, x->und[0]) : 1.0;

		if (!x->ok || done[i])
			continue;
		if (x->model == RISK_MODEL_LINEAR) {
			/* linear: exact P&L, qty x multiplier x price x shock per leg */
			for (p = 0; p < npoints; p++) {
				double pnl = 0;
				size_t l;

				for (l = 0; l < x->nlegs; l++) {
					double b = use_beta ? risk_beta(cfg, x->und[l]) : 1.0;
					double m = b * spot_shock[p];

					if (1.0 + m < SCENARIO_FLOOR)
						m = SCENARIO_FLOOR - 1.0;

					pnl += x->qm * x->w[l] * x->spot[l] * m;
				}
				out->pnl[p * n + i] = pnl;
			}
		} else if (x->model == RISK_MODEL_BS) {
			double base, px;

			if (risk_val_price(x, one, 1, w, &base) != 0) {
				scenario_fail(out, i, "Black-Scholes repricing failed");
				continue;
			}
			for (p = 0; p < npoints; p++) {
				double sm[2];

				sm[0] = sm[1] = scenario_mul(beta0 * spot_shock[p]);
				if (risk_val_price(x, sm, vmul[p], w, &px) != 0) {
					scenario_fail(out, i, "Black-Scholes repricing failed under a shock");
					break;
				}
				out->pnl[p * n + i] = x->qm * (px - base);
			}
		} else {
			/* Heston: every option of this underlying with the same
			 * parameters and spot at once */
			size_t m = 0;

			for (j = i; j < n; j++)
				if (v[j].ok && !done[j] && v[j].model == RISK_MODEL_HESTON &&
				    strcmp(v[j].und[0], x->und[0]) == 0 &&
				    memcmp(&v[j].hp, &x->hp, sizeof x->hp) == 0 &&
				    v[j].spot[0] == x->spot[0]) {
					idx[m++] = j;
					done[j] = 1;
				}
			for (p = 0; p < npoints; p++)
				smul[p] = scenario_mul(beta0 * spot_shock[p]);
			scenario_heston_group(out, v, idx, m, smul, vmul, w);
		}
		done[i] = 1;
	}
	for (i = 0; i < n; i++)
		if (!out->ok[i])
			out->nbad++;
	for (p = 0; p < npoints; p++) {
		double tot = 0;

		for (i = 0; i < n; i++)
			if (out->ok[i])
				tot += out->pnl[p * n + i];
		out->pt[p].pnl = tot;
	}
	heston_workspace_free(w);
	free(v);
	free(idx);
	free(done);
	free(smul);
	free(vmul);
	return 0;
}

/* The spot x vol grid (scenario.h). */
int scenario_grid(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, const struct scenario_cfg *sc,
    double now, struct scenario_result *out, char **cause)
{
	double s[SCENARIO_MAX_SHOCKS * SCENARIO_MAX_SHOCKS];
	double vv[SCENARIO_MAX_SHOCKS * SCENARIO_MAX_SHOCKS];
	size_t i, j, k = 0;

	if (sc->nspot == 0 || sc->nvol == 0 || sc->nspot > SCENARIO_MAX_SHOCKS ||
	    sc->nvol > SCENARIO_MAX_SHOCKS) {
		*cause = xasprintf("scenario: empty or oversized grid (%zu x %zu)", sc->nspot,
		    sc->nvol);
		memset(out, 0, sizeof *out);
		return -1;
	}
	for (i = 0; i < sc->nspot; i++)
		for (j = 0; j < sc->nvol; j++) {
			s[k] = sc->spot[i];
			vv[k++] = sc->vol[j];
		}
	if (scenario_run(pos, n, snap, book, cfg, now, s, vv, k, 0, out, cause) != 0)
		return -1;
	out->nspot = sc->nspot;
	out->nvol = sc->nvol;
	return 0;
}

/* One named scenario through the betas (scenario.h). */
int scenario_named(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, const struct scenario_def *d,
    double now, struct scenario_result *out, char **cause)
{
	if (d == NULL) {
		memset(out, 0, sizeof *out);
		*cause = xasprintf("scenario: no such scenario");
		return -1;
	}
	return scenario_run(pos, n, snap, book, cfg, now, &d->index_move, &d->vol_shock, 1, 1,
	    out, cause);
}
