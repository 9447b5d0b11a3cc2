/*
 * check_cache.c -- the parameter cache, in process and against a real
 * redis-server that this test starts on 127.0.0.1 with a free port in a
 * temporary directory, kills, restarts and finally stops.
 *
 * Independent references: what the cache wrote is read back with raw
 * hiredis commands (GET, PTTL, SELECT), and values written behind the
 * cache's back are what it must refuse.  The tests run in one process
 * (CK_NOFORK) because they share the server and its restarts; the server
 * dies with the test (PR_SET_PDEATHSIG) even if the test crashes.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cache.h"
#include "conf.h"
#include "log.h"
#include "util.h"

static pid_t redis_pid;
static int redis_port;
static char redis_dir[64];

/* --- the server ------------------------------------------------------------ */

/* Returns a TCP port that is free on 127.0.0.1 right now. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("check_cache: free port");
		exit(1);
	}
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Opens a raw hiredis connection to the test server (db 0), or NULL. */
static redisContext *raw_connect(void)
{
	struct timeval tv = { 1, 0 };
	redisContext *r = redisConnectWithTimeout("127.0.0.1", redis_port, tv);

	if (r != NULL && r->err) {
		redisFree(r);
		return NULL;
	}
	return r;
}

/* Starts redis-server on redis_port and waits until it answers PING. */
static int redis_start(void)
{
	char port[16], log[128];
	double until = now_monotonic() + 30;
	int status;

	snprintf(port, sizeof port, "%d", redis_port);
	snprintf(log, sizeof log, "%s/redis.log", redis_dir);
	if ((redis_pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
		    "--dir", redis_dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
		    "--logfile", log, (char *)NULL);
		_exit(127);
	}
	while (now_monotonic() < until) {
		redisContext *r = raw_connect();

		if (r != NULL) {
			redisReply *rep = redisCommand(r, "PING");
			int ok = rep != NULL && rep->type == REDIS_REPLY_STATUS;

			freeReplyObject(rep);
			redisFree(r);
			if (ok)
				return 0;
		}
		if (waitpid(redis_pid, &status, WNOHANG) == redis_pid) {
			fprintf(stderr, "check_cache: redis-server exited with status %d; the test "
			    "needs the redis-server binary (Debian package redis-server)\n",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			redis_pid = 0;
			return -1;
		}
		usleep(50000);
	}
	fprintf(stderr, "check_cache: redis-server did not answer within 30 s\n");
	return -1;
}

/* Kills the server at once (an outage, not a shutdown). */
static void redis_kill(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	redis_pid = 0;
}

/* Returns "redis://127.0.0.1:PORT/DB" (static storage). */
static const char *redis_url(int db)
{
	static char u[64];

	snprintf(u, sizeof u, "redis://127.0.0.1:%d/%d", redis_port, db);
	return u;
}

/* Runs a raw command on db and returns the reply (free it). */
static redisReply *raw(int db, const char *fmt, const char *a1, const char *a2)
{
	redisContext *r = raw_connect();
	redisReply *rep;

	ck_assert_ptr_nonnull(r);
	if (db != 0)
		freeReplyObject(redisCommand(r, "SELECT %d", db));
	rep = redisCommand(r, fmt, a1, a2);
	ck_assert_ptr_nonnull(rep);
	redisFree(r);
	return rep;
}

/* --- helpers ------------------------------------------------------------------ */

/* Asserts that s contains needle. */
static void has(const char *s, const char *needle)
{
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(strstr(s, needle) != NULL, "'%s' lacks '%s'", s, needle);
}

/* Opens a cache or fails. */
static struct cache *open_ok(const char *url, const char *pw)
{
	char *cause = NULL;
	struct cache *c = cache_open(url, pw, 1.0, &cause);

	ck_assert_msg(c != NULL, "%s", cause);
	return c;
}

/* Expects cache_open to refuse url with a message containing needle. */
static void open_bad(const char *url, const char *needle)
{
	char *cause = NULL;

	ck_assert_ptr_null(cache_open(url, NULL, 1.0, &cause));
	has(cause, needle);
	free(cause);
}

/* Puts or fails. */
static void put_ok(struct cache *c, const char *m, const char *u, const char *json, long ttl)
{
	char *cause = NULL;

	ck_assert_msg(cache_put_params(c, m, u, json, ttl, &cause) == 0, "%s", cause);
}

/* Gets and expects json (or absence when json is NULL). */
static void get_is(struct cache *c, const char *m, const char *u, const char *json)
{
	char *cause = NULL, *got = NULL;
	double ttl;
	int rc = cache_get_params(c, m, u, &got, &ttl, &cause);

	ck_assert_msg(rc >= 0, "%s", cause);
	if (json == NULL)
		ck_assert_int_eq(rc, 0);
	else {
		ck_assert_int_eq(rc, 1);
		ck_assert_str_eq(got, json);
	}
	free(got);
}

/* --- tests -------------------------------------------------------------------- */

/* Without Redis everything works in process: put, get, TTL, validation. */
START_TEST(test_in_process)
{
	struct cache *c = open_ok(NULL, NULL);
	struct cache_status st;
	char *cause = NULL, *got = NULL, *big;
	double ttl = 0;

	put_ok(c, "heston", "SPY", "{\"v0\":0.04,\"kappa\":1.5}", 60);
	ck_assert_int_eq(cache_get_params(c, "heston", "SPY", &got, &ttl, &cause), 1);
	ck_assert_str_eq(got, "{\"v0\":0.04,\"kappa\":1.5}");
	ck_assert(ttl > 59 && ttl <= 60);
	free(got);
	put_ok(c, "heston", "SPY", "{\"v0\":0.05}", 60);        /* replaces */
	get_is(c, "heston", "SPY", "{\"v0\":0.05}");
	put_ok(c, "ou", "GLD/GDX", "[1,2,3]", 60);
	get_is(c, "ou", "GLD/GDX", "[1,2,3]");
	get_is(c, "heston", "QQQ", NULL);
	get_is(c, "sabr", "SPY", NULL);
	cache_status(c, 1, &st);
	ck_assert_str_eq(st.state, "in-process");
	ck_assert_str_eq(st.where, "in-process");
	ck_assert_uint_eq(st.entries, 2);
	/* Bad input is refused with a reason, and nothing stored changes. */
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", "{\"v0\":", 60, &cause), -1);
	has(cause, "cache: heston/SPY: the value is not valid JSON: JSON error at offset 6");
	free(cause);
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", "NaN", 60, &cause), -1);
	free(cause);
	get_is(c, "heston", "SPY", "{\"v0\":0.05}");
	ck_assert_int_eq(cache_put_params(c, "", "SPY", "1", 60, &cause), -1);
	has(cause, "model must be 1 to 64 characters");
	free(cause);
	ck_assert_int_eq(cache_put_params(c, "heston", "SP:Y", "1", 60, &cause), -1);
	has(cause, "underlying 'SP:Y' may hold only letters, digits and . _ / -");
	free(cause);
	ck_assert_int_eq(cache_get_params(c, "he ston", "SPY", &got, NULL, &cause), -1);
	free(cause);
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", "1", 0, &cause), -1);
	has(cause, "TTL must be at least 1 second");
	free(cause);
	big = xmalloc((1u << 20) + 8);
	memset(big, ' ', (1u << 20) + 4);
	memcpy(big, "[1]", 3);
	big[(1u << 20) + 4] = '\0';
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", big, 60, &cause), -1);
	has(cause, "exceeds");
	free(cause);
	free(big);
	/* Entries expire. */
	put_ok(c, "heston", "IWM", "{}", 1);
	get_is(c, "heston", "IWM", "{}");
	usleep(1200000);
	get_is(c, "heston", "IWM", NULL);
	cache_close(c);
}
END_TEST

/* Redis URLs: what is accepted, what is refused, and what status shows. */
START_TEST(test_urls)
{
	struct cache_status st;
	struct cache *c;
	char *cause = NULL;

	open_bad("redis://127.0.0.1:99999/0", "bad port");
	open_bad("redis://127.0.0.1:0/0", "bad port");
	ck_assert_ptr_null(cache_open("redis://:s3cr3tpw@127.0.0.1:6379/0", NULL, 1, &cause));
	has(cause, "credentials in the URL are refused; put the password in cache.redis_password");
	ck_assert_ptr_null(strstr(cause, "s3cr3tpw"));
	free(cause);
	open_bad("rediss://127.0.0.1:6379/0", "TLS to Redis is not supported");
	open_bad("http://127.0.0.1:6379/0", "is not a redis://HOST:PORT/DB URL");
	open_bad("redis://", "has no host");
	open_bad("redis://127.0.0.1:6379/x", "bad database number");
	open_bad("redis://127.0.0.1:6379/1/2", "bad database number");
	open_bad("redis://[::1:6379/0", "unterminated [IPv6] host");
	c = open_ok("redis://cache.example/3", NULL);
	cache_status(c, 0, &st);
	ck_assert_str_eq(st.where, "redis://cache.example:6379/3");
	ck_assert_str_eq(st.state, "down");
	ck_assert_str_eq(st.error, "not connected yet");
	cache_close(c);
	c = open_ok("redis://[::1]:7000", NULL);
	cache_status(c, 0, &st);
	ck_assert_str_eq(st.where, "redis://[::1]:7000/0");
	cache_close(c);
}
END_TEST

/* Two caches (as two processes would) share entries through Redis; the
 * raw server shows the key, the value and the TTL. */
START_TEST(test_redis_shared)
{
	struct cache *a = open_ok(redis_url(0), NULL), *b = open_ok(redis_url(0), NULL);
	const char *json = "{\"v0\":0.04,\"kappa\":1.5,\"theta\":0.04,\"xi\":0.5,\"rho\":-0.7}";
	struct cache_status st;
	redisReply *r;
	char *cause = NULL, *got = NULL;
	double ttl = 0;

	put_ok(a, "heston", "SPY", json, 120);
	ck_assert_int_eq(cache_get_params(b, "heston", "SPY", &got, &ttl, &cause), 1);
	ck_assert_str_eq(got, json);
	ck_assert(ttl > 119 && ttl <= 120);
	free(got);
	r = raw(0, "GET %s", "qdesk:params:heston:SPY", NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, json);
	freeReplyObject(r);
	r = raw(0, "PTTL %s", "qdesk:params:heston:SPY", NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
	ck_assert(r->integer > 0 && r->integer <= 120000);
	freeReplyObject(r);
	get_is(b, "heston", "QQQ", NULL);
	/* A value written behind the cache's back is refused, not handed out. */
	freeReplyObject(raw(0, "SET %s %s", "qdesk:params:heston:BAD", "not json"));
	ck_assert_int_eq(cache_get_params(b, "heston", "BAD", &got, NULL, &cause), -1);
	has(cause, "qdesk:params:heston:BAD holds a value that is not valid JSON: JSON error at "
	    "offset 0");
	free(cause);
	{
		redisContext *rc = raw_connect();

		freeReplyObject(redisCommand(rc, "SET %s %b", "qdesk:params:heston:NUL", "[1]\0x",
		    (size_t)5));
		redisFree(rc);
	}
	ck_assert_int_eq(cache_get_params(b, "heston", "NUL", &got, NULL, &cause), -1);
	has(cause, "not valid JSON: JSON error at offset 3");
	free(cause);
	cache_status(a, 1, &st);
	ck_assert_str_eq(st.state, "connected");
	ck_assert_str_eq(st.where, redis_url(0));
	ck_assert_str_eq(st.error, "");
	cache_close(a);
	cache_close(b);
}
END_TEST

/* The database number of the URL is selected. */
START_TEST(test_redis_db)
{
	struct cache *c = open_ok(redis_url(3), NULL);
	redisReply *r;

	put_ok(c, "sabr", "QQQ", "{\"alpha\":0.2}", 60);
	r = raw(0, "GET %s", "qdesk:params:sabr:QQQ", NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_NIL);
	freeReplyObject(r);
	r = raw(3, "GET %s", "qdesk:params:sabr:QQQ", NULL);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "{\"alpha\":0.2}");
	freeReplyObject(r);
	cache_close(c);
}
END_TEST

/* A password is sent with AUTH; wrong or missing ones give a reason that
 * does not contain the password. */
START_TEST(test_redis_auth)
{
	static const char pw[] = "pa55-w0rd-for-test";
	struct cache *c;
	redisContext *r;
	char *cause = NULL;

	freeReplyObject(raw(0, "CONFIG SET requirepass %s", pw, NULL));
	c = open_ok(redis_url(0), NULL);
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", "{}", 60, &cause), -1);
	has(cause, "NOAUTH");
	free(cause);
	cache_close(c);
	c = open_ok(redis_url(0), "not-the-password");
	ck_assert_int_eq(cache_put_params(c, "heston", "SPY", "{}", 60, &cause), -1);
	has(cause, "AUTH refused");
	ck_assert_ptr_null(strstr(cause, "not-the-password"));
	free(cause);
	cache_close(c);
	c = open_ok(redis_url(0), pw);
	put_ok(c, "heston", "AUTH", "{\"ok\":true}", 60);
	get_is(c, "heston", "AUTH", "{\"ok\":true}");
	cache_close(c);
	r = raw_connect();
	freeReplyObject(redisCommand(r, "AUTH %s", pw));
	freeReplyObject(redisCommand(r, "CONFIG SET requirepass %s", ""));
	redisFree(r);
}
END_TEST

/* An outage: calls fail with the server and the reason (falling back to
 * this process's own copies), and after a restart the next call
 * reconnects -- also on a connection that went stale. */
START_TEST(test_reconnect)
{
	struct cache *a = open_ok(redis_url(0), NULL), *b = open_ok(redis_url(0), NULL);
	struct cache_status st;
	char *cause = NULL, *got = NULL;

	put_ok(a, "heston", "SPY", "{\"v\":1}", 300);
	get_is(b, "heston", "SPY", "{\"v\":1}");        /* b now holds a connection */
	redis_kill();
	cache_status(a, 1, &st);
	ck_assert_str_eq(st.state, "down");
	has(st.error, "Connection refused");
	/* What a wrote comes back from a's own copy... */
	get_is(a, "heston", "SPY", "{\"v\":1}");
	/* ...what it never wrote is an error naming the server. */
	ck_assert_int_eq(cache_get_params(a, "heston", "QQQ", &got, NULL, &cause), -1);
	has(cause, redis_url(0));
	has(cause, "Connection refused");
	free(cause);
	ck_assert_int_eq(cache_put_params(a, "heston", "IWM", "{\"v\":2}", 300, &cause), -1);
	has(cause, "(kept in process)");
	free(cause);
	get_is(a, "heston", "IWM", "{\"v\":2}");
	/* The server comes back (empty: it keeps nothing on disk). */
	ck_assert_int_eq(redis_start(), 0);
	put_ok(a, "heston", "SPY", "{\"v\":3}", 300);
	cache_status(a, 0, &st);
	ck_assert_str_eq(st.state, "connected");
	/* b's connection died with the old server: its next call reconnects. */
	get_is(b, "heston", "SPY", "{\"v\":3}");
	cache_status(b, 0, &st);
	ck_assert_str_eq(st.state, "connected");
	cache_close(a);
	cache_close(b);
}
END_TEST

struct worker_arg {
	struct cache *c;
	int id, errors;
};

/* Puts and gets its own keys many times. */
static void *worker(void *p)
{
	struct worker_arg *w = p;
	char und[16], json[32], *got, *cause;
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(und, sizeof und, "U%d_%d", w->id, i % 10);
		snprintf(json, sizeof json, "[%d,%d]", w->id, i);
		cause = NULL;
		if (cache_put_params(w->c, "heston", und, json, 60, &cause) != 0)
			w->errors++;
		free(cause);
		got = cause = NULL;
		if (cache_get_params(w->c, "heston", und, &got, NULL, &cause) != 1 ||
		    strcmp(got, json) != 0)
			w->errors++;
		free(got);
		free(cause);
	}
	return NULL;
}

/* One cache used by several threads at once stays consistent. */
START_TEST(test_threads)
{
	struct cache *caches[2] = { open_ok(NULL, NULL), open_ok(redis_url(0), NULL) };
	pthread_t th[4];
	struct worker_arg w[4];
	int k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 4; i++) {
			w[i].c = caches[k];
			w[i].id = i;
			w[i].errors = 0;
			pthread_create(&th[i], NULL, worker, &w[i]);
		}
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			ck_assert_int_eq(w[i].errors, 0);
		}
		cache_close(caches[k]);
	}
}
END_TEST

/* The process's shared cache follows [cache] keys in place. */
START_TEST(test_shared)
{
	struct conf *conf = conf_new();
	struct cache *c1, *c2;
	struct cache_status st;
	char *cause = NULL;

	c1 = cache_shared(conf, &cause);
	ck_assert_ptr_nonnull(c1);
	cache_status(c1, 1, &st);
	ck_assert_str_eq(st.state, "in-process");
	ck_assert_int_eq(conf_set(conf, "cache.redis", redis_url(0), &cause), 0);
	c2 = cache_shared(conf, &cause);
	ck_assert_ptr_eq(c1, c2);
	cache_status(c2, 1, &st);
	ck_assert_str_eq(st.state, "connected");
	ck_assert_int_eq(conf_set(conf, "cache.redis", "redis://h:1/x", &cause), 0);
	ck_assert_ptr_null(cache_shared(conf, &cause));
	has(cause, "bad database number");
	free(cause);
	cache_status(c1, 0, &st);
	ck_assert_str_eq(st.state, "connected");        /* a bad setting changes nothing */
	conf_free(conf);
}
END_TEST

/* Starts redis-server, runs the tests in this process, stops it. */
int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	snprintf(redis_dir, sizeof redis_dir, "/tmp/qdesk-redis-XXXXXX");
	if (mkdtemp(redis_dir) == NULL) {
		perror("check_cache: mkdtemp");
		return 1;
	}
	redis_port = free_port();
	if (redis_start() != 0)
		return 1;
	log_set_stderr(0);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_in_process);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_redis_shared);
	tcase_add_test(tc, test_redis_db);
	tcase_add_test(tc, test_redis_auth);
	tcase_add_test(tc, test_reconnect);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_shared);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	redis_kill();
	{
		char log[128];

		snprintf(log, sizeof log, "%s/redis.log", redis_dir);
		unlink(log);
		rmdir(redis_dir);
	}
	return failed == 0 ? 0 : 1;
}
