/*
 * ref-sabr-quantlib.cpp -- prints QuantLib 1.29 SABR vols for tests/check_sabr.c.
 *
 * Why it exists: check_sabr.c compares models/sabr.c against a peer library.
 * This program evaluates QuantLib's sabrVolatility() (Hagan 2002 eq. 2.17,
 * lognormal) and sabrVolatility(..., VolatilityType::Normal) (Hagan's normal
 * vol) on a grid of forwards, strikes, maturities and parameters, and prints
 * one C initializer per point; the lines are pasted into check_sabr.c.
 * Second part: QuantLib's SABRInterpolation (Levenberg-Marquardt, beta
 * fixed, equal weights) fitted to a hand-made 15-strike equity smile; its
 * (alpha, rho, nu) and sum of squared vol errors are the peer result the
 * test's calibration must match or beat.
 *
 * Build and run:  g++ -O2 ref-sabr-quantlib.cpp -lQuantLib -o ref && ./ref
 */
#include <ql/math/interpolations/sabrinterpolation.hpp>
#include <ql/termstructures/volatility/sabr.hpp>
#include <cstdio>
#include <vector>

using namespace QuantLib;

/* One parameter set, printed at the strikes m[] times F. */
struct ref_case {
	double F, T, alpha, beta, rho, nu;
};

int main()
{
	/* alpha chosen so alpha / F^(1-beta) is a plausible ATM vol */
	const ref_case cases[] = {
		{ 100.0, 1.0, 2.0, 0.5, -0.4, 0.6 },               /* equity, beta 0.5 */
		{ 0.03, 5.0, 0.006, 0.0, 0.2, 0.4 },               /* rates, beta 0 */
		{ 1.2, 0.25, 0.1, 1.0, -0.7, 1.2 },                /* FX-like, beta 1 */
		{ 50.0, 2.0, 3.1098, 0.3, 0.5, 0.3 },              /* beta 0.3, rho > 0 */
		{ 4500.0, 0.1, 2.6, 0.7, -0.9, 2.0 },              /* index, steep skew */
		{ 100.0, 3.0, 0.25, 1.0, 0.0, 0.0 },               /* nu = 0: flat Black */
		{ 100.0, 0.5, 20.0, 0.0, -0.3, 0.5 },              /* beta 0 on a price */
		{ 2.0, 10.0, 0.15, 0.9, 0.6, 0.25 },               /* long maturity */
	};
	const double m[] = { 0.5, 0.7, 0.9, 0.99, 1.0, 1.01, 1.1, 1.3, 1.8 };

	std::printf("/* F, K, T, alpha, beta, rho, nu, QuantLib lognormal, QuantLib normal */\n");
	for (const ref_case &c : cases) {
		for (double mk : m) {
			double K = c.F * mk;
			double ln = sabrVolatility(K, c.F, c.T, c.alpha, c.beta, c.nu, c.rho);
			double nv = sabrVolatility(K, c.F, c.T, c.alpha, c.beta, c.nu, c.rho,
						   VolatilityType::Normal);
			/* inputs typed as short literals print exactly with %.15g */
			std::printf("\t{ %.15g, %.17g, %.15g, %.15g, %.15g, %.15g, %.15g,\n"
				    "\t  %.17g, %.17g },\n",
				    c.F, K, c.T, c.alpha, c.beta, c.rho, c.nu, ln, nv);
		}
	}
	/* a hand-made equity skew: F = 100, T = 0.5 years, beta = 0.5 */
	const std::vector<double> K = { 70, 75, 80, 85, 90, 95, 100, 105, 110, 115, 120, 125,
					130, 135, 140 };
	const std::vector<double> v = { 0.3150, 0.2990, 0.2850, 0.2705, 0.2585, 0.2470,
					0.2370, 0.2290, 0.2225, 0.2170, 0.2140, 0.2125,
					0.2130, 0.2150, 0.2180 };
	SABRInterpolation sabr(K.begin(), K.end(), v.begin(), 0.5, 100.0,
			       /* alpha, beta, nu, rho guesses */ 2.4, 0.5, 0.6, -0.3,
			       false, true, false, false, /* vegaWeighted */ false,
			       ext::shared_ptr<EndCriteria>(),
			       ext::shared_ptr<OptimizationMethod>(),
			       0.0020, false, 50);
	sabr.update();
	double sse = 0.0;
	for (size_t i = 0; i < K.size(); i++) {
		double e = sabr(K[i]) - v[i];
		sse += e * e;
	}
	std::printf("/* SABRInterpolation: alpha, rho, nu, sum of squared errors */\n");
	std::printf("\t%.17g, %.17g, %.17g, %.17g\n", sabr.alpha(), sabr.rho(), sabr.nu(), sse);
	return 0;
}
