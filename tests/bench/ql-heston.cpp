// ql-heston.cpp -- QuantLib 1.29 counterpart of tests/bench/bench-heston.c.
//
// Why it exists: the lead prints speed ratios between qdesk's Heston code
// and QuantLib doing the same work.  Each line has the format
//   bench <name> <time> ns/op  <accuracy note>
// with the same names as bench-heston.c:
//   heston_surface_5x42   one option of the 5-maturity x 42-option surface
//                         with AnalyticHestonEngine (Gauss-Laguerre 128);
//   heston_surface_5x42_cos  the same with COSHestonEngine (L 16, N 200);
//                         errors vs a Gauss-Lobatto 1e-12 run;
//   heston_calib_dax      DAX surface (Sepp 2002, maturities rounded to
//                         weeks as in QuantLib's test suite) calibrated with
//                         LevenbergMarquardt from v0 .1 kappa 1 theta .1
//                         sigma .5 rho -.5, one calibration per op.
//
// Build: g++ -O2 tests/bench/ql-heston.cpp -lQuantLib -o /tmp/ql-heston
// Run:   /tmp/ql-heston [path to dax_sepp_2002-07-05_ivol.csv]
// The DAX data are read from ../shared/market-data when present (never
// copied into the repository); without the file that line is skipped.
#include <ql/quantlib.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace QuantLib;

namespace {

// Returns seconds since an arbitrary origin (steady clock).
double now()
{
	return std::chrono::duration<double>(
	    std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The benchmark surface: S 100, r 5%, q 2%, five maturities, 21 strikes
// 60..160, a call and a put each (the same grid as bench-heston.c).
struct Surface {
	std::vector<int> days;
	std::vector<double> strikes;
};

Surface surface()
{
	Surface s;
	s.days = { 30, 91, 182, 365, 730 };
	for (int k = 0; k < 21; k++)
		s.strikes.push_back(60.0 + 5.0 * k);
	return s;
}

// The surface's options, built once so that only pricing is timed.
std::vector<ext::shared_ptr<VanillaOption>> build_options(const Surface &s,
							  const Date &today)
{
	std::vector<ext::shared_ptr<VanillaOption>> v;
	for (int d : s.days)
		for (double K : s.strikes)
			for (int t = 0; t < 2; t++)
				v.push_back(ext::make_shared<VanillaOption>(
				    ext::make_shared<PlainVanillaPayoff>(
					t ? Option::Call : Option::Put, K),
				    ext::make_shared<EuropeanExercise>(today + d)));
	return v;
}

// Prices every option again (forced recalculation) and returns the prices.
std::vector<double> reprice(std::vector<ext::shared_ptr<VanillaOption>> &v)
{
	std::vector<double> out;
	for (auto &o : v) {
		o->recalculate();
		out.push_back(o->NPV());
	}
	return out;
}

// Prices the surface with one engine factory, returns the prices.
template <class MakeEngine>
std::vector<double> price_surface(const Surface &s, MakeEngine make,
				  const ext::shared_ptr<HestonModel> &model,
				  const Date &today)
{
	auto v = build_options(s, today);
	auto engine = make(model);
	for (auto &o : v)
		o->setPricingEngine(engine);
	return reprice(v);
}

// Times surface pricing with one engine and prints the bench line.
template <class MakeEngine>
void bench_engine(const char *name, const char *what, MakeEngine make,
		  const ext::shared_ptr<HestonModel> &model, const Date &today,
		  const std::vector<double> &ref)
{
	Surface s = surface();
	auto v = build_options(s, today);
	auto engine = make(model);
	std::vector<double> p;
	int reps = 0;
	double t0, t1;

	for (auto &o : v)
		o->setPricingEngine(engine);
	t0 = now();
	do {
		p = reprice(v);
		reps++;
		t1 = now();
	} while (t1 - t0 < 0.5);
	double maxerr = 0;
	for (size_t i = 0; i < p.size(); i++)
		maxerr = std::max(maxerr, std::fabs(p[i] - ref[i]));
	std::printf("bench %s %.1f ns/op  %s, max abs err %.1e vs "
		    "Gauss-Lobatto 1e-12 (S=100)\n", name,
		    (t1 - t0) / reps / p.size() * 1e9, what, maxerr);
}

// Runs the surface benchmarks.
void bench_surface()
{
	Date today(2, January, 2020);
	Settings::instance().evaluationDate() = today;
	DayCounter dc = Actual365Fixed();
	Handle<YieldTermStructure> rts(ext::make_shared<FlatForward>(today, 0.05, dc));
	Handle<YieldTermStructure> qts(ext::make_shared<FlatForward>(today, 0.02, dc));
	Handle<Quote> s0(ext::make_shared<SimpleQuote>(100.0));
	auto model = ext::make_shared<HestonModel>(ext::make_shared<HestonProcess>(
	    rts, qts, s0, 0.04, 2.0, 0.04, 0.3, -0.7));
	Surface s = surface();
	auto ref = price_surface(s, [](const ext::shared_ptr<HestonModel> &m) {
		return ext::make_shared<AnalyticHestonEngine>(m,
		    AnalyticHestonEngine::Gatheral,
		    AnalyticHestonEngine::Integration::gaussLobatto(1e-12, 1e-12,
								     1000000));
	}, model, today);
	bench_engine("heston_surface_5x42",
		     "AnalyticHestonEngine Gauss-Laguerre 128",
		     [](const ext::shared_ptr<HestonModel> &m) {
			     return ext::make_shared<AnalyticHestonEngine>(m, 128);
		     }, model, today, ref);
	bench_engine("heston_surface_5x42_cos", "COSHestonEngine L=16 N=200",
		     [](const ext::shared_ptr<HestonModel> &m) {
			     return ext::make_shared<COSHestonEngine>(m);
		     }, model, today, ref);
}

// One row of the DAX file.
struct DaxRow {
	double weeks, strike, vol;
};

// Reads the DAX implied-vol file; empty when it is missing.
std::vector<DaxRow> read_dax(const char *path)
{
	std::vector<DaxRow> rows;
	std::ifstream in(path);
	std::string line;
	if (!in || !std::getline(in, line))
		return rows;
	while (std::getline(in, line)) {
		std::stringstream ss(line);
		std::string f[9];
		for (int i = 0; i < 9; i++)
			std::getline(ss, f[i], ',');
		rows.push_back({ std::atof(f[4].c_str()), std::atof(f[5].c_str()),
				 std::atof(f[6].c_str()) });
	}
	return rows;
}

// Calibrates QuantLib's Heston model to the DAX surface once; returns the
// sum of squared vol errors in vol points.
double calibrate_dax(const std::vector<DaxRow> &rows, Array *params)
{
	Date today(5, July, 2002);
	Settings::instance().evaluationDate() = today;
	DayCounter dc = Actual365Fixed();
	Calendar cal = TARGET();
	const int t[] = { 13, 41, 75, 165, 256, 345, 524, 703 };
	const double r[] = { 0.0357, 0.0349, 0.0341, 0.0355, 0.0359, 0.0368,
			     0.0386, 0.0401 };
	std::vector<Date> dates = { today };
	std::vector<Rate> rates = { 0.0357 };
	for (int i = 0; i < 8; i++) {
		dates.push_back(today + t[i]);
		rates.push_back(r[i]);
	}
	Handle<YieldTermStructure> rts(ext::make_shared<ZeroCurve>(dates, rates, dc));
	Handle<YieldTermStructure> qts(ext::make_shared<FlatForward>(today, 0.0, dc));
	Handle<Quote> s0(ext::make_shared<SimpleQuote>(4468.17));
	auto model = ext::make_shared<HestonModel>(ext::make_shared<HestonProcess>(
	    rts, qts, s0, 0.1, 1.0, 0.1, 0.5, -0.5));
	auto engine = ext::make_shared<AnalyticHestonEngine>(model, 64);
	std::vector<ext::shared_ptr<CalibrationHelper>> helpers;
	for (const DaxRow &row : rows) {
		Handle<Quote> vol(ext::make_shared<SimpleQuote>(row.vol));
		auto h = ext::make_shared<HestonModelHelper>(
		    Period((int)row.weeks, Weeks), cal, s0->value(), row.strike,
		    vol, rts, qts, BlackCalibrationHelper::ImpliedVolError);
		h->setPricingEngine(engine);
		helpers.push_back(h);
	}
	LevenbergMarquardt om(1e-8, 1e-8, 1e-8);
	model->calibrate(helpers, om, EndCriteria(400, 40, 1.0e-8, 1.0e-8, 1.0e-8));
	double sse = 0;
	for (auto &h : helpers) {
		double d = h->calibrationError() * 100.0;
		sse += d * d;
	}
	*params = model->params();
	return sse;
}

// Times the DAX calibration and prints the bench line.
void bench_dax(const char *path)
{
	std::vector<DaxRow> rows = read_dax(path);
	if (rows.empty()) {
		std::printf("# %s not found: heston_calib_dax skipped\n", path);
		return;
	}
	Array p;
	int reps = 0;
	double sse = 0, t0 = now(), t1;
	do {
		sse = calibrate_dax(rows, &p);
		reps++;
		t1 = now();
	} while (t1 - t0 < 1.0);
	std::printf("bench heston_calib_dax %.0f ns/op  LevenbergMarquardt, "
		    "AnalyticHestonEngine(64): SSE %.4f vol pts^2 (theta %.5f "
		    "kappa %.4f sigma %.4f rho %.4f v0 %.5f)\n",
		    (t1 - t0) / reps * 1e9, sse, p[0], p[1], p[2], p[3], p[4]);
}

} // namespace

// Runs every QuantLib benchmark.
int main(int argc, char **argv)
{
	const char *dax = argc > 1 ? argv[1] :
		"../shared/market-data/options/dax_sepp_2002-07-05_ivol.csv";
	bench_surface();
	bench_dax(dax);
	return 0;
}
