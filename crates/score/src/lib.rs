//! # recount-score: integrity scores and grades
//!
//! Turns an audit's findings into what an inspectorate publishes per force: the estimated
//! recording integrity (crimes recorded over crimes recorded plus those estimated lost or
//! downgraded) with a 95% interval, overall and for violence, sexual offences and rape; an
//! integrity score from 0 to 100; a grade with configurable thresholds; and whether the force
//! is flagged. How overlapping findings are combined is in [`affected`](crate::by_mechanism).
//!
//! It is not for statistics (`recount-detect`) or for writing outputs (`recount-report`).
//! Scores are derived, never stored: the same cube and outcome always give the same scores.

pub use affected::{Affected, by_mechanism, total};
pub use grade::Grade;
pub use integrity::{CATEGORIES, ForceScore, IntegrityScore, bcu_affected, score_forces};

mod affected;
mod grade;
mod integrity;
