//! Records in the making. The honest generator fills a [`CrimeDraft`] with everything that
//! honestly happens to a crime (its true offence, when it was recorded, any honest
//! reclassification or cancellation, as offsets from recording); gaming then overrides parts
//! of it; [`CrimeDraft::finish`] turns it into the row as the extract shows it.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use recount_cube::{Crime, Period};

use crate::timing::{DAY, HOUR};

/// An office-hours moment some days after a reference instant: stored as an offset so that it
/// moves with the reference when planted late recording moves the recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OfficeOffset {
    pub days: i64,
    pub second_of_day: i64,
}

impl OfficeOffset {
    /// The instant: that day's office moment, never earlier than an hour after `from`.
    pub(crate) fn after(self, from: DateTime<Utc>) -> DateTime<Utc> {
        let midnight = Utc.from_utc_datetime(&from.date_naive().and_time(NaiveTime::MIN));
        let at = midnight + Duration::seconds(self.days * DAY + self.second_of_day);
        at.max(from + Duration::seconds(HOUR))
    }
}

/// The offence history a mechanism planted, replacing the honest one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlantedOffence {
    pub initial: &'static str,
    pub final_code: &'static str,
    pub reclassified_at: Option<DateTime<Utc>>,
}

/// One crime record in the making.
#[derive(Clone, Debug)]
pub(crate) struct CrimeDraft {
    /// Creation order within the force; breaks ties in recording time.
    pub seq: u64,
    /// Month of the report; gaming acts from its mechanism's start month on this.
    pub period: Period,
    /// The crime-related call type whose offences this crime belongs to.
    pub family: usize,
    pub incident_id: Option<String>,
    pub bcu: Option<u16>,
    pub reported_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// The offence it truly is.
    pub offence: &'static str,
    /// Honestly recorded first under another code, corrected at the offset.
    pub honest_reclass: Option<(&'static str, OfficeOffset)>,
    /// Honestly cancelled (reason, offset).
    pub honest_cancel: Option<(&'static str, OfficeOffset)>,
    /// Set by downgrading or month-end reclassification.
    pub planted_offence: Option<PlantedOffence>,
    /// Set by cancellation without grounds.
    pub planted_cancel: Option<(&'static str, DateTime<Utc>)>,
}

impl CrimeDraft {
    /// Whether the honest cancellation happened before the extract.
    pub(crate) fn honestly_cancelled(&self, extract_at: DateTime<Utc>) -> bool {
        self.honest_cancel
            .is_some_and(|(_, offset)| offset.after(self.recorded_at) <= extract_at)
    }

    /// The row as the extract shows it: planted history where there is one, otherwise the
    /// honest one, with honest events after the extract not yet happened.
    pub(crate) fn finish(
        self,
        crime_id: String,
        force_id: &str,
        bcu_names: &[String],
        extract_at: DateTime<Utc>,
    ) -> Crime {
        let recorded_at = self.recorded_at;
        let (initial, final_code, reclassified_at) =
            match (self.planted_offence, self.honest_reclass) {
                (Some(planted), _) => {
                    (planted.initial, planted.final_code, planted.reclassified_at)
                }
                (None, Some((initial, offset))) => {
                    let at = offset.after(recorded_at);
                    if at <= extract_at {
                        (initial, self.offence, Some(at))
                    } else {
                        (initial, initial, None)
                    }
                }
                (None, None) => (self.offence, self.offence, None),
            };
        let cancel = self.planted_cancel.or_else(|| {
            self.honest_cancel
                .map(|(reason, offset)| (reason, offset.after(recorded_at)))
                .filter(|(_, at)| *at <= extract_at)
        });
        Crime {
            crime_id,
            force_id: force_id.to_string(),
            incident_id: self.incident_id,
            reported_at: self.reported_at,
            recorded_at,
            offence_initial: initial.to_string(),
            offence_final: final_code.to_string(),
            reclassified_at,
            cancelled_at: cancel.map(|(_, at)| at),
            cancel_reason: cancel.map(|(reason, _)| reason.to_string()),
            bcu: self
                .bcu
                .and_then(|i| bcu_names.get(usize::from(i)))
                .cloned(),
        }
    }
}

/// Drafts waiting to be written, ordered by recording time (then creation order), so that the
/// crimes file comes out in time order.
pub(crate) struct Pending(pub CrimeDraft);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.recorded_at, self.0.seq).cmp(&(other.0.recorded_at, other.0.seq))
    }
}
