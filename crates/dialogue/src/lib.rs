//! Luminous's dialogue: a pure state machine from interpretations to replies and plans.
//!
//! One [`Dialogue`] per conversation. Each [`Dialogue::turn`] takes what the user said and a
//! [`Context`] (the package index, the loaded configuration, settings) and returns a [`Turn`]:
//! the interpretation, a short plain reply, and an [`Action`] for the host (run a plan now,
//! wait for a confirmation, remember a preference). After the host ran a plan,
//! [`Dialogue::outcome`] words the result. Nothing here does I/O.

pub mod plan;
mod planner;
mod words;

use serde::{Deserialize, Serialize};

use luminous_intent::{Candidate, IntentKind, Interpretation, PackageIndex, Slots, interpret};
use luminous_nixcfg::edit::SourceFile;

pub use plan::{Outcome, Plan, Risk, Step, StepOutcome};

/// How packages are installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InstallMode {
    /// Edit the NixOS configuration and rebuild (the default on NixOS).
    #[default]
    System,
    /// Install into a user profile with nix-env (no root, no configuration file).
    Profile,
}

/// Settings that shape plans (from the config file and the command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The NixOS entry configuration file.
    pub config_path: String,
    /// System or profile installs.
    pub install_mode: InstallMode,
    /// Stop after editing configuration files (no rebuild).
    pub no_rebuild: bool,
    /// The directory of a flake that builds this system, if the system uses one.
    pub flake: Option<String>,
    /// For profile mode: the Nix expression to install from (`-f`), e.g. a nixpkgs checkout.
    pub nixpkgs: Option<String>,
    /// For profile mode: the profile to change (default: the user's).
    pub profile: Option<String>,
    /// Generations younger than this many days survive garbage collection.
    pub gc_keep_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            config_path: "/etc/nixos/configuration.nix".into(),
            install_mode: InstallMode::System,
            no_rebuild: false,
            flake: None,
            nixpkgs: None,
            profile: None,
            gc_keep_days: 14,
        }
    }
}

/// How replies are worded and spoken.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    /// Speech rate as a multiple of normal (0.5 to 3.0).
    pub speech_rate: f32,
    /// How much is said.
    pub verbosity: Verbosity,
    /// Text only, no speech.
    pub quiet: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            speech_rate: 1.0,
            verbosity: Verbosity::Normal,
            quiet: false,
        }
    }
}

/// How much is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verbosity {
    /// The result only.
    Brief,
    /// The result and what happens next.
    Normal,
    /// Also the details (the commands, the files).
    Detailed,
}

/// What the dialogue knows of the world for one turn. Built by the host (which does the I/O).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The package index.
    pub index: &'a PackageIndex,
    /// True when the index is a complete nixpkgs (so unknown names are really unknown).
    pub index_complete: bool,
    /// The loaded configuration (entry file first), or why it could not be loaded.
    pub config: Result<&'a [SourceFile], &'a str>,
    /// Settings.
    pub settings: &'a Settings,
    /// The output of the last failed system change, if the store has one.
    pub last_failure: Option<&'a str>,
}

/// A reply: short, plain text, screen-reader friendly; speech uses the same words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text.
    pub text: String,
    /// True when the reply asks the user something.
    pub question: bool,
}

/// What the host should do after a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// Nothing: the reply says it all.
    None,
    /// Run this plan now (read-only, or confirmed), then call [`Dialogue::outcome`].
    Execute {
        /// The plan.
        plan: Plan,
    },
    /// The reply asks to confirm this plan; the next turn's yes runs it.
    Confirm {
        /// The plan.
        plan: Plan,
    },
    /// The reply offers numbered options; the next turn picks one.
    Choose {
        /// The options.
        options: Vec<Candidate>,
    },
    /// Remember this preference (the dialogue already uses it).
    SetPreference {
        /// `speech_rate`, `verbosity` or `quiet`.
        name: String,
        /// The new value.
        value: String,
    },
}

/// The result of one turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn {
    /// How the words were understood (after the dialogue's own reading of yes/no/numbers).
    pub interpretation: Interpretation,
    /// What to say.
    pub reply: Reply,
    /// What to do.
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    Choosing(Vec<Candidate>),
    Confirming(Plan),
}

/// One conversation.
#[derive(Debug, Clone)]
pub struct Dialogue {
    state: State,
    last_reply: Option<Reply>,
    /// Current preferences.
    pub prefs: Preferences,
}

impl Dialogue {
    /// A new conversation with these preferences.
    pub fn new(prefs: Preferences) -> Dialogue {
        Dialogue {
            state: State::Idle,
            last_reply: None,
            prefs,
        }
    }

    /// True while the dialogue waits for an answer (yes/no or a choice).
    pub fn awaiting_answer(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// Handle one utterance.
    pub fn turn(&mut self, text: &str, ctx: &Context<'_>) -> Turn {
        let mut interp = interpret(text, ctx.index);
        // Inside a choice, naming an option ("firefox esr") picks it.
        if let State::Choosing(options) = &self.state
            && let Some(i) = pick_by_name(options, &interp, ctx.index)
        {
            interp.intent = IntentKind::Confirm;
            interp.slots = Slots::from([("answer".to_owned(), (i + 1).to_string())]);
            interp.confidence = interp.confidence.max(0.9);
        }
        let (reply, action) = self.respond(&interp, ctx);
        let turn = Turn {
            interpretation: interp,
            reply,
            action,
        };
        self.remember(&turn);
        turn
    }

    fn remember(&mut self, turn: &Turn) {
        if turn.interpretation.intent != IntentKind::Repeat {
            self.last_reply = Some(turn.reply.clone());
        }
        self.state = match &turn.action {
            Action::Confirm { plan } => State::Confirming(plan.clone()),
            Action::Choose { options } => State::Choosing(options.clone()),
            Action::SetPreference { .. } => std::mem::replace(&mut self.state, State::Idle),
            Action::None if turn.interpretation.intent == IntentKind::Repeat => {
                std::mem::replace(&mut self.state, State::Idle)
            }
            _ => State::Idle,
        };
    }

    fn respond(&mut self, interp: &Interpretation, ctx: &Context<'_>) -> (Reply, Action) {
        let state = std::mem::replace(&mut self.state, State::Idle);
        match (interp.intent, state) {
            (IntentKind::Repeat, state) => {
                self.state = state;
                let text = self.last_reply.as_ref().map_or_else(
                    || "I have not said anything yet.".to_owned(),
                    |r| r.text.clone(),
                );
                (
                    Reply {
                        text,
                        question: self.awaiting_answer(),
                    },
                    Action::None,
                )
            }
            (IntentKind::Cancel, State::Idle) => {
                (statement("There is nothing to cancel."), Action::None)
            }
            (IntentKind::Cancel, _) => (statement("Cancelled. Nothing was changed."), Action::None),
            (IntentKind::Confirm, State::Confirming(plan)) => match answer(interp) {
                Answer::Yes => (statement(&words::starting(&plan)), Action::Execute { plan }),
                Answer::No => (
                    statement("All right, I did not change anything."),
                    Action::None,
                ),
                Answer::Choice(_) | Answer::Other => ask_again(State::Confirming(plan)),
            },
            (IntentKind::Confirm, State::Choosing(options)) => match answer(interp) {
                Answer::Choice(n) if n >= 1 && n <= options.len() => {
                    self.carry_out(&options[n - 1], ctx)
                }
                Answer::Yes if options.len() == 1 => self.carry_out(&options[0], ctx),
                Answer::No => (statement("All right. Nothing was changed."), Action::None),
                _ => ask_again(State::Choosing(options)),
            },
            // Words that mean nothing here (often misheard speech) do not drop the question.
            (IntentKind::Unknown, state @ (State::Confirming(_) | State::Choosing(_))) => {
                ask_again(state)
            }
            (IntentKind::Confirm, State::Idle) => ask_again(State::Idle),
            (IntentKind::SetPreference, state) => {
                self.state = state;
                self.set_preference(interp)
            }
            (_, _) => self.fresh(interp, ctx),
        }
    }

    /// A new request (any pending question is dropped: the user moved on).
    fn fresh(&mut self, interp: &Interpretation, ctx: &Context<'_>) -> (Reply, Action) {
        let low = interp.confidence < luminous_intent::ASK_THRESHOLD;
        let unsure = interp.confidence < luminous_intent::ACT_THRESHOLD;
        let prefix = words::notes_prefix(interp, ctx.index);
        if interp.intent == IntentKind::Unknown
            || (low && interp.options.is_empty() && !words::has_unknown_note(interp))
        {
            let text = words::join(&prefix, &words::not_understood(interp));
            return (statement(&text), Action::None);
        }
        if !interp.options.is_empty() && (unsure || !has_required_slots(interp)) {
            let text = words::join(&prefix, &words::offer(&interp.options, interp, ctx.index));
            return (
                question(&text),
                Action::Choose {
                    options: interp.options.clone(),
                },
            );
        }
        if !has_required_slots(interp) {
            let text = words::join(&prefix, &words::missing_slot(interp));
            return (statement(&text), Action::None);
        }
        let candidate = Candidate {
            intent: interp.intent,
            slots: interp.slots.clone(),
        };
        let (reply, action) = self.carry_out(&candidate, ctx);
        (
            Reply {
                text: words::join(&prefix, &reply.text),
                question: reply.question,
            },
            action,
        )
    }

    /// Plan and answer one fully specified request.
    fn carry_out(&mut self, c: &Candidate, ctx: &Context<'_>) -> (Reply, Action) {
        match planner::plan(c, ctx, self.prefs.verbosity) {
            planner::Planned::Reply(text) => (statement(&text), Action::None),
            planner::Planned::Choose { text, options } => {
                (question(&text), Action::Choose { options })
            }
            planner::Planned::Plan(plan) if plan.changes_system => (
                question(&words::confirm_text(&plan, self.prefs.verbosity)),
                Action::Confirm { plan },
            ),
            planner::Planned::Plan(plan) => {
                (statement(&words::starting(&plan)), Action::Execute { plan })
            }
        }
    }

    fn set_preference(&mut self, interp: &Interpretation) -> (Reply, Action) {
        let name = interp.slots.get("name").cloned().unwrap_or_default();
        let value = interp.slots.get("value").cloned().unwrap_or_default();
        let text = match (name.as_str(), value.as_str()) {
            ("speech_rate", v) => {
                self.prefs.speech_rate = match v {
                    "slower" => (self.prefs.speech_rate / 1.25).max(0.5),
                    "faster" => (self.prefs.speech_rate * 1.25).min(3.0),
                    _ => 1.0,
                };
                match v {
                    "slower" => "All right, I will talk slower.",
                    "faster" => "All right, I will talk faster.",
                    _ => "All right, back to normal speed.",
                }
            }
            ("verbosity", "brief") => {
                self.prefs.verbosity = Verbosity::Brief;
                "All right, I will keep it short."
            }
            ("verbosity", _) => {
                self.prefs.verbosity = Verbosity::Detailed;
                "All right, I will give more detail."
            }
            ("quiet", "on") => {
                self.prefs.quiet = true;
                "Quiet mode is on. I will answer in text only."
            }
            ("quiet", _) => {
                self.prefs.quiet = false;
                "Quiet mode is off. I will speak again."
            }
            _ => "I did not catch which setting to change.",
        };
        let value = match name.as_str() {
            "speech_rate" => format!("{:.2}", self.prefs.speech_rate),
            _ => value,
        };
        (statement(text), Action::SetPreference { name, value })
    }

    /// Word the result of a plan the host ran.
    pub fn outcome(&mut self, plan: &Plan, outcome: &Outcome, ctx: &Context<'_>) -> Reply {
        let reply = statement(&words::outcome(plan, outcome, ctx, self.prefs.verbosity));
        self.last_reply = Some(reply.clone());
        reply
    }
}

fn statement(text: &str) -> Reply {
    Reply {
        text: text.to_owned(),
        question: false,
    }
}

fn question(text: &str) -> Reply {
    Reply {
        text: text.to_owned(),
        question: true,
    }
}

/// The pending question again, after an answer that did not fit it (or, with none pending,
/// that there is nothing to answer).
fn ask_again(state: State) -> (Reply, Action) {
    match state {
        State::Confirming(plan) => {
            let text = format!("Please say yes or no. {}", words::confirm_question(&plan));
            (question(&text), Action::Confirm { plan })
        }
        State::Choosing(options) => {
            let text = match options.len() {
                1 => "Please say yes or no.".to_owned(),
                n => format!("Please say a number from 1 to {n}, or cancel."),
            };
            (question(&text), Action::Choose { options })
        }
        State::Idle => (
            statement("There is nothing to confirm right now."),
            Action::None,
        ),
    }
}

enum Answer {
    Yes,
    No,
    Choice(usize),
    Other,
}

fn answer(interp: &Interpretation) -> Answer {
    match interp.slots.get("answer").map(String::as_str) {
        Some("yes") => Answer::Yes,
        Some("no") => Answer::No,
        Some(n) => n.parse().map_or(Answer::Other, Answer::Choice),
        None => Answer::Other,
    }
}

fn has_required_slots(interp: &Interpretation) -> bool {
    luminous_intent::registry::has_required_slots(interp.intent, &interp.slots)
}

/// An option named in the utterance: its package or service appears in what was said.
fn pick_by_name(
    options: &[Candidate],
    interp: &Interpretation,
    index: &PackageIndex,
) -> Option<usize> {
    if interp.intent == IntentKind::Confirm {
        return None;
    }
    let said = luminous_intent::index::key_of(&interp.heard);
    if said.is_empty() {
        return None;
    }
    let matches: Vec<usize> = options
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.slots.values().any(|v| {
                let name = index
                    .get(v)
                    .map_or_else(|| v.clone(), |p| p.display_name().to_owned());
                luminous_intent::index::key_of(&name) == said
                    || luminous_intent::index::key_of(v) == said
            })
        })
        .map(|(i, _)| i)
        .collect();
    (matches.len() == 1).then(|| matches[0])
}
