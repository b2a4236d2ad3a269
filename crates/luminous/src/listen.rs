//! `luminous listen`: the voice loop in a terminal. With the service running, it is a view
//! of the service's own listening (hands-free turned on, what is heard and replied
//! printed, Enter as push-to-talk); without it, the same loop the service runs, here,
//! printing the conversation. Ctrl-C ends it.

use std::process::ExitCode;
use std::time::Duration;

use luminous_desktop::{Announcement, Client};

use crate::daemon::{Setup, Wanted};
use crate::turn::TurnArgs;

/// What the user asked of `listen`.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Enter starts each request instead of the wake phrase.
    pub(crate) push_to_talk: bool,
    /// Every utterance is a request (no wake phrase).
    pub(crate) always: bool,
    /// Play the state tones.
    pub(crate) earcons: bool,
    /// How long after a reply a follow-up needs no wake phrase.
    pub(crate) follow_up: Duration,
}

pub(crate) fn run(turn: &TurnArgs, opts: &Options) -> anyhow::Result<ExitCode> {
    if let Some(c) = crate::remote::daemon_for(turn) {
        return follow(&c, opts);
    }
    let setup = Setup {
        serve: false,
        echo: true,
        voice: Some(Wanted {
            hands_free: Some(!opts.push_to_talk),
            always: opts.always,
            follow_up: Some(opts.follow_up),
            earcons: Some(opts.earcons),
            required: true,
        }),
        enter_toggles: opts.push_to_talk,
    };
    crate::daemon::run(turn, &setup)
}

/// The service listens; this terminal shows what it hears and says.
fn follow(c: &Client, opts: &Options) -> anyhow::Result<ExitCode> {
    let announcements = c.follow()?;
    let (status, _) = c.status()?;
    let was_listening = status.listening;
    if !opts.push_to_talk {
        c.set_listening(true)?;
    }
    let (stop_tx, stop) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })?;
    if opts.push_to_talk {
        let toggles = Client::connect();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                line.clear();
                println!("Listening.");
                if let Some(t) = &toggles {
                    let _ = t.toggle_push_to_talk();
                }
            }
        });
        println!(
            "Listening through the running assistant. Press Enter, then speak. Press Ctrl-C to stop."
        );
    } else {
        println!(
            "Listening through the running assistant. Speak when you are ready. Press Ctrl-C to stop."
        );
    }
    while stop.try_recv().is_err() {
        match announcements.recv_timeout(Duration::from_millis(200)) {
            Ok(Announcement::Heard(t)) => println!("You said: {t}"),
            Ok(Announcement::Replied(text, _)) => println!("{text}"),
            Ok(Announcement::Progress(line)) => println!("{line}"),
            Ok(Announcement::State(_)) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                println!("The assistant stopped.");
                return Ok(ExitCode::from(1));
            }
        }
    }
    if !was_listening && !opts.push_to_talk {
        let _ = c.set_listening(false);
    }
    println!("Stopped listening.");
    Ok(ExitCode::SUCCESS)
}
