//! Errors of the report writers.

use std::path::PathBuf;

use recount_ingest::IngestError;

/// What can stop outputs being written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written (the previous one, if any, is intact).
    #[error(transparent)]
    Write(#[from] IngestError),
    /// An input could not be read for its checksum.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A table could not be encoded.
    #[error("{table}: {message}")]
    Encode {
        /// The table.
        table: String,
        /// What went wrong.
        message: String,
    },
}
