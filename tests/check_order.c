/*
 * check_order.c -- the order state machine (order.c) against an
 * independent copy of the table in order.h, written out here; fills and
 * overfills; client order IDs unique across simulated restarts (in this
 * process and in forked processes) and across 1e5 IDs; the limit price
 * rule on examples worked by hand, with tick rounding.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "order.h"
#include "order-legs.h"
#include "util.h"

/*
 * The table of order.h, one row per from-state, columns in enum order:
 * new pending accepted partial filled cancel_pending cancelled rejected
 * expired.  Written from the header comment, not from order.c.
 */
static const int allowed[ORDER_NSTATES][ORDER_NSTATES] = {
	/*              N  P  A  PF F  CP C  R  E */
	/* new */     { 0, 1, 0, 0, 0, 0, 0, 1, 0 },
	/* pending */ { 0, 0, 1, 1, 1, 0, 1, 1, 1 },
	/* accepted */{ 0, 0, 0, 1, 1, 1, 1, 1, 1 },
	/* partial */ { 0, 0, 0, 1, 1, 1, 1, 0, 1 },
	/* filled */  { 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	/* cxl pend */{ 0, 0, 0, 1, 1, 0, 1, 0, 1 },
	/* cancelled*/{ 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	/* rejected */{ 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	/* expired */ { 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static const char *const state_names[ORDER_NSTATES] = {
	"new", "pending", "accepted", "partial", "filled", "cancel_pending", "cancelled",
	"rejected", "expired"
};

/* Fills in a plain buy order of qty SPY in state st. */
static void mk_order(struct order *o, int st, double qty)
{
	memset(o, 0, sizeof *o);
	snprintf(o->client_id, sizeof o->client_id, "QDTEST-1");
	snprintf(o->symbol, sizeof o->symbol, "SPY");
	o->side = 1;
	o->type = ORDER_LIMIT;
	o->qty = qty;
	o->limit = 450;
	o->avg_price = NAN;
	o->multiplier = 1;
	o->state = st;
	o->updated = 1.0;
}

/* Fills in a fill of qty at price for the order of mk_order. */
static void mk_fill(struct fill *f, double qty, double price)
{
	memset(f, 0, sizeof *f);
	snprintf(f->client_id, sizeof f->client_id, "QDTEST-1");
	snprintf(f->fill_id, sizeof f->fill_id, "F1");
	snprintf(f->symbol, sizeof f->symbol, "SPY");
	f->side = 1;
	f->qty = qty;
	f->price = price;
	f->multiplier = 1;
	f->time = 2.0;
}

/* Every pair of states: allowed exactly as the table says; a refused
 * transition leaves the order untouched and names both states. */
START_TEST(test_every_pair)
{
	int from, to, finals = 0;

	for (from = 0; from < ORDER_NSTATES; from++) {
		int any = 0;

		for (to = 0; to < ORDER_NSTATES; to++) {
			struct order o, before;
			char *cause = NULL;
			int rc;

			any |= allowed[from][to];
			ck_assert_msg(order_transition_ok(from, to) == allowed[from][to],
			    "%s -> %s", state_names[from], state_names[to]);
			mk_order(&o, from, 10);
			before = o;
			rc = order_transition(&o, to, 5.0, &cause);
			if (allowed[from][to]) {
				ck_assert_int_eq(rc, 0);
				ck_assert_int_eq(o.state, to);
				ck_assert(o.updated == 5.0);
				ck_assert_ptr_null(cause);
			} else {
				ck_assert_int_eq(rc, -1);
				ck_assert(memcmp(&o, &before, sizeof o) == 0);
				ck_assert_ptr_nonnull(cause);
				ck_assert_msg(strstr(cause, state_names[from]) != NULL &&
				    strstr(cause, state_names[to]) != NULL &&
				    strstr(cause, "QDTEST-1") != NULL, "cause: %s", cause);
				free(cause);
			}
		}
		ck_assert_int_eq(order_state_final(from), !any);
		finals += !any;
	}
	ck_assert_int_eq(finals, 4);
	/* Out of range either way is refused. */
	ck_assert_int_eq(order_transition_ok(-1, ORDER_PENDING), 0);
	ck_assert_int_eq(order_transition_ok(ORDER_NEW, ORDER_NSTATES), 0);
	ck_assert_int_eq(order_transition_ok(ORDER_NSTATES, ORDER_FILLED), 0);
}
END_TEST

/* Names of states and reasons, and parsing back. */
START_TEST(test_names)
{
	static const char *const reasons[OR_NREASONS] = {
		"none", "kill_switch", "stale_data", "price_collar", "max_qty", "max_notional",
		"max_position", "duplicate", "rate_limit", "restricted", "buying_power",
		"risk_limit", "bad_order", "broker"
	};
	int i, st;

	for (i = 0; i < ORDER_NSTATES; i++) {
		ck_assert_str_eq(order_state_name(i), state_names[i]);
		ck_assert_int_eq(order_state_parse(state_names[i], &st), 0);
		ck_assert_int_eq(st, i);
	}
	for (i = 0; i < OR_NREASONS; i++)
		ck_assert_str_eq(order_reason_name(i), reasons[i]);
	ck_assert_str_eq(order_state_name(ORDER_NSTATES), "?");
	ck_assert_str_eq(order_reason_name(-1), "?");
	ck_assert_int_eq(order_state_parse("Filled", &st), -1);
	ck_assert_int_eq(order_state_parse("", &st), -1);
	ck_assert_int_eq(order_state_parse(NULL, &st), -1);
}
END_TEST

/* Partial fills add up with a weighted average price; the last one fills. */
START_TEST(test_fills)
{
	struct order o;
	struct fill f;
	char *cause = NULL;

	mk_order(&o, ORDER_ACCEPTED, 150);
	mk_fill(&f, 100, 10.0);
	ck_assert_int_eq(order_apply_fill(&o, &f, &cause), 0);
	ck_assert_int_eq(o.state, ORDER_PARTIAL);
	ck_assert(o.filled == 100 && o.avg_price == 10.0 && o.updated == 2.0);
	mk_fill(&f, 50, 10.3);
	ck_assert_int_eq(order_apply_fill(&o, &f, &cause), 0);
	ck_assert_int_eq(o.state, ORDER_FILLED);
	ck_assert(o.filled == 150);
	/* (100 x 10 + 50 x 10.3) / 150 = 1515 / 150 = 10.1 */
	ck_assert_double_eq_tol(o.avg_price, 10.1, 1e-12);

	/* A fill straight from pending fills the order. */
	mk_order(&o, ORDER_PENDING, 3);
	mk_fill(&f, 3, 7.25);
	ck_assert_int_eq(order_apply_fill(&o, &f, &cause), 0);
	ck_assert_int_eq(o.state, ORDER_FILLED);

	/* Thirds that sum to a little less than 1 in binary still fill. */
	mk_order(&o, ORDER_ACCEPTED, 0.3);
	mk_fill(&f, 0.1, 1);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(o.state, ORDER_PARTIAL);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(o.state, ORDER_FILLED);
	ck_assert(o.filled == 0.3);

	/* A fill racing a cancel: partial then filled from cancel_pending. */
	mk_order(&o, ORDER_CANCEL_PENDING, 10);
	mk_fill(&f, 4, 5);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(o.state, ORDER_PARTIAL);
	mk_order(&o, ORDER_CANCEL_PENDING, 10);
	mk_fill(&f, 10, 5);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(o.state, ORDER_FILLED);
}
END_TEST

/* Expects order_apply_fill to refuse f on o, leave o as it was, and say
 * something containing needle. */
static void fill_refused(struct order *o, const struct fill *f, const char *needle)
{
	struct order before = *o;
	char *cause = NULL;

	ck_assert_int_eq(order_apply_fill(o, f, &cause), -1);
	ck_assert(memcmp(o, &before, sizeof *o) == 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, needle) != NULL, "cause '%s' lacks '%s'", cause, needle);
	free(cause);
}

/* Overfills, fills of final or unsent orders, and fills of another order. */
START_TEST(test_bad_fills)
{
	struct order o;
	struct fill f;
	int st;

	mk_order(&o, ORDER_ACCEPTED, 100);
	mk_fill(&f, 101, 10);
	fill_refused(&o, &f, "overfill");
	mk_fill(&f, 60, 10);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	mk_fill(&f, 41, 10);
	fill_refused(&o, &f, "overfill");
	mk_fill(&f, 40, 10);
	ck_assert_int_eq(order_apply_fill(&o, &f, NULL), 0);
	ck_assert_int_eq(o.state, ORDER_FILLED);
	mk_fill(&f, 1, 10);
	fill_refused(&o, &f, "final");

	for (st = 0; st < ORDER_NSTATES; st++) {
		if (!order_state_final(st))
			continue;
		mk_order(&o, st, 100);
		mk_fill(&f, 1, 10);
		fill_refused(&o, &f, "final");
	}
	mk_order(&o, ORDER_NEW, 100);
	mk_fill(&f, 1, 10);
	fill_refused(&o, &f, "not allowed");

	mk_order(&o, ORDER_ACCEPTED, 100);
	mk_fill(&f, 1, 10);
	snprintf(f.client_id, sizeof f.client_id, "QDTEST-2");
	fill_refused(&o, &f, "another order");
	mk_fill(&f, 1, 10);
	f.side = -1;
	fill_refused(&o, &f, "side");
	mk_fill(&f, 1, 10);
	snprintf(f.symbol, sizeof f.symbol, "QQQ");
	fill_refused(&o, &f, "symbol");
	mk_fill(&f, NAN, 10);
	fill_refused(&o, &f, "quantity");
	mk_fill(&f, 0, 10);
	fill_refused(&o, &f, "quantity");
	mk_fill(&f, -5, 10);
	fill_refused(&o, &f, "quantity");
	mk_fill(&f, 1, NAN);
	fill_refused(&o, &f, "price");
	mk_fill(&f, 1, 0);
	fill_refused(&o, &f, "price");
	mk_fill(&f, 1, 10);
	f.multiplier = 100;
	fill_refused(&o, &f, "multiplier");
}
END_TEST

/* Orders strings for qsort. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Asserts that the n IDs in v are all different (sorting a copy). */
static void assert_unique(char **v, size_t n)
{
	size_t i;

	qsort(v, n, sizeof *v, cmp_str);
	for (i = 1; i < n; i++)
		ck_assert_msg(strcmp(v[i - 1], v[i]) != 0, "duplicate ID %s", v[i]);
}

#define NSESSIONS 10
#define PER_SESSION 10000

/*
 * 10 sessions started at the very same wall time in one process (a restart
 * within the same microsecond) and 10 at different microseconds of the
 * same second: 1e5 IDs each way, all different, well formed, and a later
 * session's prefix sorts after an earlier one's.
 */
START_TEST(test_ids_same_second)
{
	char **v = xcalloc(NSESSIONS * PER_SESSION, sizeof *v);
	char prev[24] = "";
	int s, i, way;
	size_t n;

	for (way = 0; way < 2; way++) {
		n = 0;
		for (s = 0; s < NSESSIONS; s++) {
			struct order_ids ids;
			double t = way == 0 ? 1700000000.0 : 1700000000.0 + 1e-6 * (s * 37 + 1);

			order_ids_init(&ids, t);
			ck_assert_msg(strcmp(ids.prefix, prev) > 0, "%s after %s", ids.prefix, prev);
			snprintf(prev, sizeof prev, "%s", ids.prefix);
			for (i = 0; i < PER_SESSION; i++) {
				char id[ORDER_ID_MAX];

				order_ids_next(&ids, id);
				ck_assert(strncmp(id, "QD", 2) == 0);
				ck_assert(strlen(id) < ORDER_ID_MAX);
				v[n++] = xstrdup(id);
			}
		}
		ck_assert_uint_eq(n, NSESSIONS * PER_SESSION);
		assert_unique(v, n);
		for (i = 0; i < (int)n; i++)
			free(v[i]);
	}
	free(v);
}
END_TEST

/*
 * Restarts as separate processes: 10 forked children, each a fresh OMS
 * start at a different microsecond of the same second (what a real restart
 * gives), write their first 1e4 IDs; the 1e5 IDs are all different.
 */
START_TEST(test_ids_restarts)
{
	char path[] = "/tmp/qdesk-ids-XXXXXX";
	char **v, line[ORDER_ID_MAX + 2];
	int fd = mkstemp(path), s, status;
	size_t n = 0;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	for (s = 0; s < NSESSIONS; s++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct order_ids ids;
			FILE *out = fopen(path, "a");
			int i;

			if (out == NULL)
				_exit(1);
			order_ids_init(&ids, 1700000000.5 + 1e-6 * s);
			for (i = 0; i < PER_SESSION; i++) {
				char id[ORDER_ID_MAX];

				order_ids_next(&ids, id);
				fprintf(out, "%s\n", id);
			}
			_exit(fclose(out) == 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	v = xcalloc(NSESSIONS * PER_SESSION, sizeof *v);
	f = fdopen(fd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL && n < NSESSIONS * PER_SESSION) {
		line[strcspn(line, "\n")] = '\0';
		v[n++] = xstrdup(line);
	}
	fclose(f);
	unlink(path);
	ck_assert_uint_eq(n, NSESSIONS * PER_SESSION);
	assert_unique(v, n);
	while (n > 0)
		free(v[--n]);
	free(v);
}
END_TEST

/* Asserts order_limit_price gives want (to 1e-12) for the inputs. */
static void limit_is(int side, double bid, double ask, double f, double tick, double want)
{
	double p = NAN;

	ck_assert_int_eq(order_limit_price(side, bid, ask, f, tick, &p), 0);
	ck_assert_msg(fabs(p - want) < 1e-12, "side %d %g/%g f %g tick %g: %.15g, want %.15g",
	    side, bid, ask, f, tick, p, want);
}

/*
 * The limit rule on examples worked by hand: bid + 0.3 x spread for a buy,
 * ask - 0.3 x spread for a sell, buys rounded down to the tick, sells up.
 */
START_TEST(test_limit_rule)
{
	double p;

	/* 100.00/100.10: 100.00 + 0.03 = 100.03; 100.10 - 0.03 = 100.07 (on the
	 * tick already: must not move, though 100.03 / 0.01 = 10002.999...). */
	limit_is(1, 100.00, 100.10, 0.3, 0.01, 100.03);
	limit_is(-1, 100.00, 100.10, 0.3, 0.01, 100.07);
	/* 10.00/10.05: 10.015 -> 10.01 down; 10.035 -> 10.04 up. */
	limit_is(1, 10.00, 10.05, 0.3, 0.01, 10.01);
	limit_is(-1, 10.00, 10.05, 0.3, 0.01, 10.04);
	/* Option 1.20/1.30, tick 0.05: 1.23 -> 1.20; 1.27 -> 1.30. */
	limit_is(1, 1.20, 1.30, 0.3, 0.05, 1.20);
	limit_is(-1, 1.20, 1.30, 0.3, 0.05, 1.30);
	/* Future 4500.00/4500.75, tick 0.25: 4500.225 -> 4500.00; 4500.525 -> 4500.75. */
	limit_is(1, 4500.00, 4500.75, 0.3, 0.25, 4500.00);
	limit_is(-1, 4500.00, 4500.75, 0.3, 0.25, 4500.75);
	/* 25.00/26.00 with f = 0.5: both at the mid 25.50. */
	limit_is(1, 25.00, 26.00, 0.5, 0.01, 25.50);
	limit_is(-1, 25.00, 26.00, 0.5, 0.01, 25.50);
	/* f = 0: passive (the bid, the ask); f = 1: cross (the ask, the bid). */
	limit_is(1, 49.98, 50.02, 0, 0.01, 49.98);
	limit_is(-1, 49.98, 50.02, 0, 0.01, 50.02);
	limit_is(1, 49.98, 50.02, 1, 0.01, 50.02);
	limit_is(-1, 49.98, 50.02, 1, 0.01, 49.98);
	/* Locked market. */
	limit_is(1, 50, 50, 0.3, 0.01, 50);
	/* 0.37/0.45 (a cheap option): 0.394 -> 0.39; 0.426 -> 0.43. */
	limit_is(1, 0.37, 0.45, 0.3, 0.01, 0.39);
	limit_is(-1, 0.37, 0.45, 0.3, 0.01, 0.43);
	/* Prices on a tick are the nearest doubles to the decimal. */
	ck_assert_int_eq(order_limit_price(1, 100.00, 100.10, 0.3, 0.01, &p), 0);
	ck_assert(p == 100.03);

	/* No valid quote or rule: -1. */
	ck_assert_int_eq(order_limit_price(1, NAN, 10, 0.3, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 10, INFINITY, 0.3, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 10.05, 10.00, 0.3, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 0, 10, 0.3, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 10, 10.1, -0.1, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 10, 10.1, 1.5, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 10, 10.1, 0.3, 0, &p), -1);
	ck_assert_int_eq(order_limit_price(0, 10, 10.1, 0.3, 0.01, &p), -1);
	ck_assert_int_eq(order_limit_price(1, 0.001, 0.002, 0.3, 0.01, &p), -1);
}
END_TEST

/* An order of signal sig for the legs tests. */
static struct order leg_order(unsigned long sig, const char *cid, const char *sym, int side,
    double qty, double filled, int state)
{
	struct order o;

	memset(&o, 0, sizeof o);
	o.signal_id = sig;
	snprintf(o.strategy, sizeof o.strategy, "meanrev");
	snprintf(o.client_id, sizeof o.client_id, "%s", cid);
	snprintf(o.symbol, sizeof o.symbol, "%s", sym);
	o.side = side;
	o.qty = qty;
	o.filled = filled;
	o.state = state;
	return o;
}

/* The legs of a signal followed to their end (order-legs.c). */
START_TEST(test_legs)
{
	struct order_legs s;
	struct order o[3];
	char msg[512];

	memset(&s, 0, sizeof s);
	/* one leg filled, the other cancelled unfilled: an unhedged leg */
	o[0] = leg_order(12, "QD1-1", "PR3B", 1, 600, 0, ORDER_ACCEPTED);
	o[1] = leg_order(12, "QD1-2", "PR3A", -1, 300, 0, ORDER_ACCEPTED);
	ck_assert_int_eq(order_legs_add(&s, o, 2, msg, sizeof msg), 0);
	ck_assert_uint_eq(order_legs_count(&s), 1);
	o[0].filled = 600;
	o[0].state = ORDER_FILLED;
	ck_assert_int_eq(order_legs_update(&s, &o[0], msg, sizeof msg), 0);   /* B works */
	o[1].state = ORDER_CANCELLED;
	ck_assert_int_eq(order_legs_update(&s, &o[1], msg, sizeof msg), 1);
	ck_assert_msg(strstr(msg, "signal 12 (meanrev)") != NULL &&
	    strstr(msg, "PR3B buy 600 of 600") != NULL && strstr(msg, "PR3A sell 0 of 300") != NULL,
	    "%s", msg);
	ck_assert_uint_eq(order_legs_count(&s), 0);
	/* the same proportion (half of each) is not legging */
	o[0] = leg_order(13, "QD1-3", "PR3B", 1, 600, 300, ORDER_CANCELLED);
	o[1] = leg_order(13, "QD1-4", "PR3A", -1, 300, 0, ORDER_PARTIAL);
	o[2] = leg_order(14, "QD1-5", "X", 1, 10, 0, ORDER_ACCEPTED);
	ck_assert_int_eq(order_legs_add(&s, o, 2, msg, sizeof msg), 0);
	o[1].filled = 150;
	o[1].state = ORDER_EXPIRED;
	ck_assert_int_eq(order_legs_update(&s, &o[1], msg, sizeof msg), 0);
	ck_assert_uint_eq(order_legs_count(&s), 0);
	/* one leg, a manual order (signal 0) and an unknown order: not followed */
	ck_assert_int_eq(order_legs_add(&s, &o[2], 1, msg, sizeof msg), 0);
	o[0].signal_id = 0;
	o[1].signal_id = 0;
	ck_assert_int_eq(order_legs_add(&s, o, 2, msg, sizeof msg), 0);
	ck_assert_uint_eq(order_legs_count(&s), 0);
	ck_assert_int_eq(order_legs_update(&s, &o[2], msg, sizeof msg), 0);
	/* every leg final when followed (the second leg refused at once, the
	 * first already filled): said at once */
	o[0] = leg_order(15, "QD1-6", "SIMC  240119C00046000", -1, 36, 36, ORDER_FILLED);
	o[1] = leg_order(15, "", "SIMC  240315C00046000", 1, 18, 0, ORDER_REJECTED);
	ck_assert_int_eq(order_legs_add(&s, o, 2, msg, sizeof msg), 1);
	ck_assert_msg(strstr(msg, "sell 36 of 36") != NULL && strstr(msg, "buy 0 of 18") != NULL,
	    "%s", msg);
	ck_assert_uint_eq(order_legs_count(&s), 0);
	order_legs_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_every_pair);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_fills);
	tcase_add_test(tc, test_bad_fills);
	tcase_add_test(tc, test_ids_same_second);
	tcase_add_test(tc, test_ids_restarts);
	tcase_add_test(tc, test_limit_rule);
	tcase_add_test(tc, test_legs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
