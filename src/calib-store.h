/*
 * calib-store.h -- calibrations in the store, and their replay.
 *
 * The glue between calib.c (which has no I/O) and store.h: a calibration
 * is stored with its encoded inputs, the warm-start parameters it started
 * from and its fingerprint, so that `calibrate replay ID` can decode them,
 * run calib_run() again with the configuration captured in the inputs and
 * say whether the parameters came out bit for bit the same.
 */
#ifndef QD_CALIB_STORE_H
#define QD_CALIB_STORE_H

#include "calib.h"

struct store;
struct store_calibration;

/* Stores the calibration r of the inputs in, warm-started from prev (NULL:
 * none); sets r->id.  0 or -1 with cause. */
int calib_store_put(struct store *s, const struct calib_input *in, const struct calib_result *prev,
    struct calib_result *r, char **cause);

/* Rebuilds a calib_result from a stored row (parameters, fit quality,
 * status, alert, times); 0 or -1 with cause naming the row. */
int calib_store_result(const struct store_calibration *c, struct calib_result *r, char **cause);

/* Replays calibration id: decodes its inputs and previous parameters,
 * runs calib_run again (with the configuration captured in the inputs),
 * and compares the parameters with the stored ones bit for bit
 * (*identical = 1 when they agree, and the status too).  stored gets the
 * stored result, again the new one.  0, or -1 with cause (no such id,
 * undecodable row). */
int calib_replay(struct store *s, long long id, struct calib_result *stored,
    struct calib_result *again, int *identical, char **cause);

#endif
