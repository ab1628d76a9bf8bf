//! Non-recording: crime-related calls that do not lead to a crime record. A genuine fall in
//! crime lowers calls and crimes together and leaves the share of calls that become crimes
//! where it was; non-recording lowers crimes against calls. So the rate tested is the
//! conversion of each crime-related call type, and of all of them together (each force's mix
//! of call types held fixed); and, as a second view of the same mechanism, the share of
//! crime-related calls closed with a non-crime code and no crime. That second view counts only
//! when conversion fell too: a force that changes how it closes calls without a crime (a new
//! command-and-control system, a new closing policy) closes more of them with non-crime codes
//! and loses no crime.
//!
//! Conversion is read off the links between calls and crimes (a call led to a crime when a
//! crime record names it), so a force whose crime records stop naming their call (a new
//! records system, a linking backlog) shows conversion falling with every crime still
//! recorded: its records that name no call rise by as many as the calls that lost their
//! crime. Non-recording leaves those records where they were. So no conversion test counts
//! when the force's records naming no call rose against its crime-related calls by at least
//! half of what the test says was lost. (A test that crime records fell against calls would
//! say the same from the other side, but at a force's volumes it cannot see non-recording
//! confined to domestic abuse and assault calls at 10%: found in 0 of 10 audits against 10
//! of 10 without it, `power --seeds 10 --strengths 0.05,0.1,0.2 --mechanisms non_recording`.)
//!
//! A genuine fall of a serious crime lowers conversion too: fewer assaults with injury take
//! away calls that nearly always lead to a record and leave the calls that seldom do. With
//! `X` such calls gone from `N` of which `C` converted, the conversion test counts `X (1 -
//! C/N)` lost, while the serious records fall by `X`: several times more. Non-recording takes
//! records of every kind the calls lead to, so the serious records fall by a part of what the
//! test counts lost. So no conversion test counts when the serious side of a downgrade pair
//! fell against the rest of crime (p < 0.01) by at least all of what the force's
//! crime-related calls lost together (measured against the whole, not the call type: assaults
//! with injury come from assault and domestic abuse calls alike).
//!
//! Two choices in that rule come from large forces (the cross-check's forces at five times
//! their size, 2,000 to 60,000 calls a month; `docs/crosscheck.md`):
//! - Each pair's serious side is judged on its own, not all serious offences together: a fall
//!   of one crime is diluted by the others' honest drift (assaults with injury 2,700 records
//!   down, all serious offences together 1,800).
//! - "What the calls lost" is the least that their 95% interval allows, not its point
//!   estimate. A large force's conversion over all its calls drifts honestly by a few hundredths
//!   in the log-odds, thousands of records, which the point estimate would add to what the
//!   genuine fall must explain (the stop-20 rule flagged that force in 3 of 9 audits; 0 now).
//!
//! Non-recording of assault and domestic abuse calls lowers the serious records too, but by a
//! part of the calls' loss, so it is still found (the synth's study: as often as before).
//! The price: non-recording confined to serious offences is not told from a genuine fall of
//! them; only the calls' volume, far noisier, could.

use std::collections::BTreeSet;

use recount_cube::{CrimeCell, RecordSelection};

use super::{Context, Detector};
use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::rates::{RateTable, mix_standardised};
use crate::spec::{Corroboration, Explained, RateSpec, RecordsPerHit, SeriesSpec};

pub(crate) struct Conversion;

/// Crime records that name no call against crime-related calls, per force and month, as a
/// share (records out of records plus calls: its log-odds is the log of records per call);
/// forces without calls are left out. A rise of it explains a fall of conversion without a
/// crime lost (see the module documentation).
fn records_naming_no_call(context: &Context) -> RateSpec {
    let with_calls: BTreeSet<&str> = context.calls.keys().map(|c| c.force_id.as_str()).collect();
    let unlinked = |c: &CrimeCell| with_calls.contains(c.force_id.as_str()) && !c.from_incident;
    let mut rates = context.crime_rates(|c| unlinked(c).then_some(true));
    for (cell, &n) in &context.calls {
        if context.is_crime_related(&cell.call_type) {
            rates.add(&cell.force_id, cell.period, false, n);
        }
    }
    RateSpec::share(
        "crime records naming no call, per crime-related call (a rise would explain the fall)",
        Direction::Rise,
        rates,
    )
}

/// The serious side of each downgrade pair against the rest of the force's crime, as shares
/// (each distinct side once); a fall of any explains a fall of conversion without a crime lost
/// (see the module documentation).
fn serious_records(context: &Context) -> Vec<RateSpec> {
    let mut seen = BTreeSet::new();
    context
        .config
        .downgrade_pairs()
        .iter()
        .map(|pair| (pair.serious.join("/"), context.expand(&pair.serious)))
        .filter(|(_, codes)| seen.insert(codes.clone()))
        .map(|(name, codes)| serious_against_rest(context, &name, &codes))
        .collect()
}

fn serious_against_rest(context: &Context, name: &str, serious: &BTreeSet<String>) -> RateSpec {
    let rates =
        context.crime_rates(|c| (!c.cancelled).then(|| serious.contains(c.offence_final.as_str())));
    RateSpec::share(
        format!("{name} against the rest of crime (a fall would explain the fall)"),
        Direction::Fall,
        rates,
    )
}

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
        "The share of crime-related calls that led to at least one crime record, per call type and for all together (each force's mix of call types held fixed), and the share of crime-related calls closed with a non-crime code and no crime (counted only when conversion fell too); each after the target against before, against peers, and none counted when the force's crime records naming no call rose by at least half of what was lost (records that stopped naming their call lose no crime), or the serious side of one of its downgrade pairs fell against the rest of its crime by at least the least that its crime-related calls lost together by their 95% interval (a genuine fall of serious crime)."
    }

    fn series(&self, context: &Context) -> Vec<SeriesSpec> {
        let per_incident = RecordsPerHit::ByForce(context.crimes_per_converted_incident());
        let links_moved = Corroboration::Unless {
            spec: records_naming_no_call(context),
            of: Explained::Main,
        };
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
        // Honest changes that lower conversion with no crime lost: links that broke, and a
        // genuine fall of serious crime.
        let serious_fell = serious_records(context)
            .into_iter()
            .map(|spec| Corroboration::Unless {
                spec,
                of: Explained::Whole(Box::new(all.clone())),
            });
        let honest_causes =
            Corroboration::All(std::iter::once(links_moved).chain(serious_fell).collect());
        let mut pooled = spec(
            all.clone(),
            "all crime-related calls",
            per_incident.clone(),
            vec!["violence".into(), "sexual".into()],
            "the share of crime-related calls that led to a crime record".into(),
            context.vocabulary.crime_related.clone(),
        );
        pooled.corroboration = Some(honest_causes.clone());
        out.push(pooled);
        for (call_type, rates) in per_type {
            let mut of_type = spec(
                RateSpec::share(format!("{call_type} calls"), Direction::Fall, rates).part_of(&all),
                "call types",
                per_incident.clone(),
                categories(call_type),
                format!("the share of {call_type} calls that led to a crime record"),
                BTreeSet::from([call_type.clone()]),
            );
            of_type.corroboration = Some(honest_causes.clone());
            out.push(of_type);
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
        closed.corroboration = Some(Corroboration::All(vec![
            Corroboration::Rate(all),
            honest_causes,
        ]));
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
