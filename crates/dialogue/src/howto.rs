//! Short answers to what a new NixOS user asks (what a generation is, channels or flakes,
//! why an open program does not see a new package), from a curated local set, each
//! offering the action where there is one. Pure.

use luminous_intent::{Candidate, IntentKind, Slots};

use crate::Context;

/// The answer about `topic` (a `how_to` slot), and the action it offers, if any. `package`
/// is what the question named ("how do I add the python library requests").
pub fn answer(
    topic: &str,
    package: Option<&str>,
    ctx: &Context<'_>,
) -> (String, Option<Candidate>) {
    let offer = |intent: IntentKind| {
        Some(Candidate {
            intent,
            slots: Slots::new(),
        })
    };
    match topic {
        "generation" => (
            "A generation is one version of your whole system: every rebuild makes a new one, \
             and NixOS keeps the old ones, so you can go back to any of them, by saying roll \
             back, or by choosing one when the computer starts. Shall I list your generations?"
                .into(),
            offer(IntentKind::ListGenerations),
        ),
        "new_package" => (
            "A new package is there after the rebuild, but programs that were already open keep \
             the list of programs they started with. Open a new terminal, or log out and in \
             again, and it is found."
                .into(),
            None,
        ),
        "flakes" => (
            "Both work, and I work with both. Channels are the classic way: the rebuild takes \
             nixpkgs from a channel, which an update moves on. A flake pins nixpkgs in a \
             flake.lock file beside your configuration, so every rebuild is the same until you \
             update the lock. If you are starting out, channels are simpler; flakes pay off when \
             you keep several machines alike."
                .into(),
            None,
        ),
        "python" => match package.and_then(|p| luminous_intent::python::library(p).map(|l| (p, l)))
        {
            Some((attr, lib)) => (
                format!(
                    "On NixOS a Python library comes with its Python: I add it to \
                     python3.withPackages in your configuration, and python3 finds it after the \
                     rebuild. For one project, a shell is simpler: nix-shell -p \
                     python3Packages.{name}. Shall I add the Python library {name} to your \
                     system's Python?",
                    name = lib.name
                ),
                Some(Candidate {
                    intent: IntentKind::InstallPackage,
                    slots: Slots::from([("package".to_owned(), attr.to_owned())]),
                }),
            ),
            None => (
                "On NixOS a Python library comes with its Python: python3.withPackages, with the \
                 libraries listed, and I write that for you: say add the Python library and its \
                 name, for example add the Python library requests. For one project, a shell is \
                 simpler: nix-shell -p python3Packages.requests."
                    .into(),
                None,
            ),
        },
        "store" => (
            "The Nix store, /nix/store, holds every package and every generation, each in its \
             own folder, and nothing in it changes after it is made. Old generations keep old \
             packages there, which is why it grows. Shall I clean up old generations to free \
             space?"
                .into(),
            offer(IntentKind::CollectGarbage),
        ),
        "undo_or_rollback" => (
            "Undo puts back the files I last changed and rebuilds, so your configuration says \
             what it said before. Roll back switches to the previous generation at once, but \
             leaves your configuration files as they are, so the next rebuild brings the change \
             back."
                .into(),
            None,
        ),
        "configuration" => (
            format!(
                "Your configuration is {}. Everything about the system is written there, and a \
                 rebuild makes the system match it. I change it for you when you ask me to \
                 install a program or turn on a service, and I always ask first.",
                ctx.settings.config_path
            ),
            None,
        ),
        _ => (
            "I can explain what a generation is, channels and flakes, the Nix store, undo and \
             roll back, why a new program is not found in an open terminal, and Python \
             libraries. Ask about one of them."
                .into(),
            None,
        ),
    }
}
