#!/usr/bin/env bash
# Coverage gate benchmark: shipgate vs diff-cover on a generated repository of
# 5,000 files with 20,000 changed lines and 1,000,000 measured lines, as LCOV,
# Cobertura and JaCoCo. Prints the median wall time and peak memory of each
# tool per format, the ratio, the median CPU time (user + system) of each and
# its ratio (steadier than wall time on a busy machine), and both tools'
# figures for the added lines (they must agree on LCOV and Cobertura).
#
# Usage: bench/coverage.sh [DIFF_COVER] [RUNS]
#   DIFF_COVER  the diff-cover executable (default: diff-cover on PATH;
#               python3 -m venv /tmp/dc && /tmp/dc/bin/pip install diff-cover)
#   RUNS        runs per tool and format (default 3)
# Env: SHIPGATE=path/to/binary to skip `cargo build --release`;
#      BENCH_DIR=dir to reuse generated data (default /tmp/shipgate-coverage-bench);
#      DC_JACOCO_RUNS=N runs of diff-cover on the JaCoCo report (default RUNS:
#      diff-cover needs minutes per run there, so 1 is the practical choice);
#      FORMATS="lcov.info coverage.xml" to run only some formats.
set -euo pipefail
DC=${1:-diff-cover}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/shipgate-coverage-bench}
if [[ -z "${SHIPGATE:-}" ]]; then
  cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
  SHIPGATE="$ROOT/target/release/shipgate"
fi
if [[ ! -d "$DIR/repo" ]]; then
  echo "generating $DIR ..." >&2
  python3 "$ROOT/bench/coverage_gen.py" "$DIR"
fi
cd "$DIR/repo"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run N CMD...: runs CMD N times; prints "median_wall_s max_rss_mb median_cpu_s"
run() {
  local n=$1 times=() mems=() cpus=() t m u s
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -o "$DIR/time.txt" -f "%e %M %U %S" "$@" >/dev/null 2>&1 || true
    read -r t m u s < <(tail -1 "$DIR/time.txt")
    times+=("$t"); mems+=("$m"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
  done
  m=$(printf '%s\n' "${mems[@]}" | sort -g | tail -1)
  echo "$(printf '%s\n' "${times[@]}" | median) $((m / 1024)) $(printf '%s\n' "${cpus[@]}" | median)"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores" >&2
printf '%-13s %10s %8s %12s %8s %7s %9s %11s %7s   %s\n' format shipgate_s peak_MB diff-cover_s peak_MB ratio ours_cpu_s theirs_cpu_s ratio "added lines (ours | diff-cover)"
for report in ${FORMATS:-lcov.info coverage.xml jacoco.xml}; do
  dc_runs=$RUNS
  dc_extra=()
  # JaCoCo paths are package-relative; diff-cover's default --src-roots
  # (src/main/java, src/test/java) match none of the generated ones and it
  # reports 0/0 lines. `--src-roots .` makes it see the same files we map.
  [[ $report == jacoco.xml ]] && dc_runs=${DC_JACOCO_RUNS:-$RUNS} && dc_extra=(--src-roots .)
  read -r ours ours_mb ours_cpu < <(run "$RUNS" "$SHIPGATE" coverage --report "../$report" --target main --format json)
  read -r theirs theirs_mb theirs_cpu < <(run "$dc_runs" "$DC" "../$report" --compare-branch=main "${dc_extra[@]}" --json-report "$DIR/dc.json")
  "$SHIPGATE" coverage --report "../$report" --target main --format json > "$DIR/ours.json" || true
  figures=$(python3 - "$DIR/ours.json" "$DIR/dc.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["metrics"]["patch"]
d = json.load(open(sys.argv[2]))
print(f"{o['covered']}/{o['total']} | {d['total_num_lines'] - d['total_num_violations']}/{d['total_num_lines']}")
PY
)
  ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
  cpu_ratio=$(awk -v a="$theirs_cpu" -v b="$ours_cpu" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
  printf '%-13s %10s %8s %12s %8s %7s %9s %11s %7s   %s\n' "$report" "$ours" "$ours_mb" "$theirs" "$theirs_mb" "$ratio" "$ours_cpu" "$theirs_cpu" "$cpu_ratio" "$figures"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
