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

/// Where a listing's progress goes: at most one line every [`PROGRESS_EVERY`].
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Read the packages of `nix-env -qaP --json --meta` output as it streams in: one entry at
/// a time straight into the index (no copy of the whole output, no JSON tree), with a plain
/// line to `progress` every ten seconds. Curated packages lend their spoken names.
pub fn read_nix_env_listing(
    input: &mut dyn std::io::BufRead,
    curated: &[Package],
    progress: &mut dyn FnMut(usize),
) -> Result<PackageIndex, String> {
    use serde::de::Deserializer as _;
    let mut de = serde_json::Deserializer::from_reader(input);
    let visitor = Listing {
        builder: luminous_intent::IndexBuilder::with_curated(curated),
        progress,
        last: std::time::Instant::now(),
    };
    let index = de
        .deserialize_map(visitor)
        .map_err(|e| format!("unreadable output: {e}"))?;
    de.end().map_err(|e| format!("unreadable output: {e}"))?;
    Ok(index)
}

struct Listing<'c, 'p> {
    builder: luminous_intent::IndexBuilder<'c>,
    progress: &'p mut dyn FnMut(usize),
    last: std::time::Instant,
}

impl<'de> serde::de::Visitor<'de> for Listing<'_, '_> {
    type Value = PackageIndex;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object of packages by attribute")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> Result<PackageIndex, A::Error> {
        while let Some(attr) = map.next_key::<String>()? {
            let e: ListedPackage = map.next_value()?;
            let name = e.name.0;
            let pname = match e.pname.0 {
                p if !p.is_empty() => p,
                _ => name
                    .rsplit_once('-')
                    .map_or_else(|| name.clone(), |x| x.0.to_owned()),
            };
            self.builder.push(Package {
                attr: attr.strip_prefix("nixpkgs.").unwrap_or(&attr).to_owned(),
                pname,
                version: e.version.0,
                description: e.meta.description.0,
                main_program: e.meta.main_program.0,
                ..Package::default()
            });
            if self.last.elapsed() >= PROGRESS_EVERY {
                (self.progress)(self.builder.len());
                self.last = std::time::Instant::now();
            }
        }
        Ok(self.builder.finish())
    }
}

/// One package of the listing; everything else in it is skipped unread.
#[derive(serde::Deserialize)]
struct ListedPackage {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    pname: Text,
    #[serde(default)]
    version: Text,
    #[serde(default)]
    meta: Meta,
}

#[derive(serde::Deserialize, Default)]
struct Meta {
    #[serde(default)]
    description: Text,
    #[serde(default, rename = "mainProgram")]
    main_program: Text,
}

/// A string field that may hold anything else in some package (a number, a list, null):
/// then it is empty, and the package is still read.
#[derive(Default)]
struct Text(String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_none<E>(self) -> Result<Text, E> {
                Ok(Text::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Text, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Text::default())
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Text, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Text::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// The argv that lists every package of `source` (a file, or `<nixpkgs>`).
pub fn nix_env_query_argv(source: &str) -> Vec<String> {
    ["nix-env", "-f", source, "-qaP", "--json", "--meta"]
        .map(str::to_owned)
        .to_vec()
}

/// A revision key for a nixpkgs source: its real path (a channel link resolves to a store
/// path, which changes with every update) with its `.git-revision` or `.version-suffix`
/// when it is a checkout or channel, else the size and time of its `default.nix`.
pub fn revision_of(source: &Path) -> String {
    let real = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    let dir = if real.is_dir() {
        real.clone()
    } else {
        real.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    for f in [".git-revision", ".version-suffix", "svn-revision"] {
        if let Ok(s) = std::fs::read_to_string(dir.join(f)) {
            let s = s.trim();
            if !s.is_empty() {
                return format!("{}@{s}", real.display());
            }
        }
    }
    // No marker: the entry file's size and modification time (a stat, not a read: this runs
    // on every request).
    let file = if real.is_dir() {
        real.join("default.nix")
    } else {
        real.clone()
    };
    match std::fs::metadata(&file) {
        Ok(m) => {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}@{}-{mtime}", real.display(), m.len())
        }
        Err(_) => format!("{}@unknown", real.display()),
    }
}

/// The nixpkgs input of a flake, as its lock file has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedInput {
    /// The root's name for the input ("nixpkgs").
    pub name: String,
    /// The locked source, for people and as a revision key
    /// ("github:NixOS/nixpkgs/8f3e..." with its narHash).
    pub described: String,
}

/// The input named `nixpkgs` of the root of a `flake.lock` (following the node it names),
/// or `None` when there is none.
pub fn locked_nixpkgs(lock: &str) -> Option<LockedInput> {
    let v: serde_json::Value = serde_json::from_str(lock).ok()?;
    let root = v["root"].as_str().unwrap_or("root");
    let node_name = match &v["nodes"][root]["inputs"]["nixpkgs"] {
        serde_json::Value::String(n) => n.clone(),
        _ => "nixpkgs".to_owned(),
    };
    let locked = &v["nodes"][&node_name]["locked"];
    if !locked.is_object() {
        return None;
    }
    let s = |k: &str| locked[k].as_str().unwrap_or("");
    let place = match s("type") {
        "github" | "gitlab" | "sourcehut" => {
            format!("{}:{}/{}/{}", s("type"), s("owner"), s("repo"), s("rev"))
        }
        "path" => format!("path:{}", s("path")),
        "git" | "tarball" | "file" => format!("{}:{}", s("type"), s("url")),
        other => other.to_owned(),
    };
    Some(LockedInput {
        name: "nixpkgs".into(),
        described: format!("{place} {}", s("narHash")).trim().to_owned(),
    })
}

/// The store path of input `name` in `nix flake archive --json` output.
pub fn archived_input_path(json: &str, name: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    v["inputs"][name]["path"].as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(json: &str) -> Result<PackageIndex, String> {
        read_nix_env_listing(&mut json.as_bytes(), &[], &mut |_| {})
    }

    #[test]
    fn nix_env_json_becomes_packages() {
        let json = r#"{"firefox":{"name":"firefox-1.0","pname":"firefox","version":"1.0","meta":{"description":"Browser"}},
                       "nixpkgs.htop":{"name":"htop-3.3.0","meta":{}, "outputs": {"out": null}},
                       "neovim":{"name":"neovim-0.11","meta":{"description":["odd"],"mainProgram":"nvim","maintainers":[{"x":1}]}}}"#;
        let idx = listing(json).expect("parses");
        let p = idx.get("firefox").expect("firefox");
        assert_eq!(p.description, "Browser");
        let h = idx.get("htop").expect("htop");
        assert_eq!((h.pname, h.version), ("htop", ""));
        let n = idx.get("neovim").expect("neovim");
        assert_eq!((n.description, n.program()), ("", "nvim"));
        for bad in ["[]", "{\"a\": ", "{} trailing", ""] {
            assert!(listing(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flake_locks_name_their_nixpkgs() {
        let lock = r#"{"nodes":{"nixpkgs_2":{"locked":{"type":"github","owner":"NixOS","repo":"nixpkgs","rev":"8f3e1f8","narHash":"sha256-AAA="}},
                       "root":{"inputs":{"nixpkgs":"nixpkgs_2","home-manager":"hm"}}},"root":"root","version":7}"#;
        assert_eq!(
            locked_nixpkgs(lock),
            Some(LockedInput {
                name: "nixpkgs".into(),
                described: "github:NixOS/nixpkgs/8f3e1f8 sha256-AAA=".into()
            })
        );
        assert_eq!(
            locked_nixpkgs(r#"{"nodes":{"root":{"inputs":{}}},"root":"root"}"#),
            None
        );
        assert_eq!(locked_nixpkgs("not json"), None);
        assert_eq!(
            archived_input_path(
                r#"{"path":"/nix/store/a-source","inputs":{"nixpkgs":{"path":"/nix/store/b-source","inputs":{}}}}"#,
                "nixpkgs"
            ),
            Some("/nix/store/b-source".into())
        );
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
