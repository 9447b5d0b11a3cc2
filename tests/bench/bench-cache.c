/*
 * bench-cache.c -- timings of the parameter cache (src/cache.c): put and
 * get in process, and against a real redis-server on loopback that the
 * bench starts on a free port (skipped, with a line saying so, when
 * redis-server is not installed).
 *
 * Why it exists: calibration workers put parameters and strategies read
 * them on every signal evaluation; the cost of a get decides whether a
 * strategy may read the cache per tick or must keep its own copy.  Run by
 * `make bench`, never by `make check`; it asserts nothing.  Each line
 * reads `bench <name> <ns> ns/op  <note>`.  Correctness is established by
 * tests/check_cache.c and tests/redis.test.
 */
#include "config.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "util.h"

#define PARAMS "{\"v0\":0.0412,\"kappa\":1.52,\"theta\":0.0398,\"xi\":0.51,\"rho\":-0.71," \
	"\"rmse_bp\":12.4,\"n\":180,\"time\":\"2024-01-02T21:00:00Z\"}"

static struct cache *bench_c;

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One put of the sample parameters under underlying number i % 100. */
static int op_put(long i)
{
	char und[16], *cause = NULL;
	int rc;

	snprintf(und, sizeof und, "U%ld", i % 100);
	rc = cache_put_params(bench_c, "heston", und, PARAMS, 3600, &cause);
	free(cause);
	return rc;
}

/* One get of underlying number i % 100. */
static int op_get(long i)
{
	char und[16], *cause = NULL, *json = NULL;
	int rc;

	snprintf(und, sizeof und, "U%ld", i % 100);
	rc = cache_get_params(bench_c, "heston", und, &json, NULL, &cause) == 1 ? 0 : -1;
	free(json);
	free(cause);
	return rc;
}

/* Times op for about 0.3 s and prints the line. */
static void bench(const char *name, int (*op)(long), const char *note)
{
	long reps = 1, i, errors = 0;
	double t0, dt;

	for (;;) {
		t0 = now();
		for (i = 0; i < reps; i++)
			errors += op(i) != 0;
		dt = now() - t0;
		if (dt > 0.3 || reps > (1L << 26))
			break;
		reps = dt > 0.01 ? (long)(reps * 0.35 / dt) + 1 : reps * 10;
	}
	printf("bench %s %.1f ns/op  %s%s\n", name, 1e9 * dt / (double)reps, note,
	    errors ? " (ERRORS: figures invalid)" : "");
}

/* Returns a TCP port free on 127.0.0.1, or 0. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Times the in-process cache, then Redis on a server of its own. */
int main(void)
{
	char url[64], portstr[16], dir[] = "/tmp/qdesk-bench-redis-XXXXXX", *cause = NULL;
	struct cache_status st;
	double until;
	pid_t pid;
	int port;

	log_set_stderr(0);
	bench_c = cache_open(NULL, NULL, 1, &cause);
	bench("cache_put_inprocess", op_put, "100 keys, 140-byte JSON (validated on put)");
	bench("cache_get_inprocess", op_get, "100 keys");
	cache_close(bench_c);

	if ((port = free_port()) == 0 || mkdtemp(dir) == NULL) {
		printf("bench cache_redis skipped: no free port or temporary directory\n");
		return 0;
	}
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("redis-server", "redis-server", "--port", portstr, "--bind", "127.0.0.1",
		    "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", "/dev/null",
		    (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
	bench_c = cache_open(url, NULL, 1, &cause);
	for (until = now() + 20; now() < until; usleep(50000)) {
		cache_status(bench_c, 1, &st);
		if (strcmp(st.state, "connected") == 0 || waitpid(pid, NULL, WNOHANG) == pid)
			break;
	}
	if (strcmp(st.state, "connected") != 0)
		printf("bench cache_redis skipped: redis-server did not start (%s)\n", st.error);
	else {
		bench("cache_put_redis", op_put, "loopback redis-server, SET EX, 100 keys");
		bench("cache_get_redis", op_get, "loopback redis-server, GET+PTTL pipelined");
	}
	cache_close(bench_c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	rmdir(dir);
	return 0;
}
