//! The ground truth: exactly what was planted where, and how many records it touched, counted
//! as the records were generated. Written as `truth.json` beside the data; the detectors'
//! results are scored against it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use recount_cube::Period;

use crate::mechanisms::{Mechanism, MechanismFilter};
use crate::negatives::{NegativeKind, SHOCK_FULL_MONTHS, SHOCK_PROFILE, shock_effects};
use crate::scenario::{NationalPlan, Scenario};

/// Version of the truth file's layout.
pub const TRUTH_SCHEMA_VERSION: u32 = 1;

/// The whole truth of a generated data set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Version of this layout.
    pub schema_version: u32,
    /// The generator and its version.
    pub generator: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// First month generated.
    pub first_month: Period,
    /// Last month generated.
    pub last_month: Period,
    /// Number of months generated.
    pub months: u32,
    /// When the extract was taken: later events are not in the data.
    pub extract_at: DateTime<Utc>,
    /// The national shock, when there is one.
    pub national_shock: Option<ShockTruth>,
    /// The national settings the data was generated with (targets, pairs, lag).
    pub options: NationalPlan,
    /// Totals over every force.
    pub totals: Totals,
    /// One entry per force, in output order.
    pub forces: Vec<ForceTruth>,
}

/// The national shock as planted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShockTruth {
    /// First month of the shock.
    pub start: Period,
    /// Months at or near full strength (inside the generated range).
    pub shock_months: Vec<Period>,
    /// Months of recovery after them (inside the generated range).
    pub recovery_months: Vec<Period>,
    /// Intensity of each month from the start (1 is the full effect).
    pub profile: Vec<f64>,
    /// Relative change in calls at full strength, by call type, before force variation.
    pub effects: BTreeMap<String, f64>,
}

/// Totals over every force.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Incident rows written.
    pub incidents: u64,
    /// Crime rows written.
    pub crimes: u64,
    /// Records lost or downgraded by gaming (late recording excluded).
    pub affected_records: u64,
    /// Records recorded late by gaming.
    pub late_records: u64,
}

/// The truth about one force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForceTruth {
    /// The force's code.
    pub force_id: String,
    /// The force's name.
    pub name: String,
    /// Planned mean calls per month (before trends, seasons, shock and negatives).
    pub incidents_per_month: f64,
    /// Under a target.
    pub targeted: bool,
    /// Gaming planted with a positive strength.
    pub gamed: bool,
    /// Every BCU name that appears in its rows (empty: the column is null).
    pub bcus: Vec<String>,
    /// Incident rows written.
    pub incidents: u64,
    /// Crime rows written.
    pub crimes: u64,
    /// What each planted mechanism did, in plan order.
    pub mechanisms: Vec<MechanismTruth>,
    /// Honest changes an audit must not flag.
    pub hard_negatives: Vec<NegativeTruth>,
    /// Records lost or downgraded: the sum of `affected_records` over every mechanism except
    /// late recording.
    pub affected_records: u64,
    /// Records recorded late by gaming.
    pub late_records: u64,
}

/// What one planted mechanism did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MechanismTruth {
    /// The mechanism.
    pub mechanism: Mechanism,
    /// First month it acted.
    pub start: Period,
    /// Probability per eligible record.
    pub strength: f64,
    /// Records it could have touched from its start (for call-level mechanisms, the crime
    /// records the eligible calls would have produced).
    pub eligible_records: u64,
    /// Records it touched: crimes not created, downgraded, cancelled, or recorded late.
    pub affected_records: u64,
    /// Its restrictions, if any.
    #[serde(default, skip_serializing_if = "MechanismFilter::is_empty")]
    pub filter: MechanismFilter,
}

/// One hard negative in one force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NegativeTruth {
    /// What it is.
    pub kind: NegativeKind,
    /// First month it acts.
    pub start: Period,
    /// Relative change in volume once complete (negative for a fall; 0 for targeted-honest).
    pub size: f64,
    /// A sentence saying what it does.
    pub detail: String,
}

impl Truth {
    /// The truth of a scenario from the truths of its forces (in the scenario's order).
    pub fn assemble(scenario: &Scenario, forces: Vec<ForceTruth>) -> Truth {
        let national = &scenario.national;
        let totals = forces.iter().fold(Totals::default(), |mut t, f| {
            t.incidents += f.incidents;
            t.crimes += f.crimes;
            t.affected_records += f.affected_records;
            t.late_records += f.late_records;
            t
        });
        Truth {
            schema_version: TRUTH_SCHEMA_VERSION,
            generator: format!("recount-synth {}", env!("CARGO_PKG_VERSION")),
            seed: national.seed,
            first_month: national.start,
            last_month: national.last_month(),
            months: national.months,
            extract_at: national.extract_at(),
            national_shock: shock_truth(national),
            options: national.clone(),
            totals,
            forces,
        }
    }

    /// The truth about a force, by code.
    pub fn force(&self, force_id: &str) -> Option<&ForceTruth> {
        self.forces.iter().find(|f| f.force_id == force_id)
    }

    /// Pretty JSON, fields in a fixed order.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self).map(|mut text| {
            text.push('\n');
            text
        })
    }
}

impl ForceTruth {
    /// The truth about one mechanism, if planted.
    pub fn mechanism(&self, mechanism: Mechanism) -> Option<&MechanismTruth> {
        self.mechanisms.iter().find(|m| m.mechanism == mechanism)
    }
}

fn shock_truth(national: &NationalPlan) -> Option<ShockTruth> {
    let start = national.shock_start?;
    let in_range = |p: &Period| *p >= national.start && *p <= national.last_month();
    let months: Vec<Period> = (0..SHOCK_PROFILE.len() as i32)
        .map(|i| start.offset(i))
        .collect();
    Some(ShockTruth {
        start,
        shock_months: months[..SHOCK_FULL_MONTHS]
            .iter()
            .copied()
            .filter(in_range)
            .collect(),
        recovery_months: months[SHOCK_FULL_MONTHS..]
            .iter()
            .copied()
            .filter(in_range)
            .collect(),
        profile: SHOCK_PROFILE.to_vec(),
        effects: shock_effects()
            .map(|(code, effect)| (code.to_string(), effect))
            .collect(),
    })
}
