//! Running an audit: every detector's series under every target's design, then the false
//! discovery rate across every test at once, then materiality, then findings.

use crate::coverage::{Gap, leave_out_gaps};
use crate::extent::{Cut, cut_at_extent_steps};
use crate::scope::{Narrowed, continuing_units};
use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{AuditConfig, Cells, Cube, Period};
use recount_stats::benjamini_hochberg;
use serde::{Deserialize, Serialize};

use crate::breaks::{self, BreakSearch, BreakSettings, Candidate};
use crate::contrast::{ContrastSettings, Window};
use crate::design::{Design, LATE_ONSET_STEP_MONTHS, MAX_PRE_MONTHS, onset_weights};
use crate::detectors::{Context, registry};
use crate::error::DetectError;
use crate::evaluate::Evaluator;
use crate::finding::{Mechanism, Test};
use crate::pair_flows;
use crate::sensitivity::{DETECTABLE_WITH, Materiality, detectable};
use crate::spec::SeriesSpec;

/// A detector that did not run, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The detector, or `all`; [`SCOPE`] for part of a force's data left out of every
    /// detector to compare like for like (a merger, months missing from the extract).
    pub detector: String,
    /// Why it did not run.
    pub reason: String,
}

/// The design of one target, as run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignSummary {
    /// The target.
    pub target: String,
    /// The forces tested.
    pub tested: Vec<String>,
    /// The reference forces (peers).
    pub reference: Vec<String>,
    /// The forces whose changes measured the spread between forces (see
    /// [`crate::design::spread_forces`]).
    #[serde(default)]
    pub spread: Vec<String>,
    /// Whether the references are forces without a target.
    pub untargeted_references: bool,
    /// First month of history.
    pub pre_from: Period,
    /// First month under the target.
    pub start: Period,
    /// Last month compared.
    pub post_to: Period,
}

/// Everything an audit's statistics concluded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditOutcome {
    /// Every test run, flagged or not, in a stable order.
    pub tests: Vec<Test>,
    /// Detectors or targets that could not run.
    pub skipped: Vec<Skipped>,
    /// The designs run (for an audit without targets: the designs of its findings).
    pub designs: Vec<DesignSummary>,
    /// The search for breaks at unknown dates, when the configuration has no target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks: Option<BreakSearch>,
}

impl AuditOutcome {
    /// The findings: tests that are significant after FDR control and material.
    pub fn findings(&self) -> impl Iterator<Item = &Test> {
        self.tests.iter().filter(|t| t.flagged)
    }

    /// Whether a force has any finding.
    pub fn is_flagged(&self, force_id: &str) -> bool {
        self.findings().any(|t| t.force_id == force_id)
    }
}

/// The `detector` of a [`Skipped`] entry that says what part of a force's data was left out
/// of every detector to compare like for like (see [`continuing_units`], [`cut_at_extent_steps`],
/// [`leave_out_gaps`]).
pub const SCOPE: &str = "scope";

/// The target of tests at breaks found in the data (an audit without targets).
pub const BREAK_TARGET: &str = "breaks at unknown dates";

/// Runs every detector around every target of the configuration, or, without targets, around
/// the breaks found in the data. A force whose BCUs change part-way (a merger) is compared on
/// the BCUs present throughout (see [`continuing_units`]); one whose calls step with no BCUs
/// to show why, from the step on (see [`cut_at_extent_steps`]); months missing from one of a
/// force's tables are left out of its tests (see [`leave_out_gaps`]); the outcome says so.
pub fn run_audit(cube: &Cube, config: &AuditConfig) -> Result<AuditOutcome, DetectError> {
    let (complete, gaps) = leave_out_gaps(cube);
    let (scoped, narrowed) = continuing_units(&complete);
    let (cut, cuts) = cut_at_extent_steps(&scoped);
    let cube: &Cube = &cut;
    let context = Context::new(cube, config)?;
    let mut outcome = AuditOutcome::default();
    let notes = gaps
        .iter()
        .map(Gap::sentence)
        .chain(narrowed.iter().map(Narrowed::sentence))
        .chain(cuts.iter().map(Cut::sentence));
    outcome.skipped.extend(notes.map(|reason| Skipped {
        detector: SCOPE.into(),
        reason,
    }));
    let mut specs: Vec<SeriesSpec> = Vec::new();
    for detector in registry() {
        if detector.needs_records() && !cube.has_records() {
            outcome.skipped.push(Skipped {
                detector: detector.name().into(),
                reason:
                    "needs record-level incidents and crimes; the input has published counts only"
                        .into(),
            });
            continue;
        }
        specs.extend(detector.series(&context));
    }
    if config.targets.is_empty() {
        run_break_audit(&context, &specs, &mut outcome);
        return Ok(outcome);
    }
    let settings = ContrastSettings {
        min_pre_months: config.detect.min_pre_months,
        min_post_months: config.detect.min_post_months,
    };
    for target in &config.targets {
        let Some(design) = Design::for_target(target, config, cube) else {
            outcome.skipped.push(Skipped {
                detector: "all".into(),
                reason: format!(
                    "target `{}` from {}: no force in the data is under it, or the data do not span its start",
                    target.name, target.start
                ),
            });
            continue;
        };
        outcome.designs.push(summary_of(&design));
        let onsets: Vec<Design> = std::iter::once(design.clone())
            .chain(design.late_onsets())
            .collect();
        let weights = onset_weights(onsets.len() - 1);
        let mut evaluators: Vec<Evaluator> =
            onsets.iter().map(|d| Evaluator::new(d, settings)).collect();
        for spec in &specs {
            for force in &design.tested {
                if let Some(mut test) = test_from_best_onset(&mut evaluators, &weights, spec, force)
                {
                    test.sentence = spec.rate_label.clone();
                    outcome.tests.push(test);
                }
            }
        }
    }
    pair_flows::solve_shared_codes(&mut outcome.tests, &specs, cube);
    conclude(&mut outcome.tests, &specs, config, &BTreeMap::new());
    Ok(outcome)
}

/// A force's test on a series from the onset (the target's start, or a later one) whose
/// weighted p-value is smallest, the start's on a tie. Gaming need not start with the target;
/// from a later onset the months before it no longer dilute the level after, nor does the
/// step inside the period read as noise around it. Choosing the onset is paid for by weighted
/// Bonferroni (each test's p-values divided by its onset's weight, the weights adding up to
/// 1; see [`crate::design::START_WEIGHT`]), which is valid whatever the dependence between
/// the onsets' tests.
fn test_from_best_onset(
    evaluators: &mut [Evaluator],
    weights: &[f64],
    spec: &SeriesSpec,
    force: &str,
) -> Option<Test> {
    let tried = evaluators.len();
    evaluators
        .iter_mut()
        .zip(weights)
        .filter_map(|(evaluator, &weight)| {
            let mut test = evaluator.test(spec, force)?;
            test.p_value = (test.p_value / weight).min(1.0);
            test.p_value_main = (test.p_value_main / weight).min(1.0);
            if tried > 1 {
                test.comparison = format!(
                    "{}; {} onsets tried (the start and every {LATE_ONSET_STEP_MONTHS} months after), this one's p-values divided by its weight {weight:.3} (weighted Bonferroni)",
                    test.comparison, tried
                );
            }
            Some(test)
        })
        .min_by(|a, b| a.p_value.total_cmp(&b.p_value))
}

/// An audit without targets: every indicator is searched for breaks (see [`breaks`]); each
/// force is tested on each detector's series from a break in the direction gaming would move
/// it, as if a target had started then, against every other force. A series is tested from
/// its own most significant such break; a series without one, from the most significant such
/// break of any series of its mechanism (a mechanism starts once), so that a family's
/// estimates add up over series whose own breaks were too small to find.
///
/// The search for the date is paid for: a test's main p-value is the larger of the model's,
/// times the positions the break could have taken (Bonferroni: the date was chosen as the most
/// extreme of them), and the break's, which is adjusted for those positions already; the
/// corroborating rates, which did not choose the date, count as they are (an
/// intersection-union test: all must hold). Series without such a break count as untested
/// hypotheses in the false discovery rate.
fn run_break_audit(context: &Context, specs: &[SeriesSpec], outcome: &mut AuditOutcome) {
    let config = context.config;
    let forces: Vec<String> = context.cube.forces().into_iter().collect();
    let Some((_, last)) = context.cube.period_span() else {
        outcome.skipped.push(Skipped {
            detector: "all".into(),
            reason: "the input has no data".into(),
        });
        return;
    };
    let indicators = breaks::indicators(context, specs);
    let (search, candidates) = breaks::search(
        &indicators,
        &forces,
        BreakSettings {
            min_segment_months: config.detect.min_segment_months,
            fdr: config.detect.fdr,
        },
    );
    let settings = ContrastSettings {
        min_pre_months: config.detect.min_pre_months,
        min_post_months: config.detect.min_post_months,
    };
    let mut untested: BTreeMap<(String, String, Mechanism), usize> = BTreeMap::new();
    let mut designs = Vec::new();
    for spec in specs {
        for force in &forces {
            let tested = gaming_break(&candidates, specs, spec, force).and_then(|(c, p)| {
                let design = break_design(force, &forces, c, last);
                let mut test = Evaluator::new(&design, settings).test(spec, force)?;
                // The model's main test is at a date chosen for its extremity among
                // `positions`: Bonferroni over them keeps it valid. The corroborating rates
                // did not choose the date, and the break's own p-value is adjusted already.
                // All must hold.
                let searched = c.positions.max(1) as f64;
                let main = (test.p_value_main * searched).min(1.0).max(p);
                test.p_value = test.p_value.max(main);
                test.p_value_main = main;
                test.comparison = format!(
                    "{}; the start is a break found in the data, {} (interval {} to {}; p = {:.2e} adjusted for the months searched)",
                    test.comparison, c.found.period, c.found.period_low, c.found.period_high, p
                );
                Some((test, summary_of(&design)))
            });
            match tested {
                Some((test, summary)) => {
                    outcome.tests.push(test);
                    designs.push(summary);
                }
                None => {
                    *untested
                        .entry((BREAK_TARGET.to_string(), force.clone(), spec.mechanism))
                        .or_default() += 1;
                }
            }
        }
    }
    pair_flows::solve_shared_codes(&mut outcome.tests, specs, context.cube);
    conclude(&mut outcome.tests, specs, config, &untested);
    outcome.designs = designs
        .into_iter()
        .zip(&outcome.tests)
        .filter(|(_, t)| t.flagged)
        .map(|(d, _)| d)
        .collect();
    outcome.breaks = Some(search);
}

/// The break a force is tested from on `spec`, with its one-sided p-value: the most
/// significant in the direction gaming moves the series, on the series itself, else on any
/// series of its mechanism.
fn gaming_break<'c>(
    candidates: &'c [Candidate],
    specs: &[SeriesSpec],
    spec: &SeriesSpec,
    force: &str,
) -> Option<(&'c Candidate, f64)> {
    let best = |series: &BTreeSet<&str>| {
        candidates
            .iter()
            .filter(|c| c.found.force_id == force && series.contains(c.found.indicator.as_str()))
            .filter_map(|c| c.p_gaming.map(|p| (c, p)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let own = BTreeSet::from([spec.main.series.as_str()]);
    best(&own).or_else(|| {
        let mechanism: BTreeSet<&str> = specs
            .iter()
            .filter(|s| s.mechanism == spec.mechanism)
            .map(|s| s.main.series.as_str())
            .collect();
        best(&mechanism)
    })
}

/// One force tested from a break against every other force, with the history since the
/// previous break (at most [`MAX_PRE_MONTHS`]) and everything after.
fn break_design(force: &str, forces: &[String], candidate: &Candidate, last: Period) -> Design {
    let start = candidate.found.period;
    Design {
        target: BREAK_TARGET.to_string(),
        tested: vec![force.to_string()],
        reference: forces.to_vec(),
        spread: forces.to_vec(),
        untargeted_references: true,
        window: Window::new(
            candidate.from.max(start.offset(-MAX_PRE_MONTHS)),
            start,
            last,
        ),
        known_start: false,
    }
}

fn summary_of(design: &Design) -> DesignSummary {
    DesignSummary {
        target: design.target.clone(),
        tested: design.tested.clone(),
        reference: design.reference.clone(),
        spread: design.spread.clone(),
        untargeted_references: design.untargeted_references,
        pre_from: design.window.pre_from,
        start: design.window.start,
        post_to: design.window.post_to,
    }
}

/// The series behind a force's findings, re-estimated for each of its basic command units:
/// each BCU is tested as if it were a force, against the same peers over the same months, so
/// an auditor sees where in the force the records were lost. The tests carry the force-level
/// test's decisions (flagged, material, main p-value), so that totals per BCU follow the same
/// rules as the force's. BCU ids are `FORCE/BCU`.
pub fn bcu_tests(
    cube: &Cube,
    config: &AuditConfig,
    outcome: &AuditOutcome,
) -> Result<Vec<Test>, DetectError> {
    let mut out = Vec::new();
    // The months the force's own tests left out, left out of its BCUs' too.
    let (cube, _) = leave_out_gaps(cube);
    let cube: &Cube = &cube;
    let flagged: BTreeSet<&str> = outcome.findings().map(|t| t.force_id.as_str()).collect();
    for force in flagged {
        let bcus = cube.bcus(force);
        if bcus.len() < 2 {
            continue;
        }
        let split = split_force(cube, force);
        let context = Context::new(&split, config)?;
        let force_tests: Vec<&Test> = outcome
            .tests
            .iter()
            .filter(|t| t.force_id == force)
            .collect();
        let series: BTreeSet<&str> = force_tests.iter().map(|t| t.series.as_str()).collect();
        let specs: Vec<SeriesSpec> = registry()
            .iter()
            .flat_map(|d| d.series(&context))
            .filter(|s| series.contains(s.main.series.as_str()))
            .collect();
        for summary in outcome
            .designs
            .iter()
            .filter(|d| d.tested.iter().any(|f| f == force))
        {
            let design = Design {
                target: summary.target.clone(),
                tested: bcus.iter().map(|b| format!("{force}/{b}")).collect(),
                reference: summary.reference.clone(),
                // A BCU is not judged against a spread that holds its own force.
                spread: summary
                    .spread
                    .iter()
                    .filter(|f| *f != force)
                    .cloned()
                    .collect(),
                untargeted_references: summary.untargeted_references,
                window: Window::new(summary.pre_from, summary.start, summary.post_to),
                known_start: summary.target != BREAK_TARGET,
            };
            let settings = ContrastSettings {
                min_pre_months: config.detect.min_pre_months,
                min_post_months: config.detect.min_post_months,
            };
            // The BCUs are tested from the onset their force's test was (see
            // [`test_from_best_onset`]): one evaluator per onset. They carry their force's
            // decisions and weighted main p-value; their own `p_value` is descriptive and not
            // weighted.
            let mut by_onset: BTreeMap<Period, Vec<(&SeriesSpec, &Test)>> = BTreeMap::new();
            for spec in &specs {
                let parent = force_tests.iter().find(|t| {
                    t.series == spec.main.series
                        && t.target == summary.target
                        && t.target_start == summary.start
                });
                if let Some(parent) = parent {
                    by_onset
                        .entry(parent.tested_from)
                        .or_default()
                        .push((spec, parent));
                }
            }
            for (onset, tests) in by_onset {
                let design = Design {
                    window: design.window.from_onset(onset),
                    ..design.clone()
                };
                let mut evaluator = Evaluator::new(&design, settings);
                for (spec, parent) in tests {
                    for bcu in &design.tested {
                        if let Some(mut test) = evaluator.test(spec, bcu) {
                            test.flagged = parent.flagged;
                            test.significant = parent.significant;
                            test.material = parent.material;
                            test.p_value_main = parent.p_value_main;
                            test.q_value = parent.q_value;
                            out.push(test);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The cube with one force's cells relabelled by BCU (`FORCE/BCU`); cells without a BCU are
/// left out of the split.
fn split_force(cube: &Cube, force: &str) -> Cube {
    let mut split = cube.clone();
    split.incidents = split_cells(
        &cube.incidents,
        force,
        |c| (c.force_id.as_str(), c.bcu.as_ref()),
        |c, force_id| recount_cube::IncidentCell {
            force_id,
            ..c.clone()
        },
    );
    split.crimes = split_cells(
        &cube.crimes,
        force,
        |c| (c.force_id.as_str(), c.bcu.as_ref()),
        |c, force_id| recount_cube::CrimeCell {
            force_id,
            ..c.clone()
        },
    );
    split.reclassifications = split_cells(
        &cube.reclassifications,
        force,
        |c| (c.force_id.as_str(), c.bcu.as_ref()),
        |c, force_id| recount_cube::ReclassificationCell {
            force_id,
            ..c.clone()
        },
    );
    split
}

/// One table of cells with `force`'s relabelled as `FORCE/BCU` (see [`split_force`]); `parts`
/// gives a cell's force and BCU, `relabel` the cell under another force id.
fn split_cells<C: Clone + Ord>(
    cells: &Cells<C>,
    force: &str,
    parts: impl Fn(&C) -> (&str, Option<&recount_cube::Name>),
    relabel: impl Fn(&C, recount_cube::Name) -> C,
) -> Cells<C> {
    cells
        .iter()
        .filter_map(|(c, n)| {
            let (owner, bcu) = parts(c);
            if owner != force {
                return Some((c.clone(), *n));
            }
            let unit = recount_cube::Name::from(format!("{force}/{}", bcu?));
            Some((relabel(c, unit), *n))
        })
        .collect()
}

/// Applies the false discovery rate across all tests, then materiality, and writes each test's
/// sentence.
///
/// The error control is the two-stage procedure of Benjamini & Bogomolov (2014, "Selective
/// inference on multiple families of hypotheses", JRSS B 76:297-318), with one family per
/// target, force and mechanism:
///
/// 1. each family's p-value is Simes' combination of its tests' (valid under independence or
///    positive dependence); Benjamini-Hochberg across the `M` families at level `a` selects
///    `R` of them;
/// 2. within a selected family, a test is significant when its Benjamini-Hochberg adjusted
///    p-value within the family is at most `a R / M`.
///
/// This controls the expected proportion of false findings among the selected families, and
/// under the global null the chance of flagging any force at all at `a`. A plain BH over every
/// test would not: one force's many true findings would relax the threshold for every other
/// force, and an honest force would be flagged on a chance fluctuation.
///
/// The two stages still relax it somewhat (by `R`), so a force must also pass its own gate:
/// 3. Simes' combination of all the force's p-values around the target, times the number of
///    forces tested around it, is at most `a` (Bonferroni across forces; [`force_gates`]).
///
/// The chance that any honest force is flagged is then at most `a` whatever the other forces
/// do; with one family selected the gate asks about as much as the two stages do. A test's
/// `q_value` is the largest of its family's BH q-value, its within-family adjusted p-value
/// times `M / R`, and its force's gate, so that `q_value <= a` exactly when the test is
/// significant.
///
/// `untested` counts, per family, hypotheses that were considered but had no test (series
/// without a break in an audit without targets): they enter as p-values of 1, so that not
/// testing them does not relax the threshold for the rest.
fn conclude(
    tests: &mut [Test],
    specs: &[SeriesSpec],
    config: &AuditConfig,
    untested: &BTreeMap<(String, String, Mechanism), usize>,
) {
    let settings = &config.detect;
    // Only around configured targets: without one, every series of every force is searched
    // for breaks and the untested ones count as p-values of 1, so a gate over all of a
    // force's hypotheses would ask far more of it than the two stages (the committed
    // fixture's gamed force E23000017 was lost).
    let gated = !config.targets.is_empty();
    let q = two_stage_q_values(tests, untested, settings.fdr, gated);
    what_could_be_seen(tests, specs, untested, config, gated);
    for (test, q) in tests.iter_mut().zip(q) {
        test.q_value = q;
        test.significant = q <= settings.fdr;
        let relative = test.effect.abs().exp() - 1.0;
        test.material = relative >= settings.min_relative_effect
            && test.estimated_affected >= settings.min_affected;
        test.flagged = test.significant && test.material;
        let spec = specs.iter().find(|s| s.main.series == test.series);
        test.sentence = sentence(test, spec);
    }
}

/// Each test's detectable gaming (see `sensitivity.rs`), at the level [`detectable_levels`]
/// gives it.
fn what_could_be_seen(
    tests: &mut [Test],
    specs: &[SeriesSpec],
    untested: &BTreeMap<(String, String, Mechanism), usize>,
    config: &AuditConfig,
    gated: bool,
) {
    let settings = &config.detect;
    let keys: Vec<_> = tests.iter().map(family_key).collect();
    let levels = detectable_levels(&keys, untested, settings.fdr, gated);
    let materiality = Materiality {
        min_relative_effect: settings.min_relative_effect,
        min_affected: settings.min_affected,
    };
    for (test, level) in tests.iter_mut().zip(levels) {
        let spec = specs.iter().find(|s| s.main.series == test.series);
        let corroboration = spec
            .and_then(|s| s.corroboration.as_ref())
            .map(|tree| (tree, test.corroboration.as_slice()));
        let seen = level
            .zip(test.sensitivity.as_ref())
            .map(|(a, main)| detectable(main, corroboration, a, DETECTABLE_WITH, materiality));
        test.detectable_level = level;
        test.detectable_affected = seen.map(|d| d.records);
        test.detectable_share = seen.map(|d| d.share);
    }
}

/// Simes' combination of p-values: `min_i m p_(i) / i` (Simes 1986, Biometrika 73:751-754).
fn simes(p_values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = p_values.iter().copied().filter(|p| p.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, p)| m * p / (i + 1) as f64)
        .fold(1.0, f64::min)
}

/// The q-values described at [`conclude`], in the order of `tests`.
fn two_stage_q_values(
    tests: &[Test],
    untested: &BTreeMap<(String, String, Mechanism), usize>,
    alpha: f64,
    gated: bool,
) -> Vec<f64> {
    let families = families_of(tests.iter().map(family_key), untested);
    let members: Vec<Family> = families
        .iter()
        .map(|(&(target, force, _), (family, nulls))| {
            let mut p: Vec<f64> = family.iter().map(|&i| tests[i].p_value).collect();
            p.extend(std::iter::repeat_n(1.0, *nulls));
            Family {
                target,
                force,
                p_values: p,
            }
        })
        .collect();
    let adjusted = adjusted_p_values(&members, alpha, gated);
    let mut out = vec![1.0; tests.len()];
    for ((family, _), q) in families.values().zip(adjusted) {
        for (&i, q) in family.iter().zip(q) {
            out[i] = q;
        }
    }
    out
}

/// The tests of each family (target, force, mechanism) by index, and its hypotheses that
/// had no test.
type Families<'a> = BTreeMap<(&'a str, &'a str, Mechanism), (Vec<usize>, usize)>;

fn families_of<'a>(
    keys: impl Iterator<Item = (&'a str, &'a str, Mechanism)>,
    untested: &'a BTreeMap<(String, String, Mechanism), usize>,
) -> Families<'a> {
    let mut families: Families = BTreeMap::new();
    for (i, key) in keys.enumerate() {
        families.entry(key).or_default().0.push(i);
    }
    for ((target, force, mechanism), &n) in untested {
        families
            .entry((target.as_str(), force.as_str(), *mechanism))
            .or_default()
            .1 += n;
    }
    families
}

/// The family a test belongs to: its target, force and mechanism.
fn family_key(test: &Test) -> (&str, &str, Mechanism) {
    (&test.target, &test.force_id, test.mechanism)
}

/// The one-sided level a test must reach to be flagged were it its force's only departure,
/// for tests of the families `keys` in order (`None` for breaks at unknown dates, whose start
/// must be found first): with one family selected, [`conclude`]'s two stages ask `m M p <= a` of a lone
/// p-value among its family's `m` hypotheses and the audit's `M` families, and the force's
/// gate `n k p <= a` among its `k` hypotheses and the `n` forces tested around the target.
fn detectable_levels<'a>(
    keys: &[(&'a str, &'a str, Mechanism)],
    untested: &'a BTreeMap<(String, String, Mechanism), usize>,
    alpha: f64,
    gated: bool,
) -> Vec<Option<f64>> {
    let families = families_of(keys.iter().copied(), untested);
    let total = families.len() as f64;
    let mut per_force: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for (&(target, force, _), (members, nulls)) in &families {
        *per_force.entry((target, force)).or_default() += (members.len() + nulls) as f64;
    }
    let forces_per_target = forces_per_target(&per_force);
    let mut levels = vec![None; keys.len()];
    for (&(target, force, _), (members, nulls)) in &families {
        if target == BREAK_TARGET {
            continue;
        }
        let in_family = (members.len() + nulls) as f64;
        let mut divisor = in_family * total;
        if gated {
            let forces = forces_per_target.get(target).copied().unwrap_or(1.0);
            let hypotheses = per_force.get(&(target, force)).copied().unwrap_or(1.0);
            divisor = divisor.max(forces * hypotheses);
        }
        for &i in members {
            levels[i] = Some(alpha / divisor.max(1.0));
        }
    }
    levels
}

/// One family's p-values (with a 1 for each hypothesis considered but not tested), and the
/// target and force it belongs to.
struct Family<'a> {
    target: &'a str,
    force: &'a str,
    p_values: Vec<f64>,
}

/// Each family's adjusted p-values, in the order of its `p_values`: the larger of the
/// two-stage q-value of Benjamini & Bogomolov and, when `gated`, its force's gate (see
/// [`conclude`]).
fn adjusted_p_values(families: &[Family], alpha: f64, gated: bool) -> Vec<Vec<f64>> {
    let family_p: Vec<f64> = families.iter().map(|f| simes(&f.p_values)).collect();
    let family_q = benjamini_hochberg(&family_p);
    let total = families.len() as f64;
    let selected = family_q.iter().filter(|q| **q <= alpha).count().max(1) as f64;
    let gates = if gated {
        force_gates(families)
    } else {
        BTreeMap::new()
    };
    families
        .iter()
        .zip(family_q)
        .map(|(family, q_family)| {
            // No gate (an audit without targets) leaves the two stages as they are.
            let gate = gates
                .get(&(family.target, family.force))
                .copied()
                .unwrap_or(0.0);
            benjamini_hochberg(&family.p_values)
                .into_iter()
                .map(|q_within| {
                    q_family
                        .max((q_within * total / selected).min(1.0))
                        .max(gate)
                })
                .collect()
        })
        .collect()
}

/// Per target and force, Simes' combination of every p-value of the force's families, times
/// the number of forces tested around that target (Bonferroni across forces), at most 1. A
/// force is flagged only when this is at most the audit's level, so the chance that any
/// honest force is flagged stays within that level however many other forces game: the
/// two-stage procedure alone relaxes every family's threshold by the families the others'
/// findings select (with four forces gaming in a national target, an honest force was flagged
/// on a conversion fall of p 1.2e-4 that, alone, stood at q 0.27). Simes' combination assumes
/// the force's tests are independent or positively dependent, as the families' does.
fn force_gates<'a>(families: &[Family<'a>]) -> BTreeMap<(&'a str, &'a str), f64> {
    let mut by_force: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for family in families {
        by_force
            .entry((family.target, family.force))
            .or_default()
            .extend(&family.p_values);
    }
    let forces_per_target = forces_per_target(&by_force);
    by_force
        .into_iter()
        .map(|(key, p)| {
            let forces = forces_per_target.get(key.0).copied().unwrap_or(1.0);
            (key, (simes(&p) * forces).min(1.0))
        })
        .collect()
}

/// How many forces each target tests, from a map keyed by target and force.
fn forces_per_target<'a, V>(by_force: &BTreeMap<(&'a str, &'a str), V>) -> BTreeMap<&'a str, f64> {
    let mut counts: BTreeMap<&str, f64> = BTreeMap::new();
    for &(target, _) in by_force.keys() {
        *counts.entry(target).or_default() += 1.0;
    }
    counts
}

fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "n/a".into()
    }
}

fn sentence(test: &Test, spec: Option<&SeriesSpec>) -> String {
    let label = spec.map_or(test.series.as_str(), |s| s.rate_label.as_str());
    let affected = spec.map_or("records", |s| s.affected_label.as_str());
    let moved = if test.rate_after < test.rate_before {
        "fell"
    } else {
        "rose"
    };
    let verdict = if test.flagged {
        format!(
            "about {:.0} {affected} (95% interval {:.0} to {:.0}); q = {:.3}",
            test.estimated_affected,
            test.estimated_affected_low,
            test.estimated_affected_high,
            test.q_value
        )
    } else if !test.significant {
        format!(
            "not significant once every test of the audit is allowed for (q = {:.2})",
            test.q_value
        )
    } else {
        "significant but too small to matter".to_string()
    };
    format!(
        "In {}, {label} {moved} from {} before {} to {} after, where its own past and its peers imply {}: {verdict}.",
        test.force_id,
        percent(test.rate_before),
        test.target_start,
        percent(test.rate_after),
        percent(test.rate_expected),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simes_matches_a_hand_computation() {
        // m = 4: min(4 * 0.01 / 1, 4 * 0.02 / 2, 4 * 0.5 / 3, 4 * 0.9 / 4) = 0.04.
        assert!((simes(&[0.5, 0.01, 0.9, 0.02]) - 0.04).abs() < 1e-12);
        assert_eq!(simes(&[]), 1.0);
    }

    fn family<'a>(force: &'a str, p_values: &[f64]) -> Family<'a> {
        Family {
            target: "t",
            force,
            p_values: p_values.to_vec(),
        }
    }

    #[test]
    fn other_forces_findings_do_not_flag_a_force_on_a_chance_fluctuation() {
        // Force B: one p-value of 0.001 among 20 tests, so its Simes p is 20 * 0.001 = 0.02.
        // With four honest forces beside it, BH over the 5 families gives it 0.02 * 5 = 0.1:
        // not flagged. With the four gaming instead, all 5 families are selected and the two
        // stages alone would flag it (family q 0.02, within-family 0.02 * 5 / 5); its gate,
        // 0.02 times 5 forces, keeps it where it stood.
        let mut p_b = vec![0.001];
        p_b.extend([0.5; 19]);
        let others = |p: &[f64]| -> Vec<Family> {
            ["A1", "A2", "A3", "A4"]
                .into_iter()
                .map(|f| family(f, p))
                .chain([family("B", &p_b)])
                .collect()
        };
        let honest = adjusted_p_values(&others(&[0.5, 0.5, 0.5]), 0.05, true);
        assert!((honest[4][0] - 0.1).abs() < 1e-12, "{:?}", honest[4]);
        let gaming = adjusted_p_values(&others(&[1e-8, 1e-6, 0.5]), 0.05, true);
        assert!(gaming[..4].iter().all(|f| f[0] <= 0.05), "{gaming:?}");
        assert!((gaming[4][0] - 0.1).abs() < 1e-12, "{:?}", gaming[4]);
    }

    #[test]
    fn a_lone_departure_must_pass_the_two_stages_and_its_forces_gate() {
        use Mechanism::{Cancelling, Downgrading};
        // Force A: 3 downgrading tests and 2 cancelling ones with a third untested; force B:
        // 3 downgrading tests; one break test. Families M = 4 (A's two, B's, the break's).
        let keys = [
            ("t", "A", Downgrading),
            ("t", "A", Downgrading),
            ("t", "A", Downgrading),
            ("t", "A", Cancelling),
            ("t", "A", Cancelling),
            ("t", "B", Downgrading),
            ("t", "B", Downgrading),
            ("t", "B", Downgrading),
            (BREAK_TARGET, "C", Downgrading),
        ];
        let untested = BTreeMap::from([(("t".to_string(), "A".to_string(), Cancelling), 1)]);
        let levels = detectable_levels(&keys, &untested, 0.05, true);
        // A: family 3 x M 4 = 12 against the gate's 2 forces x 6 hypotheses = 12.
        assert_eq!(levels[0], Some(0.05 / 12.0));
        assert_eq!(levels[3], Some(0.05 / 12.0));
        // B: 3 x 4 = 12 against the gate's 2 x 3 = 6: the two stages ask more.
        assert_eq!(levels[5], Some(0.05 / 12.0));
        // Without the gate, A's cancelling family of 3 still asks 3 x 4.
        let ungated = detectable_levels(&keys, &untested, 0.05, false);
        assert_eq!(ungated[4], Some(0.05 / 12.0));
        // A break's start must be found first: not worked out.
        assert_eq!(levels[8], None);
        let big = [("t", "A", Downgrading); 1]
            .into_iter()
            .chain(std::iter::repeat_n(("t", "A", Cancelling), 9))
            .chain([("t", "B", Downgrading)])
            .collect::<Vec<_>>();
        // A's gate: 2 forces x 10 hypotheses = 20 against 1 x 3 families for its lone test.
        let levels = detectable_levels(&big, &BTreeMap::new(), 0.05, true);
        assert_eq!(levels[0], Some(0.05 / 20.0));
    }

    #[test]
    fn the_gate_is_simes_over_the_forces_tests_times_the_forces() {
        let families = [
            family("A", &[0.01, 0.5]),
            family("A", &[0.02]),
            family("B", &[0.9]),
        ];
        let gates = force_gates(&families);
        // A: Simes of (0.01, 0.02, 0.5) = min(3 * 0.01, 3 * 0.02 / 2, 0.5) = 0.03; 2 forces.
        assert!((gates[&("t", "A")] - 0.06).abs() < 1e-12);
        assert_eq!(gates[&("t", "B")], 1.0);
    }
}
