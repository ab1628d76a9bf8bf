#!/usr/bin/env python3
"""Read back a generated audit directory and check it against the data contract and truth.json.

Usage: python3 validate.py DIR [--signals]
"""
import glob
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

CALL_TYPES = {"ASSAULT", "DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "ROBBERY", "BURGLARY", "THEFT",
              "VEHICLE_CRIME", "CRIMINAL_DAMAGE", "PUBLIC_ORDER", "HARASSMENT", "WEAPONS",
              "DRUGS", "FRAUD", "ASB", "CONCERN_FOR_SAFETY", "DOMESTIC_INCIDENT", "SUSPICIOUS",
              "MISSING_PERSON", "TRAFFIC", "ALARM", "ADMIN", "OTHER"}
CRIME_TYPES = ["ASSAULT", "DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "ROBBERY", "BURGLARY", "THEFT",
               "VEHICLE_CRIME", "CRIMINAL_DAMAGE", "PUBLIC_ORDER", "HARASSMENT", "WEAPONS",
               "DRUGS", "FRAUD"]
# The reference offence codes, from ../shared/reference next to the repository.
REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                         "reference", "offence-codes.csv")
CODES = set(l.split(",")[0] for l in open(REFERENCE).read().splitlines()[1:])


def fail(msg):
    print("FAIL:", msg)
    global failures
    failures += 1


failures = 0


def load(path, name):
    files = sorted(glob.glob(os.path.join(path, "**", "*.parquet"), recursive=True))
    for f in files:                      # every file readable on its own
        pq.read_table(f)
    hive = any("=" in os.path.relpath(f, path) for f in files)
    if hive:
        d = ds.dataset(path, format="parquet", partitioning="hive")
    else:
        d = ds.dataset(files, format="parquet")
    t = d.to_table()
    # hive key must be absent from files
    for f in files:
        rel = os.path.relpath(f, path)
        keys = [p.split("=")[0] for p in rel.split(os.sep)[:-1] if "=" in p]
        sch = pq.read_schema(f)
        for k in keys:
            if k in sch.names:
                fail(f"{name}: partition key {k} also in file {rel}")
    return t, files


def col(t, c, to_type=None):
    a = t.column(c).combine_chunks()
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    if to_type is not None:
        a = a.cast(to_type)
    return a


def ts_seconds(t, c):
    a = t.column(c).combine_chunks()
    assert pa.types.is_timestamp(a.type), (c, a.type)
    v = a.cast(pa.timestamp("s", a.type.tz), safe=False).cast(pa.int64())
    return v.to_numpy(zero_copy_only=False), np.asarray(a.is_null())


def main():
    out = sys.argv[1]
    truth = json.load(open(os.path.join(out, "truth.json")))
    inc, ifiles = load(os.path.join(out, "incidents"), "incidents")
    cr, cfiles = load(os.path.join(out, "crimes"), "crimes")
    print(f"incidents {inc.num_rows:,} rows in {len(ifiles)} files; crimes {cr.num_rows:,} rows in {len(cfiles)} files")
    print("incidents schema:", {f.name: str(f.type) for f in inc.schema})
    print("crimes schema:", {f.name: str(f.type) for f in cr.schema})
    if inc.num_rows != truth["rows"]["incidents"]:
        fail("incident row count")
    if cr.num_rows != truth["rows"]["crimes"]:
        fail("crime row count")
    for c, nullable in [("incident_id", False), ("force_id", False), ("opened_at", False),
                        ("call_type", False), ("closing_code", True), ("bcu", True)]:
        if c not in inc.column_names:
            fail(f"incidents missing {c}")
        elif not nullable and inc.column(c).null_count:
            fail(f"incidents {c} has nulls")
    for c, nullable in [("crime_id", False), ("force_id", False), ("incident_id", True),
                        ("reported_at", False), ("recorded_at", False), ("offence_initial", False),
                        ("offence_final", False), ("reclassified_at", True), ("cancelled_at", True),
                        ("cancel_reason", True), ("bcu", True)]:
        if c not in cr.column_names:
            fail(f"crimes missing {c}")
        elif not nullable and cr.column(c).null_count:
            fail(f"crimes {c} has nulls")

    ifo = np.asarray(col(inc, "force_id", pa.string()).to_pylist() if inc.num_rows < 0 else
                     col(inc, "force_id", pa.string()).to_numpy(zero_copy_only=False))
    iid = col(inc, "incident_id", pa.string()).to_numpy(zero_copy_only=False)
    ct = col(inc, "call_type", pa.string()).to_numpy(zero_copy_only=False)
    cc = col(inc, "closing_code", pa.string()).to_numpy(zero_copy_only=False)
    if set(pc.unique(col(inc, "call_type", pa.string())).to_pylist()) - CALL_TYPES:
        fail("unknown call types")
    if set(pc.unique(col(inc, "closing_code", pa.string())).to_pylist()) - CALL_TYPES - {None}:
        fail("unknown closing codes")
    key = np.char.add(np.char.add(ifo.astype(str), "|"), iid.astype(str))
    if len(np.unique(key)) != len(key):
        fail("incident_id not unique within force")
    opened, _ = ts_seconds(inc, "opened_at")

    cfo = col(cr, "force_id", pa.string()).to_numpy(zero_copy_only=False).astype(str)
    cid = col(cr, "crime_id", pa.string()).to_numpy(zero_copy_only=False).astype(str)
    ckey = np.char.add(np.char.add(cfo, "|"), cid)
    if len(np.unique(ckey)) != len(ckey):
        fail("crime_id not unique within force")
    linc = col(cr, "incident_id", pa.string()).to_numpy(zero_copy_only=False)
    linked = ~np.asarray(col(cr, "incident_id").is_null())
    lkey = np.char.add(np.char.add(cfo[linked], "|"), linc[linked].astype(str))
    if not np.all(np.isin(lkey, key)):
        fail("crime links to a missing incident")
    rep, _ = ts_seconds(cr, "reported_at")
    rec, _ = ts_seconds(cr, "recorded_at")
    rcl, rcl_null = ts_seconds(cr, "reclassified_at")
    can, can_null = ts_seconds(cr, "cancelled_at")
    end = np.datetime64(truth["end"]).astype("datetime64[s]").astype(np.int64)
    start = np.datetime64(truth["start"]).astype("datetime64[s]").astype(np.int64)
    if np.any(rec < rep):
        fail("recorded before reported")
    if np.any(rec >= end) or np.any(opened >= end) or np.any(opened < start):
        fail("timestamps outside the period")
    if np.any(~rcl_null & (rcl < rec)) or np.any(~can_null & (can < rec)):
        fail("reclass/cancel before recording")
    oi = col(cr, "offence_initial", pa.string()).to_numpy(zero_copy_only=False).astype(str)
    of = col(cr, "offence_final", pa.string()).to_numpy(zero_copy_only=False).astype(str)
    if set(np.unique(oi)) - CODES or set(np.unique(of)) - CODES:
        fail("offence codes not in reference list: %s" % ((set(np.unique(oi)) | set(np.unique(of))) - CODES))
    changed = oi != of
    if np.any(changed & rcl_null):
        fail("offence changed without reclassified_at")
    if np.any(~changed & ~rcl_null):
        fail("reclassified_at without change")
    rnull = np.asarray(col(cr, "cancel_reason", pa.string()).is_null())
    if set(pc.unique(col(cr, "cancel_reason", pa.string())).to_pylist()) - {"C1", "C2", "C3", "C4", None}:
        fail("cancel reasons")
    if np.any(rnull != can_null):
        fail("cancel_reason/cancelled_at nulls disagree")
    # forces
    tf = {f["force_id"]: f for f in truth["forces"]}
    if set(np.unique(ifo.astype(str))) != set(tf):
        fail("forces differ from truth")
    # audit.toml
    toml = open(os.path.join(out, "audit.toml")).read()
    if f'start = "{truth["target_start"]}"' not in toml:
        fail("audit.toml start")
    if truth["national_target"] == ("forces" in toml):
        fail("audit.toml forces vs national")
    print(f"late share overall {(rec - rep > 86400).mean():.3f}; reclassified {changed.mean():.3f}; "
          f"cancelled {(~can_null).mean():.3f}; unlinked {(~linked).mean():.3f}")

    if "--signals" in sys.argv:
        # crude before/after per force: crimes per crime-related call, late share, etc.
        t0 = np.datetime64(truth["target_start"]).astype("datetime64[s]").astype(np.int64)
        is_crime_call = np.isin(ct.astype(str), CRIME_TYPES)
        rcl_me = ~rcl_null & ((np.asarray(rcl + 3 * 86400, dtype="datetime64[s]").astype("datetime64[M]")
                               != np.asarray(rcl, dtype="datetime64[s]").astype("datetime64[M]")))
        print(f"{'force':10} {'role':20} {'conv b/a':>12} {'late b/a':>12} {'canc b/a':>12} {'down b/a':>12} {'me b/a':>12} touched")
        ifs = ifo.astype(str)
        for fid, f in tf.items():
            mi, mc = ifs == fid, cfo == fid
            res = []
            for after in (False, True):
                si = mi & ((opened >= t0) == after)
                sc = mc & ((rep >= t0) == after)
                conv = (sc & linked).sum() / max((si & is_crime_call).sum(), 1)
                late = ((rec - rep > 86400) & sc).sum() / max(sc.sum(), 1)
                canc = (~can_null & sc).sum() / max(sc.sum(), 1)
                down = (sc & np.isin(of, ["105A", "58A", "49", "39", "20A", "17A"])).sum() / max(sc.sum(), 1)
                me = (sc & rcl_me).sum() / max(sc.sum(), 1)
                res.append((conv, late, canc, down, me))
            b, a = res
            print(f"{fid:10} {f['role']:20} " + " ".join(f"{b[j]:5.3f}/{a[j]:5.3f}" for j in range(5)) + f" {f['touched']}")
    print("OK" if failures == 0 else f"{failures} FAILURES")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
