#!/usr/bin/env bash
# How long the assistant talks: the confirmations of common requests, as the dialogue words
# them at the default (normal) verbosity (asked, not answered: nothing runs), spoken by the Piper voice at the default rate and at
# 2 and 2.5 times; then each read back by Whisper at 2 and 2.5 times to show fast speech stays
# clear. Prints seconds per reply; asserts nothing (the tests check the words).
source "$(dirname "$0")/release.sh"
voice_models
cp tests/data/configuration.nix "$work/"
requests=("install firefox" "remove wget" "enable bluetooth" "install visual studio code"
  "turn off the firewall" "update the system" "roll back" "clean up old generations")
printf '%-28s %6s %6s %6s  %s\n' request 1x 2x 2.5x "what is said"
for r in "${requests[@]}"; do
  reply=$("$luminous" ask --json --config "$work/configuration.nix" "$r" | tail -n 1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["reply"])')
  secs=()
  for rate in 1 2 2.5; do
    "$luminous" say --rate "$rate" --to "$work/r.wav" "$reply"
    secs+=("$(soxi -D "$work/r.wav")")
    if [ "$rate" != 1 ]; then
      heard=$("$luminous" hear --json --dry-run --quiet "$work/r.wav" | tail -n 1 |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["transcript"])')
      printf '    at %sx Whisper heard: %s\n' "$rate" "$heard" >>"$work/heard.txt"
    fi
  done
  printf '%-28s %6.2f %6.2f %6.2f  %s\n' "$r" "${secs[@]}" "$reply"
  cat "$work/heard.txt"; rm -f "$work/heard.txt"
done
