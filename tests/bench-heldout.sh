#!/usr/bin/env bash
# The spoken held-out set (tests/data/heldout.tsv, 132 requests in 23 espeak-ng voices and
# variants at 130 to 200 words a minute; see its header for how it was made), scored end to
# end (espeak-ng speech -> whisper -> intent -> plan) clean and mixed with generated noise at
# 10 and 5 dB signal-to-noise: pink noise, a fan (brown noise and a 120 Hz hum with its
# harmonic) and distant babble (six espeak-ng voices reading at once, muffled and
# reverberant); first, the same words typed (understanding alone). Asserts nothing; never
# tune on it.
# The package index is LUMINOUS_FULL_INDEX (all of nixpkgs; see bench_config in
# tests/release.sh) when set, else the curated index.
# A configuration to compare: HELDOUT_SETTINGS, lines of Luminous's config.toml (for example
# whisper_model = "/path/ggml-base.bin"); HELDOUT_CLEAN=1 scores the clean speech only.
source "$(dirname "$0")/release.sh"
voice_models
bench_config "${HELDOUT_SETTINGS:-}"
speak_table tests/data/heldout.tsv "$work/clean"

run() { # run LABEL DIR
  "$luminous" bench voice --json --config tests/data/configuration.nix "${index[@]}" "$2" >"$work/out.json"
  python3 tests/spoken.py score "$work/out.json" "$2" "$1: "
}
# The same words typed: what understanding alone gets, the ceiling for hearing.
python3 tests/spoken.py typed "$work/clean" "$work/typed.json" "$luminous" --config tests/data/configuration.nix "${index[@]}"
python3 tests/spoken.py score "$work/typed.json" "$work/clean" "typed: " >"$work/typed.txt"
head -1 "$work/typed.txt"
run "clean" "$work/clean"
[ "${HELDOUT_CLEAN:-}" = 1 ] && exit 0
n="$work/noise"; make_noise "$n"
for noise in pink fan babble; do
  for snr in 10 5; do
    python3 tests/spoken.py mix "$work/clean" "$n/$noise.wav" "$snr" "$work/$noise$snr"
    run "$noise noise at $snr dB" "$work/$noise$snr" "$@"
  done
done
