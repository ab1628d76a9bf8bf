#!/usr/bin/env python3
"""Compares two audits of the same data sets test by test: which tests and forces changed flag.

Usage: compare.py OLD_NAME NEW_NAME DATA_DIR [DATA_DIR ...], each DATA_DIR holding the two
audits' outputs in DATA_DIR/OLD_NAME and DATA_DIR/NEW_NAME, and a truth.json with a role per
force (any generator in tools/), whose role is printed beside each change.

For judging a change to the detectors on data already generated: re-audit into NEW_NAME and
compare with the audit before the change.
"""

import csv
import json
import os
import sys


def roles(folder):
    path = os.path.join(folder, "truth.json")
    if not os.path.exists(path):
        return {}
    return {f["force_id"]: f.get("role") for f in json.load(open(path))["forces"]}


def rows(folder, name, table, key):
    with open(os.path.join(folder, name, table)) as f:
        return {key(r): r for r in csv.DictReader(f)}


def main(old, new, folders):
    lost, gained, forces = [], [], []
    for folder in folders:
        role = roles(folder)
        test_key = lambda r: (r["force_id"], r["detector"], r["series"])
        before = rows(folder, old, "tests.csv", test_key)
        after = rows(folder, new, "tests.csv", test_key)
        for key, row in before.items():
            was, now = row["flagged"] == "true", after.get(key, {}).get("flagged") == "true"
            p = (row["p_value"], after.get(key, {}).get("p_value"))
            if was != now:
                (lost if was else gained).append((folder, *key, role.get(key[0]), *p))
        force_key = lambda r: r["force_id"]
        old_scores = rows(folder, old, "scores.csv", force_key)
        new_scores = rows(folder, new, "scores.csv", force_key)
        for force, row in old_scores.items():
            if row["flagged"] != new_scores[force]["flagged"]:
                forces.append((folder, force, role.get(force), row["flagged"],
                               new_scores[force]["flagged"]))
    for title, changes in (("tests that lost their flag (p before, after)", lost),
                           ("tests that gained one (p before, after)", gained),
                           ("forces whose flag changed (before, after)", forces)):
        print(f"{title}: {len(changes)}")
        for change in changes:
            print("   ", " | ".join(str(c) for c in change))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
