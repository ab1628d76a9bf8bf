//! What an audit concludes: every test it ran, and the findings among them (tests that are
//! significant after the false discovery rate control and material).

use recount_cube::{Period, RecordSelection};
use serde::{Deserialize, Serialize};

use crate::contrast::Direction;
use crate::sensitivity::Sensitivity;

/// The kind of gaming a test looks for. Estimates of affected records from tests of the same
/// mechanism overlap (they see the same records from different angles); estimates from
/// different mechanisms add up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Crimes recorded under a less serious offence than they should have been.
    Downgrading,
    /// Crime-related calls closed without a crime record.
    NonRecording,
    /// Crime-related calls opened as non-crime call types.
    Rebadging,
    /// Crimes cancelled without grounds.
    Cancelling,
    /// Crimes recorded after the time limit (reported on its own, not counted as lost).
    LateRecording,
}

impl Mechanism {
    /// The mechanism's name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Downgrading => "downgrading",
            Mechanism::NonRecording => "non_recording",
            Mechanism::Rebadging => "rebadging",
            Mechanism::Cancelling => "cancelling",
            Mechanism::LateRecording => "late_recording",
        }
    }

    /// Whether records this mechanism affects count as lost or downgraded (the contract's
    /// `estimated_affected`); late records do not.
    pub fn counts_as_affected(self) -> bool {
        self != Mechanism::LateRecording
    }
}

/// A second rate that must also have moved for a test to count, and what it showed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorroborationResult {
    /// The series.
    pub series: String,
    /// Which way it had to move.
    pub direction: Direction,
    /// Its change in log-odds, when it could be estimated.
    pub effect: Option<f64>,
    /// The records it moved by, in its gaming direction (for transfers, to match the main
    /// series).
    pub records: Option<f64>,
    /// Its one-sided p-value (1 when it could not be estimated).
    pub p_value: f64,
    /// What it would need to move to be significant, when it could be estimated; not
    /// written out.
    #[serde(skip)]
    pub sensitivity: Option<Sensitivity>,
}

/// A force's rate by block of months, with the counterfactual after the start, for charts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// First month of each block.
    pub periods: Vec<Period>,
    /// Months per block.
    pub block_months: u32,
    /// The force's rate.
    pub force_rate: Vec<f64>,
    /// The force's records in the comparison.
    pub force_total: Vec<f64>,
    /// The baseline's rate (peers, or the force's seasonal pattern), where there is one.
    pub baseline_rate: Vec<Option<f64>>,
    /// What the force's rate would have been without the shift, and its 95% band (blocks
    /// after the start only).
    pub expected_rate: Vec<Option<f64>>,
    /// Lower edge of the band.
    pub expected_low: Vec<Option<f64>>,
    /// Upper edge of the band.
    pub expected_high: Vec<Option<f64>>,
}

/// One test of one force: the contract's finding columns and everything behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Test {
    /// The force.
    pub force_id: String,
    /// The detector that ran the test.
    pub detector: String,
    /// The mechanism it looks for.
    pub mechanism: Mechanism,
    /// What was compared (an offence pair, a call type, an offence group).
    pub series: String,
    /// Tests of one family see disjoint records; see `SeriesSpec::family`.
    pub family: String,
    /// Whether the family estimates its mechanism's whole effect; see `SeriesSpec::complete`.
    pub family_complete: bool,
    /// Which offence categories the affected records belong to (`violence`, `sexual`, `rape`).
    pub categories: Vec<String>,
    /// The target the test is about.
    pub target: String,
    /// The target's first month.
    pub target_start: Period,
    /// The first month of the months whose shift was tested: the start, or the later onset
    /// gaming was tested from (the months between the start and it a level of their own).
    pub tested_from: Period,
    /// The first month the series looks affected.
    pub period_start: Period,
    /// The last month compared.
    pub period_end: Period,
    /// Change in the force's log-odds against its peers, after against before.
    pub effect: f64,
    /// Lower end of the effect's 95% interval.
    pub ci_low: f64,
    /// Upper end of the effect's 95% interval.
    pub ci_high: f64,
    /// The force's rate before the start.
    pub rate_before: f64,
    /// The force's rate from the start.
    pub rate_after: f64,
    /// What the rate would have been from the start without the shift.
    pub rate_expected: f64,
    /// One-sided p-value in the gaming direction, including the corroborating tests.
    pub p_value: f64,
    /// The main test's one-sided p-value alone.
    pub p_value_main: f64,
    /// Benjamini-Hochberg q-value across every test of the audit.
    pub q_value: f64,
    /// Crime records lost, downgraded, cancelled or delayed (by mechanism) from the start.
    pub estimated_affected: f64,
    /// Lower end of the 95% interval of `estimated_affected`.
    pub estimated_affected_low: f64,
    /// Upper end of the 95% interval of `estimated_affected`.
    pub estimated_affected_high: f64,
    /// What this test adds to its family's total of affected records, with an interval
    /// independent of the other tests' contributions: its own estimate, except where offence
    /// pairs share codes (see `pair_flows`).
    #[serde(default)]
    pub family_contribution: Contribution,
    /// What the force was compared with, in words.
    pub comparison: String,
    /// The peer forces.
    pub peers: Vec<String>,
    /// Between-force variance of the contrast among the reference forces.
    pub tau2: f64,
    /// The force's extra block-to-block variance.
    pub sigma2: f64,
    /// The corroborating tests.
    pub corroboration: Vec<CorroborationResult>,
    /// Whether the effect is large enough to matter (relative change and records).
    pub material: bool,
    /// Whether the q-value is within the audit's false discovery rate.
    pub significant: bool,
    /// A finding: significant and material.
    pub flagged: bool,
    /// One plain sentence.
    pub sentence: String,
    /// The series behind the test, for charts.
    pub trace: Trace,
    /// The records to pull for review if it is a finding.
    pub review: Option<RecordSelection>,
    /// The records the gaming the test looks for would have to affect (in the unit of
    /// `estimated_affected`) for the test to be flagged with probability 0.8, were it the
    /// force's only departure from its past and its peers (see `sensitivity.rs`): infinite
    /// when no gaming would be found, `None` where not worked out (breaks at unknown dates).
    #[serde(default)]
    pub detectable_affected: Option<f64>,
    /// The same as a share of the honest records after the start that gaming takes from: the
    /// hits of a rate it lowers (the serious records of a pair, the calls that led to a
    /// crime), the misses of one it raises (the crimes not cancelled).
    #[serde(default)]
    pub detectable_share: Option<f64>,
    /// The one-sided level the main rate and each required corroborating rate had to reach
    /// for `detectable_affected`.
    #[serde(default)]
    pub detectable_level: Option<f64>,
    /// What the main rate would need to move to be significant; not written out.
    #[serde(skip)]
    pub sensitivity: Option<Sensitivity>,
}

/// A number of records with its 95% interval, as a part of a sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Point estimate.
    pub estimate: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
}

impl Contribution {
    /// A test's own estimate of affected records.
    pub fn of_estimate(test: &Test) -> Contribution {
        Contribution {
            estimate: test.estimated_affected,
            low: test.estimated_affected_low,
            high: test.estimated_affected_high,
        }
    }

    /// `weight` times this estimate (a negative weight swaps the ends).
    pub fn scaled(self, weight: f64) -> Contribution {
        let (a, b) = (weight * self.low, weight * self.high);
        Contribution {
            estimate: weight * self.estimate,
            low: a.min(b),
            high: a.max(b),
        }
    }

    /// `sum_i weights[i] * parts[i]` of independent parts: the half-widths of the scaled parts
    /// in quadrature, on each side separately.
    pub fn combine(weights: &[f64], parts: &[Contribution]) -> Contribution {
        let (mut estimate, mut below, mut above) = (0.0, 0.0, 0.0);
        for (w, part) in weights.iter().zip(parts) {
            let scaled = part.scaled(*w);
            estimate += scaled.estimate;
            below += (scaled.estimate - scaled.low).max(0.0).powi(2);
            above += (scaled.high - scaled.estimate).max(0.0).powi(2);
        }
        Contribution {
            estimate,
            low: estimate - f64::sqrt(below),
            high: estimate + f64::sqrt(above),
        }
    }
}

impl Test {
    /// The relative change in the odds, `exp(effect) - 1`.
    pub fn relative_change(&self) -> f64 {
        self.effect.exp() - 1.0
    }
}
