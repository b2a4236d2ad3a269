#!/usr/bin/env bash
# Does the assistant hear itself? With speakers and no echo cancellation in the sound system
# its own voice comes back into the microphone, and barge-in may take it for the user. Here a
# loopback in a private PulseAudio plays the speaker back into the virtual microphone at each
# volume given (PulseAudio's scale: 60% is about -13 dB, 79% about -6 dB), with Luminous's
# echo cancellation on and off, in the same run. "what can you do" is asked, and how long
# the spoken answer lasted at the speaker is printed (much shorter than without echo means
# the assistant stopped itself). Then, with echo cancellation on, the question is asked again
# and "stop" said two seconds into the answer: how soon the answer stopped after the word's
# first sound is printed (tests/echo_timing.py lines the speaker's and the microphone's
# recordings up). That it stops is tested in crates/luminous/tests/voice.rs. Measures;
# asserts nothing.
# Usage: bash tests/bench-echo.sh [VOLUME% ...]   (default: 0 60 79)
source "$(dirname "$0")/release.sh"
voice_models
cp tests/data/configuration.nix "$work/"
spoken "$work/help.wav" "what can you do"
spoken "$work/stop.wav" "stop"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
mkdir -p "$XDG_CONFIG_HOME/luminous"
pids=()
stop_all() { for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done; pids=(); sleep 0.3; }
trap 'stop_all; rm -rf "$work"' EXIT
# The times (seconds into a recording) of its first and last sound.
sound_span() {
  sox "$1" -t dat - 2>/dev/null | awk 'NR > 2 && ($2 > 0.01 || $2 < -0.01) { if (first == "") first = $1; last = $1 } END { print (first == "" ? "0 0" : first " " last) }'
}
volumes=("$@"); [ ${#volumes[@]} -gt 0 ] || volumes=(0 60 79)
for v in "${volumes[@]}"; do
  for aec in true false; do
    run="$work/run-$v-$aec"
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
    t0=$(now)
    "${pa[@]}" parecord --latency-msec=10 -d mic_sink.monitor --file-format=wav "$run/mic.wav" & micrec=$!
    sleep 1
    "${pa[@]}" paplay -d mic_sink "$work/help.wav"
    sleep 16
    if [ "$aec" = true ] && [ "$v" -gt 0 ]; then
      asked=$(since "$t0")
      "${pa[@]}" paplay -d mic_sink "$work/help.wav"
      sleep 2
      said=$(since "$t0")
      "${pa[@]}" paplay -d mic_sink "$work/stop.wav"
      sleep 5
    fi
    kill -INT $rec $micrec; wait $rec $micrec 2>/dev/null || true
    sox "$run/spk.wav" "$run/first.wav" trim 0 17
    read -r first last < <(sound_span "$run/first.wav")
    echo "echo at ${v}%, echo cancellation $aec: the spoken answer lasted $(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", b - a }') s"
    if [ "$aec" = true ] && [ "$v" -gt 0 ]; then
      echo "echo at ${v}%: \"stop\" said over the answer stopped it $(python3 tests/echo_timing.py "$run/spk.wav" "$run/mic.wav" "$work/stop.wav" "$asked" "$said") ms after its first sound"
    fi
    [ -z "${KEEP:-}" ] || cp -r "$run" "$KEEP/"
    stop_all
  done
done
