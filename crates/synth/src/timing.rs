//! When things happen: calendar arithmetic on [`Period`]s and the time-of-day profiles of calls
//! and of office work (recording decisions, reclassifications, cancellations).

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use rand::Rng;
use recount_cube::Period;

use crate::sampling::{Categorical, uniform};

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Seconds in an hour.
pub(crate) const HOUR: i64 = 3_600;

/// Midnight UTC at the start of the month.
pub(crate) fn month_start(period: Period) -> DateTime<Utc> {
    Utc.from_utc_datetime(&period.first_day().and_time(NaiveTime::MIN))
}

/// Midnight UTC at the start of the next month (the end of this one, exclusive).
pub(crate) fn month_end(period: Period) -> DateTime<Utc> {
    month_start(period.offset(1))
}

/// The month an instant falls in.
pub(crate) fn period_of(instant: DateTime<Utc>) -> Period {
    Period::of_date(instant.date_naive())
}

/// Calls per hour of the day for most call types. Judgement, shaped like the published demand
/// curves of forces' control rooms: a trough around 04:00-06:00, a climb through the morning
/// and a plateau from mid-afternoon to late evening.
const GENERAL_HOURS: [f64; 24] = [
    3.6, 3.0, 2.5, 2.0, 1.6, 1.5, 1.9, 2.7, 3.6, 4.2, 4.5, 4.7, //
    4.8, 4.8, 4.9, 5.2, 5.5, 5.6, 5.6, 5.4, 5.2, 5.0, 4.6, 4.1,
];

/// Violence and disorder calls, which follow the night-time economy (judgement): late evening
/// and the small hours are busier than for other calls.
const NIGHT_HOURS: [f64; 24] = [
    6.5, 6.0, 5.2, 4.0, 2.6, 1.6, 1.4, 1.7, 2.2, 2.7, 3.0, 3.3, //
    3.6, 3.8, 4.0, 4.3, 4.7, 5.0, 5.3, 5.6, 6.0, 6.5, 7.0, 7.0,
];

/// Office work and online or front-desk reporting (judgement): mostly 08:00-20:00.
const OFFICE_HOURS: [f64; 24] = [
    0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2.0, 5.0, 7.0, 7.5, 7.5, //
    6.5, 7.0, 7.5, 7.5, 7.0, 6.0, 4.5, 3.5, 2.8, 2.0, 1.2, 0.7,
];

/// Which hour-of-day profile a draw follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DayShape {
    /// Most calls.
    General,
    /// Violence and disorder calls.
    Night,
    /// Office work and reports made other than by calling.
    Office,
}

/// The three hour-of-day profiles, built once per force.
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    general: Categorical<u32>,
    night: Categorical<u32>,
    office: Categorical<u32>,
}

impl Clock {
    pub(crate) fn new() -> Self {
        let build = |weights: &[f64; 24]| {
            Categorical::new((0..24u32).map(|h| (h, weights[h as usize])))
                .expect("hour profiles have positive weights")
        };
        Clock {
            general: build(&GENERAL_HOURS),
            night: build(&NIGHT_HOURS),
            office: build(&OFFICE_HOURS),
        }
    }

    /// Seconds after midnight, with the hour drawn from the profile.
    pub(crate) fn second_of_day(&self, rng: &mut impl Rng, shape: DayShape) -> i64 {
        let profile = match shape {
            DayShape::General => &self.general,
            DayShape::Night => &self.night,
            DayShape::Office => &self.office,
        };
        i64::from(profile.sample(rng)) * HOUR + rng.random_range(0..HOUR)
    }

    /// An instant in the month: a uniformly drawn day, the hour from the profile.
    pub(crate) fn instant_in_month(
        &self,
        rng: &mut impl Rng,
        period: Period,
        shape: DayShape,
    ) -> DateTime<Utc> {
        let day = rng.random_range(0..i64::from(period.days()));
        month_start(period) + Duration::seconds(day * DAY + self.second_of_day(rng, shape))
    }

    /// An office-hours instant on the day `days` days after `from`'s day, never earlier than
    /// one hour after `from`.
    pub(crate) fn office_instant_after(
        &self,
        rng: &mut impl Rng,
        from: DateTime<Utc>,
        days: i64,
    ) -> DateTime<Utc> {
        let midnight = Utc.from_utc_datetime(&from.date_naive().and_time(NaiveTime::MIN));
        let candidate =
            midnight + Duration::seconds(days * DAY + self.second_of_day(rng, DayShape::Office));
        candidate.max(from + Duration::seconds(HOUR))
    }
}

/// A uniformly drawn instant in `[from + low, from + high]`, cut at `limit`; `None` when even
/// the earliest instant is after `limit`. Planted timestamps use this so that they never fall
/// after the extract was taken.
pub(crate) fn instant_within(
    rng: &mut impl Rng,
    from: DateTime<Utc>,
    low_seconds: i64,
    high_seconds: i64,
    limit: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let earliest = from + Duration::seconds(low_seconds);
    if earliest > limit {
        return None;
    }
    let latest = (from + Duration::seconds(high_seconds)).min(limit);
    let span = (latest - earliest).num_seconds();
    let offset = uniform(rng, 0.0, span as f64 + 1.0).floor() as i64;
    Some(earliest + Duration::seconds(offset.min(span)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::{Stream, stream_rng};
    use chrono::Timelike;

    #[test]
    fn instants_stay_in_their_month_and_follow_the_profile() {
        let clock = Clock::new();
        let mut rng = stream_rng(3, 0, Stream::Incidents);
        let february = Period::new(2024, 2).unwrap();
        let mut small_hours = 0;
        let mut evening = 0;
        for _ in 0..10_000 {
            let t = clock.instant_in_month(&mut rng, february, DayShape::General);
            assert_eq!(period_of(t), february);
            match t.hour() {
                4 => small_hours += 1,
                18 => evening += 1,
                _ => {}
            }
        }
        assert!(evening > 2 * small_hours, "{evening} vs {small_hours}");
    }

    #[test]
    fn instant_within_respects_the_limit() {
        let mut rng = stream_rng(3, 0, Stream::Records);
        let from = month_start(Period::new(2022, 1).unwrap());
        let limit = from + Duration::days(3);
        for _ in 0..1000 {
            let t = instant_within(&mut rng, from, DAY, 10 * DAY, limit).unwrap();
            assert!(t >= from + Duration::days(1) && t <= limit);
        }
        assert!(instant_within(&mut rng, from, 4 * DAY, 10 * DAY, limit).is_none());
    }
}
