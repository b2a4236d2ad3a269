//! Speech to text with whisper.cpp, tuned for short spoken commands: a reduced audio context
//! for short clips (whisper otherwise encodes a fixed 30-second window), greedy decoding (or a
//! beam when asked), the command vocabulary as initial prompt, and blank or non-speech results
//! discarded.

mod constrained;
mod score;

pub use constrained::Vocabulary;

use std::path::Path;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

/// Samples per second whisper expects.
pub const SAMPLE_RATE: usize = 16_000;

/// Why speech could not be turned into text.
#[derive(Debug, thiserror::Error)]
pub enum SttError {
    /// The model file is missing.
    #[error("the speech recognition model {0} is missing; run: luminous models fetch")]
    Missing(String),
    /// The model file is not a whisper.cpp model, or whisper.cpp refused it.
    #[error(
        "the speech recognition model {path} could not be loaded ({why}); run: luminous models fetch"
    )]
    Load {
        /// The file.
        path: String,
        /// What whisper.cpp said.
        why: String,
    },
    /// Transcription failed.
    #[error("speech recognition failed: {0}")]
    Transcribe(String),
}

/// The least audio context for short clips, in 20 ms steps; chosen on the development sets
/// (docs/performance.md).
pub const DEFAULT_MIN_AUDIO_CTX: i32 = 448;

/// Settings for short commands.
#[derive(Debug, Clone)]
pub struct Options {
    /// CPU threads.
    pub threads: usize,
    /// Words to bias recognition towards (the command vocabulary).
    pub prompt: String,
    /// Results whose no-speech probability is above this are discarded.
    pub no_speech_threshold: f32,
    /// The smallest audio context (in 20 ms steps) for short clips. Smaller is faster, but
    /// below about 448 (9 s) tiny.en starts repeating itself on one-word commands.
    pub min_audio_ctx: i32,
    /// How many hypotheses whisper keeps while decoding: 1 is greedy (the fastest), more is
    /// beam search, which can recover words a greedy pass gets wrong at a cost in time.
    pub beam: u8,
    /// When a request is heard again within the words requests are made of
    /// ([`Transcriber::transcribe_within`]), how much less likely (natural log) each token
    /// that makes another word is made; 0: never heard again.
    pub hear_again_penalty: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
            prompt: DEFAULT_PROMPT.to_owned(),
            no_speech_threshold: 0.6,
            min_audio_ctx: DEFAULT_MIN_AUDIO_CTX,
            beam: 1,
            hear_again_penalty: 0.0,
        }
    }
}

impl Options {
    /// The defaults with `vocabulary` as the prompt (usually [`DEFAULT_PROMPT`]; empty: no
    /// prompt, which is faster: whisper decodes every prompt token for every utterance), and
    /// the wake phrase first in it ("Hey Nix. Install, ..."), so whisper spells it as it is
    /// rather than as a word it knows better. `written` is the phrase as whisper should write
    /// it (`luminous_intent::wake::as_written`: the same spelling the wake phrase is scored in).
    pub fn with_prompt(written: Option<&str>, vocabulary: &str) -> Options {
        let vocabulary = vocabulary.trim();
        let prompt = match written.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) if vocabulary.is_empty() => format!("{p}."),
            Some(p) => format!("{p}. {vocabulary}"),
            None => vocabulary.to_owned(),
        };
        Options {
            prompt,
            ..Options::default()
        }
    }
}

/// What people say to Luminous, so whisper leans towards it: vocabulary, never whole
/// requests (no one phrasing is favoured, and no benchmark's sentences): the verbs of the
/// intents, program names whisper spells wrong without help (initialisms and made-up words),
/// the services people switch most, and the answers ("cancel" was heard as "Console" without
/// them). Short, because whisper decodes every prompt token again for each utterance: this
/// one does as well as the longer list it replaced (every popular program) on the
/// development sets and is about 100 ms faster a request on a 2-core machine
/// (docs/performance.md, "The vocabulary prompt").
pub const DEFAULT_PROMPT: &str = "Install, remove, try, enable, disable, update, rebuild, roll \
     back. Firefox, VLC, GIMP, Neovim, htop, Spotify. Bluetooth, SSH, Docker, firewall. Yes. No. \
     Cancel.";

/// A loaded model with its decoding state, reused across utterances.
pub struct Transcriber {
    // Field order: the state must be dropped before the context it came from.
    state: WhisperState,
    _ctx: WhisperContext,
    options: Options,
    /// Each token's text, read from the model when first needed (constrained decoding).
    pieces: Option<std::sync::Arc<Vec<String>>>,
    /// The token budget of the last transcription (it fits the audio's length).
    budget: usize,
}

impl std::fmt::Debug for Transcriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcriber")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// What was heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The text, trimmed; empty when nothing was said.
    pub text: String,
    /// Whisper's probability that there was no speech.
    pub no_speech: f32,
    /// 0 to 1: how sure whisper is of the words: the probability of its least likely word,
    /// and never more than its probability that there was speech.
    pub confidence: f32,
    /// Each word as whisper wrote it ("Yes", "Firefox"), with the probability of its least
    /// likely token; punctuation is left out.
    pub words: Vec<(String, f32)>,
}

/// Whisper's way of saying it heard no words: `[BLANK_AUDIO]`, `(silence)`, `[Music]`, `*coughs*`.
fn is_non_speech(text: &str) -> bool {
    let t = text.trim();
    t.is_empty()
        || (t.starts_with('[') && t.ends_with(']'))
        || (t.starts_with('(') && t.ends_with(')'))
        || (t.starts_with('*') && t.ends_with('*'))
        || t.chars().all(|c| !c.is_alphanumeric())
}

impl Transcriber {
    /// The options it was loaded with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Load a whisper.cpp (ggml) model.
    pub fn load(path: &Path, options: Options) -> Result<Transcriber, SttError> {
        let shown = path.display().to_string();
        // whisper.cpp aborts the process on some malformed files: check the header first.
        let mut magic = [0u8; 4];
        match std::fs::File::open(path) {
            Err(_) => return Err(SttError::Missing(shown)),
            Ok(mut f) => {
                use std::io::Read as _;
                if f.read_exact(&mut magic).is_err() || u32::from_le_bytes(magic) != 0x6767_6d6c {
                    return Err(SttError::Load {
                        path: shown,
                        why: "not a whisper.cpp ggml file".into(),
                    });
                }
            }
        }
        whisper_rs::install_logging_hooks();
        let ctx = WhisperContext::new_with_params(path, WhisperContextParameters::default())
            .map_err(|e| SttError::Load {
                path: shown.clone(),
                why: e.to_string(),
            })?;
        let state = ctx.create_state().map_err(|e| SttError::Load {
            path: shown,
            why: e.to_string(),
        })?;
        Ok(Transcriber {
            state,
            _ctx: ctx,
            options,
            pieces: None,
            budget: 0,
        })
    }

    /// Transcribe 16 kHz mono samples. Short clips are padded with silence (whisper wants
    /// at least a second) and use a reduced audio context, which is most of the speed.
    pub fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, SttError> {
        let min = SAMPLE_RATE * 3 / 2;
        let mut audio = Vec::with_capacity(samples.len().max(min) + SAMPLE_RATE / 5);
        audio.extend(std::iter::repeat_n(0.0f32, SAMPLE_RATE / 10));
        audio.extend_from_slice(samples);
        if audio.len() < min {
            audio.resize(min, 0.0);
        }
        audio.extend(std::iter::repeat_n(0.0f32, SAMPLE_RATE / 10));
        let seconds = audio.len() as f32 / SAMPLE_RATE as f32;
        let strategy = match self.options.beam {
            0 | 1 => SamplingStrategy::Greedy { best_of: 1 },
            n => SamplingStrategy::BeamSearch {
                beam_size: i32::from(n),
                patience: -1.0,
            },
        };
        let mut p = FullParams::new(strategy);
        p.set_n_threads(self.options.threads as i32);
        p.set_language(Some("en"));
        p.set_translate(false);
        p.set_no_context(true);
        p.set_no_timestamps(true);
        p.set_single_segment(true);
        p.set_suppress_blank(true);
        p.set_suppress_nst(true);
        // Repetition ("yes yes yes ...") is whisper's failure on short clips: a token budget
        // that fits the audio stops it early; the temperature fallback, triggered by the
        // entropy of a repetitive result, recovers the right text.
        let budget = (seconds * 6.0) as i32 + 8;
        p.set_max_tokens(budget);
        self.budget = usize::try_from(budget).unwrap_or(0);
        p.set_temperature_inc(0.2);
        p.set_entropy_thold(2.4);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        p.set_print_special(false);
        p.set_print_timestamps(false);
        if !self.options.prompt.is_empty() {
            p.set_initial_prompt(&self.options.prompt);
        }
        // One audio context step is 20 ms; keep a margin, and never go below what short
        // commands need to be recognised well.
        if seconds < 29.0 {
            let ctx = ((seconds * 50.0) as i32 + 64).clamp(self.options.min_audio_ctx, 1500);
            p.set_audio_ctx(ctx);
        }
        self.state
            .full(p, &audio)
            .map_err(|e| SttError::Transcribe(e.to_string()))?;
        let mut text = String::new();
        let mut no_speech = 0.0f32;
        let mut tokens: Vec<(String, f32)> = Vec::new();
        // Token ids from end-of-text on are whisper's own markers, not words.
        let eot = self._ctx.token_eot();
        for seg in self.state.as_iter() {
            no_speech = no_speech.max(seg.no_speech_probability());
            for t in (0..seg.n_tokens()).filter_map(|i| seg.get_token(i)) {
                if t.token_id() < eot {
                    let piece = t.to_str_lossy().map(|c| c.into_owned()).unwrap_or_default();
                    tokens.push((piece, t.token_probability()));
                }
            }
            text.push_str(
                &seg.to_str_lossy()
                    .map_err(|e| SttError::Transcribe(e.to_string()))?,
            );
        }
        let text = collapse_repeats(text.trim());
        if is_non_speech(&text) || no_speech > self.options.no_speech_threshold {
            return Ok(Transcript {
                text: String::new(),
                no_speech,
                confidence: 0.0,
                words: vec![],
            });
        }
        let words = words_of(&tokens);
        let least = words.iter().map(|w| w.1).fold(1.0f32, f32::min);
        Ok(Transcript {
            text,
            no_speech,
            confidence: least.min(1.0 - no_speech).clamp(0.0, 1.0),
            words,
        })
    }
}

/// Whisper's tokens joined into words: a token that starts with a space starts a word, and
/// punctuation ends one (and is dropped). A word's probability is its least likely token's.
fn words_of(tokens: &[(String, f32)]) -> Vec<(String, f32)> {
    let mut words: Vec<(String, f32)> = Vec::new();
    // The last word may go on with the next token.
    let mut open = false;
    for (piece, p) in tokens {
        let letters: String = piece
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '\'' | '-'))
            .collect();
        if letters.is_empty() {
            open = false;
            continue;
        }
        match words.last_mut() {
            Some(last) if open && !piece.starts_with(' ') => {
                last.0.push_str(&letters);
                last.1 = last.1.min(*p);
            }
            _ => words.push((letters, *p)),
        }
        open = true;
    }
    words
}

/// "Yes. Yes. Yes." becomes "Yes.", and "Install Firefox, install Firefox," "Install
/// Firefox": a decoding loop never adds meaning.
fn collapse_repeats(text: &str) -> String {
    let mut sentences: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '?' | '!' | ',') {
            sentences.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    if start < text.len() {
        sentences.push(text[start..].trim());
    }
    let mut out: Vec<&str> = Vec::new();
    for s in sentences.into_iter().filter(|s| !s.is_empty()) {
        let key = |x: &str| x.trim_end_matches(['.', '?', '!', ',']).to_lowercase();
        // A cut-off repetition ("What can you") is a prefix of the sentence before it.
        if out
            .last()
            .is_some_and(|prev| key(prev) == key(s) || key(prev).starts_with(&key(s)))
        {
            continue;
        }
        out.push(s);
    }
    // A loop cut off after a comma leaves one at the end.
    let text = out.join(" ");
    text.strip_suffix(',')
        .map_or_else(|| text.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_speech_markers() {
        for t in [
            "",
            "  ",
            "[BLANK_AUDIO]",
            "(silence)",
            "[Music]",
            "*coughs*",
            "...",
            " - ",
        ] {
            assert!(is_non_speech(t), "{t:?}");
        }
        assert!(!is_non_speech("Install Firefox."));
    }

    #[test]
    fn tokens_become_words() {
        let t = |v: &[(&str, f32)]| -> Vec<(String, f32)> {
            v.iter().map(|(s, p)| ((*s).to_owned(), *p)).collect()
        };
        assert_eq!(
            words_of(&t(&[
                (" Yes", 0.9),
                (",", 0.5),
                (" I", 0.8),
                ("'m", 0.7),
                (" sure", 0.95),
                (".", 0.4)
            ])),
            t(&[("Yes", 0.9), ("I'm", 0.7), ("sure", 0.95)])
        );
        assert_eq!(
            words_of(&t(&[
                (" Conf", 0.6),
                ("irm", 0.9),
                (".", 0.9),
                (" V", 0.4),
                ("LC", 0.3)
            ])),
            t(&[("Confirm", 0.6), ("VLC", 0.3)])
        );
        assert!(words_of(&t(&[(".", 0.9)])).is_empty());
    }

    #[test]
    fn repeats_collapse() {
        assert_eq!(collapse_repeats("Yes. Yes. Yes."), "Yes.");
        assert_eq!(
            collapse_repeats("What can you do? What can you do? What can you"),
            "What can you do?"
        );
        assert_eq!(
            collapse_repeats("Install Firefox. Yes."),
            "Install Firefox. Yes."
        );
        assert_eq!(collapse_repeats("Roll back"), "Roll back");
        assert_eq!(
            collapse_repeats("Install Firefox, install Firefox, install Firefox,"),
            "Install Firefox"
        );
        assert_eq!(collapse_repeats("Yes, do it."), "Yes, do it.");
    }

    #[test]
    fn the_wake_phrase_leads_the_prompt() {
        assert_eq!(
            Options::with_prompt(Some("Hey Nix"), DEFAULT_PROMPT).prompt,
            format!("Hey Nix. {DEFAULT_PROMPT}")
        );
        assert_eq!(
            Options::with_prompt(None, DEFAULT_PROMPT).prompt,
            DEFAULT_PROMPT
        );
        assert_eq!(
            Options::with_prompt(Some("  "), DEFAULT_PROMPT).prompt,
            DEFAULT_PROMPT
        );
        assert_eq!(
            Options::with_prompt(Some("Hey Nix"), " ").prompt,
            "Hey Nix."
        );
        assert_eq!(Options::with_prompt(None, "").prompt, "");
        assert_eq!(
            Options::with_prompt(Some("Hey Nix"), "Install, remove.").prompt,
            "Hey Nix. Install, remove."
        );
    }

    #[test]
    fn missing_and_corrupt_models_are_explained() {
        let dir = std::env::temp_dir().join(format!("luminous-stt-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let missing = dir.join("missing.bin");
        assert!(matches!(
            Transcriber::load(&missing, Options::default()),
            Err(SttError::Missing(_))
        ));
        let corrupt = dir.join("corrupt.bin");
        let _ = std::fs::write(&corrupt, b"not a model at all");
        let err = Transcriber::load(&corrupt, Options::default()).expect_err("corrupt");
        assert!(
            err.to_string().contains("not a whisper.cpp ggml file"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
