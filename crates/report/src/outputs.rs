//! Writing every output of an audit into a folder. Each file is written atomically: a crash or
//! a kill leaves each file either as it was or complete. `audit.json` is written last, so its
//! presence means the run finished.

use std::path::{Path, PathBuf};

use recount_cube::{AuditConfig, Cube};
use recount_detect::AuditOutcome;
use recount_ingest::write_bytes_atomically;
use std::collections::BTreeMap;

use recount_ingest::ReviewRecord;
use recount_score::{Affected, ForceScore};

use crate::audit_json::{InputRecord, audit_json};
use crate::bcu_table::bcu_table;
use crate::break_tables::{break_shares_table, breaks_table};
use crate::error::ReportError;
use crate::html::report_html;
use crate::quality_table::quality_table;
use crate::tables::{findings_table, review_table, scores_table, tests_table};
use crate::writers::{write_csv, write_parquet};

/// Everything an audit produced, ready to write.
pub struct AuditResults<'a> {
    /// The inputs read, with checksums.
    pub inputs: &'a [InputRecord],
    /// The configuration used.
    pub config: &'a AuditConfig,
    /// The cube audited (for the data-quality summary).
    pub cube: &'a Cube,
    /// The statistics' conclusions.
    pub outcome: &'a AuditOutcome,
    /// The per-force scores.
    pub scores: &'a [ForceScore],
    /// The records to review.
    pub review: &'a [ReviewRecord],
    /// Records lost or downgraded per BCU, for forces with findings and BCUs.
    pub bcus: &'a BTreeMap<String, Vec<(String, Affected)>>,
}

/// Writes the contract's outputs (and more) into `out`, creating it if needed. Returns the
/// files written, in order.
pub fn write_outputs(results: &AuditResults, out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out).map_err(|e| recount_ingest::IngestError::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    let mut written = Vec::new();
    let tables = [
        scores_table(results.scores),
        findings_table(&results.outcome.tests),
        tests_table(&results.outcome.tests),
        quality_table(&results.cube.quality),
        review_table(results.review, results.config.review.seed),
        bcu_table(results.bcus, results.cube, results.scores),
        breaks_table(results.outcome.breaks.as_ref()),
        break_shares_table(results.outcome.breaks.as_ref()),
    ];
    for table in &tables {
        write_csv(table, out)?;
        written.push(out.join(format!("{}.csv", table.name)));
        write_parquet(table, out)?;
        written.push(out.join(format!("{}.parquet", table.name)));
    }
    let html = report_html(results)?;
    let path = out.join("report.html");
    write_bytes_atomically(&path, html.as_bytes())?;
    written.push(path);
    let json = audit_json(
        results.inputs,
        results.config,
        &results.cube.quality,
        results.outcome,
        results.scores,
    )?;
    let path = out.join("audit.json");
    write_bytes_atomically(&path, &json)?;
    written.push(path);
    Ok(written)
}

/// The strata of the review sample: one per finding with records to pull, merged where two
/// findings of a force pull the same records.
pub fn review_strata(outcome: &recount_detect::AuditOutcome) -> Vec<recount_ingest::ReviewStratum> {
    let mut strata: Vec<recount_ingest::ReviewStratum> = Vec::new();
    for test in outcome.findings() {
        let Some(kind) = &test.review else { continue };
        let from = test.period_start.min(test.target_start);
        let name = format!("{}: {}", test.detector, test.series);
        match strata
            .iter_mut()
            .find(|s| s.force_id == test.force_id && &s.kind == kind && s.from == from)
        {
            Some(existing) => {
                existing.finding.push_str(" + ");
                existing.finding.push_str(&name);
            }
            None => strata.push(recount_ingest::ReviewStratum {
                force_id: test.force_id.clone(),
                finding: name,
                kind: kind.clone(),
                from,
            }),
        }
    }
    strata
}
