/*
 * risk-val.h -- the valuation of one position, shared by the Greeks and
 * limits (risk.c) and the full-revaluation scenarios (scenario.c), so that
 * both price every instrument with the same model, inputs and units.
 *
 * A position is first resolved against the market snapshot and the
 * parameter book (which model, spot, strike, maturity, rates, vol or
 * Heston parameters); it can then be repriced under any spot and vol
 * shock.  Internal to the risk module: the rules are documented in
 * risk.h.
 */
#ifndef QD_RISK_VAL_H
#define QD_RISK_VAL_H

#include "heston.h"
#include "risk.h"

/* A position resolved for valuation. */
struct risk_val {
	int ok;
	char err[RISK_ERR_MAX];
	int kind;                       /* enum instrument_kind */
	int model;                      /* enum risk_model */
	double qm;                      /* qty x multiplier */
	size_t nlegs;
	char und[2][MARKET_SYMBOL_MAX]; /* underlying of each leg */
	double spot[2];                 /* each leg's price */
	double w[2];                    /* pair: 1, -hedge ratio; else w[0] = 1 */
	/* options */
	double K, T, r, q;
	int call;
	double iv;                      /* RISK_MODEL_BS */
	heston_params hp;               /* RISK_MODEL_HESTON */
};

/* Resolves position p for valuation at time now; v->ok = 0 with v->err
 * when it cannot be valued. */
void risk_val_resolve(struct risk_val *v, const struct risk_position *p,
    const struct mstate_snap *snap, const struct calib_book *book, double now);

/*
 * Unit price of a resolved position with each leg's spot multiplied by
 * smul[leg] and vols by vmul (BS: iv x vmul; Heston: v0 and theta x
 * vmul^2); w is a Heston workspace (used only for Heston).  0, or -1 with
 * *price NaN.
 */
int risk_val_price(const struct risk_val *v, const double smul[2], double vmul,
    heston_workspace *w, double *price);

#endif
