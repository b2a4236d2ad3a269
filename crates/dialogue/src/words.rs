//! Every sentence Luminous says: short, plain, screen-reader friendly (no symbols that mean
//! something only when seen), the same words for text and speech.

use luminous_intent::index::Match;
use luminous_intent::{Candidate, IntentKind, Interpretation, Note, PackageIndex};
use luminous_nixcfg::edit::Config;

use crate::plan::{Launched, Outcome, Plan, Risk, Step};
use crate::planner::short_file;
use crate::{Context, Verbosity};

/// The name to say for a package attribute.
pub(crate) fn name_of(attr: &str, index: &PackageIndex) -> String {
    if let Some(lib) = luminous_intent::python::library(attr) {
        return library_name(lib.name);
    }
    index
        .get(attr)
        .map_or_else(|| attr.to_owned(), |p| p.display_name().to_owned())
}

/// How a Python library is said: "the Python library requests".
fn library_name(name: &str) -> String {
    format!("the Python library {name}")
}

/// The verb for one thing or several: "Firefox is", "Firefox and VLC are".
pub(crate) fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// "a", "a and b", "a, b and c".
pub(crate) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_lowercase().collect::<String>() + c.as_str()
    })
}

/// How the summary of an undo that only puts files back (after a rollback) begins.
pub(crate) const FILES_ONLY: &str = "Take your last change out of the configuration files";

/// After a rollback: the last change is still in the files, and the offer to take it out.
pub(crate) fn still_in_files(change: &crate::Change, undo: &Plan) -> String {
    let files: Vec<String> = undo
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Edit { file, .. } => Some(short_file(file).to_owned()),
            Step::Run { .. } => None,
        })
        .collect();
    format!(
        "{} still {} your last change, {}, so the next rebuild would bring it back. Shall I take it out of the {} too? Say yes or no.",
        capitalise(&list(&files)),
        if files.len() == 1 { "has" } else { "have" },
        lower_first(&change.summary),
        if files.len() == 1 { "file" } else { "files" },
    )
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

/// `text` with its first letter in upper case.
pub(crate) fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(crate) fn join(prefix: &str, text: &str) -> String {
    match (prefix.is_empty(), text.is_empty()) {
        (true, _) => text.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix} {text}"),
    }
}

pub(crate) fn has_unknown_note(i: &Interpretation) -> bool {
    i.notes.iter().any(|n| {
        matches!(
            n,
            Note::UnknownPackage { .. } | Note::UnknownService { .. } | Note::Dropped { .. }
        )
    })
}

/// What the engine noticed, said before the answer.
pub(crate) fn notes_prefix(i: &Interpretation, index: &PackageIndex) -> String {
    let mut parts: Vec<String> = Vec::new();
    for n in &i.notes {
        match n {
            Note::Corrected { meant, .. } => {
                parts.push(format!("I understood {}.", name_of(meant, index)))
            }
            Note::Dropped { text } if !text.is_empty() => {
                parts.push(format!("I left out \"{text}\": it is not a package name."));
            }
            Note::Truncated => parts.push("That was very long, so I only read its start.".into()),
            Note::Guessed => parts.push("I am not sure I understood.".into()),
            Note::Later { text } => {
                parts.push(format!("One thing at a time: ask me to {text} after this."));
            }
            // With exactly one option, the offer itself says it ("It would work with ...").
            Note::UnknownPackage { heard, .. } if i.options.len() != 1 => {
                parts.push(format!("There is no package called {heard}."));
            }
            _ => {}
        }
    }
    parts.join(" ")
}

pub(crate) fn not_understood_plain() -> &'static str {
    "I did not understand that. I can install, remove and find programs, turn services on and off, update, roll back, \
     clean up, and explain errors. Say help for more."
}

pub(crate) fn not_understood(i: &Interpretation) -> String {
    if i.notes.iter().any(|n| matches!(n, Note::Empty)) {
        return "I did not hear a request. Say help to hear what I can do.".into();
    }
    not_understood_plain().into()
}

pub(crate) fn intent_phrase(intent: IntentKind) -> &'static str {
    match intent {
        IntentKind::InstallPackage => "install a program",
        IntentKind::RemovePackage => "remove a program",
        IntentKind::SearchPackage => "search for a program",
        IntentKind::TryPackage => "try a program",
        IntentKind::ListInstalled => "list installed programs",
        IntentKind::UpdateSystem => "update the system",
        IntentKind::RebuildSystem => "rebuild the system",
        IntentKind::RollbackSystem => "roll back to the previous generation",
        IntentKind::UndoChange => "undo my last change",
        IntentKind::ListGenerations => "list generations",
        IntentKind::CollectGarbage => "clean up old generations",
        IntentKind::EnableService => "turn on a service",
        IntentKind::DisableService => "turn off a service",
        IntentKind::ExplainError => "explain an error",
        IntentKind::DiskUsage => "check disk space",
        IntentKind::SystemInfo => "hear about the system",
        IntentKind::Help => "hear what I can do",
        IntentKind::Repeat => "hear my last answer again",
        IntentKind::Cancel => "cancel",
        IntentKind::Confirm => "answer the question",
        IntentKind::SetPreference => "change how I talk",
        IntentKind::Vocabulary => "hear what a word of yours means",
        IntentKind::HowTo => "hear how NixOS works",
        IntentKind::Unknown => "something else",
    }
}

/// The words a person uses for doing what this intent does ("yes, install it").
pub(crate) fn verbs(intent: IntentKind) -> &'static [&'static str] {
    match intent {
        IntentKind::InstallPackage => &["install", "add", "get", "put"],
        IntentKind::RemovePackage => &["remove", "uninstall", "delete", "erase"],
        IntentKind::TryPackage => &["try", "run", "start", "open"],
        IntentKind::EnableService => &["enable", "turn", "on", "start", "switch"],
        IntentKind::DisableService => &["disable", "turn", "off", "switch"],
        IntentKind::UpdateSystem => &["update", "upgrade", "system"],
        IntentKind::RebuildSystem => &["rebuild", "build", "switch", "system"],
        IntentKind::RollbackSystem => &["roll", "back", "rollback", "revert", "system"],
        IntentKind::UndoChange => &["undo", "revert", "back", "change"],
        IntentKind::CollectGarbage => &["clean", "up", "delete", "collect", "garbage"],
        IntentKind::ListGenerations | IntentKind::ListInstalled => &["list", "show"],
        IntentKind::SearchPackage => &["search", "find"],
        IntentKind::DiskUsage | IntentKind::SystemInfo => &["check", "show"],
        _ => &[],
    }
}

pub(crate) fn verb(intent: IntentKind) -> &'static str {
    match intent {
        IntentKind::RemovePackage => "remove",
        IntentKind::TryPackage => "try",
        IntentKind::EnableService => "turn on",
        IntentKind::DisableService => "turn off",
        _ => "install",
    }
}

fn option_name(c: &Candidate, index: &PackageIndex) -> String {
    if let Some(p) = c.slots.get("package") {
        return name_of(p, index);
    }
    if let Some(s) = c
        .slots
        .get("service")
        .and_then(|s| luminous_intent::services::find(s))
    {
        return s.spoken.to_owned();
    }
    if c.intent == IntentKind::SearchPackage
        && let Some(query) = c.slots.get("query")
    {
        return format!("search for {query}");
    }
    if c.intent == IntentKind::SetPreference {
        let slot = |k: &str| c.slots.get(k).map(String::as_str);
        return match (slot("name"), slot("value")) {
            (Some("speech_rate"), Some("slower")) => "have me speak more slowly",
            (Some("speech_rate"), Some("faster")) => "have me speak faster",
            (Some("verbosity"), Some("brief")) => "get shorter answers",
            (Some("verbosity"), Some("detailed")) => "get more detail",
            (Some("quiet"), Some("on")) => "get answers in text only",
            _ => intent_phrase(c.intent),
        }
        .to_owned();
    }
    intent_phrase(c.intent).to_owned()
}

/// A single option as a question: "Did you want to install Chromium?"
pub(crate) fn one_option(only: &Candidate, index: &PackageIndex) -> String {
    if only.intent == IntentKind::Vocabulary {
        let slot = |k: &str| only.slots.get(k).map(String::as_str).unwrap_or_default();
        return format!(
            "Shall {} mean {}?",
            crate::vocab::said_back(slot("phrase")),
            name_of(slot("package"), index)
        );
    }
    let name = option_name(only, index);
    if !only.slots.contains_key("package") && !only.slots.contains_key("service") {
        format!("Did you want to {name}?")
    } else {
        format!("Did you want to {} {name}?", verb(only.intent))
    }
}

/// Numbered options: "Did you mean 1, Firefox, or 2, Firefox ESR?"
pub(crate) fn offer(options: &[Candidate], i: &Interpretation, index: &PackageIndex) -> String {
    let unknown = i.notes.iter().find_map(|n| match n {
        Note::UnknownPackage { heard, .. } => Some(heard.clone()),
        _ => None,
    });
    // One option is a yes/no question, not a list of one.
    if let [only] = options {
        return match &unknown {
            Some(heard) => format!(
                "There is no package called {heard}. It would work with {name}: shall I {} {name}?",
                verb(only.intent),
                name = option_name(only, index),
            ),
            None => format!("{} Say yes or no.", one_option(only, index)),
        };
    }
    let spoken: Vec<String> = options.iter().map(|c| option_name(c, index)).collect();
    // Two options must never sound the same: a clash falls back to the attribute names.
    let names: Vec<String> = options
        .iter()
        .zip(&spoken)
        .enumerate()
        .map(|(n, (c, name))| {
            let clash = spoken
                .iter()
                .filter(|s| s.eq_ignore_ascii_case(name))
                .count()
                > 1;
            match (clash, c.slots.get("package")) {
                (true, Some(attr)) => format!("{}, {attr}", n + 1),
                _ => format!("{}, {name}", n + 1),
            }
        })
        .collect();
    let joined = match names.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{}, or {last}", init.join(", ")),
        _ => names.join(""),
    };
    if options
        .iter()
        .all(|o| !o.slots.contains_key("package") && !o.slots.contains_key("service"))
    {
        format!("Did you want to {joined}? Say the number.")
    } else {
        format!("Did you mean {joined}? Say the number.")
    }
}

pub(crate) fn missing_slot(i: &Interpretation) -> String {
    match i.intent {
        IntentKind::SearchPackage => {
            "What should I search for? Say, for example, find a music player.".into()
        }
        IntentKind::EnableService | IntentKind::DisableService => {
            let heard = i.notes.iter().find_map(|n| match n {
                Note::UnknownService { heard, .. } => Some(heard.clone()),
                _ => None,
            });
            format!(
                "I do not know a service called {}. I can turn on and off, for example, SSH, Bluetooth, printing, Docker, \
                 sound and the firewall.",
                heard.unwrap_or_else(|| "that".into())
            )
        }
        _ => {
            if i.notes
                .iter()
                .any(|n| matches!(n, Note::UnknownPackage { .. }))
            {
                "Say the name of a program, or say find and what it should do.".into()
            } else {
                format!("Which program should I {}? Say its name.", verb(i.intent))
            }
        }
    }
}

fn what_happens(plan: &Plan) -> String {
    let edits = plan.steps.iter().filter_map(|s| match s {
        Step::Edit { file, .. } => Some(short_file(file).to_owned()),
        Step::Run { .. } => None,
    });
    let files: Vec<String> = edits.collect();
    match (files.is_empty(), plan.rebuilds()) {
        (false, true) => format!(
            "I will change {} and rebuild, which can take a few minutes.",
            list(&files)
        ),
        (false, false) => format!(
            "I will change {}. The change takes effect at the next rebuild.",
            list(&files)
        ),
        (true, true) => "This rebuilds the system, which can take a few minutes.".into(),
        (true, false) => String::new(),
    }
}

fn risk_warning(plan: &Plan) -> &'static str {
    match (plan.risk, plan.intent) {
        (Risk::High, IntentKind::CollectGarbage) => {
            "You will not be able to roll back to the deleted generations."
        }
        (Risk::High, IntentKind::DisableService) => {
            "Careful: this can cut off network or remote access."
        }
        _ => "",
    }
}

/// The short form of a confirmation: the action, named, and the answer wanted.
pub(crate) fn confirm_question(plan: &Plan) -> String {
    format!("{}? Please say yes or no.", plan.summary)
}

/// The confirmation of a plan. Brief and normal: the action, short ("Install Firefox and
/// rebuild?"), what must be known before a yes (a risk, a note, an edit that waits for the
/// next rebuild), and the answer wanted, in about two seconds of speech; detailed (and "tell
/// me more" while asked): the whole summary, the files, how long it takes and the commands.
pub(crate) fn confirm_text(plan: &Plan, v: Verbosity) -> String {
    let edits = plan.steps.iter().any(|s| matches!(s, Step::Edit { .. }));
    let mut parts = if v == Verbosity::Detailed {
        vec![format!("{}?", plan.summary)]
    } else {
        let short = if plan.short.is_empty() {
            &plan.summary
        } else {
            &plan.short
        };
        let rebuild = if edits && plan.rebuilds() {
            " and rebuild"
        } else {
            ""
        };
        vec![format!("{short}{rebuild}?")]
    };
    let warn = risk_warning(plan);
    if !warn.is_empty() {
        parts.push(warn.to_owned());
    }
    parts.extend(plan.notes.iter().cloned());
    if v == Verbosity::Detailed {
        let w = what_happens(plan);
        if !w.is_empty() {
            parts.push(w);
        }
        for s in &plan.steps {
            if let Step::Run { argv, root, .. } = s {
                parts.push(format!(
                    "Command: {}{}.",
                    argv.join(" "),
                    if *root { ", as administrator" } else { "" }
                ));
            }
        }
        parts.push("Say yes or no.".into());
    } else {
        if edits && !plan.rebuilds() {
            parts.push("It takes effect at the next rebuild.".into());
        }
        parts.push("Yes or no?".into());
    }
    parts.join(" ")
}

pub(crate) fn starting(plan: &Plan) -> String {
    if plan.changes_system {
        format!("{}: starting.", plan.summary)
    } else {
        String::new()
    }
}

pub(crate) fn installed_list(names: &[String], v: Verbosity) -> String {
    if names.is_empty() {
        return "Your configuration lists no packages in environment.systemPackages.".into();
    }
    let shown = if v == Verbosity::Detailed {
        names.len()
    } else {
        names.len().min(10)
    };
    let more = names.len() - shown;
    let head = list(&names[..shown]);
    if more > 0 {
        format!(
            "Your configuration lists {} packages: {head}, and {more} more. Say more detail to hear all.",
            names.len()
        )
    } else {
        format!(
            "Your configuration lists {} {}: {head}.",
            names.len(),
            if names.len() == 1 {
                "package"
            } else {
                "packages"
            }
        )
    }
}

pub(crate) fn search_results(
    query: &str,
    found: &[Match],
    index: &PackageIndex,
    v: Verbosity,
) -> String {
    let mut parts = vec![format!(
        "I found {} for {query}.",
        if found.len() == 1 {
            "one package".into()
        } else {
            format!("{} packages", found.len())
        }
    )];
    for (n, m) in found.iter().enumerate() {
        let Some(p) = index.package(m.package) else {
            continue;
        };
        let desc = first_sentence(p.description);
        let name = match luminous_intent::python::library(p.attr) {
            Some(lib) => library_name(lib.name),
            None => p.display_name().to_owned(),
        };
        if v == Verbosity::Brief || desc.is_empty() {
            parts.push(format!("{}, {name}.", n + 1));
        } else {
            parts.push(format!("{}, {name}: {desc}.", n + 1));
        }
    }
    parts.push("Say a number to install one.".into());
    parts.join(" ")
}

fn first_sentence(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let s = s.split(". ").next().unwrap_or(s);
    s.chars().take(90).collect()
}

pub(crate) fn help() -> &'static str {
    "You can say: install firefox, remove vlc, find a music player, try cowsay, what is installed, update the system, \
     undo, roll back, list generations, clean up, enable bluetooth, why did my rebuild fail, how much disk space, \
     and talk slower. I ask before I change anything."
}

/// Explain the configuration's problems, or the last failed change's log.
pub(crate) fn explanation(ctx: &Context<'_>, v: Verbosity) -> String {
    let mut ds = ctx.config_problems.to_vec();
    match ctx.config {
        Ok(files) => {
            let names: Option<&dyn luminous_nixcfg::PackageNames> =
                ctx.index_complete.then_some(ctx.index as _);
            ds.extend(luminous_nixcfg::explain(Config { files }, names));
        }
        Err(why) if ctx.last_failure.is_none() => {
            return format!("I could not read your configuration: {why}");
        }
        Err(_) => {}
    }
    if ds.is_empty()
        && let Some(log) = ctx.last_failure
    {
        ds = luminous_nixcfg::log::explain_log("the last build", log);
        if let Some(d) = ds.first() {
            return format!("Your last change failed. {} {}", d.message, d.suggestion);
        }
    }
    match ds.as_slice() {
        [] => "I found no problems in your configuration.".into(),
        [d] => format!(
            "In {}, line {}: {} {}",
            short_file(&d.file),
            d.line,
            d.message,
            d.suggestion
        ),
        many => {
            let shown = if v == Verbosity::Detailed {
                many.len()
            } else {
                2
            };
            let mut parts = vec![format!("I found {} problems.", many.len())];
            for d in many.iter().take(shown) {
                parts.push(format!(
                    "In {}, line {}: {} {}",
                    short_file(&d.file),
                    d.line,
                    d.message,
                    d.suggestion
                ));
            }
            if many.len() > shown {
                parts.push("Say more detail to hear the rest.".into());
            }
            parts.join(" ")
        }
    }
}

/// The result of a plan that ran.
pub(crate) fn outcome(plan: &Plan, out: &Outcome, ctx: &Context<'_>, v: Verbosity) -> String {
    let subjects = list(
        &plan
            .subjects
            .iter()
            .map(|s| name_of(s, ctx.index))
            .collect::<Vec<_>>(),
    );
    let stdout: String = out
        .steps
        .iter()
        .map(|s| s.stdout.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let rebuilt = plan.rebuilds();
    if !out.ok {
        // Read-only queries that partly worked still have something to say.
        if plan.intent == IntentKind::SystemInfo
            && let Some(first) = out.steps.first().filter(|s| s.exit_code == Some(0))
        {
            return format!(
                "The kernel is {}. This does not look like NixOS: nixos-version is missing.",
                first.stdout.trim()
            );
        }
        return failure(plan, out);
    }
    let pending = if rebuilt || plan.steps.iter().all(|s| matches!(s, Step::Run { .. })) {
        ""
    } else {
        " It takes effect at the next rebuild."
    };
    match plan.intent {
        IntentKind::InstallPackage if pending.is_empty() => {
            let restart = if v == Verbosity::Brief {
                ""
            } else {
                " Programs that are already open see new packages only after a restart."
            };
            format!(
                "Done. {subjects} {} installed.{restart}",
                is_are(plan.subjects.len())
            )
        }
        IntentKind::InstallPackage => format!(
            "Done. {subjects} {} in your configuration.{pending}",
            is_are(plan.subjects.len())
        ),
        IntentKind::RemovePackage => format!(
            "Done. {subjects} {} removed.{pending}",
            is_are(plan.subjects.len())
        ),
        IntentKind::EnableService => format!("Done. {} is on.{pending}", capitalise(&subjects)),
        IntentKind::DisableService => format!("Done. {} is off.{pending}", capitalise(&subjects)),
        IntentKind::UpdateSystem => "Done. The system is up to date.".into(),
        IntentKind::RebuildSystem => match plan.subjects.first().map(String::as_str) {
            Some("boot") => "Done. The new configuration will be used from the next boot.".into(),
            Some("test") => "Done. The new configuration is running; after a reboot the previous default comes back.".into(),
            Some("dry-build") => "Your configuration builds. Nothing was changed.".into(),
            _ => "Done. The system now runs the new configuration.".into(),
        },
        IntentKind::RollbackSystem => "Done. The system is back on the previous generation.".into(),
        IntentKind::UndoChange if plan.steps.iter().all(|s| matches!(s, Step::Edit { .. })) && plan.summary.starts_with(FILES_ONLY) => {
            "Done. Your configuration files match the running system again.".into()
        }
        IntentKind::UndoChange => format!("Done. I undid your last change: {subjects}.{pending}"),
        IntentKind::CollectGarbage => {
            let all: String = out
                .steps
                .iter()
                .map(|s| format!("{}\n{}", s.stdout, s.stderr))
                .collect();
            match all.lines().find(|l| l.contains("freed")) {
                Some(line) => format!("Done. {}.", line.trim().trim_end_matches('.')),
                None => "Done. Old generations are cleaned up.".into(),
            }
        }
        IntentKind::ListGenerations => generations(&stdout),
        IntentKind::ListInstalled => {
            let names: Vec<String> = stdout
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            installed_list(&names, v)
                .replace("Your configuration lists", "Your profile has")
                .replace(
                    "lists no packages in environment.systemPackages",
                    "has no packages",
                )
        }
        IntentKind::DiskUsage => disk(&stdout),
        IntentKind::SystemInfo => {
            let kernel = out.steps.first().map_or("", |s| s.stdout.trim());
            let version = out.steps.get(1).map_or("", |s| s.stdout.trim());
            format!("This is NixOS {version}, with kernel {kernel}.")
        }
        IntentKind::TryPackage => {
            let last = out.steps.last().and_then(|s| s.launched.as_ref());
            match last {
                Some(Launched::Window) => format!(
                    "{subjects} is starting in its own window. Nothing was installed; it is gone when you close it."
                ),
                Some(Launched::Terminal { .. }) => format!(
                    "{subjects} is starting in a new terminal window. Nothing was installed."
                ),
                Some(Launched::NoTerminal) => {
                    let argv = plan.steps.iter().rev().find_map(|s| match s {
                        Step::Run { argv, terminal: true, .. } => Some(shown_command(argv)),
                        _ => None,
                    });
                    format!(
                        "{subjects} runs in a terminal, and I found none to open it in. To try it, run this in a terminal: {}",
                        argv.unwrap_or_default()
                    )
                }
                Some(Launched::Here) | None => {
                    format!("{subjects} ran in a temporary shell. Nothing was installed.")
                }
            }
        }
        _ => "Done.".into(),
    }
}

/// A command as a person would type it: arguments with spaces or shell characters quoted.
/// For showing only; nothing ever runs through a shell.
pub(crate) fn shown_command(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=+:@%,".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn failure(plan: &Plan, out: &Outcome) -> String {
    let what = if out.cancelled {
        "Stopped, as you asked.".to_owned()
    } else {
        failure_cause(plan, out)
    };
    let mut parts = vec![what];
    if !out.restored.is_empty() {
        let files: Vec<String> = out
            .restored
            .iter()
            .map(|f| short_file(f).to_owned())
            .collect();
        parts.push(format!(
            "I put {} back as {} was, so your configuration is unchanged.",
            list(&files),
            if files.len() == 1 { "it" } else { "they" }
        ));
    }
    for why in &out.not_restored {
        parts.push(format!(
            "I could not put back {why}. Say history to hear where its backup is."
        ));
    }
    parts.join(" ")
}

fn failure_cause(plan: &Plan, out: &Outcome) -> String {
    let Some(last) = out.steps.last() else {
        return "Nothing ran.".into();
    };
    if let Some(err) = &last.error {
        return format!("That did not work: {err}");
    }
    let log = format!("{}\n{}", last.stdout, last.stderr);
    let ds = luminous_nixcfg::log::explain_log("output", &log);
    let step_name = plan
        .steps
        .get(out.steps.len().saturating_sub(1))
        .map(|s| match s {
            Step::Run { purpose, .. } => purpose.clone(),
            Step::Edit { .. } => "editing the configuration".into(),
        })
        .unwrap_or_default();
    let code = last
        .exit_code
        .map_or_else(String::new, |c| format!(" (exit code {c})"));
    match ds.first() {
        Some(d) => format!(
            "That failed while {step_name}. {} {}",
            d.message, d.suggestion
        ),
        None => {
            let tail = last
                .stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            let tail: String = tail.chars().take(200).collect();
            if tail.is_empty() {
                format!("That failed while {step_name}{code}.")
            } else {
                format!("That failed while {step_name}{code}: {tail}")
            }
        }
    }
}

/// `nix-env --list-generations` output, summarised.
fn generations(stdout: &str) -> String {
    let rows: Vec<(&str, &str, bool)> = stdout
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let n = f.next()?;
            n.parse::<u64>().ok()?;
            let date = f.next().unwrap_or("");
            Some((n, date, l.contains("(current)")))
        })
        .collect();
    match rows.as_slice() {
        [] => "There are no generations yet.".into(),
        _ => {
            let current = rows.iter().find(|r| r.2).or(rows.last());
            let count = rows.len();
            let noun = if count == 1 {
                "generation"
            } else {
                "generations"
            };
            match current {
                Some((n, date, _)) => {
                    format!("You have {count} {noun}. The current one is number {n}, from {date}.")
                }
                None => format!("You have {count} {noun}."),
            }
        }
    }
}

fn human_bytes(n: u64) -> String {
    let gb = n as f64 / 1e9;
    if gb >= 1.0 {
        format!("{gb:.0} gigabytes")
    } else {
        format!("{:.0} megabytes", n as f64 / 1e6)
    }
}

/// `df -B1 --output=target,size,used,avail` output, summarised.
fn disk(stdout: &str) -> String {
    let mut seen = Vec::new();
    let mut parts = Vec::new();
    for l in stdout.lines().skip(1) {
        let f: Vec<&str> = l.split_whitespace().collect();
        let [target, size, used, avail] = f.as_slice() else {
            continue;
        };
        let (Ok(size), Ok(used), Ok(avail)) = (
            size.parse::<u64>(),
            used.parse::<u64>(),
            avail.parse::<u64>(),
        ) else {
            continue;
        };
        if seen.contains(&(size, used)) {
            continue;
        }
        seen.push((size, used));
        let pct = (used * 100).checked_div(size).unwrap_or(0);
        let place = if *target == "/" {
            "Your main disk".to_owned()
        } else {
            format!("The disk holding {target}")
        };
        parts.push(format!(
            "{place} has {} free of {}; it is {pct} percent full.",
            human_bytes(avail),
            human_bytes(size)
        ));
    }
    if parts.is_empty() {
        "I could not read the disk usage.".into()
    } else {
        parts.join(" ")
    }
}
