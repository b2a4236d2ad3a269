//! The commands that hear or speak: `say`, `hear` (a conversation of recordings), `listen`
//! (live) and `bench voice`, on the whisper and Piper models.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use luminous_dialogue::Spoken;
use luminous_store::Store;

use crate::settings::{self, Dirs};
use crate::turn::{Run, TurnArgs, offered, respond, session};
use crate::voice;

/// The saved speech rate preference.
pub(crate) fn saved_rate(dirs: &Dirs) -> f32 {
    Store::open(&dirs.store())
        .ok()
        .and_then(|s| s.preferences().ok())
        .and_then(|p| p.get("speech_rate").and_then(|v| v.parse().ok()))
        .unwrap_or(1.0)
}

/// Speak `text` to the speaker, or to `to`; returns ms to the first audio.
pub(crate) fn speak(
    voice: &mut luminous_tts::Voice,
    text: &str,
    rate: f32,
    to: Option<&Path>,
) -> anyhow::Result<u64> {
    let start = std::time::Instant::now();
    let mut first = None;
    match to {
        Some(path) => {
            let mut all = Vec::new();
            voice.speak(text, rate, |s| {
                first.get_or_insert(start.elapsed());
                all.extend_from_slice(s);
                true
            })?;
            luminous_audio::wav::write_mono(path, &all, voice.sample_rate())?;
        }
        None => {
            let speaker = luminous_audio::play::Speaker::open()?;
            let rate_hz = voice.sample_rate();
            voice.speak(text, rate, |s| {
                first.get_or_insert(start.elapsed());
                speaker.play(s.to_vec(), rate_hz);
                true
            })?;
            speaker.wait();
        }
    }
    Ok(first.map_or(0, |d| d.as_millis() as u64))
}

pub(crate) fn load_voice(m: &voice::ModelFiles) -> anyhow::Result<luminous_tts::Voice> {
    Ok(luminous_tts::Voice::load(
        &m.voice,
        &m.voice_config,
        &m.onnxruntime,
    )?)
}

pub(crate) fn say(to: Option<&Path>, rate: Option<f32>, text: &str) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let r = settings::resolve(settings::load(&dirs)?, None, None, false);
    let rate = rate.unwrap_or_else(|| saved_rate(&dirs));
    let spoken = voice::ensure(&dirs, &r.voice, false, true)
        .and_then(|m| load_voice(&m))
        .and_then(|mut v| speak(&mut v, text, rate, to));
    match spoken {
        Ok(_) => Ok(ExitCode::SUCCESS),
        // Writing a file was asked for: that failing is the error.
        Err(e) if to.is_some() => Err(e),
        // Never lose what was to be said: print it, and say why.
        Err(e) => {
            println!("{text}");
            eprintln!("Note: I could not speak this ({e}); it is printed instead.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The longest recording `hear` reads; anything after is ignored (and said so).
const HEAR_MAX_SECONDS: f32 = 120.0;

pub(crate) fn hear(
    args: &TurnArgs,
    json: bool,
    speak_to: Option<&Path>,
    quiet: bool,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let (mut s, dirs) = session(args, "voice")?;
    let m = voice::ensure(&dirs, &s.resolved.voice, true, !quiet)?;
    let load_start = std::time::Instant::now();
    let mut stt = voice::transcriber(&m, &s.resolved.voice, None)?;
    let mut seg = segmenter(&m)?;
    let mut tts = if quiet { None } else { Some(load_voice(&m)?) };
    let load_ms = load_start.elapsed().as_millis() as u64;
    let mut exit = ExitCode::SUCCESS;
    for (n, file) in files.iter().enumerate() {
        let start = std::time::Instant::now();
        let (samples, info) = luminous_audio::wav::read_16k_mono(file, HEAR_MAX_SECONDS)?;
        let read_ms = start.elapsed().as_millis() as u64;
        let Heard {
            utterance,
            transcript,
            reconsidered_from,
            vad_us,
            stt_us,
        } = hear_first(
            &mut stt,
            &mut seg,
            &samples,
            (!s.dialogue.awaiting_answer()).then_some(&*s.index.index),
        )?;
        let (vad_ms, stt_ms) = (vad_us / 1000, stt_us / 1000);
        let t = std::time::Instant::now();
        let (mut obj, mut reply) = if transcript.text.is_empty() {
            let reply = if utterance.is_none() {
                format!("I did not hear any speech in {}.", file.display())
            } else {
                "I heard something, but no words I could make out. Please say it again.".to_owned()
            };
            (
                serde_json::json!({"intent": "unknown", "slots": {}, "confidence": 0.0, "needs_confirmation": false, "options": [], "reply": reply, "plan": null}),
                reply,
            )
        } else {
            // A recording is never spoken over the assistant: only its certainty counts.
            let spoken = Spoken {
                confidence: transcript.confidence,
                overlapped: false,
                words: transcript.words.clone(),
            };
            let a = respond(
                &mut s,
                args,
                &transcript.text,
                Some(spoken),
                Run::Inline { print_start: false },
            );
            if a.exit != ExitCode::SUCCESS {
                exit = a.exit;
            }
            (a.json, a.reply)
        };
        let intent_ms = t.elapsed().as_millis() as u64;
        if info.truncated {
            reply = format!(
                "{reply} (Only the first {HEAR_MAX_SECONDS:.0} seconds of the recording were used.)"
            );
        }
        // Printed first: an answer is never lost to a speaker that fails.
        if !json {
            if !transcript.text.is_empty() {
                println!("I heard: {}", transcript.text);
            }
            println!("{reply}");
        }
        let out = speak_to.map(|p| numbered(p, n, files.len()));
        let tts_first_audio_ms = match tts.as_mut() {
            Some(v) => match speak(v, &reply, s.dialogue.prefs.speech_rate, out.as_deref()) {
                Ok(ms) => ms,
                Err(e) => {
                    eprintln!("Note: I could not speak the answer ({e}); it is printed instead.");
                    tts = None;
                    0
                }
            },
            None => 0,
        };
        obj["reply"] = serde_json::Value::String(reply.clone());
        obj["transcript"] = serde_json::Value::String(transcript.text.clone());
        if let Some(w) = &reconsidered_from {
            obj["reconsidered_from"] = serde_json::Value::String(w.clone());
        }
        obj["speech_confidence"] =
            serde_json::json!((f64::from(transcript.confidence) * 1000.0).round() / 1000.0);
        obj["words"] = transcript
            .words
            .iter()
            .map(|(w, p)| serde_json::json!([w, (f64::from(*p) * 1000.0).round() / 1000.0]))
            .collect();
        obj["timings"] = serde_json::json!({
            "read_ms": read_ms,
            "vad_ms": vad_ms,
            "stt_ms": stt_ms,
            "intent_ms": intent_ms,
            "tts_first_audio_ms": tts_first_audio_ms,
            "total_ms": vad_ms + stt_ms + intent_ms + tts_first_audio_ms,
            "load_ms": load_ms,
        });
        if let Some(u) = &utterance {
            obj["speech"] = serde_json::json!({"start_ms": u.start_ms, "end_ms": u.end_ms});
        }
        if json {
            println!("{obj}");
        }
    }
    Ok(exit)
}

/// `out.wav` for one recording; `out-1.wav`, `out-2.wav`, ... for several.
fn numbered(path: &Path, n: usize, of: usize) -> PathBuf {
    if of < 2 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!("{stem}-{}{ext}", n + 1))
}

/// The segmenter with the detector the settings choose.
fn segmenter(m: &voice::ModelFiles) -> anyhow::Result<luminous_audio::segment::Segmenter> {
    Ok(luminous_audio::segment::Segmenter::with_detector(
        luminous_audio::segment::Config::default(),
        voice::detector(m)?,
    ))
}

/// The first utterance of a recording and what was heard in it, with the time each took.
struct Heard {
    utterance: Option<luminous_audio::segment::Utterance>,
    transcript: luminous_stt::Transcript,
    /// Whisper's own words, when a request like them was taken instead.
    reconsidered_from: Option<String>,
    vad_us: u64,
    stt_us: u64,
}

/// The first utterance of `samples` and what whisper made of it; with `reconsider` (when no
/// answer is awaited), a request like the one heard that the rules understand and that fits
/// the sound about as well may be taken instead (see `rescore`).
fn hear_first(
    stt: &mut luminous_stt::Transcriber,
    seg: &mut luminous_audio::segment::Segmenter,
    samples: &[f32],
    reconsider: Option<&luminous_intent::PackageIndex>,
) -> anyhow::Result<Heard> {
    let t = std::time::Instant::now();
    let utterance = seg.recording(samples).into_iter().next();
    let vad_us = t.elapsed().as_micros() as u64;
    let t = std::time::Instant::now();
    let mut reconsidered_from = None;
    let transcript = match &utterance {
        Some(u) => {
            let t = stt.transcribe(&u.samples)?;
            match reconsider.and_then(|i| crate::rescore::better_request(stt, &t.text, &t.text, i))
            {
                Some(better) => {
                    reconsidered_from = Some(t.text.clone());
                    crate::rescore::replaced(t, better)
                }
                None => t,
            }
        }
        None => luminous_stt::Transcript {
            text: String::new(),
            no_speech: 1.0,
            confidence: 0.0,
            words: vec![],
        },
    };
    Ok(Heard {
        utterance,
        transcript,
        reconsidered_from,
        vad_us,
        stt_us: t.elapsed().as_micros() as u64,
    })
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// The WAV recordings in the folder `dir`, in name order; none is an error.
pub(crate) fn wav_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!("there are no WAV files in {}", dir.display());
    }
    Ok(files)
}

pub(crate) fn bench_voice(args: &TurnArgs, json: bool, dir: &Path) -> anyhow::Result<ExitCode> {
    let (mut s, dirs) = session(args, "voice")?;
    let m = voice::ensure(&dirs, &s.resolved.voice, true, true)?;
    let t = std::time::Instant::now();
    let mut stt = voice::transcriber(&m, &s.resolved.voice, None)?;
    let mut seg = segmenter(&m)?;
    let stt_load_ms = t.elapsed().as_millis() as u64;
    let t = std::time::Instant::now();
    let mut tts = load_voice(&m)?;
    let tts_load_ms = t.elapsed().as_millis() as u64;
    let files = wav_files(dir)?;
    let (mut vad, mut sttv, mut intent, mut first, mut total, mut audio) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut rows = Vec::new();
    for f in &files {
        let (samples, _) = match luminous_audio::wav::read_16k_mono(f, HEAR_MAX_SECONDS) {
            Ok(x) => x,
            Err(e) => {
                rows.push(
                    serde_json::json!({"file": f.display().to_string(), "error": e.to_string()}),
                );
                continue;
            }
        };
        let Heard {
            utterance: u,
            transcript,
            reconsidered_from,
            vad_us,
            stt_us,
        } = hear_first(
            &mut stt,
            &mut seg,
            &samples,
            // Each recording is its own first turn: never an answer.
            Some(&*s.index.index),
        )?;
        let text = transcript.text;
        let t = std::time::Instant::now();
        // A fresh conversation per file: each recording is its own first turn.
        s.dialogue = luminous_dialogue::Dialogue::new(s.dialogue.prefs);
        let turn = s.turn(&text);
        let intent_us = t.elapsed().as_micros() as u64;
        let t = std::time::Instant::now();
        let mut first_us = 0;
        tts.speak(&turn.reply.text, 1.0, |_| {
            first_us = t.elapsed().as_micros() as u64;
            false
        })?;
        let total_us = vad_us + stt_us + intent_us + first_us;
        vad.push(vad_us);
        sttv.push(stt_us);
        intent.push(intent_us);
        first.push(first_us);
        total.push(total_us);
        audio.push(u.as_ref().map_or(0, |u| (u.end_ms - u.start_ms) * 1000));
        let ms = |us: u64| (us as f64 / 100.0).round() / 10.0;
        rows.push(serde_json::json!({
            "file": f.file_name().map(|n| n.to_string_lossy().into_owned()),
            "transcript": text,
            "reconsidered_from": reconsidered_from,
            "intent": turn.interpretation.intent,
            "slots": turn.interpretation.slots,
            "options": offered(&turn.action),
            "reply": turn.reply.text,
            "timings": {"vad_ms": ms(vad_us), "stt_ms": ms(stt_us), "intent_ms": ms(intent_us), "tts_first_audio_ms": ms(first_us), "total_ms": ms(total_us)},
        }));
    }
    let ms = |us: u64| (us as f64 / 100.0).round() / 10.0;
    let medians = serde_json::json!({
        "files": rows.len(),
        "speech_ms": ms(median(&mut audio)),
        "vad_ms": ms(median(&mut vad)),
        "stt_ms": ms(median(&mut sttv)),
        "intent_ms": ms(median(&mut intent)),
        "tts_first_audio_ms": ms(median(&mut first)),
        "total_ms": ms(median(&mut total)),
        "stt_load_ms": stt_load_ms,
        "tts_load_ms": tts_load_ms,
    });
    if json {
        // Whisper's prompt, so that a comparison gives another recogniser the same one.
        let prompt = stt.options().prompt.clone();
        println!(
            "{}",
            serde_json::json!({"results": rows, "medians": medians, "prompt": prompt})
        );
    } else {
        for r in &rows {
            println!(
                "{}: heard \"{}\", {}",
                r["file"].as_str().unwrap_or("?"),
                r["transcript"].as_str().unwrap_or(""),
                r["intent"].as_str().unwrap_or("error")
            );
        }
        println!("Medians over {} recordings: {medians}", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}
