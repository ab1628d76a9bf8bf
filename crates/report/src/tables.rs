//! The tables every output shares: one row per force (`scores`), per finding (`findings`) and
//! per test (`tests`), as columns of text so that CSV and Parquet carry the same values. The
//! contract's columns come first, in the contract's order.

use recount_detect::Test;
use recount_score::ForceScore;

/// A table: column names and rows of cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The table's name (file stem).
    pub name: &'static str,
    /// Column names.
    pub columns: Vec<String>,
    /// Kind of each column, for typed Parquet.
    pub kinds: Vec<Kind>,
    /// Rows of formatted cells; an empty cell is a null.
    pub rows: Vec<Vec<String>>,
}

/// The type a column is written as in Parquet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A floating-point number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Flag,
}

/// A number with fixed decimals, so outputs are byte-identical across runs; empty if not
/// finite.
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        let text = format!("{x:.decimals$}");
        // "-0.000" and "0.000" are the same number; print it one way.
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text
        }
    } else {
        String::new()
    }
}

/// A probability with four significant digits.
pub fn probability(p: f64) -> String {
    if !p.is_finite() {
        String::new()
    } else if p == 0.0 || p >= 1e-4 {
        fixed(p, 6)
    } else {
        format!("{p:.3e}")
    }
}

fn flag(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

/// `scores`: one row per force.
pub fn scores_table(scores: &[ForceScore]) -> Table {
    use Kind::*;
    let columns = vec![
        ("force_id", Text),
        ("integrity_score", Number),
        ("grade", Text),
        ("flagged", Flag),
        ("estimated_affected", Number),
        ("estimated_affected_low", Number),
        ("estimated_affected_high", Number),
        ("force_name", Text),
        ("integrity_score_low", Number),
        ("integrity_score_high", Number),
        ("findings", Integer),
        ("tests", Integer),
        ("recorded_crimes", Number),
        ("window_start", Text),
        ("affected_downgrading", Number),
        ("affected_non_recording", Number),
        ("affected_rebadging", Number),
        ("affected_cancelling", Number),
        ("late_records", Number),
    ];
    let mut columns: Vec<(String, Kind)> = columns
        .into_iter()
        .map(|(c, k)| (c.to_string(), k))
        .collect();
    for category in recount_score::CATEGORIES {
        for suffix in ["", "_low", "_high"] {
            columns.push((format!("{category}_integrity{suffix}"), Number));
        }
    }
    let rows = scores
        .iter()
        .map(|s| {
            let mechanism = |name: &str| {
                s.by_mechanism
                    .iter()
                    .find(|(m, _)| m.name() == name)
                    .map_or(0.0, |(_, a)| a.estimate)
            };
            let mut row = vec![
                s.force_id.clone(),
                fixed(s.integrity_score, 2),
                s.grade.name().to_string(),
                flag(s.flagged),
                fixed(s.estimated_affected.estimate, 1),
                fixed(s.estimated_affected.low, 1),
                fixed(s.estimated_affected.high, 1),
                s.force_name.clone().unwrap_or_default(),
                fixed(s.integrity_score_low, 2),
                fixed(s.integrity_score_high, 2),
                s.findings.to_string(),
                s.tests.to_string(),
                fixed(s.overall.recorded, 0),
                s.window_start.map(|p| p.to_string()).unwrap_or_default(),
                fixed(mechanism("downgrading"), 1),
                fixed(mechanism("non_recording"), 1),
                fixed(mechanism("rebadging"), 1),
                fixed(mechanism("cancelling"), 1),
                fixed(mechanism("late_recording"), 1),
            ];
            for category in recount_score::CATEGORIES {
                let c = &s.categories[category];
                row.extend([
                    fixed(100.0 * c.integrity, 2),
                    fixed(100.0 * c.low, 2),
                    fixed(100.0 * c.high, 2),
                ]);
            }
            row
        })
        .collect();
    Table {
        name: "scores",
        columns: columns.iter().map(|(c, _)| c.clone()).collect(),
        kinds: columns.iter().map(|(_, k)| *k).collect(),
        rows,
    }
}

const TEST_COLUMNS: [(&str, Kind); 34] = [
    ("force_id", Kind::Text),
    ("detector", Kind::Text),
    ("series", Kind::Text),
    ("period_start", Kind::Text),
    ("effect", Kind::Number),
    ("ci_low", Kind::Number),
    ("ci_high", Kind::Number),
    ("p_value", Kind::Number),
    ("q_value", Kind::Number),
    ("estimated_affected", Kind::Number),
    ("estimated_affected_low", Kind::Number),
    ("estimated_affected_high", Kind::Number),
    ("mechanism", Kind::Text),
    ("family", Kind::Text),
    ("categories", Kind::Text),
    ("target", Kind::Text),
    ("target_start", Kind::Text),
    ("period_end", Kind::Text),
    ("effect_measure", Kind::Text),
    ("relative_change", Kind::Number),
    ("rate_before", Kind::Number),
    ("rate_after", Kind::Number),
    ("rate_expected", Kind::Number),
    ("p_value_main", Kind::Number),
    ("significant", Kind::Flag),
    ("material", Kind::Flag),
    ("flagged", Kind::Flag),
    ("comparison", Kind::Text),
    ("peers", Kind::Text),
    ("corroboration", Kind::Text),
    ("sentence", Kind::Text),
    ("detectable_affected", Kind::Number),
    ("detectable_share", Kind::Number),
    ("detectable_level", Kind::Number),
];

/// The corroborating tests in one cell: `series (rise): p=..., records=...; ...`.
fn corroboration_cell(t: &Test) -> String {
    t.corroboration
        .iter()
        .map(|c| {
            let direction = match c.direction {
                recount_detect::Direction::Fall => "fall",
                recount_detect::Direction::Rise => "rise",
            };
            let records = c
                .records
                .map(|r| format!(", records={}", fixed(r, 1)))
                .unwrap_or_default();
            format!(
                "{} ({direction}): p={}{records}",
                c.series,
                probability(c.p_value)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn test_row(t: &Test) -> Vec<String> {
    vec![
        t.force_id.clone(),
        t.detector.clone(),
        t.series.clone(),
        t.period_start.to_string(),
        fixed(t.effect, 6),
        fixed(t.ci_low, 6),
        fixed(t.ci_high, 6),
        probability(t.p_value),
        probability(t.q_value),
        fixed(t.estimated_affected, 1),
        fixed(t.estimated_affected_low, 1),
        fixed(t.estimated_affected_high, 1),
        t.mechanism.name().to_string(),
        t.family.clone(),
        t.categories.join(";"),
        t.target.clone(),
        t.target_start.to_string(),
        t.period_end.to_string(),
        "log odds ratio".to_string(),
        fixed(t.relative_change(), 6),
        fixed(t.rate_before, 6),
        fixed(t.rate_after, 6),
        fixed(t.rate_expected, 6),
        probability(t.p_value_main),
        flag(t.significant),
        flag(t.material),
        flag(t.flagged),
        t.comparison.clone(),
        t.peers.join(";"),
        corroboration_cell(t),
        t.sentence.clone(),
        t.detectable_affected
            .map_or_else(String::new, |r| detectable(r, 1)),
        t.detectable_share
            .map_or_else(String::new, |s| detectable(s, 6)),
        t.detectable_level.map_or_else(String::new, probability),
    ]
}

/// What gaming a test would see: `inf` when none would be found (a rate the finding needs
/// could not be judged).
fn detectable(x: f64, decimals: usize) -> String {
    if x.is_infinite() {
        "inf".into()
    } else {
        fixed(x, decimals)
    }
}

fn tests_like(name: &'static str, tests: impl Iterator<Item = Test>) -> Table {
    Table {
        name,
        columns: TEST_COLUMNS.iter().map(|(c, _)| c.to_string()).collect(),
        kinds: TEST_COLUMNS.iter().map(|(_, k)| *k).collect(),
        rows: tests.map(|t| test_row(&t)).collect(),
    }
}

/// `findings`: one row per finding (a flagged test).
pub fn findings_table(tests: &[Test]) -> Table {
    tests_like("findings", tests.iter().filter(|t| t.flagged).cloned())
}

/// `tests`: one row per test the audit ran, flagged or not, so that the false discovery rate
/// can be checked.
pub fn tests_table(tests: &[Test]) -> Table {
    tests_like("tests", tests.iter().cloned())
}

/// `review_sample`: the records to pull for review, with the stratum each was drawn from.
pub fn review_table(records: &[recount_ingest::ReviewRecord], seed: u64) -> Table {
    let columns = [
        ("force_id", Kind::Text),
        ("finding", Kind::Text),
        ("table", Kind::Text),
        ("record_id", Kind::Text),
        ("period", Kind::Text),
        ("detail", Kind::Text),
        ("stratum_size", Kind::Integer),
        ("sample_size", Kind::Integer),
        ("seed", Kind::Integer),
    ];
    Table {
        name: "review_sample",
        columns: columns.iter().map(|(c, _)| c.to_string()).collect(),
        kinds: columns.iter().map(|(_, k)| *k).collect(),
        rows: records
            .iter()
            .map(|r| {
                vec![
                    r.force_id.clone(),
                    r.finding.clone(),
                    r.table.clone(),
                    r.record_id.clone(),
                    r.period.clone(),
                    r.detail.clone(),
                    r.stratum_size.to_string(),
                    r.sample_size.to_string(),
                    seed.to_string(),
                ]
            })
            .collect(),
    }
}
