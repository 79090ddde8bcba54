#!/usr/bin/env bash
# Benchmark: N changed schemas checked FULL_TRANSITIVE against V earlier versions each.
# Builds a throwaway git repo (V commits on main, each adding a defaulted field to every
# schema; then a branch changing every schema once more) and times
# `shipgate check --gate avro`. Prints the median of RUNS runs.
# Usage: bench/avro_transitive.sh [SHIPGATE_BIN] [N=1000] [V=20] [RUNS=5]
set -euo pipefail
BIN=${1:-target/debug/shipgate}
BIN=$(realpath "$BIN")
N=${2:-1000}
V=${3:-20}
RUNS=${4:-5}
DIR=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "repo: $DIR" || trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
git init -q -b main
git config user.email bench@example.invalid
git config user.name bench
printf 'gates:\n  avro:\n    mode: FULL_TRANSITIVE\n    history_depth: %s\n' "$V" > .shipgate.yml
write_all() { # $1 = number of extra fields
  python3 - "$N" "$1" <<'PY'
import json, os, sys
n, extra = int(sys.argv[1]), int(sys.argv[2])
os.makedirs("schemas", exist_ok=True)
for i in range(n):
    fields = [{"name": "id", "type": "string"}, {"name": "amount", "type": "long"},
              {"name": "status", "type": {"type": "enum", "name": f"Status{i}", "symbols": ["NEW", "PAID"], "default": "NEW"}}]
    fields += [{"name": f"x{k}", "type": ["null", "string"], "default": None} for k in range(extra)]
    doc = {"type": "record", "name": f"Event{i}", "namespace": "bench", "fields": fields}
    with open(f"schemas/event{i}.avsc", "w") as f:
        json.dump(doc, f, indent=2)
PY
}
for v in $(seq 0 $((V - 1))); do
  write_all "$v"
  git add -A && git commit -q -m "v$v"
done
git checkout -q -b feature
write_all "$V"
git add -A && git commit -q -m "change every schema"
times=()
cpus=()
for _ in $(seq "$RUNS"); do
  # Wall and CPU (user+sys) time: on a shared machine the CPU time is the steadier figure.
  TIMEFORMAT='%R %U %S'
  t=$( { time "$BIN" check --target main --gate avro --format json --report "$DIR/report.json" > "$DIR/out.json" || echo "exit $?" >&2; } 2>&1 )
  case "$t" in *exit*) echo "unexpected: $t"; head -c 2000 "$DIR/out.json"; exit 1;; esac
  read -r wall user sys <<< "$t"
  times+=("$wall")
  cpus+=("$(echo "$user + $sys" | bc)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
compared=$(python3 -c "import json;r=json.load(open('$DIR/report.json'));g=[g for g in r['gates'] if g['gate']=='avro'][0];print(g['metrics'])")
echo "avro gate, $N schemas x $V versions, FULL_TRANSITIVE: median wall ${median}s, median CPU ${cpu}s over $RUNS runs ($compared)"
