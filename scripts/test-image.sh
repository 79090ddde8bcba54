#!/usr/bin/env bash
# Builds the runtime image exactly as the Dockerfile's runtime stage describes it
# (FROM scratch + the static binary + CA certificates), with buildah (no Docker
# engine needed), then runs it the way GitHub Actions runs a container action:
# a fixture repository mounted at /github/workspace, GITHUB_* and INPUT_*
# variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Also runs it as uid 1000
# on a workspace owned by root (`docker run --user 1000`).
#
# Needs: buildah, musl-tools (musl-gcc), the Rust musl target. .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
arch=$(uname -m)
target="$arch-unknown-linux-musl"
export CC_${arch}_unknown_linux_musl=musl-gcc
BUILDAH=(buildah --storage-driver vfs)

echo "== static binary ($target)"
cargo build --locked --release --target "$target" -q
bin="${CARGO_TARGET_DIR:-target}/$target/release/shipgate"
file "$bin" | grep -Eq "statically linked|static-pie linked" || { echo "not a static binary: $(file "$bin")"; exit 1; }

work=$(mktemp -d)
cleanup() {
  "${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true
  "${BUILDAH[@]}" rmi -f shipgate-test >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== image from the Dockerfile's runtime stage"
mkdir -p "$work/ctx/out/tmp" "$work/ctx/out/etc/ssl/certs"
chmod 1777 "$work/ctx/out/tmp"
cp "$bin" "$work/ctx/out/shipgate"
cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/out/etc/ssl/certs/"
# One source of truth: the lines between the markers, with the builder stage's output
# replaced by the locally built files.
sed -n '/^# --- runtime stage/,/^# --- end runtime stage/p' Dockerfile \
  | sed 's#^COPY --from=build /out/ /#COPY out/ /#' > "$work/ctx/Containerfile"
grep -q '^FROM scratch' "$work/ctx/Containerfile"
"${BUILDAH[@]}" bud --isolation chroot -q -t shipgate-test -f "$work/ctx/Containerfile" "$work/ctx" >/dev/null
# The image is exactly these files (FROM scratch): their size is its uncompressed size.
size=$(du -sb "$work/ctx/out" | cut -f1)
echo "image size (uncompressed): $((size / 1024 / 1024)) MB ($size bytes)"
[ "$size" -lt $((30 * 1024 * 1024)) ] || { echo "image is over 30 MB"; exit 1; }
"${BUILDAH[@]}" inspect --format '{{.OCIv1.Config.Entrypoint}}' shipgate-test | grep -q '/shipgate'
user=$("${BUILDAH[@]}" inspect --format '{{.OCIv1.Config.User}}' shipgate-test)
[ -z "$user" ] || { echo "USER must not be set (it is '$user')"; exit 1; }

echo "== fixture repository with a pull request"
repo="$work/workspace"
mkdir -p "$repo"
git -C "$repo" init -q -b main
git -C "$repo" config user.name ci; git -C "$repo" config user.email ci@example.invalid
printf 'hello\n' > "$repo/a.txt"
git -C "$repo" add -A; git -C "$repo" commit -qm base
base=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" checkout -q -b feature
printf 'hello\nworld\n' > "$repo/a.txt"
git -C "$repo" add -A; git -C "$repo" commit -qm change
head=$(git -C "$repo" rev-parse HEAD)
mkdir -p "$work/github"
cat > "$work/github/event.json" <<JSON
{"number": 1, "pull_request": {"number": 1, "base": {"sha": "$base"}, "head": {"sha": "$head"}}}
JSON
: > "$work/github/output"; : > "$work/github/summary"
chmod -R a+rwX "$work/github"

run_in_image() {
  local user=$1; shift
  local ctr
  ctr=$("${BUILDAH[@]}" from -q shipgate-test)
  set +e
  "${BUILDAH[@]}" run --isolation chroot --user "$user" \
    -v "$repo:/github/workspace" -v "$work/github:/github/file_commands" \
    --workingdir /github/workspace \
    --env GITHUB_ACTIONS=true --env GITHUB_EVENT_NAME=pull_request \
    --env GITHUB_EVENT_PATH=/github/file_commands/event.json \
    --env GITHUB_OUTPUT=/github/file_commands/output \
    --env GITHUB_STEP_SUMMARY=/github/file_commands/summary \
    --env GITHUB_REPOSITORY=acme/orders --env GITHUB_SHA="$base" \
    --env INPUT_CONFIG= --env INPUT_GATES= --env INPUT_REPORT="$@" \
    "$ctr" -- /shipgate check
  local rc=$?
  set -e
  "${BUILDAH[@]}" rm "$ctr" >/dev/null
  return $rc
}

echo "== run as the Actions runner does (root, workspace mounted)"
run_in_image 0:0 out/report.json
test -f "$repo/out/report.json"
grep -q "\"head\": \"$head\"" "$repo/out/report.json"
grep -q '"platform": "github"' "$repo/out/report.json"
grep -q '"verdict": "pass"' "$repo/out/report.json"

echo "== run as uid 1000 on a root-owned workspace (docker run --user 1000)"
chmod -R a+rwX "$repo"
run_in_image 1000:1000 /tmp/report.json
echo "image test: ok"
