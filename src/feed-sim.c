/*
 * feed-sim.c -- the simulator (sim.h) behind the feed interface, on a
 * clock that runs sim.speed trading days per real minute.
 *
 * DESIGN
 * The feed thread owns the simulator; the commands `sim status`, `sim
 * truth` and `sim set` reach it through feed_sim_info() and
 * feed_sim_apply(), which take the same mutex as poll().  At most one sim
 * feed exists at a time (feed_sim_current).  The first poll runs the
 * history (delivering its daily bars) and starts the clock; each poll then
 * runs the steps that are due -- steps_per_day x speed per real minute
 * since the clock started -- until they are done or FEED_WORK_BUDGET
 * seconds (or the deadline) pass, so a fast speed on a slow machine falls
 * behind (shown as lag) rather than holding the thread.  A poll with nothing due returns at once
 * and the runner waits out the poll interval.  Speed 0 pauses.  Changing
 * the speed re-anchors the clock at the current step.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "feed.h"
#include "sim.h"
#include "util.h"

struct feed {
	struct sim *sim;
	double speed;           /* trading days per real minute */
	int clock_started;
	double anchor_mono;     /* real time of the anchor */
	unsigned long anchor_steps, steps;      /* live steps at the anchor, done */
	double lag_days;
};

static pthread_mutex_t feed_sim_lock = PTHREAD_MUTEX_INITIALIZER;
static struct feed *feed_sim_current;

/* Creates the sim feed from the sim.* keys. */
static int feed_sim_open(struct feed **out, struct conf *conf, char **cause)
{
	struct sim_config cfg;
	struct feed *f;

	if (conf != NULL) {
		if (sim_config_from_conf(&cfg, conf, cause) != 0)
			return -1;
	} else
		sim_config_default(&cfg);
	f = xcalloc(1, sizeof *f);
	if ((f->sim = sim_new(&cfg, cause)) == NULL) {
		free(f);
		return -1;
	}
	f->speed = cfg.speed;
	pthread_mutex_lock(&feed_sim_lock);
	if (feed_sim_current != NULL) {
		pthread_mutex_unlock(&feed_sim_lock);
		*cause = xasprintf("feed sim: a simulator feed is already running");
		sim_free(f->sim);
		free(f);
		return -1;
	}
	feed_sim_current = f;
	pthread_mutex_unlock(&feed_sim_lock);
	*out = f;
	return 0;
}

/* Runs the steps that are due. */
static int feed_sim_poll(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	const struct sim_config *cfg;
	double now, due;

	(void)cause;
	pthread_mutex_lock(&feed_sim_lock);
	cfg = sim_get_config(f->sim);
	if (!sim_is_live(f->sim))
		sim_history(f->sim, sink);
	now = now_monotonic();
	deadline = fmin(deadline, now + FEED_WORK_BUDGET);
	if (!f->clock_started) {
		f->clock_started = 1;
		f->anchor_mono = now;
		/* deliver the first live step at once, so quotes exist */
		sim_step(f->sim, sink);
		f->steps++;
		f->anchor_steps = f->steps;
	}
	due = (double)f->anchor_steps +
	    floor((now - f->anchor_mono) / 60.0 * f->speed * cfg->steps_per_day);
	while ((double)f->steps < due && now_monotonic() < deadline) {
		sim_step(f->sim, sink);
		f->steps++;
	}
	f->lag_days = ((double)f->steps < due ? due - (double)f->steps : 0) /
	    cfg->steps_per_day;
	pthread_mutex_unlock(&feed_sim_lock);
	return 0;
}

/* Frees the sim feed. */
static void feed_sim_close(struct feed *f)
{
	pthread_mutex_lock(&feed_sim_lock);
	if (feed_sim_current == f)
		feed_sim_current = NULL;
	pthread_mutex_unlock(&feed_sim_lock);
	sim_free(f->sim);
	free(f);
}

/* Copies the running simulator's state. */
int feed_sim_info(struct sim_info *info)
{
	struct feed *f;
	size_t i;

	memset(info, 0, sizeof *info);
	pthread_mutex_lock(&feed_sim_lock);
	if ((f = feed_sim_current) == NULL) {
		pthread_mutex_unlock(&feed_sim_lock);
		return -1;
	}
	info->cfg = *sim_get_config(f->sim);
	info->cfg.speed = f->speed;
	sim_get_stats(f->sim, &info->stats);
	info->time = sim_time(f->sim);
	info->date = sim_date(f->sim);
	info->live = sim_is_live(f->sim);
	info->lag_days = f->lag_days;
	info->nund = sim_nunderlyings(f->sim);
	for (i = 0; i < info->nund; i++)
		info->und[i] = *sim_underlying(f->sim, i);
	info->npairs = sim_npairs(f->sim);
	for (i = 0; i < info->npairs; i++)
		info->pairs[i] = *sim_pair(f->sim, i);
	pthread_mutex_unlock(&feed_sim_lock);
	return 0;
}

/* Applies a live setting to the running simulator. */
int feed_sim_apply(const char *key, double value)
{
	struct feed *f;
	const struct sim_config *cfg;
	int applied = 1;

	pthread_mutex_lock(&feed_sim_lock);
	if ((f = feed_sim_current) == NULL) {
		pthread_mutex_unlock(&feed_sim_lock);
		return 0;
	}
	cfg = sim_get_config(f->sim);
	if (strcmp(key, "speed") == 0) {
		if (f->clock_started) {
			f->anchor_steps = f->steps;
			f->anchor_mono = now_monotonic();
		}
		f->speed = value;
	} else if (strcmp(key, "bad_tick_rate") == 0)
		sim_set_live(f->sim, value, cfg->iv_noise, cfg->spread);
	else if (strcmp(key, "iv_noise") == 0)
		sim_set_live(f->sim, cfg->bad_tick_rate, value, cfg->spread);
	else if (strcmp(key, "spread") == 0)
		sim_set_live(f->sim, cfg->bad_tick_rate, cfg->iv_noise, value);
	else
		applied = 0;
	pthread_mutex_unlock(&feed_sim_lock);
	return applied;
}

const struct feed_ops feed_sim_ops = {
	.name = "sim",
	.open = feed_sim_open,
	.poll = feed_sim_poll,
	.close = feed_sim_close,
};
