/*
 * cmd-strategy.c -- `strategy list`, `strategy enable|disable NAME`,
 * `strategy set NAME KEY VALUE`: the strategies of strategy.h and their
 * settings, which are configuration keys NAME.KEY (so `set volarb.threshold
 * 0.08` and `strategy set volarb threshold 0.08` are the same change).
 * Every change is applied to the running strategies at once and audited.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "engine.h"
#include "qd.h"
#include "strategy.h"
#include "util.h"

/* Sets NAME.KEY = VALUE, reconfigures, audits; reverts on failure. */
static int cmd_strategy_change(struct cmd_ctx *ctx, const char *verb, const char *name,
    const char *key, const char *value)
{
	char full[96], *cause = NULL, *old;
	struct buf b;

	if (strategy_find(name) == NULL)
		return cmd_error(ctx, "strategy %s: no strategy '%s' (strategy list)", verb, name);
	snprintf(full, sizeof full, "%s.%s", name, key);
	if (conf_find(full) < 0)
		return cmd_error(ctx, "strategy %s: %s has no setting '%s' (strategy list shows "
		    "them; help config)", verb, name, key);
	old = xstrdup(conf_get_str(ctx->qd->conf, full));
	if (conf_set(ctx->qd->conf, full, value, &cause) != 0 ||
	    engine_reconfigure(ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "strategy %s: %s", verb, cause);
		free(cause);
		cause = NULL;
		if (conf_set(ctx->qd->conf, full, old, &cause) == 0)
			engine_reconfigure(ctx->qd->conf, &cause);
		free(cause);
		free(old);
		return -1;
	}
	buf_init(&b);
	buf_adds(&b, "{\"key\":");
	buf_add_json_string(&b, full);
	buf_adds(&b, ",\"old\":");
	buf_add_json_string(&b, old);
	buf_adds(&b, ",\"new\":");
	buf_add_json_string(&b, value);
	buf_addc(&b, '}');
	engine_audit(ctx->qd->conf, "config", b.data);
	buf_free(&b);
	out_begin(ctx->out);
	out_str(ctx->out, "strategy", name);
	out_str(ctx->out, "key", full);
	out_str(ctx->out, "old", old);
	out_str(ctx->out, "value", conf_get_str(ctx->qd->conf, full));
	out_end(ctx->out);
	free(old);
	return 0;
}

/* strategy list */
static int cmd_strategy_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char key[96], desc[1024], *cause = NULL;
	size_t i;

	(void)a;
	/* Settings as configured now (applies them if the engine never ran). */
	if (engine_reconfigure(ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "strategy list: %s", cause);
		free(cause);
		return -1;
	}
	out_table(ctx->out);
	for (i = 0; i < strategy_count; i++) {
		const struct strategy_ops *ops = strategy_table[i];

		snprintf(key, sizeof key, "%s.enabled", ops->name);
		desc[0] = '\0';
		engine_strategy_describe(i, desc, sizeof desc);
		out_begin(ctx->out);
		out_str(ctx->out, "name", ops->name);
		out_bool(ctx->out, "enabled", conf_find(key) >= 0 ?
		    conf_get_bool(ctx->qd->conf, key) : 1);
		out_str(ctx->out, "summary", ops->summary);
		out_str(ctx->out, "settings", desc);
		desc[0] = '\0';
		engine_strategy_holdings(i, desc, sizeof desc);
		out_str(ctx->out, "holds", desc);
		out_end(ctx->out);
	}
	return 0;
}

/* strategy enable NAME */
static int cmd_strategy_enable_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_strategy_change(ctx, "enable", cmd_arg_pos(a, 0), "enabled", "yes");
}

/* strategy disable NAME */
static int cmd_strategy_disable_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_strategy_change(ctx, "disable", cmd_arg_pos(a, 0), "enabled", "no");
}

/* strategy set NAME KEY VALUE */
static int cmd_strategy_set_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_strategy_change(ctx, "set", cmd_arg_pos(a, 0), cmd_arg_pos(a, 1),
	    cmd_arg_pos(a, 2));
}

const struct cmd_entry cmd_strategy_list_entry = {
	.name = "strategy list",
	.topic = "strategy",
	.flags = CMD_READONLY_OK,
	.summary = "the strategies, whether they run, and their settings",
	.exec = cmd_strategy_list_exec,
};

const struct cmd_entry cmd_strategy_enable_entry = {
	.name = "strategy enable",
	.positional = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "strategy",
	.summary = "let a strategy produce signals",
	.exec = cmd_strategy_enable_exec,
};

const struct cmd_entry cmd_strategy_disable_entry = {
	.name = "strategy disable",
	.positional = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "strategy",
	.flags = CMD_READONLY_OK,
	.summary = "stop a strategy producing signals",
	.exec = cmd_strategy_disable_exec,
};

const struct cmd_entry cmd_strategy_set_entry = {
	.name = "strategy set",
	.positional = "NAME KEY VALUE",
	.min_pos = 3,
	.max_pos = 3,
	.topic = "strategy",
	.summary = "change a strategy's setting (the configuration key NAME.KEY)",
	.exec = cmd_strategy_set_exec,
};
