//! Record-level downgrading: crimes first recorded as one offence and finally as a less
//! serious one. Some reclassification is legitimate (the injury was not what was first
//! reported); a rise in the rate after the target, against the force's past and its peers, is
//! not. Reclassifications bunched in the last days of the month are the fingerprint of a
//! month-end tidy-up to meet a monthly figure.

use std::collections::BTreeSet;

use recount_cube::{CrimeCell, RecordSelection};

use super::{Context, Detector, standardised_crime_rates};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::spec::{Corroboration, RateSpec, RecordsPerHit, SeriesSpec, TransferCap};

pub(crate) struct Reclassification;

impl Detector for Reclassification {
    fn name(&self) -> &'static str {
        "reclassification"
    }

    fn describe(&self) -> &'static str {
        "The share of crimes first recorded as the serious offence of a watched pair and finally as its lesser one (corroborated by at least half as many more such reclassifications against all crime); the share of all crimes whose final offence is less serious than the first; and the share of downgrading reclassifications made in the last days of the month; each after the target against before, against peers."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let pairs: Vec<(BTreeSet<String>, BTreeSet<String>)> = context
            .config
            .downgrade_pairs()
            .iter()
            .map(|p| (context.expand(&p.serious), context.expand(&p.lesser)))
            .collect();
        let any_lesser: BTreeSet<String> =
            pairs.iter().flat_map(|(_, l)| l.iter().cloned()).collect();
        let any_serious: BTreeSet<String> =
            pairs.iter().flat_map(|(s, _)| s.iter().cloned()).collect();
        // Pairs and offence groups are downgraded honestly at different rates (an injury
        // that turns out less than first reported is common, a rape that turns out not to be
        // one is not), so both rates hold each force's mix of them fixed: more crime of an
        // often-corrected kind is not more downgrading.
        let pair_of = |code: &str| pairs.iter().position(|(s, _)| s.contains(code));
        let downgraded_in_a_pair = |c: &CrimeCell| {
            pairs.iter().any(|(s, l)| {
                s.contains(c.offence_initial.as_str()) && l.contains(c.offence_final.as_str())
            })
        };
        let watched = standardised_crime_rates(
            context,
            |c| pair_of(&c.offence_initial),
            |c| {
                any_serious
                    .contains(c.offence_initial.as_str())
                    .then(|| downgraded_in_a_pair(c))
            },
        );
        // The same reclassifications counted against every crime record: a genuine fall of
        // a serious crime shrinks the main rate's denominator (the records that stay serious)
        // and not its numerator (records first mis-recorded as serious, which were never that
        // crime), so the main rate rises with no record downgraded; the count of downgrades
        // against all crime does not. Downgrading raises both.
        let watched_of_all = context.crime_rates(|c| Some(downgraded_in_a_pair(c)));
        let catalogue = &context.catalogue;
        let any_downgrade = standardised_crime_rates(
            context,
            |c| catalogue.get(&c.offence_initial).map(|o| o.group.as_str()),
            |c| Some(catalogue.is_downgrade(&c.offence_initial, &c.offence_final)),
        );
        let days = context.config.detect.month_end_days;
        let month_end = context.reclassification_rates(|r| {
            catalogue
                .is_downgrade(&r.offence_initial, &r.offence_final)
                .then_some(u32::from(r.days_before_month_end) < days)
        });
        let categories = context.categories_of(&any_serious);
        vec![
            SeriesSpec {
                detector: "reclassification",
                mechanism: Mechanism::Downgrading,
                main: RateSpec::share("reclassified serious to lesser", Direction::Rise, watched),
                counterfactual: Counterfactual::ShareOfTotal,
                records_per_hit: RecordsPerHit::One,
                categories: categories.clone(),
                corroboration: Some(Corroboration::Transfer {
                    spec: RateSpec::share(
                        "reclassified serious to lesser, against all crime",
                        Direction::Rise,
                        watched_of_all,
                    ),
                    cap: TransferCap::OfMain,
                }),
                rate_label: "the share of crimes first recorded as a watched serious offence and finally as its lesser one".into(),
                affected_label: "crime records reclassified to a lesser offence".into(),
                family: "reclassified serious to lesser".into(),
                complete: false,
                pair_sides: None,
                review: Some(RecordSelection::Reclassified {
                    serious: any_serious.clone(),
                    lesser: any_lesser.clone(),
                    month_end_days: None,
                }),
            },
            SeriesSpec {
                detector: "reclassification",
                mechanism: Mechanism::Downgrading,
                main: RateSpec::share("any downgrade by seriousness", Direction::Rise, any_downgrade),
                counterfactual: Counterfactual::ShareOfTotal,
                records_per_hit: RecordsPerHit::One,
                categories: Vec::new(),
                corroboration: None,
                rate_label: "the share of crimes whose final offence is less serious than the first".into(),
                affected_label: "crime records reclassified to a less serious offence".into(),
                family: "any downgrade".into(),
                complete: false,
                pair_sides: None,
                review: Some(RecordSelection::Reclassified {
                    serious: any_serious.clone(),
                    lesser: any_lesser.clone(),
                    month_end_days: None,
                }),
            },
            SeriesSpec {
                detector: "month_end_reclassification",
                mechanism: Mechanism::Downgrading,
                main: RateSpec::share(format!("downgrades in the last {days} days of the month"), Direction::Rise, month_end),
                // A month-end tidy-up adds downgrades that would not have been made: hits
                // (downgrades in the last days) rise and misses (those made earlier in the
                // month) stay. Counted as a share of the total, the honest share of the added
                // downgrades themselves (3 days in 30) would be taken as expected, and the
                // count would fall short by it (0.88-0.92 of the truth over 48 cross-check
                // audits).
                counterfactual: Counterfactual::OddsOfMisses,
                records_per_hit: RecordsPerHit::One,
                categories,
                corroboration: None,
                rate_label: format!("the share of downgrading reclassifications made in the last {days} days of a month"),
                affected_label: "downgrading reclassifications bunched at month end".into(),
                family: "month end".into(),
                complete: false,
                pair_sides: None,
                review: Some(RecordSelection::Reclassified {
                    serious: any_serious.clone(),
                    lesser: any_lesser.clone(),
                    month_end_days: Some(days),
                }),
            },
        ]
    }
}
