//! Silero VAD (MIT), a small recurrent network that tells speech from noise far better than
//! WebRTC's VAD: it runs on ONNX Runtime over 32 ms chunks of 16 kHz audio, carrying its
//! state and the last 64 samples from one chunk to the next, as the model's own wrapper does.

use std::path::Path;

use ort::session::Session;
use ort::value::Tensor;

use crate::segment::Detector;

/// Samples the model takes at a time at 16 kHz.
pub const CHUNK: usize = 512;
/// Samples of the previous chunk given with each one.
const CONTEXT: usize = 64;
/// The recurrent state: 2 x 1 x 128.
const STATE: usize = 2 * 128;

/// Why the model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SileroError {
    /// The model file is missing.
    #[error("the voice activity model {0} is missing; run: luminous models fetch")]
    Missing(String),
    /// ONNX Runtime is not there.
    #[error(transparent)]
    Runtime(#[from] crate::onnx::RuntimeError),
    /// The file is not a Silero VAD model ONNX Runtime can run.
    #[error(
        "the voice activity model {path} could not be used ({why}); run: luminous models fetch"
    )]
    Model {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
}

/// A loaded Silero VAD.
pub struct Silero {
    session: Session,
    state: Vec<f32>,
    context: [f32; CONTEXT],
    pending: Vec<f32>,
    last: f32,
}

impl std::fmt::Debug for Silero {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Silero")
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Silero {
    /// Load the model `onnx` with ONNX Runtime from `runtime`. It is run once on silence, so a
    /// file that is not the model fails here rather than in the middle of listening.
    pub fn load(onnx: &Path, runtime: &Path) -> Result<Silero, SileroError> {
        if !onnx.is_file() {
            return Err(SileroError::Missing(onnx.display().to_string()));
        }
        crate::onnx::init_runtime(runtime)?;
        let bad = |why: String| SileroError::Model {
            path: onnx.display().to_string(),
            why,
        };
        // One thread, no spinning: a chunk is about a millisecond of work, and a spinning
        // pool would cost more than the work while listening.
        let e = |e: ort::Error<ort::session::builder::SessionBuilder>| bad(e.to_string());
        let session = Session::builder()
            .map_err(|e| bad(e.to_string()))?
            .with_intra_threads(1)
            .map_err(e)?
            .with_inter_threads(1)
            .map_err(e)?
            .with_intra_op_spinning(false)
            .map_err(e)?
            .with_inter_op_spinning(false)
            .map_err(e)?
            .commit_from_file(onnx)
            .map_err(|e| bad(e.to_string()))?;
        let mut s = Silero {
            session,
            state: vec![0.0; STATE],
            context: [0.0; CONTEXT],
            pending: Vec::with_capacity(2 * CHUNK),
            last: 0.0,
        };
        s.run(&[0.0; CHUNK]).map_err(bad)?;
        s.reset();
        Ok(s)
    }

    /// The probability that `chunk` (512 samples) is speech, the state carried on.
    fn run(&mut self, chunk: &[f32]) -> Result<f32, String> {
        let mut input = Vec::with_capacity(CONTEXT + CHUNK);
        input.extend_from_slice(&self.context);
        input.extend_from_slice(chunk);
        let input =
            Tensor::from_array(([1usize, CONTEXT + CHUNK], input)).map_err(|e| e.to_string())?;
        let state = Tensor::from_array(([2usize, 1, 128], self.state.clone()))
            .map_err(|e| e.to_string())?;
        let sr = Tensor::from_array(((), vec![crate::RATE as i64])).map_err(|e| e.to_string())?;
        let out = self
            .session
            .run(ort::inputs!["input" => input, "state" => state, "sr" => sr])
            .map_err(|e| e.to_string())?;
        let (_, p) = out[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| e.to_string())?;
        let (_, next) = out[1]
            .try_extract_tensor::<f32>()
            .map_err(|e| e.to_string())?;
        if next.len() != STATE || p.is_empty() {
            return Err(format!(
                "unexpected outputs: {} probabilities, state of {}",
                p.len(),
                next.len()
            ));
        }
        self.state.copy_from_slice(next);
        self.context.copy_from_slice(&chunk[CHUNK - CONTEXT..]);
        Ok(p[0])
    }
}

impl Detector for Silero {
    /// The speech probability of the latest whole chunk: frames of 30 ms are gathered into
    /// the model's 32 ms chunks, so the answer lags the audio by up to one chunk. Should
    /// inference fail (it was checked at load), the frame counts as not speech.
    fn speech(&mut self, frame: &[f32]) -> f32 {
        self.pending.extend_from_slice(frame);
        while self.pending.len() >= CHUNK {
            let chunk: Vec<f32> = self.pending.drain(..CHUNK).collect();
            self.last = self.run(&chunk).unwrap_or(0.0);
        }
        self.last
    }

    fn reset(&mut self) {
        self.state.fill(0.0);
        self.context = [0.0; CONTEXT];
        self.pending.clear();
        self.last = 0.0;
    }
}
