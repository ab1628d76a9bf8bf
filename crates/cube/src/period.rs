//! `Period`: a calendar month, the unit of every series recount builds.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month. Ordered, cheap to copy, and printed as `YYYY-MM`.
///
/// Stored as the number of months since January of year 0 so that month arithmetic is
/// integer arithmetic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Period(i32);

impl Period {
    /// The month `month` (1 to 12) of `year`, or `None` for a month outside 1 to 12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then(|| Period(year * 12 + month as i32 - 1))
    }

    /// The month a date falls in.
    pub fn of_date(date: NaiveDate) -> Self {
        Period(date.year() * 12 + date.month0() as i32)
    }

    /// Rebuilds a period from [`Period::index`].
    pub fn from_index(index: i32) -> Self {
        Period(index)
    }

    /// Months since January of year 0; consecutive months have consecutive indices.
    pub fn index(self) -> i32 {
        self.0
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month of the year, 1 to 12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The period `months` later (earlier when negative).
    pub fn offset(self, months: i32) -> Self {
        Period(self.0 + months)
    }

    /// Number of months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: Period) -> i32 {
        later.0 - self.0
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MIN)
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        let next = self.offset(1).first_day();
        (next - self.first_day()).num_days() as u32
    }

    /// Every month from `first` to `last`, both included.
    pub fn range_inclusive(first: Period, last: Period) -> impl Iterator<Item = Period> {
        (first.0..=last.0).map(Period)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// The text could not be read as a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month: expected YYYY-MM or YYYY-MM-DD")]
pub struct ParsePeriodError(pub String);

impl FromStr for Period {
    type Err = ParsePeriodError;

    /// Reads `YYYY-MM` or a full date `YYYY-MM-DD` (the month it falls in).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || ParsePeriodError(text.to_string());
        let trimmed = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            return Ok(Period::of_date(date));
        }
        let (year, month) = trimmed.split_once('-').ok_or_else(fail)?;
        if year.len() != 4 || month.is_empty() || month.len() > 2 {
            return Err(fail());
        }
        let year: i32 = year.parse().map_err(|_| fail())?;
        let month: u32 = month.parse().map_err(|_| fail())?;
        Period::new(year, month).ok_or_else(fail)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_crosses_years() {
        let december = Period::new(2021, 12).unwrap();
        assert_eq!(december.offset(1), Period::new(2022, 1).unwrap());
        assert_eq!(december.offset(-12), Period::new(2020, 12).unwrap());
        assert_eq!(december.months_until(Period::new(2023, 3).unwrap()), 15);
        assert_eq!(december.to_string(), "2021-12");
    }

    #[test]
    fn days_in_month_know_leap_years() {
        assert_eq!(Period::new(2024, 2).unwrap().days(), 29);
        assert_eq!(Period::new(2023, 2).unwrap().days(), 28);
        assert_eq!(Period::new(2023, 12).unwrap().days(), 31);
    }

    #[test]
    fn parses_months_and_dates() {
        assert_eq!(
            "2022-01".parse::<Period>().unwrap(),
            Period::new(2022, 1).unwrap()
        );
        assert_eq!(
            "2022-01-17".parse::<Period>().unwrap(),
            Period::new(2022, 1).unwrap()
        );
        assert!("2022-13".parse::<Period>().is_err());
        assert!("22-1".parse::<Period>().is_err());
        assert!("soon".parse::<Period>().is_err());
    }

    #[test]
    fn negative_years_do_not_break_month_of_year() {
        let p = Period::from_index(-1);
        assert_eq!((p.year(), p.month()), (-1, 12));
    }
}
