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

# Interop: a standard DSSE implementation (securesystemslib) verifies our signed reports.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import securesystemslib, cryptography" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check securesystemslib==1.6.0 cryptography==50.0.2
fi
SHIPGATE_TEST_PYTHON="$PWD/.venv/bin/python" cargo test --locked --test attest_sslib -- --ignored

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
