/*
 * calib-input.h -- the layout of struct calib_input (opaque in calib.h),
 * shared by calib.c (the fits), calib-input.c (capture, encoding,
 * decoding) and the `calibrate heston|sabr SYMBOL` commands, which read
 * the selected quotes so that they and the engine fit exactly the same
 * quotes.  Nothing else should include it.
 *
 * Option quotes (heston, sabr) are the out-of-the-money options of the
 * latest clean chain with a validated implied vol, sorted by expiry then
 * strike; OU inputs are the daily closes of both legs on the dates both
 * have, oldest first.
 */
#ifndef QD_CALIB_INPUT_H
#define QD_CALIB_INPUT_H

#include <stddef.h>

#include "calib.h"
#include "market.h"

/* Fewest quotes a Heston fit takes (five parameters and some to spare). */
#define CALIB_HESTON_MIN_QUOTES 8
/* Fewest quotes of one SABR expiry (three parameters need more). */
#define CALIB_SABR_MIN_QUOTES 4

struct calib_input {
	enum calib_model model;
	char symbol[MARKET_SYMBOL_MAX];
	double time;                    /* market time of the data, epoch s */
	struct calib_cfg cfg;           /* the configuration captured with them */
	/* heston, sabr: n option quotes */
	double spot;
	size_t n;
	int *expiry;                    /* YYYYMMDD */
	int *type;                      /* HESTON_CALL or HESTON_PUT */
	double *T;                      /* years */
	double *K;
	double *r, *q;                  /* continuous, per year */
	double *fwd;                    /* forward to the expiry */
	double *price;                  /* mid, NaN when not two-sided */
	double *iv;                     /* validated implied vol */
	double *spread;                 /* ask - bid, NaN when unknown */
	double *weight;                 /* calibration weight (1 when unknown) */
	/* ou: nobs aligned daily closes */
	char leg1[MARKET_SYMBOL_MAX], leg2[MARKET_SYMBOL_MAX];
	size_t nobs;
	double *otime, *close1, *close2;
};

/* An empty input of a model with room for n quotes or observations. */
struct calib_input *calib_input_new(enum calib_model model, const char *symbol, size_t n);

/* Selects the quotes of a chain (as calib_input_from_snap does) into a
 * new input; NULL with cause naming the symbol when none is usable. */
struct calib_input *calib_input_from_chain(enum calib_model model,
    const struct option_chain *chain, const struct calib_cfg *cfg, char **cause);

#endif
