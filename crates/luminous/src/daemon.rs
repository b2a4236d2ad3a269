//! `luminous daemon`: the assistant as a user service (what the systemd unit runs). One
//! session (one dialogue, one index, one store) that every face reaches over D-Bus
//! (`org.luminous.Assistant1`): "install firefox" typed in `chat` and "yes" asked from
//! another program are one conversation. Long operations run on their own threads while
//! the daemon keeps answering; "stop" or `Cancel()` stops them, with their process group.
//! systemd hears READY when the API is up, and WATCHDOG from the loop itself, so a loop
//! that hangs is restarted.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use luminous_desktop::watch::Signal;
use luminous_desktop::{Call, Command, Server, State};
use luminous_dialogue::{Outcome, Plan};
use luminous_nixexec::{Cancel, Progress};
use luminous_presence::{Delivery, Effect, Kind, Presence};

use crate::engine::{Job, Session};
use crate::turn::{Run, TurnArgs, respond, session};

/// What the loop serves.
enum Event {
    /// A D-Bus method call.
    Call(Call),
    /// A long operation ended.
    Done(Box<Job>, Outcome),
    /// A milestone of one.
    Progress(String),
    /// The desktop says something about the user (locked, idle, asleep).
    Desktop(Signal),
    /// SIGTERM or SIGINT.
    Stop,
}

/// Progress of a job, sent to the loop.
struct ToLoop(mpsc::Sender<Event>);

impl Progress for ToLoop {
    fn phase(&mut self, _: usize, _: usize, _: &str) {}
    fn line(&mut self, text: &str) {
        let _ = self.0.send(Event::Progress(text.to_owned()));
    }
}

/// The operation under way.
struct Running {
    summary: String,
    cancel: Cancel,
}

struct Daemon {
    s: Session,
    args: TurnArgs,
    presence: Presence,
    watching: Vec<&'static str>,
    server: Server,
    rt: tokio::runtime::Handle,
    events: mpsc::Sender<Event>,
    running: Option<Running>,
}

/// Serve until SIGTERM or SIGINT.
pub(crate) fn run(args: &TurnArgs) -> anyhow::Result<ExitCode> {
    let (mut s, _) = session(args, "dbus")?;
    s.runner.console = luminous_nixexec::launch::Console::Detached;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("luminous-dbus")
        .enable_all()
        .build()?;
    let (calls, mut incoming) = tokio::sync::mpsc::unbounded_channel();
    let server = match rt.block_on(Server::on_session_bus(calls)) {
        Ok(server) => server,
        Err(e) => anyhow::bail!("{e}"),
    };
    let (events, rx) = mpsc::channel();
    {
        let events = events.clone();
        rt.spawn(async move {
            while let Some(call) = incoming.recv().await {
                if events.send(Event::Call(call)).is_err() {
                    break;
                }
            }
        });
    }
    let (signals, mut desktop) = tokio::sync::mpsc::unbounded_channel();
    let watched = rt.block_on(luminous_desktop::watch::watch_desktop(
        signals,
        Duration::from_secs(300),
    ));
    {
        let events = events.clone();
        rt.spawn(async move {
            while let Some(signal) = desktop.recv().await {
                if events.send(Event::Desktop(signal)).is_err() {
                    break;
                }
            }
        });
    }
    {
        let events = events.clone();
        ctrlc::set_handler(move || {
            let _ = events.send(Event::Stop);
        })?;
    }
    let mut presence = Presence::new();
    presence.set_quiet(s.dialogue.prefs.quiet);
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
    };
    d.show_now();
    println!("Luminous is running. Ask it with: luminous chat, or luminous ask.");
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
    println!("Luminous stopped.");
    Ok(ExitCode::SUCCESS)
}

impl Daemon {
    fn handle(&mut self, event: Event) {
        match event {
            Event::Call(Call::Ask { text, reply }) => {
                let (text_reply, json) = self.ask(&text);
                let _ = reply.send((text_reply.clone(), json.to_string()));
                self.deliver(Kind::Answer, &text_reply, with_event(json, "reply"));
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
            Event::Progress(line) => {
                let _ = self.rt.block_on(self.server.progress(&line));
            }
            Event::Desktop(signal) => {
                for effect in self.presence.change(signal.change) {
                    match effect {
                        // No speaker or microphone of its own yet: nothing to stop or open.
                        Effect::StopSpeech | Effect::CloseMicrophone | Effect::OpenMicrophone => {}
                        Effect::Say(text) => {
                            let json = serde_json::json!({"event": "kept", "reply": text});
                            self.announce(&text, &with_delivery(json, Delivery::Spoken));
                        }
                    }
                }
                self.show_now();
                // Acted on: before sleep, the inhibitor may go now.
                drop(signal.done);
            }
            Event::Stop => {}
        }
    }

    /// A method without a result.
    fn command(&mut self, what: Command) {
        match what {
            Command::Cancel => {
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
                        self.announce(&text, &with_delivery(json, how));
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
                self.presence.set_quiet(on);
                self.show_now();
            }
            Command::SetListening(on) => {
                if on {
                    let text = "I have no microphone to listen with here. You can type to me: luminous chat.";
                    self.announce(text, &serde_json::json!({"event": "notice", "reply": text}));
                }
            }
            Command::PushToTalk(_) | Command::TogglePushToTalk => {
                let text = "Push-to-talk needs a microphone, and I have none here.";
                self.announce(text, &serde_json::json!({"event": "notice", "reply": text}));
            }
        }
    }

    /// One request or answer.
    fn ask(&mut self, text: &str) -> (String, serde_json::Value) {
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
        let answer = respond(s, args, text, None, Run::Background(&mut start));
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
        self.announce(text, &with_delivery(json, how));
    }

    /// Announce a reply (`Replied`).
    fn announce(&self, text: &str, json: &serde_json::Value) {
        let _ = self
            .rt
            .block_on(self.server.replied(text, &json.to_string()));
    }

    /// Show the state, the pending question and the preferences as properties.
    fn show(&self, state: State) {
        let question = self
            .s
            .dialogue
            .pending_question()
            .unwrap_or_default()
            .to_owned();
        let quiet = self.s.dialogue.prefs.quiet;
        let details = serde_json::json!({
            "microphone": null,
            "speaker": null,
            "speech": "none",
            "push_to_talk": "none",
            "watching": self.watching,
            "desktop": self.presence.desktop(),
            "index": self.s.index.source.describe(),
            "working": self.running.as_ref().map(|r| r.summary.clone()),
        })
        .to_string();
        let _ = self.rt.block_on(self.server.update(|st| {
            st.state = state;
            st.question = question;
            st.quiet = quiet;
            st.details = details;
        }));
    }

    fn show_now(&self) {
        let state = if !self.presence.may_listen() {
            State::Paused
        } else if self.running.is_some() {
            State::Working
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
