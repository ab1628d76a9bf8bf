//! Errors of the generator.

use std::path::PathBuf;

/// What can go wrong while planning, generating or writing a synthetic data set.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The scenario or configuration is inconsistent; the message says what and why.
    #[error("invalid scenario: {0}")]
    Scenario(String),
    /// A file or folder could not be created, written or renamed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("Parquet error writing {path}: {source}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow batch could not be built.
    #[error("Arrow error: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The truth could not be serialised.
    #[error("could not serialise truth.json: {0}")]
    Json(#[from] serde_json::Error),
    /// The audit configuration could not be serialised.
    #[error("could not serialise audit.toml: {0}")]
    Toml(#[from] toml::ser::Error),
    /// The thread pool for generation could not be built.
    #[error("could not start the generation threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

impl SynthError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SynthError {
        let path = path.into();
        move |source| SynthError::Io { path, source }
    }
}
