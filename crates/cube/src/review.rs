//! Which records to pull for review, as a detector describes them: the shared language
//! between the detectors (which know what a finding means) and ingest (which reads the
//! records back).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::quality::Table;

/// Which records a stratum holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordSelection {
    /// Incidents of these call types (crime-related) that led to no crime.
    CallsWithoutCrime {
        /// The call types.
        call_types: BTreeSet<String>,
    },
    /// Incidents opened as these (non-crime) call types.
    CallsOpenedAs {
        /// The call types.
        call_types: BTreeSet<String>,
    },
    /// Crimes first recorded as one of `serious` and finally as one of `lesser`; only those
    /// reclassified in the last `month_end_days` days of a month when that is set.
    Reclassified {
        /// Serious codes.
        serious: BTreeSet<String>,
        /// Lesser codes.
        lesser: BTreeSet<String>,
        /// Days at month end, if only bunched reclassifications count.
        month_end_days: Option<u32>,
    },
    /// Crimes recorded as one of these codes.
    RecordedAs {
        /// The codes.
        codes: BTreeSet<String>,
    },
    /// Cancelled crimes with a final offence among these codes (all, when empty).
    Cancelled {
        /// The codes.
        codes: BTreeSet<String>,
    },
    /// Crimes recorded more than `hours` after the report.
    Late {
        /// The limit.
        hours: u32,
    },
}

impl RecordSelection {
    /// The table the records are in.
    pub fn table(&self) -> Table {
        match self {
            RecordSelection::CallsWithoutCrime { .. } | RecordSelection::CallsOpenedAs { .. } => {
                Table::Incidents
            }
            _ => Table::Crimes,
        }
    }
}
