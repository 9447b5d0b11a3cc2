/*
 * check_risk.c -- unit tests of the portfolio risk module (src/risk.c) and
 * the full-revaluation scenarios (src/scenario.c).
 *
 * Every test builds a real market state (quotes, an option chain, daily
 * bars through the validation of market-state.c) and checks the results
 * against independent references: Greeks against finite differences of
 * the whole valuation (moving the market itself) and against the
 * textbook Black-Scholes formulas written here with erfc; Heston values
 * against models/heston.h called directly; scenario P&L against a direct
 * repricing; limits and hedges against hand-computed exposures; pair health
 * on a simulated cointegrated pair and on two independent random walks.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "calib.h"
#include "conf.h"
#include "heston.h"
#include "market-state.h"
#include "qm-status.h"
#include "risk.h"
#include "scenario.h"
#include "util.h"
#include "validate.h"

#define T0 1709305200.0         /* 2024-03-01 15:00 UTC */
#define S0 100.0
#define RATE 0.03
#define DIV 0.01
#define IV 0.25
#define EXP1 20240621
#define EXP2 20240920

/* Puts a quote of sym with mid m at time t (spread 0.02). */
static void put_quote(struct mstate *ms, const char *sym, double m, double t)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.bid = m - 0.01;
	q.ask = m + 0.01;
	q.last = NAN;
	q.bid_size = q.ask_size = 100;
	q.volume = NAN;
	q.exch_time = q.recv_time = t;
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
}

/* Puts a chain of und at spot S, flat implied vol iv, rate r: strikes
 * 80..120 step 5 on two expiries, calls and puts. */
static void put_chain(struct mstate *ms, const char *und, double S, double iv, double r,
    double t)
{
	static const int exps[] = { EXP1, EXP2 };
	struct option_chain c;
	struct validate_cfg vc;
	int e, k, call;

	validate_cfg_default(&vc);
	vc.max_spread = 1;
	mstate_set_validate(ms, &vc);
	market_chain_init(&c, und);
	c.time = t;
	c.spot = S;
	c.rate = r;
	c.dividend = DIV;
	for (e = 0; e < 2; e++) {
		double T = market_year_fraction(t, exps[e]);

		for (k = 80; k <= 120; k += 5)
			for (call = 1; call >= 0; call--) {
				struct option_quote oq;
				double price;

				ck_assert_int_eq(bs_price(call ? BS_CALL : BS_PUT, S, k, T, iv, r, DIV,
				    &price), QM_OK);
				market_option_init(&oq);
				oq.opt.kind = INSTR_OPTION;
				snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", und);
				oq.opt.expiry = exps[e];
				oq.opt.strike = k;
				oq.opt.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
				oq.opt.multiplier = 100;
				market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
				snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
				oq.q.bid = price * 0.995;
				oq.q.ask = price * 1.005;
				oq.q.exch_time = oq.q.recv_time = t;
				oq.implied_vol = iv;
				market_chain_add(&c, &oq);
			}
	}
	ck_assert_uint_eq(mstate_put_chain(ms, "t", NULL, &c, NULL), 0);
	market_chain_free(&c);
}

/* A market: TSTA at spot S with its chain at iv and rate r, TSTB at 50. */
static struct mstate *market(double S, double iv, double r)
{
	struct mstate *ms = mstate_new(100);

	put_quote(ms, "TSTA", S, T0);
	put_quote(ms, "TSTB", 50, T0);
	put_chain(ms, "TSTA", S, iv, r, T0);
	return ms;
}

/* The OCC symbol of a TSTA option. */
static void occ(char out[MARKET_SYMBOL_MAX], int expiry, double K, int call)
{
	struct instrument in;

	memset(&in, 0, sizeof in);
	snprintf(in.underlying, sizeof in.underlying, "TSTA");
	in.expiry = expiry;
	in.strike = K;
	in.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
	market_occ_format(&in, out, MARKET_SYMBOL_MAX);
}

/* Fills a position. */
static void mkpos(struct risk_position *p, const char *strat, const char *sym, double qty,
    double mult)
{
	memset(p, 0, sizeof *p);
	snprintf(p->strategy, sizeof p->strategy, "%s", strat);
	snprintf(p->symbol, sizeof p->symbol, "%s", sym);
	p->qty = qty;
	p->avg_price = NAN;
	p->multiplier = mult;
}

/* Total value of a book on a fresh market (S, iv, r) at time now. */
static double book_value(const struct risk_position *p, size_t n, double S, double iv, double r,
    const struct calib_book *book, double now)
{
	struct mstate *ms = market(S, iv, r);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_greeks g;
	char *cause = NULL;
	double v;

	ck_assert_int_eq(risk_greeks(p, n, snap, book, now, &g, &cause), 0);
	ck_assert_uint_eq(g.nbad, 0);
	v = g.value;
	risk_greeks_free(&g);
	mstate_snap_release(snap);
	mstate_free(ms);
	return v;
}

/* Textbook Black-Scholes-Merton call price and delta (Hull, ch. 17),
 * with N(x) = erfc(-x / sqrt 2) / 2: an independent reference. */
static void textbook_call(double S, double K, double T, double s, double r, double q,
    double *price, double *delta)
{
	double d1 = (log(S / K) + (r - q + 0.5 * s * s) * T) / (s * sqrt(T)), d2 = d1 - s * sqrt(T);
	double N1 = 0.5 * erfc(-d1 / sqrt(2)), N2 = 0.5 * erfc(-d2 / sqrt(2));

	*price = S * exp(-q * T) * N1 - K * exp(-r * T) * N2;
	*delta = exp(-q * T) * N1;
}

/* ---- Greeks ----------------------------------------------------------- */

START_TEST(test_bs_greeks)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_position p[1];
	struct risk_greeks g;
	struct bs_greeks bg;
	char sym[MARKET_SYMBOL_MAX], *cause = NULL;
	double T = market_year_fraction(T0, EXP1), tp, td, h = 0.01, up, dn, mid;
	const double qty = 10, m = 100;

	occ(sym, EXP1, 105, 1);
	mkpos(&p[0], "volarb", sym, qty, m);
	ck_assert_int_eq(risk_greeks(p, 1, snap, NULL, T0, &g, &cause), 0);
	ck_assert_int_eq(g.pos[0].ok, 1);
	ck_assert_int_eq(g.pos[0].model, RISK_MODEL_BS);
	ck_assert_str_eq(g.pos[0].leg[0].underlying, "TSTA");
	/* closed forms of models/bs.h, scaled to the position */
	ck_assert_int_eq(bs_greeks(BS_CALL, S0, 105, T, IV, RATE, DIV, &bg), QM_OK);
	ck_assert_double_eq_tol(g.pos[0].price, bg.price, 1e-12);
	ck_assert_double_eq_tol(g.pos[0].delta_sh, qty * m * bg.delta, 1e-9);
	ck_assert_double_eq_tol(g.pos[0].delta_cash, qty * m * bg.delta * S0, 1e-7);
	ck_assert_double_eq_tol(g.pos[0].gamma_sh, qty * m * bg.gamma, 1e-10);
	ck_assert_double_eq_tol(g.pos[0].gamma_cash, qty * m * bg.gamma * S0 * S0 / 100, 1e-8);
	ck_assert_double_eq_tol(g.pos[0].vega, qty * m * bg.vega / 100, 1e-9);
	ck_assert_double_eq_tol(g.pos[0].theta, qty * m * bg.theta / 365, 1e-9);
	ck_assert_double_eq_tol(g.pos[0].rho, qty * m * bg.rho / 100, 1e-9);
	ck_assert_double_eq_tol(g.pos[0].notional, qty * m * S0, 1e-9);
	/* the textbook formula, independently */
	textbook_call(S0, 105, T, IV, RATE, DIV, &tp, &td);
	ck_assert_double_eq_tol(g.pos[0].price, tp, 1e-10);
	ck_assert_double_eq_tol(g.pos[0].delta_sh, qty * m * td, 1e-8);
	/* finite differences of the whole valuation: move the market */
	up = book_value(p, 1, S0 + h, IV, RATE, NULL, T0);
	dn = book_value(p, 1, S0 - h, IV, RATE, NULL, T0);
	mid = book_value(p, 1, S0, IV, RATE, NULL, T0);
	ck_assert_double_eq_tol(g.pos[0].delta_sh, (up - dn) / (2 * h), 1e-3);
	ck_assert_double_eq_tol(g.pos[0].gamma_sh, (up - 2 * mid + dn) / (h * h), 2e-3);
	up = book_value(p, 1, S0, IV + 1e-4, RATE, NULL, T0);
	dn = book_value(p, 1, S0, IV - 1e-4, RATE, NULL, T0);
	ck_assert_double_eq_tol(g.pos[0].vega, (up - dn) / 2e-4 * 0.01, 1e-4);
	up = book_value(p, 1, S0, IV, RATE + 1e-4, NULL, T0);
	dn = book_value(p, 1, S0, IV, RATE - 1e-4, NULL, T0);
	ck_assert_double_eq_tol(g.pos[0].rho, (up - dn) / 2e-4 * 0.01, 1e-4);
	up = book_value(p, 1, S0, IV, RATE, NULL, T0 + 3600);
	dn = book_value(p, 1, S0, IV, RATE, NULL, T0 - 3600);
	ck_assert_double_eq_tol(g.pos[0].theta, (up - dn) / (2.0 / 24.0), 1e-3);
	risk_greeks_free(&g);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

static const heston_params HP = { 0.04, 1.5, 0.04, 0.4, -0.6 };

/* A parameter book with Heston parameters for TSTA. */
static void heston_book(struct calib_book *b)
{
	struct calib_result r;

	calib_book_init(b);
	memset(&r, 0, sizeof r);
	r.model = CALIB_HESTON;
	snprintf(r.symbol, sizeof r.symbol, "TSTA");
	r.heston = HP;
	calib_book_put(b, &r);
}

START_TEST(test_heston_greeks)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct calib_book book;
	struct risk_position p[1];
	struct risk_greeks g;
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	heston_greeks hg;
	struct scenario_result sr;
	struct risk_cfg cfg;
	char sym[MARKET_SYMBOL_MAX], *cause = NULL;
	double T = market_year_fraction(T0, EXP2), K = 95, r = RATE, q = DIV, price, h = 0.01;
	double up, dn, mid, sh[2] = { 0, 0 }, vs[2] = { 1e-4, -1e-4 };
	int type = HESTON_PUT;

	heston_book(&book);
	risk_cfg_default(&cfg);
	occ(sym, EXP2, 95, 0);
	mkpos(&p[0], "volarb", sym, -3, 100);
	ck_assert_int_eq(risk_greeks(p, 1, snap, &book, T0, &g, &cause), 0);
	ck_assert_int_eq(g.pos[0].ok, 1);
	ck_assert_int_eq(g.pos[0].model, RISK_MODEL_HESTON);
	ck_assert_int_eq(heston_price(&HP, S0, T, K, r, q, HESTON_PUT, &price, w), QM_OK);
	ck_assert_double_eq_tol(g.pos[0].price, price, 1e-10);
	ck_assert_int_eq(heston_greeks_surface(&HP, S0, 1, &T, &K, &r, &q, &type, &hg, w), QM_OK);
	ck_assert_double_eq_tol(g.pos[0].delta_sh, -300 * hg.delta, 1e-9);
	/* finite differences through the market */
	up = book_value(p, 1, S0 + h, IV, RATE, &book, T0);
	dn = book_value(p, 1, S0 - h, IV, RATE, &book, T0);
	mid = book_value(p, 1, S0, IV, RATE, &book, T0);
	ck_assert_double_eq_tol(g.pos[0].delta_sh, (up - dn) / (2 * h), 1e-3);
	ck_assert_double_eq_tol(g.pos[0].gamma_sh, (up - 2 * mid + dn) / (h * h), 5e-3);
	up = book_value(p, 1, S0, IV, RATE, &book, T0 + 3600);
	dn = book_value(p, 1, S0, IV, RATE, &book, T0 - 3600);
	ck_assert_double_eq_tol(g.pos[0].theta, (up - dn) / (2.0 / 24.0), 1e-3);
	up = book_value(p, 1, S0, IV, RATE + 1e-4, &book, T0);
	dn = book_value(p, 1, S0, IV, RATE - 1e-4, &book, T0);
	ck_assert_double_eq_tol(g.pos[0].rho, (up - dn) / 2e-4 * 0.01, 1e-4);
	/* v0 = theta: a relative vol shock e is the parallel shift 0.2 e */
	ck_assert_int_eq(scenario_run(p, 1, snap, &book, &cfg, T0, sh, vs, 2, 0, &sr, &cause), 0);
	ck_assert_double_eq_tol(g.pos[0].vega, (sr.pnl[0] - sr.pnl[1]) / (2e-4 * 0.2) * 0.01,
	    1e-4);
	scenario_result_free(&sr);
	risk_greeks_free(&g);
	heston_workspace_free(w);
	calib_book_free(&book);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

START_TEST(test_aggregate)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap;
	struct risk_position p[5];
	struct risk_greeks g;
	struct calib_book book;
	struct calib_result ou;
	char c1[MARKET_SYMBOL_MAX], c2[MARKET_SYMBOL_MAX], *cause = NULL;
	double dA, dB, vA;
	size_t i;

	put_quote(ms, "TSTC", 20, T0);
	snap = mstate_snapshot(ms);
	calib_book_init(&book);
	memset(&ou, 0, sizeof ou);
	ou.model = CALIB_OU;
	snprintf(ou.symbol, sizeof ou.symbol, "TSTB/TSTC");
	ou.ou.hedge_ratio = 2.0;
	calib_book_put(&book, &ou);
	occ(c1, EXP1, 100, 1);
	occ(c2, EXP2, 90, 0);
	mkpos(&p[0], "volarb", c1, 5, 100);
	mkpos(&p[1], "volarb", c2, -4, 100);
	mkpos(&p[2], "hedge", "TSTA", -200, 1);
	mkpos(&p[3], "meanrev", "TSTB", 300, 1);
	mkpos(&p[4], "meanrev", "TSTB/TSTC", -100, 1);   /* -100 B, +200 C */
	ck_assert_int_eq(risk_greeks(p, 5, snap, &book, T0, &g, &cause), 0);
	ck_assert_uint_eq(g.nbad, 0);
	ck_assert_uint_eq(g.nund, 3);
	ck_assert_str_eq(g.und[0].underlying, "TSTA");
	ck_assert_str_eq(g.und[1].underlying, "TSTB");
	ck_assert_str_eq(g.und[2].underlying, "TSTC");
	dA = g.pos[0].delta_sh + g.pos[1].delta_sh - 200;
	vA = g.pos[0].vega + g.pos[1].vega;
	ck_assert_double_eq_tol(g.und[0].delta_sh, dA, 1e-9);
	ck_assert_double_eq_tol(g.und[0].delta_cash, dA * S0, 1e-7);
	ck_assert_double_eq_tol(g.und[0].vega, vA, 1e-9);
	ck_assert_double_eq_tol(g.und[0].gamma_cash, g.pos[0].gamma_cash + g.pos[1].gamma_cash,
	    1e-9);
	dB = 300 - 100;
	ck_assert_double_eq_tol(g.und[1].delta_sh, dB, 1e-12);
	ck_assert_double_eq_tol(g.und[1].delta_cash, dB * 50, 1e-9);
	ck_assert_double_eq_tol(g.und[2].delta_sh, 200, 1e-12);
	ck_assert_double_eq_tol(g.und[2].delta_cash, 200 * 20, 1e-9);
	/* pair value: -100 x (50 - 2 x 20) */
	ck_assert_double_eq_tol(g.pos[4].value, -100 * (50 - 2 * 20), 1e-9);
	ck_assert_double_eq_tol(g.delta_cash, dA * S0 + dB * 50 + 4000, 1e-6);
	ck_assert_double_eq_tol(g.net, fabs(dA * S0 + dB * 50 + 4000), 1e-6);
	ck_assert_double_eq_tol(g.gross, fabs(g.pos[0].delta_cash) + fabs(g.pos[1].delta_cash) +
	    20000 + 15000 + 5000 + 4000, 1e-6);
	ck_assert_double_eq_tol(g.vega, vA, 1e-9);
	ck_assert_double_eq_tol(g.notional, 500 * S0 + 400 * S0 + 20000 + 15000 + 5000 + 4000,
	    1e-6);
	{
		double v = 0;

		for (i = 0; i < 5; i++)
			v += g.pos[i].value;
		ck_assert_double_eq_tol(g.value, v, 1e-9);
	}
	/* open pairs: the pair position, and TSTB/TSTC from the book (both
	 * legs held: TSTB directly, TSTC only through the pair -> not held) */
	{
		char pairs[4][MARKET_SYMBOL_MAX];

		ck_assert_uint_eq(risk_open_pairs(p, 5, &book, pairs, 4), 1);
		ck_assert_str_eq(pairs[0], "TSTB/TSTC");
	}
	risk_greeks_free(&g);
	/* a position that cannot be valued is flagged, not guessed */
	mkpos(&p[0], "x", "NOSUCH", 10, 1);
	occ(c1, 20240719, 100, 1);           /* an expiry not in the chain */
	mkpos(&p[1], "x", c1, 1, 100);
	mkpos(&p[2], "x", "TSTA", NAN, 1);
	ck_assert_int_eq(risk_greeks(p, 4, snap, &book, T0, &g, &cause), 0);
	ck_assert_uint_eq(g.nbad, 3);
	ck_assert_int_eq(g.pos[0].ok, 0);
	ck_assert_ptr_nonnull(strstr(g.pos[0].err, "NOSUCH"));
	ck_assert_ptr_nonnull(strstr(g.pos[1].err, "not in the TSTA option chain"));
	ck_assert_int_eq(g.pos[3].ok, 1);
	risk_greeks_free(&g);
	calib_book_free(&book);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* ---- limits ----------------------------------------------------------- */

/* Whether breaches hold limit lim on subject. */
static int has(const struct risk_breaches *b, int lim, const char *subject)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].limit == lim && strcmp(b->v[i].subject, subject) == 0)
			return 1;
	return 0;
}

/* A configuration with every limit off. */
static void nolimits(struct risk_cfg *c)
{
	risk_cfg_default(c);
	c->max_name_notional = c->max_gross = c->max_net = 0;
	c->max_strategy_notional = c->max_notional = c->max_daily_loss = 0;
}

START_TEST(test_limits)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_position p[3];
	struct risk_greeks g;
	struct risk_breaches b;
	struct risk_cfg c;
	char *cause = NULL;

	/* A: +10000 (s1), B: -2500 (s2), B: +1000 (s1) */
	mkpos(&p[0], "s1", "TSTA", 100, 1);
	mkpos(&p[1], "s2", "TSTB", -50, 1);
	mkpos(&p[2], "s1", "TSTB", 20, 1);
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	risk_breaches_init(&b);
	nolimits(&c);
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, -1e9, &b), 0);
	/* name: A 10000, B 1500 */
	c.max_name_notional = 9999;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_NAME, "TSTA"));
	ck_assert_double_eq_tol(b.v[0].value, 10000, 1e-9);
	ck_assert_double_eq(b.v[0].limit_value, 9999);
	b.n = 0;
	c.max_name_notional = 10001;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 0);
	c.max_name_notional = 1499;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 2);
	ck_assert(has(&b, RISK_LIM_NAME, "TSTB"));
	b.n = 0;
	nolimits(&c);
	/* gross 13500, net 8500, notional 13500 */
	c.max_gross = 13499;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_GROSS, ""));
	ck_assert_double_eq_tol(b.v[0].value, 13500, 1e-9);
	b.n = 0;
	c.max_gross = 13501;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 0);
	nolimits(&c);
	c.max_net = 8499;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_NET, ""));
	ck_assert_double_eq_tol(b.v[0].value, 8500, 1e-9);
	b.n = 0;
	c.max_net = 8501;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 0);
	nolimits(&c);
	/* strategies: s1 11000, s2 2500 */
	c.max_strategy_notional = 10999;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_STRATEGY, "s1"));
	ck_assert_double_eq_tol(b.v[0].value, 11000, 1e-9);
	b.n = 0;
	c.max_strategy_notional = 11001;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 0);
	nolimits(&c);
	c.max_notional = 13499;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_NOTIONAL, ""));
	b.n = 0;
	c.max_notional = 13501;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 0);
	nolimits(&c);
	c.max_daily_loss = 1000;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, -1000.5, &b), 1);
	ck_assert(has(&b, RISK_LIM_DAILY_LOSS, ""));
	ck_assert_double_eq_tol(b.v[0].value, 1000.5, 1e-9);
	b.n = 0;
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, -999.5, &b), 0);
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, 5000, &b), 0);
	risk_greeks_free(&g);
	/* an unvalued position is reported */
	mkpos(&p[2], "s1", "NOSUCH", 20, 1);
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	ck_assert_uint_eq(risk_check(&c, p, 3, &g, NAN, &b), 1);
	ck_assert(has(&b, RISK_LIM_UNVALUED, "NOSUCH"));
	risk_greeks_free(&g);
	risk_breaches_free(&b);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* Fills an order. */
static void mkorder(struct risk_order *o, const char *strat, const char *sym, int side,
    double qty, double mult)
{
	memset(o, 0, sizeof *o);
	snprintf(o->strategy, sizeof o->strategy, "%s", strat);
	snprintf(o->symbol, sizeof o->symbol, "%s", sym);
	o->side = side;
	o->qty = qty;
	o->multiplier = mult;
}

START_TEST(test_order_check)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_position p[2];
	struct risk_order o;
	struct risk_breaches b;
	struct risk_cfg c;
	char *cause = NULL, sym[MARKET_SYMBOL_MAX];

	mkpos(&p[0], "s1", "TSTA", 100, 1);     /* +10000 */
	mkpos(&p[1], "s2", "TSTB", -50, 1);     /* -2500 */
	risk_breaches_init(&b);
	nolimits(&c);
	c.max_name_notional = 10500;
	mkorder(&o, "s1", "TSTA", 1, 5, 1);     /* -> 10500: at, not above */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 0);
	mkorder(&o, "s1", "TSTA", 1, 6, 1);     /* -> 10600 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_NAME, "TSTA"));
	ck_assert_double_eq_tol(b.v[0].value, 10600, 1e-9);
	b.n = 0;
	/* the same with the book's Greeks given */
	{
		struct risk_greeks g;

		ck_assert_int_eq(risk_greeks(p, 2, snap, NULL, T0, &g, &cause), 0);
		ck_assert_int_eq(risk_check_order(&c, p, 2, &g, &o, snap, NULL, T0, NAN, &b, &cause),
		    1);
		ck_assert_double_eq_tol(b.v[0].value, 10600, 1e-9);
		b.n = 0;
		ck_assert_int_eq(risk_check_order(&c, p, 1, &g, &o, snap, NULL, T0, NAN, &b, &cause),
		    -1);
		free(cause);
		cause = NULL;
		risk_greeks_free(&g);
	}
	/* a new strategy's order on the same name counts on the name */
	mkorder(&o, "s3", "TSTA", 1, 6, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	b.n = 0;
	/* already above the limit: a reducing order passes, a growing one not */
	c.max_name_notional = 9000;
	mkorder(&o, "s1", "TSTA", -1, 5, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 0);
	mkorder(&o, "s1", "TSTA", 1, 1, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	b.n = 0;
	/* gross, net, strategy, notional */
	nolimits(&c);
	c.max_gross = 12600;
	mkorder(&o, "s2", "TSTB", -1, 3, 1);    /* gross 12650 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_GROSS, ""));
	b.n = 0;
	mkorder(&o, "s2", "TSTB", -1, 2, 1);    /* gross 12600 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 0);
	nolimits(&c);
	c.max_net = 7600;                       /* net 7500 */
	mkorder(&o, "s1", "TSTA", 1, 2, 1);     /* net 7700 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_NET, ""));
	b.n = 0;
	mkorder(&o, "s2", "TSTB", -1, 10, 1);   /* net 7000: reduces */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 0);
	nolimits(&c);
	c.max_strategy_notional = 2600;         /* s2 2500 */
	mkorder(&o, "s2", "TSTB", -1, 3, 1);    /* s2 2650 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_STRATEGY, "s2"));
	b.n = 0;
	mkorder(&o, "s1", "TSTB", -1, 3, 1);    /* s1 passes: 10150 no limit hit */
	c.max_strategy_notional = 10200;
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 0);
	nolimits(&c);
	c.max_notional = 13000;                 /* 12500 */
	occ(sym, EXP1, 100, 1);
	mkorder(&o, "v", sym, 1, 1, 100);       /* + 1 x 100 x 100 = 22500 */
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_NOTIONAL, ""));
	ck_assert_double_eq_tol(b.v[0].value, 22500, 1e-9);
	b.n = 0;
	/* daily loss beyond the limit: only exposure-reducing orders */
	nolimits(&c);
	c.max_daily_loss = 1000;
	mkorder(&o, "s1", "TSTA", 1, 1, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, -1500, &b, &cause), 1);
	ck_assert(has(&b, RISK_LIM_DAILY_LOSS, ""));
	b.n = 0;
	mkorder(&o, "s1", "TSTA", -1, 1, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, -1500, &b, &cause), 0);
	mkorder(&o, "s1", "TSTA", 1, 1, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, -500, &b, &cause), 0);
	/* an order that cannot be valued, or a malformed one, is refused */
	mkorder(&o, "s1", "NOSUCH", 1, 1, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "NOSUCH"));
	free(cause);
	cause = NULL;
	mkorder(&o, "s1", "TSTA", 1, NAN, 1);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), -1);
	free(cause);
	cause = NULL;
	mkorder(&o, "s1", "TSTA", 1, 1, 100);
	ck_assert_int_eq(risk_check_order(&c, p, 2, NULL, &o, snap, NULL, T0, NAN, &b, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "multiplier"));
	free(cause);
	ck_assert_uint_eq(b.n, 0);
	risk_breaches_free(&b);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* ---- hedge ------------------------------------------------------------ */

START_TEST(test_hedge)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_position p[4];
	struct risk_greeks g;
	struct risk_hedge h[4];
	struct risk_cfg c;
	char c1[MARKET_SYMBOL_MAX], c2[MARKET_SYMBOL_MAX], *cause = NULL;
	size_t n, i;

	occ(c1, EXP1, 100, 1);
	occ(c2, EXP2, 90, 0);
	mkpos(&p[0], "v", c1, 12, 100);         /* ~ +650 shares */
	mkpos(&p[1], "v", c2, 7, 100);          /* ~ -130 shares */
	mkpos(&p[2], "m", "TSTB", 40, 1);       /* +40 shares, below the threshold */
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	risk_cfg_default(&c);
	ck_assert_double_eq(c.hedge_target, 0.5);       /* the default band */
	c.hedge_threshold = 100;
	c.hedge_target = 0;             /* to zero */
	n = risk_hedge(&c, &g, h, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].symbol, "TSTA");
	ck_assert_int_eq(h[0].side, -1);
	ck_assert_double_eq(h[0].qty, fabs(nearbyint(g.und[0].delta_sh)));
	ck_assert(fabs(h[0].delta_after) <= 0.5);
	/* the hedge, filled, zeroes the delta (independently recomputed) */
	mkpos(&p[3], "hedge", "TSTA", h[0].side * h[0].qty, 1);
	risk_greeks_free(&g);
	ck_assert_int_eq(risk_greeks(p, 4, snap, NULL, T0, &g, &cause), 0);
	ck_assert(fabs(g.und[0].delta_sh) <= 0.5);
	ck_assert_uint_eq(risk_hedge(&c, &g, h, 4), 0);
	risk_greeks_free(&g);
	/* currency threshold: TSTB 40 x 50 = 2000 */
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	c.hedge_cash = 1;
	c.hedge_threshold = 1999;
	n = risk_hedge(&c, &g, h, 4);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n && strcmp(h[i].symbol, "TSTB") != 0; i++)
		;
	ck_assert_uint_lt(i, n);
	ck_assert_int_eq(h[i].side, -1);
	ck_assert_double_eq(h[i].qty, 40);
	c.hedge_threshold = 2001;
	ck_assert_uint_eq(risk_hedge(&c, &g, h, 4), 1);
	c.hedge_threshold = 0;
	ck_assert_uint_eq(risk_hedge(&c, &g, h, 4), 0);
	risk_greeks_free(&g);

	/* the band: threshold 100 shares, target 0.5 -- the hedge leaves
	 * +50 shares (the delta's sign), not zero; filled, the book is inside
	 * the band and nothing more is due, whichever way the delta drifts
	 * within it */
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	c.hedge_cash = 0;
	c.hedge_threshold = 100;
	c.hedge_target = 0.5;
	n = risk_hedge(&c, &g, h, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].symbol, "TSTA");
	ck_assert_int_eq(h[0].side, -1);
	ck_assert_double_eq(h[0].qty, nearbyint(g.und[0].delta_sh - 50));
	ck_assert(fabs(h[0].delta_after - 50) <= 0.5);
	mkpos(&p[3], "hedge", "TSTA", h[0].side * h[0].qty, 1);
	risk_greeks_free(&g);
	ck_assert_int_eq(risk_greeks(p, 4, snap, NULL, T0, &g, &cause), 0);
	ck_assert(fabs(g.und[0].delta_sh - 50) <= 0.5);
	ck_assert_uint_eq(risk_hedge(&c, &g, h, 4), 0);
	risk_greeks_free(&g);
	/* a short book is hedged up to -50 */
	mkpos(&p[3], "hedge", "TSTA", -700, 1);
	ck_assert_int_eq(risk_greeks(p, 4, snap, NULL, T0, &g, &cause), 0);
	ck_assert_uint_eq(risk_hedge(&c, &g, h, 4), 1);
	ck_assert_int_eq(h[0].side, 1);
	ck_assert_double_eq(h[0].qty, nearbyint(-g.und[0].delta_sh - 50));
	ck_assert(fabs(h[0].delta_after + 50) <= 0.5);
	risk_greeks_free(&g);
	/* in currency: TSTB 40 shares x 50 = 2000 against 1500, target 0.5 =
	 * 750 currency = 15 shares: sell 25 */
	ck_assert_int_eq(risk_greeks(p, 3, snap, NULL, T0, &g, &cause), 0);
	c.hedge_cash = 1;
	c.hedge_threshold = 1500;
	n = risk_hedge(&c, &g, h, 4);
	for (i = 0; i < n && strcmp(h[i].symbol, "TSTB") != 0; i++)
		;
	ck_assert_uint_lt(i, n);
	ck_assert_int_eq(h[i].side, -1);
	ck_assert_double_eq(h[i].qty, 25);
	risk_greeks_free(&g);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* ---- the Greeks cache ------------------------------------------------- */

/* Whether a and b agree within a relative tol (0: bit for bit). */
static int close_to(double a, double b, double tol)
{
	return tol == 0 ? a == b : fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) + 1e-12;
}

/* Asserts that two books' Greeks agree position by position and in the
 * per-underlying aggregates: bit for bit (tol 0) where a reused position
 * must be exactly what a fresh valuation at the same time gives, within
 * tol where the cache keeps Greeks valued up to max_age earlier. */
static void same_greeks(const struct risk_greeks *a, const struct risk_greeks *b, double tol)
{
	size_t i;

	ck_assert_uint_eq(a->npos, b->npos);
	for (i = 0; i < a->npos; i++) {
		ck_assert_int_eq(a->pos[i].ok, b->pos[i].ok);
		ck_assert_msg(close_to(a->pos[i].delta_sh, b->pos[i].delta_sh, tol),
		    "position %zu: delta %.17g against %.17g", i, a->pos[i].delta_sh,
		    b->pos[i].delta_sh);
		ck_assert(close_to(a->pos[i].gamma_sh, b->pos[i].gamma_sh, tol));
		ck_assert(close_to(a->pos[i].vega, b->pos[i].vega, tol));
		ck_assert(close_to(a->pos[i].theta, b->pos[i].theta, tol));
		ck_assert(close_to(a->pos[i].rho, b->pos[i].rho, tol));
		ck_assert(close_to(a->pos[i].value, b->pos[i].value, tol));
		ck_assert_uint_eq(a->pos[i].index, i);
	}
	ck_assert_uint_eq(a->nund, b->nund);
	for (i = 0; i < a->nund; i++) {
		ck_assert_str_eq(a->und[i].underlying, b->und[i].underlying);
		ck_assert(close_to(a->und[i].delta_sh, b->und[i].delta_sh, tol));
		ck_assert(close_to(a->und[i].vega, b->und[i].vega, tol));
	}
}

/* risk_cache_greeks against a full revaluation (risk_greeks) of the same
 * book: equal Greeks, and only the positions whose inputs changed are
 * revalued -- a quantity, the market of one underlying, the clock past
 * max_age; a position leaving the book leaves the cache. */
START_TEST(test_greeks_cache)
{
	struct mstate *ms = market(S0, IV, RATE), *ms2;
	const struct mstate_snap *snap = mstate_snapshot(ms), *snap2;
	struct risk_cache *c = risk_cache_new(60);
	struct risk_position p[3];
	struct risk_greeks g, ref;
	char c1[MARKET_SYMBOL_MAX], c2[MARKET_SYMBOL_MAX], *cause = NULL;
	size_t fresh;

	occ(c1, EXP1, 100, 1);
	occ(c2, EXP2, 90, 0);
	mkpos(&p[0], "v", c1, 12, 100);
	mkpos(&p[1], "v", c2, 7, 100);
	mkpos(&p[2], "m", "TSTB", 40, 1);
	/* tol: 0 when every reused position was valued at time t; 1e-4
	 * when some were valued up to 59 s earlier (a 59 s shorter
	 * maturity moves the Greeks of these 3- and 6-month options by
	 * ~1e-6 relative) */
#define CHECK(np, sn, t, want, tol) do {					\
	ck_assert_int_eq(risk_cache_greeks(c, p, np, sn, NULL, t, &g, &fresh, &cause), 0); \
	ck_assert_int_eq(risk_greeks(p, np, sn, NULL, t, &ref, &cause), 0);	\
	same_greeks(&g, &ref, tol);						\
	ck_assert_uint_eq(fresh, want);						\
	risk_greeks_free(&g);							\
	risk_greeks_free(&ref);							\
} while (0)
	CHECK(3, snap, T0, 3, 0);          /* first sight: all valued */
	CHECK(3, snap, T0, 0, 0);          /* nothing changed */
	CHECK(3, snap, T0 + 59, 0, 1e-4);       /* the clock, within max_age */
	p[1].qty = 8;                   /* a fill */
	CHECK(3, snap, T0 + 59, 1, 1e-4);
	CHECK(3, snap, T0 + 59, 0, 1e-4);
	/* TSTA moves (its quote and chain), TSTB does not: the two options
	 * are revalued, the shares are not */
	ms2 = market(S0 * 1.01, IV, RATE);
	snap2 = mstate_snapshot(ms2);
	CHECK(3, snap2, T0 + 59, 2, 0);
	CHECK(3, snap2, T0 + 59, 0, 0);
	/* the clock past max_age: the options' maturities moved */
	CHECK(3, snap2, T0 + 200, 2, 0);
	/* a position gone, then back: valued afresh */
	CHECK(2, snap2, T0 + 200, 0, 0);
	CHECK(3, snap2, T0 + 200, 1, 0);
#undef CHECK
	risk_cache_free(c);
	mstate_snap_release(snap2);
	mstate_free(ms2);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* ---- scenarios -------------------------------------------------------- */

START_TEST(test_scenario_grid)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct calib_book book;
	struct risk_position p[3];
	struct scenario_cfg sc;
	struct scenario_result r;
	struct risk_cfg c;
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	char c1[MARKET_SYMBOL_MAX], *cause = NULL;
	double T = market_year_fraction(T0, EXP1);
	size_t i, j, k;

	risk_cfg_default(&c);
	scenario_cfg_default(&sc);
	ck_assert_uint_eq(sc.nspot, 7);
	ck_assert_uint_eq(sc.nvol, 4);
	occ(c1, EXP1, 105, 1);
	mkpos(&p[0], "m", "TSTB", -37, 1);
	mkpos(&p[1], "v", c1, 3, 100);
	mkpos(&p[2], "h", "TSTA", 250, 1);
	ck_assert_int_eq(scenario_grid(p, 3, snap, NULL, &c, &sc, T0, &r, &cause), 0);
	ck_assert_uint_eq(r.npoints, 28);
	ck_assert_uint_eq(r.nspot, 7);
	ck_assert_uint_eq(r.nvol, 4);
	ck_assert_uint_eq(r.nbad, 0);
	for (i = 0; i < 7; i++)
		for (j = 0; j < 4; j++) {
			size_t pt = i * 4 + j;
			double ds = sc.spot[i], dv = sc.vol[j], base, px;

			ck_assert_double_eq(r.pt[pt].spot_shock, ds);
			ck_assert_double_eq(r.pt[pt].vol_shock, dv);
			/* stock: qty x shock exactly */
			ck_assert_double_eq(r.pnl[pt * 3 + 0], -37 * 50 * ds);
			ck_assert_double_eq(r.pnl[pt * 3 + 2], 250 * S0 * ds);
			/* the call against a direct repricing */
			ck_assert_int_eq(bs_price(BS_CALL, S0, 105, T, IV, RATE, DIV, &base), QM_OK);
			ck_assert_int_eq(bs_price(BS_CALL, S0 * (1 + ds), 105, T, IV * (1 + dv), RATE,
			    DIV, &px), QM_OK);
			ck_assert_double_eq_tol(r.pnl[pt * 3 + 1], 300 * (px - base), 1e-9);
			ck_assert_double_eq_tol(r.pt[pt].pnl, r.pnl[pt * 3] + r.pnl[pt * 3 + 1] +
			    r.pnl[pt * 3 + 2], 1e-9);
			if (ds == 0 && dv == 0)
				ck_assert_double_eq(r.pt[pt].pnl, 0);
		}
	scenario_result_free(&r);
	/* Heston: repriced with v0 and theta scaled by (1 + dv)^2 */
	heston_book(&book);
	ck_assert_int_eq(scenario_grid(p, 3, snap, &book, &c, &sc, T0, &r, &cause), 0);
	ck_assert_int_eq(r.model[1], RISK_MODEL_HESTON);
	for (k = 0; k < r.npoints; k++) {
		heston_params hp = HP;
		double base, px, m = 1 + r.pt[k].vol_shock;

		hp.v0 *= m * m;
		hp.theta *= m * m;
		ck_assert_int_eq(heston_price(&HP, S0, T, 105, RATE, DIV, HESTON_CALL, &base, w),
		    QM_OK);
		ck_assert_int_eq(heston_price(&hp, S0 * (1 + r.pt[k].spot_shock), T, 105, RATE, DIV,
		    HESTON_CALL, &px, w), QM_OK);
		ck_assert_double_eq_tol(r.pnl[k * 3 + 1], 300 * (px - base), 1e-7);
	}
	scenario_result_free(&r);
	calib_book_free(&book);
	heston_workspace_free(w);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

START_TEST(test_scenario_named)
{
	struct mstate *ms = market(S0, IV, RATE);
	const struct mstate_snap *snap = mstate_snapshot(ms);
	struct risk_position p[2];
	struct scenario_result r;
	struct risk_cfg c;
	const struct scenario_def *d;
	char c1[MARKET_SYMBOL_MAX], *cause = NULL;
	double T = market_year_fraction(T0, EXP2), base, px;

	/* the parameters, against the published levels */
	ck_assert_uint_eq(scenario_named_count(), 4);
	d = scenario_find("crisis2008");
	ck_assert_ptr_nonnull(d);
	ck_assert_double_eq_tol(d->index_move, 752.44 / 1251.70 - 1, 0.005);
	ck_assert_double_eq_tol(1 + d->vol_shock, 80.86 / 25.66, 1e-12);
	d = scenario_find("covid2020");
	ck_assert_double_eq_tol(d->index_move, 2237.40 / 3386.15 - 1, 0.005);
	ck_assert_double_eq_tol(1 + d->vol_shock, 82.69 / 14.38, 1e-12);
	d = scenario_find("flash2010");
	ck_assert_double_eq_tol(d->index_move, 1065.79 / 1165.87 - 1, 0.005);
	/* Cboe VIX: 24.91 close on 5 May 2010, 40.71 intraday high on 6 May */
	ck_assert_double_eq_tol(1 + d->vol_shock, 40.71 / 24.91, 1e-12);
	d = scenario_find("lowvol2017");
	ck_assert_double_eq_tol(d->index_move, 0.05, 1e-12);
	ck_assert_double_eq_tol(d->vol_shock, -0.30, 1e-12);
	ck_assert_ptr_null(scenario_find("nosuch"));
	/* through the betas */
	risk_cfg_default(&c);
	ck_assert_int_eq(risk_parse_betas(&c, " TSTA:1.5, TSTB : 0.5 ", &cause), 0);
	ck_assert_double_eq(risk_beta(&c, "TSTA"), 1.5);
	ck_assert_double_eq(risk_beta(&c, "OTHER"), 1.0);
	occ(c1, EXP2, 95, 0);
	mkpos(&p[0], "m", "TSTB", 100, 1);
	mkpos(&p[1], "v", c1, -2, 100);
	d = scenario_find("covid2020");
	ck_assert_int_eq(scenario_named(p, 2, snap, NULL, &c, d, T0, &r, &cause), 0);
	ck_assert_uint_eq(r.npoints, 1);
	ck_assert_double_eq(r.pnl[0], 100 * 50 * (0.5 * -0.34));
	ck_assert_int_eq(bs_price(BS_PUT, S0, 95, T, IV, RATE, DIV, &base), QM_OK);
	ck_assert_int_eq(bs_price(BS_PUT, S0 * (1 + 1.5 * -0.34), 95, T, IV * (82.69 / 14.38),
	    RATE, DIV, &px), QM_OK);
	ck_assert_double_eq_tol(r.pnl[1], -200 * (px - base), 1e-9);
	scenario_result_free(&r);
	/* a beta so large that the shock passes -99% is floored */
	ck_assert_int_eq(risk_parse_betas(&c, "TSTB:3", &cause), 0);
	ck_assert_int_eq(scenario_named(p, 1, snap, NULL, &c, scenario_find("crisis2008"), T0, &r,
	    &cause), 0);
	ck_assert_double_eq_tol(r.pnl[0], 100 * 50 * -0.99, 1e-9);
	scenario_result_free(&r);
	/* bad input */
	ck_assert_int_eq(risk_parse_betas(&c, "TSTA", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "SYMBOL:BETA"));
	free(cause);
	ck_assert_int_eq(risk_parse_betas(&c, "TSTA:abc", &cause), -1);
	free(cause);
	ck_assert_int_eq(risk_parse_betas(&c, "TS TA:1", &cause), -1);
	free(cause);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

START_TEST(test_config)
{
	struct conf *conf = conf_new();
	struct risk_cfg a, b;
	struct scenario_cfg sa, sb;
	double v[SCENARIO_MAX_SHOCKS];
	size_t n;
	char *cause = NULL;

	/* the key defaults agree with the built-in defaults */
	risk_cfg_default(&a);
	ck_assert_int_eq(risk_cfg_from_conf(&b, conf, &cause), 0);
	ck_assert_mem_eq(&a, &b, sizeof a);
	scenario_cfg_default(&sa);
	ck_assert_int_eq(scenario_cfg_from_conf(&sb, conf, &cause), 0);
	ck_assert_uint_eq(sa.nspot, sb.nspot);
	ck_assert_uint_eq(sa.nvol, sb.nvol);
	ck_assert_mem_eq(sa.spot, sb.spot, sa.nspot * sizeof sa.spot[0]);
	ck_assert_mem_eq(sa.vol, sb.vol, sa.nvol * sizeof sa.vol[0]);
	ck_assert_int_eq(conf_set(conf, "risk.betas", "SPY:1,QQQ:1.2", &cause), 0);
	ck_assert_int_eq(conf_set(conf, "risk.hedge_unit", "currency", &cause), 0);
	ck_assert_int_eq(risk_cfg_from_conf(&b, conf, &cause), 0);
	ck_assert_double_eq(risk_beta(&b, "QQQ"), 1.2);
	ck_assert_int_eq(b.hedge_cash, 1);
	ck_assert_int_eq(conf_set(conf, "scenario.vol_shocks", "-30,x", &cause), 0);
	ck_assert_int_eq(scenario_cfg_from_conf(&sb, conf, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "scenario.vol_shocks"));
	free(cause);
	ck_assert_int_eq(scenario_parse_shocks("k", "+5%, -10 ,0", v, &n, &cause), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq_tol(v[0], 0.05, 1e-15);
	ck_assert_double_eq_tol(v[1], -0.10, 1e-15);
	ck_assert_int_eq(scenario_parse_shocks("k", "-100", v, &n, &cause), -1);
	free(cause);
	ck_assert_int_eq(scenario_parse_shocks("k", "", v, &n, &cause), -1);
	free(cause);
	conf_free(conf);
}
END_TEST

/* ---- pair health ------------------------------------------------------ */

/* xorshift64* uniform in (0, 1). */
static double uniform(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((double)((*s * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal draw (Box-Muller). */
static double gauss(unsigned long long *s)
{
	double u = uniform(s), v = uniform(s);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Puts n daily bars of two legs on business days: cointegrated (leg1 =
 * 10 + 1.5 leg2 + AR(1) noise) or two independent random walks. */
static void put_pair_bars(struct mstate *ms, const char *l1, const char *l2, size_t n,
    int coint, unsigned long long seed)
{
	struct bar *b = xcalloc(2 * n, sizeof *b);
	double x = 50, y = 85, u = 0;
	int day = 20230103;
	size_t t;

	for (t = 0; t < n; t++) {
		x *= exp(0.01 * gauss(&seed));
		if (coint) {
			u = 0.5 * u + 0.4 * gauss(&seed);
			y = 10 + 1.5 * x + u;
		} else {
			y *= exp(0.01 * gauss(&seed));
		}
		snprintf(b[2 * t].symbol, sizeof b[0].symbol, "%s", l1);
		snprintf(b[2 * t + 1].symbol, sizeof b[0].symbol, "%s", l2);
		b[2 * t].time = b[2 * t + 1].time = market_date_epoch(day) + 14.5 * 3600;
		b[2 * t].open = b[2 * t].close = y;
		b[2 * t + 1].open = b[2 * t + 1].close = x;
		b[2 * t].high = y * 1.001;
		b[2 * t].low = y * 0.999;
		b[2 * t + 1].high = x * 1.001;
		b[2 * t + 1].low = x * 0.999;
		b[2 * t].volume = b[2 * t + 1].volume = 1e6;
		day = market_next_business_day(day);
	}
	ck_assert_uint_eq(mstate_put_bars(ms, "t", NULL, b, 2 * n, NULL), 0);
	free(b);
}

START_TEST(test_pair_health)
{
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	struct risk_pair_health h;
	struct risk_cfg c;
	char *cause = NULL;

	put_pair_bars(ms, "PCA", "PCB", 400, 1, 7);
	put_pair_bars(ms, "RWA", "RWB", 400, 0, 11);
	put_pair_bars(ms, "SHA", "SHB", 20, 1, 13);
	snap = mstate_snapshot(ms);
	risk_cfg_default(&c);
	ck_assert_int_eq(risk_pair_health(&c, snap, "PCA/PCB", &h, &cause), 0);
	ck_assert_int_eq(h.ok, 1);
	ck_assert_uint_eq(h.n, 252);
	ck_assert(h.pvalue < 0.01);
	ck_assert(h.corr > 0.5);
	ck_assert_double_eq_tol(h.hedge_ratio, 1.5, 0.1);
	ck_assert_int_eq(h.healthy, 1);
	ck_assert_int_eq(risk_pair_health(&c, snap, "RWA/RWB", &h, &cause), 0);
	ck_assert_int_eq(h.ok, 1);
	ck_assert_int_eq(h.healthy, 0);
	ck_assert_int_eq(h.bad_pvalue, 1);
	ck_assert_int_eq(h.bad_corr, 1);
	ck_assert(fabs(h.corr) < 0.2);
	/* too short, a missing leg, a malformed name */
	ck_assert_int_eq(risk_pair_health(&c, snap, "SHA/SHB", &h, &cause), 0);
	ck_assert_int_eq(h.ok, 0);
	ck_assert_ptr_nonnull(strstr(h.err, "20 common daily closes"));
	ck_assert_int_eq(risk_pair_health(&c, snap, "PCA/NONE", &h, &cause), 0);
	ck_assert_int_eq(h.ok, 0);
	ck_assert_ptr_nonnull(strstr(h.err, "NONE"));
	ck_assert_int_eq(risk_pair_health(&c, snap, "PCAPCB", &h, &cause), -1);
	free(cause);
	mstate_snap_release(snap);
	mstate_free(ms);
}
END_TEST

/* The suite. */
static Suite *risk_suite(void)
{
	Suite *s = suite_create("risk");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bs_greeks);
	tcase_add_test(tc, test_heston_greeks);
	tcase_add_test(tc, test_aggregate);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_order_check);
	tcase_add_test(tc, test_hedge);
	tcase_add_test(tc, test_greeks_cache);
	tcase_add_test(tc, test_scenario_grid);
	tcase_add_test(tc, test_scenario_named);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_pair_health);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite. */
int main(void)
{
	SRunner *sr = srunner_create(risk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
