//! The detectors on generated audits with known truth, both sides at once: each planted
//! mechanism is found in its force, with the right start and a sound estimate of the records
//! affected, and no honest force is flagged (hard negatives included). Small scenarios keep
//! `cargo test` fast. Rates (coverage of the 95% intervals, estimates within 25%) are
//! properties over many seeds: the power study (`recount-eval --bin power`) measures them.

#![allow(clippy::unwrap_used, missing_docs)]

use recount_cube::{OffenceCatalogue, Period, RecordingDelay};
use recount_detect::{AuditOutcome, Test, leave_out_gaps, run_audit};
use recount_eval::{
    ForceVerdict, StudyOptions, config_of, cube_of, evaluate, judge, study_scenario, target_start,
};
use recount_synth::{ForcePlan, Mechanism, NegativeKind, PlannedNegative};

fn run(options: StudyOptions) -> Vec<ForceVerdict> {
    judge(&evaluate(&study_scenario(&options)).unwrap())
}

fn check_both_sides(verdicts: &[ForceVerdict], label: &str) {
    for v in verdicts {
        if v.gamed {
            for m in &v.mechanisms {
                assert!(
                    m.found,
                    "{label}: {:?} in {} not found",
                    m.planted, v.force_id
                );
                let error = m.month_error.unwrap();
                assert!(error.abs() <= 2, "{label}: start off by {error} months");
                let relative = m.relative_error.unwrap();
                assert!(
                    relative.abs() <= 0.4,
                    "{label}: estimate off by {:.0}%: {m:?}",
                    100.0 * relative
                );
            }
            assert!(
                v.unplanted_findings.is_empty(),
                "{label}: {} flagged for {:?}",
                v.force_id,
                v.unplanted_findings
            );
        } else {
            assert!(
                !v.flagged,
                "{label}: honest {} ({:?}) flagged",
                v.force_id, v.negatives
            );
        }
    }
}

#[test]
fn each_record_level_mechanism_is_found_in_a_mid_sized_force_and_nobody_else_is_flagged() {
    // Re-badging (call suppression) shows only in call volumes, the least precise evidence:
    // its rates by strength and force size are in the power study, and the end-to-end test on
    // the committed fixtures checks it is found there.
    let mechanisms = Mechanism::ALL
        .into_iter()
        .filter(|m| *m != Mechanism::CallSuppression);
    for (seed, mechanism) in mechanisms.enumerate() {
        let verdicts = run(StudyOptions {
            seed: 40 + seed as u64,
            planted: Some((mechanism, 0.2)),
            gamed_size: 4000.0,
            forces: 12,
            months: 42,
            ..StudyOptions::default()
        });
        assert!(verdicts.iter().any(|v| v.gamed));
        check_both_sides(&verdicts, mechanism.name());
        // The cast tests every hard negative under the target.
        for kind in [
            NegativeKind::GenuineFall,
            NegativeKind::CallMixChange,
            NegativeKind::Merger,
        ] {
            assert!(
                verdicts
                    .iter()
                    .any(|v| v.targeted && v.negatives.contains(&kind)),
                "{kind:?}"
            );
        }
    }
}

#[test]
fn a_fully_honest_audit_under_a_national_target_flags_nobody() {
    for seed in [7, 8] {
        let verdicts = run(StudyOptions {
            seed,
            planted: None,
            forces: 12,
            months: 42,
            national_target: true,
            ..StudyOptions::default()
        });
        assert!(verdicts.iter().all(|v| v.targeted));
        check_both_sides(&verdicts, "honest");
    }
}

#[test]
fn without_a_target_gaming_is_dated_within_two_months_and_honest_forces_are_not_flagged() {
    // Each mechanism starts at a month nobody tells the audit, away from the hard negatives
    // (which start in October 2020) and the national shock (April 2020), on both sides of them.
    let cases = [
        (Mechanism::Downgrading, (2019, 8)),
        (Mechanism::NonRecording, (2021, 2)),
        (Mechanism::Cancellation, (2019, 11)),
    ];
    for (seed, (mechanism, (year, month))) in cases.into_iter().enumerate() {
        let start = Period::new(year, month).unwrap();
        let evaluation = evaluate(&study_scenario(&StudyOptions {
            seed: 60 + seed as u64,
            planted: Some((mechanism, 0.2)),
            gamed_size: 4000.0,
            forces: 12,
            months: 48,
            gaming_start: Some(start),
            with_target: false,
            ..StudyOptions::default()
        }))
        .unwrap();
        assert!(evaluation.outcome.breaks.is_some(), "the search ran");
        let verdicts = judge(&evaluation);
        check_both_sides(&verdicts, &format!("{} from {start}", mechanism.name()));
    }
}

#[test]
fn without_a_target_a_fully_honest_audit_flags_nobody() {
    for seed in [9, 10] {
        let verdicts = run(StudyOptions {
            seed,
            planted: None,
            forces: 12,
            months: 48,
            with_target: false,
            ..StudyOptions::default()
        });
        check_both_sides(&verdicts, "honest, no target");
    }
}

#[test]
fn a_change_of_call_mix_beside_a_chance_fall_in_one_call_type_is_not_rebadging() {
    // Found by the power study (seed 1016): the force whose concern-for-safety and ASB calls
    // grow 40% also saw its share of harassment among crime-related calls fall by chance
    // (p = 3.5e-5). The neighbours' rise "matched" the harassment calls lost because nothing
    // capped it; it now may not exceed three times what every type opened as those
    // neighbours lost together, and the growth of the neighbours is far more than that.
    let verdicts = run(StudyOptions {
        seed: 1016,
        planted: None,
        ..StudyOptions::default()
    });
    let mix = verdicts
        .iter()
        .find(|v| v.negatives.contains(&NegativeKind::CallMixChange))
        .unwrap();
    assert!(
        !mix.flagged,
        "{} ({:?}) flagged",
        mix.force_id, mix.negatives
    );
    check_both_sides(&verdicts, "honest, seed 1016");
}

/// The study's honest cast of `seed` with the first force `which` picks grown to
/// `calls_per_month`; that force's code.
fn honest_cast_with_grown_force(
    seed: u64,
    which: impl Fn(&ForcePlan) -> bool,
    calls_per_month: f64,
) -> (recount_synth::Scenario, String) {
    let mut scenario = study_scenario(&StudyOptions {
        seed,
        planted: None,
        ..StudyOptions::default()
    });
    let plan = scenario.forces.iter_mut().find(|f| which(f)).unwrap();
    plan.incidents_per_month = calls_per_month;
    let force = plan.force_id.clone();
    (scenario, force)
}

/// A targeted force with no hard negative: an honest force under the target.
fn plain_targeted(plan: &ForcePlan) -> bool {
    plan.targeted && plan.negatives.is_empty()
}

fn assert_nobody_flagged(outcome: &AuditOutcome) {
    assert!(
        outcome.tests.iter().all(|t| !t.flagged),
        "an honest audit flagged {:?}",
        outcome
            .findings()
            .map(|t| (&t.force_id, &t.series))
            .collect::<Vec<_>>()
    );
}

/// The force's test of one series.
fn test_of<'a>(outcome: &'a AuditOutcome, force: &str, series: &str) -> &'a Test {
    outcome
        .tests
        .iter()
        .find(|t| t.force_id == force && t.series == series)
        .unwrap()
}

/// The force's test of conversion over all crime-related calls.
fn pooled_conversion<'a>(outcome: &'a AuditOutcome, force: &str) -> &'a Test {
    test_of(outcome, force, "all crime-related calls")
}

fn plan_of<'a>(scenario: &'a mut recount_synth::Scenario, force: &str) -> &'a mut ForcePlan {
    scenario
        .forces
        .iter_mut()
        .find(|f| f.force_id == force)
        .unwrap()
}

/// The study's cast with its merger made demanding: a force of 6,000 calls a month that
/// doubles by absorbing an area which converts calls to crimes at rates of its own.
fn demanding_merger(seed: u64) -> (recount_synth::Scenario, String) {
    let is_merger = |f: &ForcePlan| f.negatives.iter().any(|n| n.kind() == NegativeKind::Merger);
    let (mut scenario, force) = honest_cast_with_grown_force(seed, is_merger, 6000.0);
    for negative in &mut plan_of(&mut scenario, &force).negatives {
        if let PlannedNegative::Merger {
            growth,
            own_practice,
            ..
        } = negative
        {
            *growth = 1.0;
            *own_practice = true;
        }
    }
    (scenario, force)
}

#[test]
fn a_merger_with_an_area_that_records_its_own_way_is_compared_like_for_like_or_not_at_all() {
    let (scenario, merged) = demanding_merger(7);
    let config = config_of(&scenario);
    let (cube, _) = cube_of(&scenario, &config).unwrap();

    // With BCUs in the data, the force is compared on the BCUs it had before the merger.
    let outcome = run_audit(&cube, &config).unwrap();
    assert!(!outcome.is_flagged(&merged), "{merged} flagged");
    assert!(
        outcome
            .skipped
            .iter()
            .any(|s| s.reason.starts_with(&format!("{merged}: BCU `Absorbed"))),
        "{:?}",
        outcome.skipped
    );
    assert_nobody_flagged(&outcome);

    // Without them the merger still shows as a step in the force's calls against the other
    // forces', and the force is audited from the step on: around a target that starts there,
    // not at all.
    let mut unlabelled = cube.clone();
    unlabelled.incidents = relabel(&cube.incidents, |c| {
        let mut c = c.clone();
        c.bcu = None;
        c
    });
    unlabelled.crimes = relabel(&cube.crimes, |c| {
        let mut c = c.clone();
        c.bcu = None;
        c
    });
    unlabelled.reclassifications = relabel(&cube.reclassifications, |c| {
        let mut c = c.clone();
        c.bcu = None;
        c
    });
    let outcome = run_audit(&unlabelled, &config).unwrap();
    assert!(!outcome.is_flagged(&merged), "{merged} flagged");
    assert!(outcome.tests.iter().all(|t| t.force_id != merged));
    assert!(
        outcome.skipped.iter().any(|s| s
            .reason
            .starts_with(&format!("{merged}: its calls changed by +"))),
        "{:?}",
        outcome.skipped
    );
}

fn keep<K: Ord + Clone>(
    cells: &recount_cube::Cells<K>,
    which: impl Fn(&K) -> bool,
) -> recount_cube::Cells<K> {
    cells
        .iter()
        .filter(|(k, _)| which(k))
        .map(|(k, &n)| (k.clone(), n))
        .collect()
}

fn relabel<K: Ord>(cells: &recount_cube::Cells<K>, to: impl Fn(&K) -> K) -> recount_cube::Cells<K> {
    cells.iter().map(|(k, &n)| (to(k), n)).collect()
}

#[test]
fn more_calls_of_a_type_that_seldom_becomes_a_crime_is_not_non_recording() {
    // An honest force of 9,000 calls a month whose public order calls (the type least often
    // recorded as a crime) quadruple from the target on: its pooled conversion falls by 7% in
    // the odds with no call left unrecorded. Before the pooled conversion held each force's
    // mix of call types fixed, that was a finding of non-recording (p = 1.6e-6, q = 7e-4,
    // "901 crimes never recorded"); now the pooled shift is nil.
    let (mut scenario, force) = honest_cast_with_grown_force(11, plain_targeted, 9000.0);
    plan_of(&mut scenario, &force)
        .negatives
        .push(PlannedNegative::CallMixChange {
            call_types: vec!["PUBLIC_ORDER".into()],
            start: target_start(),
            size: 3.0,
        });
    let config = config_of(&scenario);
    let (cube, _) = cube_of(&scenario, &config).unwrap();
    let outcome = run_audit(&cube, &config).unwrap();
    let pooled = pooled_conversion(&outcome, &force);
    assert!(!outcome.is_flagged(&force), "{force} flagged");
    assert!(pooled.effect.abs() < 0.03, "{}", pooled.effect);
    assert!(outcome.tests.iter().all(|t| !t.flagged));
}

#[test]
fn a_change_in_how_calls_without_a_crime_are_closed_is_not_non_recording() {
    // From the target on, 30 more in a hundred crime-related calls without a crime are closed
    // with a non-crime code (a new closing policy); no crime is lost. The share of calls
    // closed as non-crime rises by half, which flagged the force in 14 of 14 audits
    // (`power --seeds 4 --strengths 0.1 --honest-seeds 10 --mechanisms non_recording`) until
    // that view counted only with conversion falling too.
    let verdicts = run(StudyOptions {
        seed: 2,
        planted: None,
        ..StudyOptions::default()
    });
    let changed = verdicts
        .iter()
        .find(|v| v.negatives.contains(&NegativeKind::ClosingPracticeChange))
        .unwrap();
    assert!(!changed.flagged, "{} flagged", changed.force_id);
    check_both_sides(&verdicts, "honest, seed 2");
}

#[test]
fn more_crime_of_a_kind_often_recorded_late_is_not_late_recording() {
    // Every force records about half its sexual offences more than a day after the report
    // (they often come through other agencies); one honest force's sexual offences quadruple
    // from the target on, as late as before. Its raw share of all crime recorded late rises
    // from 16% to 19% with no record recorded later than it would have been: a finding of late
    // recording (+0.22 in the log-odds, p = 2.8e-6) until the rate over all crime held each
    // force's mix of offence groups fixed (now +0.01).
    let scenario = study_scenario(&StudyOptions {
        seed: 4,
        planted: None,
        ..StudyOptions::default()
    });
    let force = scenario
        .forces
        .iter()
        .find(|f| f.targeted && f.negatives.is_empty())
        .unwrap()
        .force_id
        .clone();
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    let catalogue = OffenceCatalogue::builtin();
    let sexual = |code: &str| {
        catalogue
            .get(code)
            .is_some_and(|o| o.group == "Sexual offences")
    };
    let mut edited = Vec::new();
    let mut every_other = false;
    for (cell, &n) in &cube.crimes {
        let ours = cell.force_id.as_str() == force && cell.period >= target_start();
        let mut cell = cell.clone();
        if sexual(&cell.offence_final) && cell.delay == RecordingDelay::WithinDay {
            every_other = !every_other;
            if every_other {
                cell.delay = RecordingDelay::WithinWeek;
            }
        }
        let n = if sexual(&cell.offence_final) && ours {
            4 * n
        } else {
            n
        };
        edited.push((cell, n));
    }
    cube.crimes = recount_cube::Cells::from(edited);
    let outcome = run_audit(&cube, &config).unwrap();
    let late = |series: &str| {
        outcome
            .tests
            .iter()
            .find(|t| t.force_id == force && t.series == series)
            .unwrap()
    };
    let all = late("recorded after 24 h: all crime");
    assert!(all.effect.abs() < 0.1, "{}", all.effect);
    assert!(!late("recorded after 24 h: sexual offences").flagged);
    let findings: Vec<_> = outcome.findings().map(|t| &t.series).collect();
    assert!(!outcome.is_flagged(&force), "{force} flagged: {findings:?}");
}

#[test]
fn a_force_whose_recording_drifts_for_years_is_not_accused_at_the_target() {
    // Every force's conversion drifts by its own trend (spread 10% a year in the odds). Before
    // a drift under way before the target was carried on, this audit's force with a change of
    // call mix was flagged for non-recording: its conversion of burglary, theft and public
    // order calls had been falling for years (p 2e-5 to 3e-4 on the level model).
    let verdicts = run(StudyOptions {
        seed: 5000,
        planted: None,
        practice_drift: 0.1,
        ..StudyOptions::default()
    });
    let drifting = verdicts.iter().find(|v| v.force_id == "E23000013").unwrap();
    assert!(drifting.negatives.contains(&NegativeKind::CallMixChange));
    assert!(!drifting.flagged);
}

#[test]
fn a_force_whose_crime_recording_drifts_is_not_accused_through_a_small_group() {
    // Every force's cancelling, late recording and seriousness of what it records drift by its
    // own trends (spread 10% a year in the odds). The force with a merger records more and more
    // crime late (about 26% a year in the odds): its criminal damage, some 60 records a month,
    // went from 10% to 20% recorded late. Those months cannot show the drift before the target
    // on their own; before a part took its whole rate's drift, the group was flagged for late
    // recording (+0.73 in the log-odds, p 2.6e-6). The force's all-crime rate shows it.
    let verdicts = run(StudyOptions {
        seed: 5011,
        planted: None,
        record_drift: 0.1,
        ..StudyOptions::default()
    });
    let drifting = verdicts.iter().find(|v| v.force_id == "E23000016").unwrap();
    assert!(drifting.negatives.contains(&NegativeKind::Merger));
    assert!(!drifting.flagged);
    assert!(
        verdicts.iter().all(|v| !v.flagged),
        "an honest audit flags no force"
    );
}

#[test]
fn forces_gaming_beside_an_honest_force_do_not_lower_its_bar() {
    // A national target, four forces gaming at 20% (cancellation, late recording,
    // non-recording, downgrading). W15000001, honest (its assault calls fall genuinely), had a
    // chance fall in its theft calls' conversion: p 1.2e-4, q 0.27 with nobody gaming, and
    // q 0.023 with the four, whose findings relaxed every family's threshold, before each
    // force had to pass its own gate.
    let verdicts = run(StudyOptions {
        seed: 5004,
        national_target: true,
        others_gaming: true,
        ..StudyOptions::default()
    });
    let gamed: Vec<&ForceVerdict> = verdicts.iter().filter(|v| v.gamed).collect();
    assert_eq!(gamed.len(), 4);
    assert!(
        verdicts
            .iter()
            .any(|v| v.force_id == "W15000001" && !v.gamed),
        "the honest force of the case is in the cast"
    );
    check_both_sides(&verdicts, "four forces gaming");
}

#[test]
fn recording_rates_that_wobble_month_to_month_hide_no_gaming_and_accuse_nobody() {
    // Every force's odds of recording a call as a crime, of cancelling, of recording late and
    // its serious tilt move by 0.3 in the log-odds from month to month (beyond the binomial):
    // the detectors' over-dispersion allowances must carry it. Non-recording, the mechanism
    // that moves the noisiest of those rates, at 20% in a force of 4,000 calls a month. With
    // plain binomial variances (no within-force allowance and no between-force spread) the
    // gamed force is flagged for late recording it never did; without the wobble it is not.
    let verdicts = run(StudyOptions {
        seed: 60,
        planted: Some((Mechanism::NonRecording, 0.2)),
        gamed_size: 4000.0,
        forces: 12,
        months: 42,
        rate_noise: 0.3,
        ..StudyOptions::default()
    });
    assert!(verdicts.iter().any(|v| v.gamed));
    check_both_sides(&verdicts, "rate noise");
}

#[test]
fn gaming_that_starts_nine_months_after_the_target_is_found_and_dated() {
    // Cancelling at 10% from 9 months into the 15 months after the target: with one level
    // after the target the step read as noise and this was missed (stop 14); the contrast now
    // measures the noise around a step inside the months after the start when one is plainly
    // there.
    let verdicts = run(StudyOptions {
        seed: 1001,
        planted: Some((Mechanism::Cancellation, 0.1)),
        forces: 12,
        gaming_start: Some(target_start().offset(9)),
        ..StudyOptions::default()
    });
    assert!(verdicts.iter().any(|v| v.gamed));
    check_both_sides(&verdicts, "gaming 9 months late");
}

#[test]
fn month_end_bunching_that_starts_nine_months_after_the_target_is_found_from_a_later_onset() {
    // Reclassifications bunched at month-end at 10% from 9 months into the 15 months after
    // the target: the level over all 15 months diluted the step to 6/15 and the sparse series
    // of downgrades rarely passed the gate for a step inside the period (found in 1 run of 8
    // at stop 16, not in this one). Tested from an onset 9 months in, paid for by weighted
    // Bonferroni, the downgrades are found (p 6.6e-6 after the weight) and dated, and no
    // honest force is flagged.
    let verdicts = run(StudyOptions {
        seed: 1006,
        planted: Some((Mechanism::MonthEndReclassification, 0.1)),
        gaming_start: Some(target_start().offset(9)),
        ..StudyOptions::default()
    });
    assert!(verdicts.iter().any(|v| v.gamed));
    check_both_sides(&verdicts, "month-end bunching 9 months late");
}

#[test]
fn months_missing_from_a_forces_crime_extract_are_left_out_not_read_as_non_recording() {
    // An honest force of 9,000 calls a month whose crime extract lacks three months after
    // the target (a records-system migration): its calls are all there, its crimes are not.
    // Left in, those months read as every crime-related call closed without a crime (a
    // pooled conversion effect of -1.96 in the log-odds on this seed). The months are left
    // out of the force's tests, the audit says which and why, and nobody is flagged.
    let (scenario, force) = honest_cast_with_grown_force(5, plain_targeted, 9000.0);
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    let (from, to) = (target_start().offset(3), target_start().offset(5));
    let missing = |f: &str, p: Period| f == force && (from..=to).contains(&p);
    cube.crimes = keep(&cube.crimes, |c| !missing(&c.force_id, c.period));
    cube.reclassifications = keep(&cube.reclassifications, |c| !missing(&c.force_id, c.period));
    // As ingest would link them: the calls of those months name crimes the extract lacks.
    cube.incidents = relabel(&cube.incidents, |c| {
        let mut c = c.clone();
        c.led_to_crime &= !missing(&c.force_id, c.period);
        c
    });

    let outcome = run_audit(&cube, &config).unwrap();
    let pooled = pooled_conversion(&outcome, &force);
    assert!(pooled.effect.abs() < 0.1, "{}", pooled.effect);
    assert_nobody_flagged(&outcome);
    let note = format!(
        "{force}: its crime records in {from} to {to} number 0 where its calls imply about"
    );
    assert!(
        outcome.skipped.iter().any(|s| s.reason.starts_with(&note)),
        "{:?}",
        outcome.skipped
    );
}

#[test]
fn no_honest_change_and_no_gaming_looks_like_months_missing_from_the_extract() {
    // The other side of the test above: the cast's hard negatives (a genuine fall, a change
    // of call mix, a merger, a national shock, a change of closing practice) and non-recording
    // at 30%, the gaming that lowers crimes against calls the most, leave every month in.
    for (seed, planted) in [
        (21, None),
        (22, Some((Mechanism::NonRecording, 0.3))),
        (23, Some((Mechanism::CallSuppression, 0.3))),
    ] {
        let scenario = study_scenario(&StudyOptions {
            seed,
            planted,
            ..StudyOptions::default()
        });
        let (cube, _) = cube_of(&scenario, &config_of(&scenario)).unwrap();
        let (_, gaps) = leave_out_gaps(&cube);
        assert!(gaps.is_empty(), "seed {seed}: {gaps:?}");
    }
}

/// The cube with a share `loss` of `force`'s crime records from `from` on no longer naming
/// the call they came from (and those calls no longer leading to a crime): every crime is
/// still recorded, only the links are lost.
fn lose_links(cube: &mut recount_cube::Cube, force: &str, from: Period, loss: f64) {
    let after = |f: &str, p: Period| f == force && p >= from;
    cube.incidents = unlink(
        &cube.incidents,
        |c| c.led_to_crime && after(&c.force_id, c.period),
        |c| c.led_to_crime = false,
        loss,
    );
    cube.crimes = unlink(
        &cube.crimes,
        |c| c.from_incident && after(&c.force_id, c.period),
        |c| c.from_incident = false,
        loss,
    );
}

/// The cells with a share `loss` of each `linked` cell's count moved to the cell `cut` makes.
fn unlink<K: Ord + Clone>(
    cells: &recount_cube::Cells<K>,
    linked: impl Fn(&K) -> bool,
    cut: impl Fn(&mut K),
    loss: f64,
) -> recount_cube::Cells<K> {
    let mut out = recount_cube::Cells::new();
    for (cell, &n) in cells.iter() {
        let lost = if linked(cell) {
            (n as f64 * loss).round() as u64
        } else {
            0
        };
        out.add(cell.clone(), n - lost);
        if lost > 0 {
            let mut unlinked = cell.clone();
            cut(&mut unlinked);
            out.add(unlinked, lost);
        }
    }
    out
}

#[test]
fn crime_records_that_stop_naming_their_call_are_not_non_recording() {
    // An honest force of 3,000 calls a month whose crime records, from the target on, name
    // the call they came from one time in ten less often (a new records system): conversion,
    // read off those links, falls by a third in the odds with every crime still recorded.
    // Before the records naming no call were looked at, the force was flagged for
    // non-recording on the pooled and seven per-type tests (p 1.9e-20); its records naming
    // no call rose by as many as the links lost, which explains the fall.
    let (scenario, force) = honest_cast_with_grown_force(5, plain_targeted, 3000.0);
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    lose_links(&mut cube, &force, target_start(), 0.1);

    let outcome = run_audit(&cube, &config).unwrap();
    let pooled = pooled_conversion(&outcome, &force);
    assert!(pooled.effect < -0.2, "{}", pooled.effect);
    assert_eq!(pooled.p_value, 1.0);
    let explained = pooled
        .corroboration
        .iter()
        .find(|c| c.series.starts_with("crime records naming no call"))
        .unwrap();
    assert!(explained.p_value < 0.01, "{explained:?}");
    assert!(!outcome.is_flagged(&force), "{force} flagged");
    assert_nobody_flagged(&outcome);
}

/// The cube with a share `fall` of `force`'s crime records recorded and kept as `code` gone
/// from `from` on, with the calls they came from: that crime genuinely fell. Records first
/// recorded as `code` and reclassified stay (they were never that crime).
fn genuine_fall_of_offence(
    cube: &mut recount_cube::Cube,
    force: &str,
    from: Period,
    code: &str,
    fall: f64,
) {
    let after = |f: &str, p: Period| f == force && p >= from;
    let falls = |c: &recount_cube::CrimeCell| {
        after(&c.force_id, c.period) && c.offence_initial == code && c.offence_final == code
    };
    // The calls of the crimes that never happened go with them: the calls recorded as the
    // offence.
    let offence_led = |c: &recount_cube::IncidentCell| {
        after(&c.force_id, c.period) && c.crime_offence.as_deref() == Some(code)
    };
    let mut lost_calls = std::collections::BTreeMap::new();
    for (cell, &n) in cube.crimes.iter() {
        if falls(cell) && cell.from_incident {
            *lost_calls.entry(cell.period).or_insert(0) += thinned(n, fall);
        }
    }
    let mut offence_calls = std::collections::BTreeMap::new();
    for (cell, &n) in cube.incidents.iter().filter(|(c, _)| offence_led(c)) {
        *offence_calls.entry(cell.period).or_insert(0) += n;
    }
    cube.crimes = thin(&cube.crimes, |c| if falls(c) { fall } else { 0.0 });
    cube.incidents = thin(&cube.incidents, |c| {
        if !offence_led(c) {
            return 0.0;
        }
        let lost = lost_calls.get(&c.period).copied().unwrap_or(0) as f64;
        (lost / offence_calls[&c.period].max(1) as f64).min(1.0)
    });
}

/// How many of `n` a share `share` of them is, rounded.
fn thinned(n: u64, share: f64) -> u64 {
    (n as f64 * share).round() as u64
}

/// The cells with a share `share(cell)` of each cell's count taken away.
fn thin<K: Ord + Clone>(
    cells: &recount_cube::Cells<K>,
    share: impl Fn(&K) -> f64,
) -> recount_cube::Cells<K> {
    let mut out = recount_cube::Cells::new();
    for (cell, &n) in cells.iter() {
        out.add(cell.clone(), n - thinned(n, share(cell)));
    }
    out
}

#[test]
fn a_genuine_fall_of_serious_assaults_is_neither_downgrading_nor_non_recording() {
    // An honest force of 3,000 calls a month where, from the target on, three in ten assaults
    // with injury (8N) never happen: their calls and records go, assaults without injury
    // (105A) hold. The 8N share falls (p 2e-12) and nothing moved to 105A. Records first
    // recorded as 8N and reclassified to 105A stay, so the share of first-recorded 8N
    // reclassified as 105A rises by a third in the odds: 15 records, against 474 serious
    // records missing. Counted as corroboration on its rise alone, that gave the pair test p
    // 0.08 here (reclassifications p 0.03, 105A p 0.08), and 0.005 to 0.03 in four of five
    // audits from the independent generator (`tools/crosscheck`); a transfer must now carry at
    // least half of the serious shortfall. The record-level test of the same reclassifications
    // is read the same way.
    let (scenario, force) = honest_cast_with_grown_force(7, plain_targeted, 3000.0);
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    genuine_fall_of_offence(&mut cube, &force, target_start(), "8N", 0.3);

    let outcome = run_audit(&cube, &config).unwrap();
    let pair = outcome
        .tests
        .iter()
        .find(|t| t.force_id == force && t.series == "8N>105A")
        .unwrap();
    assert!(pair.p_value_main < 1e-6, "{}", pair.p_value_main);
    let reclassified = pair
        .corroboration
        .iter()
        .find(|c| c.series.ends_with("reclassified serious to lesser"))
        .unwrap();
    assert!(reclassified.effect.unwrap() > 0.1, "{reclassified:?}");
    assert_eq!(pair.p_value, 1.0, "{:?}", pair.corroboration);
    let record_level = outcome
        .tests
        .iter()
        .find(|t| t.force_id == force && t.series == "reclassified serious to lesser")
        .unwrap();
    // Its share among first-recorded 8N rose (p 0.13 here, 6e-5 in one cross-check audit,
    // where it was flagged); the same reclassifications against all crime did not.
    assert!(record_level.effect > 0.0, "{}", record_level.effect);
    assert_eq!(
        record_level.p_value, 1.0,
        "{:?}",
        record_level.corroboration
    );
    let assault = outcome
        .tests
        .iter()
        .find(|t| t.force_id == force && t.series == "ASSAULT calls")
        .unwrap();
    // The conversion of assault calls falls too: the calls of serious assaults nearly always
    // led to a record, the ones left do less often. In the cross-check that was a finding of
    // non-recording in 2 of 20 audits (p 6e-6 and 3e-5). Here, with the fallen assaults'
    // calls taken from every call type they came from, it falls by -0.09 in the log-odds (p
    // 0.08); the veto that keeps it from counting is proven at scale by
    // `a_genuine_fall_of_serious_assaults_in_a_large_force_is_not_non_recording`.
    assert!(assault.effect < 0.0, "{}", assault.effect);
    assert!(!assault.flagged, "{:?}", assault.corroboration);
    assert!(!outcome.is_flagged(&force), "{force} flagged");
    assert_nobody_flagged(&outcome);
}

/// The cube with `force`'s calls converting a share `drift` less often from `from` on, every
/// call type alike: that share of the calls that led to a crime led to none, and as many of
/// the crime records that named a call are gone.
fn drift_conversion(cube: &mut recount_cube::Cube, force: &str, from: Period, drift: f64) {
    let after = |f: &str, p: Period| f == force && p >= from;
    cube.incidents = unlink(
        &cube.incidents,
        |c| c.led_to_crime && after(&c.force_id, c.period),
        |c| c.led_to_crime = false,
        drift,
    );
    cube.crimes = thin(&cube.crimes, |c| {
        if c.from_incident && after(&c.force_id, c.period) {
            drift
        } else {
            0.0
        }
    });
}

#[test]
fn a_genuine_fall_of_serious_assaults_in_a_large_force_is_not_non_recording() {
    // The fall of the test above in a force of 15,000 calls a month, whose calls also convert
    // 3.5% less often after the target, every type alike: an honest drift (forces' conversion
    // moves by a few hundredths in the log-odds between honest forces) under the 5% a finding
    // needs. At this size the drift is a thousand records, and the fall of all serious
    // offences together is diluted by the other offences' noise. The stop-20 rule compared
    // that fall with the point estimate of what all the force's calls lost, and the drift
    // tipped it: this force was flagged for non-recording, as the same fall was in 3 of 9
    // audits of the independent generator at five times its size. Now 8N's own fall is
    // weighed against the least the calls lost by their 95% interval.
    let (scenario, force) = honest_cast_with_grown_force(7, plain_targeted, 15000.0);
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    genuine_fall_of_offence(&mut cube, &force, target_start(), "8N", 0.3);
    drift_conversion(&mut cube, &force, target_start(), 0.035);

    let outcome = run_audit(&cube, &config).unwrap();
    assert!(!outcome.is_flagged(&force), "{force} flagged");
    assert_nobody_flagged(&outcome);
    // Conversion fell (pooled p 5e-13, assault calls 3e-12) by 2,570 records, at least 2,080;
    // 8N alone fell by 2,250 against the rest of crime, which explains it.
    let pooled = pooled_conversion(&outcome, &force);
    assert!(pooled.p_value_main < 1e-6, "{}", pooled.p_value_main);
    let serious = pooled
        .corroboration
        .iter()
        .find(|c| c.series.starts_with("8N against the rest of crime"))
        .unwrap();
    assert!(serious.p_value < 0.01, "{serious:?}");
    let fall = serious.records.unwrap();
    assert!(
        pooled.estimated_affected > fall,
        "{}",
        pooled.estimated_affected
    );
    assert!(pooled.estimated_affected_low < fall);
    for t in outcome.tests.iter().filter(|t| t.force_id == force) {
        if t.detector == "conversion" && t.p_value_main < 0.01 {
            assert_eq!(t.p_value, 1.0, "{}: {:?}", t.series, t.corroboration);
        }
    }
}

/// The cube with a share `late(period)` of `force`'s crime records of each month that were
/// recorded within a day recorded after a week instead.
fn delay_records(cube: &mut recount_cube::Cube, force: &str, late: impl Fn(Period) -> f64) {
    let mut out = recount_cube::Cells::new();
    for (cell, &n) in cube.crimes.iter() {
        let share = if cell.force_id.as_str() == force && cell.delay == RecordingDelay::WithinDay {
            late(cell.period)
        } else {
            0.0
        };
        let moved = thinned(n, share);
        out.add(cell.clone(), n - moved);
        if moved > 0 {
            let mut delayed = cell.clone();
            delayed.delay = RecordingDelay::WithinWeek;
            out.add(delayed, moved);
        }
    }
    cube.crimes = out;
}

#[test]
fn a_passing_change_at_the_start_is_not_late_recording_and_a_lasting_one_is() {
    // An honest force of 3,000 calls a month replaces its crime system as the target starts:
    // 60% of the first month's records and 25% of the next month's are recorded late, then
    // the backlog is gone. The step model fits those two months as a level of their own and
    // the shift is far beyond chance (the blind generator's seed 110 at 10% flagged such a
    // force, p 2.5e-7); but the rate came back, so it is not counted.
    let (scenario, force) = honest_cast_with_grown_force(7, plain_targeted, 3000.0);
    let config = config_of(&scenario);
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    let start = target_start();
    let (first, second) = (start, start.offset(1));
    delay_records(&mut cube, &force, |p| match p {
        p if p == first => 0.6,
        p if p == second => 0.25,
        _ => 0.0,
    });
    let outcome = run_audit(&cube, &config).unwrap();
    let late = test_of(&outcome, &force, "recorded after 24 h: all crime");
    assert!(late.p_value_main < 1e-3, "{}", late.p_value_main);
    assert_eq!(late.p_value, 1.0);
    let passing = &late.corroboration[0];
    assert!(passing.series.contains("a passing change"), "{passing:?}");
    assert!(passing.p_value >= 0.05, "{passing:?}");
    assert!(!outcome.is_flagged(&force), "{force} flagged");
    assert_nobody_flagged(&outcome);

    // The other side: the same records late in the first two months, and a quarter of every
    // month's from then on. The rate did not come back, and the force is flagged.
    let (mut cube, _) = cube_of(&scenario, &config).unwrap();
    delay_records(&mut cube, &force, |p| match p {
        p if p == first => 0.6,
        p if p >= second => 0.25,
        _ => 0.0,
    });
    let outcome = run_audit(&cube, &config).unwrap();
    let late = test_of(&outcome, &force, "recorded after 24 h: all crime");
    assert!(late.flagged, "{:?}", late.corroboration);
    assert!(outcome.is_flagged(&force));
}
