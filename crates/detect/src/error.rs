//! Errors of the detectors.

use recount_cube::CubeError;

/// What can stop an audit's statistics. Too little data for a test is not an error: the test
/// is skipped and the audit says so.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] CubeError),
}
