/*
 * strategy.c -- the table of strategies (strategy.h) and the helpers they
 * share (strat-common.h).
 *
 * Each strategy lives in its own file (strat-volarb.c, strat-meanrev.c,
 * strat-termstruct.c) and exports one `struct strategy_ops`; the engine
 * finds them here by name.  Adding a strategy: write strat-NAME.c, add its
 * ops below, its NAME.* keys to conf-keys.c and etc/qdesk.conf.example.
 */
#include "config.h"

#include <math.h>
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
