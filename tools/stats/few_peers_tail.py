#!/usr/bin/env python3
"""How far a test's tail strays when few peers measure the spread between forces, by simulation.

Usage: few_peers_tail.py [DRAWS]   (numpy and scipy; default 200,000 draws, about a minute)

Each draw: I peer forces whose changes, in units of their own standard errors, are normal with
variance phi (1 = no spread between forces); tau^2 estimated from them as recount does
(Spiegelhalter's additive over-dispersion, 10% Winsorisation with at least one score each side,
the Winsorised mean divided by its expectation for I normal scores); then one more force drawn
the same way is judged with t = z / sqrt(1 + tau^2), one-sided. Three ways of reading t:

- "now": Student's t on the force's own degrees of freedom (30 here, about what two years of
  months leave), as recount reads it; tau^2 is taken as known.
- "Satterthwaite, tau^2": Welch-Satterthwaite (Satterthwaite 1946) with tau^2's own variance
  2 tau^4 / (I - 1), as if the force's error were known apart from it.
- "peers' df": when tau^2 > 0 the whole variance 1 + tau^2 is read off the peers' spread (its
  variance is that of a mean of I squared scores, 2 (1 + tau^2)^2 / (I - 1)), so Satterthwaite
  gives 1 / (1/30 + 1/(I - 1)) degrees of freedom; when tau^2 = 0, the force's own 30.

Prints, per I and phi, how often an honest force falls beyond the 0.001 and 0.05 points (0.001
and 0.05 are right), and how often a force shifted by 5 of its total standard deviations
(sqrt(phi)) is beyond the 0.001 point (the power the reading leaves). The figures are quoted in
docs/methods.md, "Between forces".
"""

import sys

import numpy as np
from scipy import stats

# The same Winsorising as the sibling simulation (this script's folder is on the path).
from winsorised_dispersion import winsorise

OWN_DF = 30.0
SHIFT = 5.0


def rates(z, tau2, df):
    p = stats.t.cdf(z / np.sqrt(1 + tau2), df)
    return (p < 0.001).mean(), (p < 0.05).mean()


def main(draws):
    rng = np.random.default_rng(20261208)
    print("peers  phi | now: 0.001  0.05  power | Satterthwaite tau^2: 0.001  0.05  power"
          " | peers' df: 0.001  0.05  power")
    for peers in (5, 7, 8, 12, 16, 20):
        k = max(1, int(0.1 * peers))
        factor = (winsorise(rng.standard_normal((draws, peers)), k) ** 2).mean()
        for phi in (1.0, 1.5, 2.0, 3.0, 5.0, 10.0):
            scores = rng.standard_normal((draws, peers)) * np.sqrt(phi)
            mean_square = (winsorise(scores, k) ** 2).mean(axis=1)
            tau2 = np.maximum(0, (peers * mean_square / factor - (peers - 1)) / (peers - 1))
            honest = rng.standard_normal(draws) * np.sqrt(phi)
            gamed = honest - SHIFT * np.sqrt(phi)
            readings = {
                "now": np.full(draws, OWN_DF),
                "satt": (1 + tau2) ** 2 / (1 / OWN_DF + tau2**2 / (peers - 1)),
                "peers": np.where(tau2 > 0, 1 / (1 / OWN_DF + 1 / (peers - 1)), OWN_DF),
            }
            line = f"{peers:5d} {phi:4.1f}"
            for df in readings.values():
                tail, five = rates(honest, tau2, df)
                power, _ = rates(gamed, tau2, df)
                line += f" |  {tail:.5f} {five:.4f} {power:.3f}"
            print(line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
