//! The scenarios of the accuracy tests and the power study: a fixed cast of forces in which
//! one force games with the mechanism under study and the other forces under the target are
//! honest, several with a hard negative, so every audit checks both sides at once.
//!
//! The cast (force slots): 0 gamed (when a mechanism is planted); 1 and 2 honest under the
//! target; 3 a genuine fall in one crime type; 4 a change of call mix; 5 a merger; the rest
//! honest and without a target, with their own hard negatives, serving as peers.

use recount_cube::{ForceRegistry, Period, Target};
use recount_synth::{
    Bcu, ForcePlan, Mechanism, NationalPlan, PlannedMechanism, PlannedNegative, Scenario,
};

/// What to plant and at what scale.
#[derive(Clone, Debug)]
pub struct StudyOptions {
    /// Seed of the scenario.
    pub seed: u64,
    /// The gaming planted in slot 0, if any, with its strength.
    pub planted: Option<(Mechanism, f64)>,
    /// Calls a month of the gamed force.
    pub gamed_size: f64,
    /// Number of forces (at least 8).
    pub forces: usize,
    /// Months generated from January 2018.
    pub months: u32,
    /// Whether every force is under the target (a national target) rather than six of them.
    pub national_target: bool,
    /// Restricts the planted mechanism to these call types (empty: every type it can touch).
    pub call_types: Vec<String>,
    /// The month gaming starts, when not the target's start.
    pub gaming_start: Option<Period>,
    /// Whether the audit configuration has the target (else the audit searches for breaks at
    /// unknown dates).
    pub with_target: bool,
    /// Spread of the forces' honest drift in conversion, per year on the log-odds (see
    /// `NationalPlan::practice_drift`).
    pub practice_drift: f64,
    /// The month the target takes effect, when not [`target_start`]: gaming (with a target)
    /// and the hard negatives of the cast start there too.
    pub target: Option<Period>,
    /// Whether the data leave the `bcu` column empty (`NationalPlan::hide_bcus`).
    pub hide_bcus: bool,
    /// Whether four more forces game, each with its own mechanism at 20% (slots 6-9:
    /// [`OTHERS_GAMING`]): peers that game when the target is six forces', tested forces when
    /// it is national. Their verdicts are not the study's: it judges slot 0 and the honest.
    pub others_gaming: bool,
    /// Spread of each force's honest drift in cancelling, late recording and the seriousness
    /// of what it records, per year in the log-odds (see `NationalPlan::record_drift`).
    pub record_drift: f64,
    /// Month-to-month over-dispersion of every force's recording rates, in the log-odds (see
    /// `NationalPlan::rate_noise`).
    pub rate_noise: f64,
}

impl Default for StudyOptions {
    fn default() -> Self {
        StudyOptions {
            seed: 1,
            planted: None,
            gamed_size: 1500.0,
            forces: 14,
            months: 48,
            national_target: false,
            call_types: Vec::new(),
            gaming_start: None,
            with_target: true,
            practice_drift: 0.0,
            record_drift: 0.0,
            rate_noise: 0.0,
            target: None,
            hide_bcus: false,
            others_gaming: false,
        }
    }
}

/// The month gaming starts and the target takes effect: October 2020, 33 months in, half a
/// year after the national shock of April 2020 (a target right at the end of the shock is the
/// worst case for the volume evidence of re-badging; see the power study notes).
pub fn target_start() -> Period {
    Period::new(2020, 10).unwrap_or(Period::from_index(2020 * 12 + 9))
}

/// The mechanisms of slots 6-9 when others game too, at [`OTHERS_STRENGTH`].
pub const OTHERS_GAMING: [Mechanism; 4] = [
    Mechanism::Cancellation,
    Mechanism::LateRecording,
    Mechanism::NonRecording,
    Mechanism::Downgrading,
];
const OTHERS_STRENGTH: f64 = 0.2;

/// Calls a month of the forces after slot 0: a spread of small to large forces.
const SIZES: [f64; 14] = [
    1500.0, 2000.0, 2500.0, 1800.0, 3000.0, 1600.0, 4000.0, 2200.0, 6000.0, 2800.0, 9000.0, 3500.0,
    1700.0, 5000.0,
];

/// Builds the study scenario.
pub fn study_scenario(options: &StudyOptions) -> Scenario {
    let registry = ForceRegistry::builtin();
    let start = Period::new(2018, 1).unwrap_or(Period::from_index(2018 * 12));
    let gaming_start = options.target.unwrap_or_else(target_start);
    let mut national = NationalPlan::new(options.seed, start, options.months);
    national.practice_drift = options.practice_drift;
    national.record_drift = options.record_drift;
    national.hide_bcus = options.hide_bcus;
    national.rate_noise = options.rate_noise;
    let count = options.forces.max(8);
    let mut forces = Vec::with_capacity(count);
    for slot in 0..count {
        let force = &registry.forces()[slot * 3 % registry.forces().len()];
        let size = if slot == 0 {
            options.gamed_size
        } else {
            SIZES[slot % SIZES.len()]
        };
        let mut plan = ForcePlan::new(slot as u64, &force.id, &force.name, size)
            .with_bcus(Bcu::districts(&force.name, &[0.4, 0.35, 0.25]));
        let targeted = options.with_target && (options.national_target || slot < 6);
        if targeted {
            plan = plan.with_target();
        }
        if slot == 0
            && let Some((mechanism, strength)) = options.planted
        {
            let types: Vec<&str> = options.call_types.iter().map(String::as_str).collect();
            let planted = PlannedMechanism::new(
                mechanism,
                options.gaming_start.unwrap_or(gaming_start),
                strength,
            );
            plan = plan.with_mechanism(if types.is_empty() {
                planted
            } else {
                planted.only_call_types(&types)
            });
        }
        if options.others_gaming
            && let Some(&mechanism) = slot.checked_sub(6).and_then(|i| OTHERS_GAMING.get(i))
        {
            plan = plan.with_mechanism(PlannedMechanism::new(
                mechanism,
                gaming_start,
                OTHERS_STRENGTH,
            ));
        }
        plan = match slot % 10 {
            2 => plan.with_negative(PlannedNegative::ClosingPracticeChange {
                start: gaming_start,
                size: 0.3,
            }),
            3 => plan.with_negative(PlannedNegative::GenuineFall {
                call_type: if slot == 3 { "BURGLARY" } else { "ASSAULT" }.into(),
                start: gaming_start,
                size: 0.25,
            }),
            4 => plan.with_negative(PlannedNegative::CallMixChange {
                call_types: vec!["CONCERN_FOR_SAFETY".into(), "ASB".into()],
                start: gaming_start,
                size: 0.4,
            }),
            5 => plan.with_negative(PlannedNegative::Merger {
                start: gaming_start,
                growth: 0.3,
                new_bcus: Bcu::districts("Absorbed", &[1.0]),
                own_practice: true,
            }),
            _ => plan,
        };
        forces.push(plan);
    }
    if !options.with_target {
        return Scenario::new(national, forces);
    }
    national.targets = vec![Target {
        name: "Cut recorded crime".into(),
        start: gaming_start.first_day(),
        end: None,
        forces: (!options.national_target).then(|| {
            forces
                .iter()
                .filter(|f| f.targeted)
                .map(|f| f.force_id.clone())
                .collect()
        }),
        offences: None,
    }];
    Scenario::new(national, forces)
}
