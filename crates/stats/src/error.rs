//! The error type of the crate.

/// What can go wrong in a statistical routine.
///
/// Every routine validates its input before computing and reports the first problem it finds.
/// Messages name the argument at fault so that a caller can pass them on unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// An input that must hold at least one value (or one usable value) was empty.
    #[error("empty input: {0}")]
    Empty(&'static str),

    /// Two inputs that must have matching lengths do not.
    #[error("length mismatch: {what} has length {got}, expected {expected}")]
    LengthMismatch {
        /// Which argument has the wrong length.
        what: &'static str,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        got: usize,
    },

    /// Too few observations for the requested computation.
    #[error("too few observations for {what}: need at least {needed}, got {got}")]
    TooFewObservations {
        /// What was being computed.
        what: &'static str,
        /// The minimum number of observations required.
        needed: usize,
        /// The number supplied.
        got: usize,
    },

    /// A value is NaN or infinite where a finite number is required.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),

    /// A parameter or data value is outside its admissible range; the message says which and why.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The data have no variability where the computation needs some (for example the
    /// autocorrelation of a constant series).
    #[error("zero variance in {0}")]
    ZeroVariance(&'static str),

    /// A matrix that must be symmetric is not (to a relative tolerance).
    #[error("matrix is not symmetric: entry ({row}, {col}) differs from its transpose")]
    NotSymmetric {
        /// Row of the first offending entry.
        row: usize,
        /// Column of the first offending entry.
        col: usize,
    },

    /// A matrix that must be symmetric positive definite is not, or is numerically singular.
    /// In a regression this means the design matrix has collinear (or all-zero) columns.
    #[error("matrix is not positive definite (numerically singular at pivot {pivot})")]
    NotPositiveDefinite {
        /// Zero-based index of the pivot at which the Cholesky factorisation failed.
        pivot: usize,
    },

    /// An iterative fit produced non-finite values and could not recover by step-halving.
    #[error("fit diverged: {0}")]
    Diverged(String),
}
