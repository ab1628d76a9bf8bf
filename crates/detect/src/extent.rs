//! Forces whose extent changes without BCUs to show it: a step in the force's calls against
//! every other force's.
//!
//! A merger or boundary change that the data's BCUs reveal is handled in [`crate::scope`]. When
//! the data have no BCUs, the same change still shows in the volume: the force's calls jump
//! (or drop) by the absorbed (or ceded) area's share from one month to the next, against the
//! other forces' calls, and stay there. No gaming mechanism does that: re-badging keeps the
//! calls (it changes their type), non-recording keeps the calls (it drops their crimes), and
//! the record-level mechanisms do not touch calls at all. A national shock moves every force
//! and cancels in the comparison; a genuine fall in one crime type is a few per cent of the
//! calls and comes over months. So a force whose calls step by about 20% or more within a month,
//! far beyond their month-to-month noise, and stay stepped, is taken to have changed what it
//! covers; before and after are not like for like, and only its data from the step on are
//! audited (around a target that starts at the step, it then has no history and is not
//! tested). Data without incidents (published counts, crimes only) are left as they are: crime
//! volumes are what non-recording moves.

use std::borrow::Cow;
use std::collections::BTreeMap;

use recount_cube::{Cube, Period};

use crate::coverage::monthly_rows;
use crate::scope::cube_where;

/// Smallest step in the force's share of calls, on the log scale (about 20%; a merger of
/// forces is rarely smaller, and a change of call mix rarely so sudden).
const STEP: f64 = 0.18;
/// The step must also exceed this many standard deviations of its own noise.
const NOISE_MULTIPLE: f64 = 5.0;
/// Months averaged on each side of a candidate step.
const SIDE: usize = 3;
/// Fewest forces for the other forces' calls to be a yardstick.
const MIN_FORCES: usize = 3;

/// A force audited from a step in its calls on.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    /// The force.
    pub force_id: String,
    /// The first month kept: the first month at the new level.
    pub from: Period,
    /// The step on the log scale of the force's calls against the others'.
    pub step: f64,
}

impl Cut {
    /// One sentence for the audit's outputs.
    pub fn sentence(&self) -> String {
        let change = 100.0 * (self.step.exp() - 1.0);
        format!(
            "{}: its calls changed by {change:+.0}% against the other forces' from {} and stayed there, as when a force absorbs or hands over an area; with no BCUs to compare like for like, only its data from {} on are audited",
            self.force_id, self.from, self.from
        )
    }
}

/// The cube with each force whose calls step cut to the months from the step; the cube itself
/// when no force's do.
pub fn cut_at_extent_steps(cube: &Cube) -> (Cow<'_, Cube>, Vec<Cut>) {
    let calls = monthly_rows(
        cube.incidents
            .iter()
            .map(|(c, &n)| (c.force_id.as_str(), c.period, n)),
    );
    if calls.len() < MIN_FORCES {
        return (Cow::Borrowed(cube), Vec::new());
    }
    let mut national: BTreeMap<Period, f64> = BTreeMap::new();
    for monthly in calls.values() {
        for (period, n) in monthly {
            *national.entry(*period).or_insert(0.0) += n;
        }
    }
    let cuts: Vec<Cut> = calls
        .iter()
        .filter_map(|(force, monthly)| {
            let share: Vec<(Period, f64)> = monthly
                .iter()
                .filter_map(|(period, &n)| {
                    let others = national.get(period).copied().unwrap_or(0.0) - n;
                    (n > 0.0 && others > 0.0).then(|| (*period, (n / others).ln()))
                })
                .collect();
            step_in(&share).map(|(from, step)| Cut {
                force_id: force.to_string(),
                from,
                step,
            })
        })
        .collect();
    if cuts.is_empty() {
        return (Cow::Borrowed(cube), cuts);
    }
    let starts: BTreeMap<&str, Period> =
        cuts.iter().map(|c| (c.force_id.as_str(), c.from)).collect();
    let cut = cube_where(cube, |force, _, period| {
        starts.get(force).is_none_or(|from| period >= *from)
    });
    (Cow::Owned(cut), cuts)
}

/// The largest step in a series of log shares, if it is a change of extent: the first month
/// at the new level and the step. The step is the mean of the three months from it against the
/// mean of the three before; each of the three after must be past half the step from the
/// before-mean (one odd month, such as a partial extract, is not a step), and the whole series
/// after must sit on the same side by at least half the step (it stayed).
fn step_in(share: &[(Period, f64)]) -> Option<(Period, f64)> {
    let n = share.len();
    if n < 4 * SIDE {
        return None;
    }
    let values: Vec<f64> = share.iter().map(|(_, v)| *v).collect();
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (k, step) = (SIDE..=n - SIDE)
        .map(|k| (k, mean(&values[k..k + SIDE]) - mean(&values[k - SIDE..k])))
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    let before = mean(&values[k - SIDE..k]);
    let sharp = values[k..k + SIDE]
        .iter()
        .all(|v| (v - before) * step.signum() >= step.abs() / 2.0);
    let stayed = (mean(&values[k..]) - mean(&values[..k])) * step.signum() >= step.abs() / 2.0;
    let noise = month_to_month_sd(&values) * (2.0 / SIDE as f64).sqrt();
    (step.abs() >= STEP.max(NOISE_MULTIPLE * noise) && sharp && stayed).then(|| (share[k].0, step))
}

/// Robust standard deviation of one month's value around its neighbours: the median absolute
/// deviation of the first differences (times 1.4826, the normal consistency constant), over
/// the square root of 2 (a difference carries two months' noise).
fn month_to_month_sd(values: &[f64]) -> f64 {
    let mut diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let median = |xs: &mut Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    let centre = median(&mut diffs);
    let mut deviations: Vec<f64> = diffs.iter().map(|d| (d - centre).abs()).collect();
    1.4826 * median(&mut deviations) / 2f64.sqrt()
}

#[cfg(test)]
mod tests {
    use recount_cube::{IncidentCell, Name};

    use super::*;

    fn cube(forces: &[(&str, &dyn Fn(i32) -> u64)]) -> Cube {
        let start = Period::new(2019, 1).unwrap();
        let mut cube = Cube::default();
        for (force, volume) in forces {
            for m in 0..48 {
                let cell = IncidentCell {
                    force_id: Name::from(*force),
                    bcu: None,
                    period: start.offset(m),
                    call_type: Name::from("ASSAULT"),
                    closing_code: None,
                    led_to_crime: true,
                    crime_offence: None,
                };
                cube.incidents.insert(cell, volume(m));
            }
        }
        cube
    }

    /// A wobble of a few per cent, the same each run.
    fn wobble(m: i32, phase: i32) -> f64 {
        1.0 + 0.03 * f64::from((m * 7 + phase) % 5 - 2) / 2.0
    }

    #[test]
    fn a_force_whose_calls_jump_and_stay_is_audited_from_the_jump() {
        let merged = |m: i32| {
            let grown = if m >= 30 { 1.3 } else { 1.0 };
            (2000.0 * grown * wobble(m, 0)) as u64
        };
        let a = |m: i32| (3000.0 * wobble(m, 1)) as u64;
        let b = |m: i32| (5000.0 * wobble(m, 2)) as u64;
        let data = cube(&[("M", &merged), ("A", &a), ("B", &b)]);
        let (cut, cuts) = cut_at_extent_steps(&data);
        assert_eq!(cuts.len(), 1, "{cuts:?}");
        assert_eq!(cuts[0].force_id, "M");
        assert_eq!(cuts[0].from, Period::new(2021, 7).unwrap());
        assert!(
            (cuts[0].step - 1.3f64.ln()).abs() < 0.03,
            "{}",
            cuts[0].step
        );
        let sentence = cuts[0].sentence();
        assert!(
            sentence.starts_with("M: its calls changed by +"),
            "{sentence}"
        );
        assert!(sentence.ends_with("only its data from 2021-07 on are audited"));
        let first_kept = cut
            .incidents
            .keys()
            .filter(|c| c.force_id == "M")
            .map(|c| c.period)
            .min();
        assert_eq!(first_kept, Some(Period::new(2021, 7).unwrap()));
        assert_eq!(
            cut.incidents.keys().filter(|c| c.force_id == "A").count(),
            48
        );
    }

    #[test]
    fn a_national_shock_a_slow_change_and_one_odd_month_are_not_steps() {
        // Everyone falls 30% for three months: it cancels against the other forces.
        let shock = |m: i32| if (15..18).contains(&m) { 0.7 } else { 1.0 };
        let a = |m: i32| (2000.0 * shock(m) * wobble(m, 0)) as u64;
        // Grows 30% over a year and a half: a change of call mix, not an absorbed area.
        let slow = |m: i32| {
            let growth = 1.0 + 0.3 * (f64::from(m - 20) / 18.0).clamp(0.0, 1.0);
            (3000.0 * shock(m) * growth * wobble(m, 1)) as u64
        };
        // One month half-extracted.
        let odd = |m: i32| {
            let partial = if m == 33 { 0.5 } else { 1.0 };
            (5000.0 * shock(m) * partial * wobble(m, 2)) as u64
        };
        let data = cube(&[("A", &a), ("S", &slow), ("O", &odd)]);
        let (cut, cuts) = cut_at_extent_steps(&data);
        assert!(cuts.is_empty(), "{cuts:?}");
        assert!(matches!(cut, Cow::Borrowed(_)));
    }

    #[test]
    fn two_forces_are_too_few_to_judge_a_step() {
        let merged = |m: i32| if m >= 30 { 2600 } else { 2000 };
        let a = |_: i32| 3000;
        assert!(
            cut_at_extent_steps(&cube(&[("M", &merged), ("A", &a)]))
                .1
                .is_empty()
        );
    }
}
