#!/usr/bin/env bash
# How well spoken requests are understood end to end (espeak-ng speech -> whisper -> intent),
# on the development sets: tests/data/understanding.tsv (phrasings and voices that are not the
# registry's examples nor the tests' clips) and tests/data/examples-spoken.tsv (the registry's
# examples, each said in two voices: what is lost there is lost in hearing). Reports how many got the right intent and slot, and
# lists the others with what was heard; it asserts nothing (the tests do that on their own
# clips). A change that helps one clip here should be checked against the rest, and against
# tests/bench-compare.sh, before it is kept; the held-out set (tests/bench-heldout.sh) is
# scored, never tuned on.
# The package index and a configuration to compare are chosen as in tests/bench-heldout.sh
# (LUMINOUS_FULL_INDEX; UNDERSTANDING_SETTINGS, lines of Luminous's config.toml).
source "$(dirname "$0")/release.sh"
voice_models
bench_config "${UNDERSTANDING_SETTINGS:-}"
for set in understanding examples-spoken; do
  speak_table "tests/data/$set.tsv" "$work/$set"
  "$luminous" bench voice --json --config tests/data/configuration.nix "${index[@]}" "$work/$set" >"$work/$set.json"
  python3 tests/spoken.py score "$work/$set.json" "$work/$set" "$set: "
done
