//! The power study: many seeded audits per mechanism and strength, judged against their truth.
//! Prints, per mechanism and strength, how often the gamed force was found, how close the first
//! affected month and the estimate of affected records came, how often the interval covered
//! the truth; how often honest forces under the target (including hard negatives) were flagged;
//! and how often a fully honest audit flagged nobody.
//!
//! `cargo run --release -p recount-eval --bin power -- [--seeds N] [--strengths 0.05,0.1,0.2]
//!  [--first-seed S] [--mechanisms downgrading,...] [--gamed-size 1500] [--honest-seeds N]
//!  [--national] [--unknown-dates] [--forces N] [--practice-drift X] [--record-drift X]
//!  [--target 2020-04] [--months 48] [--hide-bcus] [--others-gaming] [--rate-noise X]
//!  [--gaming-delay N] [--detail]`
//!
//! `--practice-drift` gives every force its own honest drift in conversion, `--record-drift`
//! in cancelling, late recording and the seriousness of what it records (the spread of the
//! forces' trends in the log-odds a year; `NationalPlan::practice_drift`, `record_drift`).
//! `--target` moves the target's start (and gaming and the cast's hard negatives with it) from
//! October 2020, `--months` the months generated from January 2018 (the national shock is in
//! April 2020 when the months include it), and `--hide-bcus` writes the data without BCUs, so
//! the detectors cannot compare a merged force like for like. `--others-gaming` has four more
//! forces game at 20% (`OTHERS_GAMING`): peers when the target is six forces', tested forces
//! under `--national`; the tables then judge slot 0 and the honest forces only, and an audit
//! counts as clean when no honest force is flagged. `--rate-noise` makes every force's
//! recording rates wobble month to month beyond the binomial (the standard deviation of a
//! month's deviation in the log-odds; `NationalPlan::rate_noise`). `--gaming-delay N` starts
//! the gaming N months after the target takes effect (the hard negatives stay at the target).
//! `--detail` prints each audit's tests of the gamed force and every false flag.
//!
//! With `--unknown-dates` the audit has no target: it searches for breaks, and gaming starts
//! at a month that varies with the seed (March 2019 to February 2021); every honest force
//! counts towards the false flags.

use std::collections::BTreeMap;
use std::time::Instant;

use recount_cube::Period;
use recount_eval::{StudyOptions, evaluate, judge, study_scenario};
use recount_synth::{Mechanism, NegativeKind};

struct Options {
    seeds: u64,
    first_seed: u64,
    strengths: Vec<f64>,
    mechanisms: Vec<Mechanism>,
    gamed_size: f64,
    honest_seeds: u64,
    national: bool,
    forces: usize,
    detail: bool,
    unknown_dates: bool,
    practice_drift: f64,
    record_drift: f64,
    target: Option<Period>,
    months: u32,
    hide_bcus: bool,
    others_gaming: bool,
    rate_noise: f64,
    gaming_delay: Option<i32>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        seeds: 10,
        first_seed: 0,
        strengths: vec![0.05, 0.1, 0.2],
        mechanisms: Mechanism::ALL.to_vec(),
        gamed_size: 1500.0,
        honest_seeds: 20,
        national: false,
        forces: 14,
        detail: false,
        unknown_dates: false,
        practice_drift: 0.0,
        record_drift: 0.0,
        target: None,
        months: StudyOptions::default().months,
        hide_bcus: false,
        others_gaming: false,
        rate_noise: 0.0,
        gaming_delay: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seeds" => options.seeds = value()?.parse().map_err(|e| format!("--seeds: {e}"))?,
            "--first-seed" => {
                options.first_seed = value()?.parse().map_err(|e| format!("--first-seed: {e}"))?
            }
            "--honest-seeds" => {
                options.honest_seeds = value()?
                    .parse()
                    .map_err(|e| format!("--honest-seeds: {e}"))?
            }
            "--gamed-size" => {
                options.gamed_size = value()?.parse().map_err(|e| format!("--gamed-size: {e}"))?
            }
            "--forces" => {
                options.forces = value()?.parse().map_err(|e| format!("--forces: {e}"))?
            }
            "--practice-drift" => {
                options.practice_drift = value()?
                    .parse()
                    .map_err(|e| format!("--practice-drift: {e}"))?
            }
            "--record-drift" => {
                options.record_drift = value()?
                    .parse()
                    .map_err(|e| format!("--record-drift: {e}"))?
            }
            "--target" => {
                options.target = Some(value()?.parse().map_err(|e| format!("--target: {e}"))?)
            }
            "--months" => {
                options.months = value()?.parse().map_err(|e| format!("--months: {e}"))?
            }
            "--hide-bcus" => options.hide_bcus = true,
            "--gaming-delay" => {
                options.gaming_delay = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--gaming-delay: {e}"))?,
                )
            }
            "--rate-noise" => {
                options.rate_noise = value()?.parse().map_err(|e| format!("--rate-noise: {e}"))?
            }
            "--others-gaming" => options.others_gaming = true,
            "--national" => options.national = true,
            "--detail" => options.detail = true,
            "--unknown-dates" => options.unknown_dates = true,
            "--strengths" => {
                options.strengths = value()?
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .parse::<f64>()
                            .map_err(|e| format!("--strengths: {e}"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--mechanisms" => {
                let wanted = value()?;
                options.mechanisms = Mechanism::ALL
                    .into_iter()
                    .filter(|m| wanted.split(',').any(|w| w.trim() == m.name()))
                    .collect();
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[derive(Default)]
struct Cell {
    runs: u32,
    found: u32,
    month_within_2: u32,
    month_errors: Vec<i32>,
    within_25: u32,
    covered: u32,
    relative_errors: Vec<f64>,
}

#[derive(Default)]
struct FalseFlags {
    tested: u32,
    flagged: u32,
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let options = match parse() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let began = Instant::now();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut false_flags: BTreeMap<String, FalseFlags> = BTreeMap::new();
    let mut audits = 0u32;
    let mut variants: Vec<(Mechanism, Vec<String>, String)> = Vec::new();
    for &mechanism in &options.mechanisms {
        variants.push((mechanism, Vec::new(), mechanism.name().to_string()));
        // Gaming confined to the call types most often named in inspections (domestic abuse
        // and assault calls closed or opened as something else) is the hardest case of the
        // call-level mechanisms: its evidence is a few types' worth of calls.
        if matches!(
            mechanism,
            Mechanism::CallSuppression | Mechanism::NonRecording
        ) {
            let types = vec!["DOMESTIC_ABUSE".to_string(), "ASSAULT".to_string()];
            let label = format!("{} (DOMESTIC_ABUSE, ASSAULT only)", mechanism.name());
            variants.push((mechanism, types, label));
        }
    }
    for (mechanism, call_types, label) in &variants {
        let mechanism = *mechanism;
        for &strength in &options.strengths {
            for seed in options.first_seed..options.first_seed + options.seeds {
                let scenario = study_scenario(&StudyOptions {
                    seed: 1000 + seed,
                    planted: Some((mechanism, strength)),
                    gamed_size: options.gamed_size,
                    call_types: call_types.clone(),
                    gaming_start: if options.unknown_dates {
                        Some(gaming_start(seed))
                    } else {
                        options
                            .gaming_delay
                            .map(|months| target_of(&options).offset(months))
                    },
                    ..layout(&options)
                });
                let evaluation = match evaluate(&scenario) {
                    Ok(e) => e,
                    Err(error) => {
                        eprintln!("seed {seed}: {error}");
                        continue;
                    }
                };
                audits += 1;
                if options.detail {
                    print_detail(&evaluation, mechanism, strength, seed);
                }
                let studied = scenario.forces.first().map(|f| f.force_id.clone());
                for verdict in judge(&evaluation) {
                    // Forces gaming besides slot 0 (`--others-gaming`) are the setting, not
                    // the study: neither found nor false flags.
                    if verdict.gamed && Some(&verdict.force_id) != studied.as_ref() {
                        continue;
                    }
                    if verdict.gamed {
                        let cell = cells
                            .entry((label.clone(), format!("{strength:.2}")))
                            .or_default();
                        for m in &verdict.mechanisms {
                            cell.runs += 1;
                            cell.found += u32::from(m.found);
                            if let Some(e) = m.month_error {
                                cell.month_errors.push(e);
                                cell.month_within_2 += u32::from(e.abs() <= 2);
                            }
                            if m.found {
                                if let Some(r) = m.relative_error {
                                    cell.relative_errors.push(r);
                                    cell.within_25 += u32::from(r.abs() <= 0.25);
                                }
                                cell.covered += u32::from(m.covered == Some(true));
                            }
                        }
                    } else if verdict.targeted || options.unknown_dates {
                        record_false_flag(&mut false_flags, &verdict.negatives, verdict.flagged);
                        if verdict.flagged && options.detail {
                            print_false_flag(&evaluation, &verdict.force_id, seed);
                        }
                    }
                }
            }
        }
    }
    let mut honest_clean = 0;
    for seed in 0..options.honest_seeds {
        let scenario = study_scenario(&StudyOptions {
            seed: 5000 + seed,
            planted: None,
            ..layout(&options)
        });
        match evaluate(&scenario) {
            Ok(evaluation) => {
                audits += 1;
                let verdicts = judge(&evaluation);
                let honest: Vec<_> = verdicts.iter().filter(|v| !v.gamed).collect();
                for verdict in honest
                    .iter()
                    .filter(|v| v.targeted || options.unknown_dates)
                {
                    record_false_flag(&mut false_flags, &verdict.negatives, verdict.flagged);
                }
                if options.detail {
                    for verdict in honest.iter().filter(|v| v.flagged) {
                        print_false_flag(&evaluation, &verdict.force_id, 5000 + seed);
                    }
                }
                honest_clean += u32::from(honest.iter().all(|v| !v.flagged));
            }
            Err(error) => eprintln!("honest seed {seed}: {error}"),
        }
    }
    print_tables(&options, &mut cells, &false_flags, honest_clean);
    println!(
        "\n{audits} audits in {:.0} s ({} forces, gamed force {:.0} calls a month, {} target).",
        began.elapsed().as_secs_f64(),
        options.forces,
        options.gamed_size,
        if options.unknown_dates {
            "no target: breaks at unknown dates"
        } else if options.national {
            "national"
        } else {
            "six-force"
        }
    );
    let target = target_of(&options).to_string();
    let hidden = if options.hide_bcus {
        ", BCUs hidden"
    } else {
        ""
    };
    let noise = if options.rate_noise > 0.0 {
        format!(
            ", recording rates over-dispersed by {} in the log-odds",
            options.rate_noise
        )
    } else {
        String::new()
    };
    println!(
        "Target from {target}, {} months from 2018-01{hidden}{noise}{}.",
        options.months,
        options
            .gaming_delay
            .map(|months| format!(", gaming from {months} months after it"))
            .unwrap_or_default()
    );
}

/// The month the target takes effect.
fn target_of(options: &Options) -> Period {
    options.target.unwrap_or_else(recount_eval::target_start)
}

/// What every audit of the study shares: the cast's size, the target, the drifts, the months.
fn layout(options: &Options) -> StudyOptions {
    StudyOptions {
        forces: options.forces,
        national_target: options.national,
        with_target: !options.unknown_dates,
        practice_drift: options.practice_drift,
        record_drift: options.record_drift,
        target: options.target,
        months: options.months,
        hide_bcus: options.hide_bcus,
        others_gaming: options.others_gaming,
        rate_noise: options.rate_noise,
        ..StudyOptions::default()
    }
}

/// The month gaming starts in an audit without a target: 14 to 37 months after January 2018,
/// varying with the seed.
fn gaming_start(seed: u64) -> Period {
    let first = Period::new(2018, 1).unwrap_or(Period::from_index(2018 * 12));
    first.offset(14 + (seed * 7 % 24) as i32)
}

/// An honest force's findings, and every test of the same detectors in that force, for
/// studying a false flag.
fn print_false_flag(evaluation: &recount_eval::Evaluation, force: &str, seed: u64) {
    eprintln!("# false flag: {force} seed {seed}");
    let detectors: Vec<&str> = evaluation
        .outcome
        .findings()
        .filter(|t| t.force_id == force)
        .map(|t| t.detector.as_str())
        .collect();
    for t in evaluation
        .outcome
        .tests
        .iter()
        .filter(|t| t.force_id == force && detectors.contains(&t.detector.as_str()))
    {
        print_test(t);
    }
}

/// One test in full: its shift, standard error, variances, p-values, estimate and
/// corroboration, then the comparison behind it.
fn print_test(t: &recount_detect::Test) {
    eprintln!(
        "  {:<45} from {} eff {:+.3} se {:.3} s2 {:.4} tau2 {:.4} p_main {:.2e} p {:.2e} q {:.2e} est {:.0} ({:.0}..{:.0}) {} {}",
        t.series,
        t.period_start,
        t.effect,
        (t.ci_high - t.ci_low) / 3.92,
        t.sigma2,
        t.tau2,
        t.p_value_main,
        t.p_value,
        t.q_value,
        t.estimated_affected,
        t.estimated_affected_low,
        t.estimated_affected_high,
        if t.flagged { "FLAG" } else { "" },
        t.corroboration
            .iter()
            .map(|c| format!(
                "[{} p={:.2e} r={:.0}]",
                c.series,
                c.p_value,
                c.records.unwrap_or(f64::NAN)
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    if std::env::var_os("RECOUNT_DETAIL_COMPARISON").is_some() {
        eprintln!("      {}", t.comparison);
    }
}

/// The gamed force's tests of the planted mechanism, for studying a detector.
fn print_detail(
    evaluation: &recount_eval::Evaluation,
    mechanism: Mechanism,
    strength: f64,
    seed: u64,
) {
    let Some(gamed) = evaluation.truth.forces.iter().find(|f| f.gamed) else {
        return;
    };
    let target = recount_eval::detected_as(mechanism);
    let truth: u64 = gamed.mechanisms.iter().map(|m| m.affected_records).sum();
    let eligible: u64 = gamed.mechanisms.iter().map(|m| m.eligible_records).sum();
    eprintln!(
        "# {} {strength} seed {seed}: {} truth {truth} of {eligible} eligible",
        mechanism.name(),
        gamed.force_id
    );
    for t in evaluation
        .outcome
        .tests
        .iter()
        .filter(|t| t.force_id == gamed.force_id && t.mechanism == target)
    {
        print_test(t);
    }
    let mut total = recount_detect::Contribution::default();
    let pairs: Vec<recount_detect::Contribution> = evaluation
        .outcome
        .tests
        .iter()
        .filter(|t| t.force_id == gamed.force_id && t.mechanism == target && t.family_complete)
        .map(|t| t.family_contribution)
        .collect();
    if !pairs.is_empty() {
        total = recount_detect::Contribution::combine(&vec![1.0; pairs.len()], &pairs);
    }
    eprintln!(
        "  complete family total {:.0} ({:.0}..{:.0})",
        total.estimate, total.low, total.high
    );
    if let Some(score) = evaluation
        .scores
        .iter()
        .find(|s| s.force_id == gamed.force_id)
    {
        eprintln!("  score estimate {:?}", score.by_mechanism.get(&target));
    }
}

fn record_false_flag(
    table: &mut BTreeMap<String, FalseFlags>,
    negatives: &[NegativeKind],
    flagged: bool,
) {
    let kind = negatives
        .first()
        .map_or("honest, no hard negative".to_string(), |k| format!("{k:?}"));
    let entry = table.entry(kind).or_default();
    entry.tested += 1;
    entry.flagged += u32::from(flagged);
}

fn percent(n: u32, d: u32) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.0}%", 100.0 * f64::from(n) / f64::from(d))
    }
}

fn print_tables(
    options: &Options,
    cells: &mut BTreeMap<(String, String), Cell>,
    false_flags: &BTreeMap<String, FalseFlags>,
    honest_clean: u32,
) {
    println!(
        "| mechanism | strength | runs | found | first month within 2 | median estimate error | estimate within 25% | 95% interval covers |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for ((mechanism, strength), cell) in cells.iter_mut() {
        let median_error = median(&mut cell.relative_errors);
        println!(
            "| {mechanism} | {strength} | {} | {} | {} | {} | {} | {} |",
            cell.runs,
            percent(cell.found, cell.runs),
            percent(cell.month_within_2, cell.month_errors.len() as u32),
            if median_error.is_finite() {
                format!("{:+.0}%", 100.0 * median_error)
            } else {
                "-".into()
            },
            percent(cell.within_25, cell.found),
            percent(cell.covered, cell.found),
        );
    }
    if options.unknown_dates {
        println!("\n| honest force (no target: every honest force) | tested | flagged |");
    } else {
        println!("\n| honest force under the target | tested | flagged |");
    }
    println!("|---|---|---|");
    for (kind, f) in false_flags {
        println!(
            "| {kind} | {} | {} |",
            f.tested,
            percent(f.flagged, f.tested)
        );
    }
    if options.honest_seeds > 0 {
        let audits = if options.others_gaming {
            "Audits without gaming in slot 0 (four others gaming) with no honest force flagged"
        } else {
            "Fully honest audits with no force flagged"
        };
        println!(
            "\n{audits}: {honest_clean} of {} ({}).",
            options.honest_seeds,
            percent(honest_clean, options.honest_seeds as u32)
        );
    }
}
