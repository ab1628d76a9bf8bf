//! # recount-eval: the detectors judged against ground truth
//!
//! Generates audits with `recount-synth` (in memory, through the same scanning code as
//! Parquet files), runs the detectors and scores, and judges them against the truth: each
//! planted mechanism found or not, its first month, the error and coverage of the estimate of
//! affected records, and every force flagged that should not have been. The power study
//! (`cargo run --release -p recount-eval --bin power`) repeats this over many seeds,
//! mechanisms and strengths.
//!
//! It is not part of the tool: nothing here ships in the `recount` binary.

pub use error::EvalError;
pub use judge::{ForceVerdict, MechanismVerdict, detected_as, judge};
pub use run::{Evaluation, config_of, cube_of, evaluate};
pub use study::{StudyOptions, study_scenario, target_start};

mod error;
mod judge;
mod run;
mod study;
