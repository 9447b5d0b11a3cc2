/*
 * calib.h -- one calibration of one model to one symbol, made reproducible:
 * the inputs are captured, fingerprinted and serialised, the fit is run
 * with a warm start from the previous parameters, judged against
 * thresholds, and the previous parameters are kept (and flagged) when the
 * new fit fails or is poor.
 *
 * DESIGN
 * The engine's calibration orchestrator (engine.c) decides *when* to
 * calibrate (command, schedule, market moves) and runs calib_run() on its
 * worker threads; this file decides *how*.  It has no threads and no
 * globals, so a calibration is a pure function of
 *     (inputs, previous result, configuration)
 * and `calibrate replay ID` reproduces a stored one bit for bit by
 * decoding its stored inputs and previous parameters and running again.
 *
 * Models:
 *   heston  -- the out-of-the-money quotes of the latest chain with a
 *              validated implied vol (models/heston-calib.h), fitted in
 *              implied vol, vega-free uniform weights;
 *   sabr    -- one smile per expiry of the latest chain (beta from the
 *              configuration), models/sabr-calib.h;
 *   ou      -- a pair "LEG1/LEG2": the Engle-Granger hedge ratio and
 *              cointegration test on the daily closes of both legs
 *              (models/coint.h), then the OU maximum-likelihood fit of the
 *              spread X = leg1 - hedge_ratio x leg2 (models/ou.h), time in
 *              years (a daily bar is 1/252).
 */
#ifndef QD_CALIB_H
#define QD_CALIB_H

#include <stddef.h>

#include "heston.h"
#include "market.h"
#include "ou.h"
#include "sabr.h"

struct conf;
struct mstate_snap;

enum calib_model { CALIB_HESTON, CALIB_SABR, CALIB_OU, CALIB_NMODELS };

/* "heston", "sabr", "ou"; parse returns 0 or -1. */
const char *calib_model_name(enum calib_model m);
int calib_model_parse(const char *s, enum calib_model *m);

enum calib_status {
	CALIB_OK = 0,           /* new parameters accepted */
	CALIB_POOR,             /* fit error above the threshold: previous kept */
	CALIB_FAILED            /* the fit failed (bad data, no convergence): previous kept */
};
const char *calib_status_name(int st);

#define CALIB_MAX_SLICES 24
#define CALIB_ALERT_MAX 256

/* One SABR smile. */
struct calib_sabr_slice {
	int expiry;             /* YYYYMMDD */
	double T;               /* years (ACT/365F) */
	double forward;         /* the slice's forward */
	double atm_vol;         /* market ATM implied vol (interpolated), annualised */
	sabr_params p;          /* alpha, beta, rho, nu */
	double rmse_iv_bp, max_err_iv_bp;
	size_t n;               /* quotes fitted */
};

/* An OU pair fit. */
struct calib_ou {
	struct ou_params p;     /* of the spread, time in years */
	double se_mu;           /* standard error of mu */
	double hedge_ratio;     /* leg1 - hedge_ratio x leg2 */
	double coint_stat;      /* Engle-Granger ADF statistic */
	double coint_pvalue;    /* MacKinnon p-value */
	double half_life_days;  /* ln 2 / mu in trading days */
	double last_spread;     /* the spread at the last close */
	size_t n;               /* observations */
};

/* Everything one calibration produced (a plain value: copy freely). */
struct calib_result {
	long long id;                   /* store row id; 0 when not stored */
	enum calib_model model;
	char symbol[MARKET_SYMBOL_MAX]; /* underlying, or pair "LEG1/LEG2" */
	double data_time;               /* market time of the inputs, epoch s */
	double wall_time;               /* when it ran, epoch s (not part of replay) */
	int status;                     /* enum calib_status */
	int kept_previous;              /* 1: the parameters below are the previous ones */
	int warm;                       /* 1: warm-started from previous parameters */
	int global_stage;               /* 1: the global stage ran */
	char alert[CALIB_ALERT_MAX];    /* non-empty when something needs a human */
	char fingerprint[65];           /* SHA-256 hex of the encoded inputs */
	/* fit quality of the new fit (even when it was not accepted) */
	double rmse_iv_bp, max_err_iv_bp;       /* heston and sabr (worst slice) */
	size_t nquotes;
	int iterations, evaluations;
	double elapsed_ms;              /* not part of replay */
	/* the parameters in force after this calibration */
	heston_params heston;
	size_t nslices;
	struct calib_sabr_slice sabr[CALIB_MAX_SLICES];
	struct calib_ou ou;
	/* the market the parameters were fitted to (heston, sabr), for the
	 * move_spot / move_vol tests of the next calibration; part of the
	 * parameters (stored with them, read back by calib_params_decode) */
	double spot;                    /* underlying price */
	double atm_vol;                 /* 30-day ATM implied vol (total variance interpolated) */
};

/* Thresholds and options (the calibrate.* keys). */
struct calib_cfg {
	double heston_poor_bp;          /* RMSE (bp of vol) above which a Heston fit is poor */
	double sabr_poor_bp;            /* RMSE per slice above which a SABR fit is poor */
	double global_bp;               /* warm fit RMSE above which the global stage reruns */
	double move_spot;               /* relative spot move since the last fit forcing global */
	double move_vol;                /* ATM vol move (absolute) forcing global */
	double shift_alert;             /* relative parameter shift that raises an alert */
	double sabr_beta;               /* SABR beta, fixed */
	int global_evals;               /* evaluations of the global stage */
	int ou_min_obs;                 /* fewest daily closes for an OU fit */
	double ou_max_pvalue;           /* cointegration p-value above which a pair is flagged */
	int ou_window;                  /* daily closes used (the latest) */
};
void calib_cfg_default(struct calib_cfg *cfg);
/* Reads the calibrate.* keys; 0 or -1 with cause. */
int calib_cfg_from_conf(struct calib_cfg *cfg, struct conf *conf, char **cause);

/* The exact inputs of one calibration (opaque). */
struct calib_input;

/* Captures the inputs of model for symbol from a market snapshot; 0, or
 * -1 with cause naming the symbol and what is missing. */
int calib_input_from_snap(enum calib_model model, const char *symbol,
    const struct mstate_snap *snap, const struct calib_cfg *cfg,
    struct calib_input **out, char **cause);
void calib_input_free(struct calib_input *in);
enum calib_model calib_input_model(const struct calib_input *in);
const char *calib_input_symbol(const struct calib_input *in);
double calib_input_time(const struct calib_input *in);
/* Canonical text (JSON, every double written so it reads back exactly);
 * the caller frees it.  decode(encode(x)) runs identically to x. */
char *calib_input_encode(const struct calib_input *in);
int calib_input_decode(const char *text, struct calib_input **out, char **cause);
/* SHA-256 hex of the encoded inputs. */
void calib_input_fingerprint(const struct calib_input *in, char out[65]);
/* The configuration captured with the inputs (part of the encoding):
 * `calibrate replay` runs with it, so a replay is independent of later
 * configuration changes.  Callers run calib_run with the same cfg they
 * captured with. */
const struct calib_cfg *calib_input_cfg(const struct calib_input *in);

/*
 * Runs one calibration.  prev (NULL for none) is the result in force: its
 * parameters warm-start the fit, and the global stage runs only when there
 * is no prev, the warm fit's RMSE exceeds cfg->global_bp, or the market
 * moved beyond cfg->move_spot / move_vol since prev.  A failed or poor fit
 * keeps prev's parameters (kept_previous = 1, an alert); a parameter shift
 * beyond cfg->shift_alert raises an alert.  Deterministic: the same
 * (in, prev parameters, cfg) give bit-identical parameters.
 * Returns 0 (the status is in out->status) or -1 with cause when it could
 * not run at all (out of memory).
 */
int calib_run(const struct calib_input *in, const struct calib_result *prev,
    const struct calib_cfg *cfg, struct calib_result *out, char **cause);

/* The parameters (and fit) as JSON objects for the store and --json;
 * the caller frees them.  calib_params_decode() reads the params text
 * back into r's parameter fields (bit for bit). */
char *calib_params_json(const struct calib_result *r);
char *calib_fit_json(const struct calib_result *r);
int calib_params_decode(const char *json, enum calib_model model, struct calib_result *r,
    char **cause);

/* The latest result per (model, symbol): the engine's parameter book. */
struct calib_book {
	size_t n, cap;
	struct calib_result *v;
};
void calib_book_init(struct calib_book *b);
void calib_book_free(struct calib_book *b);
/* The entry or NULL. */
const struct calib_result *calib_book_find(const struct calib_book *b, enum calib_model m,
    const char *symbol);
/* Replaces (or adds) the entry of r's model and symbol. */
void calib_book_put(struct calib_book *b, const struct calib_result *r);

#endif
