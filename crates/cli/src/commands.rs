//! The subcommands: each reads its inputs through the libraries, and maps library errors to
//! exit codes.

use std::path::Path;

use anyhow::Context as _;
use recount_cube::{AuditConfig, Cube, Period, Table};
use recount_ingest::{
    CubeSummary, Inputs, PathKind, build_cube, kind_of, read_counts_parquet, read_cube,
    sample_for_review, write_cube,
};
use recount_report::{
    AuditResults, InputRecord, PARQUET, describe_input, review_strata, summary_table, write_outputs,
};

use crate::args::{
    AuditArgs, Cli, Command, ConvertCommand, CubeArgs, FailOn, InputArgs, InspectArgs, StLouisArgs,
    SynthArgs,
};
use crate::progress::RowsBar;
use crate::{EXIT_FLAGGED, Failure};

/// Runs the chosen subcommand; the `Ok` value is the exit code.
pub fn dispatch(cli: &Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Audit(args) => audit(args, cli.no_progress),
        Command::Cube(args) => cube(args, cli.no_progress),
        Command::Inspect(args) => inspect(args, cli.no_progress),
        Command::Synth(args) => synth(args),
        Command::Convert(ConvertCommand::StLouis(args)) => convert_st_louis(args),
    }
}

/// `recount convert st-louis`: the conversion and its summary.
fn convert_st_louis(args: &StLouisArgs) -> Result<u8, Failure> {
    let conversion = recount_ingest::convert_st_louis(&args.crimes, args.codes.as_deref())
        .map_err(Failure::bad_input)?;
    let written =
        recount_ingest::write_st_louis(&conversion, &args.out).map_err(Failure::output)?;
    let s = &conversion.summary;
    println!(
        "{} rows, {} complaints: {} crime records, {} reclassified ({} to a less serious UCR class), {} unfounded, {} first coded before the files; {} rows without a UCR class left out.",
        s.rows,
        s.complaints,
        s.crimes,
        s.reclassified,
        s.downgraded,
        s.unfounded,
        s.coded_before_files,
        s.unknown_codes
    );
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(0)
}

/// Reads the audit configuration, or the defaults when none is given.
fn load_config(path: Option<&Path>) -> Result<AuditConfig, Failure> {
    let Some(path) = path else {
        return Ok(AuditConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration {}", path.display()))
        .map_err(Failure::bad_input)?;
    for section in AuditConfig::unknown_sections(&text) {
        tracing::warn!(file = %path.display(), section, "the configuration has a section recount does not use");
    }
    AuditConfig::from_toml_str(&text)
        .with_context(|| format!("in {}", path.display()))
        .map_err(Failure::bad_input)
}

/// Builds the cube of every input given.
fn collect_cube(
    inputs: &InputArgs,
    config: &AuditConfig,
    no_progress: bool,
) -> Result<Cube, Failure> {
    if inputs.incidents.is_none()
        && inputs.crimes.is_none()
        && inputs.counts.is_none()
        && inputs.cubes.is_empty()
    {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "no input: give --incidents and --crimes, --counts, or --cube"
        )));
    }
    let mut cube = Cube::default();
    if inputs.incidents.is_some() || inputs.crimes.is_some() {
        let bar = RowsBar::new("reading", no_progress);
        let tables = Inputs {
            incidents: inputs.incidents.as_deref(),
            crimes: inputs.crimes.as_deref(),
        };
        let built = build_cube(tables, config, &bar).map_err(Failure::bad_input);
        bar.finish();
        cube.merge(built?);
    }
    if let Some(path) = &inputs.counts {
        let is_csv = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let csv = is_csv(path)
            || (path.is_dir()
                && recount_ingest::discover(path, Table::Counts, &["csv"])
                    .is_ok_and(|f| !f.is_empty()));
        let counts = if csv {
            recount_ingest::read_published_csv(path, config)
        } else {
            read_counts_parquet(path, config)
        };
        cube.merge(counts.map_err(Failure::bad_input)?);
    }
    for path in &inputs.cubes {
        cube.merge(read_cube(path).map_err(Failure::bad_input)?);
    }
    tracing::info!(
        forces = cube.forces().len(),
        incidents = cube.incident_total(),
        crimes = cube.crime_total(),
        "built the cube"
    );
    Ok(cube)
}

/// Lists and checksums the inputs for `audit.json`.
fn describe_inputs(inputs: &InputArgs) -> Result<Vec<InputRecord>, Failure> {
    let mut records = Vec::new();
    let mut add = |table: &str, path: &Path, extensions: &[&str]| -> Result<(), Failure> {
        records.push(describe_input(table, path, extensions).map_err(Failure::bad_input)?);
        Ok(())
    };
    if let Some(p) = &inputs.incidents {
        add("incidents", p, PARQUET)?;
    }
    if let Some(p) = &inputs.crimes {
        add("crimes", p, PARQUET)?;
    }
    if let Some(p) = &inputs.counts {
        add("counts", p, &["parquet", "parq", "pq", "csv"])?;
    }
    for p in &inputs.cubes {
        add("cube", p, &["parquet", "json"])?;
    }
    if let Some(p) = &inputs.config {
        add("configuration", p, &["toml"])?;
    }
    Ok(records)
}

fn audit(args: &AuditArgs, no_progress: bool) -> Result<u8, Failure> {
    let config = load_config(args.inputs.config.as_deref())?;
    let cube = collect_cube(&args.inputs, &config, no_progress)?;
    let outcome = recount_detect::run_audit(&cube, &config).map_err(Failure::bad_input)?;
    for skipped in &outcome.skipped {
        if skipped.detector == recount_detect::SCOPE {
            eprintln!("note: like for like: {}", skipped.reason);
        } else {
            eprintln!("note: {} did not run: {}", skipped.detector, skipped.reason);
        }
    }
    let scores = recount_score::score_forces(&cube, &outcome, &config);
    let bcu_tests =
        recount_detect::bcu_tests(&cube, &config, &outcome).map_err(Failure::bad_input)?;
    let bcus = recount_score::bcu_affected(&bcu_tests, &config);
    let strata = review_strata(&outcome);
    let review = if args.inputs.incidents.is_some() || args.inputs.crimes.is_some() {
        let tables = Inputs {
            incidents: args.inputs.incidents.as_deref(),
            crimes: args.inputs.crimes.as_deref(),
        };
        sample_for_review(tables, &config, &strata).map_err(Failure::bad_input)?
    } else {
        if !strata.is_empty() {
            eprintln!(
                "note: no review sample: it needs the record-level tables (--incidents, --crimes)"
            );
        }
        Vec::new()
    };
    let inputs = describe_inputs(&args.inputs)?;
    let results = AuditResults {
        inputs: &inputs,
        config: &config,
        cube: &cube,
        outcome: &outcome,
        scores: &scores,
        review: &review,
        bcus: &bcus,
    };
    let written = write_outputs(&results, &args.out).map_err(Failure::output)?;
    print!("{}", summary_table(&scores));
    let findings = outcome.findings().count();
    println!(
        "\n{} tests, {} findings, {} of {} forces flagged. Outputs in {} ({} files).",
        outcome.tests.len(),
        findings,
        scores.iter().filter(|s| s.flagged).count(),
        scores.len(),
        args.out.display(),
        written.len()
    );
    let flagged = scores.iter().any(|s| s.flagged);
    Ok(if args.fail_on == Some(FailOn::Flagged) && flagged {
        EXIT_FLAGGED
    } else {
        0
    })
}

fn cube(args: &CubeArgs, no_progress: bool) -> Result<u8, Failure> {
    let config = load_config(args.inputs.config.as_deref())?;
    let cube = collect_cube(&args.inputs, &config, no_progress)?;
    write_cube(&cube, &args.out).map_err(Failure::output)?;
    println!(
        "cube of {} forces, {} incidents and {} crimes written to {}",
        cube.forces().len(),
        cube.incident_total(),
        cube.crime_total(),
        args.out.display()
    );
    Ok(0)
}

fn inspect(args: &InspectArgs, no_progress: bool) -> Result<u8, Failure> {
    let config = load_config(args.config.as_deref())?;
    let mut inputs = InputArgs {
        incidents: None,
        crimes: None,
        counts: None,
        cubes: Vec::new(),
        config: None,
    };
    for path in &args.paths {
        let kind = kind_of(path, &config).map_err(Failure::bad_input)?;
        let slot = match kind {
            PathKind::Cube => {
                inputs.cubes.push(path.clone());
                continue;
            }
            PathKind::Table(Table::Incidents) => &mut inputs.incidents,
            PathKind::Table(Table::Crimes) => &mut inputs.crimes,
            PathKind::Table(Table::Counts) => &mut inputs.counts,
        };
        if slot.is_some() {
            return Err(Failure::bad_input(anyhow::anyhow!(
                "{} is a second {kind:?} input; give one path per table (a folder can hold many files)",
                path.display()
            )));
        }
        *slot = Some(path.clone());
    }
    let cube = collect_cube(&inputs, &config, no_progress)?;
    let summary = CubeSummary::of(&cube);
    if args.json {
        let text = serde_json::to_string_pretty(&summary)
            .map_err(|e| Failure::output(anyhow::Error::from(e)))?;
        println!("{text}");
    } else {
        print!("{}", describe_summary(&summary));
    }
    Ok(0)
}

fn describe_summary(summary: &CubeSummary) -> String {
    let mut out = String::new();
    let span = summary
        .span
        .map_or("no data".to_string(), |(a, b): (Period, Period)| {
            format!("{a} to {b}")
        });
    out.push_str(&format!("{} forces, {span}\n", summary.forces.len()));
    for (table, (read, used)) in &summary.rows {
        out.push_str(&format!("{table}: {read} rows read, {used} used\n"));
    }
    out.push_str("\nforce       incidents      crimes  counted  first    last     BCUs\n");
    for (force, f) in &summary.forces {
        let month = |p: Option<Period>| p.map_or("-".to_string(), |p| p.to_string());
        out.push_str(&format!(
            "{force:<10} {:>10} {:>11} {:>8}  {:<8} {:<8} {:>4}\n",
            f.incidents,
            f.crimes,
            f.counted_offences,
            month(f.first),
            month(f.last),
            f.bcus
        ));
    }
    if summary.problems.is_empty() {
        out.push_str("\ndata quality: no problems found\n");
    } else {
        out.push_str(
            "\ndata quality (rows kept out of the statistics unless noted in the README):\n",
        );
        for (table, check, column, count) in &summary.problems {
            out.push_str(&format!("  {table}.{column}: {check}: {count}\n"));
        }
    }
    out
}

fn synth(args: &SynthArgs) -> Result<u8, Failure> {
    use recount_synth::{
        ParquetCompression, Preset, Scenario, SynthConfig, WriteOptions, write_dataset,
    };
    let preset = match args.preset.as_str() {
        "default" => Preset::Default,
        "honest" => Preset::Honest,
        other => {
            return Err(Failure::bad_input(anyhow::anyhow!(
                "unknown preset `{other}`: use `default` or `honest`"
            )));
        }
    };
    let start: Period = args.start.parse().map_err(Failure::bad_input)?;
    let compression = match args.compression.as_str() {
        "zstd" => ParquetCompression::Zstd,
        "snappy" => ParquetCompression::Snappy,
        "none" => ParquetCompression::None,
        other => {
            return Err(Failure::bad_input(anyhow::anyhow!(
                "unknown compression `{other}`: use zstd, snappy or none"
            )));
        }
    };
    let config = SynthConfig {
        seed: args.seed,
        forces: args.forces,
        months: args.months,
        start,
        national_incidents_per_month: args.national_incidents,
        min_force_incidents_per_month: args.min_force_incidents,
        preset,
        ..SynthConfig::default()
    };
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the scenario {}", path.display()))
                .map_err(Failure::bad_input)?;
            serde_json::from_str::<Scenario>(&text)
                .with_context(|| format!("{} is not a scenario", path.display()))
                .map_err(Failure::bad_input)?
        }
        None => Scenario::from_config(&config).map_err(Failure::bad_input)?,
    };
    if args.print_scenario {
        let text = serde_json::to_string_pretty(&scenario)
            .map_err(|e| Failure::output(anyhow::Error::from(e)))?;
        println!("{text}");
        return Ok(0);
    }
    let Some(out) = &args.out else {
        return Err(Failure::bad_input(anyhow::anyhow!("--out is required")));
    };
    let options = WriteOptions {
        compression,
        include_force_id: !args.drop_force_column,
        overwrite: args.overwrite,
        ..WriteOptions::default()
    };
    let truth = write_dataset(&scenario, out, &options).map_err(Failure::bad_input)?;
    let gamed = truth.forces.iter().filter(|f| f.gamed).count();
    println!(
        "{} forces ({gamed} gamed) over {} months written to {}, with truth.json and audit.toml",
        truth.forces.len(),
        truth.months,
        out.display()
    );
    Ok(0)
}
