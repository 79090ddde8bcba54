#!/usr/bin/env bash
# Throughput of `shipgate secrets scan` (tree mode, one thread) against
# detect-secrets on a generated corpus of code-like text with planted secrets,
# plus the wall time of a 10 MiB scan from process start. Prints medians.
#
#   SHIPGATE=target/release/shipgate  (build it first: cargo build --release)
#   DETECT_SECRETS=/tmp/ds-venv/bin/detect-secrets  (pip install detect-secrets in a venv)
#   MIB=64 PEER_MIB=8 RUNS=3 bench/secrets.sh
set -euo pipefail
bin="${SHIPGATE:-target/release/shipgate}"
ds="${DETECT_SECRETS:-detect-secrets}"
mib="${MIB:-64}"
peer_mib="${PEER_MIB:-8}"
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" secrets gen-corpus "$work/big" --filler-mib "$mib" >/dev/null
"$bin" secrets gen-corpus "$work/small" --filler-mib "$peer_mib" >/dev/null
mkdir -p "$work/one" && cat "$work"/big/filler/f000{0..9}.rs > "$work/one/ten-mib.rs"

python3 - "$bin" "$ds" "$work" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
bin, ds, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)

def timed(cmd, cwd=None):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return statistics.median(out)

big, small = os.path.join(work, "big"), os.path.join(work, "small")
ours_big = timed([bin, "secrets", "scan", big])
ours_small = timed([bin, "secrets", "scan", small])
ten = timed([bin, "secrets", "scan", os.path.join(work, "one")])
try:
    peer_small = timed([ds, "scan", "--all-files", "."], cwd=small)
except FileNotFoundError:
    peer_small = None
mb = lambda p: size(p) / 1e6
print(f"shipgate   tree scan {mb(big):7.1f} MB: {ours_big:7.3f} s median of {runs}  {mb(big)/ours_big:8.1f} MB/s")
print(f"shipgate   tree scan {mb(small):7.1f} MB: {ours_small:7.3f} s median of {runs}  {mb(small)/ours_small:8.1f} MB/s")
print(f"shipgate   10 MiB file from process start: {ten*1000:7.1f} ms median of {runs}")
if peer_small:
    print(f"detect-secrets scan  {mb(small):7.1f} MB: {peer_small:7.3f} s median of {runs}  {mb(small)/peer_small:8.1f} MB/s")
    print(f"ratio (shipgate / detect-secrets, same {mb(small):.1f} MB): {peer_small/ours_small:.1f}x")
else:
    print("detect-secrets not found (set DETECT_SECRETS)")
PY
