/*
 * bs-batch.c -- the batch pricer's CPU path and its dispatcher between the
 * CPU and the CUDA kernels (models/cuda/bs-batch.cu).
 *
 * Why it exists: see bs-batch.h.  The CPU path is bs_greeks() and iv_bs()
 * (models/bs.c, models/iv.c: Jaeckel 2015, Haug 2007) called element by
 * element, so a batch gives bit for bit what the scalar functions give.
 * The GPU path is compiled only with HAVE_CUDA (config.h); without it, or
 * without a device, BS_BATCH_GPU answers QM_ENODEV and BS_BATCH_AUTO uses
 * the CPU.  A CUDA failure in the middle of an AUTO batch (device lost, out
 * of device memory) drops the GPU buffers and redoes the batch on the CPU,
 * so AUTO always returns the CPU's answer quality or better.
 *
 * The GPU works on chunks of at most the workspace's chunk size (device
 * memory 136 bytes per element), one after the other; each chunk reports
 * its lowest failing index, so the batch status is that of the lowest
 * failing element on both backends.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L	/* clock_gettime */
#endif

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "qm-status.h"
#include "bs.h"
#include "iv.h"
#include "bs-batch.h"

#define BS_BATCH_CHUNK ((size_t)1 << 21)	/* default elements per pass */

struct bs_batch_workspace {
	size_t chunk;			/* most elements per GPU pass */
	struct bs_cuda_buf *gpu;	/* device buffers, NULL until needed */
	size_t gpu_cap;			/* elements the buffers hold */
	struct bs_batch_timing last;	/* the last call's timing */
};

/* Monotonic clock in nanoseconds. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* A workspace whose GPU passes hold chunk elements (0: the default). */
bs_batch_workspace *bs_batch_workspace_alloc(size_t chunk)
{
	bs_batch_workspace *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->chunk = chunk > 0 ? chunk : BS_BATCH_CHUNK;
	w->last.backend = BS_BATCH_CPU;
	return w;
}

/* Drops the device buffers (after a CUDA failure, or at the end). */
static void drop_gpu(bs_batch_workspace *w)
{
#ifdef HAVE_CUDA
	bs_cuda_free(w->gpu);
#endif
	w->gpu = NULL;
	w->gpu_cap = 0;
}

/* Releases a workspace and its device buffers. */
void bs_batch_workspace_free(bs_batch_workspace *w)
{
	if (w == NULL)
		return;
	drop_gpu(w);
	free(w);
}

/* Number of usable CUDA devices; 0 without CUDA. */
static int device_count(void)
{
#ifdef HAVE_CUDA
	return bs_cuda_device_count();
#else
	return 0;
#endif
}

/* 1 when the GPU backend can run. */
int bs_batch_gpu_available(void)
{
	return device_count() > 0;
}

/* The backend that large AUTO batches use, as a constant string. */
const char *bs_batch_backend_name(void)
{
#ifdef HAVE_CUDA
	return device_count() > 0 ? "cuda" : "cpu (no GPU device)";
#else
	return "cpu (built without CUDA)";
#endif
}

/* Describes the GPU, or QM_ENODEV with an empty string. */
int bs_batch_gpu_info(char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return QM_EINVAL;
#ifdef HAVE_CUDA
	return bs_cuda_info(buf, len);
#else
	buf[0] = '\0';
	return QM_ENODEV;
#endif
}

/* Sets the n Greeks to NaN. */
static void greeks_fill_nan(struct bs_greeks *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i].price = out[i].delta = out[i].gamma = NAN;
		out[i].vega = out[i].theta = out[i].rho = NAN;
		out[i].rho_q = out[i].vanna = out[i].volga = NAN;
	}
}

/* Sets the n vols to NaN. */
static void iv_fill_nan(double *sigma, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sigma[i] = NAN;
}

/* The CPU path of the Greeks: bs_greeks() per element. */
static int cpu_greeks(const struct bs_batch *in, size_t n, struct bs_greeks *out)
{
	int first = QM_OK;

	for (size_t i = 0; i < n; i++) {
		int st = bs_greeks(in->type[i], in->S[i], in->K[i], in->T[i],
				   in->sigma[i], in->r[i], in->q[i], &out[i]);

		if (st != QM_OK && first == QM_OK)
			first = st;
	}
	return first;
}

/* The CPU path of the implied vols: iv_bs() per element. */
static int cpu_iv(const struct bs_batch *in, const double *price, size_t n,
		  double *sigma)
{
	int first = QM_OK;

	for (size_t i = 0; i < n; i++) {
		int st = iv_bs(in->type[i], in->S[i], in->K[i], in->T[i], in->r[i],
			       in->q[i], price[i], &sigma[i]);

		if (st != QM_OK && first == QM_OK)
			first = st;
	}
	return first;
}

#ifdef HAVE_CUDA
/* Makes sure the device buffers hold min(n, chunk) elements. */
static int ensure_gpu(bs_batch_workspace *w, size_t n)
{
	size_t want = n < w->chunk ? n : w->chunk;

	if (w->gpu != NULL && w->gpu_cap >= want)
		return QM_OK;
	drop_gpu(w);
	int st = bs_cuda_alloc(&w->gpu, want);

	if (st == QM_OK)
		w->gpu_cap = want;
	return st;
}

/*
 * The GPU path, chunk by chunk: Greeks when price is NULL, else implied
 * vols.  Returns QM_ENODEV on a CUDA failure, else the batch status.
 */
static int gpu_run(bs_batch_workspace *w, const struct bs_batch *in,
		   const double *price, size_t n, void *out)
{
	double t[3] = { 0.0, 0.0, 0.0 };
	int first = QM_OK, st = ensure_gpu(w, n);

	for (size_t off = 0; st == QM_OK && off < n; off += w->gpu_cap) {
		size_t m = n - off < w->gpu_cap ? n - off : w->gpu_cap;
		unsigned long long bad = ~0ULL;

		st = price == NULL
		     ? bs_cuda_greeks(w->gpu, in, off, m, out, &bad, t)
		     : bs_cuda_iv(w->gpu, in, price, off, m, out, &bad, t);
		if (st == QM_OK && bad != ~0ULL && first == QM_OK)
			first = (int)(bad & 0xff);
	}
	if (st != QM_OK) {
		drop_gpu(w);
		return QM_ENODEV;
	}
	w->last.upload_ns = t[0];
	w->last.kernel_ns = t[1];
	w->last.download_ns = t[2];
	return first;
}
#endif

/* Decides where a batch of n runs: BS_BATCH_CPU or BS_BATCH_GPU. */
static int choose(int backend, size_t n)
{
	if (backend == BS_BATCH_CPU)
		return BS_BATCH_CPU;
	if (backend == BS_BATCH_GPU)
		return BS_BATCH_GPU;
	return n >= BS_BATCH_GPU_MIN && device_count() > 0 ? BS_BATCH_GPU
	       : BS_BATCH_CPU;
}

/*
 * Runs a validated batch: the GPU when chosen (with the CPU as AUTO's
 * fallback), else the CPU.  price NULL means Greeks.
 */
static int dispatch(bs_batch_workspace *w, const struct bs_batch *in,
		    const double *price, size_t n, void *out, int backend)
{
	int where = choose(backend, n), st = QM_ENODEV;

	w->last = (struct bs_batch_timing){ .backend = where };
	double t0 = now_ns();

	if (where == BS_BATCH_GPU) {
#ifdef HAVE_CUDA
		if (device_count() > 0)
			st = gpu_run(w, in, price, n, out);
#endif
		if (st != QM_ENODEV || backend == BS_BATCH_GPU) {
			w->last.total_ns = now_ns() - t0;
			return st;
		}
		/* AUTO and the GPU failed: the CPU does the whole batch */
		w->last = (struct bs_batch_timing){ .backend = BS_BATCH_CPU };
	}
	st = price == NULL ? cpu_greeks(in, n, out) : cpu_iv(in, price, n, out);
	w->last.total_ns = now_ns() - t0;
	return st;
}

/* True when every array a batch of Greeks reads is present. */
static int batch_ok(const struct bs_batch *in, int need_sigma)
{
	return in != NULL && in->type != NULL && in->S != NULL && in->K != NULL
	       && in->T != NULL && in->r != NULL && in->q != NULL
	       && (!need_sigma || in->sigma != NULL);
}

/* True for one of the three backends. */
static int backend_ok(int backend)
{
	return backend == BS_BATCH_AUTO || backend == BS_BATCH_CPU
	       || backend == BS_BATCH_GPU;
}

/* Greeks of a batch through a workspace. */
int bs_batch_greeks_ws(bs_batch_workspace *w, const struct bs_batch *in,
		       size_t n, struct bs_greeks *out, int backend)
{
	if (out == NULL)
		return QM_EINVAL;
	if (w == NULL || !batch_ok(in, 1) || !backend_ok(backend)) {
		greeks_fill_nan(out, n);
		return QM_EINVAL;
	}
	if (n == 0)
		return QM_OK;
	int st = dispatch(w, in, NULL, n, out, backend);

	if (st == QM_ENODEV)
		greeks_fill_nan(out, n);
	return st;
}

/* Implied vols of a batch through a workspace. */
int bs_batch_iv_ws(bs_batch_workspace *w, const struct bs_batch *in,
		   const double *price, size_t n, double *sigma, int backend)
{
	if (sigma == NULL)
		return QM_EINVAL;
	if (w == NULL || !batch_ok(in, 0) || price == NULL || !backend_ok(backend)) {
		iv_fill_nan(sigma, n);
		return QM_EINVAL;
	}
	if (n == 0)
		return QM_OK;
	int st = dispatch(w, in, price, n, sigma, backend);

	if (st == QM_ENODEV)
		iv_fill_nan(sigma, n);
	return st;
}

/* A workspace sized for one batch of n elements. */
static bs_batch_workspace *one_shot(size_t n)
{
	return bs_batch_workspace_alloc(n > 0 && n < BS_BATCH_CHUNK ? n : 0);
}

/* Greeks of a batch with a temporary workspace. */
int bs_batch_greeks(const struct bs_batch *in, size_t n, struct bs_greeks *out,
		    int backend)
{
	bs_batch_workspace *w = one_shot(n);
	int st;

	if (w == NULL) {
		if (out != NULL)
			greeks_fill_nan(out, n);
		return QM_ENOMEM;
	}
	st = bs_batch_greeks_ws(w, in, n, out, backend);
	bs_batch_workspace_free(w);
	return st;
}

/* Implied vols of a batch with a temporary workspace. */
int bs_batch_iv(const struct bs_batch *in, const double *price, size_t n,
		double *sigma, int backend)
{
	bs_batch_workspace *w = one_shot(n);
	int st;

	if (w == NULL) {
		if (sigma != NULL)
			iv_fill_nan(sigma, n);
		return QM_ENOMEM;
	}
	st = bs_batch_iv_ws(w, in, price, n, sigma, backend);
	bs_batch_workspace_free(w);
	return st;
}

/* The timing of the workspace's last batch. */
int bs_batch_last_timing(const bs_batch_workspace *w, struct bs_batch_timing *t)
{
	if (w == NULL || t == NULL)
		return QM_EINVAL;
	*t = w->last;
	return QM_OK;
}
