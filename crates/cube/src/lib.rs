//! # recount-cube: the audit cube and the shared vocabulary
//!
//! What every recount crate agrees on: the [`Cube`] of per force and month counts that ingest
//! builds and the detectors read, the [`Period`] (a calendar month), the reference facts of the
//! field (forces, Home Office offence codes with a seriousness order, the call-type
//! vocabulary), the [`AuditConfig`] read from TOML, and the [`DataQuality`] summary. Each of
//! the cube's tables is a [`Cells`]: counts by cell in one vector sorted by cell, built once
//! and read in order.
//!
//! It is not for reading files (that is `recount-ingest`, which also writes cubes as Parquet)
//! nor for statistics (`recount-detect`). It has no arrow dependency, so the statistics crates
//! that build on it compile and test in seconds.
//!
//! ```
//! use recount_cube::{Cube, IncidentCell, Period};
//!
//! let cell = IncidentCell {
//!     force_id: "E23000005".into(),
//!     bcu: None,
//!     period: Period::new(2022, 1).unwrap(),
//!     call_type: "ASSAULT".into(),
//!     closing_code: None,
//!     led_to_crime: true,
//!     crime_offence: Some("105A".into()),
//! };
//! let mut north = Cube::default();
//! north.incidents.insert(cell.clone(), 2);
//! let mut south = Cube::default();
//! south.incidents.insert(cell.clone(), 3);
//! north.merge(south);
//! assert_eq!(north.incidents[&cell], 5);
//! ```

pub use cells::Cells;
pub use config::{
    AuditConfig, CodeKind, CodeMapping, ColumnMapping, DataSettings, DetectSettings, DowngradePair,
    ForceCodeMapping, GradeThresholds, OffenceDefinition, RebadgePair, ReviewSettings, Target,
    default_downgrade_pairs, default_rebadge_pairs,
};
pub use cube::{
    CountCell, CrimeCell, Cube, IncidentCell, Name, ReclassificationCell, RecordingDelay,
};
pub use error::CubeError;
pub use period::{ParsePeriodError, Period};
pub use quality::{
    DataQuality, MAX_EXAMPLES, QualityCheck, QualityExample, QualityIssue, QualityKey, RowCounts,
    Table,
};
pub use records::{Crime, Incident};
pub use reference::{
    CRIME_RELATED_CALL_TYPES, CallClass, CallVocabulary, Force, ForceRegistry,
    NON_CRIME_CALL_TYPES, OffenceCatalogue, OffenceInfo, normalise_force_name,
};
pub use review::RecordSelection;

mod cells;
mod config;
mod cube;
mod error;
mod period;
mod quality;
mod records;
mod reference;
mod review;
