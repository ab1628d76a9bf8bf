//! Errors of the evaluation.

/// What can stop an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The generator refused the scenario.
    #[error(transparent)]
    Synth(#[from] recount_synth::SynthError),
    /// Building the cube failed.
    #[error(transparent)]
    Ingest(#[from] recount_ingest::IngestError),
    /// The audit failed.
    #[error(transparent)]
    Detect(#[from] recount_detect::DetectError),
}
