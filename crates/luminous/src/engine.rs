//! Wires the concrete parts together for one session: the package index (cached in the
//! store), the configuration files, the dialogue, the runner and the store.

use std::path::{Path, PathBuf};

use luminous_dialogue::{Action, Context, Dialogue, Outcome, Plan, Preferences, Turn, Verbosity};
use luminous_intent::PackageIndex;
use luminous_nixcfg::edit::SourceFile;
use luminous_nixexec::{
    EditWriter, Helper, Progress, Runner, SystemRunner, WriteError, atomic_write, index, sha256_hex,
};
use luminous_store::{Interaction, Store};

use crate::settings::Resolved;

/// The package index and what it is.
#[derive(Debug)]
pub struct LoadedIndex {
    /// The index.
    pub index: PackageIndex,
    /// True when it lists all of nixpkgs (so a missing name is really missing).
    pub complete: bool,
    /// Problems to tell the user (bad lines in a package list).
    pub warnings: Vec<String>,
}

/// Where nixpkgs is on this machine, without running Nix (which costs tens of milliseconds):
/// `NIX_PATH`'s `nixpkgs=`, then the usual channel links.
fn find_nixpkgs() -> Option<PathBuf> {
    let from_env = std::env::var("NIX_PATH").ok().and_then(|p| {
        p.split(':')
            .find_map(|e| e.strip_prefix("nixpkgs=").map(PathBuf::from))
            .filter(|p| p.join("default.nix").exists())
    });
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let candidates = [
        Some(PathBuf::from(
            "/nix/var/nix/profiles/per-user/root/channels/nixpkgs",
        )),
        home.map(|h| h.join(".nix-defexpr/channels/nixpkgs")),
        Some(PathBuf::from("/etc/nix/path/nixpkgs")),
    ];
    from_env.or_else(|| {
        candidates
            .into_iter()
            .flatten()
            .find(|p| p.join("default.nix").exists())
    })
}

fn file_revision(path: &Path) -> String {
    std::fs::metadata(path)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{mtime}", m.len())
        })
        .unwrap_or_default()
}

/// Load the package index: a configured list file, else the local nixpkgs, else the curated
/// offline list. Lists and nixpkgs are cached in the store, keyed by their revision.
pub fn load_index(
    r: &Resolved,
    store: Option<&Store>,
    runner: &SystemRunner,
    progress: &mut dyn Progress,
) -> anyhow::Result<LoadedIndex> {
    let curated = luminous_intent::curated_packages();
    let cached = |key: &str, rev: &str| -> Option<PackageIndex> {
        let blob = store?.cached_index(key, rev).ok().flatten()?;
        PackageIndex::from_cache_owned(String::from_utf8(blob).ok()?)
    };
    let save = |key: &str, rev: &str, idx: &PackageIndex| {
        if let Some(s) = store {
            // A cache that cannot be written only costs time next run.
            let _ = s.cache_index(key, rev, idx.to_cache().as_bytes());
        }
    };
    if let Some(file) = &r.index_file {
        let key = format!(
            "file:{}",
            std::fs::canonicalize(file)
                .unwrap_or_else(|_| file.clone())
                .display()
        );
        let rev = file_revision(file);
        if let Some(idx) = cached(&key, &rev) {
            return Ok(LoadedIndex {
                index: idx,
                complete: true,
                warnings: vec![],
            });
        }
        let (idx, errors) = index::read_package_file(file)?;
        let mut warnings = Vec::new();
        if let Some(first) = errors.first() {
            warnings.push(format!(
                "{} lines of {} could not be read and were skipped; the first: {first}.",
                errors.len(),
                file.display()
            ));
        }
        if idx.is_empty() {
            anyhow::bail!("the package list {} has no packages in it", file.display());
        }
        let idx = idx.merge_curated(&curated, false);
        save(&key, &rev, &idx);
        return Ok(LoadedIndex {
            index: idx,
            complete: true,
            warnings,
        });
    }
    let source = r
        .settings
        .nixpkgs
        .as_ref()
        .map(PathBuf::from)
        .or_else(find_nixpkgs);
    if let Some(src) = source.filter(|p| p.exists()) {
        let key = format!("nixpkgs:{}", src.display());
        let rev = index::revision_of(&src);
        if let Some(idx) = cached(&key, &rev) {
            return Ok(LoadedIndex {
                index: idx,
                complete: true,
                warnings: vec![],
            });
        }
        progress.line(
            "Reading the package list from your nixpkgs. This happens once per nixpkgs version.",
        );
        let out = runner.run(
            &index::nix_env_query_argv(&src.to_string_lossy()),
            false,
            &mut luminous_nixexec::runner::Silent,
        );
        if out.exit_code == Some(0) {
            let idx = PackageIndex::from_packages(index::parse_nix_env_json(&out.stdout)?)
                .merge_curated(&curated, false);
            save(&key, &rev, &idx);
            return Ok(LoadedIndex {
                index: idx,
                complete: true,
                warnings: vec![],
            });
        }
        let why = out
            .error
            .unwrap_or_else(|| out.stderr.lines().last().unwrap_or("").to_owned());
        return Ok(LoadedIndex {
            index: luminous_intent::curated_index(),
            complete: false,
            warnings: vec![format!(
                "I could not read the packages of {} ({why}); I am using my own short list.",
                src.display()
            )],
        });
    }
    Ok(LoadedIndex {
        index: luminous_intent::curated_index(),
        complete: false,
        warnings: vec![],
    })
}

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
/// running `luminous apply-edit`, which checks the file is unchanged and writes atomically.
pub struct ElevatingWriter<'a> {
    /// The runner (and its helper).
    pub runner: &'a SystemRunner,
    /// A private folder for the staged new text.
    pub staging: PathBuf,
}

impl EditWriter for ElevatingWriter<'_> {
    fn write(&mut self, file: &str, before: &str, after: &str) -> Result<(), String> {
        match atomic_write(Path::new(file), before, after) {
            Ok(_) => Ok(()),
            Err(WriteError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::PermissionDenied
                    && self.runner.helper != Helper::AlreadyRoot =>
            {
                std::fs::create_dir_all(&self.staging)
                    .map_err(|e| format!("cannot stage the edit: {e}"))?;
                let staged = self
                    .staging
                    .join(format!("edit-{}.nix", std::process::id()));
                std::fs::write(&staged, after)
                    .map_err(|e| format!("cannot stage the edit: {e}"))?;
                let exe = std::env::current_exe()
                    .map_err(|e| format!("cannot find my own program: {e}"))?;
                let argv: Vec<String> = vec![
                    exe.to_string_lossy().into_owned(),
                    "apply-edit".into(),
                    "--expect-sha256".into(),
                    sha256_hex(before.as_bytes()),
                    "--from".into(),
                    staged.to_string_lossy().into_owned(),
                    file.to_owned(),
                ];
                let out = self
                    .runner
                    .run(&argv, true, &mut luminous_nixexec::runner::Silent);
                let _ = std::fs::remove_file(&staged);
                match (out.error, out.exit_code) {
                    (Some(e), _) => Err(e),
                    (None, Some(0)) => Ok(()),
                    (None, _) => Err(out.stderr.trim().to_owned()),
                }
            }
            Err(e) => Err(e.to_string()),
        }
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
    /// The store, when it could be opened.
    pub store: Option<Store>,
    /// The dialogue.
    pub dialogue: Dialogue,
    /// The runner.
    pub runner: SystemRunner,
    /// Where staged edits go.
    pub staging: PathBuf,
    /// `text`, `chat` or `voice`.
    pub source: &'static str,
    last_failure: Option<String>,
    last_interaction: Option<i64>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn is_root() -> bool {
    // /proc/self/status holds "Uid: real effective ..."; no libc call needed.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

impl Session {
    /// Open a session.
    pub fn open(
        resolved: Resolved,
        store: Option<Store>,
        staging: PathBuf,
        source: &'static str,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<Session> {
        let helper = if is_root() {
            Helper::AlreadyRoot
        } else {
            Helper::from_name(&resolved.helper)
        };
        let runner = SystemRunner::new(helper);
        let index = load_index(&resolved, store.as_ref(), &runner, progress)?;
        let config = load_config(Path::new(&resolved.settings.config_path));
        let mut prefs = Preferences::default();
        if let Some(s) = &store
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
        let last_failure = store.as_ref().and_then(|s| s.last_failure().ok().flatten());
        Ok(Session {
            resolved,
            index,
            config,
            store,
            dialogue: Dialogue::new(prefs),
            runner,
            staging,
            source,
            last_failure,
            last_interaction: None,
        })
    }

    /// One turn; the interaction is recorded.
    pub fn turn(&mut self, text: &str) -> Turn {
        let ctx = context!(self);
        let turn = self.dialogue.turn(text, &ctx);
        if let Action::SetPreference { name, value } = &turn.action
            && let Some(s) = &self.store
        {
            let _ = s.set_preference(name, value);
        }
        if let Some(s) = &self.store {
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
    pub fn execute(
        &mut self,
        plan: &Plan,
        confirmed_by: &str,
        progress: &mut dyn Progress,
    ) -> (Outcome, String) {
        let plan_json = serde_json::to_value(plan).unwrap_or_default();
        let exec_id = if plan.changes_system {
            self.store.as_ref().and_then(|s| {
                s.execution_started(
                    self.last_interaction,
                    plan.intent.name(),
                    &plan.summary,
                    &plan_json,
                    confirmed_by,
                )
                .ok()
            })
        } else {
            None
        };
        let mut writer = ElevatingWriter {
            runner: &self.runner,
            staging: self.staging.clone(),
        };
        let outcome = luminous_nixexec::execute(plan, &self.runner, &mut writer, progress);
        if let (Some(id), Some(s)) = (exec_id, &self.store) {
            let _ = s.execution_finished(
                id,
                outcome.ok,
                &serde_json::to_value(&outcome).unwrap_or_default(),
            );
        }
        if !outcome.ok {
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
        if plan
            .steps
            .iter()
            .any(|s| matches!(s, luminous_dialogue::Step::Edit { .. }))
        {
            self.config = load_config(Path::new(&self.resolved.settings.config_path));
        }
        let ctx = context!(self);
        let reply = self.dialogue.outcome(plan, &outcome, &ctx).text;
        (outcome, reply)
    }
}
