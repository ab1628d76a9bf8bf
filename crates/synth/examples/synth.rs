//! Writes a synthetic data set: `cargo run --release -p recount-synth --example synth -- OUT
//! [forces] [months] [national_incidents_per_month] [seed] [honest]`.
//!
//! With no numbers it writes the benchmark scale (43 forces, 48 months, 420,000 calls a month:
//! about 20 million incidents and 8 million crimes).

use std::path::PathBuf;
use std::time::Instant;

use recount_synth::{Preset, SynthConfig, WriteOptions, write_dataset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!(
            "usage: synth OUT [forces] [months] [national_incidents_per_month] [seed] [honest]"
        );
        std::process::exit(2);
    };
    let defaults = SynthConfig::default();
    let number = |i: usize, default: f64| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(args
            .get(i)
            .map(|s| s.parse::<f64>())
            .transpose()?
            .unwrap_or(default))
    };
    let config = SynthConfig {
        forces: number(1, defaults.forces as f64)? as usize,
        months: number(2, f64::from(defaults.months))? as u32,
        national_incidents_per_month: number(3, defaults.national_incidents_per_month)?,
        seed: number(4, defaults.seed as f64)? as u64,
        preset: if args.get(5).is_some_and(|s| s == "honest") {
            Preset::Honest
        } else {
            Preset::Default
        },
        ..defaults
    };
    let options = WriteOptions {
        overwrite: true,
        ..WriteOptions::default()
    };
    let started = Instant::now();
    let truth = write_dataset(&config, &out, &options)?;
    println!(
        "{} incidents, {} crimes, {} forces in {:.1} s -> {}",
        truth.totals.incidents,
        truth.totals.crimes,
        truth.forces.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
