//! The detectors. Each reads the cube through a [`Context`] and returns the series it wants
//! tested; the audit runs them all under every target's design. Adding a detector is one file
//! here and one line in [`registry`].

use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{
    AuditConfig, CallClass, CallVocabulary, Cells, CrimeCell, Cube, IncidentCell, Name,
    OffenceCatalogue, Period, ReclassificationCell,
};

use crate::error::DetectError;
use crate::rates::{RateTable, mix_standardised};
use crate::spec::SeriesSpec;

mod call_rebadging;
mod cancellation;
mod category_shift;
mod conversion;
mod late_recording;
mod reclassification;

/// A detector: reads the cube, proposes series to test.
pub trait Detector: Sync {
    /// Its name in outputs.
    fn name(&self) -> &'static str;
    /// What it tests, in one sentence (for the report's methods section).
    fn describe(&self) -> &'static str;
    /// Whether it needs record-level data (incidents and crimes), not just published counts.
    fn needs_records(&self) -> bool {
        true
    }
    /// The series to test.
    fn series(&self, context: &Context) -> Vec<SeriesSpec>;
}

/// Every detector, in the order their tests are listed.
pub fn registry() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(category_shift::CategoryShift),
        Box::new(reclassification::Reclassification),
        Box::new(conversion::Conversion),
        Box::new(call_rebadging::CallRebadging),
        Box::new(cancellation::Cancellation),
        Box::new(late_recording::LateRecording),
    ]
}

/// What detectors read: the cube and the configuration, with the reference data resolved.
pub struct Context<'a> {
    /// The cube.
    pub cube: &'a Cube,
    /// The audit configuration.
    pub config: &'a AuditConfig,
    /// Offence codes with groups and seriousness.
    pub catalogue: OffenceCatalogue,
    /// Call types by class.
    pub vocabulary: CallVocabulary,
    /// The cube's incidents without what their crime was recorded as: every rate over calls
    /// reads these, half as many cells as the cube's.
    pub calls: Cells<IncidentCell>,
    /// Calls by force, month and type, with what those that led to a standing crime were
    /// recorded as (see [`CallOutcomes`]).
    pub call_outcomes: BTreeMap<(Name, Period, Name), CallOutcomes>,
}

/// The calls of one force, month and type, and the offences the standing crimes they led to
/// were recorded as (each call counted once, as its most serious standing crime).
#[derive(Clone, Debug, Default)]
pub struct CallOutcomes {
    /// Every call.
    pub calls: u64,
    /// Calls by the offence they were recorded as.
    pub recorded_as: BTreeMap<Name, u64>,
}

impl<'a> Context<'a> {
    /// The context of an audit.
    pub fn new(cube: &'a Cube, config: &'a AuditConfig) -> Result<Self, DetectError> {
        Ok(Context {
            cube,
            config,
            catalogue: config.catalogue()?,
            vocabulary: config.vocabulary(),
            calls: without_crime_offence(&cube.incidents),
            call_outcomes: call_outcomes(&cube.incidents),
        })
    }

    /// A rate over crime records: `classify` says whether a cell is in the comparison
    /// (`Some`) and whether it is a hit. A cube of published counts only is read as crime
    /// records whose offence never changed, none cancelled, recorded on time, each count at
    /// the first month of its period (so rates compare like with like, quarter by quarter).
    pub fn crime_rates(&self, classify: impl Fn(&CrimeCell) -> Option<bool>) -> RateTable {
        let mut table = RateTable::default();
        for (cell, &n) in &self.cube.crimes {
            if let Some(hit) = classify(cell) {
                table.add(&cell.force_id, cell.period, hit, n);
            }
        }
        if self.cube.crimes.is_empty() {
            for (count, &n) in &self.cube.counts {
                let cell = CrimeCell {
                    force_id: count.force_id.clone(),
                    bcu: None,
                    period: count.period,
                    offence_initial: count.offence_code.clone(),
                    offence_final: count.offence_code.clone(),
                    cancelled: false,
                    cancel_reason: None,
                    delay: recount_cube::RecordingDelay::WithinDay,
                    from_incident: false,
                };
                if let Some(hit) = classify(&cell) {
                    table.add(&cell.force_id, cell.period, hit, n);
                }
            }
        }
        table
    }

    /// A rate over incidents (the offence their crime was recorded as is not among what
    /// `classify` sees; [`Context::call_outcomes`] has it).
    pub fn incident_rates(&self, classify: impl Fn(&IncidentCell) -> Option<bool>) -> RateTable {
        let mut table = RateTable::default();
        for (cell, &n) in &self.calls {
            if let Some(hit) = classify(cell) {
                table.add(&cell.force_id, cell.period, hit, n);
            }
        }
        table
    }

    /// A rate over reclassifications (by month of reclassification).
    pub fn reclassification_rates(
        &self,
        classify: impl Fn(&ReclassificationCell) -> Option<bool>,
    ) -> RateTable {
        let mut table = RateTable::default();
        for (cell, &n) in &self.cube.reclassifications {
            if let Some(hit) = classify(cell) {
                table.add(&cell.force_id, cell.period, hit, n);
            }
        }
        table
    }

    /// Every code of a list of offence codes and group names.
    pub fn expand(&self, names: &[String]) -> BTreeSet<String> {
        names
            .iter()
            .flat_map(|n| self.catalogue.expand(n))
            .collect()
    }

    /// Whether a call type is crime-related.
    pub fn is_crime_related(&self, call_type: &str) -> bool {
        self.vocabulary.classify(call_type) == Some(CallClass::CrimeRelated)
    }

    /// The offence categories a set of codes touches: `violence`, `sexual` and `rape`.
    pub fn categories_of<'c>(&self, codes: impl IntoIterator<Item = &'c String>) -> Vec<String> {
        let mut out = BTreeSet::new();
        for code in codes {
            if let Some(info) = self.catalogue.get(code) {
                if info.group == "Violence against the person" {
                    out.insert("violence");
                }
                if info.group == "Sexual offences" {
                    out.insert("sexual");
                }
                if info.subgroup == "Rape" {
                    out.insert("rape");
                }
            }
        }
        out.into_iter().map(str::to_string).collect()
    }

    /// Crime records per incident that led to a crime, per force: the factor that turns
    /// incidents not converted into crimes not recorded.
    pub fn crimes_per_converted_incident(&self) -> BTreeMap<String, f64> {
        let mut crimes: BTreeMap<&str, f64> = BTreeMap::new();
        let mut converted: BTreeMap<&str, f64> = BTreeMap::new();
        for (cell, &n) in &self.cube.crimes {
            if cell.from_incident {
                *crimes.entry(&cell.force_id).or_default() += n as f64;
            }
        }
        for (cell, &n) in &self.calls {
            if cell.led_to_crime {
                *converted.entry(&cell.force_id).or_default() += n as f64;
            }
        }
        converted
            .into_iter()
            .filter(|(_, n)| *n > 0.0)
            .map(|(force, n)| {
                (
                    force.to_string(),
                    (crimes.get(force).copied().unwrap_or(n) / n).max(1.0),
                )
            })
            .collect()
    }
}

/// A crime rate over the codes of an offence group, or over all crime (`codes` `None`) with
/// each force's mix of offence groups held fixed: cancellation and late recording run at
/// different rates in different groups (sexual offences are recorded late more often, for
/// good reasons), so a force whose crime shifts towards such a group would otherwise show a
/// rise with no record treated differently.
pub(crate) fn offence_group_rates(
    context: &Context,
    codes: Option<&BTreeSet<String>>,
    classify: impl Fn(&CrimeCell) -> Option<bool>,
) -> RateTable {
    match codes {
        Some(codes) => context.crime_rates(|c| {
            codes
                .contains(c.offence_final.as_str())
                .then(|| classify(c))?
        }),
        None => standardised_crime_rates(
            context,
            |c| {
                context
                    .catalogue
                    .get(&c.offence_final)
                    .map(|o| o.group.as_str())
            },
            classify,
        ),
    }
}

/// A crime rate pooled over strata (`stratum` of each record; `None` is a stratum too) with
/// each force's mix of strata held fixed ([`mix_standardised`]). A cube of published counts
/// only has no records to stratify and gets the plain rate.
pub(crate) fn standardised_crime_rates<K: Ord>(
    context: &Context,
    stratum: impl Fn(&CrimeCell) -> Option<K>,
    classify: impl Fn(&CrimeCell) -> Option<bool>,
) -> RateTable {
    if context.cube.crimes.is_empty() {
        return context.crime_rates(classify);
    }
    let mut strata: BTreeMap<Option<K>, RateTable> = BTreeMap::new();
    for (cell, &n) in &context.cube.crimes {
        if let Some(hit) = classify(cell) {
            strata
                .entry(stratum(cell))
                .or_default()
                .add(&cell.force_id, cell.period, hit, n);
        }
    }
    let strata: Vec<&RateTable> = strata.values().collect();
    mix_standardised(&strata)
}

/// Incident cells with `crime_offence` dropped and the cells it split added back together.
/// It is the cells' last field, so the cells it split are neighbours in the cube's order.
fn without_crime_offence(incidents: &Cells<IncidentCell>) -> Cells<IncidentCell> {
    let mut out: Vec<(IncidentCell, u64)> = Vec::with_capacity(incidents.len());
    for (cell, &n) in incidents {
        match out.last_mut() {
            Some((last, count)) if same_call(last, cell) => *count += n,
            _ => out.push((
                IncidentCell {
                    crime_offence: None,
                    ..cell.clone()
                },
                n,
            )),
        }
    }
    Cells::from(out)
}

/// Calls by force, month and type, with what those that led to a standing crime were recorded
/// as.
fn call_outcomes(incidents: &Cells<IncidentCell>) -> BTreeMap<(Name, Period, Name), CallOutcomes> {
    let mut out: BTreeMap<(Name, Period, Name), CallOutcomes> = BTreeMap::new();
    for (cell, &n) in incidents {
        let key = (cell.force_id.clone(), cell.period, cell.call_type.clone());
        let outcomes = out.entry(key).or_default();
        outcomes.calls += n;
        if let Some(offence) = &cell.crime_offence {
            *outcomes.recorded_as.entry(offence.clone()).or_default() += n;
        }
    }
    out
}

/// Whether two cells differ at most in `crime_offence`.
fn same_call(a: &IncidentCell, b: &IncidentCell) -> bool {
    call_key(a) == call_key(b)
}

/// A cell's fields but `crime_offence`. Every field is named, so that a field added to the
/// cell must be placed on one side or the other.
fn call_key(cell: &IncidentCell) -> (&Name, &Option<Name>, Period, &Name, &Option<Name>, bool) {
    let IncidentCell {
        force_id,
        bcu,
        period,
        call_type,
        closing_code,
        led_to_crime,
        crime_offence: _,
    } = cell;
    (
        force_id,
        bcu,
        *period,
        call_type,
        closing_code,
        *led_to_crime,
    )
}

/// Marks each offence group's rate as a part of the all-crime rate of the same series (see
/// [`crate::spec::RateSpec::part_of`]).
pub(crate) fn parts_of_all_crime(mut specs: Vec<SeriesSpec>) -> Vec<SeriesSpec> {
    let whole = specs
        .iter()
        .find(|s| s.family == ALL_CRIME)
        .map(|s| s.main.clone());
    if let Some(whole) = whole {
        for spec in specs.iter_mut().filter(|s| s.family != ALL_CRIME) {
            spec.main = spec.main.clone().part_of(&whole);
        }
    }
    specs
}

/// The family of the series over all crime (the others are per offence group).
pub(crate) const ALL_CRIME: &str = "all crime";

/// The offence groups rates are broken down by: all crime, then each group with records in the
/// cube (`None` codes means every code), with the categories each covers.
pub(crate) fn offence_groups(
    context: &Context,
) -> Vec<(String, Option<BTreeSet<String>>, Vec<String>)> {
    let present: BTreeSet<&str> = context
        .cube
        .crimes
        .keys()
        .map(|c| c.offence_final.as_str())
        .collect();
    let mut out = vec![(ALL_CRIME.to_string(), None, Vec::new())];
    for group in context.catalogue.groups() {
        let codes = context.catalogue.expand(&group);
        if codes.iter().any(|c| present.contains(c.as_str())) {
            let categories = context.categories_of(&codes);
            out.push((group.to_lowercase(), Some(codes), categories));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(force: &str, led: bool, offence: Option<&str>) -> IncidentCell {
        IncidentCell {
            force_id: force.into(),
            bcu: None,
            period: Period::new(2022, 1).expect("a valid month"),
            call_type: "ASSAULT".into(),
            closing_code: None,
            led_to_crime: led,
            crime_offence: offence.map(Into::into),
        }
    }

    #[test]
    fn calls_are_counted_once_whatever_they_were_recorded_as() {
        let mut cube = Cube::default();
        cube.incidents.insert(call("A", false, None), 5);
        cube.incidents.insert(call("A", true, None), 1);
        cube.incidents.insert(call("A", true, Some("105A")), 3);
        cube.incidents.insert(call("A", true, Some("8N")), 2);
        cube.incidents.insert(call("B", true, Some("8N")), 4);
        let config = AuditConfig::default();
        let context = Context::new(&cube, &config).expect("the default configuration");

        let calls: Vec<(bool, u64)> = context
            .calls
            .iter()
            .filter(|(c, _)| c.force_id == "A")
            .map(|(c, &n)| (c.led_to_crime, n))
            .collect();
        assert_eq!(calls, vec![(false, 5), (true, 6)]);
        assert!(context.calls.keys().all(|c| c.crime_offence.is_none()));
        assert_eq!(context.calls.values().sum::<u64>(), cube.incident_total());

        let a = &context.call_outcomes[&(
            "A".into(),
            Period::new(2022, 1).expect("a valid month"),
            "ASSAULT".into(),
        )];
        assert_eq!(a.calls, 11);
        let recorded: Vec<(&str, u64)> = a
            .recorded_as
            .iter()
            .map(|(o, &n)| (o.as_str(), n))
            .collect();
        assert_eq!(recorded, vec![("105A", 3), ("8N", 2)]);
    }
}
