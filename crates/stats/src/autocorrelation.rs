//! Serial correlation of a series, and how much it inflates the variance of the series mean.
//!
//! Used to protect a before/after comparison of a monthly series from slow drifts: positively
//! autocorrelated months carry less independent information than their number suggests, so
//! the standard error of a mean computed as if they were independent is too small.

use crate::StatsError;

/// Largest lag-1 autocorrelation used by [`ar1_variance_inflation`]; caps the factor at 19.
pub const MAX_AR1_RHO: f64 = 0.9;

/// Lag-1 sample autocorrelation about the series mean,
///
/// ```text
/// r1 = Σ_{t=1}^{n−1} (x_t − x̄)(x_{t+1} − x̄) / Σ_{t=1}^{n} (x_t − x̄)²
/// ```
///
/// the standard estimator `r_k = c_k / c_0` (Box GEP, Jenkins GM, Reinsel GC, *Time Series
/// Analysis*, 4th ed. 2008, ch. 2), as `statsmodels.tsa.stattools.acf(x, nlags=1)[1]`. The
/// divisor is the full sum of squares, and `r1` is biased downwards in short series (about
/// `−1/n` for white noise).
///
/// # Errors
/// [`StatsError::TooFewObservations`] for fewer than 3 values; [`StatsError::NonFinite`];
/// [`StatsError::ZeroVariance`] for a constant series (the correlation is undefined; see
/// [`mean_variance_inflation`], which treats that case as "no inflation").
pub fn lag1_autocorrelation(series: &[f64]) -> Result<f64, StatsError> {
    let n = series.len();
    if n < 3 {
        return Err(StatsError::TooFewObservations {
            what: "lag-1 autocorrelation",
            needed: 3,
            got: n,
        });
    }
    if series.iter().any(|x| !x.is_finite()) {
        return Err(StatsError::NonFinite("series"));
    }
    let mean = series.iter().sum::<f64>() / n as f64;
    let dev: Vec<f64> = series.iter().map(|x| x - mean).collect();
    let denominator: f64 = dev.iter().map(|d| d * d).sum();
    // Compare with the data's own scale: a "constant" series with rounding noise counts too.
    let scale: f64 = series.iter().map(|x| x * x).sum();
    if denominator <= f64::EPSILON * f64::EPSILON * scale || denominator == 0.0 {
        return Err(StatsError::ZeroVariance("series"));
    }
    let numerator: f64 = dev.windows(2).map(|w| w[0] * w[1]).sum();
    Ok(numerator / denominator)
}

/// Variance inflation factor of a mean under an AR(1) process with lag-1 correlation `rho`,
///
/// ```text
/// VIF = (1 + ρ) / (1 − ρ),   ρ clamped to [0, 0.9]
/// ```
///
/// the large-sample ratio of `Var(x̄)` to its value under independence: for a stationary
/// AR(1), `Var(x̄) = σ²/n · [1 + 2 Σ_{k=1}^{n−1} (1 − k/n) ρ^k] → σ²/n · (1 + ρ)/(1 − ρ)`
/// (Bayley GV, Hammersley JM, "The 'effective' number of independent observations in an
/// autocorrelated time series", J R Stat Soc Suppl 1946;8:184–197; the "effective sample
/// size" `n (1 − ρ)/(1 + ρ)`). Multiply a variance by it, or a standard error by its square
/// root.
///
/// Why the clamp:
/// - below at 0: a negative `ρ` would *shrink* the variance. We only ever widen, because
///   a negative sample autocorrelation in a short monthly series is more often noise than real
///   alternation, and narrowing would make a detector bolder.
/// - above at [`MAX_AR1_RHO`] = 0.9: near 1 the factor explodes (a trending series gives
///   `r1 ≈ 1`), and a trend is a mean-model problem, not a variance one; the cap keeps the
///   factor at most 19.
///
/// NaN gives NaN.
pub fn ar1_variance_inflation(rho: f64) -> f64 {
    if rho.is_nan() {
        return f64::NAN;
    }
    let r = rho.clamp(0.0, MAX_AR1_RHO);
    (1.0 + r) / (1.0 - r)
}

/// [`ar1_variance_inflation`] of the [`lag1_autocorrelation`] of `series`, with a constant
/// series (zero variance) taken as uncorrelated: factor 1.
///
/// # Errors
/// [`StatsError::TooFewObservations`] for fewer than 3 values; [`StatsError::NonFinite`].
pub fn mean_variance_inflation(series: &[f64]) -> Result<f64, StatsError> {
    match lag1_autocorrelation(series) {
        Ok(rho) => Ok(ar1_variance_inflation(rho)),
        Err(StatsError::ZeroVariance(_)) => Ok(1.0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked: x = (1, 2, 3, 4, 5), x̄ = 3, deviations (−2, −1, 0, 1, 2),
    /// Σd² = 10, Σ d_t d_{t+1} = 2 + 0 + 0 + 2 = 4, so r1 = 0.4 and VIF = 1.4/0.6 = 7/3.
    #[test]
    fn hand_worked_trend() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let r = lag1_autocorrelation(&x).unwrap();
        assert!((r - 0.4).abs() < 1e-15);
        assert!((mean_variance_inflation(&x).unwrap() - 7.0 / 3.0).abs() < 1e-12);
    }

    /// Hand-worked: x = (1, −1, 1, −1), x̄ = 0, Σd² = 4, Σ d_t d_{t+1} = −3, r1 = −0.75,
    /// clamped to 0: VIF = 1.
    #[test]
    fn negative_correlation_never_shrinks() {
        let x = [1.0, -1.0, 1.0, -1.0];
        assert!((lag1_autocorrelation(&x).unwrap() + 0.75).abs() < 1e-15);
        assert_eq!(mean_variance_inflation(&x).unwrap(), 1.0);
    }

    /// Reference: statsmodels 0.15.0,
    /// `acf([3, 5, 4, 6, 8, 7, 9, 8, 10, 12], nlags=1)[1]` = 0.5137931034482758.
    #[test]
    fn matches_statsmodels_acf() {
        let x = [3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 8.0, 10.0, 12.0];
        let r = lag1_autocorrelation(&x).unwrap();
        assert!((r - 0.5137931034482758).abs() < 1e-14);
        assert!((ar1_variance_inflation(r) - (1.0 + r) / (1.0 - r)).abs() < 1e-14);
    }

    #[test]
    fn clamps_and_degenerate_input() {
        assert!((ar1_variance_inflation(0.99) - 19.0).abs() < 1e-12);
        assert_eq!(ar1_variance_inflation(-0.5), 1.0);
        assert!(ar1_variance_inflation(f64::NAN).is_nan());
        assert_eq!(
            lag1_autocorrelation(&[2.0; 5]),
            Err(StatsError::ZeroVariance("series"))
        );
        assert_eq!(mean_variance_inflation(&[2.0; 5]).unwrap(), 1.0);
        assert!(matches!(
            lag1_autocorrelation(&[1.0, 2.0]),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(lag1_autocorrelation(&[1.0, f64::NAN, 2.0]).is_err());
    }
}
