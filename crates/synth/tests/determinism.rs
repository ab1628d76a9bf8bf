//! Same seed and options, same bytes; another seed, other rows.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;

use recount_synth::{Scenario, SynthConfig, WriteOptions, generate, write_dataset};

fn tiny(seed: u64) -> Scenario {
    Scenario::from_config(&SynthConfig::tiny(seed, 4, 5)).unwrap()
}

#[test]
fn same_seed_gives_identical_rows_and_truth() {
    let a = generate(&tiny(17)).unwrap();
    let b = generate(&tiny(17)).unwrap();
    assert_eq!(a.incidents, b.incidents);
    assert_eq!(a.crimes, b.crimes);
    assert_eq!(a.truth.to_json().unwrap(), b.truth.to_json().unwrap());
}

#[test]
fn another_seed_gives_other_rows() {
    let a = generate(&tiny(17)).unwrap();
    let b = generate(&tiny(18)).unwrap();
    assert_ne!(a.incidents, b.incidents);
    assert_ne!(a.crimes, b.crimes);
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap().path();
            if entry.is_dir() {
                stack.push(entry);
            } else {
                let name = entry.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, fs::read(&entry).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn written_files_do_not_depend_on_threads() {
    let scenario = tiny(23);
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let single = WriteOptions {
        threads: Some(1),
        row_group_rows: 1000,
        ..WriteOptions::default()
    };
    let parallel = WriteOptions {
        threads: Some(3),
        ..single.clone()
    };
    let truth_one = write_dataset(&scenario, one.path(), &single).unwrap();
    let truth_two = write_dataset(&scenario, two.path(), &parallel).unwrap();
    assert_eq!(truth_one, truth_two);
    let (a, b) = (files(one.path()), files(two.path()));
    assert_eq!(
        a.len(),
        2 * 4 + 2,
        "{:?}",
        a.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name_a, bytes_a), (name_b, bytes_b)) in a.iter().zip(&b) {
        assert_eq!(name_a, name_b);
        assert!(bytes_a == bytes_b, "{name_a} differs");
    }
}

#[test]
fn refuses_to_mix_with_an_earlier_run_unless_told() {
    let scenario = tiny(29);
    let dir = tempfile::tempdir().unwrap();
    let options = WriteOptions::default();
    write_dataset(&scenario, dir.path(), &options).unwrap();
    assert!(write_dataset(&scenario, dir.path(), &options).is_err());
    let overwrite = WriteOptions {
        overwrite: true,
        ..options
    };
    write_dataset(&scenario, dir.path(), &overwrite).unwrap();
}
