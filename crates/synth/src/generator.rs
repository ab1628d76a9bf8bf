//! The streaming generator: one force, month by month, handing each finished row to a
//! [`RecordSink`]. Per month it draws call volumes, places each call in time and in a BCU,
//! plays out what honestly happens to it, lets the planted gaming act, and writes incidents in
//! opening order and crimes in recording order. Memory holds one month of one force's calls
//! and the crimes not yet recorded, never a whole data set.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use recount_cube::{Crime, Incident, Period};

use crate::drafts::{CrimeDraft, OfficeOffset, Pending};
use crate::error::SynthError;
use crate::force_model::{ForceModel, RecordPractice};
use crate::mechanisms::{CallOutcome, Gaming, Mechanism, cancel_delay_days};
use crate::national::{
    CALL_TYPES, N_CALL_TYPES, N_CRIME_TYPES, TWO_CRIME_SHARE, call_index, non_crime_families,
    similar_crime_codes, similar_non_crime_codes,
};
use crate::negatives::{NegativeKind, SHOCK_PROFILE};
use crate::offences::offence_mix;
use crate::sampling::{Categorical, Stream, poisson, stream_rng, uniform, unit_gamma};
use crate::scenario::{ForcePlan, NationalPlan, ScenarioSource};
use crate::timing::{Clock, DAY, DayShape, HOUR, month_end};
use crate::truth::{ForceTruth, MechanismTruth, NegativeTruth, Truth};

/// Month-to-month over-dispersion of each force x month x call type count: coefficient of
/// variation of the Gamma factor (judgement, 6-8% is what monthly police counts show beyond
/// Poisson noise).
const CALL_MONTH_CV: f64 = 0.07;
/// Over-dispersion common to every call type of a force in a month (judgement).
const FORCE_MONTH_CV: f64 = 0.03;
/// Share of crimes honestly reclassified (judgement): corrected after recording, in either
/// direction or sideways, 1-60 days later.
const HONEST_RECLASS_RATE: f64 = 0.04;
/// Reasons of honest cancellations (judgement): C1 transferred, C2 additional verifiable
/// information, C3 duplicate, C4 recorded in error.
const HONEST_CANCEL_REASONS: [(&str, f64); 4] =
    [("C1", 0.30), ("C2", 0.40), ("C3", 0.25), ("C4", 0.05)];
/// Share of incidents closed without a closing code (judgement).
const NULL_CLOSING_RATE: f64 = 0.01;
/// Latest minutes between the call and the report time on a crime from it.
const REPORT_LAG_SECONDS: i64 = 20 * 60;

/// Where generated rows go.
pub trait RecordSink {
    /// Takes one incident; incidents arrive in opening order.
    fn incident(&mut self, incident: Incident) -> Result<(), SynthError>;
    /// Takes one crime; crimes arrive in recording order.
    fn crime(&mut self, crime: Crime) -> Result<(), SynthError>;
}

/// A sink that keeps every row in memory (for tiny scenarios and tests).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemorySink {
    /// Incidents, in the order received.
    pub incidents: Vec<Incident>,
    /// Crimes, in the order received.
    pub crimes: Vec<Crime>,
}

impl RecordSink for MemorySink {
    fn incident(&mut self, incident: Incident) -> Result<(), SynthError> {
        self.incidents.push(incident);
        Ok(())
    }

    fn crime(&mut self, crime: Crime) -> Result<(), SynthError> {
        self.crimes.push(crime);
        Ok(())
    }
}

/// A generated data set held in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// What was planted.
    pub truth: Truth,
    /// Every incident, force by force in the scenario's order, each force in time order.
    pub incidents: Vec<Incident>,
    /// Every crime, likewise.
    pub crimes: Vec<Crime>,
}

/// Generates a whole scenario (or a configuration's preset) in memory, forces in parallel.
/// For tiny scenarios: a national one does not fit in memory; write it with
/// [`write_dataset`](crate::write_dataset).
pub fn generate(source: &impl ScenarioSource) -> Result<Dataset, SynthError> {
    let scenario = source.scenario()?;
    let scenario = scenario.as_ref();
    scenario.validate()?;
    let per_force: Vec<(ForceTruth, MemorySink)> = scenario
        .forces
        .par_iter()
        .map(|plan| {
            let mut sink = MemorySink::default();
            generate_force(plan, &scenario.national, &mut sink).map(|truth| (truth, sink))
        })
        .collect::<Result<_, _>>()?;
    let mut truths = Vec::with_capacity(per_force.len());
    let mut incidents = Vec::new();
    let mut crimes = Vec::new();
    for (truth, sink) in per_force {
        truths.push(truth);
        incidents.extend(sink.incidents);
        crimes.extend(sink.crimes);
    }
    Ok(Dataset {
        truth: Truth::assemble(scenario, truths),
        incidents,
        crimes,
    })
}

/// Generates one force, streaming its rows into `sink`, and returns its truth. The rows
/// depend only on the plan and the national settings (not on threads or other forces), so
/// callers may run forces in parallel.
pub fn generate_force(
    plan: &ForcePlan,
    national: &NationalPlan,
    sink: &mut impl RecordSink,
) -> Result<ForceTruth, SynthError> {
    plan.validate(national)?;
    ForceGenerator::new(plan, national)?.run(sink)
}

/// A call placed in time, before anything happens to it.
struct CallDraft {
    opened_at: DateTime<Utc>,
    call: usize,
    bcu: Option<u16>,
}

/// The honest record-level model: offence mixes, delays, reclassification and cancellation,
/// closing codes. Every draw takes the stream explicitly.
struct Honest {
    clock: Clock,
    offences: Vec<Categorical<&'static str>>,
    /// Each family's codes with their weights and which side of the family's seriousness they
    /// are on (+1/2 above its mean rank, -1/2 below), for a mix tilted by a drift.
    seriousness: Vec<Vec<(&'static str, f64, f64)>>,
    non_crime_family: Vec<Option<Categorical<usize>>>,
    cancel_reasons: Categorical<&'static str>,
    /// Non-crime codes an honest no-crime outcome of a crime-related call is closed with.
    no_crime_closings: Vec<Vec<&'static str>>,
}

impl Honest {
    fn new(national: &NationalPlan) -> Result<Self, SynthError> {
        let missing = |what: &str| SynthError::Scenario(format!("empty distribution: {what}"));
        let offences = CALL_TYPES[..N_CRIME_TYPES]
            .iter()
            .map(|facts| {
                Categorical::new(offence_mix(facts.code).iter().copied())
                    .ok_or_else(|| missing(facts.code))
            })
            .collect::<Result<_, _>>()?;
        let catalogue = recount_cube::OffenceCatalogue::builtin();
        let seriousness = CALL_TYPES[..N_CRIME_TYPES]
            .iter()
            .map(|facts| seriousness_sides(offence_mix(facts.code), &catalogue))
            .collect();
        let non_crime_family = CALL_TYPES
            .iter()
            .map(|facts| {
                if facts.crime_related {
                    return None;
                }
                Categorical::new(
                    non_crime_families(facts.code)
                        .iter()
                        .filter_map(|(code, w)| call_index(code).map(|i| (i, *w))),
                )
            })
            .collect();
        let mut no_crime_closings = vec![Vec::new(); N_CALL_TYPES];
        for pair in &national.rebadge_pairs {
            if let Some(crime) = call_index(&pair.crime) {
                no_crime_closings[crime] = pair
                    .non_crime
                    .iter()
                    .filter_map(|code| call_index(code).map(|i| CALL_TYPES[i].code))
                    .collect();
            }
        }
        Ok(Honest {
            clock: Clock::new(),
            offences,
            seriousness,
            non_crime_family,
            cancel_reasons: Categorical::new(HONEST_CANCEL_REASONS)
                .ok_or_else(|| missing("cancel reasons"))?,
            no_crime_closings,
        })
    }

    /// The closing code of an honest call: usually its own type; otherwise a neighbouring
    /// code that fits what happened (`family` is the crime family when it produced crimes).
    /// `shift` moves that share of crime-related calls without a crime from their own code to
    /// a non-crime one (a change of closing practice).
    fn closing(
        &self,
        rng: &mut ChaCha8Rng,
        call: usize,
        family: Option<usize>,
        shift: f64,
    ) -> Option<&'static str> {
        let facts = &CALL_TYPES[call];
        let u: f64 = rng.random();
        if u < NULL_CLOSING_RATE {
            return None;
        }
        let mut pick = |list: &[&'static str]| match list.len() {
            0 => facts.code,
            n => list[rng.random_range(0..n)],
        };
        Some(match (facts.crime_related, family) {
            (true, Some(_)) if u < 0.91 => facts.code,
            (true, Some(_)) => pick(similar_crime_codes(facts.code)),
            (true, None) if u < (0.46 - shift).max(NULL_CLOSING_RATE) => facts.code,
            (true, None) if u < 0.91 && !self.no_crime_closings[call].is_empty() => {
                pick(&self.no_crime_closings[call])
            }
            (true, None) => pick(similar_crime_codes(facts.code)),
            (false, Some(family)) if u < 0.61 => CALL_TYPES[family].code,
            (false, Some(_)) => facts.code,
            (false, None) if u < 0.95 => facts.code,
            (false, None) => pick(similar_non_crime_codes(facts.code)),
        })
    }

    /// An honest offence of the family, its mix tilted by `tilt` in the log-odds towards its
    /// more serious codes.
    fn offence(&self, rng: &mut ChaCha8Rng, family: usize, tilt: f64) -> &'static str {
        if tilt == 0.0 {
            return self.offences[family].sample(rng);
        }
        let codes = &self.seriousness[family];
        let weight = |&(_, w, side): &(&'static str, f64, f64)| w * (tilt * side).exp();
        let total: f64 = codes.iter().map(weight).sum();
        let mut u = rng.random::<f64>() * total;
        for code in codes {
            u -= weight(code);
            if u < 0.0 {
                return code.0;
            }
        }
        codes
            .last()
            .map_or_else(|| self.offences[family].sample(rng), |c| c.0)
    }

    /// A crime of the family reported at `reported_at`, with its honest history.
    #[allow(clippy::too_many_arguments)]
    fn crime(
        &self,
        rng: &mut ChaCha8Rng,
        seq: u64,
        family: usize,
        period: Period,
        practice: RecordPractice,
        incident_id: Option<String>,
        reported_at: DateTime<Utc>,
        bcu: Option<u16>,
    ) -> CrimeDraft {
        let offences = &self.offences[family];
        let offence = self.offence(rng, family, practice.serious_tilt);
        let recorded_at =
            reported_at + Duration::seconds(recording_delay_seconds(rng, practice.late_share));
        let honest_reclass = if rng.random::<f64>() < HONEST_RECLASS_RATE {
            let initial = (0..16)
                .map(|_| offences.sample(rng))
                .find(|code| *code != offence);
            let offset = OfficeOffset {
                days: rng.random_range(1..=60),
                second_of_day: self.clock.second_of_day(rng, DayShape::Office),
            };
            initial.map(|code| (code, offset))
        } else {
            None
        };
        let honest_cancel = if rng.random::<f64>() < practice.cancel_rate {
            let reason = self.cancel_reasons.sample(rng);
            let offset = OfficeOffset {
                days: cancel_delay_days(rng),
                second_of_day: self.clock.second_of_day(rng, DayShape::Office),
            };
            Some((reason, offset))
        } else {
            None
        };
        CrimeDraft {
            seq,
            period,
            family,
            incident_id,
            bcu,
            reported_at,
            recorded_at,
            offence,
            honest_reclass,
            honest_cancel,
            planted_offence: None,
            planted_cancel: None,
        }
    }
}

/// Each code of a family's mix with its weight and its side of the family's seriousness:
/// +1/2 above the mix's mean severity rank, -1/2 below, 0 at it or without a rank.
fn seriousness_sides(
    mix: &[(&'static str, f64)],
    catalogue: &recount_cube::OffenceCatalogue,
) -> Vec<(&'static str, f64, f64)> {
    let ranked: Vec<(f64, f64)> = mix
        .iter()
        .filter_map(|&(code, w)| catalogue.severity(code).map(|r| (f64::from(r), w)))
        .collect();
    let weight: f64 = ranked.iter().map(|(_, w)| w).sum();
    let mean = ranked.iter().map(|(r, w)| r * w).sum::<f64>() / weight.max(f64::MIN_POSITIVE);
    mix.iter()
        .map(|&(code, w)| {
            let side = catalogue.severity(code).map_or(0.0, |r| {
                let r = f64::from(r);
                if r > mean {
                    0.5
                } else if r < mean {
                    -0.5
                } else {
                    0.0
                }
            });
            (code, w, side)
        })
        .collect()
}

/// Seconds from report to recording (judgement, from the 24-hour rule and what inspections
/// found): `late` of crimes after 24 hours (honestly 15%), two thirds of those within 72 hours
/// and the rest later (a long tail of up to 60 days); the others mostly within a few hours.
fn recording_delay_seconds(rng: &mut impl Rng, late: f64) -> i64 {
    let band: f64 = rng.random();
    let seconds = if band < 1.0 - late {
        let quick = 600.0 - 4.0 * HOUR as f64 * (1.0 - rng.random::<f64>()).ln();
        if quick <= DAY as f64 {
            quick
        } else {
            uniform(rng, 600.0, DAY as f64)
        }
    } else if band < 1.0 - late / 3.0 {
        uniform(rng, DAY as f64 + 1.0, 3.0 * DAY as f64)
    } else {
        let tail = -7.0 * DAY as f64 * (1.0 - rng.random::<f64>()).ln();
        (3.0 * DAY as f64 + 1.0 + tail).min(60.0 * DAY as f64)
    };
    seconds as i64
}

struct ForceGenerator<'a> {
    plan: &'a ForcePlan,
    national: &'a NationalPlan,
    model: ForceModel,
    honest: Honest,
    gaming: Gaming,
    volume_rng: ChaCha8Rng,
    incident_rng: ChaCha8Rng,
    record_rng: ChaCha8Rng,
    other_rng: ChaCha8Rng,
    extract_at: DateTime<Utc>,
    pending: BinaryHeap<Reverse<Pending>>,
    next_seq: u64,
    incidents: u64,
    crimes: u64,
}

impl<'a> ForceGenerator<'a> {
    fn new(plan: &'a ForcePlan, national: &'a NationalPlan) -> Result<Self, SynthError> {
        let rng = |stream| stream_rng(national.seed, plan.index, stream);
        Ok(ForceGenerator {
            plan,
            national,
            model: ForceModel::new(plan, national),
            honest: Honest::new(national)?,
            gaming: Gaming::new(plan, national)?,
            volume_rng: rng(Stream::Volume),
            incident_rng: rng(Stream::Incidents),
            record_rng: rng(Stream::Records),
            other_rng: rng(Stream::OtherChannel),
            extract_at: national.extract_at(),
            pending: BinaryHeap::new(),
            next_seq: 0,
            incidents: 0,
            crimes: 0,
        })
    }

    fn run(mut self, sink: &mut impl RecordSink) -> Result<ForceTruth, SynthError> {
        for (month, period) in self.national.periods().enumerate() {
            let calls = self.draw_calls(month, period);
            let mut from_calls = [0u64; N_CRIME_TYPES];
            for call in calls {
                self.play_call(call, period, &mut from_calls, sink)?;
            }
            self.other_channel(month, period, &from_calls);
            self.flush(Some(month_end(period)), sink)?;
        }
        self.flush(None, sink)?;
        Ok(self.truth())
    }

    /// This month's calls, placed in time and BCU, in opening order.
    fn draw_calls(&mut self, month: usize, period: Period) -> Vec<CallDraft> {
        let common = unit_gamma(&mut self.volume_rng, FORCE_MONTH_CV);
        let mut calls = Vec::new();
        for (call, facts) in CALL_TYPES.iter().enumerate() {
            let expected = self
                .model
                .expected_calls(self.plan, self.national, call, period);
            let lambda = expected * common * unit_gamma(&mut self.volume_rng, CALL_MONTH_CV);
            let count = poisson(&mut self.volume_rng, lambda);
            let shape = facts.day_shape;
            for _ in 0..count {
                let opened_at =
                    self.honest
                        .clock
                        .instant_in_month(&mut self.incident_rng, period, shape);
                let bcu = self
                    .model
                    .bcus_in(month)
                    .map(|bcus| bcus.sample(&mut self.incident_rng));
                calls.push(CallDraft {
                    opened_at,
                    call,
                    bcu,
                });
            }
        }
        // Stable: calls opened in the same second keep their drawing order.
        calls.sort_by_key(|c| c.opened_at);
        calls
    }

    /// What happens to one call: honestly, then under the planted gaming.
    fn play_call(
        &mut self,
        draft: CallDraft,
        period: Period,
        from_calls: &mut [u64; N_CRIME_TYPES],
        sink: &mut impl RecordSink,
    ) -> Result<(), SynthError> {
        self.incidents += 1;
        let incident_id = format!("INC-{}-{:08}", self.plan.force_id, self.incidents);
        let facts = &CALL_TYPES[draft.call];
        let rng = &mut self.record_rng;

        let produces =
            rng.random::<f64>() < self.model.conversion_in(draft.call, draft.bcu, period);
        let family = match (produces, facts.crime_related) {
            (false, _) => None,
            (true, true) => Some(draft.call),
            (true, false) => self.honest.non_crime_family[draft.call]
                .as_ref()
                .map(|families| families.sample(rng)),
        };
        let count = match family {
            None => 0,
            Some(_) if rng.random::<f64>() < TWO_CRIME_SHARE => 2,
            Some(_) => 1,
        };
        let shift: f64 = self
            .plan
            .negatives
            .iter()
            .map(|n| n.closing_shift(period))
            .sum();
        let closing = self.honest.closing(rng, draft.call, family, shift);
        let practice = self.model.record_practice(period);
        let mut crimes = Vec::with_capacity(count);
        for _ in 0..count {
            let Some(family) = family else { break };
            from_calls[family] += 1;
            let reported_at =
                draft.opened_at + Duration::seconds(rng.random_range(0..=REPORT_LAG_SECONDS));
            self.next_seq += 1;
            let crime = self.honest.crime(
                rng,
                self.next_seq,
                family,
                period,
                practice,
                Some(incident_id.clone()),
                reported_at,
                draft.bcu,
            );
            // A crime recorded after the extract was taken is not in the data.
            if crime.recorded_at <= self.extract_at {
                crimes.push(crime);
            }
        }

        let outcome = self.gaming.on_call(draft.call, period, crimes.len() as u64);
        let (call_type, closing_code) = match outcome {
            CallOutcome::Honest => (facts.code, closing),
            CallOutcome::Suppressed { opened_as } => {
                crimes.clear();
                (opened_as, Some(opened_as))
            }
            CallOutcome::NotRecorded { closed_as } => {
                crimes.clear();
                (facts.code, Some(closed_as))
            }
        };
        sink.incident(Incident {
            incident_id,
            force_id: self.plan.force_id.clone(),
            opened_at: draft.opened_at,
            call_type: call_type.to_string(),
            closing_code: closing_code.map(str::to_string),
            bcu: self.bcu_name(draft.bcu),
        })?;
        for mut crime in crimes {
            self.gaming.on_crime(&mut crime, &self.honest.clock);
            self.pending.push(Reverse(Pending(crime)));
        }
        Ok(())
    }

    /// Crimes reported without a call this month (online, front desk): for each family, in
    /// proportion to the honest crimes from calls of that family.
    fn other_channel(&mut self, month: usize, period: Period, from_calls: &[u64; N_CRIME_TYPES]) {
        let rng = &mut self.other_rng;
        let practice = self.model.record_practice(period);
        for (family, &crimes) in from_calls.iter().enumerate() {
            let count = poisson(rng, self.model.other_channel_ratio[family] * crimes as f64);
            for _ in 0..count {
                let reported_at = self
                    .honest
                    .clock
                    .instant_in_month(rng, period, DayShape::Office);
                let bcu = self.model.bcus_in(month).map(|bcus| bcus.sample(rng));
                self.next_seq += 1;
                let mut crime = self.honest.crime(
                    rng,
                    self.next_seq,
                    family,
                    period,
                    practice,
                    None,
                    reported_at,
                    bcu,
                );
                if crime.recorded_at <= self.extract_at {
                    self.gaming.on_crime(&mut crime, &self.honest.clock);
                    self.pending.push(Reverse(Pending(crime)));
                }
            }
        }
    }

    /// Writes the pending crimes recorded before `until` (all of them for `None`), in
    /// recording order, numbering them as they are recorded.
    fn flush(
        &mut self,
        until: Option<DateTime<Utc>>,
        sink: &mut impl RecordSink,
    ) -> Result<(), SynthError> {
        while self
            .pending
            .peek()
            .is_some_and(|Reverse(p)| until.is_none_or(|until| p.0.recorded_at < until))
        {
            let Some(Reverse(Pending(draft))) = self.pending.pop() else {
                break;
            };
            self.crimes += 1;
            let crime_id = format!("CRM-{}-{:08}", self.plan.force_id, self.crimes);
            let bcu_names: &[String] = if self.national.hide_bcus {
                &[]
            } else {
                &self.model.bcu_names
            };
            sink.crime(draft.finish(crime_id, &self.plan.force_id, bcu_names, self.extract_at))?;
        }
        Ok(())
    }

    fn bcu_name(&self, bcu: Option<u16>) -> Option<String> {
        if self.national.hide_bcus {
            return None;
        }
        bcu.and_then(|i| self.model.bcu_names.get(usize::from(i)))
            .cloned()
    }

    fn truth(&self) -> ForceTruth {
        let plan = self.plan;
        let mechanisms: Vec<MechanismTruth> = self
            .gaming
            .counts()
            .into_iter()
            .map(|count| MechanismTruth {
                mechanism: count.plan.mechanism,
                start: count.plan.start,
                strength: count.plan.strength,
                eligible_records: count.eligible,
                affected_records: count.affected,
                filter: count.plan.filter,
            })
            .collect();
        let sum = |late: bool| {
            mechanisms
                .iter()
                .filter(|m| (m.mechanism == Mechanism::LateRecording) == late)
                .map(|m| m.affected_records)
                .sum()
        };
        ForceTruth {
            force_id: plan.force_id.clone(),
            name: plan.name.clone(),
            incidents_per_month: plan.incidents_per_month,
            targeted: plan.targeted,
            gamed: plan.gamed(),
            bcus: self.model.bcu_names.clone(),
            incidents: self.incidents,
            crimes: self.crimes,
            affected_records: sum(false),
            late_records: sum(true),
            hard_negatives: self.hard_negatives(),
            mechanisms,
        }
    }

    /// The force's planted negatives, then the national shock, then targeted-honest.
    fn hard_negatives(&self) -> Vec<NegativeTruth> {
        let national = self.national;
        let mut negatives: Vec<NegativeTruth> = self
            .plan
            .negatives
            .iter()
            .map(|n| NegativeTruth {
                kind: n.kind(),
                start: n.start(),
                size: n.signed_size(),
                detail: n.detail(),
            })
            .collect();
        if let Some(start) = national.shock_start {
            let end = start.offset(SHOCK_PROFILE.len() as i32 - 1);
            if start <= national.last_month() && end >= national.start {
                negatives.push(NegativeTruth {
                    kind: NegativeKind::NationalShock,
                    start,
                    size: self.model.shock_size(),
                    detail: "lockdown-like national shock: most crime-related calls fall, domestic abuse, welfare concerns, ASB and drugs rise; recovers over the following months".into(),
                });
            }
        }
        if self.plan.targeted
            && !self.plan.gamed()
            && let Some(target) = national.target_of(&self.plan.force_id)
        {
            negatives.push(NegativeTruth {
                kind: NegativeKind::TargetedHonest,
                start: Period::of_date(target.start),
                size: 0.0,
                detail: format!("under target `{}` and recording honestly", target.name),
            });
        }
        negatives
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::force_model::HONEST_LATE_SHARE;

    /// Shares of delays within a day and within three days.
    fn delay_bands(late: f64) -> (f64, f64) {
        let mut rng = stream_rng(5, 0, Stream::Records);
        let n = 50_000;
        let delays: Vec<i64> = (0..n)
            .map(|_| recording_delay_seconds(&mut rng, late))
            .collect();
        assert!(delays.iter().all(|&d| d > 0 && d <= 60 * DAY));
        let share = |limit: i64| delays.iter().filter(|&&d| d <= limit).count() as f64 / n as f64;
        (share(DAY), share(3 * DAY))
    }

    #[test]
    fn delays_follow_the_bands() {
        let (within_day, within_three) = delay_bands(HONEST_LATE_SHARE);
        assert!((within_day - 0.85).abs() < 0.01, "{within_day}");
        assert!((within_three - 0.95).abs() < 0.01, "{within_three}");
        // A force drifting to record more late keeps the bands' proportions.
        let (within_day, within_three) = delay_bands(0.3);
        assert!((within_day - 0.7).abs() < 0.01, "{within_day}");
        assert!((within_three - 0.9).abs() < 0.01, "{within_three}");
    }

    #[test]
    fn a_tilted_mix_moves_the_odds_of_the_serious_codes_by_the_tilt() {
        let honest = Honest::new(&NationalPlan::new(1, Period::new(2020, 1).unwrap(), 12))
            .expect("the national model");
        let assault = call_index("ASSAULT").expect("a call type");
        let sides = &honest.seriousness[assault];
        let side = |code: &str| sides.iter().find(|c| c.0 == code).map(|c| c.2);
        assert_eq!(side("8N"), Some(0.5), "{sides:?}");
        assert_eq!(side("105A"), Some(-0.5), "{sides:?}");
        let mut rng = stream_rng(9, 0, Stream::Records);
        let odds_8n = |tilt: f64, rng: &mut ChaCha8Rng| {
            let n = 60_000;
            let draws: Vec<&str> = (0..n).map(|_| honest.offence(rng, assault, tilt)).collect();
            let count = |code: &str| draws.iter().filter(|&&d| d == code).count() as f64;
            count("8N") / count("105A")
        };
        let flat = odds_8n(0.0, &mut rng);
        assert!((flat - 0.35 / 0.50).abs() < 0.03, "{flat}");
        // 8N is above the mix's mean rank and 105A below: the tilt moves their odds by e^1.
        let tilted = odds_8n(1.0, &mut rng);
        assert!((tilted / flat - 1f64.exp()).abs() < 0.15, "{tilted} {flat}");
    }

    #[test]
    fn office_offsets_move_with_the_reference() {
        let from = crate::timing::month_start(Period::new(2022, 3).unwrap());
        let offset = OfficeOffset {
            days: 2,
            second_of_day: 10 * HOUR,
        };
        assert_eq!(offset.after(from), from + Duration::hours(58));
        assert_eq!(
            offset.after(from + Duration::days(1)),
            from + Duration::hours(82)
        );
    }
}
