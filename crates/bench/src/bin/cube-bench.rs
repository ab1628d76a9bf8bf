//! `cargo run --release -p recount-bench --bin cube-bench -- [--data DIR] [--runs N]`
//!
//! Measures, in separate processes, the median wall time and peak resident memory of:
//! recount's cube (`recount_ingest::build_cube`), the decode-only floor (the same columns read
//! with the same projection and dictionary hints, nothing aggregated), and DuckDB computing
//! the same aggregates (`docs/bench/duckdb_cube.py`, needs `pip install duckdb`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let data = PathBuf::from(value("--data").unwrap_or_else(|| "bench-data".into()));
    match args.get(1).map(String::as_str) {
        Some("child-cube") => child_cube(&data),
        Some("child-decode") => child_decode(&data),
        _ => {
            let runs: usize = value("--runs").and_then(|r| r.parse().ok()).unwrap_or(3);
            if let Err(message) = run(&data, runs) {
                eprintln!("error: {message}");
                std::process::exit(1);
            }
        }
    }
}

/// Peak resident memory of this process, from `/proc/self/status` (VmHWM), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn child_cube(data: &Path) {
    let began = Instant::now();
    let inputs = recount_ingest::Inputs {
        incidents: Some(&data.join("incidents")),
        crimes: Some(&data.join("crimes")),
    };
    match recount_ingest::build_cube(
        inputs,
        &recount_cube::AuditConfig::default(),
        &recount_ingest::NoProgress,
    ) {
        Ok(cube) => println!(
            "{:.3} {:.0} {} {}",
            began.elapsed().as_secs_f64(),
            peak_mb(),
            cube.incident_total(),
            cube.crime_total()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

const INCIDENT_COLUMNS: [&str; 6] = [
    "incident_id",
    "force_id",
    "opened_at",
    "call_type",
    "closing_code",
    "bcu",
];
const CRIME_COLUMNS: [&str; 11] = [
    "crime_id",
    "force_id",
    "incident_id",
    "reported_at",
    "recorded_at",
    "offence_initial",
    "offence_final",
    "reclassified_at",
    "cancelled_at",
    "cancel_reason",
    "bcu",
];

/// Reads the columns recount reads, as recount reads them (codes as dictionaries), and only
/// counts rows.
fn child_decode(data: &Path) {
    use arrow_array::RecordBatchReader;
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    let began = Instant::now();
    let mut units: Vec<(PathBuf, usize, &'static [&'static str])> = Vec::new();
    for (table, columns) in [
        ("incidents", &INCIDENT_COLUMNS[..]),
        ("crimes", &CRIME_COLUMNS[..]),
    ] {
        let files = recount_ingest::discover(
            &data.join(table),
            recount_cube::Table::Incidents,
            &["parquet"],
        )
        .unwrap_or_default();
        for file in files {
            let Ok(handle) = std::fs::File::open(&file.path) else {
                continue;
            };
            let Ok(meta) = ArrowReaderMetadata::load(&handle, ArrowReaderOptions::new()) else {
                continue;
            };
            for rg in 0..meta.metadata().num_row_groups() {
                units.push((file.path.clone(), rg, columns));
            }
        }
    }
    let rows: usize = units
        .par_iter()
        .map(|(path, rg, columns)| {
            let Ok(handle) = std::fs::File::open(path) else {
                return 0;
            };
            let Ok(builder) = ParquetRecordBatchReaderBuilder::try_new(handle) else {
                return 0;
            };
            let schema = builder.parquet_schema();
            let leaves: Vec<usize> = (0..schema.num_columns())
                .filter(|&i| columns.contains(&schema.column(i).name()))
                .collect();
            let mask = ProjectionMask::leaves(schema, leaves);
            let Ok(reader) = builder
                .with_projection(mask)
                .with_row_groups(vec![*rg])
                .with_batch_size(65536)
                .build()
            else {
                return 0;
            };
            let _ = reader.schema();
            reader
                .filter_map(Result::ok)
                .map(|b| b.num_rows())
                .sum::<usize>()
        })
        .sum();
    println!(
        "{:.3} {:.0} {rows}",
        began.elapsed().as_secs_f64(),
        peak_mb()
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs a child `runs` times; returns (median seconds, median peak MB, last output).
fn measure(
    command: &mut dyn FnMut() -> Command,
    runs: usize,
) -> Result<(f64, f64, String), String> {
    let mut seconds = Vec::new();
    let mut memory = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        let output = command().output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).to_string());
        }
        last = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let mut fields = last.split_whitespace();
        seconds.push(
            fields
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("no time printed")?,
        );
        memory.push(
            fields
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("no memory printed")?,
        );
    }
    Ok((median(seconds), median(memory), last))
}

fn run(data: &Path, runs: usize) -> Result<(), String> {
    if !data.join("truth.json").is_file() {
        eprintln!("generating the benchmark data in {} ...", data.display());
        let began = Instant::now();
        let options = recount_synth::WriteOptions {
            overwrite: true,
            ..recount_synth::WriteOptions::default()
        };
        let truth =
            recount_synth::write_dataset(&recount_synth::SynthConfig::default(), data, &options)
                .map_err(|e| e.to_string())?;
        eprintln!(
            "{} incidents and {} crimes in {} forces, generated in {:.1} s",
            truth.totals.incidents,
            truth.totals.crimes,
            truth.forces.len(),
            began.elapsed().as_secs_f64()
        );
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let data_arg = data.display().to_string();
    let (cube_s, cube_mb, cube_out) = measure(
        &mut || {
            let mut c = Command::new(&me);
            c.args(["child-cube", "--data", &data_arg]);
            c
        },
        runs,
    )?;
    let (decode_s, decode_mb, _) = measure(
        &mut || {
            let mut c = Command::new(&me);
            c.args(["child-decode", "--data", &data_arg]);
            c
        },
        runs,
    )?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/bench/duckdb_cube.py");
    let duck = measure(
        &mut || {
            let mut c = Command::new("python3");
            c.arg(&script).arg(&data_arg);
            c
        },
        runs,
    );
    let counts: Vec<&str> = cube_out.split_whitespace().skip(2).collect();
    println!(
        "data: {} incidents, {} crimes (43 forces, partitioned by force, zstd); {runs} runs each, 2 cores",
        counts.first().unwrap_or(&"?"),
        counts.get(1).unwrap_or(&"?")
    );
    println!("| what | median wall time | peak memory |");
    println!("|---|---|---|");
    println!(
        "| recount cube (read, validate, join, aggregate) | {cube_s:.2} s | {cube_mb:.0} MB |"
    );
    println!(
        "| decode only (same columns, no aggregation) | {decode_s:.2} s | {decode_mb:.0} MB |"
    );
    match duck {
        Ok((duck_s, duck_mb, _)) => {
            println!(
                "| DuckDB (same aggregates, join included) | {duck_s:.2} s | {duck_mb:.0} MB |"
            );
            println!(
                "\nrecount / DuckDB: time {:.2}, memory {:.2}; recount / decode floor: time {:.2}",
                cube_s / duck_s,
                cube_mb / duck_mb,
                cube_s / decode_s
            );
        }
        Err(e) => println!("| DuckDB | not run: {} | |", e.lines().last().unwrap_or("")),
    }
    Ok(())
}
