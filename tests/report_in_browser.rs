//! The HTML report in a real browser: headless Chromium loads the report of the fixture audit
//! with no console errors, every chart is in the rendered page, and a screenshot is not blank.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test says so and passes,
//! unless `RECOUNT_REQUIRE_BROWSER=1` (set in CI), when it fails.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|name| Path::new("/usr/bin").join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("RECOUNT_REQUIRE_BROWSER").is_err(),
            "RECOUNT_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("skipped: no chromium (install Debian's `chromium` to run this test)");
    }
    found
}

fn browser(chromium: &Path, profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
fn the_report_loads_without_errors_with_every_chart_and_is_not_blank() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/audit");
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_recount"))
        .args(["audit", "--no-progress", "--incidents"])
        .arg(fixture.join("incidents"))
        .arg("--crimes")
        .arg(fixture.join("crimes"))
        .arg("--config")
        .arg(fixture.join("audit.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let page = out.join("report.html").canonicalize().unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    // Namespace declarations (xmlns="http://www.w3.org/2000/svg") fetch nothing; sources do.
    for forbidden in [
        "<script",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
    ] {
        assert!(
            !html.contains(forbidden),
            "the page must be self-contained: found {forbidden}"
        );
    }

    let profile = dir.path().join("profile");
    let dom = browser(&chromium, &profile, &["--dump-dom"], &page);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let stderr = String::from_utf8_lossy(&dom.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let rendered = String::from_utf8_lossy(&dom.stdout);
    let findings = std::fs::read_to_string(out.join("findings.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let finding_charts = rendered.matches("id=\"chart-finding-").count();
    assert_eq!(finding_charts, findings, "one chart per finding");
    for id in ["chart-scores", "chart-funnel-1", "chart-funnel-2"] {
        let at = rendered
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            rendered[at..]
                .trim_start_matches(|c| c != '>')
                .starts_with("><svg"),
            "{id} has no svg"
        );
    }
    assert!(!rendered.contains("chart not drawn"));

    let shot = dir.path().join("shot.png");
    let screenshot = browser(
        &chromium,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,1600",
        ],
        &page,
    );
    assert!(
        screenshot.status.success(),
        "{}",
        String::from_utf8_lossy(&screenshot.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let bytes = &pixels[..info.buffer_size()];
    let channels = info.color_type.samples();
    let not_white = bytes
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    let share = not_white as f64 / (bytes.len() / channels) as f64;
    assert!(
        share > 0.02,
        "the screenshot looks blank: {:.3}% ink",
        100.0 * share
    );
}
