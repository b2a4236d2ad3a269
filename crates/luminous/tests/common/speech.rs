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
    let data = std::env::var_os("LUMINOUS_TEST_DATA").map_or_else(
        || PathBuf::from("/var/tmp/luminous-test-data"),
        PathBuf::from,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_luminous"))
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .args([
            "models",
            "fetch",
            "whisper-tiny.en",
            "onnxruntime",
            "silero-vad",
            "en_US-joe-medium",
        ])
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

/// A command spoken by espeak-ng, as a 16 kHz WAV with a little silence around it.
pub fn spoken(dir: &Path, name: &str, text: &str) -> PathBuf {
    let raw = dir.join(format!("{name}-raw.wav"));
    espeak(&raw, "en-us", 165, text);
    let out = dir.join(format!("{name}.wav"));
    sox(&[
        raw.to_str().expect("utf8"),
        "-r",
        "16000",
        "-c",
        "1",
        out.to_str().expect("utf8"),
        "pad",
        "0.2",
        "0.4",
    ]);
    out
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
        // parecord's header: 16-bit samples; channels at 22, rate at 24.
        let (Some(ch), Some(rate)) = (bytes.get(22..24), bytes.get(24..28)) else {
            continue;
        };
        let channels = u64::from(u16::from_le_bytes([ch[0], ch[1]]));
        let rate = u64::from(u32::from_le_bytes([rate[0], rate[1], rate[2], rate[3]]));
        let second = (rate * channels * 2) as usize;
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
