//! Reading the `counts` table (published aggregates) from Parquet: force, first day of the
//! period, offence code (or group name), count. Whether the table is monthly or quarterly is
//! read from its periods: if every period starts in January, April, July or October and
//! consecutive starts are three months apart, the table is quarterly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use recount_cube::{
    AuditConfig, Cells, CountCell, Cube, OffenceCatalogue, Period, QualityCheck, Table,
};

use crate::build::plan_table;
use crate::calendar::Calendar;
use crate::decode::{NULL_KEY, code_column, instants};
use crate::error::IngestError;
use crate::rules::Rules;
use crate::schema::{COUNT_COLUMNS, ColumnSource};
use crate::tally::{NONE, Partial, RowPlace, Tally};

/// One row read from a counts table.
pub(crate) struct CountRow {
    pub force_id: String,
    pub period: Period,
    pub offence_code: String,
    pub count: u64,
}

/// Whether a set of period starts looks quarterly.
pub(crate) fn months_per_period(periods: &BTreeSet<Period>) -> u8 {
    let quarterly_starts = periods.iter().all(|p| matches!(p.month(), 1 | 4 | 7 | 10));
    let steps: Vec<i32> = periods
        .iter()
        .zip(periods.iter().skip(1))
        .map(|(a, b)| a.months_until(*b))
        .collect();
    if quarterly_starts && !steps.is_empty() && steps.iter().all(|s| s % 3 == 0) {
        3
    } else {
        1
    }
}

/// An offence code the catalogue knows, or a group or subgroup name it knows.
pub(crate) fn known_offence(
    rules: &Rules,
    catalogue: &OffenceCatalogue,
    force: &str,
    raw: &str,
) -> Option<String> {
    rules
        .offence(force, raw)
        .or_else(|| (!catalogue.expand(raw.trim()).is_empty()).then(|| raw.trim().to_string()))
}

/// Adds count rows to a cube, deciding monthly or quarterly from all of them.
pub(crate) fn add_counts(cube: &mut Cube, rows: Vec<CountRow>) {
    let periods: BTreeSet<Period> = rows.iter().map(|r| r.period).collect();
    let months = months_per_period(&periods);
    let mut cells: BTreeMap<CountCell, u64> = BTreeMap::new();
    for row in rows {
        let cell = CountCell {
            force_id: row.force_id.into(),
            period: row.period,
            months,
            offence_code: row.offence_code.into(),
        };
        *cells.entry(cell).or_insert(0) += row.count;
    }
    cube.counts.merge(Cells::from_iter(cells));
}

/// Reads a `counts` table (a Parquet file or folder) into a cube holding only counts.
pub fn read_counts_parquet(path: &Path, config: &AuditConfig) -> Result<Cube, IngestError> {
    let rules = Rules::from_config(config)?;
    let catalogue = config.catalogue()?;
    let plans = plan_table(path, Table::Counts, &COUNT_COLUMNS, config)?;
    let mut rows = Vec::new();
    let mut partial = Partial::default();
    let mut calendar = Calendar::default();
    for plan in &plans {
        let file = plan.file.path.display().to_string();
        for row_group in 0..plan.row_groups() {
            plan.read_row_group(row_group, |batch, first_row| {
                let column = |i: usize| match &plan.sources[i] {
                    ColumnSource::Batch(p) => Some(batch.column(*p).clone()),
                    _ => None,
                };
                let partition = |i: usize| match &plan.sources[i] {
                    ColumnSource::Partition(v) => Some(v.clone()),
                    _ => None,
                };
                let forces = column(0);
                let forces = forces.as_deref().and_then(code_column);
                let periods = column(1).as_deref().and_then(instants);
                let codes = column(2);
                let codes = codes.as_deref().and_then(code_column);
                let numbers = column(3).and_then(|c| arrow_cast_to_f64(c.as_ref()));
                for row in 0..batch.num_rows() {
                    let place = RowPlace {
                        file: &file,
                        row_group: Some(row_group),
                        row: first_row + row as u64,
                    };
                    let force = match (&forces, partition(0)) {
                        (Some(f), _) if f.keys[row] != NULL_KEY => {
                            f.values[f.keys[row] as usize].trim().to_string()
                        }
                        (_, Some(v)) => v,
                        _ => {
                            partial.count_read(Table::Counts, NONE);
                            partial.problem(
                                Table::Counts,
                                QualityCheck::MissingValue,
                                "force_id",
                                NONE,
                                place,
                                "",
                            );
                            continue;
                        }
                    };
                    let force_key = partial.names.id(&force);
                    partial.count_read(Table::Counts, force_key);
                    let period = periods
                        .as_ref()
                        .filter(|p| rules.check_instant(p.state[row], p.utc[row]).is_ok())
                        .and_then(|p| calendar.day(p.wall[row]))
                        .map(|d| d.period);
                    let Some(period) = period else {
                        let value = periods
                            .as_ref()
                            .map(|p| p.describe(row))
                            .unwrap_or_default();
                        partial.problem(
                            Table::Counts,
                            QualityCheck::UnparseableTimestamp,
                            "period_start",
                            force_key,
                            place,
                            &value,
                        );
                        continue;
                    };
                    let raw = codes
                        .as_ref()
                        .filter(|c| c.keys[row] != NULL_KEY)
                        .map(|c| c.values[c.keys[row] as usize]);
                    let Some(raw) = raw else {
                        partial.problem(
                            Table::Counts,
                            QualityCheck::MissingValue,
                            "offence_code",
                            force_key,
                            place,
                            "",
                        );
                        continue;
                    };
                    let Some(code) = known_offence(&rules, &catalogue, &force, raw) else {
                        partial.problem(
                            Table::Counts,
                            QualityCheck::UnknownCode,
                            "offence_code",
                            force_key,
                            place,
                            raw,
                        );
                        continue;
                    };
                    let count = numbers.as_ref().and_then(|n| n[row]);
                    match count {
                        Some(c) if c >= 0.0 && c.fract() == 0.0 && c < 1e15 => {
                            partial.count_used(Table::Counts, force_key, 1);
                            rows.push(CountRow {
                                force_id: force,
                                period,
                                offence_code: code,
                                count: c as u64,
                            });
                        }
                        other => {
                            let value = other.map(|c| c.to_string()).unwrap_or_default();
                            partial.problem(
                                Table::Counts,
                                QualityCheck::InvalidCount,
                                "count",
                                force_key,
                                place,
                                &value,
                            );
                        }
                    }
                }
                Ok(())
            })?;
        }
    }
    let mut tally = Tally::default();
    tally.absorb(partial);
    let mut cube = tally.into_cube();
    add_counts(&mut cube, rows);
    Ok(cube)
}

/// Any numeric or numeric-text column as `f64`.
fn arrow_cast_to_f64(array: &dyn Array) -> Option<Vec<Option<f64>>> {
    use arrow_array::types::*;
    macro_rules! ints {
        ($($t:ty),*) => {
            $(if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.iter().map(|v| v.map(|x| x as f64)).collect());
            })*
        };
    }
    ints!(
        Int8Type,
        Int16Type,
        Int32Type,
        Int64Type,
        UInt8Type,
        UInt16Type,
        UInt32Type,
        UInt64Type,
        Float32Type
    );
    if let Some(a) = array.as_primitive_opt::<Float64Type>() {
        return Some(a.iter().collect());
    }
    let text = code_column(array)?;
    Some(
        text.keys
            .iter()
            .map(|&k| {
                (k != NULL_KEY)
                    .then(|| {
                        text.values[k as usize]
                            .trim()
                            .replace(',', "")
                            .parse::<f64>()
                            .ok()
                    })
                    .flatten()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarterly_tables_are_recognised() {
        let q: BTreeSet<Period> = ["2020-04", "2020-07", "2020-10", "2021-01"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(months_per_period(&q), 3);
        let m: BTreeSet<Period> = ["2020-04", "2020-05"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(months_per_period(&m), 1);
    }
}
