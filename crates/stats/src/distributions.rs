//! Tail probabilities and quantiles of the normal, Student t and chi-squared distributions.
//!
//! Thin wrappers over `statrs` that validate their parameters (statrs panics on some invalid
//! arguments) and use the upper-tail functions directly, so small p-values keep their relative
//! precision instead of being computed as `1 - cdf`.
//!
//! Accuracy: statrs 0.19's `erf`/`erfc` carry a relative error of about 1e-10 (its interval
//! constants are truncated to 10 digits; fixed upstream in statrs-dev/statrs pull request 412,
//! not yet in a release), so normal tail probabilities here are good to ~1e-10 relative, far
//! finer than any decision made from them. The tests use a 1e-9 relative tolerance for the
//! normal tails for that reason.
//!
//! Policy: a NaN statistic gives a NaN probability (it is "missing", as in
//! [`crate::benjamini_hochberg`]); an invalid *parameter* (degrees of freedom, a probability
//! outside `[0, 1]`) is an error.

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};
use statrs::function::erf::{erfc, erfc_inv};

use crate::StatsError;

/// Upper tail of the standard normal, `P(Z > z)`.
///
/// Computed as `erfc(z / sqrt 2) / 2` (Abramowitz & Stegun 1964, section 26.2), which keeps
/// its relative accuracy far into the tail. NaN gives NaN.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Two-sided standard normal p-value, `P(|Z| > |z|)`. NaN gives NaN.
pub fn normal_two_sided_p(z: f64) -> f64 {
    (2.0 * normal_sf(z.abs())).min(1.0)
}

/// Standard normal quantile `Φ⁻¹(p)`: `normal_quantile(0.975) ≈ 1.959964`.
///
/// Computed as `-sqrt 2 · erfc⁻¹(2p)`. `p = 0` and `p = 1` give `-∞` and `+∞`.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `p` is NaN or outside `[0, 1]`.
pub fn normal_quantile(p: f64) -> Result<f64, StatsError> {
    check_probability(p, "normal_quantile: p")?;
    Ok(-std::f64::consts::SQRT_2 * erfc_inv(2.0 * p))
}

/// Upper tail of Student's t with `df` degrees of freedom, `P(T > t)`. NaN `t` gives NaN.
///
/// `df` may be fractional (as from a Welch–Satterthwaite approximation) and may be `+∞`
/// (the standard normal).
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `df` is NaN or not positive.
pub fn student_t_sf(t: f64, df: f64) -> Result<f64, StatsError> {
    let dist = student_t(df)?;
    if t.is_nan() {
        return Ok(f64::NAN);
    }
    Ok(dist.sf(t))
}

/// Two-sided Student t p-value, `P(|T| > |t|)`. NaN `t` gives NaN.
///
/// # Errors
/// As [`student_t_sf`].
pub fn student_t_two_sided_p(t: f64, df: f64) -> Result<f64, StatsError> {
    Ok((2.0 * student_t_sf(t.abs(), df)?).min(1.0))
}

/// Quantile of Student's t with `df` degrees of freedom: `student_t_quantile(0.975, 5.0) ≈ 2.5706`.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `p` is outside `[0, 1]` or `df` is not positive.
pub fn student_t_quantile(p: f64, df: f64) -> Result<f64, StatsError> {
    check_probability(p, "student_t_quantile: p")?;
    let dist = student_t(df)?;
    if df.is_infinite() {
        return normal_quantile(p);
    }
    Ok(dist.inverse_cdf(p))
}

/// Upper tail of the chi-squared distribution with `df` degrees of freedom, `P(X > x)`.
///
/// `x <= 0` gives 1; NaN `x` gives NaN.
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `df` is NaN, infinite or not positive.
pub fn chi_squared_sf(x: f64, df: f64) -> Result<f64, StatsError> {
    if !(df.is_finite() && df > 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "chi_squared_sf: degrees of freedom must be positive and finite, got {df}"
        )));
    }
    let dist = ChiSquared::new(df).map_err(|e| {
        StatsError::InvalidArgument(format!("chi_squared_sf: degrees of freedom {df}: {e}"))
    })?;
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    if x <= 0.0 {
        return Ok(1.0);
    }
    Ok(dist.sf(x))
}

fn student_t(df: f64) -> Result<StudentsT, StatsError> {
    if df.is_nan() || df <= 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "Student t: degrees of freedom must be positive, got {df}"
        )));
    }
    StudentsT::new(0.0, 1.0, df).map_err(|e| {
        StatsError::InvalidArgument(format!("Student t: degrees of freedom {df}: {e}"))
    })
}

fn check_probability(p: f64, what: &str) -> Result<(), StatsError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "{what} must be a probability in [0, 1], got {p}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel_close(got: f64, want: f64, tol: f64) {
        let scale = want.abs().max(1e-300);
        assert!(
            (got - want).abs() <= tol * scale,
            "got {got:e}, want {want:e} (rel err {:e})",
            (got - want).abs() / scale
        );
    }

    /// Reference: scipy 1.17.1, `scipy.stats.norm.sf(z)` and `2 * norm.sf(abs(z))`.
    #[test]
    fn normal_tails_match_scipy() {
        let cases = [
            (0.0, 0.5, 1.0),
            (1.0, 0.15865525393145707, 0.31731050786291415),
            (1.959963984540054, 0.025, 0.05),
            (-2.5, 0.9937903346742238, 0.012419330651552265),
            (5.0, 2.866515718791933e-07, 5.733031437583866e-07),
            (8.0, 6.22096057427174e-16, 1.244192114854348e-15),
        ];
        for (z, sf, two) in cases {
            rel_close(normal_sf(z), sf, 1e-9);
            rel_close(normal_two_sided_p(z), two, 1e-9);
        }
        assert!(normal_sf(f64::NAN).is_nan());
    }

    /// Reference: scipy 1.17.1, `scipy.stats.norm.ppf(p)`.
    #[test]
    fn normal_quantile_matches_scipy() {
        let cases = [
            (0.975, 1.959963984540054),
            (0.995, 2.5758293035489004),
            (0.025, -1.9599639845400545),
            (1e-6, -4.753424308822899),
        ];
        for (p, q) in cases {
            rel_close(normal_quantile(p).unwrap(), q, 1e-12);
        }
        assert_eq!(normal_quantile(0.5).unwrap(), 0.0);
        assert_eq!(normal_quantile(1.0).unwrap(), f64::INFINITY);
        assert!(normal_quantile(1.5).is_err());
        assert!(normal_quantile(f64::NAN).is_err());
    }

    /// Reference: scipy 1.17.1, `scipy.stats.t.sf(t, df)` and `2 * t.sf(abs(t), df)`.
    #[test]
    fn student_t_tails_match_scipy() {
        let cases = [
            (0.0, 5.0, 0.5, 1.0),
            (2.0, 5.0, 0.050969739414929174, 0.10193947882985835),
            (-1.3, 12.0, 0.8909914144582429, 0.21801717108351412),
            (3.5, 2.5, 0.026172773480160172, 0.052345546960320344),
            (10.0, 30.0, 2.287625704114809e-11, 4.575251408229618e-11),
        ];
        for (t, df, sf, two) in cases {
            rel_close(student_t_sf(t, df).unwrap(), sf, 1e-10);
            rel_close(student_t_two_sided_p(t, df).unwrap(), two, 1e-10);
        }
        rel_close(
            student_t_sf(1.0, f64::INFINITY).unwrap(),
            0.15865525393145707,
            1e-9,
        );
        assert!(student_t_sf(1.0, 0.0).is_err());
        assert!(student_t_sf(f64::NAN, 3.0).unwrap().is_nan());
    }

    /// Reference: scipy 1.17.1, `scipy.stats.t.ppf(p, df)`.
    #[test]
    fn student_t_quantile_matches_scipy() {
        let cases = [
            (0.975, 5.0, 2.5705818356363146),
            (0.995, 12.0, 3.0545395893929013),
            (0.05, 3.0, -2.353363434801824),
            (0.9, 2.5, 1.7302509288071766),
        ];
        for (p, df, q) in cases {
            rel_close(student_t_quantile(p, df).unwrap(), q, 1e-9);
        }
        rel_close(
            student_t_quantile(0.975, f64::INFINITY).unwrap(),
            1.959963984540054,
            1e-12,
        );
        assert!(student_t_quantile(-0.1, 3.0).is_err());
        assert!(student_t_quantile(0.5, -1.0).is_err());
    }

    /// Reference: scipy 1.17.1, `scipy.stats.chi2.sf(x, df)`.
    #[test]
    fn chi_squared_sf_matches_scipy() {
        let cases = [
            (3.841458820694124, 1.0, 0.04999999999999989),
            (10.0, 4.0, 0.04042768199451279),
            (0.5, 2.0, 0.7788007830714049),
            (50.0, 20.0, 0.0002214766382487835),
            (0.0, 3.0, 1.0),
        ];
        for (x, df, sf) in cases {
            rel_close(chi_squared_sf(x, df).unwrap(), sf, 1e-10);
        }
        assert!(chi_squared_sf(1.0, 0.0).is_err());
        assert!(chi_squared_sf(f64::NAN, 2.0).unwrap().is_nan());
    }
}
