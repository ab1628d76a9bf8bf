//! Published aggregates read as `counts`, as they are published:
//!
//! - the Home Office "police recorded crime open data tables" by police force area (columns
//!   `Financial Year`, `Financial Quarter`, `Force Name`, `Offence Code`, `Number of Offences`,
//!   with spaces or underscores): force names mapped to codes, financial quarters to the month
//!   they start (quarter 1 of 2014/15 is April 2014), bodies that are not territorial forces
//!   (Action Fraud, CIFAS, UK Finance, Financial Fraud Action UK, British Transport Police)
//!   dropped and counted in the data-quality summary;
//! - data.police.uk street-level files (`Month`, `Falls within`, `Crime type`): one count per
//!   force, month and crime type, under the code `police.uk:<Crime type>`; anti-social
//!   behaviour rows (no `Crime ID`) are not crimes and are left out;
//! - the contract's `counts` table as CSV (`force_id`, `period_start`, `offence_code`,
//!   `count`).

use std::collections::BTreeMap;
use std::path::Path;

use recount_cube::{
    AuditConfig, Cube, ForceRegistry, Period, QualityCheck, QualityExample, QualityKey, Table,
};

use crate::counts::{CountRow, add_counts, known_offence};
use crate::error::IngestError;
use crate::files::discover;
use crate::rules::Rules;

/// The shape of a published CSV, told from its header.
enum Layout {
    HomeOffice {
        year: usize,
        quarter: usize,
        force: usize,
        code: usize,
        count: usize,
    },
    PoliceUk {
        id: usize,
        month: usize,
        force: usize,
        crime_type: usize,
    },
    Contract {
        force: usize,
        period: usize,
        code: usize,
        count: usize,
    },
}

fn column(header: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    let fold = |s: &str| s.trim().to_lowercase().replace([' ', '-'], "_");
    header
        .iter()
        .position(|h| names.iter().any(|n| fold(h) == fold(n)))
}

fn layout(header: &csv::StringRecord) -> Option<Layout> {
    if let (Some(year), Some(quarter), Some(force), Some(code), Some(count)) = (
        column(header, &["Financial Year"]),
        column(header, &["Financial Quarter"]),
        column(header, &["Force Name"]),
        column(header, &["Offence Code"]),
        column(header, &["Number of Offences"]),
    ) {
        return Some(Layout::HomeOffice {
            year,
            quarter,
            force,
            code,
            count,
        });
    }
    if let (Some(id), Some(month), Some(force), Some(crime_type)) = (
        column(header, &["Crime ID"]),
        column(header, &["Month"]),
        column(header, &["Falls within"]),
        column(header, &["Crime type"]),
    ) {
        return Some(Layout::PoliceUk {
            id,
            month,
            force,
            crime_type,
        });
    }
    if let (Some(force), Some(period), Some(code), Some(count)) = (
        column(header, &["force_id"]),
        column(header, &["period_start"]),
        column(header, &["offence_code"]),
        column(header, &["count"]),
    ) {
        return Some(Layout::Contract {
            force,
            period,
            code,
            count,
        });
    }
    None
}

/// The first month of a financial quarter: `2014/15` quarter 1 is April 2014, quarter 4 is
/// January 2015.
pub(crate) fn financial_quarter(year: &str, quarter: &str) -> Option<Period> {
    let start: i32 = year.trim().split('/').next()?.trim().parse().ok()?;
    let q: i32 = quarter.trim().trim_start_matches(['Q', 'q']).parse().ok()?;
    if !(1..=4).contains(&q) {
        return None;
    }
    Period::new(start, 4).map(|april| april.offset(3 * (q - 1)))
}

/// Reads published CSV files (one file or a folder) into a cube of counts.
pub fn read_published_csv(path: &Path, config: &AuditConfig) -> Result<Cube, IngestError> {
    let rules = Rules::from_config(config)?;
    let catalogue = config.catalogue()?;
    let registry = ForceRegistry::builtin();
    let mut cube = Cube::default();
    let mut rows = Vec::new();
    // Police.uk rows are single crimes: they are summed per force, month and type.
    let mut street: BTreeMap<(String, Period, String), u64> = BTreeMap::new();
    for file in discover(path, Table::Counts, &["csv"])? {
        let file_name = file.path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&file.path)
            .map_err(|e| IngestError::io(&file.path, std::io::Error::other(e)))?;
        let header = reader
            .headers()
            .map_err(|e| csv_error(&file.path, 1, e))?
            .clone();
        let Some(layout) = layout(&header) else {
            return Err(IngestError::Csv {
                path: file.path.clone(),
                line: 1,
                message: "the header is neither a Home Office open data table, a data.police.uk street-level file, nor the counts table (force_id, period_start, offence_code, count)".into(),
            });
        };
        for (index, record) in reader.records().enumerate() {
            let line = index as u64 + 2;
            let record = record.map_err(|e| csv_error(&file.path, line, e))?;
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let mut problem =
                |check: QualityCheck, column: &str, force: Option<String>, value: &str| {
                    cube.quality.record(
                        QualityKey {
                            table: Table::Counts,
                            check,
                            column: column.to_string(),
                            force_id: force,
                        },
                        QualityExample {
                            file: file_name.clone(),
                            row_group: None,
                            row: line,
                            value: value.to_string(),
                        },
                    );
                };
            match &layout {
                Layout::HomeOffice {
                    year,
                    quarter,
                    force,
                    code,
                    count,
                } => {
                    let Some(force_id) = registry.id_for_name(field(*force)) else {
                        problem(QualityCheck::NotAForce, "Force Name", None, field(*force));
                        continue;
                    };
                    let Some(period) = financial_quarter(field(*year), field(*quarter)) else {
                        let value = format!("{} Q{}", field(*year), field(*quarter));
                        problem(
                            QualityCheck::UnparseableTimestamp,
                            "Financial Quarter",
                            Some(force_id.into()),
                            &value,
                        );
                        continue;
                    };
                    let Some(offence) = known_offence(&rules, &catalogue, force_id, field(*code))
                    else {
                        problem(
                            QualityCheck::UnknownCode,
                            "Offence Code",
                            Some(force_id.into()),
                            field(*code),
                        );
                        continue;
                    };
                    match field(*count).replace(',', "").parse::<u64>() {
                        Ok(n) => rows.push(CountRow {
                            force_id: force_id.to_string(),
                            period,
                            offence_code: offence,
                            count: n,
                        }),
                        Err(_) => problem(
                            QualityCheck::InvalidCount,
                            "Number of Offences",
                            Some(force_id.into()),
                            field(*count),
                        ),
                    }
                }
                Layout::PoliceUk {
                    id,
                    month,
                    force,
                    crime_type,
                } => {
                    if field(*id).is_empty() {
                        continue;
                    }
                    let Some(force_id) = registry.id_for_name(field(*force)) else {
                        problem(QualityCheck::NotAForce, "Falls within", None, field(*force));
                        continue;
                    };
                    let Ok(period) = field(*month).parse::<Period>() else {
                        problem(
                            QualityCheck::UnparseableTimestamp,
                            "Month",
                            Some(force_id.into()),
                            field(*month),
                        );
                        continue;
                    };
                    let key = (
                        force_id.to_string(),
                        period,
                        format!("police.uk:{}", field(*crime_type)),
                    );
                    *street.entry(key).or_insert(0) += 1;
                }
                Layout::Contract {
                    force,
                    period,
                    code,
                    count,
                } => {
                    let force_id = field(*force).to_string();
                    let Ok(period) = field(*period).parse::<Period>() else {
                        problem(
                            QualityCheck::UnparseableTimestamp,
                            "period_start",
                            Some(force_id),
                            field(*period),
                        );
                        continue;
                    };
                    let Some(offence) = known_offence(&rules, &catalogue, &force_id, field(*code))
                    else {
                        problem(
                            QualityCheck::UnknownCode,
                            "offence_code",
                            Some(force_id),
                            field(*code),
                        );
                        continue;
                    };
                    match field(*count).parse::<u64>() {
                        Ok(n) => rows.push(CountRow {
                            force_id,
                            period,
                            offence_code: offence,
                            count: n,
                        }),
                        Err(_) => problem(
                            QualityCheck::InvalidCount,
                            "count",
                            Some(force_id),
                            field(*count),
                        ),
                    }
                }
            }
        }
    }
    for ((force_id, period, offence_code), count) in street {
        rows.push(CountRow {
            force_id,
            period,
            offence_code,
            count,
        });
    }
    add_counts(&mut cube, rows);
    Ok(cube)
}

fn csv_error(path: &Path, line: u64, error: csv::Error) -> IngestError {
    IngestError::Csv {
        path: path.to_path_buf(),
        line,
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_quarters_start_in_april() {
        assert_eq!(financial_quarter("2014/15", "1"), Period::new(2014, 4));
        assert_eq!(financial_quarter("2014/15", "4"), Period::new(2015, 1));
        assert_eq!(financial_quarter("2020/21", "Q1"), Period::new(2020, 4));
        assert_eq!(financial_quarter("2020/21", "5"), None);
    }

    #[test]
    fn reads_home_office_tables_as_published() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prc.csv");
        std::fs::write(
            &path,
            "Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,Offence Code,Number of Offences\n\
             2014/15,1,Devon and Cornwall,Assault with injury,Violence against the person,Violence with injury,8N,120\n\
             2014/15,1,Devon and Cornwall,Assault without injury,Violence against the person,Violence without injury,105A,\"1,300\"\n\
             2014/15,2,Action Fraud,Fraud,Fraud,Fraud: Action Fraud,AF,9999\n\
             2012/13,1,Kent,Homicide,Violence against the person,Homicide,1/4.1/4.10/4.2,3\n",
        )
        .unwrap();
        let cube = read_published_csv(&path, &AuditConfig::default()).unwrap();
        assert_eq!(cube.counts.len(), 3);
        let cell = cube
            .counts
            .keys()
            .find(|c| c.offence_code == "105A")
            .unwrap();
        assert_eq!(
            (cell.force_id.as_str(), cell.period, cell.months),
            ("E23000035", Period::new(2014, 4).unwrap(), 3)
        );
        assert_eq!(cube.counts.values().sum::<u64>(), 120 + 1300 + 3);
        assert_eq!(
            cube.quality.total(Table::Counts, QualityCheck::NotAForce),
            1
        );
    }
}
