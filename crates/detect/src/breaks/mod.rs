//! Breaks at unknown dates: when the configuration has no target, every indicator is searched
//! for lasting changes of level, in either direction, at dates nobody gave.
//!
//! Two kinds are told apart and both reported:
//! - a **national** break: the pooled series of every force breaks, and most forces moved at
//!   the same step (each force's own change there is reported as its share in it). A change of
//!   counting rules, or the recording drive after the 2014 inspection, looks like this; it says
//!   nothing about any one force.
//! - a **force** break: the force's series against the pooled series of every other force (the
//!   difference of their log-odds, so that whatever moved every force cancels) breaks. A force
//!   whose serious share falls against its peers from some month, or whose violence recording
//!   rises by more than its peers', looks like this.
//!
//! The search is in [`segment`]; what is searched in [`indicators`]. Breaks of a detector's
//! series in the direction gaming would move it become the dates the audit tests around (see
//! `audit::run_break_audit`); every break is reported with its date interval, size, p-value
//! and q-value.

mod indicators;
mod segment;
mod series;
#[cfg(test)]
mod test_noise;

use recount_cube::Period;
use recount_stats::benjamini_hochberg;
use serde::{Deserialize, Serialize};

use crate::contrast::Direction;
use crate::rates::{Monthly, Rate};
use crate::spec::Measure;

pub use indicators::VIOLENCE_RECORDING;
pub(crate) use indicators::{Indicator, indicators};
use segment::{Located, SearchSettings, locate_breaks};
pub(crate) use series::median;
use series::{Grid, StepSeries, deseasonalise, log_odds, log_volume};

/// Chance that one searched series with no break shows one (before the false discovery rate
/// across all of them).
const SERIES_ALPHA: f64 = 0.01;

/// Months within which a break undone by the next one counts as temporary.
pub const REVERSAL_MONTHS: i32 = 24;

/// Fewest forces that must move together for a break to be national.
const MIN_NATIONAL_FORCES: usize = 3;

/// Fewest hits a step, on average, for a force's rate to be searched.
const MIN_HITS_PER_STEP: f64 = 2.0;

/// Fewest other forces for their median to be the reference of a force.
const MIN_MEDIAN_FORCES: usize = 5;

/// Months of shock that the Hampel filter removes: a quarter.
const SHOCK_MONTHS: u32 = 3;

/// Months each side of a national break over which each force's own change is measured.
const SHARE_WINDOW_MONTHS: u32 = 12;

/// Whether a break was found in the pooled series of every force or in one force against the
/// rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakScope {
    /// Most forces at once.
    National,
    /// One force against the others.
    Force,
}

impl BreakScope {
    /// The scope's name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            BreakScope::National => "national",
            BreakScope::Force => "force",
        }
    }
}

/// The force id of national breaks in outputs.
pub const NATIONAL: &str = "national";

/// A lasting change of level in one indicator at a date found in the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Break {
    /// National or one force's.
    pub scope: BreakScope,
    /// The force, or [`NATIONAL`].
    pub force_id: String,
    /// The indicator (a detector's series, or a composition share).
    pub indicator: String,
    /// The detector the indicator comes from, or `composition`.
    pub source: String,
    /// First month of the new level.
    pub period: Period,
    /// Earliest first month the data cannot tell apart from `period`.
    pub period_low: Period,
    /// Latest such month.
    pub period_high: Period,
    /// The rate before (the force's own, or the national one), over the stretch compared.
    pub level_before: f64,
    /// The rate after.
    pub level_after: f64,
    /// The change in log-odds (log-ratio for volumes): of the national series, or of the
    /// force against the other forces.
    pub change: f64,
    /// Lower end of the change's 95% interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Up or down.
    pub direction: Direction,
    /// Two-sided p-value, adjusted for the positions searched.
    pub p_value: f64,
    /// Benjamini-Hochberg q-value across every series searched.
    pub q_value: f64,
    /// National breaks: forces whose own change at the break went the same way, significantly.
    pub forces_moved: usize,
    /// National breaks: forces with data either side.
    pub forces_compared: usize,
    /// Force breaks: whether a national break of the same indicator falls in its date interval
    /// (the force moved with the country, by more or less than its peers).
    pub with_national: bool,
    /// The first month of a later break that undid at least half of this one within
    /// [`REVERSAL_MONTHS`]: the change was temporary (a pandemic year, a short campaign).
    pub reversed_at: Option<Period>,
    /// What the break suggests, in words.
    pub reading: String,
}

/// One force's own change at a national break.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForceShift {
    /// The indicator of the national break.
    pub indicator: String,
    /// The national break's first month.
    pub period: Period,
    /// The force.
    pub force_id: String,
    /// Its rate in the year before.
    pub level_before: f64,
    /// Its rate in the year after.
    pub level_after: f64,
    /// The change in its log-odds.
    pub change: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value (the date is the national one, not searched).
    pub p_value: f64,
    /// Whether it moved with the nation, significantly.
    pub moved: bool,
}

/// What the search found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakSearch {
    /// The breaks reported (q-value within the audit's false discovery rate), national first.
    pub breaks: Vec<Break>,
    /// Each force's share in each national break.
    pub shares: Vec<ForceShift>,
    /// Series searched (indicators times forces, and the national ones).
    pub series_searched: usize,
}

/// A force break before the false discovery rate, with what the audit needs to test it.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    /// The break.
    pub found: Break,
    /// The stretch compared starts here.
    pub from: Period,
    /// One-sided p-value in the direction gaming moves the indicator, when it does.
    pub p_gaming: Option<f64>,
    /// The positions the break could have taken (for adjusting other tests at its date).
    pub positions: usize,
}

/// How the search runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BreakSettings {
    /// Shortest segment between breaks, in months.
    pub min_segment_months: u32,
    /// The false discovery rate across every series searched.
    pub fdr: f64,
}

/// Searches every indicator: the national series of each share, then each force against the
/// rest. Returns the reported breaks and every force break before the false discovery rate
/// (the audit tests those in a gaming direction).
pub(crate) fn search(
    indicators: &[Indicator],
    forces: &[String],
    settings: BreakSettings,
) -> (BreakSearch, Vec<Candidate>) {
    let mut national = Vec::new();
    let mut shares = Vec::new();
    let mut candidates = Vec::new();
    let mut searched = 0;
    for indicator in indicators {
        let pool = indicator.rates.pooled(forces.iter().map(String::as_str));
        let Some(grid) = Grid::of(&pool) else {
            continue;
        };
        let search = SearchSettings {
            min_segment: grid.steps_for(settings.min_segment_months).max(2),
            smooth_half: grid.steps_for(SHOCK_MONTHS),
            alpha: SERIES_ALPHA,
        };
        // With one force there is no nation to speak of: its breaks are its own, against its
        // own past.
        if indicator.measure == Measure::Share && forces.len() > 1 {
            searched += 1;
            let (found, force_shares) = national_breaks(indicator, forces, &grid, &pool, &search);
            national.extend(found);
            shares.extend(force_shares);
        }
        let centred = centred_series(indicator, forces, &grid);
        for force in forces {
            let (found, tried) = force_breaks(indicator, force, &grid, &centred, &search);
            searched += usize::from(tried);
            candidates.extend(found);
        }
    }
    let mut breaks = national;
    for c in &mut candidates {
        c.found.with_national = breaks.iter().any(|n| {
            n.indicator == c.found.indicator
                && c.found.period >= n.period_low.offset(-3)
                && c.found.period <= n.period_high.offset(3)
        });
        if c.found.with_national {
            c.found
                .reading
                .push_str(" It falls at a national break of the same indicator.");
        }
    }
    breaks.extend(candidates.iter().map(|c| c.found.clone()));
    assign_q_values(&mut breaks, searched);
    for c in &mut candidates {
        if let Some(b) = breaks.iter().find(|b| {
            b.force_id == c.found.force_id
                && b.indicator == c.found.indicator
                && b.period == c.found.period
        }) {
            c.found.q_value = b.q_value;
        }
    }
    breaks.retain(|b| b.q_value <= settings.fdr);
    let kept: Vec<(String, Period)> = breaks
        .iter()
        .filter(|b| b.scope == BreakScope::National)
        .map(|b| (b.indicator.clone(), b.period))
        .collect();
    shares.retain(|s| kept.contains(&(s.indicator.clone(), s.period)));
    (
        BreakSearch {
            breaks,
            shares,
            series_searched: searched,
        },
        candidates,
    )
}

/// Benjamini-Hochberg across every break found, with each searched series that showed none
/// counted as a p-value of 1.
fn assign_q_values(breaks: &mut [Break], searched: usize) {
    let mut p: Vec<f64> = breaks.iter().map(|b| b.p_value).collect();
    let padding = searched.saturating_sub(breaks.len());
    p.extend(std::iter::repeat_n(1.0, padding));
    let q = benjamini_hochberg(&p);
    for (b, q) in breaks.iter_mut().zip(q) {
        b.q_value = q;
    }
}

/// The season of each step: its position in the year.
fn seasons(grid: &Grid, steps: &[usize]) -> Vec<usize> {
    steps
        .iter()
        .map(|&s| ((grid.periods[s].month() - 1) / grid.step_months) as usize)
        .collect()
}

/// The sampling variance of a rate's measure: `1/(h + 1/2) + 1/(m + 1/2)` for the log-odds
/// of `h` hits and `m` misses (the delta method with Haldane's correction), `1/(h + 1/2)` for a
/// log volume (Poisson).
fn sampling_variance(indicator: &Indicator, rate: Rate) -> f64 {
    match indicator.measure {
        Measure::Share => 1.0 / (rate.hits + 0.5) + 1.0 / (rate.misses() + 0.5),
        Measure::Volume => 1.0 / (rate.hits + 0.5),
    }
}

/// The median sampling variance over the steps of a series.
fn typical_sampling_variance(
    indicator: &Indicator,
    monthly: &Monthly,
    grid: &Grid,
    steps: &[usize],
) -> f64 {
    let mut v: Vec<f64> = steps
        .iter()
        .map(|&s| {
            let rate = monthly.get(&grid.periods[s]).copied().unwrap_or_default();
            sampling_variance(indicator, rate)
        })
        .collect();
    median(&mut v)
}

/// The measure of an indicator's rate: log-odds for shares, log volume for volumes.
fn measure_of(indicator: &Indicator) -> fn(Rate) -> Option<f64> {
    match indicator.measure {
        Measure::Share => log_odds,
        Measure::Volume => log_volume,
    }
}

/// The level of a rate over some steps, as a reader would state it: the share, or the mean
/// volume per step.
fn level(indicator: &Indicator, monthly: &Monthly, periods: &[Period]) -> f64 {
    let mut sum = Rate::default();
    for p in periods {
        if let Some(r) = monthly.get(p) {
            sum.absorb(*r);
        }
    }
    match indicator.measure {
        Measure::Share if sum.total > 0.0 => sum.hits / sum.total,
        Measure::Share => f64::NAN,
        Measure::Volume => sum.hits / periods.len().max(1) as f64,
    }
}

/// The breaks of the pooled series that most forces share, with each force's change there.
fn national_breaks(
    indicator: &Indicator,
    forces: &[String],
    grid: &Grid,
    pool: &Monthly,
    search: &SearchSettings,
) -> (Vec<Break>, Vec<ForceShift>) {
    if !has_signal(pool, grid) {
        return (Vec::new(), Vec::new());
    }
    let series = StepSeries::on_grid(grid, pool, log_odds);
    let clean = deseasonalise(
        &series.values,
        &seasons(grid, &series.steps),
        grid.per_year(),
    );
    let floor = typical_sampling_variance(indicator, pool, grid, &series.steps);
    let Ok(found) = locate_breaks(&clean, search, floor) else {
        return (Vec::new(), Vec::new());
    };
    let mut breaks = Vec::new();
    let mut shares = Vec::new();
    for located in found {
        let at = series.steps[located.index];
        let window = grid.steps_for(SHARE_WINDOW_MONTHS);
        let force_shares: Vec<ForceShift> = forces
            .iter()
            .filter_map(|f| force_shift(indicator, f, grid, at, window))
            .collect();
        let sign = located.change().signum();
        let moved = force_shares
            .iter()
            .filter(|s| s.moved && s.change.signum() == sign)
            .count();
        // Most forces of the audit, not just of those with enough records to compare: one
        // gaming force can break the pooled series of a rare event on its own.
        if 2 * moved < forces.len() || moved < MIN_NATIONAL_FORCES {
            continue;
        }
        let mut b = describe(
            indicator,
            NATIONAL,
            BreakScope::National,
            grid,
            &series,
            &located,
        );
        b.level_before = level(
            indicator,
            pool,
            &periods(grid, &series.steps[located.from..located.index]),
        );
        b.level_after = level(
            indicator,
            pool,
            &periods(grid, &series.steps[located.index..located.to]),
        );
        b.forces_moved = moved;
        b.forces_compared = force_shares.len();
        b.reading = national_reading(indicator, b.direction, moved, force_shares.len());
        breaks.push(b);
        shares.extend(force_shares.into_iter().map(|mut s| {
            s.moved = s.moved && s.change.signum() == sign;
            s
        }));
    }
    mark_reversals(&mut breaks);
    (breaks, shares)
}

fn periods(grid: &Grid, steps: &[usize]) -> Vec<Period> {
    steps.iter().map(|&s| grid.periods[s]).collect()
}

/// One force's change in its own (deseasonalised) log-odds over up to `window` steps either
/// side of step `at`, judged against its own step-to-step noise.
fn force_shift(
    indicator: &Indicator,
    force: &str,
    grid: &Grid,
    at: usize,
    window: usize,
) -> Option<ForceShift> {
    let monthly = indicator.rates.force(force);
    if !has_signal(&monthly, grid) {
        return None;
    }
    let series = StepSeries::on_grid(grid, &monthly, log_odds);
    if series.len() < 4 {
        return None;
    }
    let clean = deseasonalise(
        &series.values,
        &seasons(grid, &series.steps),
        grid.per_year(),
    );
    let lo = at.saturating_sub(window);
    let before: Vec<usize> = (0..series.len())
        .filter(|&i| series.steps[i] >= lo && series.steps[i] < at)
        .collect();
    let after: Vec<usize> = (0..series.len())
        .filter(|&i| series.steps[i] >= at && series.steps[i] < at + window)
        .collect();
    if before.len() < 2 || after.len() < 2 {
        return None;
    }
    let mean = |idx: &[usize]| idx.iter().map(|&i| clean[i]).sum::<f64>() / idx.len() as f64;
    let change = mean(&after) - mean(&before);
    let sigma = segment::noise_scale(&clean);
    let se = sigma * (1.0 / before.len() as f64 + 1.0 / after.len() as f64).sqrt();
    let z = if se > 0.0 { change / se } else { 0.0 };
    let p_value = recount_stats::normal_two_sided_p(z);
    let step_periods = |idx: &[usize]| -> Vec<Period> {
        idx.iter().map(|&i| grid.periods[series.steps[i]]).collect()
    };
    Some(ForceShift {
        indicator: indicator.name.clone(),
        period: grid.periods[at],
        force_id: force.to_string(),
        level_before: level(indicator, &monthly, &step_periods(&before)),
        level_after: level(indicator, &monthly, &step_periods(&after)),
        change,
        ci_low: change - 1.959_963_984_540_054 * se,
        ci_high: change + 1.959_963_984_540_054 * se,
        p_value,
        moved: p_value < 0.05,
    })
}

/// Whether a force's rate has enough hits for its log-odds to mean something: at least
/// [`MIN_HITS_PER_STEP`] a step on average, and hits in most steps. With none, the
/// half-count-corrected log-odds only follows the total, and a change in volume would pass
/// for a break in the rate.
fn has_signal(monthly: &Monthly, grid: &Grid) -> bool {
    let hits: Vec<f64> = grid
        .periods
        .iter()
        .map(|p| monthly.get(p).map_or(0.0, |r| r.hits))
        .collect();
    let mean = hits.iter().sum::<f64>() / hits.len().max(1) as f64;
    let with_hits = hits.iter().filter(|h| **h > 0.0).count();
    mean >= MIN_HITS_PER_STEP && 2 * with_hits > hits.len()
}

/// Every force's series of an indicator, each less its own median, keyed by force; forces
/// without enough hits (see [`has_signal`]) are left out.
fn centred_series(
    indicator: &Indicator,
    forces: &[String],
    grid: &Grid,
) -> Vec<(String, StepSeries)> {
    let measure = measure_of(indicator);
    forces
        .iter()
        .filter(|f| has_signal(&indicator.rates.force(f), grid))
        .map(|f| {
            let mut s = StepSeries::on_grid(grid, &indicator.rates.force(f), measure);
            let centre = median(&mut s.values.clone());
            s.values.iter_mut().for_each(|v| *v -= centre);
            (f.clone(), s)
        })
        .filter(|(_, s)| s.len() > 0)
        .collect()
}

/// The reference a force is compared with: at each step, the median of the other forces'
/// centred series. A median rather than the pooled counts, so that one other force's change
/// (its gaming, a merger) cannot move the reference and show as a break in every force; with
/// fewer than [`MIN_MEDIAN_FORCES`] others, their mean.
fn reference_for(force: &str, centred: &[(String, StepSeries)], steps: usize) -> StepSeries {
    let mut at: Vec<Vec<f64>> = vec![Vec::new(); steps];
    for (_, s) in centred.iter().filter(|(f, _)| f != force) {
        for (&step, &v) in s.steps.iter().zip(&s.values) {
            at[step].push(v);
        }
    }
    let mut out = StepSeries {
        steps: Vec::new(),
        values: Vec::new(),
    };
    for (step, values) in at.iter_mut().enumerate() {
        if values.is_empty() {
            continue;
        }
        let value = if values.len() >= MIN_MEDIAN_FORCES {
            median(values)
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        };
        out.steps.push(step);
        out.values.push(value);
    }
    out
}

/// One force's breaks against the other forces (against its own past when it is the only
/// force), and whether the series could be searched at all.
fn force_breaks(
    indicator: &Indicator,
    force: &str,
    grid: &Grid,
    centred: &[(String, StepSeries)],
    search: &SearchSettings,
) -> (Vec<Candidate>, bool) {
    let Some((_, own)) = centred.iter().find(|(f, _)| f == force) else {
        return (Vec::new(), false);
    };
    let mine = indicator.rates.force(force);
    let relative = if centred.len() > 1 {
        own.minus(&reference_for(force, centred, grid.periods.len()))
    } else {
        own.clone()
    };
    if relative.len() < 2 * search.min_segment {
        return (Vec::new(), false);
    }
    let clean = deseasonalise(
        &relative.values,
        &seasons(grid, &relative.steps),
        grid.per_year(),
    );
    let floor = typical_sampling_variance(indicator, &mine, grid, &relative.steps);
    let Ok(found) = locate_breaks(&clean, search, floor) else {
        return (Vec::new(), true);
    };
    let mut found_breaks: Vec<Break> = found
        .iter()
        .map(|located| {
            let mut b = describe(
                indicator,
                force,
                BreakScope::Force,
                grid,
                &relative,
                located,
            );
            b.level_before = level(
                indicator,
                &mine,
                &periods(grid, &relative.steps[located.from..located.index]),
            );
            b.level_after = level(
                indicator,
                &mine,
                &periods(grid, &relative.steps[located.index..located.to]),
            );
            b.reading = force_reading(indicator, b.direction, centred.len() < 2);
            b
        })
        .collect();
    mark_reversals(&mut found_breaks);
    let candidates = found_breaks
        .into_iter()
        .zip(&found)
        .map(|(b, located)| Candidate {
            positions: located.positions,
            from: grid.periods[relative.steps[located.from]],
            p_gaming: indicator
                .gaming
                .filter(|d| *d == b.direction)
                .map(|d| located.p_one_sided(d.sign())),
            found: b,
        })
        .collect();
    (candidates, true)
}

/// A located break in words and months (levels and reading are filled in by the caller).
fn describe(
    indicator: &Indicator,
    force: &str,
    scope: BreakScope,
    grid: &Grid,
    series: &StepSeries,
    located: &Located,
) -> Break {
    let period_of = |i: usize| grid.periods[series.steps[i]];
    let (ci_low, ci_high) = located.interval();
    Break {
        scope,
        force_id: force.to_string(),
        indicator: indicator.name.clone(),
        source: indicator.source.clone(),
        period: period_of(located.index),
        period_low: period_of(located.low),
        period_high: period_of(located.high),
        level_before: f64::NAN,
        level_after: f64::NAN,
        change: located.change(),
        ci_low,
        ci_high,
        direction: if located.change() < 0.0 {
            Direction::Fall
        } else {
            Direction::Rise
        },
        p_value: located.p_two_sided(),
        q_value: f64::NAN,
        forces_moved: 0,
        forces_compared: 0,
        with_national: false,
        reversed_at: None,
        reading: String::new(),
    }
}

/// Marks each break that the next one of the same series undid (see [`Break::reversed_at`]),
/// and says so in its reading.
fn mark_reversals(breaks: &mut [Break]) {
    for i in 1..breaks.len() {
        let (earlier, later) = breaks.split_at_mut(i);
        let (first, next) = (&mut earlier[i - 1], &later[0]);
        let undone = next.direction != first.direction
            && next.change.abs() >= 0.5 * first.change.abs()
            && first.period.months_until(next.period) <= REVERSAL_MONTHS;
        if undone {
            first.reversed_at = Some(next.period);
            first.reading.push_str(&format!(
                " It reversed from {}: a temporary change, not a lasting one.",
                next.period
            ));
        }
    }
}

fn national_reading(
    indicator: &Indicator,
    direction: Direction,
    moved: usize,
    of: usize,
) -> String {
    let way = if direction == Direction::Rise {
        "rose"
    } else {
        "fell"
    };
    let what = if indicator.name == VIOLENCE_RECORDING && direction == Direction::Rise {
        "more violence recorded against other crime in most forces at once: a national change (in recording practice, as after the 2014 inspection of crime recording, or in the mix of crime), not evidence about any one force"
    } else {
        "a change that most forces share (counting rules, a national event or a real national trend), not evidence about any one force"
    };
    format!(
        "{} {way} in {moved} of {of} forces at once: {what}.",
        indicator.label
    )
}

fn force_reading(indicator: &Indicator, direction: Direction, alone: bool) -> String {
    let way = if direction == Direction::Rise {
        "rose"
    } else {
        "fell"
    };
    let against = if alone {
        "against its own past (no other force in the data)"
    } else {
        "against the other forces"
    };
    let base = format!("{} {way} {against}", indicator.label);
    match indicator.gaming {
        Some(g) if g == direction => format!(
            "{base}: the way gaming would move it, so the audit tests the force from this month."
        ),
        Some(_) => format!(
            "{base}: the opposite of the way gaming would move it, consistent with recording being corrected (or gaming ending)."
        ),
        None if indicator.name == VIOLENCE_RECORDING && direction == Direction::Rise => format!(
            "{base}: more violence recorded than its peers, consistent with recording being corrected."
        ),
        None if indicator.name == VIOLENCE_RECORDING => format!(
            "{base}: less violence recorded than its peers, consistent with violence going unrecorded, or with a real fall."
        ),
        None => format!("{base}: a change in the mix of crime recorded, to be explained."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::RateTable;
    use test_noise::Noise;

    /// Quarterly shares of 12 forces over 11 years (from April 2012): each force's own level,
    /// binomial-like noise, a national rise from April 2014 in which force `f` moves by
    /// `0.05 f` in log-odds more than force 0, a one-quarter shock in April 2020 that every
    /// force shares and that reverses, and force 7's own fall from July 2017.
    fn quarterly_table() -> RateTable {
        let mut noise = Noise(2014);
        let mut table = RateTable::default();
        let first = Period::new(2012, 4).unwrap();
        for f in 0..12 {
            let force = format!("F{f:02}");
            for q in 0..44 {
                let period = first.offset(3 * q);
                let mut logit = -2.0 + 0.1 * f as f64;
                if period >= Period::new(2014, 4).unwrap() {
                    logit += 0.2 + 0.05 * f as f64;
                }
                if period == Period::new(2020, 4).unwrap() {
                    logit += 0.5;
                }
                if f == 7 && period >= Period::new(2017, 7).unwrap() {
                    logit -= 0.4;
                }
                logit += 0.02 * noise.normal();
                let total = 20_000.0;
                let hits = (total / (1.0 + (-logit).exp())).round();
                table
                    .forces
                    .entry(force.clone())
                    .or_default()
                    .insert(period, Rate { hits, total });
            }
        }
        table
    }

    fn searched() -> BreakSearch {
        let indicator = Indicator {
            name: VIOLENCE_RECORDING.into(),
            source: "composition".into(),
            rates: quarterly_table(),
            measure: Measure::Share,
            gaming: None,
            label: "the share".into(),
        };
        let forces: Vec<String> = (0..12).map(|f| format!("F{f:02}")).collect();
        let settings = BreakSettings {
            min_segment_months: 6,
            fdr: 0.05,
        };
        search(&[indicator], &forces, settings).0
    }

    #[test]
    fn a_national_rise_is_national_with_each_forces_share() {
        let found = searched();
        let national: Vec<&Break> = found
            .breaks
            .iter()
            .filter(|b| b.scope == BreakScope::National)
            .collect();
        assert_eq!(national.len(), 1, "{national:?}");
        let b = national[0];
        assert_eq!(b.period, Period::new(2014, 4).unwrap());
        assert_eq!(b.direction, Direction::Rise);
        assert!(b.forces_moved >= 10 && b.forces_compared == 12, "{b:?}");
        // Each force's share: the change grows with the force's index, 0.2 + 0.05 f.
        let shares: Vec<&ForceShift> = found.shares.iter().collect();
        assert_eq!(shares.len(), 12);
        for s in shares {
            let f: f64 = s.force_id[1..].parse().unwrap();
            assert!((s.change - (0.2 + 0.05 * f)).abs() < 0.05, "{s:?}");
        }
    }

    #[test]
    fn a_shock_every_force_shares_breaks_nothing_and_a_forces_own_fall_is_found() {
        let found = searched();
        let lockdown = Period::new(2020, 4).unwrap();
        assert!(
            found.breaks.iter().all(|b| b.period != lockdown),
            "{:?}",
            found.breaks
        );
        let own: Vec<&Break> = found
            .breaks
            .iter()
            .filter(|b| b.scope == BreakScope::Force && b.force_id == "F07")
            .collect();
        assert!(
            own.iter().any(|b| b.period == Period::new(2017, 7).unwrap()
                && b.direction == Direction::Fall
                && b.period_low <= b.period
                && b.period <= b.period_high),
            "{own:?}"
        );
        // Forces whose rise in 2014 was larger than most are breaks against their peers at the
        // national break, and say so.
        for b in found.breaks.iter().filter(|b| b.scope == BreakScope::Force) {
            if b.period == Period::new(2014, 4).unwrap() {
                assert!(b.with_national, "{b:?}");
            }
        }
    }
}
