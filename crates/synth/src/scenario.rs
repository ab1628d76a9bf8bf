//! What to generate: the national settings shared by every force ([`NationalPlan`]) and one
//! [`ForcePlan`] per force saying how big it is, its BCUs, whether it is under a target, and
//! exactly which gaming and hard negatives to plant. A [`Scenario`] is both; presets build one
//! from a [`SynthConfig`](crate::SynthConfig), callers may also build or edit one by hand.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use recount_cube::{
    DowngradePair, OffenceCatalogue, Period, RebadgePair, Target, default_downgrade_pairs,
    default_rebadge_pairs,
};

use crate::error::SynthError;
use crate::mechanisms::{Mechanism, PlannedMechanism};
use crate::national::{N_CRIME_TYPES, call_index};
use crate::negatives::PlannedNegative;
use crate::offences::{DowngradeRules, expand_all};
use crate::presets::SynthConfig;
use crate::timing::{DAY, month_end};

/// The lockdown-like shock lands here when the generated months include it (the first COVID-19
/// lockdown, April 2020).
pub const REAL_SHOCK_START: (i32, u32) = (2020, 4);

/// Default days between the end of the last month and the moment the extract is taken; events
/// after it (late recordings, reclassifications, cancellations) are not yet in the data.
pub const DEFAULT_EXTRACT_LAG_DAYS: u32 = 90;

/// Settings shared by every force of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NationalPlan {
    /// Seed of every random stream.
    pub seed: u64,
    /// First month generated.
    pub start: Period,
    /// Number of months generated.
    pub months: u32,
    /// First month of the national shock, or `None` for no shock.
    pub shock_start: Option<Period>,
    /// Days after the last month at which the extract is taken.
    pub extract_lag_days: u32,
    /// The targets forces are under (written to `audit.toml`).
    pub targets: Vec<Target>,
    /// Serious/lesser pairs that downgrading draws on.
    pub downgrade_pairs: Vec<DowngradePair>,
    /// Crime-related call types and the non-crime types they are re-badged or closed as.
    pub rebadge_pairs: Vec<RebadgePair>,
    /// Spread across forces of a slow, honest drift in how often calls lead to crimes: the
    /// standard deviation of each force's linear trend in the log-odds of conversion, per year
    /// (0.05: a force one spread out gains or loses about 5% in the odds a year). Recording
    /// practice drifts as staff, systems and scrutiny change; 0 for none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub practice_drift: f64,
    /// Spread across forces of the same kind of honest drift in how crimes are recorded: each
    /// force's own linear trends, per year, in the log-odds of cancelling a crime, of recording
    /// it more than 24 hours after the report, and of recording the more serious of the
    /// offences its family draws on (the family's mix tilted towards or away from its serious
    /// codes). Drawn independently, each with this standard deviation; 0 for none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub record_drift: f64,
    /// Whether the written data leave the `bcu` column empty, as an extract without districts
    /// would: forces keep their BCUs (a merger's absorbed area still records as its own
    /// practice says), but the detectors cannot see them.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hide_bcus: bool,
    /// Month-to-month over-dispersion of recording, beyond the binomial: each month, each
    /// force's log-odds of leading to a crime (per call type), of cancelling, of recording
    /// late, and its serious tilt are moved by independent normal deviations with this
    /// standard deviation (0.1: a month's odds about 10% off the force's usual ones). Real
    /// rates wobble with the month's cases, staff and backlog; 0 for none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rate_noise: f64,
}

impl NationalPlan {
    /// `months` months from `start`, with the shock placed by [`NationalPlan::default_shock`],
    /// the default extract lag, no targets and the detectors' default pairs.
    pub fn new(seed: u64, start: Period, months: u32) -> Self {
        NationalPlan {
            seed,
            start,
            months,
            shock_start: Self::default_shock(start, months),
            extract_lag_days: DEFAULT_EXTRACT_LAG_DAYS,
            targets: Vec::new(),
            downgrade_pairs: default_downgrade_pairs(),
            rebadge_pairs: default_rebadge_pairs(),
            practice_drift: 0.0,
            record_drift: 0.0,
            hide_bcus: false,
            rate_noise: 0.0,
        }
    }

    /// Where the shock goes by default: April 2020 when the months include it, otherwise about
    /// 40% into the range.
    pub fn default_shock(start: Period, months: u32) -> Option<Period> {
        if months == 0 {
            return None;
        }
        let real = Period::new(REAL_SHOCK_START.0, REAL_SHOCK_START.1)?;
        let last = start.offset(months as i32 - 1);
        if real >= start && real <= last {
            Some(real)
        } else {
            Some(start.offset((0.4 * months as f64).round() as i32))
        }
    }

    /// The last month generated.
    pub fn last_month(&self) -> Period {
        self.start.offset(self.months as i32 - 1)
    }

    /// Every month generated, in order.
    pub fn periods(&self) -> impl Iterator<Item = Period> + use<> {
        Period::range_inclusive(self.start, self.last_month())
    }

    /// When the extract was taken: the end of the last month plus the lag.
    pub fn extract_at(&self) -> DateTime<Utc> {
        month_end(self.last_month()) + Duration::seconds(i64::from(self.extract_lag_days) * DAY)
    }

    /// The first target that covers a force, if any.
    pub fn target_of(&self, force_id: &str) -> Option<&Target> {
        self.targets.iter().find(|target| target.covers(force_id))
    }
}

/// A basic command unit and its share of the force's calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bcu {
    /// Name as it appears in the `bcu` column.
    pub name: String,
    /// Relative share of the force's calls (need not sum to 1).
    pub share: f64,
}

impl Bcu {
    /// BCUs named `<prefix> <district>` with the given shares: North, South, East, West,
    /// Central, City, Coast, Valley, then numbered.
    pub fn districts(prefix: &str, shares: &[f64]) -> Vec<Bcu> {
        const DISTRICTS: [&str; 8] = [
            "North", "South", "East", "West", "Central", "City", "Coast", "Valley",
        ];
        shares
            .iter()
            .enumerate()
            .map(|(i, &share)| Bcu {
                name: match DISTRICTS.get(i) {
                    Some(district) => format!("{prefix} {district}"),
                    None => format!("{prefix} District {}", i + 1),
                },
                share,
            })
            .collect()
    }
}

/// Everything planted in one force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForcePlan {
    /// Position of the force in its scenario; with the seed it keys the force's random
    /// streams, so the same index and seed give the same honest world.
    pub index: u64,
    /// The force's code (an ONS code for real forces).
    pub force_id: String,
    /// The force's name.
    pub name: String,
    /// Mean calls per month before trends, seasons, shock and negatives.
    pub incidents_per_month: f64,
    /// BCUs; empty for a force whose data has no BCU (the column is null).
    pub bcus: Vec<Bcu>,
    /// Whether the force is under a target (must agree with the national targets).
    pub targeted: bool,
    /// Gaming planted, in the order it is applied.
    pub mechanisms: Vec<PlannedMechanism>,
    /// Honest changes planted.
    pub negatives: Vec<PlannedNegative>,
}

impl ForcePlan {
    /// An honest, untargeted force without BCUs.
    pub fn new(index: u64, force_id: &str, name: &str, incidents_per_month: f64) -> Self {
        ForcePlan {
            index,
            force_id: force_id.to_string(),
            name: name.to_string(),
            incidents_per_month,
            bcus: Vec::new(),
            targeted: false,
            mechanisms: Vec::new(),
            negatives: Vec::new(),
        }
    }

    /// With these BCUs.
    pub fn with_bcus(mut self, bcus: Vec<Bcu>) -> Self {
        self.bcus = bcus;
        self
    }

    /// Marked as under a target.
    pub fn with_target(mut self) -> Self {
        self.targeted = true;
        self
    }

    /// With one more planted mechanism.
    pub fn with_mechanism(mut self, mechanism: PlannedMechanism) -> Self {
        self.mechanisms.push(mechanism);
        self
    }

    /// With one more hard negative.
    pub fn with_negative(mut self, negative: PlannedNegative) -> Self {
        self.negatives.push(negative);
        self
    }

    /// Whether any mechanism is planted with a positive strength.
    pub fn gamed(&self) -> bool {
        self.mechanisms.iter().any(|m| m.strength > 0.0)
    }

    /// Checks the plan against the national settings.
    pub fn validate(&self, national: &NationalPlan) -> Result<(), SynthError> {
        let fail = |msg: String| Err(SynthError::Scenario(format!("{}: {msg}", self.force_id)));
        if self.force_id.is_empty()
            || !self
                .force_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return fail("force ids must be non-empty ASCII letters, digits, - or _".into());
        }
        if !(self.incidents_per_month >= 0.0 && self.incidents_per_month.is_finite()) {
            return fail("incidents_per_month must be a non-negative number".into());
        }
        if self
            .bcus
            .iter()
            .any(|b| !(b.share > 0.0 && b.share.is_finite()))
        {
            return fail("BCU shares must be positive".into());
        }
        let names: BTreeSet<&str> = self.bcus.iter().map(|b| b.name.as_str()).collect();
        if names.len() != self.bcus.len() {
            return fail("BCU names must be unique".into());
        }
        if self.targeted != national.target_of(&self.force_id).is_some() {
            return fail("`targeted` disagrees with the national targets".into());
        }
        let catalogue = OffenceCatalogue::builtin();
        for planned in &self.mechanisms {
            planned
                .validate(national, &catalogue)
                .or_else(|e| fail(e.to_string()))?;
        }
        for negative in &self.negatives {
            self.validate_negative(negative).or_else(fail)?;
        }
        Ok(())
    }

    fn validate_negative(&self, negative: &PlannedNegative) -> Result<(), String> {
        match negative {
            PlannedNegative::GenuineFall {
                call_type, size, ..
            } => {
                if call_index(call_type).is_none_or(|i| i >= N_CRIME_TYPES) {
                    return Err(format!(
                        "genuine fall of `{call_type}`, not a crime-related call type"
                    ));
                }
                if !(0.0..1.0).contains(size) {
                    return Err("a genuine fall's size must be in [0, 1)".into());
                }
            }
            PlannedNegative::CallMixChange {
                call_types, size, ..
            } => {
                if let Some(bad) = call_types.iter().find(|c| call_index(c).is_none()) {
                    return Err(format!("call mix change names unknown call type `{bad}`"));
                }
                if !(*size > -1.0 && size.is_finite()) {
                    return Err("a call mix change's size must be above -1".into());
                }
            }
            PlannedNegative::Merger {
                growth, new_bcus, ..
            } => {
                if !(*growth > -1.0 && growth.is_finite()) {
                    return Err("a merger's growth must be above -1".into());
                }
                if self.bcus.is_empty() && !new_bcus.is_empty() {
                    return Err("a force without BCUs cannot gain BCUs in a merger".into());
                }
                if new_bcus.iter().any(|b| b.share.is_nan() || b.share <= 0.0) {
                    return Err("BCU shares must be positive".into());
                }
                if new_bcus
                    .iter()
                    .any(|b| self.bcus.iter().any(|old| old.name == b.name))
                {
                    return Err("a merger's BCUs must have new names".into());
                }
            }
            PlannedNegative::ClosingPracticeChange { size, .. } => {
                if !(0.0..=1.0).contains(size) {
                    return Err("a closing practice change's size must be in [0, 1]".into());
                }
            }
        }
        Ok(())
    }
}

/// Whether a setting is at its default of nothing (left out of files written, so that
/// scenarios and truths written before the setting existed read back unchanged).
fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A whole scenario: the national settings and every force's plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Settings shared by every force.
    pub national: NationalPlan,
    /// One plan per force, in output order.
    pub forces: Vec<ForcePlan>,
}

impl Scenario {
    /// A scenario of the given plans.
    pub fn new(national: NationalPlan, forces: Vec<ForcePlan>) -> Self {
        Scenario { national, forces }
    }

    /// Checks the whole scenario: months, unique force ids and indices, every force's plan.
    pub fn validate(&self) -> Result<(), SynthError> {
        let national = &self.national;
        if national.months == 0 {
            return Err(SynthError::Scenario(
                "a scenario needs at least one month".into(),
            ));
        }
        if national.months > 1200 {
            return Err(SynthError::Scenario("at most 1200 months".into()));
        }
        for pair in &national.rebadge_pairs {
            for code in std::iter::once(&pair.crime).chain(&pair.non_crime) {
                if call_index(code).is_none() {
                    return Err(SynthError::Scenario(format!(
                        "re-badging pair names `{code}`, which is not in the call vocabulary"
                    )));
                }
            }
        }
        DowngradeRules::new(
            &national.downgrade_pairs,
            &[],
            &[],
            &OffenceCatalogue::builtin(),
        )?;
        let mut ids = BTreeSet::new();
        let mut indices = BTreeSet::new();
        for force in &self.forces {
            if !ids.insert(force.force_id.as_str()) {
                return Err(SynthError::Scenario(format!(
                    "force `{}` appears twice",
                    force.force_id
                )));
            }
            if !indices.insert(force.index) {
                return Err(SynthError::Scenario(format!(
                    "force index {} is used twice",
                    force.index
                )));
            }
            force.validate(national)?;
        }
        Ok(())
    }

    /// The forces with a given mechanism planted.
    pub fn forces_with(&self, mechanism: Mechanism) -> impl Iterator<Item = &ForcePlan> {
        self.forces
            .iter()
            .filter(move |f| f.mechanisms.iter().any(|m| m.mechanism == mechanism))
    }

    /// The same scenario with every mechanism removed: the honest counterfactual. It shares
    /// every honest draw with `self`.
    pub fn without_gaming(&self) -> Scenario {
        let mut honest = self.clone();
        for force in &mut honest.forces {
            force.mechanisms.clear();
        }
        honest
    }
}

/// Anything a scenario can be had from: a [`Scenario`] itself, or a [`SynthConfig`] (through
/// its preset).
pub trait ScenarioSource {
    /// The scenario.
    fn scenario(&self) -> Result<Cow<'_, Scenario>, SynthError>;
}

impl ScenarioSource for Scenario {
    fn scenario(&self) -> Result<Cow<'_, Scenario>, SynthError> {
        Ok(Cow::Borrowed(self))
    }
}

impl ScenarioSource for SynthConfig {
    fn scenario(&self) -> Result<Cow<'_, Scenario>, SynthError> {
        Scenario::from_config(self).map(Cow::Owned)
    }
}

impl PlannedMechanism {
    fn validate(
        &self,
        national: &NationalPlan,
        catalogue: &OffenceCatalogue,
    ) -> Result<(), SynthError> {
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(SynthError::Scenario(format!(
                "{} strength must be in [0, 1], got {}",
                self.mechanism.name(),
                self.strength
            )));
        }
        if let Some(bad) = self
            .filter
            .call_types
            .iter()
            .find(|c| call_index(c).is_none())
        {
            return Err(SynthError::Scenario(format!(
                "{} filter names unknown call type `{bad}`",
                self.mechanism.name()
            )));
        }
        expand_all(&self.filter.offences, catalogue)?;
        DowngradeRules::new(
            &national.downgrade_pairs,
            &self.filter.pairs,
            &self.filter.offences,
            catalogue,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shock_lands_on_april_2020_when_it_can() {
        let start = Period::new(2019, 1).unwrap();
        assert_eq!(NationalPlan::default_shock(start, 36), Period::new(2020, 4));
        let later = Period::new(2022, 1).unwrap();
        assert_eq!(
            NationalPlan::default_shock(later, 10),
            Some(later.offset(4))
        );
    }

    #[test]
    fn validation_catches_inconsistent_plans() {
        let national = NationalPlan::new(1, Period::new(2022, 1).unwrap(), 6);
        let force = ForcePlan::new(0, "F1", "One", 100.0).with_target();
        assert!(
            force.validate(&national).is_err(),
            "targeted without a target"
        );
        let bad_id = ForcePlan::new(0, "F/1", "One", 100.0);
        assert!(bad_id.validate(&national).is_err());
        let bad_fall =
            ForcePlan::new(0, "F1", "One", 100.0).with_negative(PlannedNegative::GenuineFall {
                call_type: "ASB".into(),
                start: national.start,
                size: 0.2,
            });
        assert!(bad_fall.validate(&national).is_err());
        let twice = Scenario::new(
            national.clone(),
            vec![
                ForcePlan::new(0, "F1", "One", 1.0),
                ForcePlan::new(1, "F1", "Again", 1.0),
            ],
        );
        assert!(twice.validate().is_err());
    }
}
