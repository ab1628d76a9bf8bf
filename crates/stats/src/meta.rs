//! Random-effects combination of independent estimates (meta-analysis).

use crate::StatsError;
use crate::distributions::chi_squared_sf;

/// Fixed- and random-effects combination of `k` estimates with known within-study variances.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RandomEffects {
    /// Number of estimates combined.
    pub k: usize,
    /// Inverse-variance weighted (fixed-effect) mean `Σ w_i y_i / Σ w_i`, `w_i = 1 / v_i`.
    pub fixed_estimate: f64,
    /// Standard error of the fixed-effect mean, `1 / sqrt(Σ w_i)`.
    pub fixed_se: f64,
    /// Cochran's heterogeneity statistic `Q = Σ w_i (y_i − fixed_estimate)²`.
    pub q: f64,
    /// Degrees of freedom of `Q`, `k − 1`.
    pub q_df: usize,
    /// `P(χ²_{k−1} > Q)`: the test of homogeneity.
    pub q_p_value: f64,
    /// Higgins & Thompson's `I² = max(0, (Q − (k−1)) / Q)` (0 when `Q = 0`).
    pub i_squared: f64,
    /// DerSimonian–Laird between-study variance `τ²`.
    pub tau2: f64,
    /// Random-effects mean `Σ w*_i y_i / Σ w*_i`, `w*_i = 1 / (v_i + τ²)`.
    pub estimate: f64,
    /// Standard error of the random-effects mean, `1 / sqrt(Σ w*_i)` (compare with a normal).
    pub se: f64,
    /// Hartung–Knapp–Sidik–Jonkman standard error of the random-effects mean,
    /// `sqrt(Σ w*_i (y_i − estimate)² / ((k − 1) Σ w*_i))`, to be compared with a Student t on
    /// `k − 1` degrees of freedom (Hartung J, Knapp G, Stat Med 2001;20:3875–3889; Knapp G,
    /// Hartung J, Stat Med 2003;22:2693–2710). Not truncated below at [`Self::se`].
    pub se_knapp_hartung: f64,
}

/// DerSimonian–Laird random-effects meta-analysis of estimates `y_i` with within-study
/// variances `v_i`.
///
/// Source: DerSimonian R, Laird N. "Meta-analysis in clinical trials". Control Clin Trials
/// 1986;7:177–188, the method-of-moments estimator of `τ²`:
///
/// ```text
/// w_i = 1 / v_i,   ȳ_w = Σ w_i y_i / Σ w_i,   Q = Σ w_i (y_i − ȳ_w)²
/// τ² = max(0, (Q − (k − 1)) / (Σ w_i − Σ w_i² / Σ w_i))
/// ```
///
/// then the random-effects mean with weights `1 / (v_i + τ²)`. I² is from Higgins JPT,
/// Thompson SG, "Quantifying heterogeneity in a meta-analysis", Stat Med 2002;21:1539–1558.
///
/// Assumptions: the estimates are independent and the `v_i` are known (not estimated with
/// error); the between-study effects are exchangeable.
///
/// # Errors
/// [`StatsError::LengthMismatch`]; [`StatsError::TooFewObservations`] for `k < 2` (τ² is
/// undefined); [`StatsError::NonFinite`] for non-finite values; [`StatsError::InvalidArgument`]
/// for a variance that is not positive.
pub fn dersimonian_laird(
    estimates: &[f64],
    variances: &[f64],
) -> Result<RandomEffects, StatsError> {
    check_inputs(estimates, variances)?;
    let k = estimates.len();
    let weights: Vec<f64> = variances.iter().map(|v| 1.0 / v).collect();
    let (fixed_estimate, sum_w) = weighted_mean_and_total(estimates, &weights);
    let q = cochran_q(estimates, &weights, fixed_estimate);
    let sum_w2: f64 = weights.iter().map(|w| w * w).sum();
    let q_df = k - 1;
    let tau2 = dersimonian_laird_tau2_from(q, q_df, sum_w, sum_w2);

    let re_weights: Vec<f64> = variances.iter().map(|v| 1.0 / (v + tau2)).collect();
    let (estimate, sum_re) = weighted_mean_and_total(estimates, &re_weights);
    let q_re = cochran_q(estimates, &re_weights, estimate);
    let i_squared = if q > 0.0 {
        ((q - q_df as f64) / q).max(0.0)
    } else {
        0.0
    };
    Ok(RandomEffects {
        k,
        fixed_estimate,
        fixed_se: sum_w.recip().sqrt(),
        q,
        q_df,
        q_p_value: chi_squared_sf(q, q_df as f64)?,
        i_squared,
        tau2,
        estimate,
        se: sum_re.recip().sqrt(),
        se_knapp_hartung: (q_re / (q_df as f64 * sum_re)).sqrt(),
    })
}

/// The DerSimonian–Laird moment formula `max(0, (Q − df) / (Σw − Σw²/Σw))`, shared with the
/// funnel-plot over-dispersion adjustment (where `Q` is replaced by `I φ̂`).
pub(crate) fn dersimonian_laird_tau2_from(q: f64, q_df: usize, sum_w: f64, sum_w2: f64) -> f64 {
    let denominator = sum_w - sum_w2 / sum_w;
    if denominator > 0.0 {
        ((q - q_df as f64) / denominator).max(0.0)
    } else {
        0.0
    }
}

fn weighted_mean_and_total(y: &[f64], w: &[f64]) -> (f64, f64) {
    let total: f64 = w.iter().sum();
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / total;
    (mean, total)
}

fn cochran_q(y: &[f64], w: &[f64], mean: f64) -> f64 {
    y.iter().zip(w).map(|(y, w)| w * (y - mean).powi(2)).sum()
}

fn check_inputs(estimates: &[f64], variances: &[f64]) -> Result<(), StatsError> {
    if estimates.len() != variances.len() {
        return Err(StatsError::LengthMismatch {
            what: "variances",
            expected: estimates.len(),
            got: variances.len(),
        });
    }
    if estimates.len() < 2 {
        return Err(StatsError::TooFewObservations {
            what: "random-effects meta-analysis",
            needed: 2,
            got: estimates.len(),
        });
    }
    if estimates.iter().any(|y| !y.is_finite()) {
        return Err(StatsError::NonFinite("estimates"));
    }
    for &v in variances {
        if !v.is_finite() {
            return Err(StatsError::NonFinite("variances"));
        }
        if v <= 0.0 {
            return Err(StatsError::InvalidArgument(format!(
                "within-study variances must be positive, got {v}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Eight made-up estimates and within-study variances, shared with the funnel tests.
    pub(crate) const Y: [f64; 8] = [0.12, 0.35, -0.05, 0.48, 0.22, 0.30, 0.61, 0.05];
    pub(crate) const V: [f64; 8] = [0.010, 0.025, 0.015, 0.040, 0.008, 0.020, 0.050, 0.012];
    /// statsmodels 0.15.0: `combine_effects(Y, V, method_re="dl").tau2`.
    pub(crate) const STATSMODELS_DL_TAU2: f64 = 0.01477183493487625;

    fn close(got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol * want.abs(),
            "got {got}, want {want}"
        );
    }

    /// Reference: statsmodels 0.15.0,
    /// `res = statsmodels.stats.meta_analysis.combine_effects(Y, V, method_re="dl")`:
    /// `res.mean_effect_fe, res.sd_eff_w_fe, res.mean_effect_re, res.sd_eff_w_re,
    /// res.sd_eff_w_re_hksj, res.q, res.i2, res.tau2`.
    #[test]
    fn matches_statsmodels_combine_effects_dl() {
        let re = dersimonian_laird(&Y, &V).unwrap();
        let tol = 1e-12;
        assert_eq!(re.k, 8);
        assert_eq!(re.q_df, 7);
        close(re.fixed_estimate, 0.1833986928104575, tol);
        close(re.fixed_se, 0.04428074427700476, tol);
        close(re.estimate, 0.20715804574610241, tol);
        close(re.se, 0.06417347186350777, tol);
        close(re.se_knapp_hartung, 0.06896010161611342, tol);
        close(re.q, 13.313108932461873, tol);
        close(re.i_squared, 0.4742024544746549, tol);
        close(re.tau2, STATSMODELS_DL_TAU2, tol);
        // scipy 1.17.1: scipy.stats.chi2.sf(13.313108932461873, 7)
        close(re.q_p_value, 0.06483720936740095, 1e-9);
    }

    /// Homogeneous estimates: Q = 0, so τ² = 0, I² = 0 and random = fixed.
    #[test]
    fn identical_estimates_give_zero_tau2() {
        let re = dersimonian_laird(&[1.0, 1.0, 1.0], &[0.1, 0.2, 0.4]).unwrap();
        assert_eq!(re.q, 0.0);
        assert_eq!(re.tau2, 0.0);
        assert_eq!(re.i_squared, 0.0);
        assert_eq!(re.estimate, re.fixed_estimate);
        assert_eq!(re.se, re.fixed_se);
        assert_eq!(re.se_knapp_hartung, 0.0);
    }

    #[test]
    fn rejects_degenerate_input() {
        assert!(matches!(
            dersimonian_laird(&[1.0], &[1.0]),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(matches!(
            dersimonian_laird(&[1.0, 2.0], &[1.0, 0.0]),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(
            dersimonian_laird(&[1.0, 2.0], &[1.0]),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert_eq!(
            dersimonian_laird(&[1.0, f64::NAN], &[1.0, 1.0]),
            Err(StatsError::NonFinite("estimates"))
        );
    }
}
