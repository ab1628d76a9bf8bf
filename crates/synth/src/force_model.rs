//! One force's own version of the national model: its call mix, trends, conversion rates and
//! reaction to the shock, each perturbed from the national values, and its BCUs month by
//! month. Drawn once per force from its own stream, so they do not depend on what is planted.

use recount_cube::Period;

use crate::national::{CALL_TYPES, N_CALL_TYPES, N_CRIME_TYPES, other_channel_scale, season};
use crate::negatives::{PlannedNegative, shock_factor};
use crate::sampling::{Categorical, Stream, normal, stream_rng};
use crate::scenario::{ForcePlan, NationalPlan};

/// Spread of a force's call mix around the national one: lognormal with this sd, then
/// renormalised (judgement: forces differ, e.g. more ASB in some, more fraud calls in others).
const MIX_SD: f64 = 0.15;
/// Spread of force-wide log-linear trends, per year (judgement).
const FORCE_TREND_SD: f64 = 0.03;
/// Spread of per call type trends within a force, per year (judgement).
const TYPE_TREND_SD: f64 = 0.02;
/// Spread of a force's conversion odds around the national ones (judgement: "a little").
const CONVERSION_ODDS_SD: f64 = 0.2;
/// Spread of a force's reaction to the national shock (judgement).
const SHOCK_SD: f64 = 0.15;
/// Average days in a month: volumes scale with the days in each month.
const MEAN_MONTH_DAYS: f64 = 365.25 / 12.0;

/// A force's honest trends in recording, per year in the log-odds.
#[derive(Clone, Copy, Debug, Default)]
struct RecordDrift {
    cancellation: f64,
    late: f64,
    seriousness: f64,
}

impl RecordDrift {
    fn at(self, years: f64) -> RecordPractice {
        RecordPractice {
            cancel_rate: drifted(HONEST_CANCEL_RATE, self.cancellation, years),
            late_share: drifted(HONEST_LATE_SHARE, self.late, years),
            serious_tilt: self.seriousness * years,
        }
    }
}

/// A probability `p` moved by a linear trend of `drift` a year in the log-odds, `years` from
/// the trend's centre. Exactly `p` without drift, so data without drift stays as it was.
fn drifted(p: f64, drift: f64, years: f64) -> f64 {
    if drift == 0.0 {
        return p;
    }
    log_odds_moved(p, drift * years)
}

/// `p` with its log-odds moved by `shift`; exactly `p` without a shift.
fn shifted(p: f64, shift: f64) -> f64 {
    if shift == 0.0 {
        return p;
    }
    log_odds_moved(p, shift)
}

/// `p` with `by` added to its log-odds.
fn log_odds_moved(p: f64, by: f64) -> f64 {
    let odds = p / (1.0 - p) * by.exp();
    odds / (1.0 + odds)
}

/// A force's month-to-month deviations from its usual recording rates, in the log-odds
/// (`NationalPlan::rate_noise`): independent normal draws, empty without noise. They make the
/// monthly rates over-dispersed against the binomial, as police rates are.
#[derive(Clone, Debug, Default)]
struct RateNoise {
    /// Per generated month, per call type: the deviation of the odds of leading to a crime.
    conversion: Vec<[f64; N_CALL_TYPES]>,
    /// Per generated month: cancelling, recording late, and the serious tilt.
    records: Vec<[f64; 3]>,
}

impl RateNoise {
    fn draw(plan: &ForcePlan, national: &NationalPlan) -> Self {
        if national.rate_noise <= 0.0 {
            return RateNoise::default();
        }
        let mut rng = stream_rng(national.seed, plan.index, Stream::RateNoise);
        let mut noise = RateNoise::default();
        for _ in 0..national.months {
            // Drawn in index order: conversion by call type, then the three record rates.
            let mut deviation = || national.rate_noise * normal(&mut rng);
            noise.conversion.push(std::array::from_fn(|_| deviation()));
            noise.records.push(std::array::from_fn(|_| deviation()));
        }
        noise
    }

    fn conversion(&self, month: i32, call: usize) -> f64 {
        usize::try_from(month)
            .ok()
            .and_then(|m| self.conversion.get(m))
            .map_or(0.0, |c| c[call])
    }

    fn records(&self, month: i32) -> [f64; 3] {
        usize::try_from(month)
            .ok()
            .and_then(|m| self.records.get(m))
            .copied()
            .unwrap_or([0.0; 3])
    }
}

/// Share of crimes honestly cancelled (judgement).
pub(crate) const HONEST_CANCEL_RATE: f64 = 0.02;
/// Share of crimes honestly recorded more than 24 hours after the report (judgement, from the
/// 24-hour rule and what inspections found).
pub(crate) const HONEST_LATE_SHARE: f64 = 0.15;

/// How a force records the crimes reported in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RecordPractice {
    /// Probability that a crime is honestly cancelled.
    pub cancel_rate: f64,
    /// Probability that a crime is recorded more than 24 hours after the report.
    pub late_share: f64,
    /// Log-odds tilt of each family's offence mix towards its more serious codes (negative:
    /// towards its lesser codes).
    pub serious_tilt: f64,
}

/// A force's parameters.
#[derive(Clone, Debug)]
pub(crate) struct ForceModel {
    /// Share of the force's calls by call type (sums to 1).
    pub mix: [f64; N_CALL_TYPES],
    /// Probability that an honest call leads to at least one crime.
    pub conversion: [f64; N_CALL_TYPES],
    /// Log change in calls per year, by call type (force-wide plus own).
    pub trend: [f64; N_CALL_TYPES],
    /// Scale of the national shock's effect in this force, by call type.
    pub shock_scale: [f64; N_CALL_TYPES],
    /// Crimes reported without a call per crime from calls, by crime family.
    pub other_channel_ratio: [f64; N_CRIME_TYPES],
    /// Every BCU the force ever has (its own, then merged ones).
    pub bcu_names: Vec<String>,
    /// For each BCU, whether it came in a merger with its own recording practice.
    pub own_practice: Vec<bool>,
    /// Conversion in the BCUs that kept their own practice, drawn as another force's.
    pub absorbed_conversion: [f64; N_CALL_TYPES],
    /// Honest trend in the log-odds of conversion, per year, centred on `middle`.
    conversion_drift: f64,
    /// Honest trends in how crimes are recorded, per year, centred on `middle`.
    record_drift: RecordDrift,
    /// Month-to-month deviations of the recording rates.
    rate_noise: RateNoise,
    /// The first generated month.
    start: Period,
    /// The middle month of the generated range.
    middle: Period,
    /// BCU draw for each generated month (`None` for a force without BCUs).
    bcu_by_month: Vec<Option<Categorical<u16>>>,
}

impl ForceModel {
    pub(crate) fn new(plan: &ForcePlan, national: &NationalPlan) -> Self {
        let mut rng = stream_rng(national.seed, plan.index, Stream::ForceModel);
        let mut mix = [0.0; N_CALL_TYPES];
        for (share, facts) in mix.iter_mut().zip(&CALL_TYPES) {
            *share = facts.share * (MIX_SD * normal(&mut rng)).exp();
        }
        let total: f64 = mix.iter().sum();
        mix.iter_mut().for_each(|share| *share /= total);

        let force_trend = FORCE_TREND_SD * normal(&mut rng);
        let mut trend = [0.0; N_CALL_TYPES];
        for t in &mut trend {
            *t = force_trend + TYPE_TREND_SD * normal(&mut rng);
        }

        let conversion = draw_conversion(&mut rng);

        let mut shock_scale = [1.0; N_CALL_TYPES];
        for scale in &mut shock_scale {
            *scale = (SHOCK_SD * normal(&mut rng)).exp();
        }

        let k = other_channel_scale();
        let mut other_channel_ratio = [0.0; N_CRIME_TYPES];
        for (ratio, facts) in other_channel_ratio.iter_mut().zip(&CALL_TYPES) {
            *ratio = k * facts.other_channel;
        }

        let (bcu_names, own_practice, bcu_by_month) = bcus_by_month(plan, national);
        // Drawn last, so that the draws above are the same with or without them.
        let absorbed_conversion = draw_conversion(&mut rng);
        let conversion_drift = national.practice_drift * normal(&mut rng);
        let record_drift = RecordDrift {
            cancellation: national.record_drift * normal(&mut rng),
            late: national.record_drift * normal(&mut rng),
            seriousness: national.record_drift * normal(&mut rng),
        };
        ForceModel {
            mix,
            conversion,
            trend,
            shock_scale,
            other_channel_ratio,
            bcu_names,
            own_practice,
            absorbed_conversion,
            conversion_drift,
            record_drift,
            rate_noise: RateNoise::draw(plan, national),
            start: national.start,
            middle: national.start.offset(national.months as i32 / 2),
            bcu_by_month,
        }
    }

    /// Probability that an honest call of type `call` in BCU `bcu` leads to a crime in
    /// `period`.
    pub(crate) fn conversion_in(&self, call: usize, bcu: Option<u16>, period: Period) -> f64 {
        let absorbed = bcu.is_some_and(|b| {
            self.own_practice
                .get(usize::from(b))
                .copied()
                .unwrap_or(false)
        });
        let p = if absorbed {
            self.absorbed_conversion[call]
        } else {
            self.conversion[call]
        };
        let noise = self
            .rate_noise
            .conversion(self.start.months_until(period), call);
        shifted(
            drifted(p, self.conversion_drift, self.years_from_middle(period)),
            noise,
        )
    }

    /// Years from the middle of the generated range, where the honest drifts are centred.
    fn years_from_middle(&self, period: Period) -> f64 {
        self.middle.months_until(period) as f64 / 12.0
    }

    /// How crimes reported in `period` are honestly recorded.
    pub(crate) fn record_practice(&self, period: Period) -> RecordPractice {
        let practice = self.record_drift.at(self.years_from_middle(period));
        let [cancel, late, tilt] = self.rate_noise.records(self.start.months_until(period));
        RecordPractice {
            cancel_rate: shifted(practice.cancel_rate, cancel),
            late_share: shifted(practice.late_share, late),
            serious_tilt: practice.serious_tilt + tilt,
        }
    }

    /// Expected calls of a type in a month, before the random month-to-month factors.
    pub(crate) fn expected_calls(
        &self,
        plan: &ForcePlan,
        national: &NationalPlan,
        call: usize,
        period: Period,
    ) -> f64 {
        let facts = &CALL_TYPES[call];
        // Trends are centred on the middle of the range, so the plan's size is the mid-range
        // level.
        let middle = (national.months as f64 - 1.0) / 2.0;
        let years = (national.start.months_until(period) as f64 - middle) / 12.0;
        let negatives: f64 = plan
            .negatives
            .iter()
            .map(|n| n.volume_factor(call, period))
            .product();
        plan.incidents_per_month
            * self.mix[call]
            * season(facts, period.month())
            * (period.days() as f64 / MEAN_MONTH_DAYS)
            * (self.trend[call] * years).exp()
            * shock_factor(facts, self.shock_scale[call], national.shock_start, period)
            * negatives
    }

    /// The BCU draw in a month.
    pub(crate) fn bcus_in(&self, month_index: usize) -> Option<&Categorical<u16>> {
        self.bcu_by_month.get(month_index).and_then(Option::as_ref)
    }

    /// The relative change in expected crime-related calls at the height of the national
    /// shock in this force (for the truth).
    pub(crate) fn shock_size(&self) -> f64 {
        let mut before = 0.0;
        let mut during = 0.0;
        for (call, facts) in CALL_TYPES[..N_CRIME_TYPES].iter().enumerate() {
            before += self.mix[call];
            during += self.mix[call] * (1.0 + facts.shock * self.shock_scale[call]).max(0.05);
        }
        during / before - 1.0
    }
}

/// Conversion by call type, each type's odds perturbed from the national ones.
fn draw_conversion(rng: &mut impl rand::Rng) -> [f64; N_CALL_TYPES] {
    let mut conversion = [0.0; N_CALL_TYPES];
    for (p, facts) in conversion.iter_mut().zip(&CALL_TYPES) {
        let odds =
            facts.conversion / (1.0 - facts.conversion) * (CONVERSION_ODDS_SD * normal(rng)).exp();
        *p = odds / (1.0 + odds);
    }
    conversion
}

/// The force's BCU names, whether each kept its own recording practice, and, for each month,
/// how calls split between them: its own BCUs, joined after a merger by the absorbed area's
/// BCUs in proportion to the growth.
fn bcus_by_month(
    plan: &ForcePlan,
    national: &NationalPlan,
) -> (Vec<String>, Vec<bool>, Vec<Option<Categorical<u16>>>) {
    let mut names: Vec<String> = plan.bcus.iter().map(|b| b.name.clone()).collect();
    let mut own_practice = vec![false; names.len()];
    let own_total: f64 = plan.bcus.iter().map(|b| b.share).sum();
    let mut mergers = Vec::new();
    for negative in &plan.negatives {
        if let PlannedNegative::Merger {
            start,
            growth,
            new_bcus,
            own_practice: kept,
        } = negative
        {
            let total: f64 = new_bcus.iter().map(|b| b.share).sum();
            let first = names.len();
            names.extend(new_bcus.iter().map(|b| b.name.clone()));
            own_practice.extend(new_bcus.iter().map(|_| *kept));
            let shares: Vec<(u16, f64)> = new_bcus
                .iter()
                .enumerate()
                .map(|(i, b)| ((first + i) as u16, b.share / total))
                .collect();
            mergers.push((*start, *growth, shares));
        }
    }
    let by_month = national
        .periods()
        .map(|period| {
            if plan.bcus.is_empty() {
                return None;
            }
            // Weights relative to the force's size before any merger.
            let mut weights: Vec<(u16, f64)> = plan
                .bcus
                .iter()
                .enumerate()
                .map(|(i, b)| (i as u16, b.share / own_total))
                .collect();
            let mut size = 1.0;
            for (start, growth, shares) in &mergers {
                if period >= *start {
                    let added = size * growth;
                    weights.extend(shares.iter().map(|(i, s)| (*i, s * added)));
                    size += added;
                }
            }
            Categorical::new(weights)
        })
        .collect();
    (names, own_practice, by_month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Bcu;

    fn plan() -> (ForcePlan, NationalPlan) {
        let mut national = NationalPlan::new(11, Period::new(2021, 1).unwrap(), 24);
        national.shock_start = None;
        let plan =
            ForcePlan::new(0, "F1", "One", 10_000.0).with_bcus(Bcu::districts("One", &[3.0, 1.0]));
        (plan, national)
    }

    #[test]
    fn mix_is_a_perturbed_distribution() {
        let (plan, national) = plan();
        let model = ForceModel::new(&plan, &national);
        assert!((model.mix.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for (share, facts) in model.mix.iter().zip(&CALL_TYPES) {
            let national_share = facts.share / 100.2;
            assert!(share / national_share > 0.4 && share / national_share < 2.5);
        }
        for (p, facts) in model.conversion.iter().zip(&CALL_TYPES) {
            assert!((p - facts.conversion).abs() < 0.2);
        }
    }

    #[test]
    fn merger_brings_new_bcus_in_proportion() {
        let (mut plan, national) = plan();
        let start = national.start.offset(12);
        plan.negatives.push(PlannedNegative::Merger {
            start,
            growth: 0.5,
            new_bcus: vec![Bcu {
                name: "Annex".into(),
                share: 1.0,
            }],
            own_practice: false,
        });
        let model = ForceModel::new(&plan, &national);
        assert_eq!(model.bcu_names, vec!["One North", "One South", "Annex"]);
        let before: Vec<_> = model.bcus_in(11).unwrap().probabilities().collect();
        assert_eq!(before.len(), 2);
        let after: Vec<_> = model.bcus_in(12).unwrap().probabilities().collect();
        assert_eq!(after.len(), 3);
        assert!((after[2].1 - 1.0 / 3.0).abs() < 1e-12);
        let calls_before = model.expected_calls(&plan, &national, 0, start.offset(-12));
        let calls_after = model.expected_calls(&plan, &national, 0, start);
        assert!(calls_after > 1.3 * calls_before);
    }
}
