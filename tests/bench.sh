#!/usr/bin/env bash
# Reproduces the figures in docs/performance.md: criterion benchmarks of the core, and
# whole-process timings (from process start to output) with hyperfine.
# The full-scale index is LUMINOUS_FULL_INDEX (a JSON Lines list of nixpkgs, plain or gzipped);
# without it the criterion benchmark generates 120,000 names and the process timings of the
# full index are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
full="${LUMINOUS_FULL_INDEX:-../shared/data/nixpkgs-packages.jsonl.gz}"
[ -f "$full" ] && export LUMINOUS_FULL_INDEX="$(realpath "$full")"

cargo bench -q --locked -p luminous-intent --bench engine
cargo bench -q --locked -p luminous-nixcfg --bench edit

cargo build -q --release --locked -p luminous
l="$CARGO_TARGET_DIR/release/luminous"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
cp tests/data/configuration.nix "$work/"
runs=(--warmup 3 --runs 50 -N)
hyperfine "${runs[@]}" "$l ask --json --dry-run --config $work/configuration.nix install firefox"
if [ -n "${LUMINOUS_FULL_INDEX:-}" ]; then
  "$l" search --index "$LUMINOUS_FULL_INDEX" firefox >/dev/null   # fill the cache once
  hyperfine "${runs[@]}" \
    "$l search --index $LUMINOUS_FULL_INDEX firefox" \
    "$l search --index $LUMINOUS_FULL_INDEX video player" \
    "$l search --index $LUMINOUS_FULL_INDEX thunderbrid" \
    "$l ask --json --dry-run --index $LUMINOUS_FULL_INDEX --config $work/configuration.nix install firefox"
fi
