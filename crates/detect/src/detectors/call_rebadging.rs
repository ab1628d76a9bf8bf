//! Calls re-badged at opening: crime-related calls opened as non-crime call types, as when
//! assaults are opened as "concern for safety". Two views, each needing a transfer:
//!
//! - per call type: the type's share of crime-related calls falls (against the force's past
//!   and its peers);
//! - all crime-related calls together: they fall against the non-crime calls that nothing is
//!   re-badged into (traffic, missing persons by default), which catches re-badging spread
//!   evenly over every type (it leaves each type's share alone). That yardstick is inside the
//!   force, so a force that grows, shrinks or merges moves both sides together; the peers'
//!   movement of the same odds takes out national changes such as a lockdown.
//!
//! Either way the calls must reappear: the non-crime neighbours the calls could be opened as
//! must rise, by a matching number of calls, against non-crime types the calls could not have
//! gone to: for the pooled view, those that nothing is re-badged into (traffic, missing
//! persons by default); for a call type, every non-crime type that no type sharing its
//! neighbours can be opened as (six types for domestic abuse by default, a steadier yardstick
//! than two small ones). That comparison is inside the force,
//! so a force whose whole volume drifts against its peers does not pass for a transfer; a
//! genuine fall in a crime type moves no neighbour; and a force that simply takes more
//! non-crime calls moves the neighbours without the crime-related calls. The neighbours may
//! not gain more than three times what the calls opened as them lost: for the pooled view,
//! the crime-related calls; for a call type, every type that shares those neighbours
//! together (several types feed concern-for-safety). A force whose concern-for-safety calls
//! grow by 40% while one crime type dips by chance has neighbours that gained far more than
//! any re-badging could supply.

use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{RebadgePair, RecordSelection};

use super::{Context, Detector};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::rates::{Rate, RateTable};
use crate::spec::{Corroboration, RateSpec, RecordsPerHit, SeriesSpec, TransferCap};

pub(crate) struct CallRebadging;

impl Detector for CallRebadging {
    fn name(&self) -> &'static str {
        "call_rebadging"
    }

    fn describe(&self) -> &'static str {
        "The share of each crime-related call type among crime-related calls, and all crime-related calls against the non-crime calls nothing is re-badged into, after the target against before; corroborated by the non-crime types the calls could be opened as rising, by a matching number of calls, against the non-crime types the calls could not have gone to."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let Some(reference) = reference_types(context) else {
            return Vec::new();
        };
        let crimes_per_incident = context.crimes_per_converted_incident();
        let mut out: Vec<SeriesSpec> = pooled(context, &reference, &crimes_per_incident)
            .into_iter()
            .collect();
        out.extend(per_call_type(context, &reference, &crimes_per_incident));
        out
    }
}

/// The non-crime types that no crime-related type is re-badged into: the yardstick the
/// neighbours are measured against. `None` when every non-crime type is a neighbour.
fn reference_types(context: &Context) -> Option<BTreeSet<String>> {
    let neighbours: BTreeSet<String> = context
        .config
        .rebadge_pairs()
        .into_iter()
        .flat_map(|p| p.non_crime)
        .collect();
    let reference: BTreeSet<String> = context
        .vocabulary
        .non_crime
        .iter()
        .filter(|t| !neighbours.contains(*t))
        .cloned()
        .collect();
    (!reference.is_empty()).then_some(reference)
}

/// The neighbours' calls against the reference types' calls, counted by odds: the reference
/// calls are untouched by re-badging, so the neighbours' expected calls are their usual odds
/// times the reference calls, and the excess is the calls gained.
fn neighbour_rise(
    context: &Context,
    neighbours: &BTreeSet<String>,
    reference: &BTreeSet<String>,
    name: &str,
    cap: TransferCap,
) -> Corroboration {
    let rates = context.incident_rates(|c| {
        let n = neighbours.contains(c.call_type.as_str());
        (n || reference.contains(c.call_type.as_str())).then_some(n)
    });
    let reference_names = joined(reference);
    Corroboration::Transfer {
        spec: RateSpec::share(
            format!("{name} calls against {reference_names}"),
            Direction::Rise,
            rates,
        )
        .counted_by(Counterfactual::OddsOfMisses),
        cap,
    }
}

fn categories(call_type: &str) -> Vec<String> {
    match call_type {
        "ASSAULT" | "DOMESTIC_ABUSE" | "HARASSMENT" => vec!["violence".into()],
        "SEXUAL_OFFENCE" => vec!["sexual".into(), "rape".into()],
        _ => Vec::new(),
    }
}

/// All crime-related calls together, against the reference non-crime calls in the same force.
fn pooled(
    context: &Context,
    reference: &BTreeSet<String>,
    crimes_per_incident: &BTreeMap<String, f64>,
) -> Option<SeriesSpec> {
    // Hits are crime-related calls, misses the reference calls: the odds are crime-related
    // calls per reference call, and the shortfall is counted as the reference calls times the
    // force's usual odds.
    let crime_related = context.incident_rates(|c| {
        if context.is_crime_related(&c.call_type) {
            Some(true)
        } else {
            reference.contains(c.call_type.as_str()).then_some(false)
        }
    });
    if crime_related.forces.is_empty() {
        return None;
    }
    let reference_names = joined(reference);
    let neighbours: BTreeSet<String> = context
        .config
        .rebadge_pairs()
        .into_iter()
        .flat_map(|p| p.non_crime)
        .filter(|n| !context.is_crime_related(n))
        .collect();
    let conversion = context.incident_rates(|c| {
        context
            .is_crime_related(&c.call_type)
            .then_some(c.led_to_crime)
    });
    Some(SeriesSpec {
        detector: "call_rebadging",
        mechanism: Mechanism::Rebadging,
        main: RateSpec::share(
            "crime-related calls opened as non-crime",
            Direction::Fall,
            crime_related,
        )
        .counted_by(Counterfactual::OddsOfMisses),
        counterfactual: Counterfactual::OddsOfMisses,
        records_per_hit: RecordsPerHit::ByForce(crimes_per_call(&conversion, crimes_per_incident)),
        categories: vec!["violence".into(), "sexual".into()],
        corroboration: Some(neighbour_rise(
            context,
            &neighbours,
            reference,
            "non-crime neighbour",
            TransferCap::OfMain,
        )),
        rate_label: format!("crime-related calls against {reference_names} calls"),
        affected_label: "crimes never recorded because calls were opened as non-crime".into(),
        family: "all crime-related calls".into(),
        complete: false,
        pair_sides: None,
        review: Some(RecordSelection::CallsOpenedAs {
            call_types: neighbours.clone(),
        }),
    })
}

/// Each crime-related call type against the other crime-related calls.
fn per_call_type(
    context: &Context,
    reference: &BTreeSet<String>,
    crimes_per_incident: &BTreeMap<String, f64>,
) -> Vec<SeriesSpec> {
    let pairs = context.config.rebadge_pairs();
    let mains: Vec<(&RebadgePair, RateSpec)> = pairs
        .iter()
        .filter(|pair| context.is_crime_related(&pair.crime))
        .filter_map(|pair| {
            let rates = context.incident_rates(|c| {
                context
                    .is_crime_related(&c.call_type)
                    .then(|| c.call_type == pair.crime)
            });
            let neighbour_names = pair.non_crime.join("/");
            (!rates.forces.is_empty()).then(|| {
                let main = RateSpec::share(
                    format!("{} opened as {neighbour_names}", pair.crime),
                    Direction::Fall,
                    rates,
                );
                (pair, main)
            })
        })
        .collect();
    mains
        .iter()
        .map(|(pair, main)| {
            let neighbours: BTreeSet<String> = pair.non_crime.iter().cloned().collect();
            let neighbour_names = pair.non_crime.join("/");
            // The calls the neighbours may gain are those lost by every type opened as them.
            let senders = mains
                .iter()
                .filter(|(other, _)| other.non_crime.iter().any(|n| neighbours.contains(n)))
                .map(|(_, spec)| spec.clone().counted_by(Counterfactual::OddsOfMisses))
                .collect();
            let yardstick = yardstick_of(&context.vocabulary.non_crime, &pairs, pair, reference);
            // A call of this type that is not opened loses the crimes it would have led to.
            let conversion =
                context.incident_rates(|c| (c.call_type == pair.crime).then_some(c.led_to_crime));
            SeriesSpec {
                detector: "call_rebadging",
                mechanism: Mechanism::Rebadging,
                main: main.clone(),
                counterfactual: Counterfactual::OddsOfMisses,
                records_per_hit: RecordsPerHit::ByForce(crimes_per_call(
                    &conversion,
                    crimes_per_incident,
                )),
                categories: categories(&pair.crime),
                corroboration: Some(neighbour_rise(
                    context,
                    &neighbours,
                    &yardstick,
                    &neighbour_names,
                    TransferCap::OfSenders(senders),
                )),
                rate_label: format!("the share of {} among crime-related calls", pair.crime),
                affected_label: "crimes never recorded because the call was opened as non-crime"
                    .into(),
                family: "call types".into(),
                complete: false,
                pair_sides: None,
                review: Some(RecordSelection::CallsOpenedAs {
                    call_types: neighbours.clone(),
                }),
            }
        })
        .collect()
}

/// The yardstick of one call type's neighbours: every non-crime type that none of the types
/// sharing those neighbours can be opened as. Those types are untouched by re-badging through
/// these neighbours, and being several they are a steadier measure than the types nothing at
/// all is re-badged into (`reference`, two small types by default), which the pooled view has
/// to use; and a shift in any one of them moves the yardstick less. If other crime-related
/// types are re-badged into some of these types, the yardstick rises with them and the
/// neighbours' rise is understated: it errs towards no finding. The global reference when the
/// senders' neighbours leave nothing else.
fn yardstick_of(
    non_crime: &BTreeSet<String>,
    pairs: &[RebadgePair],
    pair: &RebadgePair,
    reference: &BTreeSet<String>,
) -> BTreeSet<String> {
    let receiving: BTreeSet<&str> = pairs
        .iter()
        .filter(|other| other.non_crime.iter().any(|n| pair.non_crime.contains(n)))
        .flat_map(|other| other.non_crime.iter().map(String::as_str))
        .collect();
    let yardstick: BTreeSet<String> = non_crime
        .iter()
        .filter(|t| !receiving.contains(t.as_str()))
        .cloned()
        .collect();
    if yardstick.is_empty() {
        reference.clone()
    } else {
        yardstick
    }
}

/// Crimes each call of a type stood for before gaming: its conversion times the crimes per
/// converted incident.
fn crimes_per_call(
    conversion: &RateTable,
    crimes_per_incident: &BTreeMap<String, f64>,
) -> BTreeMap<String, f64> {
    conversion
        .forces
        .iter()
        .map(|(force, monthly)| {
            let mut rate = Rate::default();
            monthly.values().for_each(|r| rate.absorb(*r));
            let share = if rate.total > 0.0 {
                rate.hits / rate.total
            } else {
                0.0
            };
            let per_incident = crimes_per_incident.get(force).copied().unwrap_or(1.0);
            (force.clone(), share * per_incident)
        })
        .collect()
}

/// Call types as the labels show them: `MISSING_PERSON/TRAFFIC`.
fn joined(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use recount_cube::{AuditConfig, default_rebadge_pairs};

    use super::*;

    fn names(types: &[&str]) -> BTreeSet<String> {
        types.iter().map(|t| t.to_string()).collect()
    }

    fn yardstick_for(crime: &str, pairs: &[RebadgePair]) -> BTreeSet<String> {
        let non_crime = AuditConfig::default().vocabulary().non_crime;
        let pair = pairs.iter().find(|p| p.crime == crime).unwrap();
        yardstick_of(
            &non_crime,
            pairs,
            pair,
            &names(&["MISSING_PERSON", "TRAFFIC"]),
        )
    }

    #[test]
    fn a_neighbours_yardstick_leaves_out_whatever_its_senders_can_be_opened_as() {
        let pairs = default_rebadge_pairs();
        // Domestic abuse goes to domestic incidents and welfare concerns; assault, sexual
        // offences and harassment share those, and bring ASB with them.
        assert_eq!(
            yardstick_for("DOMESTIC_ABUSE", &pairs),
            names(&[
                "ADMIN",
                "ALARM",
                "MISSING_PERSON",
                "OTHER",
                "SUSPICIOUS",
                "TRAFFIC"
            ])
        );
        // Burglary goes to suspicious and alarm calls; theft and robbery bring OTHER.
        assert_eq!(
            yardstick_for("BURGLARY", &pairs),
            names(&[
                "ADMIN",
                "ASB",
                "CONCERN_FOR_SAFETY",
                "DOMESTIC_INCIDENT",
                "MISSING_PERSON",
                "TRAFFIC"
            ])
        );
    }

    #[test]
    fn a_neighbours_yardstick_falls_back_to_the_reference_when_nothing_else_is_left() {
        let non_crime = AuditConfig::default().vocabulary().non_crime;
        let everything: Vec<&str> = non_crime.iter().map(String::as_str).collect();
        let pairs = vec![
            RebadgePair {
                crime: "ASSAULT".into(),
                non_crime: vec!["ASB".into()],
            },
            RebadgePair {
                crime: "THEFT".into(),
                non_crime: everything.iter().map(|t| t.to_string()).collect(),
            },
        ];
        assert_eq!(
            yardstick_for("ASSAULT", &pairs),
            names(&["MISSING_PERSON", "TRAFFIC"])
        );
    }
}
