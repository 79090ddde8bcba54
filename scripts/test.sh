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

# The container image, built and run with buildah (no Docker engine needed).
if command -v buildah >/dev/null && command -v musl-gcc >/dev/null \
   && rustup target list --installed 2>/dev/null | grep -q "$(uname -m)-unknown-linux-musl"; then
  scripts/test-image.sh
elif [ "${SHIPGATE_REQUIRE_IMAGE_TEST:-}" = 1 ]; then
  echo "scripts/test.sh: the image test needs buildah, musl-tools and the Rust musl target" >&2
  exit 2
else
  echo "image test skipped: apt-get install buildah musl-tools && rustup target add $(uname -m)-unknown-linux-musl"
fi
