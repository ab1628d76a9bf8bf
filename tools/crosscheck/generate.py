#!/usr/bin/env python3
"""An independent generator of audits with planted gaming, to cross-check recount.

recount's own generator (crates/synth) and its detectors were written by the same team, so a
quirk of one can hide in the other. This script is a second, deliberately different model of
a set of forces, written without reference to the synth crate: other force sizes, a pandemic
of its own shape, per-force seasonality and trends, gamma over-dispersion, its own offence
mixes, other Parquet layouts (Hive partitions without the key column, Europe/London
timestamps in milliseconds, dictionary and large strings, nanoseconds without a zone, an
extra column), and hard negatives the synth does not make (a genuine fall of serious violence
only, upgrading, better recording, gradual growth).

It writes `incidents/`, `crimes/`, `audit.toml` and `truth.json` under `--out`. The truth
names each force's role and, for gamed forces, how many records the gaming touched after the
target. `tools/crosscheck/judge.py` compares an audit's `scores.csv` and `findings.csv` with it.

Needs numpy and pyarrow (`pip install numpy pyarrow`); not part of the test suite.
"""

import argparse
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

MONTHS = 60
FIRST_YEAR, FIRST_MONTH = 2018, 4
TARGET_MONTH = 36  # 2021-04: 36 months before, 24 after
PANDEMIC_MONTH = 24  # 2020-04

CRIME_TYPES = {
    # call type: (share of calls, chance a call leads to a crime record)
    "ASSAULT": (0.09, 0.70),
    "DOMESTIC_ABUSE": (0.08, 0.55),
    "SEXUAL_OFFENCE": (0.012, 0.80),
    "ROBBERY": (0.008, 0.85),
    "BURGLARY": (0.03, 0.80),
    "THEFT": (0.08, 0.75),
    "VEHICLE_CRIME": (0.03, 0.75),
    "CRIMINAL_DAMAGE": (0.04, 0.70),
    "PUBLIC_ORDER": (0.03, 0.60),
    "HARASSMENT": (0.03, 0.65),
    "WEAPONS": (0.01, 0.70),
    "DRUGS": (0.015, 0.80),
    "FRAUD": (0.02, 0.60),
}
NON_CRIME_TYPES = {
    "ASB": (0.14, 0.05),
    "CONCERN_FOR_SAFETY": (0.15, 0.03),
    "DOMESTIC_INCIDENT": (0.05, 0.06),
    "SUSPICIOUS": (0.06, 0.04),
    "MISSING_PERSON": (0.03, 0.01),
    "TRAFFIC": (0.07, 0.02),
    "ALARM": (0.03, 0.02),
    "ADMIN": (0.03, 0.005),
    "OTHER": (0.05, 0.02),
}
CALL_TYPES = list(CRIME_TYPES) + list(NON_CRIME_TYPES)
NEIGHBOUR = {  # where a call handler closes a crime-related call without a crime
    "ASSAULT": "CONCERN_FOR_SAFETY", "DOMESTIC_ABUSE": "DOMESTIC_INCIDENT",
    "SEXUAL_OFFENCE": "CONCERN_FOR_SAFETY", "ROBBERY": "SUSPICIOUS", "BURGLARY": "SUSPICIOUS",
    "THEFT": "OTHER", "VEHICLE_CRIME": "SUSPICIOUS", "CRIMINAL_DAMAGE": "ASB",
    "PUBLIC_ORDER": "ASB", "HARASSMENT": "ASB", "WEAPONS": "SUSPICIOUS", "DRUGS": "SUSPICIOUS",
    "FRAUD": "ADMIN",
}
OFFENCES = {  # offence codes a call of each type is recorded as, with their chances
    "ASSAULT": {"105A": 0.55, "8N": 0.33, "5D": 0.03, "105B": 0.03, "8P": 0.02, "3B": 0.04},
    "DOMESTIC_ABUSE": {"105A": 0.42, "8N": 0.25, "8U": 0.12, "8L": 0.12, "58A": 0.09},
    "SEXUAL_OFFENCE": {"19C": 0.35, "20A": 0.35, "17A": 0.1, "22A": 0.1, "19D": 0.1},
    "ROBBERY": {"34B": 0.88, "34A": 0.12},
    "BURGLARY": {"28E": 0.6, "28F": 0.1, "30C": 0.3},
    "THEFT": {"46": 0.4, "49": 0.45, "39": 0.15},
    "VEHICLE_CRIME": {"45": 0.5, "48": 0.4, "37.2": 0.1},
    "CRIMINAL_DAMAGE": {"58A": 0.35, "58B": 0.3, "58C": 0.25, "56B": 0.1},
    "PUBLIC_ORDER": {"9A": 0.7, "9B": 0.1, "125": 0.2},
    "HARASSMENT": {"8L": 0.5, "8R": 0.35, "8Q": 0.15},
    "WEAPONS": {"10D": 0.7, "10C": 0.3},
    "DRUGS": {"92E": 0.7, "92A": 0.3},
    "FRAUD": {"53": 1.0},
    "ASB": {"9A": 0.6, "58C": 0.4},
    "CONCERN_FOR_SAFETY": {"105A": 0.5, "8U": 0.5},
    "DOMESTIC_INCIDENT": {"105A": 0.5, "8L": 0.5},
    "SUSPICIOUS": {"49": 0.5, "30C": 0.5},
    "MISSING_PERSON": {"13": 1.0},
    "TRAFFIC": {"45": 1.0},
    "ALARM": {"28F": 1.0},
    "ADMIN": {"53": 1.0},
    "OTHER": {"49": 1.0},
}
UNLINKED = {"53": 0.3, "19C": 0.05, "20A": 0.05, "8R": 0.15, "49": 0.2, "46": 0.15, "8L": 0.1}
SEASON = {  # peak month of year (1-12) and amplitude
    "ASSAULT": (7, 0.12), "DOMESTIC_ABUSE": (12, 0.08), "BURGLARY": (11, 0.12),
    "ASB": (7, 0.15), "PUBLIC_ORDER": (7, 0.1), "THEFT": (12, 0.06), "TRAFFIC": (1, 0.05),
}
PANDEMIC = {  # relative level of each call type in the pandemic's first months
    "THEFT": 0.6, "BURGLARY": 0.7, "ROBBERY": 0.5, "ASSAULT": 0.8, "VEHICLE_CRIME": 0.7,
    "SEXUAL_OFFENCE": 0.8, "DOMESTIC_ABUSE": 1.15, "ASB": 1.6, "CONCERN_FOR_SAFETY": 1.15,
    "TRAFFIC": 0.6, "ALARM": 0.7,
}

# (force id, calls a month, role, under the target). Roles other than "honest" plant one
# mechanism of gaming or one hard negative from the target's month.
FORCES = [
    ("E23000013", 2000, "downgrading", True),
    ("E23000017", 1500, "non_recording", True),
    ("E23000020", 1500, "cancellation", True),
    ("E23000037", 1800, "late_recording", True),
    ("W15000002", 2500, "month_end", True),
    ("E23000031", 3000, "rebadging", True),
    ("E23000039", 2500, "honest", True),
    ("E23000011", 3000, "serious_violence_falls", True),
    ("E23000022", 2000, "assault_calls_fall", True),
    ("E23000026", 4000, "more_welfare_calls", True),
    ("E23000028", 1500, "better_recording", True),
    ("E23000029", 2000, "upgrading", True),
    ("E23000006", 6000, "gradual_growth", False),
    ("E23000034", 400, "honest", True),
    ("E23000001", 12000, "honest", False),
    ("E23000008", 5000, "honest", False),
    ("E23000010", 2500, "honest", False),
    ("E23000015", 1500, "honest", False),
    ("W15000004", 3500, "honest", False),
    ("XX0000001", 800, "honest", False),
    ("E23000023", 2500, "online_reporting", True),
]
ONLINE_TYPES = ["THEFT", "VEHICLE_CRIME", "CRIMINAL_DAMAGE", "FRAUD"]
GAMING = {"downgrading", "non_recording", "cancellation", "late_recording", "month_end",
          "rebadging"}


def month_starts():
    """Month starts as numpy datetime64[s], one more than MONTHS for the end of the last."""
    out = []
    for i in range(MONTHS + 1):
        y, m = divmod(FIRST_MONTH - 1 + i, 12)
        out.append(np.datetime64(f"{FIRST_YEAR + y:04d}-{m + 1:02d}-01T00:00:00", "s"))
    return np.array(out)


def month_of_year(t):
    return (FIRST_MONTH - 1 + t) % 12 + 1


def expected_calls(rng, size, role):
    """Expected calls by month and call type for one force, with its own mix, trends,
    seasonality and reaction to the pandemic."""
    t = np.arange(MONTHS)
    shares = np.array([dict(CRIME_TYPES, **NON_CRIME_TYPES)[c][0] for c in CALL_TYPES])
    shares = shares * rng.lognormal(0.0, 0.15, len(CALL_TYPES))
    shares /= shares.sum()
    mu = np.empty((MONTHS, len(CALL_TYPES)))
    force_phase = rng.integers(-1, 2)
    pandemic_scale = rng.normal(1.0, 0.3)
    for k, call in enumerate(CALL_TYPES):
        trend = rng.normal(0.0, 0.03)
        peak, amp = SEASON.get(call, (6, 0.04))
        amp *= max(0.0, rng.normal(1.0, 0.3))
        season = 1 + amp * np.cos(2 * np.pi * (month_of_year(t) - peak - force_phase) / 12)
        since = t - PANDEMIC_MONTH
        depth = PANDEMIC.get(call, 1.0) - 1.0
        fade = np.where(since < 0, 0.0, np.where(since < 6, 1.0, np.exp(-(since - 6) / 4)))
        pandemic = 1 + pandemic_scale * depth * fade
        mu[:, k] = size * shares[k] * np.exp(trend * t / 12) * season * np.maximum(pandemic, 0.2)
    after = t >= TARGET_MONTH
    if role == "more_welfare_calls":
        ramp = np.clip((t - TARGET_MONTH + 1) / 6, 0, 1)
        for call in ("CONCERN_FOR_SAFETY", "ASB"):
            mu[:, CALL_TYPES.index(call)] *= 1 + 0.5 * ramp
    if role == "assault_calls_fall":
        for call in ("ASSAULT", "DOMESTIC_ABUSE"):
            mu[after, CALL_TYPES.index(call)] *= 0.75
    if role == "gradual_growth":
        mu *= (1 + 0.4 * np.clip((t - 24) / 12, 0, 1))[:, None]
    over = rng.gamma(1 / 0.06**2, 0.06**2, mu.shape)  # each call type's month: CV 6%
    common = rng.gamma(1 / 0.03**2, 0.03**2, (MONTHS, 1))  # the force's month: CV 3%
    return mu * over * common


def pick(rng, table, n):
    codes = list(table)
    probs = np.array([table[c] for c in codes])
    return np.array(codes, dtype=object)[rng.choice(len(codes), n, p=probs / probs.sum())]


def make_force(rng, force, size, role, strength, starts):
    """One force's incidents and crimes as column dicts, and the records its gaming touched."""
    mu = expected_calls(rng, size, role)
    counts = rng.poisson(mu)
    month = np.repeat(np.tile(np.arange(MONTHS), len(CALL_TYPES)), counts.T.ravel())
    kind = np.repeat(np.repeat(np.arange(len(CALL_TYPES)), MONTHS), counts.T.ravel())
    order = np.lexsort((rng.random(len(month)), month))
    month, kind = month[order], kind[order]
    n = len(month)
    span = (starts[month + 1] - starts[month]).astype(np.int64)
    opened = starts[month] + (rng.random(n) * span).astype("timedelta64[s]")
    call = np.array(CALL_TYPES, dtype=object)[kind]
    crime_related = np.isin(call, list(CRIME_TYPES))
    after = month >= TARGET_MONTH
    touched = 0

    base = np.array([dict(CRIME_TYPES, **NON_CRIME_TYPES)[c][1] for c in CALL_TYPES])
    force_logit = rng.normal(0, 0.25)
    month_logit = rng.normal(0, 0.06, MONTHS)
    logit = np.log(base / (1 - base))[kind] + force_logit * crime_related + month_logit[month]
    if role == "better_recording":
        logit = logit + 0.35 * (after & crime_related)
    led = rng.random(n) < 1 / (1 + np.exp(-logit))
    closing = call.copy()
    quiet = crime_related & ~led & (rng.random(n) < 0.4)
    closing[quiet] = np.array([NEIGHBOUR[c] for c in call[quiet]], dtype=object)

    if role == "non_recording":
        hit = after & crime_related & led & (rng.random(n) < strength)
        led &= ~hit
        closing[hit] = np.array([NEIGHBOUR[c] for c in call[hit]], dtype=object)
        touched = int(hit.sum())
    if role == "rebadging":
        moved = after & np.isin(call, ["ASSAULT", "DOMESTIC_ABUSE"]) & (rng.random(n) < strength)
        touched = int((moved & led).sum())
        new = np.where(call[moved] == "ASSAULT", "CONCERN_FOR_SAFETY", "DOMESTIC_INCIDENT")
        call[moved] = new
        closing[moved] = new
        led &= ~moved

    offence = np.empty(n, dtype=object)
    for k, name in enumerate(CALL_TYPES):
        sel = led & (kind == k)
        offence[sel] = pick(rng, OFFENCES[name], int(sel.sum()))
    keep = np.ones(n, dtype=bool)
    if role == "serious_violence_falls":
        # Fewer serious assaults happen: their calls and crimes go together; 105A holds.
        keep = ~(after & led & (offence == "8N") & (rng.random(n) < 0.3))
    online = np.zeros(n, dtype=bool)
    if role == "online_reporting":
        # Three in ten crimes that would have come by a call of a property type are reported
        # online instead: no call, the crime recorded all the same, naming no incident.
        online = after & led & np.isin(call, ONLINE_TYPES) & (rng.random(n) < 0.3)
        keep &= ~online
    incidents = {
        "incident_id": np.array([f"{force}-{i:08d}" for i in range(n)], dtype=object)[keep],
        "opened_at": opened[keep], "call_type": call[keep], "closing_code": closing[keep],
        "priority": rng.integers(1, 5, n)[keep],
    }
    bcus = [f"{force}-BCU{j}" for j in range(rng.integers(3, 7))]
    incidents["bcu"] = np.array(bcus, dtype=object)[rng.integers(0, len(bcus), int(keep.sum()))]
    incidents["bcu"][rng.random(int(keep.sum())) < 0.02] = None

    linked = np.flatnonzero(led & (keep | online))
    crimes, touched = make_crimes(rng, force, role, strength, starts, incidents, keep,
                                  linked, offence, month, opened, touched)
    return incidents, crimes, touched


def make_crimes(rng, force, role, strength, starts, incidents, keep, linked, offence, month,
                opened, touched):
    new_index = np.cumsum(keep) - 1
    ids = np.full(len(linked), None, dtype=object)
    kept = keep[linked]
    ids[kept] = incidents["incident_id"][new_index[linked[kept]]]
    m_linked = month[linked]
    reported_linked = opened[linked] + (rng.random(len(linked)) * 1800).astype("timedelta64[s]")
    # Crimes reported another way (online, at the front desk): no incident.
    per_month = np.bincount(m_linked, minlength=MONTHS)
    extra = rng.poisson(0.3 * per_month)
    m_extra = np.repeat(np.arange(MONTHS), extra)
    span = (starts[m_extra + 1] - starts[m_extra]).astype(np.int64)
    reported_extra = starts[m_extra] + (rng.random(len(m_extra)) * span).astype("timedelta64[s]")
    n = len(linked) + len(m_extra)
    incident_id = np.concatenate([ids, np.full(len(m_extra), None, dtype=object)])
    reported = np.concatenate([reported_linked, reported_extra])
    mon = np.concatenate([m_linked, m_extra])
    final = np.concatenate([offence[linked], pick(rng, UNLINKED, len(m_extra))])
    after = mon >= TARGET_MONTH

    if role == "downgrading":
        hit = after & (final == "8N") & (rng.random(n) < strength)
        final[hit] = "105A"
        touched = int(hit.sum())
    initial = final.copy()
    delay_h = rng.exponential(8.0, n)
    if role == "late_recording":
        hit = after & (rng.random(n) < strength) & (delay_h <= 24)
        delay_h[hit] = 24 + rng.exponential(48.0, int(hit.sum()))
        touched = int(hit.sum())
    recorded = reported + (delay_h * 3600).astype("timedelta64[s]")

    reclassified = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    # Ordinary reclassification, both ways, within a month of recording.
    swap = {"8N": "105A", "105A": "8N", "19C": "20A", "20A": "19C", "28E": "30C", "49": "46"}
    ordinary = (rng.random(n) < 0.04) & np.isin(final, list(swap))
    initial[ordinary] = [swap[c] for c in final[ordinary]]
    reclassified[ordinary] = recorded[ordinary] + (
        rng.uniform(1, 30, int(ordinary.sum())) * 86400).astype("timedelta64[s]")
    if role == "upgrading":
        up = after & (final == "105A") & (rng.random(n) < 0.08)
        final[up] = "8N"
        reclassified[up] = recorded[up] + (rng.uniform(1, 30, int(up.sum())) * 86400).astype(
            "timedelta64[s]")
    if role == "month_end":
        hit = after & (initial == "8N") & (final == "8N") & (rng.random(n) < strength)
        final[hit] = "105A"
        month_end = starts[mon[hit] + 1] - (rng.uniform(0.1, 2.9, int(hit.sum())) * 86400
                                           ).astype("timedelta64[s]")
        reclassified[hit] = np.maximum(month_end, recorded[hit] + np.timedelta64(3600, "s"))
        touched = int(hit.sum())

    cancelled = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    reason = np.full(n, None, dtype=object)
    ordinary = rng.random(n) < 0.02
    if role == "cancellation":
        hit = after & ~ordinary & (rng.random(n) < strength)
        touched = int(hit.sum())
        ordinary |= hit
    cancelled[ordinary] = recorded[ordinary] + (
        rng.uniform(1, 20, int(ordinary.sum())) * 86400).astype("timedelta64[s]")
    reason[ordinary] = pick(rng, {"C1": 0.3, "C2": 0.3, "C3": 0.2, "C4": 0.2},
                            int(ordinary.sum()))
    crimes = {
        "crime_id": np.array([f"C{force}-{i:08d}" for i in range(n)], dtype=object),
        "force_id": np.full(n, force, dtype=object),
        "incident_id": incident_id, "reported_at": reported, "recorded_at": recorded,
        "offence_initial": initial, "offence_final": final,
        "reclassified_at": reclassified, "cancelled_at": cancelled, "cancel_reason": reason,
        "bcu": np.full(n, None, dtype=object),
    }
    return crimes, touched


def write_incidents(out, force, inc):
    """Hive partitions by force and year, the key columns left out of the files; Europe/London
    timestamps in milliseconds; dictionary strings."""
    years = inc["opened_at"].astype("datetime64[Y]").astype(int) + 1970
    for year in np.unique(years):
        sel = years == year
        table = pa.table({
            "incident_id": pa.array(inc["incident_id"][sel], pa.string()),
            "opened_at": pa.array(inc["opened_at"][sel].astype("datetime64[ms]"),
                                  pa.timestamp("ms")).cast(pa.timestamp("ms", "Europe/London")),
            "call_type": pa.array(inc["call_type"][sel], pa.string()).dictionary_encode(),
            "closing_code": pa.array(inc["closing_code"][sel], pa.string()),
            "bcu": pa.array(inc["bcu"][sel], pa.string()),
            "priority": pa.array(inc["priority"][sel], pa.int8()),
        })
        folder = os.path.join(out, "incidents", f"force_id={force}", f"year={year}")
        os.makedirs(folder, exist_ok=True)
        pq.write_table(table, os.path.join(folder, "part-0.parquet"))


def write_crimes(out, force, crimes):
    """One file per force, flat; large strings; nanoseconds without a zone."""
    cols = {}
    for name, values in crimes.items():
        if values.dtype.kind == "M":
            cols[name] = pa.array(values.astype("datetime64[ns]"), pa.timestamp("ns"))
        else:
            cols[name] = pa.array(values, pa.large_string())
    os.makedirs(os.path.join(out, "crimes"), exist_ok=True)
    pq.write_table(pa.table(cols), os.path.join(out, "crimes", f"crimes-{force}.parquet"),
                   row_group_size=50_000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strength", type=float, default=0.15)
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies every force's calls a month (large-force audits)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    starts = month_starts()
    truth = []
    for force, size, role, targeted in FORCES:
        size = int(round(size * args.scale))
        inc, crimes, touched = make_force(rng, force, size, role, args.strength, starts)
        write_incidents(args.out, force, inc)
        write_crimes(args.out, force, crimes)
        truth.append({"force_id": force, "role": role, "targeted": targeted,
                      "gaming": role in GAMING, "touched": touched,
                      "calls_a_month": size})
    y, m = divmod(FIRST_MONTH - 1 + TARGET_MONTH, 12)
    start = f"{FIRST_YEAR + y:04d}-{m + 1:02d}-01"
    targeted = ", ".join(f'"{t["force_id"]}"' for t in truth if t["targeted"])
    with open(os.path.join(args.out, "audit.toml"), "w") as f:
        f.write(f'[[targets]]\nname = "Cross-check target"\nstart = "{start}"\n'
                f"forces = [{targeted}]\n")
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump({"seed": args.seed, "strength": args.strength, "target_start": start,
                   "forces": truth}, f, indent=1)


if __name__ == "__main__":
    main()
