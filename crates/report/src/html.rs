//! `report.html`: one self-contained page (no scripts, no external fonts or styles) that an
//! inspector can open, print and attach: the national picture first, then each force's
//! findings with their charts, data quality and records to review, then the methods.

use std::collections::BTreeMap;

use askama::Template;
use recount_cube::{CallVocabulary, Cells, Cube, ForceRegistry, Period};
use recount_detect::{SCOPE, Test};
use recount_ingest::ReviewRecord;
use recount_stats::additive_overdispersion;

use crate::breaks_view::{BreaksView, breaks_view};
use crate::charts::{FunnelPoint, ScorePoint, finding_chart, funnel_chart, scores_chart};
use crate::error::ReportError;
use crate::outputs::AuditResults;
use crate::sensitivity_view::{SensitivityView, sensitivity_view};

struct ScoreRow {
    id: String,
    name: String,
    score: String,
    grade: String,
    flagged: bool,
    affected: String,
}

struct Funnel {
    title: String,
    note: String,
    svg: String,
}

struct FindingView {
    title: String,
    sentence: String,
    chart: String,
    numbers: String,
    comparison: String,
    corroboration: String,
}

struct QualityRow {
    table: String,
    check: String,
    column: String,
    count: u64,
    example: String,
}

struct ReviewRow {
    finding: String,
    record_id: String,
    period: String,
    detail: String,
}

struct ForceSection {
    id: String,
    name: String,
    headline: String,
    findings: Vec<FindingView>,
    bcus: Vec<(String, String)>,
    quality: Vec<QualityRow>,
    review: Vec<ReviewRow>,
    review_note: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    version: &'static str,
    inputs: Vec<String>,
    summary: String,
    targets: Vec<String>,
    skipped: Vec<String>,
    /// Parts of forces' data left out to compare like for like.
    scope: Vec<String>,
    score_chart: String,
    score_rows: Vec<ScoreRow>,
    funnels: Vec<Funnel>,
    breaks: Option<BreaksView>,
    /// What the audit could have seen in each force.
    sensitivity: Option<SensitivityView>,
    forces: Vec<ForceSection>,
    methods: Vec<(String, String)>,
}

/// One line per target's design; the designs of an audit without targets (one per force and
/// break) in one line per force.
fn design_lines(designs: &[recount_detect::DesignSummary]) -> Vec<String> {
    let mut breaks: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut lines = Vec::new();
    for d in designs {
        if d.target == recount_detect::BREAK_TARGET {
            for force in &d.tested {
                breaks.entry(force).or_default().push(d.start.to_string());
            }
            continue;
        }
        let spread = if d.spread.len() > d.reference.len() {
            format!(
                " (the spread between forces measured on all {}: too few without a target to measure it)",
                d.spread.len()
            )
        } else {
            String::new()
        };
        lines.push(format!(
            "Target \"{}\" from {}: {} forces tested against {} {}{spread}, {} to {}.",
            d.target,
            d.start,
            d.tested.len(),
            d.reference.len(),
            if d.untargeted_references {
                "forces without a target"
            } else {
                "forces (all)"
            },
            d.pre_from,
            d.post_to
        ));
    }
    for (force, mut starts) in breaks {
        starts.sort();
        starts.dedup();
        lines.push(format!(
            "No target: {force} tested from the breaks found in its data at {}, against every other force.",
            starts.join(", ")
        ));
    }
    lines
}

/// How many records to list per force in the page (the CSV has them all).
const REVIEW_ROWS_SHOWN: usize = 40;

/// The page.
pub fn report_html(results: &AuditResults) -> Result<String, ReportError> {
    let registry = ForceRegistry::builtin();
    let name_of = |id: &str| {
        registry
            .name_of(id)
            .map_or_else(|| id.to_string(), str::to_string)
    };
    let mut sorted: Vec<_> = results.scores.iter().collect();
    sorted.sort_by(|a, b| {
        a.integrity_score
            .total_cmp(&b.integrity_score)
            .then(a.force_id.cmp(&b.force_id))
    });
    let score_points: Vec<ScorePoint> = sorted
        .iter()
        .map(|s| ScorePoint {
            label: s.force_name.clone().unwrap_or_else(|| s.force_id.clone()),
            score: s.integrity_score,
            low: s.integrity_score_low,
            high: s.integrity_score_high,
            flagged: s.flagged,
        })
        .collect();
    let score_rows = sorted
        .iter()
        .map(|s| ScoreRow {
            id: s.force_id.clone(),
            name: s.force_name.clone().unwrap_or_default(),
            score: format!(
                "{:.1} ({:.1} to {:.1})",
                s.integrity_score, s.integrity_score_low, s.integrity_score_high
            ),
            grade: s.grade.name().to_string(),
            flagged: s.flagged,
            affected: if s.estimated_affected.estimate > 0.0 {
                format!(
                    "{:.0} ({:.0} to {:.0})",
                    s.estimated_affected.estimate,
                    s.estimated_affected.low,
                    s.estimated_affected.high
                )
            } else {
                "0".into()
            },
        })
        .collect();
    let flagged: Vec<&str> = results
        .scores
        .iter()
        .filter(|s| s.flagged)
        .map(|s| s.force_id.as_str())
        .collect();
    let since = results.outcome.designs.iter().map(|d| d.start).min();
    let forces = results
        .scores
        .iter()
        .filter(|s| s.flagged)
        .map(|s| force_section(results, &s.force_id, &name_of(&s.force_id)))
        .collect();
    let page = Page {
        title: "recount: crime-recording integrity audit".into(),
        version: env!("CARGO_PKG_VERSION"),
        inputs: results
            .inputs
            .iter()
            .map(|i| format!("{} ({}, {} files)", i.path, i.table, i.files.len()))
            .collect(),
        summary: format!(
            "{} forces audited; {} flagged; {} tests, {} findings.",
            results.scores.len(),
            flagged.len(),
            results.outcome.tests.len(),
            results.outcome.findings().count()
        ),
        targets: design_lines(&results.outcome.designs),
        skipped: results
            .outcome
            .skipped
            .iter()
            .filter(|s| s.detector != SCOPE)
            .map(|s| format!("{}: {}", s.detector, s.reason))
            .collect(),
        scope: results
            .outcome
            .skipped
            .iter()
            .filter(|s| s.detector == SCOPE)
            .map(|s| s.reason.clone())
            .collect(),
        score_chart: scores_chart(&score_points),
        score_rows,
        funnels: funnels(results.cube, results.config.vocabulary(), &flagged, since),
        breaks: breaks_view(results.outcome.breaks.as_ref(), &name_of),
        sensitivity: sensitivity_view(&results.outcome.tests, &name_of),
        forces,
        methods: recount_detect::registry()
            .iter()
            .map(|d| (d.name().to_string(), d.describe().to_string()))
            .collect(),
    };
    page.render().map_err(|e| ReportError::Encode {
        table: "report.html".into(),
        message: e.to_string(),
    })
}

fn force_section(results: &AuditResults, force: &str, name: &str) -> ForceSection {
    let findings: Vec<&Test> = results
        .outcome
        .findings()
        .filter(|t| t.force_id == force)
        .collect();
    let score = results.scores.iter().find(|s| s.force_id == force);
    let headline = score.map_or_else(String::new, |s| {
        format!(
            "Integrity score {:.1} (95% interval {:.1} to {:.1}), graded {}. About {:.0} crime records (95% interval {:.0} to {:.0}) were lost or downgraded from {}, by {} finding{}.",
            s.integrity_score,
            s.integrity_score_low,
            s.integrity_score_high,
            s.grade.name(),
            s.estimated_affected.estimate,
            s.estimated_affected.low,
            s.estimated_affected.high,
            s.window_start.map(|p| p.to_string()).unwrap_or_default(),
            s.findings,
            if s.findings == 1 { "" } else { "s" }
        )
    });
    let views = findings
        .iter()
        .map(|t| FindingView {
            title: format!("{}: {}", t.detector.replace('_', " "), t.series),
            sentence: t.sentence.clone(),
            chart: finding_chart(&t.series, &t.trace, t.target_start),
            numbers: format!(
                "{:+.3} on the log-odds (odds x{:.2}, 95% interval x{:.2} to x{:.2}); p = {:.2e}, q = {:.2e}; first affected month {}",
                t.effect,
                t.effect.exp(),
                t.ci_low.exp(),
                t.ci_high.exp(),
                t.p_value,
                t.q_value,
                t.period_start
            ),
            comparison: t.comparison.clone(),
            corroboration: t
                .corroboration
                .iter()
                .map(|c| format!("{} (p = {:.2e})", c.series, c.p_value))
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    let quality = results
        .cube
        .quality
        .issues
        .iter()
        .filter(|(k, _)| k.force_id.as_deref() == Some(force))
        .map(|(k, issue)| QualityRow {
            table: k.table.to_string(),
            check: k.check.name().replace('_', " "),
            column: k.column.clone(),
            count: issue.count,
            example: issue
                .examples
                .first()
                .map(|e| format!("{} row {}: {}", e.file, e.row, e.value))
                .unwrap_or_default(),
        })
        .collect();
    let records: Vec<&ReviewRecord> = results
        .review
        .iter()
        .filter(|r| r.force_id == force)
        .collect();
    let mut strata: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for r in &records {
        strata.insert(r.finding.as_str(), (r.stratum_size, r.sample_size));
    }
    let review_note = if records.is_empty() {
        String::new()
    } else {
        format!(
            "A random sample per finding, sized so that checking it estimates the true mis-recording rate to within +/-{:.0} points (95%); {} records in all (review_sample.csv has every one, with the seed {}). {}",
            100.0 * results.config.review.margin,
            records.len(),
            results.config.review.seed,
            strata
                .iter()
                .map(|(f, (n, k))| format!("{f}: {k} of {n}"))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    ForceSection {
        id: force.to_string(),
        name: name.to_string(),
        headline,
        findings: views,
        bcus: results
            .bcus
            .get(force)
            .map(|rows| {
                rows.iter()
                    .map(|(bcu, a)| {
                        (
                            bcu.clone(),
                            format!("{:.0} ({:.0} to {:.0})", a.estimate, a.low, a.high),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        quality,
        review: records
            .iter()
            .take(REVIEW_ROWS_SHOWN)
            .map(|r| ReviewRow {
                finding: r.finding.clone(),
                record_id: r.record_id.clone(),
                period: r.period.clone(),
                detail: r.detail.clone(),
            })
            .collect(),
        review_note,
    }
}

/// A rate per force from cells of the cube: hits and totals over months from `since`; `key`
/// gives a cell's force and month, `classify` whether it is in the rate and a hit.
fn rate_by_force<C>(
    cells: &Cells<C>,
    since: Option<Period>,
    key: impl Fn(&C) -> (&str, Period),
    classify: impl Fn(&C) -> Option<bool>,
) -> BTreeMap<String, (f64, f64)> {
    let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (cell, &n) in cells {
        let (force, period) = key(cell);
        if since.is_some_and(|s| period < s) {
            continue;
        }
        if let Some(hit) = classify(cell) {
            let entry = out.entry(force.to_string()).or_default();
            entry.1 += n as f64;
            if hit {
                entry.0 += n as f64;
            }
        }
    }
    out
}

/// Funnel plots of the key rates after the target: conversion of crime-related calls, and the
/// share of assaults recorded with injury. Control limits allow for over-dispersion between
/// forces (Spiegelhalter 2005), estimated from the forces themselves.
fn funnels(
    cube: &Cube,
    vocabulary: CallVocabulary,
    flagged: &[&str],
    since: Option<Period>,
) -> Vec<Funnel> {
    let mut out = Vec::new();
    let period = since.map_or("over the whole data".to_string(), |s| format!("from {s}"));
    let conversion = rate_by_force(
        &cube.incidents,
        since,
        |c| (c.force_id.as_str(), c.period),
        |c| {
            vocabulary
                .crime_related
                .contains(c.call_type.as_str())
                .then_some(c.led_to_crime)
        },
    );
    let injury = rate_by_force(
        &cube.crimes,
        since,
        |c| (c.force_id.as_str(), c.period),
        |c| {
            (!c.cancelled && (c.offence_final == "8N" || c.offence_final == "105A"))
                .then(|| c.offence_final == "8N")
        },
    );
    for (title, rates) in [
        ("Crime-related calls that led to a crime record", conversion),
        (
            "Assaults recorded with injury (8N) among 8N and 105A",
            injury,
        ),
    ] {
        let points: Vec<FunnelPoint> = rates
            .iter()
            .filter(|(_, (_, n))| *n > 0.0)
            .map(|(force, (h, n))| FunnelPoint {
                size: *n,
                rate: h / n,
                flagged: flagged.contains(&force.as_str()),
            })
            .collect();
        if points.len() < 2 {
            continue;
        }
        let hits: f64 = rates.values().map(|(h, _)| h).sum();
        let total: f64 = rates.values().map(|(_, n)| n).sum();
        let target = hits / total;
        let ses: Vec<f64> = points
            .iter()
            .map(|p| (target * (1.0 - target) / p.size).sqrt().max(1e-9))
            .collect();
        let values: Vec<f64> = points.iter().map(|p| p.rate).collect();
        let tau2 = additive_overdispersion(&values, &ses, target, 0.1).map_or(0.0, |o| o.tau2);
        out.push(Funnel {
            title: title.to_string(),
            note: format!(
                "Each force's rate {period} against the records it is over; the line is the rate of all forces together ({:.1}%), the curves 95% and 99.8% limits allowing for the spread between forces (tau2 = {tau2:.2e}). Red: flagged forces.",
                100.0 * target
            ),
            svg: funnel_chart(title, &points, target, tau2),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use recount_cube::Period;
    use recount_detect::DesignSummary;

    use super::design_lines;

    fn design(reference: &[&str], spread: &[&str]) -> DesignSummary {
        let start = Period::new(2021, 4).expect("a valid month");
        let names = |forces: &[&str]| forces.iter().map(|f| f.to_string()).collect();
        DesignSummary {
            target: "Cut violence".into(),
            tested: names(&["T1", "T2"]),
            reference: names(reference),
            spread: names(spread),
            untargeted_references: true,
            pre_from: start.offset(-36),
            start,
            post_to: start.offset(20),
        }
    }

    #[test]
    fn a_design_line_says_when_the_spread_was_measured_on_every_force() {
        let few = design(&["U1", "U2", "U3"], &["T1", "T2", "U1", "U2", "U3"]);
        let lines = design_lines(&[few]);
        assert!(
            lines[0].contains(
                "against 3 forces without a target (the spread between forces measured on all 5"
            ),
            "{lines:?}"
        );
        let enough = ["U1", "U2", "U3", "U4", "U5"];
        let lines = design_lines(&[design(&enough, &enough)]);
        assert!(!lines[0].contains("spread"), "{lines:?}");
    }
}
