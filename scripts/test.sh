#!/usr/bin/env bash
# Runs every test of the project: builds the example functions (wasm32-wasip1), then the
# workspace's tests. Extra arguments go to `cargo test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
bash examples-wasm/build.sh
cargo test --workspace "$@"
