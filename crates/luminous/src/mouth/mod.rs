//! The mouth: how replies are said. One small trait, so the loop does not care whether
//! Piper speaks through our own speaker or a screen reader's speech-dispatcher does; each
//! way starts and stops at once and says whether it is still speaking. Piper synthesises
//! on its own thread, a sentence at a time, so a stop lands between sentences and the
//! speaker drops what it holds.

pub mod reader;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use luminous_audio::earcon::{self, Earcon};
use luminous_audio::echo::Reference;
use luminous_audio::play::Speaker;

/// A way of saying things. Calls return at once; speech goes on behind them.
pub trait Mouth: Send + Sync {
    /// Say `text` at `rate` (1.0 normal) after what is being said.
    fn say(&self, text: &str, rate: f32);
    /// Play a state tone (listening, heard, error).
    fn earcon(&self, e: Earcon);
    /// Stop speaking now, and drop what was queued.
    fn stop(&self);
    /// Speaking, or about to (text is being synthesised).
    fn busy(&self) -> bool;
    /// Now and then: housekeeping (a speaker with nothing to play rests).
    fn rest(&self) {}
    /// What speaks, for `status`: "piper", "speech-dispatcher".
    fn name(&self) -> &'static str;
}

/// What the Piper thread is asked.
struct Line {
    text: String,
    rate: f32,
    generation: u64,
}

/// Shared between the callers and the Piper thread.
struct Shared {
    speaker: Mutex<Arc<Speaker>>,
    /// Told what the speaker plays (echo cancellation).
    reference: Option<Arc<Reference>>,
    /// Bumped by every stop: lines of an older generation are not said.
    generation: AtomicU64,
    /// Lines given and not yet synthesised whole.
    pending: AtomicUsize,
}

impl Shared {
    fn speaker(&self) -> Arc<Speaker> {
        // A plain value: a panic elsewhere cannot leave it half-written.
        Arc::clone(&self.speaker.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Piper, on the default speaker.
pub struct Piper {
    tx: mpsc::Sender<Line>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Piper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Piper").finish_non_exhaustive()
    }
}

impl Piper {
    /// Open the speaker and start the Piper thread, which loads the voice with `load`.
    /// `notice` hears of trouble later (the speaker failed for good), in words for the user.
    /// What the speaker plays goes to `reference`, for echo cancellation.
    pub fn start(
        load: impl FnOnce() -> Result<luminous_tts::Voice, String> + Send + 'static,
        notice: impl Fn(String) + Send + 'static,
        reference: Option<Arc<Reference>>,
    ) -> Result<Piper, String> {
        let speaker = Speaker::open_with(reference.clone()).map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            speaker: Mutex::new(Arc::new(speaker)),
            reference,
            generation: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
        });
        let (tx, rx) = mpsc::channel::<Line>();
        let (ready_tx, ready) = mpsc::channel();
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("luminous-piper".into())
            .spawn(move || {
                let mut voice = match load() {
                    Ok(v) => {
                        let _ = ready_tx.send(Ok(()));
                        v
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut told = false;
                for line in rx {
                    speak_line(&worker, &mut voice, &line, &notice, &mut told);
                    worker.pending.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .map_err(|e| e.to_string())?;
        ready
            .recv()
            .map_err(|_| "the speech thread ended while loading the voice".to_owned())??;
        Ok(Piper { tx, shared })
    }
}

fn speak_line(
    shared: &Shared,
    voice: &mut luminous_tts::Voice,
    line: &Line,
    notice: &impl Fn(String),
    told: &mut bool,
) {
    let current = || shared.generation.load(Ordering::SeqCst) == line.generation;
    if !current() {
        return;
    }
    let mut speaker = shared.speaker();
    if speaker.broken() {
        // A device that failed (an underrun it did not recover from, a headset unplugged):
        // open the default one again.
        match Speaker::open_with(shared.reference.clone()) {
            Ok(fresh) => {
                speaker = Arc::new(fresh);
                *shared.speaker.lock().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&speaker);
                *told = false;
            }
            Err(e) => {
                if !*told {
                    notice(format!(
                        "The speaker stopped working ({e}). Answers are shown only."
                    ));
                    *told = true;
                }
                return;
            }
        }
    }
    let hz = voice.sample_rate();
    let spoken = voice.speak(&line.text, line.rate, |chunk| {
        if !current() {
            return false;
        }
        speaker.play(chunk.to_vec(), hz);
        true
    });
    if let Err(e) = spoken {
        notice(format!("I could not speak that: {e}."));
    }
}

impl Mouth for Piper {
    fn say(&self, text: &str, rate: f32) {
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        let line = Line {
            text: text.to_owned(),
            rate,
            generation: self.shared.generation.load(Ordering::SeqCst),
        };
        if self.tx.send(line).is_err() {
            self.shared.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn earcon(&self, e: Earcon) {
        self.shared
            .speaker()
            .play(earcon::render(e, 22_050), 22_050);
    }

    fn stop(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.speaker().stop();
    }

    fn busy(&self) -> bool {
        self.shared.pending.load(Ordering::SeqCst) > 0 || !self.shared.speaker().idle()
    }

    fn rest(&self) {
        self.shared.speaker().rest();
    }

    fn name(&self) -> &'static str {
        "piper"
    }
}
