//! Backups of configuration files, kept under Luminous's own folder rather than beside the
//! user's files: one folder per file, the last [`KEEP`] versions, oldest removed first.

use std::path::{Path, PathBuf};

/// How many backups of each file are kept.
pub const KEEP: usize = 10;

/// Where backups go.
#[derive(Debug, Clone)]
pub struct Backups {
    dir: PathBuf,
}

impl Backups {
    /// Backups under `dir` (e.g. `~/.local/share/luminous/backups`).
    pub fn new(dir: PathBuf) -> Backups {
        Backups { dir }
    }

    /// The folder holding the backups of `file`: its name and a short hash of its full path,
    /// so that two `default.nix` files never share one.
    pub fn folder_of(&self, file: &Path) -> PathBuf {
        let name = file
            .file_name()
            .map_or_else(|| "file".to_owned(), |n| n.to_string_lossy().into_owned());
        let hash = crate::sha256_hex(file.to_string_lossy().as_bytes());
        self.dir.join(format!("{name}-{}", &hash[..12]))
    }

    /// Keep `text` as the newest backup of `file`; returns its path. Older backups beyond
    /// [`KEEP`] are removed. The backup is readable by its owner only.
    pub fn save(&self, file: &Path, text: &str) -> std::io::Result<PathBuf> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let folder = self.folder_of(file);
        std::fs::create_dir_all(&folder)?;
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700))?;
        let stamp = timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
        // A counter for several backups in one second, after the highest one used (earlier
        // ones may have been pruned); padded, so names sort as time does.
        let n = self
            .list(file)
            .iter()
            .filter_map(|p| {
                let name = p.file_stem()?.to_str()?;
                name.strip_prefix(&stamp)?
                    .strip_prefix('-')?
                    .parse::<u32>()
                    .ok()
            })
            .max()
            .map_or(0, |m| m + 1);
        let path = folder.join(format!("{stamp}-{n:03}.nix"));
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        // Names sort by time: drop the oldest beyond KEEP.
        let mut all = self.list(file);
        while all.len() > KEEP {
            let oldest = all.remove(0);
            std::fs::remove_file(oldest)?;
        }
        Ok(path)
    }

    /// The backups of `file`, oldest first.
    pub fn list(&self, file: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.folder_of(file))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "nix"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// `2026-12-01T07-33-41` (UTC) for unix seconds: sorts as time does, and is a plain file name.
fn timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        assert_eq!(timestamp(0), "1970-01-01T00-00-00");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00-00-00");
        assert_eq!(timestamp(1_796_111_621), "2026-12-01T07-53-41");
    }

    #[test]
    fn keeps_the_last_ten_per_file_apart_from_the_users_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let b = Backups::new(dir.path().join("backups"));
        let file = dir.path().join("etc/configuration.nix");
        let other = dir.path().join("etc/modules/configuration.nix");
        for n in 0..13 {
            b.save(&file, &format!("version {n}")).expect("save");
        }
        b.save(&other, "other").expect("save");
        let kept = b.list(&file);
        assert_eq!(kept.len(), KEEP);
        assert_eq!(
            std::fs::read_to_string(&kept[0]).expect("oldest"),
            "version 3"
        );
        assert_eq!(
            std::fs::read_to_string(kept.last().expect("newest")).expect("newest"),
            "version 12"
        );
        assert_eq!(b.list(&other).len(), 1);
        assert!(!file.exists(), "nothing is written beside the user's file");
    }
}
