//! # recount-synth: synthetic police data with planted gaming and exact ground truth
//!
//! A seeded, deterministic generator of command-and-control incidents and crime records for
//! the forces of England and Wales, in the data contract's tables, with recording gaming
//! planted where the caller asks (downgrading, non-recording, call suppression, cancellation
//! without grounds, late recording, month-end reclassification) and honest changes that look
//! like gaming but are not (a genuine fall, a change in the call mix, a merger, a national
//! shock, targeted forces that stay honest). `truth.json` says exactly what was planted and
//! how many records it touched. It is how recount's detectors are proved: a detector that
//! cannot find what is planted here, or flags what is honest here, is not ready for real data.
//!
//! The model is realistic on purpose: forces sized from real Home Office figures, a call mix
//! perturbed per force, seasonality, force trends, month-to-month over-dispersion, a
//! lockdown-like shock, honest reclassification, cancellation and recording delays, BCUs,
//! times of day. Judgements are marked as such in the code.
//!
//! It is not a model of real crime for any other purpose, and not a source of statistics
//! about real forces: only the forces' relative sizes are real.
//!
//! Same seed and options give byte-identical Parquet files and `truth.json`, whatever the
//! number of threads: every force draws from its own ChaCha8 streams keyed by (seed, force
//! index), and gaming draws from streams of its own, so a gamed force and the same force
//! un-gamed share every honest record.
//!
//! ## Use
//!
//! - Describe what to generate: a [`SynthConfig`] and a [`Preset`] (`default`: a mix of gamed,
//!   targeted-honest and hard-negative forces; `honest`: the same without gaming), turned into
//!   a [`Scenario`] by [`Scenario::from_config`]; or build and edit the [`ForcePlan`]s of a
//!   [`Scenario`] directly ([`PlannedMechanism`], [`PlannedNegative`]).
//! - [`write_dataset`]: hive-partitioned Parquet (`incidents/force_id=<id>/part-0.parquet`,
//!   `crimes/...`), `truth.json` and `audit.toml`, forces in parallel, streaming.
//! - [`generate`]: the same rows and [`Truth`] in memory, for tiny scenarios and tests.
//! - [`generate_force`]: one force streamed into any [`RecordSink`], for callers that
//!   parallelise or consume rows themselves.
//!
//! ```
//! use recount_synth::{Mechanism, PlannedMechanism, Scenario, SynthConfig, generate};
//!
//! let mut scenario = Scenario::from_config(&SynthConfig::tiny(7, 3, 6)).unwrap();
//! // Plant exactly what a test needs: non-recording at strength 1 in the first force.
//! let start = scenario.national.start.offset(3);
//! scenario.forces[0].mechanisms = vec![PlannedMechanism::new(Mechanism::NonRecording, start, 1.0)];
//! let gamed = generate(&scenario).unwrap();
//! let honest = generate(&scenario.without_gaming()).unwrap();
//! let lost = gamed.truth.forces[0].affected_records as usize;
//! assert_eq!(honest.crimes.len() - gamed.crimes.len(), lost);
//! ```

// Tests may unwrap: a panic there is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub use dataset::{audit_toml, write_dataset};
pub use error::SynthError;
pub use generator::{Dataset, MemorySink, RecordSink, generate, generate_force};
pub use mechanisms::{MONTH_END_DAYS, Mechanism, MechanismFilter, PlannedMechanism};
pub use negatives::{
    CALL_MIX_RAMP_MONTHS, GENUINE_FALL_RAMP_MONTHS, NegativeKind, PlannedNegative,
    SHOCK_FULL_MONTHS, SHOCK_PROFILE,
};
pub use parquet_writer::{
    ParquetCompression, TimestampUnit, WriteOptions, crimes_schema, incidents_schema,
};
pub use presets::{Preset, SynthConfig};
pub use scenario::{
    Bcu, DEFAULT_EXTRACT_LAG_DAYS, ForcePlan, NationalPlan, REAL_SHOCK_START, Scenario,
    ScenarioSource,
};
pub use truth::{
    ForceTruth, MechanismTruth, NegativeTruth, ShockTruth, TRUTH_SCHEMA_VERSION, Totals, Truth,
};

mod dataset;
mod drafts;
mod error;
mod force_model;
mod force_sizes;
mod generator;
mod mechanisms;
mod national;
mod negatives;
mod offences;
mod parquet_writer;
mod presets;
mod sampling;
mod scenario;
mod timing;
mod truth;
