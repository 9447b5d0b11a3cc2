/*
 * cmd-trade.c -- the commands that trade or stop trading: `approve ID`,
 * `reject ID [REASON]`, `auto on|off [STRATEGY]`, `kill [--flatten]`,
 * `resume`, `flatten`, `cancel CLIENT_ID`.  Each decision is written to the
 * audit trail with the user (the login name) and the time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "engine.h"
#include "oms.h"
#include "qd.h"
#include "store.h"
#include "strategy.h"
#include "util.h"

/* Who is deciding: the login name. */
static const char *cmd_user(void)
{
	const char *u = getenv("USER");

	return u != NULL && *u ? u : "qdesk";
}

/* Prints the orders a request placed. */
static void cmd_trade_orders(struct out *o, const struct order *v, size_t n)
{
	size_t i;

	out_table(o);
	for (i = 0; i < n; i++) {
		out_begin(o);
		out_str(o, "client_id", v[i].client_id);
		out_str(o, "state", order_state_name(v[i].state));
		out_str(o, "symbol", v[i].symbol);
		out_str(o, "side", v[i].side > 0 ? "buy" : "sell");
		out_num(o, "qty", v[i].qty);
		out_num(o, "limit", v[i].limit);
		out_str(o, "reason", v[i].state == ORDER_REJECTED ? order_reason_name(v[i].reason) : "");
		out_str(o, "detail", v[i].reason_text);
		out_end(o);
	}
}

/* Parses a signal ID. */
static int cmd_signal_id(struct cmd_ctx *ctx, const char *s, unsigned long *id)
{
	long v;

	if (parse_long(s, 1, 2147483647L, &v) != 0)
		return cmd_usage_error(ctx, "expected a signal ID (a positive integer), got '%s'", s);
	*id = (unsigned long)v;
	return 0;
}

static const struct cmd_opt cmd_approve_opts[] = {
	{ "yes", OPT_FLAG, NULL, 0, "confirm an order above orders.confirm_notional" },
	{ NULL, 0, NULL, 0, NULL }
};

/* approve ID [--yes] */
static int cmd_approve_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct signal sg;
	struct order *v = NULL;
	unsigned long id = 0;
	size_t n = 0;
	char *cause = NULL;

	if (cmd_signal_id(ctx, cmd_arg_pos(a, 0), &id) != 0)
		return -1;
	if (!oms_running())
		return cmd_error(ctx, "approve: the order manager is not running (engine start)");
	if (engine_signal_decide(ctx->qd->conf, id, 1, cmd_user(), NULL, &sg, &cause) != 0) {
		cmd_error(ctx, "approve: %s", cause);
		free(cause);
		return -1;
	}
	if (oms_submit_signal(&sg, cmd_user(), cmd_arg_has(a, "yes"), 10, &v, &n, &cause) != 0) {
		cmd_error(ctx, "approve %lu: %s", id, cause);
		free(cause);
		free(v);
		return -1;
	}
	cmd_trade_orders(ctx->out, v, n);
	free(v);
	return 0;
}

/* reject ID [REASON...] */
static int cmd_reject_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct signal sg;
	struct buf why;
	unsigned long id = 0;
	char *cause = NULL;
	int i, rc;

	if (cmd_signal_id(ctx, cmd_arg_pos(a, 0), &id) != 0)
		return -1;
	buf_init(&why);
	buf_add(&why, "", 0);
	for (i = 1; i < cmd_arg_npos(a); i++) {
		if (i > 1)
			buf_addc(&why, ' ');
		buf_adds(&why, cmd_arg_pos(a, i));
	}
	rc = engine_signal_decide(ctx->qd->conf, id, 0, cmd_user(), why.data, &sg, &cause);
	buf_free(&why);
	if (rc != 0) {
		cmd_error(ctx, "reject: %s", cause);
		free(cause);
		return -1;
	}
	out_begin(ctx->out);
	out_int(ctx->out, "signal", (long long)id);
	out_str(ctx->out, "state", signal_state_name(sg.state));
	out_str(ctx->out, "reason", sg.reason);
	out_end(ctx->out);
	return 0;
}

/* auto on|off [STRATEGY] */
static int cmd_auto_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *onoff = cmd_arg_pos(a, 0), *name = cmd_arg_pos(a, 1);
	char key[64], *cause = NULL, payload[160];
	size_t i;

	if (strcmp(onoff, "on") != 0 && strcmp(onoff, "off") != 0)
		return cmd_usage_error(ctx, "auto: expected on or off, got '%s'", onoff);
	if (name != NULL && strategy_find(name) == NULL)
		return cmd_error(ctx, "auto: no strategy '%s' (strategy list)", name);
	out_table(ctx->out);
	for (i = 0; i < strategy_count; i++) {
		if (name != NULL && strcmp(strategy_table[i]->name, name) != 0)
			continue;
		snprintf(key, sizeof key, "%s.auto", strategy_table[i]->name);
		if (conf_set(ctx->qd->conf, key, strcmp(onoff, "on") == 0 ? "yes" : "no", &cause) != 0) {
			cmd_error(ctx, "auto: %s", cause);
			free(cause);
			return -1;
		}
		snprintf(payload, sizeof payload, "{\"key\":\"%s\",\"new\":\"%s\",\"user\":\"%s\"}",
		    key, onoff, cmd_user());
		engine_audit(ctx->qd->conf, "config", payload);
		out_begin(ctx->out);
		out_str(ctx->out, "strategy", strategy_table[i]->name);
		out_str(ctx->out, "auto", onoff);
		out_end(ctx->out);
	}
	if (engine_reconfigure(ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "auto: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static const struct cmd_opt cmd_kill_opts[] = {
	{ "flatten", OPT_FLAG, NULL, 0, "also close every position" },
	{ NULL, 0, NULL, 0, NULL }
};

/* kill [--flatten]: works with the engine stopped too (persisted). */
static int cmd_kill_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char why[160], *cause = NULL;
	struct oms_status st;

	snprintf(why, sizeof why, "kill command by %s", cmd_user());
	if (oms_running())
		oms_kill(why, cmd_arg_has(a, "flatten"));
	else {
		if (oms_kill_stored(ctx->qd->conf, why, &cause) != 0) {
			cmd_error(ctx, "kill: %s", cause);
			free(cause);
			return -1;
		}
		if (cmd_arg_has(a, "flatten"))
			return cmd_error(ctx, "kill: engaged, but --flatten needs the engine "
			    "running (engine start, then flatten)");
	}
	oms_get_status(&st);
	out_begin(ctx->out);
	out_bool(ctx->out, "killed", 1);
	out_str(ctx->out, "reason", why);
	out_bool(ctx->out, "flatten", cmd_arg_has(a, "flatten"));
	out_end(ctx->out);
	return 0;
}

static const struct cmd_opt cmd_yes_opts[] = {
	{ "yes", OPT_FLAG, NULL, 0, "confirm" },
	{ NULL, 0, NULL, 0, NULL }
};

/* resume --yes */
static int cmd_resume_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char *cause = NULL;

	if (!cmd_arg_has(a, "yes"))
		return cmd_usage_error(ctx, "resume: trading restarts; confirm with resume --yes");
	if (oms_running()) {
		if (oms_resume(cmd_user(), &cause) != 0) {
			cmd_error(ctx, "resume: %s", cause);
			free(cause);
			return -1;
		}
	} else {
		struct store *s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause);

		if (s == NULL || store_meta_set(s, "kill_switch", "0", &cause) != 0 ||
		    store_audit_append(s, (double)time(NULL), "kill", "{\"event\":\"resume\",\"engine\":\"stopped\"}",
		    NULL, &cause) != 0) {
			cmd_error(ctx, "resume: %s", cause);
			free(cause);
			if (s != NULL)
				store_close(s);
			return -1;
		}
		store_close(s);
	}
	out_begin(ctx->out);
	out_bool(ctx->out, "killed", 0);
	out_end(ctx->out);
	return 0;
}

/* flatten --yes */
static int cmd_flatten_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct order *v = NULL;
	size_t n = 0;
	char *cause = NULL;

	if (!cmd_arg_has(a, "yes"))
		return cmd_usage_error(ctx, "flatten: every position will be closed; confirm with "
		    "flatten --yes");
	if (oms_flatten(1, 10, &v, &n, &cause) != 0) {
		cmd_error(ctx, "flatten: %s", cause);
		free(cause);
		free(v);
		return -1;
	}
	cmd_trade_orders(ctx->out, v, n);
	free(v);
	return 0;
}

/* cancel CLIENT_ID */
static int cmd_cancel_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char *cause = NULL;

	if (oms_cancel(cmd_arg_pos(a, 0), &cause) != 0) {
		cmd_error(ctx, "cancel: %s", cause);
		free(cause);
		return -1;
	}
	out_begin(ctx->out);
	out_str(ctx->out, "client_id", cmd_arg_pos(a, 0));
	out_str(ctx->out, "state", "cancel_pending");
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_approve_entry = {
	.name = "approve", .positional = "ID", .min_pos = 1, .max_pos = 1,
	.opts = cmd_approve_opts, .topic = "approve", .flags = CMD_TRADES | CMD_CONFIRM,
	.summary = "approve a pending signal: its orders are sized, checked and sent",
	.exec = cmd_approve_exec,
};
const struct cmd_entry cmd_reject_entry = {
	.name = "reject", .positional = "ID [REASON...]", .min_pos = 1, .max_pos = -1,
	.topic = "approve", .flags = CMD_READONLY_OK,
	.summary = "reject a pending signal, with a reason", .exec = cmd_reject_exec,
};
const struct cmd_entry cmd_auto_entry = {
	.name = "auto", .positional = "on|off [STRATEGY]", .min_pos = 1, .max_pos = 2,
	.topic = "approve", .flags = CMD_TRADES,
	.summary = "approve a strategy's signals automatically, or stop", .exec = cmd_auto_exec,
};
const struct cmd_entry cmd_kill_entry = {
	.name = "kill", .opts = cmd_kill_opts, .topic = "kill", .flags = CMD_READONLY_OK,
	.summary = "the kill switch: stop all trading now, cancel working orders",
	.exec = cmd_kill_exec,
};
const struct cmd_entry cmd_resume_entry = {
	.name = "resume", .opts = cmd_yes_opts, .topic = "kill", .flags = CMD_CONFIRM,
	.summary = "release the kill switch (asks for confirmation)", .exec = cmd_resume_exec,
};
const struct cmd_entry cmd_flatten_entry = {
	.name = "flatten", .opts = cmd_yes_opts, .topic = "kill",
	.flags = CMD_READONLY_OK | CMD_CONFIRM,
	.summary = "close every position (risk-reducing; allowed under the kill switch)",
	.exec = cmd_flatten_exec,
};
const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel", .positional = "CLIENT_ID", .min_pos = 1, .max_pos = 1,
	.topic = "orders", .flags = CMD_READONLY_OK,
	.summary = "cancel a working order", .exec = cmd_cancel_exec,
};
