//! What `recount inspect` shows: which table a path holds, and a summary of a cube (forces,
//! months, rows, data quality).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use recount_cube::{AuditConfig, Cube, Period, Table};
use serde::Serialize;

use crate::build::PARQUET_EXTENSIONS;
use crate::error::IngestError;
use crate::files::discover;

/// What a path holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// A table of the contract.
    Table(Table),
    /// A cube folder written by `recount cube`.
    Cube,
}

/// Tells which table a file or folder holds from the columns of its first Parquet file:
/// `opened_at` or `call_type` mean incidents, `offence_final` crimes, `count` counts (after the
/// configured column names).
pub fn kind_of(path: &Path, config: &AuditConfig) -> Result<PathKind, IngestError> {
    if path.join("cube.json").is_file() {
        return Ok(PathKind::Cube);
    }
    let files = discover(path, Table::Incidents, &PARQUET_EXTENSIONS)?;
    let first = &files[0].path;
    let handle = File::open(first).map_err(|e| IngestError::io(first, e))?;
    let metadata = ArrowReaderMetadata::load(&handle, ArrowReaderOptions::new())
        .map_err(|e| IngestError::parquet(first, None, e))?;
    let schema = metadata.schema();
    let has = |renames: &std::collections::BTreeMap<String, String>, name: &str| {
        let wanted = renames.get(name).map(String::as_str).unwrap_or(name);
        schema
            .fields()
            .iter()
            .any(|f| f.name().eq_ignore_ascii_case(wanted))
    };
    let c = &config.columns;
    if has(&c.incidents, "opened_at") || has(&c.incidents, "call_type") {
        Ok(PathKind::Table(Table::Incidents))
    } else if has(&c.crimes, "offence_final") || has(&c.crimes, "offence_initial") {
        Ok(PathKind::Table(Table::Crimes))
    } else if has(&c.counts, "count") {
        Ok(PathKind::Table(Table::Counts))
    } else {
        Err(IngestError::NoInput {
            table: Table::Incidents,
            path: path.to_path_buf(),
            reason: format!(
                "{} has neither incident columns (opened_at, call_type) nor crime columns (offence_final) nor a count column",
                first.display()
            ),
        })
    }
}

/// One force in a summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ForceSummary {
    /// Incidents counted.
    pub incidents: u64,
    /// Crime records counted.
    pub crimes: u64,
    /// Published counts.
    pub counted_offences: u64,
    /// First month with data.
    pub first: Option<Period>,
    /// Last month with data.
    pub last: Option<Period>,
    /// Basic command units.
    pub bcus: usize,
}

/// A summary of a cube.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CubeSummary {
    /// Per force.
    pub forces: BTreeMap<String, ForceSummary>,
    /// First and last month.
    pub span: Option<(Period, Period)>,
    /// Rows read and used per table.
    pub rows: BTreeMap<String, (u64, u64)>,
    /// Problems by table, check and column, with their counts.
    pub problems: Vec<(String, String, String, u64)>,
}

impl CubeSummary {
    /// Summarises a cube.
    pub fn of(cube: &Cube) -> CubeSummary {
        let mut forces: BTreeMap<String, ForceSummary> = BTreeMap::new();
        let mut see = |force: &str, period: Period| {
            let f = forces.entry(force.to_string()).or_default();
            f.first = Some(f.first.map_or(period, |p| p.min(period)));
            f.last = Some(f.last.map_or(period, |p| p.max(period)));
        };
        for (c, n) in &cube.incidents {
            see(&c.force_id, c.period);
            let _ = n;
        }
        for c in cube.crimes.keys() {
            see(&c.force_id, c.period);
        }
        for c in cube.counts.keys() {
            see(&c.force_id, c.period);
        }
        for (c, n) in &cube.incidents {
            forces.entry(c.force_id.to_string()).or_default().incidents += n;
        }
        for (c, n) in &cube.crimes {
            forces.entry(c.force_id.to_string()).or_default().crimes += n;
        }
        for (c, n) in &cube.counts {
            forces
                .entry(c.force_id.to_string())
                .or_default()
                .counted_offences += n;
        }
        for (force, summary) in forces.iter_mut() {
            summary.bcus = cube.bcus(force).len();
        }
        let rows = [Table::Incidents, Table::Crimes, Table::Counts]
            .into_iter()
            .map(|t| {
                let r = cube.quality.table_rows(t);
                (t.to_string(), (r.read, r.used))
            })
            .filter(|(_, (read, _))| *read > 0)
            .collect();
        let problems = cube
            .quality
            .summary()
            .into_iter()
            .map(|((t, check, column), issue)| {
                (t.to_string(), check.name().to_string(), column, issue.count)
            })
            .collect();
        CubeSummary {
            forces,
            span: cube.period_span(),
            rows,
            problems,
        }
    }
}
