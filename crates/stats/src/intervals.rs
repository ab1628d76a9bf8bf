//! Confidence intervals for a binomial proportion, and the sample size of a case review.

use statrs::distribution::{Beta, ContinuousCDF};

use crate::StatsError;
use crate::distributions::normal_quantile;

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

fn check_binomial(successes: u64, trials: u64, confidence: f64) -> Result<(), StatsError> {
    if trials == 0 {
        return Err(StatsError::Empty("binomial trials (n = 0)"));
    }
    if successes > trials {
        return Err(StatsError::InvalidArgument(format!(
            "successes ({successes}) exceed trials ({trials})"
        )));
    }
    check_confidence(confidence)
}

fn check_confidence(confidence: f64) -> Result<(), StatsError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "confidence must be in (0, 1), got {confidence}"
        )))
    }
}

/// Wilson score interval for a binomial proportion.
///
/// Source: Wilson EB. "Probable inference, the law of succession, and statistical inference".
/// JASA 1927;22:209–212; in the form given by Agresti A, Coull BA, Am Stat 1998;52:119–126:
///
/// ```text
/// p̂ = x/n,  z = Φ⁻¹(1 − α/2)
/// centre = (p̂ + z²/(2n)) / (1 + z²/n)
/// half   = z / (1 + z²/n) · sqrt(p̂(1 − p̂)/n + z²/(4n²))
/// ```
///
/// Limits are clamped to `[0, 1]` against rounding (exactly 0 at `x = 0`, 1 at `x = n`).
///
/// # Errors
/// [`StatsError::Empty`] when `trials == 0`; [`StatsError::InvalidArgument`] when
/// `successes > trials` or `confidence` is not in `(0, 1)`.
pub fn wilson_interval(
    successes: u64,
    trials: u64,
    confidence: f64,
) -> Result<Interval, StatsError> {
    check_binomial(successes, trials, confidence)?;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0)?;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let lower = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let upper = if successes == trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Ok(Interval { lower, upper })
}

/// Clopper–Pearson "exact" interval for a binomial proportion.
///
/// Source: Clopper CJ, Pearson ES. "The use of confidence or fiducial limits illustrated in
/// the case of the binomial". Biometrika 1934;26:404–413; in the beta-quantile form (e.g.
/// Brown, Cai & DasGupta, Stat Sci 2001;16:101–133):
///
/// ```text
/// lower = B(α/2; x, n − x + 1)      (0 when x = 0)
/// upper = B(1 − α/2; x + 1, n − x)  (1 when x = n)
/// ```
///
/// with `B(q; a, b)` the beta quantile. Coverage is at least the nominal level.
///
/// # Errors
/// As [`wilson_interval`].
pub fn clopper_pearson_interval(
    successes: u64,
    trials: u64,
    confidence: f64,
) -> Result<Interval, StatsError> {
    check_binomial(successes, trials, confidence)?;
    let alpha = 1.0 - confidence;
    let x = successes as f64;
    let n = trials as f64;
    let beta = |a: f64, b: f64| {
        Beta::new(a, b)
            .map_err(|e| StatsError::InvalidArgument(format!("beta distribution ({a}, {b}): {e}")))
    };
    let lower = if successes == 0 {
        0.0
    } else {
        beta(x, n - x + 1.0)?.inverse_cdf(alpha / 2.0)
    };
    let upper = if successes == trials {
        1.0
    } else {
        beta(x + 1.0, n - x)?.inverse_cdf(1.0 - alpha / 2.0)
    };
    Ok(Interval { lower, upper })
}

/// Number of cases to review to estimate a rate within `± margin` at the given confidence.
///
/// Source: Cochran WG. *Sampling Techniques*, 3rd ed. Wiley 1977, ch. 4 (proportions),
/// eq. 4.1–4.2:
///
/// ```text
/// n0 = z² p (1 − p) / margin²,      z = Φ⁻¹(1 − (1 − confidence)/2)
/// n  = n0 / (1 + (n0 − 1) / N)      (finite population correction, when N is given)
/// ```
///
/// rounded up (a value within 1e-9 above an integer counts as that integer, so rounding noise
/// cannot add a case), at least 1, and never more than `N`. With `p = 0.5` (the conservative choice when the rate
/// is unknown), `margin = 0.05` and 95% confidence this gives 385; with `N = 1000`, 278.
///
/// Assumptions: simple random sampling without replacement; the normal approximation to the
/// sampling distribution of the proportion (doubtful when `n p` or `n (1 − p)` is small).
///
/// # Errors
/// [`StatsError::InvalidArgument`] when `expected_rate` is not in `[0, 1]`, `margin` not in
/// `(0, 1)`, `confidence` not in `(0, 1)` or the population is 0.
pub fn review_sample_size(
    expected_rate: f64,
    margin: f64,
    population: Option<u64>,
    confidence: f64,
) -> Result<u64, StatsError> {
    if !(0.0..=1.0).contains(&expected_rate) {
        return Err(StatsError::InvalidArgument(format!(
            "expected rate must be in [0, 1], got {expected_rate}"
        )));
    }
    if !(margin > 0.0 && margin < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "margin must be in (0, 1), got {margin}"
        )));
    }
    check_confidence(confidence)?;
    if population == Some(0) {
        return Err(StatsError::InvalidArgument(
            "population must be positive".into(),
        ));
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0)?;
    let n0 = z * z * expected_rate * (1.0 - expected_rate) / (margin * margin);
    let n = match population {
        None => n0,
        Some(big_n) => n0 / (1.0 + (n0 - 1.0) / big_n as f64),
    };
    // Guard the ceiling against rounding noise just above an integer (e.g. 96.00000000000001).
    let rounded = (n - 1e-9).ceil().max(1.0) as u64;
    Ok(match population {
        Some(big_n) => rounded.min(big_n),
        None => rounded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: Interval, want: [f64; 2], tol: f64) {
        assert!(
            (got.lower - want[0]).abs() <= tol && (got.upper - want[1]).abs() <= tol,
            "got {got:?}, want {want:?}"
        );
    }

    /// Reference: statsmodels 0.15.0,
    /// `proportion_confint(x, n, alpha=1 - conf, method="wilson")`.
    #[test]
    fn wilson_matches_statsmodels() {
        let cases = [
            (7, 20, 0.95, [0.18119182410108206, 0.5671457233147638]),
            (7, 20, 0.99, [0.1463934413769388, 0.6283381789526871]),
            (0, 15, 0.95, [0.0, 0.20388330103584862]),
            (0, 15, 0.99, [0.0, 0.30667567880625013]),
            (15, 15, 0.95, [0.7961166989641515, 1.0]),
            (15, 15, 0.99, [0.69332432119375, 1.0]),
            (123, 456, 0.95, [0.23104962756216274, 0.3122712366796905]),
            (123, 456, 0.99, [0.2197861354693752, 0.326292205047369]),
        ];
        for (x, n, conf, want) in cases {
            close(wilson_interval(x, n, conf).unwrap(), want, 1e-10);
        }
    }

    /// Reference: statsmodels 0.15.0,
    /// `proportion_confint(x, n, alpha=1 - conf, method="beta")`.
    #[test]
    fn clopper_pearson_matches_statsmodels() {
        let cases = [
            (7, 20, 0.95, [0.1539092047845412, 0.5921885345328282]),
            (7, 20, 0.99, [0.11387976326673242, 0.6565685842319211]),
            (0, 15, 0.95, [0.0, 0.218019360910534]),
            (0, 15, 0.99, [0.0, 0.2975781698474812]),
            (15, 15, 0.95, [0.781980639089466, 1.0]),
            (15, 15, 0.99, [0.7024218301525188, 1.0]),
            (123, 456, 0.95, [0.22951207349156774, 0.3129778009991524]),
            (123, 456, 0.99, [0.21776546095155994, 0.3266209811880665]),
        ];
        for (x, n, conf, want) in cases {
            close(clopper_pearson_interval(x, n, conf).unwrap(), want, 1e-9);
        }
    }

    #[test]
    fn intervals_reject_bad_input() {
        assert!(wilson_interval(1, 0, 0.95).is_err());
        assert!(wilson_interval(3, 2, 0.95).is_err());
        assert!(clopper_pearson_interval(1, 2, 1.0).is_err());
        assert!(clopper_pearson_interval(1, 2, f64::NAN).is_err());
    }

    /// Hand computation (Cochran 1977, eq. 4.1–4.2): z = 1.959964, p = 0.5, m = 0.05:
    /// n0 = 1.959964² × 0.25 / 0.0025 = 384.146 → 385; with N = 1000,
    /// n = 384.146 / (1 + 383.146/1000) = 277.74 → 278.
    #[test]
    fn sample_size_by_hand() {
        assert_eq!(review_sample_size(0.5, 0.05, None, 0.95).unwrap(), 385);
        assert_eq!(
            review_sample_size(0.5, 0.05, Some(1000), 0.95).unwrap(),
            278
        );
        // Never more than the population.
        assert_eq!(review_sample_size(0.5, 0.01, Some(50), 0.95).unwrap(), 50);
        // A certain rate needs no sample beyond one case.
        assert_eq!(review_sample_size(0.0, 0.05, None, 0.95).unwrap(), 1);
        assert!(review_sample_size(1.5, 0.05, None, 0.95).is_err());
        assert!(review_sample_size(0.5, 0.0, None, 0.95).is_err());
        assert!(review_sample_size(0.5, 0.05, Some(0), 0.95).is_err());
    }
}
