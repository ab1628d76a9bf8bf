//! Helpers shared by the integration tests: tiny scenarios and row queries.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use recount_cube::{Crime, Incident, Period};
use recount_synth::{Bcu, ForcePlan, Mechanism, NationalPlan, PlannedMechanism, Scenario};

/// A one-force scenario of `months` months from January 2021 with `calls` calls a month, no
/// shock and a long extract lag (so nothing is censored at the end).
pub fn one_force(seed: u64, months: u32, calls: f64) -> Scenario {
    let mut national = NationalPlan::new(seed, Period::new(2021, 1).unwrap(), months);
    national.shock_start = None;
    national.extract_lag_days = 400;
    let force = ForcePlan::new(0, "E23000013", "Cleveland", calls)
        .with_bcus(Bcu::districts("Cleveland", &[2.0, 1.0, 1.0]));
    Scenario::new(national, vec![force])
}

/// The same scenario with one mechanism planted in the first force from the middle month.
pub fn with_mechanism(scenario: &Scenario, mechanism: PlannedMechanism) -> Scenario {
    let mut gamed = scenario.clone();
    gamed.forces[0].mechanisms = vec![mechanism];
    gamed
}

/// The middle month of a scenario.
pub fn middle(scenario: &Scenario) -> Period {
    scenario
        .national
        .start
        .offset(scenario.national.months as i32 / 2)
}

/// A mechanism at full strength from the middle month.
pub fn full(scenario: &Scenario, mechanism: Mechanism, strength: f64) -> PlannedMechanism {
    PlannedMechanism::new(mechanism, middle(scenario), strength)
}

pub fn period(t: DateTime<Utc>) -> Period {
    Period::new(t.year(), t.month()).unwrap()
}

/// Incidents by id.
pub fn incidents_by_id(incidents: &[Incident]) -> HashMap<&str, &Incident> {
    incidents
        .iter()
        .map(|i| (i.incident_id.as_str(), i))
        .collect()
}

/// Crimes by id.
pub fn crimes_by_id(crimes: &[Crime]) -> HashMap<&str, &Crime> {
    crimes.iter().map(|c| (c.crime_id.as_str(), c)).collect()
}
