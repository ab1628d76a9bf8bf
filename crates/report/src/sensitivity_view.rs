//! What the audit could have seen, for `report.html`: for each force and mechanism, how much
//! gaming of its broadest series (the one with the most records after the start that gaming
//! could take from, among the series that see every record of the mechanism where it has
//! such: the offence pairs for downgrading) the audit would have flagged with probability 0.8, were it the force's only departure from its past
//! and its peers (`recount_detect::Sensitivity`). A force without a finding is not shown
//! honest by that alone; this says how small a departure its audit rules out.

use std::collections::{BTreeMap, BTreeSet};

use recount_detect::{Mechanism, Test};

/// The table: one column per mechanism tested, one row per force.
pub(crate) struct SensitivityView {
    pub mechanisms: Vec<String>,
    pub rows: Vec<SensitivityRow>,
}

pub(crate) struct SensitivityRow {
    pub force: String,
    pub name: String,
    pub cells: Vec<String>,
}

/// How broad a test is: whether its family sees every record of its mechanism, then the
/// records after the start that gaming could take from.
type Breadth = (bool, f64);

/// `None` when no test has a detectable size (an audit of breaks at unknown dates).
pub(crate) fn sensitivity_view(
    tests: &[Test],
    name_of: &dyn Fn(&str) -> String,
) -> Option<SensitivityView> {
    // The record-level tests of downgrading see only reclassifications, the pairs every
    // downgrade: a complete family comes first, then the most records.
    let mut broadest: BTreeMap<(&str, Mechanism), (Breadth, &Test)> = BTreeMap::new();
    for test in tests.iter().filter(|t| t.detectable_affected.is_some()) {
        let exposed = test.sensitivity.as_ref().map_or(0.0, |s| s.exposed());
        let rank = (test.family_complete, exposed);
        let entry = broadest
            .entry((&test.force_id, test.mechanism))
            .or_insert((rank, test));
        if rank > entry.0 {
            *entry = (rank, test);
        }
    }
    if broadest.is_empty() {
        return None;
    }
    let mechanisms: BTreeSet<Mechanism> = broadest.keys().map(|(_, m)| *m).collect();
    let forces: BTreeSet<&str> = broadest.keys().map(|(f, _)| *f).collect();
    let rows = forces
        .into_iter()
        .map(|force| SensitivityRow {
            force: force.to_string(),
            name: name_of(force),
            cells: mechanisms
                .iter()
                .map(|m| {
                    broadest
                        .get(&(force, *m))
                        .map_or_else(String::new, |(_, t)| cell(t))
                })
                .collect(),
        })
        .collect();
    Some(SensitivityView {
        mechanisms: mechanisms
            .iter()
            .map(|m| m.name().replace('_', " "))
            .collect(),
        rows,
    })
}

fn cell(test: &Test) -> String {
    let (Some(records), Some(share)) = (test.detectable_affected, test.detectable_share) else {
        return String::new();
    };
    if !records.is_finite() || !share.is_finite() || share >= 1.0 {
        return format!("none would be seen ({})", test.series);
    }
    let percent = 100.0 * share;
    let percent = if percent < 1.0 {
        format!("{percent:.1}%")
    } else {
        format!("{percent:.0}%")
    };
    format!("{percent}, {records:.0} records ({})", test.series)
}
