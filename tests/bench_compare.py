"""The reference stack of Home Assistant's local voice pipeline on the same clips as Luminous.

faster-whisper (CTranslate2) with the same Whisper tiny.en weights, and piper-tts with the same
voice, each timed the way `luminous bench voice` times its stages: transcription of each clip,
and the time to the first synthesised audio of the reply Luminous gave for it. Prints a table
of medians and the ratio, and writes the figures as JSON.

usage: bench_compare.py LUMINOUS_JSON CT2_MODEL_DIR VOICE.onnx CLIP_DIR OUT.json
"""

import json
import statistics
import sys
import time
import wave
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
from piper import PiperVoice


def read_16k(path):
    with wave.open(str(path)) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0


def main():
    ours_path, model_dir, voice_path, clip_dir, out_path = sys.argv[1:6]
    ours = json.loads(Path(ours_path).read_text())
    rows = [r for r in ours["results"] if "transcript" in r]
    # The same prompt Luminous gives whisper (empty: none), as the issue asks of a comparison.
    prompt = ours.get("prompt") or None
    print("Both given the prompt:", repr(prompt or ""))

    t = time.perf_counter()
    # The settings Home Assistant's wyoming-faster-whisper uses on a CPU: int8, beam size 1.
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    stt_load_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    voice = PiperVoice.load(voice_path)
    tts_load_ms = (time.perf_counter() - t) * 1000

    # One untimed warm-up of each, as the Rust side has loaded and run its models once too.
    first_audio = read_16k(Path(clip_dir) / rows[0]["file"])
    list(model.transcribe(first_audio, language="en", beam_size=1)[0])
    next(iter(voice.synthesize("Ready.")))

    norm = lambda s: "".join(c for c in s.lower() if c.isalnum() or c == " ").split()
    stt, tts, same, ours_right, ref_right = [], [], 0, 0, 0
    for r in rows:
        audio = read_16k(Path(clip_dir) / r["file"])
        t = time.perf_counter()
        segments, _ = model.transcribe(
            audio,
            language="en",
            beam_size=1,
            condition_on_previous_text=False,
            initial_prompt=prompt,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        stt.append((time.perf_counter() - t) * 1000)
        same += norm(text) == norm(r["transcript"])
        said = (Path(clip_dir) / r["file"]).with_suffix(".txt")
        if said.exists():
            words = norm(said.read_text())
            ours_right += norm(r["transcript"]) == words
            ref_right += norm(text) == words
        t = time.perf_counter()
        next(iter(voice.synthesize(r["reply"] or "Yes?")))
        tts.append((time.perf_counter() - t) * 1000)

    m = ours["medians"]
    ref = {
        "files": len(rows),
        "stt_ms": statistics.median(stt),
        "tts_first_audio_ms": statistics.median(tts),
        "stt_load_ms": stt_load_ms,
        "tts_load_ms": tts_load_ms,
        "same_transcript": same,
        "exact_luminous": ours_right,
        "exact_reference": ref_right,
    }
    table = [
        ("transcription (median ms)", m["stt_ms"], ref["stt_ms"]),
        ("first synthesised audio (median ms)", m["tts_first_audio_ms"], ref["tts_first_audio_ms"]),
        ("speech model load (ms)", m["stt_load_ms"], ref["stt_load_ms"]),
        ("voice load (ms)", m["tts_load_ms"], ref["tts_load_ms"]),
    ]
    print(f"Over {len(rows)} clips; the same transcript from both for {same} of them.")
    print(f"Word for word what was said: Luminous {ours_right}, faster-whisper {ref_right}.")
    print("stage: Luminous, faster-whisper + piper-tts, how many times faster Luminous is")
    for name, a, b in table:
        print(f"{name}: {a:.1f}, {b:.1f}, {b / a if a else float('nan'):.2f}")
    Path(out_path).write_text(json.dumps({"luminous": m, "reference": ref}, indent=1))


if __name__ == "__main__":
    main()
