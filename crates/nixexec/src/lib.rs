//! Runs plans: programs by argv (never a shell), root only through a configured helper and
//! only for confirmed plans, configuration writes that are atomic and keep a backup, and the
//! package index built from the user's own nixpkgs.

pub mod index;
pub mod runner;
pub mod write;

pub use runner::{Helper, Progress, Runner, SystemRunner};
pub use write::{WriteError, atomic_write, sha256_hex};

use luminous_dialogue::{Outcome, Plan, Step, StepOutcome};

/// How file edits are written: directly, or (for root-owned files) by a privileged helper.
pub trait EditWriter {
    /// Replace `file`'s text `before` with `after`; `Err` is a plain-words reason.
    fn write(&mut self, file: &str, before: &str, after: &str) -> Result<(), String>;
}

/// Writes as the current user, atomically, with a backup.
#[derive(Debug, Default)]
pub struct DirectWriter;

impl EditWriter for DirectWriter {
    fn write(&mut self, file: &str, before: &str, after: &str) -> Result<(), String> {
        atomic_write(std::path::Path::new(file), before, after)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Carry out a confirmed (or read-only) plan, step by step; the first failure stops it.
pub fn execute(
    plan: &Plan,
    runner: &dyn Runner,
    writer: &mut dyn EditWriter,
    progress: &mut dyn Progress,
) -> Outcome {
    let mut outcome = Outcome {
        ok: true,
        steps: Vec::new(),
    };
    let total = plan.steps.len();
    for (n, step) in plan.steps.iter().enumerate() {
        let result = match step {
            Step::Edit {
                file,
                before,
                after,
                ..
            } => {
                progress.phase(n + 1, total, &format!("writing {}", short(file)));
                match writer.write(file, before, after) {
                    Ok(()) => StepOutcome {
                        exit_code: None,
                        ..StepOutcome::default()
                    },
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
            } => {
                progress.phase(n + 1, total, purpose);
                runner.run(argv, *root, progress)
            }
        };
        let failed = result.error.is_some() || result.exit_code.is_some_and(|c| c != 0);
        outcome.steps.push(result);
        if failed {
            outcome.ok = false;
            break;
        }
    }
    outcome
}

fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
