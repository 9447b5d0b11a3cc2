/*
 * exchtime.c -- exchange local time from hand-coded daylight-saving rules
 * (see exchtime.h for why not localtime()).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "exchtime.h"

/* Days since the epoch of year y, month m, day d (H. Hinnant's algorithm). */
long exch_days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (long)y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day z since the epoch. */
void exch_civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Weekday of day z since the epoch (0 = Sunday; 1970-01-01 was a Thursday). */
static int exch_weekday(long z)
{
	return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

/* Day (since the epoch) of the n-th (n >= 1) Sunday of a month, or of the
 * last one when n = 0. */
static long exch_sunday(int y, int m, int n)
{
	long first, last;
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;

	if (n > 0) {
		first = exch_days_from_civil(y, m, 1);
		return first + (7 - exch_weekday(first)) % 7 + 7L * (n - 1);
	}
	last = exch_days_from_civil(ny, nm, 1) - 1;
	return last - exch_weekday(last);
}

/* Whether US daylight time is in force at t for a zone of standard
 * offset std (seconds): from 02:00 standard time on the second Sunday of
 * March to 02:00 daylight (01:00 standard) time on the first Sunday of
 * November. */
static int exch_us_dst(double t, long std)
{
	double local = t + (double)std;
	int y, m, d;
	long day = (long)floor(local / 86400);
	double start, end;

	exch_civil_from_days(day, &y, &m, &d);
	start = (double)exch_sunday(y, 3, 2) * 86400 + 2 * 3600;
	end = (double)exch_sunday(y, 11, 1) * 86400 + 1 * 3600;
	return local >= start && local < end;
}

/* Whether EU summer time is in force at t: from 01:00 UTC on the last
 * Sunday of March to 01:00 UTC on the last Sunday of October. */
static int exch_eu_dst(double t)
{
	int y, m, d;

	exch_civil_from_days((long)floor(t / 86400), &y, &m, &d);
	return t >= (double)exch_sunday(y, 3, 0) * 86400 + 3600 &&
	    t < (double)exch_sunday(y, 10, 0) * 86400 + 3600;
}

/* UTC offset of a zone at t. */
int exch_utc_offset(const char *tz, double t, long *offset)
{
	if (tz == NULL || !isfinite(t))
		return -1;
	if (strcmp(tz, "UTC") == 0)
		*offset = 0;
	else if (strcmp(tz, "America/New_York") == 0)
		*offset = -5 * 3600 + (exch_us_dst(t, -5 * 3600) ? 3600 : 0);
	else if (strcmp(tz, "America/Chicago") == 0)
		*offset = -6 * 3600 + (exch_us_dst(t, -6 * 3600) ? 3600 : 0);
	else if (strcmp(tz, "Europe/London") == 0)
		*offset = exch_eu_dst(t) ? 3600 : 0;
	else if (strcmp(tz, "Europe/Berlin") == 0)
		*offset = 3600 + (exch_eu_dst(t) ? 3600 : 0);
	else
		return -1;
	return 0;
}

/* Local date, minutes and weekday. */
int exch_local(const char *tz, double t, int *date, double *minutes, int *weekday)
{
	long off, day;
	double local;
	int y, m, d;

	if (exch_utc_offset(tz, t, &off) != 0)
		return -1;
	local = t + (double)off;
	day = (long)floor(local / 86400);
	exch_civil_from_days(day, &y, &m, &d);
	if (date != NULL)
		*date = y * 10000 + m * 100 + d;
	if (minutes != NULL)
		*minutes = (local - (double)day * 86400) / 60;
	if (weekday != NULL)
		*weekday = exch_weekday(day);
	return 0;
}
