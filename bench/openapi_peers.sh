#!/usr/bin/env bash
# Run shipgate and the npm OpenAPI diff peers on the same spec pair, once each
# (the peers take minutes), and print wall time, peak memory and the ratio to
# shipgate's median of 5 runs. Peers (installed into $PEERS_DIR on first use):
#   api-smart-diff (library; driven by a 6-line node script, JSON only)
#   openapi-diff   (Atlassian's npm CLI, JSON only)
#   @useoptic/optic (`optic diff OLD NEW --check`, ajv pinned to 8.17.1 as its
#                   install needs; telemetry off)
# Each peer runs under `timeout $PEER_TIMEOUT` (default 600 s); a peer that
# times out or fails prints its exit status instead of a time.
#
# Usage: bench/openapi_peers.sh OLD.json NEW.json [path/to/shipgate]
set -euo pipefail
OLD="$(realpath "${1:?usage: bench/openapi_peers.sh OLD.json NEW.json [shipgate]}")"
NEW="$(realpath "${2:?usage: bench/openapi_peers.sh OLD.json NEW.json [shipgate]}")"
BIN="$(realpath "${3:-target/release/shipgate}")"
PEERS_DIR="${PEERS_DIR:-/tmp/shipgate-openapi-peers}"
PEER_TIMEOUT="${PEER_TIMEOUT:-600}"
export OPTIC_TELEMETRY_LEVEL=off

if [ ! -x "$PEERS_DIR/node_modules/.bin/optic" ]; then
  mkdir -p "$PEERS_DIR"
  cat >"$PEERS_DIR/package.json" <<'EOF'
{"name": "shipgate-openapi-peers", "private": true, "overrides": {"ajv": "8.17.1"}}
EOF
  (cd "$PEERS_DIR" && npm install --silent --no-audit --no-fund \
    api-smart-diff@1.0.6 openapi-diff@0.24.1 @useoptic/optic@1.0.9 >&2)
fi
cat >"$PEERS_DIR/asd.js" <<'EOF'
const fs = require("fs");
const { apiCompare } = require("api-smart-diff");
const [a, b] = process.argv.slice(2).map((p) => JSON.parse(fs.readFileSync(p, "utf8")));
const { diffs } = apiCompare(a, b);
console.log(`${diffs.length} changes, ${diffs.filter((d) => d.type === "breaking").length} breaking`);
EOF

TIME_FILE="$(mktemp)"
trap 'rm -f "$TIME_FILE"' EXIT
# once CMD...: prints "seconds peak_MB status"; the output goes to $LOG
LOG=/dev/null
once() {
  local status=0
  /usr/bin/time -o "$TIME_FILE" -f '%e %M' timeout "$PEER_TIMEOUT" "$@" >"$LOG" 2>&1 || status=$?
  local t m
  read -r t m < <(grep -E '^[0-9.]+ [0-9]+$' "$TIME_FILE" | tail -1)
  echo "$t $((m / 1024)) $status"
}

times=()
for _ in 1 2 3 4 5; do
  read -r t m s < <(once "$BIN" openapi diff "$OLD" "$NEW" --format json)
  times+=("$t"); ours_mb=$m
done
ours=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
printf '%-16s %10s %8s %8s  %s\n' tool wall_s peak_MB ratio note
printf '%-16s %10s %8s %8s  %s\n' shipgate "$ours" "$ours_mb" 1.0x "median of 5"
peer() { # label CMD...
  local label=$1; shift
  LOG="$PEERS_DIR/$label.log"
  read -r t m s < <(once "$@")
  local note="one run, exit $s (output in $LOG)"
  [ "$s" = 124 ] && note="killed after ${PEER_TIMEOUT} s"
  grep -q 'heap out of memory' "$LOG" && note="crashed: JavaScript heap out of memory"
  printf '%-16s %10s %8s %8s  %s\n' "$label" "$t" "$m" \
    "$(awk -v a="$t" -v b="$ours" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }')" "$note"
}
peer api-smart-diff node "$PEERS_DIR/asd.js" "$OLD" "$NEW"
peer openapi-diff "$PEERS_DIR/node_modules/.bin/openapi-diff" "$OLD" "$NEW"
# loose: strict validation rejects GitHub's own description (array schemas with `required`)
peer optic "$PEERS_DIR/node_modules/.bin/optic" diff "$OLD" "$NEW" --check --validation loose
