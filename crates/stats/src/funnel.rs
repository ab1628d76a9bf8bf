//! Funnel plots for comparing institutions, with Spiegelhalter's additive random-effects
//! allowance for over-dispersion.
//!
//! Sources:
//! - Spiegelhalter DJ. "Funnel plots for comparing institutional performance". Stat Med
//!   2005;24:1185–1202 (control limits `θ0 ± z_p · s`, and their widening for
//!   over-dispersion).
//! - Spiegelhalter DJ. "Handling over-dispersion of performance indicators". Qual Saf Health
//!   Care 2005;14:347–351 (the Winsorised dispersion estimate and the additive random-effects
//!   model, step by step).
//!
//! The additive model says that institution `i` has its own true value, spread around the
//! target `θ0` with between-institution variance `τ²`, so its estimate has variance
//! `s_i² + τ²`. `τ²` is estimated by the DerSimonian–Laird moment formula with Cochran's Q
//! replaced by the (Winsorised) `I φ̂`.

use crate::StatsError;
use crate::distributions::normal_quantile;
use crate::meta::dersimonian_laird_tau2_from;

/// Default Winsorising fraction: the lowest and highest 10% of z-scores are pulled in, as in
/// Spiegelhalter's papers.
pub const DEFAULT_WINSOR_FRACTION: f64 = 0.1;

/// The over-dispersion estimate and the adjusted z-scores of [`additive_overdispersion`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Overdispersion {
    /// Naive z-scores `z_i = (y_i − θ0) / s_i`, in input order.
    pub z: Vec<f64>,
    /// The z-scores after Winsorising (equal to `z` when the fraction is 0).
    pub winsorized_z: Vec<f64>,
    /// Dispersion estimate `φ̂ = (1/I) Σ z_w²` over the Winsorised scores. `I φ̂` is roughly
    /// `χ²_{I−1}` without over-dispersion when `θ0` was estimated from the same data
    /// (Spiegelhalter 2005, QSHC), so `chi_squared_sf(I φ̂, I − 1)` tests for it.
    pub phi: f64,
    /// Between-unit variance `τ̂²` of the additive random-effects model (0 when `I φ̂ <= I − 1`).
    pub tau2: f64,
    /// Adjusted z-scores `z*_i = (y_i − θ0) / sqrt(s_i² + τ̂²)`, in input order.
    pub adjusted_z: Vec<f64>,
}

/// Spiegelhalter's additive random-effects over-dispersion adjustment.
///
/// Given estimates `y_i`, their within-unit standard errors `s_i > 0` and a target `θ0`
/// (Spiegelhalter 2005, both papers):
///
/// ```text
/// z_i  = (y_i − θ0) / s_i
/// z_w  = z Winsorised at fraction q (see below)
/// φ̂    = (1/I) Σ z_w,i²
/// w_i  = 1 / s_i²
/// τ̂²   = max(0, (I φ̂ − (I − 1)) / (Σ w_i − Σ w_i² / Σ w_i))
/// z*_i = (y_i − θ0) / sqrt(s_i² + τ̂²)
/// ```
///
/// Winsorising convention: with `I` scores and fraction `q` (`0 <= q < 0.5`), `k = ⌊q I⌋`
/// scores are pulled in on each side: the `k` lowest are set to the `(k+1)`-th lowest and the
/// `k` highest to the `(k+1)`-th highest. This is the order-statistic convention of
/// `scipy.stats.mstats.winsorize(z, limits=(q, q))`, with no interpolation between order
/// statistics; so for `I < 10` and `q = 0.1` nothing is Winsorised. (Percentiles by linear
/// interpolation, as `numpy.percentile`'s default, would instead clip at values between order
/// statistics; Spiegelhalter's description "set the lowest 10% of z-scores to the 10th
/// percentile" fits both, and the order-statistic one never invents a value.)
///
/// With `q = 0` and `θ0` the inverse-variance weighted mean of the `y_i`, `I φ̂` is Cochran's Q
/// and `τ̂²` is exactly the DerSimonian–Laird estimate of [`crate::dersimonian_laird`].
///
/// # Errors
/// [`StatsError::LengthMismatch`]; [`StatsError::TooFewObservations`] for fewer than 2 units;
/// [`StatsError::NonFinite`]; [`StatsError::InvalidArgument`] for a standard error that is not
/// positive or a fraction outside `[0, 0.5)`.
pub fn additive_overdispersion(
    estimates: &[f64],
    standard_errors: &[f64],
    target: f64,
    winsor_fraction: f64,
) -> Result<Overdispersion, StatsError> {
    let units = estimates.len();
    if standard_errors.len() != units {
        return Err(StatsError::LengthMismatch {
            what: "standard_errors",
            expected: units,
            got: standard_errors.len(),
        });
    }
    if units < 2 {
        return Err(StatsError::TooFewObservations {
            what: "over-dispersion estimate",
            needed: 2,
            got: units,
        });
    }
    if !target.is_finite() {
        return Err(StatsError::NonFinite("target"));
    }
    if estimates.iter().any(|y| !y.is_finite()) {
        return Err(StatsError::NonFinite("estimates"));
    }
    for &s in standard_errors {
        if !s.is_finite() {
            return Err(StatsError::NonFinite("standard_errors"));
        }
        if s <= 0.0 {
            return Err(StatsError::InvalidArgument(format!(
                "standard errors must be positive, got {s}"
            )));
        }
    }
    let z: Vec<f64> = estimates
        .iter()
        .zip(standard_errors)
        .map(|(y, s)| (y - target) / s)
        .collect();
    let winsorized_z = winsorize(&z, winsor_fraction)?;
    let i = units as f64;
    let phi = winsorized_z.iter().map(|v| v * v).sum::<f64>() / i;
    let weights: Vec<f64> = standard_errors.iter().map(|s| 1.0 / (s * s)).collect();
    let sum_w: f64 = weights.iter().sum();
    let sum_w2: f64 = weights.iter().map(|w| w * w).sum();
    let tau2 = dersimonian_laird_tau2_from(i * phi, units - 1, sum_w, sum_w2);
    let adjusted_z = estimates
        .iter()
        .zip(standard_errors)
        .map(|(y, s)| (y - target) / (s * s + tau2).sqrt())
        .collect();
    Ok(Overdispersion {
        z,
        winsorized_z,
        phi,
        tau2,
        adjusted_z,
    })
}

/// Winsorises `values` at fraction `q` on each side, returning them in input order.
///
/// `k = ⌊q n⌋` values are pulled in on each side: the `k` lowest become the `(k+1)`-th lowest
/// and the `k` highest the `(k+1)`-th highest (the convention of
/// `scipy.stats.mstats.winsorize(values, limits=(q, q))`; `⌊q n⌋` is computed in floating
/// point as scipy does). `q = 0` returns the values unchanged.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `q` is outside `[0, 0.5)`; [`StatsError::NonFinite`]
/// for NaN values.
pub fn winsorize(values: &[f64], q: f64) -> Result<Vec<f64>, StatsError> {
    if !(0.0..0.5).contains(&q) {
        return Err(StatsError::InvalidArgument(format!(
            "Winsorising fraction must be in [0, 0.5), got {q}"
        )));
    }
    if values.iter().any(|v| v.is_nan()) {
        return Err(StatsError::NonFinite("values to Winsorise"));
    }
    let n = values.len();
    let k = (q * n as f64).floor() as usize;
    if k == 0 {
        return Ok(values.to_vec());
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // k <= (n - 1) / 2 because q < 0.5, so low <= high.
    let (low, high) = (sorted[k], sorted[n - 1 - k]);
    Ok(values.iter().map(|v| v.clamp(low, high)).collect())
}

/// Lower and upper funnel-plot control limits at one precision.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FunnelLimits {
    /// `θ0 − z · sqrt(s² + τ²)`.
    pub lower: f64,
    /// `θ0 + z · sqrt(s² + τ²)`.
    pub upper: f64,
}

/// Funnel control limits `θ0 ± z · sqrt(s² + τ²)` for a unit with standard error `s`
/// (Spiegelhalter 2005, Stat Med, with the additive over-dispersion allowance), where
/// `z = Φ⁻¹(1 − (1 − coverage)/2)`: coverage 0.95 gives z ≈ 1.96 and 0.998 gives z ≈ 3.09,
/// the two limits Spiegelhalter draws. Pass `tau2 = 0` for the limits without over-dispersion.
///
/// These are the normal-approximation limits on the scale of `y`; exact binomial or Poisson
/// limits for small counts are not provided.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `coverage` is not in `(0, 1)`, `s` is negative or
/// `tau2` is negative; [`StatsError::NonFinite`] for non-finite inputs.
pub fn funnel_limits(
    target: f64,
    standard_error: f64,
    tau2: f64,
    coverage: f64,
) -> Result<FunnelLimits, StatsError> {
    if !(target.is_finite() && standard_error.is_finite() && tau2.is_finite()) {
        return Err(StatsError::NonFinite("funnel limit inputs"));
    }
    if standard_error < 0.0 || tau2 < 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "standard error and tau2 must be non-negative, got {standard_error} and {tau2}"
        )));
    }
    if !(coverage > 0.0 && coverage < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "coverage must be in (0, 1), got {coverage}"
        )));
    }
    let z = normal_quantile(1.0 - (1.0 - coverage) / 2.0)?;
    let half_width = z * (standard_error * standard_error + tau2).sqrt();
    Ok(FunnelLimits {
        lower: target - half_width,
        upper: target + half_width,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::dersimonian_laird;
    use crate::meta::tests::{STATSMODELS_DL_TAU2, V, Y};

    fn close(got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol * want.abs().max(1e-300),
            "got {got}, want {want}"
        );
    }

    /// Hand-worked, no Winsorising bites (I = 4, q = 0.1, ⌊0.4⌋ = 0):
    ///
    /// ```text
    /// y = (0.1, 0.3, 0.2, 0.6), s = (0.1, 0.1, 0.2, 0.2), θ0 = 0.2
    /// z = (−1, 1, 0, 2),  φ = (1 + 1 + 0 + 4) / 4 = 1.5,  I φ = 6,  I − 1 = 3
    /// w = (100, 100, 25, 25),  Σw = 250,  Σw² = 21250,  Σw²/Σw = 85
    /// τ² = (6 − 3) / (250 − 85) = 3/165 = 1/55
    /// z*_1 = −0.1 / sqrt(0.01 + 1/55) = −0.1 / sqrt(1.55/55)
    /// z*_4 =  0.4 / sqrt(0.04 + 1/55) = 0.4 / sqrt(3.2/55)
    /// ```
    #[test]
    fn hand_worked_small_example() {
        let y = [0.1, 0.3, 0.2, 0.6];
        let s = [0.1, 0.1, 0.2, 0.2];
        let od = additive_overdispersion(&y, &s, 0.2, 0.1).unwrap();
        for (got, want) in od.z.iter().zip([-1.0, 1.0, 0.0, 2.0]) {
            assert!((got - want).abs() < 1e-12);
        }
        assert_eq!(od.z, od.winsorized_z);
        close(od.phi, 1.5, 1e-12);
        close(od.tau2, 1.0 / 55.0, 1e-12);
        close(od.adjusted_z[0], -0.1 / (1.55_f64 / 55.0).sqrt(), 1e-12);
        close(od.adjusted_z[3], 0.4 / (3.2_f64 / 55.0).sqrt(), 1e-12);
    }

    /// Hand-worked with Winsorising (I = 10, q = 0.1, so k = 1 on each side), s = 1, θ0 = 0:
    ///
    /// ```text
    /// z   = (−3, −1, −0.5, 0, 0, 0.5, 1, 1, 2, 4)
    /// z_w = (−1, −1, −0.5, 0, 0, 0.5, 1, 1, 2, 2)   (−3 → −1, 4 → 2)
    /// Σz_w² = 1 + 1 + 0.25 + 0 + 0 + 0.25 + 1 + 1 + 4 + 4 = 12.5,  φ = 1.25
    /// Σw = 10, Σw²/Σw = 1,  τ² = (12.5 − 9) / (10 − 1) = 3.5/9
    /// z* = z / sqrt(1 + 3.5/9) = z / sqrt(12.5/9)
    /// ```
    #[test]
    fn hand_worked_winsorised_example() {
        let y = [-3.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 4.0];
        let s = [1.0; 10];
        let od = additive_overdispersion(&y, &s, 0.0, DEFAULT_WINSOR_FRACTION).unwrap();
        assert_eq!(
            od.winsorized_z,
            vec![-1.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 2.0]
        );
        close(od.phi, 1.25, 1e-12);
        close(od.tau2, 3.5 / 9.0, 1e-12);
        let scale = (12.5_f64 / 9.0).sqrt();
        for (adj, z) in od.adjusted_z.iter().zip(&y) {
            assert!((adj - z / scale).abs() < 1e-12);
        }
    }

    /// No over-dispersion: I φ <= I − 1 gives τ² = 0 and z* = z.
    #[test]
    fn under_dispersed_gives_zero_tau2() {
        let od = additive_overdispersion(&[0.1, -0.1, 0.0], &[1.0, 1.0, 1.0], 0.0, 0.0).unwrap();
        assert_eq!(od.tau2, 0.0);
        assert_eq!(od.adjusted_z, od.z);
    }

    /// Without Winsorising and with θ0 the inverse-variance weighted mean, I φ is Cochran's Q
    /// and τ² must be the DerSimonian–Laird τ²: checked against [`dersimonian_laird`] and
    /// against statsmodels 0.15.0 `combine_effects(Y, V, method_re="dl").tau2`.
    #[test]
    fn equals_dersimonian_laird_without_winsorising() {
        let re = dersimonian_laird(&Y, &V).unwrap();
        let s: Vec<f64> = V.iter().map(|v| v.sqrt()).collect();
        let od = additive_overdispersion(&Y, &s, re.fixed_estimate, 0.0).unwrap();
        close(Y.len() as f64 * od.phi, re.q, 1e-12);
        close(od.tau2, re.tau2, 1e-12);
        close(od.tau2, STATSMODELS_DL_TAU2, 1e-12);
    }

    /// Reference: scipy 1.17.1, `scipy.stats.mstats.winsorize(z, limits=(0.1, 0.1))` on 25
    /// values (k = ⌊2.5⌋ = 2 per side) and `limits=(0.2, 0.2)` on 7 values (k = ⌊1.4⌋ = 1).
    #[test]
    fn winsorize_matches_scipy_mstats() {
        let z = [
            2.16, -0.25, -0.46, -0.6, 0.2, 4.11, -0.07, 0.98, -2.22, -3.49, 0.24, -0.15, 1.83,
            -3.5, 0.62, -2.63, 2.64, 1.14, -1.47, 1.09, 1.34, 0.18, 2.32, 1.46, -0.12,
        ];
        let want = [
            2.16, -0.25, -0.46, -0.6, 0.2, 2.32, -0.07, 0.98, -2.22, -2.63, 0.24, -0.15, 1.83,
            -2.63, 0.62, -2.63, 2.32, 1.14, -1.47, 1.09, 1.34, 0.18, 2.32, 1.46, -0.12,
        ];
        assert_eq!(winsorize(&z, 0.1).unwrap(), want);
        let z2 = [-0.65, 1.1, -0.92, -3.93, -0.55, -2.61, 1.52];
        let want2 = [-0.65, 1.1, -0.92, -2.61, -0.55, -2.61, 1.1];
        assert_eq!(winsorize(&z2, 0.2).unwrap(), want2);
        assert!(winsorize(&z2, 0.5).is_err());
        assert!(winsorize(&[f64::NAN], 0.1).is_err());
    }

    /// Limits: θ0 ± Φ⁻¹(0.975) sqrt(s² + τ²); with s = 0.3, τ² = 0.07, sqrt(0.16) = 0.4.
    #[test]
    fn funnel_limits_by_hand() {
        let lim = funnel_limits(0.5, 0.3, 0.07, 0.95).unwrap();
        let z = 1.959963984540054; // scipy.stats.norm.ppf(0.975)
        close(lim.lower, 0.5 - z * 0.4, 1e-9);
        close(lim.upper, 0.5 + z * 0.4, 1e-9);
        let lim = funnel_limits(0.0, 1.0, 0.0, 0.998).unwrap();
        close(lim.upper, 3.090232306167813, 1e-9); // scipy.stats.norm.ppf(0.999)
        assert!(funnel_limits(0.0, 1.0, 0.0, 1.0).is_err());
        assert!(funnel_limits(0.0, -1.0, 0.0, 0.95).is_err());
    }

    #[test]
    fn rejects_degenerate_input() {
        assert!(additive_overdispersion(&[1.0], &[1.0], 0.0, 0.1).is_err());
        assert!(additive_overdispersion(&[1.0, 2.0], &[1.0, 0.0], 0.0, 0.1).is_err());
        assert!(additive_overdispersion(&[1.0, 2.0], &[1.0], 0.0, 0.1).is_err());
        assert!(additive_overdispersion(&[1.0, 2.0], &[1.0, 1.0], f64::NAN, 0.1).is_err());
    }
}
