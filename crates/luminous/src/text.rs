//! The text faces: `ask` (one request, or the running service's answer to it) and `chat`
//! (a conversation, line by line), and how a plan is shown before it runs.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use luminous_dialogue::{Action, Plan, Step};

use crate::remote;
use crate::turn::{Lines, Run, TurnArgs, lower_first, respond, session};

pub(crate) fn print_plan(plan: &Plan) {
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
pub(crate) fn ctrl_c_belongs_to_programs() {
    let _ = ctrlc::set_handler(|| {
        if !luminous_nixexec::launch::attached_child() {
            std::process::exit(130);
        }
    });
}

pub(crate) fn ask(args: &TurnArgs, json: bool, text: &str) -> anyhow::Result<ExitCode> {
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

pub(crate) fn chat(args: &TurnArgs) -> anyhow::Result<ExitCode> {
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
