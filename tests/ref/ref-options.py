#!/usr/bin/env python3
"""ref-options.py -- plain-Python references for tests/options.test:
the Black-Scholes-Merton formula with its Greeks (via math.erfc) and
Hagan et al.'s (2002) lognormal SABR vol (eq. 2.17a/2.18), written from
the papers independently of models/.

usage:
  ref-options.py bs TYPE S K T SIGMA R Q     -> price delta gamma vega
  ref-options.py sabr F K T ALPHA BETA RHO NU -> implied_vol
  ref-options.py sabrchain FILE F ALPHA BETA RHO NU  (writes a chain file)
"""
import math
import sys


def ncdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def npdf(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def bs(typ, S, K, T, sig, r, q):
    d1 = (math.log(S / K) + (r - q + sig * sig / 2) * T) / (sig * math.sqrt(T))
    d2 = d1 - sig * math.sqrt(T)
    dq, dr = math.exp(-q * T), math.exp(-r * T)
    if typ == "call":
        price = S * dq * ncdf(d1) - K * dr * ncdf(d2)
        delta = dq * ncdf(d1)
    else:
        price = K * dr * ncdf(-d2) - S * dq * ncdf(-d1)
        delta = -dq * ncdf(-d1)
    gamma = dq * npdf(d1) / (S * sig * math.sqrt(T))
    vega = S * dq * npdf(d1) * math.sqrt(T)
    return price, delta, gamma, vega


def sabr(F, K, T, a, b, rho, nu):
    if abs(F - K) < 1e-12 * F:
        fb = F ** (1 - b)
        return a / fb * (1 + ((1 - b) ** 2 / 24 * a * a / fb ** 2
                              + rho * b * nu * a / (4 * fb)
                              + (2 - 3 * rho * rho) / 24 * nu * nu) * T)
    lfk = math.log(F / K)
    fk = (F * K) ** ((1 - b) / 2)
    z = nu / a * fk * lfk
    x = math.log((math.sqrt(1 - 2 * rho * z + z * z) + z - rho) / (1 - rho))
    den = fk * (1 + (1 - b) ** 2 / 24 * lfk ** 2 + (1 - b) ** 4 / 1920 * lfk ** 4)
    corr = 1 + ((1 - b) ** 2 / 24 * a * a / fk ** 2 + rho * b * nu * a / (4 * fk)
                + (2 - 3 * rho * rho) / 24 * nu * nu) * T
    return a / den * (z / x) * corr


def main():
    cmd = sys.argv[1]
    if cmd == "bs":
        v = bs(sys.argv[2], *map(float, sys.argv[3:9]))
        print(" ".join("%.17g" % x for x in v))
    elif cmd == "sabr":
        print("%.17g" % sabr(*map(float, sys.argv[2:9])))
    elif cmd == "sabrchain":
        F, a, b, rho, nu = map(float, sys.argv[3:8])
        with open(sys.argv[2], "w") as f:
            f.write("maturity,strike,forward,implied_vol,note\n")
            for T in (0.25, 1.0):
                for k in range(15):
                    K = F * (0.7 + 0.045 * k)
                    f.write("%r,%r,%r,%.17g,row%d\n" % (T, K, F, sabr(F, K, T, a, b, rho, nu), k))


main()
