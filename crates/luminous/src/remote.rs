//! The command line as a face of the running daemon: `ask`, `chat`, `status`, `ptt` and
//! `quiet` talk to it over D-Bus when it runs, so that a conversation started in one place
//! (chat, a spoken yes) goes on in another; without it they work on their own.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use luminous_desktop::{Announcement, Client};

use crate::turn::TurnArgs;

/// The running daemon, unless these arguments ask for something only a session of this
/// process can do (another configuration or package list, a dry run, no rebuild), or
/// `LUMINOUS_NO_DAEMON=1` says to work alone.
pub(crate) fn daemon_for(args: &TurnArgs) -> Option<Client> {
    let own = args.dry_run || args.no_rebuild || args.config.is_some() || args.index.is_some();
    let alone = std::env::var_os("LUMINOUS_NO_DAEMON").is_some_and(|v| v == "1");
    if own || alone {
        return None;
    }
    Client::connect()
}

/// `luminous ask` through the daemon. With `--yes`, a plan it asks to confirm is confirmed
/// and its outcome awaited.
pub(crate) fn ask(c: &Client, args: &TurnArgs, json: bool, text: &str) -> anyhow::Result<ExitCode> {
    let follow = c.follow()?;
    let (mut reply, mut obj) = c.ask(text)?;
    let first: serde_json::Value = serde_json::from_str(&obj).unwrap_or_default();
    if args.yes && first["needs_confirmation"] == true {
        (reply, obj) = c.ask("yes")?;
    }
    let last: serde_json::Value = serde_json::from_str(&obj).unwrap_or_default();
    let mut exit = ExitCode::SUCCESS;
    if last["working"] == true {
        if !json {
            println!("{reply}");
        }
        // The outcome comes when the operation ends.
        for a in follow {
            match a {
                Announcement::Progress(line) => eprintln!("{line}"),
                Announcement::Replied(text, j) => {
                    let j: serde_json::Value = serde_json::from_str(&j).unwrap_or_default();
                    if j["event"] == "outcome" {
                        if j["done"] != true {
                            exit = ExitCode::from(1);
                        }
                        reply = text;
                        obj = j.to_string();
                        break;
                    }
                }
                Announcement::Heard(_) | Announcement::State(_) => {}
            }
        }
    }
    if json {
        println!("{obj}");
    } else {
        println!("{reply}");
        if first["needs_confirmation"] == true && !args.yes {
            println!("Nothing was changed. To go ahead, answer yes: luminous ask yes");
        }
    }
    Ok(exit)
}

/// `luminous chat` through the daemon: each line is an Ask; what the daemon says on its
/// own (an operation's outcome, its milestones) is printed as it comes.
pub(crate) fn chat(c: &Client) -> anyhow::Result<ExitCode> {
    let follow = c.follow()?;
    println!(
        "Luminous text mode (the running assistant). Type a request, or help. Type quit to leave."
    );
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            println!("That line was not readable text; please type it again.");
            continue;
        };
        print_announcements(&follow);
        let trimmed = line.trim().to_lowercase();
        let pending = c
            .status()
            .map(|(s, _)| !s.question.is_empty())
            .unwrap_or(false);
        if matches!(trimmed.as_str(), "quit" | "exit" | "bye" | "goodbye" | "q") && !pending {
            println!("Goodbye.");
            return Ok(ExitCode::SUCCESS);
        }
        if trimmed.is_empty() {
            continue;
        }
        let (reply, _) = c.ask(&line)?;
        if !reply.is_empty() {
            println!("{reply}");
        }
        std::io::stdout().flush()?;
    }
    // Input ended: what is under way still reports (as a script's last "yes" would want).
    wait_for_outcome(c, &follow);
    Ok(ExitCode::SUCCESS)
}

/// While an operation runs, print what the daemon says until it ends.
fn wait_for_outcome(c: &Client, follow: &Receiver<Announcement>) {
    while c
        .status()
        .is_ok_and(|(s, _)| s.state == luminous_desktop::State::Working)
    {
        if let Ok(a) = follow.recv_timeout(Duration::from_millis(200)) {
            print_announcement(a);
        }
    }
    print_announcements(follow);
}

fn print_announcements(follow: &Receiver<Announcement>) {
    // Give signals sent just before a reply a moment to arrive.
    while let Ok(a) = follow.recv_timeout(Duration::from_millis(50)) {
        print_announcement(a);
    }
}

/// An announcement not already printed as the answer to a line: outcomes, notices,
/// milestones.
fn print_announcement(a: Announcement) {
    match a {
        Announcement::Replied(text, json) => {
            let j: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            if j["event"] != "reply" {
                println!("{text}");
            }
        }
        Announcement::Progress(line) => println!("{line}"),
        Announcement::Heard(t) => println!("Heard: {t}"),
        Announcement::State(_) => {}
    }
}

/// `luminous status [--json]`.
pub(crate) fn status(json: bool) -> anyhow::Result<ExitCode> {
    let Some(c) = Client::connect() else {
        if json {
            println!("{}", serde_json::json!({ "running": false }));
        } else {
            println!(
                "Luminous is not running as a service. Start it with: systemctl --user start luminous"
            );
        }
        return Ok(ExitCode::from(1));
    };
    let (s, details) = c.status()?;
    let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
    if details["starting"] == true && !json {
        println!("Luminous is starting (loading its models).");
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        println!(
            "{}",
            serde_json::json!({
                "running": true,
                "state": s.state.name(),
                "listening": s.listening,
                "quiet": s.quiet,
                "question": s.question,
                "details": details,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let on = |b: bool| if b { "on" } else { "off" };
    println!("Luminous is running: {}.", s.state.name());
    println!(
        "Listening: {}. Quiet mode: {}.",
        on(s.listening),
        on(s.quiet)
    );
    if !s.question.is_empty() {
        println!("Waiting for an answer to: {}", s.question);
    }
    let said = |k: &str| {
        details[k]
            .as_str()
            .map_or_else(|| "none".to_owned(), str::to_owned)
    };
    println!(
        "Microphone: {}. Speaker: {}.",
        said("microphone"),
        said("speaker")
    );
    println!(
        "Speech: {}. Push-to-talk: {}.",
        said("speech"),
        said("push_to_talk")
    );
    let watching: Vec<&str> = details["watching"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str())
        .collect();
    println!(
        "Watching: {}.",
        if watching.is_empty() {
            "nothing (no desktop signals found)".to_owned()
        } else {
            watching.join(", ")
        }
    );
    if let Some(m) = details["language_model"].as_str() {
        println!("Language model: {}.", m.trim_end_matches('.'));
    }
    if !details["notifications"].as_bool().unwrap_or(false) {
        println!("Notifications: none (no notification server); quiet replies are in text only.");
    }
    if let Some(w) = details["working"].as_str() {
        println!("Working on: {w}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `luminous ptt press|release|toggle`: needs the running daemon.
pub(crate) fn ptt(press: Option<bool>) -> anyhow::Result<ExitCode> {
    let Some(c) = Client::connect() else {
        anyhow::bail!(
            "push-to-talk needs the running assistant. Start it with: systemctl --user start luminous"
        );
    };
    match press {
        Some(p) => c.push_to_talk(p)?,
        None => c.toggle_push_to_talk()?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `luminous quiet on|off`: for the running assistant, else for the next session.
pub(crate) fn quiet(on: bool) -> anyhow::Result<ExitCode> {
    if let Some(c) = Client::connect() {
        c.set_quiet(on)?;
    } else {
        let dirs = crate::settings::Dirs::discover()?;
        luminous_store::Store::open(&dirs.store())?
            .set_preference("quiet", if on { "on" } else { "off" })?;
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
