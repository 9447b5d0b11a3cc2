/*
 * option-rows.h -- the market inputs of one option, from a chain row and
 * the command's options, resolved in one place for iv, price and
 * calibrate.
 *
 * Per-row spot, forward, rate and dividend override the command's
 * --spot, --rate and --div; the forward is S e^((r - q) T) unless given;
 * a row with a forward but no spot gets S = F e^(-(r - q) T).  The type of
 * a row without one is the out-of-the-money side (call when K >= F).
 */
#ifndef QD_OPTION_ROWS_H
#define QD_OPTION_ROWS_H

#include "chain.h"

struct cmd_args;

/* The command's defaults (NaN when not given). */
struct option_defaults {
	double spot, forward, rate, div;
};

/* One option's resolved inputs. */
struct option_inputs {
	int type;               /* BS_CALL or BS_PUT */
	double S, F, K, T, r, q;
};

/* Reads --spot, --forward (if the command has it), --rate and --div. */
void option_defaults_read(const struct cmd_args *a, int has_forward, struct option_defaults *d);
/* Resolves row `row` of a chain; -1 with cause naming FILE:LINE. */
int option_inputs_row(const struct chain_file *c, size_t row, const struct option_defaults *d,
    struct option_inputs *in, char **cause);

struct cmd_ctx;
/* Reads --date YYYY-MM-DD into YYYYMMDD (0 when absent); -1 on a bad date. */
int option_read_date(struct cmd_ctx *ctx, const struct cmd_args *a, int *ymd);
/* Loads the --chain FILE (with --date) needing `need` (CHAIN_NEED_*);
 * errors go to ctx.  0 or -1. */
int option_load_chain(struct cmd_ctx *ctx, const struct cmd_args *a, int need,
    struct chain_file *c);

#endif
