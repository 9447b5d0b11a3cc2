/*
 * bench-json.c -- timings of the JSON parser (src/json.c) on responses
 * shaped like the providers' documented formats, and of mapping them.
 *
 * Why it exists: every HTTP poll parses a response before anything is
 * delivered; a Tradier poll of a few underlyings and expirations is
 * several hundred options with greeks, an Alpaca history is thousands of
 * bars.  Run by `make bench`, never by `make check`; it asserts nothing.
 * Each line reads `bench <name> <ns> ns/op  <note>` (the note gives the
 * document size and the throughput).  Correctness is established by
 * tests/check_json.c and tests/fuzz-json.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "util.h"

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parses text repeatedly for about 0.3 s; returns ns per parse. */
static double time_parse(const struct buf *text)
{
	long reps = 1, i;
	double t0, dt;

	for (;;) {
		t0 = now();
		for (i = 0; i < reps; i++) {
			struct json_doc *d = json_parse(text->data, text->len, NULL);

			if (d == NULL) {
				fprintf(stderr, "bench-json: the document does not parse\n");
				exit(1);
			}
			json_free(d);
		}
		dt = now() - t0;
		if (dt > 0.3 || reps > (1L << 28))
			break;
		reps = dt > 0.01 ? (long)(reps * 0.35 / dt) + 1 : reps * 10;
	}
	return 1e9 * dt / (double)reps;
}

/* Prints one bench line with size and throughput. */
static void report(const char *name, const struct buf *text, const char *what)
{
	double ns = time_parse(text);

	printf("bench %s %.1f ns/op  %s, %zu bytes, %.0f MB/s\n", name, ns, what, text->len,
	    (double)text->len / ns * 1e3);
}

/* Builds the documents and times them. */
int main(void)
{
	struct buf b;
	int s, k;

	/* Alpaca: 10 symbols x 252 daily bars (a year), documented fields. */
	buf_init(&b);
	buf_adds(&b, "{\"bars\":{");
	for (s = 0; s < 10; s++) {
		buf_printf(&b, "%s\"SYM%d\":[", s ? "," : "", s);
		for (k = 0; k < 252; k++)
			buf_printf(&b, "%s{\"t\":\"2022-02-%02dT05:00:00Z\",\"o\":%.2f,\"h\":%.2f,"
			    "\"l\":%.2f,\"c\":%.2f,\"v\":%d,\"n\":%d,\"vw\":%.6f}", k ? "," : "",
			    k % 28 + 1, 163.02 + k * 0.01, 165.42 + k * 0.01, 162.43 + k * 0.01,
			    165.12 + k * 0.01, 90552883 + k, 743379 + k, 164.274348 + k * 0.01);
		buf_addc(&b, ']');
	}
	buf_adds(&b, "},\"next_page_token\":null}");
	report("json_alpaca_bars_2520", &b, "10 symbols x 252 bars");

	/* Tradier: one expiration of 200 strikes x call/put with greeks. */
	buf_reset(&b);
	buf_adds(&b, "{\"options\":{\"option\":[");
	for (k = 0; k < 400; k++)
		buf_printf(&b, "%s{\"symbol\":\"SPY240119%c%08d\",\"description\":\"SPY Jan 19 2024\","
		    "\"exch\":\"Z\",\"type\":\"option\",\"last\":null,\"change\":null,\"volume\":0,"
		    "\"open\":null,\"high\":null,\"low\":null,\"close\":null,\"bid\":%.2f,"
		    "\"ask\":%.2f,\"underlying\":\"SPY\",\"strike\":%d.0,\"change_percentage\":null,"
		    "\"average_volume\":0,\"last_volume\":0,\"trade_date\":0,\"prevclose\":null,"
		    "\"week_52_high\":0.0,\"week_52_low\":0.0,\"bidsize\":10,\"bidexch\":\"J\","
		    "\"bid_date\":1557171657000,\"asksize\":611,\"askexch\":\"Z\","
		    "\"ask_date\":1557172096000,\"open_interest\":10,\"contract_size\":100,"
		    "\"expiration_date\":\"2024-01-19\",\"expiration_type\":\"standard\","
		    "\"option_type\":\"%s\",\"root_symbol\":\"SPY\",\"greeks\":{\"delta\":0.5,"
		    "\"gamma\":1.95546E-2,\"theta\":-0.00204837,\"vega\":3.54672E-1,\"rho\":0.106077,"
		    "\"phi\":-0.28801,\"bid_iv\":0.21,\"mid_iv\":0.22,\"ask_iv\":0.23,"
		    "\"smv_vol\":0.380002,\"updated_at\":\"2019-08-29 14:59:08\"}}", k ? "," : "",
		    k % 2 ? 'P' : 'C', (300 + k / 2) * 1000, 1.0 + k * 0.01, 1.1 + k * 0.01,
		    300 + k / 2, k % 2 ? "put" : "call");
	buf_adds(&b, "]}}");
	report("json_tradier_chain_400", &b, "400 options with greeks");

	/* A small latest-quotes answer: the per-poll cost of a quote feed. */
	buf_reset(&b);
	buf_adds(&b, "{\"quotes\":{\"AAPL\":{\"t\":\"2022-08-17T10:07:40.286587431Z\",\"ax\":\"Q\","
	    "\"ap\":172.7,\"as\":1,\"bx\":\"Q\",\"bp\":172.62,\"bs\":2,\"c\":[\"R\"],\"z\":\"C\"},"
	    "\"TSLA\":{\"t\":\"2022-08-17T10:07:49.387064037Z\",\"ax\":\"Q\",\"ap\":911.6,\"as\":1,"
	    "\"bx\":\"K\",\"bp\":911.3,\"bs\":1,\"c\":[\"R\"],\"z\":\"C\"}}}");
	report("json_alpaca_quotes_2", &b, "Alpaca's documented latest-quotes example");
	buf_free(&b);
	return 0;
}
