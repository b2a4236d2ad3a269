#!/usr/bin/env bash
# The assistant's main job, end to end, in text mode: a spoken-style request is understood,
# planned, confirmed and carried out on a copy of an example NixOS configuration.
# Usage: tests/demo.sh ["your request"]   (default: "please install fierfox")
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
cargo build -q --release --locked -p luminous
luminous="$CARGO_TARGET_DIR/release/luminous"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/data/configuration.nix "$work/configuration.nix"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
request="${1:-please install fierfox}"

echo "You: $request"
"$luminous" ask --config "$work/configuration.nix" "$request"
echo
echo "You: yes  (the same request, confirmed; --no-rebuild because this machine is not NixOS)"
"$luminous" ask --yes --no-rebuild --config "$work/configuration.nix" "$request"
echo
echo "The configuration now reads:"
cat "$work/configuration.nix"
