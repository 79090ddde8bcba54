#!/usr/bin/env bash
# Regenerate fixtures/publish/github-api-subset.json: the request-body schemas
# of exactly the GitHub REST operations shipgate calls, taken from GitHub's
# published REST description as shipped in the npm package @octokit/openapi.
# Needs node and npm (network to the npm registry); tests only read the result.
#
# Usage: scripts/extract-github-api.sh [VERSION]   (default: the version in the fixture's README)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-23.0.2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@octokit/openapi@$version" >/dev/null && tar xzf octokit-openapi-*.tgz package/generated/api.github.com.json package/LICENSE)
node - "$work/package/generated/api.github.com.json" "$version" > fixtures/publish/github-api-subset.json <<'JS'
const fs = require("fs");
const [file, version] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(file, "utf8"));
// The operations shipgate calls (src/platform/github.rs).
const wanted = [
  "checks/create", "checks/update", "repos/create-commit-status",
  "issues/list-comments", "issues/create-comment", "issues/update-comment",
  "issues/delete-comment", "pulls/get", "pulls/list-reviews",
  "teams/get-membership-for-user-in-org",
];
// Resolve $ref, turn OpenAPI 3.0 `nullable` into JSON Schema types, drop
// documentation noise, and forbid unknown properties (GitHub ignores them
// silently, so a misspelt field would otherwise pass unnoticed).
function resolve(node, seen = []) {
  if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
  if (!node || typeof node !== "object") return node;
  if (node.$ref) {
    if (seen.includes(node.$ref)) return {};
    const target = node.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o[k], spec);
    return resolve(target, [...seen, node.$ref]);
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties") {
      // Property names are data, not keywords: keep every one.
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, resolve(s, seen)]));
      continue;
    }
    if (["description", "examples", "example", "externalDocs", "nullable"].includes(k)) continue;
    out[k] = resolve(v, seen);
  }
  if (node.nullable && typeof out.type === "string") out.type = [out.type, "null"];
  if (out.type === "object" && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}
const operations = [];
for (const [path, ops] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    if (!op || !wanted.includes(op.operationId)) continue;
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    operations.push({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      requestBody: body ? resolve(body.schema) : null,
    });
  }
}
operations.sort((a, b) => a.operationId.localeCompare(b.operationId));
const missing = wanted.filter((w) => !operations.some((o) => o.operationId === w));
if (missing.length) { console.error("missing operations: " + missing.join(", ")); process.exit(1); }
process.stdout.write(JSON.stringify({
  source: `@octokit/openapi ${version}, generated/api.github.com.json (GitHub's REST API description)`,
  license: "MIT (Octokit contributors); see fixtures/publish/README.md",
  operations,
}, null, 2) + "\n");
JS
echo "wrote fixtures/publish/github-api-subset.json"
