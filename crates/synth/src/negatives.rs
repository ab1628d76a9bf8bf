//! Hard negatives: honest changes an audit must not mistake for gaming. A genuine fall in one
//! kind of crime, a change in the mix of calls, a force merger, the national shock, and forces
//! under a target that do not game. Each moves volumes, never the way calls become crimes.

use serde::{Deserialize, Serialize};

use recount_cube::Period;

use crate::national::{CALL_TYPES, CallTypeFacts, call_index};
use crate::scenario::Bcu;

/// Months over which a genuine fall reaches its full size (judgement: "over about 3 months").
pub const GENUINE_FALL_RAMP_MONTHS: u32 = 3;
/// Months over which a change in the call mix reaches its full size (judgement).
pub const CALL_MIX_RAMP_MONTHS: u32 = 2;

/// Intensity of the national shock in its first months (1 is the full effect): three months at
/// or near full strength, then recovery over two more (judgement, shaped like April-June 2020
/// and the quarter after it in the Home Office tables).
pub const SHOCK_PROFILE: [f64; 5] = [1.0, 0.9, 0.75, 0.45, 0.2];
/// How many months of [`SHOCK_PROFILE`] count as the shock itself; the rest is recovery.
pub const SHOCK_FULL_MONTHS: usize = 3;

/// An honest change planted in one force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlannedNegative {
    /// Calls of one crime-related type fall by `size` (0.25 is a 25% fall) over
    /// [`GENUINE_FALL_RAMP_MONTHS`] from `start`, and stay down. Crimes fall with them; the
    /// conversion and the offence mix do not change.
    GenuineFall {
        /// The call type that falls.
        call_type: String,
        /// First month of the fall.
        start: Period,
        /// Relative fall once complete.
        size: f64,
    },
    /// Calls of the listed (non-crime) types rise by `size` (0.4 is +40%) over
    /// [`CALL_MIX_RAMP_MONTHS`] from `start`, while crime-related calls hold.
    CallMixChange {
        /// The call types that rise.
        call_types: Vec<String>,
        /// First month of the change.
        start: Period,
        /// Relative rise once complete.
        size: f64,
    },
    /// The force grows by `growth` (0.3 is +30%) at `start`: every volume scales up and the
    /// absorbed area brings its own BCUs.
    Merger {
        /// First month after the merger.
        start: Period,
        /// Relative growth.
        growth: f64,
        /// BCUs of the absorbed area, with their shares of it.
        new_bcus: Vec<Bcu>,
        /// Whether the absorbed area keeps its own recording practice: its calls lead to
        /// crimes at rates of their own, drawn as another force's would be (as when two
        /// forces with different practices merge). Otherwise it records as the force does.
        #[serde(default)]
        own_practice: bool,
    },
    /// From `start`, crime-related calls that led to no crime are closed with a non-crime code
    /// `size` more often, as a share of them (0.3: thirty more in a hundred), as when a new
    /// command-and-control system or closing policy comes in. Calls, conversion and offence mix
    /// do not change: no crime is lost.
    ClosingPracticeChange {
        /// First month of the new practice.
        start: Period,
        /// Added share of calls without a crime closed with a non-crime code.
        size: f64,
    },
}

impl PlannedNegative {
    /// The first month it acts.
    pub fn start(&self) -> Period {
        match self {
            PlannedNegative::GenuineFall { start, .. }
            | PlannedNegative::CallMixChange { start, .. }
            | PlannedNegative::Merger { start, .. }
            | PlannedNegative::ClosingPracticeChange { start, .. } => *start,
        }
    }

    /// Its kind, as reported in the truth.
    pub fn kind(&self) -> NegativeKind {
        match self {
            PlannedNegative::GenuineFall { .. } => NegativeKind::GenuineFall,
            PlannedNegative::CallMixChange { .. } => NegativeKind::CallMixChange,
            PlannedNegative::Merger { .. } => NegativeKind::Merger,
            PlannedNegative::ClosingPracticeChange { .. } => NegativeKind::ClosingPracticeChange,
        }
    }

    /// Its signed size: the relative change in volume once complete.
    pub fn signed_size(&self) -> f64 {
        match self {
            PlannedNegative::GenuineFall { size, .. } => -size,
            PlannedNegative::CallMixChange { size, .. } => *size,
            PlannedNegative::Merger { growth, .. } => *growth,
            PlannedNegative::ClosingPracticeChange { size, .. } => *size,
        }
    }

    /// A sentence for the truth file.
    pub fn detail(&self) -> String {
        match self {
            PlannedNegative::GenuineFall { call_type, .. } => format!(
                "{call_type} calls and their crimes fall over {GENUINE_FALL_RAMP_MONTHS} months and stay down; conversion and offence mix unchanged"
            ),
            PlannedNegative::CallMixChange { call_types, .. } => format!(
                "more {} calls over {CALL_MIX_RAMP_MONTHS} months; crime-related calls hold",
                call_types.join(" and ")
            ),
            PlannedNegative::Merger {
                new_bcus,
                own_practice,
                ..
            } => {
                let names: Vec<&str> = new_bcus.iter().map(|b| b.name.as_str()).collect();
                let practice = if *own_practice {
                    "; the absorbed area converts calls to crimes at rates of its own"
                } else {
                    ""
                };
                if names.is_empty() {
                    format!("every volume scales up at once{practice}")
                } else {
                    format!(
                        "every volume scales up at once; new BCUs {}{practice}",
                        names.join(", ")
                    )
                }
            }
            PlannedNegative::ClosingPracticeChange { size, .. } => format!(
                "from its start {:.0} more in a hundred crime-related calls without a crime are closed with a non-crime code; calls, conversion and offence mix unchanged",
                size * 100.0
            ),
        }
    }

    /// The added share of crime-related calls without a crime that are closed with a non-crime
    /// code in a month.
    pub(crate) fn closing_shift(&self, period: Period) -> f64 {
        match self {
            PlannedNegative::ClosingPracticeChange { start, size } if *start <= period => *size,
            _ => 0.0,
        }
    }

    /// The factor on the expected calls of a call type (index into the vocabulary) in a month.
    pub(crate) fn volume_factor(&self, call: usize, period: Period) -> f64 {
        let since = self.start().months_until(period);
        if since < 0 {
            return 1.0;
        }
        let progress = |ramp: u32| ((since + 1) as f64 / ramp as f64).min(1.0);
        match self {
            PlannedNegative::GenuineFall {
                call_type, size, ..
            } if call_index(call_type) == Some(call) => {
                1.0 - size * progress(GENUINE_FALL_RAMP_MONTHS)
            }
            PlannedNegative::CallMixChange {
                call_types, size, ..
            } if call_types.iter().any(|c| call_index(c) == Some(call)) => {
                1.0 + size * progress(CALL_MIX_RAMP_MONTHS)
            }
            PlannedNegative::Merger { growth, .. } => 1.0 + growth,
            _ => 1.0,
        }
    }
}

/// The kinds of hard negative named in the truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeKind {
    /// One crime-related call type falls, genuinely.
    GenuineFall,
    /// More non-crime calls.
    CallMixChange,
    /// The force grows at once.
    Merger,
    /// Calls without a crime closed with non-crime codes more often.
    ClosingPracticeChange,
    /// The national shock, in every force.
    NationalShock,
    /// Under a target, and not gaming.
    TargetedHonest,
}

/// The national shock's factor on the calls of one type in a month, for a force whose
/// reaction is scaled by `force_scale` (around 1).
pub(crate) fn shock_factor(
    facts: &CallTypeFacts,
    force_scale: f64,
    shock_start: Option<Period>,
    period: Period,
) -> f64 {
    let Some(start) = shock_start else {
        return 1.0;
    };
    let since = start.months_until(period);
    let intensity = usize::try_from(since)
        .ok()
        .and_then(|i| SHOCK_PROFILE.get(i))
        .copied()
        .unwrap_or(0.0);
    (1.0 + intensity * facts.shock * force_scale).max(0.05)
}

/// The national effect of the shock at its height, by call type.
pub(crate) fn shock_effects() -> impl Iterator<Item = (&'static str, f64)> {
    CALL_TYPES.iter().map(|facts| (facts.code, facts.shock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genuine_fall_ramps_and_stays_down() {
        let start = Period::new(2022, 1).unwrap();
        let fall = PlannedNegative::GenuineFall {
            call_type: "BURGLARY".into(),
            start,
            size: 0.3,
        };
        let burglary = call_index("BURGLARY").unwrap();
        let theft = call_index("THEFT").unwrap();
        assert_eq!(fall.volume_factor(burglary, start.offset(-1)), 1.0);
        assert!((fall.volume_factor(burglary, start) - 0.9).abs() < 1e-12);
        assert!((fall.volume_factor(burglary, start.offset(2)) - 0.7).abs() < 1e-12);
        assert!((fall.volume_factor(burglary, start.offset(20)) - 0.7).abs() < 1e-12);
        assert_eq!(fall.volume_factor(theft, start.offset(5)), 1.0);
    }

    #[test]
    fn shock_hits_then_recovers() {
        let theft = &CALL_TYPES[call_index("THEFT").unwrap()];
        let asb = &CALL_TYPES[call_index("ASB").unwrap()];
        let start = Period::new(2020, 4).unwrap();
        assert!(shock_factor(theft, 1.0, Some(start), start) < 0.7);
        assert!(shock_factor(asb, 1.0, Some(start), start) > 1.2);
        assert_eq!(shock_factor(theft, 1.0, Some(start), start.offset(5)), 1.0);
        assert_eq!(shock_factor(theft, 1.0, Some(start), start.offset(-1)), 1.0);
        assert_eq!(shock_factor(theft, 1.0, None, start), 1.0);
    }
}
