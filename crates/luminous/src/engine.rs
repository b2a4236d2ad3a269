//! Wires the concrete parts together for one session: the package index (cached in the
//! store), the configuration files, the dialogue, the runner and the store.

use std::path::{Path, PathBuf};

use luminous_dialogue::{
    Action, Change, ChangedFile, Context, Dialogue, Outcome, Plan, Preferences, Spoken, Step,
    StepOutcome, Turn, Verbosity,
};
use luminous_nixcfg::edit::SourceFile;
use luminous_nixexec::{
    Backups, Cancel, EditWriter, Helper, Progress, Runner, SystemRunner, WriteError, atomic_write,
    sha256_hex,
};
use luminous_store::{Interaction, Store};

use crate::packages::{LoadedIndex, load_index};
use crate::settings::Resolved;

/// Read one configuration file for the import loader: directories become `default.nix`
/// (as in Nix), and unreadable or non-text files get a plain reason.
fn read_config_file(path: &Path, entry: bool) -> Result<(PathBuf, String), String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown} does not exist"),
        std::io::ErrorKind::PermissionDenied => {
            format!("{shown} cannot be read: permission denied")
        }
        _ => format!("{shown} cannot be read: {e}"),
    })?;
    let path = if meta.is_dir() {
        if entry {
            return Err(format!(
                "{shown} is a folder, not a file. Give the path of configuration.nix"
            ));
        }
        path.join("default.nix")
    } else {
        path.to_path_buf()
    };
    const LIMIT: u64 = 4 * 1024 * 1024;
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > LIMIT {
        return Err(format!(
            "{} is larger than 4 MB, which is not a configuration file I will edit",
            path.display()
        ));
    }
    let bytes =
        std::fs::read(&path).map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        format!(
            "{} is not UTF-8 text, so I will not read or change it",
            path.display()
        )
    })?;
    Ok((path, text))
}

/// The configuration: its files, and the imports the next rebuild would stop on.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    /// The entry file first, then what it imports.
    pub files: Vec<SourceFile>,
    /// Imports that cannot be read and are not conditional, located at the import.
    pub problems: Vec<luminous_nixcfg::Diagnostic>,
}

/// The configuration: entry file and its imports, or why the entry file could not be read.
/// An import switched off by a condition (absent, under `if`, `lib.optional`, a
/// `builtins.pathExists` guard) is skipped; one that is required and missing is a problem
/// to report, not a reason to refuse editing the other files.
pub fn load_config(entry: &Path) -> Result<LoadedConfig, String> {
    let mut first = true;
    let loaded = luminous_nixcfg::imports::load(
        entry,
        |p| {
            let r = read_config_file(p, first);
            first = false;
            r
        },
        |p| p.exists(),
    );
    if loaded.files.is_empty() {
        return Err(loaded.missing.first().map_or_else(
            || format!("{} could not be read", entry.display()),
            |p| p.reason.clone(),
        ));
    }
    Ok(LoadedConfig {
        files: loaded.files,
        problems: loaded
            .missing
            .iter()
            .map(luminous_nixcfg::imports::problem)
            .collect(),
    })
}

/// Writes configuration files: directly when allowed, else through the privilege helper
/// running `luminous apply-edit`, which checks the file is unchanged, lies inside the
/// configuration's folder, and writes atomically. Backups are kept by this (unprivileged)
/// process, under Luminous's own folder.
#[derive(Debug, Clone)]
pub struct ElevatingWriter {
    /// The runner (and its helper).
    pub runner: SystemRunner,
    /// A private folder for the staged new text.
    pub staging: PathBuf,
    /// Where backups go.
    pub backups: Option<Backups>,
    /// The entry configuration file: the helper writes only inside its folder.
    pub config_entry: PathBuf,
}

impl ElevatingWriter {
    /// Replace `expected` with `new` in `file`.
    fn replace(&mut self, file: &str, expected: &str, new: &str) -> Result<(), String> {
        match atomic_write(Path::new(file), expected, new) {
            Ok(()) => Ok(()),
            Err(WriteError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::PermissionDenied
                    && self.runner.helper != Helper::AlreadyRoot =>
            {
                std::fs::create_dir_all(&self.staging)
                    .map_err(|e| format!("cannot stage the edit: {e}"))?;
                let staged = self
                    .staging
                    .join(format!("edit-{}.nix", std::process::id()));
                std::fs::write(&staged, new).map_err(|e| format!("cannot stage the edit: {e}"))?;
                let exe = std::env::current_exe()
                    .map_err(|e| format!("cannot find my own program: {e}"))?;
                let argv = apply_edit_argv(&exe, &self.config_entry, expected, &staged, file);
                let out = self
                    .runner
                    .run(&argv, true, &mut luminous_nixexec::runner::Silent);
                let _ = std::fs::remove_file(&staged);
                match (out.error, out.exit_code) {
                    (Some(e), _) => Err(e),
                    (None, Some(0)) => Ok(()),
                    (None, _) => Err(out
                        .stderr
                        .trim()
                        .trim_start_matches("luminous: ")
                        .to_owned()),
                }
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The argv of the privileged write: `luminous apply-edit`, which re-checks everything.
pub fn apply_edit_argv(
    exe: &Path,
    config_entry: &Path,
    expected: &str,
    staged: &Path,
    file: &str,
) -> Vec<String> {
    vec![
        exe.to_string_lossy().into_owned(),
        "apply-edit".into(),
        "--config".into(),
        config_entry.to_string_lossy().into_owned(),
        "--expect-sha256".into(),
        sha256_hex(expected.as_bytes()),
        "--from".into(),
        staged.to_string_lossy().into_owned(),
        file.to_owned(),
    ]
}

impl EditWriter for ElevatingWriter {
    fn write(&mut self, file: &str, before: &str, after: &str) -> Result<Option<PathBuf>, String> {
        let backup = self
            .backups
            .as_ref()
            .map(|b| b.save(Path::new(file), before))
            .transpose()
            .map_err(|e| {
                format!("I could not keep a backup of {file}, so I did not change it: {e}")
            })?;
        self.replace(file, before, after)?;
        Ok(backup)
    }

    fn restore(&mut self, file: &str, after: &str, before: &str) -> Result<(), String> {
        self.replace(file, after, before)
    }
}

/// The dialogue's context from a session's fields. A macro, not a method, so that it borrows
/// only those fields and the dialogue (another field) can be updated at the same time.
macro_rules! context {
    ($s:expr) => {
        Context {
            index: &$s.index.index,
            index_complete: $s.index.complete,
            config: $s
                .config
                .as_ref()
                .map(|c| c.files.as_slice())
                .map_err(String::as_str),
            config_problems: $s
                .config
                .as_ref()
                .map_or(&[][..], |c| c.problems.as_slice()),
            settings: &$s.resolved.settings,
            last_failure: $s.last_failure.as_deref(),
            last_change: $s.last_change.as_ref(),
            adviser: $s
                .adviser
                .as_ref()
                .map(|a| a as &dyn luminous_dialogue::advice::Adviser),
            vocabulary: &$s.vocabulary,
        }
    };
}

/// One conversation with everything it needs.
pub struct Session {
    /// The resolved settings.
    pub resolved: Resolved,
    /// The index.
    pub index: LoadedIndex,
    /// The configuration, or why not.
    pub config: Result<LoadedConfig, String>,
    /// The store, or why it could not be opened (then nothing that changes the system runs).
    pub store: Result<Store, String>,
    /// The dialogue.
    pub dialogue: Dialogue,
    /// The runner.
    pub runner: SystemRunner,
    /// Where staged edits go.
    pub staging: PathBuf,
    /// Backups of edited files, under Luminous's own folder.
    pub backups: Backups,
    /// `text`, `chat` or `voice`.
    pub source: &'static str,
    last_failure: Option<String>,
    last_interaction: Option<i64>,
    last_change: Option<Change>,
    /// The local language model, asked when the rules are unsure (None: off).
    pub adviser: Option<crate::adviser::ModelAdviser>,
    /// Why the language model that is on cannot be used (said once).
    pub adviser_problem: Option<String>,
    /// The user's own words, as the store keeps them.
    vocabulary: Vec<luminous_dialogue::vocab::Word>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// This process's effective user and group ids and its supplementary groups, from
/// /proc/self/status ("Uid: real effective ..."); no libc call needed.
fn credentials() -> Option<(u32, u32, Vec<u32>)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Vec<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    Some((
        *field("Uid:").get(1)?,
        *field("Gid:").get(1)?,
        field("Groups:"),
    ))
}

fn is_root() -> bool {
    credentials().is_some_and(|(uid, _, _)| uid == 0)
}

/// Whether this process may create files in `dir` (by its owner, group and mode bits).
pub fn writable_by_me(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(m), Some((uid, gid, groups))) = (std::fs::metadata(dir), credentials()) else {
        return false;
    };
    let mode = m.mode();
    if uid == 0 {
        true
    } else if m.uid() == uid {
        mode & 0o200 != 0
    } else if m.gid() == gid || groups.contains(&m.gid()) {
        mode & 0o020 != 0
    } else {
        mode & 0o002 != 0
    }
}

/// The learned words the store keeps, as the dialogue takes them.
fn words_of(store: Option<&Store>) -> Vec<luminous_dialogue::vocab::Word> {
    store
        .and_then(|s| s.vocabulary().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|w| luminous_dialogue::vocab::Word {
            phrase: w.phrase,
            slot: w.slot,
            value: w.value,
        })
        .collect()
}

/// The store's record of the last change, as the dialogue knows it.
fn change_of(c: luminous_store::Change) -> Option<Change> {
    let intent = serde_json::from_value(serde_json::Value::String(c.intent)).ok()?;
    let rebuilt = c.plan["steps"].as_array().is_some_and(|steps| {
        steps
            .iter()
            .any(|s| s["argv"][0].as_str() == Some("nixos-rebuild"))
    });
    Some(Change {
        id: c.id,
        intent,
        summary: c.summary,
        edits: c
            .edits
            .into_iter()
            .map(|e| ChangedFile {
                file: e.file,
                before: e.before,
                after: e.after,
            })
            .collect(),
        rebuilt,
    })
}

impl Session {
    /// Open a session; Luminous's own files go under `data` (staged edits, backups).
    pub fn open(
        resolved: Resolved,
        store: Result<Store, String>,
        data: &Path,
        source: &'static str,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<Session> {
        let helper = if is_root() {
            Helper::AlreadyRoot
        } else {
            Helper::from_name(&resolved.helper)
        };
        let mut runner = SystemRunner::new(helper);
        // Spoken requests come from someone who may not be at the terminal Luminous runs in:
        // a program to try starts on its own (a window, or their terminal emulator).
        if source == "voice" {
            runner.console = luminous_nixexec::launch::Console::Detached;
        }
        let index = load_index(&resolved, store.as_ref().ok(), &runner, progress);
        let mut resolved = resolved;
        resolved.settings.package_source = index.nixpkgs_path.clone();
        let config = load_config(Path::new(&resolved.settings.config_path));
        let mut prefs = Preferences::default();
        if let Ok(s) = &store
            && let Ok(p) = s.preferences()
        {
            if let Some(rate) = p.get("speech_rate").and_then(|v| v.parse().ok()) {
                prefs.speech_rate = rate;
            }
            prefs.verbosity = match p.get("verbosity").map(String::as_str) {
                Some("brief") => Verbosity::Brief,
                Some("detailed") => Verbosity::Detailed,
                _ => Verbosity::Normal,
            };
            prefs.quiet = p.get("quiet").is_some_and(|v| v == "on");
        }
        let last_failure = store
            .as_ref()
            .ok()
            .and_then(|s| s.last_failure().ok().flatten());
        let last_change = store
            .as_ref()
            .ok()
            .and_then(|s| s.last_change().ok().flatten())
            .and_then(change_of);
        let (adviser, adviser_problem) = match crate::adviser::from_settings(data, &resolved.voice)
        {
            Ok(a) => (a, None),
            Err(why) => (None, Some(why)),
        };
        // A conversation (not one request) has the model ready by its first question.
        if source != "text"
            && let Some(a) = &adviser
        {
            a.warm();
        }
        let vocabulary = words_of(store.as_ref().ok());
        Ok(Session {
            resolved,
            index,
            config,
            store,
            dialogue: Dialogue::new(prefs),
            runner,
            staging: data.join("staging"),
            backups: Backups::new(data.join("backups")),
            source,
            last_failure,
            last_interaction: None,
            last_change,
            adviser,
            adviser_problem,
            vocabulary,
        })
    }

    /// One typed turn; the interaction is recorded.
    pub fn turn(&mut self, text: &str) -> Turn {
        self.turn_heard(text, None)
    }

    /// One turn, typed (`None`) or spoken (with how sure speech recognition was, and
    /// whether it overlapped the assistant's own speech); the interaction is recorded.
    pub fn turn_heard(&mut self, text: &str, spoken: Option<Spoken>) -> Turn {
        let ctx = context!(self);
        let mut turn = match spoken {
            Some(sp) => self.dialogue.turn_spoken(text, &sp, &ctx),
            None => self.dialogue.turn(text, &ctx),
        };
        // The language model turned off after crashing: said once, after the reply.
        for notice in self.adviser.iter().flat_map(|a| a.take_notices()) {
            turn.reply.text = format!("{} {notice}", turn.reply.text);
        }
        if let Action::SetPreference { name, value } = &turn.action
            && let Ok(s) = &self.store
        {
            let _ = s.set_preference(name, value);
        }
        if let Action::Learn { word } = &turn.action {
            let kept = match &self.store {
                Ok(s) => s
                    .learn(&luminous_store::LearnedWord {
                        phrase: word.phrase.clone(),
                        slot: word.slot.clone(),
                        value: word.value.clone(),
                        execution_id: None,
                    })
                    .map_err(|e| e.to_string()),
                Err(why) => Err(why.clone()),
            };
            if let Err(why) = kept {
                turn.reply.text = format!("I could not keep that word: {why}");
            }
            self.vocabulary = words_of(self.store.as_ref().ok());
        }
        if let Action::Forget { phrase } = &turn.action {
            match &self.store {
                Ok(s) => {
                    if let Err(e) = s.forget_words(phrase.as_deref()) {
                        turn.reply.text = format!("I could not forget it: {e}.");
                    }
                }
                Err(why) => turn.reply.text = format!("I could not forget it: {why}"),
            }
            self.vocabulary = words_of(self.store.as_ref().ok());
        }
        if let Ok(s) = &self.store {
            let i = Interaction {
                source: self.source.to_owned(),
                input: text.chars().take(2000).collect(),
                intent: turn.interpretation.intent.name().to_owned(),
                slots: serde_json::to_value(&turn.interpretation.slots).unwrap_or_default(),
                confidence: turn.interpretation.confidence,
                reply: turn.reply.text.clone(),
            };
            self.last_interaction = s.record_interaction(&i).ok();
        }
        turn
    }

    /// Run a plan (confirmed, or read-only), logging it before and after; returns the reply.
    /// A plan that changes the system runs only when its log entry could be written first.
    pub fn execute(
        &mut self,
        plan: &Plan,
        confirmed_by: &str,
        progress: &mut dyn Progress,
    ) -> (Outcome, String) {
        match self.begin(plan, confirmed_by) {
            Ok(mut job) => {
                let outcome = job.run(progress);
                let reply = self.finish(&job, &outcome);
                (outcome, reply)
            }
            Err(refused) => refused,
        }
    }

    /// The first half of [`Session::execute`]: log the plan and make the job that runs it
    /// (on any thread). A change that cannot be logged is refused: the outcome and reply.
    pub fn begin(&mut self, plan: &Plan, confirmed_by: &str) -> Result<Job, (Outcome, String)> {
        let exec_id = if plan.changes_system {
            let plan_json = serde_json::to_value(plan).unwrap_or_default();
            let started = match &self.store {
                Ok(s) => s
                    .execution_started(
                        self.last_interaction,
                        plan.intent.name(),
                        &plan.summary,
                        &plan_json,
                        confirmed_by,
                    )
                    .map_err(|e| e.to_string()),
                Err(why) => Err(why.clone()),
            };
            match started {
                Ok(id) => Some(id),
                Err(why) => {
                    let outcome = unrecorded(&why);
                    let ctx = context!(self);
                    let reply = self.dialogue.outcome(plan, &outcome, &ctx).text;
                    return Err((outcome, reply));
                }
            }
        } else {
            None
        };
        let cancel = Cancel::new();
        let mut runner = self.runner.clone();
        runner.cancel = Some(cancel.clone());
        Ok(Job {
            plan: plan.clone(),
            exec_id,
            writer: ElevatingWriter {
                runner: runner.clone(),
                staging: self.staging.clone(),
                backups: Some(self.backups.clone()),
                config_entry: PathBuf::from(&self.resolved.settings.config_path),
            },
            runner,
            cancel,
        })
    }

    /// The second half of [`Session::execute`]: record how `job` ended and word it.
    pub fn finish(&mut self, job: &Job, outcome: &Outcome) -> String {
        let plan = &job.plan;
        if let (Some(id), Ok(s)) = (job.exec_id, &self.store) {
            let _ = s.execution_finished(
                id,
                outcome.ok,
                &serde_json::to_value(outcome).unwrap_or_default(),
            );
            if outcome.ok {
                let _ = s.record_edits(id, &edits_of(plan, outcome));
                if let Some(undone) = plan.undoes {
                    let _ = s.mark_undone(undone, id);
                }
            }
        }
        if !outcome.ok && !outcome.cancelled {
            self.last_failure = Some(
                outcome
                    .steps
                    .iter()
                    .map(|s| format!("{}\n{}", s.stdout, s.stderr))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        // The configuration may have changed: read it again for the next turn.
        if plan.steps.iter().any(|s| matches!(s, Step::Edit { .. })) {
            self.config = load_config(Path::new(&self.resolved.settings.config_path));
        }
        let ctx = context!(self);
        let reply = self.dialogue.outcome(plan, outcome, &ctx).text;
        if let Some(w) = self.dialogue.take_learned()
            && let Ok(s) = &self.store
        {
            let _ = s.learn(&luminous_store::LearnedWord {
                phrase: w.phrase,
                slot: w.slot,
                value: w.value,
                execution_id: job.exec_id,
            });
        }
        // An undo forgets what its change taught (the store did); either way, read again.
        self.vocabulary = words_of(self.store.as_ref().ok());
        // After the reply (which may offer to undo the previous change in the files).
        if let Ok(s) = &self.store {
            self.last_change = s.last_change().ok().flatten().and_then(change_of);
        }
        reply
    }
}

/// A plan on its way: logged, with its own runner, writer and stop handle, to run on any
/// thread and then be finished by the session ([`Session::finish`]).
#[derive(Debug)]
pub struct Job {
    /// The plan.
    pub plan: Plan,
    exec_id: Option<i64>,
    runner: SystemRunner,
    writer: ElevatingWriter,
    /// Stops it: no further step, and the running program with its process group.
    pub cancel: Cancel,
}

impl Job {
    /// Carry it out (all or nothing; see `luminous_nixexec::execute`).
    pub fn run(&mut self, progress: &mut dyn Progress) -> Outcome {
        luminous_nixexec::execute(&self.plan, &self.runner, &mut self.writer, progress)
    }
}

/// The outcome of a change refused because it could not be recorded first.
fn unrecorded(why: &str) -> Outcome {
    Outcome {
        ok: false,
        steps: vec![StepOutcome {
            error: Some(format!(
                "I cannot keep my record of changes right now ({why}), and I change nothing without one. Nothing was changed; requests that only read still work."
            )),
            ..StepOutcome::default()
        }],
        ..Outcome::default()
    }
}

/// The file edits of a plan that ran, with their backups.
fn edits_of(plan: &Plan, outcome: &Outcome) -> Vec<luminous_store::FileEdit> {
    plan.steps
        .iter()
        .zip(&outcome.steps)
        .filter_map(|(step, out)| match step {
            Step::Edit {
                file,
                before,
                after,
                ..
            } => Some(luminous_store::FileEdit {
                file: file.clone(),
                before: before.clone(),
                after: after.clone(),
                backup: out.backup.clone(),
            }),
            Step::Run { .. } => None,
        })
        .collect()
}
