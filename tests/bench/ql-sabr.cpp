/*
 * ql-sabr.cpp -- the work of bench-sabr.c done with QuantLib 1.29.
 *
 * Why it exists: the lead prints qdesk/QuantLib time ratios; every line here
 * has the same name and inputs as its bench-sabr.c counterpart and the same
 * timing method (chunks of ~0.05 s, fastest of five).  QuantLib has no
 * Obloj formula, no analytic Jacobian and no ATM cubic, so those lines
 * exist only in bench-sabr.c.  Output: bench <name> <ns> ns/op <note>.
 *
 * Build: g++ -O2 ql-sabr.cpp -lQuantLib -o ql-sabr
 */
#include <ql/math/interpolations/sabrinterpolation.hpp>
#include <ql/termstructures/volatility/sabr.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <vector>

using namespace QuantLib;

namespace {

/* Sink that keeps the compiler from discarding the timed work. */
volatile double bench_sink;

/* Monotonic wall time in seconds. */
double bench_now()
{
	timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Times fn(n) like bench-sabr.c: ~0.05 s chunks, fastest of five, in ns/op. */
double bench_time(const std::function<double(long)> &fn)
{
	long n = 16;
	double t, best = INFINITY;

	for (;;) {
		t = bench_now();
		bench_sink = fn(n);
		t = bench_now() - t;
		if (t >= 0.05)
			break;
		n *= 2;
	}
	for (int k = 0; k < 5; k++) {
		t = bench_now();
		bench_sink = fn(n);
		t = bench_now() - t;
		best = std::min(best, t / n);
	}
	return best * 1e9;
}

} // namespace

int main()
{
	const int ngrid = 1024;
	const double F = 100.0, T = 0.5, alpha = 2.0, beta = 0.5, rho = -0.4, nu = 0.6;
	std::vector<double> K(ngrid);

	for (int i = 0; i < ngrid; i++)
		K[i] = 60.0 + 90.0 * i / ngrid;
	double t = bench_time([&](long n) {
		double acc = 0.0;
		for (long i = 0; i < n; i++)
			acc += sabrVolatility(K[i & (ngrid - 1)], F, T, alpha, beta, nu, rho);
		return acc;
	});
	std::printf("bench sabr_vol_hagan %.1f ns/op QuantLib sabrVolatility (checked)\n", t);
	t = bench_time([&](long n) {
		double acc = 0.0;
		for (long i = 0; i < n; i++)
			acc += sabrVolatility(K[i & (ngrid - 1)], F, T, alpha, beta, nu, rho,
					      VolatilityType::Normal);
		return acc;
	});
	std::printf("bench sabr_vol_normal_expanded %.1f ns/op QuantLib sabrVolatility Normal\n",
		    t);

	/* the 15-strike fit of bench-sabr.c: noise-free smile, beta fixed at 0.5 */
	std::vector<double> k15(15), v15(15);
	for (int i = 0; i < 15; i++) {
		k15[i] = 70.0 + 5.0 * i;
		v15[i] = sabrVolatility(k15[i], F, T, alpha, beta, nu, rho);
	}
	double err = 0.0;
	t = bench_time([&](long n) {
		double acc = 0.0;
		for (long i = 0; i < n; i++) {
			/* a practitioner's start: alpha from the ATM quote, rho 0, nu 0.5 */
			SABRInterpolation s(k15.begin(), k15.end(), v15.begin(), T, F,
					    v15[6] * std::sqrt(F), beta, 0.5, 0.0, false, true,
					    false, false, false, ext::shared_ptr<EndCriteria>(),
					    ext::shared_ptr<OptimizationMethod>(), 0.0020, false,
					    1);
			s.update();
			acc += s.alpha();
			err = std::max({ std::fabs(s.alpha() / alpha - 1.0),
					 std::fabs(s.rho() - rho), std::fabs(s.nu() / nu - 1.0) });
		}
		return acc;
	});
	std::printf("bench sabr_calib_smile_15 %.1f ns/op QuantLib SABRInterpolation "
		    "(LM, numerical Jacobian, 1 guess), max param err %.1e\n", t, err);
	return 0;
}
