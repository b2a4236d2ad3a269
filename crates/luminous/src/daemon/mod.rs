//! The assistant's loop: one session (one dialogue, one index, one store) that every face
//! reaches. `luminous daemon` (what the systemd unit runs) serves it over D-Bus
//! (`org.luminous.Assistant1`), so "install firefox" typed in `chat` and "yes" said aloud
//! are one conversation; `luminous listen` runs the same loop in a terminal when no daemon
//! does. Everything that happens is an [`Event`] on one channel: method calls, what the
//! listening thread heard, the desktop's signals, long operations' milestones and ends.
//! Long operations run on their own threads while the loop keeps answering; "stop" or
//! `Cancel()` stops them, with their process group. systemd hears READY when the API is
//! up, and WATCHDOG from the loop itself, so a loop that hangs is restarted.

mod voice;

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use luminous_desktop::watch::Signal;
use luminous_desktop::{Call, Command, Server, State};
use luminous_dialogue::{Outcome, Plan, Spoken};
use luminous_nixexec::{Cancel, Progress};
use luminous_presence::milestones::Milestones;
use luminous_presence::{Delivery, Effect, Kind, Presence};

use crate::engine::{Job, Session};
use crate::listening::Report;
use crate::turn::{Run, TurnArgs, respond, session};

pub(crate) use voice::Wanted;

/// What the loop is for.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    /// Serve `org.luminous.Assistant1` on the session bus (the daemon).
    pub(crate) serve: bool,
    /// Print the conversation on standard output (`listen`, in a terminal).
    pub(crate) echo: bool,
    /// Listen and speak.
    pub(crate) voice: Option<Wanted>,
    /// Each line typed on standard input is a push-to-talk toggle (`listen --push-to-talk`).
    pub(crate) enter_toggles: bool,
}

/// What the loop serves.
enum Event {
    /// A D-Bus method call.
    Call(Call),
    /// A long operation ended.
    Done(Box<Job>, Outcome),
    /// A line of its output worth showing.
    Progress(String),
    /// Step `n` of `total` of it begins.
    Step(usize, usize, String),
    /// The desktop says something about the user (locked, idle, asleep).
    Desktop(Signal),
    /// The listening thread reports.
    Hearing(Report),
    /// Something the user should know, from a part of the assistant (the speaker failed).
    Notice(String),
    /// A line on standard input (push-to-talk in a terminal).
    Enter,
    /// Something shown in `status` changed (a screen reader started or stopped).
    Refresh,
    /// The desktop bound the push-to-talk shortcut (its trigger), or could not (why).
    ShortcutBound(Result<String, String>),
    /// The desktop's push-to-talk shortcut went down (true) or up.
    Shortcut(bool),
    /// SIGTERM or SIGINT.
    Stop,
}

/// Progress of a job, sent to the loop.
struct ToLoop(mpsc::Sender<Event>);

impl Progress for ToLoop {
    fn phase(&mut self, n: usize, total: usize, what: &str) {
        let _ = self.0.send(Event::Step(n, total, what.to_owned()));
    }
    fn line(&mut self, text: &str) {
        let _ = self.0.send(Event::Progress(text.to_owned()));
    }
}

/// The operation under way.
struct Running {
    summary: String,
    cancel: Cancel,
    /// What of its progress is said, and when.
    milestones: Milestones,
}

struct Daemon {
    s: Session,
    args: TurnArgs,
    presence: Presence,
    watching: Vec<&'static str>,
    server: Option<Server>,
    rt: tokio::runtime::Handle,
    events: mpsc::Sender<Event>,
    running: Option<Running>,
    voice: voice::Voice,
    echo: bool,
    /// Where replies shown and not spoken go (quiet mode, no speaker).
    notifier: Option<luminous_desktop::notify::Notifier>,
}

/// Run the loop until SIGTERM or SIGINT.
pub(crate) fn run(args: &TurnArgs, setup: &Setup) -> anyhow::Result<ExitCode> {
    let (mut s, dirs) = session(args, if setup.serve { "dbus" } else { "voice" })?;
    s.runner.console = luminous_nixexec::launch::Console::Detached;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("luminous-dbus")
        .enable_all()
        .build()?;
    let (events, rx) = mpsc::channel();
    let server = if setup.serve {
        let server = serve(&rt, &events)?;
        // Calls wait in the channel until the loop runs; `status` meanwhile says why.
        let _ = rt.block_on(server.update(|st| {
            st.details = serde_json::json!({"starting": true}).to_string();
        }));
        Some(server)
    } else {
        None
    };
    let (signals, desktop) = tokio::sync::mpsc::unbounded_channel();
    let watched = rt.block_on(luminous_desktop::watch::watch_desktop(
        signals,
        Duration::from_secs(300),
    ));
    forward(&rt, &events, desktop, Event::Desktop);
    {
        let events = events.clone();
        ctrlc::set_handler(move || {
            let _ = events.send(Event::Stop);
        })?;
    }
    if setup.enter_toggles {
        let events = events.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                line.clear();
                if events.send(Event::Enter).is_err() {
                    break;
                }
            }
        });
    }
    let voice = match &setup.voice {
        Some(wanted) => voice::Voice::start(&s, &dirs, wanted, &events)?,
        None => voice::Voice::none("voice is off".into()),
    };
    if let Some(flag) = voice.reader_flag() {
        watch_screen_reader(&rt, &events, flag);
    }
    if setup.serve && voice.wants_shortcut() {
        bind_shortcut(&rt, &events, s.resolved.voice.push_to_talk_key.clone());
    }
    let mut presence = Presence::new();
    presence.set_quiet(s.dialogue.prefs.quiet || !voice.can_speak());
    let mut d = Daemon {
        presence,
        watching: watched.sources,
        s,
        // Answers come as later requests: --yes never applies here.
        args: TurnArgs {
            yes: false,
            ..args.clone()
        },
        server,
        rt: rt.handle().clone(),
        events,
        running: None,
        voice,
        echo: setup.echo,
        notifier: if setup.serve {
            luminous_desktop::notify::Notifier::connect()
        } else {
            None
        },
    };
    d.show_now();
    if setup.serve {
        println!("Luminous is running. Ask it with: luminous chat, or luminous ask.");
    }
    if let Some(how) = d.voice.greeting(setup.enter_toggles) {
        d.say_line(&how);
    }
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
    // Pinged from this loop itself, at half the interval: a loop that hangs is restarted.
    let watchdog = sd_notify::watchdog_enabled().map(|w| w / 2);
    let tick = watchdog.map_or(Duration::from_secs(1), |w| w.min(Duration::from_secs(1)));
    let mut pinged = Instant::now();
    loop {
        match rx.recv_timeout(tick) {
            Ok(Event::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(event) => d.handle(event),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        d.milestone(|m| m.tick(Instant::now()));
        if let Some(w) = watchdog
            && pinged.elapsed() >= w
        {
            let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            pinged = Instant::now();
        }
    }
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    if let Some(r) = d.running.take() {
        let _ = r.cancel.cancel();
    }
    d.voice.stop();
    if setup.serve {
        println!("Luminous stopped.");
    } else {
        println!("Stopped listening.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Claim the name on the session bus and pass method calls to the loop.
fn serve(rt: &tokio::runtime::Runtime, events: &mpsc::Sender<Event>) -> anyhow::Result<Server> {
    let (calls, incoming) = tokio::sync::mpsc::unbounded_channel();
    let server = match rt.block_on(Server::on_session_bus(calls)) {
        Ok(server) => server,
        Err(e) => anyhow::bail!("{e}"),
    };
    forward(rt, events, incoming, Event::Call);
    Ok(server)
}

/// Bind push-to-talk through the desktop portal, and pass its presses to the loop.
fn bind_shortcut(rt: &tokio::runtime::Runtime, events: &mpsc::Sender<Event>, key: String) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let bound = events.clone();
    rt.spawn(async move {
        let r = luminous_desktop::shortcut::push_to_talk(&key, tx).await;
        let _ = bound.send(Event::ShortcutBound(
            r.map(|b| b.trigger).map_err(|e| e.to_string()),
        ));
    });
    forward(rt, events, rx, Event::Shortcut);
}

/// Keep `flag` saying whether a screen reader runs, and show it in `status`.
fn watch_screen_reader(
    rt: &tokio::runtime::Runtime,
    events: &mpsc::Sender<Event>,
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    rt.spawn(async move {
        // No session bus, no screen reader to follow: the flag keeps what was found.
        let _ = luminous_desktop::reader::watch_screen_reader(tx).await;
    });
    let events = events.clone();
    rt.spawn(async move {
        while let Some(on) = rx.recv().await {
            flag.store(on, std::sync::atomic::Ordering::SeqCst);
            if events.send(Event::Refresh).is_err() {
                break;
            }
        }
    });
}

/// Pass what an async channel yields to the loop, as `wrap` makes it an event.
fn forward<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    events: &mpsc::Sender<Event>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
    wrap: fn(T) -> Event,
) {
    let events = events.clone();
    rt.spawn(async move {
        while let Some(item) = rx.recv().await {
            if events.send(wrap(item)).is_err() {
                break;
            }
        }
    });
}

impl Daemon {
    fn handle(&mut self, event: Event) {
        match event {
            Event::Call(Call::Ask { text, reply }) => {
                let (text_reply, json) = self.ask(&text, None);
                let _ = reply.send((text_reply.clone(), json.to_string()));
                // Typed, so read: a text face's answer is not spoken.
                self.announce(
                    &text_reply,
                    &with_delivery(with_event(json, "reply"), Delivery::Text),
                );
            }
            Event::Call(Call::Do { what, done }) => {
                self.command(what);
                let _ = done.send(());
            }
            Event::Done(job, outcome) => {
                self.running = None;
                let text = self.s.finish(&job, &outcome);
                let json = serde_json::json!({
                    "event": "outcome",
                    "reply": text,
                    "intent": job.plan.intent,
                    "done": outcome.ok,
                    "outcome": outcome,
                });
                self.show_now();
                self.deliver(Kind::Result, &text, json);
            }
            Event::Step(n, total, what) => {
                self.milestone(|m| m.step(Instant::now(), n, total, &what));
            }
            Event::Progress(line) => {
                if self.echo {
                    println!("{line}");
                }
                if let Some(server) = &self.server {
                    let _ = self.rt.block_on(server.progress(&line));
                }
            }
            Event::Desktop(signal) => {
                let effects = self.presence.change(signal.change);
                // The new state first: whoever hears what was kept sees the user is back.
                self.show_now();
                for effect in effects {
                    match effect {
                        Effect::StopSpeech => self.voice.stop_speech(),
                        Effect::CloseMicrophone => self.voice.allow_microphone(false),
                        Effect::OpenMicrophone => self.voice.allow_microphone(true),
                        Effect::Tell(text, how) => {
                            let json = serde_json::json!({"event": "kept", "reply": text});
                            self.tell(&text, with_delivery(json, how), how);
                        }
                    }
                }
                self.show_now();
                // Acted on: before sleep, the inhibitor may go now.
                drop(signal.done);
            }
            Event::Hearing(report) => self.hearing(report),
            Event::Notice(text) => self.notice(&text),
            Event::Enter => {
                if self.echo && !self.voice.capturing() {
                    println!("Listening.");
                }
                if let Err(why) = self.voice.toggle() {
                    self.notice(&why);
                }
            }
            Event::Refresh => self.show_now(),
            Event::ShortcutBound(bound) => {
                self.voice.shortcut_bound(bound);
                self.show_now();
            }
            Event::Shortcut(down) => {
                if let Err(why) = self.voice.shortcut(down) {
                    self.notice(&why);
                }
            }
            Event::Stop => {}
        }
    }

    /// Say a milestone of the operation under way, when `due` has one.
    fn milestone(&mut self, due: impl FnOnce(&mut Milestones) -> Option<String>) {
        let Some(text) = self.running.as_mut().and_then(|r| due(&mut r.milestones)) else {
            return;
        };
        let json = serde_json::json!({"event": "milestone", "reply": text});
        self.deliver(Kind::Milestone, &text, json);
    }

    /// A method without a result.
    fn command(&mut self, what: Command) {
        match what {
            Command::Cancel => {
                self.voice.stop_speech();
                let text = match &self.running {
                    Some(r) => self.stop(&r.summary.clone(), r.cancel.clone()),
                    None => self.s.turn("cancel").reply.text,
                };
                self.show_now();
                self.announce(&text, &serde_json::json!({"event": "reply", "reply": text}));
            }
            Command::Repeat => {
                // What was kept while the user was away comes first (see Presence).
                match self.presence.repeat_kept() {
                    Some((text, how)) => {
                        let json = serde_json::json!({"event": "repeat", "reply": text});
                        self.tell(&text, with_delivery(json, how), how);
                    }
                    None => {
                        let text = self.s.turn("repeat").reply.text;
                        let json = serde_json::json!({"event": "repeat", "reply": text});
                        self.deliver(Kind::Answer, &text, json);
                    }
                }
            }
            Command::SetQuiet(on) => {
                self.s.turn(if on { "quiet mode" } else { "voice on" });
                self.presence.set_quiet(on || !self.voice.can_speak());
                // Quiet mode: voice input only through push-to-talk.
                self.voice.quiet(on);
                if on {
                    self.voice.stop_speech();
                }
                self.show_now();
            }
            Command::SetListening(on) => match self.voice.set_listening(on) {
                Ok(()) => self.show_now(),
                Err(why) => self.notice(&why),
            },
            Command::PushToTalk(pressed) => match self.voice.push_to_talk(pressed) {
                Ok(()) => {}
                Err(why) => self.notice(&why),
            },
            Command::TogglePushToTalk => match self.voice.toggle() {
                Ok(()) => {}
                Err(why) => self.notice(&why),
            },
        }
    }

    /// One request or answer, typed or heard.
    fn ask(&mut self, text: &str, spoken: Option<Spoken>) -> (String, serde_json::Value) {
        // "stop" while an operation runs stops it.
        if let Some(r) = &self.running
            && luminous_intent::interpret(text, &self.s.index.index).intent
                == luminous_intent::IntentKind::Cancel
        {
            let reply = self.stop(&r.summary.clone(), r.cancel.clone());
            return (
                reply.clone(),
                serde_json::json!({"reply": reply, "intent": "cancel"}),
            );
        }
        self.show(State::Thinking);
        let Daemon {
            s,
            args,
            events,
            running,
            ..
        } = self;
        let mut start = |s: &mut Session, plan: &Plan| start_job(s, plan, events, running);
        let answer = respond(s, args, text, spoken, Run::Background(&mut start));
        self.show_now();
        (answer.reply, answer.json)
    }

    /// Stop the operation under way; the reply.
    fn stop(&mut self, summary: &str, cancel: Cancel) -> String {
        match cancel.cancel() {
            Ok(()) => format!("Stopping: {}.", crate::turn::lower_first(summary)),
            Err(why) => format!("I could not stop it: {why}."),
        }
    }

    /// A reply, as the speech policy has it: said now, shown as text, or kept for the
    /// user's return; announced (`Replied`) in every case, with how it was delivered.
    fn deliver(&mut self, kind: Kind, text: &str, json: serde_json::Value) {
        let how = self.presence.deliver(kind, text);
        self.tell(text, with_delivery(json, how), how);
    }

    /// Say, show or keep `text` as decided, and announce it.
    fn tell(&mut self, text: &str, json: serde_json::Value, how: Delivery) {
        if self.echo {
            println!("{text}");
        }
        match how {
            Delivery::Spoken => self.voice.say(text, self.s.dialogue.prefs.speech_rate),
            // Not heard: shown where the user looks.
            Delivery::Text => {
                if let Some(n) = &self.notifier
                    && let Err(e) = n.show("Luminous", text)
                {
                    eprintln!("notification: {e}");
                }
            }
            Delivery::Kept | Delivery::Dropped => {}
        }
        self.announce(text, &json);
    }

    /// Something to know, said as any reply is.
    fn notice(&mut self, text: &str) {
        let json = serde_json::json!({"event": "notice", "reply": text});
        self.deliver(Kind::Answer, text, json);
    }

    /// A line of the terminal face only (how to use `listen`).
    fn say_line(&self, text: &str) {
        if self.echo {
            println!("{text}");
        }
    }

    /// Announce a reply (`Replied`).
    fn announce(&self, text: &str, json: &serde_json::Value) {
        if let Some(server) = &self.server {
            let _ = self.rt.block_on(server.replied(text, &json.to_string()));
        }
    }

    /// Show the state, the pending question and the preferences as properties.
    fn show(&self, state: State) {
        let Some(server) = &self.server else {
            return;
        };
        let question = self
            .s
            .dialogue
            .pending_question()
            .unwrap_or_default()
            .to_owned();
        let quiet = self.s.dialogue.prefs.quiet;
        let mut details = serde_json::json!({
            "watching": self.watching,
            "desktop": self.presence.desktop(),
            "index": self.s.index.source.describe(),
            "working": self.running.as_ref().map(|r| r.summary.clone()),
            "notifications": self.notifier.is_some(),
            "language_model": match (&self.s.adviser, &self.s.adviser_problem) {
                (Some(a), _) => a.describe(),
                (None, Some(why)) => why.clone(),
                (None, None) => crate::adviser::off_line(&self.s.resolved.voice),
            },
        });
        self.voice.describe(&mut details);
        let details = details.to_string();
        let listening = self.voice.listening();
        let _ = self.rt.block_on(server.update(|st| {
            st.state = state;
            st.question = question;
            st.quiet = quiet;
            st.listening = listening;
            st.details = details;
        }));
    }

    fn show_now(&self) {
        let state = if !self.presence.may_listen() {
            State::Paused
        } else if let Some(state) = self.voice.state() {
            state
        } else if self.running.is_some() {
            State::Working
        } else if self.voice.listening() && self.voice.hears() {
            State::Listening
        } else {
            State::Idle
        };
        self.show(state);
    }
}

/// Start `plan` on its own thread, unless another operation runs (one at a time: the
/// system is changed by one plan at a time).
fn start_job(
    s: &mut Session,
    plan: &Plan,
    events: &mpsc::Sender<Event>,
    running: &mut Option<Running>,
) -> Result<(), (Outcome, String)> {
    if let Some(r) = running {
        let text = format!(
            "I am still busy: {}. I will tell you when it is done; say stop to stop it.",
            crate::turn::lower_first(&r.summary)
        );
        return Err((Outcome::default(), text));
    }
    let mut job = s.begin(plan, "yes")?;
    *running = Some(Running {
        summary: plan.summary.clone(),
        cancel: job.cancel.clone(),
        milestones: Milestones::new(Instant::now()),
    });
    let events = events.clone();
    std::thread::spawn(move || {
        let outcome = job.run(&mut ToLoop(events.clone()));
        let _ = events.send(Event::Done(Box::new(job), outcome));
    });
    Ok(())
}

/// The reply's JSON object with how it was delivered.
fn with_delivery(mut json: serde_json::Value, how: Delivery) -> serde_json::Value {
    if let Some(o) = json.as_object_mut() {
        o.insert(
            "delivery".into(),
            serde_json::to_value(how).unwrap_or_default(),
        );
    }
    json
}

/// The reply's JSON object with what kind of reply it is, for the `Replied` signal.
fn with_event(mut json: serde_json::Value, event: &str) -> serde_json::Value {
    if let Some(o) = json.as_object_mut() {
        o.insert("event".into(), event.into());
    }
    json
}
