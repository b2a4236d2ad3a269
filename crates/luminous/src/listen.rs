//! `luminous listen`: the live voice loop. The microphone is resampled to 16 kHz and cut into
//! utterances; each is transcribed and answered through the same path as `ask`, and the
//! answer is spoken while listening goes on, so speaking over the assistant stops it
//! (barge-in). Hands-free, a request starts with the wake phrase, except while an answer is
//! awaited or shortly after a reply; with push-to-talk, Enter arms the next utterance.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use luminous_audio::earcon::{self, Earcon};
use luminous_audio::mic::{Captured, Microphone};
use luminous_audio::play::Speaker;
use luminous_audio::segment::{Config, Segmenter};
use luminous_audio::wav::To16k;

use crate::engine::Session;

/// Voiced frames in a row (30 ms each) that stop the assistant's speech: barge-in does not
/// wait for the utterance to be confirmed as speech.
const BARGE_IN_AFTER: usize = 2;

/// A microphone that has delivered nothing for this long is treated as gone.
const SILENT_STREAM: Duration = Duration::from_secs(3);

/// Frames of silence (30 ms each) after which the words so far are transcribed ahead of the
/// end of the utterance. When they are a whole request the utterance ends there, and whisper's
/// work is already done when it ends anyway: both take it off the voice-to-voice latency.
const SPECULATE_AFTER: usize = 6;

/// Options of the loop.
#[derive(Debug, Clone)]
pub struct Options {
    /// Enter arms each request instead of the wake phrase.
    pub push_to_talk: bool,
    /// Hands-free without a wake phrase (every utterance is a request).
    pub always: bool,
    /// The wake phrase.
    pub wake: String,
    /// Play the state tones (listening started, stopped, error).
    pub earcons: bool,
    /// How long after a reply a follow-up needs no wake phrase.
    pub follow_up: Duration,
}

fn say_earcon(speaker: Option<&Speaker>, opts: &Options, e: Earcon) {
    if let Some(s) = speaker.filter(|_| opts.earcons) {
        s.play(earcon::render(e, 22_050), 22_050);
    }
}

/// Run until Ctrl-C. `respond` answers one transcript (the shared path with `ask`).
pub fn run(
    s: &mut Session,
    stt: &mut luminous_stt::Transcriber,
    mut tts: Option<luminous_tts::Voice>,
    opts: &Options,
    mut respond: impl FnMut(&mut Session, &str) -> String,
) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // A second Ctrl-C while stopping ends at once, as people expect.
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        })?;
    }
    let armed = Arc::new(AtomicUsize::new(0));
    if opts.push_to_talk {
        let armed = Arc::clone(&armed);
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                armed.fetch_add(1, Ordering::SeqCst);
                println!("Listening.");
                line.clear();
            }
        });
    }
    let mut speaker = match Speaker::open() {
        Ok(sp) => Some(sp),
        Err(e) => {
            println!("{e}. Answers will be printed only.");
            None
        }
    };
    if speaker.is_none() {
        tts = None;
    }
    let mut mic = match Microphone::open() {
        Ok(m) => m,
        Err(e) => anyhow::bail!("{e}. You can use the text mode instead: luminous chat"),
    };
    let how = if opts.push_to_talk {
        "Press Enter, then speak.".to_owned()
    } else if opts.always {
        "Speak when you are ready.".to_owned()
    } else {
        format!("Say {} and your request.", opts.wake)
    };
    println!("Listening. {how} Press Ctrl-C to stop.");
    say_earcon(speaker.as_ref(), opts, Earcon::ListeningStarted);
    let mut conv = To16k::new(mic.rate()).map_err(anyhow::Error::msg)?;
    let mut seg = Segmenter::new(Config::default());
    let mut buf = Vec::new();
    let mut awake_until: Option<Instant> = None;
    // A reply is playing; the follow-up window opens when it has finished.
    let mut replying = false;
    // The speculative transcript: the (start, end) of speech it covers, and its text (None when
    // whisper failed: the failure is met again, and reported, when the utterance ends).
    let mut early: Option<((u64, u64), Option<String>)> = None;
    let mut last_sound = Instant::now();
    // LUMINOUS_DEBUG=1: what each utterance was heard as, on standard error.
    let debug = std::env::var_os("LUMINOUS_DEBUG").is_some_and(|v| v == "1");
    'listening: while !stop.load(Ordering::SeqCst) {
        let lost = match mic.next(Duration::from_millis(50)) {
            // A stream that stops delivering without an error is lost too.
            None if last_sound.elapsed() >= SILENT_STREAM => Some(format!(
                "no sound has come from it for {} seconds",
                SILENT_STREAM.as_secs()
            )),
            None => None,
            Some(Captured::Lost(why)) => Some(why),
            Some(Captured::Audio(chunk)) => {
                last_sound = Instant::now();
                conv.push(&chunk, &mut buf);
                None
            }
        };
        if let Some(why) = lost {
            // The plain words for the user; the device's own words for whoever debugs it.
            println!("The microphone stopped working. I will keep trying; press Ctrl-C to stop.");
            eprintln!("microphone: {why}");
            say_earcon(speaker.as_ref(), opts, Earcon::Error);
            // What was being said is incomplete: drop it rather than act on half a request.
            seg = Segmenter::new(Config::default());
            early = None;
            buf.clear();
            drop(mic);
            mic = loop {
                if stop.load(Ordering::SeqCst) {
                    break 'listening;
                }
                std::thread::sleep(Duration::from_secs(2));
                if let Ok(m) = Microphone::open() {
                    println!("The microphone works again.");
                    break m;
                }
            };
            conv = To16k::new(mic.rate()).map_err(anyhow::Error::msg)?;
            last_sound = Instant::now();
            continue;
        }
        if speaker.as_ref().is_some_and(Speaker::broken) {
            // A device that failed (an underrun it did not recover from, a headset unplugged):
            // open the default one again; meanwhile answers are printed.
            speaker = Speaker::open().ok();
            if speaker.is_none() {
                println!("The speaker stopped working. Answers will be printed only.");
                tts = None;
            }
        }
        if replying && speaker.as_ref().is_none_or(Speaker::idle) {
            replying = false;
            awake_until = Some(Instant::now() + opts.follow_up);
        }
        if let Some(sp) = speaker.as_ref() {
            sp.rest();
        }
        let mut done = seg.push(&buf);
        buf.clear();
        // Barge-in: the user speaks while the assistant talks.
        if (seg.in_speech() || seg.voiced_run() >= BARGE_IN_AFTER)
            && let Some(sp) = speaker.as_ref()
            && !sp.idle()
        {
            sp.stop();
        }
        let wanted = !opts.push_to_talk || armed.load(Ordering::SeqCst) > 0;
        if done.is_empty()
            && wanted
            && seg.trailing_silence().is_some_and(|n| n >= SPECULATE_AFTER)
            && let Some(u) = seg.so_far()
            && early
                .as_ref()
                .is_none_or(|(k, _)| *k != (u.start_ms, u.end_ms))
        {
            let text = stt.transcribe(&u.samples).ok().map(|t| t.text);
            let whole = text.as_deref().is_some_and(|t| {
                let request = luminous_intent::wake::strip_wake(t, &opts.wake);
                luminous_intent::is_whole_request(request.as_deref().unwrap_or(t), &s.index.index)
            });
            early = Some(((u.start_ms, u.end_ms), text));
            if whole {
                done.extend(seg.finish());
            }
        }
        for u in done {
            if opts.push_to_talk {
                if armed.load(Ordering::SeqCst) == 0 {
                    continue;
                }
                armed.fetch_sub(1, Ordering::SeqCst);
            }
            // The early transcript holds when no speech came after it.
            let ahead = early
                .take()
                .filter(|(k, _)| *k == (u.start_ms, u.end_ms))
                .and_then(|(_, text)| text);
            let heard = match ahead.map_or_else(|| stt.transcribe(&u.samples).map(|t| t.text), Ok) {
                Ok(t) => t,
                Err(e) => {
                    println!("{e}");
                    say_earcon(speaker.as_ref(), opts, Earcon::Error);
                    continue;
                }
            };
            if debug {
                eprintln!("utterance {}-{} ms: {heard:?}", u.start_ms, u.end_ms);
            }
            if heard.is_empty() {
                continue;
            }
            let awake = opts.push_to_talk
                || opts.always
                || s.dialogue.awaiting_answer()
                || replying
                || awake_until.is_some_and(|t| Instant::now() < t);
            let request = if awake {
                luminous_intent::wake::strip_wake(&heard, &opts.wake)
                    .unwrap_or_else(|| heard.clone())
            } else {
                match luminous_intent::wake::strip_wake(&heard, &opts.wake) {
                    Some(rest) => rest,
                    // Not for us: people talk to each other too.
                    None => continue,
                }
            };
            // The tone says "heard you": only for requests, not for people talking nearby.
            say_earcon(speaker.as_ref(), opts, Earcon::ListeningStopped);
            println!("You said: {heard}");
            let reply = if request.trim().is_empty() {
                "Yes?".to_owned()
            } else {
                respond(s, &request)
            };
            println!("{reply}");
            if let (Some(v), Some(sp)) = (tts.as_mut(), speaker.as_ref()) {
                let rate = s.dialogue.prefs.speech_rate;
                let hz = v.sample_rate();
                if !s.dialogue.prefs.quiet {
                    v.speak(&reply, rate, |chunk| {
                        sp.play(chunk.to_vec(), hz);
                        !stop.load(Ordering::SeqCst)
                    })?;
                }
            }
            replying = true;
        }
    }
    println!("Stopped listening.");
    Ok(())
}
