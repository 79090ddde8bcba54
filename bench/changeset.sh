#!/usr/bin/env bash
# Times reading a 50,000-file change (ChangeSet: statuses + added line ranges)
# with shipgate against `git diff --unified=0` on the same commits.
# Prints medians of N runs and the ratio. Usage: bench/changeset.sh [FILES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-50000}
runs=${2:-7}
cargo build --release -q
bin=$PWD/target/release/shipgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q -b main . && git config user.name b && git config user.email b@example.invalid
echo r > README && git add README && git commit -qm base
python3 - "$files" <<'PY' | git fast-import --quiet
import sys
n = int(sys.argv[1])
out = sys.stdout
parent = __import__("subprocess").check_output(["git", "rev-parse", "HEAD"], text=True).strip()
out.write(f"commit refs/heads/big\ncommitter b <b@example.invalid> 1700000000 +0000\ndata 3\nbig\nfrom {parent}\n")
for i in range(n):
    body = f"line one {i}\nline two\nline three\n" * 4
    out.write(f"M 100644 inline gen/d{i % 100}/f{i}.txt\ndata {len(body)}\n{body}\n")
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
ours=$(for _ in $(seq "$runs"); do timeit "$bin" changes --base main --head big --format json; done | median)
peer=$(for _ in $(seq "$runs"); do timeit git diff --unified=0 --find-renames main big; done | median)
rss=$( { /usr/bin/time -f %M "$bin" changes --base main --head big --format json >/dev/null; } 2>&1 | tail -1 || echo "?")
echo "changeset of $files added files ($runs runs, medians):"
echo "  shipgate changes          ${ours} ms  (max RSS ${rss} KB)"
echo "  git diff --unified=0      ${peer} ms"
awk -v a="$ours" -v b="$peer" 'BEGIN { if (b > 0) printf "  ratio shipgate/git        %.2f\n", a / b }'
