/*
 * calib-input.c -- the exact inputs of a calibration: captured from a
 * market snapshot, written as canonical JSON, read back, fingerprinted.
 *
 * Why it exists: a calibration must be reproducible (`calibrate replay
 * ID`), so what it saw is stored with it.  The capture here is also the
 * one quote selection of the program: `calibrate heston|sabr SYMBOL` and
 * the engine both call it.
 *
 * The encoding is canonical: keys in a fixed order, no blanks, every
 * double written with the shortest of %.15g..%.17g that reads back to the
 * same bits (buf_add_double), NaN as null.  So encode(decode(encode(x)))
 * is the same text, and the SHA-256 of the text fingerprints the inputs.
 * Decoding checks every field and names the first bad one.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib-input.h"
#include "calib.h"
#include "heston.h"
#include "json.h"
#include "market-state.h"
#include "sha256.h"
#include "util.h"

#define CALIB_INPUT_FORMAT 1

/* Allocates an input of a model with room for n quotes or observations. */
struct calib_input *calib_input_new(enum calib_model model, const char *symbol, size_t n)
{
	struct calib_input *in = xcalloc(1, sizeof *in);

	in->model = model;
	snprintf(in->symbol, sizeof in->symbol, "%s", symbol);
	in->time = in->spot = NAN;
	calib_cfg_default(&in->cfg);
	if (model == CALIB_OU) {
		in->otime = xcalloc(n + 1, sizeof *in->otime);
		in->close1 = xcalloc(n + 1, sizeof *in->close1);
		in->close2 = xcalloc(n + 1, sizeof *in->close2);
	} else {
		in->expiry = xcalloc(n + 1, sizeof *in->expiry);
		in->type = xcalloc(n + 1, sizeof *in->type);
		in->T = xcalloc(n + 1, sizeof *in->T);
		in->K = xcalloc(n + 1, sizeof *in->K);
		in->r = xcalloc(n + 1, sizeof *in->r);
		in->q = xcalloc(n + 1, sizeof *in->q);
		in->fwd = xcalloc(n + 1, sizeof *in->fwd);
		in->price = xcalloc(n + 1, sizeof *in->price);
		in->iv = xcalloc(n + 1, sizeof *in->iv);
		in->spread = xcalloc(n + 1, sizeof *in->spread);
		in->weight = xcalloc(n + 1, sizeof *in->weight);
	}
	return in;
}

/* Frees an input (NULL is fine). */
void calib_input_free(struct calib_input *in)
{
	if (in == NULL)
		return;
	free(in->expiry);
	free(in->type);
	free(in->T);
	free(in->K);
	free(in->r);
	free(in->q);
	free(in->fwd);
	free(in->price);
	free(in->iv);
	free(in->spread);
	free(in->weight);
	free(in->otime);
	free(in->close1);
	free(in->close2);
	free(in);
}

/* The model of an input. */
enum calib_model calib_input_model(const struct calib_input *in)
{
	return in->model;
}

/* The symbol (underlying or pair) of an input. */
const char *calib_input_symbol(const struct calib_input *in)
{
	return in->symbol;
}

/* The market time of an input's data. */
double calib_input_time(const struct calib_input *in)
{
	return in->time;
}

/* The configuration captured with an input. */
const struct calib_cfg *calib_input_cfg(const struct calib_input *in)
{
	return &in->cfg;
}

/* --- capture ------------------------------------------------------------------ */

/* Selects the out-of-the-money quotes with a validated implied vol of a
 * chain: the quotes both Heston and SABR fit. */
struct calib_input *calib_input_from_chain(enum calib_model model,
    const struct option_chain *chain, const struct calib_cfg *cfg, char **cause)
{
	struct option_chain c;
	struct calib_input *in;
	size_t i, k = 0;

	market_chain_copy(&c, chain);
	market_chain_sort(&c);
	in = calib_input_new(model, c.underlying, c.n);
	in->cfg = *cfg;
	in->time = c.time;
	in->spot = c.spot;
	for (i = 0; i < c.n; i++) {
		const struct option_quote *oq = &c.opts[i];
		double T = market_option_maturity(&c, oq);
		double r = !isnan(oq->rate) ? oq->rate : !isnan(c.rate) ? c.rate : 0;
		double q = !isnan(oq->dividend) ? oq->dividend : !isnan(c.dividend) ? c.dividend : 0;
		double F = !isnan(oq->forward) ? oq->forward : c.spot * exp((r - q) * T);

		/* Only quotes that validation kept and gave an implied vol: the
		 * rest (no bid, price at a bound) cannot inform the fit. */
		if (!(T > 0) || !(oq->implied_vol > 0) || !isfinite(oq->implied_vol) ||
		    !(F > 0) || !isfinite(F) || !(oq->opt.strike > 0))
			continue;
		/* Out-of-the-money options only, as desks fit surfaces: an
		 * in-the-money quote's vol is its OTM twin's through parity, with
		 * the intrinsic value's noise on top. */
		if ((oq->opt.right == OPT_RIGHT_CALL) != (oq->opt.strike >= F))
			continue;
		in->expiry[k] = oq->opt.expiry;
		in->type[k] = oq->opt.right == OPT_RIGHT_CALL ? HESTON_CALL : HESTON_PUT;
		in->T[k] = T;
		in->K[k] = oq->opt.strike;
		in->r[k] = r;
		in->q[k] = q;
		in->fwd[k] = F;
		in->price[k] = market_mid(&oq->q);
		in->iv[k] = oq->implied_vol;
		in->spread[k] = oq->q.ask - oq->q.bid;
		in->weight[k] = isnan(oq->weight) ? 1.0 : oq->weight;
		k++;
	}
	in->n = k;
	market_chain_free(&c);
	if (k == 0 || !(in->spot > 0) || !isfinite(in->spot) || !isfinite(in->time)) {
		*cause = xasprintf("the chain of '%s' has no usable quotes or no spot",
		    in->symbol);
		calib_input_free(in);
		return NULL;
	}
	return in;
}

/* Captures the daily closes of both legs of a pair "LEG1/LEG2" on the
 * dates both have, the latest cfg->ou_window of them. */
static struct calib_input *calib_input_pair(const char *symbol, const struct mstate_snap *snap,
    const struct calib_cfg *cfg, char **cause)
{
	const char *slash = strchr(symbol, '/');
	char leg1[MARKET_SYMBOL_MAX], leg2[MARKET_SYMBOL_MAX];
	const struct bar *b1, *b2;
	struct calib_input *in;
	size_t n1, n2, i = 0, j = 0, k = 0, start;

	if (slash == NULL || slash == symbol || slash[1] == '\0' || strchr(slash + 1, '/') ||
	    (size_t)(slash - symbol) >= sizeof leg1 || strlen(slash + 1) >= sizeof leg2) {
		*cause = xasprintf("'%s' is not a pair LEG1/LEG2", symbol);
		return NULL;
	}
	snprintf(leg1, sizeof leg1, "%.*s", (int)(slash - symbol), symbol);
	snprintf(leg2, sizeof leg2, "%s", slash + 1);
	b1 = mstate_snap_bars(snap, leg1, &n1);
	b2 = mstate_snap_bars(snap, leg2, &n2);
	if (b1 == NULL || n1 == 0 || b2 == NULL || n2 == 0) {
		*cause = xasprintf("pair %s: no daily bars of '%s' in the market state "
		    "(start a feed with `feed start`, or import them)", symbol,
		    b1 == NULL || n1 == 0 ? leg1 : leg2);
		return NULL;
	}
	in = calib_input_new(CALIB_OU, symbol, n1 < n2 ? n1 : n2);
	in->cfg = *cfg;
	snprintf(in->leg1, sizeof in->leg1, "%s", leg1);
	snprintf(in->leg2, sizeof in->leg2, "%s", leg2);
	/* Merge-join on the bar time: both series are oldest first. */
	while (i < n1 && j < n2) {
		if (b1[i].time < b2[j].time)
			i++;
		else if (b2[j].time < b1[i].time)
			j++;
		else {
			in->otime[k] = b1[i].time;
			in->close1[k] = b1[i].close;
			in->close2[k] = b2[j].close;
			k++;
			i++;
			j++;
		}
	}
	if (k == 0) {
		*cause = xasprintf("pair %s: the legs have no bar dates in common", symbol);
		calib_input_free(in);
		return NULL;
	}
	start = cfg->ou_window > 0 && k > (size_t)cfg->ou_window ? k - (size_t)cfg->ou_window : 0;
	if (start > 0) {
		memmove(in->otime, in->otime + start, (k - start) * sizeof *in->otime);
		memmove(in->close1, in->close1 + start, (k - start) * sizeof *in->close1);
		memmove(in->close2, in->close2 + start, (k - start) * sizeof *in->close2);
	}
	in->nobs = k - start;
	in->time = in->otime[in->nobs - 1];
	return in;
}

/* Captures the inputs of a calibration from a market snapshot. */
int calib_input_from_snap(enum calib_model model, const char *symbol,
    const struct mstate_snap *snap, const struct calib_cfg *cfg,
    struct calib_input **out, char **cause)
{
	const struct option_chain *c;

	*out = NULL;
	if (symbol == NULL || *symbol == '\0' || strlen(symbol) >= MARKET_SYMBOL_MAX) {
		*cause = xasprintf("bad symbol '%s'", symbol != NULL ? symbol : "");
		return -1;
	}
	if ((int)model < 0 || model >= CALIB_NMODELS) {
		*cause = xasprintf("%s: unknown model %d", symbol, (int)model);
		return -1;
	}
	if (model == CALIB_OU)
		return (*out = calib_input_pair(symbol, snap, cfg, cause)) != NULL ? 0 : -1;
	c = mstate_snap_chain(snap, symbol);
	if (c == NULL || c->n == 0) {
		*cause = xasprintf("no option chain for '%s' in the market state (start a feed "
		    "with `feed start`, or import one)", symbol);
		return -1;
	}
	return (*out = calib_input_from_chain(model, c, cfg, cause)) != NULL ? 0 : -1;
}

/* --- encoding ----------------------------------------------------------------- */

/* Appends ",\"key\":v". */
static void enc_num(struct buf *b, const char *key, double v)
{
	buf_printf(b, ",\"%s\":", key);
	buf_add_double(b, v, 1);
}

/* Appends the configuration object. */
static void enc_cfg(struct buf *b, const struct calib_cfg *c)
{
	buf_adds(b, ",\"cfg\":{\"heston_poor_bp\":");
	buf_add_double(b, c->heston_poor_bp, 1);
	enc_num(b, "sabr_poor_bp", c->sabr_poor_bp);
	enc_num(b, "global_bp", c->global_bp);
	enc_num(b, "move_spot", c->move_spot);
	enc_num(b, "move_vol", c->move_vol);
	enc_num(b, "shift_alert", c->shift_alert);
	enc_num(b, "sabr_beta", c->sabr_beta);
	buf_printf(b, ",\"global_evals\":%d", c->global_evals);
	buf_printf(b, ",\"ou_min_obs\":%d", c->ou_min_obs);
	enc_num(b, "ou_max_pvalue", c->ou_max_pvalue);
	buf_printf(b, ",\"ou_window\":%d}", c->ou_window);
}

/* Writes the canonical JSON text of an input. */
char *calib_input_encode(const struct calib_input *in)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_printf(&b, "{\"format\":%d,\"model\":", CALIB_INPUT_FORMAT);
	buf_add_json_string(&b, calib_model_name(in->model));
	buf_adds(&b, ",\"symbol\":");
	buf_add_json_string(&b, in->symbol);
	enc_num(&b, "time", in->time);
	enc_cfg(&b, &in->cfg);
	if (in->model == CALIB_OU) {
		buf_adds(&b, ",\"legs\":[");
		buf_add_json_string(&b, in->leg1);
		buf_addc(&b, ',');
		buf_add_json_string(&b, in->leg2);
		buf_adds(&b, "],\"bars\":[");
		for (i = 0; i < in->nobs; i++) {
			buf_adds(&b, i > 0 ? ",[" : "[");
			buf_add_double(&b, in->otime[i], 1);
			buf_addc(&b, ',');
			buf_add_double(&b, in->close1[i], 1);
			buf_addc(&b, ',');
			buf_add_double(&b, in->close2[i], 1);
			buf_addc(&b, ']');
		}
		buf_adds(&b, "]}");
		return b.data;
	}
	enc_num(&b, "spot", in->spot);
	buf_adds(&b, ",\"quotes\":[");
	for (i = 0; i < in->n; i++) {
		const double v[] = { in->T[i], in->K[i], in->r[i], in->q[i], in->fwd[i],
			in->price[i], in->iv[i], in->spread[i], in->weight[i] };
		size_t k;

		buf_printf(&b, "%s[%d,\"%c\"", i > 0 ? "," : "", in->expiry[i],
		    in->type[i] == HESTON_CALL ? 'C' : 'P');
		for (k = 0; k < sizeof v / sizeof v[0]; k++) {
			buf_addc(&b, ',');
			buf_add_double(&b, v[k], 1);
		}
		buf_addc(&b, ']');
	}
	buf_adds(&b, "]}");
	return b.data;
}

/* Fingerprints an input: SHA-256 of its encoding. */
void calib_input_fingerprint(const struct calib_input *in, char out[65])
{
	char *text = calib_input_encode(in);

	sha256_hex(text, strlen(text), out);
	free(text);
}

/* --- decoding ----------------------------------------------------------------- */

/* Reads a number (null: NaN when nullable) of an object member or array
 * item v named what; 0 or -1 with cause. */
static int dec_num(const struct json *v, const char *what, int nullable, double *out,
    char **cause)
{
	if (v != NULL && v->type == JSON_NUMBER) {
		*out = v->u.number;
		return 0;
	}
	if (v != NULL && v->type == JSON_NULL && nullable) {
		*out = NAN;
		return 0;
	}
	*cause = xasprintf("calibration input: %s: %s", what, v == NULL ? "is missing" :
	    nullable ? "expected a number or null" : "expected a number");
	return -1;
}

/* Reads an integer in [min, max]; 0 or -1 with cause. */
static int dec_int(const struct json *v, const char *what, double min, double max, int *out,
    char **cause)
{
	double d;

	if (dec_num(v, what, 0, &d, cause) != 0)
		return -1;
	if (d != floor(d) || d < min || d > max) {
		*cause = xasprintf("calibration input: %s: %.17g is not an integer in [%g, %g]",
		    what, d, min, max);
		return -1;
	}
	*out = (int)d;
	return 0;
}

/* Reads a string of at most max - 1 bytes into out; 0 or -1 with cause. */
static int dec_str(const struct json *v, const char *what, char *out, size_t max, char **cause)
{
	if (v == NULL || v->type != JSON_STRING || v->u.string.len == 0 ||
	    v->u.string.len >= max) {
		*cause = xasprintf("calibration input: %s: expected a non-empty string of at most "
		    "%zu bytes", what, max - 1);
		return -1;
	}
	memcpy(out, v->u.string.s, v->u.string.len + 1);
	return 0;
}

/* Reads and checks the configuration object. */
static int dec_cfg(const struct json *o, struct calib_cfg *c, char **cause)
{
	struct {
		const char *key;
		double *v;
		double lo, hi;
	} d[] = {
		{ "heston_poor_bp", &c->heston_poor_bp, 0, 1e6 },
		{ "sabr_poor_bp", &c->sabr_poor_bp, 0, 1e6 },
		{ "global_bp", &c->global_bp, 0, 1e6 },
		{ "move_spot", &c->move_spot, 0, 1e6 },
		{ "move_vol", &c->move_vol, 0, 1e6 },
		{ "shift_alert", &c->shift_alert, 0, 1e6 },
		{ "sabr_beta", &c->sabr_beta, 0, 1 },
		{ "ou_max_pvalue", &c->ou_max_pvalue, 0, 1 },
	};
	size_t i;
	char what[64];

	if (o == NULL || o->type != JSON_OBJECT) {
		*cause = xasprintf("calibration input: cfg: expected an object");
		return -1;
	}
	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		snprintf(what, sizeof what, "cfg.%s", d[i].key);
		if (dec_num(json_get(o, d[i].key), what, 0, d[i].v, cause) != 0)
			return -1;
		if (!(*d[i].v >= d[i].lo && *d[i].v <= d[i].hi)) {
			*cause = xasprintf("calibration input: %s: %.17g is outside [%g, %g]", what,
			    *d[i].v, d[i].lo, d[i].hi);
			return -1;
		}
	}
	if (dec_int(json_get(o, "global_evals"), "cfg.global_evals", 0, 1e6, &c->global_evals,
	    cause) != 0 ||
	    dec_int(json_get(o, "ou_min_obs"), "cfg.ou_min_obs", 4, 1e7, &c->ou_min_obs,
	    cause) != 0 ||
	    dec_int(json_get(o, "ou_window"), "cfg.ou_window", 0, 1e7, &c->ou_window, cause) != 0)
		return -1;
	return 0;
}

/* Reads the option quotes of a heston or sabr input. */
static int dec_quotes(const struct json *root, struct calib_input **out, enum calib_model m,
    const char *symbol, char **cause)
{
	const struct json *qs = json_get(root, "quotes"), *row;
	struct calib_input *in;
	char what[64];
	size_t i, k;

	if (qs == NULL || qs->type != JSON_ARRAY || qs->u.array.n == 0) {
		*cause = xasprintf("calibration input: quotes: expected a non-empty array");
		return -1;
	}
	in = calib_input_new(m, symbol, qs->u.array.n);
	in->n = qs->u.array.n;
	*out = in;
	if (dec_num(json_get(root, "spot"), "spot", 0, &in->spot, cause) != 0)
		return -1;
	if (!(in->spot > 0)) {
		*cause = xasprintf("calibration input: spot %.17g is not positive", in->spot);
		return -1;
	}
	for (i = 0; i < in->n; i++) {
		double *v[] = { &in->T[i], &in->K[i], &in->r[i], &in->q[i], &in->fwd[i],
			&in->price[i], &in->iv[i], &in->spread[i], &in->weight[i] };
		static const char *const names[] = { "maturity", "strike", "rate", "dividend",
			"forward", "price", "implied vol", "spread", "weight" };

		row = json_at(qs, i);
		if (row == NULL || row->type != JSON_ARRAY || row->u.array.n != 11) {
			*cause = xasprintf("calibration input: quotes[%zu]: expected an array of 11 "
			    "values [expiry, right, T, K, r, q, forward, price, iv, spread, weight]", i);
			return -1;
		}
		snprintf(what, sizeof what, "quotes[%zu] expiry", i);
		if (dec_int(json_at(row, 0), what, 19000101, 21991231, &in->expiry[i], cause) != 0)
			return -1;
		if (!market_date_valid(in->expiry[i])) {
			*cause = xasprintf("calibration input: quotes[%zu]: expiry %d is not a date",
			    i, in->expiry[i]);
			return -1;
		}
		if (json_at(row, 1)->type != JSON_STRING ||
		    (strcmp(json_at(row, 1)->u.string.s, "C") != 0 &&
		    strcmp(json_at(row, 1)->u.string.s, "P") != 0)) {
			*cause = xasprintf("calibration input: quotes[%zu]: right: expected \"C\" or "
			    "\"P\"", i);
			return -1;
		}
		in->type[i] = json_at(row, 1)->u.string.s[0] == 'C' ? HESTON_CALL : HESTON_PUT;
		for (k = 0; k < 9; k++) {
			int nullable = k == 5 || k == 7;        /* price, spread */

			snprintf(what, sizeof what, "quotes[%zu] %s", i, names[k]);
			if (dec_num(json_at(row, k + 2), what, nullable, v[k], cause) != 0)
				return -1;
		}
		if (!(in->T[i] > 0) || !(in->K[i] > 0) || !(in->fwd[i] > 0) || !(in->iv[i] > 0) ||
		    !(in->weight[i] >= 0)) {
			*cause = xasprintf("calibration input: quotes[%zu]: maturity, strike, forward "
			    "and implied vol must be positive and the weight not negative", i);
			return -1;
		}
		if (i > 0 && (in->expiry[i] < in->expiry[i - 1] ||
		    (in->expiry[i] == in->expiry[i - 1] && in->K[i] < in->K[i - 1]))) {
			*cause = xasprintf("calibration input: quotes[%zu]: not sorted by expiry and "
			    "strike", i);
			return -1;
		}
	}
	return 0;
}

/* Reads the bars of an ou input. */
static int dec_bars(const struct json *root, struct calib_input **out, const char *symbol,
    char **cause)
{
	const struct json *legs = json_get(root, "legs"), *bars = json_get(root, "bars"), *row;
	struct calib_input *in;
	char what[64];
	size_t i, k;

	if (legs == NULL || legs->type != JSON_ARRAY || legs->u.array.n != 2) {
		*cause = xasprintf("calibration input: legs: expected [LEG1, LEG2]");
		return -1;
	}
	if (bars == NULL || bars->type != JSON_ARRAY || bars->u.array.n == 0) {
		*cause = xasprintf("calibration input: bars: expected a non-empty array");
		return -1;
	}
	in = calib_input_new(CALIB_OU, symbol, bars->u.array.n);
	in->nobs = bars->u.array.n;
	*out = in;
	if (dec_str(json_at(legs, 0), "legs[0]", in->leg1, sizeof in->leg1, cause) != 0 ||
	    dec_str(json_at(legs, 1), "legs[1]", in->leg2, sizeof in->leg2, cause) != 0)
		return -1;
	for (i = 0; i < in->nobs; i++) {
		double *v[] = { &in->otime[i], &in->close1[i], &in->close2[i] };

		row = json_at(bars, i);
		if (row == NULL || row->type != JSON_ARRAY || row->u.array.n != 3) {
			*cause = xasprintf("calibration input: bars[%zu]: expected [time, close1, "
			    "close2]", i);
			return -1;
		}
		for (k = 0; k < 3; k++) {
			snprintf(what, sizeof what, "bars[%zu][%zu]", i, k);
			if (dec_num(json_at(row, k), what, 0, v[k], cause) != 0)
				return -1;
		}
		if (i > 0 && !(in->otime[i] > in->otime[i - 1])) {
			*cause = xasprintf("calibration input: bars[%zu]: time not after the previous "
			    "bar's", i);
			return -1;
		}
	}
	return 0;
}

/* Reads an input back from its encoding. */
int calib_input_decode(const char *text, struct calib_input **out, char **cause)
{
	struct json_doc *d;
	const struct json *root;
	struct calib_input *in = NULL;
	struct calib_cfg cfg;
	char model[16], symbol[MARKET_SYMBOL_MAX];
	enum calib_model m;
	double t;
	int format, rc = -1;

	*out = NULL;
	if (text == NULL) {
		*cause = xstrdup("calibration input: missing");
		return -1;
	}
	if ((d = json_parse(text, strlen(text), cause)) == NULL) {
		char *msg = *cause;

		*cause = xasprintf("calibration input: %s", msg);
		free(msg);
		return -1;
	}
	root = json_root(d);
	if (root->type != JSON_OBJECT) {
		*cause = xstrdup("calibration input: expected a JSON object");
		goto out;
	}
	if (dec_int(json_get(root, "format"), "format", 1, 1e9, &format, cause) != 0)
		goto out;
	if (format != CALIB_INPUT_FORMAT) {
		*cause = xasprintf("calibration input: format %d is not %d (written by another "
		    "version of qdesk)", format, CALIB_INPUT_FORMAT);
		goto out;
	}
	if (dec_str(json_get(root, "model"), "model", model, sizeof model, cause) != 0)
		goto out;
	if (calib_model_parse(model, &m) != 0) {
		*cause = xasprintf("calibration input: model '%s' is not heston, sabr or ou", model);
		goto out;
	}
	if (dec_str(json_get(root, "symbol"), "symbol", symbol, sizeof symbol, cause) != 0 ||
	    dec_num(json_get(root, "time"), "time", 0, &t, cause) != 0 ||
	    dec_cfg(json_get(root, "cfg"), &cfg, cause) != 0)
		goto out;
	if (m == CALIB_OU ? dec_bars(root, &in, symbol, cause) :
	    dec_quotes(root, &in, m, symbol, cause))
		goto out;
	in->time = t;
	in->cfg = cfg;
	*out = in;
	in = NULL;
	rc = 0;
out:
	calib_input_free(in);
	json_free(d);
	return rc;
}
