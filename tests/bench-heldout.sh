#!/usr/bin/env bash
# The spoken held-out set (tests/data/heldout.tsv, 132 requests in 23 espeak-ng voices and
# variants at 130 to 200 words a minute; see its header for how it was made), scored end to
# end (espeak-ng speech -> whisper -> intent -> plan) clean and mixed with generated noise at
# 10 and 5 dB signal-to-noise: pink noise, a fan (brown noise and a 120 Hz hum with its
# harmonic) and distant babble (six espeak-ng voices reading at once, muffled and
# reverberant); first, the same words typed (understanding alone). Asserts nothing; never
# tune on it.
# The package index is LUMINOUS_FULL_INDEX (a JSON Lines list of nixpkgs, as `luminous index`
# describes) when set, as a user's machine has all of nixpkgs; without it, the curated index,
# in which many of the set's programs do not exist (the score says which was used).
# A configuration to compare: HELDOUT_SETTINGS, lines of Luminous's config.toml (for example
# whisper_model = "/path/ggml-base.bin"); HELDOUT_CLEAN=1 scores the clean speech only.
source "$(dirname "$0")/release.sh"
voice_models
mkdir -p "$XDG_CONFIG_HOME/luminous"
printf '%s\n' "${HELDOUT_SETTINGS:-}" >"$XDG_CONFIG_HOME/luminous/config.toml"
[ -n "${HELDOUT_SETTINGS:-}" ] && echo "Settings: $HELDOUT_SETTINGS"
index=()
full="${LUMINOUS_FULL_INDEX:-../shared/data/nixpkgs-packages.jsonl.gz}"
if [ -f "$full" ]; then index=(--index "$(realpath "$full")"); echo "Index: $full"; else echo "Index: the curated one (set LUMINOUS_FULL_INDEX for all of nixpkgs)"; fi
speak_table tests/data/heldout.tsv "$work/clean"

run() { # run LABEL DIR
  "$luminous" bench voice --json --config tests/data/configuration.nix "${index[@]}" "$2" >"$work/out.json"
  python3 tests/spoken.py score "$work/out.json" "$2" "$1: "
}
# The same words typed: what understanding alone gets, the ceiling for hearing.
python3 tests/spoken.py typed "$work/clean" "$work/typed.json" "$luminous" --config tests/data/configuration.nix "${index[@]}"
python3 tests/spoken.py score "$work/typed.json" "$work/clean" "typed: " | head -1
run "clean" "$work/clean"
[ "${HELDOUT_CLEAN:-}" = 1 ] && exit 0
n="$work/noise"; make_noise "$n"
for noise in pink fan babble; do
  for snr in 10 5; do
    python3 tests/spoken.py mix "$work/clean" "$n/$noise.wav" "$snr" "$work/$noise$snr"
    run "$noise noise at $snr dB" "$work/$noise$snr" "$@"
  done
done
