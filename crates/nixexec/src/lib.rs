//! Runs plans: programs by argv (never a shell), root only through a configured helper and
//! only for confirmed plans, configuration writes that are atomic, backed up and all or
//! nothing, and the package index built from the user's own nixpkgs.

pub mod backup;
pub mod cancel;
pub mod index;
pub mod launch;
pub mod runner;
pub mod write;

pub use backup::Backups;
pub use cancel::Cancel;
pub use runner::{Helper, Progress, Runner, SystemRunner};
pub use write::{WriteError, atomic_write, sha256_hex};

use luminous_dialogue::{Outcome, Plan, Step, StepOutcome};

/// How file edits are written: directly, or (for root-owned files) by a privileged helper.
pub trait EditWriter {
    /// Replace `file`'s text `before` with `after`; `Err` is a plain-words reason. Returns
    /// the backup of `before` when one was kept.
    fn write(
        &mut self,
        file: &str,
        before: &str,
        after: &str,
    ) -> Result<Option<std::path::PathBuf>, String>;

    /// Put `before` back where this run wrote `after`, without a new backup (`before` is
    /// already one).
    fn restore(&mut self, file: &str, after: &str, before: &str) -> Result<(), String>;
}

/// Writes as the current user, atomically, keeping a backup when it has somewhere to.
#[derive(Debug, Default)]
pub struct DirectWriter {
    /// Where backups go (none: no backups).
    pub backups: Option<Backups>,
}

impl EditWriter for DirectWriter {
    fn write(
        &mut self,
        file: &str,
        before: &str,
        after: &str,
    ) -> Result<Option<std::path::PathBuf>, String> {
        let backup = self
            .backups
            .as_ref()
            .map(|b| b.save(std::path::Path::new(file), before))
            .transpose()
            .map_err(|e| {
                format!("I could not keep a backup of {file}, so I did not change it: {e}")
            })?;
        atomic_write(std::path::Path::new(file), before, after).map_err(|e| e.to_string())?;
        Ok(backup)
    }

    fn restore(&mut self, file: &str, after: &str, before: &str) -> Result<(), String> {
        atomic_write(std::path::Path::new(file), after, before).map_err(|e| e.to_string())
    }
}

/// Carry out a confirmed (or read-only) plan, step by step; the first failure stops it.
/// All or nothing: when a step fails after files were edited, every edited file is put back
/// exactly as it was (only where it still holds what this run wrote), newest edit first.
pub fn execute(
    plan: &Plan,
    runner: &dyn Runner,
    writer: &mut dyn EditWriter,
    progress: &mut dyn Progress,
) -> Outcome {
    let mut outcome = Outcome {
        ok: true,
        ..Outcome::default()
    };
    let total = plan.steps.len();
    let mut written: Vec<(&str, &str, &str)> = Vec::new();
    for (n, step) in plan.steps.iter().enumerate() {
        if runner.cancelled() {
            outcome.ok = false;
            outcome.cancelled = true;
            break;
        }
        let result = match step {
            Step::Edit {
                file,
                before,
                after,
                ..
            } => {
                progress.phase(n + 1, total, &format!("writing {}", short(file)));
                match writer.write(file, before, after) {
                    Ok(backup) => {
                        written.push((file, before, after));
                        StepOutcome {
                            backup: backup.map(|b| b.display().to_string()),
                            ..StepOutcome::default()
                        }
                    }
                    Err(e) => StepOutcome {
                        error: Some(e),
                        ..StepOutcome::default()
                    },
                }
            }
            Step::Run {
                argv,
                root,
                purpose,
                terminal,
            } => {
                progress.phase(n + 1, total, purpose);
                if *terminal {
                    let built = outcome.steps.last().map_or("", |s| s.stdout.as_str());
                    runner.run_for_user(argv, built, progress)
                } else {
                    runner.run(argv, *root, progress)
                }
            }
        };
        // A program succeeded only with exit code 0 (none: a signal ended it).
        let failed = result.error.is_some()
            || (matches!(step, Step::Run { .. }) && result.exit_code != Some(0));
        outcome.steps.push(result);
        if failed {
            outcome.ok = false;
            outcome.cancelled = runner.cancelled();
            break;
        }
    }
    if !outcome.ok {
        for (file, before, after) in written.into_iter().rev() {
            match writer.restore(file, after, before) {
                Ok(()) => outcome.restored.push(file.to_owned()),
                Err(why) => outcome.not_restored.push(format!("{}: {why}", short(file))),
            }
        }
    }
    outcome
}

fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
