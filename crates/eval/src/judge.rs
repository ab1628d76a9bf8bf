//! Judging an audit against the truth of its data: was each planted mechanism found, when did
//! the detectors say it started, how close was the estimate of affected records and did its
//! interval cover the truth; and was any force flagged that should not have been.

use recount_cube::Period;
use recount_detect::Mechanism as Detected;
use recount_score::Affected;
use recount_synth::{Mechanism as Planted, NegativeKind};
use serde::Serialize;

use crate::run::Evaluation;

/// The detectors' mechanism that should find a planted one.
pub fn detected_as(planted: Planted) -> Detected {
    match planted {
        Planted::Downgrading | Planted::MonthEndReclassification => Detected::Downgrading,
        Planted::NonRecording => Detected::NonRecording,
        Planted::CallSuppression => Detected::Rebadging,
        Planted::Cancellation => Detected::Cancelling,
        Planted::LateRecording => Detected::LateRecording,
    }
}

/// What happened to one planted mechanism.
#[derive(Clone, Debug, Serialize)]
pub struct MechanismVerdict {
    /// The mechanism planted.
    pub planted: Planted,
    /// Its strength.
    pub strength: f64,
    /// First month it acted.
    pub truth_start: Period,
    /// Records it touched.
    pub truth_affected: u64,
    /// Whether a finding of the matching mechanism flagged the force.
    pub found: bool,
    /// The first affected month of the strongest such finding.
    pub first_month: Option<Period>,
    /// Months between that and the truth.
    pub month_error: Option<i32>,
    /// The estimate of affected records for the mechanism.
    pub estimate: Option<Affected>,
    /// `(estimate - truth) / truth`.
    pub relative_error: Option<f64>,
    /// Whether the estimate's 95% interval covers the truth.
    pub covered: Option<bool>,
}

/// What happened to one force.
#[derive(Clone, Debug, Serialize)]
pub struct ForceVerdict {
    /// The force.
    pub force_id: String,
    /// Planned calls a month.
    pub incidents_per_month: f64,
    /// Under a target (so tested).
    pub targeted: bool,
    /// Gaming planted.
    pub gamed: bool,
    /// Hard negatives planted (the national shock is everyone's and left out).
    pub negatives: Vec<NegativeKind>,
    /// Flagged by the audit.
    pub flagged: bool,
    /// Mechanisms flagged that were not planted (each a false finding).
    pub unplanted_findings: Vec<Detected>,
    /// Each planted mechanism.
    pub mechanisms: Vec<MechanismVerdict>,
}

/// Judges every force of an evaluation.
pub fn judge(evaluation: &Evaluation) -> Vec<ForceVerdict> {
    evaluation
        .truth
        .forces
        .iter()
        .map(|truth| {
            let findings: Vec<_> = evaluation
                .outcome
                .findings()
                .filter(|t| t.force_id == truth.force_id)
                .collect();
            let score = evaluation
                .scores
                .iter()
                .find(|s| s.force_id == truth.force_id);
            let planted: Vec<Detected> = truth
                .mechanisms
                .iter()
                .filter(|m| m.strength > 0.0)
                .map(|m| detected_as(m.mechanism))
                .collect();
            let mut unplanted: Vec<Detected> = findings
                .iter()
                .map(|t| t.mechanism)
                .filter(|m| !planted.contains(m))
                .collect();
            unplanted.sort();
            unplanted.dedup();
            let mechanisms = truth
                .mechanisms
                .iter()
                .filter(|m| m.strength > 0.0)
                .map(|m| {
                    let target = detected_as(m.mechanism);
                    let best = findings
                        .iter()
                        .filter(|t| t.mechanism == target)
                        .min_by(|a, b| {
                            a.q_value
                                .total_cmp(&b.q_value)
                                .then(b.estimated_affected.total_cmp(&a.estimated_affected))
                        });
                    let estimate = score.and_then(|s| s.by_mechanism.get(&target).copied());
                    let truth_affected = m.affected_records;
                    let first_month = best.map(|t| t.period_start);
                    MechanismVerdict {
                        planted: m.mechanism,
                        strength: m.strength,
                        truth_start: m.start,
                        truth_affected,
                        found: best.is_some(),
                        first_month,
                        month_error: first_month.map(|p| m.start.months_until(p)),
                        estimate,
                        relative_error: estimate
                            .filter(|_| truth_affected > 0)
                            .map(|e| (e.estimate - truth_affected as f64) / truth_affected as f64),
                        covered: estimate.map(|e| {
                            e.low <= truth_affected as f64 && truth_affected as f64 <= e.high
                        }),
                    }
                })
                .collect();
            ForceVerdict {
                force_id: truth.force_id.clone(),
                incidents_per_month: truth.incidents_per_month,
                targeted: truth.targeted,
                gamed: truth.gamed,
                negatives: truth
                    .hard_negatives
                    .iter()
                    .map(|n| n.kind)
                    .filter(|k| *k != NegativeKind::NationalShock)
                    .collect(),
                flagged: !findings.is_empty(),
                unplanted_findings: unplanted,
                mechanisms,
            }
        })
        .collect()
}
