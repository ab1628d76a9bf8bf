#!/usr/bin/env python3
"""Independent synthetic test-data generator for crime-recording audits (recount).

Written only from the data contract (../shared/spec/data-contract.md) and the reference
notes (../shared/reference/).  It simulates a world of police forces, their calls for
service (the `incidents` table) and crime records (the `crimes` table), plants known
crime-recording "gaming" in some forces and honest changes ("hard negatives") in others,
and writes the ground truth next to the data.

Usage
-----
    python3 generate.py --seed N [--strength S] --out DIR [--scale X]

Writes DIR/incidents/ and DIR/crimes/ (Parquet, layout chosen by seed), DIR/audit.toml and
DIR/truth.json.  Everything (world, roles, dates, layout) is a function of --seed only;
--scale multiplies call volumes (roles and eligibility are decided at scale 1 so that the
same seed describes the same world at any scale); --strength is the per-record gaming
probability (default 0.15).  Deterministic for a given (seed, strength, scale).

The world (honest model)
------------------------
* 16-24 forces drawn from the 43 real ONS police-force-area codes (E23000001-39,
  W15000001-4).  Size (calls a month at the start, scale 1): 2-3 small forces (400-1,000),
  1-2 large (10,000-15,000), the rest 1,500-8,000 (log-uniform, skewed low).
* Period: 48-72 months from a January or April of 2016-2019.  Target start t0 is the first
  of a month with >= 24 months before it and >= 12 months from it to the end.
* Calls: 22 call types (13 crime-related, 9 not, the contract's default vocabulary).
  Expected monthly count per (force, type, month) =
      size * mix[force,type] * exp(trend * years) * (1 + amp * cos(2pi (month - peak)/12))
      * pandemic multiplier * honest-change multipliers
  with a force-specific call mix (lognormal perturbation of a national mix), per-type trends
  (fraud/harassment/sexual offences rising, burglary/vehicle falling, +-2 %/yr noise by
  force), per-type seasonality (violence/ASB peak in summer, burglary in November) with
  force-specific amplitude and phase, a multiplicative Gamma over-dispersion per cell
  (CV 4-10 %, force-specific) and a common lognormal force-month factor; counts are Poisson
  given that mean (so the series is over-dispersed, not pure Poisson).
* Pandemic-like national shock at a seed-chosen month (may be before or after t0): a
  lockdown profile (sharp, decaying, second smaller wave) with per-type direction (theft,
  robbery, traffic fall ~40 %; ASB up ~60 %; domestic abuse, fraud, drugs up) scaled by a
  force susceptibility.
* Conversion: a crime-related call yields a crime with probability
  sigmoid(logit(base[type]) + force offset + force-type offset + month noise); non-crime
  calls rarely do (0.5-10 %; domestic incidents most).  3 % of crime-producing calls yield
  a second crime.  Offence codes are drawn from a per-call-type distribution of Home Office
  codes (ASSAULT -> 8N/105A/5D/8P/105B/104/3B..., SEXUAL_OFFENCE -> 19C-19H/20A/17A/22A...,
  BURGLARY -> 28E/28F/30C/... with some 58A/49, ROBBERY -> 34B/34A/39, ...).
* Crimes without an incident (incident_id null: online, front desk, proactive): per
  (force, type, month) Poisson with mean = expected call-linked crimes * type ratio (fraud
  ~0.9, drugs ~0.7, weapons ~0.4, harassment ~0.35, theft ~0.3 ... assault 0.05) * force
  factor.
* reported_at = opened_at minus 0-90 s (linked) or an office-hours time (unlinked).
  recorded_at = reported_at + delay: lognormal hours (force median 1-6 h, < 24 h) or, for a
  force-specific share (3-10 %; doubled for sexual offences), 24 h + Gamma (days).
* Honest reclassification: upgrades (initial = lesser of a serious/lesser pair, final =
  serious) 2-5 %, downgrades on evidence (initial serious, final lesser) 1-3 %, other
  within-type changes 1.5 %; reclassified_at = recorded_at + lognormal (median ~5 days),
  uniformly spread over the month.  Honest cancellations 1-4 % (force-specific), reason
  C1..C4 from a force-specific mix, cancelled_at = recorded_at + lognormal (median ~12 d).
  Anything that would happen after the end of the extract has not happened yet (not
  visible); crimes recorded after the end are not in the extract.
* closing_code: crime-producing calls keep their type (92 %) or the offence's category;
  crime-related calls without a crime are closed with a non-crime code 45-70 % of the time
  (force-specific); non-crime calls mostly keep their type; a small force-specific share is
  null (still open).  bcu: 3-7 named BCUs per force with weights, force-specific null share.
* Serious/lesser pairs (reference README): 8N>105A, 5D>8N, 8P>8N, 105B>105A, 19C>20A,
  19D>20A, 19F>17A, 28E>58A, 28E>49, 34B>39.

Planted gaming (role = mechanism; one per gamed force; only forces >= 1,500 calls/month at
scale 1; all six mechanisms present in every seed, 6-8 gamed forces).  Gaming starts at the
first gamed month g0 = t0 + lag (lag 0 half the time, else 1-3 months), optionally ramping
in linearly over `ramp` (0-3) extra months: probability in month m >= g0 is
strength * min(1, (m - g0 + 1) / (ramp + 1)).  The month of a crime is the month of its call
(linked) or of reported_at (unlinked).
  downgrading    crimes whose true offence is the serious member of 1-2 chosen pairs (the
                 first 8N>105A (70 %), 28E>58A or 28E>49; a second always after a burglary
                 pair (8N>105A 60 %, else any other), else 40 %) are
                 recorded as the lesser from the start (initial = final = lesser, no
                 reclassification).  touched = such records visible in the extract.
  non_recording  ("cuffing") crime-related calls of all crime types or a chosen subset that
                 would have produced >= 1 crime produce none and are closed with a non-crime
                 code (CONCERN_FOR_SAFETY, ASB, SUSPICIOUS...).  touched = crimes lost
                 (those that would have been visible).
  cancellation   recorded, not otherwise cancelled crimes are cancelled within days
                 (reason skewed to C2).  touched = cancellations visible by the end.
  late_recording crimes that would have been recorded within 24 h are recorded 24 h +
                 Gamma later.  touched = late records visible in the extract.
  month_end      crimes whose true offence is the serious member of 1-2 chosen pairs are
                 recorded serious and reclassified to the lesser with reclassified_at in the
                 last 3 days of the month (this one, or the next if recorded too late).
                 touched = reclassifications visible by the end.
  rebadging      calls of 2-3 crime-related types (ASSAULT->CONCERN_FOR_SAFETY,
                 DOMESTIC_ABUSE->DOMESTIC_INCIDENT, HARASSMENT/PUBLIC_ORDER/CRIMINAL_DAMAGE
                 ->ASB, SEXUAL_OFFENCE->CONCERN_FOR_SAFETY, BURGLARY->SUSPICIOUS) are opened
                 as the non-crime neighbour and never produce a crime.  touched = crimes
                 those calls would have produced.

Hard negatives (honest; targeted forces that must NOT be flagged).  Each seed has an
`honest` targeted force plus at least 7 of the 10 others (all 10 when there are enough
forces; extra slots become more `honest` forces); changes are dated near t0 (t0-3 .. t0+4
typically).
  honest             nothing happens beyond the common world.
  genuine_fall       a real fall: either burglary calls and their crimes fall 20-30 %
                     (ramped over 6 months), or serious violence only (calls whose crime would
                     be 8N/5D/5E/8P/2 vanish together with those crimes, 20-35 %).
  call_mix           many more non-crime calls (CONCERN_FOR_SAFETY +30-50 %, MISSING_PERSON
                     +20 %, SUSPICIOUS +15 %); crime-related volumes unchanged, so crimes per
                     call falls.
  merger             the force absorbs a neighbour: from a date, a new unit 20-40 % of its
                     size with its own call mix, conversion, delays, and new BCU names.
  better_recording   conversion of crime-related calls to crimes rises (logit +0.35..0.7,
                     ramped over 6 months).
  upgrading          reviews upgrade many more crimes lesser -> serious (initial lesser,
                     final serious; 15-25 % of true-serious crimes) at ordinary times, so
                     *initial* serious codes fall while final ones do not.
  it_system          (own) a new records system goes live: in the go-live month ~60 % of
                     crimes are recorded after 24 h (25 % the month after), more calls are left
                     without a closing code, and incident_id changes format.  Transient.
  online_reporting   (own) from a date 20-35 % of THEFT/FRAUD/HARASSMENT/VEHICLE_CRIME reports
                     move from calls to online (crimes with null incident_id); total crimes
                     unchanged, call-linked crimes and calls fall.
  missing_months     (own) 2-3 consecutive months are missing from the extract (both tables)
                     for this force.
  proactive_operation (own) a 6-12 month drugs/weapons operation: DRUGS and WEAPONS crimes
                     without any call x2-3, so crimes per call and offence mix shift.
  bcu_restructure    (own) BCUs are replaced by a new set of areas at a date (one transition
                     month with many null bcu), so every per-BCU series breaks.
National honest events (every force, gamed or not): the pandemic-like shock above and, in
~60 % of seeds, a counting-rule change near t0 (within 6 months): HARASSMENT calls convert to
crimes less often (logit -0.4..-0.6) and unlinked harassment crimes fall 30 % ("principal
crime" style rule).  Documented in truth.json under "world".

Untargeted peers: 2-4 honest forces outside the target (role honest, targeted false,
details {"peer": true}).  In ~1 seed in 5 the target is national (every force targeted,
peers included, `forces` omitted from audit.toml).  The pandemic month is drawn
independently of t0 and can fall on or next to it (a realistic confound).

Layouts (per table, by seed; recorded in truth.json "layout")
--------------------------------------------------------------
DIR/<table>/ always exists; inside it one of: a single file <table>.parquet (truth.json
"paths" then names the file, so the file itself can be passed), a flat folder of Spark-like
part files (sometimes plus an empty 0-row file), hive force_id=X/part-0.parquet, hive
force_id=X/year=YYYY/part-0.parquet, hive year=YYYY/part-0.parquet (partition keys are
absent from the files; `year` is an extra key column a hive reader will add), or nested
non-hive folders YYYY/a/data-0.parquet.  Strings as utf8 / large_utf8 / string_view /
dictionary with int8/int16/int32 indices (chosen per column); timestamps s/ms/us/ns (unit
"s" is stored as ms: Parquet has no seconds unit; Parquet 2.4 stores ns as us) with tz
None / UTC / Europe/London / +00:00 (per table, sometimes per column), occasionally INT96
(tz-less ns); 0-3 extra columns (priority, channel, attended, closed_at, source_system;
outcome, victim_count, extract_batch, modified_at); shuffled column order; row groups
4k-1M; rows shuffled, time-sorted, force/time-sorted or in shuffled time blocks;
compression snappy/zstd/gzip/lz4/brotli/none.  Timestamps are always true UTC instants (a
zone only changes the label).  IDs are unique within a force only and the same string can
occur in two forces.

truth.json
----------
{"seed","strength","target_start","months","forces":[{"force_id","role","targeted","gaming",
"touched","first_gamed_month","calls_a_month", "details"}], plus "start","end","world",
"layout","paths"}.  calls_a_month is the realised mean incidents a month (over months
present).  touched counts only records visible in the extract (see above).
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# --------------------------------------------------------------------------------------
# Vocabulary and national parameters
# --------------------------------------------------------------------------------------
CRIME_TYPES = ["ASSAULT", "DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "ROBBERY", "BURGLARY", "THEFT",
               "VEHICLE_CRIME", "CRIMINAL_DAMAGE", "PUBLIC_ORDER", "HARASSMENT", "WEAPONS",
               "DRUGS", "FRAUD"]
NONCRIME_TYPES = ["ASB", "CONCERN_FOR_SAFETY", "DOMESTIC_INCIDENT", "SUSPICIOUS",
                  "MISSING_PERSON", "TRAFFIC", "ALARM", "ADMIN", "OTHER"]
CALL_TYPES = CRIME_TYPES + NONCRIME_TYPES
CT = {n: i for i, n in enumerate(CALL_TYPES)}
NC = len(CALL_TYPES)
NCRIME = len(CRIME_TYPES)

# name: (mix %, p(crime), trend/yr, season amp, peak month, pandemic mult, unlinked ratio, night)
TYPE_PARAMS = {
    "ASSAULT":            (7.0, .74, .01, .12, 7, .80, .05, 1),
    "DOMESTIC_ABUSE":     (5.0, .62, .04, .08, 7, 1.12, .08, 1),
    "SEXUAL_OFFENCE":     (0.8, .70, .06, .10, 7, .75, .25, 1),
    "ROBBERY":            (0.6, .72, -.01, .10, 11, .55, .03, 1),
    "BURGLARY":           (3.0, .80, -.05, .12, 11, .70, .05, 0),
    "THEFT":              (7.0, .72, -.02, .06, 12, .55, .30, 0),
    "VEHICLE_CRIME":      (3.0, .70, -.03, .06, 11, .70, .20, 0),
    "CRIMINAL_DAMAGE":    (4.0, .68, -.02, .08, 10, .85, .10, 0),
    "PUBLIC_ORDER":       (2.0, .60, .03, .12, 7, .85, .10, 1),
    "HARASSMENT":         (2.5, .62, .07, .05, 7, 1.10, .35, 0),
    "WEAPONS":            (0.6, .58, .02, .10, 7, .80, .40, 1),
    "DRUGS":              (1.0, .62, .00, .05, 7, 1.25, .70, 0),
    "FRAUD":              (1.5, .52, .08, .03, 1, 1.15, .90, 0),
    "ASB":                (12.0, .04, -.04, .18, 7, 1.60, 0, 0),
    "CONCERN_FOR_SAFETY": (12.0, .03, .04, .05, 1, 1.15, 0, 0),
    "DOMESTIC_INCIDENT":  (5.0, .10, .03, .06, 12, 1.10, 0, 1),
    "SUSPICIOUS":         (8.0, .03, -.01, .06, 11, .85, 0, 0),
    "MISSING_PERSON":     (2.0, .01, .01, .04, 7, .75, 0, 0),
    "TRAFFIC":            (9.0, .03, -.01, .05, 12, .55, 0, 0),
    "ALARM":              (4.0, .02, -.03, .05, 12, .80, 0, 0),
    "ADMIN":              (5.0, .005, .00, .02, 1, .90, 0, 0),
    "OTHER":              (8.0, .02, .00, .04, 7, 1.00, 0, 0),
}
TP = np.array([TYPE_PARAMS[c] for c in CALL_TYPES], dtype=float)
MIX0, PCRIME0, TREND0, AMP0, PEAK0, COVID0, UNL0, NIGHT0 = TP.T

# Offence distribution of the crimes a call type produces.
OFFENCE_DIST = {
    "ASSAULT": {"8N": .30, "105A": .44, "5D": .04, "5E": .01, "2": .003, "8P": .02, "105B": .03,
                "8S": .02, "104": .05, "3B": .04, "8L": .02},
    "DOMESTIC_ABUSE": {"8N": .24, "105A": .34, "8U": .12, "8L": .08, "3B": .05, "5D": .02,
                       "58A": .05, "8Q": .04, "11A": .02, "8R": .02, "36": .01},
    "SEXUAL_OFFENCE": {"19C": .28, "19D": .06, "19E": .03, "19F": .03, "19G": .01, "19H": .01,
                       "20A": .30, "20B": .06, "17A": .06, "17B": .02, "22A": .06},
    "ROBBERY": {"34B": .84, "34A": .12, "39": .04},
    "BURGLARY": {"28E": .44, "28F": .08, "28G": .02, "28H": .01, "29A": .01, "30C": .22, "30D": .05,
                 "31A": .005, "58A": .06, "58B": .03, "49": .05, "40": .03},
    "THEFT": {"49": .28, "46": .30, "39": .08, "44": .08, "40": .05, "41": .02, "49A": .07,
              "54": .02, "42": .01, "43": .01, "47": .01, "35": .01},
    "VEHICLE_CRIME": {"45": .45, "48": .30, "126": .10, "37.2": .03, "58C": .12},
    "CRIMINAL_DAMAGE": {"58A": .30, "58B": .12, "58C": .28, "58D": .20, "58J": .02, "56B": .07,
                        "56A": .01},
    "PUBLIC_ORDER": {"9A": .80, "9B": .15, "62A": .05},
    "HARASSMENT": {"8L": .40, "8R": .35, "8Q": .12, "8M": .05, "3B": .08},
    "WEAPONS": {"10D": .50, "10C": .30, "10B": .12, "10A": .08},
    "DRUGS": {"92E": .50, "92D": .25, "92A": .20, "92C": .05},
    "FRAUD": {"53": .90, "35": .10},
    "ASB": {"9A": .50, "58D": .25, "105A": .15, "8L": .10},
    "CONCERN_FOR_SAFETY": {"105A": .30, "3B": .20, "8L": .20, "8U": .15, "11A": .15},
    "DOMESTIC_INCIDENT": {"105A": .35, "8U": .25, "8L": .15, "8N": .15, "58A": .10},
    "SUSPICIOUS": {"28F": .30, "126": .25, "49": .20, "10D": .10, "30D": .15},
    "MISSING_PERSON": {"36": .30, "11A": .40, "106": .30},
    "TRAFFIC": {"48": .30, "58C": .30, "37.2": .20, "45": .20},
    "ALARM": {"30C": .50, "28E": .30, "30D": .20},
    "ADMIN": {"49": .50, "53": .50},
    "OTHER": {"49": .40, "58D": .30, "8R": .30},
}
CODES = sorted({c for d in OFFENCE_DIST.values() for c in d} | {"8L"})
OC = {c: i for i, c in enumerate(CODES)}
NCODES = len(CODES)

# Category (call type) an offence code belongs to: used for closing codes.
_CAT_OF = {}
for _c in CODES:
    if _c in ("8U",):
        _CAT_OF[_c] = "DOMESTIC_ABUSE"
    elif _c in ("8L", "8M", "8Q", "8R", "3B"):
        _CAT_OF[_c] = "HARASSMENT"
    elif _c.startswith(("19", "17", "20", "22")):
        _CAT_OF[_c] = "SEXUAL_OFFENCE"
    elif _c.startswith("34"):
        _CAT_OF[_c] = "ROBBERY"
    elif _c.startswith(("28", "29", "30", "31")):
        _CAT_OF[_c] = "BURGLARY"
    elif _c in ("45", "48", "37.2", "126"):
        _CAT_OF[_c] = "VEHICLE_CRIME"
    elif _c.startswith(("58", "56")):
        _CAT_OF[_c] = "CRIMINAL_DAMAGE"
    elif _c in ("9A", "9B", "62A"):
        _CAT_OF[_c] = "PUBLIC_ORDER"
    elif _c.startswith("10"):
        _CAT_OF[_c] = "WEAPONS" if _c != "105A" and _c != "105B" and _c != "104" and _c != "106" else "ASSAULT"
    elif _c.startswith("92"):
        _CAT_OF[_c] = "DRUGS"
    elif _c in ("53",):
        _CAT_OF[_c] = "FRAUD"
    elif _c in ("39", "44", "46", "35", "40", "41", "42", "43", "47", "49", "49A", "54"):
        _CAT_OF[_c] = "THEFT"
    else:
        _CAT_OF[_c] = "ASSAULT"
CAT_OF_CODE = np.array([CT[_CAT_OF[c]] for c in CODES], dtype=np.int16)

# Serious -> lesser pairs (reference README)
PAIRS = [("8N", "105A"), ("5D", "8N"), ("8P", "8N"), ("105B", "105A"), ("19C", "20A"),
         ("19D", "20A"), ("19F", "17A"), ("28E", "58A"), ("28E", "49"), ("34B", "39")]
GAMING_PAIR_WEIGHTS = {("8N", "105A"): 4.0, ("28E", "58A"): 2.0, ("28E", "49"): 1.5,
                       ("34B", "39"): 1.0, ("19C", "20A"): 1.0, ("5D", "8N"): 0.7,
                       ("8P", "8N"): 0.5, ("105B", "105A"): 0.5}
SERIOUS_VIOLENCE = ["8N", "5D", "5E", "8P", "2"]

# Non-crime closing codes for crime-related calls closed without a crime
CUFF_CLOSE = {
    "ASSAULT": {"CONCERN_FOR_SAFETY": .5, "ASB": .25, "OTHER": .15, "ADMIN": .10},
    "DOMESTIC_ABUSE": {"DOMESTIC_INCIDENT": .7, "CONCERN_FOR_SAFETY": .3},
    "SEXUAL_OFFENCE": {"CONCERN_FOR_SAFETY": .7, "OTHER": .3},
    "ROBBERY": {"SUSPICIOUS": .5, "OTHER": .3, "CONCERN_FOR_SAFETY": .2},
    "BURGLARY": {"SUSPICIOUS": .5, "ALARM": .2, "OTHER": .3},
    "THEFT": {"OTHER": .5, "ADMIN": .3, "SUSPICIOUS": .2},
    "VEHICLE_CRIME": {"SUSPICIOUS": .5, "TRAFFIC": .3, "OTHER": .2},
    "CRIMINAL_DAMAGE": {"ASB": .6, "OTHER": .4},
    "PUBLIC_ORDER": {"ASB": .7, "OTHER": .3},
    "HARASSMENT": {"ASB": .4, "CONCERN_FOR_SAFETY": .35, "OTHER": .25},
    "WEAPONS": {"SUSPICIOUS": .6, "CONCERN_FOR_SAFETY": .4},
    "DRUGS": {"SUSPICIOUS": .6, "ASB": .4},
    "FRAUD": {"ADMIN": .6, "OTHER": .4},
}
REBADGE = {"ASSAULT": "CONCERN_FOR_SAFETY", "DOMESTIC_ABUSE": "DOMESTIC_INCIDENT",
           "HARASSMENT": "ASB", "PUBLIC_ORDER": "ASB", "CRIMINAL_DAMAGE": "ASB",
           "SEXUAL_OFFENCE": "CONCERN_FOR_SAFETY", "BURGLARY": "SUSPICIOUS"}

MECHANISMS = ["downgrading", "non_recording", "cancellation", "late_recording", "month_end",
              "rebadging"]
HARD_NEGATIVES = ["genuine_fall", "call_mix", "merger", "better_recording", "upgrading",
                  "it_system", "online_reporting", "missing_months", "proactive_operation",
                  "bcu_restructure"]

FORCE_CODES = [f"E230000{i:02d}" for i in range(1, 40)] + [f"W1500000{i}" for i in range(1, 5)]
BCU_POOL = ["North", "South", "East", "West", "Central", "City", "County", "Coastal", "Rural",
            "Metro", "Valley", "Borough", "Vale", "Moor", "Forest", "Riverside", "Docks",
            "Uplands", "Downs", "Heath", "Marsh", "Lakes", "Dales", "Peaks"]
NEW_BCU_POOL = ["LPA 1", "LPA 2", "LPA 3", "LPA 4", "LPA 5", "Area A", "Area B", "Area C",
                "Area D", "District 1", "District 2", "District 3"]

HOUR_GENERAL = np.array([2, 1.5, 1, .8, .7, .8, 1.5, 3, 4.5, 5, 5.2, 5.4, 5.6, 5.7, 5.8, 6, 6.2,
                         6.3, 6.2, 5.8, 5.2, 4.5, 3.6, 2.8])
HOUR_NIGHT = np.array([5, 4.5, 3.5, 2.5, 1.8, 1.2, 1, 1.5, 2, 2.5, 3, 3.3, 3.6, 3.8, 4, 4.3,
                       4.6, 5, 5.4, 5.8, 6.2, 6.6, 6.8, 6.2])
HOUR_OFFICE = np.array([.5, .3, .2, .2, .2, .3, .6, 1.5, 3.5, 5, 5.5, 5.5, 5, 5.2, 5.3, 5.2,
                        4.8, 4, 3, 2.5, 2.2, 1.8, 1.2, .8])

PANDEMIC_SHAPE = np.array([1.0, 1.0, .75, .55, .40, .30, .25, .25, .50, .60, .45, .30, .20,
                           .15, .10, .10, .05, .05])

DAY = 86400
HOUR = 3600


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    return np.log(p / (1.0 - p))


def ramp_factor(m, start, ramp):
    """0 before start; linear ramp to 1 over ramp+1 months."""
    return np.clip((m - start + 1) / (ramp + 1.0), 0.0, 1.0) * (m >= start)


# --------------------------------------------------------------------------------------
# World: forces, roles, dates (depends on seed only)
# --------------------------------------------------------------------------------------
def build_world(seed):
    rng = np.random.default_rng([seed, 101])
    n = int(rng.integers(16, 25))
    M = int(rng.integers(48, 73))
    start_year = int(rng.integers(2016, 2020))
    start_month = int(rng.choice([1, 4]))
    t0 = int(rng.integers(24, M - 12 + 1))
    forces = [str(x) for x in rng.choice(FORCE_CODES, n, replace=False)]

    n_small = int(rng.integers(2, 4))
    n_large = int(rng.integers(1, 3))
    sizes = np.empty(n)
    sizes[:n_small] = rng.uniform(400, 1000, n_small)
    sizes[n_small:n_small + n_large] = rng.uniform(10000, 15000, n_large)
    k = n - n_small - n_large
    sizes[n_small + n_large:] = 1500 * (8000 / 1500) ** (rng.random(k) ** 1.8)
    sizes = sizes[rng.permutation(n)]

    national = bool(rng.random() < 0.2)
    eligible = [i for i in range(n) if sizes[i] >= 1600]   # margin: realised volume is within a few % of base
    n_gamers = 6 + int(rng.integers(0, 3))
    n_gamers = min(n_gamers, n - 10, len(eligible))
    mechs = list(MECHANISMS) + [str(x) for x in rng.choice(MECHANISMS, n_gamers - 6)]
    rng.shuffle(mechs)
    gamers = [int(x) for x in rng.choice(eligible, n_gamers, replace=False)]
    rest = [i for i in rng.permutation(n) if i not in gamers]
    n_peers = 2 if n < 18 else (3 if n < 21 else 4)   # leaves >= 8 hard-negative slots
    peers = rest[:n_peers]
    hns = rest[n_peers:]
    hn_roles = ["honest"] + [str(x) for x in rng.permutation(HARD_NEGATIVES)]
    while len(hn_roles) < len(hns):
        hn_roles.append("honest")
    hn_roles = hn_roles[:len(hns)]

    F = []
    for i in range(n):
        F.append({"force_id": forces[i], "size": float(sizes[i]), "role": "honest",
                  "targeted": national, "gaming": False, "details": {}})
    for i, mech in zip(gamers, mechs):
        f = F[i]
        f["role"], f["targeted"], f["gaming"] = mech, True, True
        lag = 0 if rng.random() < 0.5 else int(rng.integers(1, 4))
        ramp = int(rng.integers(0, 4)) if rng.random() < 0.6 else 0
        d = {"lag": lag, "ramp": ramp, "g0": t0 + lag}
        if mech in ("downgrading", "month_end"):
            keys = list(GAMING_PAIR_WEIGHTS)
            # first pair is a high-volume one (8N>105A most often), second optional, any
            high = [("8N", "105A"), ("28E", "58A"), ("28E", "49")]
            first = high[rng.choice(3, p=[.7, .2, .1])]
            chosen = [first]
            if first[0] == "28E" and rng.random() < 0.6:   # burglary alone is often thin
                chosen.append(("8N", "105A"))
            elif first[0] == "28E" or rng.random() < 0.4:
                others = [p for p in keys if p[0] != first[0]]
                w2 = np.array([GAMING_PAIR_WEIGHTS[x] for x in others])
                chosen.append(others[rng.choice(len(others), p=w2 / w2.sum())])
            d["pairs"] = [list(p) for p in chosen]
        if mech == "non_recording":
            if rng.random() < 0.5:
                d["types"] = list(CRIME_TYPES)
            else:
                pool = ["ASSAULT", "DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "BURGLARY", "THEFT",
                        "CRIMINAL_DAMAGE", "HARASSMENT", "PUBLIC_ORDER", "ROBBERY", "VEHICLE_CRIME"]
                d["types"] = [str(x) for x in rng.choice(pool, int(rng.integers(3, 6)), replace=False)]
        if mech == "rebadging":
            first = str(rng.choice(["ASSAULT", "DOMESTIC_ABUSE"]))
            others = [x for x in REBADGE if x != first]
            d["types"] = [first] + [str(x) for x in rng.choice(others, int(rng.integers(1, 3)), replace=False)]
            d["to"] = {t: REBADGE[t] for t in d["types"]}
        f["details"] = d
    for i in peers:
        F[i]["role"] = "honest"
        F[i]["targeted"] = national
        F[i]["details"] = {"peer": True}
    for i, role in zip(hns, hn_roles):
        f = F[i]
        f["role"], f["targeted"] = role, True
        d = {}
        near = lambda lo, hi: int(np.clip(t0 + rng.integers(lo, hi + 1), 1, M - 3))
        if role == "genuine_fall":
            d["kind"] = str(rng.choice(["burglary", "serious_violence"]))
            d["month"] = near(-2, 4)
            d["fall"] = float(rng.uniform(.20, .30) if d["kind"] == "burglary" else rng.uniform(.20, .35))
        elif role == "call_mix":
            d["month"] = near(-3, 3)
            d["cfs_rise"] = float(rng.uniform(.3, .5))
        elif role == "merger":
            d["month"] = near(-3, 6)
            d["growth"] = float(rng.uniform(.2, .4))
        elif role == "better_recording":
            d["month"] = near(-1, 3)
            d["logit_rise"] = float(rng.uniform(.35, .7))
        elif role == "upgrading":
            d["month"] = near(-1, 3)
            d["upgrade_rate"] = float(rng.uniform(.15, .25))
        elif role == "it_system":
            d["month"] = near(0, 4)
        elif role == "online_reporting":
            d["month"] = near(-1, 3)
            d["share"] = float(rng.uniform(.2, .35))
        elif role == "missing_months":
            length = int(rng.integers(2, 4))
            s = int(np.clip(t0 + rng.integers(-6, M - t0 - length), 1, M - length - 1))
            d["months"] = list(range(s, s + length))
        elif role == "proactive_operation":
            d["month"] = near(-1, 4)
            d["length"] = int(rng.integers(6, 13))
            d["mult"] = float(rng.uniform(2, 3))
        elif role == "bcu_restructure":
            d["month"] = near(-3, 4)
        f["details"] = d

    world = {
        "n": n, "M": M, "start_year": start_year, "start_month": start_month, "t0": t0,
        "national_target": national, "forces": F,
        "pandemic_month": int(rng.integers(6, M - 6)),
        "pandemic_intensity": float(rng.uniform(.6, 1.2)),
        "rule_change_month": int(np.clip(t0 + rng.integers(-6, 7), 1, M - 1)) if rng.random() < 0.6 else None,
        "rule_change_logit": float(-rng.uniform(.4, .6)),
        "target_name": str(rng.choice(["Cut violent crime by 20%", "Reduce recorded crime by 10%",
                                       "Reduce burglary and robbery", "Safer streets target",
                                       "Priority crime reduction"])),
    }
    return world


# --------------------------------------------------------------------------------------
# Per-unit parameters (a unit is a force, or a merged-in area of a force)
# --------------------------------------------------------------------------------------
def unit_params(rng, size):
    mix = MIX0 * np.exp(rng.normal(0, .25, NC))
    mix /= mix.sum()
    p = {
        "size": size,
        "mix": mix,
        "trend": TREND0 + rng.normal(0, .02, NC),
        "amp": AMP0 * rng.uniform(.6, 1.4, NC),
        "peak": PEAK0 + rng.normal(0, .7, NC),
        "covid_sus": rng.uniform(.5, 1.4),
        "covid_jit": rng.normal(0, .15, NC),
        "cv": rng.uniform(.04, .10),
        "conv_off": rng.normal(0, .35) + rng.normal(0, .25, NC),
        "unl_factor": np.exp(rng.normal(0, .3)),
        "delay_med_h": rng.uniform(1, 6),
        "late_share": rng.uniform(.03, .10),
        "up_rate": rng.uniform(.02, .05),
        "down_rate": rng.uniform(.01, .03),
        "cancel_rate": rng.uniform(.01, .04),
        "cancel_mix": rng.dirichlet([5, 9, 4, 2]),
        "nc_close": rng.uniform(.45, .70),
        "close_null": rng.uniform(0, .03) if rng.random() < .7 else 0.0,
        "bcu_null": rng.uniform(0, .04) if rng.random() < .6 else 0.0,
    }
    return p


# --------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------
def simulate(world, seed, strength, scale, log):
    rng_p = np.random.default_rng([seed, 202])      # parameters (scale-independent)
    rng = np.random.default_rng([seed, 303, int(round(scale * 1000))])  # sampling
    F = world["forces"]
    n, M, t0 = world["n"], world["M"], world["t0"]

    base = np.datetime64(f"{world['start_year']:04d}-{world['start_month']:02d}", "M")
    ms = (base + np.arange(M + 3)).astype("datetime64[s]").astype(np.int64)
    end_ts = int(ms[M])
    dim = (ms[1:M + 1] - ms[:M]) // DAY
    moy = (world["start_month"] - 1 + np.arange(M)) % 12 + 1
    years_of_month = ((base + np.arange(M)).astype("datetime64[Y]").astype(int) + 1970)

    # ---- units ---------------------------------------------------------------------------
    units, unit_force, unit_active_from = [], [], []
    bcu_names = []          # global BCU vocabulary
    unit_bcus = []          # per unit: (indices into bcu_names, weights)
    for i, f in enumerate(F):
        p = unit_params(rng_p, f["size"] * scale)
        nb = int(rng_p.integers(3, 8))
        names = [str(x) for x in rng_p.choice(BCU_POOL, nb, replace=False)]
        p["bcu"] = (names, rng_p.dirichlet(np.full(nb, 4.0)))
        f["_unit_params"] = p
        units.append(p); unit_force.append(i); unit_active_from.append(0)
    for i, f in enumerate(F):
        if f["role"] == "merger":
            d = f["details"]
            p = unit_params(rng_p, f["size"] * scale * d["growth"])
            used = set(units[i]["bcu"][0])
            names = [x for x in BCU_POOL if x not in used]
            names = [str(x) for x in rng_p.choice(names, int(rng_p.integers(1, 3)), replace=False)]
            p["bcu"] = (names, rng_p.dirichlet(np.full(len(names), 4.0)))
            d["new_bcus"] = names
            units.append(p); unit_force.append(i); unit_active_from.append(d["month"])
    U = len(units)
    unit_force = np.array(unit_force)
    # BCU restructure: new names per force
    for f in F:
        if f["role"] == "bcu_restructure":
            k = int(rng_p.integers(3, 6))
            f["details"]["new_bcus"] = [str(x) for x in rng_p.choice(NEW_BCU_POOL, k, replace=False)]
    for u in range(U):
        names, w = units[u]["bcu"]
        idx = []
        for nm in names:
            if nm not in bcu_names:
                bcu_names.append(nm)
            idx.append(bcu_names.index(nm))
        unit_bcus.append((np.array(idx), np.cumsum(w)))
    for f in F:
        if f["role"] == "bcu_restructure":
            for nm in f["details"]["new_bcus"]:
                if nm not in bcu_names:
                    bcu_names.append(nm)

    def stack(key):
        return np.array([u[key] for u in units])

    # ---- expected calls lambda[u, c, m] --------------------------------------------------
    m = np.arange(M)
    size = stack("size")[:, None, None]
    mix = stack("mix")[:, :, None]
    trend = stack("trend")[:, :, None]
    amp = stack("amp")[:, :, None]
    peak = stack("peak")[:, :, None]
    lam = size * mix * np.exp(trend * (m / 12.0)) * \
        (1 + amp * np.cos(2 * np.pi * (moy[None, None, :] - peak) / 12.0))
    # pandemic
    k = m - world["pandemic_month"]
    shape = np.where((k >= 0) & (k < len(PANDEMIC_SHAPE)),
                     PANDEMIC_SHAPE[np.clip(k, 0, len(PANDEMIC_SHAPE) - 1)], 0.0)
    covid_log = (np.log(COVID0)[None, :] * (1 + stack("covid_jit")) * stack("covid_sus")[:, None]
                 * world["pandemic_intensity"])
    lam *= np.exp(covid_log[:, :, None] * shape[None, None, :])
    active = (m[None, :] >= np.array(unit_active_from)[:, None]).astype(float)
    lam *= active[:, None, :]

    # conversion probability p[u, c, m]
    conv_off = stack("conv_off")
    scale_off = np.where(np.arange(NC) < NCRIME, 1.0, 0.5)
    plog = logit(PCRIME0)[None, :, None] + (conv_off * scale_off)[:, :, None] + \
        rng_p.normal(0, .06, (U, NC, M))
    if world["rule_change_month"] is not None:
        plog[:, CT["HARASSMENT"], world["rule_change_month"]:] += world["rule_change_logit"]

    # honest-change multipliers on calls (per force -> all its units)
    unl_mult = np.ones((U, NC, M))
    online_share = np.zeros((U, NC, M))
    for u in range(U):
        f = F[unit_force[u]]
        d = f["details"]
        role = f["role"]
        if role == "genuine_fall" and d["kind"] == "burglary":
            r = ramp_factor(m, d["month"], 5)
            lam[u, CT["BURGLARY"]] *= (1 - d["fall"] * r)
        elif role == "call_mix":
            r = ramp_factor(m, d["month"], 2)
            lam[u, CT["CONCERN_FOR_SAFETY"]] *= 1 + d["cfs_rise"] * r
            lam[u, CT["MISSING_PERSON"]] *= 1 + .2 * r
            lam[u, CT["SUSPICIOUS"]] *= 1 + .15 * r
        elif role == "better_recording":
            r = ramp_factor(m, d["month"], 5)
            plog[u, :NCRIME] += d["logit_rise"] * r
        elif role == "online_reporting":
            r = ramp_factor(m, d["month"], 2)
            for t in ("THEFT", "FRAUD", "HARASSMENT", "VEHICLE_CRIME"):
                online_share[u, CT[t]] = d["share"] * r
        elif role == "proactive_operation":
            on = (m >= d["month"]) & (m < d["month"] + d["length"])
            for t in ("DRUGS", "WEAPONS"):
                unl_mult[u, CT[t], on] *= d["mult"]
    if world["rule_change_month"] is not None:
        unl_mult[:, CT["HARASSMENT"], world["rule_change_month"]:] *= 0.7
    pconv = sigmoid(plog)

    # over-dispersion: gamma per cell and a common force-month factor
    cv = stack("cv")[:, None, None]
    kshape = 1.0 / cv ** 2
    noise = rng.gamma(kshape, 1.0 / kshape, (U, NC, M)) * \
        np.exp(rng.normal(0, .03, (U, 1, M)) - .03 ** 2 / 2)
    lam_n = lam * noise
    lam_calls = lam_n * (1 - online_share)
    lam_unl = lam_n * pconv * (UNL0 * (np.arange(NC) < NCRIME))[None, :, None] * \
        stack("unl_factor")[:, None, None] * unl_mult + lam_n * online_share * pconv
    counts = rng.poisson(lam_calls)
    ucounts = rng.poisson(lam_unl)

    # ---- calls ------------------------------------------------------------------------------
    cell_u, cell_c, cell_m = np.meshgrid(np.arange(U), np.arange(NC), np.arange(M), indexing="ij")
    flat = counts.ravel()
    N = int(flat.sum())
    call_u = np.repeat(cell_u.ravel().astype(np.int16), flat)
    call_c = np.repeat(cell_c.ravel().astype(np.int8), flat)
    call_m = np.repeat(cell_m.ravel().astype(np.int16), flat)
    call_p = np.repeat(pconv.ravel(), flat)
    call_f = unit_force[call_u].astype(np.int16)
    log(f"calls sampled: {N:,}")

    def sample_times(mm, profile_idx, nrows):
        """profile_idx: 0 general, 1 night, 2 office"""
        day = np.floor(rng.random(nrows) * dim[mm]).astype(np.int64)
        cums = [np.cumsum(HOUR_GENERAL), np.cumsum(HOUR_NIGHT), np.cumsum(HOUR_OFFICE)]
        hour = np.empty(nrows, dtype=np.int64)
        ur = rng.random(nrows)
        for j, cum in enumerate(cums):
            sel = profile_idx == j
            hour[sel] = np.searchsorted(cum, ur[sel] * cum[-1], side="right")
        hour = np.minimum(hour, 23)
        sec = rng.integers(0, HOUR, nrows)
        return ms[mm] + day * DAY + hour * HOUR + sec

    opened = sample_times(call_m, NIGHT0[call_c].astype(np.int8), N)

    # BCU per call (unit rows are contiguous because cells are in u-major order)
    call_bcu = np.empty(N, dtype=np.int16)
    starts = np.concatenate([[0], np.cumsum(counts.reshape(U, -1).sum(1))])
    ur = rng.random(N)
    for u in range(U):
        sl = slice(starts[u], starts[u + 1])
        idx, cum = unit_bcus[u]
        call_bcu[sl] = idx[np.minimum(np.searchsorted(cum, ur[sl] * cum[-1], side="right"), len(idx) - 1)]

    # honest crimes per call
    first = rng.random(N) < call_p
    second = first & (rng.random(N) < 0.03)
    ncr = first.astype(np.int8) + second
    lcall = np.repeat(np.arange(N, dtype=np.int64), ncr)
    # unlinked crimes
    uflat = ucounts.ravel()
    nU = int(uflat.sum())
    ul_u = np.repeat(cell_u.ravel().astype(np.int16), uflat)
    ul_c = np.repeat(cell_c.ravel().astype(np.int8), uflat)
    ul_m = np.repeat(cell_m.ravel().astype(np.int16), uflat)
    ul_rep = sample_times(ul_m, np.full(nU, 2, np.int8), nU)
    ul_bcu = np.empty(nU, dtype=np.int16)
    ustarts = np.concatenate([[0], np.cumsum(ucounts.reshape(U, -1).sum(1))])
    ur = rng.random(nU)
    for u in range(U):
        sl = slice(ustarts[u], ustarts[u + 1])
        idx, cum = unit_bcus[u]
        ul_bcu[sl] = idx[np.minimum(np.searchsorted(cum, ur[sl] * cum[-1], side="right"), len(idx) - 1)]

    nL = len(lcall)
    cr_call = np.concatenate([lcall, np.full(nU, -1, np.int64)])
    cr_u = np.concatenate([call_u[lcall], ul_u])
    cr_c = np.concatenate([call_c[lcall], ul_c])
    cr_m = np.concatenate([call_m[lcall], ul_m])
    cr_rep = np.concatenate([opened[lcall] - rng.integers(0, 91, nL), ul_rep])
    bcu_keep = rng.random(nL) >= 0.02
    cr_bcu = np.concatenate([np.where(bcu_keep, call_bcu[lcall], -1), ul_bcu]).astype(np.int16)
    cr_f = unit_force[cr_u].astype(np.int16)
    NCR = len(cr_call)
    log(f"crimes sampled: {NCR:,} ({nU:,} without incident)")

    # offences (true)
    def sample_offence(cats):
        out = np.empty(len(cats), dtype=np.int16)
        order = np.argsort(cats, kind="stable")
        bounds = np.searchsorted(cats[order], np.arange(NC + 1))
        ur = rng.random(len(cats))
        for c in range(NC):
            idx = order[bounds[c]:bounds[c + 1]]
            if len(idx) == 0:
                continue
            dist = OFFENCE_DIST[CALL_TYPES[c]]
            codes = np.array([OC[x] for x in dist], dtype=np.int16)
            cum = np.cumsum(list(dist.values()))
            out[idx] = codes[np.minimum(np.searchsorted(cum, ur[idx] * cum[-1], side="right"), len(codes) - 1)]
        return out

    cr_true = sample_offence(cr_c)

    # ---- removals (genuine fall of serious violence; missing months) ------------------------
    keep_call = np.ones(N, bool)
    keep_cr = np.ones(NCR, bool)
    sv = np.isin(cr_true, [OC[x] for x in SERIOUS_VIOLENCE])
    for i, f in enumerate(F):
        d = f["details"]
        if f["role"] == "genuine_fall" and d["kind"] == "serious_violence":
            r = ramp_factor(cr_m, d["month"], 5)
            gone = (cr_f == i) & sv & (rng.random(NCR) < d["fall"] * r)
            keep_call[cr_call[gone & (cr_call >= 0)]] = False
            keep_cr &= ~gone
        if f["role"] == "missing_months":
            keep_call &= ~((call_f == i) & np.isin(call_m, d["months"]))
            keep_cr &= ~((cr_f == i) & np.isin(cr_m, d["months"]))
    keep_cr &= (cr_call < 0) | keep_call[np.maximum(cr_call, 0)]

    # ---- delays --------------------------------------------------------------------------
    late_share = stack("late_share")[cr_u] * np.where(cr_c == CT["SEXUAL_OFFENCE"], 2.0,
                                                      np.where(cr_c == CT["FRAUD"], 1.6, 1.0))
    for i, f in enumerate(F):
        if f["role"] == "it_system":
            g = f["details"]["month"]
            late_share = np.where((cr_f == i) & (cr_m == g), 0.6, late_share)
            late_share = np.where((cr_f == i) & (cr_m == g + 1), 0.25, late_share)
    is_late = rng.random(NCR) < late_share
    d_fast = np.exp(np.log(stack("delay_med_h")[cr_u] * HOUR) + 0.9 * rng.standard_normal(NCR))
    d_fast = np.clip(d_fast, 60, 23.5 * HOUR)
    d_late = DAY + 600 + rng.gamma(1.3, 40 * HOUR, NCR)
    delay = np.where(is_late, d_late, d_fast).astype(np.int64)

    # ---- honest reclassification ----------------------------------------------------------
    lesser_of = [[] for _ in range(NCODES)]
    serious_of = [[] for _ in range(NCODES)]
    for s, l in PAIRS:
        lesser_of[OC[s]].append(OC[l])
        serious_of[OC[l]].append(OC[s])

    def pick(table, codes):
        cnt = np.array([len(t) for t in table])
        pad = np.array([(t + [-1, -1])[:2] for t in table])
        kk = np.floor(rng.random(len(codes)) * np.maximum(cnt[codes], 1)).astype(int)
        return pad[codes, np.minimum(kk, 1)], cnt[codes] > 0

    cand_l, has_l = pick(lesser_of, cr_true)
    cand_s, has_s = pick(serious_of, cr_true)
    up_rate = stack("up_rate")[cr_u]
    for i, f in enumerate(F):
        if f["role"] == "upgrading":
            d = f["details"]
            r = ramp_factor(cr_m, d["month"], 2)
            up_rate = np.where(cr_f == i, up_rate + (d["upgrade_rate"] - up_rate) * r, up_rate)
    rr = rng.random(NCR)
    up = has_l & (rr < up_rate)
    down = ~up & has_s & (rng.random(NCR) < stack("down_rate")[cr_u])
    other = ~up & ~down & (rng.random(NCR) < 0.015)
    alt = sample_offence(cr_c)
    other &= alt != cr_true
    cr_init = cr_true.copy()
    cr_init[up] = cand_l[up]
    cr_init[down] = cand_s[down]
    cr_init[other] = alt[other]
    cr_final = cr_true.copy()
    reclass = up | down | other
    rdelta = np.where(reclass, np.exp(np.log(5 * DAY) + 1.1 * rng.standard_normal(NCR)) + 600,
                      -1).astype(np.int64)

    # ---- honest cancellation -----------------------------------------------------------------
    cancel = rng.random(NCR) < stack("cancel_rate")[cr_u]
    cdelta = np.where(cancel, np.exp(np.log(12 * DAY) + 1.0 * rng.standard_normal(NCR)) + 3600,
                      -1).astype(np.int64)
    cmix = np.cumsum(stack("cancel_mix"), axis=1)
    reason = (rng.random(NCR)[:, None] * cmix[cr_u, -1:] > cmix[cr_u]).sum(1).astype(np.int8)
    reason = np.minimum(reason, 3)

    # honest visibility (used for the crimes that gaming removes)
    honest_visible = keep_cr & (cr_rep + delay < end_ts)

    # ---- closing codes (honest) ----------------------------------------------------------------
    close = call_c.astype(np.int16).copy()
    first_off = np.full(N, -1, np.int16)
    first_idx = np.flatnonzero(np.r_[True, lcall[1:] != lcall[:-1]]) if nL else np.array([], int)
    first_off[lcall[first_idx]] = cr_true[first_idx]
    has_crime = ncr > 0
    is_crime_type = call_c < NCRIME
    u_close = rng.random(N)
    # crime-producing calls: 5 % closed as the offence's category
    sel = has_crime & (u_close < 0.05)
    close[sel] = CAT_OF_CODE[first_off[sel]]
    sel = has_crime & ~is_crime_type & (u_close < 0.8)
    close[sel] = CAT_OF_CODE[first_off[sel]]

    cuff_tables = {}
    for t, dist in CUFF_CLOSE.items():
        cuff_tables[CT[t]] = (np.array([CT[x] for x in dist], np.int16), np.cumsum(list(dist.values())))

    def cuff_codes(types):
        out = np.empty(len(types), np.int16)
        ur = rng.random(len(types))
        for c, (codes, cum) in cuff_tables.items():
            s = types == c
            out[s] = codes[np.minimum(np.searchsorted(cum, ur[s] * cum[-1], side="right"), len(codes) - 1)]
        return out

    sel = ~has_crime & is_crime_type & (rng.random(N) < stack("nc_close")[call_u])
    close[sel] = cuff_codes(call_c[sel])
    sel = ~has_crime & ~is_crime_type & (u_close < 0.07)
    close[sel] = rng.integers(NCRIME, NC, int(sel.sum()))
    close_null = stack("close_null")[call_u]
    for i, f in enumerate(F):
        if f["role"] == "it_system":
            g = f["details"]["month"]
            close_null = np.where((call_f == i) & (call_m == g), 0.15, close_null)
    close[rng.random(N) < close_null] = -1
    call_type_out = call_c.astype(np.int16).copy()

    # ---- gaming ----------------------------------------------------------------------------------
    touched = np.zeros(n, dtype=np.int64)
    drop_cr = np.zeros(NCR, bool)
    late_game = np.zeros(NCR, bool)
    month_end_game = np.zeros(NCR, bool)
    cancel_game = np.zeros(NCR, bool)
    down_game = np.zeros(NCR, bool)
    crimes_of_call_visible = np.bincount(cr_call[(cr_call >= 0) & honest_visible], minlength=N)
    for i, f in enumerate(F):
        if not f["gaming"]:
            continue
        d = f["details"]
        mech = f["role"]
        g0, ramp = d["g0"], d["ramp"]
        if mech in ("non_recording", "rebadging"):
            types = np.array([CT[t] for t in d["types"]])
            cand = (call_f == i) & np.isin(call_c, types) & keep_call
            if mech == "non_recording":
                cand &= has_crime
            pr = strength * ramp_factor(call_m, g0, ramp)
            hit = cand & (rng.random(N) < pr)
            cr_hit = (cr_call >= 0) & hit[np.maximum(cr_call, 0)]
            drop_cr |= cr_hit
            touched[i] = int(crimes_of_call_visible[hit].sum())
            if mech == "non_recording":
                close[hit] = cuff_codes(call_c[hit])
            else:
                to = np.array([CT[REBADGE[CALL_TYPES[c]]] if CALL_TYPES[c] in REBADGE else c
                               for c in range(NC)], np.int16)
                newt = to[call_c[hit]]
                call_type_out[hit] = newt
                alt_close = rng.random(int(hit.sum())) < 0.15
                close[hit] = np.where(alt_close, cuff_codes(call_c[hit]), newt)
            continue
        pr = strength * ramp_factor(cr_m, g0, ramp)
        base_sel = (cr_f == i) & keep_cr & (rng.random(NCR) < pr)
        if mech in ("downgrading", "month_end"):
            smap = {OC[s]: OC[l] for s, l in d["pairs"]}
            hit = base_sel & np.isin(cr_true, list(smap))
            lut = np.arange(NCODES, dtype=np.int16)
            for s_, l_ in smap.items():
                lut[s_] = l_
            if mech == "downgrading":
                cr_init[hit] = lut[cr_true[hit]]
                cr_final[hit] = lut[cr_true[hit]]
                rdelta[hit] = -1
                down_game |= hit
            else:
                cr_init[hit] = cr_true[hit]
                cr_final[hit] = lut[cr_true[hit]]
                month_end_game |= hit
        elif mech == "cancellation":
            hit = base_sel & ~cancel
            cancel_game |= hit
            cdelta[hit] = (np.exp(np.log(3 * DAY) + .8 * rng.standard_normal(int(hit.sum()))) + 3600).astype(np.int64)
            gm = np.cumsum(0.5 * stack("cancel_mix")[i] + 0.5 * np.array([.1, .6, .1, .2]))
            reason[hit] = np.minimum(np.searchsorted(gm, rng.random(int(hit.sum())) * gm[-1], side="right"), 3)
        elif mech == "late_recording":
            hit = base_sel & (delay < DAY)
            late_game |= hit
            delay[hit] = (DAY + 600 + rng.gamma(1.5, 30 * HOUR, int(hit.sum())) +
                          rng.integers(0, HOUR, int(hit.sum())))

    # ---- finalise crimes ----------------------------------------------------------------------
    recorded = cr_rep + delay
    # month-end reclassification times
    me_idx = np.flatnonzero(month_end_game)
    if len(me_idx):
        rec = recorded[me_idx]
        mi = np.searchsorted(ms, rec, side="right") - 1
        win = ms[mi + 1] - 3 * DAY
        nxt = rec + HOUR > win
        mi2 = np.where(nxt, mi + 1, mi)
        wstart = ms[mi2 + 1] - 3 * DAY + HOUR
        tre = wstart + (rng.random(len(me_idx)) * (3 * DAY - 2 * HOUR)).astype(np.int64)
        rdelta[me_idx] = tre - rec
    reclass_at = np.where(rdelta >= 0, recorded + rdelta, -1)
    not_yet = (reclass_at >= end_ts)
    # reclassification not yet happened: the record still shows the initial code
    cr_final = np.where(not_yet, cr_init, cr_final)
    reclass_at = np.where(not_yet, -1, reclass_at)
    cancel_at = np.where(cdelta >= 0, recorded + cdelta, -1)
    cancel_at = np.where(cancel_at >= end_ts, -1, cancel_at)

    visible = keep_cr & ~drop_cr & (recorded < end_ts)
    for i, f in enumerate(F):
        if not f["gaming"] or f["role"] in ("non_recording", "rebadging"):
            continue
        mine = visible & (cr_f == i)
        if f["role"] == "downgrading":
            touched[i] = int((mine & down_game).sum())
        elif f["role"] == "month_end":
            touched[i] = int((mine & month_end_game & (reclass_at >= 0)).sum())
        elif f["role"] == "cancellation":
            touched[i] = int((mine & cancel_game & (cancel_at >= 0)).sum())
        elif f["role"] == "late_recording":
            touched[i] = int((mine & late_game).sum())

    # ---- BCU restructure ----------------------------------------------------------------------
    for i, f in enumerate(F):
        if f["role"] != "bcu_restructure":
            continue
        d = f["details"]
        newidx = np.array([bcu_names.index(x) for x in d["new_bcus"]])
        # calls from the change month get a new area; 30 % of the transition month's are null
        sel = (call_f == i) & (call_m >= d["month"])
        call_bcu[sel] = newidx[rng.integers(0, len(newidx), int(sel.sum()))]
        trans = (call_f == i) & (call_m == d["month"]) & (rng.random(N) < 0.3)
        call_bcu[trans] = -1
        # linked crimes follow their call; unlinked crimes get a new area too
        linked = cr_call >= 0
        sel = linked & (cr_f == i)
        cr_bcu[sel] = np.where(cr_bcu[sel] >= 0, call_bcu[cr_call[sel]], -1)
        sel = ~linked & (cr_f == i) & (cr_m >= d["month"])
        cr_bcu[sel] = newidx[rng.integers(0, len(newidx), int(sel.sum()))]
    # bcu nulls
    call_bcu[rng.random(N) < stack("bcu_null")[call_u]] = -1
    cr_bcu[(rng.random(NCR) < stack("bcu_null")[cr_u])] = -1

    return {
        "ms": ms, "end_ts": end_ts, "years_of_month": years_of_month, "bcu_names": bcu_names,
        "touched": touched,
        "calls": {"keep": keep_call, "f": call_f, "m": call_m, "opened": opened,
                  "type": call_type_out, "close": close, "bcu": call_bcu, "u": call_u},
        "crimes": {"keep": visible, "f": cr_f, "m": cr_m, "call": cr_call, "rep": cr_rep,
                   "rec": recorded, "init": cr_init, "final": cr_final, "reclass": reclass_at,
                   "cancel": cancel_at, "reason": reason, "bcu": cr_bcu, "c": cr_c},
    }


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------
def dict_array(idx, vocab):
    """Dictionary array from int codes (-1 = null)."""
    idx = np.asarray(idx)
    mask = idx < 0
    return pa.DictionaryArray.from_arrays(pa.array(np.where(mask, 0, idx).astype(np.int32), mask=mask),
                                          pa.array(vocab, pa.string()))


def id_strings(prefix_idx, prefixes, numbers):
    pre = pa.array(prefixes, pa.string()).take(pa.array(prefix_idx.astype(np.int32)))
    num = pc.cast(pa.array(numbers.astype(np.int64)), pa.string())
    return pc.binary_join_element_wise(pre, num, "")


def seq_within(group, key):
    """1-based rank of key within each group value."""
    order = np.lexsort((key, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    pos = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    out = np.empty(len(g), np.int64)
    out[order] = pos + 1
    return out


def build_tables(world, sim, rng):
    F = world["forces"]
    n = world["n"]
    force_ids = [f["force_id"] for f in F]
    C = sim["calls"]
    keep = C["keep"]
    ci = np.flatnonzero(keep)
    new_index = np.full(len(keep), -1, np.int64)
    new_index[ci] = np.arange(len(ci))
    f = C["f"][ci]
    opened = C["opened"][ci]
    m = C["m"][ci]

    # incident ids: per-force prefix and a per-force base number, sequential by time
    seq = seq_within(f, opened)
    inc_pref_opts = ["INC", "", "CAD-", "{s}/", "LOG", "C"]
    prefixes, base = [], np.zeros(n + 1, np.int64)
    pref_of_force = np.zeros(n, np.int64)
    it_pref = {}
    for i, fo in enumerate(F):
        p = inc_pref_opts[rng.integers(len(inc_pref_opts))].format(s=fo["force_id"][-2:])
        prefixes.append(p)
        pref_of_force[i] = i
        base[i] = 10 ** int(rng.integers(7, 10)) + int(rng.integers(0, 10 ** 6))
        if fo["role"] == "it_system":
            prefixes.append("NX" + fo["force_id"][-2:] + "-")
            it_pref[i] = (len(prefixes) - 1, fo["details"]["month"])
    pidx = pref_of_force[f]
    for i, (p, g) in it_pref.items():
        pidx = np.where((f == i) & (m >= g), p, pidx)
    inc_id = id_strings(pidx, prefixes, base[f] + seq)

    bcu_vocab = sim["bcu_names"]
    inc = {
        "incident_id": inc_id,
        "force_id": dict_array(f, force_ids),
        "opened_at": opened,
        "call_type": dict_array(C["type"][ci], CALL_TYPES),
        "closing_code": dict_array(C["close"][ci], CALL_TYPES),
        "bcu": dict_array(C["bcu"][ci], bcu_vocab),
    }

    K = sim["crimes"]
    ki = np.flatnonzero(K["keep"])
    cf = K["f"][ki]
    rec = K["rec"][ki]
    call_new = np.where(K["call"][ki] >= 0, new_index[np.maximum(K["call"][ki], 0)], -1)
    assert not np.any((K["call"][ki] >= 0) & (call_new < 0))
    cseq = seq_within(cf, rec)
    cr_pref_opts = ["CR", "", "CRM-", "{s}CR", "RMS"]
    cpref = [cr_pref_opts[rng.integers(len(cr_pref_opts))].format(s=fo["force_id"][-2:]) for fo in F]
    cbase = np.array([10 ** int(rng.integers(6, 10)) + int(rng.integers(0, 10 ** 5)) for _ in F])
    crime_id = id_strings(cf, cpref, cbase[cf] + cseq)
    inc_link = inc_id.take(pa.array(np.maximum(call_new, 0), mask=call_new < 0))
    crimes = {
        "crime_id": crime_id,
        "force_id": dict_array(cf, force_ids),
        "incident_id": inc_link,
        "reported_at": K["rep"][ki],
        "recorded_at": rec,
        "offence_initial": dict_array(K["init"][ki], CODES),
        "offence_final": dict_array(K["final"][ki], CODES),
        "reclassified_at": K["reclass"][ki],
        "cancelled_at": K["cancel"][ki],
        "cancel_reason": dict_array(np.where(K["cancel"][ki] >= 0, K["reason"][ki], -1),
                                    ["C1", "C2", "C3", "C4"]),
        "bcu": dict_array(K["bcu"][ki], bcu_vocab),
    }
    # extras (may or may not be written)
    ctype = C["type"][ci]
    pri = np.clip(np.where(ctype < NCRIME, 2, 3) + rng.integers(-1, 2, len(ci)), 1, 4).astype(np.int8)
    inc_extra = {
        "priority": pa.array(pri),
        "channel": dict_array(np.searchsorted(np.cumsum([.55, .35, .07, .03]), rng.random(len(ci))),
                              ["999", "101", "online", "walk-in"]),
        "attended": pa.array(rng.random(len(ci)) < 0.55),
        "closed_at": opened + (np.exp(np.log(3 * HOUR) + rng.standard_normal(len(ci)))).astype(np.int64),
        "source_system": dict_array(f, ["STORM" if i % 3 == 0 else "SMARTSTORM" if i % 3 == 1 else "NICHE-CAD"
                                        for i in range(n)]),
    }
    nk = len(ki)
    outc = rng.integers(-3, 21, nk)
    cr_extra = {
        "outcome": dict_array(np.where(outc < 0, -1, outc), [f"O{j}" for j in range(1, 22)]),
        "victim_count": pa.array(np.maximum(1, rng.poisson(.2, nk) + 1).astype(np.int16)),
        "extract_batch": dict_array(np.zeros(nk, int), ["BATCH-" + str(int(rng.integers(1000, 9999)))]),
        "modified_at": np.maximum(rec, np.where(K["reclass"][ki] > 0, K["reclass"][ki], rec)),
    }
    part = {
        "incidents": {"force": f, "year": sim["years_of_month"][m], "time": opened},
        "crimes": {"force": cf, "year": (rec.astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970),
                   "time": rec},
    }
    return inc, crimes, inc_extra, cr_extra, part


TS_COLS = {"opened_at", "reported_at", "recorded_at", "reclassified_at", "cancelled_at",
           "closed_at", "modified_at"}
ID_COLS = {"incident_id", "crime_id"}


def choose_layout(rng, table_name, columns, extras):
    lay = {}
    lay["container"] = str(rng.choice(["single_file", "flat_files", "hive_force", "hive_force_year",
                                       "hive_year", "nested_dirs"],
                                      p=[.2, .2, .2, .2, .1, .1]))
    lay["compression"] = str(rng.choice(["snappy", "zstd", "gzip", "none", "lz4", "brotli"],
                                        p=[.35, .3, .1, .1, .1, .05]))
    lay["row_group_size"] = int(rng.choice([4096, 50_000, 200_000, 1_000_000]))
    lay["sort"] = str(rng.choice(["shuffled", "by_time", "by_force_time", "blocks"]))
    lay["int96"] = bool(rng.random() < 0.1)
    lay["parquet_version"] = str(rng.choice(["2.6", "2.4"], p=[.8, .2]))
    tunit = str(rng.choice(["s", "ms", "us", "ns"]))
    tz = rng.choice(["none", "UTC", "Europe/London", "+00:00"], p=[.4, .25, .3, .05])
    tz = None if tz == "none" else str(tz)
    n_extra = int(rng.integers(0, 4))
    chosen_extra = [str(x) for x in rng.choice(list(extras), n_extra, replace=False)] if n_extra else []
    types = {}
    for c in list(columns) + chosen_extra:
        if c in TS_COLS:
            if rng.random() < 0.25:
                u = str(rng.choice(["s", "ms", "us", "ns"]))
                z = rng.choice(["none", "UTC", "Europe/London"])
                types[c] = ["timestamp", u, None if z == "none" else str(z)]
            else:
                types[c] = ["timestamp", tunit, tz]
        elif c in ID_COLS:
            types[c] = [str(rng.choice(["utf8", "large_utf8", "string_view"], p=[.5, .35, .15]))]
        elif c in ("priority", "victim_count", "attended"):
            types[c] = ["native"]
        else:
            kind = str(rng.choice(["utf8", "large_utf8", "dictionary", "string_view"],
                                  p=[.35, .2, .35, .1]))
            types[c] = [kind, str(rng.choice(["int32", "int16", "int8"]))] if kind == "dictionary" else [kind]
    order = list(columns) + chosen_extra
    if rng.random() < 0.6:
        order = [str(x) for x in rng.permutation(order)]
    lay["columns"] = order
    lay["types"] = types
    lay["extra_columns"] = chosen_extra
    lay["empty_file"] = bool(lay["container"] == "flat_files" and rng.random() < 0.3)
    lay["n_files"] = int(rng.integers(2, 9))
    return lay


def to_arrow(values, spec):
    kind = spec[0]
    if kind == "timestamp":
        unit, tz = spec[1], spec[2]
        v = np.asarray(values, np.int64)
        mask = v < 0
        mult = {"s": 1, "ms": 1000, "us": 10 ** 6, "ns": 10 ** 9}[unit]
        return pa.array(np.where(mask, 0, v) * mult, type=pa.timestamp(unit, tz), mask=mask)
    if kind == "native":
        return values
    arr = values
    target = {"utf8": pa.string(), "large_utf8": pa.large_string(), "string_view": pa.string_view()}
    if kind == "dictionary":
        if not isinstance(arr.type, pa.DictionaryType):
            arr = pc.dictionary_encode(arr)
        index = spec[1] if len(spec) > 1 else "int32"
        if index == "int8" and len(arr.dictionary) > 127:
            index = "int16"
        return arr.cast(pa.dictionary(getattr(pa, index)(), pa.string()))
    if isinstance(arr.type, pa.DictionaryType):
        arr = arr.cast(pa.string())
    return arr.cast(target[kind])


def write_dataset(cols, extras, part, lay, outdir, name, rng):
    data = dict(cols)
    data.update({k: extras[k] for k in lay["extra_columns"]})
    n = len(part["force"])
    cont = lay["container"]
    force_ids = part["force_ids"]
    # row order
    if lay["sort"] == "shuffled":
        perm = rng.permutation(n)
    elif lay["sort"] == "by_time":
        perm = np.argsort(part["time"], kind="stable")
    elif lay["sort"] == "by_force_time":
        perm = np.lexsort((part["time"], part["force"]))
    else:  # random blocks of time-sorted rows
        perm = np.argsort(part["time"], kind="stable")
        bs = 50_000
        blocks = [perm[i:i + bs] for i in range(0, n, bs)]
        perm = np.concatenate([blocks[j] for j in rng.permutation(len(blocks))]) if blocks else perm
    # partition keys: make each partition a contiguous run (stable, keeps the order inside)
    keys = []
    if cont in ("hive_force", "hive_force_year"):
        keys.append(("force_id", part["force"], lambda v: force_ids[v]))
    if cont in ("hive_force_year", "hive_year", "nested_dirs"):
        keys.append(("year", part["year"], lambda v: str(v)))
    if keys:
        kp = [k[1][perm] for k in keys]
        perm = perm[np.lexsort(tuple(reversed(kp)))]
    arrays, fields = [], []
    perm_pa = pa.array(perm)
    for c in lay["columns"]:
        if keys and keys[0][0] == "force_id" and c == "force_id":
            continue                      # hive key: absent from the files
        v = data[c]
        v = v[perm] if isinstance(v, np.ndarray) else v.take(perm_pa)   # permute before casting
        arrays.append(to_arrow(v, lay["types"][c]))
        fields.append(c)
    table = pa.Table.from_arrays(arrays, names=fields)
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    # gzip/brotli at level 1: the library defaults are far too slow for millions of rows
    level = 1 if lay["compression"] in ("gzip", "brotli") else None
    kw = dict(compression=lay["compression"], compression_level=level,
              row_group_size=lay["row_group_size"],
              version=lay["parquet_version"], use_deprecated_int96_timestamps=lay["int96"])
    files = []

    def write(t, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, **kw)
        files.append(os.path.relpath(path, outdir))

    if cont == "single_file":
        write(table, os.path.join(d, f"{name}.parquet"))
    elif cont == "flat_files":
        k = lay["n_files"]
        cuts = np.sort(rng.choice(np.arange(1, n), k - 1, replace=False)) if n > k else []
        bounds = np.r_[0, cuts, n].astype(int)
        for j in range(k):
            write(table.slice(bounds[j], bounds[j + 1] - bounds[j]),
                  os.path.join(d, f"part-{j:05d}-{rng.integers(16**8):08x}.{lay['compression']}.parquet"))
        if lay["empty_file"]:
            write(table.slice(0, 0), os.path.join(d, f"part-{k:05d}-empty.parquet"))
    else:
        ks = np.stack([k[1][perm] for k in keys], axis=1)
        starts = np.flatnonzero(np.r_[True, np.any(ks[1:] != ks[:-1], axis=1)])
        ends = np.r_[starts[1:], n]
        for s, e in zip(starts, ends):
            sub = table.slice(s, e - s)
            if cont == "nested_dirs":      # plain folders, no key=value: 2019/a, 2019/b
                half = (e - s) // 2
                y = str(ks[s, 0])
                write(sub.slice(0, half), os.path.join(d, y, "a", "data-0.parquet"))
                write(sub.slice(half), os.path.join(d, y, "b", "data-1.parquet"))
            else:
                parts = [f"{keys[j][0]}={keys[j][2](ks[s, j])}" for j in range(len(keys))]
                write(sub, os.path.join(d, *parts, "part-0.parquet"))
    if lay["int96"]:
        lay["note"] = "INT96: every timestamp column is stored as INT96 (reads as ns, no zone)"
    for c, t in lay["types"].items():
        if t[0] == "timestamp" and t[1] == "s":
            lay.setdefault("note_s", "unit s is stored as ms (Parquet has no seconds unit)")
    if lay["parquet_version"] == "2.4":
        lay["note_v24"] = "Parquet 2.4: ns timestamps are stored as us"
    lay["files"] = len(files)
    lay["path_for_file_input"] = files[0] if cont == "single_file" else None
    return files


# --------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--strength", type=float, default=0.15)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    t_start = time.time()

    def log(msg):
        if not a.quiet:
            print(f"[{time.time() - t_start:6.1f}s] {msg}", file=sys.stderr)

    world = build_world(a.seed)
    sim = simulate(world, a.seed, a.strength, a.scale, log)
    rng_l = np.random.default_rng([a.seed, 404])
    inc, crimes, inc_extra, cr_extra, part = build_tables(world, sim, rng_l)
    log("tables built")

    out = a.out
    for sub in ("incidents", "crimes"):
        if os.path.exists(os.path.join(out, sub)):
            shutil.rmtree(os.path.join(out, sub))
    os.makedirs(out, exist_ok=True)
    force_ids = [f["force_id"] for f in world["forces"]]
    part["incidents"]["force_ids"] = force_ids
    part["crimes"]["force_ids"] = force_ids
    lay_i = choose_layout(rng_l, "incidents", list(inc), inc_extra)
    lay_c = choose_layout(rng_l, "crimes", list(crimes), cr_extra)
    write_dataset(inc, inc_extra, part["incidents"], lay_i, out, "incidents", rng_l)
    log("incidents written")
    write_dataset(crimes, cr_extra, part["crimes"], lay_c, out, "crimes", rng_l)
    log("crimes written")

    # ---- audit.toml ------------------------------------------------------------------------
    M, t0 = world["M"], world["t0"]
    base = np.datetime64(f"{world['start_year']:04d}-{world['start_month']:02d}", "M")
    month_str = lambda k: str(base + k)
    target_start = month_str(t0) + "-01"
    targeted = [f["force_id"] for f in world["forces"] if f["targeted"]]
    lines = ["# generated by tools/blind/generate.py", f"# seed {a.seed}, strength {a.strength}", "",
             "[[targets]]", f'name = "{world["target_name"]}"', f'start = "{target_start}"']
    if not world["national_target"]:
        lines.append("forces = [" + ", ".join(f'"{x}"' for x in sorted(targeted)) + "]")
    with open(os.path.join(out, "audit.toml"), "w") as fh:
        fh.write("\n".join(lines) + "\n")

    # ---- truth.json --------------------------------------------------------------------------
    fi = part["incidents"]["force"]
    mi = sim["calls"]["m"][sim["calls"]["keep"]]
    calls_per_force = np.bincount(fi, minlength=world["n"])
    forces_out = []
    for i, f in enumerate(world["forces"]):
        months_present = len(np.unique(mi[fi == i]))
        d = {k: v for k, v in f["details"].items()}
        if f["role"] in HARD_NEGATIVES:
            for key in ("month",):
                if key in d:
                    d[key + "_ym"] = month_str(d[key])
            if "months" in d:
                d["months_ym"] = [month_str(x) for x in d["months"]]
        forces_out.append({
            "force_id": f["force_id"],
            "role": f["role"],
            "targeted": bool(f["targeted"]),
            "gaming": bool(f["gaming"]),
            "touched": int(sim["touched"][i]) if f["gaming"] else 0,
            "first_gamed_month": month_str(d["g0"]) if f["gaming"] else None,
            "calls_a_month": int(round(calls_per_force[i] / max(months_present, 1))),
            "details": d,
        })
    truth = {
        "seed": a.seed,
        "strength": a.strength,
        "scale": a.scale,
        "target_start": target_start,
        "months": M,
        "start": month_str(0) + "-01",
        "end": month_str(M) + "-01",
        "national_target": world["national_target"],
        "forces": forces_out,
        "world": {
            "pandemic_month": month_str(world["pandemic_month"]),
            "pandemic_intensity": world["pandemic_intensity"],
            "rule_change_month": month_str(world["rule_change_month"]) if world["rule_change_month"] is not None else None,
            "rule_change": "HARASSMENT conversion logit %.2f, unlinked harassment x0.7" % world["rule_change_logit"]
            if world["rule_change_month"] is not None else None,
            "target_name": world["target_name"],
        },
        "rows": {"incidents": int(len(fi)), "crimes": int(len(part["crimes"]["force"]))},
        "layout": {"incidents": lay_i, "crimes": lay_c},
        "paths": {"incidents": lay_i["path_for_file_input"] or "incidents",
                  "crimes": lay_c["path_for_file_input"] or "crimes"},
    }
    with open(os.path.join(out, "truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    log(f"done: {truth['rows']['incidents']:,} incidents, {truth['rows']['crimes']:,} crimes")


if __name__ == "__main__":
    main()
