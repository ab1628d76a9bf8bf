//! End-to-end tests of the `recount` binary on the committed fixtures: the audit finds the
//! gamed forces and only them, its estimates cover the truth, its outputs follow the data
//! contract and repeat byte for byte, and bad input fails cleanly.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(part: &str) -> PathBuf {
    root().join("fixtures/audit").join(part)
}

fn recount(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recount"))
        .args(args)
        .arg("--no-progress")
        .output()
        .unwrap()
}

fn audit(out: &Path, extra: &[&str]) -> Output {
    let incidents = fixture("incidents");
    let crimes = fixture("crimes");
    let config = fixture("audit.toml");
    let mut args = vec![
        "audit",
        "--incidents",
        incidents.to_str().unwrap(),
        "--crimes",
        crimes.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    recount(&args)
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn truth() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture("truth.json")).unwrap()).unwrap()
}

#[test]
fn the_fixture_audit_finds_the_gamed_forces_and_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let output = audit(dir.path(), &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, scores) = read_csv(&dir.path().join("scores.csv"));
    let flagged = flagged_in(&scores);
    let truth = truth();
    let forces = truth["forces"].as_array().unwrap();
    let gamed: BTreeSet<String> = forces
        .iter()
        .filter(|f| f["gamed"].as_bool().unwrap())
        .map(|f| f["force_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        flagged, gamed,
        "flagged forces must be exactly the gamed ones"
    );
    // The honest side includes every hard negative under the target.
    let negatives: BTreeSet<&str> = forces
        .iter()
        .filter(|f| f["targeted"].as_bool().unwrap() && !f["gamed"].as_bool().unwrap())
        .flat_map(|f| f["hard_negatives"].as_array().unwrap())
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    for kind in ["genuine_fall", "call_mix_change", "targeted_honest"] {
        assert!(negatives.contains(kind), "the fixture should test a {kind}");
    }
    // Estimated affected records: each gamed force's interval covers its truth.
    for force in forces.iter().filter(|f| f["gamed"].as_bool().unwrap()) {
        assert_interval_covers(&scores, force);
    }
    // Per BCU: every flagged force's BCUs, whose estimates add up to about the force's (each
    // BCU is re-estimated on its own, so the sum is not forced to match).
    let (_, units) = read_csv(&dir.path().join("bcu_scores.csv"));
    for force in &flagged {
        let row = scores.iter().find(|r| &r["force_id"] == force).unwrap();
        let whole: f64 = row["estimated_affected"].parse().unwrap();
        let parts: Vec<f64> = units
            .iter()
            .filter(|u| &u["force_id"] == force)
            .map(|u| u["estimated_affected"].parse().unwrap())
            .collect();
        assert_eq!(parts.len(), 3, "{force}: three BCUs");
        let sum: f64 = parts.iter().sum();
        assert!(
            (sum - whole).abs() <= 0.15 * whole,
            "{force}: BCUs {sum} against {whole}"
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Lincolnshire") && stdout.contains("flagged"),
        "{stdout}"
    );
    // The merged force is compared on the BCUs it had before the merger, and the outputs say
    // so: every force with a merger in the truth, and no other.
    let audit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("audit.json")).unwrap()).unwrap();
    let scoped: BTreeSet<String> = audit["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["detector"] == "scope")
        .map(|s| {
            s["reason"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let merged: BTreeSet<String> = forces
        .iter()
        .filter(|f| {
            f["hard_negatives"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "merger")
        })
        .map(|f| f["force_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!merged.is_empty());
    assert_eq!(scoped, merged);
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for force in &merged {
        assert!(report.contains(&format!("Like for like: {force}: BCU")));
    }
}

#[test]
fn the_outputs_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    assert!(audit(dir.path(), &[]).status.success());
    let (headers, scores) = read_csv(&dir.path().join("scores.csv"));
    assert_eq!(
        headers[..7],
        [
            "force_id",
            "integrity_score",
            "grade",
            "flagged",
            "estimated_affected",
            "estimated_affected_low",
            "estimated_affected_high"
        ]
    );
    assert_eq!(scores.len(), 13);
    for row in &scores {
        let score: f64 = row["integrity_score"].parse().unwrap();
        assert!((0.0..=100.0).contains(&score));
        assert!(
            ["Outstanding", "Good", "Requires improvement", "Inadequate"]
                .contains(&row["grade"].as_str())
        );
        assert!(["true", "false"].contains(&row["flagged"].as_str()));
        if row["flagged"] == "false" {
            assert_eq!(row["estimated_affected"], "0.0");
        }
    }
    let (headers, findings) = read_csv(&dir.path().join("findings.csv"));
    assert_eq!(
        headers[..10],
        [
            "force_id",
            "detector",
            "series",
            "period_start",
            "effect",
            "ci_low",
            "ci_high",
            "p_value",
            "q_value",
            "estimated_affected"
        ]
    );
    assert!(!findings.is_empty());
    for row in &findings {
        let q: f64 = row["q_value"].parse().unwrap();
        let p: f64 = row["p_value"].parse().unwrap();
        assert!(q <= 0.05 && p <= q + 1e-12, "{row:?}");
        let (low, effect, high): (f64, f64, f64) = (
            row["ci_low"].parse().unwrap(),
            row["effect"].parse().unwrap(),
            row["ci_high"].parse().unwrap(),
        );
        assert!(low <= effect && effect <= high);
        assert!(!row["comparison"].is_empty());
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("audit.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], "1.2");
    assert_eq!(json["tool"]["name"], "recount");
    assert_eq!(json["scores"].as_array().unwrap().len(), 13);
    assert!(
        json["inputs"][0]["files"][0]["sha256"]
            .as_str()
            .unwrap()
            .len()
            == 64
    );
    assert!(json["configuration"]["targets"].as_array().unwrap().len() == 1);
    for table in ["scores", "findings", "tests", "quality"] {
        assert!(
            dir.path().join(format!("{table}.parquet")).is_file(),
            "{table}.parquet"
        );
    }
    what_the_audit_could_have_seen(dir.path());
}

/// Every test of the target says what it could have seen: at least the materiality threshold
/// of 10 records, at a level no looser than the audit's 5%, the same level for every test of
/// a family; and the report shows it for every targeted force.
fn what_the_audit_could_have_seen(dir: &Path) {
    let (_, tests) = read_csv(&dir.join("tests.csv"));
    let mut levels: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in &tests {
        let detectable: f64 = row["detectable_affected"].parse().unwrap();
        assert!(detectable >= 10.0, "{row:?}");
        let share: f64 = row["detectable_share"].parse().unwrap();
        assert!(share > 0.0, "{row:?}");
        let level: f64 = row["detectable_level"].parse().unwrap();
        assert!(level > 0.0 && level <= 0.05, "{row:?}");
        let family = (row["force_id"].clone(), row["mechanism"].clone());
        let first = levels
            .entry(family)
            .or_insert(row["detectable_level"].clone());
        assert_eq!(first, &row["detectable_level"], "{row:?}");
    }
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let section = report
        .split("id=\"sensitivity\"")
        .nth(1)
        .expect("the report says what the audit could have seen");
    let table = section.split("</table>").next().unwrap();
    let forces: BTreeSet<&String> = tests.iter().map(|r| &r["force_id"]).collect();
    assert!(!forces.is_empty());
    for force in forces {
        assert!(table.contains(&format!("<td>{force}</td>")), "{force}");
    }
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    assert!(audit(one.path(), &["--threads", "1"]).status.success());
    assert!(audit(two.path(), &["--threads", "2"]).status.success());
    let mut names: Vec<String> = std::fs::read_dir(one.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        let a = std::fs::read(one.path().join(&name)).unwrap();
        let b = std::fs::read(two.path().join(&name)).unwrap();
        assert!(a == b, "{name} differs between runs");
    }
}

#[test]
fn fail_on_flagged_stops_a_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let output = audit(dir.path(), &["--fail-on", "flagged"]);
    assert_eq!(output.status.code(), Some(5));
    assert!(
        dir.path().join("scores.csv").is_file(),
        "outputs are still written"
    );
}

#[test]
fn bad_input_fails_with_a_message_naming_the_file_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let crimes_as_incidents = fixture("crimes");
    let out = dir.path().join("out");
    let output = recount(&[
        "audit",
        "--incidents",
        crimes_as_incidents.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("opened_at") && stderr.contains(".parquet"),
        "{stderr}"
    );
    assert!(!out.exists(), "no output on bad input");

    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[detect]\nfdr = 2\n").unwrap();
    let output = recount(&[
        "audit",
        "--cube",
        "nowhere",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("fdr"));
}

#[test]
fn cubes_of_partitions_audit_like_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let truth = truth();
    let forces: Vec<String> = truth["forces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["force_id"].as_str().unwrap().to_string())
        .collect();
    // Two partitions: the first half of the forces' folders, and the rest.
    let (first, second) = forces.split_at(forces.len() / 2);
    let mut cubes = Vec::new();
    for (n, part) in [first, second].iter().enumerate() {
        let staging = dir.path().join(format!("part{n}"));
        for table in ["incidents", "crimes"] {
            for force in part.iter() {
                let from = fixture(table).join(format!("force_id={force}"));
                let to = staging.join(table).join(format!("force_id={force}"));
                std::fs::create_dir_all(&to).unwrap();
                for entry in std::fs::read_dir(&from).unwrap() {
                    let entry = entry.unwrap();
                    std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
                }
            }
        }
        let cube = dir.path().join(format!("cube{n}"));
        let output = recount(&[
            "cube",
            "--incidents",
            staging.join("incidents").to_str().unwrap(),
            "--crimes",
            staging.join("crimes").to_str().unwrap(),
            "--out",
            cube.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        cubes.push(cube);
    }
    let whole = dir.path().join("whole");
    assert!(audit(&whole, &[]).status.success());
    let parts = dir.path().join("parts");
    let config = fixture("audit.toml");
    let output = recount(&[
        "audit",
        "--cube",
        cubes[0].to_str().unwrap(),
        "--cube",
        cubes[1].to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        parts.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for table in ["scores.csv", "findings.csv", "tests.csv"] {
        assert_eq!(
            std::fs::read(whole.join(table)).unwrap(),
            std::fs::read(parts.join(table)).unwrap(),
            "{table}"
        );
    }
}

#[test]
fn inspect_summarises_tables_and_quality() {
    let output = recount(&[
        "inspect",
        fixture("incidents").to_str().unwrap(),
        fixture("crimes").to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("13 forces, 2019-07 to 2021-12"), "{text}");
    assert!(
        text.contains("E23000013") && text.contains("incidents:"),
        "{text}"
    );
}

#[test]
fn synth_is_deterministic_and_matches_the_committed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = fixture("scenario.json");
    let output = recount(&[
        "synth",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(dir.path().join("truth.json")).unwrap(),
        std::fs::read(fixture("truth.json")).unwrap()
    );
    let part = "incidents/force_id=E23000013/part-0.parquet";
    assert_eq!(
        std::fs::read(dir.path().join(part)).unwrap(),
        std::fs::read(fixture(part)).unwrap()
    );
}

#[test]
fn a_writer_killed_mid_way_leaves_every_output_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(audit(&out, &[]).status.success());
    let before: BTreeMap<String, Vec<u8>> = outputs(&out);
    // A second audit with another configuration writes different bytes; kill it at various
    // points of its run.
    let config = dir.path().join("other.toml");
    let mut text = std::fs::read_to_string(fixture("audit.toml")).unwrap();
    text.push_str("\n[detect]\nfdr = 0.01\n");
    std::fs::write(&config, text).unwrap();
    for delay_ms in [50u64, 300, 900, 1500, 2500] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_recount"))
            .args(["audit", "--no-progress", "--incidents"])
            .arg(fixture("incidents"))
            .arg("--crimes")
            .arg(fixture("crimes"))
            .arg("--config")
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for (name, bytes) in outputs(&out) {
            assert!(before.contains_key(&name), "unexpected output {name}");
            let whole = match name.rsplit('.').next() {
                Some("csv") => csv::Reader::from_reader(bytes.as_slice())
                    .records()
                    .all(|r| r.is_ok()),
                Some("json") => serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                Some("html") => String::from_utf8_lossy(&bytes)
                    .trim_end()
                    .ends_with("</html>"),
                Some("parquet") => bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                _ => true,
            };
            assert!(
                whole,
                "{name} is half-written after a kill at {delay_ms} ms"
            );
        }
    }
}

/// The visible files of an output folder (temporary files start with a dot).
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Checks a JSON value against the subset of JSON Schema that `docs/audit.schema.json` uses
/// (type, required, properties, items, additionalProperties, enum, const, pattern by prefix
/// only, minimum, maximum).
fn conforms(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    path: &str,
) -> Result<(), String> {
    use serde_json::Value;
    let type_ok = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_u64() || value.is_i64(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    };
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t) => return Err(format!("{path}: not a {t}")),
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap_or(""))) => {
            return Err(format!("{path}: none of {ts:?}"));
        }
        _ => {}
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        return Err(format!("{path}: {value} not in {options:?}"));
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        return Err(format!("{path}: {value} is not {expected}"));
    }
    if let (Some(min), Some(x)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && x < min
    {
        return Err(format!("{path}: {x} below {min}"));
    }
    if let (Some(max), Some(x)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) && x > max
    {
        return Err(format!("{path}: {x} above {max}"));
    }
    if let Some(Value::Array(required)) = schema.get("required") {
        for key in required {
            let key = key.as_str().unwrap();
            if value.get(key).is_none() {
                return Err(format!("{path}: missing {key}"));
            }
        }
    }
    if let (Some(Value::Object(properties)), Some(object)) =
        (schema.get("properties"), value.as_object())
    {
        for (key, sub) in properties {
            if let Some(v) = object.get(key) {
                conforms(v, sub, &format!("{path}.{key}"))?;
            }
        }
    }
    if let (Some(sub), Some(object)) = (schema.get("additionalProperties"), value.as_object())
        && sub.is_object()
    {
        for (key, v) in object {
            conforms(v, sub, &format!("{path}.{key}"))?;
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (n, v) in array.iter().enumerate() {
            conforms(v, items, &format!("{path}[{n}]"))?;
        }
    }
    Ok(())
}

#[test]
fn audit_json_follows_its_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    assert!(audit(dir.path(), &[]).status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("audit.json")).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("docs/audit.schema.json")).unwrap())
            .unwrap();
    conforms(&json, &schema, "audit.json").unwrap();
    // And the checker does reject what the schema forbids.
    let mut broken = json.clone();
    broken["scores"][0]["grade"] = "Excellent".into();
    assert!(conforms(&broken, &schema, "audit.json").is_err());
    broken = json;
    broken.as_object_mut().unwrap().remove("schema_version");
    assert!(conforms(&broken, &schema, "audit.json").is_err());
}

/// Runs `recount` and insists it succeeded.
fn recount_ok(args: &[&str]) -> Output {
    let output = recount(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The forces flagged in a `scores.csv`.
fn flagged_in(scores: &[BTreeMap<String, String>]) -> BTreeSet<String> {
    scores
        .iter()
        .filter(|r| r["flagged"] == "true")
        .map(|r| r["force_id"].clone())
        .collect()
}

/// Audits `inputs` (flags and paths) with a configuration without targets, into `dir/out`.
fn audit_without_targets(dir: &Path, inputs: &[(&str, PathBuf)]) -> PathBuf {
    let config = dir.join("no-targets.toml");
    std::fs::write(
        &config,
        "# no targets: search for breaks at unknown dates\n",
    )
    .unwrap();
    let out = dir.join("out");
    let mut args = vec!["audit".to_string()];
    for (flag, path) in inputs {
        args.push(flag.to_string());
        args.push(path.to_str().unwrap().to_string());
    }
    for (flag, path) in [("--config", &config), ("--out", &out)] {
        args.push(flag.to_string());
        args.push(path.to_str().unwrap().to_string());
    }
    recount_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    out
}

#[test]
fn without_targets_the_fixture_audit_dates_the_gaming_and_flags_only_the_gamed_forces() {
    let dir = tempfile::tempdir().unwrap();
    let out = audit_without_targets(
        dir.path(),
        &[
            ("--incidents", fixture("incidents")),
            ("--crimes", fixture("crimes")),
        ],
    );
    let (_, scores) = read_csv(&out.join("scores.csv"));
    let flagged = flagged_in(&scores);
    let truth = truth();
    let forces = truth["forces"].as_array().unwrap();
    let gamed: Vec<&serde_json::Value> = forces
        .iter()
        .filter(|f| f["gamed"].as_bool().unwrap())
        .collect();
    let gamed_ids: BTreeSet<String> = gamed
        .iter()
        .map(|f| f["force_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(flagged, gamed_ids);
    let (_, findings) = read_csv(&out.join("findings.csv"));
    for force in gamed {
        let id = force["force_id"].as_str().unwrap();
        let start = force["mechanisms"][0]["start"].as_str().unwrap();
        let months = |p: &str| {
            let (y, m) = p.split_once('-').unwrap();
            y.parse::<i32>().unwrap() * 12 + m.parse::<i32>().unwrap()
        };
        let earliest = findings
            .iter()
            .filter(|r| r["force_id"] == id)
            .map(|r| months(&r["period_start"]))
            .min()
            .unwrap();
        assert!(
            (earliest - months(start)).abs() <= 2,
            "{id}: gaming from {start}, first finding {earliest}"
        );
        assert_interval_covers(&scores, force);
    }
    let (columns, breaks) = read_csv(&out.join("breaks.csv"));
    assert!(columns.iter().any(|c| c == "period_low") && !breaks.is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("audit.json")).unwrap()).unwrap();
    assert!(json["breaks"]["series_searched"].as_u64().unwrap() > 0);
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("docs/audit.schema.json")).unwrap())
            .unwrap();
    conforms(&json, &schema, "audit.json").unwrap();
}

#[test]
fn the_published_home_office_tables_show_the_2014_recording_change_and_flag_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let out = audit_without_targets(
        dir.path(),
        &[(
            "--counts",
            root().join("fixtures/real/prc-pfa-subgroups.csv"),
        )],
    );
    let (_, scores) = read_csv(&out.join("scores.csv"));
    assert_eq!(
        scores.len(),
        43,
        "the 43 territorial forces, other bodies dropped"
    );
    assert!(scores.iter().all(|r| r["flagged"] == "false"));
    let (_, breaks) = read_csv(&out.join("breaks.csv"));
    // The rise in recorded violence after the 2014 inspection: national, upward, in 2014/15,
    // shared by most forces.
    let recording = breaks
        .iter()
        .find(|b| {
            b["scope"] == "national"
                && b["indicator"] == "violence recording"
                && b["direction"] == "up"
                && ("2014-01".."2015-04").contains(&b["period"].as_str())
        })
        .expect("a national upward break in violence recording in 2014/15");
    let moved: usize = recording["forces_moved"].parse().unwrap();
    assert!(moved >= 30, "{moved} forces moved");
    // Its spread: some forces barely moved, some rose by half.
    let (_, shares) = read_csv(&out.join("break_shares.csv"));
    let changes: Vec<f64> = shares
        .iter()
        .filter(|s| s["indicator"] == "violence recording" && s["period"] == recording["period"])
        .map(|s| s["change"].parse::<f64>().unwrap().exp() - 1.0)
        .collect();
    assert_eq!(changes.len(), 43);
    assert!(changes.iter().any(|c| *c < 0.15) && changes.iter().any(|c| *c > 0.45));
    // Nothing the published tables show (the recording drive, the pandemic) is a finding.
    let (_, findings) = read_csv(&out.join("findings.csv"));
    assert!(findings.is_empty());
}

#[test]
fn convert_st_louis_writes_crimes_and_a_configuration_the_audit_reads() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("stl.csv");
    let mut text = String::from(
        "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,FlagCleanup,Crime,District,Description\n",
    );
    // Two years of a small force: aggravated and other assaults, larcenies, and each month one
    // aggravated assault reclassified as another assault, one larceny unfounded.
    for month in 0..24 {
        let coded = format!("{}-{:02}", 2013 + month / 12, month % 12 + 1);
        for i in 0..20 {
            let code = ["42014", "91000", "65701"][i % 3];
            text.push_str(&format!(
                "{month}-{i},{coded},,Y,,,1,,{code},{},X\n",
                i % 4 + 1
            ));
        }
        if month > 0 {
            let previous = month - 1;
            text.push_str(&format!("{previous}-0,{coded},,,,,-1,,42014,1,X\n"));
            text.push_str(&format!("{previous}-0,{coded},,,,,1,,91000,1,X\n"));
            text.push_str(&format!("{previous}-2,{coded},,,,,-1,,65701,3,X\n"));
        }
    }
    std::fs::write(&source, text).unwrap();
    let converted = dir.path().join("converted");
    let output = recount_ok(&[
        "convert",
        "st-louis",
        "--crimes",
        source.to_str().unwrap(),
        "--out",
        converted.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "480 crime records, 23 reclassified (23 to a less serious UCR class), 23 unfounded"
        ),
        "{stdout}"
    );
    let config = std::fs::read_to_string(converted.join("audit.toml")).unwrap();
    assert!(config.contains("aggravated>other assault") && config.contains("Aggravated Assault"));
    let out = dir.path().join("out");
    recount_ok(&[
        "audit",
        "--crimes",
        converted.join("crimes").to_str().unwrap(),
        "--config",
        converted.join("audit.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (_, scores) = read_csv(&out.join("scores.csv"));
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0]["force_id"], "SLMPD");
    // A steady rate of downgrades from the first month is no break: nothing is flagged.
    assert_eq!(scores[0]["flagged"], "false");
}

/// The force's row of `scores.csv` has an interval of affected records that covers the truth.
fn assert_interval_covers(scores: &[BTreeMap<String, String>], force: &serde_json::Value) {
    let id = force["force_id"].as_str().unwrap();
    let row = scores.iter().find(|r| r["force_id"] == id).unwrap();
    let truth = force["affected_records"].as_f64().unwrap();
    let low: f64 = row["estimated_affected_low"].parse().unwrap();
    let high: f64 = row["estimated_affected_high"].parse().unwrap();
    assert!(
        low <= truth && truth <= high,
        "{id}: truth {truth} outside [{low}, {high}]"
    );
}
