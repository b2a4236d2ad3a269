//! The listening thread: the microphone, resampled to 16 kHz, into the ears, with whisper;
//! what the ears hear goes to the host (the daemon's loop) as [`Report`]s. One channel
//! carries both audio and the host's [`Control`]s, so a push-to-talk press is acted on the
//! moment it comes, not at the next audio chunk. The microphone is paused while nobody
//! listens (a paused stream costs nothing and resumes at once), closed while the screen is
//! locked, and opened again, with backoff, when it is lost.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use luminous_audio::echo::{Canceller, Reference};
use luminous_audio::mic::{Captured, Sink};
use luminous_audio::wav::To16k;

use crate::ears::{Ears, Heard, Transcribe};
use crate::mouth::Mouth;

/// A microphone that has delivered nothing for this long while running is treated as gone.
const SILENT_STREAM: Duration = Duration::from_secs(3);

/// The first wait before opening a lost or missing microphone again; it doubles up to
/// [`RETRY_MAX`] (looking for a device costs CPU; a machine without one should not pay it
/// every second).
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// An open capture stream.
pub trait Capture: Send {
    /// Its sample rate.
    fn rate(&self) -> u32;
    /// Stop capturing for now.
    fn pause(&self) -> Result<(), String>;
    /// Capture again.
    fn resume(&self) -> Result<(), String>;
}

/// Where microphones come from.
pub trait Microphones: Send {
    /// Open the default microphone, sending what it captures to `sink`.
    fn open(&mut self, sink: Sink) -> Result<Box<dyn Capture>, String>;
}

/// The system's microphones, through cpal. The device and format found the first time are
/// kept (finding them is most of the cost of opening), and looked for again when opening
/// them fails.
#[derive(Debug, Default)]
pub struct Cpal {
    chosen: Option<luminous_audio::mic::Chosen>,
}

impl Capture for luminous_audio::mic::Microphone {
    fn rate(&self) -> u32 {
        luminous_audio::mic::Microphone::rate(self)
    }
    fn pause(&self) -> Result<(), String> {
        luminous_audio::mic::Microphone::pause(self)
    }
    fn resume(&self) -> Result<(), String> {
        luminous_audio::mic::Microphone::resume(self)
    }
}

impl Microphones for Cpal {
    fn open(&mut self, sink: Sink) -> Result<Box<dyn Capture>, String> {
        use luminous_audio::mic::Microphone;
        if let Some(chosen) = &self.chosen {
            match Microphone::open_chosen(chosen, sink.clone()) {
                Ok(m) => return Ok(Box::new(m)),
                // The device may have gone or changed: look again.
                Err(_) => self.chosen = None,
            }
        }
        let chosen = Microphone::choose().map_err(|e| e.0)?;
        let m = Microphone::open_chosen(&chosen, sink).map_err(|e| e.0)?;
        self.chosen = Some(chosen);
        Ok(Box::new(m))
    }
}

/// What the host asks of the listening thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// The push-to-talk key went down (true) or up.
    PushToTalk(bool),
    /// The push-to-talk key, for one key or no holding.
    Toggle,
    /// Hands-free listening on or off.
    Listening(bool),
    /// The microphone may be open (false: the screen is locked, the machine sleeps).
    Allowed(bool),
    /// The reply to the last request has been given; whether an answer is awaited.
    Replied {
        /// The dialogue waits for an answer.
        awaiting_answer: bool,
    },
    /// End the thread.
    Stop,
}

/// The microphone's state, for the host to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Mic {
    /// Open and capturing.
    Running,
    /// Open, paused: nobody listens.
    Paused,
    /// Closed, as the host asked (the screen is locked).
    Closed,
    /// There is none, or it failed; it is looked for again now and then.
    Missing(String),
    /// It failed while in use (it was working).
    Lost(String),
}

/// What the listening thread tells the host.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// What the ears heard.
    Heard(Heard),
    /// The microphone's state changed.
    Mic(Mic),
    /// The assistant started (true) or stopped speaking.
    Speaking(bool),
}

enum Input {
    Audio(Captured),
    Control(Control),
}

/// The running thread; dropping it stops it.
pub struct Listening {
    tx: SyncSender<Input>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Listening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listening").finish_non_exhaustive()
    }
}

impl Listening {
    /// Start listening with the ears `ears` makes (on the thread: voice activity detection
    /// stays on the thread it was made on). Returns once the microphone was first tried,
    /// with what became of it.
    pub fn start(
        ears: impl FnOnce() -> Ears + Send + 'static,
        stt: Box<dyn Transcribe + Send>,
        mics: Box<dyn Microphones>,
        mouth: Option<Arc<dyn Mouth>>,
        echo: Option<Arc<Reference>>,
        report: impl Fn(Report) + Send + 'static,
    ) -> (Listening, Mic) {
        // Audio chunks are 20 to 130 ms: over a minute of them while whisper works.
        let (tx, rx) = sync_channel(1024);
        let (first_tx, first) = sync_channel(1);
        let audio_tx = tx.clone();
        let thread = std::thread::Builder::new()
            .name("luminous-listen".into())
            .spawn(move || {
                let mut l = Loop {
                    ears: ears(),
                    stt,
                    mics,
                    mouth,
                    report: Box::new(report),
                    audio_tx,
                    mic: None,
                    allowed: true,
                    retry_at: None,
                    retry_wait: RETRY_FIRST,
                    can_pause: true,
                    debug: std::env::var_os("LUMINOUS_DEBUG").is_some_and(|v| v == "1"),
                    last_sound: Instant::now(),
                    conv: None,
                    echo: echo.map(Canceller::new),
                    speaking: false,
                    shown: None,
                };
                l.adjust();
                let _ = first_tx.send(l.shown.clone().unwrap_or(Mic::Closed));
                l.run(&rx);
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                return (
                    Listening { tx, thread: None },
                    Mic::Missing(format!("the listening thread could not start: {e}")),
                );
            }
        };
        let state = first
            .recv()
            .unwrap_or_else(|_| Mic::Missing("the listening thread ended".into()));
        (Listening { tx, thread }, state)
    }

    /// Tell the thread something.
    pub fn control(&self, c: Control) {
        // Blocks only if the thread has fallen a minute behind; then the press must wait.
        let _ = self.tx.send(Input::Control(c));
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.tx.send(Input::Control(Control::Stop));
        let Some(t) = self.thread.take() else {
            return;
        };
        // A sound server that died can leave its stream's close hanging (cpal waits on the
        // ALSA plugin): never let that hang the program's exit.
        let deadline = Instant::now() + Duration::from_secs(3);
        while !t.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
}

struct Open {
    capture: Box<dyn Capture>,
    running: bool,
}

struct Loop {
    ears: Ears,
    stt: Box<dyn Transcribe + Send>,
    mics: Box<dyn Microphones>,
    mouth: Option<Arc<dyn Mouth>>,
    report: Box<dyn Fn(Report) + Send>,
    audio_tx: SyncSender<Input>,
    mic: Option<Open>,
    allowed: bool,
    retry_at: Option<Instant>,
    retry_wait: Duration,
    /// False once the device refused to pause: then it is closed while not wanted.
    can_pause: bool,
    /// LUMINOUS_DEBUG=1: say how long the device took to open.
    debug: bool,
    last_sound: Instant,
    conv: Option<To16k>,
    /// Takes the assistant's own voice out of what the microphone hears.
    echo: Option<Canceller>,
    speaking: bool,
    shown: Option<Mic>,
}

impl Loop {
    fn run(&mut self, rx: &Receiver<Input>) {
        loop {
            let wait = if self.mic.as_ref().is_some_and(|m| m.running) {
                Duration::from_millis(50)
            } else {
                Duration::from_millis(250)
            };
            let input = rx.recv_timeout(wait);
            let now = Instant::now();
            let talking = self.talking();
            let heard = match input {
                Err(RecvTimeoutError::Disconnected) | Ok(Input::Control(Control::Stop)) => break,
                Ok(Input::Audio(Captured::Audio(chunk))) => {
                    if !self.mic.as_ref().is_some_and(|m| m.running) {
                        // Captured before a pause or a close: nobody was listening.
                        continue;
                    }
                    self.last_sound = now;
                    let mut buf = Vec::new();
                    if let Some(conv) = self.conv.as_mut() {
                        conv.push(&chunk, &mut buf);
                    }
                    let mut heard = Vec::new();
                    if let Some(echo) = self.echo.as_mut() {
                        let mut clean = Vec::with_capacity(buf.len() + 160);
                        echo.process(&buf, now, &mut clean);
                        buf = clean;
                        // Barge-in over the echo: the user is louder than it could be.
                        if talking && echo.user_over_echo() {
                            heard.push(Heard::StopSpeech);
                        }
                    }
                    heard.extend(self.ears.audio(&buf, now, talking, self.stt.as_mut()));
                    heard
                }
                Ok(Input::Audio(Captured::Lost(why))) => self.lost(why),
                Ok(Input::Control(c)) => self.control(c, now, talking),
                Err(RecvTimeoutError::Timeout) => {
                    if self.mic.as_ref().is_some_and(|m| m.running)
                        && now.duration_since(self.last_sound) >= SILENT_STREAM
                    {
                        // A stream that stops delivering without an error is lost too.
                        self.lost(format!(
                            "no sound has come from it for {} seconds",
                            SILENT_STREAM.as_secs()
                        ))
                    } else {
                        self.ears.tick(now, talking, self.stt.as_mut())
                    }
                }
            };
            self.heard(heard);
            if let Some(m) = &self.mouth {
                m.rest();
            }
            self.adjust();
        }
    }

    fn talking(&mut self) -> bool {
        let now = self.mouth.as_ref().is_some_and(|m| m.busy());
        if now != self.speaking {
            self.speaking = now;
            (self.report)(Report::Speaking(now));
        }
        now
    }

    fn heard(&mut self, heard: Vec<Heard>) {
        for h in heard {
            if h == Heard::StopSpeech {
                // Acted on here, at once: barge-in must not wait for the host.
                if let Some(m) = &self.mouth {
                    m.stop();
                }
            }
            (self.report)(Report::Heard(h));
        }
    }

    fn control(&mut self, c: Control, now: Instant, talking: bool) -> Vec<Heard> {
        match c {
            Control::PushToTalk(true) => {
                self.ensure_running();
                self.ears.press(now, talking)
            }
            Control::PushToTalk(false) => self.ears.release(now, self.stt.as_mut()),
            Control::Toggle => {
                self.ensure_running();
                self.ears.toggle(now, talking, self.stt.as_mut())
            }
            Control::Listening(on) => self.ears.set_listening(on),
            Control::Allowed(on) => {
                self.allowed = on;
                if on {
                    self.retry_at = None;
                    self.retry_wait = RETRY_FIRST;
                    vec![]
                } else {
                    self.mic = None;
                    self.ears.lost()
                }
            }
            Control::Replied { awaiting_answer } => {
                self.ears.replied(awaiting_answer);
                vec![]
            }
            Control::Stop => vec![],
        }
    }

    /// The microphone failed: drop what was being said and look for it again soon.
    fn lost(&mut self, why: String) -> Vec<Heard> {
        // Closed on a thread of its own: closing a stream whose sound server died can hang.
        if let Some(m) = self.mic.take() {
            let _ = std::thread::Builder::new()
                .name("luminous-close".into())
                .spawn(move || drop(m));
        }
        self.retry_at = Some(Instant::now() + RETRY_FIRST);
        self.retry_wait = RETRY_FIRST;
        self.show(Mic::Lost(why));
        self.ears.lost()
    }

    /// A press must capture now: resume before the press is handled.
    fn ensure_running(&mut self) {
        if self.mic.is_none() && self.allowed {
            self.retry_at = None;
        }
        self.adjust_wanting(true);
    }

    fn adjust(&mut self) {
        let want = self.ears.wants_audio();
        self.adjust_wanting(want);
    }

    /// Open, resume, pause or close the microphone to match what is wanted.
    fn adjust_wanting(&mut self, want: bool) {
        if !self.allowed {
            self.mic = None;
            self.show(Mic::Closed);
            return;
        }
        // A device that cannot pause is open only while wanted.
        if !want && !self.can_pause {
            self.mic = None;
            self.show(Mic::Paused);
            return;
        }
        if self.mic.is_none() && self.retry_at.is_none_or(|t| Instant::now() >= t) {
            self.open();
        }
        let Some(m) = self.mic.as_mut() else {
            return;
        };
        let outcome = match (want, m.running) {
            (true, false) => m.capture.resume().map(|()| true),
            (false, true) => m.capture.pause().map(|()| false),
            _ => Ok(m.running),
        };
        match outcome {
            Ok(running) => {
                if running && !m.running {
                    self.last_sound = Instant::now();
                }
                m.running = running;
                self.show(if running { Mic::Running } else { Mic::Paused });
            }
            Err(e) if !want => {
                eprintln!("microphone: it cannot pause ({e}); it is closed while nobody listens");
                self.can_pause = false;
                self.mic = None;
                self.show(Mic::Paused);
            }
            Err(e) => {
                let _ = self.lost(e);
            }
        }
    }

    fn open(&mut self) {
        let tx = self.audio_tx.clone();
        let sink: Sink = Arc::new(move |c| {
            // A full channel means this thread is behind: drop the chunk, keep memory bounded.
            if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
                tx.try_send(Input::Audio(c))
            {}
        });
        let started = Instant::now();
        let opened = self.mics.open(sink);
        if self.debug {
            eprintln!(
                "microphone: opening took {} ms",
                started.elapsed().as_millis()
            );
        }
        match opened {
            Ok(capture) => match To16k::new(capture.rate()) {
                Ok(conv) => {
                    self.conv = Some(conv);
                    self.retry_at = None;
                    self.retry_wait = RETRY_FIRST;
                    self.last_sound = Instant::now();
                    self.mic = Some(Open {
                        capture,
                        running: true,
                    });
                    self.show(Mic::Running);
                }
                Err(e) => self.missing(e.to_string()),
            },
            Err(e) => self.missing(e),
        }
    }

    fn missing(&mut self, why: String) {
        self.retry_at = Some(Instant::now() + self.retry_wait);
        self.retry_wait = (self.retry_wait * 2).min(RETRY_MAX);
        // A lost microphone stays "lost" until it works again.
        if !matches!(self.shown, Some(Mic::Lost(_))) {
            self.show(Mic::Missing(why));
        }
    }

    fn show(&mut self, m: Mic) {
        if self.shown.as_ref() != Some(&m) {
            self.shown = Some(m.clone());
            (self.report)(Report::Mic(m));
        }
    }
}
