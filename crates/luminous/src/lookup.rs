//! Looking things up without changing anything: the package index (`index status|rebuild`),
//! `search`, and `explain` (what is wrong with a configuration or a build log, with Nix's
//! own second opinion where it is stricter).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::IndexAction;
use crate::settings::{self, Dirs, Resolved};
use crate::turn::{Lines, open_store};
use crate::{engine, packages};

/// The package index alone (for commands that need no conversation), with its warnings
/// said, and the runner that read it (it runs nothing as root).
pub(crate) fn index_only(
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

pub(crate) fn index_command(action: IndexAction) -> anyhow::Result<ExitCode> {
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

pub(crate) fn search(
    index: Option<&Path>,
    json: bool,
    limit: usize,
    query: &str,
) -> anyhow::Result<ExitCode> {
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

pub(crate) fn explain(
    index: Option<&Path>,
    json: bool,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
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
pub(crate) fn nix_second_opinion(
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
pub(crate) fn nix_location(stderr: &str, file: &str) -> Option<(usize, usize)> {
    let rest = stderr.split(&format!("at {file}:")).nth(1)?;
    let mut parts = rest.split(':');
    Some((
        parts.next()?.trim().parse().ok()?,
        parts.next()?.trim().parse().ok()?,
    ))
}
