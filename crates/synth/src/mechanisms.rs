//! The six ways a force games its crime figures, and how each is planted record by record.
//!
//! Every decision is drawn from the mechanism's own random stream, never from the honest
//! streams, so a gamed force and the same force un-gamed share every honest record: the
//! difference between them is exactly what the mechanisms did, and each mechanism counts what
//! it did as it does it.
//!
//! Order of application. Per call: call suppression, then non-recording (a suppressed call
//! is not also non-recorded). Per crime: late recording (it moves the recording time the
//! others are measured from), downgrading, month-end reclassification, cancellation. A record
//! touched by one of downgrading, month-end reclassification and cancellation is not eligible
//! for the others, so the per-force total of affected records counts each record once.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use recount_cube::{OffenceCatalogue, Period};

use crate::drafts::{CrimeDraft, PlantedOffence};
use crate::error::SynthError;
use crate::national::{CALL_TYPES, N_CALL_TYPES, call_index};
use crate::offences::{DowngradeRules, expand_all};
use crate::sampling::{Categorical, Stream, stream_rng};
use crate::scenario::{ForcePlan, NationalPlan};
use crate::timing::{Clock, DAY, HOUR, instant_within, month_end, period_of};

/// A way of gaming recorded crime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// A serious offence recorded as a lesser one (from the start, or reclassified down within
    /// 30 days).
    Downgrading,
    /// A crime-related call that should have produced crimes is closed with a non-crime code
    /// and no crime ("cuffing").
    NonRecording,
    /// A crime-related call opened as a non-crime type (re-badged at the phone), closed as
    /// that type, with no crime.
    CallSuppression,
    /// A recorded crime cancelled without grounds.
    Cancellation,
    /// A crime recorded 2-10 days after the report when it would have been recorded within a
    /// day. Reported separately: not counted among lost or downgraded records.
    LateRecording,
    /// Downgrading by reclassification bunched in the last three days of a month, when
    /// monthly figures are closed.
    MonthEndReclassification,
}

impl Mechanism {
    /// Every mechanism.
    pub const ALL: [Mechanism; 6] = [
        Mechanism::Downgrading,
        Mechanism::NonRecording,
        Mechanism::CallSuppression,
        Mechanism::Cancellation,
        Mechanism::LateRecording,
        Mechanism::MonthEndReclassification,
    ];

    /// The name used in the truth file.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Downgrading => "downgrading",
            Mechanism::NonRecording => "non_recording",
            Mechanism::CallSuppression => "call_suppression",
            Mechanism::Cancellation => "cancellation",
            Mechanism::LateRecording => "late_recording",
            Mechanism::MonthEndReclassification => "month_end_reclassification",
        }
    }

    /// Whether the records it affects count as lost or downgraded (`estimated_affected` in
    /// the data contract); late recording does not.
    pub fn counts_as_affected(self) -> bool {
        self != Mechanism::LateRecording
    }

    /// When it acts: per call, or per crime in a fixed order.
    fn phase(self) -> u8 {
        match self {
            Mechanism::CallSuppression => 0,
            Mechanism::NonRecording => 1,
            Mechanism::LateRecording => 2,
            Mechanism::Downgrading => 3,
            Mechanism::MonthEndReclassification => 4,
            Mechanism::Cancellation => 5,
        }
    }
}

/// Restrictions on which records a mechanism may touch. Empty lists restrict nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MechanismFilter {
    /// Downgrade pair names (downgrading and month-end reclassification only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<String>,
    /// Offence codes or group names: for downgrading, the serious codes that may be
    /// downgraded; for cancellation and late recording, the true offences touched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offences: Vec<String>,
    /// Call types: the calls touched by call suppression and non-recording; for the
    /// crime-level mechanisms, the call type family the crime belongs to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub call_types: Vec<String>,
}

impl MechanismFilter {
    /// Whether it restricts nothing.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty() && self.offences.is_empty() && self.call_types.is_empty()
    }
}

/// One mechanism planted in a force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedMechanism {
    /// What is planted.
    pub mechanism: Mechanism,
    /// First month it acts (by the month a crime or call was reported).
    pub start: Period,
    /// Probability that an eligible record is affected.
    pub strength: f64,
    /// Which records are eligible.
    #[serde(default, skip_serializing_if = "MechanismFilter::is_empty")]
    pub filter: MechanismFilter,
}

impl PlannedMechanism {
    /// A mechanism acting on every eligible record from `start` with probability `strength`.
    pub fn new(mechanism: Mechanism, start: Period, strength: f64) -> Self {
        PlannedMechanism {
            mechanism,
            start,
            strength,
            filter: MechanismFilter::default(),
        }
    }

    /// Restricted to these downgrade pairs (by name).
    pub fn only_pairs(mut self, pairs: &[&str]) -> Self {
        self.filter.pairs = pairs.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Restricted to these offences (codes or group names).
    pub fn only_offences(mut self, offences: &[&str]) -> Self {
        self.filter.offences = offences.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Restricted to these call types.
    pub fn only_call_types(mut self, call_types: &[&str]) -> Self {
        self.filter.call_types = call_types.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// Reasons given for cancellations without grounds (judgement: mostly "additional verifiable
/// information" and "recorded in error", the grounds hardest to check afterwards).
const GAMED_CANCEL_REASONS: [(&str, f64); 4] =
    [("C1", 0.05), ("C2", 0.60), ("C3", 0.10), ("C4", 0.25)];

/// Days in the window at the end of the month where month-end reclassifications land (the
/// detectors' default `month_end_days`).
pub const MONTH_END_DAYS: i64 = 3;

/// What gaming did to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallOutcome {
    /// Nothing.
    Honest,
    /// Opened (and closed) as this non-crime type instead; its crimes are not recorded.
    Suppressed { opened_as: &'static str },
    /// Closed with this non-crime code; its crimes are not recorded.
    NotRecorded { closed_as: &'static str },
}

/// One planted mechanism at work in a force, with its counters.
struct Active {
    plan: PlannedMechanism,
    rng: ChaCha8Rng,
    call_types: Option<[bool; N_CALL_TYPES]>,
    offences: Option<BTreeSet<String>>,
    downgrade: DowngradeRules,
    eligible: u64,
    affected: u64,
}

impl Active {
    /// Whether it acts in the month. At strength 0 it still counts eligible records (the
    /// denominators of a power study) but affects none.
    fn acts_in(&self, period: Period) -> bool {
        period >= self.plan.start
    }

    fn allows_call(&self, call: usize) -> bool {
        self.call_types.is_none_or(|allowed| allowed[call])
    }

    fn allows_offence(&self, offence: &str) -> bool {
        self.offences
            .as_ref()
            .is_none_or(|set| set.contains(offence))
    }

    /// Draws the decision for one eligible record (counted as eligible here).
    fn decide(&mut self) -> bool {
        self.eligible += 1;
        self.rng.random::<f64>() < self.plan.strength
    }
}

/// What a mechanism did over the whole run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MechanismCount {
    pub plan: PlannedMechanism,
    pub eligible: u64,
    pub affected: u64,
}

/// The gaming of one force: its planted mechanisms, in the order they apply.
pub(crate) struct Gaming {
    /// Mechanisms sorted by phase, then by their position in the plan.
    active: Vec<Active>,
    /// Positions in `active` of each mechanism in plan order, for reporting.
    plan_order: Vec<usize>,
    /// Non-crime codes each crime-related call type can be re-badged or closed as.
    rebadge: Vec<Vec<&'static str>>,
    extract_at: DateTime<Utc>,
}

impl Gaming {
    /// The gaming planted in a force.
    pub(crate) fn new(plan: &ForcePlan, national: &NationalPlan) -> Result<Self, SynthError> {
        let catalogue = OffenceCatalogue::builtin();
        let mut active = Vec::with_capacity(plan.mechanisms.len());
        for (position, planned) in plan.mechanisms.iter().enumerate() {
            active.push((
                position,
                activate(planned, position, plan, national, &catalogue)?,
            ));
        }
        active.sort_by_key(|(position, a)| (a.plan.mechanism.phase(), *position));
        let mut plan_order = vec![0; active.len()];
        for (sorted, (position, _)) in active.iter().enumerate() {
            plan_order[*position] = sorted;
        }
        Ok(Gaming {
            active: active.into_iter().map(|(_, a)| a).collect(),
            plan_order,
            rebadge: rebadge_targets(national),
            extract_at: national.extract_at(),
        })
    }

    /// Decides what happens to a call of type `call` reported in `period`, which honestly
    /// would have produced `crimes` crime records that the extract would show.
    pub(crate) fn on_call(&mut self, call: usize, period: Period, crimes: u64) -> CallOutcome {
        if !CALL_TYPES[call].crime_related {
            return CallOutcome::Honest;
        }
        let rebadge = &self.rebadge[call];
        for active in &mut self.active {
            if !active.acts_in(period) || !active.allows_call(call) {
                continue;
            }
            match active.plan.mechanism {
                Mechanism::CallSuppression if !rebadge.is_empty() => {
                    active.eligible += crimes;
                    if active.rng.random::<f64>() < active.plan.strength {
                        active.affected += crimes;
                        let opened_as = rebadge[active.rng.random_range(0..rebadge.len())];
                        return CallOutcome::Suppressed { opened_as };
                    }
                }
                Mechanism::NonRecording if crimes > 0 => {
                    active.eligible += crimes;
                    if active.rng.random::<f64>() < active.plan.strength {
                        active.affected += crimes;
                        let closed_as = if rebadge.is_empty() {
                            "CONCERN_FOR_SAFETY"
                        } else {
                            rebadge[active.rng.random_range(0..rebadge.len())]
                        };
                        return CallOutcome::NotRecorded { closed_as };
                    }
                }
                _ => {}
            }
        }
        CallOutcome::Honest
    }

    /// Applies the crime-level mechanisms to a crime the extract shows.
    pub(crate) fn on_crime(&mut self, draft: &mut CrimeDraft, clock: &Clock) {
        let extract_at = self.extract_at;
        for active in &mut self.active {
            if !active.acts_in(draft.period)
                || !active.allows_call(draft.family)
                || !active.allows_offence(draft.offence)
            {
                continue;
            }
            match active.plan.mechanism {
                Mechanism::LateRecording => late_recording(active, draft, extract_at),
                Mechanism::Downgrading => downgrading(active, draft, clock, extract_at),
                Mechanism::MonthEndReclassification => {
                    month_end_reclassification(active, draft, clock, extract_at)
                }
                Mechanism::Cancellation => cancellation(active, draft, clock, extract_at),
                Mechanism::CallSuppression | Mechanism::NonRecording => {}
            }
        }
    }

    /// What each mechanism did, in plan order.
    pub(crate) fn counts(&self) -> Vec<MechanismCount> {
        self.plan_order
            .iter()
            .map(|&i| {
                let active = &self.active[i];
                MechanismCount {
                    plan: active.plan.clone(),
                    eligible: active.eligible,
                    affected: active.affected,
                }
            })
            .collect()
    }
}

fn activate(
    planned: &PlannedMechanism,
    position: usize,
    force: &ForcePlan,
    national: &NationalPlan,
    catalogue: &OffenceCatalogue,
) -> Result<Active, SynthError> {
    let call_types = if planned.filter.call_types.is_empty() {
        None
    } else {
        let mut allowed = [false; N_CALL_TYPES];
        for code in &planned.filter.call_types {
            let index = call_index(code).ok_or_else(|| {
                SynthError::Scenario(format!("filter names unknown call type `{code}`"))
            })?;
            allowed[index] = true;
        }
        Some(allowed)
    };
    let is_downgrade = matches!(
        planned.mechanism,
        Mechanism::Downgrading | Mechanism::MonthEndReclassification
    );
    let downgrade = if is_downgrade {
        DowngradeRules::new(
            &national.downgrade_pairs,
            &planned.filter.pairs,
            &planned.filter.offences,
            catalogue,
        )?
    } else {
        DowngradeRules::default()
    };
    // For the downgrade mechanisms the offence filter is already in the rules.
    let offences = if is_downgrade {
        None
    } else {
        expand_all(&planned.filter.offences, catalogue)?
    };
    Ok(Active {
        plan: planned.clone(),
        rng: stream_rng(national.seed, force.index, Stream::Gaming(position)),
        call_types,
        offences,
        downgrade,
        eligible: 0,
        affected: 0,
    })
}

/// The non-crime codes of each crime-related call type's re-badging pair, as static codes.
fn rebadge_targets(national: &NationalPlan) -> Vec<Vec<&'static str>> {
    let mut targets = vec![Vec::new(); N_CALL_TYPES];
    for pair in &national.rebadge_pairs {
        let Some(crime) = call_index(&pair.crime) else {
            continue;
        };
        for code in &pair.non_crime {
            if let Some(i) = call_index(code).filter(|&i| !CALL_TYPES[i].crime_related) {
                targets[crime].push(CALL_TYPES[i].code);
            }
        }
    }
    targets
}

/// Crimes that would have been recorded within a day are recorded 2-10 days after the report.
fn late_recording(active: &mut Active, draft: &mut CrimeDraft, extract_at: DateTime<Utc>) {
    let on_time = draft.recorded_at - draft.reported_at <= Duration::hours(24);
    let room = draft.reported_at + Duration::days(2) <= extract_at;
    if !(on_time && room && active.decide()) {
        return;
    }
    if let Some(late) = instant_within(
        &mut active.rng,
        draft.reported_at,
        2 * DAY,
        10 * DAY,
        extract_at,
    ) {
        draft.recorded_at = late;
        active.affected += 1;
    }
}

/// A serious crime recorded as a lesser one: half from the start, half recorded serious and
/// reclassified down 1-30 days later (from the start when that would fall after the extract).
fn downgrading(
    active: &mut Active,
    draft: &mut CrimeDraft,
    clock: &Clock,
    extract_at: DateTime<Utc>,
) {
    if draft.planted_offence.is_some() || draft.planted_cancel.is_some() {
        return;
    }
    let Some(lesser) = active.downgrade.lesser_for(draft.offence).cloned() else {
        return;
    };
    if !active.decide() {
        return;
    }
    let lesser = lesser.sample(&mut active.rng);
    let reclassify = active.rng.random_bool(0.5);
    let days = active.rng.random_range(1..=30);
    let at = clock.office_instant_after(&mut active.rng, draft.recorded_at, days);
    draft.planted_offence = Some(if reclassify && at <= extract_at {
        PlantedOffence {
            initial: draft.offence,
            final_code: lesser,
            reclassified_at: Some(at),
        }
    } else {
        PlantedOffence {
            initial: lesser,
            final_code: lesser,
            reclassified_at: None,
        }
    });
    active.affected += 1;
}

/// Downgrading by reclassification in the last days of the month the crime was recorded in
/// (or of the next month, when it was recorded inside the window).
fn month_end_reclassification(
    active: &mut Active,
    draft: &mut CrimeDraft,
    clock: &Clock,
    extract_at: DateTime<Utc>,
) {
    if draft.planted_offence.is_some() || draft.planted_cancel.is_some() {
        return;
    }
    let Some(lesser) = active.downgrade.lesser_for(draft.offence).cloned() else {
        return;
    };
    let earliest = draft.recorded_at + Duration::seconds(HOUR);
    let mut month = period_of(draft.recorded_at);
    if earliest >= month_end(month) - Duration::seconds(HOUR) {
        month = month.offset(1);
    }
    let window_start = (month_end(month) - Duration::days(MONTH_END_DAYS)).max(earliest);
    if window_start > extract_at || !active.decide() {
        return;
    }
    let lesser = lesser.sample(&mut active.rng);
    let at = month_end_instant(&mut active.rng, clock, window_start, month_end(month));
    draft.planted_offence = Some(PlantedOffence {
        initial: draft.offence,
        final_code: lesser,
        reclassified_at: Some(at.min(extract_at)),
    });
    active.affected += 1;
}

/// An office-hours instant in `[from, until)`: a day of the window, then an hour of the day.
fn month_end_instant(
    rng: &mut impl Rng,
    clock: &Clock,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DateTime<Utc> {
    let days = (until - from).num_days().max(0);
    let day = rng.random_range(0..=days);
    let at = clock.office_instant_after(rng, from, day);
    if at < until {
        at.max(from)
    } else {
        // The drawn hour fell past the month's end: anywhere in the remaining window instead.
        let span = (until - from).num_seconds().max(1);
        from + Duration::seconds(rng.random_range(0..span))
    }
}

/// A recorded crime, not honestly cancelled, cancelled without grounds.
fn cancellation(
    active: &mut Active,
    draft: &mut CrimeDraft,
    clock: &Clock,
    extract_at: DateTime<Utc>,
) {
    if draft.planted_offence.is_some()
        || draft.planted_cancel.is_some()
        || draft.honestly_cancelled(extract_at)
        || draft.recorded_at + Duration::seconds(HOUR) > extract_at
    {
        return;
    }
    if !active.decide() {
        return;
    }
    let reason = Categorical::new(GAMED_CANCEL_REASONS)
        .map(|reasons| reasons.sample(&mut active.rng))
        .unwrap_or("C2");
    let days = cancel_delay_days(&mut active.rng);
    let mut at = clock.office_instant_after(&mut active.rng, draft.recorded_at, days);
    if at > extract_at {
        at = instant_within(
            &mut active.rng,
            draft.recorded_at,
            HOUR,
            120 * DAY,
            extract_at,
        )
        .unwrap_or(extract_at);
    }
    draft.planted_cancel = Some((reason, at));
    active.affected += 1;
}

/// Days from recording to cancellation, honest or not (judgement): usually within a few weeks,
/// mean about two weeks, at most 120 days.
pub(crate) fn cancel_delay_days(rng: &mut impl Rng) -> i64 {
    let u: f64 = rng.random();
    (1.0 - 14.0 * (1.0 - u).ln()).min(120.0) as i64
}
