//! The hidden `apply-edit` command, run as root through the privilege helper: it writes one
//! edited `.nix` file inside the configuration's folder, after checking hash and parse again.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

/// Runs as root through the helper: replace `target` with `from` if `target` is unchanged,
/// is a `.nix` file, and lies inside the folder of the configuration `config` once every
/// symbolic link is resolved. Nothing else is ever written.
pub(crate) fn apply_edit(
    config: &Path,
    expect: &str,
    from: &Path,
    target: &Path,
) -> anyhow::Result<ExitCode> {
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
