//! The report's section on breaks at unknown dates (an audit without targets): national
//! breaks with the spread of each force's change, then the forces' own breaks that stand out.

use recount_detect::{Break, BreakScope, BreakSearch, Direction, ForceShift, VIOLENCE_RECORDING};

use crate::charts::{ScorePoint, interval_chart};

/// National breaks drawn as charts of each force's change; the others are listed.
const NATIONAL_CHARTS: usize = 4;

/// Force breaks listed in the page (the CSV has them all).
const FORCE_ROWS_SHOWN: usize = 40;

/// One national break.
pub(crate) struct NationalBreakView {
    pub title: String,
    pub sentence: String,
    pub chart: String,
}

/// One force break.
pub(crate) struct ForceBreakRow {
    pub force: String,
    pub indicator: String,
    pub period: String,
    pub direction: String,
    pub levels: String,
    pub change: String,
    pub q_value: String,
    pub reading: String,
}

/// The section.
pub(crate) struct BreaksView {
    pub intro: String,
    pub national: Vec<NationalBreakView>,
    pub national_rows: Vec<(String, String)>,
    pub force_rows: Vec<ForceBreakRow>,
    pub force_note: String,
}

fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "n/a".into()
    }
}

fn relative(change: f64) -> String {
    format!("{:+.0}%", 100.0 * (change.exp() - 1.0))
}

fn way(d: Direction) -> &'static str {
    match d {
        Direction::Rise => "up",
        Direction::Fall => "down",
    }
}

fn interval(b: &Break) -> String {
    if b.period_low == b.period_high {
        b.period.to_string()
    } else {
        format!(
            "{} (interval {} to {})",
            b.period, b.period_low, b.period_high
        )
    }
}

/// The section, or `None` when no search ran.
pub(crate) fn breaks_view(
    search: Option<&BreakSearch>,
    name_of: &dyn Fn(&str) -> String,
) -> Option<BreaksView> {
    let search = search?;
    let mut national: Vec<&Break> = search
        .breaks
        .iter()
        .filter(|b| b.scope == BreakScope::National)
        .collect();
    // The violence-recording indicator first, in date order (the one that moved with the
    // 2014 inspection), then the others by how many forces moved.
    national.sort_by_key(|b| {
        let violence = b.indicator == VIOLENCE_RECORDING;
        (
            !violence,
            if violence {
                0
            } else {
                usize::MAX - b.forces_moved
            },
            b.period,
        )
    });
    let views = national
        .iter()
        .take(NATIONAL_CHARTS)
        .map(|b| national_view(b, &search.shares, name_of))
        .collect();
    let national_rows = national
        .iter()
        .skip(NATIONAL_CHARTS)
        .map(|b| {
            (
                format!("{}: {} from {}", b.indicator, way(b.direction), interval(b)),
                b.reading.clone(),
            )
        })
        .collect();
    let mut own: Vec<&Break> = search
        .breaks
        .iter()
        .filter(|b| b.scope == BreakScope::Force)
        .collect();
    own.sort_by(|a, b| {
        (a.source == "composition" && a.indicator != VIOLENCE_RECORDING)
            .cmp(&(b.source == "composition" && b.indicator != VIOLENCE_RECORDING))
            .then(a.q_value.total_cmp(&b.q_value))
    });
    let force_rows = own
        .iter()
        .take(FORCE_ROWS_SHOWN)
        .map(|b| ForceBreakRow {
            force: format!("{} ({})", name_of(&b.force_id), b.force_id),
            indicator: b.indicator.clone(),
            period: interval(b),
            direction: way(b.direction).into(),
            levels: format!("{} to {}", percent(b.level_before), percent(b.level_after)),
            change: relative(b.change),
            q_value: crate::tables::probability(b.q_value),
            reading: b.reading.clone(),
        })
        .collect();
    Some(BreaksView {
        intro: format!(
            "The configuration has no target, so every indicator was searched for lasting breaks at unknown dates ({} series). A national break is one that most forces share: it is reported once, with each force's own change. A force's own break is a change against the other forces (national changes cancel out). Breaks in the direction gaming would move a detector's series were tested as findings, from the break.",
            search.series_searched
        ),
        national: views,
        national_rows,
        force_note: format!(
            "{} force breaks with q-value within the false discovery rate; the {} listed first are on the detectors' series and violence recording, by q-value. Change: the force's odds against the other forces', after against before. All are in breaks.csv.",
            own.len(),
            own.len().min(FORCE_ROWS_SHOWN)
        ),
        force_rows,
    })
}

fn national_view(
    b: &Break,
    shares: &[ForceShift],
    name_of: &dyn Fn(&str) -> String,
) -> NationalBreakView {
    let mut mine: Vec<&ForceShift> = shares
        .iter()
        .filter(|s| s.indicator == b.indicator && s.period == b.period)
        .collect();
    mine.sort_by(|x, y| x.change.total_cmp(&y.change));
    let points: Vec<ScorePoint> = mine
        .iter()
        .map(|s| ScorePoint {
            label: name_of(&s.force_id),
            score: 100.0 * (s.change.exp() - 1.0),
            low: 100.0 * (s.ci_low.exp() - 1.0),
            high: 100.0 * (s.ci_high.exp() - 1.0),
            flagged: !s.moved,
        })
        .collect();
    let low = points.iter().map(|p| p.low).fold(0.0, f64::min).floor() - 5.0;
    let high = points.iter().map(|p| p.high).fold(0.0, f64::max).ceil() + 5.0;
    let spread = match (mine.first(), mine.last()) {
        (Some(a), Some(z)) => format!(
            " Each force's own change over the year either side ran from {} ({}) to {} ({}).",
            relative(a.change),
            name_of(&a.force_id),
            relative(z.change),
            name_of(&z.force_id)
        ),
        _ => String::new(),
    };
    NationalBreakView {
        title: format!("{}: {} from {}", b.indicator, way(b.direction), interval(b)),
        sentence: format!(
            "{} Nationally {} before, {} after (q = {}).{spread} Red: forces that did not move significantly with the rest.",
            b.reading,
            percent(b.level_before),
            percent(b.level_after),
            crate::tables::probability(b.q_value)
        ),
        chart: interval_chart(
            &points,
            (low, high),
            "change in the force's odds over the year either side (%, 95% interval)",
            Some(0.0),
        ),
    }
}
