/*
 * calib-store.c -- calibrations in the store and `calibrate replay`
 * (calib-store.h): turns a calib_result with its inputs into a row of
 * calibrations and back, and replays a stored calibration.
 *
 * A row holds the parameters in force (calib_params_json), the new fit's
 * quality (calib_fit_json), the warm-start parameters (the previous
 * result's calib_params_json, or NULL) and the canonical encoding of the
 * inputs with its SHA-256.  Replay checks the fingerprint first (a row
 * whose inputs were altered is refused, not replayed), then runs the
 * calibration again and compares the parameter texts: the encoding writes
 * every double in the shortest form that reads back to the same bits, so
 * equal texts are bit-identical parameters.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib-store.h"
#include "calib.h"
#include "json.h"
#include "store.h"
#include "util.h"

/* Stores one calibration and sets r->id. */
int calib_store_put(struct store *s, const struct calib_input *in, const struct calib_result *prev,
    struct calib_result *r, char **cause)
{
	struct store_calibration c;
	long long id = 0;
	int rc;

	memset(&c, 0, sizeof c);
	c.data_time = r->data_time;
	c.wall_time = r->wall_time;
	snprintf(c.model, sizeof c.model, "%s", calib_model_name(r->model));
	snprintf(c.symbol, sizeof c.symbol, "%s", r->symbol);
	snprintf(c.status, sizeof c.status, "%s", calib_status_name(r->status));
	c.kept_previous = r->kept_previous != 0;
	c.params = calib_params_json(r);
	c.fit = calib_fit_json(r);
	c.prev = prev != NULL ? calib_params_json(prev) : NULL;
	c.input = calib_input_encode(in);
	calib_input_fingerprint(in, c.fingerprint);
	snprintf(c.alert, sizeof c.alert, "%s", r->alert);
	c.elapsed_ms = r->elapsed_ms;
	rc = store_put_calibration(s, &c, &id, cause);
	store_calibration_clear(&c);
	if (rc == 0)
		r->id = id;
	return rc;
}

/* Reads a boolean member of the fit (absent: 0). */
static int calib_store_bool(const struct json *o, const char *key)
{
	const struct json *v = json_get(o, key);

	return v != NULL && v->type == JSON_BOOL && v->u.boolean;
}

/* Reads a number member of the fit (absent or null: NaN). */
static double calib_store_num(const struct json *o, const char *key)
{
	const struct json *v = json_get(o, key);

	return v != NULL && v->type == JSON_NUMBER ? v->u.number : NAN;
}

/* Rebuilds a result from a stored row. */
int calib_store_result(const struct store_calibration *c, struct calib_result *r, char **cause)
{
	struct json_doc *d;
	const struct json *o;
	enum calib_model m;
	double v;
	char *msg;

	memset(r, 0, sizeof *r);
	if (calib_model_parse(c->model, &m) != 0) {
		*cause = xasprintf("calibration %lld: unknown model '%s'", c->id, c->model);
		return -1;
	}
	if (calib_params_decode(c->params, m, r, cause) != 0) {
		msg = *cause;
		*cause = xasprintf("calibration %lld: %s", c->id, msg);
		free(msg);
		return -1;
	}
	r->id = c->id;
	r->model = m;
	snprintf(r->symbol, sizeof r->symbol, "%s", c->symbol);
	r->data_time = c->data_time;
	r->wall_time = c->wall_time;
	r->status = strcmp(c->status, "ok") == 0 ? CALIB_OK : strcmp(c->status, "poor") == 0 ?
	    CALIB_POOR : CALIB_FAILED;
	r->kept_previous = c->kept_previous;
	snprintf(r->alert, sizeof r->alert, "%s", c->alert);
	snprintf(r->fingerprint, sizeof r->fingerprint, "%.64s", c->fingerprint);
	r->elapsed_ms = c->elapsed_ms;
	if ((d = json_parse(c->fit, strlen(c->fit), cause)) == NULL) {
		msg = *cause;
		*cause = xasprintf("calibration %lld: fit: %s", c->id, msg);
		free(msg);
		return -1;
	}
	o = json_root(d);
	r->warm = calib_store_bool(o, "warm");
	r->global_stage = calib_store_bool(o, "global_stage");
	r->rmse_iv_bp = calib_store_num(o, "rmse_iv_bp");
	r->max_err_iv_bp = calib_store_num(o, "max_err_iv_bp");
	v = calib_store_num(o, "nquotes");
	r->nquotes = v >= 0 ? (size_t)v : 0;
	v = calib_store_num(o, "iterations");
	r->iterations = isfinite(v) ? (int)v : 0;
	v = calib_store_num(o, "evaluations");
	r->evaluations = isfinite(v) ? (int)v : 0;
	json_free(d);
	return 0;
}

/* Replays a stored calibration and compares the parameters bit for bit. */
int calib_replay(struct store *s, long long id, struct calib_result *stored,
    struct calib_result *again, int *identical, char **cause)
{
	struct store_calibration c;
	struct calib_input *in = NULL;
	struct calib_result prev;
	char fp[65], *params = NULL, *msg;
	int rc = -1, found;

	*identical = 0;
	if ((found = store_get_calibration(s, id, &c, cause)) < 0)
		return -1;
	if (found == 0) {
		*cause = xasprintf("no calibration %lld in the store", id);
		return -1;
	}
	if (calib_store_result(&c, stored, cause) != 0)
		goto out;
	if (calib_input_decode(c.input, &in, cause) != 0) {
		msg = *cause;
		*cause = xasprintf("calibration %lld: %s", id, msg);
		free(msg);
		goto out;
	}
	calib_input_fingerprint(in, fp);
	if (strcmp(fp, c.fingerprint) != 0) {
		*cause = xasprintf("calibration %lld: the stored inputs do not match their "
		    "fingerprint %s (altered after they were stored?)", id, c.fingerprint);
		goto out;
	}
	if (calib_input_model(in) != stored->model ||
	    strcmp(calib_input_symbol(in), stored->symbol) != 0) {
		*cause = xasprintf("calibration %lld: the inputs are of %s %s, the row of %s %s", id,
		    calib_model_name(calib_input_model(in)), calib_input_symbol(in),
		    calib_model_name(stored->model), stored->symbol);
		goto out;
	}
	if (c.prev != NULL) {
		memset(&prev, 0, sizeof prev);
		if (calib_params_decode(c.prev, stored->model, &prev, cause) != 0) {
			msg = *cause;
			*cause = xasprintf("calibration %lld: prev: %s", id, msg);
			free(msg);
			goto out;
		}
		snprintf(prev.symbol, sizeof prev.symbol, "%s", stored->symbol);
	}
	if (calib_run(in, c.prev != NULL ? &prev : NULL, calib_input_cfg(in), again, cause) != 0)
		goto out;
	params = calib_params_json(again);
	*identical = strcmp(params, c.params) == 0 && again->status == stored->status &&
	    again->kept_previous == stored->kept_previous;
	rc = 0;
out:
	free(params);
	calib_input_free(in);
	store_calibration_clear(&c);
	return rc;
}
