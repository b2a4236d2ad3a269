//! The loop's voice: the listening thread and the mouth, started from the installed models,
//! and what the loop does with what they report. Without a microphone, a speaker or the
//! models the loop still serves, in text, and says why in `status`.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use luminous_audio::earcon::Earcon;
use luminous_desktop::State;
use luminous_presence::Kind;

use super::{Daemon, Event, with_event};
use crate::ears::{Ears, Heard, Options, Request};
use crate::engine::Session;
use crate::listening::{Control, Cpal, Listening, Mic, Report};
use crate::mouth::reader::Chooser;
use crate::mouth::{Mouth, Piper};
use crate::settings::Dirs;

/// How the loop should listen; `None`: as the settings say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Wanted {
    /// Hands-free listening from the start (push-to-talk works either way).
    pub(crate) hands_free: Option<bool>,
    /// Every utterance is a request (no wake phrase).
    pub(crate) always: bool,
    /// The follow-up window after a reply.
    pub(crate) follow_up: Option<Duration>,
    /// Play the state tones.
    pub(crate) earcons: Option<bool>,
    /// Fetch missing models, and refuse to start without a microphone (`listen`, which is
    /// nothing without one); the service instead serves text and says why.
    pub(crate) required: bool,
}

/// The voice as it is.
pub(super) struct Voice {
    listening: Option<Listening>,
    mouth: Option<Arc<dyn Mouth>>,
    /// A screen reader runs: set by the desktop's watcher, read by the mouth.
    reader: Option<Arc<AtomicBool>>,
    /// The desktop's push-to-talk shortcut, once bound: how it is triggered; or why there
    /// is none.
    shortcut: Option<Result<String, String>>,
    /// The shortcut toggles instead of being held.
    toggle_key: bool,
    /// Why there is no listening, or no speech.
    no_ears: Option<String>,
    no_mouth: Option<String>,
    mic: Option<Mic>,
    wake: Option<String>,
    earcons: bool,
    hands_free: bool,
    /// Hands-free before quiet mode turned it off.
    before_quiet: Option<bool>,
    speaking: bool,
    hearing: bool,
    capturing: bool,
    debug: bool,
}

impl Voice {
    /// No voice at all, for `why`.
    pub(super) fn none(why: String) -> Voice {
        Voice {
            listening: None,
            mouth: None,
            reader: None,
            shortcut: None,
            toggle_key: false,
            no_ears: Some(why.clone()),
            no_mouth: Some(why),
            mic: None,
            wake: None,
            earcons: false,
            hands_free: false,
            before_quiet: None,
            speaking: false,
            hearing: false,
            capturing: false,
            debug: false,
        }
    }

    /// Load the models and start listening and speaking, as far as this machine allows.
    pub(super) fn start(
        s: &Session,
        dirs: &Dirs,
        wanted: &Wanted,
        events: &mpsc::Sender<Event>,
    ) -> anyhow::Result<Voice> {
        let files = &s.resolved.voice;
        let m = if wanted.required {
            crate::voice::ensure(dirs, files, true, true)?
        } else {
            let m = crate::voice::files(dirs, files)?;
            let missing: Vec<String> = [&m.whisper, &m.voice, &m.voice_config, &m.onnxruntime]
                .into_iter()
                .filter(|p| !p.is_file())
                .map(|p| p.display().to_string())
                .collect();
            if missing.contains(&m.whisper.display().to_string()) {
                let mut v = Voice::none(
                    "the speech models are not installed; run: luminous models fetch".into(),
                );
                // A screen reader can still say the replies.
                v.attach(Chooser::new(files.speech, None));
                return Ok(v);
            }
            m
        };
        let mut v = Voice::none(String::new());
        v.no_ears = None;
        v.no_mouth = None;
        v.wake =
            Some(files.wake_phrase.trim().to_owned()).filter(|w| !wanted.always && !w.is_empty());
        v.earcons = wanted.earcons.unwrap_or(files.earcons);
        v.hands_free = wanted.hands_free.unwrap_or(files.hands_free);
        v.toggle_key = files.push_to_talk == crate::settings::PushToTalk::Toggle;
        v.debug = std::env::var_os("LUMINOUS_DEBUG").is_some_and(|x| x == "1");
        let piper_files = (
            m.voice.clone(),
            m.voice_config.clone(),
            m.onnxruntime.clone(),
        );
        let notices = events.clone();
        // What the speaker plays is taken out of what the microphone hears (setting
        // echo_cancellation).
        let echo = files
            .echo_cancellation
            .then(luminous_audio::echo::Reference::new);
        match Piper::start(
            move || {
                let (onnx, config, runtime) = piper_files;
                luminous_tts::Voice::load(&onnx, &config, &runtime).map_err(|e| e.to_string())
            },
            move |text| {
                let _ = notices.send(Event::Notice(text));
            },
            echo.clone(),
        ) {
            Ok(p) => v.mouth = Some(Arc::new(p)),
            Err(e) => v.no_mouth = Some(e),
        }
        // The screen reader's speech when one runs (as the setting says), Piper otherwise.
        let piper = v.mouth.take();
        v.attach(Chooser::new(files.speech, piper));
        let stt = crate::voice::transcriber(&m, files, v.wake.as_deref())?;
        let index = Arc::clone(&s.index.index);
        let opts = Options {
            wake: v.wake.clone(),
            follow_up: wanted.follow_up.unwrap_or(files.follow_up),
        };
        let hands_free = v.hands_free;
        let vad_files = m.clone();
        let vad_notices = events.clone();
        let ears = move || {
            // Silero, as the settings say (loaded on the listening thread, where the ears
            // live); should it be missing (not fetched since an upgrade) or broken, WebRTC's
            // detector listens instead and the user is told once.
            let detector = crate::voice::detector(&vad_files).unwrap_or_else(|e| {
                let _ = vad_notices.send(Event::Notice(format!(
                    "Listening with the simpler voice detector, which is weak in noise: {e:#}"
                )));
                Box::new(luminous_audio::segment::WebRtc::default())
            });
            Ears::new(
                opts,
                hands_free,
                Box::new(move |text| luminous_intent::is_whole_request(text, &index)),
                detector,
                std::time::Instant::now(),
            )
        };
        let reports = events.clone();
        let (listening, first) = Listening::start(
            ears,
            Box::new(crate::rescore::Hearing {
                stt,
                index: Arc::clone(&s.index.index),
            }),
            Box::<Cpal>::default(),
            v.mouth.clone(),
            echo,
            move |r| {
                let _ = reports.send(Event::Hearing(r));
            },
        );
        if let Mic::Missing(why) = &first
            && wanted.required
        {
            anyhow::bail!(
                "no microphone is available ({why}). You can use the text mode instead: luminous chat"
            );
        }
        v.mic = Some(first);
        v.listening = Some(listening);
        Ok(v)
    }

    /// What `listen` says first: how to use it, and what it lacks.
    pub(super) fn greeting(&self, enter: bool) -> Option<String> {
        self.listening.as_ref()?;
        let how = if enter {
            "Press Enter, then speak.".to_owned()
        } else {
            match &self.wake {
                None => "Speak when you are ready.".to_owned(),
                Some(w) => format!("Say {w} and your request."),
            }
        };
        let lacks = self
            .no_mouth
            .as_ref()
            .map(|why| format!("I cannot speak here ({why}). Answers will be printed only.\n"))
            .unwrap_or_default();
        self.earcon(Earcon::ListeningStarted);
        Some(format!("{lacks}Listening. {how} Press Ctrl-C to stop."))
    }

    /// Speak through `chooser`, when it can.
    fn attach(&mut self, chooser: Chooser) {
        if chooser.can_speak() {
            self.reader = Some(chooser.reader_flag());
            self.mouth = Some(Arc::new(chooser));
            self.no_mouth = None;
        }
    }

    /// The flag the screen reader's watcher keeps, when the mouth follows it.
    pub(super) fn reader_flag(&self) -> Option<Arc<AtomicBool>> {
        self.reader.clone()
    }

    pub(super) fn can_speak(&self) -> bool {
        self.mouth.is_some()
    }

    /// Hands-free listening is on.
    pub(super) fn listening(&self) -> bool {
        self.listening.is_some() && self.hands_free
    }

    /// The microphone is capturing.
    pub(super) fn hears(&self) -> bool {
        self.mic == Some(Mic::Running)
    }

    pub(super) fn capturing(&self) -> bool {
        self.capturing
    }

    /// The state the voice puts the assistant in, when it does. The user comes first: a
    /// press or speech stops the assistant's speech, so it is their state that shows.
    pub(super) fn state(&self) -> Option<State> {
        if self.hearing {
            Some(State::Hearing)
        } else if self.capturing {
            Some(State::Listening)
        } else if self.speaking {
            Some(State::Speaking)
        } else {
            None
        }
    }

    fn control(&self, c: Control) -> Result<(), String> {
        match &self.listening {
            Some(l) => {
                l.control(c);
                Ok(())
            }
            None => Err(format!(
                "I cannot listen here: {}. You can type to me: luminous chat.",
                self.no_ears.as_deref().unwrap_or("there is no microphone")
            )),
        }
    }

    pub(super) fn set_listening(&mut self, on: bool) -> Result<(), String> {
        self.control(Control::Listening(on))?;
        self.hands_free = on;
        Ok(())
    }

    pub(super) fn push_to_talk(&self, pressed: bool) -> Result<(), String> {
        self.control(Control::PushToTalk(pressed))
    }

    pub(super) fn toggle(&self) -> Result<(), String> {
        self.control(Control::Toggle)
    }

    /// Whether the desktop's shortcut is wanted (there is something to talk to).
    pub(super) fn wants_shortcut(&self) -> bool {
        self.listening.is_some()
    }

    /// The desktop bound the shortcut (its trigger), or could not (why).
    pub(super) fn shortcut_bound(&mut self, bound: Result<String, String>) {
        self.shortcut = Some(bound);
    }

    /// The desktop's shortcut went down (true) or up: held, or toggling.
    pub(super) fn shortcut(&self, down: bool) -> Result<(), String> {
        match (self.toggle_key, down) {
            (false, _) => self.push_to_talk(down),
            (true, true) => self.toggle(),
            (true, false) => Ok(()),
        }
    }

    /// Quiet mode: voice input only through push-to-talk; hands-free comes back after.
    pub(super) fn quiet(&mut self, on: bool) {
        if on {
            if self.before_quiet.is_none() {
                self.before_quiet = Some(self.hands_free);
            }
            let _ = self.set_listening(false);
        } else if let Some(was) = self.before_quiet.take() {
            let _ = self.set_listening(was);
        }
    }

    pub(super) fn allow_microphone(&self, on: bool) {
        let _ = self.control(Control::Allowed(on));
    }

    pub(super) fn replied(&self, awaiting_answer: bool) {
        let _ = self.control(Control::Replied { awaiting_answer });
    }

    pub(super) fn say(&self, text: &str, rate: f32) {
        if let Some(m) = &self.mouth {
            m.say(text, rate);
        }
    }

    pub(super) fn stop_speech(&self) {
        if let Some(m) = &self.mouth {
            m.stop();
        }
    }

    fn earcon(&self, e: Earcon) {
        if let Some(m) = self.mouth.as_ref().filter(|_| self.earcons) {
            m.earcon(e);
        }
    }

    /// End listening and speech.
    pub(super) fn stop(&mut self) {
        self.listening = None;
        self.stop_speech();
    }

    /// The voice's part of `Status()`.
    pub(super) fn describe(&self, details: &mut serde_json::Value) {
        let mic = match (&self.mic, &self.no_ears) {
            (Some(Mic::Running), _) => "listening".to_owned(),
            (Some(Mic::Paused), _) => "ready (paused while nobody listens)".to_owned(),
            (Some(Mic::Closed), _) => "closed while you are away".to_owned(),
            (Some(Mic::Missing(why)), _) => format!("none ({why})"),
            (Some(Mic::Lost(why)), _) => format!("lost ({why}); looking for it again"),
            (None, Some(why)) => format!("not used: {why}"),
            (None, None) => "not used".to_owned(),
        };
        let speech = match (&self.mouth, &self.no_mouth) {
            (Some(m), _) => m.name().to_owned(),
            (None, Some(why)) if !why.is_empty() => format!("none ({why})"),
            (None, _) => "none".to_owned(),
        };
        if let Some(o) = details.as_object_mut() {
            o.insert("microphone".into(), mic.into());
            o.insert(
                "speaker".into(),
                if self.mouth.is_some() {
                    "ready"
                } else {
                    "none"
                }
                .into(),
            );
            o.insert("speech".into(), speech.into());
            o.insert("speaking".into(), self.speaking.into());
            let mode = if self.toggle_key {
                "press to start, press again to end"
            } else {
                "hold to talk"
            };
            let (ptt, route) = match (&self.listening, &self.shortcut) {
                (None, _) => ("none".to_owned(), "none"),
                (Some(_), Some(Ok(trigger))) if !trigger.is_empty() => {
                    (format!("the desktop shortcut {trigger} ({mode})"), "portal")
                }
                (Some(_), Some(Ok(_))) => (
                    format!("the desktop shortcut, once you choose its key ({mode})"),
                    "portal",
                ),
                (Some(_), _) => ("luminous ptt (bind it to a key)".to_owned(), "command"),
            };
            o.insert("push_to_talk".into(), ptt.into());
            o.insert("push_to_talk_route".into(), route.into());
            if let Some(Err(why)) = &self.shortcut {
                o.insert("shortcut_missing".into(), why.clone().into());
            }
            o.insert("wake_phrase".into(), self.wake.clone().into());
        }
    }
}

impl Daemon {
    /// What the listening thread reports.
    pub(super) fn hearing(&mut self, r: Report) {
        match r {
            Report::Speaking(on) => self.voice.speaking = on,
            Report::Mic(m) => self.microphone(m),
            Report::Heard(h) => match h {
                // Stopped already, by the listening thread.
                Heard::StopSpeech => {}
                Heard::Capture(open) => {
                    self.voice.capturing = open;
                    if open {
                        self.voice.earcon(Earcon::ListeningStarted);
                    }
                }
                Heard::Speech(on) => {
                    self.voice.hearing = on;
                    // The language model loads while the words are transcribed.
                    if on && let Some(a) = &self.s.adviser {
                        a.warm();
                    }
                }
                Heard::Ignored(text) => {
                    if self.voice.debug {
                        eprintln!("not for me (no wake phrase): {text:?}");
                    }
                }
                Heard::Failed(why) => {
                    self.voice.earcon(Earcon::Error);
                    self.notice(&format!("I could not make out what was said: {why}."));
                }
                Heard::Nothing => {
                    self.voice.earcon(Earcon::Error);
                    self.notice("I did not hear anything.");
                }
                Heard::Request(r) => self.request(r),
            },
        }
        self.show_now();
    }

    fn microphone(&mut self, m: Mic) {
        let was_lost = matches!(self.voice.mic, Some(Mic::Lost(_)));
        match &m {
            Mic::Lost(why) => {
                // The plain words for the user; the device's own words for whoever debugs it.
                eprintln!("microphone: {why}");
                self.voice.earcon(Earcon::Error);
                let text = if self.echo {
                    "The microphone stopped working. I will keep trying; press Ctrl-C to stop."
                } else {
                    "The microphone stopped working. I will keep trying."
                };
                self.voice.mic = Some(m);
                self.notice(text);
                return;
            }
            Mic::Running | Mic::Paused if was_lost => {
                self.voice.mic = Some(m);
                self.notice("The microphone works again.");
                return;
            }
            _ => {}
        }
        self.voice.mic = Some(m);
    }

    /// A request heard: answered as a typed one is, and said.
    fn request(&mut self, r: Request) {
        if self.voice.debug {
            eprintln!(
                "utterance {}-{} ms: {:?} (confidence {:.2}{})",
                r.at.0,
                r.at.1,
                r.heard,
                r.spoken.confidence,
                if r.spoken.overlapped {
                    ", over the assistant's speech"
                } else {
                    ""
                }
            );
        }
        // The tone says "heard you": only for requests, not for people talking nearby.
        self.voice.earcon(Earcon::ListeningStopped);
        if self.echo {
            println!("You said: {}", r.heard);
        }
        if let Some(server) = &self.server {
            let _ = self.rt.block_on(server.heard(&r.heard));
        }
        let (reply, json) = if r.request.trim().is_empty() {
            let reply = "Yes?".to_owned();
            let json = serde_json::json!({"intent": "unknown", "reply": reply});
            (reply, json)
        } else {
            self.ask(&r.request, Some(r.spoken))
        };
        let mut json = with_event(json, "reply");
        json["transcript"] = r.heard.into();
        self.deliver(Kind::Answer, &reply, json);
        self.voice.replied(self.s.dialogue.awaiting_answer());
    }
}
