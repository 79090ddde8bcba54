#!/usr/bin/env bash
# Benchmark: lint one 50,000-statement PostgreSQL migration with shipgate and
# (if installed) squawk, same file, same machine; prints medians and the ratio.
# Usage: bench/migrations.sh [SHIPGATE_BIN] [RUNS]
# squawk: `pip install squawk-cli` (or npm) and have `squawk` on PATH.
set -euo pipefail
BIN=${1:-target/release/shipgate}
RUNS=${2:-5}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
FILE="$DIR/V1__big.sql"
python3 - "$FILE" <<'PY'
import sys
stmts = [
    "ALTER TABLE orders_{i} ADD COLUMN note_{i} text;",
    "CREATE INDEX CONCURRENTLY idx_{i} ON orders_{i} (customer_id);",
    "UPDATE orders_{i} SET total = 0 WHERE id = {i};",
    "ALTER TABLE orders_{i} ADD CONSTRAINT fk_{i} FOREIGN KEY (c) REFERENCES customers (id) NOT VALID;",
    "-- a comment with DROP TABLE x_{i};\nSELECT 'DROP TABLE y_{i}';",
    "CREATE TABLE t_{i} (id bigint PRIMARY KEY, name text NOT NULL);",
    "ALTER TABLE orders_{i} DROP COLUMN legacy_{i};",
    "INSERT INTO audit_{i} (id, at) VALUES ({i}, now());",
    "CREATE INDEX idx_plain_{i} ON orders_{i} (created_at);",
    "ALTER TABLE orders_{i} ALTER COLUMN total TYPE numeric(12,2);",
]
with open(sys.argv[1], "w") as f:
    for i in range(50_000):
        f.write(stmts[i % len(stmts)].format(i=i) + "\n")
PY
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Prints "wall cpu": medians of elapsed and user+system seconds (CPU time is the
# fairer figure on a shared, loaded machine).
time_cmd() {
  local out="$DIR/times"
  : >"$out"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -a -o "$out" "$@" >/dev/null 2>&1 || true
  done
  local wall cpu
  wall=$(awk '{print $1}' "$out" | median)
  cpu=$(awk '{print $2 + $3}' "$out" | median)
  echo "$wall $cpu"
}
echo "file: 50000 statements, $(wc -c <"$FILE") bytes"
read -r SG_WALL SG_CPU < <(time_cmd "$BIN" migrations lint "$FILE" --format json)
echo "shipgate migrations lint --format json: median wall ${SG_WALL}s, cpu ${SG_CPU}s over $RUNS runs"
if command -v squawk >/dev/null; then
  read -r SQ_WALL SQ_CPU < <(time_cmd squawk --reporter json "$FILE")
  echo "$(squawk --version 2>/dev/null | head -1) --reporter json: median wall ${SQ_WALL}s, cpu ${SQ_CPU}s over $RUNS runs"
  echo "ratio squawk/shipgate: wall $(echo "scale=2; $SQ_WALL / $SG_WALL" | bc), cpu $(echo "scale=2; $SQ_CPU / $SG_CPU" | bc)"
else
  echo "squawk not on PATH: skipped the comparison"
fi
