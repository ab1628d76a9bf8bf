//! Downgrading between offence categories: the share of the serious side of a serious/lesser
//! pair (8N against 105A, rape against other sexual offences, ...) falls after the target
//! against the force's past and its peers.
//!
//! A share falls for two reasons: records moved from serious to lesser (downgrading), or the
//! serious crime itself fell (a genuine fall), or the lesser one rose (better recording of
//! lesser offences, as after the 2014 inspection). Only the first moves records, so a finding
//! also needs the serious records to have fallen against the rest of the force's crime and
//! either the lesser ones to have risen against it or serious records to have been
//! reclassified as lesser, by a matching number of records (at least half of the serious
//! shortfall, at most three times it).

use recount_cube::{DowngradePair, RecordSelection};

use super::{Context, Detector};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::pair_flows::PairSides;
use crate::spec::{Corroboration, RateSpec, RecordsPerHit, SeriesSpec, TransferCap};

pub(crate) struct CategoryShift;

impl Detector for CategoryShift {
    fn name(&self) -> &'static str {
        "category_shift"
    }

    fn describe(&self) -> &'static str {
        "The share of the serious offence within each serious/lesser pair, after the target against before, against peers; corroborated by the serious records falling against the rest of the force's crime and the lesser ones rising against it (or reclassifications from serious to lesser) by about as many records as the serious side lost."
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
            Corroboration::Rate(RateSpec::share(
                format!("{name}: serious against the rest"),
                Direction::Fall,
                serious_against_rest,
            )),
            // Transfers, not mere rises: a genuine fall of the serious crime changes who is
            // in the reclassified share's denominator (the serious records that stay serious
            // fall, those first mis-recorded as serious do not), so that share rises by a few
            // dozen records while hundreds of serious records are missing; a downgrade moves
            // as many records as the serious side lost.
            Corroboration::Any(vec![
                Corroboration::Transfer {
                    spec: RateSpec::share(
                        format!("{name}: lesser against the rest"),
                        Direction::Rise,
                        lesser_against_rest,
                    ),
                    cap: TransferCap::OfMain,
                },
                Corroboration::Transfer {
                    spec: RateSpec::share(
                        format!("{name}: reclassified serious to lesser"),
                        Direction::Rise,
                        reclassified,
                    ),
                    cap: TransferCap::OfMain,
                },
            ]),
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
