"""How soon barge-in stopped the answer, from two recordings of the same run.

tests/bench-echo.sh records the speaker (what Luminous played) and the microphone (the
speaker's echo through the loopback, plus the user's "stop" clip). The two recordings start
at slightly different moments; the echo, which is the speaker's sound, lines them up. The
clip's first sound is found in the microphone's recording by matching the clip itself, and
the answer's end is where the speaker's first stretch of sound ends (the reply to what was
heard comes after a pause). What is printed is the time from the user's first sound to the
answer's last, in milliseconds; it includes the loopback's own latency (about 30 ms), so it
is an upper bound.

Usage: python3 tests/echo_timing.py SPEAKER.wav MIC.wav CLIP.wav ASKED_S SAID_S
(ASKED_S, SAID_S: seconds into the speaker's recording at which the request and the clip
were played, as the bench's clock had it.)
"""

import array
import sys
import wave

MS = 1000  # envelope rate, per second


def envelope(path):
    """Mean absolute level per millisecond of the first channel, 0 to 1."""
    with wave.open(path) as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        if width != 2:
            sys.exit(f"{path}: 16-bit WAV expected")
        samples = array.array("h", w.readframes(w.getnframes()))
    mono = samples[::channels]
    step = rate // MS
    return [
        sum(abs(v) for v in mono[i : i + step]) / step / 32768
        for i in range(0, len(mono) - step + 1, step)
    ]


def best_lag(a, b, lags, span):
    """The lag (ms) at which b, shifted, matches a over `span` best (normalised)."""
    best, at = -1.0, 0
    for lag in lags:
        num = den_a = den_b = 0.0
        for i, bv in enumerate(b[:span]):
            j = i + lag
            if 0 <= j < len(a):
                av = a[j]
                num += av * bv
                den_a += av * av
                den_b += bv * bv
        if den_a > 0 and den_b > 0:
            score = num / (den_a * den_b) ** 0.5
            if score > best:
                best, at = score, lag
    return at


def first_stretch_end(env, start, level=0.01, gap=600):
    """The end (ms) of the first stretch of sound from `start`: `gap` ms of quiet follow."""
    last, quiet = None, 0
    for i in range(start, len(env)):
        if env[i] > level:
            last, quiet = i, 0
        elif last is not None:
            quiet += 1
            if quiet >= gap:
                break
    return last


def main():
    spk, mic, clip = (envelope(p) for p in sys.argv[1:4])
    asked, said = (int(float(s) * MS) for s in sys.argv[4:6])
    # The answer starts after the request; its first sound lines the recordings up.
    # (Anything still sounding when it was asked is not the answer: it starts after quiet.)
    start = next(
        i for i in range(asked + 300, len(spk)) if spk[i] > 0.01 and max(spk[i - 300 : i]) <= 0.01
    )
    shift = best_lag(mic, spk[start:], range(start - 500, start + 500), 1500) - start
    # The clip in the microphone's recording, near when it was played.
    near = said + shift
    onset_in_clip = next(i for i, v in enumerate(clip) if v > 0.01)
    at = best_lag(mic, clip, range(near - 300, near + 600), len(clip))
    onset = at + onset_in_clip
    end = first_stretch_end(spk, start) + shift
    print(f"{end - onset}")


main()
