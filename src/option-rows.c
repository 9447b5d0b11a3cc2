/*
 * option-rows.c -- resolving an option's market inputs (see option-rows.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "bs.h"
#include "cmd.h"
#include "market.h"
#include "option-rows.h"
#include "util.h"

/* Reads the command's market defaults. */
void option_defaults_read(const struct cmd_args *a, int has_forward, struct option_defaults *d)
{
	d->spot = cmd_arg_double(a, "spot", NAN);
	d->forward = has_forward ? cmd_arg_double(a, "forward", NAN) : NAN;
	d->rate = cmd_arg_double(a, "rate", NAN);
	d->div = cmd_arg_double(a, "div", NAN);
}

/* Resolves one row's inputs. */
int option_inputs_row(const struct chain_file *c, size_t row, const struct option_defaults *d,
    struct option_inputs *in, char **cause)
{
	const struct chain_row *r = &c->rows[row];

	in->K = r->strike;
	in->T = r->maturity;
	in->r = !isnan(r->rate) ? r->rate : !isnan(d->rate) ? d->rate : 0.0;
	in->q = !isnan(r->dividend) ? r->dividend : !isnan(d->div) ? d->div : 0.0;
	in->S = !isnan(r->spot) ? r->spot : d->spot;
	in->F = !isnan(r->forward) ? r->forward : d->forward;
	if (isnan(in->F) && !isnan(in->S))
		in->F = in->S * exp((in->r - in->q) * in->T);
	else if (isnan(in->S) && !isnan(in->F))
		in->S = in->F * exp(-(in->r - in->q) * in->T);
	if (isnan(in->S) || !(in->S > 0) || !(in->F > 0) || !isfinite(in->F)) {
		*cause = xasprintf("%s:%d: no usable spot or forward (give --spot, or a spot "
		    "or forward column)", c->csv.path, r->line);
		return -1;
	}
	if (r->type != 0)
		in->type = r->type == 'C' ? BS_CALL : BS_PUT;
	else
		in->type = in->K >= in->F ? BS_CALL : BS_PUT;
	return 0;
}

/* Reads --date into YYYYMMDD (0 when absent). */
int option_read_date(struct cmd_ctx *ctx, const struct cmd_args *a, int *ymd)
{
	const char *s = cmd_arg_str(a, "date", NULL);

	*ymd = 0;
	if (s != NULL && market_parse_date(s, ymd) != 0)
		return cmd_error(ctx, "%s: --date: expected YYYY-MM-DD, got '%s'", ctx->entry->name, s);
	return 0;
}

/* Loads --chain with the command's needs, reporting errors. */
int option_load_chain(struct cmd_ctx *ctx, const struct cmd_args *a, int need,
    struct chain_file *c)
{
	char *cause = NULL;
	int date;

	if (option_read_date(ctx, a, &date) != 0)
		return -1;
	if (chain_load(cmd_arg_str(a, "chain", ""), date, need, c, &cause) != 0) {
		cmd_error(ctx, "%s: %s", ctx->entry->name, cause);
		free(cause);
		return -1;
	}
	return 0;
}
