#!/usr/bin/env python3
"""Compares a recount audit of a generated cross-check data set with its truth.

Usage: judge.py DATA_DIR [DATA_DIR ...], each holding truth.json and out/ (the audit).
Prints, per role, how often the force was flagged and, for gamed forces, the estimate of the
records affected against the truth and whether its interval covers the truth.
"""

import csv
import json
import os
import sys
from collections import defaultdict


def judge(folder):
    truth = json.load(open(os.path.join(folder, "truth.json")))
    scores = {r["force_id"]: r for r in csv.DictReader(open(os.path.join(folder, "out",
                                                                         "scores.csv")))}
    # Late recording is not counted in a force's records affected (the data contract): its
    # estimate is the largest of its own findings', the one over all crime.
    late = {}
    # A force's first affected month: that of its most significant finding.
    dated = {}
    for r in csv.DictReader(open(os.path.join(folder, "out", "findings.csv"))):
        p = float(r["p_value"])
        if r["force_id"] not in dated or p < dated[r["force_id"]][0]:
            dated[r["force_id"]] = (p, r["period_start"])
        if r["detector"] == "late_recording":
            est = tuple(float(r[k]) for k in ("estimated_affected", "estimated_affected_low",
                                              "estimated_affected_high"))
            late[r["force_id"]] = max(late.get(r["force_id"], est), est)
    rows = []
    for force in truth["forces"]:
        s = scores[force["force_id"]]
        est = tuple(float(s[k]) for k in ("estimated_affected", "estimated_affected_low",
                                          "estimated_affected_high"))
        if force["role"] == "late_recording":
            est = late.get(force["force_id"], (0.0, 0.0, 0.0))
        months = None
        if force["force_id"] in dated:
            y, m = map(int, dated[force["force_id"]][1].split("-"))
            ty, tm = map(int, truth["target_start"].split("-")[:2])
            months = (y - ty) * 12 + (m - tm)
        rows.append((force["role"], force["force_id"], s["flagged"] == "true",
                     force["touched"]) + est + (months,))
    return rows


def main():
    by_role = defaultdict(list)
    for folder in sys.argv[1:]:
        for row in judge(folder):
            by_role[row[0]].append((folder,) + row[1:])
    for role, rows in sorted(by_role.items()):
        flagged = sum(r[2] for r in rows)
        line = f"{role:24} flagged {flagged}/{len(rows)}"
        gamed = [r for r in rows if r[3] > 0 and r[2]]
        if gamed:
            within = sum(abs(r[4] - r[3]) <= 0.25 * r[3] for r in gamed)
            covers = sum(r[5] <= r[3] <= r[6] for r in gamed)
            dated = sum(r[7] is not None and abs(r[7]) <= 2 for r in gamed)
            line += f"; of those found, first month within 2 {dated}/{len(gamed)}, " \
                    f"estimate within 25% {within}/{len(gamed)}, " \
                    f"interval covers {covers}/{len(gamed)}"
        print(line)
        for r in rows:
            if r[2] or r[3] > 0:
                print(f"    {r[0]} {r[1]} flagged={r[2]} truth={r[3]} "
                      f"estimate={r[4]:.0f} ({r[5]:.0f}-{r[6]:.0f}) month error={r[7]}")


if __name__ == "__main__":
    main()
