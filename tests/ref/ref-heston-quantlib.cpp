// ref-heston-quantlib.cpp -- prints QuantLib 1.29 reference prices for
// tests/check_heston.c.
//
// Why it exists: check_heston.c compares models/heston.c with an
// independent implementation.  This program prices the same options with
// QuantLib's AnalyticHestonEngine (Gatheral form of the characteristic
// function, adaptive Gauss-Lobatto integration at relative and absolute
// tolerance 1e-14) and prints C initialisers that are pasted into the test.
//
// Build and run (QuantLib 1.29):
//   g++ -O2 tests/ref/ref-heston-quantlib.cpp -lQuantLib -o /tmp/ref-heston
//   /tmp/ref-heston
//
// Times are whole days over 365 with Actual365Fixed so that T is exact.
#include <ql/quantlib.hpp>
#include <cstdio>

using namespace QuantLib;

struct Case {
	int days;
	double kappa, theta, sigma, rho, v0, r, q;
};

// Prices one option with the given engine settings; S = 100.
static double price(const Case &c, double K, Option::Type type)
{
	Date today(2, January, 2020);
	Settings::instance().evaluationDate() = today;
	DayCounter dc = Actual365Fixed();
	Handle<YieldTermStructure> rts(
	    ext::make_shared<FlatForward>(today, c.r, dc, Continuous));
	Handle<YieldTermStructure> qts(
	    ext::make_shared<FlatForward>(today, c.q, dc, Continuous));
	Handle<Quote> s0(ext::make_shared<SimpleQuote>(100.0));
	auto proc = ext::make_shared<HestonProcess>(rts, qts, s0, c.v0,
	    c.kappa, c.theta, c.sigma, c.rho);
	auto model = ext::make_shared<HestonModel>(proc);
	auto engine = ext::make_shared<AnalyticHestonEngine>(model,
	    AnalyticHestonEngine::Gatheral,
	    AnalyticHestonEngine::Integration::gaussLobatto(1e-14, 1e-14,
							     10000000));
	VanillaOption opt(ext::make_shared<PlainVanillaPayoff>(type, K),
			  ext::make_shared<EuropeanExercise>(today + c.days));
	opt.setPricingEngine(engine);
	return opt.NPV();
}

int main()
{
	const Case cases[] = {
		{ 365, 2.0, 0.04, 0.3, -0.7, 0.04, 0.05, 0.02 },	// typical
		{ 365, 2.0, 0.04, 1e-9, -0.7, 0.04, 0.05, 0.02 },	// sigma -> 0
		{ 1, 2.0, 0.04, 0.3, -0.7, 0.04, 0.05, 0.02 },	// one day
		{ 10950, 2.0, 0.04, 0.3, -0.7, 0.04, 0.05, 0.02 },	// 30 years
		{ 365, 0.5, 0.04, 1.5, -0.9, 0.02, 0.03, 0.0 },	// Feller violated
		{ 730, 0.01, 0.09, 1.0, 0.999, 0.04, 0.0, 0.01 },	// kappa 0.01, rho +0.999
		{ 182, 1.0, 0.04, 0.5, -0.999, 0.04, 0.02, 0.0 },	// rho -0.999
		{ 7, 1.0, 0.04, 0.5, -0.5, 1e-4, 0.01, 0.0 },	// tiny v0, one week
		{ 1825, 3.0, 0.06, 3.0, -0.3, 0.05, 0.04, 0.01 },	// sigma 3
	};
	const double strikes[] = { 20, 50, 80, 95, 100, 105, 120, 150, 200, 300 };
	// corners that need 10^4..10^5 quadrature nodes in heston.c
	const Case corners[] = {
		{ 10950, 0.01, 0.04, 3.0, -0.999, 0.04, 0.05, 0.02 },
		{ 365, 5.0, 0.04, 3.0, -0.999, 0.04, 0.05, 0.02 },
		{ 365, 0.01, 0.04, 1.0, 0.999, 0.04, 0.05, 0.02 },
		{ 1, 5.0, 0.04, 3.0, 0.999, 1e-4, 0.05, 0.02 },
	};
	const double corner_strikes[] = { 50, 100, 200 };

	for (const Case &c : cases)
		for (double K : strikes)
			for (int t = 0; t < 2; t++) {
				double p = price(c, K, t ? Option::Call : Option::Put);
				std::printf("\t{ %d, %.15g, %.15g, %.15g, %.15g, "
					    "%.15g, %.15g, %.15g, %g, %d, %.17g },\n",
					    c.days, c.kappa, c.theta, c.sigma, c.rho,
					    c.v0, c.r, c.q, K, t, p);
			}
	std::printf("\t/* corners */\n");
	for (const Case &c : corners)
		for (double K : corner_strikes)
			for (int t = 0; t < 2; t++) {
				double p;
				try {
					p = price(c, K, t ? Option::Call : Option::Put);
				} catch (const std::exception &e) {
					std::printf("\t/* %d days K %g: QuantLib: %s */\n",
						    c.days, K, e.what());
					continue;
				}
				std::printf("\t{ %d, %.15g, %.15g, %.15g, %.15g, "
					    "%.15g, %.15g, %.15g, %g, %d, %.17g },\n",
					    c.days, c.kappa, c.theta, c.sigma, c.rho,
					    c.v0, c.r, c.q, K, t, p);
			}
	return 0;
}
