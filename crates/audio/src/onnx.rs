//! ONNX Runtime, loaded once per process from the fetched library: the voice (Piper) and the
//! voice activity detector (Silero) both run on it.

use std::path::Path;
use std::sync::OnceLock;

/// Why ONNX Runtime could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    /// The library is not where it should be.
    #[error("ONNX Runtime {0} is missing; run: luminous models fetch")]
    Missing(String),
    /// It is there but would not load.
    #[error("ONNX Runtime {path} could not be loaded ({why}); run: luminous models fetch")]
    Load {
        /// The library.
        path: String,
        /// Why.
        why: String,
    },
}

static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

/// Load ONNX Runtime from `lib`, once per process (later calls return the first result).
pub fn init_runtime(lib: &Path) -> Result<(), RuntimeError> {
    // ort blocks forever when the library is missing (rc.12): check first.
    if RUNTIME.get().is_none() && !lib.is_file() {
        return Err(RuntimeError::Missing(lib.display().to_string()));
    }
    let r = RUNTIME.get_or_init(|| match ort::init_from(lib) {
        Ok(builder) => {
            builder.with_name("luminous").commit();
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    });
    r.clone().map_err(|why| RuntimeError::Load {
        path: lib.display().to_string(),
        why,
    })
}
