//! Converting the St. Louis Metropolitan Police Department's monthly crime files into the
//! contract's `crimes` table: real record-level reclassification history, from another
//! country's counting rules (the FBI's Uniform Crime Reporting codes).
//!
//! Each monthly file lists the crimes coded that month (`CodedMonth`), one row per offence
//! under a `Complaint` number. A reclassified crime appears again, in the month it was
//! changed, as a `Count = -1` row with the old code and a `+1` row with the new one; an
//! unfounded crime appears as a `-1` row alone. The conversion replays each complaint's rows
//! month by month:
//!
//! - a `+1` row without a matching `-1` opens a crime record (offence first recorded = its
//!   code, reported and recorded in its coded month);
//! - a `-1` and a `+1` row in one month reclassify the complaint's record with the old code
//!   (offence as of the extract = the new code, reclassified in that month);
//! - a `-1` row alone cancels that record, reason `unfounded`;
//! - a `-1` row for a record coded before the files begin opens it in that month with the old
//!   code, so that its reclassification or removal still counts.
//!
//! The files give months, not times: every timestamp is the first of its month at noon (UTC),
//! so the 24-hour recording rule and month-end bunching cannot be judged from them; the
//! late-recording and month-end detectors will find nothing, by construction.
//!
//! UCR codes (`Crime`, five or six digits) carry their UCR offence class in the digits before
//! the last four (`42014` is class 4, aggravated assault; `115100` class 11, fraud). The
//! conversion writes an audit configuration that defines every code seen, by class, with a
//! seriousness that follows the UCR hierarchy rule (homicide, rape, robbery, aggravated
//! assault, burglary, larceny-theft, motor vehicle theft, then arson and the Part II
//! offences; FBI, *Summary Reporting System User Manual*, 2013, "Hierarchy Rule"), and the
//! downgrade pairs that matter under it (aggravated to other assaults, rape to other sex
//! offences, robbery and burglary to larceny).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use recount_cube::{AuditConfig, Crime, DowngradePair, OffenceDefinition, Period};

use crate::error::IngestError;

/// The force code given to St. Louis records (it is not a force of England and Wales).
pub const ST_LOUIS_FORCE: &str = "SLMPD";

/// The UCR offence classes (FBI Summary Reporting System), used when no codes file is given.
const UCR_CLASSES: [(u32, &str); 26] = [
    (1, "Criminal Homicide"),
    (2, "Forcible Rape"),
    (3, "Robbery"),
    (4, "Aggravated Assault"),
    (5, "Burglary"),
    (6, "Larceny-theft"),
    (7, "Motor vehicle theft"),
    (8, "Arson"),
    (9, "Other assaults"),
    (10, "Forgery and Counterfeiting"),
    (11, "Fraud"),
    (12, "Embezzlement"),
    (13, "Stolen Property"),
    (14, "Vandalism"),
    (15, "Weapons"),
    (16, "Prostitution and Commercialized Vice"),
    (17, "Sex Offenses"),
    (18, "Drug Abuse Violations"),
    (19, "Gambling"),
    (20, "Offenses Against the Family and Children"),
    (21, "DUI"),
    (22, "Liquor Laws"),
    (23, "Drunkenness"),
    (24, "Disorderly Conduct"),
    (25, "Vagrancy"),
    (26, "Other"),
];

/// What the conversion did, for the auditor to check against the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StLouisSummary {
    /// Data rows read.
    pub rows: usize,
    /// Complaint numbers.
    pub complaints: usize,
    /// Crime records written.
    pub crimes: usize,
    /// Records whose offence was changed.
    pub reclassified: usize,
    /// Of those, changed to a less serious UCR class.
    pub downgraded: usize,
    /// Records cancelled as unfounded.
    pub unfounded: usize,
    /// Records first coded before the files begin (opened by a `-1` row).
    pub coded_before_files: usize,
    /// Rows left out because their code has no UCR class, with the first line seen.
    pub unknown_codes: usize,
}

/// The converted records and the configuration that describes their codes.
#[derive(Clone, Debug)]
pub struct StLouisConversion {
    /// The crimes, in complaint order.
    pub crimes: Vec<Crime>,
    /// Every code seen, defined for the audit configuration.
    pub offences: BTreeMap<String, OffenceDefinition>,
    /// What was done.
    pub summary: StLouisSummary,
}

impl StLouisConversion {
    /// The audit configuration for the converted records: the codes, the UCR downgrade pairs
    /// whose both sides occur in the records, no target (the audit searches for breaks at
    /// unknown dates).
    pub fn config(&self) -> AuditConfig {
        let seen = |names: &[String]| {
            names
                .iter()
                .any(|n| self.offences.values().any(|o| &o.subgroup == n))
        };
        AuditConfig {
            offences: self.offences.clone(),
            downgrade_pairs: Some(
                ucr_downgrade_pairs()
                    .into_iter()
                    .filter(|p| seen(&p.serious) && seen(&p.lesser))
                    .collect(),
            ),
            ..AuditConfig::default()
        }
    }
}

/// The downgrade pairs of the UCR hierarchy, by class name (each is an offence subgroup).
fn ucr_downgrade_pairs() -> Vec<DowngradePair> {
    let pair = |name: &str, serious: &str, lesser: &str| DowngradePair {
        name: name.into(),
        serious: vec![serious.into()],
        lesser: vec![lesser.into()],
    };
    vec![
        pair(
            "aggravated>other assault",
            "Aggravated Assault",
            "Other assaults",
        ),
        pair("rape>other sex offense", "Forcible Rape", "Sex Offenses"),
        pair("robbery>larceny", "Robbery", "Larceny-theft"),
        pair("burglary>larceny", "Burglary", "Larceny-theft"),
    ]
}

/// Seriousness by UCR class: the hierarchy rule for Part I, then arson, then Part II, with
/// simple assault above the rest of Part II (it is what an aggravated assault is downgraded
/// to).
fn severity(class: u32) -> i32 {
    match class {
        1..=7 => 100 - 10 * class as i32,
        8 => 25,
        9 => 20,
        _ => 10,
    }
}

/// The England-and-Wales offence group closest to a UCR class, so that the report's
/// categories (violence, sexual offences) and the detectors' offence groups mean something.
fn group(class: u32) -> &'static str {
    match class {
        1 | 4 | 9 => "Violence against the person",
        2 | 17 => "Sexual offences",
        3 => "Robbery",
        5..=7 | 13 => "Theft offences",
        8 | 14 => "Criminal damage and arson",
        10..=12 => "Fraud",
        15 => "Possession of weapons offences",
        18 => "Drug offences",
        _ => "Miscellaneous crimes against society",
    }
}

/// The UCR class of a code: the digits before the last four.
fn class_of(code: &str) -> Option<u32> {
    let digits = code.trim();
    if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits[..digits.len() - 4]
        .parse()
        .ok()
        .filter(|c| (1..=26).contains(c))
}

/// One row of the files.
struct Row {
    complaint: String,
    month: Period,
    code: String,
    count: i32,
    district: String,
}

/// Reads the UCR class names from the codes file (`UCRCode`, `UCRCrime`).
fn read_class_names(path: &Path) -> Result<BTreeMap<u32, String>, IngestError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, 0, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, 1, e))?.clone();
    let code = column(&header, "UCRCode", path)?;
    let name = column(&header, "UCRCrime", path)?;
    let mut names = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| csv_error(path, line, e))?;
        let class: u32 = record
            .get(code)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| bad_value(path, line, "UCRCode", record.get(code).unwrap_or("")))?;
        names.insert(class, record.get(name).unwrap_or("").trim().to_string());
    }
    Ok(names)
}

fn column(header: &csv::StringRecord, name: &str, path: &Path) -> Result<usize, IngestError> {
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
        .ok_or_else(|| IngestError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: format!(
                "needs column `{name}`; it has: {}",
                header.iter().collect::<Vec<_>>().join(", ")
            ),
        })
}

fn csv_error(path: &Path, line: u64, error: csv::Error) -> IngestError {
    IngestError::Csv {
        path: path.to_path_buf(),
        line,
        message: error.to_string(),
    }
}

fn bad_value(path: &Path, line: u64, column: &str, value: &str) -> IngestError {
    IngestError::Csv {
        path: path.to_path_buf(),
        line,
        message: format!("column `{column}`: cannot read `{value}`"),
    }
}

/// Reads the monthly files (concatenated into one CSV).
fn read_rows(path: &Path, summary: &mut StLouisSummary) -> Result<Vec<Row>, IngestError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, 0, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, 1, e))?.clone();
    let complaint = column(&header, "Complaint", path)?;
    let month = column(&header, "CodedMonth", path)?;
    let code = column(&header, "Crime", path)?;
    let count = column(&header, "Count", path)?;
    let district = column(&header, "District", path)?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| csv_error(path, line, e))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        summary.rows += 1;
        let period: Period = field(month)
            .parse()
            .map_err(|_| bad_value(path, line, "CodedMonth", field(month)))?;
        let n: i32 = field(count)
            .parse()
            .ok()
            .filter(|n: &i32| *n == 1 || *n == -1)
            .ok_or_else(|| bad_value(path, line, "Count", field(count)))?;
        if class_of(field(code)).is_none() {
            summary.unknown_codes += 1;
            continue;
        }
        rows.push(Row {
            complaint: field(complaint).to_string(),
            month: period,
            code: field(code).to_string(),
            count: n,
            district: field(district).to_string(),
        });
    }
    Ok(rows)
}

/// Noon on the first of a month: the files give months only.
fn instant(period: Period) -> DateTime<Utc> {
    let day = period.first_day();
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
}

/// Converts the files: `crimes` is the concatenated monthly CSV, `codes` the optional UCR
/// class names.
pub fn convert_st_louis(
    crimes: &Path,
    codes: Option<&Path>,
) -> Result<StLouisConversion, IngestError> {
    let names = match codes {
        Some(path) => read_class_names(path)?,
        None => UCR_CLASSES
            .iter()
            .map(|(c, n)| (*c, (*n).to_string()))
            .collect(),
    };
    let mut summary = StLouisSummary::default();
    let rows = read_rows(crimes, &mut summary)?;
    let mut by_complaint: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        by_complaint.entry(&row.complaint).or_default().push(row);
    }
    summary.complaints = by_complaint.len();
    let mut out = Vec::new();
    for (complaint, mut rows) in by_complaint {
        // Stable: rows of one month keep the files' order.
        rows.sort_by_key(|r| r.month);
        replay(complaint, &rows, &mut out, &mut summary);
    }
    let mut offences = BTreeMap::new();
    for crime in &out {
        for code in [&crime.offence_initial, &crime.offence_final] {
            if let Some(class) = class_of(code) {
                offences
                    .entry(code.clone())
                    .or_insert_with(|| OffenceDefinition {
                        offence: format!("UCR {code}"),
                        subgroup: names
                            .get(&class)
                            .cloned()
                            .unwrap_or_else(|| format!("UCR class {class}")),
                        group: group(class).into(),
                        severity_rank: severity(class),
                    });
            }
        }
    }
    summary.crimes = out.len();
    Ok(StLouisConversion {
        crimes: out,
        offences,
        summary,
    })
}

/// Writes the converted records as `crimes/part-0.parquet` and their configuration as
/// `audit.toml` into `out`, each atomically. Returns the two paths.
pub fn write_st_louis(
    conversion: &StLouisConversion,
    out: &Path,
) -> Result<[std::path::PathBuf; 2], IngestError> {
    let crimes = out.join("crimes").join("part-0.parquet");
    let batch = crate::batches::crime_batch(&conversion.crimes);
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(
            parquet::basic::ZstdLevel::default(),
        ))
        .set_created_by(format!("recount {}", env!("CARGO_PKG_VERSION")))
        .build();
    crate::atomic::write_atomically(&crimes, |file| {
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties))
                .map_err(|e| IngestError::parquet(&crimes, None, e))?;
        writer
            .write(&batch)
            .map_err(|e| IngestError::parquet(&crimes, None, e))?;
        writer
            .close()
            .map_err(|e| IngestError::parquet(&crimes, None, e))?;
        Ok(())
    })?;
    let config = out.join("audit.toml");
    let text = toml::to_string(&conversion.config()).map_err(|e| IngestError::Csv {
        path: config.clone(),
        line: 0,
        message: format!("cannot write the configuration: {e}"),
    })?;
    let header = "# Written by `recount convert st-louis`: every UCR code of the files by class,\n# with a seriousness that follows the UCR hierarchy rule, and the UCR downgrade pairs.\n# No target: the audit searches for breaks at unknown dates.\n\n";
    crate::atomic::write_bytes_atomically(&config, format!("{header}{text}").as_bytes())?;
    Ok([crimes, config])
}

/// Replays one complaint's rows month by month into crime records (see the module's rules).
fn replay(complaint: &str, rows: &[&Row], out: &mut Vec<Crime>, summary: &mut StLouisSummary) {
    let first = out.len();
    let mut start = 0;
    while start < rows.len() {
        let month = rows[start].month;
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| r.month == month)
                .count();
        let minus: Vec<&Row> = rows[start..end]
            .iter()
            .copied()
            .filter(|r| r.count < 0)
            .collect();
        let mut plus: Vec<&Row> = rows[start..end]
            .iter()
            .copied()
            .filter(|r| r.count > 0)
            .collect();
        for removed in minus {
            let at = instant(month);
            let index = out[first..]
                .iter()
                .position(|c| c.offence_final == removed.code && c.cancelled_at.is_none())
                .map(|i| first + i)
                .unwrap_or_else(|| {
                    summary.coded_before_files += 1;
                    out.push(open(complaint, out.len() - first, removed, month));
                    out.len() - 1
                });
            let crime = &mut out[index];
            if plus.is_empty() {
                crime.cancelled_at = Some(at);
                crime.cancel_reason = Some("unfounded".into());
                summary.unfounded += 1;
            } else {
                let added = plus.remove(0);
                if class_of(&added.code).map(severity)
                    < class_of(&crime.offence_final).map(severity)
                {
                    summary.downgraded += 1;
                }
                crime.offence_final = added.code.clone();
                crime.reclassified_at = Some(at);
                summary.reclassified += 1;
            }
        }
        for added in plus {
            out.push(open(complaint, out.len() - first, added, month));
        }
        start = end;
    }
}

/// A new crime record from a row.
fn open(complaint: &str, n: usize, row: &Row, month: Period) -> Crime {
    let at = instant(month);
    Crime {
        crime_id: if n == 0 {
            complaint.to_string()
        } else {
            format!("{complaint}#{}", n + 1)
        },
        force_id: ST_LOUIS_FORCE.into(),
        incident_id: None,
        reported_at: at,
        recorded_at: at,
        offence_initial: row.code.clone(),
        offence_final: row.code.clone(),
        reclassified_at: None,
        cancelled_at: None,
        cancel_reason: None,
        bcu: (!row.district.is_empty()).then(|| format!("District {}", row.district)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,FlagCleanup,Crime,District,Description
13-1,2013-06,6/1/2013 8:00,Y,,,1,,42014,3,ASSLT-AGGRV
13-2,2013-06,6/2/2013 8:00,Y,,,1,,51312,4,BURGLARY
13-3,2013-06,6/3/2013 8:00,Y,,,1,,65701,5,LARCENY
13-1,2013-08,6/1/2013 8:00,,,,-1,,42014,3,ASSLT-AGGRV
13-1,2013-08,6/1/2013 8:00,,,,1,,91000,3,ASSAULT
13-3,2013-09,6/3/2013 8:00,,,,-1,,65701,5,LARCENY
12-9,2013-07,1/2/2012 8:00,,,,-1,,34111,1,ROBBERY
12-9,2013-07,1/2/2012 8:00,,,,1,,69602,1,LARCENY
";

    fn converted() -> StLouisConversion {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stl.csv");
        std::fs::write(&path, FILE).unwrap();
        convert_st_louis(&path, None).unwrap()
    }

    #[test]
    fn replays_reclassifications_and_removals() {
        let c = converted();
        let by_id: BTreeMap<&str, &Crime> =
            c.crimes.iter().map(|k| (k.crime_id.as_str(), k)).collect();
        let assault = by_id["13-1"];
        assert_eq!(
            (
                assault.offence_initial.as_str(),
                assault.offence_final.as_str()
            ),
            ("42014", "91000")
        );
        assert_eq!(
            assault.reclassified_at,
            Some(instant(Period::new(2013, 8).unwrap()))
        );
        assert_eq!(assault.bcu.as_deref(), Some("District 3"));
        let larceny = by_id["13-3"];
        assert_eq!(larceny.cancel_reason.as_deref(), Some("unfounded"));
        assert_eq!(
            larceny.cancelled_at,
            Some(instant(Period::new(2013, 9).unwrap()))
        );
        // Coded before the files: opened in the month of its reclassification, old code first.
        let robbery = by_id["12-9"];
        assert_eq!(
            (
                robbery.offence_initial.as_str(),
                robbery.offence_final.as_str()
            ),
            ("34111", "69602")
        );
        assert_eq!(robbery.reported_at, instant(Period::new(2013, 7).unwrap()));
        assert_eq!(
            c.summary,
            StLouisSummary {
                rows: 8,
                complaints: 4,
                crimes: 4,
                reclassified: 2,
                downgraded: 2,
                unfounded: 1,
                coded_before_files: 1,
                unknown_codes: 0,
            }
        );
    }

    #[test]
    fn defines_every_code_by_ucr_class_with_the_hierarchy() {
        let c = converted();
        let aggravated = &c.offences["42014"];
        assert_eq!(aggravated.subgroup, "Aggravated Assault");
        assert_eq!(aggravated.group, "Violence against the person");
        let simple = &c.offences["91000"];
        assert_eq!(simple.subgroup, "Other assaults");
        assert!(aggravated.severity_rank > simple.severity_rank);
        assert!(c.offences["34111"].severity_rank > c.offences["51312"].severity_rank);
        let config = c.config();
        assert!(config.validate().is_ok());
        let catalogue = config.catalogue().unwrap();
        assert!(catalogue.is_downgrade("42014", "91000"));
        assert!(catalogue.expand("Aggravated Assault").contains("42014"));
    }

    #[test]
    fn a_bad_count_names_the_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stl.csv");
        std::fs::write(&path, FILE.replace("-1,,65701", "2,,65701")).unwrap();
        let message = convert_st_louis(&path, None).unwrap_err().to_string();
        assert!(
            message.contains("stl.csv") && message.contains("line 7") && message.contains("Count"),
            "{message}"
        );
    }
}
