//! From a wall-clock time to its month and day, memoised by day: rows come roughly in time
//! order, so most rows fall on the day before them.

use chrono::{Datelike, NaiveDate};
use recount_cube::Period;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The calendar position of a moment: its month, its day of the month, and the days in that
/// month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Day {
    pub period: Period,
    pub day_of_month: u32,
    pub days_in_month: u32,
}

impl Day {
    /// Days left in the month after this one: 0 on the last day.
    pub fn days_before_month_end(self) -> u8 {
        (self.days_in_month - self.day_of_month) as u8
    }
}

/// Converts wall-clock microseconds to calendar days.
#[derive(Default)]
pub(crate) struct Calendar {
    memo: Option<(i64, Day)>,
}

impl Calendar {
    /// The day of a wall-clock time, or `None` beyond the calendar chrono supports.
    pub fn day(&mut self, wall_micros: i64) -> Option<Day> {
        let day_number = wall_micros.div_euclid(MICROS_PER_DAY);
        if let Some((memo_day, day)) = self.memo
            && memo_day == day_number
        {
            return Some(day);
        }
        let days_from_ce = i32::try_from(day_number + UNIX_EPOCH_DAYS_FROM_CE).ok()?;
        let date = NaiveDate::from_num_days_from_ce_opt(days_from_ce)?;
        let period = Period::of_date(date);
        let day = Day {
            period,
            day_of_month: date.day(),
            days_in_month: period.days(),
        };
        self.memo = Some((day_number, day));
        Some(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_month_and_day_either_side_of_midnight() {
        let mut calendar = Calendar::default();
        let midnight = NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        let before = calendar.day(midnight - 1).unwrap();
        assert_eq!(before.period, Period::new(2024, 2).unwrap());
        assert_eq!((before.day_of_month, before.days_in_month), (29, 29));
        assert_eq!(before.days_before_month_end(), 0);
        let after = calendar.day(midnight).unwrap();
        assert_eq!(after.period, Period::new(2024, 3).unwrap());
        assert_eq!(after.days_before_month_end(), 30);
        let before_epoch = calendar.day(-1).unwrap();
        assert_eq!(before_epoch.period, Period::new(1969, 12).unwrap());
    }
}
