#!/usr/bin/env bash
# The whole test suite, as CI runs it. Needs: Rust stable, git, openssl (Debian has both).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in git openssl; do
  command -v "$tool" >/dev/null || { echo "scripts/test.sh: $tool is required (apt-get install $tool)" >&2; exit 2; }
done

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
