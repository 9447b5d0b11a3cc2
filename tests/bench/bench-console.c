/*
 * bench-console.c -- the time to draw one full console frame at 200x60
 * (issue 8's measure, goal <= 5 ms) into a curses screen made by newterm()
 * on /dev/null, with the panels populated by the running engine: the
 * simulator's chains, Heston and SABR fits in the book, OU pairs,
 * signals, alerts and the log.
 *
 * A frame is what the console does each tick: take the snapshots
 * (ui_data_frame), draw the status bar and every panel of a screen, one
 * doupdate(), release.  Measured per screen: the first frame (the
 * surface's model vols recomputed, as after a new chain or new parameters;
 * the store already open) and the mean and worst
 * of the steady frames (the store and Greeks read once a second fall in
 * some of them).
 *
 * Then the frame rate held while four calibrations run (issue 8): four
 * threads each ask the engine for `calibrate heston all` over and over
 * (the pool's workers busy all the time, as when a trader recalibrates the
 * universe), while this thread runs the console's loop: a frame, then a
 * wait for the next tick of ui.refresh_hz (10 Hz) -- the frames per second
 * achieved and the worst gap between two frames; and the same loop
 * without the wait, the frames per second there is room for.
 *
 * Usage: bench-console [FRAMES]   (default 200 per screen)
 */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "conf.h"
#include "engine.h"
#include "layout.h"
#include "log.h"
#include "oms.h"
#include "theme.h"

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 when the book has a fit of each model and signals are out. */
static int bench_ready(void)
{
	const struct engine_snap *s = engine_snapshot();
	const struct calib_book *b = engine_snap_book(s);
	int have[CALIB_NMODELS] = { 0 }, ok;
	size_t i, nsig = 0;

	for (i = 0; i < b->n; i++)
		have[b->v[i].model] = 1;
	engine_snap_signals(s, &nsig);
	ok = have[CALIB_HESTON] && have[CALIB_SABR] && have[CALIB_OU] && nsig > 0;
	engine_snap_release(s);
	return ok;
}

#define BENCH_CALIBRATORS 4
#define BENCH_LOAD_SECONDS 5.0

static volatile int bench_stop;         /* the calibrating threads stop */
static unsigned long bench_fits[BENCH_CALIBRATORS];

/* A calibrating thread: calibrate heston all, again and again. */
static void *bench_calibrator(void *arg)
{
	struct conf *conf = ((void **)arg)[0];
	unsigned long *fits = ((void **)arg)[1];

	while (!bench_stop) {
		struct calib_result *r = NULL;
		char *cause = NULL;
		size_t n = 0;

		if (engine_calibrate(conf, CALIB_HESTON, "all", 60, NULL, NULL, &r, &n,
		    &cause) != 0) {
			free(cause);
			usleep(10000);
			continue;
		}
		*fits += n;
		free(r);
	}
	return NULL;
}

/* Draws one frame of the current screen. */
static void bench_frame(struct ui_ctx *c)
{
	struct ui_rect r = { 1, 0, LINES - 1, COLS };

	ui_data_frame(c, (double)time(NULL));
	panel_log_poll(c);
	erase();
	layout_draw_status(c, 0, COLS);
	layout_draw_screen(c, r);
	wnoutrefresh(stdscr);
	doupdate();
	ui_data_release(c);
}

int main(int argc, char **argv)
{
	static struct ui_ctx ctx;
	char dir[] = "/tmp/qdesk-bench-console-XXXXXX", path[600], *cause = NULL;
	int frames = argc > 1 ? atoi(argv[1]) : 200, s, i, utf8;
	struct conf *conf = conf_new();
	FILE *out, *in;
	SCREEN *scr;
	double t0;

	log_set_stderr(0);
	if (frames < 10)
		frames = 200;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	conf_set(conf, "store.path", path, &cause);
	snprintf(path, sizeof path, "%s/paper.db", dir);
	conf_set(conf, "paper.path", path, &cause);
	if (engine_start(conf, &cause) != 0) {
		fprintf(stderr, "bench-console: engine: %s\n", cause);
		return 1;
	}
	t0 = now_s();
	while (!bench_ready() && now_s() - t0 < 120)
		usleep(100000);
	if (!bench_ready())
		fprintf(stderr, "bench-console: the book is not full after 120 s; timing anyway\n");
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL || (scr = newterm("xterm-256color", out, in)) == NULL) {
		fprintf(stderr, "bench-console: newterm on /dev/null failed\n");
		return 1;
	}
	set_term(scr);
	resize_term(60, 200);
	theme_init("dark");
	for (utf8 = 1; utf8 >= 0; utf8--) {
		theme_set_utf8(utf8);
		memset(&ctx, 0, sizeof ctx);
		ctx.win = stdscr;
		ctx.conf = conf;
		ctx.focus = 0;
		ctx.show_hint = 1;
		widget_text_init(&ctx.log_view);
		widget_text_init(&ctx.alert_view);
		ui_data_init(&ctx);
		panel_surface_free();
		for (s = 0; s < UI_NSCREENS; s++) {
			double first, sum = 0, worst = 0;

			ctx.screen = s;
			bench_frame(&ctx);      /* the store opened, the once-a-second reads done */
			panel_surface_invalidate();
			t0 = now_s();
			bench_frame(&ctx);
			first = now_s() - t0;
			for (i = 0; i < frames; i++) {
				double t;

				if (i % 20 == 0)
					ui_data_invalidate(&ctx);       /* a store/Greeks read */
				t0 = now_s();
				bench_frame(&ctx);
				t = now_s() - t0;
				sum += t;
				worst = fmax(worst, t);
			}
			printf("bench frame_200x60_%s_%s %.0f ns/op first %.3f ms, mean %.3f ms, "
			    "worst %.3f ms (%d frames)\n", layout_screen_name(s), utf8 ? "utf8" : "ascii",
			    sum / frames * 1e9, first * 1e3, sum / frames * 1e3, worst * 1e3, frames);
		}
		ui_data_free(&ctx);
	}
	/* The frame rate held while four calibrations run. */
	{
		pthread_t th[BENCH_CALIBRATORS];
		void *args[BENCH_CALIBRATORS][2];
		unsigned long fits = 0;
		int paced, k;

		memset(&ctx, 0, sizeof ctx);
		ctx.win = stdscr;
		ctx.conf = conf;
		ctx.focus = -1;
		widget_text_init(&ctx.log_view);
		widget_text_init(&ctx.alert_view);
		ui_data_init(&ctx);
		theme_set_utf8(1);
		ctx.screen = UI_SCR_SURFACE;
		bench_stop = 0;
		for (k = 0; k < BENCH_CALIBRATORS; k++) {
			args[k][0] = conf;
			args[k][1] = &bench_fits[k];
			pthread_create(&th[k], NULL, bench_calibrator, args[k]);
		}
		for (paced = 1; paced >= 0; paced--) {
			double start = now_s(), last = start, gap = 0, tick = 0.1, next = start;
			int nframes = 0;

			while (now_s() - start < BENCH_LOAD_SECONDS) {
				double t;

				bench_frame(&ctx);
				nframes++;
				t = now_s();
				gap = fmax(gap, t - last);
				last = t;
				if (paced) {
					/* the console waits in getch() for the rest of the tick */
					next += tick;
					if (next > t)
						usleep((useconds_t)((next - t) * 1e6));
					else
						next = t;
				}
			}
			printf("bench frames_during_%d_calibrations_%s %.0f ns/op %.1f frames/s "
			    "(%s), worst gap %.1f ms\n", BENCH_CALIBRATORS,
			    paced ? "10hz" : "unpaced", (now_s() - start) / nframes * 1e9,
			    nframes / (now_s() - start), paced ? "target 10" : "room",
			    gap * 1e3);
		}
		bench_stop = 1;
		for (k = 0; k < BENCH_CALIBRATORS; k++) {
			pthread_join(th[k], NULL);
			fits += bench_fits[k];
		}
		printf("bench calibrations_during_frames %lu Heston fits in %.0f s by %d threads\n",
		    fits, 2 * BENCH_LOAD_SECONDS, BENCH_CALIBRATORS);
		ui_data_free(&ctx);
	}
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	panel_surface_free();
	engine_stop();
	conf_free(conf);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return 0;
}
