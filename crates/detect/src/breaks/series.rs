//! Indicator series on their own grid of steps (months, or quarters for published counts),
//! and the two clean-ups applied before a search for breaks: removing the seasonal pattern
//! and smoothing away short shocks that reverse.

use recount_cube::Period;

use crate::rates::{Monthly, Rate};

/// Fewest deviations per season for a seasonal pattern to be estimated.
pub(crate) const MIN_SEASON_YEARS: usize = 3;

/// The steps a series is observed at: every month with data, or every quarter when counts are
/// published by quarter (each at the quarter's first month).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Grid {
    /// The steps, in order.
    pub periods: Vec<Period>,
    /// Months per step: 1 or 3 (the most common gap between steps).
    pub step_months: u32,
}

impl Grid {
    /// The steps of a pooled series: its months with any records.
    pub fn of(pool: &Monthly) -> Option<Grid> {
        let periods: Vec<Period> = pool
            .iter()
            .filter(|(_, r)| r.total > 0.0 || r.hits > 0.0)
            .map(|(p, _)| *p)
            .collect();
        if periods.len() < 2 {
            return None;
        }
        let mut gaps: Vec<i32> = periods
            .windows(2)
            .map(|w| w[0].months_until(w[1]))
            .collect();
        gaps.sort_unstable();
        let step_months = gaps[gaps.len() / 2].clamp(1, 12) as u32;
        Some(Grid {
            periods,
            step_months,
        })
    }

    /// Steps per year (the seasonal period).
    pub fn per_year(&self) -> usize {
        (12 / self.step_months).max(1) as usize
    }

    /// Steps spanning at least `months`.
    pub fn steps_for(&self, months: u32) -> usize {
        (months.div_ceil(self.step_months)).max(1) as usize
    }
}

/// The log-odds of a rate, with the half-count correction that keeps empty cells finite
/// (Haldane 1956, "The estimation and significance of the logarithm of a ratio of
/// frequencies", Ann Hum Genet 20:309-311). `None` when the rate has no records.
pub(crate) fn log_odds(rate: Rate) -> Option<f64> {
    (rate.total > 0.0).then(|| ((rate.hits + 0.5) / (rate.misses() + 0.5)).ln())
}

/// The log of a volume (hits), half-count corrected; `None` without any record.
pub(crate) fn log_volume(rate: Rate) -> Option<f64> {
    (rate.hits > 0.0 || rate.total > 0.0).then(|| (rate.hits + 0.5).ln())
}

/// A series on a grid, with gaps where the force had no records.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StepSeries {
    /// Index into the grid of each value.
    pub steps: Vec<usize>,
    /// The values.
    pub values: Vec<f64>,
}

impl StepSeries {
    /// The values of `measure` on each step of the grid where it is defined.
    pub fn on_grid(grid: &Grid, monthly: &Monthly, measure: impl Fn(Rate) -> Option<f64>) -> Self {
        let mut steps = Vec::new();
        let mut values = Vec::new();
        for (i, period) in grid.periods.iter().enumerate() {
            let rate = monthly.get(period).copied().unwrap_or_default();
            if let Some(v) = measure(rate) {
                steps.push(i);
                values.push(v);
            }
        }
        StepSeries { steps, values }
    }

    /// The difference `self - other` on the steps both have.
    pub fn minus(&self, other: &StepSeries) -> StepSeries {
        let mut steps = Vec::new();
        let mut values = Vec::new();
        let mut j = 0;
        for (&step, &value) in self.steps.iter().zip(&self.values) {
            while j < other.steps.len() && other.steps[j] < step {
                j += 1;
            }
            if j < other.steps.len() && other.steps[j] == step {
                steps.push(step);
                values.push(value - other.values[j]);
            }
        }
        StepSeries { steps, values }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }
}

/// The series without its seasonal pattern, by classical decomposition: a centred moving
/// average over one year estimates the level; each season's median deviation from it,
/// centred to sum to zero, is subtracted (Kendall M, Stuart A, *The Advanced Theory of
/// Statistics*, vol. 3, §46; the first step of X-11). The median, not the mean, so that the
/// year around a level shift (where the moving average straddles the shift) and a one-off
/// shock do not leak into the seasonal pattern. A median needs a few values to be robust:
/// series with fewer than [`MIN_SEASON_YEARS`] deviations per season (about four years of
/// data), or without seasons (yearly steps), are returned unchanged, since a seasonal
/// pattern estimated from one or two years would absorb part of any break inside them.
pub(crate) fn deseasonalise(values: &[f64], seasons: &[usize], per_year: usize) -> Vec<f64> {
    let n = values.len();
    if per_year < 2 || n < (MIN_SEASON_YEARS + 1) * per_year || seasons.len() != n {
        return values.to_vec();
    }
    let half = per_year / 2;
    let mut deviations: Vec<Vec<f64>> = vec![Vec::new(); per_year];
    for t in half..n - half {
        let level = centred_average(values, t, per_year);
        deviations[seasons[t] % per_year].push(values[t] - level);
    }
    let effects: Vec<f64> = deviations
        .iter_mut()
        .map(|d| if d.is_empty() { 0.0 } else { median(d) })
        .collect();
    let centre = effects.iter().sum::<f64>() / per_year as f64;
    values
        .iter()
        .zip(seasons)
        .map(|(v, s)| v - (effects[s % per_year] - centre))
        .collect()
}

/// The centred moving average over one seasonal period at `t`: the "2 x p" average when the
/// period `p` is even (half weights at both ends), the plain `p`-term one when odd.
fn centred_average(values: &[f64], t: usize, p: usize) -> f64 {
    let half = p / 2;
    if p % 2 == 1 {
        return values[t - half..=t + half].iter().sum::<f64>() / p as f64;
    }
    let inner: f64 = values[t + 1 - half..t + half].iter().sum();
    (inner + 0.5 * (values[t - half] + values[t + half])) / p as f64
}

/// The running median over `2 half + 1` steps (shrinking at the ends): Tukey's smoother,
/// which removes a shock lasting at most `half` steps entirely while keeping the edge of a
/// lasting step where it is (Tukey JW, *Exploratory Data Analysis*, 1977, ch. 7).
pub(crate) fn running_median(values: &[f64], half: usize) -> Vec<f64> {
    let n = values.len();
    (0..n)
        .map(|t| {
            let mut window: Vec<f64> =
                values[t.saturating_sub(half)..(t + half + 1).min(n)].to_vec();
            median(&mut window)
        })
        .collect()
}

/// The Hampel filter: a value more than `threshold` noise scales `sigma` from the running
/// median around it is replaced by that median; every other value is kept (Hampel FR, "The
/// influence curve and its role in robust estimation", JASA 1974;69:383-393; as a filter,
/// Pearson RK, "Outliers in process modeling and identification", IEEE Trans Control Syst
/// Technol 2002;10:55-63). A shock of at most `half` steps that reverses is removed, while the
/// ordinary noise, which the penalty of a search for breaks is calibrated on, is left alone
/// (a running median alone would smooth it and change its correlation).
pub(crate) fn hampel(values: &[f64], half: usize, sigma: f64, threshold: f64) -> Vec<f64> {
    running_median(values, half)
        .into_iter()
        .zip(values)
        .map(|(m, &v)| {
            if (v - m).abs() > threshold * sigma {
                m
            } else {
                v
            }
        })
        .collect()
}

/// The median (the mean of the middle two for an even count); NaN when empty.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quarterly_steps() {
        let mut pool = Monthly::new();
        for q in 0..8 {
            let p = Period::new(2014, 4).unwrap().offset(3 * q);
            pool.insert(
                p,
                Rate {
                    hits: 1.0,
                    total: 2.0,
                },
            );
        }
        let grid = Grid::of(&pool).unwrap();
        assert_eq!(grid.step_months, 3);
        assert_eq!(grid.per_year(), 4);
        assert_eq!(grid.steps_for(6), 2);
        assert_eq!(grid.periods.len(), 8);
    }

    #[test]
    fn log_odds_uses_the_half_count_correction() {
        let r = Rate {
            hits: 0.0,
            total: 3.0,
        };
        assert!((log_odds(r).unwrap() - (0.5f64 / 3.5).ln()).abs() < 1e-12);
        assert_eq!(log_odds(Rate::default()), None);
    }

    #[test]
    fn removes_a_pure_seasonal_pattern_and_keeps_a_step() {
        // Quarterly pattern (+1, -1, +2, -2) on a level that steps from 0 to 10 after 3 years.
        let pattern = [1.0, -1.0, 2.0, -2.0];
        let values: Vec<f64> = (0..24)
            .map(|t| pattern[t % 4] + if t >= 12 { 10.0 } else { 0.0 })
            .collect();
        let seasons: Vec<usize> = (0..24).map(|t| t % 4).collect();
        let clean = deseasonalise(&values, &seasons, 4);
        for (t, v) in clean.iter().enumerate() {
            let level = if t >= 12 { 10.0 } else { 0.0 };
            assert!((v - level).abs() < 1e-9, "step {t}: {v}");
        }
    }

    #[test]
    fn running_median_drops_a_short_shock_and_keeps_an_edge() {
        let values = [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 3.0, 3.0, 3.0, 3.0];
        assert_eq!(
            running_median(&values, 1),
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 3.0, 3.0, 3.0]
        );
    }

    #[test]
    fn hampel_replaces_only_outlying_values() {
        let values = [0.1, -0.1, 0.0, 5.0, 0.2, 0.0, 3.0, 3.1, 2.9, 3.0];
        let clean = hampel(&values, 1, 0.1, 3.0);
        assert_eq!(clean[3], 0.2); // median of (0.0, 5.0, 0.2)
        assert_eq!(&clean[..3], &values[..3]);
        assert_eq!(&clean[4..], &values[4..]);
    }

    #[test]
    fn subtracts_on_common_steps() {
        let a = StepSeries {
            steps: vec![0, 1, 3],
            values: vec![1.0, 2.0, 4.0],
        };
        let b = StepSeries {
            steps: vec![1, 2, 3],
            values: vec![0.5, 9.0, 1.0],
        };
        assert_eq!(
            a.minus(&b),
            StepSeries {
                steps: vec![1, 3],
                values: vec![1.5, 3.0]
            }
        );
    }
}
