//! The package index from the user's own nixpkgs (`nix-env -qaP --json --meta`), from a
//! package list file (JSON Lines, plain or gzipped), or the curated offline list.

use std::io::Read;
use std::path::Path;

use luminous_intent::{Package, PackageIndex, index::LineError};

/// Why an index could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file could not be read.
    #[error("I could not read the package list {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is not UTF-8 or not gzip.
    #[error("the package list {0} is not a JSON Lines file (plain or gzipped)")]
    Format(String),
    /// nix-env failed.
    #[error("nix-env could not list the packages: {0}")]
    NixEnv(String),
}

/// Read a JSON Lines package list, plain or gzipped (detected by content, not by name).
pub fn read_package_file(path: &Path) -> Result<(PackageIndex, Vec<LineError>), IndexError> {
    let bytes = std::fs::read(path).map_err(|source| IndexError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|_| IndexError::Format(path.display().to_string()))?;
        s
    } else {
        String::from_utf8(bytes).map_err(|_| IndexError::Format(path.display().to_string()))?
    };
    Ok(PackageIndex::parse_jsonl(&text))
}

/// The packages in `nix-env -qaP --json --meta` output.
pub fn parse_nix_env_json(text: &str) -> Result<Vec<Package>, IndexError> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| IndexError::NixEnv(format!("unreadable output: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| IndexError::NixEnv("the output is not a JSON object".into()))?;
    let mut out: Vec<Package> = obj
        .iter()
        .map(|(attr, p)| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
            let name = s("name");
            let pname = if p["pname"].is_string() {
                s("pname")
            } else {
                name.rsplit_once('-')
                    .map_or(name.clone(), |x| x.0.to_owned())
            };
            Package {
                attr: attr.strip_prefix("nixpkgs.").unwrap_or(attr).to_owned(),
                pname,
                version: s("version"),
                description: p["meta"]["description"].as_str().unwrap_or("").to_owned(),
                aliases: vec![],
                popularity: 0,
            }
        })
        .collect();
    out.sort_by(|a, b| a.attr.cmp(&b.attr));
    Ok(out)
}

/// The argv that lists every package of `source` (a file, or `<nixpkgs>`).
pub fn nix_env_query_argv(source: &str) -> Vec<String> {
    ["nix-env", "-f", source, "-qaP", "--json", "--meta"]
        .map(str::to_owned)
        .to_vec()
}

/// A revision key for a nixpkgs source: its `.git-revision` or `.version-suffix` when it is a
/// checkout or channel, else a hash of the file (a small package set in tests).
pub fn revision_of(source: &Path) -> String {
    let dir = if source.is_dir() {
        source.to_path_buf()
    } else {
        source.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    for f in [".git-revision", ".version-suffix", "svn-revision"] {
        if let Ok(s) = std::fs::read_to_string(dir.join(f)) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_owned();
            }
        }
    }
    match std::fs::read(source) {
        Ok(bytes) => crate::sha256_hex(&bytes),
        Err(_) => std::fs::metadata(source)
            .and_then(|m| m.modified())
            .map_or_else(|_| "unknown".into(), |t| format!("{t:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix_env_json_becomes_packages() {
        let json = r#"{"firefox":{"name":"firefox-1.0","pname":"firefox","version":"1.0","meta":{"description":"Browser"}},
                       "nixpkgs.htop":{"name":"htop-3.3.0","meta":{}}}"#;
        let p = parse_nix_env_json(json).expect("parses");
        assert_eq!(p[0].attr, "firefox");
        assert_eq!(p[0].description, "Browser");
        assert_eq!((p[1].attr.as_str(), p[1].pname.as_str()), ("htop", "htop"));
        assert!(parse_nix_env_json("[]").is_err());
    }

    #[test]
    fn gzipped_and_plain_files_read_alike() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tmp");
        let line =
            "{\"attr\":\"vlc\",\"pname\":\"vlc\",\"version\":\"3\",\"description\":\"player\"}\n";
        let plain = dir.path().join("p.jsonl");
        std::fs::write(&plain, line).expect("w");
        let gz = dir.path().join("p.jsonl.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(line.as_bytes()).expect("gz");
        std::fs::write(&gz, e.finish().expect("gz")).expect("w");
        for p in [plain, gz] {
            let (idx, errs) = read_package_file(&p).expect("reads");
            assert_eq!((idx.len(), errs.len()), (1, 0));
        }
        let bad = dir.path().join("bad");
        std::fs::write(&bad, [0xff, 0xfe, 0x00]).expect("w");
        assert!(matches!(
            read_package_file(&bad),
            Err(IndexError::Format(_))
        ));
        assert!(matches!(
            read_package_file(&dir.path().join("missing")),
            Err(IndexError::Read { .. })
        ));
    }
}
