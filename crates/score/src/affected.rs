//! Adding up the records a force's findings say were lost or downgraded, without counting a
//! record twice: within a mechanism, tests of one family see disjoint records and add up,
//! families see the same records from different angles and do not add (see below); across
//! mechanisms totals add up.
//!
//! Detection and estimation are separate steps. A mechanism counts for a force only when one
//! of its tests is a finding. Its size is then the total of its complete family (the offence
//! pairs, for downgrading), constrained to be at least each other family's total (see
//! [`whole_at_least_part`]); without a complete family, the largest total among its families:
//!
//! - a complete family (the offence pairs) totals all its tests, flagged or not: the sum of
//!   every pair's shortfall is an unbiased estimate of the records downgraded, where the sum of
//!   the significant ones alone would leave out the small pairs; and the pairs see downgrades
//!   recorded lesser from the start, which the reclassification tests (often the ones flagged)
//!   cannot;
//! - any other family totals the tests that stand out: its findings, and, once the mechanism
//!   is established in the force, the material tests whose own main effect is significant
//!   (Benjamini-Hochberg within the force's tests of the mechanism): their corroborating
//!   rates were needed to attribute a change to gaming, and the mechanism now is attributed.
//!   The other tests are left out: they are not disjoint views (when calls of two types are
//!   re-badged away, every other type's share of crime-related calls rises and would subtract
//!   from the total) or too noisy to add.
//!
//! Intervals combine by adding the half-widths of independent estimates in quadrature, on
//! each side separately (each finding's interval is asymmetric); the lower end never goes
//! below zero. Assumption: the estimates of different findings are independent. They share
//! the peers' data and the force's month-to-month noise, so a total of many parts can be too
//! narrow; such a total, when it stands for a mechanism, is given at least the half-widths of
//! the widest single-test view of it (see `HalfWidths`). A mechanism's lower end allows for
//! the number of views its total was chosen from (see `LowerEnd`).

use std::collections::BTreeMap;

use recount_detect::{Contribution, Mechanism, Test};
use serde::{Deserialize, Serialize};

/// An estimated number of records with its 95% interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// Point estimate.
    pub estimate: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
}

impl Affected {
    /// A test's contribution to its family's total as it stands, negative or not: summing
    /// the tests of a family needs the unflagged ones' estimates unclipped to stay unbiased.
    /// The contribution is the test's own estimate, except for offence pairs that share codes,
    /// whose estimates are solved together and would count a shortfall twice if added (see
    /// `Test::family_contribution`).
    fn of_test(test: &Test) -> Affected {
        Affected::from(test.family_contribution)
    }

    /// Sum of independent estimates, never below zero.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a Affected>) -> Affected {
        let parts: Vec<Contribution> = parts
            .into_iter()
            .map(|p| Contribution {
                estimate: p.estimate,
                low: p.low,
                high: p.high,
            })
            .collect();
        clip(Contribution::combine(&vec![1.0; parts.len()], &parts).into())
    }
}

impl From<Contribution> for Affected {
    fn from(c: Contribution) -> Affected {
        Affected {
            estimate: c.estimate,
            low: c.low,
            high: c.high,
        }
    }
}

/// Records affected by mechanism, from a force's tests that pass `keep` (all of one force;
/// only mechanisms with a finding count). `alpha` is the audit's false discovery rate.
pub fn by_mechanism<'a>(
    tests: impl IntoIterator<Item = &'a Test>,
    keep: impl Fn(&Test) -> bool,
    alpha: f64,
) -> BTreeMap<Mechanism, Affected> {
    let tests: Vec<&Test> = tests.into_iter().filter(|t| keep(t)).collect();
    let main_significant = main_effects_significant(&tests, alpha);
    let mut families: BTreeMap<(Mechanism, String), (bool, Vec<Affected>)> = BTreeMap::new();
    for (index, test) in tests.iter().enumerate() {
        let same_mechanism = |t: &&&Test| t.mechanism == test.mechanism && t.target == test.target;
        let mechanism_found = tests.iter().filter(same_mechanism).any(|t| t.flagged);
        let counts =
            test.flagged || test.family_complete || (test.material && main_significant[index]);
        if mechanism_found && counts {
            let family = families
                .entry((test.mechanism, test.family.clone()))
                .or_default();
            family.0 |= test.family_complete;
            family.1.push(Affected::of_test(test));
        }
    }
    // The largest total among complete families (the whole) and among the others (parts).
    let mut wholes: BTreeMap<Mechanism, Affected> = BTreeMap::new();
    let mut parts: BTreeMap<Mechanism, (Affected, usize)> = BTreeMap::new();
    let mut widest: BTreeMap<Mechanism, HalfWidths> = BTreeMap::new();
    let mut views: BTreeMap<Mechanism, usize> = BTreeMap::new();
    for ((mechanism, _), (complete, members)) in families {
        let total = Affected::sum(&members);
        *views.entry(mechanism).or_default() += 1;
        if complete {
            let best = wholes.entry(mechanism).or_insert(total);
            if total.estimate > best.estimate {
                *best = total;
            }
            continue;
        }
        if members.len() == 1 {
            widest.entry(mechanism).or_default().widen(&total);
        }
        let best = parts.entry(mechanism).or_insert((total, members.len()));
        if total.estimate > best.0.estimate {
            *best = (total, members.len());
        }
    }
    let mut out: BTreeMap<Mechanism, Affected> = wholes
        .iter()
        .map(|(mechanism, whole)| {
            let lower = LowerEnd::among(views[mechanism]);
            (
                *mechanism,
                lower.bounded(whole.estimate, whole.high, &[whole]),
            )
        })
        .collect();
    for (mechanism, (part, members)) in parts {
        let part = match widest.get(&mechanism) {
            Some(widest) if members > 1 => widest.applied_to(&part),
            _ => part,
        };
        let lower = LowerEnd::among(views[&mechanism]);
        let combined = match wholes.get(&mechanism) {
            Some(whole) => whole_at_least_part(whole, &part, &lower),
            None => lower.bounded(part.estimate, part.high, &[&part]),
        };
        out.insert(mechanism, combined);
    }
    out
}

/// The lower end of a mechanism's total, allowing for the views it was chosen from.
///
/// A mechanism is seen by up to `k` views (families' totals: for downgrading the offence
/// pairs, reclassifications of the pairs, any downgrade and month-end bunching), each seeing
/// some or all of its records, so its truth is at least each view's truth. The total rests on
/// the largest part and the whole, and its lower end is the larger of their lower ends; the
/// largest part is chosen from the `k` views by its estimate, and a view reading high is the
/// one chosen. So each lower end is taken at level `0.025 / k`: by Bonferroni's inequality, the
/// larger of them undercuts the truth only if some view's bound at that level undercuts the
/// view's own truth, which has probability at most 0.025 whichever view is chosen and however
/// the views depend on one another. At the 95% lower ends, a record-level view reading 2.2 to
/// 2.4 standard errors high put the truth below the interval in 3 of 14 month-end forces of
/// the cross-check at five times the size and 2 of 26 of the blind generator's.
///
/// Only the views the total rests on set the bound: another view's narrower interval does not
/// raise it (the share of calls closed as non-crime, one view of non-recording, read 2.4
/// standard errors high in one cross-check audit, and would have raised its lower end above the
/// truth).
///
/// A 95% lower end's half-width is rescaled by the ratio of normal quantiles `z(1 - 0.025/k) /
/// z(0.975)`. The records intervals are the delta method's, drawn with Student's t on the
/// test's degrees of freedom where it has them, so with few degrees of freedom the rescaled
/// end is slightly too high (for 30, 2.64 / 2.04 = 1.29 against 1.27 for `k = 4`). One view
/// (`k = 1`) keeps its own lower end.
#[derive(Clone, Copy, Debug)]
struct LowerEnd {
    /// How many times wider each view's lower half-width is taken.
    widen: f64,
}

impl LowerEnd {
    fn among(views: usize) -> LowerEnd {
        let k = views.max(1) as f64;
        let widen = match (
            recount_stats::normal_quantile(1.0 - 0.025 / k),
            recount_stats::normal_quantile(0.975),
        ) {
            (Ok(z), Ok(z95)) if views > 1 => z / z95,
            _ => 1.0,
        };
        LowerEnd { widen }
    }

    /// An estimate and upper end with the lower end the largest of `resting_on`'s, each
    /// widened (the estimate and upper end no lower than it).
    fn bounded(&self, estimate: f64, high: f64, resting_on: &[&Affected]) -> Affected {
        let low = resting_on
            .iter()
            .map(|v| v.estimate - self.widen * (v.estimate - v.low))
            .fold(f64::NEG_INFINITY, f64::max);
        clip(Affected {
            estimate: estimate.max(low),
            low,
            high: high.max(low),
        })
    }
}

/// The widest half-widths among a mechanism's single-test views other than the whole.
///
/// A family's total adds its tests' half-widths in quadrature, as if independent, but the
/// tests of one force share its month-to-month noise (recording practice is force-wide), so
/// a total of many parts (non-recording's call types) can claim more precision than one
/// contrast of the same records (the pooled conversion of all crime-related calls), which
/// carries that noise once, in full. A total of several tests that stands for a mechanism is
/// given at least the half-widths of its widest single-test view. In the cross-check at five
/// times the size, the call types' total of non-recording had half-widths of about 410
/// records against 570 for the pooled conversion, and missed the truth in 2 of 14 audits
/// where the pooled view covered it. A single test keeps its own interval: the record-level
/// counts of downgrading (month-end bunching, reclassifications) are different records, each
/// counted nearly exactly, not noisier views of the same ones.
#[derive(Clone, Copy, Debug, Default)]
struct HalfWidths {
    below: f64,
    above: f64,
}

impl HalfWidths {
    fn widen(&mut self, total: &Affected) {
        self.below = self.below.max(total.estimate - total.low);
        self.above = self.above.max(total.high - total.estimate);
    }

    fn applied_to(&self, total: &Affected) -> Affected {
        clip(Affected {
            estimate: total.estimate,
            low: total.low.min(total.estimate - self.below),
            high: total.high.max(total.estimate + self.above),
        })
    }
}

/// The whole of a mechanism (a complete family's total) given that it is at least a part (a
/// family that sees some of the same records), both estimated with noise.
///
/// Estimate: the maximum-likelihood estimate of the whole `w` under `w >= p`, from two
/// independent normal estimates `W` and `P`: `W` when `W >= P`; otherwise the constraint
/// binds (`w = p`) and the estimate is their precision-weighted mean (the pool-adjacent-
/// violators solution for two means: Robertson, Wright & Dykstra, *Order Restricted
/// Statistical Inference*, 1988, section 1.2). Standard errors are read off the 95%
/// half-widths on the side facing the other estimate.
///
/// Interval: the whole is within `W`'s interval and at least the part, so its upper end is the
/// larger of the two upper ends (the part's only when the part's interval reaches above the
/// whole's, which says the whole missed records, e.g. downgrades between offences no
/// configured pair names). Its lower end is the larger of the two lower ends, each taken at a
/// level that allows for the number of views (`LowerEnd`).
///
/// Taking the larger of the two estimates every time would lean upwards whenever noise lifts
/// the whole; taking the whole alone would ignore a precise part (when every downgrade is a
/// reclassification, the record-level count is exact and the offence pairs are noisy).
fn whole_at_least_part(whole: &Affected, part: &Affected, lower: &LowerEnd) -> Affected {
    let estimate = if whole.estimate >= part.estimate {
        whole.estimate
    } else {
        let precision = |half: f64| {
            if half > 0.0 {
                1.0 / (half * half)
            } else {
                f64::INFINITY
            }
        };
        let (pw, pp) = (
            precision(whole.high - whole.estimate),
            precision(part.estimate - part.low),
        );
        if pp.is_infinite() {
            part.estimate
        } else if pw.is_infinite() {
            whole.estimate
        } else {
            (pw * whole.estimate + pp * part.estimate) / (pw + pp)
        }
    };
    lower.bounded(estimate, whole.high.max(part.high), &[whole, part])
}

/// Whether each test's main effect is significant by Benjamini-Hochberg among the tests of
/// the same mechanism and target.
fn main_effects_significant(tests: &[&Test], alpha: f64) -> Vec<bool> {
    let mut groups: BTreeMap<(Mechanism, &str), Vec<usize>> = BTreeMap::new();
    for (i, t) in tests.iter().enumerate() {
        groups
            .entry((t.mechanism, t.target.as_str()))
            .or_default()
            .push(i);
    }
    let mut out = vec![false; tests.len()];
    for members in groups.values() {
        let p: Vec<f64> = members.iter().map(|&i| tests[i].p_value_main).collect();
        for (&i, q) in members.iter().zip(recount_stats::benjamini_hochberg(&p)) {
            out[i] = q <= alpha;
        }
    }
    out
}

/// A family's total is at least zero: a mechanism found cannot have restored records.
fn clip(total: Affected) -> Affected {
    Affected {
        estimate: total.estimate.max(0.0),
        low: total.low.max(0.0),
        high: total.high.max(0.0),
    }
}

/// Total records lost or downgraded over mechanisms that count (not late recording).
pub fn total(by_mechanism: &BTreeMap<Mechanism, Affected>) -> Affected {
    Affected::sum(
        by_mechanism
            .iter()
            .filter(|(m, _)| m.counts_as_affected())
            .map(|(_, a)| a),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn independent_parts_add_with_half_widths_in_quadrature() {
        let a = Affected {
            estimate: 100.0,
            low: 70.0,
            high: 140.0,
        };
        let b = Affected {
            estimate: 50.0,
            low: 10.0,
            high: 80.0,
        };
        let s = Affected::sum([&a, &b]);
        assert_eq!(s.estimate, 150.0);
        assert!((s.low - (150.0 - 50.0)).abs() < 1e-9); // sqrt(30^2 + 40^2) = 50
        assert!((s.high - (150.0 - 0.0 + 50.0)).abs() < 1e-9); // sqrt(40^2 + 30^2) = 50
    }

    pub(crate) fn finding(
        mechanism: Mechanism,
        family: &str,
        estimate: f64,
        low: f64,
        high: f64,
    ) -> Test {
        use recount_cube::Period;
        let month = Period::new(2022, 1).unwrap();
        Test {
            force_id: "F1".into(),
            detector: "d".into(),
            mechanism,
            series: format!("{family}/{estimate}"),
            family: family.into(),
            family_complete: family == "offence pairs",
            categories: vec!["violence".into()],
            target: "t".into(),
            target_start: month,
            tested_from: month,
            period_start: month,
            period_end: month.offset(11),
            effect: -0.2,
            ci_low: -0.3,
            ci_high: -0.1,
            rate_before: 0.5,
            rate_after: 0.4,
            rate_expected: 0.5,
            p_value: 0.001,
            p_value_main: 0.001,
            q_value: 0.01,
            estimated_affected: estimate,
            estimated_affected_low: low,
            estimated_affected_high: high,
            family_contribution: recount_detect::Contribution {
                estimate,
                low,
                high,
            },
            comparison: String::new(),
            peers: Vec::new(),
            tau2: 0.0,
            sigma2: 0.0,
            corroboration: Vec::new(),
            material: true,
            significant: true,
            flagged: true,
            sentence: String::new(),
            trace: Default::default(),
            review: None,
            detectable_affected: None,
            detectable_share: None,
            detectable_level: None,
            sensitivity: None,
        }
    }

    #[test]
    fn the_whole_is_at_least_the_part() {
        let pairs = finding(Mechanism::Downgrading, "offence pairs", 100.0, 40.0, 160.0);
        // A part below the whole: the whole stands, and the part raises its lower end.
        let below = finding(Mechanism::Downgrading, "reclassified", 70.0, 60.0, 80.0);
        let by = by_mechanism([&pairs, &below], |_| true, 0.05);
        let d = by[&Mechanism::Downgrading];
        assert_eq!((d.estimate, d.high), (100.0, 160.0));
        // Two views: each lower end at level 0.025 / 2, the part's the larger.
        assert!((d.low - (70.0 - 10.0 * TWO_VIEWS)).abs() < 1e-3, "{d:?}");
        // A precise part above a noisy whole: the precision-weighted mean, weights 1/60^2
        // and 1/20^2 (half-widths facing each other): (100/3600 + 130/400) / (1/3600 +
        // 1/400) = 127.
        let above = finding(Mechanism::Downgrading, "reclassified", 130.0, 110.0, 150.0);
        let by = by_mechanism([&pairs, &above], |_| true, 0.05);
        let d = by[&Mechanism::Downgrading];
        assert!((d.estimate - 127.0).abs() < 1e-9, "{d:?}");
        assert!((d.low - (130.0 - 20.0 * TWO_VIEWS)).abs() < 1e-3, "{d:?}");
        assert_eq!(d.high, 160.0);
        // A part whose interval reaches above the whole's: its upper end stands.
        let far = finding(Mechanism::Downgrading, "reclassified", 200.0, 180.0, 220.0);
        let by = by_mechanism([&pairs, &far], |_| true, 0.05);
        let d = by[&Mechanism::Downgrading];
        assert!((d.low - (200.0 - 20.0 * TWO_VIEWS)).abs() < 1e-3, "{d:?}");
        assert_eq!(d.high, 220.0);
        // The precision-weighted mean, weights 1/60^2 and 1/20^2: 190.
        assert!((d.estimate - 190.0).abs() < 1e-9, "{d:?}");
    }

    #[test]
    fn the_largest_view_is_at_least_as_uncertain_as_the_widest() {
        // Non-recording by call type (two types: 300 +/- 30 and 200 +/- 40, 500 +/- 50 in
        // quadrature) and by all crime-related calls pooled (450 +/- 80): the largest total
        // stands, with the pooled view's half-widths.
        let findings = vec![
            finding(Mechanism::NonRecording, "call types", 300.0, 270.0, 330.0),
            finding(Mechanism::NonRecording, "call types", 200.0, 160.0, 240.0),
            finding(Mechanism::NonRecording, "all calls", 450.0, 370.0, 530.0),
        ];
        let by = by_mechanism(&findings, |_| true, 0.05);
        let lost = by[&Mechanism::NonRecording];
        assert_eq!(lost.estimate, 500.0);
        // Two views, so the lower half-width 80 is taken at level 0.025 / 2.
        assert!(
            (lost.low - (500.0 - 80.0 * TWO_VIEWS)).abs() < 1e-3,
            "{lost:?}"
        );
        assert!((lost.high - 580.0).abs() < 1e-9, "{lost:?}");
        // The pooled view alone, narrower than the types' total: the total keeps its own.
        let narrow = vec![
            findings[0].clone(),
            findings[1].clone(),
            finding(Mechanism::NonRecording, "all calls", 450.0, 430.0, 470.0),
        ];
        let lost = by_mechanism(&narrow, |_| true, 0.05)[&Mechanism::NonRecording];
        let half = (30.0f64.powi(2) + 40.0f64.powi(2)).sqrt();
        assert!(
            (lost.low - (500.0 - half * TWO_VIEWS)).abs() < 1e-3,
            "{lost:?}"
        );
        // A single test standing for its mechanism keeps its own interval beside a wider one.
        let single = vec![
            finding(Mechanism::Downgrading, "month end", 300.0, 290.0, 310.0),
            finding(Mechanism::Downgrading, "reclassified", 250.0, 150.0, 350.0),
        ];
        let downgraded = by_mechanism(&single, |_| true, 0.05)[&Mechanism::Downgrading];
        assert!(
            (downgraded.low - (300.0 - 10.0 * TWO_VIEWS)).abs() < 1e-3,
            "{downgraded:?}"
        );
        assert_eq!(downgraded.high, 310.0);
    }

    /// `qnorm(1 - 0.025 / 2) / qnorm(0.975)` in R: 2.241403 / 1.959964.
    const TWO_VIEWS: f64 = 2.241_403 / 1.959_964;

    #[test]
    fn a_lower_end_over_several_views_allows_for_their_number() {
        // Downgrading seen four ways, as when month-end bunching is found: the pairs (noisy),
        // and three record-level views of nearly the same records, one reading high.
        let views = [
            finding(
                Mechanism::Downgrading,
                "offence pairs",
                1600.0,
                1020.0,
                2180.0,
            ),
            finding(
                Mechanism::Downgrading,
                "reclassified",
                1300.0,
                1219.0,
                1381.0,
            ),
            finding(
                Mechanism::Downgrading,
                "any downgrade",
                1250.0,
                1166.0,
                1334.0,
            ),
            finding(Mechanism::Downgrading, "month end", 1180.0, 1141.0, 1219.0),
        ];
        let d = by_mechanism(&views, |_| true, 0.05)[&Mechanism::Downgrading];
        // qnorm(1 - 0.025 / 4) = 2.497705 in R: the reclassified view's half-width 81
        // becomes 81 x 2.497705 / 1.959964 = 103.2, and its end 1196.8 is still the largest.
        let four_views = 2.497_705 / 1.959_964;
        assert!((d.low - (1300.0 - 81.0 * four_views)).abs() < 1e-3, "{d:?}");
        assert!(d.low < 1210.0, "a truth of 1,210 is inside: {d:?}");
        assert_eq!((d.estimate, d.high), (1600.0, 2180.0));
        // One view keeps its own 95% interval.
        let alone = by_mechanism(&views[3..], |_| true, 0.05)[&Mechanism::Downgrading];
        assert_eq!((alone.low, alone.high), (1141.0, 1219.0));
        // Non-recording as in one cross-check audit: the pooled conversion stands (5,031, a
        // half-width of 773), and the share closed as non-crime, narrower and reading high,
        // does not raise its lower end (it would, to 4,843 - 346 x 1.22 = 4,420, above a truth
        // of 4,413).
        let lost = [
            finding(Mechanism::NonRecording, "all calls", 5031.5, 4258.5, 5804.5),
            finding(Mechanism::NonRecording, "closed", 4842.6, 4497.0, 5188.2),
        ];
        let by = by_mechanism(&lost, |_| true, 0.05)[&Mechanism::NonRecording];
        assert!(
            (by.low - (5031.5 - 773.0 * TWO_VIEWS)).abs() < 1e-3,
            "{by:?}"
        );
        assert!(by.low < 4413.0, "{by:?}");
    }

    #[test]
    fn parts_of_a_family_add_and_families_of_a_mechanism_overlap() {
        let mut small_pair = finding(Mechanism::Downgrading, "offence pairs", 50.0, 20.0, 80.0);
        small_pair.flagged = false;
        let mut unfound = finding(Mechanism::NonRecording, "call types", 500.0, -100.0, 900.0);
        unfound.flagged = false;
        let mut noisy = finding(
            Mechanism::Cancelling,
            "offence groups",
            400.0,
            -300.0,
            1100.0,
        );
        noisy.flagged = false;
        noisy.p_value_main = 0.4;
        let findings = vec![
            finding(Mechanism::Downgrading, "offence pairs", 100.0, 60.0, 140.0),
            small_pair,
            unfound,
            finding(Mechanism::Downgrading, "reclassified", 120.0, 100.0, 140.0),
            finding(Mechanism::Cancelling, "all crime", 30.0, 10.0, 50.0),
            noisy,
            finding(Mechanism::LateRecording, "all crime", 500.0, 400.0, 600.0),
        ];
        let by = by_mechanism(&findings, |_| true, 0.05);
        assert_eq!(
            by[&Mechanism::Downgrading].estimate,
            150.0,
            "an unflagged pair of a found mechanism counts"
        );
        assert!(
            !by.contains_key(&Mechanism::NonRecording),
            "a mechanism without a finding counts nothing"
        );
        assert_eq!(
            by[&Mechanism::Cancelling].estimate,
            30.0,
            "an incomplete family without a finding does not count"
        );
        let all = total(&by);
        assert_eq!(all.estimate, 180.0, "late records are not lost");
        // Downgrading 150, its lower end the reclassified view's at level 0.025 / 2 (above
        // the pairs' 150 - 50 x 1.14); cancelling 30 +/- 20: the lower half-widths add in
        // quadrature.
        let downgraded_below = 150.0 - (120.0 - 20.0 * TWO_VIEWS);
        let below = (downgraded_below.powi(2) + 400.0f64).sqrt();
        assert!((all.low - (180.0 - below)).abs() < 1e-3, "{all:?}");
    }
}
