#!/usr/bin/env bash
# Hands-free listening: does it wake only when called? The wake phrase said 48 times
# (tests/data/wake.tsv: alone and before a request, eight voices) should wake it; 304 ordinary
# sentences (tests/data/not-wake.tsv) should not. Each recording goes to fresh ears waiting
# for the wake phrase (`luminous bench wake`). Then false starts: ten minutes each of pink
# noise, a fan and distant babble, 5 dB below the speech (`luminous bench noise`), counting the utterances the voice
# activity detector opened (each a whisper run) and the requests taken from them.
# Settings to compare: WAKE_SETTINGS, lines of config.toml; NOISE_MINUTES=0 skips the noise.
# Asserts nothing.
source "$(dirname "$0")/release.sh"
voice_models
mkdir -p "$XDG_CONFIG_HOME/luminous"
printf '%s\n' "${WAKE_SETTINGS:-}" >"$XDG_CONFIG_HOME/luminous/config.toml"
speak_table tests/data/wake.tsv "$work/wake"
speak_table tests/data/not-wake.tsv "$work/ordinary"
"$luminous" bench wake --json "$work/wake" >"$work/wake.json"
"$luminous" bench wake --json "$work/ordinary" >"$work/ordinary.json"
python3 - "$work" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
for name, want in [("wake", True), ("ordinary", False)]:
    out = json.loads((work / f"{name}.json").read_text())
    n, woke = out["recordings"], out["woke"]
    wrong = [r for r in out["results"] if r["woke"] != want]
    if want:
        print(f"True accepts: {woke} of {n} wake-phrase utterances ({100 * woke / n:.1f}%).")
    else:
        print(f"False accepts: {woke} of {n} ordinary sentences.")
    for r in wrong:
        said = (work / name / r["file"]).with_suffix(".txt").read_text().split("\t")[0]
        print(f"  {'missed' if want else 'woke on'}: {said!r}, heard {' / '.join(r['heard'])!r}")
PY
[ "${NOISE_MINUTES:-10}" = 0 ] && exit 0
n="$work/noise"; make_noise "$n"
for noise in pink fan babble; do
  # As loud as in the held-out set's 5 dB mix: 5 dB below the speech level of the requests.
  python3 tests/spoken.py scale "$work/wake" "$n/$noise.wav" 5 "$n/$noise-5.wav"
  "$luminous" bench noise --minutes "${NOISE_MINUTES:-10}" "$n/$noise-5.wav"
done
