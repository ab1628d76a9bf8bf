#!/bin/sh
# Generates audits with the blind generator, audits each with the release binary and judges
# them against their truth.
# Usage: tools/blind/run.sh FIRST_SEED LAST_SEED STRENGTH OUT_DIR [SCALE]
# Needs python3 with numpy and pyarrow, and `cargo build --release -p recount` done.
set -eu
first=$1 last=$2 strength=$3 out=$4 scale=${5:-1}
here=$(dirname "$0")
folders=""
for seed in $(seq "$first" "$last"); do
    dir="$out/seed-$seed"
    python3 "$here/generate.py" --seed "$seed" --strength "$strength" --scale "$scale" \
        --out "$dir" --quiet
    ./target/release/recount audit --incidents "$dir/incidents" --crimes "$dir/crimes" \
        --config "$dir/audit.toml" --out "$dir/out" --no-progress >/dev/null
    folders="$folders $dir"
done
# shellcheck disable=SC2086
python3 "$here/judge.py" out $folders
