//! The design of an audit around one target: which forces are tested, which serve as peers,
//! and which months are compared.

use std::collections::BTreeSet;

use recount_cube::{AuditConfig, Cube, Period, Target};

use crate::contrast::{MIN_SPREAD_REFERENCES, Window};

/// Most months of history used before a target: enough for two full seasonal cycles and a
/// margin, few enough that old changes do not pass for new ones.
pub const MAX_PRE_MONTHS: i32 = 36;

/// Fewest forces without a target for them to serve as the only peers; with fewer, every
/// other force is a peer (a national target is judged by who moved unlike the rest).
pub const MIN_UNTARGETED_PEERS: usize = 3;

/// Months between the later onsets of gaming tried after a target's start.
pub const LATE_ONSET_STEP_MONTHS: i32 = 3;

/// Fewest months from a later onset to the end of the window: with fewer, a step is too
/// short to tell from noise.
pub const LATE_ONSET_MIN_MONTHS: i32 = 6;

/// Most later onsets tried (3, 6 and 9 months in): more would thin the weight each carries
/// (a target without an end over ten years of data would have dozens) and multiply the work,
/// and gaming that starts a year or more into a target is better searched for as a break.
pub const MAX_LATE_ONSETS: usize = 3;

/// The share of a test's error rate given to gaming from the target's start; the later onsets
/// share the rest equally (weighted Bonferroni: a p-value is divided by its onset's weight).
/// Most gaming starts with the target, so its test keeps most of the power; the rest buys
/// gaming that starts months later, which the level after the start dilutes and the noise
/// around it hides.
pub const START_WEIGHT: f64 = 0.8;

/// Who is tested against whom, over which months.
#[derive(Clone, Debug)]
pub struct Design {
    /// The target's name.
    pub target: String,
    /// The forces under the target, present in the data.
    pub tested: Vec<String>,
    /// The forces whose pooled rates form the peer baseline.
    pub reference: Vec<String>,
    /// The forces whose contrasts against that baseline measure the between-force variance:
    /// the references, or every force when the references are too few to measure it (see
    /// [`spread_forces`]).
    pub spread: Vec<String>,
    /// Whether the references are forces without a target (else: all forces).
    pub untargeted_references: bool,
    /// Months compared.
    pub window: Window,
    /// Whether the start is a configured target's date rather than one the break search
    /// found. Only a known start has a history before it that gaming cannot have touched, so
    /// only then is a drift before it carried on ([`crate::contrast::Contrast::allowing_for_pre_trend`]):
    /// a break dated a few months late would put gaming months before it and read them as a
    /// drift (measured: month-end reclassification at 10% found in 5 runs of 6 instead of 6).
    pub known_start: bool,
}

impl Design {
    /// The design for a target, or `None` if the data do not reach the target's start or no
    /// force of the data is under it.
    pub fn for_target(target: &Target, config: &AuditConfig, cube: &Cube) -> Option<Design> {
        let (first, last) = cube.period_span()?;
        let start = Period::of_date(target.start);
        let end = target
            .end
            .map(|d| {
                Period::of_date(d).offset(if d == Period::of_date(d).first_day() {
                    -1
                } else {
                    0
                })
            })
            .map_or(last, |e| e.min(last));
        if start <= first || start > end {
            return None;
        }
        let forces = cube.forces();
        let tested: Vec<String> = forces
            .iter()
            .filter(|f| target.covers(f))
            .cloned()
            .collect();
        if tested.is_empty() {
            return None;
        }
        let targeted: BTreeSet<String> = forces
            .iter()
            .filter(|f| config.targets.iter().any(|t| t.covers(f)))
            .cloned()
            .collect();
        let untargeted: Vec<String> = forces
            .iter()
            .filter(|f| !targeted.contains(*f))
            .cloned()
            .collect();
        let (reference, untargeted_references) = if untargeted.len() >= MIN_UNTARGETED_PEERS {
            (untargeted, true)
        } else {
            (forces.iter().cloned().collect(), false)
        };
        let spread = spread_forces(&reference, &forces);
        Some(Design {
            target: if target.name.is_empty() {
                format!("target from {start}")
            } else {
                target.name.clone()
            },
            tested,
            reference,
            spread,
            untargeted_references,
            window: Window::new(first.max(start.offset(-MAX_PRE_MONTHS)), start, end),
            known_start: true,
        })
    }

    /// The designs that test gaming from later onsets than the start: every
    /// [`LATE_ONSET_STEP_MONTHS`] after it, while [`LATE_ONSET_MIN_MONTHS`] remain to the end,
    /// at most [`MAX_LATE_ONSETS`]. In each, the months between the start and its onset are a
    /// level of their own (see [`Window::gaming_from`]). Onsets that fall inside one block of a
    /// sparse series test the same blocks; their weights are not pooled, since the references'
    /// blocks may differ, so the test stays valid and errs towards no finding.
    pub fn late_onsets(&self) -> Vec<Design> {
        let window = self.window;
        (1..)
            .map(|j| window.start.offset(LATE_ONSET_STEP_MONTHS * j))
            .take_while(|onset| onset.offset(LATE_ONSET_MIN_MONTHS - 1) <= window.post_to)
            .take(MAX_LATE_ONSETS)
            .map(|onset| Design {
                window: window.from_onset(onset),
                ..self.clone()
            })
            .collect()
    }

    /// The peers of one force: the references other than itself.
    pub fn peers_of(&self, force_id: &str) -> Vec<String> {
        self.reference
            .iter()
            .filter(|f| *f != force_id)
            .cloned()
            .collect()
    }
}

/// The forces whose changes measure the spread between forces, given the references (the
/// peer baseline) and every force of the data: the references when there are enough of them
/// to measure it (at least [`MIN_SPREAD_REFERENCES`]), else every force.
///
/// Why: three or four forces without a target are enough for a baseline but too few to
/// measure how far honest forces' changes differ, and judging a force on its own months alone
/// takes that spread to be none. Forces do differ: on the blind generator, an honest force of
/// 14,000 calls a month, judged against three untargeted forces, showed a fall of its vehicle
/// crime calls with a p-value of 6.5e-6 (seed 103 at 10%, `docs/crosscheck.md`). Every other
/// force's change against the same baseline measures the spread instead. The forces under a
/// target among them may game, which can only widen the spread (their contrasts are
/// Winsorised, and a wider spread errs towards no finding).
pub fn spread_forces(reference: &[String], forces: &BTreeSet<String>) -> Vec<String> {
    if reference.len() >= MIN_SPREAD_REFERENCES {
        reference.to_vec()
    } else {
        forces.iter().cloned().collect()
    }
}

/// The weights of the onsets tried, the start's first (see [`START_WEIGHT`]); they add up to 1.
pub fn onset_weights(late_onsets: usize) -> Vec<f64> {
    if late_onsets == 0 {
        return vec![1.0];
    }
    let late = (1.0 - START_WEIGHT) / late_onsets as f64;
    std::iter::once(START_WEIGHT)
        .chain(std::iter::repeat_n(late, late_onsets))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(start: Period, post_to: Period) -> Design {
        Design {
            target: "t".into(),
            tested: vec!["A".into()],
            reference: vec!["B".into()],
            spread: vec!["B".into()],
            untargeted_references: true,
            window: Window::new(start.offset(-24), start, post_to),
            known_start: true,
        }
    }

    #[test]
    fn later_onsets_come_every_three_months_while_six_remain() {
        let start = Period::new(2020, 10).unwrap();
        // 15 months under the target: onsets 3, 6 and 9 months in (the last with 6 to go).
        let late = design(start, start.offset(14)).late_onsets();
        let onsets: Vec<Period> = late.iter().map(|d| d.window.gaming_from).collect();
        assert_eq!(
            onsets,
            vec![start.offset(3), start.offset(6), start.offset(9)]
        );
        assert!(late.iter().all(|d| d.window.start == start));
        // 8 months: 3 months in leaves only 5.
        assert!(design(start, start.offset(7)).late_onsets().is_empty());
        // A target without an end over years of data: still 3, 6 and 9 months in.
        let long = design(start, start.offset(120)).late_onsets();
        let onsets: Vec<Period> = long.iter().map(|d| d.window.gaming_from).collect();
        assert_eq!(
            onsets,
            vec![start.offset(3), start.offset(6), start.offset(9)]
        );
    }

    #[test]
    fn onset_weights_give_the_start_its_share_and_add_up_to_one() {
        assert_eq!(onset_weights(0), vec![1.0]);
        let weights = onset_weights(3);
        assert_eq!(weights.len(), 4);
        assert_eq!(weights[0], START_WEIGHT);
        assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(weights[1..].iter().all(|w| (w - weights[1]).abs() < 1e-15));
    }
}
