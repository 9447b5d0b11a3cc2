/*
 * validate.c -- the market-data rules of validate.h.
 *
 * Row rules look at one quote or bar.  Chain rules look across rows of
 * one underlying: for every expiry the forward F and discount factor D
 * come from the source (forward, or spot with rate and dividend) or, when
 * the source has neither, from the put-call pairs themselves by a
 * Theil-Sen line C - P = D F - D K (robust to a few bad rows).  Arbitrage
 * rules use executable prices -- the bid of what would be sold and the
 * ask of what would be bought -- so a quote is only rejected when even
 * its bid-ask spread cannot explain it.  When several rows are involved
 * in violations, the row taking part in the most is rejected first and
 * the rule is run again (a greedy search for the fewest culprits).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "conf.h"
#include "iv.h"
#include "qm-status.h"
#include "util.h"
#include "validate.h"

static const struct {
	const char *name, *text;
} validate_reasons[VR_NREASONS] = {
	[VR_OK] = { "ok", "clean" },
	[VR_MISSING] = { "missing", "NaN, infinite, one-sided or absent price" },
	[VR_NONPOSITIVE] = { "nonpositive", "zero or negative price" },
	[VR_CROSSED] = { "crossed", "bid above ask" },
	[VR_WIDE] = { "wide", "bid-ask spread too wide" },
	[VR_IV] = { "iv", "implied vol out of range or price outside no-arbitrage bounds" },
	[VR_STALE] = { "stale", "timestamp too old, in the future or out of order" },
	[VR_PARITY] = { "parity", "put-call parity violated" },
	[VR_CALENDAR] = { "calendar", "calendar arbitrage in the implied variance" },
	[VR_BUTTERFLY] = { "butterfly", "strike arbitrage (monotonicity, slope, convexity)" },
	[VR_BAR] = { "bar", "inconsistent OHLC bar" },
};

/* Short name of a reason. */
const char *validate_reason_name(enum vreason r)
{
	return (unsigned)r < VR_NREASONS ? validate_reasons[r].name : "?";
}

/* Description of a reason. */
const char *validate_reason_text(enum vreason r)
{
	return (unsigned)r < VR_NREASONS ? validate_reasons[r].text : "?";
}

/* Reason of a name. */
int validate_reason_parse(const char *name)
{
	int i;

	for (i = 0; i < VR_NREASONS; i++) {
		if (strcmp(validate_reasons[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* The defaults; kept equal to the conf-keys.c rows. */
void validate_cfg_default(struct validate_cfg *cfg)
{
	cfg->max_spread = 0.5;
	cfg->max_spread_abs = 0.25;
	cfg->iv_min = 0.01;
	cfg->iv_max = 2.0;
	cfg->max_age = 1200;
	cfg->max_future = 5;
	cfg->parity = 1;
	cfg->parity_tol = 0.05;
	cfg->arb_tol = 0.01;
	cfg->calendar_tol = 0.01;
	cfg->iv_tol = 0.001;
}

/* Reads the validate.* keys. */
void validate_cfg_from_conf(struct validate_cfg *cfg, struct conf *conf)
{
	cfg->max_spread = conf_get_double(conf, "validate.max_spread");
	cfg->max_spread_abs = conf_get_double(conf, "validate.max_spread_abs");
	cfg->iv_min = conf_get_double(conf, "validate.iv_min");
	cfg->iv_max = conf_get_double(conf, "validate.iv_max");
	cfg->max_age = conf_get_double(conf, "validate.max_age");
	cfg->max_future = conf_get_double(conf, "validate.max_future");
	cfg->parity = conf_get_bool(conf, "validate.parity");
	cfg->parity_tol = conf_get_double(conf, "validate.parity_tol");
	cfg->arb_tol = conf_get_double(conf, "validate.arb_tol");
	cfg->calendar_tol = conf_get_double(conf, "validate.calendar_tol");
	cfg->iv_tol = conf_get_double(conf, "validate.iv_tol");
}

/* Writes a detail line when the caller wants one. */
static void validate_detail(char *detail, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void validate_detail(char *detail, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (detail == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, len, fmt, ap);
	va_end(ap);
}

/* missing / nonpositive / crossed on bid, ask and last. */
enum vreason validate_quote_prices(const struct quote *q, char *detail, size_t len)
{
	int hb = !isnan(q->bid), ha = !isnan(q->ask), hl = !isnan(q->last);

	if ((hb && !isfinite(q->bid)) || (ha && !isfinite(q->ask)) || (hl && !isfinite(q->last))) {
		validate_detail(detail, len, "infinite price (bid %g ask %g last %g)", q->bid,
		    q->ask, q->last);
		return VR_MISSING;
	}
	if (!hb && !ha && !hl) {
		validate_detail(detail, len, "no price (bid, ask and last are NaN)");
		return VR_MISSING;
	}
	if (hb != ha) {
		validate_detail(detail, len, "one-sided quote (bid %g ask %g)", q->bid, q->ask);
		return VR_MISSING;
	}
	if (ha && q->ask <= 0) {
		validate_detail(detail, len, "ask %g is not positive", q->ask);
		return VR_NONPOSITIVE;
	}
	if (hb && q->bid < 0) {
		validate_detail(detail, len, "bid %g is negative", q->bid);
		return VR_NONPOSITIVE;
	}
	if (hl && q->last <= 0) {
		validate_detail(detail, len, "last %g is not positive", q->last);
		return VR_NONPOSITIVE;
	}
	if (hb && q->bid > q->ask) {
		validate_detail(detail, len, "bid %g > ask %g", q->bid, q->ask);
		return VR_CROSSED;
	}
	return VR_OK;
}

/* The width rule (needs both sides). */
enum vreason validate_quote_width(const struct validate_cfg *cfg, const struct quote *q,
    char *detail, size_t len)
{
	double spread, mid, allowed;

	if (!isfinite(q->bid) || !isfinite(q->ask))
		return VR_OK;
	spread = q->ask - q->bid;
	mid = 0.5 * (q->ask + q->bid);
	allowed = fmax(cfg->max_spread * mid, cfg->max_spread_abs);
	if (spread > allowed * (1 + 1e-12)) {
		validate_detail(detail, len, "spread %g > max(%g x mid %g, %g)", spread,
		    cfg->max_spread, mid, cfg->max_spread_abs);
		return VR_WIDE;
	}
	return VR_OK;
}

/* The time rule. */
enum vreason validate_quote_time(const struct validate_cfg *cfg, const struct quote *q,
    double last_exch, char *detail, size_t len)
{
	double lag;

	if (isnan(q->exch_time))
		return VR_OK;
	if (!isfinite(q->exch_time)) {
		validate_detail(detail, len, "exchange time is infinite");
		return VR_STALE;
	}
	if (isfinite(q->recv_time)) {
		lag = q->recv_time - q->exch_time;
		if (lag > cfg->max_age) {
			validate_detail(detail, len, "exchange time %.0f s before receipt (max %g)",
			    lag, cfg->max_age);
			return VR_STALE;
		}
		if (-lag > cfg->max_future) {
			validate_detail(detail, len, "exchange time %.3f s after receipt (max %g)",
			    -lag, cfg->max_future);
			return VR_STALE;
		}
	}
	if (isfinite(last_exch) && q->exch_time < last_exch) {
		validate_detail(detail, len, "exchange time %.3f s older than the last quote",
		    last_exch - q->exch_time);
		return VR_STALE;
	}
	return VR_OK;
}

/* Every quote rule. */
enum vreason validate_quote(const struct validate_cfg *cfg, const struct quote *q,
    double last_exch, char *detail, size_t len)
{
	enum vreason r;

	if ((r = validate_quote_prices(q, detail, len)) != VR_OK)
		return r;
	if ((r = validate_quote_width(cfg, q, detail, len)) != VR_OK)
		return r;
	return validate_quote_time(cfg, q, last_exch, detail, len);
}

/* The bar rules. */
enum vreason validate_bar(const struct bar *b, char *detail, size_t len)
{
	const double v[4] = { b->open, b->high, b->low, b->close };
	static const char *const names[4] = { "open", "high", "low", "close" };
	int i;

	if (!isfinite(b->time)) {
		validate_detail(detail, len, "bar time is not finite");
		return VR_MISSING;
	}
	for (i = 0; i < 4; i++) {
		if (!isfinite(v[i])) {
			validate_detail(detail, len, "%s is %g", names[i], v[i]);
			return VR_MISSING;
		}
	}
	for (i = 0; i < 4; i++) {
		if (v[i] <= 0) {
			validate_detail(detail, len, "%s %g is not positive", names[i], v[i]);
			return VR_NONPOSITIVE;
		}
	}
	if (b->high < b->low) {
		validate_detail(detail, len, "high %g < low %g", b->high, b->low);
		return VR_BAR;
	}
	if (b->open < b->low || b->open > b->high || b->close < b->low || b->close > b->high) {
		validate_detail(detail, len, "open %g or close %g outside [low %g, high %g]",
		    b->open, b->close, b->low, b->high);
		return VR_BAR;
	}
	if (!isnan(b->volume) && !(b->volume >= 0 && isfinite(b->volume))) {
		validate_detail(detail, len, "volume %g is negative or infinite", b->volume);
		return VR_BAR;
	}
	return VR_OK;
}

/* The implied-vol range rule. */
enum vreason validate_iv_range(const struct validate_cfg *cfg, double iv, char *detail,
    size_t len)
{
	if (!isfinite(iv) || iv < cfg->iv_min || iv > cfg->iv_max) {
		validate_detail(detail, len, "implied vol %g outside [%g, %g]", iv, cfg->iv_min,
		    cfg->iv_max);
		return VR_IV;
	}
	return VR_OK;
}

/* ---------------------------------------------------------------------------
 * Chains
 */

/* One chain row with what the cross-row rules need. */
struct vrow {
	size_t idx;             /* index in the chain */
	const char *root;       /* option root: SPX and SPXW of one expiry differ */
	int group;              /* expiry group */
	int call;
	double T, K;
	double bid, ask, mid;   /* executable prices (bid = ask = price if only one) */
	double iv;              /* of the mid (or the source's) */
	double iv_lo, iv_hi;    /* of the bid and the ask: the vols the quote allows */
	int ivb;                /* iv_lo, iv_hi computed (lazily, for the smiles) */
	int has_price;
	int ok;                 /* still clean */
};

/* One expiry (and option root) of the chain. */
struct vgroup {
	double T, F, D;
	int fknown;             /* F from the source or the put-call pairs, not a guess */
	size_t first, n;        /* rows [first, first + n) of the sorted row array */
};

/* Orders rows by maturity, then strike, calls first. */
static int vrow_cmp(const void *a, const void *b)
{
	const struct vrow *x = a, *y = b;

	int c;

	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	if ((c = strcmp(x->root, y->root)) != 0)
		return c;
	if (x->K != y->K)
		return x->K < y->K ? -1 : 1;
	if (x->call != y->call)
		return x->call ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Compares doubles for qsort. */
static int vdouble_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static double vmedian(double *v, size_t n)
{
	qsort(v, n, sizeof *v, vdouble_cmp);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Rejects row r with a reason. */
static void vreject(struct vrow *r, struct validate_verdict *v, enum vreason reason,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void vreject(struct vrow *r, struct validate_verdict *v, enum vreason reason,
    const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	v[r->idx].reason = reason;
	va_start(ap, fmt);
	vsnprintf(v[r->idx].detail, sizeof v[r->idx].detail, fmt, ap);
	va_end(ap);
}

/* Robust put-call line of one expiry: C - P = a - D K by Theil-Sen over the
 * strikes quoted on both sides.  Returns 0 with D and F, or -1. */
static int vparity_fit(const struct vrow *rows, const struct vgroup *g, double *D, double *F)
{
	double K[256], y[256], *s, a;
	size_t n = 0, i, j, ns = 0;

	for (i = g->first; i + 1 < g->first + g->n && n < 256; i++) {
		const struct vrow *c = &rows[i], *p = &rows[i + 1];

		if (c->ok && p->ok && c->call && !p->call && c->K == p->K && c->has_price &&
		    p->has_price) {
			K[n] = c->K;
			y[n++] = c->mid - p->mid;
		}
	}
	if (n < 3)
		return -1;
	s = xmalloc(n * (n - 1) / 2 * sizeof *s);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			s[ns++] = (y[j] - y[i]) / (K[j] - K[i]);
	}
	*D = -vmedian(s, ns);
	free(s);
	if (!(*D > 0.2 && *D < 1.5))
		return -1;
	for (i = 0; i < n; i++)
		y[i] += *D * K[i];
	a = vmedian(y, n);
	*F = a / *D;
	return *F > 0 && isfinite(*F) ? 0 : -1;
}

/* Works out F and D of every expiry group. */
static void vforwards(const struct option_chain *c, struct vrow *rows, struct vgroup *g,
    int ng)
{
	int k;

	for (k = 0; k < ng; k++) {
		double T = g[k].T, F = NAN, D = NAN, r = c->rate, q = c->dividend, Fp, Dp;
		int fit;
		size_t i;

		for (i = g[k].first; i < g[k].first + g[k].n; i++) {
			const struct option_quote *oq = &c->opts[rows[i].idx];

			if (isnan(F) && isfinite(oq->forward) && oq->forward > 0)
				F = oq->forward;
			if (isfinite(oq->rate))
				r = oq->rate;
			if (isfinite(oq->dividend))
				q = oq->dividend;
		}
		fit = vparity_fit(rows, &g[k], &Dp, &Fp) == 0;
		if (isfinite(r))
			D = exp(-r * T);
		else if (fit)
			D = Dp;
		else
			D = 1;
		g[k].fknown = 1;
		if (isnan(F)) {
			if (isfinite(c->spot) && c->spot > 0 && isfinite(r) && isfinite(q))
				F = c->spot * exp((r - q) * T);
			else if (fit)
				F = Fp;
			else if (isfinite(c->spot) && c->spot > 0) {
				/* a guess (no dividend, no rate when unknown): good
				 * enough to fill in vols, not to reject a row */
				F = c->spot * exp((isfinite(r) ? r : 0) * T);
				g[k].fknown = 0;
			}
		}
		g[k].F = F;
		g[k].D = D;
	}
}

/* Implied vol of each clean row (or the range check of a given vol). */
static void viv(const struct validate_cfg *cfg, struct option_chain *c, struct vrow *rows,
    const struct vgroup *g, int ng, struct validate_verdict *v)
{
	int k;

	for (k = 0; k < ng; k++) {
		double F = g[k].F, D = g[k].D, T = g[k].T;
		size_t i;

		for (i = g[k].first; i < g[k].first + g[k].n; i++) {
			struct vrow *r = &rows[i];
			struct option_quote *oq = &c->opts[r->idx];
			int type = r->call ? BS_CALL : BS_PUT, st;
			double intrinsic, upper, iv;

			if (!r->ok)
				continue;
			if (isfinite(F) && isnan(oq->forward))
				oq->forward = F;
			if (!r->has_price) {
				/* a vol-only row: range check, and a price for the
				 * strike rules when the forward is known */
				if (validate_iv_range(cfg, r->iv, v[r->idx].detail,
				    sizeof v[r->idx].detail) != VR_OK) {
					r->ok = 0;
					v[r->idx].reason = VR_IV;
					continue;
				}
				/* a vol quote stands for the prices of iv -+ iv_tol
				 * (its precision) in the strike rules */
				if (isfinite(F) && bs_black76_price(type, F, r->K, T, r->iv, -log(D) / T,
				    &r->mid) == QM_OK &&
				    bs_black76_price(type, F, r->K, T, fmax(r->iv - cfg->iv_tol, 0),
				    -log(D) / T, &r->bid) == QM_OK &&
				    bs_black76_price(type, F, r->K, T, r->iv + cfg->iv_tol, -log(D) / T,
				    &r->ask) == QM_OK)
					r->has_price = 1;
				r->iv_lo = r->iv_hi = r->iv;
				r->ivb = 1;
				continue;
			}
			/* a priced row: its vols are those of its prices */
			r->iv = NAN;
			r->iv_lo = 0;
			r->iv_hi = INFINITY;
			if (!isfinite(F))
				continue;
			intrinsic = D * fmax(r->call ? F - r->K : r->K - F, 0);
			upper = D * (r->call ? F : r->K);
			st = iv_black76(type, F, r->K, T, r->mid / D, &iv);
			if (st == QM_OK) {
				if (!g[k].fknown) {
					/* a vol from a guessed forward: informative only */
					if (isnan(oq->implied_vol))
						oq->implied_vol = iv;
					r->iv = NAN;
					continue;
				}
				if (validate_iv_range(cfg, iv, NULL, 0) != VR_OK) {
					/* a vol outside the range is still acceptable when
					 * the spread straddles a price inside it */
					double lo = NAN, hi = NAN;

					bs_black76_price(type, F, r->K, T, cfg->iv_min, -log(D) / T, &lo);
					bs_black76_price(type, F, r->K, T, cfg->iv_max, -log(D) / T, &hi);
					if (r->ask >= lo && r->bid <= hi) {
						r->iv = NAN;
						continue;
					}
					vreject(r, v, VR_IV, "implied vol %g outside [%g, %g]", iv,
					    cfg->iv_min, cfg->iv_max);
					continue;
				}
				r->iv = iv;
				if (isnan(oq->implied_vol))
					oq->implied_vol = iv;
				continue;
			}
			if (!g[k].fknown)
				continue;
			if (r->mid <= intrinsic) {
				if (r->ask >= intrinsic - cfg->arb_tol)
					continue;       /* the spread reaches the bound */
				vreject(r, v, VR_IV, "price %g below intrinsic value %g", r->ask,
				    intrinsic);
			} else if (r->mid >= upper) {
				if (r->bid <= upper + cfg->arb_tol)
					continue;
				vreject(r, v, VR_IV, "price %g above the no-arbitrage bound %g",
				    r->bid, upper);
			}
		}
	}
}

/* Put-call parity at every strike quoted on both sides. */
static void vparity(const struct validate_cfg *cfg, struct vrow *rows, const struct vgroup *g,
    int ng, struct validate_verdict *v)
{
	int k;

	for (k = 0; k < ng; k++) {
		double F = g[k].F, D = g[k].D;
		size_t i;

		if (!isfinite(F) || !g[k].fknown)
			continue;
		for (i = g[k].first; i + 1 < g[k].first + g[k].n; i++) {
			struct vrow *c = &rows[i], *p = &rows[i + 1];
			double lo, hi, want;

			if (!(c->ok && p->ok && c->call && !p->call && c->K == p->K &&
			    c->has_price && p->has_price))
				continue;
			want = D * (F - c->K);
			lo = c->bid - p->ask - cfg->parity_tol;
			hi = c->ask - p->bid + cfg->parity_tol;
			if (want < lo || want > hi) {
				vreject(c, v, VR_PARITY, "C-P in [%g, %g] but D(F-K) = %g at K %g",
				    c->bid - p->ask, c->ask - p->bid, want, c->K);
				vreject(p, v, VR_PARITY, "C-P in [%g, %g] but D(F-K) = %g at K %g",
				    c->bid - p->ask, c->ask - p->bid, want, c->K);
			}
		}
	}
}

/* Finds the worst strike-arbitrage violation among the clean rows of one
 * right in one expiry, and rejects the row involved in most of them;
 * returns 1 when a row was rejected. */
static int vbutterfly_once(const struct validate_cfg *cfg, struct vrow *rows,
    const struct vgroup *g, int call, struct validate_verdict *v)
{
	size_t idx[512], n = 0, i, best = 0;
	int count[512], any = 0;
	char why[512][VALIDATE_DETAIL_MAX];
	double tol = cfg->arb_tol, D = isfinite(g->D) ? g->D : 1;

	for (i = g->first; i < g->first + g->n && n < 512; i++) {
		if (rows[i].ok && rows[i].call == call && rows[i].has_price)
			idx[n++] = i;
	}
	memset(count, 0, sizeof count);
	for (i = 0; i + 1 < n; i++) {
		struct vrow *a = &rows[idx[i]], *b = &rows[idx[i + 1]];
		double dk = b->K - a->K;

		/* monotone: calls fall, puts rise with the strike */
		if (call ? a->ask < b->bid - tol : b->ask < a->bid - tol) {
			count[i] += 2;
			count[i + 1] += 2;
			snprintf(why[call ? i + 1 : i], sizeof why[0], "%s not monotone at K %g/%g",
			    call ? "calls" : "puts", a->K, b->K);
			snprintf(why[call ? i : i + 1], sizeof why[0], "%s not monotone at K %g/%g",
			    call ? "calls" : "puts", a->K, b->K);
			any = 1;
		}
		/* slope bounded by the discount factor */
		if (call ? a->bid - b->ask > D * dk + tol : b->bid - a->ask > D * dk + tol) {
			count[i] += 2;
			count[i + 1] += 2;
			snprintf(why[i], sizeof why[0], "%s slope steeper than D at K %g/%g",
			    call ? "calls" : "puts", a->K, b->K);
			snprintf(why[i + 1], sizeof why[0], "%s slope steeper than D at K %g/%g",
			    call ? "calls" : "puts", a->K, b->K);
			any = 1;
		}
	}
	for (i = 0; i + 2 < n; i++) {
		struct vrow *a = &rows[idx[i]], *b = &rows[idx[i + 1]], *c = &rows[idx[i + 2]];
		double w = (c->K - b->K) / (c->K - a->K);

		if (w * a->ask + (1 - w) * c->ask - b->bid < -tol) {
			count[i] += 2;
			count[i + 1] += 3;
			count[i + 2] += 2;
			snprintf(why[i + 1], sizeof why[0],
			    "not convex at K %g/%g/%g: bid %g > wings %g", a->K, b->K, c->K, b->bid,
			    w * a->ask + (1 - w) * c->ask);
			if (count[i] == 2)
				snprintf(why[i], sizeof why[0], "not convex at K %g/%g/%g", a->K, b->K,
				    c->K);
			if (count[i + 2] == 2)
				snprintf(why[i + 2], sizeof why[0], "not convex at K %g/%g/%g", a->K,
				    b->K, c->K);
			any = 1;
		}
	}
	if (!any)
		return 0;
	for (i = 1; i < n; i++) {
		if (count[i] > count[best])
			best = i;
	}
	vreject(&rows[idx[best]], v, VR_BUTTERFLY, "%s", why[best]);
	return 1;
}

/* The strike-arbitrage rules, repeated until no violation remains. */
static void vbutterfly(const struct validate_cfg *cfg, struct vrow *rows,
    const struct vgroup *g, int ng, struct validate_verdict *v)
{
	int k, call;

	for (k = 0; k < ng; k++) {
		for (call = 0; call <= 1; call++) {
			size_t guard = g[k].n;

			while (guard-- > 0 && vbutterfly_once(cfg, rows, &g[k], call, v))
				;
		}
	}
}

/* Computes the vols of a row's bid and ask, which bound what its quote
 * says (0 and infinity where a side is at or beyond a bound). */
static void vbidask_iv(struct vrow *r, const struct vgroup *g)
{
	int type = r->call ? BS_CALL : BS_PUT;
	double intrinsic = g->D * fmax(r->call ? g->F - r->K : r->K - g->F, 0);
	double upper = g->D * (r->call ? g->F : r->K);

	if (r->ivb)
		return;
	r->ivb = 1;
	if (!(r->bid > intrinsic) ||
	    iv_black76(type, g->F, r->K, g->T, r->bid / g->D, &r->iv_lo) != QM_OK)
		r->iv_lo = 0;
	if (!(r->ask < upper) ||
	    iv_black76(type, g->F, r->K, g->T, r->ask / g->D, &r->iv_hi) != QM_OK)
		r->iv_hi = INFINITY;
}

/* One point of a smile: log-moneyness and the total implied variances of
 * the bid and the ask, with the tolerance. */
struct vpoint {
	double k, wlo, whi, tol;
	size_t row;
};

/* The out-of-the-money smile of an expiry (one point per strike). */
static size_t vsmile(struct vrow *rows, const struct vgroup *g, const struct validate_cfg *cfg,
    struct vpoint *pts, size_t max)
{
	size_t i, n = 0;

	if (!isfinite(g->F) || !g->fknown)
		return 0;
	for (i = g->first; i < g->first + g->n && n < max; i++) {
		struct vrow *r = &rows[i];

		if (!r->ok || !isfinite(r->iv))
			continue;
		/* out of the money: calls at K >= F, puts below; either when
		 * only one side is quoted */
		if (r->call != (r->K >= g->F)) {
			/* rows are sorted by strike, calls first: the other
			 * right of this strike is a neighbour */
			const struct vrow *o = NULL;

			if (r->call && i + 1 < g->first + g->n)
				o = &rows[i + 1];
			else if (!r->call && i > g->first)
				o = &rows[i - 1];
			if (o != NULL && o->K == r->K && o->call != r->call && o->ok &&
			    isfinite(o->iv))
				continue;
		}
		if (n > 0 && rows[pts[n - 1].row].K == r->K)
			continue;
		vbidask_iv(r, g);
		pts[n].k = log(r->K / g->F);
		pts[n].wlo = r->iv_lo * r->iv_lo * g->T;
		pts[n].whi = r->iv_hi * r->iv_hi * g->T;
		pts[n].tol = 2 * r->iv * g->T * cfg->calendar_tol;
		pts[n].row = i;
		n++;
	}
	return n;
}

/* Calendar rule between consecutive expiries, greedy like the strike rules. */
static void vcalendar(const struct validate_cfg *cfg, struct vrow *rows,
    const struct vgroup *g, int ng, struct validate_verdict *v)
{
	struct vpoint *a = xmalloc(512 * sizeof *a), *b = xmalloc(512 * sizeof *b);
	int k;

	for (k = 0; k + 1 < ng; k++) {
		size_t guard = g[k].n + g[k + 1].n;

		while (guard-- > 0) {
			size_t na = vsmile(rows, &g[k], cfg, a, 512), nb, i, j;
			int cnt_a[512], cnt_b[512], any = 0;
			size_t besta = 0, bestb = 0;
			char why[VALIDATE_DETAIL_MAX] = "";

			nb = vsmile(rows, &g[k + 1], cfg, b, 512);
			if (na < 2 || nb < 1 || g[k].T >= g[k + 1].T)
				break;          /* (equal T: two roots of one expiry) */
			memset(cnt_a, 0, sizeof cnt_a);
			memset(cnt_b, 0, sizeof cnt_b);
			for (i = 0, j = 0; i < nb; i++) {
				double w1, tol1, t;

				if (b[i].k < a[0].k || b[i].k > a[na - 1].k)
					continue;
				/* both smiles are in strike order: j only moves on */
				while (j + 1 < na && a[j + 1].k < b[i].k)
					j++;
				if (j + 1 >= na)
					j = na - 2;
				t = a[j + 1].k > a[j].k ? (b[i].k - a[j].k) / (a[j + 1].k - a[j].k) : 0;
				/* even the ask of the later expiry below the bids of
				 * the earlier one: a calendar spread for free */
				w1 = a[j].wlo + t * (a[j + 1].wlo - a[j].wlo);
				tol1 = a[j].tol + t * (a[j + 1].tol - a[j].tol);
				if (b[i].whi + b[i].tol < w1 - tol1) {
					/* of the two earlier points, the one that
					 * carries the interpolated variance is involved */
					size_t ja = (1 - t) * a[j].wlo >= t * a[j + 1].wlo ? j : j + 1;

					cnt_b[i] += 3;
					cnt_a[ja] += 2;
					if (!any || cnt_b[i] > cnt_b[bestb])
						bestb = i;
					if (cnt_a[ja] > cnt_a[besta])
						besta = ja;
					any = 1;
				}
			}
			if (!any)
				break;
			if (cnt_a[besta] > cnt_b[bestb]) {
				struct vrow *r = &rows[a[besta].row];

				snprintf(why, sizeof why, "total variance (bid) %.6g at T %.4g exceeds "
				    "the later expiry's (T %.4g) at log-moneyness %.4f", a[besta].wlo,
				    g[k].T, g[k + 1].T, a[besta].k);
				vreject(r, v, VR_CALENDAR, "%s", why);
			} else {
				struct vrow *r = &rows[b[bestb].row];

				snprintf(why, sizeof why, "total variance (ask) %.6g at T %.4g below "
				    "the earlier expiry's (T %.4g) at log-moneyness %.4f", b[bestb].whi,
				    g[k + 1].T, g[k].T, b[bestb].k);
				vreject(r, v, VR_CALENDAR, "%s", why);
			}
		}
	}
	free(a);
	free(b);
}

/* Validates a chain (see validate.h). */
size_t validate_chain(const struct validate_cfg *cfg, struct option_chain *c,
    struct validate_verdict *v)
{
	struct vrow *rows;
	struct vgroup *g;
	size_t i, n = 0, bad = 0;
	int ng = 0;

	for (i = 0; i < c->n; i++) {
		v[i].reason = VR_OK;
		v[i].detail[0] = '\0';
	}
	if (c->n == 0)
		return 0;
	rows = xcalloc(c->n, sizeof *rows);
	g = xcalloc(c->n, sizeof *g);
	for (i = 0; i < c->n; i++) {
		struct option_quote *oq = &c->opts[i];
		struct vrow *r = &rows[n];
		enum vreason why;
		double T = market_option_maturity(c, oq);

		r->idx = i;
		r->root = oq->opt.underlying;
		r->call = oq->opt.right == OPT_RIGHT_CALL;
		r->T = T;
		r->K = oq->opt.strike;
		r->iv = oq->implied_vol;
		if (!(isfinite(T) && T > 0)) {
			v[i].reason = VR_STALE;
			snprintf(v[i].detail, sizeof v[i].detail, "expired or bad maturity %g", T);
			continue;
		}
		if (!(isfinite(r->K) && r->K > 0)) {
			v[i].reason = VR_NONPOSITIVE;
			snprintf(v[i].detail, sizeof v[i].detail, "strike %g is not positive", r->K);
			continue;
		}
		if (isnan(oq->q.bid) && isnan(oq->q.ask) && isnan(oq->q.last)) {
			/* a vol-only row */
			if (!isfinite(oq->implied_vol)) {
				v[i].reason = VR_MISSING;
				snprintf(v[i].detail, sizeof v[i].detail,
				    "no price and no implied vol");
				continue;
			}
		} else {
			if ((why = validate_quote(cfg, &oq->q, NAN, v[i].detail,
			    sizeof v[i].detail)) != VR_OK) {
				v[i].reason = why;
				continue;
			}
			r->has_price = 1;
			if (isfinite(oq->q.bid)) {
				r->bid = oq->q.bid;
				r->ask = oq->q.ask;
				r->mid = 0.5 * (r->bid + r->ask);
			} else
				r->bid = r->ask = r->mid = oq->q.last;
		}
		r->ok = 1;
		n++;
	}
	qsort(rows, n, sizeof *rows, vrow_cmp);
	for (i = 0; i < n; i++) {
		if (ng == 0 || fabs(rows[i].T - g[ng - 1].T) > 1e-9 ||
		    strcmp(rows[i].root, rows[g[ng - 1].first].root) != 0) {
			g[ng].T = rows[i].T;
			g[ng].first = i;
			g[ng].n = 0;
			ng++;
		}
		rows[i].group = ng - 1;
		g[ng - 1].n++;
	}
	vforwards(c, rows, g, ng);
	viv(cfg, c, rows, g, ng, v);
	if (cfg->parity)
		vparity(cfg, rows, g, ng, v);
	vbutterfly(cfg, rows, g, ng, v);
	vcalendar(cfg, rows, g, ng, v);
	for (i = 0; i < c->n; i++)
		bad += v[i].reason != VR_OK;
	free(rows);
	free(g);
	return bad;
}
