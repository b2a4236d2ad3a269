#!/usr/bin/env bash
# Does the assistant hear itself? With speakers and no echo cancellation its own voice comes
# back into the microphone, and barge-in may take it for the user. Here a loopback in a
# private PulseAudio plays the speaker back into the virtual microphone at each volume given
# (PulseAudio's scale: 30% is about -31 dB, 60% about -13 dB); "what can you do" is asked and
# the length of the spoken answer at the speaker is printed. An answer much shorter than
# without echo means the assistant stopped itself. Measures; asserts nothing.
# Usage: bash tests/bench-echo.sh [VOLUME% ...]   (default: 0 30 60)
source "$(dirname "$0")/release.sh"
voice_models
cp tests/data/configuration.nix "$work/"
spoken "$work/help.wav" "what can you do"
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pids=(); sleep 0.3; }
trap 'stop_all; rm -rf "$work"' EXIT

volumes=("$@"); [ ${#volumes[@]} -gt 0 ] || volumes=(0 30 60)
for v in "${volumes[@]}"; do
  run="$work/run$v"
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
  sleep 1
  "${pa[@]}" paplay -d mic_sink "$work/help.wav"
  sleep 12
  kill -INT $rec; wait $rec 2>/dev/null || true
  # The answer: the recording with silence cut from both ends.
  sox "$run/spk.wav" "$run/answer.wav" silence 1 0.05 0.01 reverse silence 1 0.05 0.01 reverse 2>/dev/null
  secs=$(sox "$run/answer.wav" -n stat 2>&1 | awk '/Length/ {print $3}')
  echo "echo at ${v}% volume: the spoken answer lasted ${secs:-0} s"
  stop_all
done
