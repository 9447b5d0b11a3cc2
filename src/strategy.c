/*
 * strategy.c -- the table of strategies (strategy.h) and the helpers they
 * share (strat-common.h).
 *
 * Each strategy lives in its own file (strat-volarb.c, strat-meanrev.c,
 * strat-termstruct.c) and exports one `struct strategy_ops`; the engine
 * finds them here by name.  Adding a strategy: write strat-NAME.c, add its
 * ops below, its NAME.* keys to conf-keys.c and etc/qdesk.conf.example.
 * The holdings helpers (strat_holdings_*) let a strategy follow what it
 * holds and has working per instrument from its order updates.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "strat-common.h"
#include "strategy.h"
#include "util.h"

extern const struct strategy_ops strat_volarb_ops;
extern const struct strategy_ops strat_meanrev_ops;
extern const struct strategy_ops strat_termstruct_ops;

const struct strategy_ops *const strategy_table[] = {
	&strat_volarb_ops,
	&strat_meanrev_ops,
	&strat_termstruct_ops,
};
const size_t strategy_count = sizeof strategy_table / sizeof strategy_table[0];

/* The ops of a strategy by name, or NULL. */
const struct strategy_ops *strategy_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < strategy_count; i++)
		if (strcmp(strategy_table[i]->name, name) == 0)
			return strategy_table[i];
	return NULL;
}

/* The book entry of (model, symbol), or NULL. */
const struct calib_result *strat_book_find(const struct calib_book *b, enum calib_model m,
    const char *symbol)
{
	size_t i;

	if (b == NULL || symbol == NULL)
		return NULL;
	for (i = 0; i < b->n; i++)
		if (b->v[i].model == m && strcmp(b->v[i].symbol, symbol) == 0)
			return &b->v[i];
	return NULL;
}

/* x limited to [lo, hi] (NaN gives lo). */
double strat_clamp(double x, double lo, double hi)
{
	if (!(x >= lo))
		return lo;
	return x > hi ? hi : x;
}

/* Signal lifetime in seconds from signals.ttl_minutes. */
double strat_ttl_seconds(struct conf *conf)
{
	return 60.0 * conf_get_double(conf, "signals.ttl_minutes");
}

/* Starts a JSON object. */
void strat_json_begin(struct buf *b)
{
	buf_reset(b);
	buf_addc(b, '{');
}

/* Separates fields. */
static void strat_json_key(struct buf *b, const char *key)
{
	if (b->len > 1)
		buf_addc(b, ',');
	buf_add_json_string(b, key);
	buf_addc(b, ':');
}

/* Appends "key":number (6 significant digits; null when not finite). */
void strat_json_num(struct buf *b, const char *key, double v)
{
	strat_json_key(b, key);
	if (isfinite(v))
		buf_printf(b, "%.6g", v);
	else
		buf_adds(b, "null");
}

/* Appends "key":"string". */
void strat_json_str(struct buf *b, const char *key, const char *v)
{
	strat_json_key(b, key);
	buf_add_json_string(b, v != NULL ? v : "");
}

/* Closes the object. */
void strat_json_end(struct buf *b)
{
	buf_addc(b, '}');
}

/* --- holdings per instrument (strat-common.h) ----------------------------- */

/* Frees the holdings. */
void strat_holdings_free(struct strat_holdings *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].working);
	free(h->v);
	memset(h, 0, sizeof *h);
}

/* The entry of an instrument, created when create is set; NULL otherwise. */
static struct strat_hold *strat_hold_get(struct strat_holdings *h, const char *instrument,
    int create)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->v[i].instrument, instrument) == 0)
			return &h->v[i];
	if (!create)
		return NULL;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	memset(&h->v[h->n], 0, sizeof h->v[h->n]);
	snprintf(h->v[h->n].instrument, sizeof h->v[h->n].instrument, "%s", instrument);
	return &h->v[h->n++];
}

/* Notes the lead leg of a signal's instrument. */
void strat_holdings_note(struct strat_holdings *h, const struct signal *s)
{
	struct strat_hold *e;

	if (s->nlegs == 0)
		return;
	e = strat_hold_get(h, s->instrument, 1);
	snprintf(e->lead, sizeof e->lead, "%s", s->legs[0].symbol);
}

/* Applies an order update to its instrument's entry. */
void strat_holdings_update(struct strat_holdings *h, const struct order_update *u)
{
	struct strat_hold *e = NULL;
	size_t i;

	if (u->instrument[0] != '\0')
		e = strat_hold_get(h, u->instrument, 1);
	else {
		for (i = 0; i < h->n && e == NULL; i++)
			if (strcmp(h->v[i].lead, u->symbol) == 0)
				e = &h->v[i];
	}
	if (e == NULL)
		return;
	if (e->lead[0] == '\0' && strcmp(u->symbol, u->instrument) == 0)
		snprintf(e->lead, sizeof e->lead, "%s", u->symbol);
	if (u->last_qty > 0 && strcmp(u->symbol, e->lead) == 0) {
		e->held += u->side * u->last_qty;
		if (fabs(e->held) < 1e-9)
			e->held = 0;
	}
	for (i = 0; i < e->nworking; i++)
		if (strcmp(e->working[i], u->client_id) == 0)
			break;
	if (order_state_final(u->state)) {
		if (i < e->nworking)
			memmove(&e->working[i], &e->working[i + 1],
			    (e->nworking - i - 1) * sizeof *e->working);
		if (i < e->nworking)
			e->nworking--;
	} else if (i == e->nworking) {
		if (e->nworking == e->capworking) {
			e->capworking = e->capworking ? 2 * e->capworking : 4;
			e->working = xrealloc(e->working, e->capworking * sizeof *e->working);
		}
		snprintf(e->working[e->nworking++], ORDER_ID_MAX, "%s", u->client_id);
	}
}

/* The entry of an instrument, or NULL. */
const struct strat_hold *strat_holdings_find(const struct strat_holdings *h,
    const char *instrument)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->v[i].instrument, instrument) == 0)
			return &h->v[i];
	return NULL;
}

/* Whether a new signal would repeat a trade held or working. */
int strat_holdings_blocks(const struct strat_holdings *h, const char *instrument, int side)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct strat_hold *e = &h->v[i];

		if (strcmp(e->instrument, instrument) != 0)
			continue;
		return e->nworking > 0 || e->held * side > 0;
	}
	return 0;
}

/* Adds a client ID to an entry's working list (once). */
static void strat_hold_work(struct strat_hold *e, const char *client_id)
{
	size_t i;

	for (i = 0; i < e->nworking; i++)
		if (strcmp(e->working[i], client_id) == 0)
			return;
	if (e->nworking == e->capworking) {
		e->capworking = e->capworking ? 2 * e->capworking : 4;
		e->working = xrealloc(e->working, e->capworking * sizeof *e->working);
	}
	snprintf(e->working[e->nworking++], ORDER_ID_MAX, "%s", client_id);
}

/* Sets the lead leg and held quantity of an instrument's entry. */
void strat_holdings_hold(struct strat_holdings *h, const char *instrument, const char *lead,
    double held)
{
	struct strat_hold *e = strat_hold_get(h, instrument, 1);

	snprintf(e->lead, sizeof e->lead, "%s", lead);
	e->held = held;
}

/* Adds a working order to an instrument's entry. */
void strat_holdings_work(struct strat_holdings *h, const char *instrument,
    const char *client_id)
{
	strat_hold_work(strat_hold_get(h, instrument, 1), client_id);
}

/* The entry whose working list has client_id, or NULL. */
const struct strat_hold *strat_holdings_find_order(const struct strat_holdings *h,
    const char *client_id)
{
	size_t i, k;

	for (i = 0; i < h->n; i++)
		for (k = 0; k < h->v[i].nworking; k++)
			if (strcmp(h->v[i].working[k], client_id) == 0)
				return &h->v[i];
	return NULL;
}

/* Replaces the holdings with the restored positions and working orders. */
void strat_holdings_restore(struct strat_holdings *h, const struct strat_restore *r)
{
	struct strat_hold *e;
	size_t i;

	strat_holdings_free(h);
	for (i = 0; i < r->npos; i++) {
		if (r->pos[i].qty == 0 || r->pos[i].symbol[0] == '\0')
			continue;
		e = strat_hold_get(h, r->pos[i].symbol, 1);
		snprintf(e->lead, sizeof e->lead, "%s", r->pos[i].symbol);
		e->held += r->pos[i].qty;
	}
	for (i = 0; i < r->nworking; i++) {
		const struct order_update *u = &r->working[i];

		if (order_state_final(u->state) || u->symbol[0] == '\0')
			continue;
		e = strat_hold_get(h, u->instrument[0] ? u->instrument : u->symbol, 1);
		if (e->lead[0] == '\0' && u->instrument[0] == '\0')
			snprintf(e->lead, sizeof e->lead, "%s", u->symbol);
		strat_hold_work(e, u->client_id);
	}
}

/* Describes the entries that hold or work something. */
void strat_holdings_describe(const struct strat_holdings *h, char *buf, size_t len)
{
	size_t i, at = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < h->n && at < len; i++) {
		const struct strat_hold *e = &h->v[i];

		if (e->held == 0 && e->nworking == 0)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s held %g", at ? "; " : "",
		    e->instrument, e->held);
		if (e->nworking > 0 && at < len)
			at += (size_t)snprintf(buf + at, len - at, " working %zu", e->nworking);
	}
}
