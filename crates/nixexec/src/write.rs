//! Atomic configuration writes: check nobody changed the file, write a temp file beside it,
//! fsync, rename, fsync the directory, and read it back to check its hash. Backups are kept
//! apart, under Luminous's own folder ([`crate::backup`]).

use std::io::Write;
use std::path::Path;

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

/// Replace `path`'s content, which must still be `before`, with `after`; the file keeps its
/// permissions. Afterwards the file is read back and must hash to `after`.
pub fn atomic_write(path: &Path, before: &str, after: &str) -> Result<(), WriteError> {
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
    let perms = std::fs::metadata(path).map_err(io)?.permissions();
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
    let written = std::fs::read(path).map_err(io)?;
    if sha256_hex(&written) != sha256_hex(after.as_bytes()) {
        return Err(WriteError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other("the file read back differs from what was written"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("configuration.nix");
        std::fs::write(&p, "old").expect("seed");
        atomic_write(&p, "old", "new").expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        assert!(matches!(
            atomic_write(&p, "old", "newer"),
            Err(WriteError::Changed(_))
        ));
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        // Nothing is left beside the user's file: no temp file, no backup.
        let beside: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(beside, vec!["configuration.nix"]);
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
