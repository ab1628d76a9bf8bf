//! Months missing from a force's extract: months in which one of its two record-level tables
//! holds far fewer rows than the other implies.
//!
//! A force's crimes and its calls move together month by month: the crimes it records per call
//! changes by a few per cent from one month to the next, by tens of per cent when it changes
//! its recording practice, and the gaming recount looks for moves it by 5 to 30%. When a
//! month's crimes are under a quarter of what the force's calls that month imply (or its calls
//! under a quarter of what its crimes imply), the month is missing from one of the extracts: a
//! system migration, an outage, a table that starts later than the other. Left in, such a month
//! reads as every call of the month closed without a crime: non-recording, in the one month,
//! of the size of the month. So those months are left out of every test of that force (both
//! tables: a month cannot be compared across tables when one of them is missing), and the
//! audit says so. A month missing from both tables holds no rows to mislead and is left alone.
//!
//! The yardstick is the force's own median of crimes per call over its months, so a gap of
//! any length shorter than half the data is found. Forces with calls only or crimes only have
//! nothing to compare and are left alone, as are published counts (quarterly, and without
//! calls). The check is of whole forces; a BCU missing from part of the data is
//! [`crate::scope`]'s concern.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{Cube, Period, Table};

use crate::breaks::median;
use crate::scope::cube_where;

/// How far below what the other table implies a month's rows must be to count as missing.
/// A judgement: in the Home Office quarterly tables 2012/13 to 2023/24 the largest rise of a
/// force's recorded crime over the same quarter a year before (recording-practice changes and
/// the pandemic's rebound in it) is +60% outside the City of London, and the gaming the
/// detectors test moves crimes by 5 to 30%; a fall to a quarter is far beyond both.
const GAP_FACTOR: f64 = 4.0;
/// Fewest rows the other table must imply before a short month counts as missing: with 20
/// expected, 5 or fewer rows by chance has probability 1.7e-4 (Poisson); with fewer, a quiet
/// month of a small force could pass for a gap.
const MIN_EXPECTED: f64 = 20.0;

/// Consecutive months of one force missing from one of its tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    /// The force.
    pub force_id: String,
    /// The table with the missing rows.
    pub table: Table,
    /// First month missing.
    pub from: Period,
    /// Last month missing.
    pub to: Period,
    /// Rows the table holds over those months.
    pub rows: u64,
    /// Rows the other table implies over those months (at the force's median ratio).
    pub expected: f64,
}

impl Gap {
    /// One sentence for the audit's outputs.
    pub fn sentence(&self) -> String {
        let months = if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{} to {}", self.from, self.to)
        };
        let (these, other) = match self.table {
            Table::Crimes => ("crime records", "calls"),
            _ => ("calls", "crime records"),
        };
        format!(
            "{}: its {these} in {months} number {} where its {other} imply about {:.0}: they are missing from the extract (a gap, not a change of practice), so those months are left out of its tests",
            self.force_id, self.rows, self.expected
        )
    }
}

/// The cube without the months of each force that one of its tables is missing (see the
/// module documentation); the cube itself when no force has such a month.
pub fn leave_out_gaps(cube: &Cube) -> (Cow<'_, Cube>, Vec<Gap>) {
    let calls = monthly_rows(
        cube.incidents
            .iter()
            .map(|(c, &n)| (c.force_id.as_str(), c.period, n)),
    );
    let crimes = monthly_rows(
        cube.crimes
            .iter()
            .map(|(c, &n)| (c.force_id.as_str(), c.period, n)),
    );
    let gaps: Vec<Gap> = calls
        .iter()
        .filter_map(|(force, calls)| Some((force, calls, crimes.get(force)?)))
        .flat_map(|(force, calls, crimes)| gaps_of(force, calls, crimes))
        .collect();
    if gaps.is_empty() {
        return (Cow::Borrowed(cube), gaps);
    }
    let missing: BTreeSet<(&str, Period)> = gaps
        .iter()
        .flat_map(|g| Period::range_inclusive(g.from, g.to).map(|p| (g.force_id.as_str(), p)))
        .collect();
    let kept = cube_where(cube, |force, _, period| !missing.contains(&(force, period)));
    (Cow::Owned(kept), gaps)
}

/// Rows per force and month.
pub(crate) fn monthly_rows<'a>(
    cells: impl Iterator<Item = (&'a str, Period, u64)>,
) -> BTreeMap<&'a str, BTreeMap<Period, f64>> {
    let mut out: BTreeMap<&str, BTreeMap<Period, f64>> = BTreeMap::new();
    for (force, period, n) in cells {
        *out.entry(force).or_default().entry(period).or_insert(0.0) += n as f64;
    }
    out
}

/// One force's gaps, each table's consecutive missing months as one gap.
fn gaps_of(force: &str, calls: &BTreeMap<Period, f64>, crimes: &BTreeMap<Period, f64>) -> Vec<Gap> {
    let Some(ratio) = median_crimes_per_call(calls, crimes) else {
        return Vec::new();
    };
    let span =
        |m: &BTreeMap<Period, f64>| m.keys().next().copied().zip(m.keys().next_back().copied());
    let (Some((a0, a1)), Some((b0, b1))) = (span(calls), span(crimes)) else {
        return Vec::new();
    };
    let mut gaps: Vec<Gap> = Vec::new();
    for month in Period::range_inclusive(a0.min(b0), a1.max(b1)) {
        let n_calls = calls.get(&month).copied().unwrap_or(0.0);
        let n_crimes = crimes.get(&month).copied().unwrap_or(0.0);
        let missing = if is_missing(n_crimes, n_calls * ratio) {
            Some((Table::Crimes, n_crimes, n_calls * ratio))
        } else if is_missing(n_calls, n_crimes / ratio) {
            Some((Table::Incidents, n_calls, n_crimes / ratio))
        } else {
            None
        };
        let Some((table, rows, expected)) = missing else {
            continue;
        };
        match gaps.last_mut() {
            Some(last) if last.table == table && last.to.offset(1) == month => {
                last.to = month;
                last.rows += rows as u64;
                last.expected += expected;
            }
            _ => gaps.push(Gap {
                force_id: force.to_string(),
                table,
                from: month,
                to: month,
                rows: rows as u64,
                expected,
            }),
        }
    }
    gaps
}

/// Whether a month's rows are missing, given the rows the other table implies.
fn is_missing(rows: f64, expected: f64) -> bool {
    expected >= MIN_EXPECTED && rows * GAP_FACTOR < expected
}

/// The force's median of crimes per call over the months with both; `None` without such months.
fn median_crimes_per_call(
    calls: &BTreeMap<Period, f64>,
    crimes: &BTreeMap<Period, f64>,
) -> Option<f64> {
    let mut ratios: Vec<f64> = calls
        .iter()
        .filter_map(|(month, &n)| Some(crimes.get(month)? / n))
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    (!ratios.is_empty()).then(|| median(&mut ratios))
}

#[cfg(test)]
mod tests {
    use recount_cube::{CrimeCell, IncidentCell, Name, RecordingDelay};

    use super::*;

    fn start() -> Period {
        Period::new(2019, 1).unwrap()
    }

    /// A force with `calls(m)` calls and `crimes(m)` crime records in month `m` from January
    /// 2019, over 36 months.
    fn add_force(
        cube: &mut Cube,
        force: &str,
        calls: impl Fn(i32) -> u64,
        crimes: impl Fn(i32) -> u64,
    ) {
        for m in 0..36 {
            let period = start().offset(m);
            let incident = IncidentCell {
                force_id: Name::from(force),
                bcu: None,
                period,
                call_type: Name::from("ASSAULT"),
                closing_code: None,
                led_to_crime: true,
                crime_offence: None,
            };
            let crime = CrimeCell {
                force_id: Name::from(force),
                bcu: None,
                period,
                offence_initial: Name::from("8N"),
                offence_final: Name::from("8N"),
                cancelled: false,
                cancel_reason: None,
                delay: RecordingDelay::WithinDay,
                from_incident: true,
            };
            if calls(m) > 0 {
                cube.incidents.insert(incident, calls(m));
            }
            if crimes(m) > 0 {
                cube.crimes.insert(crime, crimes(m));
            }
        }
    }

    /// A wobble of a few per cent, the same each run.
    fn wobble(m: i32) -> f64 {
        1.0 + 0.04 * f64::from((m * 7) % 5 - 2) / 2.0
    }

    #[test]
    fn months_missing_from_the_crime_extract_are_left_out_of_that_force_alone() {
        let mut cube = Cube::default();
        // Three months (April to June 2020) with 2% of the usual crime records.
        add_force(
            &mut cube,
            "G",
            |m| (1000.0 * wobble(m)) as u64,
            |m| {
                if (15..18).contains(&m) {
                    6
                } else {
                    (300.0 * wobble(m + 1)) as u64
                }
            },
        );
        add_force(
            &mut cube,
            "H",
            |m| (800.0 * wobble(m)) as u64,
            |m| (250.0 * wobble(m)) as u64,
        );
        let (kept, gaps) = leave_out_gaps(&cube);
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        let gap = &gaps[0];
        assert_eq!((gap.force_id.as_str(), gap.table), ("G", Table::Crimes));
        assert_eq!((gap.from, gap.to), (start().offset(15), start().offset(17)));
        assert_eq!(gap.rows, 18);
        assert!((gap.expected - 900.0).abs() < 60.0, "{}", gap.expected);
        assert!(
            gap.sentence().starts_with(
                "G: its crime records in 2020-04 to 2020-06 number 18 where its calls imply about"
            ),
            "{}",
            gap.sentence()
        );
        let months_of = |cells: Vec<(&str, Period)>, force: &str| {
            cells
                .into_iter()
                .filter(|(f, _)| *f == force)
                .map(|(_, p)| p)
                .collect::<BTreeSet<_>>()
        };
        let calls: Vec<(&str, Period)> = kept
            .incidents
            .keys()
            .map(|c| (&*c.force_id, c.period))
            .collect();
        let crimes: Vec<(&str, Period)> = kept
            .crimes
            .keys()
            .map(|c| (&*c.force_id, c.period))
            .collect();
        for months in [
            months_of(calls.clone(), "G"),
            months_of(crimes.clone(), "G"),
        ] {
            assert_eq!(months.len(), 33);
            assert!(!months.contains(&start().offset(16)));
        }
        assert_eq!(months_of(calls, "H").len(), 36);
        assert_eq!(months_of(crimes, "H").len(), 36);
    }

    #[test]
    fn a_crime_table_that_starts_late_and_a_call_log_with_a_month_missing_are_gaps() {
        let mut cube = Cube::default();
        add_force(
            &mut cube,
            "L",
            |m| {
                if m == 30 {
                    0
                } else {
                    (1000.0 * wobble(m)) as u64
                }
            },
            |m| if m < 4 { 0 } else { (300.0 * wobble(m)) as u64 },
        );
        let (_, gaps) = leave_out_gaps(&cube);
        let found: Vec<(Table, Period, Period)> =
            gaps.iter().map(|g| (g.table, g.from, g.to)).collect();
        assert_eq!(
            found,
            vec![
                (Table::Crimes, start(), start().offset(3)),
                (Table::Incidents, start().offset(30), start().offset(30)),
            ]
        );
        assert!(
            gaps[1]
                .sentence()
                .contains("its calls in 2021-07 number 0 where its crime records imply about")
        );
    }

    #[test]
    fn honest_change_heavy_non_recording_and_small_forces_are_not_gaps() {
        let mut cube = Cube::default();
        // Crimes per call falls by half from month 20 and stays there: a change of practice
        // (or gaming), for the detectors to judge, not a gap.
        add_force(
            &mut cube,
            "P",
            |m| (1000.0 * wobble(m)) as u64,
            |m| if m >= 20 { 150 } else { 300 },
        );
        // A national shock: calls and crimes fall together by 60% for three months.
        add_force(
            &mut cube,
            "S",
            |m| if (15..18).contains(&m) { 400 } else { 1000 },
            |m| if (15..18).contains(&m) { 120 } else { 300 },
        );
        // A small force: 16 crimes a month and one month of 3, under a quarter, but 16
        // expected is too few to tell a gap from a quiet month.
        add_force(&mut cube, "T", |_| 50, |m| if m == 10 { 3 } else { 16 });
        // Calls only.
        add_force(&mut cube, "C", |_| 500, |_| 0);
        let (kept, gaps) = leave_out_gaps(&cube);
        assert!(gaps.is_empty(), "{gaps:?}");
        assert!(matches!(kept, Cow::Borrowed(_)));
    }
}
