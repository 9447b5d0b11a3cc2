/*
 * ql-bs.cpp -- the work of bench-bs.c done with QuantLib, for ratios.
 *
 * Why it exists: the lead prints qdesk/QuantLib time ratios per operation.
 * This program draws the same work sets as tests/bench/bench-bs.c (same
 * LCG, same ranges), prices them with QuantLib's blackFormula, and times
 * BlackCalculator (price; price and Greeks) and the implied-volatility
 * solvers blackFormulaImpliedStdDevLiRS and blackFormulaImpliedStdDev
 * (both asked for 1e-12 accuracy in the standard deviation).  BlackCalculator
 * has no vanna or volga, so its Greek line covers 7 of qdesk's 9 outputs.
 *
 * Build: g++ -O2 tests/bench/ql-bs.cpp -lQuantLib -o /tmp/ql-bs
 * Output: bench <name> <ns> ns/op  <accuracy note>  (QuantLib 1.29)
 */
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/utilities/null.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace QuantLib;

namespace {

const int NCASE = 4096;

/* One option of a work set; kappa = d ln(price)/d ln(sigma). */
struct bcase {
	Option::Type type;
	double F, K, T, sigma, price, kappa;
};

/* Monotonic wall clock in seconds. */
double now()
{
	timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Deterministic uniform [0, 1) from a 64-bit LCG (same as bench-bs.c). */
double unif(unsigned long long *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1p-53;
}

/* Fills a work set exactly as bench-bs.c does, priced by QuantLib. */
std::vector<bcase> make_cases(bool wide)
{
	unsigned long long st = wide ? 2024 : 42;
	double mmax = wide ? 10.0 : 3.0, tmax = wide ? 30.0 : 5.0;
	double smin = wide ? 0.01 : 0.05, smax = wide ? 3.0 : 1.0;
	std::vector<bcase> c;

	while ((int)c.size() < NCASE) {
		double m = -mmax + 2.0 * mmax * unif(&st);
		double T = std::exp(std::log(1.0 / 365) +
				    (std::log(tmax) - std::log(1.0 / 365)) * unif(&st));
		double sg = std::exp(std::log(smin) +
				     (std::log(smax) - std::log(smin)) * unif(&st));
		bool call = unif(&st) < 0.5;
		double F = 100.0, K = F * std::exp(-m * std::sqrt(T));
		Option::Type type = call ? Option::Call : Option::Put;
		BlackCalculator bc(type, K, F, sg * std::sqrt(T), 1.0);
		double p = bc.value();
		double d = call ? F - K : K - F;
		double intr = d > 0.0 ? d : 0.0, ub = call ? F : K;

		if (!(p - intr > 1e-300 * F) || !(p < ub))
			continue;
		c.push_back({ type, F, K, T, sg, p, bc.vega(T) * sg / p });
	}
	return c;
}

/* Fastest of 100 chunks of >= 4 ms, in ns per call (as bench-bs.c). */
template <class Pass>
double time_op(Pass pass, const std::vector<bcase> &c, double *sink)
{
	double best = 1e300;

	for (int chunk = 0; chunk < 100; chunk++) {
		long reps = 0;
		double t0 = now(), t1;

		do {
			*sink += pass(c);
			reps++;
			t1 = now();
		} while (t1 - t0 < 0.004);
		double ns = (t1 - t0) / (reps * (double)c.size()) * 1e9;

		if (ns < best)
			best = ns;
	}
	return best;
}

/* BlackCalculator value, discount exp(-0.03 T) (as bs_black76_price). */
double pass_price(const std::vector<bcase> &c)
{
	double acc = 0.0;

	for (const bcase &o : c) {
		BlackCalculator bc(o.type, o.K, o.F, o.sigma * std::sqrt(o.T),
				   std::exp(-0.03 * o.T));
		acc += bc.value();
	}
	return acc;
}

/* BlackCalculator value and Greeks, spot form r = 3%, q = 1% (bs_greeks). */
double pass_greeks(const std::vector<bcase> &c)
{
	double acc = 0.0;

	for (const bcase &o : c) {
		double S = o.F, fwd = S * std::exp((0.03 - 0.01) * o.T);
		BlackCalculator bc(o.type, o.K, fwd, o.sigma * std::sqrt(o.T),
				   std::exp(-0.03 * o.T));
		acc += bc.value() + bc.delta(S) + bc.gamma(S) + bc.vega(o.T)
		       + bc.theta(S, o.T) + bc.rho(o.T) + bc.dividendRho(o.T);
	}
	return acc;
}

/* Implied vol by one of the two QuantLib solvers; NaN when it throws. */
double implied(const bcase &o, bool lirs)
{
	try {
		double sd = lirs
			    ? blackFormulaImpliedStdDevLiRS(o.type, o.K, o.F, o.price, 1.0,
							    0.0, Null<Real>(), 1.0, 1e-12, 100)
			    : blackFormulaImpliedStdDev(o.type, o.K, o.F, o.price, 1.0, 0.0,
							Null<Real>(), 1e-12, 100);
		return sd / std::sqrt(o.T);
	} catch (...) {
		return NAN;
	}
}

/*
 * Times a solver and reports max |sigma_hat/sigma - 1| / eps over the cases
 * with kappa >= 1 (as bench-bs.c) and the number of failures (exceptions).
 */
void bench_iv(const char *name, const std::vector<bcase> &c, bool lirs,
	      double *sink)
{
	double maxerr = 0.0;
	int fails = 0;

	for (const bcase &o : c) {
		double s = implied(o, lirs);

		if (!std::isfinite(s)) {
			fails++;
			continue;
		}
		double e = std::fabs(s / o.sigma - 1.0) / 2.220446049250313e-16;

		if (o.kappa >= 1.0 && e > maxerr)
			maxerr = e;
	}
	double t = time_op([lirs](const std::vector<bcase> &v) {
		double acc = 0.0;

		for (const bcase &o : v)
			acc += implied(o, lirs);
		return acc;
	}, c, sink);
	std::printf("bench %s %.1f ns/op  max |iv(price(s))/s-1| = %.3g eps where "
		    "kappa >= 1, %d failures (QuantLib 1.29)\n", name, t, maxerr, fails);
}

} // namespace

/* Runs every QuantLib benchmark and prints one line per operation. */
int main()
{
	std::vector<bcase> typ = make_cases(false), wide = make_cases(true);
	double sink = 0.0;

	std::printf("bench bs_black76_price %.1f ns/op  QuantLib 1.29 BlackCalculator "
		    "value\n", time_op(pass_price, typ, &sink));
	std::printf("bench bs_greeks %.1f ns/op  QuantLib 1.29 BlackCalculator value "
		    "+ 6 Greeks (no vanna/volga)\n", time_op(pass_greeks, typ, &sink));
	bench_iv("iv_black76_typical", typ, true, &sink);
	bench_iv("iv_black76_wide", wide, true, &sink);
	bench_iv("iv_black76_typical_newton", typ, false, &sink);
	if (sink == 0.12345)
		std::printf("#\n");
	return 0;
}
