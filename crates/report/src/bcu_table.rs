//! `bcu_scores`: for each flagged force with basic command units, the records lost or
//! downgraded in each BCU and its recording integrity over the force's assessment window, so
//! that an auditor (or a pipeline) sees where in the force the problem sits.

use std::collections::BTreeMap;

use recount_cube::Cube;
use recount_score::{Affected, ForceScore, IntegrityScore};

use crate::tables::{Kind, Table, fixed};

const COLUMNS: [(&str, Kind); 10] = [
    ("force_id", Kind::Text),
    ("bcu", Kind::Text),
    ("integrity_score", Kind::Number),
    ("integrity_score_low", Kind::Number),
    ("integrity_score_high", Kind::Number),
    ("estimated_affected", Kind::Number),
    ("estimated_affected_low", Kind::Number),
    ("estimated_affected_high", Kind::Number),
    ("recorded_crimes", Kind::Number),
    ("window_start", Kind::Text),
];

/// Crimes recorded (not cancelled) in one BCU of a force from its window's start.
fn recorded(cube: &Cube, force: &str, bcu: &str, score: Option<&ForceScore>) -> f64 {
    let from = score.and_then(|s| s.window_start);
    cube.crimes
        .iter()
        .filter(|(c, _)| c.force_id == force && !c.cancelled)
        .filter(|(c, _)| c.bcu.as_deref() == Some(bcu))
        .filter(|(c, _)| from.is_none_or(|f| c.period >= f))
        .map(|(_, &n)| n as f64)
        .sum()
}

/// The table, one row per BCU of each force in `bcus`.
pub fn bcu_table(
    bcus: &BTreeMap<String, Vec<(String, Affected)>>,
    cube: &Cube,
    scores: &[ForceScore],
) -> Table {
    let mut rows = Vec::new();
    for (force, units) in bcus {
        let score = scores.iter().find(|s| &s.force_id == force);
        for (bcu, affected) in units {
            let kept = recorded(cube, force, bcu, score);
            let integrity = IntegrityScore::new(kept, *affected);
            rows.push(vec![
                force.clone(),
                bcu.clone(),
                fixed(100.0 * integrity.integrity, 2),
                fixed(100.0 * integrity.low, 2),
                fixed(100.0 * integrity.high, 2),
                fixed(affected.estimate, 1),
                fixed(affected.low, 1),
                fixed(affected.high, 1),
                fixed(kept, 0),
                score
                    .and_then(|s| s.window_start)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    Table {
        name: "bcu_scores",
        columns: COLUMNS.iter().map(|(c, _)| c.to_string()).collect(),
        kinds: COLUMNS.iter().map(|(_, k)| *k).collect(),
        rows,
    }
}
