//! A force's recording integrity: crimes recorded over crimes recorded plus those estimated
//! lost or downgraded, overall and for violence, sexual offences and rape, with the interval
//! carried over from the findings it combines.

use std::collections::BTreeMap;

use recount_cube::{AuditConfig, Cube, ForceRegistry, OffenceCatalogue, Period};
use recount_detect::{AuditOutcome, Mechanism, Test};
use serde::{Deserialize, Serialize};

use crate::affected::{Affected, by_mechanism, total};
use crate::grade::Grade;

/// Recording integrity with its 95% interval, as shares (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrityScore {
    /// Crimes recorded in the assessment window.
    pub recorded: f64,
    /// Crimes estimated lost or downgraded in it.
    pub affected: Affected,
    /// `recorded / (recorded + affected)`.
    pub integrity: f64,
    /// Lower end of its 95% interval (from the upper end of `affected`).
    pub low: f64,
    /// Upper end (from the lower end of `affected`).
    pub high: f64,
}

impl IntegrityScore {
    /// The integrity of `recorded` crimes with `affected` lost or downgraded. With nothing
    /// recorded and nothing lost there is nothing to fault: integrity 1.
    pub fn new(recorded: f64, affected: Affected) -> IntegrityScore {
        let share = |lost: f64| {
            if recorded + lost > 0.0 {
                recorded / (recorded + lost)
            } else {
                1.0
            }
        };
        IntegrityScore {
            recorded,
            affected,
            integrity: share(affected.estimate),
            low: share(affected.high),
            high: share(affected.low),
        }
    }
}

/// One force's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForceScore {
    /// Force code.
    pub force_id: String,
    /// Force name, where known.
    pub force_name: Option<String>,
    /// Integrity score, 0 to 100 (higher means more trustworthy recording).
    pub integrity_score: f64,
    /// Lower end of the score's 95% interval.
    pub integrity_score_low: f64,
    /// Upper end of the score's 95% interval.
    pub integrity_score_high: f64,
    /// The grade.
    pub grade: Grade,
    /// Whether any material finding survives the false discovery rate.
    pub flagged: bool,
    /// Crime records lost or downgraded (late recording excluded).
    pub estimated_affected: Affected,
    /// The same by mechanism (late recording included, for information).
    pub by_mechanism: BTreeMap<Mechanism, Affected>,
    /// Integrity for violence, sexual offences and rape.
    pub categories: BTreeMap<String, IntegrityScore>,
    /// The overall integrity behind the score.
    pub overall: IntegrityScore,
    /// First month of the assessment window (the earliest start of a counted finding, else of
    /// any test of the force, else of the data).
    pub window_start: Option<Period>,
    /// Findings of the force.
    pub findings: usize,
    /// Tests of the force.
    pub tests: usize,
}

/// The categories scored separately, with how a crime falls in each.
pub const CATEGORIES: [&str; 3] = ["violence", "sexual", "rape"];

fn in_category(catalogue: &OffenceCatalogue, code: &str, category: &str) -> bool {
    catalogue.get(code).is_some_and(|info| match category {
        "violence" => info.group == "Violence against the person",
        "sexual" => info.group == "Sexual offences",
        "rape" => info.subgroup == "Rape",
        _ => false,
    })
}

/// Non-cancelled crimes of a force from `from` on that `keep` accepts.
fn recorded(cube: &Cube, force_id: &str, from: Option<Period>, keep: impl Fn(&str) -> bool) -> f64 {
    if cube.crimes.is_empty() {
        // Published counts only: the counts are the recorded crimes.
        return cube
            .counts
            .iter()
            .filter(|(c, _)| c.force_id == force_id)
            .filter(|(c, _)| from.is_none_or(|f| c.period >= f))
            .filter(|(c, _)| keep(&c.offence_code))
            .map(|(_, &n)| n as f64)
            .sum();
    }
    cube.crimes
        .iter()
        .filter(|(c, _)| c.force_id == force_id && !c.cancelled)
        .filter(|(c, _)| from.is_none_or(|f| c.period >= f))
        .filter(|(c, _)| keep(&c.offence_final))
        .map(|(_, &n)| n as f64)
        .sum()
}

/// Records lost or downgraded per BCU of each flagged force, from `recount_detect::bcu_tests`
/// (BCU ids `FORCE/BCU`), totalled by the force's own rules.
pub fn bcu_affected(
    bcu_tests: &[Test],
    config: &AuditConfig,
) -> BTreeMap<String, Vec<(String, Affected)>> {
    let mut by_unit: BTreeMap<&str, Vec<&Test>> = BTreeMap::new();
    for t in bcu_tests {
        by_unit.entry(t.force_id.as_str()).or_default().push(t);
    }
    let mut out: BTreeMap<String, Vec<(String, Affected)>> = BTreeMap::new();
    for (unit, tests) in by_unit {
        let Some((force, bcu)) = unit.split_once('/') else {
            continue;
        };
        let affected = total(&by_mechanism(
            tests.iter().copied(),
            |_| true,
            config.detect.fdr,
        ));
        out.entry(force.to_string())
            .or_default()
            .push((bcu.to_string(), affected));
    }
    out
}

/// Scores every force of the cube from the audit's outcome.
pub fn score_forces(cube: &Cube, outcome: &AuditOutcome, config: &AuditConfig) -> Vec<ForceScore> {
    let registry = ForceRegistry::builtin();
    let catalogue = config
        .catalogue()
        .unwrap_or_else(|_| OffenceCatalogue::builtin());
    cube.forces()
        .into_iter()
        .map(|force| {
            let tests: Vec<&Test> = outcome
                .tests
                .iter()
                .filter(|t| t.force_id == force)
                .collect();
            let findings: Vec<&Test> = tests.iter().copied().filter(|t| t.flagged).collect();
            let counted = findings.iter().filter(|t| t.mechanism.counts_as_affected());
            let window_start = counted
                .map(|t| t.target_start)
                .min()
                .or_else(|| tests.iter().map(|t| t.target_start).min());
            let alpha = config.detect.fdr;
            let mechanisms = by_mechanism(tests.iter().copied(), |_| true, alpha);
            let affected = total(&mechanisms);
            let overall =
                IntegrityScore::new(recorded(cube, &force, window_start, |_| true), affected);
            let categories = CATEGORIES
                .iter()
                .map(|category| {
                    let lost = total(&by_mechanism(
                        tests.iter().copied(),
                        |t| t.categories.iter().any(|c| c == category),
                        alpha,
                    ));
                    let kept = recorded(cube, &force, window_start, |code| {
                        in_category(&catalogue, code, category)
                    });
                    (category.to_string(), IntegrityScore::new(kept, lost))
                })
                .collect();
            let flagged = !findings.is_empty();
            let score = 100.0 * overall.integrity;
            ForceScore {
                force_name: registry.name_of(&force).map(str::to_string),
                integrity_score: score,
                integrity_score_low: 100.0 * overall.low,
                integrity_score_high: 100.0 * overall.high,
                grade: Grade::of(score, flagged, &config.grades),
                flagged,
                estimated_affected: affected,
                by_mechanism: mechanisms,
                categories,
                overall,
                window_start,
                findings: findings.len(),
                tests: tests.len(),
                force_id: force,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affected::tests::finding;
    use recount_cube::{CrimeCell, RecordingDelay};

    fn cube_with(force: &str, code: &str, month: Period, n: u64) -> Cube {
        let mut cube = Cube::default();
        cube.crimes.insert(
            CrimeCell {
                force_id: force.into(),
                bcu: None,
                period: month,
                offence_initial: code.into(),
                offence_final: code.into(),
                cancelled: false,
                cancel_reason: None,
                delay: RecordingDelay::WithinDay,
                from_incident: true,
            },
            n,
        );
        cube
    }

    #[test]
    fn hand_computed_integrity_and_grade() {
        // 900 violent crimes recorded from the target start and 100 before it; findings say
        // 100 (60 to 140) were downgraded and 50 (30 to 70) cancelled, both violence.
        let start = Period::new(2022, 1).unwrap();
        let mut cube = cube_with("F1", "8N", start, 900);
        cube.merge(cube_with("F1", "8N", start.offset(-1), 100));
        cube.merge(cube_with("F2", "49", start, 10));
        let mut outcome = AuditOutcome::default();
        outcome.tests.push(finding(
            Mechanism::Downgrading,
            "offence pairs",
            100.0,
            60.0,
            140.0,
        ));
        outcome.tests.push(finding(
            Mechanism::Cancelling,
            "all crime",
            50.0,
            30.0,
            70.0,
        ));
        let scores = score_forces(&cube, &outcome, &AuditConfig::default());
        let f1 = &scores[0];
        // Integrity = 900 / (900 + 150) = 0.857142...; score 85.71, Requires improvement.
        assert!((f1.integrity_score - 100.0 * 900.0 / 1050.0).abs() < 1e-9);
        assert_eq!(f1.grade, Grade::RequiresImprovement);
        assert!(f1.flagged);
        // Affected 150, interval 150 -/+ sqrt(40^2 + 20^2) = 44.72.
        let half = (1600.0f64 + 400.0).sqrt();
        assert!((f1.estimated_affected.low - (150.0 - half)).abs() < 1e-9);
        assert!((f1.integrity_score_low - 100.0 * 900.0 / (900.0 + 150.0 + half)).abs() < 1e-9);
        assert!((f1.categories["violence"].integrity - 900.0 / 1050.0).abs() < 1e-9);
        assert_eq!(f1.categories["rape"].integrity, 1.0);
        // A force without findings scores 100 and is not flagged.
        let f2 = &scores[1];
        assert_eq!(
            (f2.integrity_score, f2.flagged, f2.grade),
            (100.0, false, Grade::Outstanding)
        );
        assert_eq!(f2.estimated_affected.estimate, 0.0);
    }
}
