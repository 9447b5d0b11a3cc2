#!/usr/bin/env python3
"""ref-ou-leungli.py -- an independent, plain-Python reference for the
Leung & Li (2015) levels b* and d*, used by tests/meanrev.test.

F(x) = int_0^inf u^(nu-1) exp(k (x - theta) u - u^2/2) du, nu = r/mu,
k = sqrt(2 mu / sigma^2); G(x) the same with -(x - theta).  The singular
part near u = 0 is split off: int_0^a u^(nu-1) g(u) du =
g(0) a^nu / nu + int_0^a u^(nu-1) (g(u) - g(0)) du, the second integrand
being bounded.  Composite Simpson rules do the rest; roots by bisection.
Slow and simple on purpose: it shares nothing with models/leungli.c.

usage: ref-ou-leungli.py theta mu sigma r c   -> prints "b d"
"""
import math
import sys


def simpson(f, a, b, n):
    n += n % 2
    h = (b - a) / n
    s = f(a) + f(b)
    for i in range(1, n):
        s += (4 if i % 2 else 2) * f(a + i * h)
    return s * h / 3


def integral(nu, z, power):
    """int_0^inf u^(nu-1+power) exp(z u - u^2/2) du."""
    g = lambda u: math.exp(z * u - u * u / 2)
    top = max(z, 0) + 40.0
    a = 0.05
    e = nu + power
    if power == 0:
        near = g(0) * a ** e / e + simpson(
            lambda u: (u ** (e - 1)) * (g(u) - g(0)) if u > 0 else 0.0, 0, a, 4000)
    else:
        near = simpson(lambda u: u ** (e - 1) * g(u) if u > 0 else 0.0, 0, a, 4000)
    return near + simpson(lambda u: u ** (e - 1) * g(u), a, top, 40000)


def fg(theta, mu, sigma, r, x, sign):
    """(F, F') for sign = +1, (G, G') for sign = -1."""
    nu, k = r / mu, math.sqrt(2 * mu / sigma ** 2)
    z = sign * k * (x - theta)
    return integral(nu, z, 0), sign * k * integral(nu, z, 1)


def bisect(h, lo, hi, it=80):
    flo = h(lo)
    for _ in range(it):
        mid = 0.5 * (lo + hi)
        fm = h(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def main():
    theta, mu, sigma, r, c = map(float, sys.argv[1:6])
    sd = sigma / math.sqrt(2 * mu)

    def hb(b):
        f, df = fg(theta, mu, sigma, r, b, 1)
        return f - (b - c) * df
    b = bisect(hb, theta + c - 0.5 * sd if c > 0 else theta, theta + c + 6 * sd)
    fb, _ = fg(theta, mu, sigma, r, b, 1)

    def hd(d):
        f, df = fg(theta, mu, sigma, r, d, 1)
        g, dg = fg(theta, mu, sigma, r, d, -1)
        v, dv = (b - c) * f / fb, (b - c) * df / fb
        return g * (dv - 1) - dg * (v - d - c)
    # d* lies below the zero of V(x) - x - c; scan down for a sign change.
    hi = b - 1e-9
    lo = hi - sd
    while hd(lo) * hd(hi) > 0 and lo > theta - 12 * sd:
        hi, lo = lo, lo - sd
    d = bisect(hd, lo, hi)
    print("%.12g %.12g" % (b, d))


main()
