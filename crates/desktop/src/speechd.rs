//! Speech through speech-dispatcher (SSIP), as screen readers speak: the user's own voice
//! and rate, one queue with the screen reader, its stop key. Replies go at priority TEXT
//! (the screen reader, at MESSAGE, cuts them off rather than being talked over); questions
//! at MESSAGE, so they wait for the screen reader instead of being cut short. A thread owns
//! the connection; calls return at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ssip_client_async::fifo::synchronous::{Builder, UnixStream};
use ssip_client_async::types::{
    ClientError, ClientName, MessageScope, NotificationType, Priority, Response,
};
use ssip_client_async::{Client, OK_CLIENT_NAME_SET, OK_NOTIFICATION_SET};

/// How a line is to be said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// A reply: the screen reader may cut it off.
    Reply,
    /// A question the user must hear: queued behind the screen reader, never cut off by it.
    Question,
}

impl Urgency {
    fn priority(self) -> Priority {
        match self {
            Urgency::Reply => Priority::Text,
            Urgency::Question => Priority::Message,
        }
    }

    /// The SSIP name of its priority ("text", "message").
    pub fn ssip_name(self) -> &'static str {
        match self {
            Urgency::Reply => "text",
            Urgency::Question => "message",
        }
    }
}

/// speech-dispatcher could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("speech-dispatcher is not reachable at {path}: {why}")]
pub struct Unreachable {
    /// Its socket.
    pub path: String,
    /// Why.
    pub why: String,
}

enum Cmd {
    Say(String, Urgency),
    Stop,
}

/// Shared with the connection's thread.
struct Shared {
    /// Lines given and not yet ended (spoken or cancelled), as the events tell.
    outstanding: AtomicUsize,
    /// When the last line should be over at the latest, if the server sends no events.
    until: Mutex<Option<Instant>>,
}

/// A connection to speech-dispatcher.
pub struct Dispatcher {
    tx: mpsc::Sender<Cmd>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

/// speech-dispatcher's socket: `$SPEECHD_ADDRESS` (`unix_socket:PATH`), else
/// `$XDG_RUNTIME_DIR/speech-dispatcher/speechd.sock`.
pub fn default_socket() -> Option<PathBuf> {
    if let Some(a) = std::env::var_os("SPEECHD_ADDRESS") {
        let a = a.to_string_lossy().into_owned();
        if let Some(path) = a.strip_prefix("unix_socket:") {
            return Some(PathBuf::from(path));
        }
    }
    let run = std::env::var_os("XDG_RUNTIME_DIR")?;
    Some(Path::new(&run).join("speech-dispatcher/speechd.sock"))
}

impl Dispatcher {
    /// Connect to the speech-dispatcher at `socket` and name ourselves to it.
    pub fn connect(socket: &Path, user: &str) -> Result<Dispatcher, Unreachable> {
        let unreachable = |why: String| Unreachable {
            path: socket.display().to_string(),
            why,
        };
        let mut client = Builder::new()
            .path(socket)
            .timeout(Duration::from_millis(100))
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        let setup = |c: &mut Client<UnixStream>| -> Result<(), ClientError> {
            c.set_client_name(ClientName::new(user, "luminous"))?
                .check_status(OK_CLIENT_NAME_SET)?;
            c.set_notification(NotificationType::All, true)?
                .check_status(OK_NOTIFICATION_SET)?;
            Ok(())
        };
        setup(&mut client).map_err(|e| unreachable(e.to_string()))?;
        let shared = Arc::new(Shared {
            outstanding: AtomicUsize::new(0),
            until: Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel();
        let worker = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("luminous-speechd".into())
            .spawn(move || serve(client, &rx, &worker))
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Dispatcher { tx, shared })
    }

    /// Say `text` after what this client said before; false when the connection is gone.
    pub fn say(&self, text: &str, urgency: Urgency) -> bool {
        self.shared.outstanding.fetch_add(1, Ordering::SeqCst);
        // At most the time the words take at a slow rate, in case no end event comes.
        let words = text.split_whitespace().count() as f32;
        let longest = Duration::from_secs_f32(2.0 + words / 2.0);
        let mut until = self
            .shared
            .until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let end = Instant::now() + longest;
        *until = Some(until.map_or(end, |u| u.max(Instant::now()) + longest));
        drop(until);
        let sent = self.tx.send(Cmd::Say(text.to_owned(), urgency)).is_ok();
        if !sent {
            self.shared.outstanding.store(0, Ordering::SeqCst);
        }
        sent
    }

    /// Stop what this client is saying, and drop what it queued (never another client's).
    pub fn stop(&self) {
        let _ = self.tx.send(Cmd::Stop);
    }

    /// Something of ours is being said, or waits its turn.
    pub fn busy(&self) -> bool {
        if self.shared.outstanding.load(Ordering::SeqCst) == 0 {
            return false;
        }
        let until = *self
            .shared
            .until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        until.is_some_and(|u| Instant::now() < u)
    }
}

/// The connection's thread: send what is asked, count what the server's events end.
fn serve(mut c: Client<UnixStream>, rx: &mpsc::Receiver<Cmd>, shared: &Shared) {
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Cmd::Say(text, urgency)) => {
                let said = (|| -> Result<(), ClientError> {
                    c.set_priority(urgency.priority())?;
                    expect(&mut c, shared, |r| matches!(r, Response::PrioritySet))?;
                    c.speak()?;
                    expect(&mut c, shared, |r| matches!(r, Response::ReceivingData))?;
                    // SSIP ends data with a line holding a lone dot: keep ours off it.
                    let lines: Vec<String> = text
                        .lines()
                        .map(|l| {
                            if l == "." {
                                "..".to_owned()
                            } else {
                                l.to_owned()
                            }
                        })
                        .collect();
                    c.send_lines(&lines)?;
                    expect(&mut c, shared, |r| matches!(r, Response::MessageQueued))
                })();
                if said.is_err() {
                    shared.outstanding.fetch_sub(1, Ordering::SeqCst);
                }
                if is_gone(&said) {
                    return;
                }
            }
            Ok(Cmd::Stop) => {
                let stopped = (|| -> Result<(), ClientError> {
                    c.cancel(MessageScope::Last)?;
                    expect(&mut c, shared, |r| matches!(r, Response::Canceled))
                })();
                shared.outstanding.store(0, Ordering::SeqCst);
                if is_gone(&stopped) {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => match c.receive() {
                Ok(r) => {
                    event(&r, shared);
                }
                Err(e) if timed_out(&e) => {}
                Err(_) => return,
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = c.quit();
                return;
            }
        }
    }
}

/// Read until the answer `want` accepts, taking events as they come (for two seconds).
fn expect(
    c: &mut Client<UnixStream>,
    shared: &Shared,
    want: impl Fn(&Response) -> bool,
) -> Result<(), ClientError> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match c.receive() {
            Ok(r) if event(&r, shared) => {}
            Ok(r) if want(&r) => return Ok(()),
            Ok(_) => return Err(ClientError::NotReady),
            Err(e) if timed_out(&e) && Instant::now() < deadline => {}
            Err(e) => return Err(e),
        }
    }
}

/// Count an event; false when `r` is none.
fn event(r: &Response, shared: &Shared) -> bool {
    match r {
        Response::EventEnd(_) | Response::EventCanceled(_) => {
            let _ = shared
                .outstanding
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            true
        }
        Response::EventBegin(_)
        | Response::EventPaused(_)
        | Response::EventResumed(_)
        | Response::EventIndexMark(..) => true,
        _ => false,
    }
}

fn timed_out(e: &ClientError) -> bool {
    matches!(e, ClientError::Io(io) if matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

/// The server closed the connection.
fn is_gone(r: &Result<(), ClientError>) -> bool {
    matches!(r, Err(ClientError::Io(io)) if !matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}
