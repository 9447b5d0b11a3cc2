/*
 * cmd-import.c -- `import bars FILE [--symbol S]` and `import chain FILE
 * [--underlying U] [--date YYYY-MM-DD]`: market data from CSV files into
 * the market state, through validation, and into the store.
 *
 * A file that cannot be read as intended fails whole with FILE:LINE
 * (market-csv.h) and changes nothing.  Rows with bad values are
 * quarantined with FILE:LINE as their source and the rest is loaded.  The
 * clean rows are also written to the store (store.h; one transaction per
 * file and underlying) unless --no-store is given -- options only when
 * quoted on both sides, as the store keeps bid/ask quotes; a store
 * failure is reported after the market state was loaded.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "market-csv.h"
#include "market-state.h"
#include "qd.h"
#include "store.h"
#include "util.h"

/* Builds "FILE:LINE" names for n rows. */
static char **cmd_import_sources(const char *path, const int *lines, size_t n)
{
	char **v = xcalloc(n ? n : 1, sizeof *v);
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = xasprintf("%s:%d", path, lines[i]);
	return v;
}

/* Frees source names. */
static void cmd_import_sources_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Opens the store, or records why not. */
static struct store *cmd_import_store(struct cmd_ctx *ctx, char **cause)
{
	return store_open(ctx->qd->conf, STORE_MIGRATE, cause);
}

/* import bars FILE [--symbol S] [--no-store] */
static int cmd_import_bars_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *path = cmd_arg_pos(args, 0), *sym = cmd_arg_str(args, "symbol", NULL);
	struct mstate *ms = mstate_global();
	struct market_csv_bars b;
	unsigned char *ok;
	char **src, *cause = NULL;
	struct bar *clean;
	size_t bad, i, nc = 0, stored = 0;
	int rc = 0;

	if (market_csv_read_bars(path, sym, &b, &cause) != 0) {
		cmd_error(ctx, "import bars: %s", cause);
		free(cause);
		return -1;
	}
	mstate_configure(ms, ctx->qd->conf);
	src = cmd_import_sources(path, b.lines, b.n);
	ok = xcalloc(b.n, 1);
	bad = mstate_put_bars(ms, path, (const char *const *)src, b.bars, b.n, ok);
	clean = xmalloc(b.n * sizeof *clean);
	for (i = 0; i < b.n; i++) {
		if (ok[i])
			clean[nc++] = b.bars[i];
	}
	if (!cmd_arg_has(args, "no-store") && nc > 0) {
		struct store *s = cmd_import_store(ctx, &cause);

		if (s == NULL || store_put_bars(s, clean, nc, &cause) != 0) {
			cmd_error(ctx, "import bars: %s: loaded into the market state, but not "
			    "stored: %s", path, cause);
			rc = -1;
		} else
			stored = nc;
		free(cause);
		store_close(s);
	}
	out_begin(ctx->out);
	out_str(ctx->out, "file", path);
	out_int(ctx->out, "symbols", (long long)b.nsymbols);
	out_int(ctx->out, "rows", (long long)b.n);
	out_int(ctx->out, "accepted", (long long)(b.n - bad));
	out_int(ctx->out, "quarantined", (long long)bad);
	out_int(ctx->out, "stored", (long long)stored);
	out_end(ctx->out);
	free(clean);
	free(ok);
	cmd_import_sources_free(src, b.n);
	market_csv_bars_free(&b);
	return rc;
}

/* import chain FILE [--underlying U] [--date YYYY-MM-DD] [--no-store] */
static int cmd_import_chain_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *path = cmd_arg_pos(args, 0);
	const char *und = cmd_arg_str(args, "underlying", NULL);
	const char *date = cmd_arg_str(args, "date", NULL);
	struct mstate *ms = mstate_global();
	struct market_csv_chain *chains;
	struct store *s = NULL;
	size_t nchains, k;
	char *cause = NULL;
	int ymd = 0, rc = 0, store = !cmd_arg_has(args, "no-store");

	if (date != NULL && market_parse_date(date, &ymd) != 0)
		return cmd_error(ctx, "import chain: --date: expected YYYY-MM-DD, got '%s'", date);
	if (market_csv_read_chains(path, und, ymd, &chains, &nchains, &cause) != 0) {
		cmd_error(ctx, "import chain: %s", cause);
		free(cause);
		return -1;
	}
	mstate_configure(ms, ctx->qd->conf);
	if (store && (s = cmd_import_store(ctx, &cause)) == NULL) {
		cmd_error(ctx, "import chain: %s: not stored: %s", path, cause);
		free(cause);
		cause = NULL;
		rc = -1;
	}
	out_table(ctx->out);
	for (k = 0; k < nchains; k++) {
		struct option_chain *c = &chains[k].chain;
		char **src = cmd_import_sources(path, chains[k].lines, c->n);
		unsigned char *ok = xcalloc(c->n ? c->n : 1, 1);
		struct option_quote *clean = xmalloc((c->n ? c->n : 1) * sizeof *clean);
		size_t bad, i, nc = 0, n = c->n, stored = 0;

		bad = mstate_put_chain(ms, path, (const char *const *)src, c, ok);
		/* the store keeps two-sided quotes only */
		for (i = 0; i < n; i++) {
			if (ok[i] && isfinite(c->opts[i].q.bid) && isfinite(c->opts[i].q.ask))
				clean[nc++] = c->opts[i];
		}
		if (s != NULL && nc > 0) {
			if (store_put_option_quotes(s, clean, nc, &cause) != 0) {
				cmd_error(ctx, "import chain: %s: %s loaded into the market state, but "
				    "not stored: %s", path, c->underlying, cause);
				free(cause);
				cause = NULL;
				rc = -1;
			} else
				stored = nc;
		}
		out_begin(ctx->out);
		out_str(ctx->out, "file", path);
		out_str(ctx->out, "underlying", c->underlying);
		out_int(ctx->out, "rows", (long long)n);
		out_int(ctx->out, "accepted", (long long)(n - bad));
		out_int(ctx->out, "quarantined", (long long)bad);
		out_int(ctx->out, "stored", (long long)stored);
		out_end(ctx->out);
		free(clean);
		free(ok);
		cmd_import_sources_free(src, n);
	}
	store_close(s);
	market_csv_chains_free(chains, nchains);
	return rc;
}

static const struct cmd_opt cmd_import_bars_opts[] = {
	{ "symbol", OPT_STRING, "SYMBOL", 0,
	  "the file's symbol (default: the symbol column, else the file name)" },
	{ "no-store", OPT_FLAG, NULL, 0, "load into the market state only" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cmd_opt cmd_import_chain_opts[] = {
	{ "underlying", OPT_STRING, "SYMBOL", 0,
	  "the underlying (default: the underlying column, else the file name)" },
	{ "date", OPT_STRING, "YYYY-MM-DD", 0, "the quote date (default: now)" },
	{ "no-store", OPT_FLAG, NULL, 0, "load into the market state only" },
	{ NULL, 0, NULL, 0, NULL },
};

const struct cmd_entry cmd_import_bars_entry = {
	.name = "import bars",
	.positional = "FILE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = cmd_import_bars_opts,
	.topic = "import",
	.flags = CMD_READONLY_OK,
	.summary = "load daily bars from a CSV file (validated, quarantined, stored)",
	.exec = cmd_import_bars_exec,
};

const struct cmd_entry cmd_import_chain_entry = {
	.name = "import chain",
	.positional = "FILE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = cmd_import_chain_opts,
	.topic = "import",
	.flags = CMD_READONLY_OK,
	.summary = "load an option chain from a CSV file (validated, quarantined, stored)",
	.exec = cmd_import_chain_exec,
};
