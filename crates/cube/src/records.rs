//! One row of each input table of the data contract, as plain Rust values. The Parquet reader
//! works on columns and never builds these; they serve the synthetic generator, the row-wise
//! reference cube builder and the review sample.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One call for service: a row of the `incidents` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique within its force.
    pub incident_id: String,
    /// The force's code.
    pub force_id: String,
    /// When the call handler created the incident.
    pub opened_at: DateTime<Utc>,
    /// Opening classification.
    pub call_type: String,
    /// Classification at closure.
    pub closing_code: Option<String>,
    /// Basic command unit.
    pub bcu: Option<String>,
}

/// One crime record: a row of the `crimes` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crime {
    /// Unique within its force.
    pub crime_id: String,
    /// The force's code.
    pub force_id: String,
    /// The incident the crime came from; `None` when reported another way.
    pub incident_id: Option<String>,
    /// When the matter was first reported to police.
    pub reported_at: DateTime<Utc>,
    /// When it was recorded as a crime.
    pub recorded_at: DateTime<Utc>,
    /// Offence first recorded.
    pub offence_initial: String,
    /// Offence as of the extract.
    pub offence_final: String,
    /// When the offence code last changed.
    pub reclassified_at: Option<DateTime<Utc>>,
    /// When the crime was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Cancellation class.
    pub cancel_reason: Option<String>,
    /// Basic command unit.
    pub bcu: Option<String>,
}
