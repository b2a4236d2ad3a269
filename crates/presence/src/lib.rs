//! When the assistant may speak and listen. Pure: the desktop's state goes in (locked,
//! session active, user idle, asleep, quiet mode), and for each reply what becomes of it
//! comes out: said now, shown as text only, or kept and said when the user is back. Nothing
//! kept is lost: `Repeat` replays it.
//!
//! The rules (issue 8):
//! - An answer to a live request is said at once, unless the screen is locked or the
//!   session is not active; then it is kept.
//! - The result of a long operation is said at once if the user is active; if they went
//!   idle or locked the screen, it is kept and said on their return ("While you were away:
//!   ...").
//! - While the screen is locked or the session inactive the microphone is closed and
//!   nothing is spoken.
//! - Before sleep speech stops and the microphone closes; after resume both reopen.
//! - Quiet mode: nothing is spoken; replies are text (and notifications), and what was kept
//!   is shown on the user's return.

use serde::Serialize;

pub mod milestones;

/// What the desktop says about the user, as far as it says anything. A signal that is not
/// there leaves its default (unlocked, active, not idle, awake).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Desktop {
    /// The screen is locked.
    pub locked: bool,
    /// The session is not the active one (another user's, or switched away from).
    pub inactive: bool,
    /// The user has not touched the machine for a while.
    pub idle: bool,
    /// The machine is about to sleep, or asleep.
    pub asleep: bool,
}

/// A change the desktop reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The screen was locked (true) or unlocked.
    Locked(bool),
    /// The session became active (true) or inactive.
    Active(bool),
    /// The user went idle (true) or came back.
    Idle(bool),
    /// The machine is about to sleep (true) or has resumed.
    Sleep(bool),
}

/// What a reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The answer to a request just made.
    Answer,
    /// The result of a long operation, which may come while the user is away.
    Result,
    /// A milestone of a long operation: said when a result would be, shown in quiet mode,
    /// and dropped while the user is away (stale by their return; the result is kept).
    Milestone,
}

/// What becomes of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Said now (and shown).
    Spoken,
    /// Shown only (quiet mode): text and a notification.
    Text,
    /// Kept, and said when the user is back.
    Kept,
    /// Neither said nor kept (a milestone while the user is away).
    Dropped,
}

/// What the host should do after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Stop speaking now.
    StopSpeech,
    /// Close the microphone.
    CloseMicrophone,
    /// Open the microphone again.
    OpenMicrophone,
    /// Tell the user this, as said (spoken, or shown in quiet mode): what was kept while
    /// they were away.
    Tell(String, Delivery),
}

/// The policy's state.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    desktop: Desktop,
    quiet: bool,
    kept: Vec<String>,
}

impl Presence {
    /// A user who is there, with nothing kept.
    pub fn new() -> Presence {
        Presence::default()
    }

    /// The desktop's state as last reported.
    pub fn desktop(&self) -> Desktop {
        self.desktop
    }

    /// Quiet mode on or off.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// True while the user can be heard: not locked, active, awake.
    pub fn may_listen(&self) -> bool {
        let d = self.desktop;
        !d.locked && !d.inactive && !d.asleep
    }

    /// True while the user can hear a spoken reply to something they just asked.
    fn may_answer(&self) -> bool {
        self.may_listen()
    }

    /// True while the user is there for news they did not just ask for.
    fn may_tell(&self) -> bool {
        self.may_listen() && !self.desktop.idle
    }

    /// What becomes of a reply. A kept one is remembered for [`Presence::take_kept`].
    pub fn deliver(&mut self, kind: Kind, text: &str) -> Delivery {
        let now = match kind {
            Kind::Answer => self.may_answer(),
            Kind::Result | Kind::Milestone => self.may_tell(),
        };
        match (now, self.quiet) {
            (true, true) => Delivery::Text,
            (true, false) => Delivery::Spoken,
            (false, _) if kind == Kind::Milestone => Delivery::Dropped,
            (false, _) => {
                self.kept.push(text.to_owned());
                Delivery::Kept
            }
        }
    }

    /// The desktop reports a change: what to do now.
    pub fn change(&mut self, c: Change) -> Vec<Effect> {
        let could_listen = self.may_listen();
        let could_tell = self.may_tell();
        match c {
            Change::Locked(v) => self.desktop.locked = v,
            Change::Active(v) => self.desktop.inactive = !v,
            Change::Idle(v) => self.desktop.idle = v,
            Change::Sleep(v) => self.desktop.asleep = v,
        }
        let mut effects = Vec::new();
        match (could_listen, self.may_listen()) {
            (true, false) => {
                effects.push(Effect::StopSpeech);
                effects.push(Effect::CloseMicrophone);
            }
            (false, true) => effects.push(Effect::OpenMicrophone),
            _ => {}
        }
        if !could_tell && self.may_tell() {
            let how = if self.quiet {
                Delivery::Text
            } else {
                Delivery::Spoken
            };
            effects.extend(self.take_kept().map(|t| Effect::Tell(t, how)));
        }
        effects
    }

    /// What was kept, as one reply ("While you were away: ..."), and forgotten; `None` when
    /// nothing was kept.
    pub fn take_kept(&mut self) -> Option<String> {
        if self.kept.is_empty() {
            return None;
        }
        let all = std::mem::take(&mut self.kept).join(" ");
        Some(format!("While you were away: {all}"))
    }

    /// What is kept, without forgetting it.
    pub fn kept(&self) -> &[String] {
        &self.kept
    }

    /// `Repeat` with something kept: said (and forgotten) when the user can hear it now,
    /// else shown and still kept. `None` when nothing is kept (repeat the last reply).
    pub fn repeat_kept(&mut self) -> Option<(String, Delivery)> {
        if self.kept.is_empty() {
            return None;
        }
        if !self.may_answer() {
            return Some((
                format!("While you were away: {}", self.kept.join(" ")),
                Delivery::Kept,
            ));
        }
        let how = if self.quiet {
            Delivery::Text
        } else {
            Delivery::Spoken
        };
        self.take_kept().map(|t| (t, how))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One scenario: changes and replies in order, and what came of each.
    fn run(steps: &[Step]) -> Vec<String> {
        let mut p = Presence::new();
        let mut out = Vec::new();
        for s in steps {
            match s {
                Step::Desk(c) => {
                    for e in p.change(*c) {
                        out.push(format!("{e:?}"));
                    }
                }
                Step::Reply(kind, text) => {
                    out.push(format!("{:?}: {text}", p.deliver(*kind, text)));
                }
                Step::Quiet(q) => p.set_quiet(*q),
            }
        }
        out
    }

    enum Step {
        Desk(Change),
        Reply(Kind, &'static str),
        Quiet(bool),
    }
    use Step::*;

    #[test]
    fn the_rules_as_a_table() {
        let table: &[(&[Step], &[&str])] = &[
            // A live answer is said at once.
            (
                &[Reply(Kind::Answer, "Install Firefox?")],
                &["Spoken: Install Firefox?"],
            ),
            // Idle does not stop a live answer, but it keeps a result for the return.
            (
                &[
                    Desk(Change::Idle(true)),
                    Reply(Kind::Answer, "Yes?"),
                    Reply(Kind::Result, "The rebuild finished."),
                    Desk(Change::Idle(false)),
                ],
                &[
                    "Spoken: Yes?",
                    "Kept: The rebuild finished.",
                    "Tell(\"While you were away: The rebuild finished.\", Spoken)",
                ],
            ),
            // Locked: the microphone closes, speech stops, everything is kept.
            (
                &[
                    Desk(Change::Locked(true)),
                    Reply(Kind::Result, "The rebuild finished."),
                    Reply(Kind::Result, "Firefox is installed."),
                    Desk(Change::Locked(false)),
                ],
                &[
                    "StopSpeech",
                    "CloseMicrophone",
                    "Kept: The rebuild finished.",
                    "Kept: Firefox is installed.",
                    "OpenMicrophone",
                    "Tell(\"While you were away: The rebuild finished. Firefox is installed.\", Spoken)",
                ],
            ),
            // Unlocked but still idle: the microphone opens, the news waits for activity.
            (
                &[
                    Desk(Change::Idle(true)),
                    Desk(Change::Locked(true)),
                    Reply(Kind::Result, "Done."),
                    Desk(Change::Locked(false)),
                    Desk(Change::Idle(false)),
                ],
                &[
                    "StopSpeech",
                    "CloseMicrophone",
                    "Kept: Done.",
                    "OpenMicrophone",
                    "Tell(\"While you were away: Done.\", Spoken)",
                ],
            ),
            // An inactive session is like a locked one.
            (
                &[
                    Desk(Change::Active(false)),
                    Reply(Kind::Answer, "Hello."),
                    Desk(Change::Active(true)),
                ],
                &[
                    "StopSpeech",
                    "CloseMicrophone",
                    "Kept: Hello.",
                    "OpenMicrophone",
                    "Tell(\"While you were away: Hello.\", Spoken)",
                ],
            ),
            // Sleep and resume.
            (
                &[Desk(Change::Sleep(true)), Desk(Change::Sleep(false))],
                &["StopSpeech", "CloseMicrophone", "OpenMicrophone"],
            ),
            // Quiet mode: shown, never spoken; kept news is shown on return.
            (
                &[
                    Quiet(true),
                    Reply(Kind::Answer, "Install Firefox?"),
                    Desk(Change::Locked(true)),
                    Reply(Kind::Result, "Done."),
                    Desk(Change::Locked(false)),
                ],
                &[
                    "Text: Install Firefox?",
                    "StopSpeech",
                    "CloseMicrophone",
                    "Kept: Done.",
                    "OpenMicrophone",
                    "Tell(\"While you were away: Done.\", Text)",
                ],
            ),
            // Repeated reports change nothing.
            (
                &[Desk(Change::Locked(false)), Desk(Change::Idle(false))],
                &[],
            ),
            // Milestones: said to a user who is there, shown in quiet mode, dropped (not
            // kept) while the user is away.
            (
                &[
                    Reply(Kind::Milestone, "Now upgrading packages."),
                    Quiet(true),
                    Reply(Kind::Milestone, "Still upgrading packages."),
                    Quiet(false),
                    Desk(Change::Idle(true)),
                    Reply(Kind::Milestone, "Still upgrading."),
                    Desk(Change::Idle(false)),
                ],
                &[
                    "Spoken: Now upgrading packages.",
                    "Text: Still upgrading packages.",
                    "Dropped: Still upgrading.",
                ],
            ),
        ];
        for (steps, want) in table {
            assert_eq!(run(steps), *want);
        }
    }

    #[test]
    fn repeat_says_what_was_kept_once_the_user_can_hear_it() {
        let mut p = Presence::new();
        assert_eq!(p.repeat_kept(), None);
        p.change(Change::Idle(true));
        p.deliver(Kind::Result, "Done.");
        p.change(Change::Locked(true));
        let away = Some(("While you were away: Done.".to_owned(), Delivery::Kept));
        assert_eq!(p.repeat_kept(), away);
        assert_eq!(p.repeat_kept(), away, "still kept, not kept twice");
        p.change(Change::Locked(false));
        // Back but still idle: asked for, it is said.
        assert_eq!(
            p.repeat_kept(),
            Some(("While you were away: Done.".to_owned(), Delivery::Spoken))
        );
        assert_eq!(p.repeat_kept(), None);
    }

    #[test]
    fn nothing_kept_is_lost() {
        let mut p = Presence::new();
        p.change(Change::Locked(true));
        p.deliver(Kind::Result, "Done.");
        assert_eq!(p.kept(), ["Done."]);
        assert_eq!(p.take_kept().as_deref(), Some("While you were away: Done."));
        assert_eq!(p.take_kept(), None);
        assert!(!p.may_listen());
    }
}
