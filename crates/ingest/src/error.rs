//! Errors of ingest. Each names the file and, where it applies, the column and row group, so an
//! auditor can find the problem without reading code.

use std::path::PathBuf;

use recount_cube::{CubeError, Table};

/// What can stop a read. Problems in individual rows are not errors: they are counted in the
/// data-quality summary and the rows are kept out of the statistics.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The path does not exist or holds no readable file of the expected kind.
    #[error("{table}: no input at {path}: {reason}")]
    NoInput {
        /// The table being read.
        table: Table,
        /// The path given.
        path: PathBuf,
        /// Why nothing was read.
        reason: String,
    },
    /// The operating system refused a read or write.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid Parquet, or a row group could not be decoded.
    #[error("{path}{}: not readable as Parquet: {message}", row_group.map(|g| format!(", row group {g}")).unwrap_or_default())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The row group, when the failure is in one.
        row_group: Option<usize>,
        /// The decoder's message.
        message: String,
    },
    /// A column the table requires is absent (after applying the configured column names).
    #[error(
        "{path}: table {table} needs column `{column}`{} but the file has none; it has: {available}",
        if source_name != column { format!(" (configured as `{source_name}`)") } else { String::new() }
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The table.
        table: Table,
        /// The contract's column name.
        column: String,
        /// The name looked for in the file.
        source_name: String,
        /// The columns the file does have.
        available: String,
    },
    /// A column has a type recount cannot read as what the contract says it is.
    #[error("{path}: column `{column}` of table {table} has type {found}, expected {expected}")]
    WrongType {
        /// The file.
        path: PathBuf,
        /// The table.
        table: Table,
        /// The column (as named in the file).
        column: String,
        /// The type found.
        found: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A CSV file could not be read.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The line (1-based, header is line 1).
        line: u64,
        /// What was wrong.
        message: String,
    },
    /// A cube folder is incomplete or from an incompatible version.
    #[error("{path}: not a recount cube: {message}")]
    CubeFile {
        /// The cube folder or file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] CubeError),
}

impl IngestError {
    pub(crate) fn parquet(
        path: &std::path::Path,
        row_group: Option<usize>,
        err: impl std::fmt::Display,
    ) -> Self {
        IngestError::Parquet {
            path: path.to_path_buf(),
            row_group,
            message: err.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
