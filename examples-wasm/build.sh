#!/usr/bin/env bash
# Builds every example function for wasm32-wasip1 and copies each <crate>.wasm into
# examples-wasm/dist/. Works from any directory. Extra arguments go to `cargo build`.
#
#   UPDRAFT_WASM_TARGET_DIR  cargo target directory (default: examples-wasm/target)
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
target_dir="${UPDRAFT_WASM_TARGET_DIR:-$here/target}"
dist="$here/dist"

# From inside the workspace, so that cargo reads its config as if run there.
cd -- "$here"
cargo build --release --target wasm32-wasip1 \
    --target-dir "$target_dir" "$@"

mkdir -p "$dist"
out="$target_dir/wasm32-wasip1/release"
copied=0
for manifest in "$here"/*/Cargo.toml; do
    crate="$(basename -- "$(dirname -- "$manifest")")"
    module="$out/${crate//-/_}.wasm"
    if [[ -f "$module" ]]; then
        cp -- "$module" "$dist/"
        copied=$((copied + 1))
    fi
done
if (( copied == 0 )); then
    echo "build.sh: no modules found in $out" >&2
    exit 1
fi
echo "build.sh: $copied module(s) in $dist"
