//! Plans: what a request will do, as data (file edits and argv vectors), built purely and
//! shown or spoken before anything runs.

use serde::{Deserialize, Serialize};

use luminous_intent::IntentKind;

/// How much could go wrong; it decides how a confirmation is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Reads only.
    None,
    /// Changes the system in a way a rebuild or a rollback undoes.
    Medium,
    /// Takes something away, is hard to undo, or can cut the user off: removing packages,
    /// rolling back, deleting generations, a system update, turning off the firewall or
    /// remote access. A spoken yes to it must be heard with confidence.
    High,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Step {
    /// Replace a file's text, atomically, keeping a backup. `before` is what the file must
    /// still hold when the step runs; otherwise it is not written.
    Edit {
        /// The file.
        file: String,
        /// The whole text expected now.
        #[serde(skip_serializing)]
        before: String,
        /// The whole new text.
        #[serde(skip_serializing)]
        after: String,
        /// A unified diff of the change, for people.
        diff: String,
    },
    /// Run a program. Never through a shell.
    Run {
        /// Program and arguments.
        argv: Vec<String>,
        /// Needs root (run through the configured helper after confirmation).
        root: bool,
        /// A few words on what it does, for progress lines.
        purpose: String,
        /// It needs the user's terminal (a program to try): with one it runs attached to it;
        /// without one (voice), a program with a window starts on its own and a terminal
        /// program opens in the user's terminal emulator. The step before it built the
        /// package (its standard output holds the store paths).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        terminal: bool,
    },
}

/// What a request will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The intent it carries out.
    pub intent: IntentKind,
    /// One sentence for people.
    pub summary: String,
    /// The same, as short as it can be said ("Install Firefox"), for the brief confirmation;
    /// empty when the summary is short already.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short: String,
    /// The steps, in order; the first failure stops the rest.
    pub steps: Vec<Step>,
    /// How much could go wrong.
    pub risk: Risk,
    /// True when it changes the system (and so needs a confirmation turn).
    pub changes_system: bool,
    /// Packages or option concerned, for the reply after it ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// What the user should know before saying yes (an import the rebuild will stop on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The earlier change (its execution-log id) that this plan undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<i64>,
}

impl Plan {
    /// True when a step rebuilds the system.
    pub fn rebuilds(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(s, Step::Run { argv, .. } if argv.first().is_some_and(|a| a == "nixos-rebuild"))
        })
    }
}

impl Plan {
    /// True when any step runs as root.
    pub fn needs_root(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Run { root: true, .. }))
    }
}

/// A unified diff of two texts, three lines of context.
pub fn diff(file: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(file, file)
        .to_string()
}

/// What happened when a plan ran (filled in by the executor).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// True when every step succeeded.
    pub ok: bool,
    /// One entry a step that ran.
    pub steps: Vec<StepOutcome>,
    /// After a failure: the files put back exactly as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<String>,
    /// After a failure: the files that could not be put back, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_restored: Vec<String>,
    /// It was stopped on request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepOutcome {
    /// The exit code, for a program that ran.
    pub exit_code: Option<i32>,
    /// Its standard output (possibly cut to the last part).
    pub stdout: String,
    /// Its standard error (possibly cut to the last part).
    pub stderr: String,
    /// Why it could not run or did not finish, in plain words.
    pub error: Option<String>,
    /// For an edit: where the file's previous text was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// For a program started for the user: where it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launched: Option<Launched>,
}

/// Where a program started for the user went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Launched {
    /// It ran in the user's own terminal, and has ended.
    Here,
    /// It has a window, and was started on its own.
    Window,
    /// It runs in a terminal, and was opened in this terminal emulator.
    Terminal {
        /// The emulator's command.
        emulator: String,
    },
    /// It runs in a terminal, and there was none to open it in: it was not started.
    NoTerminal,
}
