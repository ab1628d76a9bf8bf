//! The generated rows look like a force's data: valid codes, plausible rates, seasonality,
//! consistent timestamps and ids.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use common::*;
use recount_cube::{CallVocabulary, OffenceCatalogue, Period};
use recount_synth::{
    Dataset, Mechanism, NegativeKind, PlannedNegative, Preset, Scenario, SynthConfig, generate,
};

fn default_tiny() -> Dataset {
    let config = SynthConfig::tiny(3, 6, 8);
    generate(&Scenario::from_config(&config).unwrap()).unwrap()
}

#[test]
fn codes_come_from_the_catalogue_and_the_vocabulary() {
    let data = default_tiny();
    let catalogue = OffenceCatalogue::builtin();
    let vocabulary = CallVocabulary::default();
    for incident in &data.incidents {
        assert!(
            vocabulary.classify(&incident.call_type).is_some(),
            "{}",
            incident.call_type
        );
        if let Some(code) = &incident.closing_code {
            assert!(vocabulary.classify(code).is_some(), "{code}");
        }
    }
    for crime in &data.crimes {
        assert!(
            catalogue.contains(&crime.offence_initial),
            "{}",
            crime.offence_initial
        );
        assert!(
            catalogue.contains(&crime.offence_final),
            "{}",
            crime.offence_final
        );
        if let Some(reason) = &crime.cancel_reason {
            assert!(["C1", "C2", "C3", "C4"].contains(&reason.as_str()));
        }
    }
}

#[test]
fn rates_are_plausible() {
    let data = generate(&one_force(9, 12, 4_000.0)).unwrap();
    let crimes = data.crimes.len() as f64;
    let ratio = crimes / data.incidents.len() as f64;
    assert!((0.3..0.5).contains(&ratio), "crimes per incident {ratio}");
    let share = |pred: &dyn Fn(&recount_cube::Crime) -> bool| {
        data.crimes.iter().filter(|c| pred(c)).count() as f64 / crimes
    };
    let no_incident = share(&|c| c.incident_id.is_none());
    assert!(
        (0.12..0.18).contains(&no_incident),
        "without incident {no_incident}"
    );
    let reclassified = share(&|c| c.offence_initial != c.offence_final);
    assert!(
        (0.03..0.05).contains(&reclassified),
        "reclassified {reclassified}"
    );
    let cancelled = share(&|c| c.cancelled_at.is_some());
    assert!((0.014..0.026).contains(&cancelled), "cancelled {cancelled}");
    let on_time = share(&|c| c.recorded_at - c.reported_at <= Duration::hours(24));
    assert!((0.83..0.87).contains(&on_time), "within 24h {on_time}");
    let within_three = share(&|c| c.recorded_at - c.reported_at <= Duration::hours(72));
    assert!(
        (0.93..0.97).contains(&within_three),
        "within 72h {within_three}"
    );
    let null_closing = data
        .incidents
        .iter()
        .filter(|i| i.closing_code.is_none())
        .count() as f64
        / data.incidents.len() as f64;
    assert!((0.005..0.02).contains(&null_closing));
    let reasons: BTreeMap<&str, usize> = data
        .crimes
        .iter()
        .filter_map(|c| c.cancel_reason.as_deref())
        .fold(BTreeMap::new(), |mut m, r| {
            *m.entry(r).or_default() += 1;
            m
        });
    assert!(reasons["C2"] > reasons["C4"]);
}

#[test]
fn violence_peaks_in_summer() {
    // Two years, 43 forces, no shock: a national aggregate.
    let config = SynthConfig {
        shock: false,
        national_incidents_per_month: 40_000.0,
        min_force_incidents_per_month: 0.0,
        ..SynthConfig::tiny(12, 43, 24)
    };
    let mut scenario = Scenario::from_config(&config).unwrap();
    for force in &mut scenario.forces {
        force.negatives.clear();
        force.mechanisms.clear();
    }
    let data = generate(&scenario).unwrap();
    let by_month = |call_type: &str, months: &[u32]| {
        data.incidents
            .iter()
            .filter(|i| i.call_type == call_type)
            .filter(|i| months.contains(&period(i.opened_at).month()))
            .count() as f64
    };
    let summer = by_month("ASSAULT", &[6, 7, 8]);
    let winter = by_month("ASSAULT", &[12, 1, 2]);
    assert!(summer > 1.1 * winter, "summer {summer} winter {winter}");
    let burglary_summer = by_month("BURGLARY", &[6, 7, 8]);
    let burglary_winter = by_month("BURGLARY", &[12, 1, 2]);
    assert!(burglary_winter > 1.1 * burglary_summer);
}

#[test]
fn timestamps_and_ids_are_consistent() {
    let data = default_tiny();
    let extract_at = data.truth.extract_at;
    let first = data.truth.first_month;
    let last = data.truth.last_month;
    let incidents = incidents_by_id(&data.incidents);
    assert_eq!(
        incidents.len(),
        data.incidents.len(),
        "incident ids are unique"
    );
    let crime_ids: HashSet<(&str, &str)> = data
        .crimes
        .iter()
        .map(|c| (c.force_id.as_str(), c.crime_id.as_str()))
        .collect();
    assert_eq!(crime_ids.len(), data.crimes.len(), "crime ids are unique");
    for pair in data.incidents.windows(2) {
        if pair[0].force_id == pair[1].force_id {
            assert!(
                pair[0].opened_at <= pair[1].opened_at,
                "incidents in time order"
            );
        }
    }
    for pair in data.crimes.windows(2) {
        if pair[0].force_id == pair[1].force_id {
            assert!(
                pair[0].recorded_at <= pair[1].recorded_at,
                "crimes in time order"
            );
        }
    }
    for incident in &data.incidents {
        let p = period(incident.opened_at);
        assert!(p >= first && p <= last);
    }
    for crime in &data.crimes {
        assert!(crime.recorded_at >= crime.reported_at);
        assert!(crime.recorded_at <= extract_at);
        if let Some(at) = crime.reclassified_at {
            assert!(at > crime.recorded_at && at <= extract_at);
            assert_ne!(crime.offence_initial, crime.offence_final);
        }
        if let Some(at) = crime.cancelled_at {
            assert!(at > crime.recorded_at && at <= extract_at);
        }
        assert_eq!(crime.cancelled_at.is_some(), crime.cancel_reason.is_some());
        if let Some(id) = &crime.incident_id {
            let incident = incidents[id.as_str()];
            assert_eq!(incident.force_id, crime.force_id);
            assert_eq!(
                incident.bcu, crime.bcu,
                "a crime inherits its incident's BCU"
            );
            let lag = crime.reported_at - incident.opened_at;
            assert!(lag >= Duration::zero() && lag <= Duration::minutes(20));
        }
    }
}

#[test]
fn forces_differ_in_size_and_some_have_no_bcu() {
    let data = default_tiny();
    let mut per_force: BTreeMap<&str, usize> = BTreeMap::new();
    for incident in &data.incidents {
        *per_force.entry(incident.force_id.as_str()).or_default() += 1;
    }
    assert_eq!(per_force.len(), 6);
    let max = *per_force.values().max().unwrap() as f64;
    let min = *per_force.values().min().unwrap() as f64;
    assert!(max / min > 5.0, "{per_force:?}");
    let without_bcu: Vec<&str> = data
        .truth
        .forces
        .iter()
        .filter(|f| f.bcus.is_empty())
        .map(|f| f.force_id.as_str())
        .collect();
    assert_eq!(without_bcu.len(), 1);
    for incident in &data.incidents {
        assert_eq!(
            incident.bcu.is_none(),
            without_bcu.contains(&incident.force_id.as_str())
        );
    }
}

#[test]
fn default_preset_plants_a_mix() {
    let scenario = Scenario::from_config(&SynthConfig::default()).unwrap();
    assert_eq!(scenario.forces.len(), 43);
    let gamed: Vec<_> = scenario.forces.iter().filter(|f| f.gamed()).collect();
    assert!((10..=16).contains(&gamed.len()), "{}", gamed.len());
    for mechanism in Mechanism::ALL {
        assert!(
            scenario.forces_with(mechanism).count() >= 1,
            "{mechanism:?}"
        );
    }
    let target = &scenario.national.targets[0];
    let target_month = Period::of_date(target.start);
    let months = scenario.national.start.months_until(target_month);
    assert!((months as f64 / 48.0 - 0.6).abs() < 0.05);
    for force in &scenario.forces {
        assert_eq!(force.targeted, target.covers(&force.force_id));
        for m in &force.mechanisms {
            assert!(force.targeted);
            assert!((0.1..=0.3).contains(&m.strength));
            assert_eq!(m.start, target_month);
        }
    }
    let honest_targeted = scenario
        .forces
        .iter()
        .filter(|f| f.targeted && !f.gamed())
        .count();
    assert!(honest_targeted >= 4);
    let kinds: Vec<_> = scenario
        .forces
        .iter()
        .flat_map(|f| f.negatives.iter().map(PlannedNegative::kind))
        .collect();
    for kind in [
        NegativeKind::GenuineFall,
        NegativeKind::CallMixChange,
        NegativeKind::Merger,
    ] {
        assert_eq!(kinds.iter().filter(|k| **k == kind).count(), 1, "{kind:?}");
    }
    for force in scenario.forces.iter().filter(|f| !f.negatives.is_empty()) {
        assert!(!force.targeted && !force.gamed());
    }
    assert_eq!(scenario.national.shock_start, Period::new(2020, 4));
    let sizes: Vec<f64> = scenario
        .forces
        .iter()
        .map(|f| f.incidents_per_month)
        .collect();
    let total: f64 = sizes.iter().sum();
    assert!((total - 420_000.0).abs() < 100.0);
    let met = scenario
        .forces
        .iter()
        .find(|f| f.force_id == "E23000001")
        .unwrap();
    let cumbria = scenario
        .forces
        .iter()
        .find(|f| f.force_id == "E23000002")
        .unwrap();
    assert!(met.incidents_per_month / cumbria.incidents_per_month > 20.0);
}

#[test]
fn honest_preset_is_the_default_without_gaming() {
    let default = Scenario::from_config(&SynthConfig::tiny(8, 10, 6)).unwrap();
    let honest = Scenario::from_config(&SynthConfig {
        preset: Preset::Honest,
        ..SynthConfig::tiny(8, 10, 6)
    })
    .unwrap();
    assert!(honest.forces.iter().all(|f| !f.gamed()));
    assert_eq!(honest, default.without_gaming());
    assert!(honest.forces.iter().any(|f| f.targeted));
}

#[test]
fn minimum_force_size_is_respected() {
    let config = SynthConfig {
        national_incidents_per_month: 10_000.0,
        min_force_incidents_per_month: 800.0,
        ..SynthConfig::tiny(1, 5, 3)
    };
    let scenario = Scenario::from_config(&config).unwrap();
    assert!(
        scenario
            .forces
            .iter()
            .all(|f| f.incidents_per_month >= 800.0)
    );
}

#[test]
fn hard_negatives_move_volumes_not_conversion() {
    let honest = one_force(31, 12, 4_000.0);
    let start = honest.national.start.offset(4);
    let mut fallen = honest.clone();
    fallen.forces[0]
        .negatives
        .push(PlannedNegative::GenuineFall {
            call_type: "BURGLARY".into(),
            start,
            size: 0.3,
        });
    let base = generate(&honest).unwrap();
    let fall = generate(&fallen).unwrap();
    let after = |d: &Dataset, call_type: &str| {
        d.incidents
            .iter()
            .filter(|i| i.call_type == call_type && period(i.opened_at) >= start.offset(3))
            .count() as f64
    };
    let ratio = after(&fall, "BURGLARY") / after(&base, "BURGLARY");
    assert!((0.6..0.8).contains(&ratio), "burglary fell to {ratio}");
    let theft = after(&fall, "THEFT") / after(&base, "THEFT");
    assert!((theft - 1.0).abs() < 0.05, "theft moved to {theft}");
    let truth = &fall.truth.forces[0].hard_negatives[0];
    assert_eq!(truth.kind, NegativeKind::GenuineFall);
    assert_eq!(truth.start, start);
    assert!((truth.size + 0.3).abs() < 1e-12);

    let mut merged = honest.clone();
    merged.forces[0].negatives.push(PlannedNegative::Merger {
        start,
        growth: 0.35,
        new_bcus: vec![recount_synth::Bcu {
            name: "Annexed".into(),
            share: 1.0,
        }],
        own_practice: false,
    });
    let merger = generate(&merged).unwrap();
    for incident in &merger.incidents {
        if incident.bcu.as_deref() == Some("Annexed") {
            assert!(period(incident.opened_at) >= start);
        }
    }
    let grown = merger.incidents.len() as f64 / base.incidents.len() as f64;
    assert!(grown > 1.15, "{grown}");
}

#[test]
fn hidden_bcus_leave_the_column_empty_and_nothing_else_changes() {
    let shown = one_force(7, 4, 400.0);
    let mut hidden = shown.clone();
    hidden.national.hide_bcus = true;
    let (shown, hidden) = (generate(&shown).unwrap(), generate(&hidden).unwrap());
    assert!(shown.incidents.iter().all(|i| i.bcu.is_some()));
    assert!(hidden.incidents.iter().all(|i| i.bcu.is_none()));
    assert!(hidden.crimes.iter().all(|c| c.bcu.is_none()));
    let without_bcu = |mut incident: recount_cube::Incident| {
        incident.bcu = None;
        incident
    };
    let shown_incidents: Vec<_> = shown.incidents.into_iter().map(without_bcu).collect();
    assert_eq!(shown_incidents, hidden.incidents);
    assert_eq!(shown.crimes.len(), hidden.crimes.len());
}

/// Month-to-month spread of a call type's conversion logits beyond the binomial: the sample
/// variance of the monthly empirical logits minus their mean binomial variance.
fn excess_conversion_variance(dataset: &Dataset, call_type: &str) -> f64 {
    let converted: HashSet<&str> = dataset
        .crimes
        .iter()
        .filter_map(|c| c.incident_id.as_deref())
        .collect();
    let mut monthly: BTreeMap<Period, (f64, f64)> = BTreeMap::new();
    for incident in dataset
        .incidents
        .iter()
        .filter(|i| i.call_type == call_type)
    {
        let (hits, total) = monthly.entry(period(incident.opened_at)).or_default();
        *total += 1.0;
        if converted.contains(incident.incident_id.as_str()) {
            *hits += 1.0;
        }
    }
    let logits: Vec<(f64, f64)> = monthly
        .values()
        .map(|(hits, total)| {
            let (h, m) = (hits + 0.5, total - hits + 0.5);
            ((h / m).ln(), 1.0 / h + 1.0 / m)
        })
        .collect();
    let k = logits.len() as f64;
    let mean = logits.iter().map(|(l, _)| l).sum::<f64>() / k;
    let spread = logits.iter().map(|(l, _)| (l - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let binomial = logits.iter().map(|(_, v)| v).sum::<f64>() / k;
    spread - binomial
}

#[test]
fn rate_noise_over_disperses_conversion_and_leaves_volumes_alone() {
    let steady = one_force(19, 24, 6_000.0);
    let mut noisy = steady.clone();
    noisy.national.rate_noise = 0.3;
    let (steady, noisy) = (generate(&steady).unwrap(), generate(&noisy).unwrap());
    // 0.3 in the log-odds each month: an excess variance of 0.09. Over seeds 0-29 one call
    // type's excess over 24 months ranged 0.03-0.21 (mean 0.094); three types' average has a
    // standard deviation of about 0.02, so the bounds are 0.09 -0.06/+0.07.
    let types = ["ASSAULT", "THEFT", "BURGLARY"];
    let average = |d: &Dataset| {
        types
            .iter()
            .map(|t| excess_conversion_variance(d, t))
            .sum::<f64>()
            / 3.0
    };
    let excess = average(&noisy);
    assert!((0.03..0.16).contains(&excess), "noisy excess {excess}");
    let excess = average(&steady);
    assert!(excess.abs() < 0.02, "steady excess {excess}");
    // Only how calls are recorded moves: the calls are the same.
    let calls = |d: &Dataset| -> Vec<(String, String)> {
        d.incidents
            .iter()
            .map(|i| (i.incident_id.clone(), i.call_type.clone()))
            .collect()
    };
    assert_eq!(calls(&steady), calls(&noisy));
}
