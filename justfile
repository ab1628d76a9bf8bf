# The everyday commands. `just --list` shows them.

# Run the audit on the committed fixtures and write its outputs to out/.
audit:
    cargo run --release -- audit --incidents fixtures/audit/incidents --crimes fixtures/audit/crimes --config fixtures/audit/audit.toml --out out/

# Run every test.
test:
    cargo test --workspace

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs.
ci:
    .ci/run

# Regenerate the committed fixtures from their scenario (deterministic: same bytes).
fixtures:
    cargo run --release -- synth --scenario fixtures/audit/scenario.json --out fixtures/audit --overwrite

# The cube benchmark against DuckDB (about 20M incidents and 8M crimes, generated, not committed).
bench:
    cargo run --release -p recount-bench --bin cube-bench -- --data bench-data

# The power study of the detectors (many seeded audits; long).
power seeds="20":
    cargo run --release -p recount-eval --bin power -- --seeds {{seeds}} --strengths 0.05,0.1,0.2 --honest-seeds {{seeds}}
