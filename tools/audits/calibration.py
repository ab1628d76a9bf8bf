#!/usr/bin/env python3
"""How honest forces' tests are spread, per detector: the variance of their z-scores (1 when
the standard errors are right) and the share beyond 3 standard errors (0.27% for a normal).

Usage: calibration.py OUT_NAME ROLES DATA_DIR [DATA_DIR ...]; ROLES a comma-separated list of
the truth.json roles to count (e.g. `honest`), each DATA_DIR holding truth.json and the audit
in DATA_DIR/OUT_NAME. A test's z is its effect over a quarter of its 95% interval's width.
"""

import csv
import json
import os
import statistics
import sys
from collections import defaultdict


def main(out, wanted, folders):
    scores = defaultdict(list)
    for folder in folders:
        truth = json.load(open(os.path.join(folder, "truth.json")))
        role = {f["force_id"]: f.get("role") for f in truth["forces"]}
        for r in csv.DictReader(open(os.path.join(folder, out, "tests.csv"))):
            low, high = float(r["ci_low"]), float(r["ci_high"])
            if role.get(r["force_id"]) in wanted and high > low:
                scores[r["detector"]].append(float(r["effect"]) / ((high - low) / 3.92))
    scores["all"] = [z for zs in scores.values() for z in zs]
    for detector, zs in sorted(scores.items()):
        beyond = sum(abs(z) > 3 for z in zs) / len(zs)
        print(f"{detector:28s} tests {len(zs):5d}  variance {statistics.pvariance(zs):.2f}"
              f"  beyond 3 {100 * beyond:.2f}%")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], set(sys.argv[2].split(",")), sys.argv[3:])
