//! Turns one fully specified request into a plan, a choice, or a direct answer.

use luminous_intent::{Candidate, IntentKind, Slots};
use luminous_nixcfg::edit::{self, Config, EditError, FileEdit};

use crate::plan::{Plan, Risk, Step, diff};
use crate::words::{self, is_are, name_of};
use crate::{Change, Context, InstallMode, Verbosity};

pub(crate) enum Planned {
    Reply(String),
    Choose {
        text: String,
        options: Vec<Candidate>,
    },
    Plan(Plan),
}

fn run(argv: &[&str], root: bool, purpose: &str) -> Step {
    Step::Run {
        argv: argv.iter().map(|s| (*s).to_owned()).collect(),
        root,
        purpose: purpose.to_owned(),
        terminal: false,
    }
}

/// Where NixOS looks for its configuration when nothing says otherwise.
const DEFAULT_CONFIG: &str = "/etc/nixos/configuration.nix";

/// `nixos-rebuild MODE` for the configuration Luminous edits: a flake with its host
/// (`--flake PATH#HOST`), or a configuration elsewhere than /etc/nixos
/// (`-I nixos-config=PATH`), so that what was edited is what is built.
fn nixos_rebuild(ctx: &Context<'_>, mode: &str) -> Vec<String> {
    let s = ctx.settings;
    let mut argv = vec!["nixos-rebuild".to_owned(), mode.to_owned()];
    match &s.flake {
        Some(f) => {
            argv.push("--flake".into());
            argv.push(match (&s.hostname, f.contains('#')) {
                (Some(host), false) => format!("{f}#{host}"),
                _ => f.clone(),
            });
        }
        None if s.config_path != DEFAULT_CONFIG => {
            argv.push("-I".into());
            argv.push(format!("nixos-config={}", s.config_path));
        }
        None => {}
    }
    argv
}

/// The flake's folder (without a `#host`).
fn flake_dir(flake: &str) -> &str {
    flake.split('#').next().unwrap_or(flake)
}

fn edit_step(e: FileEdit) -> Step {
    let d = diff(&e.name, &e.before, &e.after);
    Step::Edit {
        file: e.name,
        before: e.before,
        after: e.after,
        diff: d,
    }
}

fn rebuild(ctx: &Context<'_>) -> Step {
    let argv = nixos_rebuild(ctx, "switch");
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    run(&argv, true, "rebuilding the system")
}

fn planned(
    intent: IntentKind,
    summary: String,
    steps: Vec<Step>,
    risk: Risk,
    subjects: Vec<String>,
) -> Planned {
    Planned::Plan(Plan {
        intent,
        summary,
        short: String::new(),
        steps,
        risk,
        changes_system: intent.changes_system(),
        subjects,
        notes: vec![],
        undoes: None,
    })
}

/// `planned` with the short form of its summary, for the brief confirmation.
fn shortened(planned: Planned, short: String) -> Planned {
    match planned {
        Planned::Plan(plan) => Planned::Plan(Plan { short, ..plan }),
        other => other,
    }
}

fn edit_error(e: &EditError) -> String {
    match e {
        EditError::Syntax(d) => format!(
            "I will not change your configuration while it has an error. In {}, line {}: {} {}",
            short_file(&d.file),
            d.line,
            d.message,
            d.suggestion
        ),
        other => format!("I could not change your configuration: {other}."),
    }
}

pub(crate) fn short_file(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Profile-mode `nix-env` with the configured profile and package source.
fn nix_env<'a>(ctx: &'a Context<'_>, args: &[&'a str]) -> Vec<&'a str> {
    let mut argv = vec!["nix-env"];
    if let Some(p) = &ctx.settings.profile {
        argv.extend(["--profile", p.as_str()]);
    }
    argv.extend(args);
    argv
}

/// Plan one request; a plan that rebuilds says what the rebuild will stop on.
pub(crate) fn plan(c: &Candidate, ctx: &Context<'_>, verbosity: Verbosity) -> Planned {
    match plan_request(c, ctx, verbosity) {
        Planned::Plan(mut p) if p.rebuilds() => {
            p.notes.extend(ctx.config_problems.iter().map(|d| {
                let rest = d.message.strip_prefix("It ").unwrap_or(&d.message);
                format!("Careful: {} {rest}", short_file(&d.file))
            }));
            Planned::Plan(p)
        }
        other => other,
    }
}

fn plan_request(c: &Candidate, ctx: &Context<'_>, verbosity: Verbosity) -> Planned {
    let s = ctx.settings;
    let profile = s.install_mode == InstallMode::Profile;
    let slot = |k: &str| c.slots.get(k).cloned().unwrap_or_default();
    let packages: Vec<String> = match c.slots.get("packages") {
        Some(list) => list.split(' ').map(str::to_owned).collect(),
        None => c.slots.get("package").into_iter().cloned().collect(),
    };
    let names = || {
        words::list(
            &packages
                .iter()
                .map(|p| name_of(p, ctx.index))
                .collect::<Vec<_>>(),
        )
    };
    let config = |ctx: &Context<'_>| -> Result<Vec<luminous_nixcfg::edit::SourceFile>, String> {
        ctx.config
            .map(<[_]>::to_vec)
            .map_err(|why| format!("I could not read your configuration: {why}"))
    };
    let rebuild_steps = |mut steps: Vec<Step>| {
        if !s.no_rebuild {
            steps.push(rebuild(ctx));
        }
        steps
    };

    match c.intent {
        IntentKind::InstallPackage if profile => {
            let mut args: Vec<&str> = Vec::new();
            if let Some(src) = &s.nixpkgs {
                args.extend(["-f", src.as_str()]);
            }
            args.push("-iA");
            let prefixed: Vec<String> =
                packages.iter().map(|p| if s.nixpkgs.is_some() { p.clone() } else { format!("nixpkgs.{p}") }).collect();
            args.extend(prefixed.iter().map(String::as_str));
            let argv = nix_env(ctx, &args);
            let p = planned(c.intent, format!("Install {} for you", names()), vec![run(&argv, false, "installing")], Risk::Medium, packages.clone());
            shortened(p, format!("Install {}", names()))
        }
        IntentKind::InstallPackage => {
            let files = match config(ctx) {
                Ok(f) => f,
                Err(e) => return Planned::Reply(e),
            };
            let attrs: Vec<&str> = packages.iter().map(String::as_str).collect();
            match edit::add_packages(Config { files: &files }, &attrs) {
                Err(e) => Planned::Reply(edit_error(&e)),
                Ok(ch) if ch.edits.is_empty() => {
                    Planned::Reply(format!("{} {} already in your configuration. Nothing to do.", names(), is_are(packages.len())))
                }
                Ok(ch) => {
                    let mut text_note = String::new();
                    if !ch.unchanged.is_empty() {
                        let already: Vec<String> = ch.unchanged.iter().map(|p| name_of(p, ctx.index)).collect();
                        text_note = format!(" ({} is already there.)", words::list(&already));
                    }
                    let added: Vec<String> = ch.changed.iter().map(|p| name_of(p, ctx.index)).collect();
                    let steps = rebuild_steps(ch.edits.into_iter().map(edit_step).collect());
                    let p = planned(
                        c.intent,
                        format!("Install {} for the whole system{text_note}", words::list(&added)),
                        steps,
                        Risk::Medium,
                        ch.changed,
                    );
                    shortened(p, format!("Install {}", words::list(&added)))
                }
            }
        }
        IntentKind::RemovePackage if profile => {
            let pnames: Vec<String> =
                packages.iter().map(|p| ctx.index.get(p).map_or_else(|| p.clone(), |pk| pk.pname.to_owned())).collect();
            let mut args = vec!["-e"];
            args.extend(pnames.iter().map(String::as_str));
            let argv = nix_env(ctx, &args);
            let p = planned(c.intent, format!("Remove {} from your profile", names()), vec![run(&argv, false, "removing")], Risk::High, packages.clone());
            shortened(p, format!("Remove {}", names()))
        }
        IntentKind::RemovePackage => {
            let files = match config(ctx) {
                Ok(f) => f,
                Err(e) => return Planned::Reply(e),
            };
            let attrs: Vec<&str> = packages.iter().map(String::as_str).collect();
            match edit::remove_packages(Config { files: &files }, &attrs) {
                Err(e) => Planned::Reply(edit_error(&e)),
                Ok(ch) if ch.edits.is_empty() => {
                    // Say what would have worked: a listed package with a near name.
                    let listed = edit::installed(Config { files: &files }).unwrap_or_default();
                    let near = packages.first().and_then(|want| {
                        listed
                            .iter()
                            .map(|l| (l.attr.clone(), strsim::jaro_winkler(&l.attr, want)))
                            .filter(|(_, s)| *s >= 0.8)
                            .max_by(|a, b| a.1.total_cmp(&b.1))
                    });
                    match near {
                        Some((attr, _)) => {
                            let name = name_of(&attr, ctx.index);
                            Planned::Choose {
                                text: format!("{} is not in your configuration. It would work with {name}: shall I remove {name}?", names()),
                                options: vec![Candidate { intent: c.intent, slots: Slots::from([("package".to_owned(), attr)]) }],
                            }
                        }
                        None => Planned::Reply(format!(
                            "{} {} not in your configuration, so there is nothing to remove.",
                            names(),
                            is_are(packages.len())
                        )),
                    }
                }
                Ok(ch) => {
                    let removed: Vec<String> = ch.changed.iter().map(|p| name_of(p, ctx.index)).collect();
                    let steps = rebuild_steps(ch.edits.into_iter().map(edit_step).collect());
                    let p = planned(c.intent, format!("Remove {} from the system", words::list(&removed)), steps, Risk::High, ch.changed);
                    shortened(p, format!("Remove {}", words::list(&removed)))
                }
            }
        }
        IntentKind::EnableService | IntentKind::DisableService if profile => Planned::Reply(
            "Turning services on and off needs a NixOS configuration, and this setup installs into a user profile.".into(),
        ),
        IntentKind::EnableService | IntentKind::DisableService => {
            let on = c.intent == IntentKind::EnableService;
            let service = luminous_intent::services::find(&slot("service"));
            let option = c.slots.get("option").cloned().or_else(|| service.map(|s| s.option.to_owned())).unwrap_or_default();
            let spoken = service.map_or_else(|| option.clone(), |s| s.spoken.to_owned());
            let files = match config(ctx) {
                Ok(f) => f,
                Err(e) => return Planned::Reply(e),
            };
            match edit::set_option(Config { files: &files }, &option, on) {
                Err(e) => Planned::Reply(edit_error(&e)),
                Ok(ch) => match ch.edit {
                    None => Planned::Reply(format!(
                        "{} is already {} in your configuration. Nothing to do.",
                        words::capitalise(&spoken),
                        if on { "on" } else { "off" }
                    )),
                    Some(e) => {
                        let risky = !on && matches!(service.map(|s| s.id), Some("firewall" | "ssh" | "networkmanager"));
                        let steps = rebuild_steps(vec![edit_step(e)]);
                        planned(
                            c.intent,
                            format!("Turn {} {spoken}", if on { "on" } else { "off" }),
                            steps,
                            if risky { Risk::High } else { Risk::Medium },
                            vec![spoken],
                        )
                    }
                },
            }
        }
        IntentKind::UpdateSystem if profile => {
            let upgrade = nix_env(ctx, &["-u"]);
            planned(
                c.intent,
                "Update your channels and upgrade your packages".into(),
                vec![run(&["nix-channel", "--update"], false, "updating channels"), run(&upgrade, false, "upgrading packages")],
                Risk::High,
                vec![],
            )
        }
        IntentKind::UpdateSystem => {
            let first = match &s.flake {
                Some(f) => run(
                    &["nix", "--extra-experimental-features", "nix-command flakes", "flake", "update", "--flake", flake_dir(f)],
                    s.flake_needs_root,
                    "updating flake inputs",
                ),
                None => run(&["nix-channel", "--update"], true, "updating channels"),
            };
            planned(c.intent, "Update the system".into(), rebuild_steps(vec![first]), Risk::High, vec![])
        }
        IntentKind::RebuildSystem if profile => Planned::Reply("There is no NixOS configuration to rebuild in profile mode.".into()),
        IntentKind::RebuildSystem => {
            let mode = c.slots.get("mode").map_or("switch", String::as_str);
            let argv = nixos_rebuild(ctx, mode);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let (summary, purpose) = match mode {
                "boot" => ("Build the configuration and make it the default from the next boot", "building for the next boot"),
                "test" => ("Switch to the configuration now, without making it the boot default", "trying the configuration"),
                "dry-build" => ("Check that the configuration builds, without changing anything", "checking that it builds"),
                _ => ("Rebuild the system from its configuration", "rebuilding the system"),
            };
            // A dry build changes nothing: it needs neither root nor a confirmation.
            let dry = mode == "dry-build";
            Planned::Plan(Plan {
                intent: c.intent,
                summary: summary.into(),
                short: String::new(),
                steps: vec![run(&argv, !dry, purpose)],
                risk: if dry { Risk::None } else { Risk::Medium },
                changes_system: !dry,
                subjects: vec![mode.to_owned()],
                notes: vec![],
                undoes: None,
            })
        }
        IntentKind::RollbackSystem if profile => {
            let argv = nix_env(ctx, &["--rollback"]);
            planned(c.intent, "Go back to your previous profile generation".into(), vec![run(&argv, false, "rolling back")], Risk::High, vec![])
        }
        IntentKind::RollbackSystem => {
            // A rollback activates the previous generation: nothing is evaluated or built.
            let argv = ["nixos-rebuild", "switch", "--rollback"];
            planned(c.intent, "Go back to the previous system generation".into(), vec![run(&argv, true, "rolling back")], Risk::High, vec![])
        }
        IntentKind::ListGenerations => {
            let argv = if profile {
                nix_env(ctx, &["--list-generations"])
            } else {
                vec!["nix-env", "--list-generations", "--profile", "/nix/var/nix/profiles/system"]
            };
            planned(c.intent, "List generations".into(), vec![run(&argv, false, "listing generations")], Risk::None, vec![])
        }
        IntentKind::CollectGarbage => {
            let keep = format!("{}d", s.gc_keep_days);
            let argv = ["nix-collect-garbage", "--delete-older-than", keep.as_str()];
            planned(
                c.intent,
                format!("Delete generations older than {} days and unused packages", s.gc_keep_days),
                vec![run(&argv, !profile, "collecting garbage")],
                Risk::High,
                vec![],
            )
        }
        IntentKind::TryPackage => {
            let attr = packages.first().cloned().unwrap_or_default();
            let program = ctx
                .index
                .get(&attr)
                .map_or_else(|| attr.rsplit('.').next().unwrap_or(&attr).to_owned(), |p| p.program().to_owned());
            // From the nixpkgs the index was read from; on a flake system without a known
            // source, the registry's nixpkgs; else the channel's.
            let (features, installable): (&str, Vec<String>) = match (s.package_source.as_ref().or(s.nixpkgs.as_ref()), &s.flake) {
                (Some(src), _) => ("nix-command", vec!["-f".into(), src.clone(), attr.clone()]),
                // The flake's own locked nixpkgs, as the system was built from it.
                (None, Some(f)) => ("nix-command flakes", vec!["--inputs-from".into(), flake_dir(f).to_owned(), format!("nixpkgs#{attr}")]),
                (None, None) => ("nix-command", vec!["-f".into(), "<nixpkgs>".into(), attr.clone()]),
            };
            let nix = |verb: &str, tail: &[&str]| -> Vec<String> {
                let mut v: Vec<String> = ["nix", "--extra-experimental-features", features, verb].map(str::to_owned).to_vec();
                v.extend(installable.iter().cloned());
                v.extend(tail.iter().map(|t| (*t).to_owned()));
                v
            };
            let build = nix("build", &["--no-link", "--json"]);
            let shell = nix("shell", &["--command", program.as_str()]);
            let name = names();
            Planned::Plan(Plan {
                intent: c.intent,
                summary: format!("Start {name} in a temporary shell, without installing it"),
                short: String::new(),
                steps: vec![
                    Step::Run { argv: build, root: false, purpose: format!("fetching {name}"), terminal: false },
                    Step::Run { argv: shell, root: false, purpose: format!("starting {name}"), terminal: true },
                ],
                risk: Risk::None,
                changes_system: false,
                subjects: packages.clone(),
                notes: vec![],
                undoes: None,
            })
        }
        IntentKind::ListInstalled if profile => {
            let argv = nix_env(ctx, &["-q"]);
            planned(c.intent, "List installed packages".into(), vec![run(&argv, false, "listing packages")], Risk::None, vec![])
        }
        IntentKind::ListInstalled => match config(ctx) {
            Err(e) => Planned::Reply(e),
            Ok(files) => match edit::installed(Config { files: &files }) {
                Err(e) => Planned::Reply(edit_error(&e)),
                Ok(listed) => {
                    let names: Vec<String> = listed.iter().map(|l| name_of(&l.attr, ctx.index)).collect();
                    Planned::Reply(words::installed_list(&names, verbosity))
                }
            },
        },
        IntentKind::SearchPackage => {
            let query = slot("query");
            let found = ctx.index.search(&query, 5);
            if found.is_empty() {
                return Planned::Reply(format!("I found no package for {query}."));
            }
            let options: Vec<Candidate> = found
                .iter()
                .filter_map(|m| ctx.index.package(m.package))
                .map(|p| Candidate { intent: IntentKind::InstallPackage, slots: Slots::from([("package".to_owned(), p.attr.to_owned())]) })
                .collect();
            Planned::Choose { text: words::search_results(&query, &found, ctx.index, verbosity), options }
        }
        IntentKind::ExplainError => Planned::Reply(words::explanation(ctx, verbosity)),
        IntentKind::DiskUsage => planned(
            c.intent,
            "Check disk space".into(),
            vec![run(&["df", "-B1", "--output=target,size,used,avail", "/", "/nix/store"], false, "checking disk space")],
            Risk::None,
            vec![],
        ),
        IntentKind::SystemInfo => planned(
            c.intent,
            "Check the system version".into(),
            vec![run(&["uname", "-sr"], false, "reading the kernel version"), run(&["nixos-version"], false, "reading the NixOS version")],
            Risk::None,
            vec![],
        ),
        IntentKind::UndoChange => match ctx.last_change {
            None => Planned::Reply(
                "I have not made a change that I could undo. To go back to the previous system generation, say roll back.".into(),
            ),
            Some(change) => match undo(change, ctx, false) {
                Ok(plan) => Planned::Plan(plan),
                Err(why) => Planned::Reply(why),
            },
        },
        IntentKind::Help => Planned::Reply(words::help().into()),
        IntentKind::HowTo => match crate::howto::answer(&slot("topic"), c.slots.get("package").map(String::as_str), ctx) {
            (text, Some(offer)) => Planned::Choose { text, options: vec![offer] },
            (text, None) => Planned::Reply(text),
        },
        IntentKind::Repeat | IntentKind::Cancel | IntentKind::Confirm | IntentKind::SetPreference | IntentKind::Vocabulary | IntentKind::Unknown => {
            Planned::Reply(words::not_understood_plain().into())
        }
    }
}

/// The plan that undoes `change`: its file edits reversed (each file must still hold what
/// the change wrote) and a rebuild when it rebuilt, or for a change without edits the
/// command that reverses it. `files_only`: put the files back and rebuild nothing (the
/// system was rolled back already).
pub(crate) fn undo(change: &Change, ctx: &Context<'_>, files_only: bool) -> Result<Plan, String> {
    let s = ctx.settings;
    let what = words::lower_first(&change.summary);
    let mut plan = Plan {
        intent: IntentKind::UndoChange,
        summary: if files_only {
            format!("{}: {what}", words::FILES_ONLY)
        } else {
            format!("Undo your last change: {what}")
        },
        short: String::new(),
        steps: vec![],
        risk: Risk::Medium,
        changes_system: true,
        subjects: vec![what.clone()],
        notes: vec![],
        undoes: Some(change.id),
    };
    if change.edits.is_empty() {
        return match change.intent {
            IntentKind::RollbackSystem if !files_only => {
                plan.steps.push(rebuild(ctx));
                Ok(plan)
            }
            IntentKind::InstallPackage | IntentKind::RemovePackage if !files_only => {
                let argv = nix_env(ctx, &["--rollback"]);
                plan.steps.push(run(
                    &argv,
                    false,
                    "going back to your previous profile generation",
                ));
                Ok(plan)
            }
            IntentKind::CollectGarbage => Err(
                "Your last change deleted old generations, and those cannot be brought back."
                    .into(),
            ),
            _ => Err(format!(
                "Your last change was: {what}. I cannot undo that file by file. To go back to the previous system generation, say roll back."
            )),
        };
    }
    let current = ctx.config.ok().unwrap_or_default();
    for e in change.edits.iter().rev() {
        if let Some(now) = current.iter().find(|f| f.name == e.file)
            && now.text != e.after
        {
            return Err(format!(
                "{} has changed since then, so I will not undo it automatically. Its earlier version is among my backups: say history to hear where.",
                short_file(&e.file)
            ));
        }
        plan.steps.push(edit_step(FileEdit {
            name: e.file.clone(),
            before: e.after.clone(),
            after: e.before.clone(),
        }));
    }
    if change.rebuilt && !files_only && !s.no_rebuild {
        plan.steps.push(rebuild(ctx));
    }
    Ok(plan)
}
