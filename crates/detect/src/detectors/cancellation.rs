//! Cancelling crimes without grounds: the share of crime records later cancelled, by offence
//! group and overall, after the target against before, against peers. Cancellation has
//! legitimate grounds (transfer, duplicate, error, new evidence), which is why the rate is
//! compared with the force's own past and its peers rather than with zero.

use recount_cube::RecordSelection;

use super::{
    ALL_CRIME, Context, Detector, offence_group_rates, offence_groups, parts_of_all_crime,
};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::spec::{RateSpec, RecordsPerHit, SeriesSpec};

pub(crate) struct Cancellation;

impl Detector for Cancellation {
    fn name(&self) -> &'static str {
        "cancellation"
    }

    fn describe(&self) -> &'static str {
        "The share of crime records cancelled, per offence group and overall (each force's mix of offence groups held fixed), after the target against before, against peers."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let specs = offence_groups(context)
            .into_iter()
            .filter_map(|(name, codes, categories)| {
                let rates = offence_group_rates(context, codes.as_ref(), |c| Some(c.cancelled));
                (!rates.forces.is_empty()).then(|| SeriesSpec {
                    detector: "cancellation",
                    mechanism: Mechanism::Cancelling,
                    main: RateSpec::share(format!("cancelled: {name}"), Direction::Rise, rates),
                    counterfactual: Counterfactual::ShareOfTotal,
                    records_per_hit: RecordsPerHit::One,
                    categories,
                    corroboration: None,
                    rate_label: format!("the share of {name} records cancelled"),
                    affected_label: "crime records cancelled beyond the usual rate".into(),
                    family: if codes.is_some() {
                        "offence groups".into()
                    } else {
                        ALL_CRIME.into()
                    },
                    complete: false,
                    pair_sides: None,
                    review: Some(RecordSelection::Cancelled {
                        codes: codes.clone().unwrap_or_default(),
                    }),
                })
            })
            .collect();
        parts_of_all_crime(specs)
    }
}
