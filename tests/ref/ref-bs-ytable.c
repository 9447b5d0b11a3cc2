/*
 * ref-bs-ytable.c -- generates the Mills-ratio tables compiled into models/bs.c.
 *
 * Why it exists: models/bs.c evaluates Y(z) = Phi(z)/phi(z) (the scaled
 * complementary error function of Cody and of Jaeckel's "Let's be rational",
 * Y(z) = sqrt(pi/2) erfcx(-z/sqrt(2))) from piecewise polynomials instead of
 * calling erfc(): it is faster and keeps relative precision in the far tail.
 * This program recomputes those polynomials in 113-bit quad precision
 * (libquadmath) by Chebyshev interpolation, prints them as C tables, and
 * checks the double evaluation against the quad reference, so the numbers in
 * bs.c can be regenerated and audited.  It is not part of the build.
 *
 * Scheme (u = -z):
 *   part A, -1 <= u < 8: 72 intervals of width 1/8, polynomial of degree
 *           YA_DEG in v = u - centre;
 *   part D, 1 <= u < 8: the derivative Y'(-u) = 1 - u Y(-u), 56 intervals
 *           of width 1/8, degree YA_DEG (the direct formula cancels);
 *   part B, u >= 8: y = 8/u in (0, 1], 8 intervals of width 1/8, polynomial
 *           of degree YB_DEG in w = y - centre approximating
 *           r(y) = u^2 Y'(-u) = u^2 (1 - u Y(-u)), so that
 *           Y(-u) = (1 - r/u^2)/u and Y'(-u) = r/u^2; r -> 1 as u -> infinity
 *           (A&S 26.2.12).
 *
 * Build and run:
 *   gcc -O2 -std=gnu11 tests/ref/ref-bs-ytable.c -lquadmath -lm -o /tmp/ytable
 *   /tmp/ytable > /tmp/ytable.inc
 * and paste the three tables over those in models/bs.c.
 */
#include <quadmath.h>
#include <stdio.h>
#include <math.h>

#define YA_N 72
#define YA_DEG 9
#define YD_N 56
#define YB_N 8
#define YB_DEG 8
#define MAXDEG 16

/* Y(-u) = Phi(-u)/phi(u) in quad precision, by erfc or the asymptotic series. */
static __float128 yneg(__float128 u)
{
	if (u > 60) {
		/* A&S 26.2.12: u*Y(-u) ~ sum (-1)^k (2k-1)!! / u^(2k), terms < 1e-36 */
		__float128 sum = 0, term = 1;
		for (int k = 1; fabsq(term) > 1e-40Q; k++) {
			sum += term;
			term = -term * (2 * k - 1) / (u * u);
		}
		return sum / u;
	}
	return sqrtq(M_PIq / 2) * erfcq(u / M_SQRT2q) * expq(u * u / 2);
}

/* Y'(-u) = 1 - u Y(-u) (part D). */
static __float128 ydneg(__float128 u)
{
	return 1 - u * yneg(u);
}

/* u^2 (1 - u Y(-u)) as a function of y = 8/u (part B). */
static __float128 rfun(__float128 y)
{
	if (y <= 0)
		return 1;
	__float128 u = 8 / y;
	return u * u * ydneg(u);
}

/*
 * Chebyshev interpolant of f on [c-half, c+half] at deg+1 nodes, returned as
 * monomial coefficients in v = t - c.
 */
static void chebfit(__float128 (*f)(__float128), __float128 c, __float128 half,
		    int deg, __float128 *mono)
{
	int n = deg + 1;
	__float128 fv[MAXDEG + 1], a[MAXDEG + 1];
	__float128 T[MAXDEG + 1][MAXDEG + 1] = { { 0 } };

	for (int j = 0; j < n; j++)
		fv[j] = f(c + half * cosq(M_PIq * (j + 0.5Q) / n));
	for (int k = 0; k < n; k++) {
		__float128 s = 0;
		for (int j = 0; j < n; j++)
			s += fv[j] * cosq(M_PIq * k * (j + 0.5Q) / n);
		a[k] = s * 2 / n;
	}
	a[0] /= 2;
	/* monomial coefficients of T_k(xi) by T_{k+1} = 2 xi T_k - T_{k-1} */
	T[0][0] = 1;
	T[1][1] = 1;
	for (int k = 1; k < deg; k++)
		for (int m = 0; m <= k + 1; m++)
			T[k + 1][m] = (m > 0 ? 2 * T[k][m - 1] : 0) - T[k - 1][m];
	for (int m = 0; m <= deg; m++) {
		__float128 s = 0;
		for (int k = m; k <= deg; k++)
			s += a[k] * T[k][m];
		mono[m] = s / powq(half, m);
	}
}

/* Horner evaluation in double, as a stand-in for the Estrin scheme of bs.c. */
static double peval(const double *c, int deg, double v)
{
	double p = c[deg];
	for (int k = deg - 1; k >= 0; k--)
		p = p * v + c[k];
	return p;
}

/* Prints one table and returns the largest relative error seen, in ulps. */
static double emit(const char *name, int nint, int deg, double lo0, double width,
		   __float128 (*f)(__float128))
{
	double tab[YA_N][MAXDEG + 1];
	double worst = 0;

	printf("static const double %s[%d][%d] = {\n", name, nint, deg + 1);
	for (int i = 0; i < nint; i++) {
		__float128 mono[MAXDEG + 1];
		__float128 c = lo0 + (i + 0.5Q) * width;

		chebfit(f, c, width / 2, deg, mono);
		printf("\t{ ");
		for (int k = 0; k <= deg; k++) {
			tab[i][k] = (double)mono[k];
			printf("%.17g%s", tab[i][k], k == deg ? "" :
			       (k % 3 == 2 ? ",\n\t  " : ", "));
		}
		printf(" },\n");
		/* check on a fine grid: relative error of the double polynomial */
		for (int j = 0; j <= 2000; j++) {
			double t = lo0 + i * width + width * j / 2000.0;
			double v = t - (double)c;
			__float128 ref = f(t);
			double got = peval(tab[i], deg, v);
			double err = fabs((double)((got - ref) / ref)) / 0x1p-52;
			if (err > worst)
				worst = err;
		}
	}
	printf("};\n");
	return worst;
}

/* Prints both tables with their measured accuracy. */
int main(void)
{
	double ea = emit("bs_ya", YA_N, YA_DEG, -1.0, 0.125, yneg);
	double ed = emit("bs_yd", YD_N, YA_DEG, 1.0, 0.125, ydneg);
	double eb = emit("bs_yb", YB_N, YB_DEG, 0.0, 0.125, rfun);

	printf("/* max relative error of the Horner-evaluated tables: part A "
	       "%.3f ulp, part D %.3f ulp, part B %.3f ulp */\n", ea, ed, eb);
	return 0;
}
