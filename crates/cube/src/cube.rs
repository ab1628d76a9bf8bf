//! The `Cube`: per force and month counts of everything a detector needs. It is the seam
//! between reading data and judging it: small, serialisable, and merged exactly by addition, so
//! a national estate can be aggregated partition by partition.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A short text of a cube cell: a code, a force id, a BCU name. Stored inline (no heap) up to
/// 24 bytes, since a national cube holds millions of cells.
pub type Name = compact_str::CompactString;

use crate::cells::Cells;
use crate::period::Period;
use crate::quality::DataQuality;

/// Incidents of one force, BCU, month, call type and closing code, split by whether they led
/// to at least one crime record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IncidentCell {
    /// Force code.
    pub force_id: Name,
    /// Basic command unit, where the data has it.
    pub bcu: Option<Name>,
    /// Month the incident was opened.
    pub period: Period,
    /// Opening call type (contract vocabulary).
    pub call_type: Name,
    /// Closing code (contract vocabulary), if closed with a known code.
    pub closing_code: Option<Name>,
    /// Whether at least one crime record names this incident.
    pub led_to_crime: bool,
    /// The final offence of the most serious standing (not cancelled) crime record naming
    /// this incident, when the offence catalogue knows it; `None` otherwise. Crossing calls
    /// with what they were recorded as lets a detector compare a downgraded record with the
    /// other outcomes of calls of the same type: a downgrade keeps the call and changes its
    /// record, a genuine fall of a crime removes both.
    pub crime_offence: Option<Name>,
}

/// How long after the report a crime was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingDelay {
    /// Within 24 hours (the current National Crime Recording Standard limit).
    WithinDay,
    /// More than 24 hours, within 72 (the limit at the time of the 2014 inspection).
    WithinThreeDays,
    /// More than 72 hours, within a week.
    WithinWeek,
    /// More than a week.
    Later,
}

impl RecordingDelay {
    /// The band of a delay in seconds.
    pub fn from_seconds(seconds: i64) -> Self {
        const HOUR: i64 = 3600;
        match seconds {
            s if s <= 24 * HOUR => RecordingDelay::WithinDay,
            s if s <= 72 * HOUR => RecordingDelay::WithinThreeDays,
            s if s <= 168 * HOUR => RecordingDelay::WithinWeek,
            _ => RecordingDelay::Later,
        }
    }

    /// Whether this delay breaks a time limit of `limit_hours` (24, 72 or 168).
    pub fn exceeds(self, limit_hours: u32) -> bool {
        let band_end = match self {
            RecordingDelay::WithinDay => 24,
            RecordingDelay::WithinThreeDays => 72,
            RecordingDelay::WithinWeek => 168,
            RecordingDelay::Later => u32::MAX,
        };
        band_end > limit_hours
    }

    /// The name used in cube files.
    pub fn name(self) -> &'static str {
        match self {
            RecordingDelay::WithinDay => "within_day",
            RecordingDelay::WithinThreeDays => "within_three_days",
            RecordingDelay::WithinWeek => "within_week",
            RecordingDelay::Later => "later",
        }
    }

    /// Reads [`RecordingDelay::name`] back.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            RecordingDelay::WithinDay,
            RecordingDelay::WithinThreeDays,
            RecordingDelay::WithinWeek,
            RecordingDelay::Later,
        ]
        .into_iter()
        .find(|d| d.name() == name)
    }
}

/// Crime records of one force, BCU and month of report, by initial and final offence,
/// cancellation, recording delay, and whether they came from an incident.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CrimeCell {
    /// Force code.
    pub force_id: Name,
    /// Basic command unit, where the data has it.
    pub bcu: Option<Name>,
    /// Month the matter was reported to police.
    pub period: Period,
    /// Offence first recorded (Home Office code).
    pub offence_initial: Name,
    /// Offence as of the extract.
    pub offence_final: Name,
    /// Whether the crime was cancelled.
    pub cancelled: bool,
    /// Cancellation class, when cancelled with a reason.
    pub cancel_reason: Option<Name>,
    /// Time from report to record.
    pub delay: RecordingDelay,
    /// Whether the crime names an incident.
    pub from_incident: bool,
}

/// Reclassifications of one force, BCU and month of reclassification, by day of the month
/// (counted back from its last day) and by initial and final offence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReclassificationCell {
    /// Force code.
    pub force_id: Name,
    /// Basic command unit, where the data has it.
    pub bcu: Option<Name>,
    /// Month of the reclassification.
    pub period: Period,
    /// 0 on the month's last day, 1 the day before, and so on.
    pub days_before_month_end: u8,
    /// Offence first recorded.
    pub offence_initial: Name,
    /// Offence as of the extract.
    pub offence_final: Name,
}

/// Published counts of one force, period and offence (aggregate input).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CountCell {
    /// Force code.
    pub force_id: Name,
    /// First month of the period.
    pub period: Period,
    /// Length of the period in months (1 for monthly, 3 for quarterly tables).
    pub months: u8,
    /// Offence code (or group name).
    pub offence_code: Name,
}

/// Everything the detectors read. Cells hold counts; merging adds them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cube {
    /// Incidents by force, BCU, month, call type, closing code and outcome.
    pub incidents: Cells<IncidentCell>,
    /// Crime records by force, BCU, month, offences, cancellation and delay.
    pub crimes: Cells<CrimeCell>,
    /// Reclassifications by force, BCU, month, day of month and offences.
    pub reclassifications: Cells<ReclassificationCell>,
    /// Published counts by force, period and offence.
    pub counts: Cells<CountCell>,
    /// What was wrong with the input.
    pub quality: DataQuality,
}

impl Cube {
    /// Adds another cube into this one. Exact: the merge of the cubes of two partitions is the
    /// cube of their union, provided no incident is split from its crimes (partition by force).
    pub fn merge(&mut self, other: Cube) {
        self.incidents.merge(other.incidents);
        self.crimes.merge(other.crimes);
        self.reclassifications.merge(other.reclassifications);
        self.counts.merge(other.counts);
        self.quality.merge(other.quality);
    }

    /// Merges many cubes.
    pub fn merge_all(cubes: impl IntoIterator<Item = Cube>) -> Cube {
        cubes.into_iter().fold(Cube::default(), |mut acc, cube| {
            acc.merge(cube);
            acc
        })
    }

    /// Every force with any record or count.
    pub fn forces(&self) -> BTreeSet<String> {
        let mut forces: BTreeSet<String> = BTreeSet::new();
        forces.extend(self.incidents.keys().map(|c| c.force_id.to_string()));
        forces.extend(self.crimes.keys().map(|c| c.force_id.to_string()));
        forces.extend(self.counts.keys().map(|c| c.force_id.to_string()));
        forces
    }

    /// The first and last month with data.
    pub fn period_span(&self) -> Option<(Period, Period)> {
        let periods = self
            .incidents
            .keys()
            .map(|c| c.period)
            .chain(self.crimes.keys().map(|c| c.period))
            .chain(
                self.counts
                    .keys()
                    .flat_map(|c| [c.period, c.period.offset(i32::from(c.months.max(1)) - 1)]),
            );
        periods.fold(None, |span, p| match span {
            None => Some((p, p)),
            Some((lo, hi)) => Some((lo.min(p), hi.max(p))),
        })
    }

    /// Whether the cube holds record-level data (incidents or crimes).
    pub fn has_records(&self) -> bool {
        !self.incidents.is_empty() || !self.crimes.is_empty()
    }

    /// Total incidents.
    pub fn incident_total(&self) -> u64 {
        self.incidents.values().sum()
    }

    /// Total crime records.
    pub fn crime_total(&self) -> u64 {
        self.crimes.values().sum()
    }

    /// Every BCU of a force.
    pub fn bcus(&self, force_id: &str) -> BTreeSet<String> {
        self.incidents
            .keys()
            .filter(|c| c.force_id == force_id)
            .filter_map(|c| c.bcu.as_deref().map(str::to_string))
            .chain(
                self.crimes
                    .keys()
                    .filter(|c| c.force_id == force_id)
                    .filter_map(|c| c.bcu.as_deref().map(str::to_string)),
            )
            .collect()
    }

    /// The part of the cube about one BCU of a force (for per-BCU results).
    pub fn for_bcu(&self, force_id: &str, bcu: &str) -> Cube {
        let keep = |f: &str, b: &Option<Name>| f == force_id && b.as_deref() == Some(bcu);
        Cube {
            incidents: self.incidents.filter(|c| keep(&c.force_id, &c.bcu)),
            crimes: self.crimes.filter(|c| keep(&c.force_id, &c.bcu)),
            reclassifications: self.reclassifications.filter(|c| keep(&c.force_id, &c.bcu)),
            counts: Cells::new(),
            quality: DataQuality::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(force: &str, month: u32, call: &str, led: bool) -> IncidentCell {
        IncidentCell {
            force_id: force.into(),
            bcu: Some("North".into()),
            period: Period::new(2022, month).unwrap(),
            call_type: call.into(),
            closing_code: None,
            led_to_crime: led,
            crime_offence: None,
        }
    }

    #[test]
    fn merge_adds_counts_cell_by_cell() {
        let mut a = Cube::default();
        a.incidents.insert(incident("F1", 1, "ASSAULT", true), 3);
        a.incidents.insert(incident("F1", 2, "ASSAULT", false), 1);
        let mut b = Cube::default();
        b.incidents.insert(incident("F1", 1, "ASSAULT", true), 2);
        b.incidents.insert(incident("F2", 1, "ASB", false), 7);
        let mut merged = a.clone();
        merged.merge(b.clone());
        assert_eq!(merged.incidents[&incident("F1", 1, "ASSAULT", true)], 5);
        assert_eq!(merged.incident_total(), 13);
        let mut other_way = b;
        other_way.merge(a);
        assert_eq!(merged, other_way);
        assert_eq!(merged.forces().len(), 2);
        assert_eq!(
            merged.period_span(),
            Some((Period::new(2022, 1).unwrap(), Period::new(2022, 2).unwrap()))
        );
    }

    #[test]
    fn delay_bands_follow_the_limits() {
        assert_eq!(
            RecordingDelay::from_seconds(24 * 3600),
            RecordingDelay::WithinDay
        );
        assert_eq!(
            RecordingDelay::from_seconds(24 * 3600 + 1),
            RecordingDelay::WithinThreeDays
        );
        assert!(RecordingDelay::WithinThreeDays.exceeds(24));
        assert!(!RecordingDelay::WithinThreeDays.exceeds(72));
        assert!(RecordingDelay::Later.exceeds(168));
        assert!(!RecordingDelay::WithinDay.exceeds(24));
        for d in [RecordingDelay::WithinDay, RecordingDelay::Later] {
            assert_eq!(RecordingDelay::from_name(d.name()), Some(d));
        }
    }

    #[test]
    fn bcu_view_keeps_only_that_bcu() {
        let mut cube = Cube::default();
        cube.incidents.insert(incident("F1", 1, "ASSAULT", true), 3);
        let mut south = incident("F1", 1, "ASSAULT", true);
        south.bcu = Some("South".into());
        cube.incidents.insert(south, 4);
        assert_eq!(cube.bcus("F1").len(), 2);
        assert_eq!(cube.for_bcu("F1", "South").incident_total(), 4);
    }
}
