//! # recount-detect: the statistics that tell gaming from real change
//!
//! Reads an audit [`recount_cube::Cube`] and the [`recount_cube::AuditConfig`], and for every
//! target tests each force under it on every detector's series: how a rate moved from before
//! the target to after it, against how the same rate moved in peer forces (a difference in
//! differences on the log-odds, with over-dispersion allowed for within the force and between
//! forces). Gaming mechanisms must show their fingerprint, not just a change: downgrading must
//! move records from serious to lesser, re-badging must move calls from a crime type to a
//! non-crime one. The false discovery rate is controlled across every test of the audit
//! (Benjamini-Hochberg), and a finding must also be material.
//!
//! Without a target, every indicator is searched for lasting breaks at unknown dates (in
//! `breaks/`): national breaks that most forces share are reported once, as national; a
//! force's own breaks against the other forces are reported, and those in the direction
//! gaming would move a detector's series are tested as above, from the break.
//!
//! The main types: [`Detector`] (one per mechanism, in `detectors/`), [`Test`] (one force on
//! one series, flagged or not), [`AuditOutcome`]. The model itself is in [`contrast`].
//!
//! It is not for reading data (`recount-ingest`), scores and grades (`recount-score`) or
//! outputs (`recount-report`). It has no arrow dependency.
//!
//! ```
//! use recount_cube::{AuditConfig, Cube};
//! use recount_detect::run_audit;
//!
//! let outcome = run_audit(&Cube::default(), &AuditConfig::default()).unwrap();
//! assert_eq!(outcome.findings().count(), 0);
//! assert!(!outcome.skipped.is_empty()); // no records: the record-level detectors are skipped
//! ```

pub use audit::{AuditOutcome, BREAK_TARGET, DesignSummary, SCOPE, Skipped, bcu_tests, run_audit};
pub use breaks::{Break, BreakScope, BreakSearch, ForceShift, NATIONAL, VIOLENCE_RECORDING};
pub use contrast::{Counterfactual, Direction};
pub use coverage::{Gap, leave_out_gaps};
pub use detectors::{Context, Detector, registry};
pub use error::DetectError;
pub use extent::{Cut, cut_at_extent_steps};
pub use finding::{Contribution, CorroborationResult, Mechanism, Test, Trace};
pub use rates::{Monthly, Rate, RateTable};
pub use scope::{Narrowed, continuing_units};
pub use sensitivity::{DETECTABLE_WITH, Sensitivity};

mod audit;
mod breaks;
pub mod contrast;
mod coverage;
mod design;
mod detectors;
mod error;
mod evaluate;
mod extent;
mod finding;
mod pair_flows;
mod rates;
mod scope;
mod sensitivity;
mod spec;
