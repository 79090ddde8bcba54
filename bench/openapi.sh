#!/usr/bin/env bash
# Benchmark `shipgate openapi diff` on a generated pair of large specs
# (N paths, default 2000; each with GET/POST, parameters, shared and inline
# schemas), YAML and JSON, and (when npm is available) on two releases of
# GitHub's REST API description (npm @octokit/openapi 22.0.0 and 23.0.2,
# ~12 MB of JSON each). Prints the median wall time of 5 runs and the peak
# memory (GNU time). The peer tools are not run here (oasdiff is a Go binary,
# Optic and openapi-diff need their own npm installs), so no ratio is printed.
#
# Usage: bench/openapi.sh [N] [path/to/shipgate]   (default: target/release/shipgate)
set -euo pipefail
N="${1:-2000}"
BIN="${2:-target/release/shipgate}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT

python3 - "$N" "$DIR" <<'PY'
import json, sys
n, d = int(sys.argv[1]), sys.argv[2]
def spec(rev):
    paths = {}
    for i in range(n):
        props = {f"f{j}": {"type": "string", "maxLength": 50 if not (rev and j == 3 and i % 100 == 0) else 20} for j in range(8)}
        paths[f"/r{i}/{{id}}"] = {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["f0"], "properties": props}}}},
                "responses": {"201": {"description": "created"}},
            },
        }
    item = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"] + (["c"] if rev else [])}}}}
    return {"openapi": "3.0.3", "info": {"title": "bench", "version": "1.0.0"}, "paths": paths, "components": {"schemas": {"Item": item}}}
for rev, name in ((False, "base"), (True, "head")):
    s = spec(rev)
    json.dump(s, open(f"{d}/{name}.json", "w"), indent=1)
    # YAML: JSON is valid YAML flow; write block style for realism.
    def y(v, ind=0):
        pad = "  " * ind
        if isinstance(v, dict):
            return "".join(f"{pad}{json.dumps(k)}:" + ((" " + y(x).strip() + "\n") if not isinstance(x, (dict, list)) or not x else "\n" + y(x, ind + 1)) for k, x in v.items())
        if isinstance(v, list):
            return "".join(f"{pad}-\n" + y(x, ind + 1) if isinstance(x, (dict, list)) and x else f"{pad}- {json.dumps(x)}\n" for x in v)
        return json.dumps(v)
    open(f"{d}/{name}.yaml", "w").write(y(s))
PY

measure() { # label old new
  local times=() s e median peak
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    "$BIN" openapi diff "$2" "$3" --format json >/dev/null || true
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  peak=$( { /usr/bin/time -f '%M' "$BIN" openapi diff "$2" "$3" >/dev/null; } 2>&1 | tail -1 || true)
  echo "$1: median ${median}s, peak ${peak} KB"
}

for ext in json yaml; do
  measure "$N paths, $ext" "$DIR/base.$ext" "$DIR/head.$ext"
done

if command -v npm >/dev/null; then
  (cd "$DIR" && npm pack --silent @octokit/openapi@22.0.0 @octokit/openapi@23.0.2 >/dev/null 2>&1) || true
  for v in 22.0.0 23.0.2; do
    if [ -f "$DIR/octokit-openapi-$v.tgz" ]; then
      mkdir -p "$DIR/gh-$v" && tar xzf "$DIR/octokit-openapi-$v.tgz" -C "$DIR/gh-$v"
    fi
  done
  gh_old="$DIR/gh-22.0.0/package/generated/api.github.com.json"
  gh_new="$DIR/gh-23.0.2/package/generated/api.github.com.json"
  if [ -f "$gh_old" ] && [ -f "$gh_new" ]; then
    measure "GitHub REST 22.0.0 -> 23.0.2" "$gh_old" "$gh_new"
  fi
fi
