#!/usr/bin/env python3
"""How well the between-force variance lets a test hold its level, by simulation.

Usage: winsorised_dispersion.py [DRAWS]   (numpy; default 100,000 draws, about a minute)

Each draw: I reference forces whose changes, in units of their own standard errors, are normal
with variance phi (1 = no spread between forces); tau^2 estimated from them by Spiegelhalter's
additive over-dispersion with 10% Winsorisation (at least one score each side), as published
and with the Winsorised mean divided by its expectation for I normal scores (the consistency
factor recount uses, `recount_stats::winsorised_square_mean_expected`); then one more force
drawn the same way is judged with sqrt(1 + tau^2). Prints, per I and phi, the variance of the
judged z-score (1 is right) and how often it falls below -3.09 (0.001 is right) and -1.645
(0.05). The figures are quoted in docs/methods.md, "Between forces".
"""

import sys

import numpy as np


def winsorise(z, k):
    if k == 0:
        return z
    s = np.sort(z, axis=1)
    return np.clip(z, s[:, k:k + 1], s[:, -k - 1:-k])


def main(draws):
    rng = np.random.default_rng(20261207)
    print("refs  k  factor  phi   estimate        var z  P(z<-3.09)  P(z<-1.645)")
    for refs in (8, 12, 16, 20, 30, 42):
        k = int(np.floor(max(0.1, 1 / refs + 1e-9) * refs))
        factor = (winsorise(rng.standard_normal((draws, refs)), k) ** 2).mean()
        for phi in (1.0, 1.23, 1.5):
            z = rng.standard_normal((draws, refs)) * np.sqrt(phi)
            mean_square = (winsorise(z, k) ** 2).mean(axis=1)
            tested = rng.standard_normal(draws) * np.sqrt(phi)
            for name, divisor in (("Spiegelhalter", 1.0), ("consistent", factor)):
                tau2 = np.maximum(0, (refs * mean_square / divisor - (refs - 1)) / (refs - 1))
                judged = tested / np.sqrt(1 + tau2)
                print(f"{refs:4d} {k:2d}  {factor:.3f}  {phi:.2f}  {name:14s}  {judged.var():.3f}"
                      f"  {(judged < -3.09).mean():.5f}     {(judged < -1.645).mean():.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
