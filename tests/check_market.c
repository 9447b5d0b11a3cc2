/*
 * check_market.c -- the domain helpers (market.c) and the CSV readers of
 * bars and chains (market-csv.c).
 *
 * References: the OCC symbol example of the OCC symbology (the SPX put
 * "SPX   141122P00019500", Nov 22 2014, strike 19.50, as shown in the OCC
 * Symbology Initiative documents), libc's timegm()/gmtime_r() for dates
 * and weekdays (an implementation independent of market.c), published
 * third Fridays, and hand-computed year fractions.  CSV files are written
 * by the tests; every malformed file must give a FILE:LINE error.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "market-csv.h"
#include "market.h"
#include "util.h"

/* Writes text to a new temporary file named NAME in a fresh directory. */
static char *write_file(const char *name, const char *text, size_t len)
{
	char dir[] = "/tmp/qdesk-market-XXXXXX", *path;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

/* Removes a file written by write_file and its directory. */
static void remove_file(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

START_TEST(test_occ_published)
{
	struct instrument in;
	char *cause = NULL, out[32];

	ck_assert_msg(market_occ_parse("SPX   141122P00019500", &in, &cause) == 0, "%s", cause);
	ck_assert_str_eq(in.underlying, "SPX");
	ck_assert_int_eq(in.expiry, 20141122);
	ck_assert_int_eq(in.right, OPT_RIGHT_PUT);
	ck_assert_double_eq(in.strike, 19.5);
	ck_assert_int_eq(in.kind, INSTR_OPTION);
	ck_assert_double_eq(in.multiplier, 100);
	ck_assert_str_eq(in.symbol, "SPX   141122P00019500");
	/* the padding is optional */
	ck_assert_int_eq(market_occ_parse("AAPL240119C00190000", &in, &cause), 0);
	ck_assert_str_eq(in.underlying, "AAPL");
	ck_assert_double_eq(in.strike, 190);
	market_occ_format(&in, out, sizeof out);
	ck_assert_str_eq(out, "AAPL  240119C00190000");
	ck_assert_int_eq(strlen(out), 21);
	ck_assert_int_eq(market_occ_parse("SPXW  240119C04700000", &in, &cause), 0);
	ck_assert_double_eq(in.strike, 4700);
	ck_assert_int_eq(market_occ_parse("GOOGL1240119C00000500", &in, &cause), 0);
	ck_assert_str_eq(in.underlying, "GOOGL1");
	ck_assert_double_eq(in.strike, 0.5);
}
END_TEST

START_TEST(test_occ_round_trip)
{
	static const char *const roots[] = { "A", "SPY", "SPXW", "BRKB", "GOOGL1", "X2" };
	struct instrument in, back;
	char sym[32], *cause = NULL;
	unsigned seed = 12345;
	int i;

	for (i = 0; i < 2000; i++) {
		memset(&in, 0, sizeof in);
		seed = seed * 1103515245u + 12345u;
		snprintf(in.underlying, sizeof in.underlying, "%s", roots[seed % 6]);
		in.expiry = market_date_add_days(20000101, (int)(seed >> 8) % 36000);
		in.right = (seed >> 4) & 1 ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
		in.strike = (double)((seed >> 3) % 99999999 + 1) / 1000.0;
		market_occ_format(&in, sym, sizeof sym);
		if (in.expiry / 10000 > 2099) {
			ck_assert_str_eq(sym, "");
			continue;
		}
		ck_assert_int_eq(strlen(sym), 21);
		ck_assert_msg(market_occ_parse(sym, &back, &cause) == 0, "%s", cause);
		ck_assert_str_eq(back.underlying, in.underlying);
		ck_assert_int_eq(back.expiry, in.expiry);
		ck_assert_int_eq(back.right, in.right);
		ck_assert_double_eq_tol(back.strike, in.strike, 1e-9);
		ck_assert_str_eq(back.symbol, sym);
	}
}
END_TEST

START_TEST(test_occ_malformed)
{
	static const char *const bad[] = {
		"", "AAPL", "AAPL  240119C0019000",     /* 7-digit strike */
		"ABCDEFG240119C00190000",               /* 7-character root */
		"aapl  240119C00190000",                /* lower case */
		"AAPL  241319C00190000",                /* month 13 */
		"AAPL  230229C00190000",                /* Feb 29 in a common year */
		"AAPL  240119X00190000",                /* right */
		"AAPL  240119C0019O000",                /* a letter O in the strike */
		"AAPL  240119C00000000",                /* zero strike */
		"      240119C00190000",                /* no root */
		"AA-L  240119C00190000",                /* bad root character */
		"AAPL  24O119C00190000",
		"AAPL  240119C00190000 ",               /* trailing blank */
	};
	struct instrument in;
	char *cause;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(market_occ_parse(bad[i], &in, &cause) == -1, "'%s' parsed", bad[i]);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, "OCC") != NULL || strstr(cause, "not an") != NULL,
		    "%s", cause);
		free(cause);
	}
	cause = NULL;
	ck_assert_int_eq(market_occ_parse(NULL, &in, &cause), -1);
	free(cause);
}
END_TEST

START_TEST(test_occ_format_unrepresentable)
{
	struct instrument in;
	char out[32];

	memset(&in, 0, sizeof in);
	strcpy(in.underlying, "TOOLONGX");
	in.expiry = 20240119;
	in.right = OPT_RIGHT_CALL;
	in.strike = 100;
	market_occ_format(&in, out, sizeof out);
	ck_assert_str_eq(out, "");
	strcpy(in.underlying, "SPY");
	in.strike = 100000;             /* 9 digits once times 1000 */
	market_occ_format(&in, out, sizeof out);
	ck_assert_str_eq(out, "");
	in.strike = 450.5;
	in.expiry = 19991231;           /* before 2000 */
	market_occ_format(&in, out, sizeof out);
	ck_assert_str_eq(out, "");
	in.expiry = 20240230;
	market_occ_format(&in, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_dates_against_libc)
{
	int ymd = 19000101, n;

	/* every 7th day from 1900 to 2199, against timegm and gmtime_r */
	for (n = 0; n < 300 * 366 / 7; n++) {
		struct tm tm, back;
		time_t t;

		memset(&tm, 0, sizeof tm);
		tm.tm_year = ymd / 10000 - 1900;
		tm.tm_mon = ymd / 100 % 100 - 1;
		tm.tm_mday = ymd % 100;
		t = timegm(&tm);
		ck_assert_double_eq(market_date_epoch(ymd), (double)t);
		gmtime_r(&t, &back);
		ck_assert_int_eq(market_weekday(ymd), back.tm_wday);
		ck_assert_int_eq(market_date_from_epoch((double)t + 86399.5), ymd);
		ck_assert(market_date_valid(ymd));
		ymd = market_date_add_days(ymd, 7);
		if (ymd / 10000 > 2199)
			break;
	}
	ck_assert_double_eq(market_date_epoch(19700101), 0);
	ck_assert_int_eq(market_date_from_epoch(-0.5), 19691231);
	ck_assert_int_eq(market_date_add_days(20240228, 1), 20240229);
	ck_assert_int_eq(market_date_add_days(20230228, 1), 20230301);
	ck_assert_int_eq(market_date_add_days(20240101, -1), 20231231);
	ck_assert(!market_date_valid(20230229));
	ck_assert(!market_date_valid(21000229));       /* 2100 is not a leap year */
	ck_assert(market_date_valid(20000229));        /* 2000 is */
	ck_assert(!market_date_valid(20241301));
	ck_assert(!market_date_valid(20240100));
}
END_TEST

START_TEST(test_calendar)
{
	/* published monthly expiries (third Fridays) */
	ck_assert_int_eq(market_third_friday(2024, 1), 20240119);
	ck_assert_int_eq(market_third_friday(2024, 3), 20240315);
	ck_assert_int_eq(market_third_friday(2023, 12), 20231215);
	ck_assert_int_eq(market_third_friday(2022, 4), 20220415);
	ck_assert_int_eq(market_third_friday(2021, 1), 20210115);
	ck_assert_int_eq(market_next_business_day(20240105), 20240108);   /* Fri -> Mon */
	ck_assert_int_eq(market_next_business_day(20240106), 20240108);   /* Sat -> Mon */
	ck_assert_int_eq(market_next_business_day(20240108), 20240109);
	ck_assert_int_eq(market_weekday(20240101), 1);                    /* a Monday */
}
END_TEST

START_TEST(test_parse_dates_and_times)
{
	int ymd;
	double t;
	char buf[32];

	ck_assert_int_eq(market_parse_date("2024-02-29", &ymd), 0);
	ck_assert_int_eq(ymd, 20240229);
	ck_assert_int_eq(market_parse_date("20240229", &ymd), 0);
	ck_assert_int_eq(market_parse_date("2023-02-29", &ymd), -1);
	ck_assert_int_eq(market_parse_date("2024-2-29", &ymd), -1);
	ck_assert_int_eq(market_parse_date("2024/02/29", &ymd), -1);
	ck_assert_int_eq(market_parse_date("", &ymd), -1);
	ck_assert_int_eq(market_parse_date("2024-02-29x", &ymd), -1);
	ck_assert_int_eq(market_parse_time("2024-01-02", &t), 0);
	ck_assert_double_eq(t, 1704153600);            /* date -ud 2024-01-02 +%s */
	ck_assert_int_eq(market_parse_time("2024-01-02 14:30", &t), 0);
	ck_assert_double_eq(t, 1704153600 + 14.5 * 3600);
	ck_assert_int_eq(market_parse_time("2024-01-02T14:30:15Z", &t), 0);
	ck_assert_double_eq(t, 1704153600 + 14.5 * 3600 + 15);
	ck_assert_int_eq(market_parse_time("2024-01-02T14:30:15.25", &t), 0);
	ck_assert_double_eq(t, 1704153600 + 14.5 * 3600 + 15.25);
	ck_assert_int_eq(market_parse_time("2024-01-02T24:00", &t), -1);
	ck_assert_int_eq(market_parse_time("2024-01-02T14:60", &t), -1);
	ck_assert_int_eq(market_parse_time("2024-01-02 14:30 UTC", &t), -1);
	ck_assert_int_eq(market_parse_time("yesterday", &t), -1);
	market_format_time(1704153600 + 14.5 * 3600 + 15.9, buf, sizeof buf);
	ck_assert_str_eq(buf, "2024-01-02T14:30:15Z");
	market_format_time(NAN, buf, sizeof buf);
	ck_assert_str_eq(buf, "-");
	market_format_date(20240102, buf, sizeof buf);
	ck_assert_str_eq(buf, "2024-01-02");
}
END_TEST

START_TEST(test_year_fraction)
{
	/* 16:00 New York is 21:00 UTC: at that time on the expiry T = 0 */
	double t = market_date_epoch(20240119) + 21 * 3600.0;

	ck_assert_double_eq_tol(market_year_fraction(t, 20240119), 0, 1e-15);
	ck_assert_double_eq_tol(market_year_fraction(t - 365 * 86400.0, 20240119), 1, 1e-15);
	/* 2024-01-02 21:00 UTC to 2024-03-15 21:00 UTC: 73 days */
	ck_assert_double_eq_tol(market_year_fraction(market_date_epoch(20240102) + 21 * 3600.0,
	    20240315), 73 / 365.0, 1e-15);
	ck_assert(market_year_fraction(t + 1, 20240119) < 0);
}
END_TEST

START_TEST(test_chain_and_pairs)
{
	struct option_chain c, d;
	struct option_quote oq;
	struct instrument pair;
	char *cause = NULL;
	int i;

	market_chain_init(&c, "SPY");
	ck_assert(isnan(c.spot) && isnan(c.rate));
	c.time = market_date_epoch(20240102) + 21 * 3600.0;
	for (i = 0; i < 200; i++) {
		market_option_init(&oq);
		ck_assert(isnan(oq.q.bid) && isnan(oq.implied_vol) && oq.weight == 1);
		oq.opt.expiry = i % 2 ? 20240315 : 20240119;
		oq.opt.strike = 100 + (i * 7) % 50;
		oq.opt.right = i % 3 ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
		market_chain_add(&c, &oq);
	}
	ck_assert_uint_eq(c.n, 200);
	market_chain_copy(&d, &c);
	market_chain_sort(&d);
	for (i = 1; i < 200; i++) {
		const struct option_quote *a = &d.opts[i - 1], *b = &d.opts[i];

		ck_assert(a->opt.expiry < b->opt.expiry ||
		    (a->opt.expiry == b->opt.expiry && (a->opt.strike < b->opt.strike ||
		    (a->opt.strike == b->opt.strike && (a->opt.right == OPT_RIGHT_CALL ||
		    b->opt.right == OPT_RIGHT_PUT)))));
	}
	/* the copy is deep: the original keeps its order */
	ck_assert_int_eq(c.opts[1].opt.expiry, 20240315);
	ck_assert_double_eq_tol(market_option_maturity(&d, &d.opts[199]), 73 / 365.0, 1e-15);
	d.opts[0].maturity = 0.5;
	ck_assert_double_eq(market_option_maturity(&d, &d.opts[0]), 0.5);
	market_chain_free(&c);
	market_chain_free(&d);

	ck_assert_int_eq(market_pair_init(&pair, "GLD", "GDX", 1.631, &cause), 0);
	ck_assert_str_eq(pair.symbol, "GLD/GDX");
	ck_assert_int_eq(pair.kind, INSTR_PAIR);
	ck_assert_double_eq_tol(market_pair_spread(&pair, 180, 100), 180 - 163.1, 1e-12);
	ck_assert_int_eq(market_pair_init(&pair, "GLD", "G/X", 1, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(market_pair_init(&pair, "GLD", "GDX", NAN, &cause), -1);
	free(cause);
	ck_assert(market_symbol_valid("BRK.B"));
	ck_assert(market_symbol_valid("^VIX"));
	ck_assert(!market_symbol_valid("A B"));
	ck_assert(!market_symbol_valid(""));
	ck_assert(!market_symbol_valid("A,B"));
	ck_assert(!market_symbol_valid("ABCDEFGHIJABCDEFGHIJABCDEFGHIJAB"));  /* 32 chars */
	{
		struct quote q = { .bid = 1, .ask = 2 };

		ck_assert_double_eq(market_mid(&q), 1.5);
		q.ask = NAN;
		ck_assert(isnan(market_mid(&q)));
	}
}
END_TEST

START_TEST(test_csv_bars_one_symbol)
{
	const char *text = "Date,Open,High,Low,Close,Volume\n"
	    "2024-01-02,10,11,9.5,10.5,1000\n"
	    "2024-01-03,10.5,12,10,11,\n"       /* missing volume: NaN */
	    "20240104,11,11.5,10.8,11.2,1500\n";
	char *path = write_file("spy.csv", text, strlen(text)), *cause = NULL;
	struct market_csv_bars b;

	ck_assert_msg(market_csv_read_bars(path, NULL, &b, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_uint_eq(b.nsymbols, 1);
	ck_assert_str_eq(b.bars[0].symbol, "SPY");      /* from the file name */
	ck_assert_double_eq(b.bars[0].time, 1704153600);
	ck_assert_double_eq(b.bars[0].open, 10);
	ck_assert_double_eq(b.bars[0].high, 11);
	ck_assert_double_eq(b.bars[0].low, 9.5);
	ck_assert_double_eq(b.bars[0].close, 10.5);
	ck_assert_double_eq(b.bars[0].volume, 1000);
	ck_assert(isnan(b.bars[1].volume));
	ck_assert_double_eq(b.bars[2].time, 1704153600 + 2 * 86400);
	ck_assert_int_eq(b.lines[2], 4);
	market_csv_bars_free(&b);
	ck_assert_int_eq(market_csv_read_bars(path, "QQQ", &b, &cause), 0);
	ck_assert_str_eq(b.bars[0].symbol, "QQQ");
	market_csv_bars_free(&b);
	remove_file(path);

	/* date,close only: the bar is the close */
	text = "date,close\n2024-01-02 16:00,5\n";
	path = write_file("x.csv", text, strlen(text));
	ck_assert_int_eq(market_csv_read_bars(path, NULL, &b, &cause), 0);
	ck_assert_double_eq(b.bars[0].open, 5);
	ck_assert_double_eq(b.bars[0].high, 5);
	ck_assert_double_eq(b.bars[0].low, 5);
	ck_assert_double_eq(b.bars[0].time, 1704153600 + 16 * 3600);
	ck_assert(isnan(b.bars[0].volume));
	market_csv_bars_free(&b);
	remove_file(path);
}
END_TEST

START_TEST(test_csv_bars_long)
{
	const char *text = "symbol,date,close\nGLD,2024-01-02,190\nGDX,2024-01-02,29\n"
	    "GLD,2024-01-03,191\n";
	char *path = write_file("pairs.csv", text, strlen(text)), *cause = NULL;
	struct market_csv_bars b;

	ck_assert_msg(market_csv_read_bars(path, NULL, &b, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_uint_eq(b.nsymbols, 2);
	ck_assert_str_eq(b.bars[1].symbol, "GDX");
	market_csv_bars_free(&b);
	ck_assert_int_eq(market_csv_read_bars(path, "GLD", &b, &cause), 0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_int_eq(b.lines[1], 4);
	market_csv_bars_free(&b);
	ck_assert_int_eq(market_csv_read_bars(path, "SPY", &b, &cause), -1);
	ck_assert_msg(strstr(cause, "no rows for symbol 'SPY'") != NULL, "%s", cause);
	free(cause);
	remove_file(path);
}
END_TEST

/* Replaces a leading "%s" of want by path (a new string). */
static char *expand(const char *want, const char *path)
{
	if (strncmp(want, "%s", 2) == 0)
		return xasprintf("%s%s", path, want + 2);
	return xstrdup(want);
}

/* Reads bars from text and expects an error containing want. */
static void bars_bad(const char *name, const char *text, size_t len, const char *want)
{
	char *path = write_file(name, text, len), *cause = NULL, *full;
	struct market_csv_bars b;

	ck_assert_int_eq(market_csv_read_bars(path, NULL, &b, &cause), -1);
	full = expand(want, path);
	ck_assert_msg(strstr(cause, full) != NULL, "'%s' lacks '%s'", cause, full);
	ck_assert_ptr_null(b.bars);
	free(full);
	free(cause);
	remove_file(path);
}

START_TEST(test_csv_bars_malformed)
{
	bars_bad("a.csv", "date,close\n2024-01-02,abc\n", 26,
	    "%s:2: column 'close': expected a number");
	bars_bad("a.csv", "date,close\n2024-01-02,1\n2024-13-02,2\n", 37,
	    "%s:3: column 'date': expected a date");
	bars_bad("a.csv", "date,close\n2024-01-02,1\n2024-01-03\n", 35,
	    "%s:3: 1 fields, the header has 2");
	bars_bad("a.csv", "date,close\n2024-01-02,1\x00\x01\n", 26, "%s:2: binary data");
	bars_bad("a.csv", "date,open,close\n2024-01-02,1,1\n", 31,
	    "%s: open, high and low come together");
	bars_bad("a.csv", "date,volume\n2024-01-02,1\n", 25, "%s: no close column");
	bars_bad("a.csv", "close\n1\n", 8, "%s: no date column");
	bars_bad("a.csv", "date,close\n", 11, "%s: no rows after the header");
	bars_bad("a.csv", "", 0, "%s: empty file");
	bars_bad("a.csv", "date,close\n2024-01-02,1e999\n", 28,
	    "%s:2: column 'close': expected a number");
	bars_bad("a.csv", "symbol,date,close\nBAD SYM,2024-01-02,1\n", 39,
	    "%s:2: column 'symbol': expected a symbol");
	bars_bad("a b.csv", "date,close\n2024-01-02,1\n", 24, "give --symbol");
	bars_bad("a.csv", "date,close\n\"2024-01-02,1\n", 25, "%s:2: unterminated quoted field");
}
END_TEST

START_TEST(test_csv_chain)
{
	const char *text = "Expiry,Strike,Type,Bid,Ask,Spot,Rate,Dividend\n"
	    "2024-03-15,100,call,5.1,5.3,101,0.05,0.01\n"
	    "2024-03-15,100,P,3.2,3.4,101,0.05,0.01\n"
	    "2024-03-15,110,C,1.2,,101,0.05,0.01\n";    /* an empty ask: kept for validation */
	char *path = write_file("spy.csv", text, strlen(text)), *cause = NULL;
	struct market_csv_chain *c;
	size_t n;

	ck_assert_msg(market_csv_read_chains(path, NULL, 20240102, &c, &n, &cause) == 0, "%s",
	    cause);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].chain.underlying, "SPY");
	ck_assert_uint_eq(c[0].chain.n, 3);
	ck_assert_double_eq(c[0].chain.spot, 101);
	ck_assert_double_eq(c[0].chain.rate, 0.05);
	ck_assert_double_eq(c[0].chain.dividend, 0.01);
	ck_assert_double_eq(c[0].chain.time, market_date_epoch(20240102) + 21 * 3600.0);
	ck_assert_str_eq(c[0].chain.opts[0].opt.symbol, "SPY   240315C00100000");
	ck_assert_int_eq(c[0].chain.opts[1].opt.right, OPT_RIGHT_PUT);
	ck_assert_double_eq(c[0].chain.opts[1].q.bid, 3.2);
	ck_assert(isnan(c[0].chain.opts[2].q.ask));
	ck_assert_int_eq(c[0].lines[2], 4);
	ck_assert_double_eq_tol(market_option_maturity(&c[0].chain, &c[0].chain.opts[0]),
	    73 / 365.0, 1e-15);
	market_csv_chains_free(c, n);
	remove_file(path);

	/* maturities in years, several underlyings, implied vols, no type:
	 * out of the money from the forward */
	text = "underlying,maturity,strike,implied_vol,forward\n"
	    "AAA,0.5,90,0.25,100\nBBB,1,120,0.3,100\nAAA,0.5,110,0.22,100\n";
	path = write_file("m.csv", text, strlen(text));
	ck_assert_msg(market_csv_read_chains(path, NULL, 0, &c, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(c[0].chain.underlying, "AAA");
	ck_assert_uint_eq(c[0].chain.n, 2);
	ck_assert_int_eq(c[0].chain.opts[0].opt.right, OPT_RIGHT_PUT);
	ck_assert_int_eq(c[0].chain.opts[1].opt.right, OPT_RIGHT_CALL);
	ck_assert_double_eq(c[0].chain.opts[0].maturity, 0.5);
	ck_assert_double_eq(c[0].chain.opts[0].implied_vol, 0.25);
	ck_assert_int_eq(c[1].lines[0], 3);
	market_csv_chains_free(c, n);
	ck_assert_int_eq(market_csv_read_chains(path, "BBB", 0, &c, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(c[0].chain.n, 1);
	market_csv_chains_free(c, n);
	remove_file(path);

	/* contract symbols give the roots of one underlying's classes */
	text = "contractSymbol,expiration,strike,option_type,bid,ask\n"
	    "SPXW260220C05850000,2026-02-20,5850,call,1100.6,1107.2\n"
	    "SPX260220P05850000,2026-02-20,5850,put,2.65,3.2\n";
	path = write_file("spx.csv", text, strlen(text));
	ck_assert_msg(market_csv_read_chains(path, NULL, 20260130, &c, &n, &cause) == 0, "%s",
	    cause);
	ck_assert_str_eq(c[0].chain.underlying, "SPX");
	ck_assert_str_eq(c[0].chain.opts[0].opt.underlying, "SPXW");
	ck_assert_str_eq(c[0].chain.opts[0].opt.symbol, "SPXW  260220C05850000");
	ck_assert_str_eq(c[0].chain.opts[1].opt.symbol, "SPX   260220P05850000");
	market_csv_chains_free(c, n);
	remove_file(path);

	/* the quote date from the file, unless given */
	text = "date,expiry,strike,type,price,underlying\n"
	    "2024-01-02,2024-03-15,100,C,5,SPY\n2024-01-02,2024-03-15,100,P,4,SPY\n";
	path = write_file("d.csv", text, strlen(text));
	ck_assert_msg(market_csv_read_chains(path, NULL, 0, &c, &n, &cause) == 0, "%s", cause);
	ck_assert_double_eq(c[0].chain.time, market_date_epoch(20240102) + 21 * 3600.0);
	market_csv_chains_free(c, n);
	ck_assert_int_eq(market_csv_read_chains(path, NULL, 20240105, &c, &n, &cause), 0);
	ck_assert_double_eq(c[0].chain.time, market_date_epoch(20240105) + 21 * 3600.0);
	market_csv_chains_free(c, n);
	remove_file(path);
}
END_TEST

/* Reads a chain from text and expects an error containing want. */
static void chain_bad(const char *text, const char *want)
{
	char *path = write_file("c.csv", text, strlen(text)), *cause = NULL, *full;
	struct market_csv_chain *c;
	size_t n;

	ck_assert_int_eq(market_csv_read_chains(path, NULL, 20240102, &c, &n, &cause), -1);
	full = expand(want, path);
	ck_assert_msg(strstr(cause, full) != NULL, "'%s' lacks '%s'", cause, full);
	ck_assert_ptr_null(c);
	free(full);
	free(cause);
	remove_file(path);
}

START_TEST(test_csv_chain_malformed)
{
	chain_bad("maturity,strike,type,price\n0.5,100,call,x\n",
	    "%s:2: column 'price': expected a number");
	chain_bad("maturity,strike,type,price\n0.5,100,straddle,1\n",
	    "%s:2: column 'type': expected call, put, C or P");
	chain_bad("maturity,strike,type,price\n0.5,100,call\n", "%s:2: 3 fields, the header has 4");
	chain_bad("strike,type,price\n100,call,1\n", "%s: no maturity column");
	chain_bad("maturity,type,price\n0.5,call,1\n", "%s: no strike column");
	chain_bad("maturity,strike,type,bid\n0.5,100,call,1\n", "%s: a bid column needs an ask");
	chain_bad("maturity,strike,type\n0.5,100,call\n", "%s: no quote column");
	chain_bad("maturity,strike,price\n0.5,100,1\n", "%s: no type column");
	chain_bad("expiry,strike,type,price\n2024-02-30,100,call,1\n",
	    "%s:2: column 'expiry': expected a date");
	chain_bad("maturity,strike,type,price\n", "%s: no rows after the header");
	chain_bad("maturity,strike,type,price,underlying\n0.5,100,call,1,A B\n",
	    "%s:2: column 'underlying': expected a symbol");
	chain_bad("maturity,strike,type,price\n0.5,\xff\xfe,call,1\n", "%s: invalid UTF-8");
	chain_bad("maturity,strike,implied_vol,spot\n0.5,100,0.2,\n",
	    "%s:2: no option type, and no spot or forward");
	chain_bad("occ,expiry,strike,type,price\nSPX   260220P05850000,2026-02-20,5800,P,1\n",
	    "%s:2: column 'occ': the symbol disagrees with the strike");
	chain_bad("occ,expiry,strike,type,price\nSPX 2602,2026-02-20,5800,P,1\n",
	    "%s:2: column 'occ': expected an OCC option symbol");
	{
		const char *text = "quote_date,maturity,strike,type,price\n"
		    "2024-01-02,0.5,100,C,1\n2024-01-03,0.5,100,P,1\n";
		char *path = write_file("q.csv", text, strlen(text)), *cause = NULL, *full;
		struct market_csv_chain *c;
		size_t n;

		ck_assert_int_eq(market_csv_read_chains(path, "X", 0, &c, &n, &cause), -1);
		full = expand("%s:3: column 'quote_date': one quote date per file", path);
		ck_assert_msg(strstr(cause, full) != NULL, "'%s' lacks '%s'", cause, full);
		free(full);
		free(cause);
		remove_file(path);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("market");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_occ_published);
	tcase_add_test(tc, test_occ_round_trip);
	tcase_add_test(tc, test_occ_malformed);
	tcase_add_test(tc, test_occ_format_unrepresentable);
	tcase_add_test(tc, test_dates_against_libc);
	tcase_add_test(tc, test_calendar);
	tcase_add_test(tc, test_parse_dates_and_times);
	tcase_add_test(tc, test_year_fraction);
	tcase_add_test(tc, test_chain_and_pairs);
	tcase_add_test(tc, test_csv_bars_one_symbol);
	tcase_add_test(tc, test_csv_bars_long);
	tcase_add_test(tc, test_csv_bars_malformed);
	tcase_add_test(tc, test_csv_chain);
	tcase_add_test(tc, test_csv_chain_malformed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
