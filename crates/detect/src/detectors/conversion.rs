//! Non-recording: crime-related calls that do not lead to a crime record. A genuine fall in
//! crime lowers calls and crimes together and leaves the share of calls that become crimes
//! where it was; non-recording lowers crimes against calls. So the rate tested is the
//! conversion of each crime-related call type, and of all of them together (each force's mix
//! of call types held fixed); and, as a second view of the same mechanism, the share of
//! crime-related calls closed with a non-crime code and no crime. That second view counts only
//! when conversion fell too: a force that changes how it closes calls without a crime (a new
//! command-and-control system, a new closing policy) closes more of them with non-crime codes
//! and loses no crime.

use std::collections::BTreeSet;

use recount_cube::RecordSelection;

use super::{Context, Detector};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::rates::{RateTable, mix_standardised};
use crate::spec::{Corroboration, RateSpec, RecordsPerHit, SeriesSpec};

pub(crate) struct Conversion;

/// Call types and the offence categories their crimes mostly fall in.
fn categories(call_type: &str) -> Vec<String> {
    match call_type {
        "ASSAULT" | "DOMESTIC_ABUSE" | "HARASSMENT" => vec!["violence".into()],
        "SEXUAL_OFFENCE" => vec!["sexual".into(), "rape".into()],
        _ => Vec::new(),
    }
}

impl Detector for Conversion {
    fn name(&self) -> &'static str {
        "conversion"
    }

    fn describe(&self) -> &'static str {
        "The share of crime-related calls that led to at least one crime record, per call type and for all together (each force's mix of call types held fixed), and the share of crime-related calls closed with a non-crime code and no crime (counted only when conversion fell too); each after the target against before, against peers."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let per_incident = RecordsPerHit::ByForce(context.crimes_per_converted_incident());
        let mut out = Vec::new();
        let per_type: Vec<(&String, RateTable)> = context
            .vocabulary
            .crime_related
            .iter()
            .map(|call_type| {
                let rates = context
                    .incident_rates(|c| (c.call_type == *call_type).then_some(c.led_to_crime));
                (call_type, rates)
            })
            .filter(|(_, rates)| !rates.forces.is_empty())
            .collect();
        // Call types convert at different rates, so a force whose calls shift towards a type
        // that converts less often would show a lower pooled conversion with no call left
        // unrecorded (an awareness campaign doubling domestic abuse calls, say): the pooled
        // rate holds each force's mix of call types fixed.
        let tables: Vec<&RateTable> = per_type.iter().map(|(_, r)| r).collect();
        let all = RateSpec::share(
            "all crime-related calls",
            Direction::Fall,
            mix_standardised(&tables),
        );
        out.push(spec(
            all.clone(),
            "all crime-related calls",
            per_incident.clone(),
            vec!["violence".into(), "sexual".into()],
            "the share of crime-related calls that led to a crime record".into(),
            context.vocabulary.crime_related.clone(),
        ));
        for (call_type, rates) in per_type {
            out.push(spec(
                RateSpec::share(format!("{call_type} calls"), Direction::Fall, rates).part_of(&all),
                "call types",
                per_incident.clone(),
                categories(call_type),
                format!("the share of {call_type} calls that led to a crime record"),
                BTreeSet::from([call_type.clone()]),
            ));
        }
        let vocabulary = &context.vocabulary;
        let closed_non_crime = context.incident_rates(|c| {
            context.is_crime_related(&c.call_type).then(|| {
                !c.led_to_crime
                    && c.closing_code
                        .as_deref()
                        .is_some_and(|code| vocabulary.non_crime.contains(code))
            })
        });
        let mut closed = spec(
            RateSpec::share(
                "crime-related calls closed as non-crime",
                Direction::Rise,
                closed_non_crime,
            ),
            "closed as non-crime",
            per_incident,
            vec!["violence".into(), "sexual".into()],
            "the share of crime-related calls closed with a non-crime code and no crime record"
                .into(),
            context.vocabulary.crime_related.clone(),
        );
        closed.corroboration = Some(Corroboration::Rate(all));
        out.push(closed);
        out
    }
}

fn spec(
    main: RateSpec,
    family: &str,
    records_per_hit: RecordsPerHit,
    categories: Vec<String>,
    rate_label: String,
    call_types: BTreeSet<String>,
) -> SeriesSpec {
    SeriesSpec {
        detector: "conversion",
        mechanism: Mechanism::NonRecording,
        main,
        counterfactual: Counterfactual::ShareOfTotal,
        records_per_hit,
        categories,
        corroboration: None,
        rate_label,
        affected_label: "crimes never recorded".into(),
        family: family.to_string(),
        complete: false,
        pair_sides: None,
        review: Some(RecordSelection::CallsWithoutCrime { call_types }),
    }
}
