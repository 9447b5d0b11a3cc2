/*
 * bench-store.c -- how fast option quotes go into the store.
 *
 * Why it exists: a full US option chain snapshot is tens of thousands of
 * quotes, so the store must swallow them far faster than feeds deliver
 * them (goals: >= 100k option quotes/s into SQLite, >= 200k/s into
 * PostgreSQL with COPY).  It inserts 1,000,000 option quotes, in batches
 * of 10,000 (one store_put_option_quotes call, one transaction each),
 * into a fresh SQLite file and into PostgreSQL: the server named by
 * QDESK_TEST_PG_DSN (in a new database, dropped afterwards), else a
 * throwaway server started with tests/pgharness.sh with fsync on
 * (PGHARNESS_DURABLE=1).  Rows are realistic: prices in cents, vols and
 * Greeks at full precision, a few unknown fields.  The count is checked
 * after each run.  Each backend is timed in several rounds (each into a
 * fresh file or database) and the best is reported with the spread, since
 * other work on the machine slows single runs by up to 2x.  Run by `make
 * bench`, never by `make check`; each line reads
 * `bench <name> <ns> ns/op  <rows/s and conditions>`.
 *
 * Usage: bench-store [ROUNDS [sqlite|postgresql]]  (3 rounds, both, by
 * default).
 */
#include "config.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

#define BENCH_ROWS 1000000
#define BENCH_BATCH 10000
#define BENCH_CHAIN 200         /* options per snapshot: 10 expiries x 10 strikes x C/P */

/* One round's figures. */
struct round {
	double wall;                    /* seconds */
	double cpu;                     /* this process, seconds */
	double server;                  /* the backends, seconds; -1 unknown */
};

/* The rounds of one backend so far, and how many to run. */
struct rounds {
	struct round best;              /* the fastest (wall) */
	double worst;                   /* the slowest wall time */
	int n, want;
};

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Returns this process's CPU time (user + system) in seconds. */
static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	    (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Returns the CPU seconds of the local PostgreSQL backends serving
 * database db (found by their process titles in /proc), or -1 when
 * there are none to see (a remote server). */
static double backend_cpu(const char *db)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	double total = -1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[1024];
		unsigned long ut, st;
		size_t k;
		FILE *f;
		char *p;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[k] = '\0';
		if (strncmp(buf, "postgres: ", 10) != 0 || strstr(buf, db) == NULL)
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[k] = '\0';
		/* Fields 14 and 15 (utime, stime) follow the ")" of field 2. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
			continue;
		total = (total < 0 ? 0 : total) + (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	closedir(d);
	return total;
}

/* Fills rows with snapshots of 200-option chains, one per second, cycling
 * through five underlyings. */
static void make_rows(struct option_quote *oq, size_t n)
{
	static const char *const und[] = { "SPY", "QQQ", "IWM", "GLD", "TLT" };
	static const int expiries[] = { 20240119, 20240216, 20240315, 20240419, 20240517,
		20240621, 20240920, 20241220, 20250117, 20250620 };
	unsigned long long r = 0x2545f4914f6cdd1dULL;
	size_t i;

	for (i = 0; i < n; i++) {
		struct option_quote *o = &oq[i];
		size_t snap = i / BENCH_CHAIN, j = i % BENCH_CHAIN;
		const char *u = und[snap % 5];
		int exp = expiries[j / 20];
		double strike = 100 + (double)(j % 10) * 5, u01, mid;
		char right = (j / 10) % 2 ? 'P' : 'C';

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		u01 = (double)(r >> 11) / 9007199254740992.0;
		memset(o, 0, sizeof *o);
		o->opt.kind = INSTR_OPTION;
		snprintf(o->opt.underlying, sizeof o->opt.underlying, "%s", u);
		snprintf(o->opt.symbol, sizeof o->opt.symbol, "%-6s%06d%c%08d", u, exp % 1000000, right,
		    (int)(strike * 1000));
		o->opt.expiry = exp;
		o->opt.strike = strike;
		o->opt.right = right == 'C' ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
		o->opt.multiplier = 100;
		o->q.exch_time = 1704205800.0 + (double)snap + 0.000123;
		o->q.recv_time = o->q.exch_time + 0.0021;
		mid = 0.05 + floor(u01 * 2000) / 100;
		o->q.bid = mid - 0.05;
		o->q.ask = mid + 0.05;
		o->q.last = j % 7 == 0 ? NAN : mid;
		o->q.bid_size = (double)(1 + r % 500);
		o->q.ask_size = (double)(1 + (r >> 9) % 500);
		o->q.volume = (double)((r >> 20) % 10000);
		o->implied_vol = 0.12 + 0.3 * u01;
		o->delta = right == 'C' ? u01 : u01 - 1;
		o->gamma = 0.05 * u01 * (1 - u01);
		o->vega = 0.4 * u01;
		o->theta = -0.03 * u01;
		o->open_interest = j % 11 == 0 ? NAN : (double)((r >> 30) % 50000);
	}
}

/* Inserts all rows in batches and records the round in r; 0 or -1. */
static int bench_insert(struct store *s, const char *name, const char *db,
    const struct option_quote *oq, size_t n, struct rounds *r)
{
	double s0 = db != NULL ? backend_cpu(db) : -1, s1;
	char *cause = NULL;
	double t0, c0, dt, dc;
	long long got;
	size_t i;

	t0 = now();
	c0 = cpu();
	for (i = 0; i < n; i += BENCH_BATCH) {
		size_t k = n - i < BENCH_BATCH ? n - i : BENCH_BATCH;

		if (store_put_option_quotes(s, oq + i, k, &cause) != 0) {
			fprintf(stderr, "bench-store: %s\n", cause);
			free(cause);
			return -1;
		}
	}
	dt = now() - t0;
	dc = cpu() - c0;
	s1 = s0 >= 0 ? backend_cpu(db) : -1;
	if ((got = store_count(s, "option_quotes", &cause)) != (long long)n) {
		fprintf(stderr, "bench-store: %s: stored %lld rows, expected %zu %s\n", name, got, n,
		    cause ? cause : "");
		free(cause);
		return -1;
	}
	if (r->n == 0 || dt < r->best.wall) {
		r->best.wall = dt;
		r->best.cpu = dc;
		r->best.server = s1 >= 0 ? s1 - s0 : -1;
	}
	if (r->n == 0 || dt > r->worst)
		r->worst = dt;
	r->n++;
	return 0;
}

/* Prints the best round of a backend with the spread of all rounds. */
static void bench_print(const char *name, const char *note, const struct rounds *r, size_t n)
{
	char server[96] = "";

	if (r->best.server >= 0)
		snprintf(server, sizeof server, ", server backend CPU %.0f ns/row",
		    1e9 * r->best.server / (double)n);
	printf("bench %s %.1f ns/op  %.0f rows/s, best of %d rounds (slowest %.0f rows/s;"
	    " %zu option quotes, batches of %d; %s; qdesk process CPU %.0f ns/row%s)\n", name,
	    1e9 * r->best.wall / (double)n, (double)n / r->best.wall, r->n, (double)n / r->worst,
	    n, BENCH_BATCH, note, 1e9 * r->best.cpu / (double)n, server);
	fflush(stdout);
}

/* SQLite: a fresh file in $TMPDIR, one round. */
static int bench_sqlite_round(const struct option_quote *oq, size_t n, struct rounds *r)
{
	char path[256], *cause = NULL, *p;
	struct store *s;
	int rc;

	snprintf(path, sizeof path, "%s/qdesk-bench-%d.db",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if ((s = store_open_sqlite(path, &cause)) == NULL ||
	    store_migrate(s, -1, NULL, &cause) != 0) {
		fprintf(stderr, "bench-store: %s\n", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	rc = bench_insert(s, "store-sqlite-put-option-quotes", NULL, oq, n, r);
	store_close(s);
	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
	return rc;
}

/* SQLite: every round, then the line. */
static int bench_sqlite(const struct option_quote *oq, size_t n, int rounds)
{
	struct rounds r = { .want = rounds };

	while (r.n < r.want) {
		if (bench_sqlite_round(oq, n, &r) != 0)
			return -1;
	}
	bench_print("store-sqlite-put-option-quotes", "WAL, synchronous=NORMAL", &r, n);
	return 0;
}

/* Runs SQL through libpq; 0 or -1. */
static int pg_sql(const char *dsn, const char *sql)
{
	PGconn *c = PQconnectdb(dsn);
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench-store: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "bench-store: %s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* PostgreSQL: one round into a new database on the given server. */
static int bench_pg_round(const char *admin, const struct option_quote *oq, size_t n,
    struct rounds *r)
{
	char db[64], sql[128], *cause = NULL, *dsn;
	struct store *s;
	int rc;

	snprintf(db, sizeof db, "qdesk_bench_%d", (int)getpid());
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	if (pg_sql(admin, sql) != 0)
		return -1;
	/* A later dbname keyword overrides the first. */
	dsn = strstr(admin, "://") != NULL ? NULL : xasprintf("%s dbname=%s", admin, db);
	if (dsn == NULL) {
		fprintf(stderr, "bench-store: give QDESK_TEST_PG_DSN as key=value pairs\n");
		return -1;
	}
	if ((s = store_open_pg(dsn, &cause)) == NULL || store_migrate(s, -1, NULL, &cause) != 0) {
		fprintf(stderr, "bench-store: %s\n", cause);
		free(cause);
		store_close(s);
		rc = -1;
	} else {
		rc = bench_insert(s, "store-pg-put-option-quotes", db, oq, n, r);
		store_close(s);
	}
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
	pg_sql(admin, sql);
	free(dsn);
	return rc;
}

/* PostgreSQL: every round, then the line. */
static int bench_pg(const char *admin, const char *note, const struct option_quote *oq,
    size_t n, int rounds)
{
	struct rounds r = { .want = rounds };

	while (r.n < r.want) {
		if (bench_pg_round(admin, oq, n, &r) != 0)
			return -1;
	}
	bench_print("store-pg-put-option-quotes", note, &r, n);
	return 0;
}

/* Starts a throwaway server with pgharness.sh and runs the bench on it. */
static int bench_pg_harness(const struct option_quote *oq, size_t n, int rounds)
{
	char dir[256], *cmd, dsn[512];
	FILE *f;
	int rc;

	snprintf(dir, sizeof dir, "%s/qdesk-bench-pg.%d", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp", (int)getpid());
	cmd = xasprintf("PGHARNESS_DURABLE=1 sh '%s/tests/pgharness.sh' start '%s' >/dev/null",
	    SRCDIR, dir);
	rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		printf("bench store-pg-put-option-quotes skipped: no PostgreSQL server "
		    "(set QDESK_TEST_PG_DSN or install postgresql)\n");
		cmd = xasprintf("sh '%s/tests/pgharness.sh' stop '%s'", SRCDIR, dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench-store: could not remove %s\n", dir);
		free(cmd);
		return 0;
	}
	cmd = xasprintf("%s/dsn", dir);
	f = fopen(cmd, "r");
	free(cmd);
	if (f == NULL || fgets(dsn, sizeof dsn, f) == NULL) {
		fprintf(stderr, "bench-store: no DSN from pgharness.sh\n");
		rc = -1;
	} else {
		dsn[strcspn(dsn, "\n")] = '\0';
		rc = bench_pg(dsn, "COPY, throwaway local server, fsync on", oq, n, rounds);
	}
	if (f != NULL)
		fclose(f);
	cmd = xasprintf("sh '%s/tests/pgharness.sh' stop '%s'", SRCDIR, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-store: could not stop the server in %s\n", dir);
	free(cmd);
	return rc;
}

/* Times SQLite, then PostgreSQL (the given server or a throwaway one). */
int main(int argc, char **argv)
{
	struct option_quote *oq;
	const char *dsn = getenv("QDESK_TEST_PG_DSN"), *only = argc > 2 ? argv[2] : NULL;
	int rc = 0, rounds = argc > 1 ? atoi(argv[1]) : 3;

	if (rounds < 1 || rounds > 100 || (only != NULL && strcmp(only, "sqlite") != 0 &&
	    strcmp(only, "postgresql") != 0)) {
		fprintf(stderr, "usage: bench-store [ROUNDS (1-100) [sqlite|postgresql]]\n");
		return 2;
	}
	oq = xcalloc(BENCH_ROWS, sizeof *oq);
	make_rows(oq, BENCH_ROWS);
	if ((only == NULL || strcmp(only, "sqlite") == 0) && bench_sqlite(oq, BENCH_ROWS,
	    rounds) != 0)
		rc = 1;
	if (only == NULL || strcmp(only, "postgresql") == 0) {
		if (dsn != NULL && *dsn != '\0') {
			if (bench_pg(dsn, "COPY, server from QDESK_TEST_PG_DSN", oq, BENCH_ROWS,
			    rounds) != 0)
				rc = 1;
		} else if (bench_pg_harness(oq, BENCH_ROWS, rounds) != 0)
			rc = 1;
	}
	free(oq);
	return rc;
}
