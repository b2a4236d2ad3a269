//! Speaking with a screen reader: while one runs (and the setting is "auto"), replies go
//! through it, so its stop key and queue apply and Luminous never talks over it: Orca's
//! `PresentMessage` where Orca offers it, else speech-dispatcher. Otherwise Piper speaks.
//! State tones stay on Luminous's own speaker.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use luminous_audio::earcon::Earcon;
use luminous_desktop::speechd::{Dispatcher, Urgency};

use super::Mouth;
use crate::settings::SpeechRoute;

/// Piper, or the screen reader's speech, as the setting and the desktop have it.
pub struct Chooser {
    route: SpeechRoute,
    piper: Option<Arc<dyn Mouth>>,
    /// A screen reader runs (kept up to date by the desktop's watcher).
    reader: Arc<AtomicBool>,
    session: Option<luminous_desktop::reader::Desktop>,
    dispatcher: Mutex<Option<Dispatcher>>,
    /// What spoke last, for `status`.
    last: Mutex<&'static str>,
}

impl std::fmt::Debug for Chooser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chooser")
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl Chooser {
    /// Speak as `route` says; `piper` is Luminous's own voice, when it has one.
    pub fn new(route: SpeechRoute, piper: Option<Arc<dyn Mouth>>) -> Chooser {
        let session = match route {
            SpeechRoute::Piper => None,
            _ => luminous_desktop::reader::Desktop::connect(),
        };
        let reader = session
            .as_ref()
            .is_some_and(|d| d.screen_reader().running());
        Chooser {
            route,
            piper,
            reader: Arc::new(AtomicBool::new(reader)),
            session,
            dispatcher: Mutex::new(None),
            last: Mutex::new("none"),
        }
    }

    /// Whether a screen reader runs, as the desktop's watcher tells it.
    pub fn reader_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.reader)
    }

    /// Something can speak: Piper, or the screen reader (for "auto", one that runs now).
    pub fn can_speak(&self) -> bool {
        match self.route {
            _ if self.piper.is_some() => true,
            SpeechRoute::Piper => false,
            SpeechRoute::SpeechDispatcher => true,
            SpeechRoute::Auto => self.reader.load(Ordering::SeqCst),
        }
    }

    fn through_reader(&self) -> bool {
        match self.route {
            SpeechRoute::Piper => false,
            SpeechRoute::SpeechDispatcher => true,
            SpeechRoute::Auto => self.reader.load(Ordering::SeqCst) || self.piper.is_none(),
        }
    }

    /// Say `text` through speech-dispatcher, connecting (again) when needed.
    fn dispatch(&self, text: &str, urgency: Urgency) -> bool {
        let mut d = self
            .dispatcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(conn) = d.as_ref()
            && conn.say(text, urgency)
        {
            return true;
        }
        *d = connect_dispatcher();
        d.as_ref().is_some_and(|conn| conn.say(text, urgency))
    }

    fn said_by(&self, name: &'static str) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = name;
    }
}

/// speech-dispatcher of this session, started (`speech-dispatcher --spawn`) when it is
/// installed and not running.
fn connect_dispatcher() -> Option<Dispatcher> {
    let socket = luminous_desktop::speechd::default_socket()?;
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    if !socket.exists() {
        let _ = std::process::Command::new("speech-dispatcher")
            .arg("--spawn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    Dispatcher::connect(&socket, &user).ok()
}

/// Questions wait for the screen reader; other replies it may cut off.
fn urgency(text: &str) -> Urgency {
    if text.trim_end().ends_with('?') {
        Urgency::Question
    } else {
        Urgency::Reply
    }
}

impl Mouth for Chooser {
    fn say(&self, text: &str, rate: f32) {
        if self.through_reader() {
            if let Some(conn) = &self.session
                && conn.orca_present(text)
            {
                return self.said_by("orca");
            }
            if self.dispatch(text, urgency(text)) {
                return self.said_by("speech-dispatcher");
            }
        }
        if let Some(p) = &self.piper {
            p.say(text, rate);
            self.said_by("piper");
        }
    }

    fn earcon(&self, e: Earcon) {
        if let Some(p) = &self.piper {
            p.earcon(e);
        }
    }

    fn stop(&self) {
        if let Some(p) = &self.piper {
            p.stop();
        }
        if let Some(d) = self
            .dispatcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            d.stop();
        }
    }

    fn busy(&self) -> bool {
        self.piper.as_ref().is_some_and(|p| p.busy())
            || self
                .dispatcher
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .is_some_and(Dispatcher::busy)
    }

    fn rest(&self) {
        if let Some(p) = &self.piper {
            p.rest();
        }
    }

    fn name(&self) -> &'static str {
        match (self.route, self.through_reader()) {
            (SpeechRoute::SpeechDispatcher, _) => "speech-dispatcher",
            (_, true) => {
                let last = *self.last.lock().unwrap_or_else(PoisonError::into_inner);
                if last == "orca" {
                    "the screen reader (Orca)"
                } else {
                    "the screen reader (speech-dispatcher)"
                }
            }
            (_, false) => "piper",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_wait_for_the_screen_reader() {
        assert_eq!(urgency("Install Firefox?"), Urgency::Question);
        assert_eq!(urgency("Remove it? "), Urgency::Question);
        assert_eq!(urgency("Firefox is installed."), Urgency::Reply);
    }
}
