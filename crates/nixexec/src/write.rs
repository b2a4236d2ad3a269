//! Atomic configuration writes: check nobody changed the file, keep a backup, write a temp
//! file beside it, fsync, rename, fsync the directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a write did not happen. In every case the file is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file changed since the plan was made.
    #[error(
        "{0} changed since I read it, so I did not write it. Ask again and I will plan from the new version."
    )]
    Changed(String),
    /// Reading, backing up or writing failed.
    #[error("I could not write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Hex sha256 of some text.
pub fn sha256_hex(text: &[u8]) -> String {
    Sha256::digest(text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Replace `path`'s content, which must still be `before`, with `after`.
/// Returns the backup's path (`<file>.luminous-backup-<unix seconds>`).
pub fn atomic_write(path: &Path, before: &str, after: &str) -> Result<PathBuf, WriteError> {
    let io = |source: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let current = std::fs::read(path).map_err(io)?;
    if current != before.as_bytes() {
        return Err(WriteError::Changed(path.display().to_string()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut backup = dir.join(format!("{name}.luminous-backup-{stamp}"));
    let mut n = 1;
    while backup.exists() {
        backup = dir.join(format!("{name}.luminous-backup-{stamp}-{n}"));
        n += 1;
    }
    let perms = std::fs::metadata(path).map_err(io)?.permissions();
    std::fs::write(&backup, &current).map_err(io)?;
    let tmp = dir.join(format!(".{name}.luminous-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(after.as_bytes())?;
        f.set_permissions(perms)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_backup_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("configuration.nix");
        std::fs::write(&p, "old").expect("seed");
        let backup = atomic_write(&p, "old", "new").expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        assert_eq!(std::fs::read_to_string(backup).expect("backup"), "old");
        assert!(matches!(
            atomic_write(&p, "old", "newer"),
            Err(WriteError::Changed(_))
        ));
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        let leftovers = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().contains("tmp"))
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = atomic_write(Path::new("/nonexistent/dir/configuration.nix"), "a", "b")
            .expect_err("must fail");
        assert!(
            err.to_string()
                .starts_with("I could not write /nonexistent/dir/configuration.nix"),
            "{err}"
        );
    }
}
