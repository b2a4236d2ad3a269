#!/usr/bin/env bash
# The service as it runs (release build): `luminous daemon` on a private session bus, with
# its voice on a private PulseAudio's virtual microphone and speaker. `luminous bench
# service` sends it 2,000 requests (a quarter of them in whole conversations), presses
# push-to-talk 20 times, and measures its CPU idle (hands-free off) and listening to
# silence; memory, file descriptors and threads are sampled as it goes. Then `luminous
# bench ears` feeds the real ears and whisper 30 minutes of room noise, hum and
# speech-like sound, faster than real time. Figures go to docs/performance.md.
source "$(dirname "$0")/release.sh"
pids=()
# The daemon first, then the sound server it uses (the other way round leaves its capture
# stream spinning in the sound library).
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
voice_models
cp tests/data/configuration.nix "$work/"
mkdir -p "$XDG_CONFIG_HOME/luminous"
echo "config = \"$work/configuration.nix\"" >"$XDG_CONFIG_HOME/luminous/config.toml"
private_pulse "$work"
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" & pids+=($!)
for _ in $(seq 50); do [ -s "$work/bus" ] && break; sleep 0.1; done
export DBUS_SESSION_BUS_ADDRESS=$(head -1 "$work/bus")
"${pa[@]}" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" "$luminous" daemon >"$work/daemon.out" 2>"$work/daemon.err" & daemon=$!
pids+=($daemon)
# Up, and done loading its models.
for _ in $(seq 600); do "$luminous" status --json 2>/dev/null | grep -q '"microphone"' && break; sleep 0.1; done
"$luminous" status
echo "== the service over D-Bus"
"$luminous" bench service --requests "${REQUESTS:-2000}" --seconds "${SECONDS_EACH:-20}"
echo "== the ears, ${MINUTES:-30} minutes of sound"
"$luminous" bench ears --minutes "${MINUTES:-30}"
