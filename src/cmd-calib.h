/*
 * cmd-calib.h -- what the calibration commands share: one record layout
 * for a calibration result (calibrate, params) and the path of
 * `calibrate MODEL SYMBOL|all` through the engine's orchestrator.
 */
#ifndef QD_CMD_CALIB_H
#define QD_CMD_CALIB_H

#include "calib.h"

struct cmd_ctx;
struct out;

/* Prints r as records: one per SABR slice, one otherwise. */
void cmd_calib_records(struct out *o, const struct calib_result *r);
/* Runs `calibrate MODEL SYMBOL|all` through the engine (engine_calibrate)
 * and prints the results; fails when any calibration failed. */
int cmd_calibrate_engine(struct cmd_ctx *ctx, enum calib_model model, const char *symbol);

#endif
