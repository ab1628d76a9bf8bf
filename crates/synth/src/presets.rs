//! Ready-made scenarios built from a few numbers ([`SynthConfig`]): which forces, how big, and
//! who games. The `default` preset plants a mix of gaming and one of each hard negative; the
//! `honest` preset is the same scenario with every mechanism removed, so the two share every
//! honest record for a given seed.

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use recount_cube::{Period, Target};

use crate::error::SynthError;
use crate::force_sizes::{SizedForce, choose_forces};
use crate::mechanisms::{Mechanism, PlannedMechanism};
use crate::negatives::PlannedNegative;
use crate::sampling::{Stream, stream_rng, unit_gamma};
use crate::scenario::{Bcu, DEFAULT_EXTRACT_LAG_DAYS, ForcePlan, NationalPlan, Scenario};

/// Which ready-made scenario to build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// About 30% of forces gamed (each mechanism in turn, strengths 0.1-0.3, from a target
    /// about 60% into the range; from the seventh gamed force on, every other one games two
    /// ways), about 15% targeted but honest, one of each hard negative (genuine fall, call mix
    /// change, merger; starting within two months of the target) on untargeted forces as far
    /// as forces allow, the rest honest. Roles go to forces by a seeded shuffle.
    #[default]
    Default,
    /// The default scenario with every mechanism removed: nobody games; targets and hard
    /// negatives stay.
    Honest,
}

/// The few numbers a preset scenario is built from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynthConfig {
    /// Seed of every random stream (and of the preset's choices).
    pub seed: u64,
    /// Number of forces: fewer than 43 spreads over real force sizes, more adds synthetic ones.
    pub forces: usize,
    /// Number of months.
    pub months: u32,
    /// First month.
    pub start: Period,
    /// Calls per month across all the scenario's forces, shared by force size.
    pub national_incidents_per_month: f64,
    /// No force is smaller than this many calls per month.
    pub min_force_incidents_per_month: f64,
    /// Whether to plant the national shock.
    pub shock: bool,
    /// Where the shock goes (default: April 2020 if in range, else about 40% in).
    pub shock_start: Option<Period>,
    /// Days after the last month at which the extract is taken.
    pub extract_lag_days: u32,
    /// Which ready-made scenario.
    pub preset: Preset,
}

impl Default for SynthConfig {
    /// The benchmark scale: 43 forces, 48 months from April 2019 (so the shock lands on April
    /// 2020), 420,000 calls a month, about 20 million incidents and 8 million crimes. Real
    /// volumes are higher: about 5.5 million recorded crimes a year at 0.4 crimes per call is
    /// about 1.1 million calls a month.
    fn default() -> Self {
        SynthConfig {
            seed: 2014,
            forces: 43,
            months: 48,
            start: Period::from_index(2019 * 12 + 3),
            national_incidents_per_month: 420_000.0,
            min_force_incidents_per_month: 0.0,
            shock: true,
            shock_start: None,
            extract_lag_days: DEFAULT_EXTRACT_LAG_DAYS,
            preset: Preset::Default,
        }
    }
}

impl SynthConfig {
    /// A tiny scenario for tests: `forces` forces, `months` months from January 2021, a few
    /// thousand calls a month in all, no force below 200 calls a month.
    pub fn tiny(seed: u64, forces: usize, months: u32) -> Self {
        SynthConfig {
            seed,
            forces,
            months,
            start: Period::from_index(2021 * 12),
            national_incidents_per_month: 1_500.0 * forces as f64,
            min_force_incidents_per_month: 200.0,
            ..SynthConfig::default()
        }
    }
}

/// Rotation of mechanisms over gamed forces.
const ROTATION: [Mechanism; 6] = [
    Mechanism::Downgrading,
    Mechanism::NonRecording,
    Mechanism::CallSuppression,
    Mechanism::Cancellation,
    Mechanism::LateRecording,
    Mechanism::MonthEndReclassification,
];

/// The role of a force in a preset scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Gamed(usize),
    TargetedHonest,
    GenuineFall,
    CallMixChange,
    Merger,
    Honest,
}

impl Scenario {
    /// The preset scenario a configuration describes.
    pub fn from_config(config: &SynthConfig) -> Result<Scenario, SynthError> {
        if config.forces == 0 {
            return Err(SynthError::Scenario(
                "a scenario needs at least one force".into(),
            ));
        }
        if config.months == 0 {
            return Err(SynthError::Scenario(
                "a scenario needs at least one month".into(),
            ));
        }
        if !(config.national_incidents_per_month >= 0.0
            && config.min_force_incidents_per_month >= 0.0)
        {
            return Err(SynthError::Scenario("volumes must be non-negative".into()));
        }
        let mut national = NationalPlan::new(config.seed, config.start, config.months);
        national.extract_lag_days = config.extract_lag_days;
        national.shock_start = match (config.shock, config.shock_start) {
            (false, _) => None,
            (true, Some(start)) => Some(start),
            (true, None) => NationalPlan::default_shock(config.start, config.months),
        };
        let sized = choose_forces(config.forces);
        let total: f64 = sized.iter().map(|f| f.weight).sum();
        let mut rng = stream_rng(config.seed, u64::MAX, Stream::Scenario);
        let target_start = config
            .start
            .offset((0.6 * config.months as f64).round() as i32);
        let roles = assign_roles(sized.len(), &mut rng);
        let without_bcus = forces_without_bcus(&roles, &mut rng);

        let mut forces = Vec::with_capacity(sized.len());
        for (index, (force, role)) in sized.iter().zip(&roles).enumerate() {
            let size = (config.national_incidents_per_month * force.weight / total)
                .max(config.min_force_incidents_per_month);
            let bcus = if without_bcus.contains(&index) {
                Vec::new()
            } else {
                draw_bcus(force, size, &mut rng)
            };
            let mut plan =
                ForcePlan::new(index as u64, &force.id, &force.name, size.round()).with_bcus(bcus);
            plant(&mut plan, *role, target_start, config, &mut rng);
            if config.preset == Preset::Honest {
                plan.mechanisms.clear();
            }
            forces.push(plan);
        }
        let targeted: Vec<String> = forces
            .iter()
            .filter(|f| f.targeted)
            .map(|f| f.force_id.clone())
            .collect();
        if !targeted.is_empty() {
            national.targets.push(Target {
                name: "Reduce recorded crime".into(),
                start: target_start.first_day(),
                end: None,
                forces: Some(targeted),
                offences: None,
            });
        }
        let scenario = Scenario::new(national, forces);
        scenario.validate()?;
        Ok(scenario)
    }
}

/// Roles over forces: a seeded shuffle, then about 30% gamed, about 15% targeted-honest, one
/// of each hard negative, the rest honest.
fn assign_roles(count: usize, rng: &mut impl Rng) -> Vec<Role> {
    let gamed = match count {
        0 => 0,
        1 => 1,
        n => ((0.3 * n as f64).round() as usize).max(1),
    };
    let targeted_honest = if count >= 4 {
        ((0.15 * count as f64).round() as usize).max(1)
    } else {
        0
    };
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(rng);
    let mut queue: Vec<Role> = (0..gamed).map(Role::Gamed).collect();
    queue.extend(std::iter::repeat_n(Role::TargetedHonest, targeted_honest));
    queue.extend([Role::GenuineFall, Role::CallMixChange, Role::Merger]);
    let mut roles = vec![Role::Honest; count];
    for (slot, role) in order.into_iter().zip(queue) {
        roles[slot] = role;
    }
    roles
}

/// One force in small scenarios, two from ten forces, has no BCU (null), so that path is
/// exercised. Chosen among honest forces (else any force without a merger).
fn forces_without_bcus(roles: &[Role], rng: &mut impl Rng) -> Vec<usize> {
    let wanted = match roles.len() {
        0..=2 => 0,
        3..=9 => 1,
        _ => 2,
    };
    let mut candidates: Vec<usize> = (0..roles.len())
        .filter(|&i| roles[i] == Role::Honest)
        .collect();
    if candidates.len() < wanted {
        candidates = (0..roles.len())
            .filter(|&i| roles[i] != Role::Merger)
            .collect();
    }
    candidates.shuffle(rng);
    candidates.truncate(wanted);
    candidates.sort();
    candidates
}

/// 3 to 8 BCUs, more for bigger forces, with uneven shares (Gamma(2) weights, judgement).
fn draw_bcus(force: &SizedForce, size: f64, rng: &mut impl Rng) -> Vec<Bcu> {
    let by_size = (size.max(1.0).log10() - 2.5).clamp(0.0, 2.5) * 2.0; // 0 to 5
    let count = 3 + (by_size.round() as usize).min(4) + usize::from(rng.random_bool(0.3));
    let shares: Vec<f64> = (0..count)
        .map(|_| (unit_gamma(rng, std::f64::consts::FRAC_1_SQRT_2) * 1000.0).round() / 1000.0)
        .map(|share: f64| share.max(0.05))
        .collect();
    Bcu::districts(&force.name, &shares)
}

/// Plants a role's mechanisms and negatives.
fn plant<R: Rng>(
    plan: &mut ForcePlan,
    role: Role,
    target_start: Period,
    config: &SynthConfig,
    rng: &mut R,
) {
    let latest = config.start.offset(config.months as i32 - 1);
    // Hard negatives start near the target date, where they are hardest to tell from gaming.
    let near_target = |rng: &mut R| {
        let shift = rng.random_range(-2..=2);
        target_start.offset(shift).clamp(config.start, latest)
    };
    match role {
        Role::Gamed(k) => {
            plan.targeted = true;
            let first = ROTATION[k % ROTATION.len()];
            plan.mechanisms.push(PlannedMechanism::new(
                first,
                target_start,
                rounded(rng, 0.10, 0.30),
            ));
            // From the seventh gamed force on, every other one games two ways at once.
            if k >= ROTATION.len() && k % 2 == 0 {
                let second = ROTATION[(k + 3) % ROTATION.len()];
                plan.mechanisms.push(PlannedMechanism::new(
                    second,
                    target_start,
                    rounded(rng, 0.10, 0.30),
                ));
            }
        }
        Role::TargetedHonest => plan.targeted = true,
        Role::GenuineFall => {
            let call_type = if rng.random_bool(0.5) {
                "BURGLARY"
            } else {
                "ASSAULT"
            };
            plan.negatives.push(PlannedNegative::GenuineFall {
                call_type: call_type.into(),
                start: near_target(rng),
                size: rounded(rng, 0.20, 0.30),
            });
        }
        Role::CallMixChange => plan.negatives.push(PlannedNegative::CallMixChange {
            call_types: vec!["CONCERN_FOR_SAFETY".into(), "ASB".into()],
            start: near_target(rng),
            size: rounded(rng, 0.30, 0.50),
        }),
        Role::Merger => {
            let growth = rounded(rng, 0.25, 0.40);
            let new_bcus = if plan.bcus.is_empty() {
                Vec::new()
            } else {
                vec![
                    Bcu {
                        name: format!("{} Merged East", plan.name),
                        share: 0.6,
                    },
                    Bcu {
                        name: format!("{} Merged West", plan.name),
                        share: 0.4,
                    },
                ]
            };
            plan.negatives.push(PlannedNegative::Merger {
                start: near_target(rng),
                growth,
                new_bcus,
                own_practice: false,
            });
        }
        Role::Honest => {}
    }
}

/// A uniform draw in `[low, high]`, rounded to two decimals so the truth reads cleanly.
fn rounded(rng: &mut impl Rng, low: f64, high: f64) -> f64 {
    (rng.random_range(low..=high) * 100.0).round() / 100.0
}
