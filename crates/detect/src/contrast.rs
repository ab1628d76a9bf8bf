//! The contrast at the heart of every detector: how a force's rate moved from before a target
//! to after it, against how the same rate moved in its peers (a difference in differences on
//! the log-odds), judged against the spread of the same contrast among forces with no target.
//!
//! Model (per force, per block of months `t`):
//!
//! ```text
//! d_t = logit(force rate_t) - logit(peer rate_t)          (empirical logits, Cox 1970)
//! d_t = mu + delta * after_t + e_t,   e_t ~ N(0, u_t + sigma^2)
//! ```
//!
//! - `u_t` is the binomial variance of `d_t`; `sigma^2` the force's extra month-to-month
//!   variation (over-dispersion is the rule in police counts), estimated by the DerSimonian-
//!   Laird moment method on the within-period spread (a quasi-likelihood allowance, never a
//!   plain binomial test).
//! - Seasonality and national shocks are common to the force and its peers and cancel in
//!   `d_t`; they cannot cancel when a force has no peers (own-past baseline, with month-of-year
//!   effects when there are 24 months or more before the target).
//! - The standard error of `delta` is the larger of the model-based and the Knapp-Hartung one,
//!   inflated for lag-1 autocorrelation of the residuals (a slow drift must not pass for a
//!   step), and then combined with the between-force variance `tau^2` of the same contrast
//!   among reference forces (Spiegelhalter 2005's additive random effect, with 10%
//!   Winsorisation made consistent for normal scores): an honest force's change is judged
//!   against how much honest forces' changes differ.
//! - The test is one-sided in the direction gaming moves the rate, on Student's t with `k - p`
//!   degrees of freedom (`k` blocks, `p` parameters: two levels, a third for a step inside the
//!   period after the start or the months before a later onset, month-of-year effects and a
//!   carried-on drift where fitted).
//!
//! Sparse series are aggregated into blocks of 2, 3 or 6 months (aligned on the target start)
//! so that the empirical logits are not dominated by their 0.5 corrections.

use recount_cube::Period;
use recount_stats::{
    ar1_variance_inflation, consistent_additive_overdispersion, lag1_autocorrelation,
    mean_shift_profile, student_t_quantile, student_t_sf, student_t_two_sided_p,
};

use crate::rates::{Monthly, Rate};

/// Which way gaming moves a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Gaming lowers the rate (serious share, conversion).
    Fall,
    /// Gaming raises the rate (cancellations, late recording).
    Rise,
}

impl Direction {
    /// +1 for a rise, -1 for a fall.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Fall => -1.0,
            Direction::Rise => 1.0,
        }
    }
}

/// How the number of records a shift stands for is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counterfactual {
    /// Gaming moves records between hits and misses, or changes hits while the total holds
    /// (downgrading, non-recording, cancelling): expected hits are the counterfactual share of
    /// the observed total.
    ShareOfTotal,
    /// Gaming removes hits and leaves misses alone (calls re-badged out of a call type), or
    /// adds hits and leaves misses alone (downgrades made at month end that would not have been
    /// made at all): expected hits are the counterfactual odds times the observed misses.
    OddsOfMisses,
}

/// The months compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First month of the history used.
    pub pre_from: Period,
    /// The first month under the target.
    pub start: Period,
    /// Last month compared.
    pub post_to: Period,
    /// The first month gaming is tested from: the start, or a later onset tried in case gaming
    /// began some months into the target (see `Design::late_onsets`). The blocks from the start
    /// up to it are fitted as a level of their own, so the shift tested is that of the months
    /// from it on; records are still counted from the start.
    pub gaming_from: Period,
}

impl Window {
    /// The months from `pre_from` to `post_to`, compared before and after `start`.
    pub fn new(pre_from: Period, start: Period, post_to: Period) -> Window {
        Window {
            pre_from,
            start,
            post_to,
            gaming_from: start,
        }
    }

    /// The window with gaming tested from `onset` on, the months between the start and it a
    /// level of their own.
    pub fn from_onset(self, onset: Period) -> Window {
        Window {
            gaming_from: onset,
            ..self
        }
    }
}

/// What the force is compared with.
#[derive(Clone, Debug)]
pub enum Baseline<'a> {
    /// Peers' pooled rates over the same months.
    Peers(&'a Monthly),
    /// The force's own past, with month-of-year effects where the history allows.
    OwnPast,
    /// Nothing to subtract: the force's rate already is a comparison with its peers (its part
    /// of a volume shared with them).
    Built,
}

/// Limits on what the contrast will judge.
#[derive(Clone, Copy, Debug)]
pub struct ContrastSettings {
    /// Fewest months before the start.
    pub min_pre_months: u32,
    /// Fewest months from the start.
    pub min_post_months: u32,
}

/// A block of consecutive months.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    /// First month of the block.
    pub first: Period,
    /// Whether the block is on or after the start.
    pub after: bool,
    /// The force's records.
    pub force: Rate,
    /// The peers' logit (or the seasonal baseline).
    pub baseline_logit: f64,
}

impl Block {
    /// Whether the block is among those whose shift is tested when gaming is tested from
    /// `gaming_from`: it begins on or after it (a block that begins before a later onset is in
    /// the level between the start and it).
    fn tested(&self, gaming_from: Period) -> bool {
        self.after && self.first >= gaming_from
    }
}

/// A force's contrast, before the between-force allowance.
#[derive(Clone, Debug)]
pub struct Contrast {
    /// The blocks compared, in time order.
    pub blocks: Vec<Block>,
    /// Months per block.
    pub block_months: u32,
    /// Force-minus-baseline logit per block.
    pub differences: Vec<f64>,
    /// Binomial variance of each difference.
    pub variances: Vec<f64>,
    /// Binomial variance of each difference at the block's own counts, for dating only: the
    /// dating profile weighs every candidate month alike, and variances pooled by side of the
    /// start would carry the start's position into it (they moved one found break 3 months).
    pub dating_variances: Vec<f64>,
    /// Extra block-to-block variance.
    pub sigma2: f64,
    /// Mean difference before the start.
    pub level_before: f64,
    /// What the difference would have been in each block without a shift: the level before
    /// the start.
    pub counterfactual: Vec<f64>,
    /// What to add to the counterfactual line when counting records, by
    /// [`Counterfactual`] (share of total, odds of misses): the level that makes the expected
    /// records before the start equal the observed ones, minus `level_before`. See
    /// [`calibrated_levels`].
    pub calibration: [f64; 2],
    /// `delta`: the mean shift of the blocks tested (those after the start, or from a later
    /// onset) from their counterfactual.
    pub delta: f64,
    /// Variance of the counterfactual level (the mean before the start), with the within-force
    /// allowances: what the records-affected interval carries.
    pub level_variance: f64,
    /// Standard error of `delta` within the force (Knapp-Hartung and AR(1) allowances in).
    pub se_within: f64,
    /// The AR(1) variance inflation applied.
    pub inflation: f64,
    /// The within-force allowance on the model's variances: the Knapp-Hartung factor (at
    /// least 1) times the AR(1) inflation.
    pub allowance: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Parameters fitted beyond the levels: month-of-year effects, a carried-on drift.
    pub extra_parameters: usize,
    /// The first month of a significant step inside the period after the start, around which
    /// the noise was measured (see [`onset_after_start`]); `None` when there is none.
    pub onset: Option<Period>,
    /// With such a step, where the rate settled: the level of the blocks from it on against the
    /// level before the start.
    pub settled: Option<Settled>,
    /// The first month of the blocks whose shift `delta` is: the start, or the first block
    /// on or after a later onset (see [`Window::gaming_from`]; blocks are aligned on the start,
    /// so with blocks of 2 or more months this can be later than the onset asked for).
    pub gaming_from: Period,
    /// The drift already under way before the start that the counterfactual carries on, in
    /// the log-odds per year (see [`Contrast::allowing_for_pre_trend`]); `None` when none.
    pub pre_trend: Option<f64>,
    /// The wider rate whose drift was carried on, when not this series' own (see
    /// [`crate::spec::RateSpec::part_of`]).
    pub drift_of: Option<String>,
}

/// The level a force's rate settled at after a step inside the period after the start,
/// against its level before the start (the difference of the two levels' weighted means, with
/// the fit's allowances).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settled {
    /// The shift of the settled level in the log-odds.
    pub delta: f64,
    /// Its standard error within the force.
    pub se_within: f64,
}

impl Settled {
    /// The one-sided p-value that the settled level is still shifted in the gaming
    /// `direction`, with the between-force variance, on the contrast's degrees of freedom.
    pub fn p_value(&self, tau2: f64, direction: Direction, df: f64) -> f64 {
        let t = self.delta / (self.se_within.powi(2) + tau2).sqrt();
        student_t_sf(direction.sign() * t, df).unwrap_or(1.0)
    }
}

/// Cox's empirical logit of a block's rate (Cox 1970, with the 0.5 corrections).
fn empirical_logit(rate: Rate) -> f64 {
    ((rate.hits + 0.5) / (rate.misses() + 0.5)).ln()
}

/// The binomial variance of a block's empirical logit (Gart & Zweifel 1967's form), taken at
/// the period's pooled share rather than the block's own: with the block's own hits, a block
/// with more hits than usual gets a smaller variance and so more weight, and the weighted
/// level is biased towards high rates. That bias moved every estimate of affected records the
/// same way (honest forces showed a serious-share shortfall of about 37 records over the six
/// offence pairs in 12 seeds of the power study; cancellations were under-counted by 2-4%).
fn logit_variance(total: f64, pooled_share: f64) -> f64 {
    1.0 / (total * pooled_share + 0.5) + 1.0 / (total * (1.0 - pooled_share) + 0.5)
}

/// The pooled share of the blocks on each side of the start: `[before, after]`.
fn pooled_shares(blocks: &[(Period, bool, Rate)]) -> [f64; 2] {
    let mut sides = [Rate::default(), Rate::default()];
    for (_, after, rate) in blocks {
        sides[usize::from(*after)].absorb(*rate);
    }
    sides.map(|r| if r.total > 0.0 { r.hits / r.total } else { 0.0 })
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Months per block: the shortest of 1, 2, 3 or 6 months in which the force has on average at
/// least 5 hits and 5 misses before the start.
fn block_months(force: &Monthly, window: &Window) -> u32 {
    let before: Vec<&Rate> = force
        .range(window.pre_from..window.start)
        .map(|(_, r)| r)
        .collect();
    if before.is_empty() {
        return 1;
    }
    let months = before.len() as f64;
    let hits = before.iter().map(|r| r.hits).sum::<f64>() / months;
    let misses = before.iter().map(|r| r.misses()).sum::<f64>() / months;
    [1u32, 2, 3, 6]
        .into_iter()
        .find(|&b| hits * f64::from(b) >= 5.0 && misses * f64::from(b) >= 5.0)
        .unwrap_or(6)
}

/// Sums monthly rates into blocks aligned on the start; blocks with no records are dropped.
fn blocks_of(monthly: &Monthly, window: &Window, months: u32) -> Vec<(Period, bool, Rate)> {
    let b = months as i32;
    // The earliest block start on or after `pre_from` that is a whole number of blocks
    // before the start.
    let history = window.pre_from.months_until(window.start).max(0);
    let mut offset = -(history / b) * b;
    let mut out = Vec::new();
    while window.start.offset(offset) <= window.post_to {
        let first = window.start.offset(offset);
        let mut rate = Rate::default();
        for p in (0..b)
            .map(|m| first.offset(m))
            .take_while(|p| *p <= window.post_to)
        {
            if let Some(r) = monthly.get(&p) {
                rate.absorb(*r);
            }
        }
        out.push((first, offset >= 0, rate));
        offset += b;
    }
    out
}

/// One-sided level of the test for a drift before the start in the gaming direction (see
/// [`Contrast::allowing_for_pre_trend`]).
pub const PRE_TREND_ALPHA: f64 = 0.05;

/// A drift under way before the start: the slope of a contrast's differences, per month in
/// the log-odds, and its standard error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drift {
    /// Per month.
    pub slope: f64,
    /// Its standard error, with the within-force allowances.
    pub se: f64,
}

/// The slope of the differences before the start.
struct PreTrend {
    /// Per month.
    slope: f64,
    /// Its standard error, with the within-force allowances.
    se: f64,
    df: f64,
    /// Each block's time in months from the first block's month (its middle).
    times: Vec<f64>,
    /// The weighted mean time of the blocks before the start, where the line is anchored.
    centre: f64,
    /// The weighted mean time of the blocks after the start.
    after_centre: f64,
}

impl Contrast {
    /// The contrast of one force, or `None` when there is too little to judge (too few months
    /// on either side, or no records).
    pub fn estimate(
        force: &Monthly,
        baseline: &Baseline,
        window: &Window,
        settings: &ContrastSettings,
    ) -> Option<Contrast> {
        let months = block_months(force, window);
        let force_blocks = blocks_of(force, window, months);
        let pool_blocks = match baseline {
            Baseline::Peers(pool) => Some(blocks_of(pool, window, months)),
            Baseline::OwnPast | Baseline::Built => None,
        };
        let force_shares = pooled_shares(&force_blocks);
        let pool_shares = pool_blocks.as_deref().map(pooled_shares);
        let mut blocks = Vec::new();
        let mut differences = Vec::new();
        let mut variances = Vec::new();
        let mut dating_variances = Vec::new();
        let own = |r: Rate| logit_variance(r.total, r.hits / r.total);
        for (i, (first, after, rate)) in force_blocks.iter().enumerate() {
            if rate.total <= 0.0 {
                continue;
            }
            let side = usize::from(*after);
            let y = empirical_logit(*rate);
            let v = logit_variance(rate.total, force_shares[side]);
            let (z, w) = match (&pool_blocks, &pool_shares) {
                (Some(pool), Some(shares)) if pool[i].2.total > 0.0 => (
                    empirical_logit(pool[i].2),
                    logit_variance(pool[i].2.total, shares[side]),
                ),
                (Some(_), _) => continue,
                _ => (0.0, 0.0),
            };
            blocks.push(Block {
                first: *first,
                after: *after,
                force: *rate,
                baseline_logit: z,
            });
            differences.push(y - z);
            variances.push(v + w);
            dating_variances.push(own(*rate) + pool_blocks.as_ref().map_or(0.0, |p| own(p[i].2)));
        }
        let before = blocks.iter().filter(|b| !b.after).count() as u32 * months;
        // The months tested, the last block cut at the end of the window.
        let after: u32 = blocks
            .iter()
            .filter(|b| b.tested(window.gaming_from))
            .map(|b| months.min(b.first.months_until(window.post_to).max(0) as u32 + 1))
            .sum();
        if before < settings.min_pre_months || after < settings.min_post_months {
            return None;
        }
        let mut seasonal_parameters = 0;
        if matches!(baseline, Baseline::OwnPast) && months == 1 {
            seasonal_parameters = remove_seasonality(&mut blocks, &mut differences);
        }
        Self::fit(
            blocks,
            months,
            differences,
            [variances, dating_variances],
            seasonal_parameters,
            window.gaming_from,
        )
    }

    fn fit(
        blocks: Vec<Block>,
        block_months: u32,
        differences: Vec<f64>,
        [variances, dating_variances]: [Vec<f64>; 2],
        extra_parameters: usize,
        gaming_from: Period,
    ) -> Option<Contrast> {
        let k = differences.len();
        let parameters = 2 + extra_parameters;
        if k <= parameters + 1 {
            return None;
        }
        let after: Vec<bool> = blocks.iter().map(|b| b.after).collect();
        let tested: Vec<bool> = blocks.iter().map(|b| b.tested(gaming_from)).collect();
        let two_levels: Vec<usize> = after.iter().map(|&a| usize::from(a)).collect();
        // From a later onset, fixed in advance, the blocks between the start and it are a level
        // of their own; otherwise a step inside the period after the start is a level of its
        // own only when it passes the gate.
        let late_at = if after.iter().zip(&tested).any(|(&a, &t)| a && !t) {
            Some((0..k).find(|&i| tested[i])?)
        } else {
            None
        };
        let gated = match late_at {
            Some(_) => None,
            None => onset_after_start(&differences, &variances, &two_levels, parameters),
        };
        // With a step inside the after period, the noise is measured around three levels (the
        // step is the alternative's shape, not noise); `delta` stays the mean shift of all the
        // blocks tested.
        let levels = match late_at.or(gated) {
            Some(at) => with_onset(&two_levels, at),
            None => two_levels,
        };
        let parameters = parameters + usize::from(late_at.or(gated).is_some());
        if k <= parameters + 1 {
            return None;
        }
        let onset = gated.map(|at| blocks[at].first);
        let tested_from = late_at.map_or(gaming_from, |at| blocks[at].first);
        let df = (k - parameters) as f64;
        let LevelsFit {
            sigma2,
            weights,
            knapp_hartung,
            inflation,
        } = LevelsFit::new(&differences, &variances, &levels, df);
        let (level_before, w_before, _) = weighted_mean(&differences, &weights, |i| !after[i]);
        let (level_after, w_after, _) = weighted_mean(&differences, &weights, |i| tested[i]);
        let model_variance = 1.0 / w_before + 1.0 / w_after;
        let allowance = knapp_hartung.max(1.0) * inflation;
        let settled = gated.map(|at| {
            let (level, w_settled, _) = weighted_mean(&differences, &weights, |i| i >= at);
            Settled {
                delta: level - level_before,
                se_within: ((1.0 / w_before + 1.0 / w_settled) * allowance).sqrt(),
            }
        });
        let variance = model_variance * allowance;
        let counterfactual = vec![level_before; k];
        let calibration = calibrated_levels(&blocks, level_before).map(|l| l - level_before);
        Some(Contrast {
            blocks,
            block_months,
            differences,
            variances,
            dating_variances,
            sigma2,
            level_before,
            counterfactual,
            calibration,
            delta: level_after - level_before,
            level_variance: allowance / w_before,
            se_within: variance.sqrt(),
            inflation,
            allowance,
            df,
            extra_parameters,
            onset,
            settled,
            gaming_from: tested_from,
            pre_trend: None,
            drift_of: None,
        })
    }

    /// The contrast with a drift already under way before the start carried on, when the
    /// blocks before the start show one in the gaming `direction` (one-sided t test of the
    /// slope at [`PRE_TREND_ALPHA`]); otherwise the contrast as it is.
    ///
    /// A force whose recording drifts by some per cent a year against its peers (staff,
    /// systems and scrutiny change) shows a step between the means before and after any date,
    /// and the level model reads the drift as gaming. Difference-in-differences rests on
    /// parallel trends; where the force's own history before the start refutes them, the
    /// counterfactual is the line before the start carried on (the pre-period extrapolation of
    /// interrupted time series; Wagner et al. 2002, "Segmented regression analysis of
    /// interrupted time series studies", J Clin Pharm Ther 27:299-309). The slope is estimated
    /// on the blocks before the start only, by weighted least squares with the level fit's
    /// weights, its variance with the Knapp-Hartung and AR(1) allowances; its uncertainty,
    /// times the gap between the mean times before and after, is added to the shift's variance
    /// and to the counterfactual level's. Only a drift in the gaming direction is carried on:
    /// that moves the counterfactual towards what was observed after and can only shrink a
    /// finding; a drift the other way is left alone (the level model then understates gaming,
    /// which errs towards no finding).
    pub fn allowing_for_pre_trend(self, direction: Direction) -> Contrast {
        match self.drift_before(direction) {
            Some(drift) => self.carrying_on(drift),
            None => self,
        }
    }

    /// The drift of this contrast over the blocks before the start, when it goes the gaming
    /// `direction` (one-sided t test of the slope at [`PRE_TREND_ALPHA`]).
    pub fn drift_before(&self, direction: Direction) -> Option<Drift> {
        let trend = self.pre_period_slope()?;
        let t = direction.sign() * trend.slope / trend.se;
        let p = student_t_sf(t, trend.df).unwrap_or(1.0);
        (p < PRE_TREND_ALPHA).then_some(Drift {
            slope: trend.slope,
            se: trend.se,
        })
    }

    /// The contrast with `drift` (its own, or a wider rate's of the same force) carried on
    /// from the blocks before the start; the drift's uncertainty, times the gap between the
    /// mean times before and after, is added to the shift's variance and to the
    /// counterfactual level's. The contrast as it is with fewer than four blocks before.
    pub fn carrying_on(self, drift: Drift) -> Contrast {
        let Some(trend) = self.pre_period_slope() else {
            return self;
        };
        let mut blocks = self.blocks.clone();
        let mut differences = self.differences.clone();
        for ((block, d), x) in blocks.iter_mut().zip(&mut differences).zip(&trend.times) {
            let line = drift.slope * (x - trend.centre);
            *d -= line;
            block.baseline_logit += line;
        }
        let Some(mut trended) = Self::fit(
            blocks,
            self.block_months,
            differences,
            [self.variances.clone(), self.dating_variances.clone()],
            self.extra_parameters + 1,
            self.gaming_from,
        ) else {
            return self;
        };
        let extra = (trend.after_centre - trend.centre).powi(2) * drift.se.powi(2);
        trended.se_within = (trended.se_within.powi(2) + extra).sqrt();
        trended.level_variance += extra;
        if let Some(settled) = &mut trended.settled {
            settled.se_within = (settled.se_within.powi(2) + extra).sqrt();
        }
        trended.pre_trend = Some(drift.slope * 12.0);
        trended
    }

    /// The weighted least-squares slope of the differences on time (in months) over the
    /// blocks before the start; `None` with fewer than four such blocks.
    fn pre_period_slope(&self) -> Option<PreTrend> {
        let origin = self.blocks.first()?.first;
        let half_block = (f64::from(self.block_months) - 1.0) / 2.0;
        let times: Vec<f64> = self
            .blocks
            .iter()
            .map(|b| f64::from(origin.months_until(b.first)) + half_block)
            .collect();
        let weights: Vec<f64> = self
            .variances
            .iter()
            .map(|v| 1.0 / (v + self.sigma2))
            .collect();
        // The centre after is that of the blocks tested (from a later onset, later than the
        // mean of all blocks after the start: the drift's uncertainty errs larger).
        let centre_of = |after: bool| {
            let (mut sum, mut total) = (0.0, 0.0);
            for ((b, x), w) in self.blocks.iter().zip(&times).zip(&weights) {
                let side = if after {
                    b.tested(self.gaming_from)
                } else {
                    !b.after
                };
                if side {
                    sum += w * x;
                    total += w;
                }
            }
            (total > 0.0).then(|| sum / total)
        };
        let before: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| !self.blocks[i].after)
            .collect();
        if before.len() < 4 {
            return None;
        }
        let centre = centre_of(false)?;
        let after_centre = centre_of(true)?;
        let (mut sxx, mut sxy, mut sw, mut swy) = (0.0, 0.0, 0.0, 0.0);
        for &i in &before {
            let x = times[i] - centre;
            sxx += weights[i] * x * x;
            sxy += weights[i] * x * self.differences[i];
            sw += weights[i];
            swy += weights[i] * self.differences[i];
        }
        if sxx <= 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        let mean = swy / sw;
        let df = (before.len() - 2) as f64;
        let residuals: Vec<f64> = before
            .iter()
            .map(|&i| {
                (self.differences[i] - mean - slope * (times[i] - centre)) * weights[i].sqrt()
            })
            .collect();
        let (knapp_hartung, inflation) = within_allowances(&residuals, df);
        let variance = knapp_hartung.max(1.0) * inflation / sxx;
        Some(PreTrend {
            slope,
            se: variance.sqrt(),
            df,
            times,
            centre,
            after_centre,
        })
    }

    /// Number of blocks before and after the start.
    pub fn block_counts(&self) -> (usize, usize) {
        let after = self.blocks.iter().filter(|b| b.after).count();
        (self.blocks.len() - after, after)
    }

    /// The records a shift of `delta_value` stands for over the blocks after the start:
    /// observed hits minus the hits expected had the difference been its counterfactual
    /// shifted by `delta - delta_value` (at `delta_value = delta`, the counterfactual itself).
    /// Positive when there are more hits than expected.
    pub fn excess_hits(&self, delta_value: f64, counterfactual: Counterfactual) -> f64 {
        self.blocks
            .iter()
            .zip(&self.counterfactual)
            .filter(|(b, _)| b.after)
            .map(|(b, line)| {
                let line = line + self.calibration_for(counterfactual);
                let share = expit(b.baseline_logit + line + self.delta - delta_value);
                let expected = match counterfactual {
                    Counterfactual::ShareOfTotal => b.force.total * share,
                    Counterfactual::OddsOfMisses => {
                        b.force.misses() * share / (1.0 - share).max(1e-9)
                    }
                };
                b.force.hits - expected
            })
            .sum()
    }

    /// The blocks after the start with the honest log-odds the counterfactual gives them
    /// (calibrated for counting by `counterfactual`), for counting what a shift would move.
    pub(crate) fn honest_after(&self, counterfactual: Counterfactual) -> Vec<(f64, Rate)> {
        self.blocks
            .iter()
            .zip(&self.counterfactual)
            .filter(|(b, _)| b.after)
            .map(|(b, line)| {
                let logit = b.baseline_logit + line + self.calibration_for(counterfactual);
                (logit, b.force)
            })
            .collect()
    }

    fn calibration_for(&self, counterfactual: Counterfactual) -> f64 {
        match counterfactual {
            Counterfactual::ShareOfTotal => self.calibration[0],
            Counterfactual::OddsOfMisses => self.calibration[1],
        }
    }

    /// The 95% interval of [`Contrast::excess_hits`] at the estimated shift, by the delta method:
    /// the uncertainty of the counterfactual level (its variance, plus the between-force
    /// variance `tau2`) carried through the expected counts, plus the noise of the honest count
    /// the counterfactual stands for, binomial with the force's extra variance and the
    /// within-force allowances (the record count is of realised records, not of their
    /// expectation). `q` is the quantile (1.96 or t).
    pub fn excess_interval(&self, counterfactual: Counterfactual, tau2: f64, q: f64) -> (f64, f64) {
        let (mut slope, mut noise) = (0.0, 0.0);
        for (b, line) in self
            .blocks
            .iter()
            .zip(&self.counterfactual)
            .filter(|(b, _)| b.after)
        {
            let p = expit(b.baseline_logit + line + self.calibration_for(counterfactual));
            let (derivative, spread) = match counterfactual {
                Counterfactual::ShareOfTotal => {
                    let v = b.force.total * p * (1.0 - p);
                    (v, v)
                }
                Counterfactual::OddsOfMisses => {
                    let expected = b.force.misses() * p / (1.0 - p).max(1e-9);
                    (expected, expected)
                }
            };
            slope += derivative;
            noise += spread + self.sigma2 * spread * spread;
        }
        // The honest counts after the start scatter as the blocks before it do: the same
        // Knapp-Hartung and AR(1) allowances apply to their sum as to the level. Without
        // them, a small force whose moment estimate of extra variance is truncated at zero
        // had intervals about 20% too narrow (z^2 averaging 1.4 over 20 near-honest seeds of
        // the power study).
        let noise = noise * self.allowance;
        let estimate = self.excess_hits(self.delta, counterfactual);
        let half = q * (slope * slope * (self.level_variance + tau2) + noise).sqrt();
        (estimate - half, estimate + half)
    }

    /// The first month the series looks shifted in the gaming direction: the best single change
    /// in the differences between three months before the start and two blocks before the end,
    /// or the start itself when no change that way fits better.
    pub fn first_affected(&self, direction: Direction, start: Period) -> Period {
        let variances: Vec<f64> = self
            .dating_variances
            .iter()
            .map(|v| v + self.sigma2)
            .collect();
        let Ok(profile) = mean_shift_profile(&self.differences, Some(&variances), 2) else {
            return start;
        };
        let earliest = start.offset(-3);
        profile
            .into_iter()
            .filter(|(k, _)| self.blocks[*k].first >= earliest)
            .filter(|(k, _)| {
                let (before, after) = self.differences.split_at(*k);
                let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
                (mean(after) - mean(before)) * direction.sign() > 0.0
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(k, _)| self.blocks[k].first)
            .unwrap_or(start)
    }
}

/// The counterfactual levels that count records without bias: for a share, the binomial
/// maximum-likelihood level `L` of `logit(p_t) = baseline_t + L` over the blocks before the
/// start, whose score equation says the expected hits before the start equal the observed
/// ones (`sum n_t expit(baseline_t + L) = sum hits_t`, solved by Newton's method); for odds
/// of misses, the closed form `L = ln(sum hits_t / sum misses_t e^baseline_t)`. The mean of
/// the blocks' logits (`level_before`, right for testing the shift) is not right for counting:
/// the logit is not linear, so the share at the mean logit is not the mean share (Jensen), and
/// the empirical logits' 0.5 corrections lean on small counts. Falls back to `level_before`
/// when the records before the start are all hits or all misses.
fn calibrated_levels(blocks: &[Block], level_before: f64) -> [f64; 2] {
    let before: Vec<&Block> = blocks.iter().filter(|b| !b.after).collect();
    let hits: f64 = before.iter().map(|b| b.force.hits).sum();
    let total: f64 = before.iter().map(|b| b.force.total).sum();
    if hits <= 0.0 || hits >= total {
        return [level_before; 2];
    }
    let mut share_level = level_before;
    for _ in 0..50 {
        let (mut gap, mut slope) = (-hits, 0.0);
        for b in &before {
            let p = expit(b.baseline_logit + share_level);
            gap += b.force.total * p;
            slope += b.force.total * p * (1.0 - p);
        }
        if slope <= 0.0 {
            break;
        }
        let step = gap / slope;
        share_level -= step.clamp(-1.0, 1.0);
        if step.abs() < 1e-12 {
            break;
        }
    }
    let weighted_misses: f64 = before
        .iter()
        .map(|b| b.force.misses() * b.baseline_logit.exp())
        .sum();
    let odds_level = if weighted_misses > 0.0 {
        (hits / weighted_misses).ln()
    } else {
        level_before
    };
    [share_level, odds_level]
}

/// The Knapp-Hartung factor (the residual mean square of weighted residuals on `df` degrees
/// of freedom) and the AR(1) variance inflation of the residuals' lag-1 autocorrelation.
fn within_allowances(weighted_residuals: &[f64], df: f64) -> (f64, f64) {
    let knapp_hartung = weighted_residuals.iter().map(|r| r * r).sum::<f64>() / df;
    // Residuals far below their binomial scale carry no information about correlation (a
    // series without sampling noise): take them as independent.
    let rho = if knapp_hartung > 1e-6 {
        lag1_autocorrelation(weighted_residuals).unwrap_or(0.0)
    } else {
        0.0
    };
    (knapp_hartung, ar1_variance_inflation(rho))
}

/// Weighted mean of the values `include` picks, their total weight and total squared weight.
fn weighted_mean(
    values: &[f64],
    weights: &[f64],
    include: impl Fn(usize) -> bool,
) -> (f64, f64, f64) {
    let (mut sum, mut total, mut total_sq) = (0.0, 0.0, 0.0);
    for i in (0..values.len()).filter(|&i| include(i)) {
        sum += weights[i] * values[i];
        total += weights[i];
        total_sq += weights[i] * weights[i];
    }
    (if total > 0.0 { sum / total } else { 0.0 }, total, total_sq)
}

/// The DerSimonian-Laird moment estimate of the extra variance around one mean per level
/// (`levels[i]` labels block `i`): the meta-regression form with a level indicator as the
/// design, where `Q` is the fixed-effect weighted spread within the levels and its expectation
/// is `df + sigma^2 (sum w - sum w^2 / sum w)` summed over levels (DerSimonian & Laird 1986;
/// Raudenbush 2009 for the meta-regression form). `df` counts any parameters fitted beyond the
/// levels.
fn dersimonian_laird(differences: &[f64], variances: &[f64], levels: &[usize], df: f64) -> f64 {
    let fixed: Vec<f64> = variances.iter().map(|v| 1.0 / v).collect();
    let (q, c) = (0..level_count(levels)).fold((0.0, 0.0), |(q, c), g| {
        let (mean, total, total_sq) = weighted_mean(differences, &fixed, |i| levels[i] == g);
        if total <= 0.0 {
            return (q, c);
        }
        let spread: f64 = (0..differences.len())
            .filter(|&i| levels[i] == g)
            .map(|i| fixed[i] * (differences[i] - mean).powi(2))
            .sum();
        (q + spread, c + total - total_sq / total)
    });
    if c > 0.0 {
        ((q - df) / c).max(0.0)
    } else {
        0.0
    }
}

/// How many levels the labels `0..n` of `levels` name.
fn level_count(levels: &[usize]) -> usize {
    levels.iter().max().map_or(0, |m| m + 1)
}

/// Each difference's distance from its level's weighted mean, times the square root of its
/// weight.
fn weighted_residuals(differences: &[f64], weights: &[f64], levels: &[usize]) -> Vec<f64> {
    let means: Vec<f64> = (0..level_count(levels))
        .map(|g| weighted_mean(differences, weights, |i| levels[i] == g).0)
        .collect();
    (0..differences.len())
        .map(|i| (differences[i] - means[levels[i]]) * weights[i].sqrt())
        .collect()
}

/// Two-sided level, after Bonferroni over the candidate dates, at which a step inside the
/// period after the start is taken for a change rather than for noise (see
/// [`onset_after_start`]).
pub const ONSET_ALPHA: f64 = 0.001;

/// Fewest blocks on each side of a step inside the period after the start: one block alone is
/// as likely an outlier as a change.
const MIN_ONSET_BLOCKS: usize = 2;

/// The levels with the blocks from `at` on given a level of their own.
fn with_onset(levels: &[usize], at: usize) -> Vec<usize> {
    levels
        .iter()
        .enumerate()
        .map(|(i, &l)| if i >= at { 2 } else { l })
        .collect()
}

/// The first block of a step inside the period after the start, when there is a significant
/// one; `levels` are 0 before the start and 1 after, `parameters` those of the two-level fit.
///
/// Gaming need not start the month the target does. With one level after the start, a step a
/// few months in is read as over-dispersion: the extra variance and the Knapp-Hartung factor
/// swell and the shift is lost (a cancellation rate stepping up 4 months late got an extra
/// variance of 0.42 against about 0 before the start). So each date with at least
/// [`MIN_ONSET_BLOCKS`] blocks on both sides is tried as a third level: the step between the
/// two after-start levels is tested with the three-level fit's own allowances (its
/// DerSimonian-Laird extra variance, Knapp-Hartung factor and AR(1) inflation, so that a drift
/// split into two levels still reads as correlated noise), two-sided on Student's t, and the
/// smallest p-value times the number of dates tried (Bonferroni) must be below
/// [`ONSET_ALPHA`]. Under no step the three-level noise is then used for few series (0.03% of
/// simulated honest series with independent noise, 0.7% with AR(1) noise at 0.5; see the
/// tests), so the anti-conservatism of choosing the date is bounded; a step either way counts,
/// since either is structure rather than noise.
fn onset_after_start(
    differences: &[f64],
    variances: &[f64],
    levels: &[usize],
    parameters: usize,
) -> Option<usize> {
    let after: Vec<usize> = (0..levels.len()).filter(|&i| levels[i] == 1).collect();
    if after.len() < 2 * MIN_ONSET_BLOCKS {
        return None;
    }
    let df = levels.len() as f64 - parameters as f64 - 1.0;
    if df < 2.0 {
        return None;
    }
    let candidates = &after[MIN_ONSET_BLOCKS..=after.len() - MIN_ONSET_BLOCKS];
    // The largest |t| rather than the smallest p: far-off dates' p-values all underflow to 0.
    let (at, t) = candidates
        .iter()
        .map(|&at| {
            let t = step_t(differences, variances, &with_onset(levels, at), df);
            (at, t.abs())
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
    let p = student_t_two_sided_p(t, df).unwrap_or(1.0);
    (p * (candidates.len() as f64) < ONSET_ALPHA).then_some(at)
}

/// The t statistic of the step from level 1 to level 2 of a three-level fit.
fn step_t(differences: &[f64], variances: &[f64], levels: &[usize], df: f64) -> f64 {
    let fit = LevelsFit::new(differences, variances, levels, df);
    let (first, w_first, _) = weighted_mean(differences, &fit.weights, |i| levels[i] == 1);
    let (second, w_second, _) = weighted_mean(differences, &fit.weights, |i| levels[i] == 2);
    let allowance = fit.knapp_hartung.max(1.0) * fit.inflation;
    let se = ((1.0 / w_first + 1.0 / w_second) * allowance).sqrt();
    (second - first) / se
}

/// The random-effects fit of one mean per level, shared by the contrast and the test of a step
/// inside the period after the start: the extra variance, the weights it gives, and the
/// allowances measured on the residuals around the levels.
struct LevelsFit {
    sigma2: f64,
    weights: Vec<f64>,
    knapp_hartung: f64,
    inflation: f64,
}

impl LevelsFit {
    fn new(differences: &[f64], variances: &[f64], levels: &[usize], df: f64) -> Self {
        let sigma2 = dersimonian_laird(differences, variances, levels, df);
        let weights: Vec<f64> = variances.iter().map(|v| 1.0 / (v + sigma2)).collect();
        let residuals = weighted_residuals(differences, &weights, levels);
        let (knapp_hartung, inflation) = within_allowances(&residuals, df);
        LevelsFit {
            sigma2,
            weights,
            knapp_hartung,
            inflation,
        }
    }
}

/// Subtracts month-of-year means estimated before the start (own-past baseline only), when
/// every month of the year appears at least twice before it. Returns the parameters used (11).
fn remove_seasonality(blocks: &mut [Block], differences: &mut [f64]) -> usize {
    let mut sums = [0.0f64; 12];
    let mut counts = [0u32; 12];
    for (b, d) in blocks.iter().zip(differences.iter()) {
        if !b.after {
            let m = b.first.month() as usize - 1;
            sums[m] += d;
            counts[m] += 1;
        }
    }
    if counts.iter().any(|&c| c < 2) {
        return 0;
    }
    let means: Vec<f64> = (0..12).map(|m| sums[m] / f64::from(counts[m])).collect();
    let overall = means.iter().sum::<f64>() / 12.0;
    for (b, d) in blocks.iter_mut().zip(differences.iter_mut()) {
        let effect = means[b.first.month() as usize - 1] - overall;
        *d -= effect;
        b.baseline_logit += effect;
    }
    11
}

/// Fewest reference forces whose changes measure the spread between forces.
pub const MIN_SPREAD_REFERENCES: usize = 5;

/// The between-force variance of a contrast: Spiegelhalter's additive over-dispersion of the
/// reference forces' deltas around zero (no change is expected of an honest force), with 10%
/// Winsorisation so that a few unusual forces among the references (gaming, a merger) do not
/// inflate it; with fewer than ten references at least the most extreme one on each side is
/// Winsorised, since 10% of them would be none. Zero with fewer than
/// [`MIN_SPREAD_REFERENCES`] reference forces: too few to estimate, and the within-force
/// allowances then carry the uncertainty alone (a design measures the spread on every other
/// force before it comes to that; see [`crate::design::Design::spread`]).
///
/// The dispersion is made consistent for the Winsorising (see
/// [`recount_stats::consistent_additive_overdispersion`]). Spiegelhalter's own estimate reads
/// 0.69-0.80 of the spread of 10 to 42 forces' changes, so a spread between forces 1.2 to 1.4
/// times what the within-force errors allow came out as none. Real forces spread that much: on
/// the Home Office tables with a probe target, the downgrading tests' changes had a variance
/// of 1.50 in units of their standard errors (1.13 made consistent; `docs/real-data.md`), and
/// honest forces' call volumes in the cross-check 1.59 (1.19; `docs/crosscheck.md`).
pub fn between_force_variance(references: &[&Contrast]) -> f64 {
    let n = references.len();
    if n < MIN_SPREAD_REFERENCES {
        return 0.0;
    }
    let deltas: Vec<f64> = references.iter().map(|c| c.delta).collect();
    let ses: Vec<f64> = references.iter().map(|c| c.se_within.max(1e-9)).collect();
    let fraction = 0.1f64.max(1.0 / n as f64 + 1e-9);
    consistent_additive_overdispersion(&deltas, &ses, 0.0, fraction).map_or(0.0, |o| o.tau2)
}

/// A contrast judged: the effect with its interval and one-sided p-value.
#[derive(Clone, Copy, Debug)]
pub struct Judgement {
    /// The change in log-odds.
    pub effect: f64,
    /// 95% interval of the effect.
    pub ci: (f64, f64),
    /// Standard error with the between-force variance.
    pub se: f64,
    /// One-sided p-value in the gaming direction.
    pub p_value: f64,
}

/// Judges a contrast given the between-force variance.
pub fn judge(contrast: &Contrast, tau2: f64, direction: Direction) -> Judgement {
    let se = (contrast.se_within.powi(2) + tau2).sqrt();
    let t = contrast.delta / se;
    let p_value = student_t_sf(direction.sign() * t, contrast.df).unwrap_or(1.0);
    let q = student_t_quantile(0.975, contrast.df).unwrap_or(1.96);
    Judgement {
        effect: contrast.delta,
        ci: (contrast.delta - q * se, contrast.delta + q * se),
        se,
        p_value,
    }
}

impl Judgement {
    /// The quantile its 95% interval was drawn with (Student's t, or normal without a
    /// standard error).
    fn quantile(&self) -> f64 {
        if self.se > 0.0 {
            (self.ci.1 - self.effect) / self.se
        } else {
            1.96
        }
    }
}

/// The 95% intervals a test reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportedIntervals {
    /// Of the records: excess hits (see [`Contrast::excess_interval`]).
    pub records: (f64, f64),
    /// Of the shift in the log-odds.
    pub effect: (f64, f64),
}

/// The intervals of a judged contrast; `level` is the fit without the drift before the start,
/// when `contrast` carries one on (see [`Contrast::allowing_for_pre_trend`]).
///
/// A drift carried on was chosen by a test, and intervals from a model that a test chose
/// cover less often than they claim (Leeb & Poetscher 2005, "Model selection and inference:
/// facts and fiction", Econometric Theory 21:21-59): a chance slope before the start that
/// passes the one-sided 5% test moves the counterfactual by at least 1.6 times the uncertainty
/// it adds. So the
/// intervals span the fit without the drift as well. When there is no drift they contain the
/// level fit's intervals, which cover at their stated rate whatever the test chose; when there
/// is one, they contain the drift's. The estimate and the p-value stay the drift's, the
/// smaller finding.
pub fn reported_intervals(
    contrast: &Contrast,
    judgement: &Judgement,
    level: Option<&Contrast>,
    tau2: f64,
    direction: Direction,
    counterfactual: Counterfactual,
) -> ReportedIntervals {
    let mut records = contrast.excess_interval(counterfactual, tau2, judgement.quantile());
    let mut effect = judgement.ci;
    if let Some(level) = level {
        let without = judge(level, tau2, direction);
        let (low, high) = level.excess_interval(counterfactual, tau2, without.quantile());
        records = (records.0.min(low), records.1.max(high));
        effect = (effect.0.min(without.ci.0), effect.1.max(without.ci.1));
    }
    ReportedIntervals { records, effect }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(index: i32) -> Period {
        Period::new(2020, 1).unwrap().offset(index)
    }

    /// A series with the given share each month and `n` records.
    fn monthly(shares: impl Fn(i32) -> f64, n: f64, months: i32) -> Monthly {
        (0..months)
            .map(|i| {
                let hits = (shares(i) * n).round();
                (period(i), Rate { hits, total: n })
            })
            .collect()
    }

    fn window() -> Window {
        Window::new(period(0), period(24), period(47))
    }

    fn settings() -> ContrastSettings {
        ContrastSettings {
            min_pre_months: 12,
            min_post_months: 3,
        }
    }

    #[test]
    fn a_step_against_flat_peers_is_measured_on_the_log_odds() {
        let force = monthly(|i| if i < 24 { 0.40 } else { 0.30 }, 1000.0, 48);
        let peers = monthly(|_| 0.35, 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        let expected = (0.30f64 / 0.70).ln() - (0.40f64 / 0.60).ln();
        assert!(
            (c.delta - expected).abs() < 0.002,
            "{} vs {expected}",
            c.delta
        );
        assert_eq!(c.block_months, 1);
        // A noiseless series: no extra variance is estimated.
        assert!(c.sigma2 < 1e-9);
        let j = judge(&c, 0.0, Direction::Fall);
        assert!(j.p_value < 1e-6 && j.ci.1 < 0.0, "{j:?} {c:?}");
        assert!(judge(&c, 0.0, Direction::Rise).p_value > 0.99);
        // The records behind the shift: 100 a month for 24 months.
        let shortfall = -c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        assert!((shortfall - 2400.0).abs() < 15.0, "{shortfall}");
        assert_eq!(c.first_affected(Direction::Fall, period(24)), period(24));
    }

    /// The share at a log-odds, with a fixed wobble of about +-0.03 on the log-odds so that
    /// the series is not noiseless.
    fn drifting(logit: impl Fn(i32) -> f64) -> impl Fn(i32) -> f64 {
        move |i| expit(logit(i) + 0.06 * (f64::from((i * 7919) % 13) / 12.0 - 0.5))
    }

    #[test]
    fn a_drift_under_way_before_the_start_is_carried_on_only_in_the_gaming_direction() {
        // The force's log-odds fall 0.01 a month throughout, with no step: the level model
        // sees a fall of about 0.24 (24 months between the middles of the two periods).
        let force = monthly(drifting(|i| -0.4 - 0.01 * f64::from(i)), 2000.0, 48);
        let peers = monthly(|_| 0.35, 20_000.0, 48);
        let level =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert!((level.delta + 0.24).abs() < 0.02, "{}", level.delta);
        // The AR(1) allowance widens it, but not enough: p = 8e-5.
        let p_level = judge(&level, 0.0, Direction::Fall).p_value;
        assert!(p_level < 1e-3, "{p_level}");

        let trended = level.clone().allowing_for_pre_trend(Direction::Fall);
        let per_year = trended.pre_trend.unwrap();
        assert!((per_year + 0.12).abs() < 0.01, "{per_year}");
        assert!(trended.delta.abs() < 0.02, "{}", trended.delta);
        assert!(trended.se_within > level.se_within);
        assert!(judge(&trended, 0.0, Direction::Fall).p_value > 0.05);
        // The counterfactual line carries the drift: the records it stands for are few.
        let shortfall = -trended.excess_hits(trended.delta, Counterfactual::ShareOfTotal);
        let level_shortfall = -level.excess_hits(level.delta, Counterfactual::ShareOfTotal);
        assert!(
            shortfall.abs() < 0.1 * level_shortfall,
            "{shortfall} {level_shortfall}"
        );

        // A drift the other way from gaming is left alone.
        let rising = level.clone().allowing_for_pre_trend(Direction::Rise);
        assert!(rising.pre_trend.is_none());
        assert_eq!(rising.delta, level.delta);
    }

    #[test]
    fn a_step_without_a_drift_before_it_is_left_alone() {
        let force = monthly(drifting(|i| if i < 24 { -0.4 } else { -0.6 }), 2000.0, 48);
        let peers = monthly(|_| 0.35, 20_000.0, 48);
        let level =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        let allowed = level.clone().allowing_for_pre_trend(Direction::Fall);
        assert!(allowed.pre_trend.is_none());
        assert_eq!(allowed.delta, level.delta);
        assert!((allowed.delta + 0.2).abs() < 0.02, "{}", allowed.delta);
    }

    #[test]
    fn the_records_interval_carries_the_counterfactual_and_the_honest_noise() {
        let force = monthly(|i| if i < 24 { 0.40 } else { 0.30 }, 1000.0, 48);
        let peers = monthly(|_| 0.35, 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        // By hand: 24 months after of n = 1000 at p = 0.40 give n p (1 - p) = 240 a month, so
        // the slope and the honest noise are both 24 x 240 = 5760. Before the start each month's
        // difference has variance 1/400.5 + 1/600.5 + 1/3500.5 + 1/6500.5 = 0.004569, so the
        // level's variance is 0.004569 / 24. Half-width = 1.96 sqrt(5760^2 x 0.004569 / 24 +
        // 5760) = 1.96 x 109.6 = 214.8.
        let (low, high) = c.excess_interval(Counterfactual::ShareOfTotal, 0.0, 1.96);
        let half = (high - low) / 2.0;
        assert!((half - 214.8).abs() < 3.0, "half-width {half}");
        let shortfall = -c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        assert!(-high <= shortfall && shortfall <= -low);
        // Between-force variance widens it.
        let (wide_low, wide_high) = c.excess_interval(Counterfactual::ShareOfTotal, 0.01, 1.96);
        assert!(wide_high - wide_low > high - low + 100.0);
    }

    #[test]
    fn the_extra_variance_around_levels_is_dersimonian_laird_within_each_level() {
        let y = [0.1, 0.5, -0.2, 0.6, 0.0, 0.9, 0.1];
        let v = [0.010, 0.020, 0.015, 0.012, 0.018, 0.011, 0.016];
        // One level: the meta-analysis estimate, which recount-stats tests against metafor.
        let one = recount_stats::dersimonian_laird(&y, &v).unwrap().tau2;
        assert!(one > 0.0);
        assert!((dersimonian_laird(&y, &v, &[0; 7], 6.0) - one).abs() < 1e-12);
        // Each level's mean is fitted, so moving every value of one level leaves the estimate
        // as it was, and the spread between levels is not counted as extra variance.
        let levels = [0, 0, 0, 1, 1, 2, 2];
        let within = dersimonian_laird(&y, &v, &levels, 4.0);
        let moved: Vec<f64> = y
            .iter()
            .zip(levels)
            .map(|(y, l)| if l == 2 { y + 5.0 } else { *y })
            .collect();
        assert!((dersimonian_laird(&moved, &v, &levels, 4.0) - within).abs() < 1e-12);
        assert!(dersimonian_laird(&moved, &v, &[0; 7], 6.0) > 10.0 * within);
        // Q and its expectation by hand for the first level alone (the other two add theirs).
        let w: Vec<f64> = v[..3].iter().map(|v| 1.0 / v).collect();
        let total: f64 = w.iter().sum();
        let mean = (0..3).map(|i| w[i] * y[i]).sum::<f64>() / total;
        let q: f64 = (0..3).map(|i| w[i] * (y[i] - mean).powi(2)).sum();
        let c = total - w.iter().map(|w| w * w).sum::<f64>() / total;
        let first_only = dersimonian_laird(&y[..3], &v[..3], &[0; 3], 2.0);
        assert!((first_only - (q - 2.0) / c).abs() < 1e-12);
    }

    /// Binomial counts of `n` records a month around the log-odds `logit(i)` plus normal
    /// month-to-month noise of sd `noise`, AR(1) with `rho`; seeded.
    fn binomial(logit: impl Fn(i32) -> f64, n: u64, noise: f64, rho: f64, seed: u64) -> Monthly {
        use rand::SeedableRng;
        use rand_distr::{Binomial, Distribution, Normal};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let innovation = Normal::new(0.0, noise * (1.0 - rho * rho).sqrt()).unwrap();
        let mut e = Normal::new(0.0, noise).unwrap().sample(&mut rng);
        (0..48)
            .map(|i| {
                e = rho * e + innovation.sample(&mut rng);
                let hits = Binomial::new(n, expit(logit(i) + e))
                    .unwrap()
                    .sample(&mut rng);
                let rate = Rate {
                    hits: hits as f64,
                    total: n as f64,
                };
                (period(i), rate)
            })
            .collect()
    }

    #[test]
    fn a_step_some_months_after_the_start_is_measured_as_a_step_not_as_noise() {
        // Gaming from month 28, four months after the start: one level after the start would
        // read the step as over-dispersion.
        let force = binomial(|i| if i < 28 { -0.4 } else { -0.6 }, 2000, 0.0, 0.0, 1);
        let peers = monthly(|_| 0.35, 20_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert_eq!(c.onset, Some(period(28)));
        assert!(c.allowance < 1.5, "{c:?}");
        // The shift is the mean of the months after the start: 20 of 24 at -0.2.
        assert!((c.delta + 0.2 * 20.0 / 24.0).abs() < 0.03, "{}", c.delta);
        assert!(judge(&c, 0.0, Direction::Fall).p_value < 1e-6);
        assert_eq!(c.first_affected(Direction::Fall, period(24)), period(28));
        // The records are those of the months from the step: 20 months.
        let shortfall = -c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        let truth = 20.0 * 2000.0 * (expit(-0.4) - expit(-0.6));
        assert!(
            (shortfall / truth - 1.0).abs() < 0.1,
            "{shortfall} vs {truth}"
        );
        // A step at the start itself: no second level.
        let steady = binomial(|i| if i < 24 { -0.4 } else { -0.6 }, 2000, 0.0, 0.0, 1);
        let c =
            Contrast::estimate(&steady, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert_eq!(c.onset, None);
    }

    #[test]
    fn from_a_later_onset_the_months_between_are_a_level_of_their_own() {
        // Gaming from month 28, four months after the start, tested from month 27: months 24
        // to 26 are a level of their own, so the shift is that of 20 gamed months of 21 rather
        // than of 20 of 24; the records are still counted from the start.
        let force = binomial(|i| if i < 28 { -0.4 } else { -0.6 }, 2000, 0.0, 0.0, 1);
        let peers = monthly(|_| 0.35, 20_000.0, 48);
        let late = window().from_onset(period(27));
        let c = Contrast::estimate(&force, &Baseline::Peers(&peers), &late, &settings()).unwrap();
        assert_eq!(c.block_counts(), (24, 24));
        assert_eq!((c.gaming_from, c.onset), (period(27), None));
        assert!((c.delta + 0.2 * 20.0 / 21.0).abs() < 0.03, "{}", c.delta);
        let at_start =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert!(
            c.delta < at_start.delta - 0.02,
            "{} {}",
            c.delta,
            at_start.delta
        );
        assert!(judge(&c, 0.0, Direction::Fall).p_value < 1e-6);
        let shortfall = -c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        let truth = 20.0 * 2000.0 * (expit(-0.4) - expit(-0.6));
        assert!(
            (shortfall / truth - 1.0).abs() < 0.1,
            "{shortfall} vs {truth}"
        );
        let (low, high) = c.excess_interval(Counterfactual::ShareOfTotal, 0.0, 1.96);
        assert!(low < -truth && -truth < high, "{low}..{high} vs {truth}");
        // A sparse series is blocked by 2 months from the start (24, 26, 28, ...): asked to
        // test from month 27, it tests from the first block on or after it.
        let sparse = monthly(|_| 0.02, 200.0, 48);
        let c = Contrast::estimate(&sparse, &Baseline::Peers(&peers), &late, &settings()).unwrap();
        assert_eq!((c.block_months, c.gaming_from), (2, period(28)));
        // Too few months tested (the last block, months 46 and 47, is 2): no contrast.
        let short = window().from_onset(period(45));
        assert!(
            Contrast::estimate(&sparse, &Baseline::Peers(&peers), &short, &settings()).is_none()
        );
        let too_late = window().from_onset(period(47));
        assert!(
            Contrast::estimate(&force, &Baseline::Peers(&peers), &too_late, &settings()).is_none()
        );
    }

    /// How often honest series get a step after the start, over `runs` seeds.
    fn onset_rate(noise: f64, rho: f64, runs: u64) -> f64 {
        let peers = monthly(|_| 0.35, 20_000.0, 48);
        let found = (0..runs)
            .filter(|&seed| {
                let force = binomial(|_| -0.4, 1000, noise, rho, seed);
                let c =
                    Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings());
                c.is_some_and(|c| c.onset.is_some())
            })
            .count();
        found as f64 / runs as f64
    }

    #[test]
    fn honest_noise_rarely_passes_for_a_step_after_the_start() {
        // The gate is at 0.1% after Bonferroni over the dates. Over 4,000 seeds each, these
        // three kinds of series passed it 0%, 0.03% and 0.7% of the time (a gate at 1% would
        // pass 0.1%, 0.4% and 3.1%). The AR(1) case is the worst because the lag-1
        // autocorrelation of short series is underestimated (Kendall's bias), so the AR(1)
        // allowance does not quite cover it.
        for (noise, rho, most) in [(0.0, 0.0, 0.005), (0.1, 0.0, 0.005), (0.1, 0.5, 0.02)] {
            let rate = onset_rate(noise, rho, 400);
            assert!(rate <= most, "noise {noise} rho {rho}: {rate}");
        }
    }

    #[test]
    fn a_common_shock_cancels_against_peers() {
        let shock = |i: i32| if (26..29).contains(&i) { -0.1 } else { 0.0 };
        let force = monthly(|i| 0.40 + shock(i), 1000.0, 48);
        let peers = monthly(|i| 0.35 + shock(i), 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert!(judge(&c, 0.0, Direction::Fall).p_value > 0.05);
    }

    #[test]
    fn a_slow_drift_is_not_judged_a_step() {
        // The force's share drifts down steadily over four years; its peers' do not.
        let force = monthly(|i| 0.40 - 0.0015 * f64::from(i), 3000.0, 48);
        let peers = monthly(|_| 0.35, 30_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert!(
            c.inflation > 3.0,
            "autocorrelated residuals should inflate: {}",
            c.inflation
        );
    }

    #[test]
    fn sparse_series_are_blocked_and_short_histories_refused() {
        let force = monthly(|_| 0.5, 4.0, 48);
        let peers = monthly(|_| 0.5, 400.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert_eq!(c.block_months, 3);
        let short = Window {
            pre_from: period(18),
            ..window()
        };
        assert!(
            Contrast::estimate(&force, &Baseline::Peers(&peers), &short, &settings()).is_none()
        );
    }

    #[test]
    fn an_honest_force_with_uneven_months_counts_no_records() {
        // A rare share alternating 4% and 6% (20 and 30 of 500), the same after the start as
        // before, against flat peers. Weighting each month by its own hits would lean the level
        // towards the 6% months and count about 12 records too few after the start; the mean
        // logit alone (Jensen) about 12 too many. Counted right, nothing is missing.
        let force = monthly(|i| if i % 2 == 0 { 0.04 } else { 0.06 }, 500.0, 48);
        let peers = monthly(|_| 0.05, 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        assert!(c.delta.abs() < 1e-9, "{}", c.delta);
        for counterfactual in [Counterfactual::ShareOfTotal, Counterfactual::OddsOfMisses] {
            let excess = c.excess_hits(c.delta, counterfactual);
            assert!(excess.abs() < 0.5, "{counterfactual:?}: {excess}");
        }
    }

    #[test]
    fn calibrated_levels_reproduce_the_records_before_the_start() {
        // Two blocks before the start with baselines 0 and ln 2: 30 of 100 and 50 of 100.
        let block = |baseline_logit: f64, hits: f64| Block {
            first: period(0),
            after: false,
            force: Rate { hits, total: 100.0 },
            baseline_logit,
        };
        let blocks = [block(0.0, 30.0), block(2f64.ln(), 50.0)];
        let [share, odds] = calibrated_levels(&blocks, 0.0);
        let expected: f64 = blocks
            .iter()
            .map(|b| b.force.total * expit(b.baseline_logit + share))
            .sum();
        assert!((expected - 80.0).abs() < 1e-9, "{expected}");
        // Odds: 80 hits against 70 misses at odds 1 and 50 at odds 2: e^L = 80 / 170.
        assert!((odds - (80.0f64 / 170.0).ln()).abs() < 1e-12, "{odds}");
        // All hits: nothing to calibrate against; the level is kept.
        assert_eq!(calibrated_levels(&[block(0.0, 100.0)], 0.3), [0.3; 2]);
    }

    #[test]
    fn re_badging_counts_missing_hits_against_the_misses() {
        // 200 of 1000 calls are of the type; 50 a month are re-badged away after the start:
        // 150 of 950 remain.
        let force = monthly(|i| if i < 24 { 0.2 } else { 150.0 / 950.0 }, 1000.0, 48);
        let force: Monthly = force
            .into_iter()
            .map(|(p, r)| {
                let total = if p >= period(24) { 950.0 } else { 1000.0 };
                let hits = if p >= period(24) { 150.0 } else { 200.0 };
                let _ = r;
                (p, Rate { hits, total })
            })
            .collect();
        let peers = monthly(|_| 0.2, 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        let lost = -c.excess_hits(c.delta, Counterfactual::OddsOfMisses);
        assert!((lost - 50.0 * 24.0).abs() < 10.0, "{lost}");
        let naive = -c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        assert!(
            naive < lost * 0.85,
            "the share of the shrunken total undercounts: {naive}"
        );
    }

    /// An honest rate with month-to-month noise (AR(1) at 0.3, sd 0.05 in the log-odds) and,
    /// after the start, 4% of the misses moved to hits by gaming: the rate and the records
    /// moved.
    fn gamed(seed: u64) -> (Monthly, f64) {
        use rand::SeedableRng;
        use rand_distr::{Binomial, Distribution, Normal};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let noise = Normal::new(0.0, 0.05).unwrap();
        let (n, mut e, mut moved) = (2000u64, 0.0, 0.0);
        let rate = (0..48)
            .map(|i| {
                e = 0.3 * e + noise.sample(&mut rng);
                let honest = Binomial::new(n, expit(-1.0 + e)).unwrap().sample(&mut rng);
                let gamed = if i >= 24 {
                    Binomial::new(n - honest, 0.04).unwrap().sample(&mut rng)
                } else {
                    0
                };
                moved += gamed as f64;
                let hits = (honest + gamed) as f64;
                (
                    period(i),
                    Rate {
                        hits,
                        total: n as f64,
                    },
                )
            })
            .collect();
        (rate, moved)
    }

    #[test]
    fn intervals_after_a_drift_chosen_by_test_span_the_fit_without_it() {
        // No drift in truth: the forces whose months before the start slope upwards by chance
        // (about 5%) have the slope carried on, which moves their counterfactual up and their
        // records down. The drift's own interval then misses the records moved far more often
        // than 5%; the interval spanning both fits covers as often as the level fit does over
        // every force (it contains the level fit's interval).
        let peers = monthly(|_| expit(-1.0), 100_000.0, 48);
        let covers = |(low, high): (f64, f64), moved: f64| low <= moved && moved <= high;
        let intervals = |c: &Contrast, level: Option<&Contrast>| {
            let judgement = judge(c, 0.0, Direction::Rise);
            let counterfactual = Counterfactual::ShareOfTotal;
            reported_intervals(c, &judgement, level, 0.0, Direction::Rise, counterfactual)
        };
        let runs = 1500u32;
        let (mut level_covers, mut carried, mut own_covers, mut span_covers) = (0u32, 0u32, 0, 0);
        for seed in 0..u64::from(runs) {
            let (force, moved) = gamed(seed);
            let level =
                Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings())
                    .unwrap();
            level_covers += u32::from(covers(intervals(&level, None).records, moved));
            let Some(drift) = level.drift_before(Direction::Rise) else {
                continue;
            };
            let with = level.clone().carrying_on(drift);
            let (own, span) = (intervals(&with, None), intervals(&with, Some(&level)));
            assert!(span.records.0 <= own.records.0 && span.records.1 >= own.records.1);
            assert!(span.effect.0 <= own.effect.0 && span.effect.1 >= own.effect.1);
            carried += 1;
            own_covers += u32::from(covers(own.records, moved));
            span_covers += u32::from(covers(span.records, moved));
        }
        // Measured: the level fit covers 91.7% of 1,500; 94 carried a drift, whose own
        // interval covered 57% of them and the span 92.6%.
        let level_rate = f64::from(level_covers) / f64::from(runs);
        let rate = |k: u32| f64::from(k) / f64::from(carried);
        assert!(level_rate >= 0.9, "the level fit covers {level_rate}");
        assert!(carried >= 40, "{carried} carried");
        assert!(
            rate(own_covers) < 0.75,
            "the drift alone covers {}",
            rate(own_covers)
        );
        assert!(
            rate(span_covers) >= level_rate - 0.03,
            "the span covers {}",
            rate(span_covers)
        );
    }

    #[test]
    fn month_end_bunching_counts_added_hits_against_the_misses() {
        // 100 downgrades a month, 10 of them in the last days; after the start 20 more are
        // made, all in the last days: 30 of 120. The 90 made earlier in the month stay.
        let force: Monthly = (0..48)
            .map(|i| {
                let rate = if i < 24 {
                    Rate {
                        hits: 10.0,
                        total: 100.0,
                    }
                } else {
                    Rate {
                        hits: 30.0,
                        total: 120.0,
                    }
                };
                (period(i), rate)
            })
            .collect();
        let peers = monthly(|_| 0.1, 10_000.0, 48);
        let c =
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap();
        let added = c.excess_hits(c.delta, Counterfactual::OddsOfMisses);
        assert!((added - 20.0 * 24.0).abs() < 5.0, "{added}");
        // As a share of the total, 10% of the added 20 are expected: 18 a month.
        let naive = c.excess_hits(c.delta, Counterfactual::ShareOfTotal);
        assert!((naive - 18.0 * 24.0).abs() < 5.0, "{naive}");
    }

    #[test]
    fn own_past_removes_seasonality_when_the_history_allows() {
        let season = |i: i32| 0.05 * (f64::from(i) * std::f64::consts::TAU / 12.0).sin();
        let force = monthly(|i| 0.40 + season(i), 2000.0, 48);
        let c = Contrast::estimate(&force, &Baseline::OwnPast, &window(), &settings()).unwrap();
        assert!(c.delta.abs() < 0.01, "{}", c.delta);
        assert!(judge(&c, 0.0, Direction::Fall).p_value > 0.05);
    }

    /// Sixteen reference forces whose changes spread 1.3 times as widely (in variance) as their
    /// own standard errors allow, at the normal scores of their ranks. Spiegelhalter's
    /// Winsorised estimate reads that spread as none; the consistent one allows for it, so
    /// the references' changes judged with it have a variance near 1.
    #[test]
    fn a_spread_between_forces_wider_than_their_errors_is_allowed_for() {
        let peers = monthly(|_| 0.35, 10_000.0, 48);
        let level = |shift: f64| {
            let force = monthly(
                |i| expit((0.4f64 / 0.6).ln() + if i < 24 { 0.0 } else { shift }),
                2000.0,
                48,
            );
            Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings()).unwrap()
        };
        let se = level(0.0).se_within;
        let contrasts: Vec<Contrast> = (1..=16)
            .map(|j| {
                let score = recount_stats::normal_quantile((f64::from(j) - 0.5) / 16.0).unwrap();
                level(1.3f64.sqrt() * se * score)
            })
            .collect();
        let refs: Vec<&Contrast> = contrasts.iter().collect();
        let deltas: Vec<f64> = refs.iter().map(|c| c.delta).collect();
        let ses: Vec<f64> = refs.iter().map(|c| c.se_within).collect();
        let spiegelhalter =
            recount_stats::additive_overdispersion(&deltas, &ses, 0.0, 0.1).unwrap();
        assert_eq!(spiegelhalter.tau2, 0.0);
        let tau2 = between_force_variance(&refs);
        let z2 = refs
            .iter()
            .map(|c| c.delta.powi(2) / (c.se_within.powi(2) + tau2));
        let variance = z2.sum::<f64>() / 16.0;
        assert!((0.9..1.1).contains(&variance), "{variance}");
    }

    #[test]
    fn between_force_variance_needs_enough_references() {
        let peers = monthly(|_| 0.35, 10_000.0, 48);
        let contrasts: Vec<Contrast> = (0..8)
            .map(|j| {
                let shift = 0.02 * f64::from(j - 4);
                let force = monthly(|i| if i < 24 { 0.40 } else { 0.40 + shift }, 5000.0, 48);
                Contrast::estimate(&force, &Baseline::Peers(&peers), &window(), &settings())
                    .unwrap()
            })
            .collect();
        let refs: Vec<&Contrast> = contrasts.iter().collect();
        assert!(between_force_variance(&refs) > 0.001);
        assert_eq!(between_force_variance(&refs[..4]), 0.0);
    }
}
