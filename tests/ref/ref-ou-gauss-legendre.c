/*
 * ref-ou-gauss-legendre.c -- prints the Gauss-Legendre tables used by
 * models/leungli.c.
 *
 * Why it exists: leungli.c integrates the Leung & Li functions F and G with
 * fixed 12- and 24-point Gauss-Legendre panels whose nodes and weights are
 * constant tables in the source.  This program recomputes them from the
 * mathematics (Newton's method on the Legendre polynomial P_n, evaluated by
 * its three-term recurrence in long double, started from Tricomi's
 * approximation cos(pi (k - 1/4) / (n + 1/2))) and prints the positive nodes
 * with their weights w = 2 / ((1 - x^2) P_n'(x)^2), so the tables can be
 * regenerated and checked; it also prints the largest error of the rule on
 * the monomials x^0 .. x^(2n-1) as a self-test.
 *
 * Build and run:  gcc -O2 ref-ou-gauss-legendre.c -lm -o ref && ./ref
 */
#include <math.h>
#include <stdio.h>

/* Evaluates P_n(x) and P_n'(x) by the three-term recurrence. */
static void legendre(int n, long double x, long double *p, long double *dp)
{
	long double p0 = 1.0L, p1 = x;
	int k;

	for (k = 2; k <= n; k++) {
		long double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
		p0 = p1;
		p1 = p2;
	}
	*p = p1;
	*dp = n * (x * p1 - p0) / (x * x - 1.0L);
}

/* Prints the table for an n-point rule (n even): positive nodes, weights. */
static void table(int n)
{
	long double x[64], w[64], maxerr = 0.0L;
	int k, i, m;

	for (k = 1; k <= n / 2; k++) {
		long double t = cosl(3.14159265358979323846264338327950288L *
				     (k - 0.25L) / (n + 0.5L));
		long double p, dp;

		for (i = 0; i < 100; i++) {
			long double dt;

			legendre(n, t, &p, &dp);
			dt = p / dp;
			t -= dt;
			if (fabsl(dt) < 1e-19L)
				break;
		}
		legendre(n, t, &p, &dp);
		x[k - 1] = t;
		w[k - 1] = 2.0L / ((1.0L - t * t) * dp * dp);
	}
	/* self-test on monomials: int_-1^1 x^m dx = 2/(m+1) for even m */
	for (m = 0; m < 2 * n; m += 2) {
		long double s = 0.0L, e;

		for (k = 0; k < n / 2; k++)
			s += 2.0L * w[k] * powl(x[k], m);
		e = fabsl(s - 2.0L / (m + 1));
		if (e > maxerr)
			maxerr = e;
	}
	printf("/* %d-point rule: positive nodes (decreasing) and weights; "
	       "max monomial error %.3Lg */\n", n, maxerr);
	for (k = 0; k < n / 2; k++)
		printf("\t{ %.21Lg, %.21Lg },\n", x[k], w[k]);
}

int main(void)
{
	table(12);
	table(24);
	return 0;
}
