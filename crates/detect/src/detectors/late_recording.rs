//! Late recording: the share of crimes recorded after the time limit (24 hours by default),
//! by offence group and overall, after the target against before, against peers. Reported in
//! its own findings; late records are not lost, so they do not count towards the records
//! affected.

use recount_cube::RecordSelection;

use super::{
    ALL_CRIME, Context, Detector, offence_group_rates, offence_groups, parts_of_all_crime,
};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::spec::{RateSpec, RecordsPerHit, SeriesSpec};

pub(crate) struct LateRecording;

impl Detector for LateRecording {
    fn name(&self) -> &'static str {
        "late_recording"
    }

    fn describe(&self) -> &'static str {
        "The share of crimes recorded more than the time limit (24 hours by default) after the report, per offence group and overall (each force's mix of offence groups held fixed), after the target against before, against peers."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let limit = context.config.detect.late_hours;
        let specs = offence_groups(context)
            .into_iter()
            .filter_map(|(name, codes, categories)| {
                let rates = offence_group_rates(context, codes.as_ref(), |c| Some(c.delay.exceeds(limit)));
                (!rates.forces.is_empty()).then(|| SeriesSpec {
                    detector: "late_recording",
                    mechanism: Mechanism::LateRecording,
                    main: RateSpec::share(format!("recorded after {limit} h: {name}"), Direction::Rise, rates),
                    counterfactual: Counterfactual::ShareOfTotal,
                    records_per_hit: RecordsPerHit::One,
                    categories,
                    corroboration: None,
                    rate_label: format!("the share of {name} records recorded more than {limit} hours after the report"),
                    affected_label: "crime records recorded late beyond the usual rate".into(),
                    family: if codes.is_some() { "offence groups".into() } else { ALL_CRIME.into() },
                    complete: false,
                    pair_sides: None,
                    review: Some(RecordSelection::Late { hours: limit }),
                })
            })
            .collect();
        parts_of_all_crime(specs)
    }
}
