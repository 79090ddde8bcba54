#!/usr/bin/env bash
# Throughput of `shipgate secrets scan` (tree mode, one thread) against
# ripsecrets and detect-secrets on a generated corpus of code-like text with
# planted secrets, plus the wall time of a 10 MiB scan from process start.
# Prints medians of wall time and of CPU time (user + sys: MB/s per core).
#
#   SHIPGATE=target/release/shipgate  (build it first: cargo build --release)
#   RIPSECRETS=/tmp/peers/bin/ripsecrets  (cargo install ripsecrets --root /tmp/peers; default: on PATH)
#   DETECT_SECRETS=/tmp/ds-venv/bin/detect-secrets  (pip install detect-secrets in a venv)
#   MIB=64 PEER_MIB=4 RUNS=3 bench/secrets.sh
# ripsecrets runs on the big corpus (it is fast enough), detect-secrets on the small one.
# Times are wall-clock medians: on a shared machine, compare runs of one session only.
set -euo pipefail
bin="${SHIPGATE:-target/release/shipgate}"
ds="${DETECT_SECRETS:-detect-secrets}"
rip="${RIPSECRETS:-$(command -v ripsecrets || echo ripsecrets)}"
mib="${MIB:-64}"
peer_mib="${PEER_MIB:-4}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" secrets gen-corpus "$work/big" --filler-mib "$mib" >/dev/null
"$bin" secrets gen-corpus "$work/small" --filler-mib "$peer_mib" >/dev/null
mkdir -p "$work/one" && cat "$work"/big/filler/f000{0..9}.rs > "$work/all.rs"
head -c 10000000 "$work/all.rs" > "$work/one/ten-mb.rs"
printf 'gates:\n  secrets:\n    max_file_bytes: 100000000\n' > "$work/one/.shipgate.yml"
# A change that adds the same 10 MB file, for `shipgate check` (diff mode).
(
  cd "$work/one" && git init -q -b main && git -c user.name=b -c user.email=b@b.invalid commit -q --allow-empty -m base &&
  git checkout -q -b change && git add ten-mb.rs .shipgate.yml &&
  git -c user.name=b -c user.email=b@b.invalid commit -q -m change
)

python3 - "$bin" "$ds" "$work" "$runs" "$rip" <<'PY'
import os, statistics, subprocess, sys, time
bin, ds, work, runs, rip = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)

cpu_of = {}

def timed(cmd, cwd=None):
    """Median wall seconds of `runs` runs; the median CPU seconds go to cpu_of."""
    out, cpu = [], []
    for _ in range(runs):
        before, t = os.times(), time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = os.times()
        out.append(time.perf_counter() - t)
        cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
    cpu_of[tuple(cmd)] = statistics.median(cpu)
    return statistics.median(out)

big, small = os.path.join(work, "big"), os.path.join(work, "small")
ours_big = timed([bin, "secrets", "scan", big])
ours_big_cpu = cpu_of[(bin, "secrets", "scan", big)]
ours_small = timed([bin, "secrets", "scan", small])
one = os.path.join(work, "one")
ten = timed([bin, "secrets", "scan", "ten-mb.rs"], cwd=one)
ten_diff = timed([bin, "check", "--target", "main", "--gate", "secrets", "--report", os.path.join(work, "r.json")], cwd=one)
try:
    peer_small = timed([ds, "scan", "--all-files", "."], cwd=small)
except FileNotFoundError:
    peer_small = None
try:
    rip_big = timed([rip, big])
    rip_big_cpu = cpu_of[(rip, big)]
except FileNotFoundError:
    rip_big = None
mb = lambda p: size(p) / 1e6
print(f"shipgate   tree scan {mb(big):7.1f} MB: {ours_big:7.3f} s median of {runs}  {mb(big)/ours_big:8.1f} MB/s wall, {ours_big_cpu:.3f} s CPU = {mb(big)/max(ours_big_cpu, 1e-9):.1f} MB/s per core")
print(f"shipgate   tree scan {mb(small):7.1f} MB: {ours_small:7.3f} s median of {runs}  {mb(small)/ours_small:8.1f} MB/s")
print(f"shipgate   secrets scan of one 10 MB file, from process start: {ten*1000:7.1f} ms median of {runs}")
print(f"shipgate   check (diff mode) of a change adding that file, from process start: {ten_diff*1000:7.1f} ms median of {runs}")
if peer_small:
    print(f"detect-secrets scan  {mb(small):7.1f} MB: {peer_small:7.3f} s median of {runs}  {mb(small)/peer_small:8.1f} MB/s")
    print(f"ratio (shipgate / detect-secrets, same {mb(small):.1f} MB): {peer_small/ours_small:.1f}x")
else:
    print("detect-secrets not found (set DETECT_SECRETS)")
if rip_big:
    print(f"ripsecrets tree scan {mb(big):7.1f} MB: {rip_big:7.3f} s median of {runs}  {mb(big)/rip_big:8.1f} MB/s wall, {rip_big_cpu:.3f} s CPU = {mb(big)/max(rip_big_cpu, 1e-9):.1f} MB/s per core")
    print(f"ratio (ripsecrets / shipgate, same {mb(big):.1f} MB): {rip_big/ours_big:.1f}x wall, {rip_big_cpu/max(ours_big_cpu, 1e-9):.1f}x CPU")
else:
    print("ripsecrets not found (set RIPSECRETS)")
PY
