//! The data-quality summary: what was wrong with the input, how often, and where to look.
//! Rows with a problem are counted here and kept out of the statistics, except those whose only
//! problem is an unknown closing code or offence code (kept; see `recount-ingest`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How many examples are kept per problem: enough to find the rows, few enough to print.
pub const MAX_EXAMPLES: usize = 5;

/// An input table of the data contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// The command-and-control incident log.
    Incidents,
    /// The crime records.
    Crimes,
    /// Published aggregates.
    Counts,
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Table::Incidents => "incidents",
            Table::Crimes => "crimes",
            Table::Counts => "counts",
        })
    }
}

/// A kind of problem found in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityCheck {
    /// A required field is null or empty.
    MissingValue,
    /// The id repeats another row's id within the same force.
    DuplicateId,
    /// A timestamp that could not be read.
    UnparseableTimestamp,
    /// A timestamp outside the configured range.
    OutOfRangeTimestamp,
    /// A code the vocabulary or offence catalogue does not know.
    UnknownCode,
    /// A crime whose `incident_id` matches no incident of its force.
    UnmatchedIncident,
    /// Timestamps in an impossible order (recorded before reported, and the like).
    InconsistentTimestamps,
    /// A number that cannot be a count (negative, fractional, too large).
    InvalidCount,
    /// A row of a published table that is not about a territorial force.
    NotAForce,
}

impl QualityCheck {
    /// The check's name in outputs (`missing_value`, `duplicate_id`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QualityCheck::MissingValue => "missing_value",
            QualityCheck::DuplicateId => "duplicate_id",
            QualityCheck::UnparseableTimestamp => "unparseable_timestamp",
            QualityCheck::OutOfRangeTimestamp => "out_of_range_timestamp",
            QualityCheck::UnknownCode => "unknown_code",
            QualityCheck::UnmatchedIncident => "unmatched_incident",
            QualityCheck::InconsistentTimestamps => "inconsistent_timestamps",
            QualityCheck::InvalidCount => "invalid_count",
            QualityCheck::NotAForce => "not_a_force",
        }
    }
}

impl fmt::Display for QualityCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a problem is and where: table, check, column and force.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualityKey {
    /// The table.
    pub table: Table,
    /// The kind of problem.
    pub check: QualityCheck,
    /// The column (after mapping, the contract's name).
    pub column: String,
    /// The force of the row, when it could be read.
    pub force_id: Option<String>,
}

/// One row with a problem, precise enough to find it again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualityExample {
    /// The file.
    pub file: String,
    /// The Parquet row group (absent for CSV).
    pub row_group: Option<usize>,
    /// The row within the file, from 0.
    pub row: u64,
    /// The offending value, as text (empty for a null).
    pub value: String,
}

/// How often a problem occurred, with the first few examples.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityIssue {
    /// Rows with the problem.
    pub count: u64,
    /// The first examples in file order, at most [`MAX_EXAMPLES`].
    pub examples: Vec<QualityExample>,
}

impl QualityIssue {
    fn absorb(&mut self, other: QualityIssue) {
        self.count += other.count;
        self.examples.extend(other.examples);
        // Keeping the smallest positions makes the examples independent of read order.
        self.examples.sort();
        self.examples.dedup();
        self.examples.truncate(MAX_EXAMPLES);
    }
}

/// Rows read and rows used in the statistics, per table and force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    /// Rows read.
    pub read: u64,
    /// Rows that entered the statistics.
    pub used: u64,
}

/// The data-quality summary of one or more inputs. Merges exactly, like the cube.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataQuality {
    /// Rows per table and force (`None` when the force could not be read).
    pub rows: BTreeMap<(Table, Option<String>), RowCounts>,
    /// Problems found.
    pub issues: BTreeMap<QualityKey, QualityIssue>,
}

impl DataQuality {
    /// Records one problem.
    pub fn record(&mut self, key: QualityKey, example: QualityExample) {
        let issue = self.issues.entry(key).or_default();
        issue.absorb(QualityIssue {
            count: 1,
            examples: vec![example],
        });
    }

    /// Records `count` problems of one kind at once (examples as given).
    pub fn record_many(&mut self, key: QualityKey, count: u64, examples: Vec<QualityExample>) {
        if count == 0 {
            return;
        }
        self.issues
            .entry(key)
            .or_default()
            .absorb(QualityIssue { count, examples });
    }

    /// Adds rows read and used.
    pub fn count_rows(&mut self, table: Table, force_id: Option<String>, read: u64, used: u64) {
        let counts = self.rows.entry((table, force_id)).or_default();
        counts.read += read;
        counts.used += used;
    }

    /// Adds another summary into this one.
    pub fn merge(&mut self, other: DataQuality) {
        for (key, counts) in other.rows {
            let mine = self.rows.entry(key).or_default();
            mine.read += counts.read;
            mine.used += counts.used;
        }
        for (key, issue) in other.issues {
            self.issues.entry(key).or_default().absorb(issue);
        }
    }

    /// Total rows with a given problem, over forces and columns.
    pub fn total(&self, table: Table, check: QualityCheck) -> u64 {
        self.issues
            .iter()
            .filter(|(k, _)| k.table == table && k.check == check)
            .map(|(_, issue)| issue.count)
            .sum()
    }

    /// Rows read and used in a table over all forces.
    pub fn table_rows(&self, table: Table) -> RowCounts {
        self.rows.iter().filter(|((t, _), _)| *t == table).fold(
            RowCounts::default(),
            |acc, (_, c)| RowCounts {
                read: acc.read + c.read,
                used: acc.used + c.used,
            },
        )
    }

    /// Totals per (table, check, column) over forces, for a summary table.
    pub fn summary(&self) -> BTreeMap<(Table, QualityCheck, String), QualityIssue> {
        let mut out: BTreeMap<(Table, QualityCheck, String), QualityIssue> = BTreeMap::new();
        for (key, issue) in &self.issues {
            out.entry((key.table, key.check, key.column.clone()))
                .or_default()
                .absorb(issue.clone());
        }
        out
    }

    /// Whether nothing was found wrong.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(file: &str, row: u64) -> QualityExample {
        QualityExample {
            file: file.to_string(),
            row_group: Some(0),
            row,
            value: String::new(),
        }
    }

    fn key() -> QualityKey {
        QualityKey {
            table: Table::Crimes,
            check: QualityCheck::MissingValue,
            column: "crime_id".into(),
            force_id: Some("F1".into()),
        }
    }

    #[test]
    fn merging_in_any_order_gives_the_same_summary() {
        let mut a = DataQuality::default();
        let mut b = DataQuality::default();
        for row in 0..4 {
            a.record(key(), example("b.parquet", row));
            b.record(key(), example("a.parquet", row));
        }
        a.count_rows(Table::Crimes, Some("F1".into()), 10, 6);
        b.count_rows(Table::Crimes, Some("F1".into()), 10, 6);
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        assert_eq!(ab, ba);
        let issue = &ab.issues[&key()];
        assert_eq!(issue.count, 8);
        assert_eq!(issue.examples.len(), MAX_EXAMPLES);
        assert!(issue.examples.iter().take(4).all(|e| e.file == "a.parquet"));
        assert_eq!(
            ab.table_rows(Table::Crimes),
            RowCounts { read: 20, used: 12 }
        );
        assert_eq!(ab.total(Table::Crimes, QualityCheck::MissingValue), 8);
    }
}
