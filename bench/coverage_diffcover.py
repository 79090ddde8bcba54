#!/usr/bin/env python3
"""Run diff-cover on every case of fixtures/coverage/diffcover/cases.json and
record its verdicts in fixtures/coverage/diffcover/verdicts.json.

Each case is built as a real git repository: `main` with the base files (and a
.gitignore for reports/), branch `feature` with the head files, reports written
untracked under reports/. tests/coverage_diffcover.rs builds the same
repositories and compares shipgate's figures with the recorded verdicts, so the
tests need neither the network nor diff-cover.

Usage: python3 -m venv /tmp/dc && /tmp/dc/bin/pip install diff-cover
       python3 bench/coverage_diffcover.py /tmp/dc/bin/diff-cover
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "coverage", "diffcover")


def git(repo, *args):
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)


def write(repo, files):
    for path, content in files.items():
        full = os.path.join(repo, path)
        if content is None:
            if os.path.exists(full):
                os.remove(full)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(content)


def build(repo, case):
    git(repo, "init", "-q", "-b", "main")
    for k, v in [("user.name", "T"), ("user.email", "t@example.invalid"), ("commit.gpgsign", "false")]:
        git(repo, "config", k, v)
    write(repo, {".gitignore": "reports/\nshipgate-report.json\n"})
    write(repo, case["base"])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, case["head"])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    write(repo, case["reports"])


def main():
    diff_cover = sys.argv[1] if len(sys.argv) > 1 else "diff-cover"
    version = subprocess.run([diff_cover, "--version"], capture_output=True, text=True).stdout.strip()
    cases = json.load(open(os.path.join(FIX, "cases.json")))
    verdicts = {"tool": version, "cases": {}}
    for case in cases:
        with tempfile.TemporaryDirectory() as repo:
            build(repo, case)
            out = os.path.join(repo, "dc.json")
            reports = sorted(case["reports"])
            subprocess.run([diff_cover, *reports, "--compare-branch=main", "--json-report", out],
                           cwd=repo, check=True, capture_output=True)
            result = json.load(open(out))
            verdicts["cases"][case["name"]] = {
                "total_num_lines": result["total_num_lines"],
                "total_num_violations": result["total_num_violations"],
                "total_percent_covered": result["total_percent_covered"],
                "violation_lines": {p: s["violation_lines"] for p, s in result["src_stats"].items()},
            }
            print(case["name"], verdicts["cases"][case["name"]])
    with open(os.path.join(FIX, "verdicts.json"), "w") as f:
        json.dump(verdicts, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
