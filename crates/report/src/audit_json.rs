//! `audit.json`: everything the tables hold, plus the inputs with their checksums, the
//! configuration used, the data-quality counts and the tool's version, under a
//! `schema_version` (`docs/audit.schema.json` describes it). No clock time is written, so the
//! same inputs and configuration give the same bytes.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use recount_cube::{AuditConfig, DataQuality, QualityIssue, QualityKey, Table};
use recount_detect::{AuditOutcome, BreakSearch, DesignSummary, Skipped, Test};
use recount_ingest::{PARQUET_EXTENSIONS, discover};
use recount_score::ForceScore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ReportError;

/// Version of the `audit.json` layout. Minor versions only add fields.
pub const SCHEMA_VERSION: &str = "1.2";

/// One input file with its size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputFileRecord {
    /// The file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its contents, hex.
    pub sha256: String,
}

/// One input table as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputRecord {
    /// `incidents`, `crimes`, `counts` or `cube`.
    pub table: String,
    /// The path given.
    pub path: String,
    /// The files read under it.
    pub files: Vec<InputFileRecord>,
}

fn sha256_of(path: &Path) -> Result<(u64, String), ReportError> {
    let read = |source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(read)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    let digest = hasher.finalize();
    Ok((bytes, digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Lists and checksums every file of an input (in parallel; files in path order).
pub fn describe_input(
    table: &str,
    path: &Path,
    extensions: &[&str],
) -> Result<InputRecord, ReportError> {
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        discover(path, Table::Incidents, extensions)
            .map(|files| files.into_iter().map(|f| f.path).collect())
            .unwrap_or_default()
    } else {
        vec![path.to_path_buf()]
    };
    let records = files
        .par_iter()
        .map(|file| {
            let (bytes, sha256) = sha256_of(file)?;
            Ok(InputFileRecord {
                path: file.display().to_string(),
                bytes,
                sha256,
            })
        })
        .collect::<Result<Vec<_>, ReportError>>()?;
    Ok(InputRecord {
        table: table.to_string(),
        path: path.display().to_string(),
        files: records,
    })
}

/// The Parquet extensions, for callers describing Parquet inputs.
pub const PARQUET: &[&str] = &PARQUET_EXTENSIONS;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct QualityRow<'a> {
    table: Table,
    force_id: &'a Option<String>,
    read: u64,
    used: u64,
}

#[derive(Serialize)]
struct QualityEntry<'a> {
    #[serde(flatten)]
    key: &'a QualityKey,
    #[serde(flatten)]
    issue: &'a QualityIssue,
}

#[derive(Serialize)]
struct QualityJson<'a> {
    rows: Vec<QualityRow<'a>>,
    issues: Vec<QualityEntry<'a>>,
}

fn quality_json(quality: &DataQuality) -> QualityJson<'_> {
    QualityJson {
        rows: quality
            .rows
            .iter()
            .map(|((table, force_id), c)| QualityRow {
                table: *table,
                force_id,
                read: c.read,
                used: c.used,
            })
            .collect(),
        issues: quality
            .issues
            .iter()
            .map(|(key, issue)| QualityEntry { key, issue })
            .collect(),
    }
}

#[derive(Serialize)]
struct DetectorJson {
    name: &'static str,
    description: &'static str,
}

/// A test without its chart data, for the list of every test.
#[derive(Serialize)]
struct TestSummary<'a> {
    force_id: &'a str,
    detector: &'a str,
    mechanism: &'static str,
    series: &'a str,
    family: &'a str,
    target: &'a str,
    period_start: String,
    effect: f64,
    ci_low: f64,
    ci_high: f64,
    p_value: f64,
    q_value: f64,
    estimated_affected: f64,
    significant: bool,
    material: bool,
    flagged: bool,
    detectable_affected: Option<f64>,
    detectable_share: Option<f64>,
    detectable_level: Option<f64>,
}

#[derive(Serialize)]
struct AuditJson<'a> {
    schema_version: &'static str,
    tool: Tool,
    inputs: &'a [InputRecord],
    configuration: &'a AuditConfig,
    data_quality: QualityJson<'a>,
    detectors: Vec<DetectorJson>,
    designs: &'a [DesignSummary],
    skipped: &'a [Skipped],
    scores: &'a [ForceScore],
    findings: Vec<&'a Test>,
    tests: Vec<TestSummary<'a>>,
    false_discovery_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    breaks: Option<&'a BreakSearch>,
}

/// The bytes of `audit.json`.
pub fn audit_json(
    inputs: &[InputRecord],
    config: &AuditConfig,
    quality: &DataQuality,
    outcome: &AuditOutcome,
    scores: &[ForceScore],
) -> Result<Vec<u8>, ReportError> {
    let document = AuditJson {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "recount",
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs,
        configuration: config,
        data_quality: quality_json(quality),
        detectors: recount_detect::registry()
            .iter()
            .map(|d| DetectorJson {
                name: d.name(),
                description: d.describe(),
            })
            .collect(),
        designs: &outcome.designs,
        skipped: &outcome.skipped,
        scores,
        findings: outcome.findings().collect(),
        tests: outcome
            .tests
            .iter()
            .map(|t| TestSummary {
                force_id: &t.force_id,
                detector: &t.detector,
                mechanism: t.mechanism.name(),
                series: &t.series,
                family: &t.family,
                target: &t.target,
                period_start: t.period_start.to_string(),
                effect: t.effect,
                ci_low: t.ci_low,
                ci_high: t.ci_high,
                p_value: t.p_value,
                q_value: t.q_value,
                estimated_affected: t.estimated_affected,
                significant: t.significant,
                material: t.material,
                flagged: t.flagged,
                detectable_affected: t.detectable_affected,
                detectable_share: t.detectable_share,
                detectable_level: t.detectable_level,
            })
            .collect(),
        false_discovery_rate: config.detect.fdr,
        breaks: outcome.breaks.as_ref(),
    };
    let mut bytes = serde_json::to_vec_pretty(&document).map_err(|e| ReportError::Encode {
        table: "audit.json".into(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
