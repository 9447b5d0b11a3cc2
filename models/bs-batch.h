/*
 * bs-batch.h -- Black-Scholes-Merton prices, Greeks and implied
 * volatilities of many European options at once, on the CPU or on a CUDA
 * GPU.
 *
 * Why it exists: a full option chain, a scenario grid or a risk report asks
 * for the same formulas over 1e4 to 1e7 options.  One call over arrays
 * (structure of arrays) lets the work go to a GPU when the build has the
 * CUDA kernels (models/cuda/bs-batch.cu, configure --enable-cuda) and a
 * device is present, and to a plain loop over models/bs.h and models/iv.h
 * otherwise.  The CPU path is always compiled and always correct; the GPU
 * path is an accelerator, never a requirement.
 *
 * Conventions: exactly those of bs_greeks() and iv_bs(): S, K and prices in
 * currency units; T in years; sigma annualised (0.2 = 20%); r and q
 * continuously compounded per year; vega, vanna and volga per unit of vol,
 * theta per year of calendar time (see bs.h for every field).
 *
 * Status: a batch returns QM_OK when every element succeeded, otherwise the
 * status of the lowest-index element that failed (the same code bs_greeks()
 * or iv_bs() gives for it); failed elements are NaN in the output and the
 * others are computed all the same.  QM_EINVAL for NULL arrays or an unknown
 * backend; QM_ENODEV when BS_BATCH_GPU was asked for and no GPU can do the
 * work (built without CUDA, no device, or a CUDA call failed), with every
 * output NaN.  BS_BATCH_AUTO never returns QM_ENODEV: it falls back to the
 * CPU.  n = 0 is an empty batch and returns QM_OK.
 *
 * Accuracy: the CPU backend is bs_greeks()/iv_bs() element by element, bit
 * for bit.  The GPU backend evaluates the same formulas (Jaeckel's
 * normalised Black function, Haug's Greeks) with CUDA's erfcx and normcdf.
 * Measured on an H100 against the CPU: within 2.1e-15 relative on
 * ordinary options (moneyness 0.8-1.25, T 0.25-2 y, sigma 15-60%), and
 * within 1.4 eps kappa everywhere, kappa = (1 + |d1| + |d2|)^2 (1 + 1/s),
 * s = sigma sqrt(T): how far an ulp of the forward or the discount factors
 * (which the two libms may round differently) can move a Greek.  GPU
 * implied vols come from a safeguarded Halley iteration; their relative
 * error was at most 16 eps (1 + (price + |delta| S)/(vega sigma)) in the
 * tests, that factor being the conditioning of the inverse (see
 * models/cuda/bs-batch.cu).
 */
#ifndef QD_BS_BATCH_H
#define QD_BS_BATCH_H

#include <stddef.h>

#include "bs.h"		/* enum bs_type, struct bs_greeks */

/* Where a batch runs. */
enum bs_batch_backend {
	BS_BATCH_AUTO = 0,	/* GPU when present and n >= BS_BATCH_GPU_MIN */
	BS_BATCH_CPU = 1,	/* this thread, element by element */
	BS_BATCH_GPU = 2	/* the CUDA device, or QM_ENODEV */
};

/*
 * Smallest batch that BS_BATCH_AUTO sends to the GPU.  Measured on an
 * H100 (tests/bench/bench-bs-batch.c): one CPU core prices ~4.6e6
 * options/s; the GPU call costs ~0.12 ms plus ~11 ns per option with the
 * transfers, so it wins from ~600 options on; 4096 leaves a margin for
 * slower links.  The first GPU batch of a process also pays for creating
 * the CUDA context (a fraction of a second).
 */
#define BS_BATCH_GPU_MIN 4096

/*
 * One batch of options, element i described by type[i], S[i], ... (every
 * array n elements long).  sigma is not read by bs_batch_iv().
 */
struct bs_batch {
	const int *type;	/* BS_CALL or BS_PUT */
	const double *S;	/* spot, currency units, > 0 */
	const double *K;	/* strike, currency units, > 0 */
	const double *T;	/* time to expiry, years, >= 0 (> 0 for iv) */
	const double *sigma;	/* volatility, annualised, >= 0 */
	const double *r;	/* risk-free rate, continuously compounded */
	const double *q;	/* dividend yield, continuously compounded */
};

/*
 * Time spent by the last batch run through a workspace, in nanoseconds.
 * On the CPU only total_ns is set (the others are 0).  On the GPU the
 * stages are measured with CUDA events, summed over the chunks.
 */
struct bs_batch_timing {
	int backend;		/* BS_BATCH_CPU or BS_BATCH_GPU: where it ran */
	double upload_ns;	/* host to device copies */
	double kernel_ns;	/* kernel execution alone */
	double download_ns;	/* device to host copies */
	double total_ns;	/* wall clock of the whole call */
};

/*
 * Reusable state of batch calls: the GPU buffers (allocated on the first
 * GPU call, chunk elements each) so that repeated batches do not allocate.
 * Larger batches run in chunks of this size.
 */
typedef struct bs_batch_workspace bs_batch_workspace;

/*
 * Price and Greeks of n options: out[i] as bs_greeks() gives them for
 * element i of in.  backend is one of enum bs_batch_backend.
 */
int bs_batch_greeks(const struct bs_batch *in, size_t n, struct bs_greeks *out,
		    int backend);

/*
 * Implied volatilities (annualised) of n discounted option prices (currency
 * units): sigma[i] as iv_bs() gives it for element i of in and price[i].
 */
int bs_batch_iv(const struct bs_batch *in, const double *price, size_t n,
		double *sigma, int backend);

/*
 * A workspace for batches of up to chunk elements per GPU pass (0: the
 * default of 2^21, about 280 MB of device memory).  NULL when out of host
 * memory.  No device memory is taken before the first GPU call.
 */
bs_batch_workspace *bs_batch_workspace_alloc(size_t chunk);

/* Releases a workspace and its device buffers; NULL is allowed. */
void bs_batch_workspace_free(bs_batch_workspace *w);

/* bs_batch_greeks() through a workspace, recording its timing. */
int bs_batch_greeks_ws(bs_batch_workspace *w, const struct bs_batch *in,
		       size_t n, struct bs_greeks *out, int backend);

/* bs_batch_iv() through a workspace, recording its timing. */
int bs_batch_iv_ws(bs_batch_workspace *w, const struct bs_batch *in,
		   const double *price, size_t n, double *sigma, int backend);

/* Copies the timing of the workspace's last batch into *t. */
int bs_batch_last_timing(const bs_batch_workspace *w,
			 struct bs_batch_timing *t);

/* 1 when the GPU backend can run (CUDA build and a device present), else 0. */
int bs_batch_gpu_available(void);

/*
 * The backend BS_BATCH_AUTO uses for large batches, for `version` and
 * `status`: "cuda", "cpu (no GPU device)" or "cpu (built without CUDA)".
 */
const char *bs_batch_backend_name(void);

/*
 * Describes the GPU in buf (at most len bytes, NUL-terminated), e.g.
 * "NVIDIA H100 80GB HBM3, sm_90, 132 SMs, 79.2 GiB"; QM_ENODEV and ""
 * without one.
 */
int bs_batch_gpu_info(char *buf, size_t len);

/*
 * Internal: the CUDA side (models/cuda/bs-batch.cu), called only by
 * bs-batch.c when HAVE_CUDA.  Each returns QM_OK or QM_ENODEV (a CUDA call
 * failed); *bad receives (index << 8 | status) of the lowest-index element
 * of the chunk that failed, or ~0 when none did; t[3] accumulates the
 * upload, kernel and download times in ns.
 */
struct bs_cuda_buf;
int bs_cuda_device_count(void);
int bs_cuda_info(char *buf, size_t len);
int bs_cuda_alloc(struct bs_cuda_buf **b, size_t chunk);
void bs_cuda_free(struct bs_cuda_buf *b);
int bs_cuda_greeks(struct bs_cuda_buf *b, const struct bs_batch *in,
		   size_t off, size_t n, struct bs_greeks *out,
		   unsigned long long *bad, double t[3]);
int bs_cuda_iv(struct bs_cuda_buf *b, const struct bs_batch *in,
	       const double *price, size_t off, size_t n, double *sigma,
	       unsigned long long *bad, double t[3]);

#endif
