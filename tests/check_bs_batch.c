/*
 * check_bs_batch.c -- tests of the batch pricer (models/bs-batch.c and the
 * CUDA kernels of models/cuda/bs-batch.cu).
 *
 * Why it exists: the batch API must give what the scalar functions give,
 * on either backend, and must never crash on bad elements.  References:
 *   - the CPU backend against bs_greeks() and iv_bs() element by element
 *     (themselves checked against QuantLib and 113-bit arithmetic in
 *     tests/check_bs.c and tests/check_iv.c): identical bits;
 *   - published values through both backends: Hull's S = 42, K = 40 example
 *     (call 4.76, put 0.81) and QuantLib 1.29 BlackCalculator values
 *     printed by tests/ref/ref-bs-quantlib.cpp (as pasted in check_bs.c),
 *     to 1e-12 relative;
 *   - the GPU backend against the CPU backend over a grid from deep ITM to
 *     deep OTM, T from 1 day to 30 years, sigma from 1% to 300%, with the
 *     tolerance 64 eps kappa (kappa below: how far 1-ulp differences of the
 *     two libms' exp and log in F, e^(-rT), e^(-qT) can legitimately move
 *     each Greek), and a flat 2e-14 relative on a well-conditioned core;
 *   - GPU implied vols against the volatility that produced the price and
 *     against iv_bs(), within 32 eps (1 + (price + |delta| S)/(vega sigma)).
 * Without a device the GPU checks print "no GPU: GPU checks not run" (CI
 * has no GPU) and everything else runs.
 *
 * Build (CPU only; add -DHAVE_CUDA, the nvcc object and the CUDA libraries
 * for the GPU, see mk/cuda.am):
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Imodels models/qm-status.c models/bs.c \
 *     models/iv.c models/bs-batch.c tests/check_bs_batch.c \
 *     $(pkg-config --cflags --libs check) -lm
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qm-status.h"
#include "bs.h"
#include "iv.h"
#include "bs-batch.h"

#define EPS DBL_EPSILON

/*
 * Implied vols: IV_TOL eps (1 + (price + |delta| S)/(vega sigma)).  The
 * GPU's b(x, s) rests on CUDA's erfcx (<= 4 ulps), which the Y difference
 * amplifies up to 4-fold near the money, so b is good to ~20 ulps there; a
 * relative price error e moves sigma by e price/(vega sigma), and an ulp of
 * the forward by eps |delta| S/(vega sigma) (see iv_cond()).
 */
#define IV_TOL 32.0

/* Arrays of one test batch (structure of arrays) and the prices for iv. */
struct soa {
	size_t n;
	int *type;
	double *S, *K, *T, *sigma, *r, *q, *price;
};

/* Deterministic uniform [0, 1) (64-bit LCG), so failures reproduce. */
static double unif(unsigned long long *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1p-53;
}

/* Allocates a batch of n elements (aborts the test when out of memory). */
static struct soa soa_alloc(size_t n)
{
	struct soa a = { .n = n };

	a.type = calloc(n, sizeof(int));
	a.S = calloc(n, sizeof(double));
	a.K = calloc(n, sizeof(double));
	a.T = calloc(n, sizeof(double));
	a.sigma = calloc(n, sizeof(double));
	a.r = calloc(n, sizeof(double));
	a.q = calloc(n, sizeof(double));
	a.price = calloc(n, sizeof(double));
	ck_assert(a.type && a.S && a.K && a.T && a.sigma && a.r && a.q && a.price);
	return a;
}

/* Frees a batch. */
static void soa_free(struct soa *a)
{
	free(a->type);
	free(a->S);
	free(a->K);
	free(a->T);
	free(a->sigma);
	free(a->r);
	free(a->q);
	free(a->price);
}

/* The bs_batch view of a batch. */
static struct bs_batch view(const struct soa *a)
{
	struct bs_batch b = { a->type, a->S, a->K, a->T, a->sigma, a->r, a->q };

	return b;
}

/* Sets element i. */
static void set(struct soa *a, size_t i, int type, double S, double K, double T,
		double sigma, double r, double q)
{
	a->type[i] = type;
	a->S[i] = S;
	a->K[i] = K;
	a->T[i] = T;
	a->sigma[i] = sigma;
	a->r[i] = r;
	a->q[i] = q;
}

/* Random options over wide ranges (log-uniform K/S, T, sigma). */
static struct soa random_batch(size_t n, unsigned long long seed)
{
	struct soa a = soa_alloc(n);

	for (size_t i = 0; i < n; i++) {
		double K = 100.0 * exp(-2.0 + 4.0 * unif(&seed));
		double T = exp(log(1.0 / 365.0) + unif(&seed) * log(30.0 * 365.0));
		double sg = exp(log(0.01) + unif(&seed) * log(300.0));
		int type = unif(&seed) < 0.5 ? BS_CALL : BS_PUT;

		set(&a, i, type, 100.0, K, T, sg, -0.01 + 0.08 * unif(&seed),
		    0.05 * unif(&seed));
	}
	return a;
}

/* The grid from deep ITM to deep OTM (25 x 7 x 6 x 3 x 2 x 2 options). */
static struct soa extreme_grid(void)
{
	static const double Ts[] = { 1.0 / 365, 7.0 / 365, 0.1, 0.5, 1, 5, 30 };
	static const double sgs[] = { 0.01, 0.05, 0.2, 0.5, 1, 3 };
	static const double rs[] = { -0.01, 0.0, 0.05 };
	static const double qs[] = { 0.0, 0.03 };
	struct soa a = soa_alloc(25 * 7 * 6 * 3 * 2 * 2);
	size_t i = 0;

	for (int k = 0; k < 25; k++)
		for (int t = 0; t < 7; t++)
			for (int v = 0; v < 6; v++)
				for (int ir = 0; ir < 3; ir++)
					for (int iq = 0; iq < 2; iq++)
						for (int c = 0; c < 2; c++)
							set(&a, i++, c ? BS_CALL : BS_PUT, 100.0,
							    100.0 * exp(-3.0 + 0.25 * k), Ts[t],
							    sgs[v], rs[ir], qs[iq]);
	return a;
}

/* Well-conditioned options: K/S in [0.8, 1.25], T in [0.25, 2], sigma in [0.15, 0.6]. */
static struct soa core_grid(void)
{
	struct soa a = soa_alloc(10 * 8 * 10 * 2);
	size_t i = 0;

	for (int k = 0; k < 10; k++)
		for (int t = 0; t < 8; t++)
			for (int v = 0; v < 10; v++)
				for (int c = 0; c < 2; c++)
					set(&a, i++, c ? BS_CALL : BS_PUT, 100.0,
					    80.0 * pow(1.25 / 0.8, k / 9.0),
					    0.25 + 0.25 * t, 0.15 + 0.05 * v,
					    0.03, 0.01);
	return a;
}

/* True when two doubles are the same value (NaN equals NaN). */
static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* True when two Greeks records hold the same values. */
static int same_greeks(const struct bs_greeks *a, const struct bs_greeks *b)
{
	return same(a->price, b->price) && same(a->delta, b->delta)
	       && same(a->gamma, b->gamma) && same(a->vega, b->vega)
	       && same(a->theta, b->theta) && same(a->rho, b->rho)
	       && same(a->rho_q, b->rho_q) && same(a->vanna, b->vanna)
	       && same(a->volga, b->volga);
}

/* True when every field is NaN. */
static int all_nan(const struct bs_greeks *g)
{
	return isnan(g->price) && isnan(g->delta) && isnan(g->gamma)
	       && isnan(g->vega) && isnan(g->theta) && isnan(g->rho)
	       && isnan(g->rho_q) && isnan(g->vanna) && isnan(g->volga);
}

/* Allocates n Greeks records. */
static struct bs_greeks *greeks_alloc(size_t n)
{
	struct bs_greeks *g = malloc(n * sizeof(*g));

	ck_assert_ptr_nonnull(g);
	return g;
}

/* The scalar answers for a batch, and the status of the first failure. */
static int scalar_greeks(const struct soa *a, struct bs_greeks *g)
{
	int first = QM_OK;

	for (size_t i = 0; i < a->n; i++) {
		int st = bs_greeks(a->type[i], a->S[i], a->K[i], a->T[i], a->sigma[i],
				   a->r[i], a->q[i], &g[i]);

		if (st != QM_OK && first == QM_OK)
			first = st;
	}
	return first;
}

/* ------------------------------------------------------------------------ */
/* CPU backend                                                              */
/* ------------------------------------------------------------------------ */

/* The CPU batch and a small AUTO batch are bs_greeks() element by element. */
START_TEST(test_cpu_equals_scalar)
{
	struct soa a = random_batch(4000, 11);
	struct bs_greeks *ref = greeks_alloc(a.n), *got = greeks_alloc(a.n);
	struct bs_batch b = view(&a);

	/* limits and failures among the ordinary elements */
	set(&a, 5, BS_CALL, 100, 100, 0.0, 0.2, 0.01, 0.0);	/* expiry, ATM */
	set(&a, 6, BS_PUT, 100, 90, 0.5, 0.0, 0.01, 0.0);	/* zero vol */
	set(&a, 7, BS_CALL, NAN, 90, 0.5, 0.2, 0.01, 0.0);	/* bad */
	int want = scalar_greeks(&a, ref);

	ck_assert_int_eq(want, QM_EINVAL);
	ck_assert_int_eq(bs_batch_greeks(&b, a.n, got, BS_BATCH_CPU), want);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_msg(same_greeks(&got[i], &ref[i]), "cpu element %zu", i);
	/* AUTO below BS_BATCH_GPU_MIN stays on the CPU */
	ck_assert_int_eq(bs_batch_greeks(&b, a.n, got, BS_BATCH_AUTO), want);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_msg(same_greeks(&got[i], &ref[i]), "auto element %zu", i);
	free(ref);
	free(got);
	soa_free(&a);
}
END_TEST

/* The CPU implied vols are iv_bs() element by element. */
START_TEST(test_cpu_iv_equals_scalar)
{
	struct soa a = random_batch(4000, 12);
	struct bs_batch b = view(&a);
	double *got = malloc(a.n * sizeof(double));
	int want = QM_OK;

	ck_assert_ptr_nonnull(got);
	for (size_t i = 0; i < a.n; i++)
		bs_price(a.type[i], a.S[i], a.K[i], a.T[i], a.sigma[i], a.r[i],
			 a.q[i], &a.price[i]);
	a.price[9] = -1.0;	/* bad */
	ck_assert_int_eq(bs_batch_iv(&b, a.price, a.n, got, BS_BATCH_CPU), QM_EINVAL);
	for (size_t i = 0; i < a.n; i++) {
		double s;
		int st = iv_bs(a.type[i], a.S[i], a.K[i], a.T[i], a.r[i], a.q[i],
			       a.price[i], &s);

		if (st != QM_OK && want == QM_OK)
			want = st;
		ck_assert_msg(same(got[i], s), "element %zu: %.17g vs %.17g", i,
			      got[i], s);
	}
	ck_assert_int_eq(want, QM_EINVAL);
	free(got);
	soa_free(&a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Published values through every available backend                         */
/* ------------------------------------------------------------------------ */

/* QuantLib 1.29 values for the first rows of check_bs.c's table. */
static const struct {
	int type;
	double S, K, T, sigma, r, q;
	double price, delta, gamma, vega, theta, rho, rho_q;
} ql[] = {
	/* tests/ref/ref-bs-quantlib.cpp, QuantLib 1.29 BlackCalculator */
	{ BS_CALL, 42, 40, 0.5, 0.2, 0.1, 0,
	  4.759422392871536, 0.77913129094266886, 0.049962670405911867,
	  8.8134150596028622, -4.5590921945926324, 13.982045913360277,
	  -16.361757109796045 },
	{ BS_PUT, 42, 40, 0.5, 0.2, 0.1, 0,
	  0.80859937290009265, -0.22086870905733139, 0.049962670405911867,
	  8.8134150596028622, -0.75417449658976898, -5.0425425766539993,
	  4.6382428902039532 },
	{ BS_PUT, 75, 70, 0.5, 0.35, 0.1, 0.05,
	  4.0869538286353571, -0.29970791756159132, 0.018466383826289838,
	  18.177846579004068, -4.8296462289319173, -13.282523822877355,
	  11.239046908559677 },
	{ BS_PUT, 100, 60, 0.25, 1.5, 0.03, 0.01,
	  8.1061722588729364, -0.14358429129296563, 0.0030164820083293524,
	  11.311807531235072, -33.405068843353099, -5.6161503470423746,
	  3.5896072823241405 },
	{ BS_CALL, 100, 60, 1, 0.2, 0.03, 0.01,
	  40.7968591575437, 0.98713667517024617, 0.00044506881192040348,
	  0.89013762384080852, -0.83938133799825776, 57.916808359480918,
	  -98.713667517024606 },
};

#define NQL (sizeof(ql) / sizeof(ql[0]))

/* |a - b| <= tol |b|. */
static void ck_rel(double a, double b, double tol, const char *what, size_t i)
{
	ck_assert_msg(fabs(a - b) <= tol * fabs(b), "%s %zu: got %.17g want %.17g",
		      what, i, a, b);
}

/* Checks one backend against Hull's rounded prices and QuantLib's Greeks. */
static void check_published(int backend)
{
	struct soa a = soa_alloc(NQL);
	struct bs_batch b = view(&a);
	struct bs_greeks g[NQL];

	for (size_t i = 0; i < NQL; i++)
		set(&a, i, ql[i].type, ql[i].S, ql[i].K, ql[i].T, ql[i].sigma,
		    ql[i].r, ql[i].q);
	ck_assert_int_eq(bs_batch_greeks(&b, NQL, g, backend), QM_OK);
	/* Hull, Options, Futures and Other Derivatives, example 15.6 */
	ck_assert(fabs(g[0].price - 4.76) < 0.005 && fabs(g[1].price - 0.81) < 0.005);
	for (size_t i = 0; i < NQL; i++) {
		/* QuantLib's own rounding is ~1e-14 here; 1e-12 as in check_bs.c */
		ck_rel(g[i].price, ql[i].price, 1e-12, "price", i);
		ck_rel(g[i].delta, ql[i].delta, 1e-12, "delta", i);
		ck_rel(g[i].gamma, ql[i].gamma, 1e-12, "gamma", i);
		ck_rel(g[i].vega, ql[i].vega, 1e-12, "vega", i);
		ck_rel(g[i].theta, ql[i].theta, 1e-12, "theta", i);
		ck_rel(g[i].rho, ql[i].rho, 1e-12, "rho", i);
		ck_rel(g[i].rho_q, ql[i].rho_q, 1e-12, "rho_q", i);
	}
	soa_free(&a);
}

/* Hull and QuantLib values through the CPU batch and, if present, the GPU. */
START_TEST(test_published)
{
	check_published(BS_BATCH_CPU);
	if (bs_batch_gpu_available())
		check_published(BS_BATCH_GPU);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Bad input                                                                */
/* ------------------------------------------------------------------------ */

/*
 * A batch with bad elements: each bad one NaN, the good ones computed, the
 * status that of the lowest bad index; checked on one backend.
 */
static void check_bad_greeks(int backend)
{
	struct soa a = soa_alloc(12);
	struct bs_batch b = view(&a);
	struct bs_greeks g[12];

	set(&a, 0, BS_CALL, 100, 100, 1, 0.2, 0.03, 0.0);
	set(&a, 1, BS_CALL, NAN, 100, 1, 0.2, 0.03, 0.0);
	set(&a, 2, BS_PUT, 100, 100, -1, 0.2, 0.03, 0.0);
	set(&a, 3, BS_PUT, 100, 100, 1, -0.2, 0.03, 0.0);
	set(&a, 4, BS_CALL, 100, INFINITY, 1, 0.2, 0.03, 0.0);
	set(&a, 5, 0, 100, 100, 1, 0.2, 0.03, 0.0);
	set(&a, 6, BS_PUT, 100, 90, 1, 0.2, 0.03, 0.0);
	set(&a, 7, BS_CALL, 100, 100, 1, 0.2, NAN, 0.0);
	set(&a, 8, BS_CALL, 1e300, 100, 10, 0.2, 100.0, 0.0);	/* F overflows */
	set(&a, 9, BS_CALL, 100, 100, INFINITY, 0.2, 0.03, 0.0);
	set(&a, 10, BS_CALL, 100, -5, 1, 0.2, 0.03, 0.0);
	set(&a, 11, BS_PUT, 100, 110, 0.5, 0.3, 0.0, 0.02);
	ck_assert_int_eq(bs_batch_greeks(&b, 12, g, backend), QM_EINVAL);
	for (size_t i = 0; i < 12; i++) {
		int good = i == 0 || i == 6 || i == 11;

		ck_assert_msg(good ? isfinite(g[i].price) && isfinite(g[i].volga)
			      : all_nan(&g[i]), "element %zu", i);
	}
	/* the lowest failure decides: overflow before invalid */
	set(&a, 1, BS_CALL, 1e300, 100, 10, 0.2, 100.0, 0.0);
	ck_assert_int_eq(bs_batch_greeks(&b, 12, g, backend), QM_EOVERFLOW);
	ck_assert(all_nan(&g[1]) && all_nan(&g[2]) && isfinite(g[0].price));
	soa_free(&a);
}

/* Bad prices for the implied vol: each NaN with the status of the lowest. */
static void check_bad_iv(int backend)
{
	struct soa a = soa_alloc(8);
	struct bs_batch b = view(&a);
	double s[8];

	for (size_t i = 0; i < 8; i++)
		set(&a, i, BS_CALL, 100, 100, 1, 0.2, 0.03, 0.0);
	a.price[0] = 9.0;
	a.price[1] = 150.0;		/* above the spot: QM_EBOUNDS */
	a.price[2] = NAN;		/* QM_EINVAL */
	a.T[3] = 0.0;			/* no time: QM_EINVAL */
	a.price[3] = 5.0;
	a.K[4] = 50.0;			/* below intrinsic: QM_EBOUNDS */
	a.price[4] = 10.0;
	a.price[5] = -1.0;		/* QM_EINVAL */
	a.price[6] = INFINITY;		/* QM_EINVAL */
	a.price[7] = 12.0;
	ck_assert_int_eq(bs_batch_iv(&b, a.price, 8, s, backend), QM_EBOUNDS);
	ck_assert(isfinite(s[0]) && isfinite(s[7]));
	for (size_t i = 1; i < 7; i++)
		ck_assert_msg(isnan(s[i]), "element %zu: %g", i, s[i]);
	a.price[1] = 10.0;
	ck_assert_int_eq(bs_batch_iv(&b, a.price, 8, s, backend), QM_EINVAL);
	soa_free(&a);
}

/* Bad elements on the CPU and, if present, the GPU; bad calls everywhere. */
START_TEST(test_bad_input)
{
	struct soa a = soa_alloc(4);
	struct bs_batch b = view(&a), nob = b;
	struct bs_greeks g[4];
	double s[4];

	check_bad_greeks(BS_BATCH_CPU);
	check_bad_iv(BS_BATCH_CPU);
	if (bs_batch_gpu_available()) {
		check_bad_greeks(BS_BATCH_GPU);
		check_bad_iv(BS_BATCH_GPU);
	}
	for (size_t i = 0; i < 4; i++)
		set(&a, i, BS_CALL, 100, 100, 1, 0.2, 0.0, 0.0);
	/* NULL arrays, NULL output, unknown backend: QM_EINVAL, NaN out */
	ck_assert_int_eq(bs_batch_greeks(NULL, 4, g, BS_BATCH_CPU), QM_EINVAL);
	ck_assert(all_nan(&g[3]));
	nob.K = NULL;
	ck_assert_int_eq(bs_batch_greeks(&nob, 4, g, BS_BATCH_CPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_greeks(&b, 4, NULL, BS_BATCH_CPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_greeks(&b, 4, g, 7), QM_EINVAL);
	ck_assert(all_nan(&g[0]));
	ck_assert_int_eq(bs_batch_iv(&b, NULL, 4, s, BS_BATCH_CPU), QM_EINVAL);
	ck_assert(isnan(s[0]));
	ck_assert_int_eq(bs_batch_iv(&b, a.price, 4, NULL, BS_BATCH_CPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_iv(&b, a.price, 4, s, -1), QM_EINVAL);
	/* sigma is not needed for the implied vol */
	nob = b;
	nob.sigma = NULL;
	a.price[0] = a.price[1] = a.price[2] = a.price[3] = 8.0;
	ck_assert_int_eq(bs_batch_iv(&nob, a.price, 4, s, BS_BATCH_CPU), QM_OK);
	ck_assert_int_eq(bs_batch_greeks(&nob, 4, g, BS_BATCH_CPU), QM_EINVAL);
	/* an empty batch is nothing to do */
	ck_assert_int_eq(bs_batch_greeks(&b, 0, g, BS_BATCH_AUTO), QM_OK);
	ck_assert_int_eq(bs_batch_iv(&b, a.price, 0, s, BS_BATCH_GPU), QM_OK);
	/* workspace calls */
	ck_assert_int_eq(bs_batch_greeks_ws(NULL, &b, 4, g, BS_BATCH_CPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_last_timing(NULL, NULL), QM_EINVAL);
	ck_assert_int_eq(bs_batch_gpu_info(NULL, 0), QM_EINVAL);
	soa_free(&a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Backend selection                                                        */
/* ------------------------------------------------------------------------ */

/*
 * Without a GPU: BS_BATCH_GPU is QM_ENODEV with NaN out, AUTO on a large
 * batch is the CPU's answer.  With one: AUTO on a large batch is the GPU's.
 */
START_TEST(test_backend_choice)
{
	size_t n = BS_BATCH_GPU_MIN + 1000;
	struct soa a = random_batch(n, 13);
	struct bs_batch b = view(&a);
	struct bs_greeks *ref = greeks_alloc(n), *got = greeks_alloc(n);
	bs_batch_workspace *w = bs_batch_workspace_alloc(0);
	struct bs_batch_timing t;
	char info[160];
	int gpu = bs_batch_gpu_available();

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(bs_batch_backend_name());
	if (!gpu) {
		ck_assert(strncmp(bs_batch_backend_name(), "cpu", 3) == 0);
		ck_assert_int_eq(bs_batch_gpu_info(info, sizeof(info)), QM_ENODEV);
		ck_assert_str_eq(info, "");
		ck_assert_int_eq(bs_batch_greeks(&b, n, got, BS_BATCH_GPU), QM_ENODEV);
		ck_assert(all_nan(&got[0]) && all_nan(&got[n - 1]));
		for (size_t i = 0; i < n; i++)
			a.price[i] = 10.0;
		ck_assert_int_eq(bs_batch_iv(&b, a.price, n, a.sigma, BS_BATCH_GPU),
				 QM_ENODEV);
		ck_assert(isnan(a.sigma[0]) && isnan(a.sigma[n - 1]));
		soa_free(&a);
		a = random_batch(n, 13);	/* the sigmas again */
		b = view(&a);
		ck_assert_int_eq(scalar_greeks(&a, ref), QM_OK);
		ck_assert_int_eq(bs_batch_greeks_ws(w, &b, n, got, BS_BATCH_AUTO), QM_OK);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(same_greeks(&got[i], &ref[i]), "element %zu", i);
		ck_assert_int_eq(bs_batch_last_timing(w, &t), QM_OK);
		ck_assert_int_eq(t.backend, BS_BATCH_CPU);
		ck_assert(t.total_ns > 0.0 && t.kernel_ns == 0.0);
	} else {
		ck_assert_str_eq(bs_batch_backend_name(), "cuda");
		ck_assert_int_eq(bs_batch_gpu_info(info, sizeof(info)), QM_OK);
		ck_assert(strlen(info) > 0);
		ck_assert_int_eq(bs_batch_greeks(&b, n, ref, BS_BATCH_GPU), QM_OK);
		ck_assert_int_eq(bs_batch_greeks_ws(w, &b, n, got, BS_BATCH_AUTO), QM_OK);
		ck_assert_int_eq(bs_batch_last_timing(w, &t), QM_OK);
		ck_assert_int_eq(t.backend, BS_BATCH_GPU);
		ck_assert(t.kernel_ns > 0.0 && t.upload_ns > 0.0 && t.total_ns > 0.0);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(same_greeks(&got[i], &ref[i]), "element %zu", i);
	}
	bs_batch_workspace_free(w);
	free(ref);
	free(got);
	soa_free(&a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* GPU against CPU                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Condition number of element i: F, e^(-rT), e^(-qT) computed by two libms
 * differ by an ulp or two, which moves x = ln(F/K) by ~2 eps and
 * d1 = x/s + s/2 by ~2 eps/s; n(d) and N(d) move by |d| times that
 * relatively, and the price's elasticity to F is |delta S/V| <= (1 + |d1|)/s
 * or so.  kappa = (1 + |d1| + |d2|)^2 (1 + 1/s) bounds all of these.
 */
static double kappa(const struct soa *a, size_t i)
{
	double F = a->S[i] * exp((a->r[i] - a->q[i]) * a->T[i]);
	double s = a->sigma[i] * sqrt(a->T[i]);

	if (!(s > 0.0))
		return 4.0;
	double d1 = log(F / a->K[i]) / s + 0.5 * s, d2 = d1 - s;
	double u = 1.0 + fabs(d1) + fabs(d2);

	return u * u * (1.0 + 1.0 / s);
}

/*
 * The scale each Greek's error is measured against: its magnitude, or for
 * theta, vanna and volga (sums and products that pass through zero) the
 * size of their terms, from the reference values.
 */
static void scales(const struct soa *a, size_t i, const struct bs_greeks *c,
		   double sc[9])
{
	double T = a->T[i], sg = a->sigma[i], s = sg * sqrt(T);
	double d1 = s > 0.0 ? log(a->S[i] * exp((a->r[i] - a->q[i]) * T) / a->K[i])
			      / s + 0.5 * s : 0.0;
	double d2 = d1 - s;
	const double *v = &c->price;

	for (int j = 0; j < 9; j++)
		sc[j] = fabs(v[j]);
	if (T > 0.0) {
		/* theta = -vega sigma/(2T) - r rho/T ... in terms of the others */
		sc[4] = (0.5 * c->vega * sg + fabs(a->r[i] * c->rho)
			 + fabs(a->q[i] * c->rho_q)) / T;
	}
	if (sg > 0.0 && T > 0.0) {
		sc[7] = c->vega * (1.0 + fabs(d2)) / (a->S[i] * sqrt(T) * sg);
		sc[8] = c->vega * (1.0 + fabs(d1)) * (1.0 + fabs(d2)) / sg;
	}
}

/*
 * GPU and CPU Greeks of one element within tol * scale (+ a floor of 1e-280
 * for results in the subnormal range, which the two flush differently);
 * returns the largest error over the scale seen, for the report.
 */
static double compare_element(const struct soa *a, size_t i,
			      const struct bs_greeks *gpu,
			      const struct bs_greeks *cpu, double tol)
{
	static const char *const names[9] = { "price", "delta", "gamma", "vega",
		"theta", "rho", "rho_q", "vanna", "volga" };
	const double *g = &gpu->price, *c = &cpu->price;
	double sc[9], worst = 0.0;

	scales(a, i, cpu, sc);
	for (int j = 0; j < 9; j++) {
		if (!isfinite(c[j])) {
			ck_assert_msg(same(g[j], c[j]), "%s %zu: %g vs %g", names[j],
				      i, g[j], c[j]);
			continue;
		}
		double err = fabs(g[j] - c[j]);

		ck_assert_msg(err <= tol * sc[j] + 1e-280,
			      "%s element %zu (type %d S %g K %.17g T %.17g sigma %g "
			      "r %g q %g): gpu %.17g cpu %.17g, err/scale %.3g > %.3g",
			      names[j], i, a->type[i], a->S[i], a->K[i], a->T[i],
			      a->sigma[i], a->r[i], a->q[i], g[j], c[j],
			      err / sc[j], tol);
		if (sc[j] > 1e-280 && err / sc[j] > worst)
			worst = err / sc[j];
	}
	return worst;
}

/*
 * GPU and CPU Greeks of a batch, element by element within 64 eps kappa;
 * returns the largest error seen in units of eps kappa.
 */
static double greeks_vs_cpu(const struct soa *a)
{
	struct bs_greeks *gg = greeks_alloc(a->n), *cg = greeks_alloc(a->n);
	struct bs_batch b = view(a);
	double worst = 0.0;

	ck_assert_int_eq(bs_batch_greeks(&b, a->n, gg, BS_BATCH_GPU),
			 bs_batch_greeks(&b, a->n, cg, BS_BATCH_CPU));
	for (size_t i = 0; i < a->n; i++) {
		double k = kappa(a, i);
		double e = compare_element(a, i, &gg[i], &cg[i], 64.0 * EPS * k);

		if (e / (EPS * k) > worst)
			worst = e / (EPS * k);
	}
	free(gg);
	free(cg);
	return worst;
}

/*
 * GPU Greeks against the CPU: the extreme grid (with the T = 0 and
 * sigma = 0 limits) and 1e5 random options within 64 eps kappa, the core
 * grid within a flat 2e-14 of each Greek's scale.
 */
START_TEST(test_gpu_greeks)
{
	if (!bs_batch_gpu_available())
		return;
	struct soa a = extreme_grid(), r = random_batch(100000, 21), c = core_grid();
	struct bs_greeks *gg = greeks_alloc(c.n), *cg = greeks_alloc(c.n);
	struct bs_batch bc = view(&c);
	double worst_core = 0.0;

	set(&a, 0, BS_CALL, 100, 100, 0.0, 0.2, 0.02, 0.0);
	set(&a, 1, BS_PUT, 100, 100, 0.0, 0.0, 0.02, 0.0);
	set(&a, 2, BS_CALL, 100, 90, 0.0, 0.2, 0.02, 0.0);
	set(&a, 3, BS_PUT, 100, 120, 0.5, 0.0, 0.02, 0.0);
	set(&a, 4, BS_CALL, 100, 100, 0.5, 0.0, 0.0, 0.0);
	double worst_grid = greeks_vs_cpu(&a), worst_rand = greeks_vs_cpu(&r);

	ck_assert_int_eq(bs_batch_greeks(&bc, c.n, gg, BS_BATCH_GPU), QM_OK);
	ck_assert_int_eq(bs_batch_greeks(&bc, c.n, cg, BS_BATCH_CPU), QM_OK);
	for (size_t i = 0; i < c.n; i++) {
		double e = compare_element(&c, i, &gg[i], &cg[i], 2e-14);

		if (e > worst_core)
			worst_core = e;
	}
	printf("gpu greeks: max err/(eps kappa) %.3g on %zu extreme and %.3g on %zu "
	       "random options (limit 64); max rel err %.3g on %zu core options "
	       "(limit 2e-14)\n", worst_grid, a.n, worst_rand, r.n, worst_core, c.n);
	free(gg);
	free(cg);
	soa_free(&a);
	soa_free(&r);
	soa_free(&c);
}
END_TEST

/* Prices of a batch (CPU) and their implied vols on both backends. */
static void iv_both(struct soa *a, double *gv, double *cv)
{
	struct bs_batch b = view(a);

	for (size_t i = 0; i < a->n; i++)
		bs_price(a->type[i], a->S[i], a->K[i], a->T[i], a->sigma[i], a->r[i],
			 a->q[i], &a->price[i]);
	ck_assert_int_eq(bs_batch_iv(&b, a->price, a->n, gv, BS_BATCH_GPU),
			 bs_batch_iv(&b, a->price, a->n, cv, BS_BATCH_CPU));
}

/*
 * Conditioning of element i's inverse: a relative error e of the price
 * moves sigma by e price/(vega sigma), and one of the forward (the GPU's
 * exp rounds F = S e^((r-q)T) by an ulp where the CPU's may not) by
 * e |delta| S/(vega sigma).  Infinite where the price no longer holds
 * sigma: all in the intrinsic value, or subnormal (no relative precision).
 */
static double iv_cond(const struct soa *a, size_t i)
{
	struct bs_greeks g;

	bs_greeks(a->type[i], a->S[i], a->K[i], a->T[i], a->sigma[i], a->r[i],
		  a->q[i], &g);
	double cond = (a->price[i] + fabs(g.delta) * a->S[i]) / (g.vega * a->sigma[i]);

	return cond < 1e10 && a->price[i] >= 1e-290 ? cond : INFINITY;
}

/*
 * True when vol v reprices element i to its price within the rounding of
 * the discounting, 8 eps max(S e^(-qT), K e^(-rT)): how an implied vol of
 * 0 (price at the intrinsic value to rounding) and a tiny positive one can
 * both be right.
 */
static int reprices(const struct soa *a, size_t i, double v)
{
	double p, SQ = a->S[i] * exp(-a->q[i] * a->T[i]);
	double KR = a->K[i] * exp(-a->r[i] * a->T[i]);

	if (bs_price(a->type[i], a->S[i], a->K[i], a->T[i], v, a->r[i], a->q[i],
		     &p) != QM_OK)
		return 0;
	return fabs(p - a->price[i]) <= 8.0 * EPS * (SQ > KR ? SQ : KR);
}

/* Round trip of one batch; counts and reports the misses. */
static size_t iv_roundtrip(struct soa *a, double *worst, size_t *inverted)
{
	double *gv = malloc(a->n * sizeof(double)), *cv = malloc(a->n * sizeof(double));
	size_t bad = 0;

	ck_assert(gv && cv);
	iv_both(a, gv, cv);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_msg(isnan(gv[i]) == isnan(cv[i]), "status of element %zu: "
			      "gpu %g cpu %g", i, gv[i], cv[i]);
		double cond = iv_cond(a, i);

		if (isnan(gv[i]) || isinf(cond) || (gv[i] == 0.0 && reprices(a, i, 0.0)))
			continue;
		double e = fabs(gv[i] - a->sigma[i]) / a->sigma[i];

		if (e > IV_TOL * EPS * (1.0 + cond) && bad++ < 5)
			printf("iv element %zu (type %d K %.17g T %.17g sigma %.17g r %g q %g):"
			       " gpu %.17g, rel err %.3g, cond %.3g\n", i, a->type[i],
			       a->K[i], a->T[i], a->sigma[i], a->r[i], a->q[i], gv[i], e,
			       cond);
		(*inverted)++;
		if (e / (EPS * (1.0 + cond)) > *worst)
			*worst = e / (EPS * (1.0 + cond));
	}
	free(gv);
	free(cv);
	return bad;
}

/*
 * GPU implied vols of the extreme grid and 1e5 random options: the price
 * of sigma (CPU) inverted on the GPU gives sigma back within
 * 32 eps (1 + (price + |delta| S)/(vega sigma)); NaN (bad input) exactly
 * where the CPU gives NaN.
 */
START_TEST(test_gpu_iv_roundtrip)
{
	if (!bs_batch_gpu_available())
		return;
	struct soa a = extreme_grid(), r = random_batch(100000, 22);
	double worst = 0.0;
	size_t inverted = 0, bad = iv_roundtrip(&a, &worst, &inverted);

	ck_assert(inverted > a.n / 2);
	bad += iv_roundtrip(&r, &worst, &inverted);
	printf("gpu iv: %zu of %zu prices inverted, max err/(eps (1 + (price + "
	       "|delta| S)/(vega sigma))) %.3g (limit 32)\n", inverted, a.n + r.n,
	       worst);
	ck_assert_msg(bad == 0, "%zu implied vols off", bad);
	soa_free(&a);
	soa_free(&r);
}
END_TEST

/* GPU against CPU implied vols of one batch; counts and reports the misses. */
static size_t iv_vs_cpu(struct soa *a)
{
	double *gv = malloc(a->n * sizeof(double)), *cv = malloc(a->n * sizeof(double));
	size_t bad = 0;

	ck_assert(gv && cv);
	iv_both(a, gv, cv);
	for (size_t i = 0; i < a->n; i++) {
		double cond = iv_cond(a, i), e;

		if (same(gv[i], cv[i]) || isinf(cond))
			continue;
		if (gv[i] == 0.0 || cv[i] == 0.0)
			e = reprices(a, i, gv[i]) && reprices(a, i, cv[i]) ? 0.0 : 1.0;
		else
			e = fabs(gv[i] - cv[i]) / cv[i];
		if (e > IV_TOL * EPS * (1.0 + cond) && bad++ < 5)
			printf("iv element %zu (type %d K %.17g T %.17g sigma %.17g r %g q %g):"
			       " gpu %.17g cpu %.17g, rel diff %.3g\n", i, a->type[i],
			       a->K[i], a->T[i], a->sigma[i], a->r[i], a->q[i], gv[i], cv[i],
			       e);
	}
	free(gv);
	free(cv);
	return bad;
}

/*
 * GPU implied vols against iv_bs() on the same prices, within the same
 * 32 eps (1 + (price + |delta| S)/(vega sigma)) (an independent solver: Jaeckel's
 * rational guess and Householder steps on the CPU).
 */
START_TEST(test_gpu_iv_vs_cpu)
{
	if (!bs_batch_gpu_available())
		return;
	struct soa a = extreme_grid(), r = random_batch(100000, 22);
	size_t bad = iv_vs_cpu(&a) + iv_vs_cpu(&r);

	ck_assert_msg(bad == 0, "%zu implied vols differ from iv_bs()", bad);
	soa_free(&a);
	soa_free(&r);
}
END_TEST

/*
 * Chunked GPU passes (a 1000-element workspace over 20011 options) give
 * the single-pass results bit for bit, and the status of the lowest bad
 * element even when it lies in a later chunk.
 */
START_TEST(test_gpu_chunks)
{
	if (!bs_batch_gpu_available())
		return;
	size_t n = 20011;
	struct soa a = random_batch(n, 14);
	struct bs_batch b = view(&a);
	struct bs_greeks *one = greeks_alloc(n), *many = greeks_alloc(n);
	bs_batch_workspace *w = bs_batch_workspace_alloc(1000);
	struct bs_batch_timing t;
	double *s1 = malloc(n * sizeof(double)), *s2 = malloc(n * sizeof(double));

	ck_assert(w && s1 && s2);
	a.sigma[15000] = NAN;
	a.T[17000] = -1.0;
	a.K[19999] = 1e308;	/* fine: a worthless call, a deep put */
	ck_assert_int_eq(bs_batch_greeks(&b, n, one, BS_BATCH_GPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_greeks_ws(w, &b, n, many, BS_BATCH_GPU), QM_EINVAL);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(same_greeks(&one[i], &many[i]), "element %zu", i);
	ck_assert(all_nan(&many[15000]) && all_nan(&many[17000]));
	ck_assert_int_eq(bs_batch_last_timing(w, &t), QM_OK);
	ck_assert_int_eq(t.backend, BS_BATCH_GPU);
	ck_assert(t.kernel_ns > 0.0 && t.download_ns > 0.0);
	for (size_t i = 0; i < n; i++)
		a.price[i] = one[i].price;
	a.price[3] = -2.0;
	ck_assert_int_eq(bs_batch_iv(&b, a.price, n, s1, BS_BATCH_GPU), QM_EINVAL);
	ck_assert_int_eq(bs_batch_iv_ws(w, &b, a.price, n, s2, BS_BATCH_GPU), QM_EINVAL);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(same(s1[i], s2[i]), "iv element %zu", i);
	bs_batch_workspace_free(w);
	free(one);
	free(many);
	free(s1);
	free(s2);
	soa_free(&a);
}
END_TEST

/* The suite. */
static Suite *bs_batch_suite(void)
{
	Suite *s = suite_create("bs_batch");
	TCase *tc = tcase_create("cpu");
	TCase *tg = tcase_create("gpu");

	tcase_add_test(tc, test_cpu_equals_scalar);
	tcase_add_test(tc, test_cpu_iv_equals_scalar);
	tcase_add_test(tc, test_published);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_backend_choice);
	tcase_add_test(tg, test_gpu_greeks);
	tcase_add_test(tg, test_gpu_iv_roundtrip);
	tcase_add_test(tg, test_gpu_iv_vs_cpu);
	tcase_add_test(tg, test_gpu_chunks);
	tcase_set_timeout(tg, 120);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tg);
	return s;
}

/*
 * Runs the suite in one process: a CUDA context does not survive fork(),
 * so check's fork mode would make every GPU test start its own.
 */
int main(void)
{
	SRunner *sr = srunner_create(bs_batch_suite());
	char info[160];
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	if (bs_batch_gpu_available() && bs_batch_gpu_info(info, sizeof(info)) == QM_OK)
		printf("GPU: %s\n", info);
	else
		printf("no GPU: GPU checks not run (%s)\n", bs_batch_backend_name());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
