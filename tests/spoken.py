"""Spoken-request benchmarks' helpers (standard library only).

  score OUT.json CLIPS [LABEL]    how many requests `luminous bench voice` got right
  mix CLIPS NOISE.wav SNR OUT     each clip with a stretch of NOISE at SNR dB into OUT
  scale CLIPS NOISE.wav SNR OUT   NOISE at SNR dB below the clips' mean speech level, into OUT
  outcomes OUT.json TABLE [LABEL] how `luminous bench understanding` did on TABLE: right action,
                                  right one yes/no question, the right one among options, other
                                  questions, wrong action, refusal; latency p50 and p95
  typed CLIPS OUT.json LUMINOUS [ARG...]   each clip's words typed (`ask --json --dry-run`), as
                                  `bench voice --json` writes them: what understanding alone gets

A request is right when it was understood as its intent with its main slot, or asked about as
exactly that in one yes/no question. The speech level is that of its active part (frames within
30 dB of the loudest), as speech levels are measured; the noise level is its RMS.
"""
import array
import json
import math
import random
import subprocess
import sys
import wave
from pathlib import Path


def score(out_json, clips, label=""):
    out, clips = json.loads(Path(out_json).read_text()), Path(clips)
    right, misses = 0, []
    for r in out["results"]:
        text, intent, slot = (clips / r["file"]).with_suffix(".txt").read_text().rstrip("\n").split("\t")
        wanted = [s for s in slot.split("/") if s]

        slots = r.get("slots") or {}
        offers = r.get("options") or []
        ok = fits_as(intent, wanted, r.get("intent"), slots) or (
            len(offers) == 1 and fits_as(intent, wanted, offers[0]["intent"], offers[0]["slots"]))
        right += ok
        if not ok:
            misses.append(f"{text}: heard {r.get('transcript')!r}, understood {r.get('intent')} {slots}")
    n = len(out["results"])
    med = out.get("medians") or {}
    took = f" Median transcription {med['stt_ms']} ms." if "stt_ms" in med else ""
    print(f"{label}Understood {right} of {n} spoken requests ({100 * right / max(n, 1):.0f}%).{took}")
    for m in misses:
        print("  missed:", m)


def fits_as(intent, wanted, i, slots):
    slots = slots or {}
    # A search finds by words: a query that holds the wanted words, whole, finds what they do.
    query = f" {slots.get('query', '')} "
    return i == intent and (not wanted or any(w in slots.values() or f" {w} " in query for w in wanted))


def outcomes(out_json, table, label=""):
    out = json.loads(Path(out_json).read_text())
    rows = [l.rstrip("\n").split("|") for l in Path(table).read_text().splitlines() if l.strip() and not l.startswith("#")]
    kinds = {k: [] for k in ("right action", "right, asked yes or no", "right among options", "other question",
                             "wrong action", "refusal")}
    for (said, intent, slot), r in zip(rows, out["results"]):
        assert r["transcript"] == said, (r["transcript"], said)
        wanted = [s for s in slot.split("/") if s]
        offers = r.get("options") or []
        # A search answers with what it found, offered to install: that is the search done,
        # not a question about what was meant.
        if r.get("intent") == "search_package" and all(o["intent"] == "install_package" for o in offers):
            offers = []
        if offers:
            if len(offers) == 1 and fits_as(intent, wanted, offers[0]["intent"], offers[0]["slots"]):
                kind = "right, asked yes or no"
            elif any(fits_as(intent, wanted, o["intent"], o["slots"]) for o in offers):
                kind = "right among options"
            else:
                kind = "other question"
        elif r.get("intent") == "unknown":
            kind = "refusal"
        elif fits_as(intent, wanted, r.get("intent"), r.get("slots")):
            kind = "right action"
        else:
            kind = "wrong action"
        model = " (model asked)" if r.get("model_asked") else ""
        kinds[kind].append(f"{said}: {r.get('intent')} {r.get('slots')} {[o['slots'] or o['intent'] for o in offers]}{model}")
    n = len(out["results"])
    right = len(kinds["right action"]) + len(kinds["right, asked yes or no"])
    sm = out["summary"]
    print(f"{label}{right} of {n} right ({100 * right / max(n, 1):.0f}%): " + ", ".join(
        f"{k} {len(v)}" for k, v in kinds.items()) + f". Per request p50 {sm['p50_ms']:.1f} ms, p95 {sm['p95_ms']:.1f} ms.")
    if sm.get("model"):
        m = sm["model"]
        print(f"{label}model asked {m['asked']} times: round trip p50 {m['round_trip_p50_ms']} ms, p95 "
              f"{m['round_trip_p95_ms']} ms; load {m['load_ms']} ms; worker resident {m['worker_rss_kb']} kB.")
    for k in ("wrong action", "other question", "right among options", "refusal"):
        for m in kinds[k]:
            print(f"  {k}: {m}")


def read(path):
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        return w.getframerate(), array.array("h", w.readframes(w.getnframes()))


def write(path, rate, samples):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / max(len(xs), 1))


def speech_level(xs, rate):
    frame = rate // 50
    levels = [rms(xs[i:i + frame]) for i in range(0, len(xs) - frame + 1, frame)]
    loud = max(levels, default=0.0)
    active = [v for v in levels if loud > 0 and v >= loud / 31.6]
    return math.sqrt(sum(v * v for v in active) / max(len(active), 1))


def mix(clips, noise_wav, snr, out):
    nrate, noise = read(noise_wav)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{noise_wav}:{snr}")
    for clip in sorted(Path(clips).glob("*.wav")):
        rate, speech = read(clip)
        assert rate == nrate, (clip, rate, nrate)
        start = rng.randrange(0, len(noise) - len(speech))
        part = noise[start:start + len(speech)]
        gain = speech_level(speech, rate) / (max(rms(part), 1e-9) * 10 ** (float(snr) / 20))
        mixed = array.array("h", (max(-32768, min(32767, int(s + gain * n))) for s, n in zip(speech, part)))
        write(out / clip.name, rate, mixed)
        txt = clip.with_suffix(".txt")
        (out / txt.name).write_text(txt.read_text())


def scale(clips, noise_wav, snr, out):
    """NOISE at the level it has at SNR dB below the mean speech level of CLIPS, into OUT."""
    levels = []
    for clip in sorted(Path(clips).glob("*.wav")):
        rate, speech = read(clip)
        levels.append(speech_level(speech, rate))
    target = sum(levels) / max(len(levels), 1) / 10 ** (float(snr) / 20)
    rate, noise = read(noise_wav)
    gain = target / max(rms(noise), 1e-9)
    write(out, rate, array.array("h", (max(-32768, min(32767, int(gain * n))) for n in noise)))


def typed(clips, out_json, luminous, *args):
    results = []
    for txt in sorted(Path(clips).glob("*.txt")):
        text = txt.read_text().split("\t")[0]
        run = subprocess.run([luminous, "ask", "--json", "--dry-run", *args, text], capture_output=True, text=True)
        lines = run.stdout.strip().splitlines()
        r = json.loads(lines[-1]) if lines else {}
        results.append({"file": txt.with_suffix(".wav").name, "transcript": text, "intent": r.get("intent"),
                        "slots": r.get("slots"), "options": r.get("options")})
    Path(out_json).write_text(json.dumps({"results": results}))


if __name__ == "__main__":
    {"score": score, "mix": mix, "scale": scale, "typed": typed, "outcomes": outcomes}[sys.argv[1]](*sys.argv[2:])
