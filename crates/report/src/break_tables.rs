//! The tables of the search for breaks at unknown dates: one row per break (`breaks`), and one
//! row per force per national break (`break_shares`: how far each force moved with the
//! country). Both are written for every audit, empty when the configuration has targets (no
//! search ran), so a pipeline always finds them.

use recount_detect::{Break, BreakSearch, Direction, ForceShift};

use crate::tables::{Kind, Table, fixed, probability};

const BREAK_COLUMNS: [(&str, Kind); 20] = [
    ("scope", Kind::Text),
    ("force_id", Kind::Text),
    ("indicator", Kind::Text),
    ("source", Kind::Text),
    ("period", Kind::Text),
    ("period_low", Kind::Text),
    ("period_high", Kind::Text),
    ("direction", Kind::Text),
    ("level_before", Kind::Number),
    ("level_after", Kind::Number),
    ("change", Kind::Number),
    ("ci_low", Kind::Number),
    ("ci_high", Kind::Number),
    ("p_value", Kind::Number),
    ("q_value", Kind::Number),
    ("forces_moved", Kind::Integer),
    ("forces_compared", Kind::Integer),
    ("with_national", Kind::Flag),
    ("reversed_at", Kind::Text),
    ("reading", Kind::Text),
];

const SHARE_COLUMNS: [(&str, Kind); 10] = [
    ("indicator", Kind::Text),
    ("period", Kind::Text),
    ("force_id", Kind::Text),
    ("level_before", Kind::Number),
    ("level_after", Kind::Number),
    ("change", Kind::Number),
    ("ci_low", Kind::Number),
    ("ci_high", Kind::Number),
    ("p_value", Kind::Number),
    ("moved", Kind::Flag),
];

fn direction(d: Direction) -> String {
    match d {
        Direction::Fall => "down",
        Direction::Rise => "up",
    }
    .to_string()
}

fn flag(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

fn break_row(b: &Break) -> Vec<String> {
    let national = b.scope == recount_detect::BreakScope::National;
    vec![
        b.scope.name().to_string(),
        b.force_id.clone(),
        b.indicator.clone(),
        b.source.clone(),
        b.period.to_string(),
        b.period_low.to_string(),
        b.period_high.to_string(),
        direction(b.direction),
    ]
    .into_iter()
    .chain(levels_and_change([
        b.level_before,
        b.level_after,
        b.change,
        b.ci_low,
        b.ci_high,
    ]))
    .chain([
        probability(b.p_value),
        probability(b.q_value),
        if national {
            b.forces_moved.to_string()
        } else {
            String::new()
        },
        if national {
            b.forces_compared.to_string()
        } else {
            String::new()
        },
        flag(b.with_national),
        b.reversed_at.map(|p| p.to_string()).unwrap_or_default(),
        b.reading.clone(),
    ])
    .collect()
}

/// Level before, level after, change and its interval, as the two tables print them.
fn levels_and_change(values: [f64; 5]) -> impl Iterator<Item = String> {
    values.into_iter().map(|v| fixed(v, 6))
}

fn share_row(s: &ForceShift) -> Vec<String> {
    vec![
        s.indicator.clone(),
        s.period.to_string(),
        s.force_id.clone(),
    ]
    .into_iter()
    .chain(levels_and_change([
        s.level_before,
        s.level_after,
        s.change,
        s.ci_low,
        s.ci_high,
    ]))
    .chain([probability(s.p_value), flag(s.moved)])
    .collect()
}

fn table<T>(
    name: &'static str,
    columns: &[(&str, Kind)],
    items: &[T],
    row: fn(&T) -> Vec<String>,
) -> Table {
    Table {
        name,
        columns: columns.iter().map(|(c, _)| c.to_string()).collect(),
        kinds: columns.iter().map(|(_, k)| *k).collect(),
        rows: items.iter().map(row).collect(),
    }
}

/// `breaks`: every break reported, national first.
pub fn breaks_table(search: Option<&BreakSearch>) -> Table {
    let breaks = search.map_or(&[][..], |s| &s.breaks[..]);
    table("breaks", &BREAK_COLUMNS, breaks, break_row)
}

/// `break_shares`: each force's own change at each national break.
pub fn break_shares_table(search: Option<&BreakSearch>) -> Table {
    let shares = search.map_or(&[][..], |s| &s.shares[..]);
    table("break_shares", &SHARE_COLUMNS, shares, share_row)
}
