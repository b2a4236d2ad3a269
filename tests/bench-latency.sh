#!/usr/bin/env bash
# Voice-to-voice latency through the real audio path: espeak-ng commands are played into a
# private PulseAudio's virtual microphone while `luminous listen` (release build) runs; the
# microphone and the speaker are both recorded, and for each command the time from its last
# speech sample to the first sample of the spoken reply is measured. Prints each and the median.
# The two recorders start within a few milliseconds of each other; that is the uncertainty.
# Then barge-in: "what can you do" gets a long answer, "stop" is said over it, and the time
# from the start of "stop" at the microphone to the end of sound at the speaker is measured.
# Last, the CPU the loop uses while it listens to silence, and its memory.
source "$(dirname "$0")/release.sh"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
voice_models
# LATENCY_SETTINGS: lines of Luminous's config.toml, a configuration to compare.
mkdir -p "$XDG_CONFIG_HOME/luminous"
printf '%s\n' "${LATENCY_SETTINGS:-}" >"$XDG_CONFIG_HOME/luminous/config.toml"
cp tests/data/configuration.nix "$work/"

private_pulse "$work"

commands=("install firefox" "remove vlc" "enable bluetooth" "roll back" "list generations"
  "clean up old generations" "turn off the firewall" "install thunderbird" "update the system" "cancel")
for i in "${!commands[@]}"; do
  spoken "$work/c$i.wav" "${commands[$i]}"
done
spoken "$work/help.wav" "what can you do"
spoken "$work/stop.wav" "stop"

"${pa[@]}" "$luminous" listen --no-wake-phrase --no-earcons --dry-run --config "$work/configuration.nix" >"$work/listen.out" 2>/dev/null & listen=$!
pids+=($listen)
for _ in $(seq 600); do grep -q Listening "$work/listen.out" 2>/dev/null && break; sleep 0.1; done
"${pa[@]}" parecord --latency-msec=10 -d mic_sink.monitor --file-format=wav "$work/mic.wav" & rec1=$!
"${pa[@]}" parecord --latency-msec=10 -d speaker_sink.monitor --file-format=wav "$work/spk.wav" & rec2=$!
pids+=($rec1 $rec2)
sleep 1
for i in "${!commands[@]}"; do
  "${pa[@]}" paplay -d mic_sink "$work/c$i.wav"
  sleep 9
done
"${pa[@]}" paplay -d mic_sink "$work/help.wav"
sleep 2.5 # the answer has started
"${pa[@]}" paplay -d mic_sink "$work/stop.wav"
sleep 5
kill -INT $rec1 $rec2; wait $rec1 $rec2 2>/dev/null || true

# CPU while listening to silence: clock ticks used over 20 s.
ticks() { awk '{print $14 + $15}' "/proc/$listen/stat"; }
sleep 2
t0=$(ticks); sleep 20; t1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "CPU while listening to silence: %.1f%% of one core\n", 100 * d / hz / 20 }'
grep -E '^(VmRSS|VmHWM)' "/proc/$listen/status" | sed 's/VmRSS:/memory now (RSS):/; s/VmHWM:/memory peak (RSS):/'

python3 - "$work/mic.wav" "$work/spk.wav" <<'PY'
import sys, wave, array, statistics
def frames(path, ms=10):
    w = wave.open(path); rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    data = array.array('h', w.readframes(w.getnframes())) if width == 2 else None
    n = rate * ms // 1000 * ch
    return [ (sum(x*x for x in data[i:i+n]) / max(1, len(data[i:i+n]))) ** 0.5 / 32768 for i in range(0, len(data), n) ]
mic, spk = frames(sys.argv[1]), frames(sys.argv[2])
loud = lambda v: v > 0.01
# Speech segments at the microphone: runs of loud frames, joined across gaps under 300 ms.
segs, start, last = [], None, None
for i, v in enumerate(mic):
    if loud(v):
        if start is None: start = i
        last = i
    elif start is not None and i - last > 30:
        segs.append((start, last)); start = None
if start is not None: segs.append((start, last))
lat = []
for s, e in segs:
    reply = next((i for i in range(e + 1, len(spk)) if loud(spk[i])), None)
    if reply is not None and reply - e < 500:
        lat.append((reply - e) * 10)
print("voice-to-voice latency (ms):", lat)
if lat: print("median:", statistics.median(lat), "ms over", len(lat), "commands")
# Barge-in: the last segment is "stop", said over the answer to "what can you do".
if len(segs) >= 2:
    s = segs[-1][0]
    quiet = next((i for i in range(s, len(spk) - 25) if not any(loud(v) for v in spk[i:i + 25])), None)
    if quiet is not None and any(loud(v) for v in spk[s - 20:s]):
        print("barge-in: the answer stopped", (quiet - s) * 10, "ms after \"stop\" began")
    else:
        print("barge-in: the answer was not playing when \"stop\" began; no figure")
PY
echo "What was heard (a latency only counts if the request was understood):"
grep '^You said:' "$work/listen.out" || true
