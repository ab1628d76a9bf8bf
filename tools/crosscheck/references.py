"""How steady each reference of a downgrading pair's two sides is, on cross-check audits.

For the pair 8N/105A, each force's change from before the target to after, against the pooled
change of the other forces, in records and as a z-score (Poisson, before and after):

- serious side: 8N against the rest of crime (not 8N nor 105A), and 8N among the assault and
  domestic abuse calls recorded as 8N or as neither side;
- lesser side: 105A against the rest of crime, and 105A among the calls of those types
  recorded as 105A or as neither side.

Prints the mean and spread of each z-score by role. An honest force's spread near 1 means the
reference drifts no more than counting noise; the downgrading force should move on both sides.
Not part of the test suite (numpy and pyarrow).

Usage: references.py DATA_DIR [DATA_DIR ...], each holding truth.json, incidents/ and crimes/.
"""

import glob
import json
import sys
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

SERIOUS, LESSER = "8N", "105A"
CALL_TYPES = ("ASSAULT", "DOMESTIC_ABUSE")
TARGET = 2021 * 12 + 4  # April 2021, the generator's target


def month_index(timestamps):
    ts = pc.cast(timestamps, pa.timestamp("ms")) if timestamps.type.tz else timestamps
    return pc.add(pc.multiply(pc.year(ts), 12), pc.month(ts))


def counts(table, keys):
    grouped = table.group_by(keys).aggregate([([], "count_all")])
    columns = [grouped[k].to_pylist() for k in keys]
    return {tuple(c[i] for c in columns): n
            for i, n in enumerate(grouped["count_all"].to_pylist())}


def load(folder):
    incidents = ds.dataset(f"{folder}/incidents", format="parquet",
                           partitioning="hive").to_table(
        columns=["incident_id", "opened_at", "call_type", "force_id"])
    incidents = pa.table({
        "force_id": pc.cast(incidents["force_id"], pa.string()),
        "incident_id": pc.cast(incidents["incident_id"], pa.string()),
        "call_type": pc.cast(incidents["call_type"], pa.string()),
        "after": pc.greater_equal(month_index(incidents["opened_at"]), TARGET),
    })
    crimes = pa.concat_tables([
        pq.read_table(f, columns=["force_id", "incident_id", "reported_at", "offence_final",
                                  "cancelled_at"])
        for f in sorted(glob.glob(f"{folder}/crimes/*.parquet"))])
    crimes = pa.table({
        "force_id": pc.cast(crimes["force_id"], pa.string()),
        "incident_id": pc.cast(crimes["incident_id"], pa.string()),
        "offence": pc.cast(crimes["offence_final"], pa.string()),
        "standing": pc.is_null(crimes["cancelled_at"]),
        "after": pc.greater_equal(month_index(crimes["reported_at"]), TARGET),
    })
    standing = crimes.filter(crimes["standing"])
    linked = standing.join(incidents.select(["force_id", "incident_id", "call_type"]),
                           keys=["force_id", "incident_id"], join_type="inner")
    return (counts(incidents, ["force_id", "call_type", "after"]),
            counts(linked, ["force_id", "call_type", "offence", "after"]),
            counts(standing, ["force_id", "offence", "after"]))


def sides(folder, forces):
    """Per force, per reference: (hits before, reference before, hits after, reference after)."""
    calls, linked, all_crime = load(folder)
    total = defaultdict(int)
    for (force, _, after), n in all_crime.items():
        total[(force, after)] += n
    out = {}
    for force in forces:
        s = [all_crime.get((force, SERIOUS, a), 0) for a in (False, True)]
        l = [all_crime.get((force, LESSER, a), 0) for a in (False, True)]
        rest = [total[(force, a)] - s[i] - l[i] for i, a in enumerate((False, True))]
        per_call = {SERIOUS: [], LESSER: []}
        for call in CALL_TYPES:
            n = [calls.get((force, call, a), 0) for a in (False, True)]
            cs = [linked.get((force, call, SERIOUS, a), 0) for a in (False, True)]
            cl = [linked.get((force, call, LESSER, a), 0) for a in (False, True)]
            neither = [n[i] - cs[i] - cl[i] for i in range(2)]
            per_call[SERIOUS].append((cs[0], neither[0], cs[1], neither[1]))
            per_call[LESSER].append((cl[0], neither[0], cl[1], neither[1]))
        out[force] = {
            "serious vs rest": [(s[0], rest[0], s[1], rest[1])],
            "serious per call": per_call[SERIOUS],
            "lesser vs rest": [(l[0], rest[0], l[1], rest[1])],
            "lesser per call": per_call[LESSER],
        }
    return out


def z_score(forces, force, reference):
    """The force's hits after against its ratio before times the peers' change (call types
    summed), over the Poisson standard error of that difference."""
    excess = variance = 0.0
    for k, (h0, r0, h1, r1) in enumerate(forces[force][reference]):
        peers = [forces[o][reference][k] for o in forces if o != force]
        change = (sum(p[2] for p in peers) / max(sum(p[3] for p in peers), 1)) / \
            max(sum(p[0] for p in peers) / max(sum(p[1] for p in peers), 1), 1e-12)
        expected = h0 / max(r0, 1) * r1 * change
        excess += h1 - expected
        variance += h1 + expected * expected / max(h0, 1)
    return excess / max(variance, 1.0) ** 0.5


def main(folders):
    by_role = defaultdict(lambda: defaultdict(list))
    references = ("serious vs rest", "serious per call", "lesser vs rest", "lesser per call")
    for folder in folders:
        truth = json.load(open(f"{folder}/truth.json"))
        roles = {f["force_id"]: f["role"] for f in truth["forces"]}
        forces = sides(folder, list(roles))
        for force, role in roles.items():
            for reference in references:
                by_role[role][reference].append(z_score(forces, force, reference))
    print(f"{'role':24s} " + " ".join(f"{r:>22s}" for r in references))
    for role in sorted(by_role):
        cells = [f"{np.mean(by_role[role][r]):6.2f} (spread {np.std(by_role[role][r]):4.2f})"
                 for r in references]
        print(f"{role:24s} " + " ".join(f"{c:>22s}" for c in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
