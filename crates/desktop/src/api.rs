//! The assistant's D-Bus API, `org.luminous.Assistant1` on the session bus: the server the
//! daemon runs, and a blocking client for the command line. The names are a contract.
//!
//! The server does no work itself: each method call becomes a [`Call`] on a channel that the
//! daemon serves, and the daemon tells the server what to show ([`Status`]) and what to
//! announce ([`Server::replied`], [`Server::heard`]).

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use zbus::object_server::SignalEmitter;
use zbus::{fdo, interface};

/// The bus name.
pub const NAME: &str = "org.luminous.Assistant1";
/// The object path.
pub const PATH: &str = "/org/luminous/Assistant1";

/// What the assistant is doing. The names are a contract (the `State` property).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Nothing to do.
    #[default]
    Idle,
    /// The microphone is open for a request.
    Listening,
    /// Speech is being heard.
    Hearing,
    /// Understanding and planning.
    Thinking,
    /// Speaking a reply.
    Speaking,
    /// Carrying out a long operation.
    Working,
    /// Not listening or speaking: the screen is locked, the session inactive, or asleep.
    Paused,
}

impl State {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Listening => "listening",
            State::Hearing => "hearing",
            State::Thinking => "thinking",
            State::Speaking => "speaking",
            State::Working => "working",
            State::Paused => "paused",
        }
    }
}

/// What the server shows as properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// The `State` property.
    pub state: State,
    /// The `Listening` property: hands-free listening is on.
    pub listening: bool,
    /// The `Quiet` property: replies are text and notifications only.
    pub quiet: bool,
    /// The `Question` property: the pending question, or empty.
    pub question: String,
    /// What `Status()` returns: a JSON object of what the daemon uses and watches.
    pub details: String,
}

/// A method call, for the daemon to serve.
#[derive(Debug)]
pub enum Call {
    /// `Ask(s text) -> (s reply, s json)`.
    Ask {
        /// What was asked (typed, or an answer to the pending question).
        text: String,
        /// Where the reply and its JSON object go.
        reply: oneshot::Sender<(String, String)>,
    },
    /// A method without a result; the call returns once the daemon has done it.
    Do {
        /// Which.
        what: Command,
        /// Dropped (or sent) when done.
        done: oneshot::Sender<()>,
    },
}

/// The methods without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `PushToTalk(b pressed)`.
    PushToTalk(bool),
    /// `SetListening(b on)`.
    SetListening(bool),
    /// `Cancel()`: the pending question, and a long operation under way.
    Cancel,
    /// `Repeat()`: the last reply, or what was queued while the user was away.
    Repeat,
    /// `SetQuiet(b on)`.
    SetQuiet(bool),
    /// `TogglePushToTalk()` (an extension): press when released, release when pressed.
    TogglePushToTalk,
}

/// The object served at [`PATH`].
struct Assistant {
    calls: mpsc::UnboundedSender<Call>,
    status: Arc<Mutex<Status>>,
}

impl Assistant {
    fn send(&self, call: Call) -> fdo::Result<()> {
        self.calls
            .send(call)
            .map_err(|_| fdo::Error::Failed("the assistant is shutting down".into()))
    }

    /// Send a command and wait until it is done.
    async fn run(&self, what: Command) -> fdo::Result<()> {
        let (done, finished) = oneshot::channel();
        self.send(Call::Do { what, done })?;
        // The daemon drops `done` when it has served the call, or sends on it.
        let _ = finished.await;
        Ok(())
    }

    fn now(&self) -> Status {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[interface(name = "org.luminous.Assistant1")]
impl Assistant {
    /// One request or answer, as `luminous ask --json` answers it.
    async fn ask(&self, text: String) -> fdo::Result<(String, String)> {
        let (reply, answer) = oneshot::channel();
        self.send(Call::Ask { text, reply })?;
        answer
            .await
            .map_err(|_| fdo::Error::Failed("the assistant stopped before answering".into()))
    }

    /// Push-to-talk: pressed opens the microphone for one request, released ends it.
    async fn push_to_talk(&self, pressed: bool) -> fdo::Result<()> {
        self.run(Command::PushToTalk(pressed)).await
    }

    /// Hands-free listening on or off.
    async fn set_listening(&self, on: bool) -> fdo::Result<()> {
        self.run(Command::SetListening(on)).await
    }

    /// Drop the pending question and stop what is under way.
    async fn cancel(&self) -> fdo::Result<()> {
        self.run(Command::Cancel).await
    }

    /// Say the last reply again (or what was queued while the user was away).
    async fn repeat(&self) -> fdo::Result<()> {
        self.run(Command::Repeat).await
    }

    /// Quiet mode on or off.
    async fn set_quiet(&self, on: bool) -> fdo::Result<()> {
        self.run(Command::SetQuiet(on)).await
    }

    /// Push-to-talk for one key or for people who cannot hold one: press when released,
    /// release when pressed.
    async fn toggle_push_to_talk(&self) -> fdo::Result<()> {
        self.run(Command::TogglePushToTalk).await
    }

    /// What the daemon uses and watches (devices, speech route, desktop signals), as JSON.
    async fn status(&self) -> String {
        self.now().details
    }

    /// What the assistant is doing.
    #[zbus(property)]
    async fn state(&self) -> String {
        self.now().state.name().to_owned()
    }

    /// Hands-free listening is on.
    #[zbus(property)]
    async fn listening(&self) -> bool {
        self.now().listening
    }

    /// Replies are text and notifications only.
    #[zbus(property)]
    async fn quiet(&self) -> bool {
        self.now().quiet
    }

    /// The pending question, or empty.
    #[zbus(property)]
    async fn question(&self) -> String {
        self.now().question
    }

    /// What a request was heard as.
    #[zbus(signal)]
    async fn heard(emitter: &SignalEmitter<'_>, transcript: &str) -> zbus::Result<()>;

    /// A reply, with the JSON object of `ask --json` (or of an operation's outcome).
    #[zbus(signal)]
    async fn replied(emitter: &SignalEmitter<'_>, text: &str, json: &str) -> zbus::Result<()>;

    /// A milestone of a long operation ("Building 3 of 12."): a few, never a flood.
    #[zbus(signal)]
    async fn progress(emitter: &SignalEmitter<'_>, text: &str) -> zbus::Result<()>;

    /// The `State` property changed (`StateChanged`; the property's own change signal is
    /// `PropertiesChanged`).
    #[zbus(signal, name = "StateChanged")]
    async fn state_signal(emitter: &SignalEmitter<'_>, state: &str) -> zbus::Result<()>;
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No session bus, or it refused us.
    #[error("the session bus: {0}")]
    Bus(#[from] zbus::Error),
    /// Another Luminous holds the name.
    #[error("another Luminous is already running on this session bus")]
    Taken,
}

/// The running server.
#[derive(Debug, Clone)]
pub struct Server {
    conn: zbus::Connection,
    status: Arc<Mutex<Status>>,
}

impl Server {
    /// Serve the API on the session bus (`DBUS_SESSION_BUS_ADDRESS`).
    pub async fn on_session_bus(calls: mpsc::UnboundedSender<Call>) -> Result<Server, ServeError> {
        Self::serve(zbus::Connection::session().await?, calls).await
    }

    /// Serve the API on `conn` (the session bus), taking [`NAME`]; calls go to `calls`.
    pub async fn serve(
        conn: zbus::Connection,
        calls: mpsc::UnboundedSender<Call>,
    ) -> Result<Server, ServeError> {
        let status = Arc::new(Mutex::new(Status::default()));
        conn.object_server()
            .at(
                PATH,
                Assistant {
                    calls,
                    status: Arc::clone(&status),
                },
            )
            .await?;
        use zbus::fdo::{RequestNameFlags, RequestNameReply};
        match conn
            .request_name_with_flags(NAME, RequestNameFlags::DoNotQueue.into())
            .await
        {
            Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => {}
            Ok(_) | Err(zbus::Error::NameTaken) => return Err(ServeError::Taken),
            Err(e) => return Err(ServeError::Bus(e)),
        }
        Ok(Server { conn, status })
    }

    /// Change what the properties show; the changed ones are announced
    /// (`PropertiesChanged`, and `StateChanged` for the state).
    pub async fn update(&self, change: impl FnOnce(&mut Status)) -> zbus::Result<()> {
        let (before, after) = {
            let mut s = self
                .status
                .lock()
                .map_err(|_| zbus::Error::Failure("the status lock was poisoned".into()))?;
            let before = s.clone();
            change(&mut s);
            (before, s.clone())
        };
        let iface = self
            .conn
            .object_server()
            .interface::<_, Assistant>(PATH)
            .await?;
        let iface = iface.get().await;
        let emitter = SignalEmitter::new(&self.conn, PATH)?;
        if before.state != after.state {
            iface.state_changed(&emitter).await?;
            Assistant::state_signal(&emitter, after.state.name()).await?;
        }
        if before.listening != after.listening {
            iface.listening_changed(&emitter).await?;
        }
        if before.quiet != after.quiet {
            iface.quiet_changed(&emitter).await?;
        }
        if before.question != after.question {
            iface.question_changed(&emitter).await?;
        }
        Ok(())
    }

    /// Announce a reply.
    pub async fn replied(&self, text: &str, json: &str) -> zbus::Result<()> {
        let emitter = SignalEmitter::new(&self.conn, PATH)?;
        Assistant::replied(&emitter, text, json).await
    }

    /// Announce a milestone of a long operation.
    pub async fn progress(&self, text: &str) -> zbus::Result<()> {
        let emitter = SignalEmitter::new(&self.conn, PATH)?;
        Assistant::progress(&emitter, text).await
    }

    /// Announce what a request was heard as.
    pub async fn heard(&self, transcript: &str) -> zbus::Result<()> {
        let emitter = SignalEmitter::new(&self.conn, PATH)?;
        Assistant::heard(&emitter, transcript).await
    }
}

#[zbus::proxy(
    interface = "org.luminous.Assistant1",
    default_service = "org.luminous.Assistant1",
    default_path = "/org/luminous/Assistant1",
    gen_async = false,
    blocking_name = "AssistantProxy"
)]
trait Assistant1 {
    fn ask(&self, text: &str) -> zbus::Result<(String, String)>;
    fn push_to_talk(&self, pressed: bool) -> zbus::Result<()>;
    fn set_listening(&self, on: bool) -> zbus::Result<()>;
    fn cancel(&self) -> zbus::Result<()>;
    fn repeat(&self) -> zbus::Result<()>;
    fn set_quiet(&self, on: bool) -> zbus::Result<()>;
    fn toggle_push_to_talk(&self) -> zbus::Result<()>;
    fn status(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn state(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn listening(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn quiet(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn question(&self) -> zbus::Result<String>;
}

/// What the daemon announces, as the command line follows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Announcement {
    /// `Replied(text, json)`.
    Replied(String, String),
    /// `Progress(text)`.
    Progress(String),
    /// `Heard(transcript)`.
    Heard(String),
    /// `StateChanged(state)`.
    State(State),
}

/// A state by its name on the bus.
fn state_named(name: &str) -> Option<State> {
    [
        State::Idle,
        State::Listening,
        State::Hearing,
        State::Thinking,
        State::Speaking,
        State::Working,
        State::Paused,
    ]
    .into_iter()
    .find(|s| s.name() == name)
}

/// A running daemon, for the command line (blocking calls).
#[derive(Debug)]
pub struct Client {
    proxy: AssistantProxy<'static>,
    conn: zbus::blocking::Connection,
}

impl Client {
    /// The daemon on the session bus, when one runs there (no session bus, or no daemon:
    /// `None`, and the command line works on its own).
    pub fn connect() -> Option<Client> {
        Self::on(zbus::blocking::Connection::session().ok()?)
    }

    /// The daemon on the bus at `address` (a private bus in tests), when one runs there.
    pub fn at_address(address: &str) -> Option<Client> {
        Self::on(
            zbus::blocking::connection::Builder::address(address)
                .ok()?
                .build()
                .ok()?,
        )
    }

    /// The daemon on this connection's bus, when one runs there.
    pub fn on(conn: zbus::blocking::Connection) -> Option<Client> {
        let dbus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
        let name = zbus::names::BusName::try_from(NAME).ok()?;
        if !dbus.name_has_owner(name).ok()? {
            return None;
        }
        // Properties are read from the daemon each time, not from a cache kept by
        // `PropertiesChanged`: a caller that has just seen `Replied` must see the state
        // the daemon set before announcing it (the cache is filled on another task and
        // may lag behind the signal stream).
        let proxy = zbus::blocking::proxy::Builder::<AssistantProxy>::new(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .ok()?;
        Some(Client { proxy, conn })
    }

    /// Follow what the daemon announces, from now on (subscribe before asking what you
    /// wait for). The thread ends with the connection.
    pub fn follow(&self) -> zbus::Result<std::sync::mpsc::Receiver<Announcement>> {
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(NAME)?
            .path(PATH)?
            .build();
        let messages = zbus::blocking::MessageIterator::for_match_rule(rule, &self.conn, None)?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for msg in messages.flatten() {
                let header = msg.header();
                let body = msg.body();
                let a = match header.member().map(|m| m.as_str()) {
                    Some("Replied") => body
                        .deserialize::<(String, String)>()
                        .ok()
                        .map(|(t, j)| Announcement::Replied(t, j)),
                    Some("Progress") => body
                        .deserialize::<String>()
                        .ok()
                        .map(Announcement::Progress),
                    Some("Heard") => body.deserialize::<String>().ok().map(Announcement::Heard),
                    Some("StateChanged") => body
                        .deserialize::<String>()
                        .ok()
                        .and_then(|s| state_named(&s))
                        .map(Announcement::State),
                    _ => None,
                };
                if let Some(a) = a
                    && tx.send(a).is_err()
                {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// The daemon's process ID, as the bus knows it.
    pub fn pid(&self) -> zbus::Result<u32> {
        let dbus = zbus::blocking::fdo::DBusProxy::new(&self.conn)?;
        let name = zbus::names::BusName::try_from(NAME)?;
        Ok(dbus.get_connection_unix_process_id(name)?)
    }

    /// `Ask`: the reply and its JSON object.
    pub fn ask(&self, text: &str) -> zbus::Result<(String, String)> {
        self.proxy.ask(text)
    }

    /// `PushToTalk`.
    pub fn push_to_talk(&self, pressed: bool) -> zbus::Result<()> {
        self.proxy.push_to_talk(pressed)
    }

    /// `SetListening`.
    pub fn set_listening(&self, on: bool) -> zbus::Result<()> {
        self.proxy.set_listening(on)
    }

    /// `Cancel`.
    pub fn cancel(&self) -> zbus::Result<()> {
        self.proxy.cancel()
    }

    /// `Repeat`.
    pub fn repeat(&self) -> zbus::Result<()> {
        self.proxy.repeat()
    }

    /// `SetQuiet`.
    pub fn set_quiet(&self, on: bool) -> zbus::Result<()> {
        self.proxy.set_quiet(on)
    }

    /// `TogglePushToTalk`.
    pub fn toggle_push_to_talk(&self) -> zbus::Result<()> {
        self.proxy.toggle_push_to_talk()
    }

    /// The properties and `Status()`'s details.
    pub fn status(&self) -> zbus::Result<(Status, String)> {
        let state = self.proxy.state()?;
        let status = Status {
            state: state_named(&state).unwrap_or_default(),
            listening: self.proxy.listening()?,
            quiet: self.proxy.quiet()?,
            question: self.proxy.question()?,
            details: String::new(),
        };
        Ok((status, self.proxy.status()?))
    }
}
