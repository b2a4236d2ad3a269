#!/usr/bin/env bash
# The package index at full size (docs/performance.md, "The user's own nixpkgs"): a generated
# nixpkgs-shaped set of 130,900 packages listed by the real nix-env in a private store, and
# `luminous ask install htop` on it: the first request (which reads the whole listing) and
# the cached ones. Luminous's own peak memory is measured apart from nix-env's by a second
# first request whose nix-env is a stand-in that replays the saved listing.
source "$(dirname "$0")/release.sh"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v /usr/bin/time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build -q --release --locked -p luminous-test-support --example gen_nixpkgs
"$CARGO_TARGET_DIR/release/examples/gen_nixpkgs" "$work/nixpkgs"

# A private Nix: nothing under /nix is touched, no daemon, no network.
mkdir -p "$work/nix/etc" "$work/nix/store" "$work/nix/var" "$work/nix/log" "$work/home"
printf 'build-users-group =\nsandbox = false\nsubstituters =\nflake-registry =\nexperimental-features = nix-command flakes\n' \
  > "$work/nix/etc/nix.conf"
export NIX_CONF_DIR="$work/nix/etc" NIX_STORE_DIR="$work/nix/store" NIX_STATE_DIR="$work/nix/var" \
  NIX_LOG_DIR="$work/nix/log" NIX_PATH= HOME="$work/home" XDG_CONFIG_HOME="$work/config"
mkdir -p "$work/config/luminous"
printf 'nixpkgs = "%s"\n' "$work/nixpkgs" > "$work/config/luminous/config.toml"
cp tests/data/configuration.nix "$work/"
ask=("$luminous" ask --json --dry-run --config "$work/configuration.nix" install htop)

echo "== nix-env alone: seconds, peak KB"
/usr/bin/time -f '%e s, %M KB' nix-env -f "$work/nixpkgs" -qaP --json --meta > "$work/listing.json"
echo "listing: $(stat -c %s "$work/listing.json") bytes"

echo "== first request (reads the whole listing through nix-env): seconds, peak KB of the process tree"
for run in 1 2 3; do
  export XDG_DATA_HOME="$work/data-first-$run"
  /usr/bin/time -f '%e s, %M KB' "${ask[@]}" >/dev/null
done

echo "== first request, Luminous alone (nix-env replays the saved listing): seconds, peak KB"
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec cat %s\n' "$work/listing.json" > "$work/bin/nix-env"
chmod +x "$work/bin/nix-env"
for run in 1 2 3; do
  export XDG_DATA_HOME="$work/data-alone-$run"
  PATH="$work/bin:$PATH" /usr/bin/time -f '%e s, %M KB' "${ask[@]}" >/dev/null
done

echo "== cached requests"
export XDG_DATA_HOME="$work/data-first-1"
/usr/bin/time -f 'peak %M KB' "${ask[@]}" >/dev/null
hyperfine --warmup 3 --runs 30 -N \
  "${ask[*]}" \
  "$luminous ask --json --dry-run --config $work/configuration.nix install thunderbrid" \
  "$luminous ask --json --dry-run --config $work/configuration.nix install python313Packages.numpy" \
  "$luminous search thunderbrid"
