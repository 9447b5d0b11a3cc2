/*
 * exchtime.h -- the local time of an exchange, for the calibration
 * schedule ("pre-market, every N minutes, post-market, in the exchange's
 * time zone").
 *
 * Threads must not change TZ to ask localtime(), so the few zones where
 * the markets we trade live are computed here from their daylight-saving
 * rules: the United States since 2007 (second Sunday of March to first
 * Sunday of November, at 02:00 local) and the European Union since 1996
 * (last Sunday of March to last Sunday of October, at 01:00 UTC).  Times
 * before those rules get today's rules, not history's.
 */
#ifndef QD_EXCHTIME_H
#define QD_EXCHTIME_H

/* Zones: "UTC", "America/New_York", "America/Chicago", "Europe/London",
 * "Europe/Berlin" (also Paris, Frankfurt, Amsterdam, Zurich: one rule).
 * The list for the configuration key's choices. */
#define EXCHTIME_ZONES "America/New_York|America/Chicago|Europe/London|Europe/Berlin|UTC"

/* Local date (YYYYMMDD), minutes after local midnight and weekday (0 =
 * Sunday) of epoch seconds t in zone tz; 0, or -1 for an unknown zone or a
 * non-finite t. */
int exch_local(const char *tz, double t, int *date, double *minutes, int *weekday);
/* UTC offset of zone tz at epoch seconds t, in seconds; 0 or -1. */
int exch_utc_offset(const char *tz, double t, long *offset);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
long exch_days_from_civil(int y, int m, int d);
void exch_civil_from_days(long z, int *y, int *m, int *d);

#endif
