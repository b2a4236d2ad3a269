//! Speech for the voice tests: the real models (fetched once into a folder outside the
//! repository and reused), commands spoken by espeak-ng, and what the virtual speaker played.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Settings that point at the shared models.
pub fn model_settings() -> String {
    let m = models();
    format!(
        "whisper_model = \"{}\"\nvoice = \"{}\"\nonnxruntime = \"{}\"\nvoice_activity_model = \"{}\"\n",
        m.join("models/ggml-tiny.en.bin").display(),
        m.join("voices/en_US-joe-medium.onnx").display(),
        m.join("models/libonnxruntime.so.1.32.0").display(),
        m.join("models/silero_vad.onnx").display(),
    )
}

/// The shared model folder, fetched once (the fetcher's lock makes parallel tests wait).
pub fn models() -> PathBuf {
    fetched(&[
        "whisper-tiny.en",
        "onnxruntime",
        "silero-vad",
        "en_US-joe-medium",
    ])
}

/// The sentence-embedding model (the default for requests the rules do not understand),
/// fetched once into the shared folder: its weights file.
pub fn embedding_model() -> PathBuf {
    fetched(&["embed-minilm-l6-v2"]).join("models/all-MiniLM-L6-v2.safetensors")
}

/// `ids` fetched into the shared model folder, which is returned.
fn fetched(ids: &[&str]) -> PathBuf {
    let data = std::env::var_os("LUMINOUS_TEST_DATA").map_or_else(
        || PathBuf::from("/var/tmp/luminous-test-data"),
        PathBuf::from,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_luminous"))
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .args(["models", "fetch"])
        .args(ids)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "models fetch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    data.join("luminous")
}

pub fn espeak(out: &Path, voice: &str, rate: u32, text: &str) {
    let ok = Command::new("espeak-ng")
        .args(["-v", voice, "-s", &rate.to_string(), "-w"])
        .arg(out)
        .arg(text)
        .status()
        .expect("espeak-ng runs (apt-get install espeak-ng)")
        .success();
    assert!(ok, "espeak-ng {voice} {text}");
}

pub fn sox(args: &[&str]) {
    let ok = Command::new("sox")
        .args(args)
        .status()
        .expect("sox runs (apt-get install sox)")
        .success();
    assert!(ok, "sox {args:?}");
}

/// `text` said by espeak-ng's `voice` at `rate` words a minute, as the benchmarks' tables are
/// (`speak_table` in tests/release.sh): `out`, 16 kHz 16-bit mono, 0.2 s of silence before
/// and 0.3 s after.
pub fn said_as(out: &Path, voice: &str, rate: u32, text: &str) {
    clip(out, voice, rate, text, "0.3");
}

/// A command spoken by espeak-ng, as a 16 kHz WAV with a little silence around it.
pub fn spoken(dir: &Path, name: &str, text: &str) -> PathBuf {
    let out = dir.join(format!("{name}.wav"));
    clip(&out, "en-us", 165, text, "0.4");
    out
}

/// espeak-ng's speech as `out`, 16 kHz 16-bit mono, 0.2 s of silence before and `after`
/// seconds after; only the clip is left (a folder of clips is read whole).
fn clip(out: &Path, voice: &str, rate: u32, text: &str, after: &str) {
    let raw = out.with_extension("raw.wav");
    espeak(&raw, voice, rate, text);
    sox(&[
        raw.to_str().expect("utf8"),
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        out.to_str().expect("utf8"),
        "pad",
        "0.2",
        after,
    ]);
    let _ = std::fs::remove_file(&raw);
}

/// The loudest sample (0 to 1) of `wav` between `from` and `to` seconds.
pub fn peak(wav: &Path, from: f64, to: f64) -> f64 {
    let out = Command::new("sox")
        .arg(wav)
        .args([
            "-n",
            "trim",
            &format!("{from:.3}"),
            &format!("{:.3}", to - from),
            "stat",
        ])
        .output()
        .expect("sox");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| l.starts_with("Maximum amplitude"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Wait until the speaker, recorded live into `wav` by parecord, has spoken and then been
/// quiet for a second: the assistant has finished what it says (an answer spoken over it is
/// never taken as an answer).
pub fn wait_until_spoken(wav: &Path, seconds: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let called_at = std::fs::metadata(wav).map_or(0, |m| m.len()) as usize;
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let Ok(bytes) = std::fs::read(wav) else {
            continue;
        };
        let Some((channels, rate)) = header(&bytes) else {
            continue;
        };
        let second = rate as usize * channels * 2;
        let loudest = |from: usize, to: usize| {
            bytes
                .get(from.min(to)..to.min(bytes.len()))
                .unwrap_or_default()
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]).unsigned_abs())
                .max()
                .unwrap_or(0)
        };
        let end = bytes.len() - bytes.len() % 2;
        // Speech that began up to three seconds before the call counts.
        let from = called_at.saturating_sub(3 * second).max(44);
        let spoke = loudest(from - from % 2, end.saturating_sub(second)) > 1500;
        if spoke && end > second && loudest(end - second, end) < 300 {
            return;
        }
    }
    panic!("the speaker did not finish speaking within {seconds} s");
}

pub fn seconds(wav: &Path) -> f64 {
    let out = Command::new("soxi")
        .arg("-D")
        .arg(wav)
        .output()
        .expect("soxi");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0.0)
}

/// In a recording that may still be growing (parecord's 16-bit WAV), the first and last
/// moments (seconds) between `from` and `to` louder than `level` (0 to 1).
pub fn loud_span(wav: &Path, from: f64, to: f64, level: f64) -> Option<(f64, f64)> {
    loud_moments(wav, from, to, level).map(|t| (t[0], t[t.len() - 1]))
}

/// The first and last loud moments (as [`loud_span`]) of the first stretch of sound after
/// `from`: it ends where `gap` seconds of quiet follow.
pub fn first_stretch(wav: &Path, from: f64, to: f64, level: f64, gap: f64) -> Option<(f64, f64)> {
    let t = loud_moments(wav, from, to, level)?;
    let end = t
        .windows(2)
        .find(|w| w[1] - w[0] >= gap)
        .map_or(t[t.len() - 1], |w| w[0]);
    Some((t[0], end))
}

/// parecord's WAV header: 16-bit samples; channels at 22, rate at 24.
fn header(bytes: &[u8]) -> Option<(usize, u32)> {
    let ch = bytes.get(22..24)?;
    let rate = bytes.get(24..28)?;
    Some((
        usize::from(u16::from_le_bytes([ch[0], ch[1]])),
        u32::from_le_bytes([rate[0], rate[1], rate[2], rate[3]]),
    ))
}

/// The moments (seconds) between `from` and `to` louder than `level`; `None` if none.
fn loud_moments(wav: &Path, from: f64, to: f64, level: f64) -> Option<Vec<f64>> {
    let bytes = std::fs::read(wav).ok()?;
    let (channels, rate) = header(&bytes)?;
    let rate = f64::from(rate);
    let frame = 2 * channels.max(1);
    let at = |t: f64| 44 + (t.max(0.0) * rate) as usize * frame;
    let (start, end) = (at(from), at(to).min(bytes.len()));
    let threshold = (level * 32768.0) as u16;
    let loud: Vec<f64> = bytes
        .get(start..end)?
        .chunks_exact(frame)
        .enumerate()
        .filter(|(_, b)| i16::from_le_bytes([b[0], b[1]]).unsigned_abs() > threshold)
        .map(|(k, _)| from + k as f64 / rate)
        .collect();
    (!loud.is_empty()).then_some(loud)
}
