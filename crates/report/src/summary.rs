//! The summary table printed on the terminal after an audit.

use recount_score::ForceScore;

/// A plain-text table: force, score with interval, grade, flagged, estimated affected.
pub fn summary_table(scores: &[ForceScore]) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "force".into(),
        "name".into(),
        "score (95% interval)".into(),
        "grade".into(),
        "flagged".into(),
        "est. affected (95% interval)".into(),
    ]];
    let mut sorted: Vec<&ForceScore> = scores.iter().collect();
    sorted.sort_by(|a, b| {
        a.integrity_score
            .total_cmp(&b.integrity_score)
            .then(a.force_id.cmp(&b.force_id))
    });
    for s in sorted {
        let affected = &s.estimated_affected;
        rows.push([
            s.force_id.clone(),
            s.force_name.clone().unwrap_or_default(),
            format!(
                "{:.1} ({:.1}-{:.1})",
                s.integrity_score, s.integrity_score_low, s.integrity_score_high
            ),
            s.grade.name().to_string(),
            if s.flagged { "yes" } else { "no" }.to_string(),
            if affected.estimate > 0.0 {
                format!(
                    "{:.0} ({:.0}-{:.0})",
                    affected.estimate, affected.low, affected.high
                )
            } else {
                "0".to_string()
            },
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            out.push('\n');
        }
    }
    out
}
