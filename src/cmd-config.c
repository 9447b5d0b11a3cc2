/*
 * cmd-config.c -- `set KEY VALUE` and `get [KEY]`: the configuration from
 * the command line.
 *
 * Keys are "section.key" as in the file.  Secrets (CONF_SECRET) are shown
 * only as set or unset, so `get` output can be pasted into a bug report.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "qd.h"

/* Prints one key as a record. */
static void cmd_get_one(struct out *o, struct conf *c, int i)
{
	const struct conf_key *k = &conf_keys[i];
	const char *v = conf_get_str(c, k->name);

	out_begin(o);
	out_str(o, "key", k->name);
	if (k->flags & CONF_SECRET)
		out_str(o, "value", *v != '\0' ? "(set, hidden)" : "");
	else
		out_str(o, "value", v);
	out_str(o, "default", (k->flags & CONF_SECRET) ? "" : k->def);
	out_end(o);
}

/* get [KEY] */
static int cmd_get_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *key = cmd_arg_pos(args, 0);
	int i;

	if (key != NULL) {
		if ((i = conf_find(key)) < 0)
			return cmd_error(ctx, "get: unknown configuration key '%s'", key);
		cmd_get_one(ctx->out, ctx->qd->conf, i);
		return 0;
	}
	out_table(ctx->out);
	for (i = 0; i < conf_nkeys; i++)
		cmd_get_one(ctx->out, ctx->qd->conf, i);
	return 0;
}

/* set KEY VALUE */
static int cmd_set_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *key = cmd_arg_pos(args, 0), *value = cmd_arg_pos(args, 1);
	char *cause = NULL;
	int i;
	enum log_level lvl;

	if (conf_set(ctx->qd->conf, key, value, &cause) != 0) {
		cmd_error(ctx, "set: %s", cause);
		free(cause);
		return -1;
	}
	i = conf_find(key);
	log_info("config: %s set to %s", key,
	    (conf_keys[i].flags & CONF_SECRET) ? "(hidden)" : value);
	if (strcmp(key, "log.level") == 0 && log_level_parse(value, &lvl) == 0)
		log_threshold = (int)lvl;
	return 0;
}

const struct cmd_entry cmd_get_entry = {
	.name = "get",
	.positional = "[KEY]",
	.min_pos = 0,
	.max_pos = 1,
	.topic = "set",
	.flags = CMD_READONLY_OK,
	.summary = "show configuration values",
	.exec = cmd_get_exec,
};

const struct cmd_entry cmd_set_entry = {
	.name = "set",
	.positional = "KEY VALUE",
	.min_pos = 2,
	.max_pos = 2,
	.topic = "set",
	.flags = CMD_READONLY_OK,
	.summary = "change a configuration value at run time",
	.exec = cmd_set_exec,
};
