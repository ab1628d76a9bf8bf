//! What the search for breaks looks at: every detector's main series (with the direction
//! gaming moves it), and the composition of recorded crime: each offence group's share, and
//! the share of the violence most open to discretion (violence without injury, stalking and
//! harassment) against other crime, which is where the 2014 inspection found unrecorded
//! crime and where recording changed most after it.

use std::collections::BTreeSet;

use crate::contrast::Direction;
use crate::detectors::Context;
use crate::rates::RateTable;
use crate::spec::{Measure, SeriesSpec};

/// The offence group left out of composition shares: fraud moved from forces to Action Fraud
/// in 2013/14, so it leaves every force's totals at once for a reason that has nothing to do
/// with recording.
const FRAUD_GROUP: &str = "Fraud";

/// The subgroups of the violence-recording indicator.
const DISCRETIONARY_VIOLENCE: [&str; 2] = ["Violence without injury", "Stalking and harassment"];

/// The indicator's name in outputs.
pub const VIOLENCE_RECORDING: &str = "violence recording";

/// One series searched for breaks.
#[derive(Clone, Debug)]
pub(crate) struct Indicator {
    /// Name in outputs.
    pub name: String,
    /// The detector it comes from, or `composition`.
    pub source: String,
    /// The rates of every force.
    pub rates: RateTable,
    /// Share or volume.
    pub measure: Measure,
    /// Which way gaming moves it, for a detector's series.
    pub gaming: Option<Direction>,
    /// The rate in words.
    pub label: String,
}

/// The indicators: the detectors' series, then the composition of recorded crime.
pub(crate) fn indicators(context: &Context, specs: &[SeriesSpec]) -> Vec<Indicator> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<Indicator> = specs
        .iter()
        .filter(|s| seen.insert(s.main.series.clone()))
        .map(|s| Indicator {
            name: s.main.series.clone(),
            source: s.detector.to_string(),
            rates: s.main.rates.clone(),
            measure: s.main.measure,
            gaming: Some(s.main.direction),
            label: s.rate_label.clone(),
        })
        .collect();
    out.extend(composition(context));
    out
}

/// The composition indicators, where the data have the offences they need.
fn composition(context: &Context) -> Vec<Indicator> {
    let catalogue = &context.catalogue;
    let group_of = |code: &str| catalogue.get(code).map(|i| i.group.as_str());
    let counted = |code: &str| group_of(code).is_some_and(|g| g != FRAUD_GROUP);
    let mut out = Vec::new();
    let discretionary: BTreeSet<String> = DISCRETIONARY_VIOLENCE
        .iter()
        .flat_map(|s| catalogue.expand(s))
        .collect();
    let violence = context.crime_rates(|c| {
        let code = c.offence_final.as_str();
        (!c.cancelled && counted(code)).then(|| discretionary.contains(code))
    });
    if has_hits(&violence) {
        out.push(Indicator {
            name: VIOLENCE_RECORDING.into(),
            source: "composition".into(),
            rates: violence,
            measure: Measure::Share,
            gaming: None,
            label: "the share of violence without injury and stalking and harassment among all crime (fraud aside)".into(),
        });
    }
    for group in catalogue.groups() {
        if group == FRAUD_GROUP {
            continue;
        }
        let rates = context.crime_rates(|c| {
            let code = c.offence_final.as_str();
            (!c.cancelled && counted(code)).then(|| group_of(code) == Some(group.as_str()))
        });
        if has_hits(&rates) {
            out.push(Indicator {
                name: format!("share of crime: {}", group.to_lowercase()),
                source: "composition".into(),
                rates,
                measure: Measure::Share,
                gaming: None,
                label: format!(
                    "the share of {} among all crime (fraud aside)",
                    group.to_lowercase()
                ),
            });
        }
    }
    out
}

fn has_hits(rates: &RateTable) -> bool {
    rates
        .forces
        .values()
        .any(|m| m.values().any(|r| r.hits > 0.0))
}
