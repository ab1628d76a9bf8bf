//! The design of an audit around one target: which forces are tested, which serve as peers,
//! and which months are compared.

use std::collections::BTreeSet;

use recount_cube::{AuditConfig, Cube, Period, Target};

use crate::contrast::Window;

/// Most months of history used before a target: enough for two full seasonal cycles and a
/// margin, few enough that old changes do not pass for new ones.
pub const MAX_PRE_MONTHS: i32 = 36;

/// Fewest forces without a target for them to serve as the only peers; with fewer, every
/// other force is a peer (a national target is judged by who moved unlike the rest).
pub const MIN_UNTARGETED_PEERS: usize = 3;

/// Who is tested against whom, over which months.
#[derive(Clone, Debug)]
pub struct Design {
    /// The target's name.
    pub target: String,
    /// The forces under the target, present in the data.
    pub tested: Vec<String>,
    /// The forces whose pooled rates form the peer baseline and whose contrasts measure the
    /// between-force variance.
    pub reference: Vec<String>,
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
        Some(Design {
            target: if target.name.is_empty() {
                format!("target from {start}")
            } else {
                target.name.clone()
            },
            tested,
            reference,
            untargeted_references,
            window: Window {
                pre_from: first.max(start.offset(-MAX_PRE_MONTHS)),
                start,
                post_to: end,
            },
            known_start: true,
        })
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
