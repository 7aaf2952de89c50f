#!/usr/bin/env bash
# Benchmarks `advocacy run` on data shaped like real exports against a floor (DuckDB summing
# the usage table per person and month, scripts/duckdb_floor.py), and writes the results into
# BENCHMARKS.md.
#
# Every dataset is `advocacy generate --realistic`: about 12% of usage rows and the webinar and
# NPS rows keyed only by an email with case and whitespace noise, some rows about people the CRM
# does not know, contact-days split over two rows. Each scale is measured as one large Parquet
# file of 122,880-row groups (as a warehouse export arrives); scale 100 also as monthly Parquet
# files and as CSV.
#
#   scripts/bench.sh                        # scales 1, 10 and 100, 5 runs each
#   SCALES="1 10" RUNS=3 scripts/bench.sh
#   WITH_1000=1 scripts/bench.sh            # also scale 1000 (about 280M usage rows), 3 runs
#   WITH_3000=1 scripts/bench.sh            # also scale 3000 (about 830M usage rows), one run
#
# Needs: cargo, python3 (the duckdb package is installed if missing), hyperfine and GNU time
# (Debian: apt-get install hyperfine time). Generated inputs are cached in bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${SCALES:-"1 10 100"}
RUNS=${RUNS:-5}
BENCH=${BENCH:-bench}
BIN=target/release/advocacy

for tool in hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench.sh needs $tool (Debian: apt-get install hyperfine time)" >&2; exit 1; }
done
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
cargo build --release --locked
mkdir -p "$BENCH"

# Median wall time (seconds) of a command over $2 runs, via hyperfine.
median() {
  local json="$1" runs="$2"; shift 2
  local warmup=1
  [ "$runs" -gt 1 ] || warmup=0
  hyperfine --warmup "$warmup" --runs "$runs" -N --export-json "$json" "$@" >/dev/null
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$json"
}

# Peak resident memory (MiB) of one run of a command.
peak() {
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1 / 1024}'
}

results="$BENCH/results.md"
{
  echo "| scale | usage as | input rows | usage rows | advocacy median | DuckDB floor median | ratio | advocacy peak memory | floor peak memory | input rows per second |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$results"

# run_case SCALE LAYOUT RUNS: LAYOUT is single (one Parquet file), monthly or csv.
run_case() {
  local scale="$1" layout="$2" runs="$3"
  local data="$BENCH/scale-$scale-$layout" out="$BENCH/out-$scale-$layout"
  local flags=(--format parquet --usage-files single)
  case "$layout" in
    monthly) flags=(--format parquet --usage-files monthly) ;;
    csv) flags=(--format csv) ;;
  esac
  if [ ! -f "$data/pipeline.toml" ]; then
    echo "generating scale $scale ($layout)..." >&2
    "$BIN" generate --out "$data" --scale "$scale" --realistic "${flags[@]}" >&2
  fi
  # Freshly written files are still being flushed to disk; timing runs during the writeback
  # measures the disk, not the tool.
  sync
  echo "scale $scale ($layout): $runs runs each..." >&2
  local ours floor ours_mem floor_mem
  ours=$(median "$BENCH/advocacy-$scale-$layout.json" "$runs" "$BIN run $data/pipeline.toml --out $out --quiet")
  floor=$(median "$BENCH/floor-$scale-$layout.json" "$runs" "python3 scripts/duckdb_floor.py $data")
  ours_mem=$(peak "$BIN" run "$data/pipeline.toml" --out "$out" --quiet)
  floor_mem=$(peak python3 scripts/duckdb_floor.py "$data")
  python3 - "$scale" "$layout" "$out/run.json" "$ours" "$floor" "$ours_mem" "$floor_mem" >> "$results" <<'PY'
import json, sys
scale, layout, run, ours, floor, ours_mem, floor_mem = sys.argv[1:]
inputs = json.load(open(run))["inputs"]
rows = sum(i["rows_read"] for i in inputs)
usage = next(i["rows_read"] for i in inputs if i["table"] == "usage")
ours, floor = float(ours), float(floor)
label = {"single": "one Parquet file", "monthly": "monthly Parquet files", "csv": "CSV"}[layout]
print(f"| {scale} | {label} | {rows:,} | {usage:,} | {ours:.2f} s | {floor:.2f} s | {ours / floor:.2f}x | "
      f"{int(ours_mem):,} MiB | {int(floor_mem):,} MiB | {rows / ours:,.0f} |")
PY
  cp "$out/run.json" "$BENCH/run-$scale-$layout.json"
}

for scale in $SCALES; do
  run_case "$scale" single "$RUNS"
  if [ "$scale" = 100 ]; then
    run_case 100 monthly "$RUNS"
    run_case 100 csv "$RUNS"
  fi
done
# `advocacy backfill --months 12` at scale 100 (one Parquet file) against one run of the same
# data: twelve month-ends of every table, reading the inputs once.
backfill_case() {
  local data="$BENCH/scale-100-single" runs="$1"
  [ -f "$data/pipeline.toml" ] || return 0
  sed 's/^out = .*/out = "out-backfill"/' "$data/pipeline.toml" > "$data/backfill.toml"
  printf '\n[history]\ndir = "history-backfill"\n' >> "$data/backfill.toml"
  echo "scale 100 backfill --months 12: $runs runs..." >&2
  local ours run mem
  ours=$(median "$BENCH/backfill-100.json" "$runs" "$BIN backfill $data/backfill.toml --months 12 --quiet")
  run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$BENCH/advocacy-100-single.json")
  mem=$(peak "$BIN" backfill "$data/backfill.toml" --months 12 --quiet)
  python3 - "$ours" "$run" "$mem" >> "$BENCH/backfill.md" <<'PY'
import sys
ours, run, mem = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"\n`advocacy backfill --months 12` at scale 100 (one Parquet file): {ours:.2f} s median, "
      f"{ours / run:.2f}x one run ({run:.2f} s), peak {int(mem):,} MiB.")
PY
}
if [ "${WITH_1000:-}" = 1 ]; then
  run_case 1000 single 3
fi
if [ "${WITH_3000:-}" = 1 ]; then
  run_case 3000 single 1
fi
rm -f "$BENCH/backfill.md"
case " $SCALES " in *" 100 "*) backfill_case "$RUNS" ;; esac
if [ -f "$BENCH/backfill.md" ]; then cat "$BENCH/backfill.md" >> "$results"; fi

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
         f"Median of {runs} runs after a warm-up (scale 1000: 3 runs, scale 3000: one); peak memory is "
         f"the maximum resident set size of one run.\n\n{table}<!-- results:end -->")
text = open("BENCHMARKS.md").read()
start, end = text.index("<!-- results:start -->"), text.index("<!-- results:end -->") + len("<!-- results:end -->")
open("BENCHMARKS.md", "w").write(text[:start] + block + text[end:])
PY
cat "$results"
