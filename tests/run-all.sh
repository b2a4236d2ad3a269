#!/usr/bin/env bash
# Runs every check and test of Luminous Nix on a fresh Debian 12 machine.
# Installs what it needs (Debian's nix-bin for the tests that run real Nix).
set -euo pipefail
cd "$(dirname "$0")/.."

# Reuse a build directory outside the clone when there is one; it is never required.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
mkdir -p "$CARGO_TARGET_DIR"

need_apt=()
command -v nix-instantiate >/dev/null || need_apt+=(nix-bin)
command -v cc >/dev/null || need_apt+=(build-essential)
# whisper.cpp and espeak-ng are built from source by their crates; ALSA for audio.
for pkg in cmake libclang-dev pkg-config libssl-dev libasound2-dev libsonic-dev espeak-ng sox python3-pip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# Debian's python3-pip is not needed where a pip already works (pyenv, a virtualenv).
if python3 -m pip --version >/dev/null 2>&1; then
  need_apt=("${need_apt[@]/python3-pip}")
fi
read -ra need_apt <<<"${need_apt[*]}" 
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing: ${need_apt[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== format"
cargo fmt --all --check
echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== docs/intents.md is generated from the registry"
cargo run -q --locked -p xtask -- docs --check
echo "== the pure core links no I/O, FFI, audio or async runtime"
for crate in luminous-intent luminous-nixcfg luminous-dialogue; do
  deps=$(cargo tree -q --locked -e normal -p "$crate" --prefix none | sed 's/ .*//' | sort -u)
  for banned in tokio rusqlite libsqlite3-sys cpal rodio whisper-rs piper-rs zbus llama-cpp-2; do
    if grep -qx "$banned" <<<"$deps"; then
      echo "$crate depends on $banned: the core must stay pure (docs/ARCHITECTURE.md)"; exit 1
    fi
  done
done
echo "== tests"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
