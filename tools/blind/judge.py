#!/usr/bin/env python3
"""Compares recount audits of data made by tools/blind/generate.py with their truth.

Usage: judge.py OUT_NAME DATA_DIR [DATA_DIR ...], each DATA_DIR holding truth.json and the
audit's outputs in DATA_DIR/OUT_NAME.

Prints, per role, how often the force was flagged; for gamed forces, whether a finding of the
planted mechanism names it, its first affected month against the truth's first gamed month
(the finding of that mechanism with the smallest p-value), and the estimate of the records
affected against the truth: the force's own for mechanisms that count towards it, the
largest late-recording finding's for late recording (the data contract keeps late records
out of `estimated_affected`).
"""

import csv
import json
import os
import sys
from collections import defaultdict

MECHANISM = {"downgrading": "downgrading", "month_end": "downgrading",
             "non_recording": "non_recording", "cancellation": "cancelling",
             "late_recording": "late_recording", "rebadging": "rebadging"}
INTERVAL = ("estimated_affected", "estimated_affected_low", "estimated_affected_high")


def months_between(later, earlier):
    (ya, ma), (yb, mb) = (map(int, d.split("-")[:2]) for d in (later, earlier))
    return (ya - yb) * 12 + (ma - mb)


def judge(out, folder):
    truth = json.load(open(os.path.join(folder, "truth.json")))
    scores = {r["force_id"]: r for r in csv.DictReader(open(os.path.join(folder, out,
                                                                         "scores.csv")))}
    findings = list(csv.DictReader(open(os.path.join(folder, out, "findings.csv"))))
    for force in truth["forces"]:
        fid, role = force["force_id"], force["role"]
        own = [r for r in findings if r["force_id"] == fid]
        mechanism = MECHANISM.get(role)
        of_mechanism = [r for r in own if r["mechanism"] == mechanism]
        estimate = tuple(float(scores[fid][k]) for k in INTERVAL)
        if role == "late_recording":
            late = [tuple(float(r[k]) for k in INTERVAL) for r in of_mechanism]
            estimate = max(late) if late else (0.0, 0.0, 0.0)
        month_error = None
        if of_mechanism and force.get("first_gamed_month"):
            best = min(of_mechanism, key=lambda r: float(r["p_value"]))
            month_error = months_between(best["period_start"], force["first_gamed_month"])
        yield (role, os.path.basename(folder.rstrip("/")), fid, scores[fid]["flagged"] == "true",
               bool(of_mechanism), force["touched"], estimate, month_error)


def main():
    out, folders = sys.argv[1], sys.argv[2:]
    by_role = defaultdict(list)
    for folder in folders:
        for row in judge(out, folder):
            by_role[row[0]].append(row[1:])
    for role, rows in sorted(by_role.items()):
        line = f"{role:22} flagged {sum(r[2] for r in rows)}/{len(rows)}"
        found = [r for r in rows if r[3]]
        if role in MECHANISM:
            within = sum(abs(r[5][0] - r[4]) <= 0.25 * r[4] for r in found)
            covers = sum(r[5][1] <= r[4] <= r[5][2] for r in found)
            dated = sum(r[6] is not None and abs(r[6]) <= 2 for r in found)
            line += (f"; mechanism found {len(found)}/{len(rows)}, first month within 2 "
                     f"{dated}/{len(found)}, estimate within 25% {within}/{len(found)}, "
                     f"interval covers {covers}/{len(found)}")
        print(line)
        for r in rows:
            if r[2] or r[4] > 0:
                est, low, high = r[5]
                print(f"    {r[0]} {r[1]} flagged={r[2]} found={r[3]} truth={r[4]} "
                      f"estimate={est:.0f} ({low:.0f}-{high:.0f}) month error={r[6]}")


if __name__ == "__main__":
    main()
