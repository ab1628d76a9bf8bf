//! Writing a whole data set: every force's Parquet files (forces in parallel), `truth.json`
//! and `audit.toml`.

use std::fs;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use recount_cube::Target;

use crate::error::SynthError;
use crate::generator::generate_force;
use crate::parquet_writer::{ForceFiles, WriteOptions};
use crate::scenario::{ForcePlan, NationalPlan, ScenarioSource};
use crate::truth::{ForceTruth, Truth};

/// Generates and writes a data set into `out_dir`:
///
/// - `incidents/force_id=<id>/part-0.parquet` and `crimes/force_id=<id>/part-0.parquet`
///   (hive partitions, one file per force and table, rows in time order);
/// - `truth.json`: what was planted, with exact counts;
/// - `audit.toml`: the scenario's targets in the data contract's format.
///
/// Forces are generated in parallel; the files do not depend on the number of threads.
pub fn write_dataset(
    source: &impl ScenarioSource,
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<Truth, SynthError> {
    let scenario = source.scenario()?;
    scenario.validate()?;
    prepare(out_dir, options)?;
    let national = &scenario.national;
    let run = || {
        scenario
            .forces
            .par_iter()
            .map(|plan| write_force(plan, national, out_dir, options))
            .collect::<Result<Vec<ForceTruth>, SynthError>>()
    };
    let forces = match options.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()?
            .install(run)?,
        None => run()?,
    };
    let truth = Truth::assemble(&scenario, forces);
    write_atomically(&out_dir.join("truth.json"), &truth.to_json()?)?;
    write_atomically(&out_dir.join("audit.toml"), &audit_toml(national)?)?;
    Ok(truth)
}

fn write_force(
    plan: &ForcePlan,
    national: &NationalPlan,
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<ForceTruth, SynthError> {
    let mut files = ForceFiles::create(out_dir, &plan.force_id, options)?;
    let truth = generate_force(plan, national, &mut files)?;
    files.finish()?;
    Ok(truth)
}

/// Creates the output folder; clears (with `overwrite`) or refuses existing table folders, so
/// that stale partitions of an earlier run never mix with this one.
fn prepare(out_dir: &Path, options: &WriteOptions) -> Result<(), SynthError> {
    fs::create_dir_all(out_dir).map_err(SynthError::io(out_dir))?;
    for table in ["incidents", "crimes"] {
        let dir = out_dir.join(table);
        if !dir.exists() {
            continue;
        }
        if options.overwrite {
            fs::remove_dir_all(&dir).map_err(SynthError::io(&dir))?;
        } else {
            let mut entries = fs::read_dir(&dir).map_err(SynthError::io(&dir))?;
            if entries.next().is_some() {
                return Err(SynthError::Scenario(format!(
                    "{} already holds data; remove it or set `overwrite`",
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// The audit configuration of the scenario: its targets, in the contract's TOML format.
pub fn audit_toml(national: &NationalPlan) -> Result<String, SynthError> {
    #[derive(Serialize)]
    struct AuditFile<'a> {
        targets: &'a [Target],
    }
    let mut text = String::from(
        "# Targets of a synthetic scenario written by recount-synth. Ground truth is in truth.json.\n",
    );
    if national.targets.is_empty() {
        text.push_str(
            "# No force is under a target: the audit searches for breaks at unknown dates.\n",
        );
    } else {
        text.push('\n');
        text.push_str(&toml::to_string(&AuditFile {
            targets: &national.targets,
        })?);
    }
    Ok(text)
}

/// Writes a small text file through a temporary name, so readers never see half of it.
fn write_atomically(path: &Path, text: &str) -> Result<(), SynthError> {
    let temp = path.with_extension("tmp");
    fs::write(&temp, text).map_err(SynthError::io(&temp))?;
    fs::rename(&temp, path).map_err(SynthError::io(path))
}
