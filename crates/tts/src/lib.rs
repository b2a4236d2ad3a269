//! Text to speech with Piper: a voice is loaded once, then text is spoken sentence by
//! sentence, so the first sentence can play while the rest is being synthesised, and a
//! listener can stop it between sentences (barge-in).

use std::path::Path;

mod pieces;

pub use pieces::{LONGEST_PIECE, LONGEST_SOUNDS, sentences, sound_pieces, speakable};

/// Why speech could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    /// A voice or runtime file is missing.
    #[error("{what} {path} is missing; run: luminous models fetch")]
    Missing {
        /// Which file.
        what: &'static str,
        /// Where it was looked for.
        path: String,
    },
    /// ONNX Runtime could not be loaded.
    #[error("ONNX Runtime {path} could not be loaded ({why}); run: luminous models fetch")]
    Runtime {
        /// The library.
        path: String,
        /// Why.
        why: String,
    },
    /// The voice could not be loaded.
    #[error("the voice {path} could not be loaded ({why}); run: luminous models fetch")]
    Voice {
        /// The model.
        path: String,
        /// Why.
        why: String,
    },
    /// Synthesis failed.
    #[error("speech synthesis failed: {0}")]
    Synthesis(String),
}

/// Load ONNX Runtime from `lib`, once per process.
pub fn init_runtime(lib: &Path) -> Result<(), TtsError> {
    luminous_audio::onnx::init_runtime(lib).map_err(|e| match e {
        luminous_audio::onnx::RuntimeError::Missing(path) => TtsError::Missing {
            what: "ONNX Runtime",
            path,
        },
        luminous_audio::onnx::RuntimeError::Load { path, why } => TtsError::Runtime { path, why },
    })
}

/// A loaded Piper voice.
pub struct Voice {
    piper: piper_rs::Piper,
    sample_rate: u32,
    /// The espeak-ng voice that turns this voice's text into phonemes.
    espeak: String,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice")
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

impl Voice {
    /// Load a voice (`.onnx` and its `.onnx.json`), with ONNX Runtime from `runtime`.
    pub fn load(onnx: &Path, config: &Path, runtime: &Path) -> Result<Voice, TtsError> {
        for (what, p) in [("The voice", onnx), ("The voice settings", config)] {
            if !p.is_file() {
                return Err(TtsError::Missing {
                    what,
                    path: p.display().to_string(),
                });
            }
        }
        init_runtime(runtime)?;
        let bad = |why: String| TtsError::Voice {
            path: onnx.display().to_string(),
            why,
        };
        let settings: piper_rs::ModelConfig = std::fs::read_to_string(config)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .map_err(|why| TtsError::Voice {
                path: config.display().to_string(),
                why,
            })?;
        let sample_rate = settings.audio.sample_rate;
        let espeak = settings.espeak.voice.clone();
        let session = session(onnx).map_err(bad)?;
        let piper = piper_rs::Piper::from_session(session, settings);
        Ok(Voice {
            piper,
            sample_rate,
            espeak,
        })
    }

    /// Samples per second of what [`Voice::speak`] produces.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Speak `text` at `rate` (1.0 normal, 2.0 twice as fast), one sentence at a time:
    /// `chunk` gets each sentence's samples as soon as they exist and returns false to stop.
    /// A sentence whose sounds are longer than [`LONGEST_SOUNDS`] at this rate is said in
    /// pieces, so that no one run of Piper's model needs more memory than that.
    pub fn speak(
        &mut self,
        text: &str,
        rate: f32,
        mut chunk: impl FnMut(&[f32]) -> bool,
    ) -> Result<(), TtsError> {
        let rate = rate.clamp(0.25, 4.0);
        let length_scale = 1.0 / rate;
        let longest = ((LONGEST_SOUNDS as f32 * rate) as usize).max(LONGEST_SOUNDS / 4);
        for sentence in sentences(&speakable(text)) {
            let phonemes = espeak_rs::text_to_phonemes(&sentence, &self.espeak, None)
                .map_err(|e| TtsError::Synthesis(e.to_string()))?
                .join(" ");
            for piece in sound_pieces(&phonemes, longest) {
                let (samples, sr) = self
                    .piper
                    .create(piece, true, None, Some(length_scale), None, None)
                    .map_err(|e| TtsError::Synthesis(e.to_string()))?;
                self.sample_rate = sr;
                if !chunk(trimmed(&samples, sr)) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// All of `text` at once.
    pub fn synthesize(&mut self, text: &str, rate: f32) -> Result<Vec<f32>, TtsError> {
        let mut all = Vec::new();
        self.speak(text, rate, |s| {
            all.extend_from_slice(s);
            true
        })?;
        Ok(all)
    }
}

/// The ONNX Runtime session for a voice. Every sentence has a different length, so ONNX
/// Runtime's memory pattern (buffers planned for one input shape and kept, planned again for
/// each new one) only costs memory here: it is off. The CPU arena stays on: without it the
/// first audio came later (docs/performance.md has both measured).
fn session(onnx: &Path) -> Result<ort::session::Session, String> {
    let e = |e: ort::Error<ort::session::builder::SessionBuilder>| e.to_string();
    let cpu = ort::ep::CPU::default().with_arena_allocator(true).build();
    ort::session::Session::builder()
        .map_err(|e| e.to_string())?
        .with_memory_pattern(false)
        .map_err(e)?
        .with_execution_providers([cpu])
        .map_err(e)?
        .commit_from_file(onnx)
        .map_err(|e| e.to_string())
}

/// Below this a sample is silence (-40 dBFS).
const QUIET: f32 = 0.01;

/// A sentence without the silence Piper puts around it beyond a natural pause: 20 ms kept
/// before the first sound (so the reply starts at once) and 100 ms after the last (the pause
/// between sentences).
pub fn trimmed(samples: &[f32], rate: u32) -> &[f32] {
    let Some(first) = samples.iter().position(|s| s.abs() > QUIET) else {
        return &[];
    };
    let last = samples
        .iter()
        .rposition(|s| s.abs() > QUIET)
        .unwrap_or(first);
    let ms = |n: u32| (rate as usize * n as usize) / 1000;
    let start = first.saturating_sub(ms(20));
    let end = (last + 1 + ms(100)).min(samples.len());
    &samples[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_around_a_sentence_is_cut_to_a_pause() {
        let rate = 1000;
        let mut s = vec![0.0; 300];
        s.extend([0.5, -0.2, 0.3]);
        s.extend(vec![0.001; 400]);
        let t = trimmed(&s, rate);
        // 20 samples (20 ms) before the sound, the sound, 100 after it.
        assert_eq!(t.len(), 20 + 3 + 100);
        assert_eq!(t[20], 0.5);
        assert!(trimmed(&[0.0; 50], rate).is_empty());
        // Nothing to cut: the sentence is kept whole.
        assert_eq!(trimmed(&[0.5, 0.5], rate), &[0.5, 0.5]);
    }

    #[test]
    fn missing_files_are_explained_without_loading_anything() {
        let err = Voice::load(
            Path::new("/nonexistent/v.onnx"),
            Path::new("/nonexistent/v.json"),
            Path::new("/x"),
        )
        .expect_err("missing");
        assert_eq!(
            err.to_string(),
            "The voice /nonexistent/v.onnx is missing; run: luminous models fetch"
        );
        let err = init_runtime(Path::new("/nonexistent/libonnxruntime.so")).expect_err("missing");
        assert!(
            err.to_string()
                .starts_with("ONNX Runtime /nonexistent/libonnxruntime.so is missing")
        );
    }
}
