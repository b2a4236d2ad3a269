# Sourced (not run) by the scripts that use the release binary: installs what building needs,
# builds it, and sets `luminous` (its path) and `work` (a scratch folder removed on exit; a
# script with more to clean up sets its own trap, which must remove it too).
# `voice_models` then fetches the speech models and the default language model (the sentence
# embedder, which a user's `auto` setting uses once fetched) into the benchmarks' model cache,
# and gives the run a fresh data folder that uses them, so that a benchmark measures the
# defaults; `spoken` and `private_pulse` (below) serve the voice benchmarks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
cargo build -q --release --locked -p luminous -p luminous-llm-worker
luminous="$CARGO_TARGET_DIR/release/luminous"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

voice_models() {
  local shared="${LUMINOUS_BENCH_DATA:-/var/tmp/luminous-bench-data}"
  XDG_DATA_HOME="$shared" "$luminous" models fetch whisper-tiny.en onnxruntime silero-vad en_US-joe-medium embed-minilm-l6-v2 >/dev/null
  fresh_data "$shared"
  export XDG_CONFIG_HOME="$work/config"
}

# `fresh_data SHARED`: a data folder in $work whose models come from SHARED (another run's data
# folder, kept between runs as a user's models are), and nothing else: the history, and the
# preferences a request such as "be quiet" or "more detail" sets, are fresh for each run, so
# that no run measures or shows what an earlier one left behind.
fresh_data() {
  mkdir -p "$work/data/luminous"
  for d in models voices cache staging; do
    mkdir -p "$1/luminous/$d"
    ln -s "$1/luminous/$d" "$work/data/luminous/$d"
  done
  export XDG_DATA_HOME="$work/data"
}

# `bench_config LINES`: LINES of Luminous's config.toml (a configuration to compare; may be
# empty), and `index`, the arguments that choose the package index: LUMINOUS_FULL_INDEX (a
# JSON Lines list of nixpkgs, as `luminous index` describes) when set, as a user's machine has
# all of nixpkgs; without it, the curated index, in which many programs do not exist (it says
# which is used). After `voice_models`.
bench_config() {
  mkdir -p "$XDG_CONFIG_HOME/luminous"
  printf '%s\n' "$1" >"$XDG_CONFIG_HOME/luminous/config.toml"
  [ -n "$1" ] && echo "Settings: $1"
  index=()
  local full="${LUMINOUS_FULL_INDEX:-../shared/data/nixpkgs-packages.jsonl.gz}"
  if [ -f "$full" ]; then
    index=(--index "$(realpath "$full")")
    echo "Index: $full"
  else
    echo "Index: the curated one (set LUMINOUS_FULL_INDEX for all of nixpkgs)"
  fi
}

# `spoken OUT.wav TEXT`: TEXT said by espeak-ng (American English, 165 words a minute) as a
# 16 kHz mono recording, as played into the virtual microphone.
spoken() {
  espeak-ng -v en-us -s 165 -w "$1.raw.wav" "$2"
  sox "$1.raw.wav" -r 16000 -c 1 "$1"
  rm -f "$1.raw.wav"
}

# `speak_table TABLE DIR`: each line of TABLE (voice|words a minute|text|intent|slot; lines
# starting with # are comments) said by espeak-ng as DIR/NNN.wav, 16 kHz mono with 0.2 s before
# and 0.3 s after, beside DIR/NNN.txt (text, intent and slot, tab-separated), for
# tests/spoken.py.
speak_table() {
  mkdir -p "$2"
  local n=0 voice rate text intent slot
  while IFS='|' read -r voice rate text intent slot; do
    case "$voice" in '' | '#'*) continue ;; esac
    espeak-ng -v "$voice" -s "$rate" -w "$2/raw.wav" "$text"
    sox -V1 "$2/raw.wav" -r 16000 -c 1 -b 16 "$2/$(printf %03d "$n").wav" pad 0.2 0.3
    printf '%s\t%s\t%s\n' "$text" "$intent" "$slot" >"$2/$(printf %03d "$n").txt"
    n=$((n + 1))
  done <"$1"
  rm -f "$2/raw.wav"
}

# `make_noise DIR`: a minute each of pink noise (DIR/pink.wav), a fan (brown noise and a 120 Hz
# hum with its harmonic, DIR/fan.wav) and distant babble (six espeak-ng voices reading at
# once, muffled and reverberant, DIR/babble.wav), 16 kHz mono.
make_noise() {
  mkdir -p "$1"
  local text voices i
  sox -n -r 16000 -c 1 -b 16 "$1/pink.wav" synth 60 pinknoise
  sox -n -r 16000 -c 1 -b 16 "$1/brown.wav" synth 60 brownnoise lowpass 600
  sox -n -r 16000 -c 1 -b 16 "$1/hum.wav" synth 60 sine 120 sine 240 remix 1,2
  sox -m -v 1 "$1/brown.wav" -v 0.25 "$1/hum.wav" "$1/fan.wav"
  text=/usr/share/common-licenses/GPL-3
  voices=(en-us en-gb en+m2 en-us+f3 en-029 en-us+m6)
  for i in "${!voices[@]}"; do
    # Each voice from a different place in the text, so no two say the same words together.
    sed -n "$((40 + i * 90)),$((120 + i * 90))p" "$text" | espeak-ng -v "${voices[$i]}" -s 170 -w "$1/talk$i.raw.wav"
    sox -V1 "$1/talk$i.raw.wav" -r 16000 -c 1 -b 16 "$1/talk$i.wav" trim 0 60 pad 0 60 trim 0 60
  done
  sox -V1 -m "$1"/talk?.wav "$1/babble.raw.wav"
  sox -V1 "$1/babble.raw.wav" -b 16 "$1/babble.wav" lowpass 2500 reverb 60 norm -3
}

# `private_pulse DIR`: a private PulseAudio in DIR with a virtual microphone (`mic_sink`, its
# monitor remapped as the default source `virtual_mic`) and speaker (`speaker_sink`, the
# default sink), each kept rendering by a silent stream (idle null sinks render in 2 s
# blocks). Sets `pa`, the environment that reaches it, and adds its processes to the array
# `pids`, which the caller stops.
private_pulse() {
  mkdir -p "$1/run" "$1/home"; chmod 700 "$1/run"
  # `env` (not a shell function) so that $! is the real process, stopped by PID.
  pa=(env XDG_RUNTIME_DIR="$1/run" HOME="$1/home")
  "${pa[@]}" pulseaudio -n --daemonize=no --exit-idle-time=-1 -L "module-native-protocol-unix auth-anonymous=1" \
    -L "module-null-sink sink_name=mic_sink rate=16000 channels=1" \
    -L "module-remap-source source_name=virtual_mic master=mic_sink.monitor" \
    -L "module-null-sink sink_name=speaker_sink" 2>/dev/null & pids+=($!)
  for _ in $(seq 50); do "${pa[@]}" pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  "${pa[@]}" pactl set-default-source virtual_mic; "${pa[@]}" pactl set-default-sink speaker_sink
  "${pa[@]}" pacat -p --latency-msec=20 -d mic_sink </dev/zero & pids+=($!)
  "${pa[@]}" pacat -p --latency-msec=20 -d speaker_sink </dev/zero & pids+=($!)
  sleep 2.2
}

