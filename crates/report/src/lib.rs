//! # recount-report: an audit's outputs
//!
//! Writes what users act on, per the data contract: `scores.csv` (one row per force),
//! `findings.csv` (one row per finding), `tests.csv` (every test, so the false discovery rate
//! can be checked), `quality.csv` (the data-quality summary), `review_sample.csv` (the records
//! to pull), `bcu_scores.csv` (each flagged force's BCUs), `breaks.csv` and `break_shares.csv` (the search for breaks at unknown dates, in
//! an audit without targets), the same tables as Parquet for pipelines, `audit.json`
//! (everything, with the inputs' checksums, the configuration and the tool's version),
//! `report.html` (one self-contained page with SVG charts drawn by plotters), and the
//! terminal summary. Every file is written atomically and the same inputs give the same
//! bytes.
//!
//! It is not for statistics (`recount-detect`, `recount-score`) or reading inputs
//! (`recount-ingest`).

pub use audit_json::{
    InputFileRecord, InputRecord, PARQUET, SCHEMA_VERSION, audit_json, describe_input,
};
pub use break_tables::{break_shares_table, breaks_table};
pub use error::ReportError;
pub use html::report_html;
pub use outputs::{AuditResults, review_strata, write_outputs};
pub use quality_table::quality_table;
pub use summary::summary_table;
pub use tables::{
    Kind, Table, findings_table, fixed, probability, review_table, scores_table, tests_table,
};
pub use writers::{csv_bytes, record_batch, write_csv, write_parquet};

mod audit_json;
mod bcu_table;
mod break_tables;
mod breaks_view;
mod charts;
mod error;
mod html;
mod outputs;
mod quality_table;
mod sensitivity_view;
mod summary;
mod tables;
mod writers;
