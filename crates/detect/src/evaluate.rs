//! Evaluating a series under a design: each tested force's contrast against its peers, judged
//! against the spread of the same contrast among the reference forces, with its corroborating
//! rates, turned into a [`Test`].

use std::collections::HashMap;

use crate::contrast::{
    Baseline, Contrast, ContrastSettings, Counterfactual, Direction, Drift, Judgement,
    MIN_SPREAD_REFERENCES, between_force_variance, judge, reported_intervals,
};
use crate::design::Design;
use crate::finding::{Contribution, CorroborationResult, Test, Trace};
use crate::rates::{Monthly, Rate, without};
use crate::sensitivity::Sensitivity;
use crate::spec::{
    Corroboration, EXPLAINED_AT, Explained, Measure, RateSpec, SeriesSpec, TRANSFER_CAP,
    TransferCap,
};

/// The longest a passing change is taken to last, in months: a records system replaced, a
/// backlog of records worked off.
const PASSING_MONTHS: i32 = 3;

/// The level of significance at which a rate that came back is still taken to be shifted.
const STILL_SHIFTED_AT: f64 = 0.05;

/// A shift confined to the first months under the target, after which the rate came back, as
/// a reason not to count a test: `Some` (the settled level, judged in the gaming direction)
/// when the contrast has a step inside the period after the start at most [`PASSING_MONTHS`]
/// after the start, and the level from the step on is not shifted in the gaming direction
/// (one-sided, at [`STILL_SHIFTED_AT`]).
///
/// Why: gaming to meet a target runs while the target does, so the rate stays where gaming put
/// it (or moves further as it ramps in). A new records system, a migration or a backlog moves
/// the rate for a month or two and lets it go: a force that changed its crime system at the
/// target's start recorded 60% of a month's crimes late and 25% of the next one's, then 6.6%
/// as before, and the step model fitted those two months as a level of their own and counted
/// 1,924 records recorded late (the blind generator's seed 110 at 10%, `docs/crosscheck.md`).
/// Those records were late, and the test still shows them; but a passing change is no
/// evidence of gaming, and an accusation needs it. The price: gaming that stops within three
/// months of the start is not counted either.
fn passing_change(
    judged: &Judged,
    direction: Direction,
    design: &Design,
) -> Option<CorroborationResult> {
    let contrast = &judged.contrast;
    let (onset, settled) = (contrast.onset?, contrast.settled?);
    if design.window.start.months_until(onset) > PASSING_MONTHS {
        return None;
    }
    let p_value = settled.p_value(judged.tau2, direction, contrast.df);
    (p_value >= STILL_SHIFTED_AT).then(|| CorroborationResult {
        series: format!(
            "the rate from {onset} on, back where it was before the target (a passing change, not counted)"
        ),
        direction,
        effect: Some(settled.delta),
        records: None,
        p_value,
        sensitivity: None,
    })
}

/// A contrast judged, with what it was judged against.
pub(crate) struct Judged {
    pub contrast: Contrast,
    pub judgement: Judgement,
    pub tau2: f64,
    pub references: usize,
    pub own_past: bool,
    /// The contrast without the drift before the target, when one was carried on: the
    /// reported intervals span both fits (see [`reported_intervals`]).
    pub level: Option<Contrast>,
}

impl Judged {
    /// The hits the rate moved by in `direction` (gaming's), by its point estimate.
    fn moved(&self, direction: Direction, counterfactual: Counterfactual) -> f64 {
        self.moved_at(self.judgement.effect, direction, counterfactual)
    }

    /// The hits the rate moved by in `direction` at the end of its 95% interval nearer no
    /// move: the least the data say it moved.
    fn moved_at_least(&self, direction: Direction, counterfactual: Counterfactual) -> f64 {
        let (low, high) = self.judgement.ci;
        let at_low = self.moved_at(low, direction, counterfactual);
        let at_high = self.moved_at(high, direction, counterfactual);
        at_low.min(at_high)
    }

    fn moved_at(&self, effect: f64, direction: Direction, counterfactual: Counterfactual) -> f64 {
        direction.sign() * self.contrast.excess_hits(effect, counterfactual)
    }
}

/// Evaluates series under one design, remembering the reference forces' contrasts of each
/// series so that corroborating rates shared by several tests are estimated once.
pub(crate) struct Evaluator<'a> {
    design: &'a Design,
    settings: ContrastSettings,
    references: HashMap<String, Vec<(String, Contrast)>>,
    judging: HashMap<String, Vec<(String, Contrast)>>,
    pools: HashMap<String, Vec<String>>,
    /// A force's drift before the start on a whole rate, by (series, force): every part of the
    /// whole asks for it.
    whole_drifts: HashMap<(String, String), Option<Drift>>,
    /// Corroborating rates and wholes judged, by series, force, direction and counterfactual.
    side_moves: HashMap<(String, String, Direction, Counterfactual), SideMove>,
}

/// How a corroborating rate or a whole moved for one force.
struct SideMove {
    result: CorroborationResult,
    /// The records it moved by at the end of its 95% interval nearer no move.
    least: Option<f64>,
}

impl<'a> Evaluator<'a> {
    pub fn new(design: &'a Design, settings: ContrastSettings) -> Self {
        Evaluator {
            design,
            settings,
            references: HashMap::new(),
            judging: HashMap::new(),
            pools: HashMap::new(),
            whole_drifts: HashMap::new(),
            side_moves: HashMap::new(),
        }
    }

    /// The references that make up the peer pool of a series: all of them but those whose own
    /// change on the series is an outlier among the references' changes (a merger, a change of
    /// call mix, a force gaming under a national target), so that one unusual peer cannot
    /// move the baseline of every force compared with the pool. An outlier is more than three
    /// robust standard deviations (1.4826 times the median absolute deviation) from the
    /// median change; at most a third of the references are left out, and none when there are
    /// fewer than five.
    fn pool_members(&mut self, spec: &RateSpec) -> Vec<String> {
        if let Some(members) = self.pools.get(&spec.series) {
            return members.clone();
        }
        let design = self.design;
        let members = {
            let changes: Vec<(String, f64)> = self
                .reference_contrasts(spec)
                .iter()
                .map(|(force, c)| (force.clone(), c.delta))
                .collect();
            robust_members(&design.reference, &changes)
        };
        self.pools.insert(spec.series.clone(), members.clone());
        members
    }

    fn reference_contrasts(&mut self, spec: &RateSpec) -> &Vec<(String, Contrast)> {
        let design = self.design;
        let settings = self.settings;
        self.references
            .entry(spec.series.clone())
            .or_insert_with(|| {
                let pool = spec
                    .rates
                    .pooled(design.reference.iter().map(String::as_str));
                design
                    .reference
                    .iter()
                    .filter_map(|force| {
                        let mine = spec.rates.force(force);
                        let rest = without(&pool, &mine);
                        contrast_against(spec, &mine, Some(&rest), design, &settings)
                            .map(|c| (force.clone(), c))
                    })
                    .collect()
            })
    }

    /// The contrasts against the robust pool (each without itself) of the forces that measure
    /// the spread between forces ([`Design::spread`]), whose spread is the between-force
    /// variance. Against the full pool, one gaming reference would shift every other
    /// reference's contrast by its own change, and a shift of every reference reads as spread
    /// around zero.
    fn judging_contrasts(&mut self, spec: &RateSpec) -> &Vec<(String, Contrast)> {
        if !self.judging.contains_key(&spec.series) {
            let members = self.pool_members(spec);
            let design = self.design;
            let settings = self.settings;
            let pool = spec.rates.pooled(members.iter().map(String::as_str));
            let contrasts = design
                .spread
                .iter()
                .filter_map(|force| {
                    let mine = spec.rates.force(force);
                    let rest = if members.contains(force) {
                        without(&pool, &mine)
                    } else {
                        pool.clone()
                    };
                    contrast_against(spec, &mine, Some(&rest), design, &settings)
                        .map(|c| (force.clone(), c))
                })
                .collect();
            self.judging.insert(spec.series.clone(), contrasts);
        }
        &self.judging[&spec.series]
    }

    /// One force's contrast on one rate, judged; `None` when there is too little data.
    pub fn judge_rate(&mut self, spec: &RateSpec, force: &str) -> Option<Judged> {
        let design = self.design;
        let (contrast, has_peers) = self.force_contrast(spec, force)?;
        // Only the tested force's drift is carried on: the references' level contrasts pick
        // the robust pool (a drifting reference is an outlier to leave out of it) and measure
        // the spread between forces (drift included, which errs towards no finding).
        let carried = if design.known_start {
            self.carry_on_drift(spec, force, &contrast)
        } else {
            None
        };
        let (contrast, level) = match carried {
            Some(carried) => (carried, Some(contrast)),
            None => (contrast, None),
        };
        let references: Vec<&Contrast> = self
            .judging_contrasts(spec)
            .iter()
            .filter(|(f, _)| f != force)
            .map(|(_, c)| c)
            .collect();
        let tau2 = between_force_variance(&references);
        let judgement = judge(&contrast, tau2, spec.direction);
        Some(Judged {
            contrast,
            judgement,
            tau2,
            references: references.len(),
            own_past: !has_peers,
            level,
        })
    }

    /// A force's level contrast on a rate against its pool of peers (the series' pool without
    /// the force), and whether it had peers (without, it is judged against its own past).
    fn force_contrast(&mut self, spec: &RateSpec, force: &str) -> Option<(Contrast, bool)> {
        let members = self.pool_members(spec);
        let peers = members.iter().filter(|f| *f != force).map(String::as_str);
        let pool = spec.rates.pooled(peers);
        let has_peers = pool.values().any(|r| r.total > 0.0);
        let mine = spec.rates.force(force);
        let pool = has_peers.then_some(&pool);
        contrast_against(spec, &mine, pool, self.design, &self.settings).map(|c| (c, has_peers))
    }

    /// The contrast with the force's drift before the target carried on: its own drift when its
    /// months show one in the gaming direction, otherwise its whole rate's (see
    /// [`RateSpec::part_of`]); `None` when neither does.
    fn carry_on_drift(
        &mut self,
        spec: &RateSpec,
        force: &str,
        contrast: &Contrast,
    ) -> Option<Contrast> {
        if let Some(drift) = contrast.drift_before(spec.direction) {
            return carried(contrast.clone().carrying_on(drift));
        }
        let whole = spec.part_of.as_deref()?;
        let key = (whole.series.clone(), force.to_string());
        let drift = match self.whole_drifts.get(&key) {
            Some(drift) => *drift,
            None => {
                let drift = self
                    .force_contrast(whole, force)
                    .and_then(|(c, _)| c.drift_before(whole.direction));
                self.whole_drifts.insert(key, drift);
                drift
            }
        };
        let mut carried = carried(contrast.clone().carrying_on(drift?))?;
        carried.drift_of = Some(whole.series.clone());
        Some(carried)
    }

    /// The p-value of a corroboration (1 when it cannot be estimated); `moved` is the number of
    /// hits the main series lost or gained, for transfers.
    fn corroborate(
        &mut self,
        corroboration: &Corroboration,
        force: &str,
        moved: f64,
        out: &mut Vec<CorroborationResult>,
    ) -> f64 {
        match corroboration {
            Corroboration::Rate(spec) | Corroboration::Transfer { spec, .. } => {
                let mut result = self.corroborating_rate(spec, force);
                if let Corroboration::Transfer { cap, .. } = corroboration {
                    let matching = match result.records {
                        Some(r) if moved > 0.0 && r >= 0.5 * moved => {
                            let lost = match cap {
                                TransferCap::OfMain => moved,
                                TransferCap::OfSenders(senders) => {
                                    senders.iter().map(|s| self.lost_by(s, force)).sum()
                                }
                            };
                            r <= TRANSFER_CAP * lost
                        }
                        _ => false,
                    };
                    if !matching {
                        result.p_value = 1.0;
                    }
                }
                let p = result.p_value;
                out.push(result);
                p
            }
            Corroboration::Unless { spec, of } => {
                let lost = match of {
                    Explained::Main => moved,
                    Explained::Whole(whole) => self.lost_at_least(whole, force),
                };
                let result = self.corroborating_rate(spec, force);
                // A whole whose interval reaches no loss at all is explained by any fall of
                // the honest rate; the main series must have lost something to explain.
                let something_to_explain = lost > 0.0 || matches!(of, Explained::Whole(_));
                let explains = result.p_value < EXPLAINED_AT
                    && something_to_explain
                    && result
                        .records
                        .is_some_and(|r| r > 0.0 && r >= of.share_needed() * lost);
                out.push(result);
                if explains { 1.0 } else { 0.0 }
            }
            Corroboration::All(parts) => parts
                .iter()
                .map(|c| self.corroborate(c, force, moved, out))
                .fold(0.0, f64::max),
            Corroboration::Any(parts) => {
                let smallest = parts
                    .iter()
                    .map(|c| self.corroborate(c, force, moved, out))
                    .fold(1.0, f64::min);
                (smallest * parts.len() as f64).min(1.0)
            }
        }
    }

    /// A rate judged as a corroboration: its effect, the records it moved in its direction,
    /// and its one-sided p-value (1 when it cannot be estimated).
    fn corroborating_rate(&mut self, spec: &RateSpec, force: &str) -> CorroborationResult {
        self.side_move(spec, force).result.clone()
    }

    /// The records a series lost in its gaming direction by its point estimate (nothing when
    /// it gained or cannot be estimated).
    fn lost_by(&mut self, spec: &RateSpec, force: &str) -> f64 {
        self.side_move(spec, force)
            .result
            .records
            .unwrap_or(0.0)
            .max(0.0)
    }

    /// The least number of records a series lost in its gaming direction by its 95% interval
    /// (nothing when the interval reaches a gain, or the series cannot be estimated).
    fn lost_at_least(&mut self, spec: &RateSpec, force: &str) -> f64 {
        self.side_move(spec, force).least.unwrap_or(0.0).max(0.0)
    }

    /// How a rate other than the main one moved for a force, judged once: every test of a
    /// force asks for the same corroborating rates and wholes (a conversion test for each call
    /// type, each with the same honest causes).
    fn side_move(&mut self, spec: &RateSpec, force: &str) -> &SideMove {
        let key = (
            spec.series.clone(),
            force.to_string(),
            spec.direction,
            spec.counterfactual,
        );
        if !self.side_moves.contains_key(&key) {
            let judged = self.judge_rate(spec, force);
            let (direction, counterfactual) = (spec.direction, spec.counterfactual);
            let side = SideMove {
                result: CorroborationResult {
                    series: spec.series.clone(),
                    direction,
                    effect: judged.as_ref().map(|j| j.judgement.effect),
                    records: judged.as_ref().map(|j| j.moved(direction, counterfactual)),
                    p_value: judged.as_ref().map_or(1.0, |j| j.judgement.p_value),
                    sensitivity: judged.as_ref().map(|j| {
                        Sensitivity::of(&j.contrast, &j.judgement, direction, counterfactual)
                            .seeing(spec.sees_in(force))
                    }),
                },
                least: judged.map(|j| j.moved_at_least(direction, counterfactual)),
            };
            self.side_moves.insert(key.clone(), side);
        }
        &self.side_moves[&key]
    }

    /// Tests one force on one series; `None` when there is too little data.
    pub fn test(&mut self, spec: &SeriesSpec, force: &str) -> Option<Test> {
        let judged = self.judge_rate(&spec.main, force)?;
        if let Some(passing) = passing_change(&judged, spec.main.direction, self.design) {
            return Some(self.assemble(spec, force, judged, vec![passing], 1.0));
        }
        let moved = judged.moved(spec.main.direction, spec.counterfactual);
        let mut corroboration = Vec::new();
        let p_corroboration = spec.corroboration.as_ref().map_or(0.0, |c| {
            self.corroborate(c, force, moved, &mut corroboration)
        });
        Some(self.assemble(spec, force, judged, corroboration, p_corroboration))
    }

    fn assemble(
        &self,
        spec: &SeriesSpec,
        force: &str,
        judged: Judged,
        corroboration: Vec<CorroborationResult>,
        p_corroboration: f64,
    ) -> Test {
        let Judged {
            contrast,
            judgement,
            tau2,
            references,
            own_past,
            level,
        } = judged;
        let direction = spec.main.direction;
        let per_hit = spec.records_per_hit.of(force);
        let affected_at = |delta: f64| {
            direction.sign() * contrast.excess_hits(delta, spec.counterfactual) * per_hit
        };
        let estimated = affected_at(judgement.effect);
        let intervals = reported_intervals(
            &contrast,
            &judgement,
            level.as_ref(),
            tau2,
            direction,
            spec.counterfactual,
        );
        let (low, high) = intervals.records;
        let (ci_low, ci_high) = intervals.effect;
        let (a, b) = (
            direction.sign() * low * per_hit,
            direction.sign() * high * per_hit,
        );
        let sensitivity = Sensitivity::of(&contrast, &judgement, direction, spec.counterfactual)
            .counting(per_hit);
        let (before, after) = rates_before_after(&contrast);
        let expected = expected_rate(&contrast, spec.counterfactual);
        let window = &self.design.window;
        let peers = if own_past {
            Vec::new()
        } else {
            self.design.peers_of(force)
        };
        let comparison = describe_comparison(
            self.design,
            &contrast,
            peers.len(),
            references,
            tau2,
            own_past,
        );
        Test {
            force_id: force.to_string(),
            detector: spec.detector.to_string(),
            mechanism: spec.mechanism,
            series: spec.main.series.clone(),
            family: spec.family.clone(),
            family_complete: spec.complete,
            categories: spec.categories.clone(),
            target: self.design.target.clone(),
            target_start: window.start,
            tested_from: contrast.gaming_from,
            period_start: contrast.first_affected(direction, window.start),
            period_end: window.post_to,
            effect: judgement.effect,
            ci_low,
            ci_high,
            rate_before: before,
            rate_after: after,
            rate_expected: expected,
            p_value: judgement.p_value.max(p_corroboration),
            p_value_main: judgement.p_value,
            q_value: f64::NAN,
            estimated_affected: estimated,
            estimated_affected_low: a.min(b),
            estimated_affected_high: a.max(b),
            family_contribution: Contribution {
                estimate: estimated,
                low: a.min(b),
                high: a.max(b),
            },
            comparison,
            peers,
            tau2,
            sigma2: contrast.sigma2,
            corroboration,
            material: false,
            significant: false,
            flagged: false,
            sentence: String::new(),
            review: spec.review.clone(),
            detectable_affected: None,
            detectable_share: None,
            detectable_level: None,
            sensitivity: Some(sensitivity),
            trace: trace(
                &contrast,
                &judgement,
                !own_past && spec.main.measure == Measure::Share,
            ),
        }
    }
}

fn rates_before_after(contrast: &Contrast) -> (f64, f64) {
    let sum = |after: bool| {
        contrast
            .blocks
            .iter()
            .filter(|b| b.after == after)
            .fold((0.0, 0.0), |(h, n), b| {
                (h + b.force.hits, n + b.force.total)
            })
    };
    let ratio = |(h, n): (f64, f64)| if n > 0.0 { h / n } else { f64::NAN };
    (ratio(sum(false)), ratio(sum(true)))
}

/// A contrast that `Contrast::carrying_on` did carry a drift on (it returns the contrast as it
/// was when too few blocks precede the start to fit one).
fn carried(contrast: Contrast) -> Option<Contrast> {
    contrast.pre_trend.is_some().then_some(contrast)
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn expected_rate(contrast: &Contrast, counterfactual: Counterfactual) -> f64 {
    let after: Vec<_> = contrast.blocks.iter().filter(|b| b.after).collect();
    let total: f64 = after.iter().map(|b| b.force.total).sum();
    let excess = contrast.excess_hits(contrast.delta, counterfactual);
    let hits: f64 = after.iter().map(|b| b.force.hits).sum();
    if total > 0.0 {
        (hits - excess) / total
    } else {
        f64::NAN
    }
}

fn trace(contrast: &Contrast, judgement: &Judgement, show_baseline: bool) -> Trace {
    let q = if judgement.se > 0.0 {
        (judgement.ci.1 - judgement.effect) / judgement.se
    } else {
        1.96
    };
    let mut out = Trace {
        block_months: contrast.block_months,
        ..Trace::default()
    };
    for (b, line) in contrast.blocks.iter().zip(&contrast.counterfactual) {
        out.periods.push(b.first);
        out.force_rate.push(if b.force.total > 0.0 {
            b.force.hits / b.force.total
        } else {
            f64::NAN
        });
        out.force_total.push(b.force.total);
        out.baseline_rate
            .push(show_baseline.then(|| expit(b.baseline_logit)));
        let band = |shift: f64| b.after.then(|| expit(b.baseline_logit + line + shift));
        out.expected_rate.push(band(0.0));
        out.expected_low.push(band(-q * judgement.se));
        out.expected_high.push(band(q * judgement.se));
    }
    out
}

fn describe_comparison(
    design: &Design,
    contrast: &Contrast,
    peers: usize,
    references: usize,
    tau2: f64,
    own_past: bool,
) -> String {
    let window = &design.window;
    let first_after = window.start;
    let last_before = window.start.offset(-1);
    let first_before = contrast.blocks.first().map_or(window.pre_from, |b| b.first);
    let against = if own_past {
        "its own past (no peers in the data; national changes cannot be told apart)".to_string()
    } else if design.untargeted_references {
        format!("{peers} forces without a target, pooled")
    } else {
        format!("all {peers} other forces, pooled (every force is under a target)")
    };
    let blocks = match contrast.block_months {
        1 => "monthly".to_string(),
        m => format!("in blocks of {m} months"),
    };
    let spread = if references < MIN_SPREAD_REFERENCES {
        "too few reference forces to measure the spread between forces".to_string()
    } else if design.spread.len() > design.reference.len() {
        format!(
            "judged against the spread of the same change in {references} other forces, with a target or not (too few without one to measure it; tau2 {tau2:.4})"
        )
    } else {
        format!(
            "judged against the spread of the same change in {references} reference forces (tau2 {tau2:.4})"
        )
    };
    let drift = contrast.pre_trend.map_or(String::new(), |slope| {
        let whose = contrast
            .drift_of
            .as_ref()
            .map_or(String::new(), |whole| format!(" in {whole}"));
        format!(
            "; the force's drift{whose} before the target ({:+.1}% a year in the odds) carried on (the intervals span the fit without it too)",
            100.0 * (slope.exp() - 1.0)
        )
    });
    let onset = contrast.onset.map_or(String::new(), |onset| {
        format!("; a further step from {onset} taken as a change, not as noise")
    });
    let later_onset = if contrast.gaming_from > window.start {
        format!(
            " (gaming tested from {}, the months from {} to {} a level of their own; records counted from {})",
            contrast.gaming_from,
            window.start,
            contrast.gaming_from.offset(-1),
            window.start
        )
    } else {
        String::new()
    };
    format!(
        "against {against}; {first_before} to {last_before} against {first_after} to {}{later_onset}, {blocks}{drift}{onset}; {spread}",
        window.post_to
    )
}

/// A force's contrast on a rate: a share against its peers' share (or its own past when it has
/// no peers), or its volume as a part of the volume it shares with its peers, with the trend
/// before the start carried on (volumes need peers).
fn contrast_against(
    spec: &RateSpec,
    mine: &Monthly,
    peers: Option<&Monthly>,
    design: &Design,
    settings: &ContrastSettings,
) -> Option<Contrast> {
    match spec.measure {
        Measure::Share => {
            let baseline = peers.map_or(Baseline::OwnPast, Baseline::Peers);
            Contrast::estimate(mine, &baseline, &design.window, settings)
        }
        Measure::Volume => {
            let peers = peers?;
            let part: Monthly = mine
                .iter()
                .filter_map(|(period, rate)| {
                    let theirs = peers.get(period)?.hits;
                    (theirs > 0.0).then_some((
                        *period,
                        Rate {
                            hits: rate.hits,
                            total: rate.hits + theirs,
                        },
                    ))
                })
                .collect();
            Contrast::estimate(&part, &Baseline::Built, &design.window, settings)
        }
    }
}

/// The references kept in a peer pool (see [`Evaluator::pool_members`]).
fn robust_members(references: &[String], changes: &[(String, f64)]) -> Vec<String> {
    if changes.len() < 5 {
        return references.to_vec();
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let centre = median(changes.iter().map(|(_, d)| *d).collect());
    let spread = 1.4826 * median(changes.iter().map(|(_, d)| (d - centre).abs()).collect());
    let mut outliers: Vec<(f64, &String)> = changes
        .iter()
        .map(|(f, d)| ((d - centre).abs(), f))
        .filter(|(distance, _)| spread > 0.0 && *distance > 3.0 * spread)
        .collect();
    outliers.sort_by(|a, b| b.0.total_cmp(&a.0));
    outliers.truncate(changes.len() / 3);
    references
        .iter()
        .filter(|f| !outliers.iter().any(|(_, o)| o == f))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use recount_cube::Period;

    use super::*;
    use crate::contrast::Window;
    use crate::design::spread_forces;
    use crate::rates::RateTable;

    /// 48 months of a share, stepping by `step` (in share) from month 24, with a little
    /// month-to-month wobble so that each force has noise of its own.
    fn add_force(table: &mut RateTable, force: &str, step: f64, seed: f64) {
        let n = 5000.0;
        for i in 0..48 {
            let wobble = 0.004 * (seed + 1.7 * f64::from(i)).sin();
            let share = 0.35 + wobble + if i >= 24 { step } else { 0.0 };
            let period = Period::new(2019, 1).expect("a valid month").offset(i);
            let hits = (share * n).round() as u64;
            table.add(force, period, true, hits);
            table.add(force, period, false, n as u64 - hits);
        }
    }

    /// Three forces without a target, flat; twelve forces under it whose honest changes
    /// spread by a few points; the tested force `T` changed by `step`.
    fn audit_with_few_untargeted(step: f64) -> (Design, RateSpec) {
        let mut rates = RateTable::default();
        let untargeted: Vec<String> = (0..3).map(|j| format!("U{j}")).collect();
        for (j, force) in untargeted.iter().enumerate() {
            add_force(&mut rates, force, 0.0, j as f64);
        }
        for j in 0..12 {
            let honest_change = 0.006 * (f64::from(j) - 5.5);
            add_force(
                &mut rates,
                &format!("T{j:02}"),
                honest_change,
                10.0 + f64::from(j),
            );
        }
        add_force(&mut rates, "T", step, 40.0);
        let forces: BTreeSet<String> = rates.forces.keys().cloned().collect();
        let start = Period::new(2021, 1).expect("a valid month");
        let design = Design {
            target: "t".into(),
            tested: vec!["T".into()],
            spread: spread_forces(&untargeted, &forces),
            reference: untargeted,
            untargeted_references: true,
            window: Window::new(start.offset(-24), start, start.offset(23)),
            known_start: true,
        };
        (design, RateSpec::share("share", Direction::Fall, rates))
    }

    fn judged(design: &Design, spec: &RateSpec) -> Judged {
        let settings = ContrastSettings {
            min_pre_months: 12,
            min_post_months: 3,
        };
        Evaluator::new(design, settings)
            .judge_rate(spec, "T")
            .expect("enough data")
    }

    fn p_value(judged: &Judged) -> f64 {
        judged.judgement.p_value
    }

    #[test]
    fn with_few_untargeted_forces_the_spread_is_measured_on_every_other_force() {
        // A fall of 3 points, within what the honest forces under the target do (up to 3.3),
        // but far beyond the force's own month-to-month noise.
        let (design, spec) = audit_with_few_untargeted(-0.03);
        assert_eq!(design.spread.len(), 16);
        let wide = judged(&design, &spec);
        assert_eq!(wide.references, 15);
        assert!(wide.tau2 > 1e-4, "tau2 {}", wide.tau2);
        assert!(p_value(&wide) > 0.01, "p {}", p_value(&wide));
        // Judged on the three untargeted forces alone, the spread would be taken as none.
        let narrow = Design {
            spread: design.reference.clone(),
            ..design.clone()
        };
        let alone = judged(&narrow, &spec);
        assert_eq!(alone.tau2, 0.0);
        assert!(p_value(&alone) < 1e-6, "p {}", p_value(&alone));
    }

    #[test]
    fn a_fall_far_beyond_the_spread_between_forces_is_still_found() {
        let (design, spec) = audit_with_few_untargeted(-0.12);
        let wide = judged(&design, &spec);
        assert!(wide.tau2 > 1e-4);
        assert!(p_value(&wide) < 1e-5, "p {}", p_value(&wide));
    }

    #[test]
    fn enough_untargeted_forces_measure_the_spread_themselves() {
        let forces: BTreeSet<String> = (0..20).map(|j| format!("F{j}")).collect();
        let five: Vec<String> = forces.iter().take(5).cloned().collect();
        assert_eq!(spread_forces(&five, &forces), five);
        assert_eq!(spread_forces(&five[..4], &forces).len(), 20);
    }
}
