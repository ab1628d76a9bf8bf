//! Changes in the mean of a series: optimal multiple change points by PELT, the single best
//! change point, and an approximate confidence set for its location.
//!
//! The model throughout is piecewise-constant mean with independent Gaussian noise. Each
//! point may carry a known variance `σ_t²` (weights `1/σ_t²`); without variances every point
//! has weight 1. The cost of a segment `[a, b)` is its weighted sum of squared deviations from
//! its weighted mean,
//!
//! ```text
//! C(a, b) = Σ_{a<=t<b} w_t (y_t − ȳ_w)²
//! ```
//!
//! which is twice the negative maximised Gaussian log-likelihood (up to a constant) when the
//! variances are known. Indices returned are "change indices": the index of the first point
//! of each new segment, so `[15, 27]` splits a series into `[0, 15)`, `[15, 27)`, `[27, n)`.

use crate::StatsError;
use crate::distributions::normal_quantile;

/// Weighted prefix sums for O(1) segment costs.
struct SegmentCosts {
    sum_w: Vec<f64>,
    sum_wy: Vec<f64>,
    sum_wy2: Vec<f64>,
    /// Centre subtracted from the data before summing, to limit cancellation in
    /// `Σwy² − (Σwy)²/Σw`.
    centre: f64,
}

impl SegmentCosts {
    fn new(series: &[f64], variances: Option<&[f64]>) -> Result<Self, StatsError> {
        let n = series.len();
        if n == 0 {
            return Err(StatsError::Empty("series"));
        }
        if series.iter().any(|y| !y.is_finite()) {
            return Err(StatsError::NonFinite("series"));
        }
        let weights: Vec<f64> = match variances {
            None => vec![1.0; n],
            Some(v) => {
                if v.len() != n {
                    return Err(StatsError::LengthMismatch {
                        what: "variances",
                        expected: n,
                        got: v.len(),
                    });
                }
                let mut w = Vec::with_capacity(n);
                for &vi in v {
                    if !vi.is_finite() {
                        return Err(StatsError::NonFinite("variances"));
                    }
                    if vi <= 0.0 {
                        return Err(StatsError::InvalidArgument(format!(
                            "variances must be positive, got {vi}"
                        )));
                    }
                    w.push(1.0 / vi);
                }
                w
            }
        };
        let total_w: f64 = weights.iter().sum();
        let centre = series.iter().zip(&weights).map(|(y, w)| y * w).sum::<f64>() / total_w;
        let mut sum_w = Vec::with_capacity(n + 1);
        let mut sum_wy = Vec::with_capacity(n + 1);
        let mut sum_wy2 = Vec::with_capacity(n + 1);
        let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
        sum_w.push(a);
        sum_wy.push(b);
        sum_wy2.push(c);
        for (y, w) in series.iter().zip(&weights) {
            let d = y - centre;
            a += w;
            b += w * d;
            c += w * d * d;
            sum_w.push(a);
            sum_wy.push(b);
            sum_wy2.push(c);
        }
        Ok(Self {
            sum_w,
            sum_wy,
            sum_wy2,
            centre,
        })
    }

    fn len(&self) -> usize {
        self.sum_w.len() - 1
    }

    /// `C(a, b)` for `a < b`, clamped at 0 against rounding.
    fn cost(&self, a: usize, b: usize) -> f64 {
        let w = self.sum_w[b] - self.sum_w[a];
        let wy = self.sum_wy[b] - self.sum_wy[a];
        let wy2 = self.sum_wy2[b] - self.sum_wy2[a];
        (wy2 - wy * wy / w).max(0.0)
    }

    /// Weighted mean of `[a, b)`.
    fn mean(&self, a: usize, b: usize) -> f64 {
        self.centre + (self.sum_wy[b] - self.sum_wy[a]) / (self.sum_w[b] - self.sum_w[a])
    }
}

fn check_min_segment(min_segment: usize) -> Result<(), StatsError> {
    if min_segment == 0 {
        Err(StatsError::InvalidArgument(
            "min_segment must be at least 1".into(),
        ))
    } else {
        Ok(())
    }
}

/// Optimal change points in the mean by PELT (Pruned Exact Linear Time).
///
/// Source: Killick R, Fearnhead P, Eckley IA. "Optimal detection of changepoints with a
/// linear computational cost". JASA 2012;107:1590–1598, the PELT algorithm with `K = 0` (valid for
/// this cost because splitting a segment never increases its sum of squares). The result
/// minimises
///
/// ```text
/// Σ_segments C(segment) + penalty × (number of changes)
/// ```
///
/// exactly, over all segmentations whose segments have at least `min_segment` points.
///
/// Minimum segment length and pruning: a candidate `t` found dominated at time `s` is only
/// discarded from time `s + min_segment` on, when `s` itself becomes a usable last change; so
/// the minimum length does not make the pruning inexact. (The `ruptures` package prunes at
/// once, which can lose the optimum when `min_segment > 1`: a variant of this function that
/// did so failed this module's brute-force test. Both agree on the test series compared with
/// ruptures.) Ties between equally good last changes go to the earliest.
///
/// Penalty scale: the cost is a weighted sum of squares. With `variances` it is on the χ²
/// scale and a BIC-like penalty is about `2 ln n` (for one extra mean; more if the change
/// location is also counted); without, the cost is in squared data units and the penalty must
/// be scaled by the noise variance, e.g. `2 σ² ln n`.
///
/// Returns the change indices in increasing order; empty when no change pays for its penalty
/// or the series is shorter than `2 × min_segment`.
///
/// The brief's signature returned `Vec<usize>`; this one returns a `Result` so that invalid
/// input (NaN data, bad variances, a negative penalty) is reported rather than guessed at.
///
/// # Errors
/// [`StatsError::Empty`], [`StatsError::NonFinite`], [`StatsError::LengthMismatch`],
/// [`StatsError::InvalidArgument`] (non-positive variance, negative or non-finite penalty,
/// `min_segment == 0`).
pub fn pelt_mean_shift(
    series: &[f64],
    variances: Option<&[f64]>,
    penalty: f64,
    min_segment: usize,
) -> Result<Vec<usize>, StatsError> {
    check_min_segment(min_segment)?;
    if !(penalty.is_finite() && penalty >= 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "penalty must be finite and non-negative, got {penalty}"
        )));
    }
    let costs = SegmentCosts::new(series, variances)?;
    let n = costs.len();
    let m = min_segment;
    if n < 2 * m {
        return Ok(Vec::new());
    }
    // f[s]: optimal penalised cost of y[0..s], with f[0] = −penalty so that the total counts
    // one penalty per change (Killick et al. 2012, section 2). Unreachable ends stay +∞.
    let mut f = vec![f64::INFINITY; n + 1];
    f[0] = -penalty;
    let mut last = vec![0usize; n + 1];
    // Candidate last changes, with the time from which each may be discarded.
    let mut candidates: Vec<(usize, Option<usize>)> = Vec::new();
    for s in m..=n {
        // y[0..t] must be a valid segmentation and [t, s) at least m long.
        let new_candidate = s - m;
        if new_candidate == 0 || new_candidate >= m {
            candidates.push((new_candidate, None));
        }
        candidates.retain(|&(_, drop_at)| drop_at.is_none_or(|d| d > s));
        let mut best = f64::INFINITY;
        let mut best_t = 0;
        for &(t, _) in &candidates {
            let value = f[t] + costs.cost(t, s) + penalty;
            if value < best {
                best = value;
                best_t = t;
            }
        }
        f[s] = best;
        last[s] = best_t;
        // PELT pruning (K = 0), deferred by m as explained above.
        for (t, drop_at) in &mut candidates {
            if drop_at.is_none() && f[*t] + costs.cost(*t, s) > f[s] {
                *drop_at = Some(s + m);
            }
        }
    }
    let mut changes = Vec::new();
    let mut s = n;
    while s > 0 {
        let t = last[s];
        if t > 0 {
            changes.push(t);
        }
        s = t;
    }
    changes.reverse();
    Ok(changes)
}

/// The single best change in mean and its likelihood-ratio statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MeanShift {
    /// Change index: the first point of the second segment.
    pub index: usize,
    /// Weighted mean of `series[..index]`.
    pub before_mean: f64,
    /// Weighted mean of `series[index..]`.
    pub after_mean: f64,
    /// Maximised log-likelihood ratio of "one change at `index`" against "no change"
    /// (see [`mean_shift_profile`] for the formula); `+∞` when both segments are constant.
    pub log_likelihood_ratio: f64,
}

/// The profile log-likelihood ratio of a single change at each admissible position.
///
/// Returns `(k, ℓ(k))` for every `k` in `min_segment ..= n − min_segment`, where `ℓ(k)` is the
/// log-likelihood ratio of a change at `k` against no change, with `S0 = C(0, n)` and
/// `S(k) = C(0, k) + C(k, n)`:
///
/// - with `variances` (known): `ℓ(k) = (S0 − S(k)) / 2`;
/// - without (a common unknown variance, profiled out): `ℓ(k) = (n/2) ln(S0 / S(k))`, which
///   does not depend on the scale of the data; `+∞` when `S(k) = 0 < S0`.
///
/// A constant series (`S0 = 0`) has `ℓ(k) = 0` everywhere. Empty when `n < 2 × min_segment`.
///
/// # Errors
/// As [`pelt_mean_shift`] (except for the penalty).
pub fn mean_shift_profile(
    series: &[f64],
    variances: Option<&[f64]>,
    min_segment: usize,
) -> Result<Vec<(usize, f64)>, StatsError> {
    check_min_segment(min_segment)?;
    let costs = SegmentCosts::new(series, variances)?;
    Ok(profile(&costs, variances.is_some(), min_segment))
}

fn profile(costs: &SegmentCosts, known_variance: bool, m: usize) -> Vec<(usize, f64)> {
    let n = costs.len();
    if n < 2 * m {
        return Vec::new();
    }
    let s0 = costs.cost(0, n);
    (m..=n - m)
        .map(|k| {
            let sk = costs.cost(0, k) + costs.cost(k, n);
            let llr = if s0 <= 0.0 {
                0.0
            } else if known_variance {
                ((s0 - sk) / 2.0).max(0.0)
            } else if sk <= 0.0 {
                f64::INFINITY
            } else {
                (n as f64 / 2.0 * (s0 / sk).ln()).max(0.0)
            };
            (k, llr)
        })
        .collect()
}

/// The best single change in mean over all positions leaving at least `min_segment` points on
/// each side: the maximum of [`mean_shift_profile`] (the first one on ties).
///
/// The location is the same with or without variances when they are all equal; the
/// log-likelihood ratio differs as explained at [`mean_shift_profile`]. No significance is
/// attached: the maximum over positions of a likelihood ratio is not χ²-distributed (see
/// Hinkley 1970), so calibrate it by simulation or compare with a penalty.
///
/// Returns `None` when the series is shorter than `2 × min_segment` or constant.
///
/// # Errors
/// As [`mean_shift_profile`].
pub fn single_mean_shift(
    series: &[f64],
    variances: Option<&[f64]>,
    min_segment: usize,
) -> Result<Option<MeanShift>, StatsError> {
    check_min_segment(min_segment)?;
    let costs = SegmentCosts::new(series, variances)?;
    let n = costs.len();
    if costs.cost(0, n) <= 0.0 {
        return Ok(None);
    }
    let best = profile(&costs, variances.is_some(), min_segment)
        .into_iter()
        .fold(None, |best: Option<(usize, f64)>, (k, l)| match best {
            Some((_, bl)) if bl >= l => best,
            _ => Some((k, l)),
        });
    Ok(best.map(|(index, log_likelihood_ratio)| MeanShift {
        index,
        before_mean: costs.mean(0, index),
        after_mean: costs.mean(index, n),
        log_likelihood_ratio,
    }))
}

/// An approximate confidence set for the location of a single change.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChangeLocationSet {
    /// The maximum-likelihood change index (as [`single_mean_shift`]).
    pub index: usize,
    /// Every change index whose profile log-likelihood is within `threshold` of the maximum,
    /// in increasing order. Not necessarily contiguous.
    pub positions: Vec<usize>,
    /// Smallest position in the set.
    pub lower: usize,
    /// Largest position in the set.
    pub upper: usize,
    /// The log-likelihood drop used, `χ²_1(level) / 2` (1.92 for level 0.95).
    pub threshold: f64,
}

/// Approximate confidence set for a single change location from the profile likelihood.
///
/// The set holds every admissible change index `k` with `ℓ(k̂) − ℓ(k) <= χ²_1(level) / 2`
/// (1.92 at level 0.95), with `ℓ` from [`mean_shift_profile`]. `χ²_1(level)` is computed as
/// `Φ⁻¹((1 + level)/2)²`.
///
/// This is an approximation with no guaranteed coverage: the change location is a discrete,
/// non-regular parameter, and Hinkley (1970, "Inference about the change-point in a sequence
/// of random variables", Biometrika 57:1–17) showed that the likelihood-ratio statistic for it
/// does not have the usual χ²_1 limit. Read it as "positions the data cannot tell apart from
/// the best one", not as an exact 95% interval.
///
/// Returns `None` when [`single_mean_shift`] does.
///
/// # Errors
/// As [`mean_shift_profile`]; [`StatsError::InvalidArgument`] when `level` is not in `(0, 1)`.
pub fn change_location_set(
    series: &[f64],
    variances: Option<&[f64]>,
    min_segment: usize,
    level: f64,
) -> Result<Option<ChangeLocationSet>, StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "level must be in (0, 1), got {level}"
        )));
    }
    let Some(best) = single_mean_shift(series, variances, min_segment)? else {
        return Ok(None);
    };
    let threshold = normal_quantile(0.5 + level / 2.0)?.powi(2) / 2.0;
    let max = best.log_likelihood_ratio;
    let positions: Vec<usize> = mean_shift_profile(series, variances, min_segment)?
        .into_iter()
        .filter(|&(_, l)| {
            if max.is_infinite() {
                l == max
            } else {
                l >= max - threshold
            }
        })
        .map(|(k, _)| k)
        .collect();
    let lower = positions.first().copied().unwrap_or(best.index);
    let upper = positions.last().copied().unwrap_or(best.index);
    Ok(Some(ChangeLocationSet {
        index: best.index,
        positions,
        lower,
        upper,
        threshold,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two changes (at 15 and 27): 15 points around 10, 12 around 14, 13 around 9, noise sd 1,
    /// rounded to one decimal (numpy `default_rng(20240601)`).
    const TWO_CHANGES: [f64; 40] = [
        10.6, 10.5, 9.4, 8.8, 9.9, 11.2, 11.3, 10.9, 10.3, 11.6, 11.2, 9.8, 8.9, 9.6, 9.6, 14.7,
        12.1, 13.8, 15.7, 13.1, 13.2, 13.9, 12.6, 13.9, 14.0, 14.0, 13.0, 8.6, 9.7, 8.3, 9.5, 9.7,
        7.6, 8.4, 9.7, 9.5, 9.2, 8.7, 9.1, 10.9,
    ];
    /// No change: 30 points around 20, noise sd 1.5.
    const NO_CHANGE: [f64; 30] = [
        19.7, 20.9, 19.4, 19.7, 21.0, 18.6, 19.6, 19.1, 18.7, 20.3, 21.9, 20.3, 19.4, 17.8, 21.2,
        20.3, 19.1, 21.3, 22.4, 17.6, 20.9, 21.3, 20.9, 22.4, 20.9, 18.6, 25.7, 20.2, 22.2, 22.9,
    ];
    /// A two-point blip at indices 12 and 13 in a flat series, to exercise `min_segment`.
    const BLIP: [f64; 26] = [
        5.4, 4.1, 4.1, 4.7, 5.0, 4.3, 4.5, 4.8, 4.8, 5.1, 5.0, 5.0, 9.0, 9.5, 4.7, 4.6, 4.0, 5.6,
        5.1, 5.2, 4.1, 5.4, 5.0, 5.5, 4.7, 5.5,
    ];

    /// Reference: ruptures 1.1.10,
    /// `rpt.Pelt(model="l2", min_size=k, jump=1).fit(x).predict(pen=pen)[:-1]`
    /// (ruptures appends n to its list; we return only the change indices).
    #[test]
    fn pelt_matches_ruptures() {
        let cases: [(&[f64], f64, usize, &[usize]); 6] = [
            (&TWO_CHANGES, 10.0, 3, &[15, 27]),
            (&TWO_CHANGES, 3.0, 5, &[15, 27]),
            (&TWO_CHANGES, 1.0, 2, &[2, 5, 11, 15, 17, 19, 27, 32, 34]),
            (&NO_CHANGE, 30.0, 3, &[]),
            (&BLIP, 2.0, 3, &[11, 14]),
            (&BLIP, 2.0, 1, &[12, 14]),
        ];
        for (series, pen, k, want) in cases {
            assert_eq!(
                pelt_mean_shift(series, None, pen, k).unwrap(),
                want,
                "pen {pen}, min_size {k}"
            );
        }
    }

    /// Brute-force optimal partitioning (Jackson B et al., "An algorithm for optimal
    /// partitioning of data on an interval", IEEE Signal Process Lett 2005;12:105–108: the
    /// O(n²) recursion PELT prunes), used to check that the pruning never loses the optimum.
    fn optimal_partitioning(
        series: &[f64],
        variances: Option<&[f64]>,
        penalty: f64,
        m: usize,
    ) -> (Vec<usize>, f64) {
        let costs = SegmentCosts::new(series, variances).unwrap();
        let n = series.len();
        let mut f = vec![f64::INFINITY; n + 1];
        let mut last = vec![0; n + 1];
        f[0] = -penalty;
        for s in m..=n {
            for t in (0..=s - m).filter(|&t| t == 0 || t >= m) {
                let v = f[t] + costs.cost(t, s) + penalty;
                if v < f[s] {
                    f[s] = v;
                    last[s] = t;
                }
            }
        }
        let mut changes = Vec::new();
        let mut s = n;
        while s > 0 {
            if last[s] > 0 {
                changes.push(last[s]);
            }
            s = last[s];
        }
        changes.reverse();
        (changes, f[n])
    }

    fn penalised_cost(
        series: &[f64],
        variances: Option<&[f64]>,
        changes: &[usize],
        pen: f64,
    ) -> f64 {
        let costs = SegmentCosts::new(series, variances).unwrap();
        let mut bounds = vec![0];
        bounds.extend_from_slice(changes);
        bounds.push(series.len());
        bounds
            .windows(2)
            .map(|w| costs.cost(w[0], w[1]))
            .sum::<f64>()
            + pen * changes.len() as f64
    }

    /// A deterministic pseudo-random series (a linear congruential generator, so the test
    /// needs no RNG crate) with a few level shifts.
    fn lcg_series(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                let level = [0.0, 2.0, -1.0, 1.5][(i * 4) / n];
                level + 2.0 * (u - 0.5)
            })
            .collect()
    }

    #[test]
    fn pelt_equals_brute_force_optimal_partitioning() {
        for seed in 1..=12u64 {
            let y = lcg_series(60, seed);
            let v: Vec<f64> = (0..60).map(|i| 0.2 + (i % 5) as f64 * 0.1).collect();
            for m in [1, 2, 3, 5, 8] {
                for pen in [0.5, 2.0, 6.0] {
                    for var in [None, Some(&v[..])] {
                        let pelt = pelt_mean_shift(&y, var, pen, m).unwrap();
                        let (op, best) = optimal_partitioning(&y, var, pen, m);
                        let got = penalised_cost(&y, var, &pelt, pen);
                        assert!(
                            (got - best).abs() <= 1e-9 * best.abs().max(1.0),
                            "seed {seed} m {m} pen {pen}: PELT {pelt:?} ({got}) vs OP {op:?} ({best})"
                        );
                        assert!(pelt.windows(2).all(|w| w[1] - w[0] >= m));
                        assert!(pelt.first().is_none_or(|&c| c >= m));
                        assert!(pelt.last().is_none_or(|&c| 60 - c >= m));
                    }
                }
            }
        }
    }

    #[test]
    fn pelt_edge_cases() {
        assert_eq!(pelt_mean_shift(&[1.0, 5.0], None, 0.0, 2).unwrap(), vec![]);
        assert_eq!(pelt_mean_shift(&[1.0, 5.0], None, 0.0, 1).unwrap(), vec![1]);
        assert_eq!(pelt_mean_shift(&[3.0; 10], None, 0.0, 1).unwrap(), vec![]);
        assert_eq!(
            pelt_mean_shift(&[], None, 1.0, 1),
            Err(StatsError::Empty("series"))
        );
        assert!(pelt_mean_shift(&[1.0], None, -1.0, 1).is_err());
        assert!(pelt_mean_shift(&[1.0], None, 1.0, 0).is_err());
        assert!(pelt_mean_shift(&[1.0, 2.0], Some(&[1.0, 0.0]), 1.0, 1).is_err());
        assert!(pelt_mean_shift(&[1.0, f64::NAN], None, 1.0, 1).is_err());
    }

    /// Index: ruptures 1.1.10 `rpt.Binseg(model="l2", min_size=3, jump=1).fit(x).predict(n_bkps=1)`
    /// gives [27, 40] (the first binary-segmentation split is the best single split).
    /// Means and log-likelihood ratios: numpy 2.4.6, `x[:27].mean()`, `x[27:].mean()`,
    /// `n/2*np.log(S0/S27)` and `(S0 - S27)/2` with `S = sum of squared deviations`.
    #[test]
    fn single_mean_shift_matches_reference() {
        let shift = single_mean_shift(&TWO_CHANGES, None, 3).unwrap().unwrap();
        assert_eq!(shift.index, 27);
        assert!((shift.before_mean - 11.762962962962964).abs() < 1e-12);
        assert!((shift.after_mean - 9.146153846153847).abs() < 1e-12);
        assert!((shift.log_likelihood_ratio - 8.84882292438846).abs() < 1e-10);
        let ones = [1.0; 40];
        let known = single_mean_shift(&TWO_CHANGES, Some(&ones), 3)
            .unwrap()
            .unwrap();
        assert_eq!(known.index, 27);
        assert!((known.log_likelihood_ratio - 30.044239672364668).abs() < 1e-10);
        assert_eq!(single_mean_shift(&[2.0; 8], None, 2).unwrap(), None);
        assert_eq!(single_mean_shift(&[1.0, 2.0, 3.0], None, 2).unwrap(), None);
    }

    /// Reference (numpy 2.4.6, profile as in the previous test): the positions with
    /// `llr >= llr[27] - 3.841458820694124/2` are 27 and 28.
    #[test]
    fn location_set_matches_reference() {
        let set = change_location_set(&TWO_CHANGES, None, 3, 0.95)
            .unwrap()
            .unwrap();
        assert_eq!(set.index, 27);
        assert_eq!(set.positions, vec![27, 28]);
        assert_eq!((set.lower, set.upper), (27, 28));
        // scipy 1.17.1: scipy.stats.chi2.ppf(0.95, 1) / 2
        assert!((set.threshold - 3.841458820694124 / 2.0).abs() < 1e-9);
    }

    /// Hand-worked, unit variances (known), min_segment 1, S0 = C(0, 4):
    ///
    /// ```text
    /// y = (0, 0, 4, 4): S0 = 32 − 64/4 = 16; S(1) = S(3) = 32 − 64/3 = 32/3; S(2) = 0
    ///   ℓ = (16 − S)/2 = (8/3, 8, 8/3): drops of 16/3 > 1.92, so the set is {2}
    /// y = (0, 0, 2, 2): S0 = 4; S(1) = S(3) = 8 − 16/3 = 8/3; S(2) = 0
    ///   ℓ = (2/3, 2, 2/3): drops of 4/3 < 1.92, so the set is {1, 2, 3}
    /// ```
    #[test]
    fn location_set_hand_worked() {
        let ones = [1.0; 4];
        let profile = mean_shift_profile(&[0.0, 0.0, 4.0, 4.0], Some(&ones), 1).unwrap();
        let want = [(1, 8.0 / 3.0), (2, 8.0), (3, 8.0 / 3.0)];
        for ((k, l), (wk, wl)) in profile.iter().zip(want) {
            assert_eq!(*k, wk);
            assert!((l - wl).abs() < 1e-12);
        }
        let sharp = change_location_set(&[0.0, 0.0, 4.0, 4.0], Some(&ones), 1, 0.95)
            .unwrap()
            .unwrap();
        assert_eq!(sharp.positions, vec![2]);
        let vague = change_location_set(&[0.0, 0.0, 2.0, 2.0], Some(&ones), 1, 0.95)
            .unwrap()
            .unwrap();
        assert_eq!(vague.index, 2);
        assert_eq!(vague.positions, vec![1, 2, 3]);
        assert_eq!((vague.lower, vague.upper), (1, 3));
        // Unknown variance and a perfect step: ℓ(2) = +∞, the set is that point alone.
        let perfect = change_location_set(&[0.0, 0.0, 2.0, 2.0], None, 1, 0.95)
            .unwrap()
            .unwrap();
        assert_eq!(perfect.positions, vec![2]);
        assert!(change_location_set(&[0.0, 1.0], None, 1, 1.0).is_err());
    }
}
