//! Errors of the cube crate.

/// What can go wrong with reference data or configuration.
#[derive(Debug, thiserror::Error)]
pub enum CubeError {
    /// The audit configuration is invalid; the message says which setting and why.
    #[error("invalid audit configuration: {0}")]
    Config(String),
}
