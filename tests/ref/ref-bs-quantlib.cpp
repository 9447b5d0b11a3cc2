/*
 * ref-bs-quantlib.cpp -- QuantLib reference values for tests/check_bs.c and
 * tests/check_iv.c.
 *
 * Why it exists: the Black-Scholes tests compare models/bs.c against a peer
 * library.  This program prints, as C initialisers, QuantLib 1.29's
 * BlackCalculator price and Greeks for a grid of options, Black-76 forward
 * Greeks, and a few implied volatilities from blackFormulaImpliedStdDev; the
 * printed numbers are pasted into the tests, which name this program.
 *
 * Build and run:
 *   g++ -O2 tests/ref/ref-bs-quantlib.cpp -lQuantLib -o /tmp/ref-bs-quantlib
 *   /tmp/ref-bs-quantlib > /tmp/ref-bs-quantlib.inc
 *
 * Conventions of BlackCalculator used here: forward F = S exp((r-q)T),
 * discount exp(-rT); delta(S), gamma(S) with respect to spot; vega(T) per
 * unit vol; theta(S, T) per year of calendar time; rho(T) and
 * dividendRho(T) per unit rate; deltaForward(), gammaForward() for Black-76.
 */
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/utilities/null.hpp>

#include <cmath>
#include <cstdio>

using namespace QuantLib;

namespace {

/* Prints one BSM case: inputs, then price and six Greeks. */
void bsm_case(int call, double S, double K, double T, double sigma, double r,
	      double q)
{
	Option::Type type = call ? Option::Call : Option::Put;
	double F = S * std::exp((r - q) * T), D = std::exp(-r * T);
	BlackCalculator bc(type, K, F, sigma * std::sqrt(T), D);

	std::printf("\t{ %s, %.17g, %.17g, %.17g,\n\t  %.17g, %.17g, %.17g,\n",
		    call ? "BS_CALL" : "BS_PUT", S, K, T, sigma, r, q);
	std::printf("\t  %.17g, %.17g, %.17g,\n\t  %.17g, %.17g, %.17g,\n"
		    "\t  %.17g },\n", bc.value(), bc.delta(S), bc.gamma(S),
		    bc.vega(T), bc.theta(S, T), bc.rho(T), bc.dividendRho(T));
}

/* Prints one Black-76 case: price, forward delta, gamma, vega, theta. */
void b76_case(int call, double F, double K, double T, double sigma, double r)
{
	Option::Type type = call ? Option::Call : Option::Put;
	BlackCalculator bc(type, K, F, sigma * std::sqrt(T), std::exp(-r * T));

	std::printf("\t{ %s, %.17g, %.17g, %.17g,\n\t  %.17g, %.17g,\n",
		    call ? "BS_CALL" : "BS_PUT", F, K, T, sigma, r);
	std::printf("\t  %.17g, %.17g, %.17g,\n\t  %.17g, %.17g },\n",
		    bc.value(), bc.deltaForward(), bc.gammaForward(), bc.vega(T),
		    bc.theta(F, T));
}

/* Prints one implied-volatility case solved by QuantLib to 1e-15. */
void iv_case(int call, double F, double K, double T, double sigma)
{
	Option::Type type = call ? Option::Call : Option::Put;
	double p = blackFormula(type, K, F, sigma * std::sqrt(T), 1.0);
	double sd = blackFormulaImpliedStdDev(type, K, F, p, 1.0, 0.0,
					      Null<Real>(), 1e-15, 1000);

	std::printf("\t{ %s, %.17g, %.17g, %.17g,\n\t  %.17g, %.17g },\n",
		    call ? "BS_CALL" : "BS_PUT", F, K, T, p, sd / std::sqrt(T));
}

} // namespace

/* Prints the three reference tables. */
int main()
{
	const double Ks[] = { 60, 95, 100, 105, 150 };
	const double Ts[] = { 1.0 / 365, 0.25, 1.0, 5.0, 30.0 };
	const double sigmas[] = { 0.05, 0.2, 0.5, 1.5 };

	std::printf("/* tests/ref/ref-bs-quantlib.cpp, QuantLib 1.29: type, S, K, T, "
		    "sigma, r, q,\n   price, delta, gamma, vega, theta, rho, "
		    "rho_q */\n");
	bsm_case(1, 42, 40, 0.5, 0.2, 0.1, 0.0);
	bsm_case(0, 42, 40, 0.5, 0.2, 0.1, 0.0);
	bsm_case(0, 75, 70, 0.5, 0.35, 0.1, 0.05);
	bsm_case(0, 100, 95, 0.5, 0.2, 0.1, 0.05);
	bsm_case(1, 100, 110, 2.0, 0.3, -0.005, 0.02);
	bsm_case(0, 100, 90, 2.0, 0.3, -0.005, 0.02);
	for (double K : Ks)
		for (double T : Ts)
			for (double sg : sigmas)
				for (int call = 0; call < 2; call++) {
					double F = 100 * std::exp(0.02 * T);
					double sd = sg * std::sqrt(T);
					double d1 = std::log(F / K) / sd + 0.5 * sd;

					/* QuantLib forms 1 - N(d) and F N(d1) - K N(d2);
					   keep |d| <= 3, where those lose < 1e-13 */
					if (std::fabs(d1) <= 3 && std::fabs(d1 - sd) <= 3)
						bsm_case(call, 100, K, T, sg, 0.03, 0.01);
				}
	std::printf("/* Black-76: type, F, K, T, sigma, r, price, delta_F, gamma_F, "
		    "vega, theta */\n");
	b76_case(1, 19, 19, 0.75, 0.28, 0.10);
	b76_case(0, 19, 19, 0.75, 0.28, 0.10);
	b76_case(1, 105, 100, 0.5, 0.36, 0.10);
	b76_case(0, 105, 100, 0.5, 0.36, 0.10);
	b76_case(1, 3000, 3300, 1.5, 0.15, 0.04);
	b76_case(0, 0.05, 0.04, 3.0, 0.6, 0.02);
	std::printf("/* implied vol: type, F, K, T, price, sigma "
		    "(blackFormulaImpliedStdDev, 1e-15) */\n");
	iv_case(1, 100, 100, 1.0, 0.2);
	iv_case(0, 100, 80, 0.5, 0.35);
	iv_case(1, 100, 130, 2.0, 0.25);
	iv_case(1, 50, 40, 0.1, 0.6);
	iv_case(0, 1.2, 1.5, 5.0, 0.12);
	return 0;
}
