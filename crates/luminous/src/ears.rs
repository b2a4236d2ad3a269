//! The ears: what the microphone's audio means, as a state machine that does no I/O. 16 kHz
//! audio, key presses and what the host says about replies go in; barge-in, requests and
//! push-to-talk captures come out. Time comes in with each call and whisper sits behind
//! [`Transcribe`], so every rule is table-tested with fakes; `listening.rs` drives it from
//! the real microphone, for `listen` and `daemon` alike.
//!
//! The rules:
//! - Hands-free (when listening is on), an utterance is a request when it starts with the
//!   wake phrase, or without it while an answer is awaited, while a reply is coming or being
//!   said, and for a short follow-up window after it. Everything else is people talking to
//!   each other, and ignored.
//! - Push-to-talk works whether listening is on or not: held, what is said between press
//!   and release is one request; toggled (for users who cannot hold a key), the capture ends
//!   at the end of speech or at the next toggle. A press stops the assistant's speech.
//! - Speech over the assistant's speech stops it (barge-in), and is marked as overlapped so
//!   the dialogue never takes it as an answer.
//! - After a short pause the words so far are transcribed ahead of the end of the utterance;
//!   when they are a whole request the utterance ends there.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use luminous_audio::segment::{Config, Detector, Segmenter, Utterance};
use luminous_dialogue::Spoken;
use luminous_stt::Transcript;

/// Voiced frames in a row (30 ms each) that stop the assistant's speech: barge-in does not
/// wait for the utterance to be confirmed as speech.
const BARGE_IN_AFTER: usize = 2;

/// Frames of silence (30 ms each) after which the words so far are transcribed ahead of the
/// end of the utterance. Whisper takes longer than the pause that commits a whole request
/// ([`END_WHOLE_AFTER`]), so starting it earlier is what brings the answer sooner.
const SPECULATE_AFTER: usize = 3;

/// Frames of silence (30 ms each) after which an utterance whose early transcript is a whole
/// request ends, instead of after the segmenter's hangover.
const END_WHOLE_AFTER: usize = 6;

/// A toggled capture in which nobody speaks ends after this long.
const TOGGLE_SILENT_FOR: Duration = Duration::from_secs(8);

/// The longest push-to-talk capture: a key held longer is treated as released.
const CAPTURE_MAX: Duration = Duration::from_secs(30);

/// Speech recognition, as the ears need it.
pub trait Transcribe {
    /// The words in 16 kHz mono `samples`, or why they could not be had.
    fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, String>;

    /// For `request`, the part after any wake phrase of `heard` (what the last
    /// [`Transcribe::transcribe`] gave), a request that fits the same sound and that the rules
    /// understand better (see `rescore`); `None` keeps what was heard.
    fn reconsider(&mut self, heard: &str, request: &str) -> Option<String> {
        let _ = (heard, request);
        None
    }

    /// Whether the wake phrase `phrase` may have been said where the last
    /// [`Transcribe::transcribe`] wrote `heard` without it: the request after it, or `None`.
    fn called(&mut self, heard: &str, phrase: &str) -> Option<String> {
        let _ = (heard, phrase);
        None
    }
}

impl Transcribe for luminous_stt::Transcriber {
    fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, String> {
        luminous_stt::Transcriber::transcribe(self, samples).map_err(|e| e.to_string())
    }
}

/// How hands-free listening starts a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The wake phrase; `None`: every utterance is a request.
    pub wake: Option<String>,
    /// How long after a reply a follow-up needs no wake phrase.
    pub follow_up: Duration,
}

/// What the ears tell the host.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// Stop the assistant's speech now: the user talks over it, or pressed the key.
    StopSpeech,
    /// A push-to-talk capture opened (true) or closed (false).
    Capture(bool),
    /// Speech started (true) or ended (false): the state `hearing`.
    Speech(bool),
    /// A request, or an answer, for the dialogue.
    Request(Request),
    /// Words not addressed to the assistant (no wake phrase), for debugging only.
    Ignored(String),
    /// An utterance whisper could not transcribe, with whisper's reason.
    Failed(String),
    /// A push-to-talk capture ended with no speech in it.
    Nothing,
}

/// One request heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Everything heard, as whisper wrote it.
    pub heard: String,
    /// The request, without the wake phrase (empty: the wake phrase alone).
    pub request: String,
    /// How it was spoken.
    pub spoken: Spoken,
    /// Where it was in the stream, in ms.
    pub at: (u64, u64),
}

/// The ways a push-to-talk key is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Held down: the capture ends at release.
    Held,
    /// Pressed once: the capture ends at the end of speech, or at the next toggle.
    Toggled,
}

#[derive(Debug)]
struct Capture {
    hold: Hold,
    opened: Instant,
    /// Utterances that ended during the capture.
    ended: Vec<Utterance>,
}

/// Where the reply to the last request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// None is coming.
    None,
    /// A request went out; the reply has not come yet.
    Coming,
    /// Given to the speaker: the follow-up window opens once it is quiet.
    Said,
}

/// Stretches of the input stream (in ms from its start) during which the assistant was
/// audible, the last minute's worth.
#[derive(Debug, Default)]
struct TalkSpans {
    fed: u64,
    spans: VecDeque<(u64, u64)>,
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

/// The ears' state.
pub struct Ears {
    opts: Options,
    whole: Box<dyn Fn(&str) -> bool + Send>,
    seg: Segmenter,
    talk: TalkSpans,
    /// The speculative transcript: the span of speech it covers, what whisper made of it
    /// (`None` when whisper failed: the failure is met again when the utterance ends), and
    /// whether it is a whole request.
    early: Option<((u64, u64), Option<Transcript>, bool)>,
    listening: bool,
    capture: Option<Capture>,
    reply: Reply,
    awake_until: Option<Instant>,
    awaiting_answer: bool,
    speech: bool,
    /// The time of the latest input.
    now: Instant,
}

impl std::fmt::Debug for Ears {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ears")
            .field("listening", &self.listening)
            .field("capture", &self.capture)
            .field("reply", &self.reply)
            .finish_non_exhaustive()
    }
}

impl Ears {
    /// Ears with `opts`; hands-free listening on or off. `whole` says whether words are
    /// already a whole request (semantic endpointing; see `luminous_intent::is_whole_request`);
    /// `detector` tells speech from other sound.
    pub fn new(
        opts: Options,
        listening: bool,
        whole: Box<dyn Fn(&str) -> bool + Send>,
        detector: Box<dyn Detector>,
        now: Instant,
    ) -> Ears {
        Ears {
            opts,
            whole,
            seg: Segmenter::with_detector(Config::default(), detector),
            talk: TalkSpans::default(),
            early: None,
            listening,
            capture: None,
            reply: Reply::None,
            awake_until: None,
            awaiting_answer: false,
            speech: false,
            now,
        }
    }

    /// Whether audio is wanted now: hands-free listening is on or a capture is open. When
    /// not, the host may pause the microphone.
    pub fn wants_audio(&self) -> bool {
        self.listening || self.capture.is_some()
    }

    /// Turn hands-free listening on or off; off drops what was being said.
    pub fn set_listening(&mut self, on: bool) -> Vec<Heard> {
        self.listening = on;
        if on || self.capture.is_some() {
            return vec![];
        }
        self.drop_partial()
    }

    /// The audio stream broke off (the microphone was lost or closed): what was being said
    /// is incomplete, and is dropped rather than acted on as half a request.
    pub fn lost(&mut self) -> Vec<Heard> {
        let mut out = self.drop_partial();
        if self.capture.take().is_some() {
            out.push(Heard::Capture(false));
        }
        out
    }

    fn drop_partial(&mut self) -> Vec<Heard> {
        self.seg.reset();
        self.talk = TalkSpans::default();
        self.early = None;
        self.speech_changed(false)
    }

    fn speech_changed(&mut self, now: bool) -> Vec<Heard> {
        if now == self.speech {
            return vec![];
        }
        self.speech = now;
        vec![Heard::Speech(now)]
    }

    /// The host gave the reply to the last request to the speaker (or printed it), and
    /// whether the dialogue now awaits an answer.
    pub fn replied(&mut self, awaiting_answer: bool) {
        self.awaiting_answer = awaiting_answer;
        if self.reply == Reply::Coming {
            self.reply = Reply::Said;
        }
    }

    /// The push-to-talk key went down.
    pub fn press(&mut self, now: Instant, talking: bool) -> Vec<Heard> {
        self.now = now;
        if self.capture.is_some() {
            return vec![];
        }
        self.open_capture(now, Hold::Held, talking)
    }

    /// The push-to-talk key came up: the request is complete.
    pub fn release(&mut self, now: Instant, stt: &mut dyn Transcribe) -> Vec<Heard> {
        self.now = now;
        match self.capture.as_ref().map(|c| c.hold) {
            Some(Hold::Held) => self.close_capture(stt),
            _ => vec![],
        }
    }

    /// One key, or no holding: opens a capture, or ends the one that is open.
    pub fn toggle(&mut self, now: Instant, talking: bool, stt: &mut dyn Transcribe) -> Vec<Heard> {
        self.now = now;
        if self.capture.is_some() {
            self.close_capture(stt)
        } else {
            self.open_capture(now, Hold::Toggled, talking)
        }
    }

    fn open_capture(&mut self, now: Instant, hold: Hold, talking: bool) -> Vec<Heard> {
        let mut out = Vec::new();
        if talking {
            out.push(Heard::StopSpeech);
        }
        // The key takes over from whatever hands-free listening was hearing.
        out.extend(self.drop_partial());
        self.capture = Some(Capture {
            hold,
            opened: now,
            ended: Vec::new(),
        });
        out.push(Heard::Capture(true));
        out
    }

    /// End the open capture: what was said in it is one request.
    fn close_capture(&mut self, stt: &mut dyn Transcribe) -> Vec<Heard> {
        let Some(c) = self.capture.take() else {
            return vec![];
        };
        let mut parts = c.ended;
        parts.extend(self.seg.finish());
        let mut out = self.speech_changed(false);
        out.push(Heard::Capture(false));
        let utterance = match parts.len() {
            0 => {
                self.early = None;
                out.push(Heard::Nothing);
                return out;
            }
            1 => parts.remove(0),
            _ => Utterance {
                start_ms: parts[0].start_ms,
                end_ms: parts[parts.len() - 1].end_ms,
                cut: false,
                samples: parts.into_iter().flat_map(|u| u.samples).collect(),
            },
        };
        out.extend(self.transcribed(utterance, true, stt));
        out
    }

    /// Nothing came from the microphone, but time passed: a toggled capture with no speech
    /// in it ends, and so does one held too long.
    pub fn tick(&mut self, now: Instant, talking: bool, stt: &mut dyn Transcribe) -> Vec<Heard> {
        self.now = now;
        if self.reply == Reply::Said && !talking {
            self.reply = Reply::None;
            self.awake_until = Some(now + self.opts.follow_up);
        }
        let Some(c) = &self.capture else {
            return vec![];
        };
        let age = now.saturating_duration_since(c.opened);
        let silent = c.ended.is_empty() && !self.seg.in_speech();
        let expired = match c.hold {
            Hold::Toggled => silent && age >= TOGGLE_SILENT_FOR,
            Hold::Held => false,
        } || age >= CAPTURE_MAX;
        if expired {
            return self.close_capture(stt);
        }
        vec![]
    }

    /// `samples` of 16 kHz audio arrived at `now`; `talking` says whether the assistant is
    /// speaking (or about to).
    pub fn audio(
        &mut self,
        samples: &[f32],
        now: Instant,
        talking: bool,
        stt: &mut dyn Transcribe,
    ) -> Vec<Heard> {
        let mut out = self.tick(now, talking, stt);
        if !self.wants_audio() {
            return out;
        }
        self.talk.advance(samples.len(), talking);
        let mut done = self.seg.push(samples);
        if talking && (self.seg.in_speech() || self.seg.voiced_run() >= BARGE_IN_AFTER) {
            out.push(Heard::StopSpeech);
        }
        let in_speech = self.seg.in_speech();
        out.extend(self.speech_changed(in_speech || !done.is_empty()));
        let quiet = self.seg.trailing_silence().unwrap_or(0);
        if done.is_empty()
            && self
                .capture
                .as_ref()
                .is_none_or(|c| c.hold == Hold::Toggled)
            && quiet >= SPECULATE_AFTER
            && let Some(u) = self.seg.so_far()
        {
            let key = (u.start_ms, u.end_ms);
            if self.early.as_ref().is_none_or(|(k, _, _)| *k != key) {
                let heard = stt.transcribe(&u.samples).ok();
                let whole = heard.as_ref().is_some_and(|t| {
                    let request = self
                        .opts
                        .wake
                        .as_deref()
                        .and_then(|w| luminous_intent::wake::strip_wake(&t.text, w));
                    (self.whole)(request.as_deref().unwrap_or(&t.text))
                });
                self.early = Some((key, heard, whole));
            }
            // Whisper ran while the pause went on; a whole request ends once the pause is
            // long enough to be the end of a turn, and no speech came after the words.
            if quiet >= END_WHOLE_AFTER
                && self
                    .early
                    .as_ref()
                    .is_some_and(|(k, _, whole)| *k == key && *whole)
            {
                done.extend(self.seg.finish());
            }
        }
        if !done.is_empty() {
            out.extend(self.speech_changed(false));
        }
        for u in done {
            match self.capture.as_mut().map(|c| c.hold) {
                // Held: the key says when the request ends, not a pause.
                Some(Hold::Held) => {
                    if let Some(c) = self.capture.as_mut() {
                        c.ended.push(u);
                    }
                }
                Some(Hold::Toggled) => {
                    if let Some(c) = self.capture.as_mut() {
                        c.ended.push(u);
                    }
                    out.extend(self.close_capture(stt));
                }
                None => out.extend(self.transcribed(u, false, stt)),
            }
        }
        out
    }

    /// An utterance, transcribed (or its early transcript), as a request when it is one.
    fn transcribed(&mut self, u: Utterance, keyed: bool, stt: &mut dyn Transcribe) -> Vec<Heard> {
        let over = !keyed && self.talk.overlaps(u.start_ms, u.end_ms);
        // The early transcript holds when no speech came after it.
        let ahead = self
            .early
            .take()
            .filter(|(k, _, _)| *k == (u.start_ms, u.end_ms))
            .and_then(|(_, text, _)| text);
        let transcript = match ahead.map_or_else(|| stt.transcribe(&u.samples), Ok) {
            Ok(t) => t,
            Err(e) => return vec![Heard::Failed(e)],
        };
        if transcript.text.is_empty() {
            return if keyed { vec![Heard::Nothing] } else { vec![] };
        }
        let heard = transcript.text.clone();
        let stripped = self
            .opts
            .wake
            .as_deref()
            .and_then(|w| luminous_intent::wake::strip_wake(&heard, w));
        let request = match stripped {
            Some(rest) => rest,
            None if keyed || self.awake() => heard.clone(),
            // Whisper may have misspelt the phrase: it judges again, on the sound.
            None => match self
                .opts
                .wake
                .as_deref()
                .and_then(|w| stt.called(&heard, w))
            {
                Some(rest) => rest,
                // Not for us: people talk to each other too.
                None => return vec![Heard::Ignored(heard)],
            },
        };
        // An answer is taken as it was heard; a request may be heard better.
        let better = (!self.awaiting_answer)
            .then(|| stt.reconsider(&heard, &request))
            .flatten();
        let words = match &better {
            Some(r) => crate::rescore::words_as_sure_as(r, transcript.confidence),
            None => transcript.words,
        };
        let request = better.unwrap_or(request);
        self.reply = Reply::Coming;
        vec![Heard::Request(Request {
            heard,
            request,
            spoken: Spoken {
                confidence: transcript.confidence,
                overlapped: over,
                words,
            },
            at: (u.start_ms, u.end_ms),
        })]
    }

    /// Whether an utterance without the wake phrase is a request now.
    fn awake(&self) -> bool {
        self.opts.wake.is_none()
            || self.awaiting_answer
            || self.reply != Reply::None
            || self.awake_until.is_some_and(|t| self.now < t)
    }
}

#[cfg(test)]
mod tests;
