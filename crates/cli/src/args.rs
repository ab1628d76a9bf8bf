//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// recount: audits how honestly police forces record crime.
#[derive(Debug, Parser)]
#[command(name = "recount", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace). Logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format: human-readable text, or one JSON object per line for pipelines.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Worker threads (default: one per core).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// No progress bar, even on a terminal.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Text for people.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit forces: detect gaming, score each force, write the outputs.
    Audit(AuditArgs),
    /// Build the audit cube of some data and write it (for partition-by-partition runs).
    Cube(CubeArgs),
    /// Summarise data files: tables, forces, months, rows and data quality.
    Inspect(InspectArgs),
    /// Generate synthetic incidents and crimes with planted gaming and their truth.
    Synth(SynthArgs),
    /// Convert a published record-level source into the contract's tables.
    #[command(subcommand)]
    Convert(ConvertCommand),
}

/// `recount convert`.
#[derive(Debug, Subcommand)]
pub enum ConvertCommand {
    /// The St. Louis Metropolitan Police Department's monthly crime files (UCR codes, `-1`/`+1`
    /// reclassification rows): writes crimes/ and an audit.toml defining the codes.
    StLouis(StLouisArgs),
}

/// `recount convert st-louis`.
#[derive(Debug, Args)]
pub struct StLouisArgs {
    /// The monthly files concatenated into one CSV (header once).
    #[arg(long)]
    pub crimes: PathBuf,
    /// The UCR codes file (`UCRCode`, `UCRType`, `UCRCrime`); the FBI class names otherwise.
    #[arg(long)]
    pub codes: Option<PathBuf>,
    /// Folder to write crimes/part-0.parquet and audit.toml into.
    #[arg(long)]
    pub out: PathBuf,
}

/// Inputs shared by `audit` and `cube`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The incidents table: a Parquet file or a folder of them.
    #[arg(long)]
    pub incidents: Option<PathBuf>,
    /// The crimes table: a Parquet file or a folder of them.
    #[arg(long)]
    pub crimes: Option<PathBuf>,
    /// Published counts: the contract's counts table (Parquet), or a Home Office or
    /// data.police.uk CSV as published.
    #[arg(long)]
    pub counts: Option<PathBuf>,
    /// Cubes written by `recount cube` (repeatable): merged with each other and the tables.
    #[arg(long = "cube")]
    pub cubes: Vec<PathBuf>,
    /// The audit configuration (TOML): targets, mappings, settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `recount audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Folder for the outputs (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Exit with code 5 when any force is flagged (for pipelines that must stop).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

/// When `--fail-on` fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any force flagged.
    Flagged,
}

/// `recount cube`.
#[derive(Debug, Args)]
pub struct CubeArgs {
    /// The inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Folder to write the cube into.
    #[arg(long)]
    pub out: PathBuf,
}

/// `recount inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files or folders of the incidents or crimes table (which is which is read from the
    /// columns), or cube folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The audit configuration, for column names and code mappings.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `recount synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Folder to write incidents/, crimes/, truth.json and audit.toml into.
    #[arg(long, required_unless_present = "print_scenario")]
    pub out: Option<PathBuf>,
    /// Generate the scenario described in this JSON file (see --print-scenario) instead of a
    /// preset; the preset options are then ignored.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Print the preset's scenario as JSON and stop: a starting point for --scenario.
    #[arg(long)]
    pub print_scenario: bool,
    /// Scenario: `default` (gaming, hard negatives and honest forces) or `honest`.
    #[arg(long, default_value = "default")]
    pub preset: String,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of forces.
    #[arg(long, default_value_t = 12)]
    pub forces: usize,
    /// Number of months.
    #[arg(long, default_value_t = 48)]
    pub months: u32,
    /// First month (YYYY-MM).
    #[arg(long, default_value = "2018-01")]
    pub start: String,
    /// Incidents a month across all forces.
    #[arg(long, default_value_t = 60_000.0)]
    pub national_incidents: f64,
    /// Smallest force, in incidents a month.
    #[arg(long, default_value_t = 1_500.0)]
    pub min_force_incidents: f64,
    /// Parquet compression.
    #[arg(long, default_value = "zstd")]
    pub compression: String,
    /// Leave force_id out of the files (the hive partition folder supplies it).
    #[arg(long)]
    pub drop_force_column: bool,
    /// Replace incidents/ and crimes/ folders already in the output folder.
    #[arg(long)]
    pub overwrite: bool,
}
