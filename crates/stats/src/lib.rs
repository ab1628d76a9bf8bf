//! # recount-stats: small, tested statistical routines
//!
//! The statistics the recount detectors are built from, each a plain function over slices of
//! `f64` with its source named in the docs and its results checked in the tests against a
//! textbook example or an established package (scipy, statsmodels, ruptures):
//!
//! - multiple testing: Benjamini–Hochberg q-values;
//! - tail probabilities and quantiles of the normal, Student t and χ² distributions;
//! - GLMs for proportions (binomial, logit) and counts (Poisson, log) with offsets, prior
//!   weights and quasi-likelihood standard errors, on a small Cholesky-based linear algebra;
//! - DerSimonian–Laird random-effects meta-analysis, and Spiegelhalter's funnel plots with
//!   the additive over-dispersion allowance;
//! - changes in mean: PELT, the single best change and an approximate location set;
//! - Wilson and Clopper–Pearson intervals and the sample size of a case review;
//! - lag-1 autocorrelation and the AR(1) variance inflation of a mean;
//! - weighted means and variances, and a Knapp–Hartung group difference.
//!
//! It is not for police data: it knows nothing of forces, months, offences or the audit cube
//! (that is `recount-cube`), and it makes no decisions (the detectors in `recount-detect`
//! choose the tests, thresholds and penalties). Nor is it a general statistics or linear
//! algebra library: only what the detectors need is here, sized for tens to thousands of
//! observations and a handful of parameters.
//!
//! Degenerate input is reported as a [`StatsError`]; where a routine instead returns NaN
//! (a missing p-value, say) its documentation says so.
//!
//! ```
//! use recount_stats::{benjamini_hochberg, dersimonian_laird, normal_two_sided_p};
//!
//! let p: Vec<f64> = [3.1, 0.4, -2.2].iter().map(|&z| normal_two_sided_p(z)).collect();
//! let q = benjamini_hochberg(&p);
//! assert!(q[0] < 0.01 && q[1] > 0.5);
//!
//! let re = dersimonian_laird(&[0.1, 0.3, 0.2], &[0.01, 0.02, 0.015]).unwrap();
//! assert!(re.tau2 >= 0.0 && re.se >= re.fixed_se);
//! ```

pub use autocorrelation::{
    MAX_AR1_RHO, ar1_variance_inflation, lag1_autocorrelation, mean_variance_inflation,
};
pub use changepoint::{
    ChangeLocationSet, MeanShift, change_location_set, mean_shift_profile, pelt_mean_shift,
    single_mean_shift,
};
pub use distributions::{
    chi_squared_sf, normal_quantile, normal_sf, normal_two_sided_p, student_t_quantile,
    student_t_sf, student_t_two_sided_p,
};
pub use error::StatsError;
pub use fdr::benjamini_hochberg;
pub use funnel::{
    DEFAULT_WINSOR_FRACTION, FunnelLimits, Overdispersion, additive_overdispersion,
    consistent_additive_overdispersion, funnel_limits, winsorised_square_mean_expected, winsorize,
};
pub use glm::{GlmFamily, GlmFit, GlmOptions, fit_binomial_logit, fit_poisson_log};
pub use intervals::{Interval, clopper_pearson_interval, review_sample_size, wilson_interval};
pub use linalg::{Cholesky, Matrix};
pub use meta::{RandomEffects, dersimonian_laird};
pub use weighted::{
    GroupDifference, VarianceWeights, knapp_hartung_difference, weighted_mean, weighted_variance,
};

mod autocorrelation;
mod changepoint;
mod distributions;
mod error;
mod fdr;
mod funnel;
mod glm;
mod intervals;
mod linalg;
mod meta;
mod weighted;
