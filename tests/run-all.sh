#!/usr/bin/env bash
# Runs every check and test of Luminous Nix on a fresh Debian 12 machine.
# Installs what it needs (Debian's nix-bin for the tests that run real Nix).
set -euo pipefail
cd "$(dirname "$0")/.."

# Reuse a build directory outside the clone when there is one; it is never required.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
mkdir -p "$CARGO_TARGET_DIR"

bash tests/setup.sh

echo "== format"
cargo fmt --all --check
echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== docs/intents.md is generated from the registry"
cargo run -q --locked -p xtask -- docs --check
echo "== the pure core links no I/O, FFI, audio or async runtime"
for crate in luminous-intent luminous-nixcfg luminous-dialogue luminous-presence; do
  deps=$(cargo tree -q --locked -e normal -p "$crate" --prefix none | sed 's/ .*//' | sort -u)
  for banned in tokio rusqlite libsqlite3-sys cpal rodio whisper-rs piper-rs ort webrtc-vad hound zbus llama-cpp-2; do
    if grep -qx "$banned" <<<"$deps"; then
      echo "$crate depends on $banned: the core must stay pure (docs/ARCHITECTURE.md)"; exit 1
    fi
  done
done
echo "== whisper.cpp and llama.cpp never share a binary"
if cargo tree -q --locked -e normal -p luminous --prefix none | grep -q '^llama-cpp-2 '; then
  echo "luminous depends on llama-cpp-2: the language model runs in its own worker (docs/ARCHITECTURE.md, invariant 8)"; exit 1
fi
if cargo tree -q --locked -e normal -p luminous-llm-worker --prefix none | grep -q '^whisper-rs '; then
  echo "the language-model worker depends on whisper-rs (docs/ARCHITECTURE.md, invariant 8)"; exit 1
fi
echo "== only the desktop crate knows D-Bus (and the portal and SSIP clients)"
for manifest in Cargo.toml crates/*/Cargo.toml; do
  [ "$manifest" = crates/desktop/Cargo.toml ] && continue
  if sed -n '/^\[dependencies\]/,/^\[/p' "$manifest" | grep -Eq '^(zbus|ashpd|ssip-client-async)\b'; then
    echo "$manifest depends on a D-Bus crate: only crates/desktop may (docs/ARCHITECTURE.md, invariant 7)"; exit 1
  fi
done
echo "== tests"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
