/*
 * data.c -- what the console's panels read: the engine's and the market's
 * immutable snapshots, taken once per frame and released after it, and
 * the slow sources (positions and orders from the UI's own store
 * connection, the Greeks of the book, the persisted kill switch) read at
 * most once a second, never per frame (layout.h).
 *
 * The snapshots are reference-counted copies: taking one holds the
 * engine's mutex only for a pointer copy, so a frame never waits on a
 * calibration.  A source that fails keeps its error text for the panel.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"
#include "layout.h"
#include "market-state.h"
#include "oms.h"
#include "order.h"
#include "store.h"
#include "util.h"

#define UI_SLOW_PERIOD 1.0      /* seconds between reads of the slow sources */
#define UI_ORDERS_MAX 200       /* orders shown in the blotter */

/* Starts with nothing read. */
void ui_data_init(struct ui_ctx *c)
{
	memset(&c->d, 0, sizeof c->d);
	c->d.slow_at = -INFINITY;
}

/* Reads positions, orders, the kill switch and the Greeks. */
static void ui_data_slow(struct ui_ctx *c)
{
	struct ui_data *d = &c->d;
	struct risk_position *rp;
	char *cause = NULL;
	size_t i, n = 0;

	if (d->store == NULL && d->store_err[0] == '\0') {
		/* One connection for the whole session: opened once. */
		d->store = store_open(c->conf, STORE_MIGRATE, &cause);
		if (d->store == NULL) {
			snprintf(d->store_err, sizeof d->store_err, "store: %s",
			    cause != NULL ? cause : "cannot open");
			free(cause);
			cause = NULL;
		}
	}
	if (d->store != NULL) {
		struct store_position *pos = NULL;
		struct order *ord = NULL;
		size_t np = 0, no = 0;
		char *v = NULL;

		if (store_get_positions(d->store, &pos, &np, &cause) != 0 ||
		    store_get_orders(d->store, 0, UI_ORDERS_MAX, &ord, &no, &cause) != 0) {
			snprintf(d->store_err, sizeof d->store_err, "store: %s",
			    cause != NULL ? cause : "read failed");
			free(cause);
			cause = NULL;
			free(pos);
			free(ord);
		} else {
			d->store_err[0] = '\0';
			free(d->pos);
			free(d->orders);
			d->pos = pos;
			d->npos = np;
			d->orders = ord;
			d->norders = no;
		}
		if (!oms_running() && store_meta_get(d->store, "kill_switch", &v, &cause) >= 0)
			d->kill_persisted = v != NULL && strcmp(v, "1") == 0;
		else
			d->kill_persisted = 0;
		free(v);
		free(cause);
		cause = NULL;
	}
	/* Greeks of the open positions on this frame's snapshot. */
	risk_greeks_free(&d->greeks);
	memset(&d->greeks, 0, sizeof d->greeks);
	d->greeks_ok = 0;
	rp = xcalloc(d->npos + 1, sizeof *rp);
	for (i = 0; i < d->npos; i++) {
		if (d->pos[i].qty == 0)
			continue;
		snprintf(rp[n].strategy, sizeof rp[n].strategy, "%s", d->pos[i].strategy);
		snprintf(rp[n].symbol, sizeof rp[n].symbol, "%s", d->pos[i].symbol);
		rp[n].qty = d->pos[i].qty;
		rp[n].avg_price = d->pos[i].avg_price;
		rp[n].multiplier = d->pos[i].multiplier > 0 ? d->pos[i].multiplier : 1;
		n++;
	}
	if (d->msnap != NULL && d->book != NULL &&
	    risk_greeks(rp, n, d->msnap, d->book, d->now, &d->greeks, &cause) == 0) {
		d->greeks_ok = 1;
		d->greeks_err[0] = '\0';
	} else {
		snprintf(d->greeks_err, sizeof d->greeks_err, "greeks: %s",
		    cause != NULL ? cause : "no market snapshot");
		memset(&d->greeks, 0, sizeof d->greeks);
	}
	free(cause);
	/* P&L: realized less fees, plus the open positions' value over cost. */
	d->pnl = 0;
	d->pnl_ok = d->store != NULL && d->store_err[0] == '\0';
	for (i = 0; i < d->npos; i++)
		d->pnl += d->pos[i].realized_pnl - d->pos[i].fees;
	if (d->greeks_ok)
		for (i = 0; i < d->greeks.npos && i < n; i++) {
			const struct risk_pos_greeks *g = &d->greeks.pos[i];

			if (g->ok && g->index < n)
				d->pnl += g->value - rp[g->index].qty * rp[g->index].avg_price *
				    rp[g->index].multiplier;
		}
	free(rp);
}

/* Takes the frame's snapshots. */
void ui_data_frame(struct ui_ctx *c, double now)
{
	c->d.now = now;
	c->d.esnap = engine_snapshot();
	c->d.book = c->d.esnap != NULL ? engine_snap_book(c->d.esnap) : NULL;
	c->d.msnap = mstate_snapshot(mstate_global());
	if (now - c->d.slow_at >= UI_SLOW_PERIOD || now < c->d.slow_at) {
		c->d.slow_at = now;
		ui_data_slow(c);
	}
}

/* Releases the frame's snapshots. */
void ui_data_release(struct ui_ctx *c)
{
	if (c->d.esnap != NULL)
		engine_snap_release(c->d.esnap);
	if (c->d.msnap != NULL)
		mstate_snap_release(c->d.msnap);
	c->d.esnap = NULL;
	c->d.book = NULL;
	c->d.msnap = NULL;
}

/* Reads the slow sources on the next frame. */
void ui_data_invalidate(struct ui_ctx *c)
{
	c->d.slow_at = -INFINITY;
}

/* Frees everything read. */
void ui_data_free(struct ui_ctx *c)
{
	ui_data_release(c);
	risk_greeks_free(&c->d.greeks);
	free(c->d.pos);
	free(c->d.orders);
	if (c->d.store != NULL)
		store_close(c->d.store);
	memset(&c->d, 0, sizeof c->d);
}
