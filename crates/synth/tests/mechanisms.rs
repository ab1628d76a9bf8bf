//! Each mechanism does exactly what the truth says it did: counted while generating, and
//! checked here against the rows, by comparing a gamed force with the same force un-gamed
//! (they share every honest draw).

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Datelike, Duration};
use common::*;
use recount_cube::{CRIME_RELATED_CALL_TYPES, OffenceCatalogue};
use recount_synth::{Dataset, MONTH_END_DAYS, Mechanism, PlannedMechanism, generate};

const CALLS: f64 = 2_500.0;
const MONTHS: u32 = 6;

fn run(mechanism: PlannedMechanism) -> (Dataset, Dataset) {
    let honest = one_force(41, MONTHS, CALLS);
    let gamed = with_mechanism(&honest, mechanism);
    (generate(&gamed).unwrap(), generate(&honest).unwrap())
}

fn truth_of(data: &Dataset) -> (u64, u64) {
    let m = &data.truth.forces[0].mechanisms[0];
    (m.eligible_records, m.affected_records)
}

#[test]
fn strength_zero_affects_nothing_and_strength_one_affects_every_eligible_record() {
    let scenario = one_force(5, 4, 1_500.0);
    for mechanism in Mechanism::ALL {
        let none = generate(&with_mechanism(&scenario, full(&scenario, mechanism, 0.0))).unwrap();
        let all = generate(&with_mechanism(&scenario, full(&scenario, mechanism, 1.0))).unwrap();
        let (eligible_0, affected_0) = truth_of(&none);
        let (eligible_1, affected_1) = truth_of(&all);
        assert_eq!(affected_0, 0, "{mechanism:?} at strength 0");
        assert!(eligible_0 > 0, "{mechanism:?} had nothing eligible");
        assert_eq!(affected_1, eligible_1, "{mechanism:?} at strength 1");
        assert!(affected_1 > 0, "{mechanism:?}");
        // At strength 0 the rows are the honest rows.
        let honest = generate(&scenario).unwrap();
        assert_eq!(none.incidents, honest.incidents, "{mechanism:?}");
        assert_eq!(none.crimes, honest.crimes, "{mechanism:?}");
    }
}

#[test]
fn non_recording_removes_exactly_the_affected_crimes() {
    let scenario = one_force(41, MONTHS, CALLS);
    let (gamed, honest) = run(full(&scenario, Mechanism::NonRecording, 0.3));
    let (_, affected) = truth_of(&gamed);
    assert!(affected > 50);
    assert_eq!(honest.crimes.len() - gamed.crimes.len(), affected as usize);
    assert_eq!(gamed.truth.forces[0].affected_records, affected);
    // Calls are unchanged in number and type; some are closed as non-crime instead.
    assert_eq!(gamed.incidents.len(), honest.incidents.len());
    for (g, h) in gamed.incidents.iter().zip(&honest.incidents) {
        assert_eq!((g.opened_at, &g.call_type), (h.opened_at, &h.call_type));
    }
}

#[test]
fn non_recording_at_full_strength_leaves_no_crime_from_crime_related_calls() {
    let scenario = one_force(41, MONTHS, CALLS);
    let start = middle(&scenario);
    let (gamed, _) = run(full(&scenario, Mechanism::NonRecording, 1.0));
    let incidents = incidents_by_id(&gamed.incidents);
    let from_crime_calls_after_start = gamed
        .crimes
        .iter()
        .filter_map(|c| c.incident_id.as_deref())
        .map(|id| incidents[id])
        .filter(|i| period(i.opened_at) >= start)
        .filter(|i| CRIME_RELATED_CALL_TYPES.contains(&i.call_type.as_str()))
        .count();
    assert_eq!(from_crime_calls_after_start, 0);
}

#[test]
fn call_suppression_rebadges_calls_and_loses_their_crimes() {
    let scenario = one_force(43, MONTHS, CALLS);
    let start = middle(&scenario);
    let (gamed, honest) = run(full(&scenario, Mechanism::CallSuppression, 1.0));
    let (eligible, affected) = truth_of(&gamed);
    assert_eq!(eligible, affected);
    assert_eq!(honest.crimes.len() - gamed.crimes.len(), affected as usize);
    let crime_calls_after = gamed
        .incidents
        .iter()
        .filter(|i| period(i.opened_at) >= start)
        .filter(|i| CRIME_RELATED_CALL_TYPES.contains(&i.call_type.as_str()))
        .count();
    assert_eq!(
        crime_calls_after, 0,
        "every crime-related call is re-badged"
    );
    // Re-badged calls are closed as the type they were opened as.
    for (g, h) in gamed.incidents.iter().zip(&honest.incidents) {
        if g.call_type != h.call_type {
            assert_eq!(g.closing_code.as_deref(), Some(g.call_type.as_str()));
            assert!(!CRIME_RELATED_CALL_TYPES.contains(&g.call_type.as_str()));
        }
    }
}

#[test]
fn downgrading_moves_every_serious_crime_down_at_full_strength() {
    let scenario = one_force(47, MONTHS, CALLS);
    let start = middle(&scenario);
    let planted = full(&scenario, Mechanism::Downgrading, 1.0).only_pairs(&["8N>105A"]);
    let (gamed, honest) = run(planted);
    let (_, affected) = truth_of(&gamed);
    // The honest rows show the true offence as final (nothing is censored with a long lag).
    let serious_after_start = honest
        .crimes
        .iter()
        .filter(|c| period(c.reported_at) >= start && c.offence_final == "8N")
        .count();
    assert_eq!(affected as usize, serious_after_start);
    assert_eq!(gamed.crimes.len(), honest.crimes.len());
    let still_serious = gamed
        .crimes
        .iter()
        .filter(|c| period(c.reported_at) >= start && c.offence_final == "8N")
        .count();
    assert_eq!(still_serious, 0);
    // About half are recorded lesser from the start, half reclassified down within 30 days.
    let honest_by_id = crimes_by_id(&honest.crimes);
    let (mut from_start, mut reclassified) = (0, 0);
    for crime in &gamed.crimes {
        let before = honest_by_id[crime.crime_id.as_str()];
        if before.offence_final == "8N" && period(crime.reported_at) >= start {
            assert_eq!(crime.offence_final, "105A");
            match crime.reclassified_at {
                Some(at) => {
                    reclassified += 1;
                    assert_eq!(crime.offence_initial, "8N");
                    assert!(at > crime.recorded_at && at <= crime.recorded_at + Duration::days(31));
                }
                None => {
                    from_start += 1;
                    assert_eq!(crime.offence_initial, "105A");
                }
            }
        }
    }
    let share = from_start as f64 / (from_start + reclassified) as f64;
    assert!((0.4..0.6).contains(&share), "{share}");
}

#[test]
fn downgrading_by_offence_filter_touches_only_those_offences() {
    let scenario = one_force(53, MONTHS, CALLS);
    let planted = full(&scenario, Mechanism::Downgrading, 1.0).only_offences(&["Rape"]);
    let (gamed, honest) = run(planted);
    let catalogue = OffenceCatalogue::builtin();
    let honest_by_id = crimes_by_id(&honest.crimes);
    let mut touched = 0;
    for crime in &gamed.crimes {
        let before = honest_by_id[crime.crime_id.as_str()];
        if before.offence_final != crime.offence_final {
            touched += 1;
            assert!(
                before.offence_final.starts_with("19"),
                "{}",
                before.offence_final
            );
            assert!(catalogue.is_downgrade(&before.offence_final, &crime.offence_final));
        }
    }
    assert_eq!(touched as u64, truth_of(&gamed).1);
}

#[test]
fn month_end_reclassification_bunches_in_the_last_days() {
    let scenario = one_force(59, MONTHS, CALLS);
    let start = middle(&scenario);
    let (gamed, honest) = run(full(&scenario, Mechanism::MonthEndReclassification, 1.0));
    let honest_by_id = crimes_by_id(&honest.crimes);
    let catalogue = OffenceCatalogue::builtin();
    let mut changed = 0;
    for crime in &gamed.crimes {
        let before = honest_by_id[crime.crime_id.as_str()];
        if crime.offence_final == before.offence_final {
            continue;
        }
        changed += 1;
        assert!(period(crime.reported_at) >= start);
        assert_eq!(crime.offence_initial, before.offence_final);
        assert!(catalogue.is_downgrade(&crime.offence_initial, &crime.offence_final));
        let at = crime.reclassified_at.unwrap();
        let days_in_month = period(at).days();
        assert!(at.day() > days_in_month - MONTH_END_DAYS as u32, "{at}");
        assert!(at > crime.recorded_at);
    }
    assert_eq!(changed as u64, truth_of(&gamed).1);
    assert!(changed > 20);
}

#[test]
fn cancellation_adds_exactly_the_affected_cancellations() {
    let scenario = one_force(61, MONTHS, CALLS);
    let (gamed, honest) = run(full(&scenario, Mechanism::Cancellation, 0.2));
    let cancelled = |d: &Dataset| d.crimes.iter().filter(|c| c.cancelled_at.is_some()).count();
    let (_, affected) = truth_of(&gamed);
    assert_eq!(cancelled(&gamed) - cancelled(&honest), affected as usize);
    for crime in &gamed.crimes {
        if let Some(at) = crime.cancelled_at {
            assert!(at > crime.recorded_at);
            assert!(crime.cancel_reason.is_some());
        }
    }
}

#[test]
fn late_recording_is_counted_apart_from_lost_records() {
    let scenario = one_force(67, MONTHS, CALLS);
    let start = middle(&scenario);
    let (gamed, honest) = run(full(&scenario, Mechanism::LateRecording, 0.25));
    let late = |d: &Dataset| {
        d.crimes
            .iter()
            .filter(|c| c.recorded_at - c.reported_at > Duration::hours(24))
            .count()
    };
    let (_, affected) = truth_of(&gamed);
    assert_eq!(late(&gamed) - late(&honest), affected as usize);
    let force = &gamed.truth.forces[0];
    assert_eq!(force.late_records, affected);
    assert_eq!(force.affected_records, 0);
    assert_eq!(gamed.crimes.len(), honest.crimes.len());
    // Planted delays are 2-10 days: the 2-10 day band grows by exactly the affected count.
    let band = |d: &Dataset| {
        d.crimes
            .iter()
            .filter(|c| period(c.reported_at) >= start)
            .filter(|c| {
                let delay = c.recorded_at - c.reported_at;
                delay >= Duration::days(2) && delay <= Duration::days(10)
            })
            .count()
    };
    assert_eq!(band(&gamed) - band(&honest), affected as usize);
}

#[test]
fn mechanisms_only_act_from_their_start() {
    let scenario = one_force(71, MONTHS, CALLS);
    let start = middle(&scenario);
    let (gamed, honest) = run(full(&scenario, Mechanism::NonRecording, 0.5));
    let before = |d: &Dataset| {
        d.crimes
            .iter()
            .filter(|c| period(c.reported_at) < start)
            .count()
    };
    assert_eq!(before(&gamed), before(&honest));
}

#[test]
fn affected_records_sum_the_mechanisms_except_late_recording() {
    let scenario = one_force(73, MONTHS, CALLS);
    let start = middle(&scenario);
    let mut gamed = scenario.clone();
    gamed.forces[0].mechanisms = vec![
        PlannedMechanism::new(Mechanism::Downgrading, start, 0.3),
        PlannedMechanism::new(Mechanism::NonRecording, start, 0.1),
        PlannedMechanism::new(Mechanism::Cancellation, start, 0.1),
        PlannedMechanism::new(Mechanism::LateRecording, start, 0.1),
        PlannedMechanism::new(Mechanism::MonthEndReclassification, start, 0.2),
    ];
    let data = generate(&gamed).unwrap();
    let force = &data.truth.forces[0];
    let sum: u64 = force
        .mechanisms
        .iter()
        .filter(|m| m.mechanism != Mechanism::LateRecording)
        .map(|m| m.affected_records)
        .sum();
    assert_eq!(force.affected_records, sum);
    assert_eq!(
        force.late_records,
        force
            .mechanism(Mechanism::LateRecording)
            .unwrap()
            .affected_records
    );
    assert!(force.gamed);
    assert_eq!(data.truth.totals.affected_records, sum);
    // The mechanisms are reported in plan order.
    let order: Vec<Mechanism> = force.mechanisms.iter().map(|m| m.mechanism).collect();
    assert_eq!(order[0], Mechanism::Downgrading);
    assert_eq!(order[4], Mechanism::MonthEndReclassification);
}
