#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for SECONDS (default 10) from
# its corpus folder; prints the run count per target and fails on a crash.
# Needs: cargo-fuzz and a nightly toolchain. Not part of CI (nightly).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-10}
cargo +nightly fuzz build -O
bin=target/$(rustc -vV | sed -n 's/^host: //p')/release
for t in $(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' Cargo.toml | grep -v '^shipgate'); do
  mkdir -p "corpus/$t"
  if ! out=$("$bin/$t" "corpus/$t" -max_total_time="$seconds" 2>&1); then
    echo "$t: CRASH"; echo "$out" | tail -30; exit 1
  fi
  echo "$t: $(echo "$out" | grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' | tail -1)"
done
