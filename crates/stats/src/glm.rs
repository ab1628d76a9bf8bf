//! Generalized linear models for counts and proportions, fitted by iteratively reweighted
//! least squares (IRLS).
//!
//! Source: McCullagh P, Nelder JA. *Generalized Linear Models*, 2nd ed. Chapman & Hall 1989,
//! ch. 2: the Fisher scoring algorithm of section 2.5 (working response
//! `z = η + (y − μ) dη/dμ`, working weight `W = prior / (V(μ) (dη/dμ)²)`), the deviance and
//! Pearson's X² of section 2.3 and the unit deviances of table 2.1; and the moment estimate
//! of the dispersion, `X² / (n − p)`, of ch. 4 (over-dispersed binomial data) and ch. 9
//! (quasi-likelihood).
//!
//! Two canonical-link families are provided, which is all the detectors need: binomial with
//! logit link and Poisson with log link. For canonical links Fisher scoring is Newton's method
//! and the deviance is convex in the coefficients, so the fit either converges to the unique
//! maximum likelihood estimate or the estimate does not exist (separation, or a column whose
//! only non-zero cells have y = 0): then the coefficients run off towards ±∞ while the
//! deviance settles, and the fit reports very large coefficients and standard errors.

use crate::StatsError;
use crate::linalg::Matrix;

/// The error distribution and link of a fitted GLM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GlmFamily {
    /// Binomial counts of successes out of a known number of trials, logit link.
    BinomialLogit,
    /// Poisson counts, log link.
    PoissonLog,
}

/// Options of a GLM fit. `GlmOptions::default()` has no offset, unit prior weights,
/// tolerance 1e-10 and at most 100 iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlmOptions<'a> {
    /// A known term added to the linear predictor of each observation, `η = Xβ + offset`
    /// (typically `ln(exposure)` for Poisson rates). Must be finite.
    pub offset: Option<&'a [f64]>,
    /// Prior (variance) weights `a_i >= 0`: observation `i` has variance `V(μ_i) / a_i`, as R's
    /// `glm(weights=)` for Poisson and statsmodels' `var_weights`. For the binomial they
    /// multiply the number of trials. Observations of weight 0 are left out of the fit and of
    /// the residual degrees of freedom.
    pub prior_weights: Option<&'a [f64]>,
    /// Convergence when `|D_new − D_old| / (|D_new| + 0.1) < tolerance` for the deviance `D`
    /// (the relative change, guarded against a zero deviance as in R's `glm.fit`).
    pub tolerance: f64,
    /// Give up after this many IRLS iterations; the fit is then returned with
    /// `converged == false`.
    pub max_iterations: usize,
}

impl Default for GlmOptions<'_> {
    fn default() -> Self {
        Self {
            offset: None,
            prior_weights: None,
            tolerance: 1e-10,
            max_iterations: 100,
        }
    }
}

/// A fitted GLM.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GlmFit {
    /// Family and link of the model.
    pub family: GlmFamily,
    /// Maximum likelihood coefficients, one per design column.
    pub coefficients: Vec<f64>,
    /// Unscaled covariance of the coefficients, `(XᵀWX)⁻¹` with the IRLS weights at the
    /// estimate (dispersion taken as 1, the binomial/Poisson model value).
    pub covariance: Matrix,
    /// Residual deviance `D = 2 Σ a_i [ℓ_i(saturated) − ℓ_i(fitted)]`.
    pub deviance: f64,
    /// Pearson's `X² = Σ a_i (y_i − μ_i)² / V(μ_i)` (on the count scale for the binomial).
    pub pearson_chi2: f64,
    /// Residual degrees of freedom: observations used (positive weight, and positive trials
    /// for the binomial) minus the number of coefficients.
    pub df_residual: usize,
    /// Quasi-likelihood dispersion `X² / df_residual`; NaN when `df_residual == 0`.
    pub dispersion: f64,
    /// Fitted means per input row: the success probability for the binomial, the expected
    /// count for the Poisson. Rows left out of the fit (zero weight or trials) still get one.
    pub fitted: Vec<f64>,
    /// Number of IRLS iterations performed.
    pub iterations: usize,
    /// Whether the deviance criterion was met within `max_iterations`.
    pub converged: bool,
}

impl GlmFit {
    /// Model-based standard errors, `sqrt(diag((XᵀWX)⁻¹))`, as statsmodels' default `bse`.
    pub fn standard_errors(&self) -> Vec<f64> {
        self.covariance
            .diagonal()
            .into_iter()
            .map(f64::sqrt)
            .collect()
    }

    /// Quasi-likelihood standard errors, `sqrt(diag((XᵀWX)⁻¹) · max(φ, 1))` with `φ` the
    /// Pearson dispersion.
    ///
    /// Over-dispersion (`φ > 1`) widens the errors; under-dispersion never narrows them, since
    /// an apparently too-regular series is not evidence that the model variance is too large.
    /// When `φ` is NaN (no residual degrees of freedom) these equal the model-based errors.
    pub fn quasi_standard_errors(&self) -> Vec<f64> {
        let scale = if self.dispersion.is_nan() {
            1.0
        } else {
            self.dispersion.max(1.0)
        };
        self.covariance
            .diagonal()
            .into_iter()
            .map(|v| (v * scale).sqrt())
            .collect()
    }
}

/// Fits a binomial GLM with logit link: `successes_i ~ Binomial(trials_i, π_i)`,
/// `logit π_i = x_iᵀβ + offset_i`.
///
/// `design` holds one row of covariates per observation (include a column of ones for an
/// intercept). Successes and trials may be non-integer (quasi-binomial use); they must satisfy
/// `0 <= successes <= trials`. Rows with zero trials carry no information and are left out of
/// the fit and of `df_residual`. Cells with `y = 0` or `y = n` are fine: their deviance terms
/// use `0 · ln 0 = 0`.
///
/// # Errors
/// [`StatsError`] for empty or ragged designs, length mismatches, non-finite values, data out
/// of range, fewer usable rows than coefficients, a design whose weighted cross-product is
/// singular (collinear columns), or a fit that diverged to non-finite values.
pub fn fit_binomial_logit<R: AsRef<[f64]>>(
    design: &[R],
    successes: &[f64],
    trials: &[f64],
    options: &GlmOptions<'_>,
) -> Result<GlmFit, StatsError> {
    let n = design.len();
    check_len("successes", n, successes.len())?;
    check_len("trials", n, trials.len())?;
    let mut y = Vec::with_capacity(n);
    for (&s, &t) in successes.iter().zip(trials) {
        if !s.is_finite() {
            return Err(StatsError::NonFinite("successes"));
        }
        if !t.is_finite() {
            return Err(StatsError::NonFinite("trials"));
        }
        if t < 0.0 || s < 0.0 || s > t {
            return Err(StatsError::InvalidArgument(format!(
                "binomial data must satisfy 0 <= successes <= trials, got {s} of {t}"
            )));
        }
        y.push(if t > 0.0 { s / t } else { 0.0 });
    }
    irls(Family::Binomial, design, &y, Some(trials), options)
}

/// Fits a Poisson GLM with log link: `counts_i ~ Poisson(μ_i)`, `ln μ_i = x_iᵀβ + offset_i`.
///
/// Counts may be non-integer (quasi-Poisson use) but must be non-negative; zero counts are
/// fine (`0 · ln 0 = 0` in the deviance). For rates pass `ln(exposure)` as the offset.
///
/// # Errors
/// As [`fit_binomial_logit`].
pub fn fit_poisson_log<R: AsRef<[f64]>>(
    design: &[R],
    counts: &[f64],
    options: &GlmOptions<'_>,
) -> Result<GlmFit, StatsError> {
    check_len("counts", design.len(), counts.len())?;
    for &c in counts {
        if !c.is_finite() {
            return Err(StatsError::NonFinite("counts"));
        }
        if c < 0.0 {
            return Err(StatsError::InvalidArgument(format!(
                "Poisson counts must be non-negative, got {c}"
            )));
        }
    }
    irls(Family::Poisson, design, counts, None, options)
}

#[derive(Debug, Clone, Copy)]
enum Family {
    Binomial,
    Poisson,
}

impl Family {
    /// Inverse link, with the mean kept inside the open parameter space so that variances and
    /// logarithms stay finite (as R's `binomial()$linkinv` and `poisson()$linkinv` do).
    fn mean(self, eta: f64) -> f64 {
        match self {
            Family::Binomial => {
                let p = if eta >= 0.0 {
                    1.0 / (1.0 + (-eta).exp())
                } else {
                    let e = eta.exp();
                    e / (1.0 + e)
                };
                p.clamp(f64::EPSILON, 1.0 - f64::EPSILON)
            }
            Family::Poisson => eta.exp().max(f64::EPSILON),
        }
    }

    fn link(self, mu: f64) -> f64 {
        match self {
            Family::Binomial => (mu / (1.0 - mu)).ln(),
            Family::Poisson => mu.ln(),
        }
    }

    /// Variance function `V(μ)`; for canonical links also `dμ/dη`.
    fn variance(self, mu: f64) -> f64 {
        match self {
            Family::Binomial => mu * (1.0 - mu),
            Family::Poisson => mu,
        }
    }

    /// Unit deviance (McCullagh & Nelder 1989, table 2.1), without the weight.
    fn unit_deviance(self, y: f64, mu: f64) -> f64 {
        match self {
            Family::Binomial => 2.0 * (x_ln_x_over_y(y, mu) + x_ln_x_over_y(1.0 - y, 1.0 - mu)),
            Family::Poisson => 2.0 * (x_ln_x_over_y(y, mu) - (y - mu)),
        }
    }

    /// Starting mean, as R's `family$initialize`: `(a y + 1/2) / (a + 1)` for the binomial
    /// (a = weight × trials) and `y + 0.1` for the Poisson.
    fn start(self, y: f64, a: f64) -> f64 {
        match self {
            Family::Binomial => (a * y + 0.5) / (a + 1.0),
            Family::Poisson => y + 0.1,
        }
    }
}

/// `x ln(x / y)` with the limit `0 ln 0 = 0`.
fn x_ln_x_over_y(x: f64, y: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x * (x / y).ln() }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), StatsError> {
    if expected == got {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}

/// Largest number of step halvings tried when an IRLS step makes the deviance worse.
const MAX_STEP_HALVINGS: usize = 50;

fn irls<R: AsRef<[f64]>>(
    family: Family,
    design: &[R],
    y: &[f64],
    trials: Option<&[f64]>,
    options: &GlmOptions<'_>,
) -> Result<GlmFit, StatsError> {
    let n = design.len();
    if n == 0 {
        return Err(StatsError::Empty("design"));
    }
    let p = design[0].as_ref().len();
    if p == 0 {
        return Err(StatsError::Empty("design row (no covariates)"));
    }
    for row in design {
        let row = row.as_ref();
        check_len("design row", p, row.len())?;
        if row.iter().any(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite("design"));
        }
    }
    let zeros;
    let offset = match options.offset {
        Some(o) => {
            check_len("offset", n, o.len())?;
            if o.iter().any(|v| !v.is_finite()) {
                return Err(StatsError::NonFinite("offset"));
            }
            o
        }
        None => {
            zeros = vec![0.0; n];
            &zeros
        }
    };
    // a_i: the total prior weight of observation i (prior weight × trials for the binomial).
    let mut a = vec![1.0; n];
    if let Some(w) = options.prior_weights {
        check_len("prior_weights", n, w.len())?;
        for (ai, &wi) in a.iter_mut().zip(w) {
            if !wi.is_finite() {
                return Err(StatsError::NonFinite("prior_weights"));
            }
            if wi < 0.0 {
                return Err(StatsError::InvalidArgument(format!(
                    "prior weights must be non-negative, got {wi}"
                )));
            }
            *ai = wi;
        }
    }
    if let Some(t) = trials {
        for (ai, &ti) in a.iter_mut().zip(t) {
            *ai *= ti;
        }
    }
    if options.tolerance.is_nan() || options.tolerance <= 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "GLM tolerance must be positive, got {}",
            options.tolerance
        )));
    }
    if options.max_iterations == 0 {
        return Err(StatsError::InvalidArgument(
            "GLM max_iterations must be at least 1".into(),
        ));
    }
    let used = a.iter().filter(|&&ai| ai > 0.0).count();
    if used < p {
        return Err(StatsError::TooFewObservations {
            what: "GLM fit (rows with positive weight vs coefficients)",
            needed: p,
            got: used,
        });
    }

    let row = |i: usize| design[i].as_ref();
    let linear_predictor = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| row(i).iter().zip(beta).map(|(x, b)| x * b).sum::<f64>() + offset[i])
            .collect()
    };
    let deviance_of = |mu: &[f64]| -> f64 {
        (0..n)
            .filter(|&i| a[i] > 0.0)
            .map(|i| a[i] * family.unit_deviance(y[i], mu[i]))
            .sum()
    };

    // Start from the data (not from β = 0), as R's glm.fit does.
    let mut mu: Vec<f64> = (0..n).map(|i| family.start(y[i], a[i])).collect();
    let mut eta: Vec<f64> = mu.iter().map(|&m| family.link(m)).collect();
    let mut deviance = deviance_of(&mu);
    let mut beta: Option<Vec<f64>> = None;
    let mut converged = false;
    let mut iterations = 0;

    while iterations < options.max_iterations {
        iterations += 1;
        // Weighted least squares step: (XᵀWX) β = XᵀW z.
        let mut xtwx = Matrix::zeros(p);
        let mut xtwz = vec![0.0; p];
        for i in (0..n).filter(|&i| a[i] > 0.0) {
            let v = family.variance(mu[i]);
            let w = a[i] * v;
            let z = eta[i] - offset[i] + (y[i] - mu[i]) / v;
            let x = row(i);
            for j in 0..p {
                xtwz[j] += w * x[j] * z;
                for k in 0..=j {
                    xtwx.add_to(j, k, w * x[j] * x[k]);
                }
            }
        }
        for j in 0..p {
            for k in 0..j {
                xtwx.set(k, j, xtwx.get(j, k));
            }
        }
        let mut candidate = xtwx.solve_spd(&xtwz)?;
        let mut new_eta = linear_predictor(&candidate);
        let mut new_mu: Vec<f64> = new_eta.iter().map(|&e| family.mean(e)).collect();
        let mut new_deviance = deviance_of(&new_mu);

        // Step halving when the step overshoots (R's glm.fit does this for non-finite
        // deviance; also doing it for an increase makes Newton's method monotone).
        if let Some(old) = &beta {
            let mut halvings = 0;
            while (!new_deviance.is_finite()
                || new_deviance - deviance > options.tolerance * (new_deviance.abs() + 0.1))
                && halvings < MAX_STEP_HALVINGS
            {
                halvings += 1;
                for (c, o) in candidate.iter_mut().zip(old) {
                    *c = 0.5 * (*c + o);
                }
                new_eta = linear_predictor(&candidate);
                new_mu = new_eta.iter().map(|&e| family.mean(e)).collect();
                new_deviance = deviance_of(&new_mu);
            }
        }
        if !new_deviance.is_finite() || candidate.iter().any(|b| !b.is_finite()) {
            return Err(StatsError::Diverged(format!(
                "non-finite deviance or coefficients at IRLS iteration {iterations}"
            )));
        }
        let change = (new_deviance - deviance).abs() / (new_deviance.abs() + 0.1);
        beta = Some(candidate);
        eta = new_eta;
        mu = new_mu;
        deviance = new_deviance;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }

    let coefficients = beta.unwrap_or_default();
    // Covariance and Pearson X² at the final estimate.
    let mut xtwx = Matrix::zeros(p);
    let mut pearson_chi2 = 0.0;
    for i in (0..n).filter(|&i| a[i] > 0.0) {
        let v = family.variance(mu[i]);
        let w = a[i] * v;
        pearson_chi2 += a[i] * (y[i] - mu[i]).powi(2) / v;
        let x = row(i);
        for j in 0..p {
            for k in 0..=j {
                xtwx.add_to(j, k, w * x[j] * x[k]);
            }
        }
    }
    for j in 0..p {
        for k in 0..j {
            xtwx.set(k, j, xtwx.get(j, k));
        }
    }
    let covariance = xtwx.inverse_spd()?;
    let df_residual = used - p;
    let dispersion = if df_residual > 0 {
        pearson_chi2 / df_residual as f64
    } else {
        f64::NAN
    };
    Ok(GlmFit {
        family: match family {
            Family::Binomial => GlmFamily::BinomialLogit,
            Family::Poisson => GlmFamily::PoissonLog,
        },
        coefficients,
        covariance,
        deviance,
        pearson_chi2,
        df_residual,
        dispersion,
        fitted: mu,
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_rel(got: &[f64], want: &[f64], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let err = (g - w).abs() / w.abs().max(1e-12);
            assert!(
                err <= tol,
                "{what}[{i}]: got {g}, want {w}, rel err {err:e}"
            );
        }
    }

    // Binomial example data (a made-up 12-cell table with a y = 0 cell and two y = n cells).
    const BX1: [f64; 12] = [
        -1.5, -1.0, -0.5, 0.0, 0.3, 0.7, 1.0, 1.4, 1.9, 2.5, -0.2, 0.9,
    ];
    const BX2: [f64; 12] = [0., 1., 0., 1., 0., 1., 0., 1., 0., 1., 1., 0.];
    const BN: [f64; 12] = [20., 15., 30., 12., 25., 18., 40., 10., 22., 16., 8., 35.];
    const BS: [f64; 12] = [0., 3., 2., 5., 20., 6., 30., 10., 4., 16., 7., 30.];

    fn binomial_design() -> Vec<[f64; 3]> {
        (0..12).map(|i| [1.0, BX1[i], BX2[i]]).collect()
    }

    /// Reference: statsmodels 0.15.0 (numpy 2.4.6):
    /// ```text
    /// X = np.column_stack([np.ones(12), x1, x2])
    /// m = sm.GLM(np.column_stack([s, n - s]), X, family=sm.families.Binomial()).fit(tol=1e-14)
    /// m.params, m.bse, m.deviance, m.pearson_chi2, m.df_resid, m.mu
    /// ```
    /// and the quasi errors from `.fit(scale=m.pearson_chi2 / m.df_resid, tol=1e-14).bse`
    /// (statsmodels' own `scale="X2"` leaves the trials out of X² for two-column binomial
    /// data, so the scale is passed explicitly).
    #[test]
    fn binomial_matches_statsmodels() {
        let fit = fit_binomial_logit(&binomial_design(), &BS, &BN, &GlmOptions::default()).unwrap();
        assert!(fit.converged);
        assert_eq!(fit.family, GlmFamily::BinomialLogit);
        assert_eq!(fit.df_residual, 9);
        let tol = 1e-8;
        assert_rel(
            &fit.coefficients,
            &[-0.4579244122653656, 0.9632187417221785, 0.3707243431995755],
            tol,
            "params",
        );
        assert_rel(
            &fit.standard_errors(),
            &[0.18681795724755823, 0.15696891214390432, 0.3088643973718368],
            tol,
            "bse",
        );
        assert_rel(&[fit.deviance], &[101.61855478079833], tol, "deviance");
        assert_rel(&[fit.pearson_chi2], &[104.43018783281421], tol, "pearson");
        assert_rel(&[fit.dispersion], &[11.603354203646024], tol, "scale");
        assert_rel(
            &fit.quasi_standard_errors(),
            &[0.6363710199495434, 0.5346941385775289, 1.0521063096798897],
            tol,
            "quasi bse",
        );
        assert_rel(
            fit.covariance.as_slice(),
            &[
                0.0349009491501505,
                -0.013144939860620725,
                -0.030265896222602014,
                -0.013144939860620725,
                0.024639239379640753,
                0.004456868265762945,
                -0.030265896222602014,
                0.004456868265762945,
                0.0953972159638679,
            ],
            tol,
            "cov",
        );
        assert_rel(
            &fit.fitted,
            &[
                0.12979725994198096,
                0.2591446857612288,
                0.2809945258384787,
                0.47821378591340324,
                0.457860501509774,
                0.642688693250072,
                0.6237027092417354,
                0.7792508756089795,
                0.7977339437324864,
                0.91058890714222,
                0.4304920667192653,
                0.6008414673279298,
            ],
            tol,
            "mu",
        );
    }

    /// A row with zero trials carries no information: the fit and its degrees of freedom are
    /// those without it.
    #[test]
    fn binomial_zero_trials_row_is_ignored() {
        let mut design = binomial_design();
        design.push([1.0, 3.0, 1.0]);
        let mut s = BS.to_vec();
        s.push(0.0);
        let mut n = BN.to_vec();
        n.push(0.0);
        let with = fit_binomial_logit(&design, &s, &n, &GlmOptions::default()).unwrap();
        let without =
            fit_binomial_logit(&binomial_design(), &BS, &BN, &GlmOptions::default()).unwrap();
        assert_eq!(with.df_residual, without.df_residual);
        assert_rel(&with.coefficients, &without.coefficients, 1e-12, "params");
        assert_eq!(with.fitted.len(), 13);
    }

    const PY: [f64; 15] = [
        0., 9., 2., 2., 20., 0., 1., 9., 25., 4., 5., 8., 12., 6., 0.,
    ];
    const PEXPOSURE: [f64; 15] = [
        1.0, 2.5, 4.0, 1.5, 6.0, 0.8, 3.0, 3.5, 7.0, 2.0, 1.2, 4.5, 9.0, 2.2, 1.9,
    ];
    const PZ: [f64; 15] = [
        0.1, -0.4, 0.8, 1.2, -0.3, 0.5, -1.1, 0.0, 0.6, 2.0, -0.7, 0.4, 1.5, -0.9, 0.2,
    ];

    /// Intercept, a covariate and two dummies for groups 1 and 2 (rows 5–9 and 10–14).
    fn poisson_design() -> Vec<Vec<f64>> {
        (0..15)
            .map(|i| {
                vec![
                    1.0,
                    PZ[i],
                    if (5..10).contains(&i) { 1.0 } else { 0.0 },
                    if i >= 10 { 1.0 } else { 0.0 },
                ]
            })
            .collect()
    }

    /// Reference: statsmodels 0.15.0 (numpy 2.4.6):
    /// ```text
    /// m = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(exposure)).fit(tol=1e-14)
    /// m.params, m.bse, m.deviance, m.pearson_chi2, m.df_resid, m.mu
    /// mq = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(exposure)).fit(scale="X2", tol=1e-14)
    /// mq.bse, mq.scale
    /// ```
    #[test]
    fn poisson_with_offset_matches_statsmodels() {
        let offset: Vec<f64> = PEXPOSURE.iter().map(|e| e.ln()).collect();
        let options = GlmOptions {
            offset: Some(&offset),
            ..GlmOptions::default()
        };
        let fit = fit_poisson_log(&poisson_design(), &PY, &options).unwrap();
        assert!(fit.converged);
        assert_eq!(fit.df_residual, 11);
        let tol = 1e-8;
        assert_rel(
            &fit.coefficients,
            &[
                0.808129239011106,
                -0.15584356061077387,
                0.10556401492334237,
                -0.21106854102786732,
            ],
            tol,
            "params",
        );
        assert_rel(
            &fit.standard_errors(),
            &[
                0.17450531349897283,
                0.12250515599557778,
                0.23687691629108185,
                0.25636136936645837,
            ],
            tol,
            "bse",
        );
        assert_rel(&[fit.deviance], &[43.30327630626718], tol, "deviance");
        assert_rel(&[fit.pearson_chi2], &[31.521741546330965], tol, "pearson");
        assert_rel(&[fit.dispersion], &[2.865612867848269], tol, "scale");
        assert_rel(
            &fit.quasi_standard_errors(),
            &[
                0.2954047093980253,
                0.20737821262300088,
                0.40098811444202404,
                0.43397163272638245,
            ],
            tol,
            "quasi bse",
        );
        assert_rel(
            &fit.fitted,
            &[
                2.2090109533802713,
                5.970062492645685,
                7.922832269165882,
                2.7915083427397915,
                14.106585942068374,
                1.845274270081165,
                8.879395312749685,
                8.727301560137963,
                15.896473093837553,
                3.651555763193664,
                2.4314134312491724,
                7.681391153352561,
                12.942544840784556,
                4.598716592319669,
                3.3459339822940444,
            ],
            tol,
            "mu",
        );
    }

    /// Reference: statsmodels 0.15.0:
    /// ```text
    /// w = [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 1.0, 0.7, 1.2, 2.0, 1.0, 0.8, 1.1, 1.0, 2.5]
    /// sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(exposure), var_weights=w).fit(tol=1e-14)
    /// ```
    #[test]
    fn poisson_with_prior_weights_matches_statsmodels_var_weights() {
        let offset: Vec<f64> = PEXPOSURE.iter().map(|e| e.ln()).collect();
        let w = [
            1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 1.0, 0.7, 1.2, 2.0, 1.0, 0.8, 1.1, 1.0, 2.5,
        ];
        let options = GlmOptions {
            offset: Some(&offset),
            prior_weights: Some(&w),
            ..GlmOptions::default()
        };
        let fit = fit_poisson_log(&poisson_design(), &PY, &options).unwrap();
        assert!(fit.converged);
        assert_eq!(fit.df_residual, 11);
        let tol = 1e-8;
        assert_rel(
            &fit.coefficients,
            &[
                0.9514998313257987,
                -0.11594290280803367,
                -0.0894799905172321,
                -0.5332600096255178,
            ],
            tol,
            "params",
        );
        assert_rel(
            &fit.standard_errors(),
            &[
                0.1543037906184772,
                0.11451751120219865,
                0.22015425921507334,
                0.246868037873083,
            ],
            tol,
            "bse",
        );
        assert_rel(&[fit.deviance], &[58.14224280757192], tol, "deviance");
        assert_rel(&[fit.pearson_chi2], &[40.80933190314789], tol, "pearson");
    }

    /// Hand check: an intercept-only Poisson model estimates ln(mean), with variance 1/Σy;
    /// the quasi errors never fall below the model ones (here the data are under-dispersed).
    #[test]
    fn intercept_only_poisson_is_log_mean() {
        let y = [4.0, 5.0, 6.0, 5.0];
        let design = vec![[1.0]; 4];
        let fit = fit_poisson_log(&design, &y, &GlmOptions::default()).unwrap();
        assert!((fit.coefficients[0] - 5.0_f64.ln()).abs() < 1e-12);
        assert!((fit.covariance.get(0, 0) - 1.0 / 20.0).abs() < 1e-12);
        // X² = (1 + 0 + 1 + 0) / 5 = 0.4 on 3 df.
        assert!((fit.pearson_chi2 - 0.4).abs() < 1e-12);
        assert!(fit.dispersion < 1.0);
        assert_eq!(fit.quasi_standard_errors(), fit.standard_errors());
    }

    #[test]
    fn rejects_bad_input() {
        let design = binomial_design();
        let opts = GlmOptions::default();
        // Collinear design: the third column is twice the second.
        let collinear: Vec<[f64; 3]> = (0..12).map(|i| [1.0, BX1[i], 2.0 * BX1[i]]).collect();
        assert!(matches!(
            fit_binomial_logit(&collinear, &BS, &BN, &opts),
            Err(StatsError::NotPositiveDefinite { .. })
        ));
        let mut bad = BS;
        bad[0] = 21.0;
        assert!(matches!(
            fit_binomial_logit(&design, &bad, &BN, &opts),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(
            fit_binomial_logit(&design, &BS[..11], &BN, &opts),
            Err(StatsError::LengthMismatch { .. })
        ));
        let empty: Vec<[f64; 1]> = vec![];
        assert_eq!(
            fit_poisson_log(&empty, &[], &opts),
            Err(StatsError::Empty("design"))
        );
        assert!(matches!(
            fit_poisson_log(&[[1.0, 0.0]], &[1.0], &opts),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(matches!(
            fit_poisson_log(&[[1.0], [1.0]], &[1.0, -1.0], &opts),
            Err(StatsError::InvalidArgument(_))
        ));
    }

    /// Complete separation: the MLE does not exist. The fit must not panic or return NaN; it
    /// reports a tiny deviance and huge standard errors.
    #[test]
    fn separation_gives_finite_but_huge_errors() {
        let design: Vec<[f64; 2]> = (0..6).map(|i| [1.0, i as f64]).collect();
        let s = [0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        let n = [5.0; 6];
        let fit = fit_binomial_logit(&design, &s, &n, &GlmOptions::default()).unwrap();
        assert!(fit.deviance < 1e-6);
        assert!(
            fit.standard_errors()
                .iter()
                .all(|se| se.is_finite() && *se > 100.0)
        );
    }
}
