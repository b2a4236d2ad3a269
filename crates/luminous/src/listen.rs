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

/// Stretches of the input stream (in ms from its start) during which the assistant was
/// audible, the last minute's worth.
#[derive(Debug, Default)]
struct TalkSpans {
    fed: u64,
    spans: std::collections::VecDeque<(u64, u64)>,
}

impl TalkSpans {
    /// `samples` more of 16 kHz input arrived; `talking` says whether the assistant was
    /// audible meanwhile.
    fn advance(&mut self, samples: usize, talking: bool) {
        let from = self.fed * 1000 / 16_000;
        self.fed += samples as u64;
        let to = self.fed * 1000 / 16_000;
        if talking {
            match self.spans.back_mut() {
                Some(last) if last.1 >= from => last.1 = to,
                _ => self.spans.push_back((from, to)),
            }
        }
        while self.spans.front().is_some_and(|s| s.1 + 60_000 < to) {
            self.spans.pop_front();
        }
    }

    /// Whether speech from `start` to `end` ms overlapped the assistant's.
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.spans.iter().any(|&(a, b)| a <= end && b >= start)
    }
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
    mut respond: impl FnMut(&mut Session, &str, luminous_dialogue::Spoken) -> String,
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
    // The speculative transcript: the (start, end) of speech it covers, and what whisper made of
    // it (None when whisper failed: the failure is met again, and reported, when the utterance
    // ends).
    let mut early: Option<((u64, u64), Option<luminous_stt::Transcript>)> = None;
    // When the assistant was audible, on the segmenter's own timeline: an utterance that
    // overlaps it is never taken as an answer (often it is the assistant's voice heard back).
    let mut talk = TalkSpans::default();
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
            talk = TalkSpans::default();
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
        let talking = speaker.as_ref().is_some_and(|sp| !sp.idle());
        talk.advance(buf.len(), talking);
        let mut done = seg.push(&buf);
        buf.clear();
        // Barge-in: the user speaks while the assistant talks.
        if (seg.in_speech() || seg.voiced_run() >= BARGE_IN_AFTER)
            && let Some(sp) = speaker.as_ref()
            && talking
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
            let heard = stt.transcribe(&u.samples).ok();
            let whole = heard.as_ref().is_some_and(|t| {
                let request = luminous_intent::wake::strip_wake(&t.text, &opts.wake);
                luminous_intent::is_whole_request(
                    request.as_deref().unwrap_or(&t.text),
                    &s.index.index,
                )
            });
            early = Some(((u.start_ms, u.end_ms), heard));
            if whole {
                done.extend(seg.finish());
            }
        }
        for u in done {
            let over = talk.overlaps(u.start_ms, u.end_ms);
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
            let transcript = match ahead.map_or_else(|| stt.transcribe(&u.samples), Ok) {
                Ok(t) => t,
                Err(e) => {
                    println!("{e}");
                    say_earcon(speaker.as_ref(), opts, Earcon::Error);
                    continue;
                }
            };
            let heard = transcript.text.clone();
            let spoken = luminous_dialogue::Spoken {
                confidence: transcript.confidence,
                overlapped: over,
                words: transcript.words.clone(),
            };
            if debug {
                eprintln!(
                    "utterance {}-{} ms: {heard:?} (confidence {:.2}{})",
                    u.start_ms,
                    u.end_ms,
                    spoken.confidence,
                    if over {
                        ", over the assistant's speech"
                    } else {
                        ""
                    }
                );
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
                respond(s, &request, spoken)
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

#[cfg(test)]
mod tests {
    use super::TalkSpans;

    #[test]
    fn speech_over_the_assistant_is_known_by_the_stream_timeline() {
        let mut t = TalkSpans::default();
        t.advance(16_000, false); // 0-1000 ms: quiet
        t.advance(8_000, true); // 1000-1500 ms: the assistant talks
        t.advance(8_000, true); // 1500-2000 ms
        t.advance(16_000, false); // 2000-3000 ms: quiet again
        assert!(t.overlaps(1900, 2600), "started while it talked");
        assert!(t.overlaps(500, 1100), "ran into its speech");
        assert!(!t.overlaps(2100, 2900), "after it stopped");
        assert!(!t.overlaps(0, 900));
        t.advance(16_000 * 70, false);
        assert!(!t.overlaps(1900, 2600), "forgotten after a minute");
    }
}
