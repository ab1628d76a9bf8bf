//! The records to pull for review: for each finding, a random sample of the records most likely
//! to be mis-recorded (crime-related calls closed with no crime, crimes reclassified from a
//! serious offence to a lesser one, cancelled crimes, ...), read back from the input files by
//! id. Inspectors check records by hand; this says which ones.
//!
//! The sample of a stratum is the `n` records with the smallest keyed hash of their id (bottom-k
//! sampling): a uniform random sample without replacement, fixed by the seed, whatever the
//! order the files are read in. `n` is the size that estimates a proportion to the configured
//! margin at 95% with the finite population correction (Cochran 1977, 4.1-4.2), at the worst
//! case of a 50% mis-recording rate.

use std::collections::BTreeSet;

use rayon::prelude::*;
use recount_cube::{AuditConfig, Period, RecordSelection, Table};
use recount_stats::review_sample_size;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::build::{Inputs, plan_table};
use crate::calendar::Calendar;
use crate::decode::{CodeColumn, IdColumn, InstantState, Instants, NULL_KEY, force_seed};
use crate::error::IngestError;
use crate::rules::Rules;
use crate::schema::{CRIME_COLUMNS, FilePlan, INCIDENT_COLUMNS};
use crate::tally::IdSet;
use crate::unit::Unit;

/// A stratum to sample: one finding of one force.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewStratum {
    /// The force.
    pub force_id: String,
    /// The finding it comes from (detector and series).
    pub finding: String,
    /// Which records.
    pub kind: RecordSelection,
    /// First month (the finding's start).
    pub from: Period,
}

/// One record to review.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReviewRecord {
    /// The force.
    pub force_id: String,
    /// The finding.
    pub finding: String,
    /// `incidents` or `crimes`.
    pub table: String,
    /// The record's id.
    pub record_id: String,
    /// The month of the record.
    pub period: String,
    /// What makes it a candidate, in words.
    pub detail: String,
    /// Records in the stratum.
    pub stratum_size: u64,
    /// Records sampled from it.
    pub sample_size: u64,
}

/// A candidate kept while reading: its sampling key and what will be printed.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    key: u64,
    id: String,
    period: Period,
    detail: String,
}

#[derive(Default)]
struct Strata {
    kept: Vec<Vec<Candidate>>,
    population: Vec<u64>,
}

impl Strata {
    fn new(n: usize) -> Self {
        Strata {
            kept: vec![Vec::new(); n],
            population: vec![0; n],
        }
    }

    fn offer(&mut self, stratum: usize, candidate: Candidate, limit: usize) {
        self.population[stratum] += 1;
        let kept = &mut self.kept[stratum];
        kept.push(candidate);
        if kept.len() > 2 * limit {
            kept.sort_unstable();
            kept.truncate(limit);
        }
    }

    fn merge(mut self, other: Strata, limit: usize) -> Strata {
        for (i, (kept, n)) in other.kept.into_iter().zip(other.population).enumerate() {
            self.population[i] += n;
            self.kept[i].extend(kept);
            self.kept[i].sort_unstable();
            self.kept[i].truncate(limit);
        }
        self
    }
}

/// Samples the records of every stratum from the input tables.
pub fn sample_for_review(
    inputs: Inputs,
    config: &AuditConfig,
    strata: &[ReviewStratum],
) -> Result<Vec<ReviewRecord>, IngestError> {
    if strata.is_empty() {
        return Ok(Vec::new());
    }
    let rules = Rules::from_config(config)?;
    let margin = config.review.margin;
    let limit = review_sample_size(0.5, margin, None, 0.95).unwrap_or(385) as usize;
    let forces: BTreeSet<&str> = strata.iter().map(|s| s.force_id.as_str()).collect();
    let mut plans: Vec<FilePlan> = Vec::new();
    if let Some(path) = inputs.incidents {
        plans.extend(plan_table(
            path,
            Table::Incidents,
            &INCIDENT_COLUMNS,
            config,
        )?);
    }
    if let Some(path) = inputs.crimes {
        plans.extend(plan_table(path, Table::Crimes, &CRIME_COLUMNS, config)?);
    }
    // Files known to hold another force are skipped.
    plans.retain(|p| p.force_hint.as_deref().is_none_or(|f| forces.contains(f)));
    let units: Vec<Unit> = plans
        .iter()
        .flat_map(|plan| {
            (0..plan.row_groups()).map(move |row_group| Unit::RowGroup { plan, row_group })
        })
        .collect();
    let seed = config.review.seed;
    let needs_links: BTreeSet<&str> = strata
        .iter()
        .filter(|s| matches!(s.kind, RecordSelection::CallsWithoutCrime { .. }))
        .map(|s| s.force_id.as_str())
        .collect();
    let links = if needs_links.is_empty() {
        IdSet::default()
    } else {
        linked_incidents(&units, &needs_links)?
    };
    let collected = units
        .par_iter()
        .try_fold(
            || Strata::new(strata.len()),
            |mut found, unit| {
                scan(unit, &rules, strata, &links, seed, limit, &mut found)?;
                Ok::<_, IngestError>(found)
            },
        )
        .try_reduce(|| Strata::new(strata.len()), |a, b| Ok(a.merge(b, limit)))?;
    let mut out = Vec::new();
    for (i, stratum) in strata.iter().enumerate() {
        let population = collected.population[i];
        let n = review_sample_size(0.5, margin, Some(population), 0.95).unwrap_or(0) as usize;
        let mut kept = collected.kept[i].clone();
        kept.sort_unstable();
        for candidate in kept.into_iter().take(n) {
            out.push(ReviewRecord {
                force_id: stratum.force_id.clone(),
                finding: stratum.finding.clone(),
                table: stratum.kind.table().to_string(),
                record_id: candidate.id,
                period: candidate.period.to_string(),
                detail: candidate.detail,
                stratum_size: population,
                sample_size: n.min(population as usize) as u64,
            });
        }
    }
    out.sort();
    Ok(out)
}

fn value(column: &CodeColumn, row: usize) -> Option<String> {
    (column.keys[row] != NULL_KEY)
        .then(|| column.values[column.keys[row] as usize].trim().to_string())
}

fn optional(column: &Option<CodeColumn>, row: usize) -> Option<String> {
    column.as_ref().and_then(|c| value(c, row))
}

fn valid(instants: &Option<Instants>, row: usize) -> bool {
    instants
        .as_ref()
        .is_some_and(|i| i.state[row] == InstantState::Valid)
}

/// Hashes of the incidents that crimes of the given forces name.
fn linked_incidents(units: &[Unit], forces: &BTreeSet<&str>) -> Result<IdSet, IngestError> {
    let sets = units
        .par_iter()
        .filter(|u| u.table() == Table::Crimes)
        .map(|unit| {
            let mut links = Vec::new();
            unit.for_each_batch(|columns, _| {
                let (Some(forces_column), Some(incident_ids)) =
                    (columns.codes(1)?, columns.ids(2)?)
                else {
                    return Ok(());
                };
                let seeds: Vec<u64> = forces_column
                    .values
                    .iter()
                    .map(|f| force_seed(f.trim()))
                    .collect();
                for row in 0..columns.rows() {
                    let key = forces_column.keys[row];
                    if key == NULL_KEY
                        || !forces.contains(forces_column.values[key as usize].trim())
                    {
                        continue;
                    }
                    if let Some(hash) = incident_ids.hash(row, seeds[key as usize]) {
                        links.push(hash);
                    }
                }
                Ok(())
            })?;
            Ok::<_, IngestError>(links)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sets.into_iter().flatten().collect())
}

fn scan(
    unit: &Unit,
    rules: &Rules,
    strata: &[ReviewStratum],
    links: &IdSet,
    seed: u64,
    limit: usize,
    found: &mut Strata,
) -> Result<(), IngestError> {
    let mut calendar = Calendar::default();
    let incidents = unit.table() == Table::Incidents;
    let relevant: Vec<usize> = (0..strata.len())
        .filter(|&i| (strata[i].kind.table() == Table::Incidents) == incidents)
        .collect();
    if relevant.is_empty() {
        return Ok(());
    }
    unit.for_each_batch(|columns, _| {
        let when_index = if incidents { 2 } else { 3 };
        let (Some(ids), Some(forces), Some(when)) = (
            columns.ids(0)?,
            columns.codes(1)?,
            columns.instants(when_index)?,
        ) else {
            return Ok(());
        };
        let seeds: Vec<u64> = forces.values.iter().map(|f| force_seed(f.trim())).collect();
        let codes = |index: usize| columns.codes(index);
        let (calls, closing) = if incidents {
            (codes(3)?, codes(4)?)
        } else {
            (None, None)
        };
        let (initial, last, reasons) = if incidents {
            (None, None, None)
        } else {
            (codes(5)?, codes(6)?, codes(9)?)
        };
        let recorded = if incidents {
            None
        } else {
            columns.instants(4)?
        };
        let reclassified = if incidents {
            None
        } else {
            columns.instants(7)?
        };
        let cancelled = if incidents {
            None
        } else {
            columns.instants(8)?
        };
        for row in 0..columns.rows() {
            let Some(force) = value(&forces, row) else {
                continue;
            };
            if when.state[row] != InstantState::Valid {
                continue;
            }
            let Some(day) = calendar.day(when.wall[row]) else {
                continue;
            };
            let call =
                optional(&calls, row).map(|raw| rules.call_type(&force, &raw).unwrap_or(raw));
            let closed =
                optional(&closing, row).map(|raw| rules.closing_code(&force, &raw).unwrap_or(raw));
            let offence = |c: &Option<CodeColumn>| {
                optional(c, row).and_then(|raw| rules.offence(&force, &raw))
            };
            let (first, final_code) = (offence(&initial), offence(&last));
            for &i in &relevant {
                let stratum = &strata[i];
                if stratum.force_id != force || day.period < stratum.from {
                    continue;
                }
                let detail = match (&stratum.kind, &call, &first, &final_code) {
                    (RecordSelection::CallsWithoutCrime { call_types }, Some(call), _, _) => {
                        let key = forces.keys[row] as usize;
                        let led = ids
                            .hash(row, seeds[key])
                            .is_some_and(|h| links.contains(&h));
                        (call_types.contains(call) && !led).then(|| {
                            format!(
                                "{call} call closed as {} with no crime",
                                closed.clone().unwrap_or_else(|| "nothing".into())
                            )
                        })
                    }
                    (RecordSelection::CallsOpenedAs { call_types }, Some(call), _, _) => {
                        call_types.contains(call).then(|| {
                            format!(
                                "opened as {call}, closed as {}",
                                closed.clone().unwrap_or_else(|| "nothing".into())
                            )
                        })
                    }
                    (
                        RecordSelection::Reclassified {
                            serious,
                            lesser,
                            month_end_days,
                        },
                        _,
                        Some(first),
                        Some(last),
                    ) => {
                        let bunched = match month_end_days {
                            None => true,
                            Some(days) => {
                                valid(&reclassified, row)
                                    && reclassified
                                        .as_ref()
                                        .and_then(|r| calendar.day(r.wall[row]))
                                        .is_some_and(|d| {
                                            u32::from(d.days_before_month_end()) < *days
                                        })
                            }
                        };
                        (serious.contains(first) && lesser.contains(last) && bunched)
                            .then(|| format!("recorded {first}, reclassified to {last}"))
                    }
                    (RecordSelection::RecordedAs { codes }, _, Some(first), Some(last)) => codes
                        .contains(last)
                        .then(|| format!("recorded as {last} (first {first})")),
                    (RecordSelection::Cancelled { codes }, _, _, Some(last)) => {
                        let reason = optional(&reasons, row);
                        ((valid(&cancelled, row) || reason.is_some())
                            && (codes.is_empty() || codes.contains(last)))
                        .then(|| {
                            format!(
                                "{last} cancelled ({})",
                                reason.unwrap_or_else(|| "no reason given".into())
                            )
                        })
                    }
                    (RecordSelection::Late { hours }, _, _, Some(last)) => {
                        recorded.as_ref().and_then(|r| {
                            let delay = (r.utc[row] - when.utc[row]) as f64 / 3.6e9;
                            (valid(&recorded, row) && delay > f64::from(*hours)).then(|| {
                                format!("{last} recorded {delay:.0} hours after the report")
                            })
                        })
                    }
                    _ => None,
                };
                if let Some(detail) = detail {
                    offer(found, i, &ids, row, seed, day.period, detail, limit);
                }
            }
        }
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn offer(
    found: &mut Strata,
    stratum: usize,
    ids: &IdColumn,
    row: usize,
    seed: u64,
    period: Period,
    detail: String,
    limit: usize,
) {
    let Some(id) = ids.text(row) else { return };
    let key = xxh3_64_with_seed(id.as_bytes(), seed ^ stratum as u64);
    found.offer(
        stratum,
        Candidate {
            key,
            id,
            period,
            detail,
        },
        limit,
    );
}
