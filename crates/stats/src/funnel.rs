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

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use statrs::function::gamma::ln_gamma;

use crate::StatsError;
use crate::distributions::{normal_quantile, normal_sf};
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
    /// Dispersion estimate `φ̂ = (1/I) Σ z_w²` over the Winsorised scores (divided by its mean
    /// without over-dispersion in [`consistent_additive_overdispersion`]). `I φ̂` is roughly
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
    overdispersion_scaled(estimates, standard_errors, target, winsor_fraction, 1.0)
}

/// [`additive_overdispersion`] with `φ̂` made consistent: the Winsorised mean of squared scores
/// divided by what it averages when there is no over-dispersion
/// ([`winsorised_square_mean_expected`]), so that `φ̂` estimates the variance of the scores
/// whatever the Winsorising.
///
/// Why: Winsorising pulls the largest scores in, so `(1/I) Σ z_w²` averages less than the
/// variance of the scores: 0.80 of it for 16 units, 0.69 for 20, 0.68 in the limit at 10%
/// (a consistency factor, as for any trimmed or Winsorised scale estimate; Huber PJ, Ronchetti
/// EM, "Robust Statistics", 2nd ed. 2009, chapter 5). Spiegelhalter's `φ̂` then reaches
/// `(I − 1) / I` only when the scores' variance is 1.2 to 1.4 or more, and `τ̂²` is 0 below
/// that: a spread between units of that size is missed, and every unit's scores are judged
/// too narrowly. Dividing by the factor keeps the Winsorising's protection against a few
/// outlying units and removes its bias for the rest. Assumes the scores are normal apart from
/// the outliers Winsorised.
///
/// # Errors
/// As [`additive_overdispersion`].
pub fn consistent_additive_overdispersion(
    estimates: &[f64],
    standard_errors: &[f64],
    target: f64,
    winsor_fraction: f64,
) -> Result<Overdispersion, StatsError> {
    let expected = winsorised_square_mean_expected(estimates.len(), winsor_fraction)?;
    overdispersion_scaled(
        estimates,
        standard_errors,
        target,
        winsor_fraction,
        expected,
    )
}

/// The additive over-dispersion with `φ̂` the Winsorised mean of squared scores divided by
/// `null_mean`.
fn overdispersion_scaled(
    estimates: &[f64],
    standard_errors: &[f64],
    target: f64,
    winsor_fraction: f64,
    null_mean: f64,
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
    let phi = winsorized_z.iter().map(|v| v * v).sum::<f64>() / i / null_mean;
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

/// The mean of the squared scores after Winsorising ([`winsorize`] at fraction `q`) that `n`
/// independent standard normal scores give on average: 1 when nothing is Winsorised, 0.80 for
/// `n = 16` and `q = 0.1`, 0.679 in the limit at 10%.
///
/// Winsorising `k = ⌊q n⌋` scores on each side sets the `k` lowest to the `(k+1)`-th lowest
/// and the `k` highest to the `(k+1)`-th highest; the normal is symmetric and the squared
/// order statistics add up to `n` on average, so
///
/// ```text
/// E[(1/n) Σ z_w²] = 1 − (2/n) (Σ_{i ≤ k} m_i − k m_{k+1}),   m_i = E[Z_(i:n)²]
/// m_i = ∫ z² n!/((i−1)!(n−i)!) Φ(z)^(i−1) (1 − Φ(z))^(n−i) φ(z) dz
/// ```
///
/// (the density of the `i`-th order statistic: David HA, Nagaraja HN, "Order Statistics", 3rd
/// ed. 2003, equation 2.1.6). The integral is taken by Simpson's rule on `[−12, 12]` with 4,800
/// intervals, far finer than the integrand's scale; the tests compare with scipy's adaptive
/// quadrature.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `q` is outside `[0, 0.5)`.
pub fn winsorised_square_mean_expected(n: usize, q: f64) -> Result<f64, StatsError> {
    if !(0.0..0.5).contains(&q) {
        return Err(StatsError::InvalidArgument(format!(
            "Winsorising fraction must be in [0, 0.5), got {q}"
        )));
    }
    let k = (q * n as f64).floor() as usize;
    if k == 0 {
        return Ok(1.0);
    }
    // An audit asks for the same few (n, k) thousands of times, and each answer costs k + 1
    // integrals; the answers are kept. A poisoned lock only means another thread panicked
    // mid-insert, and the map is still sound, so its contents are used.
    static KNOWN: OnceLock<Mutex<BTreeMap<(usize, usize), f64>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut known = known
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(*known.entry((n, k)).or_insert_with(|| {
        let pulled_in: f64 = (1..=k).map(|i| squared_order_statistic_mean(i, n)).sum();
        let pulled_to = k as f64 * squared_order_statistic_mean(k + 1, n);
        1.0 - 2.0 / n as f64 * (pulled_in - pulled_to)
    }))
}

/// `E[Z_(i:n)²]`, the mean square of the `i`-th lowest of `n` standard normal scores, by
/// Simpson's rule (see [`winsorised_square_mean_expected`]).
fn squared_order_statistic_mean(i: usize, n: usize) -> f64 {
    const HALF_RANGE: f64 = 12.0;
    const INTERVALS: usize = 4_800;
    let (i, n) = (i as f64, n as f64);
    let log_choose = ln_gamma(n + 1.0) - ln_gamma(i) - ln_gamma(n - i + 1.0);
    let integrand = |z: f64| {
        // log Φ(z) and log(1 − Φ(z)) from the tails, so neither underflows to log 0 early.
        let below = normal_sf(-z).ln();
        let above = normal_sf(z).ln();
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let log_weight = log_choose + (i - 1.0) * below + (n - i) * above;
        if log_weight.is_finite() {
            z * z * log_weight.exp() * density
        } else {
            0.0
        }
    };
    let h = 2.0 * HALF_RANGE / INTERVALS as f64;
    let inner: f64 = (1..INTERVALS)
        .map(|j| {
            let weight = if j % 2 == 1 { 4.0 } else { 2.0 };
            weight * integrand(-HALF_RANGE + j as f64 * h)
        })
        .sum();
    (integrand(-HALF_RANGE) + inner + integrand(HALF_RANGE)) * h / 3.0
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

    /// Reference: scipy 1.17.1, `1 − (2/n)(Σ_{i≤k} m_i − k m_{k+1})` with each `m_i` from
    /// `scipy.integrate.quad` over `(−∞, ∞)` of `z² · exp(log C(n, i) + (i−1) norm.logcdf(z) +
    /// (n−i) norm.logsf(z)) · norm.pdf(z)` (epsabs 1e-14, epsrel 1e-13); and the limit at 10%,
    /// `(0.8 − 2 c φ(c)) + 0.2 c²` with `c = Φ⁻¹(0.9)`.
    #[test]
    fn winsorised_square_mean_matches_scipy_quadrature() {
        for (n, q, want) in [
            (10, 0.1, 0.701027256758197),
            (16, 0.1, 0.8014032985740867),
            (20, 0.1, 0.6899631762130637),
            (25, 0.1, 0.745655844929057),
            (42, 0.1, 0.6978357633975504),
            (7, 0.2, 0.6028698675434827),
        ] {
            close(winsorised_square_mean_expected(n, q).unwrap(), want, 1e-8);
        }
        let limit = winsorised_square_mean_expected(20_000, 0.1).unwrap();
        assert!((limit - 0.6786545589528744).abs() < 1e-3, "{limit}");
        assert_eq!(winsorised_square_mean_expected(9, 0.1).unwrap(), 1.0);
        assert!(winsorised_square_mean_expected(9, 0.5).is_err());
    }

    /// The consistent `φ̂` is Spiegelhalter's divided by the factor, and so is its `I φ̂` in
    /// `τ̂²`: the hand-worked Winsorised example again (I = 10, k = 1), with the factor 0.70103
    /// from scipy above. Its Winsorised Σz_w² = 12.5, so φ̂ = 1.25 / 0.70103 and
    /// τ̂² = (12.5 / 0.70103 − 9) / 9.
    #[test]
    fn the_consistent_dispersion_divides_by_the_winsorised_null_mean() {
        let y = [-3.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 4.0];
        let s = [1.0; 10];
        let factor = 0.701027256758197;
        let od = consistent_additive_overdispersion(&y, &s, 0.0, DEFAULT_WINSOR_FRACTION).unwrap();
        close(od.phi, 1.25 / factor, 1e-8);
        close(od.tau2, (12.5 / factor - 9.0) / 9.0, 1e-8);
        // Nothing Winsorised, nothing changed.
        let small = consistent_additive_overdispersion(&y[..4], &s[..4], 0.0, 0.1).unwrap();
        assert_eq!(
            small,
            additive_overdispersion(&y[..4], &s[..4], 0.0, 0.1).unwrap()
        );
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
