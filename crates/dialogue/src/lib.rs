//! Luminous's dialogue: a pure state machine from interpretations to replies and plans.
//!
//! One [`Dialogue`] per conversation. Each [`Dialogue::turn`] takes what the user said and a
//! [`Context`] (the package index, the loaded configuration, settings) and returns a [`Turn`]:
//! the interpretation, a short plain reply, and an [`Action`] for the host (run a plan now,
//! wait for a confirmation, remember a preference). After the host ran a plan,
//! [`Dialogue::outcome`] words the result. Nothing here does I/O.

pub mod advice;
mod howto;
mod memory;
pub mod plan;
mod planner;
mod similar;
pub mod vocab;
mod words;

use serde::{Deserialize, Serialize};

use luminous_intent::answer::{self, Answer};
use luminous_intent::{Candidate, IntentKind, Interpretation, PackageIndex, Slots, interpret};
use luminous_nixcfg::edit::SourceFile;

pub use plan::{Launched, Outcome, Plan, Risk, Step, StepOutcome};

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
    /// The nixpkgs packages are read from (a channel, a checkout, the system flake's locked
    /// input), for trying a package from the same set; found by the host.
    pub package_source: Option<String>,
    /// This machine's host name, for `--flake PATH#HOST`.
    pub hostname: Option<String>,
    /// True when the flake's folder is not writable by the user (a flake update then goes
    /// through the privilege helper).
    pub flake_needs_root: bool,
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
            package_source: None,
            hostname: None,
            flake_needs_root: false,
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

/// A change Luminous made earlier that nothing has undone, from the execution log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its execution-log id.
    pub id: i64,
    /// What it carried out.
    pub intent: IntentKind,
    /// Its plan's summary ("Install Firefox for the whole system").
    pub summary: String,
    /// The files it edited, in order.
    pub edits: Vec<ChangedFile>,
    /// True when it rebuilt the system after editing.
    pub rebuilt: bool,
}

/// One file a change edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// The file.
    pub file: String,
    /// Its text before the change.
    pub before: String,
    /// Its text after the change.
    pub after: String,
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
    /// Problems the next rebuild would stop on that are not in the files read (an import
    /// that is required and missing), located at the import.
    pub config_problems: &'a [luminous_nixcfg::Diagnostic],
    /// Settings.
    pub settings: &'a Settings,
    /// The output of the last failed system change, if the store has one.
    pub last_failure: Option<&'a str>,
    /// The last change Luminous made that nothing has undone.
    pub last_change: Option<&'a Change>,
    /// A second opinion for requests the rules are unsure of (the local language model).
    pub adviser: Option<&'a dyn advice::Adviser>,
    /// The user's own words, learned from clarifications.
    pub vocabulary: &'a [vocab::Word],
}

impl<'a> Context<'a> {
    /// A context with this index, configuration and settings, and nothing else known: the
    /// index is not complete and nothing has failed.
    pub fn new(
        index: &'a PackageIndex,
        config: Result<&'a [SourceFile], &'a str>,
        settings: &'a Settings,
    ) -> Context<'a> {
        Context {
            index,
            index_complete: false,
            config,
            config_problems: &[],
            settings,
            last_failure: None,
            last_change: None,
            adviser: None,
            vocabulary: &[],
        }
    }
}

/// The interpretation after a second opinion, when the rules were unsure and an adviser
/// answered in time; else the rules' own.
fn advised(text: &str, interp: Interpretation, ctx: &Context<'_>) -> Interpretation {
    let Some(adviser) = ctx.adviser.filter(|_| advice::wanted(&interp)) else {
        return interp;
    };
    let Some(opinion) = adviser.pick(text) else {
        return interp;
    };
    advice::advise(&interp, &opinion, ctx.index).unwrap_or(interp)
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
    /// Keep this phrase as the user taught it ("call chromium my browser").
    Learn {
        /// The phrase and its meaning.
        word: vocab::Word,
    },
    /// Forget a learned phrase (`None`: every one); the host's store keeps them.
    Forget {
        /// The phrase.
        phrase: Option<String>,
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

/// How sure speech recognition is, and whether the words overlapped the assistant's own
/// speech. Typed text has none of this.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Spoken {
    /// 0 to 1: how sure speech recognition is of the words (whisper's least likely word,
    /// lowered by its no-speech probability).
    pub confidence: f32,
    /// True when the words were spoken while the assistant was speaking.
    pub overlapped: bool,
    /// Each word with its own probability, when speech recognition gives them.
    #[serde(default)]
    pub words: Vec<(String, f32)>,
}

impl Spoken {
    /// How sure speech recognition is of the words that say yes ("Yeah" in "Yeah, go for
    /// it"): the least likely of them, or of all words when none alone affirms.
    pub fn yes_certainty(&self) -> f32 {
        self.words
            .iter()
            .filter(|(w, _)| answer::is_affirming_word(w))
            .map(|(_, p)| *p)
            .reduce(f32::min)
            .unwrap_or(self.confidence)
    }

    /// Whether the yes was heard as a word speech recognition also writes for a spoken "nah"
    /// ("Yeah", at 0.1 to 0.5 with espeak-ng voices): such a yes must be as sure as one to a
    /// high-risk plan.
    pub fn yes_sounds_like_no(&self) -> bool {
        self.words.iter().any(|(w, _)| {
            matches!(
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
                    .as_str(),
                "yeah" | "yea" | "ya" | "yah"
            )
        })
    }
}

/// A spoken yes to a high-risk plan heard with less certainty than this is asked again.
pub const SURE_YES: f32 = 0.6;

/// A spoken yes to any other system change heard with less certainty than this is asked
/// again: speech recognition hears "nah" as "Yeah" (measured: 0.27), clear yeses mostly
/// well above (docs/ARCHITECTURE.md).
pub const CLEAR_YES: f32 = 0.3;

/// One conversation.
#[derive(Debug, Clone)]
pub struct Dialogue {
    state: State,
    /// Unclear answers to the pending question so far (the second one cancels).
    unclear: u8,
    last_reply: Option<Reply>,
    /// The request that led to the pending choice: its words, its kind, and whether it was
    /// the language model's guess (nothing is learned from those).
    asked: Option<(String, IntentKind, bool)>,
    /// The phrase the pending choice taught, learned once its change goes through.
    learnable: Option<vocab::Word>,
    /// A phrase just learned, for the host to keep.
    learned: Option<vocab::Word>,
    /// The programs the last replies mentioned, best first ("install it").
    mentioned: Vec<String>,
    /// The last request and how it was understood ("why?").
    understood: Option<(String, Interpretation)>,
    /// The last change failed ("why?" is then about the failure).
    failed: bool,
    /// Current preferences.
    pub prefs: Preferences,
}

impl Dialogue {
    /// A new conversation with these preferences.
    pub fn new(prefs: Preferences) -> Dialogue {
        Dialogue {
            state: State::Idle,
            unclear: 0,
            last_reply: None,
            asked: None,
            learnable: None,
            learned: None,
            mentioned: Vec::new(),
            understood: None,
            failed: false,
            prefs,
        }
    }

    /// The phrase learned by the last outcome, to keep (then None).
    pub fn take_learned(&mut self) -> Option<vocab::Word> {
        self.learned.take()
    }

    /// True while the dialogue waits for an answer (yes/no or a choice).
    pub fn awaiting_answer(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// The question waiting for an answer, as it was last put.
    pub fn pending_question(&self) -> Option<&str> {
        self.last_reply
            .as_ref()
            .filter(|_| self.awaiting_answer())
            .map(|r| r.text.as_str())
    }

    /// Handle one typed utterance.
    pub fn turn(&mut self, text: &str, ctx: &Context<'_>) -> Turn {
        self.take(text, None, ctx)
    }

    /// Handle one spoken utterance, with how sure speech recognition was of it.
    pub fn turn_spoken(&mut self, text: &str, spoken: &Spoken, ctx: &Context<'_>) -> Turn {
        self.take(text, Some(spoken), ctx)
    }

    fn take(&mut self, text: &str, spoken: Option<&Spoken>, ctx: &Context<'_>) -> Turn {
        let mut interp = interpret(text, ctx.index);
        let fresh = matches!(self.state, State::Idle);
        let back = if fresh {
            memory::refers_back(text, &self.mentioned)
        } else {
            None
        };
        let answered = match &back {
            Some(memory::Back::Why) if !self.failed => self
                .understood
                .as_ref()
                .map(|(said, last)| memory::why(said, last, ctx.index)),
            Some(memory::Back::Describe(at)) => {
                Some(memory::describe(&self.mentioned, *at, ctx.index))
            }
            _ => None,
        };
        if let Some(text) = answered {
            let reply = statement(&text);
            self.last_reply = Some(reply.clone());
            return Turn {
                interpretation: interp,
                reply,
                action: Action::None,
            };
        }
        if let Some(memory::Back::Request(meant)) = &back {
            interp = interpret(meant, ctx.index);
        } else if fresh {
            // The user's own words stand for what they were taught to mean, except in a
            // question about those words.
            if interp.intent != IntentKind::Vocabulary
                && let Some((meant, _)) = vocab::apply(text, ctx.vocabulary)
            {
                interp = interpret(&meant, ctx.index);
            }
            interp = advised(text, interp, ctx);
        }
        let state = std::mem::replace(&mut self.state, State::Idle);
        let (reply, action, next) = match state {
            State::Idle => {
                let (reply, action) = self.idle(&interp, ctx);
                (reply, action, None)
            }
            pending => self.answer(text, spoken, &mut interp, pending, ctx),
        };
        // A new question starts with a clean slate; an unclear answer keeps its count.
        self.state = match next {
            Some(kept) => kept,
            None => {
                self.unclear = 0;
                match &action {
                    Action::Confirm { plan } => State::Confirming(plan.clone()),
                    Action::Choose { options } => State::Choosing(options.clone()),
                    _ => State::Idle,
                }
            }
        };
        let named: Vec<String> = match &action {
            Action::Choose { options } => options
                .iter()
                .filter_map(|o| o.slots.get("package").cloned())
                .collect(),
            Action::Confirm { plan } | Action::Execute { plan } => plan.subjects.clone(),
            _ => interp.slots.get("package").into_iter().cloned().collect(),
        };
        if !named.is_empty() {
            self.mentioned = named;
        }
        if fresh
            && !matches!(
                interp.intent,
                IntentKind::Repeat | IntentKind::Confirm | IntentKind::Cancel
            )
        {
            self.understood = Some((text.to_owned(), interp.clone()));
        }
        match &action {
            Action::Choose { .. } if fresh && vocab::teaches(interp.intent) => {
                self.asked = Some((
                    interp.heard.clone(),
                    interp.intent,
                    advice::is_guess(&interp),
                ));
            }
            Action::Choose { .. } => {}
            // A corrected reading asked about and confirmed is a clarification resolved too.
            Action::Confirm { .. } if fresh => {
                self.asked = None;
                self.learnable = vocab::corrected(&interp);
            }
            Action::Confirm { .. } | Action::Execute { .. } => self.asked = None,
            _ => {
                self.asked = None;
                self.learnable = None;
            }
        }
        let turn = Turn {
            interpretation: interp,
            reply,
            action,
        };
        if turn.interpretation.intent != IntentKind::Repeat {
            self.last_reply = Some(turn.reply.clone());
        }
        turn
    }

    /// The last reply again; `question` while a question is pending.
    fn repeat(&self, question: bool) -> Reply {
        let text = self.last_reply.as_ref().map_or_else(
            || "I have not said anything yet.".to_owned(),
            |r| r.text.clone(),
        );
        Reply { text, question }
    }

    /// A turn with no question pending.
    fn idle(&mut self, interp: &Interpretation, ctx: &Context<'_>) -> (Reply, Action) {
        match interp.intent {
            IntentKind::Repeat => (self.repeat(false), Action::None),
            IntentKind::Cancel => (statement("There is nothing to cancel."), Action::None),
            IntentKind::Confirm => (
                statement("There is nothing to confirm right now."),
                Action::None,
            ),
            // A guess is only ever a question, even about how to talk.
            IntentKind::SetPreference if !advice::is_guess(interp) => self.set_preference(interp),
            IntentKind::Vocabulary => {
                let (text, action) = vocab::reply(interp, ctx);
                match action {
                    Action::Choose { .. } => (question(&text), action),
                    _ => (statement(&text), action),
                }
            }
            _ => self.fresh(interp, ctx),
        }
    }

    /// A turn while a question is pending. Returns the state to keep when the question
    /// stays (None: the state follows from the action).
    fn answer(
        &mut self,
        text: &str,
        spoken: Option<&Spoken>,
        interp: &mut Interpretation,
        pending: State,
        ctx: &Context<'_>,
    ) -> (Reply, Action, Option<State>) {
        if interp.intent == IntentKind::Repeat {
            return (self.repeat(true), Action::None, Some(pending));
        }
        // Stopping is always allowed; any other words over our own speech (often our own
        // voice, heard back) are never taken as an answer.
        if spoken.is_some_and(|s| s.overlapped) && interp.intent != IntentKind::Cancel {
            let text = format!(
                "I was still speaking, so I did not take that as an answer. {}",
                short_question(&pending, ctx.index)
            );
            return keep(pending, &text);
        }
        // "what can you do" while asked is about the assistant, not about the question: what
        // it can do, then the question again, unchanged. A bare "help" is about the question
        // (below: its details).
        if interp.intent == IntentKind::Help
            && interp.confidence >= luminous_intent::ACT_THRESHOLD
            && luminous_intent::normalize::normalize(text).raw != ["help"]
        {
            let text = words::join(words::help(), &short_question(&pending, ctx.index));
            return keep(pending, &text);
        }
        let echo = echo_words(&pending, ctx.index);
        let echo: Vec<&str> = echo.iter().map(String::as_str).collect();
        let reading = answer::read(text, &echo);
        let said = reading.answer;
        // "talk slower" keeps the question; "more details" while asked is a question about it.
        if interp.intent == IntentKind::SetPreference && said != Answer::Question {
            let (reply, action) = self.set_preference(interp);
            return (reply, action, Some(pending));
        }
        // A bare question ("why?") is about the pending question, not a new request.
        let may_be_new = said != Answer::Question || reading.has_content;
        let as_answer = |interp: &mut Interpretation| {
            interp.intent = IntentKind::Confirm;
            interp.slots = Slots::from([("answer".to_owned(), said.name().to_owned())]);
            interp.options.clear();
        };
        match pending {
            State::Confirming(plan) => {
                if said == Answer::Yes {
                    as_answer(interp);
                    let needed = if plan.risk == Risk::High
                        || spoken.is_some_and(Spoken::yes_sounds_like_no)
                    {
                        SURE_YES
                    } else {
                        CLEAR_YES
                    };
                    let unsure = spoken.is_some_and(|s| s.yes_certainty() < needed);
                    if plan.changes_system && unsure {
                        return self.unclear(
                            State::Confirming(plan),
                            "I want to be sure I heard you.",
                            ctx,
                        );
                    }
                    return (
                        statement(&words::starting(&plan)),
                        Action::Execute { plan },
                        None,
                    );
                }
                let again = may_be_new
                    .then(|| self.new_request(text, &State::Confirming(plan.clone()), ctx));
                match again {
                    Some(Request::New(new)) => {
                        *interp = new;
                        return self.dropped(interp, ctx);
                    }
                    // The pending request said again: its question again, from the start.
                    Some(Request::Same) => {
                        self.unclear = 0;
                        let text = words::confirm_text(&plan, self.prefs.verbosity);
                        return keep(State::Confirming(plan), &text);
                    }
                    _ => {}
                }
                as_answer(interp);
                match said {
                    Answer::Question => {
                        let text = words::confirm_text(&plan, Verbosity::Detailed);
                        keep(State::Confirming(plan), &text)
                    }
                    Answer::No => (cancelled(), Action::None, None),
                    _ => self.unclear(State::Confirming(plan), "", ctx),
                }
            }
            State::Choosing(options) => {
                let picked = match chosen_number(interp) {
                    Some(n) if n >= 1 && n <= options.len() => Some(n - 1),
                    _ => pick_by_name(&options, interp, ctx.index),
                };
                let picked = picked.or((options.len() == 1 && said == Answer::Yes).then_some(0));
                if let Some(i) = picked {
                    interp.intent = IntentKind::Confirm;
                    interp.slots = Slots::from([("answer".to_owned(), (i + 1).to_string())]);
                    interp.confidence = interp.confidence.max(0.9);
                    let chosen = &options[i];
                    self.learnable = self.asked.take().and_then(|(heard, intent, guessed)| {
                        let (slot, value) = vocab::taught_slot(&chosen.slots)?;
                        let phrase = vocab::phrase_of(&heard, words::verbs(intent))?;
                        (!guessed && phrase != *value).then(|| vocab::Word {
                            phrase,
                            slot: slot.into(),
                            value: value.clone(),
                        })
                    });
                    let (reply, action) = if chosen.intent == IntentKind::Vocabulary {
                        let (text, action) = vocab::taught(&chosen.slots, ctx);
                        (statement(&text), action)
                    } else if chosen.intent == IntentKind::SetPreference {
                        let mut how = interp.clone();
                        how.slots = chosen.slots.clone();
                        self.set_preference(&how)
                    } else {
                        self.carry_out(chosen, ctx)
                    };
                    return (reply, action, None);
                }
                let pending = State::Choosing(options);
                if let Some(Request::New(new)) =
                    may_be_new.then(|| self.new_request(text, &pending, ctx))
                {
                    *interp = new;
                    return self.dropped(interp, ctx);
                }
                as_answer(interp);
                match said {
                    Answer::No => (cancelled(), Action::None, None),
                    Answer::Question => {
                        let text = short_question(&pending, ctx.index);
                        keep(pending, &text)
                    }
                    _ => self.unclear(pending, "", ctx),
                }
            }
            State::Idle => {
                let (reply, action) = self.fresh(interp, ctx);
                (reply, action, None)
            }
        }
    }

    /// An answer that is not clear: the question again, in its short form, once; the second
    /// unclear answer cancels.
    fn unclear(
        &mut self,
        pending: State,
        lead: &str,
        ctx: &Context<'_>,
    ) -> (Reply, Action, Option<State>) {
        if self.unclear >= 1 {
            self.unclear = 0;
            let text = match pending {
                State::Confirming(_) => "I did not get a clear yes, so I did not change anything.",
                _ => "I did not get a clear answer, so I did not change anything.",
            };
            return (statement(text), Action::None, None);
        }
        self.unclear += 1;
        let text = words::join(lead, &short_question(&pending, ctx.index));
        keep(pending, &text)
    }

    /// A clear request of its own said while a question was pending ("no, install chromium
    /// instead"), or the pending one said again.
    fn new_request(&self, text: &str, pending: &State, ctx: &Context<'_>) -> Request {
        let rest = answer::after_answer_words(text);
        let i = interpret(&rest, ctx.index);
        let request = !matches!(
            i.intent,
            IntentKind::Unknown
                | IntentKind::Confirm
                | IntentKind::Cancel
                | IntentKind::Repeat
                | IntentKind::SetPreference
                | IntentKind::Help
        );
        let clear = (i.confidence >= luminous_intent::ACT_THRESHOLD && has_required_slots(&i))
            || (!i.options.is_empty() && i.options.iter().all(|o| !o.slots.is_empty()));
        if !request || !clear || luminous_intent::is_reversed(&rest) {
            return Request::None;
        }
        // Saying the pending request again is not a new one: its plan would be the same.
        let candidate = Candidate {
            intent: i.intent,
            slots: i.slots.clone(),
        };
        let same = match pending {
            State::Confirming(plan) => matches!(
                planner::plan(&candidate, ctx, self.prefs.verbosity),
                planner::Planned::Plan(p) if p == *plan
            ),
            State::Choosing(options) => options.contains(&candidate),
            State::Idle => false,
        };
        if same { Request::Same } else { Request::New(i) }
    }

    /// The pending question is dropped for a new request, and the reply says so.
    fn dropped(
        &mut self,
        interp: &Interpretation,
        ctx: &Context<'_>,
    ) -> (Reply, Action, Option<State>) {
        let (reply, action) = self.fresh(interp, ctx);
        let text = words::join(
            "I dropped the earlier question; nothing was changed.",
            &reply.text,
        );
        (
            Reply {
                text,
                question: reply.question,
            },
            action,
            None,
        )
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
            ("verbosity", "normal") => {
                self.prefs.verbosity = Verbosity::Normal;
                "All right, back to the usual amount of detail."
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

    /// Word the result of a plan the host ran. After a rollback that left Luminous's last
    /// change in the configuration files, the reply offers to take it out of them too (the
    /// next turn's yes does).
    pub fn outcome(&mut self, plan: &Plan, outcome: &Outcome, ctx: &Context<'_>) -> Reply {
        let mut text = words::outcome(plan, outcome, ctx, self.prefs.verbosity);
        self.failed = !outcome.ok && !outcome.cancelled;
        // The change a clarification led to went through: its phrase is learned, said once.
        if let Some(w) = self.learnable.take()
            && outcome.ok
            && (plan.subjects.contains(&w.value)
                || plan.subjects.contains(&vocab::meaning(&w, ctx.index)))
        {
            text = words::join(
                &text,
                &format!(
                    "I will remember that {} means {}.",
                    vocab::said_back(&w.phrase),
                    vocab::meaning(&w, ctx.index)
                ),
            );
            self.learned = Some(w);
        }
        let offer = (plan.intent == IntentKind::RollbackSystem && outcome.ok)
            .then_some(ctx.last_change)
            .flatten()
            .filter(|c| c.rebuilt && !c.edits.is_empty())
            .and_then(|c| planner::undo(c, ctx, true).ok().map(|p| (c, p)));
        let reply = match offer {
            Some((change, undo)) => {
                let text = words::join(&text, &words::still_in_files(change, &undo));
                self.state = State::Confirming(undo);
                self.unclear = 0;
                question(&text)
            }
            None => statement(&text),
        };
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

/// What an answer that is not a yes may be instead.
enum Request {
    /// Not a request.
    None,
    /// The pending request, said again.
    Same,
    /// Another request.
    New(Interpretation),
}

/// The reply that keeps a question pending.
fn keep(pending: State, text: &str) -> (Reply, Action, Option<State>) {
    let action = match &pending {
        State::Confirming(plan) => Action::Confirm { plan: plan.clone() },
        State::Choosing(options) => Action::Choose {
            options: options.clone(),
        },
        State::Idle => Action::None,
    };
    (question(text), action, Some(pending))
}

fn cancelled() -> Reply {
    statement("All right, I did not change anything.")
}

/// The pending question in its short form; a confirmation names the action.
fn short_question(pending: &State, index: &PackageIndex) -> String {
    match pending {
        State::Confirming(plan) => words::confirm_question(plan),
        State::Choosing(options) => match options.as_slice() {
            [only] => format!("{} Please say yes or no.", words::one_option(only, index)),
            _ => format!(
                "Please say a number from 1 to {}, or cancel.",
                options.len()
            ),
        },
        State::Idle => String::new(),
    }
}

/// The words that stand for what the pending question is about: its verbs and the names of
/// what it changes ("yes, install firefox" is a yes to installing Firefox).
fn echo_words(pending: &State, index: &PackageIndex) -> Vec<String> {
    let (intent, names): (IntentKind, Vec<String>) = match pending {
        State::Confirming(plan) => (plan.intent, plan.subjects.clone()),
        State::Choosing(options) => match options.as_slice() {
            [only] => (only.intent, only.slots.values().cloned().collect()),
            _ => return vec![],
        },
        State::Idle => return vec![],
    };
    let mut out: Vec<String> = words::verbs(intent)
        .iter()
        .map(|v| (*v).to_owned())
        .collect();
    for n in names {
        if let Some(p) = index.get(&n) {
            out.push(p.display_name().to_lowercase());
            out.push(p.pname.to_lowercase());
        }
        out.push(n.to_lowercase());
    }
    out
}

/// A numbered choice in the interpretation ("the second one"), 1-based.
fn chosen_number(interp: &Interpretation) -> Option<usize> {
    if interp.intent != IntentKind::Confirm {
        return None;
    }
    interp.slots.get("answer").and_then(|n| n.parse().ok())
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
