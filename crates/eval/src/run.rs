//! Running a generated audit in memory: generate each force, build its cube through the same
//! scanning code as Parquet files, merge, and audit.

use rayon::prelude::*;
use recount_cube::{AuditConfig, Cube};
use recount_detect::{AuditOutcome, run_audit};
use recount_ingest::{build_cube_from_batches, crime_batch, incident_batch};
use recount_score::{ForceScore, score_forces};
use recount_synth::{ForceTruth, MemorySink, Scenario, Truth, generate_force};

use crate::error::EvalError;

/// A generated audit and what it concluded.
pub struct Evaluation {
    /// What was planted.
    pub truth: Truth,
    /// The cube.
    pub cube: Cube,
    /// The detectors' conclusions.
    pub outcome: AuditOutcome,
    /// The scores.
    pub scores: Vec<ForceScore>,
}

/// The audit configuration of a scenario: its targets and pairs, defaults otherwise.
pub fn config_of(scenario: &Scenario) -> AuditConfig {
    AuditConfig {
        targets: scenario.national.targets.clone(),
        ..AuditConfig::default()
    }
}

/// Builds the cube of a scenario, one force at a time (in parallel), without writing files.
pub fn cube_of(scenario: &Scenario, config: &AuditConfig) -> Result<(Cube, Truth), EvalError> {
    scenario.validate()?;
    let per_force: Vec<(ForceTruth, Cube)> = scenario
        .forces
        .par_iter()
        .map(|plan| {
            let mut sink = MemorySink::default();
            let truth = generate_force(plan, &scenario.national, &mut sink)?;
            let cube = build_cube_from_batches(
                &[incident_batch(&sink.incidents)],
                &[crime_batch(&sink.crimes)],
                config,
            )?;
            Ok((truth, cube))
        })
        .collect::<Result<_, EvalError>>()?;
    let mut truths = Vec::with_capacity(per_force.len());
    let mut cube = Cube::default();
    for (truth, force_cube) in per_force {
        truths.push(truth);
        cube.merge(force_cube);
    }
    Ok((cube, Truth::assemble(scenario, truths)))
}

/// Generates a scenario and audits it.
pub fn evaluate(scenario: &Scenario) -> Result<Evaluation, EvalError> {
    let config = config_of(scenario);
    let (cube, truth) = cube_of(scenario, &config)?;
    let outcome = run_audit(&cube, &config)?;
    let scores = score_forces(&cube, &outcome, &config);
    Ok(Evaluation {
        truth,
        cube,
        outcome,
        scores,
    })
}
