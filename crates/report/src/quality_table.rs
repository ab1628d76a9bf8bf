//! `quality`: the data-quality summary as a table, one row per problem, table, column and
//! force, with the first examples.

use recount_cube::DataQuality;

use crate::tables::{Kind, Table};

/// The data-quality table.
pub fn quality_table(quality: &DataQuality) -> Table {
    let columns = [
        ("table", Kind::Text),
        ("check", Kind::Text),
        ("column", Kind::Text),
        ("force_id", Kind::Text),
        ("count", Kind::Integer),
        ("examples", Kind::Text),
    ];
    let rows = quality
        .issues
        .iter()
        .map(|(key, issue)| {
            let examples: Vec<String> = issue
                .examples
                .iter()
                .map(|e| {
                    let group = e
                        .row_group
                        .map(|g| format!(" row group {g}"))
                        .unwrap_or_default();
                    format!("{}{group} row {}: `{}`", e.file, e.row, e.value)
                })
                .collect();
            vec![
                key.table.to_string(),
                key.check.name().to_string(),
                key.column.clone(),
                key.force_id.clone().unwrap_or_default(),
                issue.count.to_string(),
                examples.join(" | "),
            ]
        })
        .collect();
    Table {
        name: "quality",
        columns: columns.iter().map(|(c, _)| c.to_string()).collect(),
        kinds: columns.iter().map(|(_, k)| *k).collect(),
        rows,
    }
}
