//! The package index: where it comes from (a package list, the user's own nixpkgs, the
//! nixpkgs locked in the system's flake, or the curated list), read once per revision and
//! cached in the store; a failure falls back to the curated list with one plain notice.

use std::path::{Path, PathBuf};

use luminous_intent::PackageIndex;
use luminous_nixexec::{Progress, Runner, SystemRunner, index};
use luminous_store::Store;
use serde::Serialize;

use crate::settings::Resolved;

/// Where the package index comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// A package list file (the `index` setting, or `--index`).
    List {
        /// The file.
        path: PathBuf,
    },
    /// A nixpkgs on disk.
    Nixpkgs {
        /// Its path.
        path: PathBuf,
        /// How it was found: "settings", "NIX_PATH", "channel", "system".
        found: &'static str,
    },
    /// The nixpkgs input locked in the flake the system is built from.
    Flake {
        /// The flake's folder.
        flake: PathBuf,
        /// The locked input, as the lock names it ("github:NixOS/nixpkgs/8f3e...").
        locked: String,
    },
    /// No nixpkgs found: Luminous's own short list of common programs.
    Curated,
}

impl Source {
    /// Plain words for it.
    pub fn describe(&self) -> String {
        match self {
            Source::List { path } => format!("the package list {}", path.display()),
            Source::Nixpkgs { path, found } => {
                let how = match *found {
                    "settings" => "set in your settings",
                    "NIX_PATH" => "from NIX_PATH",
                    "channel" => "your channel",
                    _ => "the system's",
                };
                format!("the nixpkgs at {} ({how})", path.display())
            }
            Source::Flake { flake, locked } => format!(
                "the nixpkgs locked in your flake {} ({locked})",
                flake.display()
            ),
            Source::Curated => "my own short list of common programs".into(),
        }
    }
}

/// The package index and what it is.
#[derive(Debug)]
pub struct LoadedIndex {
    /// The index (shared with the listening thread, which asks it whether words are a whole
    /// request).
    pub index: std::sync::Arc<PackageIndex>,
    /// True when it lists all of nixpkgs (so a missing name is really missing).
    pub complete: bool,
    /// Where it came from (the curated list when reading the real one failed).
    pub source: Source,
    /// The source's revision it was read at.
    pub revision: String,
    /// True when it came from the cache.
    pub cached: bool,
    /// Why the real index is not in use, when it is not.
    pub problem: Option<String>,
    /// Problems to tell the user (bad lines in a package list, a failed read).
    pub warnings: Vec<String>,
    /// The nixpkgs to try packages from (`nix shell -f`), when it is a path.
    pub nixpkgs_path: Option<String>,
}

/// Where nixpkgs is on this machine: the settings, the system's flake, then `NIX_PATH`'s
/// `nixpkgs=`, the channels (root's `nixos` and `nixpkgs`, the user's), and
/// `/etc/nix/path/nixpkgs`. Nothing is run to find it.
pub fn find_source(r: &Resolved) -> Source {
    if let Some(file) = &r.index_file {
        return Source::List { path: file.clone() };
    }
    if let Some(p) = &r.settings.nixpkgs {
        return Source::Nixpkgs {
            path: PathBuf::from(p),
            found: "settings",
        };
    }
    if let Some(flake) = &r.settings.flake {
        let dir = PathBuf::from(flake.split('#').next().unwrap_or(flake));
        let locked = std::fs::read_to_string(dir.join("flake.lock"))
            .ok()
            .and_then(|t| index::locked_nixpkgs(&t));
        if let Some(l) = locked {
            return Source::Flake {
                flake: dir,
                locked: l.described,
            };
        }
    }
    let has_default = |p: &Path| p.join("default.nix").exists();
    if let Some(p) = std::env::var("NIX_PATH").ok().and_then(|p| {
        p.split(':')
            .find_map(|e| e.strip_prefix("nixpkgs=").map(PathBuf::from))
            .filter(|p| has_default(p))
    }) {
        return Source::Nixpkgs {
            path: p,
            found: "NIX_PATH",
        };
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let channels = [
        Some(PathBuf::from(
            "/nix/var/nix/profiles/per-user/root/channels/nixos",
        )),
        Some(PathBuf::from(
            "/nix/var/nix/profiles/per-user/root/channels/nixpkgs",
        )),
        home.map(|h| h.join(".nix-defexpr/channels/nixpkgs")),
    ];
    if let Some(p) = channels.into_iter().flatten().find(|p| has_default(p)) {
        return Source::Nixpkgs {
            path: p,
            found: "channel",
        };
    }
    let system = PathBuf::from("/etc/nix/path/nixpkgs");
    if has_default(&system) {
        return Source::Nixpkgs {
            path: system,
            found: "system",
        };
    }
    Source::Curated
}

fn file_revision(path: &Path) -> String {
    std::fs::metadata(path)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{mtime}", m.len())
        })
        .unwrap_or_default()
}

/// The cache key and revision of a source.
fn key_and_revision(source: &Source) -> (String, String) {
    match source {
        Source::List { path } => (
            format!(
                "file:{}",
                std::fs::canonicalize(path)
                    .unwrap_or_else(|_| path.clone())
                    .display()
            ),
            file_revision(path),
        ),
        Source::Nixpkgs { path, .. } => (
            format!("nixpkgs:{}", path.display()),
            index::revision_of(path),
        ),
        Source::Flake { flake, locked } => (format!("flake:{}", flake.display()), locked.clone()),
        Source::Curated => ("curated".into(), String::new()),
    }
}

/// Load the package index: from the cache when the source's revision is unchanged, else
/// read it (a package list, or `nix-env -qaP --json --meta` streamed), cache it, and say
/// how long that took. A source that cannot be read gives the curated list, with one
/// notice; a failure is remembered for that revision, so it is not retried on every
/// request (`luminous index rebuild` tries again).
pub fn load_index(
    r: &Resolved,
    store: Option<&Store>,
    runner: &SystemRunner,
    progress: &mut dyn Progress,
) -> LoadedIndex {
    let source = find_source(r);
    let (key, revision) = key_and_revision(&source);
    let nixpkgs_path = match &source {
        Source::Nixpkgs { path, .. } => Some(path.display().to_string()),
        _ => None,
    };
    let curated = |source: Source, problem: Option<String>| {
        LoadedIndex {
        index: luminous_intent::curated_index().into(),
        complete: false,
        source,
        revision: String::new(),
        cached: false,
        warnings: problem
            .iter()
            .map(|p| format!("{p} I am using my own short list of common programs; luminous index status says more."))
            .collect(),
        problem,
        nixpkgs_path: None,
    }
    };
    if source == Source::Curated {
        return curated(Source::Curated, None);
    }
    if let Some(blob) = store.and_then(|s| s.cached_index(&key, &revision).ok().flatten())
        && let Some(index) = String::from_utf8(blob)
            .ok()
            .and_then(PackageIndex::from_cache_owned)
    {
        return LoadedIndex {
            index: index.into(),
            complete: true,
            source,
            revision,
            cached: true,
            problem: None,
            warnings: vec![],
            nixpkgs_path,
        };
    }
    if let Some(why) = store.and_then(|s| s.index_failure(&key, &revision).ok().flatten()) {
        return curated(source, Some(why));
    }
    let started = std::time::Instant::now();
    let read = read_source(&source, runner, progress);
    match read {
        Ok((index, warnings)) => {
            if let Some(s) = store {
                // A cache that cannot be written only costs time next run.
                let _ = s.cache_index(&key, &revision, index.to_cache().as_bytes());
                let _ = s.clear_index_failure(&key);
            }
            if !matches!(source, Source::List { .. }) {
                progress.line(&format!(
                    "Read {} packages in {} seconds.",
                    thousands(index.len()),
                    started.elapsed().as_secs().max(1)
                ));
            }
            LoadedIndex {
                index: index.into(),
                complete: true,
                source,
                revision,
                cached: false,
                problem: None,
                warnings,
                nixpkgs_path,
            }
        }
        Err(why) => {
            let problem = format!(
                "I could not read the packages of {} ({why}).",
                source.describe()
            );
            if let Some(s) = store {
                let _ = s.index_failed(&key, &revision, &problem);
            }
            curated(source, Some(problem))
        }
    }
}

/// Read a source that is not cached. Returns the index and warnings about it.
fn read_source(
    source: &Source,
    runner: &SystemRunner,
    progress: &mut dyn Progress,
) -> Result<(PackageIndex, Vec<String>), String> {
    let curated = luminous_intent::curated_packages();
    match source {
        Source::List { path } => {
            let (idx, errors) = index::read_package_file(path).map_err(|e| e.to_string())?;
            if idx.is_empty() {
                return Err(format!("{} has no packages in it", path.display()));
            }
            let warnings = errors
                .first()
                .map(|first| {
                    format!(
                        "{} lines of {} could not be read and were skipped; the first: {first}.",
                        errors.len(),
                        path.display()
                    )
                })
                .into_iter()
                .collect();
            Ok((idx.merge_curated(&curated, false), warnings))
        }
        Source::Nixpkgs { path, .. } => {
            progress.line(
                "Reading the package list from your nixpkgs. This happens once per nixpkgs version.",
            );
            let idx = listing(runner, &path.display().to_string(), &curated, progress)?;
            Ok((idx, vec![]))
        }
        Source::Flake { flake, .. } => {
            progress.line(
                "Reading the package list from the nixpkgs of your flake. This happens once per update of its lock.",
            );
            let path = flake_input_path(runner, flake)?;
            let idx = listing(runner, &path, &curated, progress)?;
            Ok((idx, vec![]))
        }
        Source::Curated => Ok((luminous_intent::curated_index(), vec![])),
    }
}

/// `nix-env -qaP --json --meta` of `source`, streamed into an index.
fn listing(
    runner: &SystemRunner,
    source: &str,
    curated: &[luminous_intent::Package],
    progress: &mut dyn Progress,
) -> Result<PackageIndex, String> {
    let idx = runner.stream(&index::nix_env_query_argv(source), |out| {
        index::read_nix_env_listing(out, curated, &mut |n| {
            progress.line(&format!("Read {} packages so far.", thousands(n)));
        })
    })?;
    if idx.is_empty() {
        return Err("it lists no packages".into());
    }
    Ok(idx)
}

/// The store path of the nixpkgs input of the flake in `dir`, from what is already in the
/// store (`nix flake archive --json --dry-run`).
fn flake_input_path(runner: &SystemRunner, dir: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(dir.join("flake.lock"))
        .map_err(|e| format!("its flake.lock cannot be read: {e}"))?;
    let input = index::locked_nixpkgs(&lock).ok_or("its flake.lock has no nixpkgs input")?;
    let argv: Vec<String> = [
        "nix",
        "--extra-experimental-features",
        "nix-command flakes",
        "flake",
        "archive",
        "--json",
        "--dry-run",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(std::iter::once(dir.display().to_string()))
    .collect();
    let out = runner.run(&argv, false, &mut luminous_nixexec::runner::Silent);
    if let Some(e) = out.error {
        return Err(e);
    }
    if out.exit_code != Some(0) {
        return Err(out
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("nix flake archive failed")
            .trim()
            .trim_start_matches("error:")
            .trim()
            .to_owned());
    }
    index::archived_input_path(&out.stdout, &input.name)
        .ok_or_else(|| "nix did not say where its nixpkgs input is".into())
}

/// "131348" as "131,348": a number read aloud and shown plainly.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Forget the cached index and any remembered failure of the current source, so the next
/// load reads it again.
pub fn forget_cached(r: &Resolved, store: &Store) -> Result<(), luminous_store::StoreError> {
    let (key, _) = key_and_revision(&find_source(r));
    store.clear_index_failure(&key)?;
    store.drop_cached_index(&key)
}

/// What `luminous index status` says, as JSON.
pub fn status_json(loaded: &LoadedIndex) -> serde_json::Value {
    serde_json::json!({
        "source": loaded.source,
        "described": loaded.source.describe(),
        "revision": loaded.revision,
        "packages": loaded.index.len(),
        "complete": loaded.complete,
        "cached": loaded.cached,
        "problem": loaded.problem,
    })
}

/// What `luminous index status` says, in plain lines.
pub fn status_lines(loaded: &LoadedIndex) -> Vec<String> {
    let mut out = vec![format!(
        "Packages: {}, from {}.",
        thousands(loaded.index.len()),
        loaded.source.describe()
    )];
    if let Some(p) = &loaded.problem {
        out = vec![
            p.clone(),
            format!(
                "Meanwhile I use my own short list of {} common programs. To try again: luminous index rebuild.",
                loaded.index.len()
            ),
        ];
    } else if !loaded.revision.is_empty() {
        out.push(format!("Revision: {}.", loaded.revision));
        out.push(if loaded.cached {
            "Read from my cache; it is read again when that revision changes.".into()
        } else {
            "Read just now, and cached.".into()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (131_348, "131,348"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }
}
