//! One request answered: understand, plan, confirm (with `--yes`), run, and report it as
//! text and as the `ask --json` object. The one path every face (`ask`, `chat`, `hear`,
//! `listen`) shares, with what they all need to open a session.

use luminous_dialogue::{Action, Outcome, Plan, Spoken, Step};
use luminous_nixexec::Progress;
use luminous_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::engine::Session;
use crate::settings::{self, Dirs, Resolved};

#[derive(Debug, clap::Args, Clone, Default)]
pub(crate) struct TurnArgs {
    /// Plan and answer, but change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Answer a confirmation question with yes (for scripts).
    #[arg(long)]
    pub(crate) yes: bool,
    /// Stop after editing configuration files; do not rebuild.
    #[arg(long)]
    pub(crate) no_rebuild: bool,
    /// The NixOS entry configuration file.
    #[arg(long, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// A package list (JSON Lines, plain or gzipped) to use instead of nixpkgs.
    #[arg(long, value_name = "FILE")]
    pub(crate) index: Option<PathBuf>,
}

/// Progress as plain lines on standard error (so JSON on standard output stays clean).
pub(crate) struct Lines;

impl Progress for Lines {
    fn phase(&mut self, n: usize, total: usize, what: &str) {
        if total > 1 {
            eprintln!("Step {n} of {total}: {what}.");
        }
    }
    fn line(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

/// The options a reply offers (numbered, or one as a yes/no question), as JSON.
pub(crate) fn offered(action: &Action) -> Vec<serde_json::Value> {
    match action {
        Action::Choose { options } => options
            .iter()
            .map(|o| serde_json::json!({"intent": o.intent, "slots": o.slots}))
            .collect(),
        _ => vec![],
    }
}

/// The store, or why it cannot be used (said once, here): without it nothing that changes
/// the system runs, but reading still works.
pub(crate) fn open_store(dirs: &Dirs) -> Result<Store, String> {
    match Store::open(&dirs.store()) {
        Ok(s) => {
            if let Some(n) = s.notice() {
                eprintln!("Note: {n}");
            }
            Ok(s)
        }
        Err(e) => {
            eprintln!(
                "Note: I cannot open my history ({e}). I will answer, but change nothing this time."
            );
            Err(e.to_string())
        }
    }
}

pub(crate) fn session(turn: &TurnArgs, source: &'static str) -> anyhow::Result<(Session, Dirs)> {
    let dirs = Dirs::discover()?;
    let file = settings::load(&dirs)?;
    let resolved: Resolved = settings::resolve(
        file,
        turn.config.as_deref(),
        turn.index.as_deref(),
        turn.no_rebuild,
    );
    let store = open_store(&dirs);
    let s = Session::open(resolved, store, &dirs.data, source, &mut Lines)?;
    for w in &s.index.warnings {
        eprintln!("Note: {w}");
    }
    if let Some(why) = &s.adviser_problem {
        eprintln!("Note: {why}");
    }
    Ok((s, dirs))
}

pub(crate) fn plan_json(plan: &Plan) -> serde_json::Value {
    serde_json::to_value(plan).unwrap_or_default()
}

/// One request answered, as `ask` and `hear` both report it.
pub(crate) struct Answer {
    /// The `ask --json` object.
    pub(crate) json: serde_json::Value,
    /// The final reply.
    pub(crate) reply: String,
    /// A plan shown but not confirmed.
    pub(crate) unconfirmed: Option<Plan>,
    /// 1 when a confirmed plan failed.
    pub(crate) exit: ExitCode,
}

/// Starts a plan as a job of its own; `Err` is the refusal's outcome and reply.
pub(crate) type StartJob<'a> =
    &'a mut dyn FnMut(&mut Session, &Plan) -> Result<(), (Outcome, String)>;

/// How a confirmed plan is carried out.
pub(crate) enum Run<'a> {
    /// Here and now (the command line); `print_start` says "starting" first.
    Inline {
        /// Print the starting line before a long plan runs (text mode).
        print_start: bool,
    },
    /// A change or a program to try becomes a job for this to start on its own thread (the
    /// daemon); quick read-only plans still run here. `Err` is the refusal's outcome and
    /// reply (a change that cannot be logged).
    Background(StartJob<'a>),
}

/// Understand, plan, confirm (with --yes), run: the one path every face shares.
pub(crate) fn respond(
    s: &mut Session,
    args: &TurnArgs,
    text: &str,
    spoken: Option<Spoken>,
    run: Run<'_>,
) -> Answer {
    let first = s.turn_heard(text, spoken);
    let mut turn = first.clone();
    let mut confirmed_by = "yes";
    if args.yes && matches!(turn.action, Action::Confirm { .. }) {
        turn = s.turn("yes");
        confirmed_by = "--yes";
    }
    let needs_confirmation = matches!(first.action, Action::Confirm { .. })
        || (matches!(first.action, Action::Choose { .. })
            && first.interpretation.intent.changes_system());
    let mut reply = turn.reply.text.clone();
    let mut plan_value = serde_json::Value::Null;
    let mut done = false;
    let mut ran = false;
    let mut working = false;
    let mut outcome_value = serde_json::Value::Null;
    match &turn.action {
        Action::Confirm { plan } => plan_value = plan_json(plan),
        Action::Execute { plan } => {
            plan_value = plan_json(plan);
            if args.dry_run {
                let would = lower_first(&plan.summary);
                reply = if plan.changes_system {
                    format!("Dry run: I would {would}. Nothing was changed.")
                } else {
                    format!("Dry run: I would {would}.")
                };
            } else {
                let long = plan.changes_system
                    || plan
                        .steps
                        .iter()
                        .any(|st| matches!(st, Step::Run { terminal: true, .. }));
                let outcome = match run {
                    Run::Background(start) if long => match start(s, plan) {
                        // Started: its outcome is said when it ends.
                        Ok(()) => {
                            working = true;
                            None
                        }
                        Err((outcome, r)) => {
                            reply = r;
                            Some(outcome)
                        }
                    },
                    here => {
                        if matches!(here, Run::Inline { print_start: true }) && !reply.is_empty() {
                            println!("{reply}");
                        }
                        let (outcome, r) = s.execute(plan, confirmed_by, &mut Lines);
                        reply = r;
                        Some(outcome)
                    }
                };
                if let Some(outcome) = outcome {
                    done = outcome.ok;
                    ran = true;
                    outcome_value = serde_json::to_value(&outcome).unwrap_or_default();
                }
            }
        }
        _ => {}
    }
    if args.dry_run && matches!(first.action, Action::Confirm { .. }) && !args.yes {
        reply.push_str(" (Dry run: nothing will be changed.)");
    }
    let i = &first.interpretation;
    let options = offered(&first.action);
    let json = serde_json::json!({
        "intent": i.intent,
        "slots": i.slots,
        "confidence": (f64::from(i.confidence) * 100.0).round() / 100.0,
        "needs_confirmation": needs_confirmation,
        "options": options,
        "reply": reply,
        "plan": plan_value,
        "heard": i.heard,
        "notes": i.notes,
        "dry_run": args.dry_run,
        "done": done,
        "working": working,
        "outcome": outcome_value,
    });
    let unconfirmed = match &turn.action {
        Action::Confirm { plan } if !args.yes => Some(plan.clone()),
        _ => None,
    };
    Answer {
        json,
        reply,
        unconfirmed,
        exit: if ran && !done {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_lowercase().collect::<String>() + c.as_str()
    })
}
