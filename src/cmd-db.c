/*
 * cmd-db.c -- `db migrate [--to N]` and `db status`: the store's schema
 * from the command line.
 *
 * Both open the store the configuration names ([store] backend, path,
 * dsn), do their work and close it again.  `db status` never changes the
 * database (it shows what `db migrate` would apply); other commands that
 * need the store open it with STORE_MIGRATE and so migrate automatically.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "qd.h"
#include "store.h"
#include "util.h"

/* Opens the configured store for a command; NULL after cmd_error. */
static struct store *cmd_db_open(struct cmd_ctx *ctx, int flags)
{
	struct store *s;
	char *cause = NULL;

	if ((s = store_open(ctx->qd->conf, flags, &cause)) == NULL) {
		cmd_error(ctx, "%s: %s", ctx->entry->name, cause);
		free(cause);
	}
	return s;
}

/* db status */
static int cmd_db_status_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct store_status st;
	struct store *s;
	struct buf pending;
	char *cause = NULL;
	int i;

	(void)args;
	if ((s = cmd_db_open(ctx, 0)) == NULL)
		return -1;
	if (store_status(s, &st, &cause) != 0) {
		cmd_error(ctx, "db status: %s", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	buf_init(&pending);
	buf_adds(&pending, "");
	for (i = 0; i < st.npending && i < (int)(sizeof st.pending / sizeof st.pending[0]); i++)
		buf_printf(&pending, "%s%d", i > 0 ? "," : "", st.pending[i]);
	out_begin(ctx->out);
	out_str(ctx->out, "backend", st.backend);
	out_str(ctx->out, "location", st.location);
	out_str(ctx->out, "layout", st.layout[0] != '\0' ? st.layout : "none");
	out_int(ctx->out, "version", st.version);
	out_int(ctx->out, "latest", st.latest);
	out_int(ctx->out, "pending", st.npending);
	out_str(ctx->out, "pending_versions", pending.data);
	out_end(ctx->out);
	buf_free(&pending);
	store_close(s);
	return 0;
}

/* db migrate [--to N] */
static int cmd_db_migrate_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct store_status before, after;
	struct store *s;
	char *cause = NULL;
	long to = cmd_arg_int(args, "to", -1);
	int applied;

	if (cmd_arg_has(args, "to") && (to < 1 || to > store_latest_version()))
		return cmd_error(ctx, "db migrate: --to %ld: expected a schema version from 1 to %d",
		    to, store_latest_version());
	if ((s = cmd_db_open(ctx, 0)) == NULL)
		return -1;
	if (store_status(s, &before, &cause) != 0 ||
	    store_migrate(s, (int)to, &applied, &cause) != 0 ||
	    store_status(s, &after, &cause) != 0) {
		cmd_error(ctx, "db migrate: %s", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	out_begin(ctx->out);
	out_str(ctx->out, "backend", after.backend);
	out_str(ctx->out, "location", after.location);
	out_str(ctx->out, "layout", after.layout[0] != '\0' ? after.layout : "none");
	out_int(ctx->out, "from", before.version);
	out_int(ctx->out, "version", after.version);
	out_int(ctx->out, "applied", applied);
	out_int(ctx->out, "pending", after.npending);
	out_end(ctx->out);
	store_close(s);
	return 0;
}

static const struct cmd_opt cmd_db_migrate_opts[] = {
	{ "to", OPT_INT, "N", 0, "stop at schema version N (default: the latest)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cmd_entry cmd_db_migrate_entry = {
	.name = "db migrate",
	.min_pos = 0,
	.max_pos = 0,
	.opts = cmd_db_migrate_opts,
	.topic = "db",
	.flags = 0,
	.summary = "apply the store's pending schema migrations",
	.exec = cmd_db_migrate_exec,
};

const struct cmd_entry cmd_db_status_entry = {
	.name = "db status",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "db",
	.flags = CMD_READONLY_OK,
	.summary = "show the store's backend, location and schema version",
	.exec = cmd_db_status_exec,
};
