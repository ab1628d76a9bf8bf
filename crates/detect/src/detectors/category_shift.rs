//! Downgrading between offence categories: the share of the serious side of a serious/lesser
//! pair (8N against 105A, rape against other sexual offences, ...) falls after the target
//! against the force's past and its peers.
//!
//! A share falls for three reasons: records moved from serious to lesser (downgrading), the
//! serious crime itself fell (a genuine fall), or the lesser one rose (better recording of
//! lesser offences, as after the 2014 inspection). Only the first moves records, so a finding
//! also needs the serious records to have fallen and the lesser ones to have risen, by a
//! matching number of records (at least half of the serious shortfall, at most three times
//! it), or serious records to have been reclassified as lesser. Each side is judged against
//! the rest of the force's crime or, where crimes name their calls, against the other
//! outcomes of calls of the same type ([`PairCalls`]), the steadier reference.

use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{DowngradePair, RecordSelection};

use super::{CallOutcomes, Context, Detector};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::pair_flows::PairSides;
use crate::rates::{RateTable, mix_standardised_odds};
use crate::spec::{Corroboration, Explained, RateSpec, RecordsPerHit, SeriesSpec, TransferCap};

pub(crate) struct CategoryShift;

impl Detector for CategoryShift {
    fn name(&self) -> &'static str {
        "category_shift"
    }

    fn describe(&self) -> &'static str {
        "The share of the serious offence within each serious/lesser pair, after the target against before, against peers; corroborated by the serious records falling and the lesser ones rising (or reclassifications from serious to lesser) by about as many records as the serious side lost, each against the rest of the force's crime or against the other outcomes of calls of the same type."
    }

    fn needs_records(&self) -> bool {
        false
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        context
            .config
            .downgrade_pairs()
            .iter()
            .map(|pair| pair_series(context, pair))
            .collect()
    }
}

fn pair_series(context: &Context, pair: &DowngradePair) -> SeriesSpec {
    let serious = context.expand(&pair.serious);
    let lesser = context.expand(&pair.lesser);
    let main = context.crime_rates(|c| {
        let s = serious.contains(c.offence_final.as_str());
        (!c.cancelled && (s || lesser.contains(c.offence_final.as_str()))).then_some(s)
    });
    let serious_against_rest = context.crime_rates(|c| {
        (!c.cancelled && !lesser.contains(c.offence_final.as_str()))
            .then(|| serious.contains(c.offence_final.as_str()))
    });
    let lesser_against_rest = context.crime_rates(|c| {
        (!c.cancelled && !serious.contains(c.offence_final.as_str()))
            .then(|| lesser.contains(c.offence_final.as_str()))
    });
    let calls = PairCalls::new(context, &serious, &lesser);
    let reclassified = context.crime_rates(|c| {
        serious
            .contains(c.offence_initial.as_str())
            .then(|| lesser.contains(c.offence_final.as_str()))
    });
    let name = &pair.name;
    SeriesSpec {
        detector: "category_shift",
        mechanism: Mechanism::Downgrading,
        main: RateSpec::share(name.clone(), Direction::Fall, main),
        counterfactual: Counterfactual::ShareOfTotal,
        records_per_hit: RecordsPerHit::One,
        categories: context.categories_of(&serious),
        corroboration: Some(Corroboration::All(vec![
            // Each side is counted against what a downgrade leaves alone (the rest of crime,
            // the calls recorded as neither side): as a share of its own total, the records
            // moved would leave that total too and be undercounted by the side's share.
            Corroboration::Any(
                [
                    Some(Corroboration::Rate(
                        RateSpec::share(
                            format!("{name}: serious against the rest"),
                            Direction::Fall,
                            serious_against_rest,
                        )
                        .counted_by(Counterfactual::OddsOfMisses),
                    )),
                    calls.as_ref().map(|calls| calls.serious_side(name)),
                ]
                .into_iter()
                .flatten()
                .collect(),
            ),
            // Transfers, not mere rises: a genuine fall of the serious crime changes who is
            // in the reclassified share's denominator (the serious records that stay serious
            // fall, those first mis-recorded as serious do not), so that share rises by a few
            // dozen records while hundreds of serious records are missing; a downgrade moves
            // as many records as the serious side lost.
            Corroboration::Any(
                [
                    Some(
                        RateSpec::share(
                            format!("{name}: lesser against the rest"),
                            Direction::Rise,
                            lesser_against_rest,
                        )
                        .counted_by(Counterfactual::OddsOfMisses),
                    ),
                    calls.as_ref().map(|calls| calls.lesser_side(name)),
                    // Downgrades recorded lesser from the start leave no reclassification:
                    // what the audit could have seen assumes that form.
                    Some(
                        RateSpec::share(
                            format!("{name}: reclassified serious to lesser"),
                            Direction::Rise,
                            reclassified,
                        )
                        .seeing_one_form(),
                    ),
                ]
                .into_iter()
                .flatten()
                .map(|spec| Corroboration::Transfer {
                    spec,
                    cap: TransferCap::OfMain,
                })
                .collect(),
            ),
        ])),
        rate_label: format!(
            "the share of {} among {} and {} records",
            pair.serious.join("/"),
            pair.serious.join("/"),
            pair.lesser.join("/")
        ),
        affected_label: "crime records recorded as a lesser offence".into(),
        family: "offence pairs".into(),
        complete: true,
        pair_sides: Some(PairSides {
            serious: serious.clone(),
            lesser: lesser.clone(),
        }),
        review: Some(RecordSelection::RecordedAs {
            codes: lesser.clone(),
        }),
    }
}

/// The calls that led to a record of the pair, by what they were recorded as: the serious
/// side, the lesser side, or neither (another offence, no crime, a cancelled one).
///
/// Why calls: a downgrade keeps the call and changes what it was recorded as, so within the
/// calls of one type the serious side falls and the lesser side rises against the calls that
/// led to neither; a genuine fall of the serious crime takes its calls away with its records
/// and leaves the lesser side's share alone. The rest of the force's crime, the other
/// reference, moves by several per cent between honest forces as each call type drifts and
/// meets shocks in its own way, hundreds of records at a force's volumes; within a call type
/// the outcomes drift far less. Each share is pooled over the call types that led to a record
/// of the pair anywhere in the audit, with each force's mix of them held fixed.
///
/// Assumption: a call's type is set when it is opened, before the record, so gaming of the
/// record cannot move it (re-badging, which does move it, has its own detector).
struct PairCalls {
    /// Serious records out of the calls recorded as serious or as neither side.
    serious: RateTable,
    /// Lesser records out of the calls recorded as lesser or as neither side.
    lesser: RateTable,
    /// Every call of those types (volume only).
    volume: RateTable,
    /// Per force, the share of the serious records that name a call: the part of a
    /// downgrade the calls see.
    serious_seen: BTreeMap<String, f64>,
    /// The same for the lesser records.
    lesser_seen: BTreeMap<String, f64>,
}

impl PairCalls {
    /// `None` when no call is linked to a record of the pair (published counts, or crimes
    /// that name no incident).
    fn new(
        context: &Context,
        serious: &BTreeSet<String>,
        lesser: &BTreeSet<String>,
    ) -> Option<Self> {
        let sides = |outcomes: &CallOutcomes| {
            let mut counts = (0, 0);
            for (offence, &n) in &outcomes.recorded_as {
                if serious.contains(offence.as_str()) {
                    counts.0 += n;
                } else if lesser.contains(offence.as_str()) {
                    counts.1 += n;
                }
            }
            counts
        };
        let types: BTreeSet<&str> = context
            .call_outcomes
            .iter()
            .filter(|(_, outcomes)| sides(outcomes) != (0, 0))
            .map(|((_, _, call_type), _)| call_type.as_str())
            .collect();
        if types.is_empty() {
            return None;
        }
        let mut serious_strata: BTreeMap<&str, RateTable> = BTreeMap::new();
        let mut lesser_strata: BTreeMap<&str, RateTable> = BTreeMap::new();
        let mut volume = RateTable::default();
        for ((force, period, call_type), outcomes) in &context.call_outcomes {
            let Some(&call_type) = types.get(call_type.as_str()) else {
                continue;
            };
            let (s, l) = sides(outcomes);
            let neither = outcomes.calls.saturating_sub(s + l);
            let serious_rates = serious_strata.entry(call_type).or_default();
            serious_rates.add(force, *period, true, s);
            serious_rates.add(force, *period, false, neither);
            let lesser_rates = lesser_strata.entry(call_type).or_default();
            lesser_rates.add(force, *period, true, l);
            lesser_rates.add(force, *period, false, neither);
            volume.add(force, *period, true, outcomes.calls);
        }
        // Both sides are counted against the calls recorded as neither side, which a
        // downgrade leaves alone, so they are standardised on the odds.
        let pooled = |strata: BTreeMap<&str, RateTable>| {
            mix_standardised_odds(&strata.values().collect::<Vec<_>>())
        };
        Some(PairCalls {
            serious: pooled(serious_strata),
            lesser: pooled(lesser_strata),
            volume,
            serious_seen: naming_a_call(context, serious),
            lesser_seen: naming_a_call(context, lesser),
        })
    }

    /// The serious records fell against the calls recorded as neither side, unless the calls
    /// themselves rose. A rise of calls the force records mostly as the lesser offence (say a
    /// campaign to report common assaults) lowers the serious side's share of its calls with
    /// no record moved; a downgrade leaves the calls alone.
    fn serious_side(&self, name: &str) -> Corroboration {
        Corroboration::All(vec![
            Corroboration::Rate(
                RateSpec::share(
                    format!("{name}: serious per call of the same type"),
                    Direction::Fall,
                    self.serious.clone(),
                )
                .counted_by(Counterfactual::OddsOfMisses)
                .seeing(self.serious_seen.clone()),
            ),
            Corroboration::Unless {
                spec: RateSpec::volume(
                    format!("{name}: calls of the types recorded as the pair"),
                    Direction::Rise,
                    self.volume.clone(),
                ),
                of: Explained::Main,
            },
        ])
    }

    /// The lesser records rose against the calls recorded as neither side, counted as records
    /// gained with those calls held (a downgrade adds lesser records and leaves the other
    /// calls alone).
    fn lesser_side(&self, name: &str) -> RateSpec {
        RateSpec::share(
            format!("{name}: lesser per call of the same type"),
            Direction::Rise,
            self.lesser.clone(),
        )
        .counted_by(Counterfactual::OddsOfMisses)
        .seeing(self.lesser_seen.clone())
    }
}

/// Per force, the share of its standing crime records of `codes` that name a call.
/// Assumption: gaming touches the records that name a call and those that do not alike.
fn naming_a_call(context: &Context, codes: &BTreeSet<String>) -> BTreeMap<String, f64> {
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (cell, &n) in &context.cube.crimes {
        if cell.cancelled || !codes.contains(cell.offence_final.as_str()) {
            continue;
        }
        let (named, all) = counts.entry(cell.force_id.as_str()).or_default();
        *all += n;
        if cell.from_incident {
            *named += n;
        }
    }
    counts
        .into_iter()
        .filter(|(_, (_, all))| *all > 0)
        .map(|(force, (named, all))| (force.to_string(), named as f64 / all as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use recount_cube::{AuditConfig, Cube, IncidentCell, Period};

    use super::*;

    fn add_calls(cube: &mut Cube, force: &str, month: u32, call: &str, outcomes: [u64; 3]) {
        let [serious, lesser, neither] = outcomes;
        for (offence, n) in [
            (Some("8N"), serious),
            (Some("105A"), lesser),
            (None, neither),
        ] {
            let cell = IncidentCell {
                force_id: force.into(),
                bcu: None,
                period: Period::new(2022, month).expect("a valid month"),
                call_type: call.into(),
                closing_code: None,
                led_to_crime: offence.is_some(),
                crime_offence: offence.map(Into::into),
            };
            cube.incidents.insert(cell, n);
        }
    }

    fn share(table: &RateTable, force: &str, month: u32) -> f64 {
        let rate = table.forces[force][&Period::new(2022, month).expect("a valid month")];
        rate.hits / rate.total
    }

    #[test]
    fn a_downgrade_moves_the_shares_of_calls_and_a_genuine_fall_moves_only_the_serious_one() {
        // Assault calls: 30 recorded as 8N, 50 as 105A, 20 as neither. A downgrade of 10
        // keeps the calls; a genuine fall of 10 serious assaults takes their calls away.
        // Traffic calls never lead to the pair and stay out of the shares.
        let mut cube = Cube::default();
        add_calls(&mut cube, "DOWN", 1, "ASSAULT", [30, 50, 20]);
        add_calls(&mut cube, "DOWN", 2, "ASSAULT", [20, 60, 20]);
        add_calls(&mut cube, "FALL", 1, "ASSAULT", [30, 50, 20]);
        add_calls(&mut cube, "FALL", 2, "ASSAULT", [20, 50, 20]);
        add_calls(&mut cube, "FALL", 2, "TRAFFIC", [0, 0, 500]);
        let config = AuditConfig::default();
        let context = Context::new(&cube, &config).expect("the default configuration");
        let codes = |c: &str| BTreeSet::from([c.to_string()]);
        let calls = PairCalls::new(&context, &codes("8N"), &codes("105A")).expect("linked calls");

        // Lesser among lesser and neither: 50/70 before; 60/80 after a downgrade, unmoved
        // after a genuine fall.
        assert!((share(&calls.lesser, "DOWN", 2) - 0.75).abs() < 1e-12);
        assert!((share(&calls.lesser, "FALL", 2) - share(&calls.lesser, "FALL", 1)).abs() < 1e-12);
        // Serious among serious and neither: 30/50 before, 20/40 after, in both.
        for force in ["DOWN", "FALL"] {
            assert!((share(&calls.serious, force, 1) - 0.6).abs() < 1e-12);
            assert!((share(&calls.serious, force, 2) - 0.5).abs() < 1e-12);
        }
        // The volume is the calls of the pair's types: 100 and 100, 100 and 90.
        let volume = |force: &str, month| {
            calls.volume.forces[force][&Period::new(2022, month).expect("a valid month")].hits
        };
        assert_eq!((volume("DOWN", 2), volume("FALL", 2)), (100.0, 90.0));
    }

    #[test]
    fn no_calls_linked_to_the_pair_means_no_reference_from_calls() {
        let mut cube = Cube::default();
        add_calls(&mut cube, "F", 1, "ASSAULT", [0, 0, 20]);
        let config = AuditConfig::default();
        let context = Context::new(&cube, &config).expect("the default configuration");
        let codes = |c: &str| BTreeSet::from([c.to_string()]);
        assert!(PairCalls::new(&context, &codes("8N"), &codes("105A")).is_none());
    }
}
