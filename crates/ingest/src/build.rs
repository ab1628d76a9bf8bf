//! Building a cube from the incident and crime tables: plan every file, group the files by
//! force, and for each group count the crimes, join, count the incidents, and take back out the
//! rows found to be duplicates or to name a missing incident.

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::RecordBatch;
use rayon::prelude::*;
use recount_cube::{AuditConfig, Cube, Table};

use crate::crimes::{CrimePass, scan_crimes};
use crate::error::IngestError;
use crate::files::discover;
use crate::incidents::{IncidentPass, scan_incidents};
use crate::rules::Rules;
use crate::schema::{
    CRIME_COLUMNS, ColumnSource, ColumnSpec, FilePlan, INCIDENT_COLUMNS, plan_file,
};
use crate::tally::{Hashes, IdSet, Links, Partial, SortedTally, Tally, cube_of};
use crate::unit::Unit;

/// File extensions read as Parquet.
pub const PARQUET_EXTENSIONS: [&str; 3] = ["parquet", "parq", "pq"];

/// Receives progress of a long read; the CLI draws it as a bar. Implementations must be cheap:
/// they are called once per row group.
pub trait Progress: Sync {
    /// The read is about to start; `total_rows` is the number of rows to read.
    fn start(&self, total_rows: u64);
    /// `rows` more rows have been read.
    fn advance(&self, rows: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// The tables to read: any of them may be absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs<'a> {
    /// The `incidents` table: a Parquet file or a folder of them.
    pub incidents: Option<&'a Path>,
    /// The `crimes` table: a Parquet file or a folder of them.
    pub crimes: Option<&'a Path>,
}

/// Plans every file of one table, checking its columns.
pub(crate) fn plan_table(
    root: &Path,
    table: Table,
    specs: &[ColumnSpec],
    config: &AuditConfig,
) -> Result<Vec<FilePlan>, IngestError> {
    let renames = match table {
        Table::Incidents => &config.columns.incidents,
        Table::Crimes => &config.columns.crimes,
        Table::Counts => &config.columns.counts,
    };
    let files = discover(root, table, &PARQUET_EXTENSIONS)?;
    files
        .into_par_iter()
        .map(|file| plan_file(file, table, specs, renames))
        .collect()
}

/// Builds the cube of the given tables. Reads only the needed columns, streams row groups, and
/// uses every core; memory holds the id hashes of one force group at a time (see the README).
pub fn build_cube(
    inputs: Inputs,
    config: &AuditConfig,
    progress: &dyn Progress,
) -> Result<Cube, IngestError> {
    let rules = Rules::from_config(config)?;
    let incidents = match inputs.incidents {
        Some(path) => plan_table(path, Table::Incidents, &INCIDENT_COLUMNS, config)?,
        None => Vec::new(),
    };
    let crimes = match inputs.crimes {
        Some(path) => plan_table(path, Table::Crimes, &CRIME_COLUMNS, config)?,
        None => Vec::new(),
    };
    let total: u64 = incidents.iter().chain(&crimes).map(FilePlan::rows).sum();
    progress.start(total);
    let groups = group_by_force(&incidents, &crimes);
    tracing::debug!(
        incident_files = incidents.len(),
        crime_files = crimes.len(),
        groups = groups.len(),
        "planned the read"
    );
    let started = std::time::Instant::now();
    let parts: Vec<SortedTally> = groups
        .into_par_iter()
        .map(|group| {
            let work = GroupWork {
                incidents: units_of(&group.incidents),
                crimes: units_of(&group.crimes),
                has_incident_table: inputs.incidents.is_some(),
            };
            Ok(work.run(&rules, progress)?.into_sorted())
        })
        .collect::<Result<_, IngestError>>()?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "read every force group"
    );
    let cube = cube_of(parts);
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "built the cube");
    Ok(cube)
}

/// Builds a cube from batches in memory whose columns are in the contract's order (see
/// [`crate::incident_batch`] and [`crate::crime_batch`]); used for generated data and tests.
/// Runs exactly the code the Parquet reader runs.
pub fn build_cube_from_batches(
    incidents: &[RecordBatch],
    crimes: &[RecordBatch],
    config: &AuditConfig,
) -> Result<Cube, IngestError> {
    let rules = Rules::from_config(config)?;
    let incident_sources: Vec<ColumnSource> = (0..INCIDENT_COLUMNS.len())
        .map(ColumnSource::Batch)
        .collect();
    let crime_sources: Vec<ColumnSource> =
        (0..CRIME_COLUMNS.len()).map(ColumnSource::Batch).collect();
    let name = Path::new("<memory>");
    let work = GroupWork {
        incidents: incidents
            .iter()
            .map(|batch| Unit::Batch {
                batch,
                sources: &incident_sources,
                name,
                table: Table::Incidents,
            })
            .collect(),
        crimes: crimes
            .iter()
            .map(|batch| Unit::Batch {
                batch,
                sources: &crime_sources,
                name,
                table: Table::Crimes,
            })
            .collect(),
        has_incident_table: true,
    };
    Ok(work.run(&rules, &NoProgress)?.into_cube())
}

/// Files whose rows share one force, and so can be joined on their own.
struct Group<'a> {
    incidents: Vec<&'a FilePlan>,
    crimes: Vec<&'a FilePlan>,
}

/// Groups files by force when every file is known to hold one force (its partition folder or
/// its statistics say so); otherwise one group holds everything. Per-force groups bound memory
/// by the largest force rather than the whole estate, and let forces run in parallel.
fn group_by_force<'a>(incidents: &'a [FilePlan], crimes: &'a [FilePlan]) -> Vec<Group<'a>> {
    let all_known = incidents
        .iter()
        .chain(crimes)
        .all(|p| p.force_hint.is_some());
    if !all_known {
        return vec![Group {
            incidents: incidents.iter().collect(),
            crimes: crimes.iter().collect(),
        }];
    }
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for plan in incidents {
        let force = plan.force_hint.as_deref().unwrap_or_default();
        groups
            .entry(force)
            .or_insert_with(|| Group {
                incidents: Vec::new(),
                crimes: Vec::new(),
            })
            .incidents
            .push(plan);
    }
    for plan in crimes {
        let force = plan.force_hint.as_deref().unwrap_or_default();
        groups
            .entry(force)
            .or_insert_with(|| Group {
                incidents: Vec::new(),
                crimes: Vec::new(),
            })
            .crimes
            .push(plan);
    }
    groups.into_values().collect()
}

fn units_of<'a>(plans: &[&'a FilePlan]) -> Vec<Unit<'a>> {
    plans
        .iter()
        .flat_map(|plan| {
            (0..plan.row_groups()).map(move |row_group| Unit::RowGroup { plan, row_group })
        })
        .collect()
}

/// The work on one group of files.
struct GroupWork<'a> {
    incidents: Vec<Unit<'a>>,
    crimes: Vec<Unit<'a>>,
    /// Without an incident table no crime can be judged unmatched.
    has_incident_table: bool,
}

impl GroupWork<'_> {
    fn run(&self, rules: &Rules, progress: &dyn Progress) -> Result<Tally, IngestError> {
        let mut tally = Tally::default();

        // 1. Crimes first: they say which incidents led to a crime.
        let mut crime_partials = par_scan(&self.crimes, progress, |unit, partial| {
            scan_crimes(unit, rules, CrimePass::Count, partial)
        })?;
        let crime_ids = take_all(&mut crime_partials, |p| &mut p.ids);
        let crime_duplicates = duplicates(&sort_hashes(crime_ids));
        let mut links = sort_hashes(take_all(&mut crime_partials, |p| &mut p.links));
        links.dedup();
        let link_offences: Vec<(u64, u16)> = crime_partials
            .iter_mut()
            .flat_map(|p| std::mem::take(&mut p.link_offences))
            .collect();
        let link_set = Links::new(&links, link_offences);
        crime_partials.into_iter().for_each(|p| tally.absorb(p));

        // 2. Incidents, joined on the way.
        let mut incident_partials = par_scan(&self.incidents, progress, |unit, partial| {
            scan_incidents(unit, rules, &link_set, IncidentPass::Count, partial)
        })?;
        let incident_ids = sort_hashes(take_all(&mut incident_partials, |p| &mut p.ids));
        let incident_duplicates = duplicates(&incident_ids);
        let unmatched_links: IdSet = if self.has_incident_table {
            missing_from(&links, &incident_ids)
        } else {
            IdSet::default()
        };
        drop(incident_ids);
        drop(links);
        incident_partials.into_iter().for_each(|p| tally.absorb(p));

        // 3. Take back out what turned out to be duplicated or unmatched (rare: bad data only).
        if !incident_duplicates.is_empty() {
            let pass = IncidentPass::Exclude {
                duplicates: &incident_duplicates,
            };
            let partials = par_scan(&self.incidents, &NoProgress, |unit, partial| {
                scan_incidents(unit, rules, &link_set, pass, partial)
            })?;
            partials.into_iter().for_each(|p| tally.absorb(p));
        }
        if !crime_duplicates.is_empty() || !unmatched_links.is_empty() {
            let pass = CrimePass::Exclude {
                duplicates: &crime_duplicates,
                unmatched_links: &unmatched_links,
            };
            let partials = par_scan(&self.crimes, &NoProgress, |unit, partial| {
                scan_crimes(unit, rules, pass, partial)
            })?;
            partials.into_iter().for_each(|p| tally.absorb(p));
        }
        Ok(tally)
    }
}

/// Runs `scan` over every unit in parallel; each worker folds its units into one partial, so
/// there are about as many partials to merge as workers, not units.
fn par_scan<F>(
    units: &[Unit],
    progress: &dyn Progress,
    scan: F,
) -> Result<Vec<Partial>, IngestError>
where
    F: Fn(&Unit, &mut Partial) -> Result<(), IngestError> + Sync,
{
    units
        .par_iter()
        .try_fold(Partial::default, |mut partial, unit| {
            scan(unit, &mut partial)?;
            progress.advance(unit.rows());
            Ok(partial)
        })
        .collect()
}

fn take_all(partials: &mut [Partial], field: impl Fn(&mut Partial) -> &mut Hashes) -> Hashes {
    let mut all = Hashes::default();
    for partial in partials {
        all.append(field(partial));
    }
    all
}

/// The hashes that occur more than once in sorted `ids`.
fn duplicates(ids: &[u64]) -> IdSet {
    ids.windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect()
}

/// Sorts hashes, which are spread evenly over all 64 bits: one counting pass scatters them by
/// their top bits into buckets of about a thousand, and each bucket is then sorted while it sits
/// in cache (one most-significant-digit radix step; Knuth, TAOCP vol. 3, 5.2.5). Any input comes
/// out sorted; even spread only makes it fast. Needs a second buffer as large as `ids` for the
/// scatter, where a comparison sort of millions of hashes would miss the cache at every level.
fn sort_hashes(hashes: Hashes) -> Vec<u64> {
    const SMALL: usize = 1 << 14;
    let total = hashes.len();
    if total < SMALL {
        let mut all: Vec<u64> = hashes.iter().collect();
        all.sort_unstable();
        return all;
    }
    let bits = (total / 1024).ilog2().min(16);
    let bucket = |h: u64| (h >> (64 - bits)) as usize;
    let mut next = vec![0usize; 1 << bits];
    for h in hashes.iter() {
        next[bucket(h)] += 1;
    }
    let mut sizes: Vec<usize> = Vec::with_capacity(next.len());
    let mut start = 0;
    for slot in next.iter_mut() {
        sizes.push(*slot);
        let size = *slot;
        *slot = start;
        start += size;
    }
    let mut out = vec![0u64; total];
    for h in hashes.iter() {
        let slot = &mut next[bucket(h)];
        out[*slot] = h;
        *slot += 1;
    }
    drop(hashes);
    let mut pieces = Vec::with_capacity(sizes.len());
    let mut rest = out.as_mut_slice();
    for size in sizes {
        let (piece, tail) = rest.split_at_mut(size);
        pieces.push(piece);
        rest = tail;
    }
    pieces
        .into_par_iter()
        .for_each(|piece| piece.sort_unstable());
    out
}

/// The hashes of sorted `wanted` that sorted `present` lacks, by one merge pass.
fn missing_from(wanted: &[u64], present: &[u64]) -> IdSet {
    let mut missing = IdSet::default();
    let mut j = 0;
    for &w in wanted {
        while j < present.len() && present[j] < w {
            j += 1;
        }
        if j >= present.len() || present[j] != w {
            missing.insert(w);
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_come_out_sorted_whatever_their_spread() {
        // Even spread (a multiplicative hash of a counter), all in one bucket (small values),
        // and repeats, in several batches: each must come out exactly as a comparison sort
        // leaves it.
        let spread: Vec<u64> = (0..100_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let narrow: Vec<u64> = (0..50_000u64).rev().map(|i| i % 7_919).collect();
        for input in [spread, narrow] {
            let mut expected = input.clone();
            expected.sort_unstable();
            let mut hashes = Hashes::default();
            for batch in input.chunks(30_000) {
                hashes.start_batch(batch.len());
                batch.iter().for_each(|&h| hashes.push(h));
            }
            assert_eq!(sort_hashes(hashes), expected);
        }
    }

    #[test]
    fn duplicates_and_missing_are_found_by_sorting() {
        let mut hashes = Hashes::default();
        [5, 1, 3, 5, 9, 1, 1]
            .into_iter()
            .for_each(|h| hashes.push(h));
        let ids = sort_hashes(hashes);
        let dups = duplicates(&ids);
        assert_eq!(dups.len(), 2);
        assert!(dups.contains(&5) && dups.contains(&1));
        let missing = missing_from(&[1, 2, 3, 10], &ids);
        assert_eq!(missing.len(), 2);
        assert!(missing.contains(&2) && missing.contains(&10));
    }
}
