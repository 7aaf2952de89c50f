#!/usr/bin/env bash
# Benchmarks `advocacy run` at several scales against a floor (DuckDB summing the usage table
# per contact and month) and writes the results into BENCHMARKS.md.
#
#   scripts/bench.sh                 # scales 1, 10 and 100, 5 runs each
#   SCALES="1 10" RUNS=3 scripts/bench.sh
#   WITH_1000=1 scripts/bench.sh     # also scale 1000 (about 260M usage rows), one run
#
# Needs: cargo, python3 (the duckdb package is installed if missing), hyperfine and GNU time
# (Debian: apt-get install hyperfine time). Generated inputs are cached in bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${SCALES:-"1 10 100"}
RUNS=${RUNS:-5}
BENCH=bench
BIN=target/release/advocacy

for tool in hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench.sh needs $tool (Debian: apt-get install hyperfine time)" >&2; exit 1; }
done
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
cargo build --release --locked
mkdir -p "$BENCH"

# Median wall time (seconds) of a command over $RUNS runs, via hyperfine.
median() {
  local json="$1"; shift
  hyperfine --warmup 1 --runs "$RUNS" -N --export-json "$json" "$@" >/dev/null
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$json"
}

# Peak resident memory (MiB) of one run of a command.
peak() {
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1 / 1024}'
}

rows_read() {
  python3 -c "import json,sys; print(sum(i['rows_read'] for i in json.load(open(sys.argv[1]))['inputs']))" "$1"
}

results="$BENCH/results.md"
{
  echo "| scale | input rows | usage rows | advocacy median | DuckDB floor median | ratio | advocacy peak memory | floor peak memory | input rows per second |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$results"

run_scale() {
  local scale="$1" runs="$2"
  local data="$BENCH/scale-$scale" out="$BENCH/out-$scale"
  if [ ! -f "$data/pipeline.toml" ]; then
    echo "generating scale $scale..." >&2
    "$BIN" generate --out "$data" --scale "$scale" --format parquet >&2
  fi
  echo "scale $scale: $runs runs each..." >&2
  local ours floor
  ours=$(RUNS="$runs" median "$BENCH/advocacy-$scale.json" "$BIN run $data/pipeline.toml --out $out --quiet")
  floor=$(RUNS="$runs" median "$BENCH/floor-$scale.json" "python3 scripts/duckdb_floor.py $data")
  local ours_mem floor_mem rows usage
  ours_mem=$(peak "$BIN" run "$data/pipeline.toml" --out "$out" --quiet)
  floor_mem=$(peak python3 scripts/duckdb_floor.py "$data")
  rows=$(rows_read "$out/run.json")
  usage=$(python3 -c "import json,sys; print([i['rows_read'] for i in json.load(open(sys.argv[1]))['inputs'] if i['table']=='usage'][0])" "$out/run.json")
  python3 - "$scale" "$rows" "$usage" "$ours" "$floor" "$ours_mem" "$floor_mem" >> "$results" <<'PY'
import sys
scale, rows, usage, ours, floor, ours_mem, floor_mem = sys.argv[1:]
rows, usage, ours, floor = int(rows), int(usage), float(ours), float(floor)
print(f"| {scale} | {rows:,} | {usage:,} | {ours:.2f} s | {floor:.2f} s | {ours / floor:.2f}x | "
      f"{int(ours_mem):,} MiB | {int(floor_mem):,} MiB | {rows / ours:,.0f} |")
PY
  cp "$out/run.json" "$BENCH/run-$scale.json"
}

for scale in $SCALES; do
  run_scale "$scale" "$RUNS"
done
if [ "${WITH_1000:-}" = 1 ]; then
  run_scale 1000 1
fi

# The machine, then the table, between the markers in BENCHMARKS.md.
machine=$(python3 - <<'PY'
import platform, subprocess
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
import duckdb
print(f"{cores} cores ({cpu}), {mem:.0f} GiB memory, {platform.system()} {platform.release()}; {rustc}; DuckDB {duckdb.__version__}")
PY
)
python3 - "$results" "$machine" "$RUNS" <<'PY'
import datetime, sys
results, machine, runs = sys.argv[1], sys.argv[2], sys.argv[3]
table = open(results).read()
block = (f"<!-- results:start -->\nMeasured on {datetime.date.today()} on {machine}.\n"
         f"Median of {runs} runs after a warm-up (scale 1000: one run); peak memory is the maximum "
         f"resident set size of one run.\n\n{table}<!-- results:end -->")
text = open("BENCHMARKS.md").read()
start, end = text.index("<!-- results:start -->"), text.index("<!-- results:end -->") + len("<!-- results:end -->")
open("BENCHMARKS.md", "w").write(text[:start] + block + text[end:])
PY
cat "$results"
