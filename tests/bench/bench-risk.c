/*
 * bench-risk.c -- timings of the portfolio risk module: the full-
 * revaluation scenario grid (7 spot x 4 vol shocks) of a book of 200
 * option positions on 6 underlyings, the Greeks of the same book, and one
 * pre-trade limit check of an order against it.
 *
 * Why it exists: `scenario grid` and the risk panel revalue the whole
 * book, and the OMS calls risk_check_order() on every order, so their
 * cost bounds how often the console can refresh and how fast orders pass.
 * Three underlyings are valued with Heston (a CALIB_HESTON book entry),
 * three with Black-Scholes at the chain's implied vols; both are timed
 * separately and together.  Prints `bench <name> <ns> ns/op <note>`; each
 * operation is repeated until at least 0.3 s has elapsed.  The book is
 * drawn with a fixed seed so every run times the same work.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "calib.h"
#include "market-state.h"
#include "qm-status.h"
#include "risk.h"
#include "scenario.h"
#include "util.h"
#include "validate.h"

#define T0 1709305200.0         /* 2024-03-01 15:00 UTC */
#define NUND 6
#define NPOS 200
#define MINSEC 0.3

static const int exps[] = { 20240315, 20240419, 20240517, 20240621, 20240920, 20241220 };
#define NEXP 6

/* xorshift64* uniform in (0, 1). */
static double uniform(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((double)((*s * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
}

/* Puts the quote and a BS chain (flat-ish smile) of underlying und. */
static void put_und(struct mstate *ms, const char *und, double S, double iv)
{
	struct option_chain c;
	struct quote q;
	int e, k, call;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", und);
	q.bid = S - 0.01;
	q.ask = S + 0.01;
	q.last = q.volume = NAN;
	q.exch_time = q.recv_time = T0;
	mstate_put_quote(ms, "bench", &q);
	market_chain_init(&c, und);
	c.time = T0;
	c.spot = S;
	c.rate = 0.04;
	c.dividend = 0.01;
	for (e = 0; e < NEXP; e++) {
		double T = market_year_fraction(T0, exps[e]);

		for (k = -7; k <= 7; k++)
			for (call = 1; call >= 0; call--) {
				struct option_quote oq;
				double K = S * (1 + 0.025 * k), price, v = iv * (1 - 0.3 * 0.025 * k);

				K = nearbyint(K);
				if (bs_price(call ? BS_CALL : BS_PUT, S, K, T, v, 0.04, 0.01, &price) !=
				    QM_OK)
					continue;
				market_option_init(&oq);
				oq.opt.kind = INSTR_OPTION;
				snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", und);
				oq.opt.expiry = exps[e];
				oq.opt.strike = K;
				oq.opt.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
				oq.opt.multiplier = 100;
				market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
				snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
				oq.q.bid = price * 0.99;
				oq.q.ask = price * 1.01 + 0.01;
				oq.q.exch_time = oq.q.recv_time = T0;
				oq.implied_vol = v;
				market_chain_add(&c, &oq);
			}
	}
	mstate_put_chain(ms, "bench", NULL, &c, NULL);
	market_chain_free(&c);
}

/* Seconds per call of the grid (and its P&L spread, to keep it live). */
static double time_grid(const struct risk_position *p, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, const struct scenario_cfg *sc,
    size_t *nbad, double *worst)
{
	double t0 = now_monotonic(), t;
	long reps = 0;
	char *cause = NULL;

	do {
		struct scenario_result r;
		size_t k;

		if (scenario_grid(p, n, snap, book, cfg, sc, T0, &r, &cause) != 0) {
			fprintf(stderr, "bench-risk: %s\n", cause);
			exit(1);
		}
		*nbad = r.nbad;
		*worst = 0;
		for (k = 0; k < r.npoints; k++)
			if (r.pt[k].pnl < *worst)
				*worst = r.pt[k].pnl;
		scenario_result_free(&r);
		reps++;
	} while ((t = now_monotonic() - t0) < MINSEC);
	return t / (double)reps;
}

/* Runs the benchmark. */
int main(void)
{
	static const char *const unds[NUND] = { "BNA", "BNB", "BNC", "BND", "BNE", "BNF" };
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	struct validate_cfg vc;
	struct calib_book book, empty;
	struct risk_position p[NPOS], ph[NPOS], pb[NPOS];
	struct risk_cfg cfg;
	struct scenario_cfg sc;
	unsigned long long seed = 42;
	size_t i, nh = 0, nb = 0, nbad;
	double t, worst;
	char *cause = NULL;

	validate_cfg_default(&vc);
	vc.max_spread = 1;
	vc.arb_tol = 10;
	vc.calendar_tol = 1;
	mstate_set_validate(ms, &vc);
	calib_book_init(&book);
	calib_book_init(&empty);
	for (i = 0; i < NUND; i++) {
		double S = 50 + 30 * (double)i;

		put_und(ms, unds[i], S, 0.2 + 0.03 * (double)i);
		if (i < 3) {
			struct calib_result r;

			memset(&r, 0, sizeof r);
			r.model = CALIB_HESTON;
			snprintf(r.symbol, sizeof r.symbol, "%s", unds[i]);
			r.heston.v0 = 0.04 + 0.01 * (double)i;
			r.heston.kappa = 1.5;
			r.heston.theta = 0.05;
			r.heston.sigma = 0.5;
			r.heston.rho = -0.7;
			calib_book_put(&book, &r);
		}
	}
	snap = mstate_snapshot(ms);
	for (i = 0; i < NPOS; i++) {
		size_t u = (size_t)(uniform(&seed) * NUND) % NUND, e;
		const struct option_chain *c = mstate_snap_chain(snap, unds[u]);
		size_t k = (size_t)(uniform(&seed) * (double)c->n) % c->n;

		(void)e;
		memset(&p[i], 0, sizeof p[i]);
		snprintf(p[i].strategy, sizeof p[i].strategy, "volarb");
		snprintf(p[i].symbol, sizeof p[i].symbol, "%s", c->opts[k].opt.symbol);
		p[i].qty = (double)((int)(uniform(&seed) * 21) - 10);
		if (p[i].qty == 0)
			p[i].qty = 1;
		p[i].multiplier = 100;
		p[i].avg_price = NAN;
		if (u < 3)
			ph[nh++] = p[i];
		else
			pb[nb++] = p[i];
	}
	risk_cfg_default(&cfg);
	scenario_cfg_default(&sc);

	t = time_grid(p, NPOS, snap, &book, &cfg, &sc, &nbad, &worst);
	printf("bench risk_scenario_grid_200 %.0f ns/op  %zu options (%zu Heston, %zu BS) x %zu "
	    "points, %zu unvalued, worst P&L %.0f\n", t * 1e9, (size_t)NPOS, nh, nb,
	    sc.nspot * sc.nvol, nbad, worst);
	t = time_grid(ph, nh, snap, &book, &cfg, &sc, &nbad, &worst);
	printf("bench risk_scenario_grid_heston %.0f ns/op  %zu Heston options x %zu points\n",
	    t * 1e9, nh, sc.nspot * sc.nvol);
	t = time_grid(pb, nb, snap, &book, &cfg, &sc, &nbad, &worst);
	printf("bench risk_scenario_grid_bs %.0f ns/op  %zu BS options x %zu points\n",
	    t * 1e9, nb, sc.nspot * sc.nvol);
	t = time_grid(p, NPOS, snap, &empty, &cfg, &sc, &nbad, &worst);
	printf("bench risk_scenario_grid_200_allbs %.0f ns/op  the same 200 options, all BS\n",
	    t * 1e9);
	{
		double t0 = now_monotonic();
		long reps = 0;

		do {
			struct risk_greeks g;

			if (risk_greeks(p, NPOS, snap, &book, T0, &g, &cause) != 0)
				return 1;
			risk_greeks_free(&g);
			reps++;
		} while ((t = now_monotonic() - t0) < MINSEC);
		printf("bench risk_greeks_200 %.0f ns/op  Greeks of the 200-option book\n",
		    t / (double)reps * 1e9);
	}
	{
		double t0 = now_monotonic();
		long reps = 0;
		struct risk_order o;
		struct risk_breaches b;

		memset(&o, 0, sizeof o);
		snprintf(o.strategy, sizeof o.strategy, "volarb");
		snprintf(o.symbol, sizeof o.symbol, "%s", p[0].symbol);
		o.side = 1;
		o.qty = 1;
		o.multiplier = 100;
		struct risk_greeks g;

		risk_breaches_init(&b);
		do {
			b.n = 0;
			if (risk_check_order(&cfg, p, NPOS, NULL, &o, snap, &book, T0, 0, &b,
			    &cause) < 0)
				return 1;
			reps++;
		} while ((t = now_monotonic() - t0) < MINSEC);
		printf("bench risk_check_order_200 %.0f ns/op  one order against the 200-option "
		    "book, revaluing the book\n", t / (double)reps * 1e9);
		if (risk_greeks(p, NPOS, snap, &book, T0, &g, &cause) != 0)
			return 1;
		reps = 0;
		t0 = now_monotonic();
		do {
			b.n = 0;
			if (risk_check_order(&cfg, p, NPOS, &g, &o, snap, &book, T0, 0, &b,
			    &cause) < 0)
				return 1;
			reps++;
		} while ((t = now_monotonic() - t0) < MINSEC);
		printf("bench risk_check_order_200_cached %.0f ns/op  the same with the book's "
		    "Greeks given (only the order's position revalued, Heston)\n",
		    t / (double)reps * 1e9);
		risk_greeks_free(&g);
		/* What the OMS does per order: the book's Greeks from its
		 * cache (every position resolved, none revalued), then the
		 * check; and the same when one position changed since the
		 * last order (a fill): one revaluation more. */
		{
			struct risk_cache *rc = risk_cache_new(60);
			size_t fresh = 0, k = 0;

			if (risk_cache_greeks(rc, p, NPOS, snap, &book, T0, &g, &fresh, &cause) != 0)
				return 1;
			risk_greeks_free(&g);
			for (int pass = 0; pass < 2; pass++) {
				reps = 0;
				t0 = now_monotonic();
				do {
					if (pass == 1) {
						/* a fill on a Heston position */
						for (k = (k + 1) % NPOS; k < NPOS && 
						    strstr(p[k].symbol, unds[0]) != p[k].symbol;)
							k = (k + 1) % NPOS;
						p[k].qty += reps % 2 ? -1 : 1;
					}
					if (risk_cache_greeks(rc, p, NPOS, snap, &book, T0, &g, &fresh,
					    &cause) != 0)
						return 1;
					b.n = 0;
					if (risk_check_order(&cfg, p, NPOS, &g, &o, snap, &book, T0, 0,
					    &b, &cause) < 0)
						return 1;
					risk_greeks_free(&g);
					reps++;
				} while ((t = now_monotonic() - t0) < MINSEC);
				if (pass == 0)
					printf("bench risk_check_order_200_cache %.0f ns/op  as the OMS "
					    "does it: the book from risk_cache (%zu of 200 revalued), "
					    "then the order\n", t / (double)reps * 1e9, fresh);
				else
					printf("bench risk_check_order_200_cache_fill %.0f ns/op  the "
					    "same, one Heston position changed before each order (%zu "
					    "revalued)\n", t / (double)reps * 1e9, fresh);
			}
			risk_cache_free(rc);
		}
		risk_breaches_free(&b);
	}
	calib_book_free(&book);
	calib_book_free(&empty);
	mstate_snap_release(snap);
	mstate_free(ms);
	return 0;
}
