/*
 * ql-ou.cpp -- the QuantLib 1.29 side of tests/bench/bench-ou.c.
 *
 * Why it exists: QuantLib has no OU maximum likelihood and no Leung & Li
 * levels, but it simulates the OU process exactly
 * (OrnsteinUhlenbeckProcess::evolve = expectation + stdDeviation * dw), the
 * same work as ou_simulate().  This program simulates the same 2,520 daily
 * steps from the same deterministic normals and parameters as bench-ou.c and
 * prints the line
 *	bench ql_ou_simulate_2520 <ns> ns/op  <final value>
 * so the lead can print the ratio; the final values must agree.
 *
 * Build and run:  g++ -O2 tests/bench/ql-ou.cpp -lQuantLib -o ql-ou && ./ql-ou
 */
#include <ql/processes/ornsteinuhlenbeckprocess.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace QuantLib;

/* Seconds on the monotonic clock. */
static double now()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* The deterministic standard-normal-like sequence of bench-ou.c. */
static double det_normal(int i)
{
	return 1.7 * std::sin(0.7 * i + 0.3) * std::cos(0.13 * i);
}

static volatile double sink;

int main()
{
	const int n = 2520;
	const double dt = 1.0 / 252.0;
	/* dx = speed (level - x) dt + vol dW: theta 0.5388, mu 16.6677, sigma 0.1599 */
	OrnsteinUhlenbeckProcess p(16.6677, 0.1599, 0.5388, 0.5388);
	std::vector<double> z(n), path(n + 1);
	double t0, t = 0.0;
	long reps = 1, r;

	for (int i = 0; i < n; i++)
		z[i] = det_normal(i);
	for (;;) {
		t0 = now();
		for (r = 0; r < reps; r++) {
			path[0] = p.x0();
			for (int i = 0; i < n; i++)
				path[i + 1] = p.evolve(i * dt, path[i], dt, z[i]);
			sink = path[n];
		}
		t = now() - t0;
		if (t > 0.3)
			break;
		reps *= t > 0.01 ? (long)(0.35 / t) + 1 : 16;
	}
	std::printf("bench ql_ou_simulate_2520 %.0f ns/op  exact transition; "
		    "x[2520] = %.15g\n", 1e9 * t / reps, path[n]);
	return 0;
}
