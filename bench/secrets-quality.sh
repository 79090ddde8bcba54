#!/usr/bin/env bash
# Quality on real text: plant the synthetic credentials of every covered
# format into copies of real source files, scan, and score.
#   recall      = planted secrets reported at their file and line by their rule
#   false finds = findings on unplanted lines, per 50 MB, with findings that are
#                 real key material (PEM private keys in test data) counted apart
# Peers run on the same tree when installed (scored the same way: a planted
# secret counts as found when the tool reports its line; its rule is not
# compared, peers name rules differently):
#   RIPSECRETS=/tmp/peers/bin/ripsecrets  (cargo install ripsecrets --root /tmp/peers); default: on PATH
#   DETECT_SECRETS=/tmp/ds-venv/bin/detect-secrets (slow: ~0.1 MB/s, use a small MB)
# CPU seconds (user + sys of the tool's process) give MB/s per core.
# Usage: SHIPGATE=target/release/shipgate bench/secrets-quality.sh SOURCE_DIR [MB] [SEED]
#   SOURCE_DIR: any tree of real text (e.g. a checkout of several projects)
#   EXCLUDE=ripsecrets-*,other-*  top-level folders of SOURCE_DIR to leave out (e.g. secret
#   scanners' own sources, whose test fixtures are credentials on purpose)
set -euo pipefail
bin="${SHIPGATE:-target/release/shipgate}"
export RIPSECRETS="${RIPSECRETS:-$(command -v ripsecrets || true)}"
export DETECT_SECRETS="${DETECT_SECRETS:-}"
export EXCLUDE="${EXCLUDE:-}"
src="${1:?usage: bench/secrets-quality.sh SOURCE_DIR [MB] [SEED]}"
mb="${2:-100}"
seed="${3:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" secrets gen-corpus "$work/corpus" >/dev/null

python3 - "$bin" "$src" "$mb" "$seed" "$work" <<'PY'
import fnmatch, json, os, random, shutil, subprocess, sys, time
bin, src, mb, seed, work = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = random.Random(seed)
corpus = os.path.join(work, "corpus")
expected = json.load(open(os.path.join(corpus, "expected.json")))
# The secret-bearing lines of the positives (line 4 of each wrapped file; whole text for multi-line ones).
plants = []
for name, rule in sorted(expected.items()):
    if rule is None:
        continue
    text = open(os.path.join(corpus, name)).read()
    lines = text.splitlines()
    block = lines[3] if len(lines) == 5 and lines[0].startswith("# service") else text.rstrip("\n")
    plants.append((rule, block))
# Copy real text files until `mb` megabytes.
files = []
exclude = [p for p in os.environ.get("EXCLUDE", "").split(",") if p]
for d, dirs, fs in os.walk(src):
    dirs[:] = [x for x in dirs if x != ".git"
               and not (os.path.samefile(d, src) and any(fnmatch.fnmatch(x, p) for p in exclude))]
    for f in fs:
        p = os.path.join(d, f)
        # Ignore files would hide planted secrets from tree mode.
        if os.path.islink(p) or not os.path.isfile(p) or f in (".gitignore", ".ignore"):
            continue
        files.append(p)
files.sort()
rng.shuffle(files)
tree = os.path.join(work, "tree")
total, chosen = 0, []
for p in files:
    try:
        data = open(p, "rb").read()
    except OSError:
        continue
    if b"\0" in data[:8192] or len(data) > 2_000_000:
        continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        continue
    rel = os.path.relpath(p, src)
    dst = os.path.join(tree, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    open(dst, "wb").write(data)
    chosen.append(rel)
    total += len(data)
    if total >= mb * 1e6:
        break
# Plant each format twice, in random files at random line boundaries (3 planted per file at most).
planted = {}  # (path, line) -> rule
height = {}  # (path, line) -> lines in the planted block
targets = rng.sample(chosen, min(len(chosen), 2 * len(plants)))
for i, (rule, block) in enumerate(plants * 2):
    rel = targets[i % len(targets)]
    path = os.path.join(tree, rel)
    lines = open(path, encoding="utf-8").read().split("\n")
    at = rng.randrange(0, len(lines))
    lines[at:at] = block.split("\n")
    # Earlier plants in this file below `at` move down.
    moved = {}
    for (p, l), r in planted.items():
        if p == rel and l >= at + 1:
            moved[(p, l)] = (p, l + block.count("\n") + 1)
    for old, new in moved.items():
        planted[new] = planted.pop(old)
        height[new] = height.pop(old)
    planted[(rel, at + 1)] = rule
    height[(rel, at + 1)] = block.count("\n") + 1
    open(path, "w", encoding="utf-8").write("\n".join(lines))
cfg = os.path.join(work, "cfg.yml")
open(cfg, "w").write("gates:\n  secrets:\n    max_file_bytes: 100000000\n")
def timed(cmd):
    """Run `cmd` in the tree: (stdout, CPU seconds of the child, wall seconds)."""
    before, t = os.times(), time.perf_counter()
    out = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, errors="replace")
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return out, cpu, time.perf_counter() - t

out, ours_cpu, ours_wall = timed([bin, "secrets", "scan", ".", "--format", "json", "--config", cfg])
doc = json.loads(out.stdout)
found = {}
for f in doc["findings"]:
    loc = f["location"]
    found.setdefault((loc["path"], loc["start_line"]), set()).add(f["rule"])
hit = 0
missed = []
for (p, l), rule in planted.items():
    # A multi-line block's secret is on a later line of the block.
    ok = any(rule in found.get((p, l + k), set()) for k in range(height[(p, l)]))
    hit += ok
    if not ok:
        missed.append((rule, p, l))
planted_lines = {(p, l + k) for (p, l) in planted for k in range(height[(p, l)])}
extra = [(p, l, r) for (p, l), rs in found.items() for r in rs if (p, l) not in planted_lines]
keys = [e for e in extra if e[2] == "private-key"]
other = [e for e in extra if e[2] != "private-key"]
mbs = total / 1e6
print(f"corpus: {mbs:.1f} MB of real text in {len(chosen)} files, {len(planted)} planted secrets of {len(plants)} formats (x2)")
print(f"recall: {hit}/{len(planted)} = {100.0 * hit / max(1, len(planted)):.1f}%")
print(f"findings on unplanted lines: {len(other)} ({len(other) / mbs * 50:.2f} per 50 MB), plus {len(keys)} private keys present in the source (real key material, e.g. test keys)")
for m in missed:
    print("  missed:", *m)
for e in other:
    print("  unplanted:", *e)

# Peers: which lines they report (never printed: those lines hold secrets).
key_files = {p for (p, _, _) in keys}
def score(name, lines, cpu, wall):
    found_plants = [(p, l) for (p, l) in planted if any((p, l + k) in lines for k in range(height[(p, l)]))]
    unplanted = {(p, l) for (p, l) in lines if (p, l) not in planted_lines}
    false = [x for x in unplanted if x[0] not in key_files]
    missed_rules = {}
    for (p, l), rule in planted.items():
        if (p, l) not in found_plants:
            missed_rules[rule] = missed_rules.get(rule, 0) + 1
    return {"tool": name, "recall": len(found_plants), "false": len(false),
            "in_key_files": len(unplanted) - len(false), "cpu": cpu, "wall": wall,
            "missed": missed_rules}
rows = [{"tool": "shipgate", "recall": hit, "false": len(other), "in_key_files": len(keys),
         "cpu": ours_cpu, "wall": ours_wall, "missed": {}}]
rip = os.environ.get("RIPSECRETS")
if rip:
    out, cpu, wall = timed([rip, "."])
    lines = set()
    for line in out.stdout.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1].isdigit():
            lines.add((os.path.normpath(parts[0]), int(parts[1])))
    rows.append(score("ripsecrets", lines, cpu, wall))
ds = os.environ.get("DETECT_SECRETS")
if ds:
    out, cpu, wall = timed([ds, "scan", "--all-files", "."])
    lines = set()
    for path, results in json.loads(out.stdout or "{}").get("results", {}).items():
        for r in results:
            lines.add((os.path.normpath(path), r["line_number"]))
    rows.append(score("detect-secrets", lines, cpu, wall))
print()
print(f"| tool | recall (of {len(planted)}) | false finds (per 50 MB) | findings in files with real keys | CPU s | MB/s per core | wall s | CPU time vs shipgate |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    mbps = mbs / r["cpu"] if r["cpu"] > 0 else float("inf")
    ratio = r["cpu"] / ours_cpu if ours_cpu > 0 else float("inf")
    print(f"| {r['tool']} | {r['recall']} = {100.0 * r['recall'] / max(1, len(planted)):.0f}% | {r['false']} ({r['false'] / mbs * 50:.1f}) | {r['in_key_files']} | {r['cpu']:.2f} | {mbps:.0f} | {r['wall']:.2f} | {ratio:.1f}x |")
for r in rows[1:]:
    print(f"{r['tool']} missed formats:", ", ".join(f"{k} x{v}" for k, v in sorted(r["missed"].items())) or "none")
PY
