/*
 * bench-bs-batch.c -- throughput of the batch pricer (models/bs-batch.h) on
 * one CPU core and on the GPU.
 *
 * Why it exists: BS_BATCH_AUTO sends a batch to the GPU from
 * BS_BATCH_GPU_MIN options on; these figures justify that threshold and
 * tell how large a book can be repriced per second.  For n = 1e3 to 1e7
 * options (powers of 10) it times the Greeks (price and 8 sensitivities) and the
 * implied vols: on the CPU (one core), on the GPU including the transfers
 * of the inputs and outputs (pageable host memory), and the GPU kernels
 * alone (CUDA events).  The accuracy notes: the GPU's price against the
 * CPU's (relative, and in units of eps kappa as in tests/check_bs_batch.c),
 * and each backend's implied vol against the sigma that made the price, in
 * units of eps (1 + cond), cond = (price + |delta| S)/(vega sigma).
 *
 * Work set (as the "typical" set of bench-bs.c): S = 100, r = 3%, q = 1%,
 * ln(F/K)/sqrt(T) uniform in [-3, 3], T log-uniform in [1/365, 5] years,
 * sigma log-uniform in [0.05, 1], calls and puts.
 *
 * Usage: bench-bs-batch [max_n]  (default 1e7; sizes above it are skipped)
 * Output, one line per operation:
 *   bench <name> <ns> ns/op  <options/s; accuracy note>
 * Not a test: no timing is asserted anywhere.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qm-status.h"
#include "bs.h"
#include "bs-batch.h"

/* Arrays of the work set. */
struct work {
	size_t n;
	int *type;
	double *S, *K, *T, *sigma, *r, *q, *price;
	struct bs_greeks *gc, *gg;	/* CPU and GPU Greeks */
	double *vc, *vg;		/* CPU and GPU implied vols */
};

/* Monotonic wall clock in nanoseconds. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* Deterministic uniform [0, 1) from a 64-bit LCG. */
static double unif(unsigned long long *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1p-53;
}

/* Allocates and fills a work set of n options; 0 when out of memory. */
static int work_make(struct work *w, size_t n)
{
	unsigned long long st = 42;

	w->n = n;
	w->type = malloc(n * sizeof(int));
	w->S = malloc(n * sizeof(double));
	w->K = malloc(n * sizeof(double));
	w->T = malloc(n * sizeof(double));
	w->sigma = malloc(n * sizeof(double));
	w->r = malloc(n * sizeof(double));
	w->q = malloc(n * sizeof(double));
	w->price = malloc(n * sizeof(double));
	w->vc = malloc(n * sizeof(double));
	w->vg = malloc(n * sizeof(double));
	w->gc = malloc(n * sizeof(struct bs_greeks));
	w->gg = malloc(n * sizeof(struct bs_greeks));
	if (!w->type || !w->S || !w->K || !w->T || !w->sigma || !w->r || !w->q
	    || !w->price || !w->vc || !w->vg || !w->gc || !w->gg)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double m = -3.0 + 6.0 * unif(&st);
		double T = exp(log(1.0 / 365) + (log(5.0) - log(1.0 / 365)) * unif(&st));
		double sg = exp(log(0.05) + (log(1.0) - log(0.05)) * unif(&st));

		w->type[i] = unif(&st) < 0.5 ? BS_CALL : BS_PUT;
		w->S[i] = 100.0;
		w->r[i] = 0.03;
		w->q[i] = 0.01;
		w->T[i] = T;
		w->sigma[i] = sg;
		w->K[i] = 100.0 * exp(0.02 * T) * exp(-m * sqrt(T));
	}
	return 1;
}

/* Frees a work set. */
static void work_free(struct work *w)
{
	free(w->type);
	free(w->S);
	free(w->K);
	free(w->T);
	free(w->sigma);
	free(w->r);
	free(w->q);
	free(w->price);
	free(w->vc);
	free(w->vg);
	free(w->gc);
	free(w->gg);
}

/* The bs_batch view of a work set. */
static struct bs_batch view(const struct work *w)
{
	struct bs_batch b = { w->type, w->S, w->K, w->T, w->sigma, w->r, w->q };

	return b;
}

/* Mean timing of reps runs of one operation (Greeks if iv is 0). */
struct op_time {
	double wall_ns, kernel_ns;
	int status;
};

/* Runs one operation once through the workspace and reads its timing. */
static int run_once(bs_batch_workspace *ws, struct work *w, int iv, int backend,
		    struct bs_batch_timing *t)
{
	struct bs_batch b = view(w);
	int st = iv ? bs_batch_iv_ws(ws, &b, w->price, w->n,
				     backend == BS_BATCH_CPU ? w->vc : w->vg, backend)
		 : bs_batch_greeks_ws(ws, &b, w->n,
				      backend == BS_BATCH_CPU ? w->gc : w->gg, backend);

	bs_batch_last_timing(ws, t);
	return st;
}

/*
 * Times an operation: one warm-up run (CUDA context, buffers), then as many
 * runs as fill about 0.3 s (at least one); means per run.
 */
static struct op_time time_op(bs_batch_workspace *ws, struct work *w, int iv,
			   int backend)
{
	struct bs_batch_timing t;
	struct op_time s = { 0.0, 0.0, QM_OK };
	double t0 = now_ns();

	s.status = run_once(ws, w, iv, backend, &t);
	double first = now_ns() - t0;
	int reps = first > 0.3e9 ? 1 : (int)(0.3e9 / (first + 1.0)) + 1;

	if (reps > 1000)
		reps = 1000;
	for (int k = 0; k < reps; k++) {
		run_once(ws, w, iv, backend, &t);
		s.wall_ns += t.total_ns;
		s.kernel_ns += t.kernel_ns;
	}
	s.wall_ns /= reps;
	s.kernel_ns /= reps;
	return s;
}

/*
 * Condition of element i's Greeks under 1-ulp differences of exp and log
 * in the forward (as tests/check_bs_batch.c): (1 + |d1| + |d2|)^2 (1 + 1/s).
 */
static double kappa(const struct work *w, size_t i)
{
	double s = w->sigma[i] * sqrt(w->T[i]);
	double F = w->S[i] * exp((w->r[i] - w->q[i]) * w->T[i]);
	double d1 = log(F / w->K[i]) / s + 0.5 * s, u = 1.0 + fabs(d1) + fabs(d1 - s);

	return u * u * (1.0 + 1.0 / s);
}

/*
 * GPU price against the CPU's over the prices in the normal range (below
 * 1e-290 the two libms round subnormal results differently): largest
 * relative difference, and largest in units of eps kappa.
 */
static void price_err(const struct work *w, double *rel, double *ek)
{
	*rel = *ek = 0.0;
	for (size_t i = 0; i < w->n; i++) {
		double c = w->gc[i].price, g = w->gg[i].price;

		if (!(fabs(c) >= 1e-290) || c == g)
			continue;
		double e = isnan(g) ? INFINITY : fabs(g - c) / fabs(c);

		if (e > *rel)
			*rel = e;
		if (e / (DBL_EPSILON * kappa(w, i)) > *ek)
			*ek = e / (DBL_EPSILON * kappa(w, i));
	}
}

/*
 * Implied vols v against the sigma that made the prices, where the price
 * holds the vol (normal range, cond < 1e6): largest relative error in
 * units of eps (1 + cond), cond = (price + |delta| S)/(vega sigma), the
 * conditioning of the inverse under an ulp of the price or of the forward
 * (as tests/check_bs_batch.c).
 */
static double vol_err(const struct work *w, const double *v)
{
	double m = 0.0;

	for (size_t i = 0; i < w->n; i++) {
		double c = w->sigma[i];
		double cond = (w->price[i] + fabs(w->gc[i].delta) * w->S[i])
			      / (w->gc[i].vega * c);

		if (!(w->price[i] >= 1e-290) || !(cond < 1e6) || v[i] == c)
			continue;
		double e = isnan(v[i]) ? INFINITY : fabs(v[i] - c) / c;

		if (e / (DBL_EPSILON * (1.0 + cond)) > m)
			m = e / (DBL_EPSILON * (1.0 + cond));
	}
	return m;
}

/* Mean wall time of bs_batch_greeks() without a workspace (0.3 s of runs). */
static double time_oneshot(struct work *w)
{
	struct bs_batch b = view(w);
	double t0, t;
	int reps = 0;

	bs_batch_greeks(&b, w->n, w->gg, BS_BATCH_GPU);	/* warm-up */
	t0 = now_ns();
	do {
		bs_batch_greeks(&b, w->n, w->gg, BS_BATCH_GPU);
		reps++;
		t = now_ns() - t0;
	} while (t < 0.3e9 && reps < 1000);
	return t / reps;
}

/* Prints one bench line. */
static void line(const char *op, const char *where, size_t n, double ns,
		 const char *note)
{
	printf("bench batch-%s-%s-n1e%d %.3g ns/op  %.3g options/s%s\n", op, where,
	       (int)lround(log10((double)n)), ns / (double)n, 1e9 * (double)n / ns,
	       note);
}

/* Benchmarks one operation on the CPU and, if present, the GPU. */
static void bench_op(bs_batch_workspace *ws, struct work *w, int iv, int gpu)
{
	const char *op = iv ? "iv" : "greeks";
	struct op_time c = time_op(ws, w, iv, BS_BATCH_CPU);
	char note[160];

	if (iv)
		snprintf(note, sizeof(note), ", one core; vol vs true sigma: max "
			 "%.2g eps (1 + cond)%s", vol_err(w, w->vc),
			 c.status == QM_OK ? "" : " (status not OK!)");
	else
		snprintf(note, sizeof(note), ", one core%s",
			 c.status == QM_OK ? "" : " (status not OK!)");
	line(op, "cpu", w->n, c.wall_ns, note);
	if (!gpu)
		return;
	struct op_time g = time_op(ws, w, iv, BS_BATCH_GPU);
	const char *st = g.status == QM_OK ? "" : " (status not OK!)";

	if (iv) {
		snprintf(note, sizeof(note), ", with transfers; vol vs true sigma: "
			 "max %.2g eps (1 + cond)%s", vol_err(w, w->vg),
			 st);
	} else {
		double rel, ek;

		price_err(w, &rel, &ek);
		snprintf(note, sizeof(note), ", with transfers; price vs cpu: max "
			 "rel %.2g, %.2g eps kappa%s", rel, ek, st);
	}
	line(op, "gpu", w->n, g.wall_ns, note);
	line(op, "gpu-kernel", w->n, g.kernel_ns, ", kernel only (CUDA events)");
	if (!iv && w->n <= 100000)
		line(op, "gpu-oneshot", w->n, time_oneshot(w),
		     ", bs_batch_greeks() without a workspace: buffers allocated per call");
}

/* Runs the benchmarks for n = 1e3 ... 1e7 up to argv[1]. */
int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000, 1000000, 10000000 };
	double max_n = argc > 1 ? atof(argv[1]) : 1e7;
	int gpu = bs_batch_gpu_available();
	char info[160];
	bs_batch_workspace *ws = bs_batch_workspace_alloc(0);

	if (ws == NULL)
		return 1;
	if (gpu && bs_batch_gpu_info(info, sizeof(info)) == QM_OK)
		printf("# GPU: %s\n", info);
	else
		printf("# no GPU: %s; CPU figures only\n", bs_batch_backend_name());
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct work w;

		if ((double)sizes[k] > max_n)
			break;
		if (!work_make(&w, sizes[k])) {
			printf("# out of memory at n = %zu\n", sizes[k]);
			work_free(&w);
			break;
		}
		bench_op(ws, &w, 0, gpu);
		for (size_t i = 0; i < w.n; i++)
			w.price[i] = w.gc[i].price;
		bench_op(ws, &w, 1, gpu);
		work_free(&w);
	}
	bs_batch_workspace_free(ws);
	return 0;
}
