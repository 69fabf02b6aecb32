#!/usr/bin/env bash
# Builds tollgate from the action's own checkout, once per runner (cargo caches it).
set -euo pipefail

root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is set by GitHub Actions}"
if command -v tollgate >/dev/null 2>&1; then
  echo "tollgate already installed: $(tollgate --version)"
  exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: add a Rust toolchain step (e.g. dtolnay/rust-toolchain@stable) before this action" >&2
  exit 1
fi
cargo install --locked --path "$root/crates/cli" --root "$HOME/.tollgate"
echo "$HOME/.tollgate/bin" >> "${GITHUB_PATH:?}"
