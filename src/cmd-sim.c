/*
 * cmd-sim.c -- `sim status`, `sim truth [SYMBOL]`, `sim set KEY VALUE`:
 * the market simulator seen from the command line.
 *
 * status and truth read the running sim feed (feed_sim_info) or, when none
 * runs, the simulator the configuration describes, positioned at the start
 * of its history.  `sim truth` prints the true parameters -- Heston per
 * underlying, OU and the hedge ratio per pair -- that calibration and
 * estimation should recover.  `sim set` changes a sim.* key (validated
 * like `set`); speed, bad_tick_rate, iv_noise and spread also apply to the
 * running feed at once, the others at the next `feed start sim`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "qd.h"
#include "sim.h"
#include "util.h"

/* Fills info from the running feed, or from a simulator built from the
 * configuration; -1 with an error recorded on ctx. */
static int cmd_sim_info(struct cmd_ctx *ctx, struct sim_info *info, int *running)
{
	struct sim_config cfg;
	struct sim *s;
	char *cause = NULL;
	size_t i;

	if (feed_sim_info(info) == 0) {
		*running = 1;
		return 0;
	}
	*running = 0;
	if (sim_config_from_conf(&cfg, ctx->qd->conf, &cause) != 0 ||
	    (s = sim_new(&cfg, &cause)) == NULL) {
		cmd_error(ctx, "sim: %s", cause);
		free(cause);
		return -1;
	}
	memset(info, 0, sizeof *info);
	info->cfg = *sim_get_config(s);
	info->time = sim_time(s);
	info->date = sim_date(s);
	info->live = sim_is_live(s);
	info->nund = sim_nunderlyings(s);
	for (i = 0; i < info->nund; i++)
		info->und[i] = *sim_underlying(s, i);
	info->npairs = sim_npairs(s);
	for (i = 0; i < info->npairs; i++)
		info->pairs[i] = *sim_pair(s, i);
	sim_free(s);
	return 0;
}

/* sim status */
static int cmd_sim_status_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct sim_info *info = xmalloc(sizeof *info);
	struct out *o = ctx->out;
	char when[32], day[16], *list;
	struct buf b;
	int running, k;
	size_t i;

	(void)args;
	if (cmd_sim_info(ctx, info, &running) != 0) {
		free(info);
		return -1;
	}
	buf_init(&b);
	buf_adds(&b, "");
	for (i = 0; i < info->nund; i++)
		buf_printf(&b, "%s%s", i ? "," : "", info->und[i].symbol);
	list = b.data;
	market_format_time(info->time, when, sizeof when);
	market_format_date(info->date, day, sizeof day);
	out_begin(o);
	out_bool(o, "running", running);
	out_int(o, "seed", (long long)info->cfg.seed);
	out_num(o, "speed", info->cfg.speed);
	out_str(o, "universe", list);
	out_int(o, "pairs", (long long)info->npairs);
	out_int(o, "expiries", info->cfg.nexpiries);
	out_int(o, "strikes", info->cfg.nstrikes);
	out_int(o, "steps_per_day", info->cfg.steps_per_day);
	out_int(o, "chain_every", info->cfg.chain_every);
	out_num(o, "bad_tick_rate", info->cfg.bad_tick_rate);
	out_num(o, "iv_noise", info->cfg.iv_noise);
	out_num(o, "spread", info->cfg.spread);
	out_str(o, "date", day);
	out_str(o, "time", isfinite(info->time) ? when : "");
	out_bool(o, "live", info->live);
	out_num(o, "lag_days", info->lag_days);
	out_int(o, "steps", (long long)info->stats.steps);
	out_int(o, "days", (long long)info->stats.days);
	out_int(o, "quotes", (long long)info->stats.quotes);
	out_int(o, "chains", (long long)info->stats.chains);
	out_int(o, "options", (long long)info->stats.options);
	out_int(o, "bars", (long long)info->stats.bars);
	for (k = 0; k < SIM_BAD_N; k++) {
		char key[32];

		snprintf(key, sizeof key, "bad_%s", sim_bad_name((enum sim_bad)k));
		out_int(o, key, (long long)info->stats.bad[k]);
	}
	out_end(o);
	buf_free(&b);
	free(info);
	return 0;
}

/* sim truth [SYMBOL] */
static int cmd_sim_truth_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct sim_info *info = xmalloc(sizeof *info);
	const char *want = cmd_arg_pos(args, 0);
	struct out *o = ctx->out;
	int running, shown = 0;
	size_t i;

	if (cmd_sim_info(ctx, info, &running) != 0) {
		free(info);
		return -1;
	}
	for (i = 0; i < info->nund; i++) {
		const struct sim_underlying *u = &info->und[i];

		if (want != NULL && strcmp(want, u->symbol) != 0)
			continue;
		out_begin(o);
		out_str(o, "kind", "heston");
		out_str(o, "symbol", u->symbol);
		out_num(o, "spot", u->S);
		out_num(o, "v", u->v);
		out_num(o, "v0", u->p.v0);
		out_num(o, "kappa", u->p.kappa);
		out_num(o, "theta", u->p.theta);
		out_num(o, "sigma", u->p.sigma);
		out_num(o, "rho", u->p.rho);
		out_num(o, "rate", info->cfg.rate);
		out_num(o, "dividend", u->dividend);
		out_end(o);
		shown++;
	}
	for (i = 0; i < info->npairs; i++) {
		const struct sim_pair *p = &info->pairs[i];

		if (want != NULL && strcmp(want, p->inst.symbol) != 0 &&
		    strcmp(want, p->inst.leg1) != 0 && strcmp(want, p->inst.leg2) != 0)
			continue;
		out_begin(o);
		out_str(o, "kind", "ou_pair");
		out_str(o, "symbol", p->inst.symbol);
		out_str(o, "leg1", p->inst.leg1);
		out_str(o, "leg2", p->inst.leg2);
		out_num(o, "hedge_ratio", p->inst.hedge_ratio);
		out_num(o, "theta", p->ou.theta);
		out_num(o, "mu", p->ou.mu);
		out_num(o, "sigma", p->ou.sigma);
		out_num(o, "half_life_days", log(2) / p->ou.mu * 252);
		out_num(o, "spread", p->X);
		out_num(o, "leg2_price", p->S2);
		out_num(o, "leg2_vol", p->leg2_vol);
		out_end(o);
		shown++;
	}
	free(info);
	if (want != NULL && shown == 0)
		return cmd_error(ctx, "sim truth: '%s' is not a simulated underlying or pair", want);
	return 0;
}

/* The keys `sim set` knows, and whether they apply to a running feed. */
static const struct {
	const char *key;
	int live;
} cmd_sim_keys[] = {
	{ "seed", 0 }, { "speed", 1 }, { "universe", 0 }, { "pairs", 0 }, { "expiries", 0 },
	{ "strikes", 0 }, { "steps_per_day", 0 }, { "chain_every", 0 },
	{ "history_days", 0 }, { "start", 0 }, { "rate", 0 }, { "iv_noise", 1 },
	{ "spread", 1 }, { "bad_tick_rate", 1 },
};

/* sim set KEY VALUE */
static int cmd_sim_set_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *key = cmd_arg_pos(args, 0), *value = cmd_arg_pos(args, 1);
	struct sim_config cfg;
	char name[64], *cause = NULL;
	size_t i, n = sizeof cmd_sim_keys / sizeof cmd_sim_keys[0];
	int applied = 0, ymd;
	double v;

	if (strncmp(key, "sim.", 4) == 0)
		key += 4;
	for (i = 0; i < n; i++) {
		if (strcmp(cmd_sim_keys[i].key, key) == 0)
			break;
	}
	if (i == n) {
		struct buf b;
		size_t k;

		buf_init(&b);
		for (k = 0; k < n; k++)
			buf_printf(&b, "%s%s", k ? ", " : "", cmd_sim_keys[k].key);
		cmd_error(ctx, "sim set: unknown key '%s' (one of: %s)", key, b.data);
		buf_free(&b);
		return -1;
	}
	if (strcmp(key, "universe") == 0 && sim_config_universe(&cfg, value, &cause) != 0) {
		cmd_error(ctx, "sim set: %s", cause);
		free(cause);
		return -1;
	}
	if (strcmp(key, "start") == 0 && market_parse_date(value, &ymd) != 0)
		return cmd_error(ctx, "sim set: sim.start: expected a date YYYY-MM-DD, got '%s'",
		    value);
	snprintf(name, sizeof name, "sim.%s", key);
	if (conf_set(ctx->qd->conf, name, value, &cause) != 0) {
		cmd_error(ctx, "sim set: %s", cause);
		free(cause);
		return -1;
	}
	log_info("config: %s set to %s", name, value);
	if (cmd_sim_keys[i].live && parse_double(value, &v) == 0)
		applied = feed_sim_apply(key, v);
	out_begin(ctx->out);
	out_str(ctx->out, "key", name);
	out_str(ctx->out, "value", conf_get_str(ctx->qd->conf, name));
	out_str(ctx->out, "applies", applied ? "now" : "at the next feed start");
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_sim_status_entry = {
	.name = "sim status",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "sim",
	.flags = CMD_READONLY_OK,
	.summary = "show the simulator: clock, counts, bad ticks injected",
	.exec = cmd_sim_status_exec,
};

const struct cmd_entry cmd_sim_truth_entry = {
	.name = "sim truth",
	.positional = "[SYMBOL]",
	.min_pos = 0,
	.max_pos = 1,
	.topic = "sim",
	.flags = CMD_READONLY_OK,
	.summary = "show the simulator's true Heston and OU parameters",
	.exec = cmd_sim_truth_exec,
};

const struct cmd_entry cmd_sim_set_entry = {
	.name = "sim set",
	.positional = "KEY VALUE",
	.min_pos = 2,
	.max_pos = 2,
	.topic = "sim",
	.flags = CMD_READONLY_OK,
	.summary = "change a simulator setting (seed, speed, bad_tick_rate, ...)",
	.exec = cmd_sim_set_exec,
};
