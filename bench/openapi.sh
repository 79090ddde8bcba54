#!/usr/bin/env bash
# Benchmark `shipgate openapi diff` (release build) on a generated pair of
# large specs: N paths (default 2000; GET and POST each, path/query
# parameters, inline request schemas) and S component schemas (default 500;
# nested through $refs, 9 levels deep), written as JSON and as YAML. The
# revision makes a realistic PR's worth of changes: every 100th path gains a
# required query parameter, every 50th schema tightens a maxLength, one enum
# grows, 20 paths are removed and 20 added. When npm is available it also diffs
# two releases of GitHub's REST API description (npm @octokit/openapi 22.0.0
# and 23.0.2, ~12 MB of JSON each).
#
# Prints the median wall time and the median CPU time (user + sys) of RUNS
# runs (default 5) and the peak memory (GNU time). On a shared machine the CPU
# time is the steadier figure; the load average is printed first. If `oasdiff` is on PATH it is timed on the same files
# (`oasdiff breaking`) and the ratio printed; it is not installed here (a Go
# binary; no Go toolchain on this machine).
#
# PEERS=1 also runs the npm peers (api-smart-diff, Atlassian openapi-diff,
# Optic) once each on the JSON pair and the GitHub pair through
# bench/openapi_peers.sh (they take minutes; installed on first use).
#
# Usage: bench/openapi.sh [N] [path/to/shipgate] [S]
#   (default binary: target/release/shipgate; RUNS=7 bench/openapi.sh for more runs)
set -euo pipefail
N="${1:-2000}"
BIN="${2:-target/release/shipgate}"
S="${3:-500}"
RUNS="${RUNS:-5}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT

python3 - "$N" "$S" "$DIR" <<'PY'
import json, sys
n, nschemas, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def spec(rev):
    schemas = {}
    for j in range(nschemas):
        props = {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "maxLength": 30 if (rev and j % 50 == 0) else 100},
            "count": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": ["a", "b"] + (["c"] if rev and j == 7 else [])},
        }
        if j > 0:
            props["parent"] = {"$ref": f"#/components/schemas/S{j // 2}"}
        schemas[f"S{j}"] = {"type": "object", "required": ["id"], "properties": props}
    paths = {}
    for i in range(n):
        if rev and i % 100 == 50:
            continue  # removed
        body = {f"f{k}": {"type": "string", "maxLength": 50} for k in range(8)}
        params = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}]
        if rev and i % 100 == 0:
            params.append({"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}})
        ref = {"$ref": f"#/components/schemas/S{i % nschemas}"}
        paths[f"/r{i}/{{id}}"] = {
            "get": {
                "operationId": f"get{i}",
                "parameters": params,
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}},
                              "404": {"description": "not found"}},
            },
            "post": {
                "operationId": f"post{i}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["f0"], "properties": body}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": ref}}}},
            },
        }
    if rev:
        for i in range(n, n + n // 100):
            paths[f"/new{i}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return {"openapi": "3.0.3", "info": {"title": "bench", "version": "1.0.0"},
            "paths": paths, "components": {"schemas": schemas}}
def y(v, ind=0):
    pad = "  " * ind
    if isinstance(v, dict):
        return "".join(f"{pad}{json.dumps(k)}:" + ((" " + y(x).strip() + "\n") if not isinstance(x, (dict, list)) or not x else "\n" + y(x, ind + 1)) for k, x in v.items())
    if isinstance(v, list):
        return "".join(f"{pad}-\n" + y(x, ind + 1) if isinstance(x, (dict, list)) and x else f"{pad}- {json.dumps(x)}\n" for x in v)
    return json.dumps(v)
for rev, name in ((False, "base"), (True, "head")):
    s = spec(rev)
    json.dump(s, open(f"{d}/{name}.json", "w"), indent=1)
    open(f"{d}/{name}.yaml", "w").write(y(s))
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # label command...
  local label="$1"; shift
  local walls=() cpus=() peaks=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$DIR/time" "$@" >/dev/null 2>&1 || true
    read -r wall user sys peak < <(tail -1 "$DIR/time")
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc)"); peaks+=("$peak")
  done
  LAST_MEDIAN=$(printf '%s\n' "${walls[@]}" | median)
  local cpu peak
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  peak=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
  printf '%-44s median wall %6.2f s  cpu %6.2f s  peak %5d MB  (%s runs)\n' \
    "$label" "$LAST_MEDIAN" "$cpu" "$((peak / 1024))" "$RUNS"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
ls -l "$DIR"/base.json "$DIR"/base.yaml | awk '{printf "%s: %.1f MB\n", $NF, $5/1048576}' | sed "s|$DIR/||"
changes=$("$BIN" openapi diff "$DIR/base.json" "$DIR/head.json" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' || true)
echo "findings on the generated pair: $changes"
for ext in json yaml; do
  measure "shipgate: $N paths, $S schemas, $ext" "$BIN" openapi diff "$DIR/base.$ext" "$DIR/head.$ext" --format json
  ours=$LAST_MEDIAN
  if command -v oasdiff >/dev/null; then
    measure "oasdiff breaking: $N paths, $S schemas, $ext" oasdiff breaking "$DIR/base.$ext" "$DIR/head.$ext"
    echo "ratio oasdiff/shipgate: $(echo "scale=1; $LAST_MEDIAN / $ours" | bc)x"
  fi
done
if [ -n "${PEERS:-}" ]; then
  echo "peers on the $N-path JSON pair:"
  "$(dirname "$0")/openapi_peers.sh" "$DIR/base.json" "$DIR/head.json" "$BIN"
fi

if command -v npm >/dev/null && [ -z "${SKIP_GITHUB:-}" ]; then
  (cd "$DIR" && npm pack --silent @octokit/openapi@22.0.0 @octokit/openapi@23.0.2 >/dev/null 2>&1) || true
  for v in 22.0.0 23.0.2; do
    if [ -f "$DIR/octokit-openapi-$v.tgz" ]; then
      mkdir -p "$DIR/gh-$v" && tar xzf "$DIR/octokit-openapi-$v.tgz" -C "$DIR/gh-$v"
    fi
  done
  gh_old="$DIR/gh-22.0.0/package/generated/api.github.com.json"
  gh_new="$DIR/gh-23.0.2/package/generated/api.github.com.json"
  if [ -f "$gh_old" ] && [ -f "$gh_new" ]; then
    measure "shipgate: GitHub REST 22.0.0 -> 23.0.2" "$BIN" openapi diff "$gh_old" "$gh_new" --format json
    if [ -n "${PEERS:-}" ]; then
      echo "peers on the GitHub pair:"
      "$(dirname "$0")/openapi_peers.sh" "$gh_old" "$gh_new" "$BIN"
    fi
  fi
fi
