//! `luminous bench wake` and `luminous bench noise`: how often hands-free listening wakes when
//! it should and when it should not. The first feeds recordings one at a time to fresh ears
//! that wait for the wake phrase and says which woke them; the second feeds minutes of a
//! recording of noise and counts the utterances the voice activity detector opened (false
//! starts, each a whisper run) and the requests taken from them (false accepts).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::ears::{Ears, Heard, Options, Transcribe};
use crate::rescore::Hearing;
use crate::voice::ModelFiles;

const RATE: usize = 16_000;

/// Ears for hands-free listening that wait for `wake`, with the detector `m` names.
pub(crate) fn ears(wake: &str, m: &ModelFiles, now: Instant) -> anyhow::Result<Ears> {
    Ok(Ears::new(
        Options {
            wake: Some(wake.to_owned()),
            follow_up: Duration::from_secs(8),
        },
        true,
        Box::new(|_| false),
        crate::voice::detector(m)?,
        now,
    ))
}

/// Feed `sound` in 64 ms chunks from `clock`; returns what was heard and the clock after.
pub(crate) fn feed(
    e: &mut Ears,
    sound: &[f32],
    mut clock: Instant,
    stt: &mut dyn Transcribe,
) -> (Vec<Heard>, Instant) {
    let mut heard = Vec::new();
    for chunk in sound.chunks(1024) {
        clock += Duration::from_secs_f64(chunk.len() as f64 / RATE as f64);
        heard.extend(e.audio(chunk, clock, false, stt));
    }
    (heard, clock)
}

fn wavs(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(crate::spoken::wav_files(p)?);
        } else {
            out.push(p.clone());
        }
    }
    anyhow::ensure!(
        !out.is_empty(),
        "there are no WAV recordings in what was named"
    );
    Ok(out)
}

/// Whisper as the service hears with it (a misspelt wake phrase judged again on the sound),
/// with the curated programs for names (whether it wakes does not depend on the index).
fn hearing(stt: luminous_stt::Transcriber) -> Hearing {
    Hearing {
        stt,
        index: std::sync::Arc::new(luminous_intent::curated_index()),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<f32>> {
    let (samples, _) = luminous_audio::wav::read_16k_mono(path, 600.0)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(samples)
}

/// `luminous bench wake`: each recording, then a second and a half of silence, to fresh ears.
pub(crate) fn wake(
    stt: luminous_stt::Transcriber,
    m: &ModelFiles,
    phrase: &str,
    paths: &[PathBuf],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut stt = hearing(stt);
    let files = wavs(paths)?;
    let mut results = Vec::new();
    let mut woke = 0usize;
    for f in &files {
        let mut sound = read(f)?;
        sound.extend(std::iter::repeat_n(0.0, RATE * 3 / 2));
        let start = Instant::now();
        let mut e = ears(phrase, m, start)?;
        let (heard, _) = feed(&mut e, &sound, start, &mut stt);
        let mut transcripts = Vec::new();
        let mut request = None;
        for h in heard {
            match h {
                Heard::Request(r) => {
                    transcripts.push(r.heard.clone());
                    request.get_or_insert(r.request);
                }
                Heard::Ignored(t) => transcripts.push(t),
                _ => {}
            }
        }
        woke += usize::from(request.is_some());
        let name = f
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        if !json {
            println!(
                "{name}: {} (heard: {})",
                match &request {
                    Some(r) if r.is_empty() => "woke, the wake phrase alone".to_owned(),
                    Some(r) => format!("woke, request {r:?}"),
                    None => "did not wake".to_owned(),
                },
                transcripts.join(" / ")
            );
        }
        results.push(serde_json::json!({
            "file": name,
            "woke": request.is_some(),
            "request": request,
            "heard": transcripts,
        }));
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"phrase": phrase, "recordings": files.len(), "woke": woke, "results": results})
        );
    } else {
        println!("Woke on {woke} of {} recordings.", files.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `luminous bench noise`: `minutes` of `noise` (looped) to ears waiting for the wake phrase.
pub(crate) fn noise(
    stt: luminous_stt::Transcriber,
    m: &ModelFiles,
    phrase: &str,
    noise: &Path,
    minutes: u32,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut stt = hearing(stt);
    let sound = read(noise)?;
    anyhow::ensure!(
        sound.len() >= RATE,
        "{} is shorter than a second",
        noise.display()
    );
    let start = Instant::now();
    let mut e = ears(phrase, m, start)?;
    let mut clock = start;
    let (mut starts, mut accepts) = (0usize, Vec::new());
    let total = RATE * 60 * minutes as usize;
    let mut fed = 0;
    while fed < total {
        let take = (total - fed).min(sound.len());
        let (heard, now) = feed(&mut e, &sound[..take], clock, &mut stt);
        clock = now;
        fed += take;
        for h in heard {
            match h {
                Heard::Speech(true) => starts += 1,
                Heard::Request(r) => accepts.push(r.heard),
                _ => {}
            }
        }
    }
    let per_minute = (starts as f64 / f64::from(minutes.max(1)) * 10.0).round() / 10.0;
    let out = serde_json::json!({
        "noise": noise.display().to_string(),
        "minutes": minutes,
        "false_starts": starts,
        "false_starts_per_minute": per_minute,
        "false_accepts": accepts.len(),
        "accepted": accepts,
    });
    if json {
        println!("{out}");
    } else {
        println!(
            "{minutes} minutes of {}: {starts} false starts ({per_minute} a minute), {} taken as requests.",
            noise.display(),
            accepts.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
