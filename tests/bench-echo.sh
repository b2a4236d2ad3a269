#!/usr/bin/env bash
# Does the assistant hear itself? With speakers and no echo cancellation in the sound system
# its own voice comes back into the microphone, and barge-in may take it for the user. Here a
# loopback in a private PulseAudio plays the speaker back into the virtual microphone at each
# volume given (PulseAudio's scale: 60% is about -13 dB, 79% about -6 dB), with Luminous's
# echo cancellation on and off, in the same run. "what can you do" is asked; printed:
# - how long the spoken answer lasted at the speaker (much shorter than without echo means
#   the assistant stopped itself);
# - with "stop" said 3 s into the answer: from the start of that word to the last sound of
#   the answer at the speaker (barge-in over echo).
# Measures; asserts nothing.
# Usage: bash tests/bench-echo.sh [VOLUME% ...]   (default: 0 60 79)
source "$(dirname "$0")/release.sh"
voice_models
cp tests/data/configuration.nix "$work/"
spoken "$work/help.wav" "what can you do"
spoken "$work/stop.wav" "stop"
mkdir -p "$XDG_CONFIG_HOME/luminous"
pids=()
stop_all() { for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done; pids=(); sleep 0.3; }
trap 'stop_all; rm -rf "$work"' EXIT
now() { date +%s.%N; }
# The times (seconds into a recording) of its first and last sound.
sound_span() {
  sox "$1" -t dat - 2>/dev/null | awk 'NR > 2 && ($2 > 0.01 || $2 < -0.01) { if (first == "") first = $1; last = $1 } END { print (first == "" ? "0 0" : first " " last) }'
}
# From second $2 of recording $1: the time of the last sound before the first 150 ms of quiet
# (the end of the answer; a reply to "stop" may follow the gap).
sound_until_gap() {
  sox "$1" -t dat - 2>/dev/null | awk -v from="$2" 'NR > 2 && $1 >= from {
      if ($2 > 0.01 || $2 < -0.01) loud = $1
      else if (loud != "" && $1 - loud >= 0.15) { print loud; found = 1; exit }
      if (loud == "") loud = from
    } END { if (!found) print loud }'
}
volumes=("$@"); [ ${#volumes[@]} -gt 0 ] || volumes=(0 60 79)
for v in "${volumes[@]}"; do
  for aec in true false; do
    for mode in whole stop; do
      run="$work/run-$v-$aec-$mode"
      echo "echo_cancellation = $aec" >"$XDG_CONFIG_HOME/luminous/config.toml"
      private_pulse "$run"
      if [ "$v" -gt 0 ]; then
        "${pa[@]}" pactl load-module module-loopback source=speaker_sink.monitor sink=mic_sink latency_msec=30 >/dev/null
        sleep 1
        loop=$("${pa[@]}" pactl list short sink-inputs | awk '/module-loopback/ {print $1}' | head -1)
        "${pa[@]}" pactl set-sink-input-volume "$loop" "$v%"
      fi
      "${pa[@]}" "$luminous" listen --no-wake-phrase --no-earcons --dry-run --config "$work/configuration.nix" >"$run/out" 2>/dev/null & pids+=($!)
      for _ in $(seq 600); do grep -q Listening "$run/out" 2>/dev/null && break; sleep 0.1; done
      "${pa[@]}" parecord --latency-msec=10 -d speaker_sink.monitor --file-format=wav "$run/spk.wav" & rec=$!
      recorded_at=$(now)
      sleep 1
      "${pa[@]}" paplay -d mic_sink "$work/help.wav"
      if [ "$mode" = stop ]; then
        for _ in $(seq 100); do grep -q "You can say" "$run/out" 2>/dev/null && break; sleep 0.05; done
        sleep 3
        stop_at=$(now)
        "${pa[@]}" paplay -d mic_sink "$work/stop.wav"
        sleep 4
      else
        sleep 14
      fi
      kill -INT $rec; wait $rec 2>/dev/null || true
      read -r first last < <(sound_span "$run/spk.wav")
      if [ "$mode" = whole ]; then
        echo "echo at ${v}%, echo cancellation $aec: the spoken answer lasted $(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", b - a }') s"
      else
        # The clip has 0.2 s of silence before the word.
        word=$(awk -v r="$recorded_at" -v s="$stop_at" 'BEGIN { print s - r + 0.2 }')
        end=$(sound_until_gap "$run/spk.wav" "$word")
        ms=$(awk -v e="$end" -v w="$word" 'BEGIN { printf "%d", (e - w) * 1000 }')
        echo "echo at ${v}%, echo cancellation $aec: \"stop\" ended the answer ${ms} ms after the word began"
      fi
      stop_all
    done
  done
done
