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

# The power study without targets: gaming at unknown dates, found by the search for breaks.
power-unknown-dates seeds="8":
    cargo run --release -p recount-eval --bin power -- --seeds {{seeds}} --strengths 0.1,0.2 --honest-seeds {{seeds}} --unknown-dates

# Audit the real published data in ../shared/data/real (no target: breaks at unknown dates).
real:
    printf '# no target\n' > out-no-target.toml
    cargo run --release -- audit --counts ../shared/data/real/home-office-prc-pfa-2012-13-to-2023-24q1.csv --config out-no-target.toml --out out/home-office
    cargo run --release -- audit --counts ../shared/data/real/police-uk-street-city-of-london-2017-01-to-2021-12.csv --config out-no-target.toml --out out/police-uk
    cargo run --release -- convert st-louis --crimes ../shared/data/real/st-louis-slmpd-2013-06-to-2015-11.csv --codes ../shared/data/real/st-louis-slmpd-ucr-codes.csv --out out/st-louis
    cargo run --release -- audit --crimes out/st-louis/crimes --config out/st-louis/audit.toml --out out/st-louis/audit

# Cross-check the detectors on audits from an independent generator (needs numpy and pyarrow).
crosscheck first="1" last="10" strength="0.15" scale="1":
    cargo build --release -p recount
    tools/crosscheck/run.sh {{first}} {{last}} {{strength}} out/crosscheck-{{strength}}-x{{scale}} {{scale}}

# Check the detectors on audits from a generator written blind, from the data contract alone
# (needs numpy and pyarrow).
blind first="1" last="10" strength="0.15" scale="1":
    cargo build --release -p recount
    tools/blind/run.sh {{first}} {{last}} {{strength}} out/blind-{{strength}}-x{{scale}} {{scale}}
