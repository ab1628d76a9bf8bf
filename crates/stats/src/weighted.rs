//! Weighted means and variances, and the Knapp–Hartung standard error of a difference between
//! two groups of weighted estimates.

use crate::StatsError;

/// What the weights of [`weighted_variance`] mean, which decides its divisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum VarianceWeights {
    /// Divide by `Σw`: the weighted second central moment, no bias correction (statsmodels
    /// `DescrStatsW(x, weights=w).var`).
    Moment,
    /// Weights are repeat counts: divide by `Σw − 1` (statsmodels
    /// `DescrStatsW(x, weights=w, ddof=1).var`; `numpy.cov(x, fweights=w)` for integer `w`).
    Frequency,
    /// Weights are reliabilities (precisions): divide by `Σw − Σw²/Σw`, unbiased for the
    /// common variance whatever the weights' scale (`numpy.cov(x, aweights=w)`).
    Reliability,
}

fn check_weighted(values: &[f64], weights: &[f64]) -> Result<f64, StatsError> {
    if values.len() != weights.len() {
        return Err(StatsError::LengthMismatch {
            what: "weights",
            expected: values.len(),
            got: weights.len(),
        });
    }
    if values.is_empty() {
        return Err(StatsError::Empty("values"));
    }
    if values.iter().any(|x| !x.is_finite()) {
        return Err(StatsError::NonFinite("values"));
    }
    let mut total = 0.0;
    for &w in weights {
        if !w.is_finite() {
            return Err(StatsError::NonFinite("weights"));
        }
        if w < 0.0 {
            return Err(StatsError::InvalidArgument(format!(
                "weights must be non-negative, got {w}"
            )));
        }
        total += w;
    }
    if total <= 0.0 {
        return Err(StatsError::InvalidArgument(
            "weights sum to zero".to_string(),
        ));
    }
    Ok(total)
}

/// Weighted mean `Σ w_i x_i / Σ w_i`.
///
/// # Errors
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`], [`StatsError::NonFinite`], or
/// [`StatsError::InvalidArgument`] for a negative weight or weights summing to 0.
pub fn weighted_mean(values: &[f64], weights: &[f64]) -> Result<f64, StatsError> {
    let total = check_weighted(values, weights)?;
    Ok(values.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / total)
}

/// Weighted variance `Σ w_i (x_i − x̄_w)² / D`, with the divisor `D` chosen by `kind` (see
/// [`VarianceWeights`]; the reliability divisor is the one of the GNU Scientific Library
/// manual, "Weighted Samples", `gsl_stats_wvariance`).
///
/// # Errors
/// As [`weighted_mean`], and [`StatsError::InvalidArgument`] when the divisor is not positive
/// (`Σw <= 1` for frequency weights, a single positive weight for reliability weights).
pub fn weighted_variance(
    values: &[f64],
    weights: &[f64],
    kind: VarianceWeights,
) -> Result<f64, StatsError> {
    let total = check_weighted(values, weights)?;
    let mean = values.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / total;
    let ss: f64 = values
        .iter()
        .zip(weights)
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum();
    let divisor = match kind {
        VarianceWeights::Moment => total,
        VarianceWeights::Frequency => total - 1.0,
        VarianceWeights::Reliability => total - weights.iter().map(|w| w * w).sum::<f64>() / total,
    };
    if divisor <= 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "weighted variance divisor is not positive ({divisor}) for {kind:?} weights"
        )));
    }
    Ok(ss / divisor)
}

/// The difference between two groups of weighted estimates, with its plain and Knapp–Hartung
/// standard errors (see [`knapp_hartung_difference`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GroupDifference {
    /// Weighted mean of group A (the `false` entries).
    pub mean_a: f64,
    /// Weighted mean of group B (the `true` entries).
    pub mean_b: f64,
    /// `mean_b − mean_a`.
    pub difference: f64,
    /// Standard error assuming the weights are exact inverse variances:
    /// `sqrt(1/W_a + 1/W_b)` with `W_g` the group's total weight (compare with a normal).
    pub se: f64,
    /// Knapp–Hartung standard error `sqrt(q (1/W_a + 1/W_b))` (compare with Student t on `df`).
    /// Not truncated at `se`: callers wanting never-narrower errors take the larger.
    pub se_knapp_hartung: f64,
    /// The Knapp–Hartung scale `q = Σ w_i (y_i − mean_{g(i)})² / (k − 2)`.
    pub q: f64,
    /// Degrees of freedom `k − 2`.
    pub df: usize,
}

/// Difference of weighted means of two groups of estimates, with the Knapp–Hartung adjusted
/// standard error.
///
/// Weights are `w_i = 1 / (v_i + τ²)` for within-unit variances `v_i` and a between-unit
/// variance `τ²` supplied by the caller (0 for fixed effects, or e.g. a DerSimonian–Laird
/// estimate). The model is a meta-regression on an intercept and a group indicator, whose
/// slope is the difference of the two weighted means with variance `1/W_a + 1/W_b`. Knapp &
/// Hartung (Stat Med 2003;22:2693–2710) replace the assumed unit scale by the weighted
/// residual mean square
///
/// ```text
/// q = Σ w_i (y_i − ŷ_i)² / (k − 2),    SE_KH = sqrt(q · (1/W_a + 1/W_b))
/// ```
///
/// and refer the difference over `SE_KH` to a t distribution on `k − 2` degrees of freedom.
/// This equals the slope's standard error of an ordinary weighted least squares fit with
/// weights `w_i` (statsmodels `WLS(y, [1, g], weights=w).fit().bse[1]`).
///
/// Assumption: `τ²` is common to both groups and treated as known.
///
/// # Errors
/// [`StatsError::LengthMismatch`]; [`StatsError::TooFewObservations`] when there are fewer
/// than 3 estimates or a group is empty; [`StatsError::NonFinite`];
/// [`StatsError::InvalidArgument`] for a variance that is not positive or a negative `tau2`.
pub fn knapp_hartung_difference(
    estimates: &[f64],
    variances: &[f64],
    in_group_b: &[bool],
    tau2: f64,
) -> Result<GroupDifference, StatsError> {
    let k = estimates.len();
    for (what, len) in [
        ("variances", variances.len()),
        ("in_group_b", in_group_b.len()),
    ] {
        if len != k {
            return Err(StatsError::LengthMismatch {
                what,
                expected: k,
                got: len,
            });
        }
    }
    if k < 3 {
        return Err(StatsError::TooFewObservations {
            what: "Knapp-Hartung group difference",
            needed: 3,
            got: k,
        });
    }
    if !tau2.is_finite() {
        return Err(StatsError::NonFinite("tau2"));
    }
    if tau2 < 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "tau2 must be non-negative, got {tau2}"
        )));
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
                "variances must be positive, got {v}"
            )));
        }
    }
    let group_size = |b: bool| in_group_b.iter().filter(|&&g| g == b).count();
    let smallest = group_size(false).min(group_size(true));
    if smallest == 0 {
        return Err(StatsError::TooFewObservations {
            what: "Knapp-Hartung group difference (estimates in each group)",
            needed: 1,
            got: 0,
        });
    }
    let weights: Vec<f64> = variances.iter().map(|v| 1.0 / (v + tau2)).collect();
    let group = |b: bool| -> (f64, f64) {
        let (mut sw, mut swy) = (0.0, 0.0);
        for ((y, w), _) in estimates
            .iter()
            .zip(&weights)
            .zip(in_group_b)
            .filter(|(_, g)| **g == b)
        {
            sw += w;
            swy += w * y;
        }
        (swy / sw, sw)
    };
    let (mean_a, total_a) = group(false);
    let (mean_b, total_b) = group(true);
    let df = k - 2;
    let residual_ss: f64 = estimates
        .iter()
        .zip(&weights)
        .zip(in_group_b)
        .map(|((y, w), &g)| w * (y - if g { mean_b } else { mean_a }).powi(2))
        .sum();
    let q = residual_ss / df as f64;
    let unscaled = 1.0 / total_a + 1.0 / total_b;
    Ok(GroupDifference {
        mean_a,
        mean_b,
        difference: mean_b - mean_a,
        se: unscaled.sqrt(),
        se_knapp_hartung: (q * unscaled).sqrt(),
        q,
        df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: [f64; 6] = [2.0, 3.5, 1.0, 4.0, 2.5, 3.0];
    const W: [f64; 6] = [1.0, 2.0, 0.5, 3.0, 1.5, 2.0];

    /// Reference: statsmodels 0.15.0 `DescrStatsW(X, weights=W)`: `.mean` = 3.125,
    /// `.var` = 0.671875, and with `ddof=1` `.var` = 0.7465277777777778;
    /// numpy 2.4.6 `np.cov(X, aweights=W)` = 0.845125786163522.
    #[test]
    fn mean_and_variances_match_statsmodels_and_numpy() {
        assert!((weighted_mean(&X, &W).unwrap() - 3.125).abs() < 1e-15);
        let close = |kind, want: f64| {
            let got = weighted_variance(&X, &W, kind).unwrap();
            assert!(
                (got - want).abs() < 1e-14,
                "{kind:?}: got {got}, want {want}"
            );
        };
        close(VarianceWeights::Moment, 0.671875);
        close(VarianceWeights::Frequency, 0.7465277777777778);
        close(VarianceWeights::Reliability, 0.845125786163522);
    }

    /// Frequency weights are repeat counts: numpy `np.cov(X, fweights=[1, 2, 1, 3, 1, 2])`
    /// = 0.9694444444444446 equals the sample variance of the expanded data.
    #[test]
    fn frequency_weights_are_repeat_counts() {
        let counts = [1.0, 2.0, 1.0, 3.0, 1.0, 2.0];
        let got = weighted_variance(&X, &counts, VarianceWeights::Frequency).unwrap();
        assert!((got - 0.9694444444444446).abs() < 1e-14);
    }

    #[test]
    fn weighted_degenerate_input() {
        assert_eq!(weighted_mean(&[], &[]), Err(StatsError::Empty("values")));
        assert!(weighted_mean(&[1.0], &[0.0]).is_err());
        assert!(weighted_mean(&[1.0], &[-1.0]).is_err());
        assert!(weighted_mean(&[1.0, 2.0], &[1.0]).is_err());
        assert!(weighted_variance(&[1.0, 2.0], &[0.5, 0.5], VarianceWeights::Frequency).is_err());
        assert!(weighted_variance(&[1.0, 2.0], &[1.0, 0.0], VarianceWeights::Reliability).is_err());
        // Zero weights are allowed as long as some weight is positive.
        assert_eq!(weighted_mean(&[1.0, 5.0], &[1.0, 0.0]).unwrap(), 1.0);
    }

    /// Reference: statsmodels 0.15.0, with `w = 1 / (v + 0.01)`:
    /// `sm.WLS(y, np.column_stack([np.ones(8), g]), weights=w).fit()`: `.params`, `.bse`
    /// (the Knapp–Hartung errors), `.scale` (q); and
    /// `.fit(cov_type="fixed scale", cov_kwds={"scale": 1.0}).bse` (the plain errors).
    #[test]
    fn knapp_hartung_matches_statsmodels_wls() {
        let y = [0.12, 0.35, -0.05, 0.48, 0.22, 0.30, 0.61, 0.05];
        let v = [0.010, 0.025, 0.015, 0.040, 0.008, 0.020, 0.050, 0.012];
        let g = [false, true, false, true, false, true, true, false];
        let d = knapp_hartung_difference(&y, &v, &g, 0.01).unwrap();
        let close = |got: f64, want: f64| {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "got {got}, want {want}"
            );
        };
        close(d.mean_a, 0.09682707562136435);
        close(d.difference, 0.30660287606945685);
        close(d.se_knapp_hartung, 0.0891187200479931);
        close(d.se, 0.12401714704419184);
        close(d.q, 0.516385938932134);
        assert_eq!(d.df, 6);
        // τ² = 0: statsmodels `sm.WLS(y, X, weights=1/v).fit()`.
        let d0 = knapp_hartung_difference(&y, &v, &g, 0.0).unwrap();
        close(d0.difference, 0.28651851851851834);
        close(d0.se_knapp_hartung, 0.09311675832683704);
    }

    #[test]
    fn knapp_hartung_degenerate_input() {
        let y = [1.0, 2.0, 3.0];
        let v = [1.0; 3];
        assert!(knapp_hartung_difference(&y, &v, &[true; 3], 0.0).is_err());
        assert!(knapp_hartung_difference(&y[..2], &v[..2], &[true, false], 0.0).is_err());
        assert!(knapp_hartung_difference(&y, &v, &[true, false, false], -1.0).is_err());
        assert!(
            knapp_hartung_difference(&y, &[1.0, 0.0, 1.0], &[true, false, false], 0.0).is_err()
        );
    }
}
