//! # recount-ingest: from police data files to audit cubes
//!
//! Reads the tables of the data contract (`incidents`, `crimes`, `counts`) from Parquet files
//! or folders of them (recursive, with hive partition folders, any string encoding, any
//! timestamp unit or zone), validates every row, maps a force's own codes onto the contract's
//! vocabulary, joins crimes to the incidents they came from, and aggregates everything into a
//! [`recount_cube::Cube`]. Rows with a problem are counted in the cube's data-quality summary
//! and kept out of the statistics (except an unknown closing code or offence code, counted and
//! kept: the incident without its closing code, the crime under its code as written, in no
//! offence group); only a file that cannot be read at all (a missing column, a
//! wrong type, not Parquet) is an error. Cubes are written and read as Parquet so that a
//! national estate can be aggregated partition by partition.
//!
//! It is not for statistics (`recount-detect`) or outputs (`recount-report`).
//!
//! ```no_run
//! use recount_cube::AuditConfig;
//! use recount_ingest::{Inputs, NoProgress, build_cube};
//! use std::path::Path;
//!
//! let inputs = Inputs {
//!     incidents: Some(Path::new("fixtures/audit/incidents")),
//!     crimes: Some(Path::new("fixtures/audit/crimes")),
//! };
//! let cube = build_cube(inputs, &AuditConfig::default(), &NoProgress).unwrap();
//! println!("{} incidents in {} forces", cube.incident_total(), cube.forces().len());
//! ```

pub use atomic::{write_atomically, write_bytes_atomically};
pub use batches::{crime_batch, crime_schema, incident_batch, incident_schema};
pub use build::{
    Inputs, NoProgress, PARQUET_EXTENSIONS, Progress, build_cube, build_cube_from_batches,
};
pub use counts::read_counts_parquet;
pub use cube_file::{CUBE_FORMAT_VERSION, read_cube, write_cube};
pub use error::IngestError;
pub use files::{InputFile, discover};
pub use inspect::{CubeSummary, ForceSummary, PathKind, kind_of};
pub use published::read_published_csv;
pub use review::{ReviewRecord, ReviewStratum, sample_for_review};
pub use rules::Rules;
pub use st_louis::{
    ST_LOUIS_FORCE, StLouisConversion, StLouisSummary, convert_st_louis, write_st_louis,
};

mod atomic;
mod batches;
mod build;
mod calendar;
mod columns;
mod counts;
mod crimes;
mod cube_file;
mod decode;
mod error;
mod files;
mod incidents;
mod inspect;
mod published;
mod review;
mod rules;
mod schema;
mod st_louis;
mod tally;
mod unit;
