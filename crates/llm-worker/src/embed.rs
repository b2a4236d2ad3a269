//! A sentence-embedding model (BERT-style, such as all-MiniLM-L6-v2, in safetensors) run with
//! candle: texts in, one unit-length vector each out (mean of the token states, as
//! sentence-transformers pools them), so that a dot product is the cosine similarity.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// Longest input, in tokens: a spoken request is a few dozen at most.
const MAX_TOKENS: usize = 128;
/// Texts run through the model together.
const BATCH: usize = 32;

/// The three files of an embedding model: weights, tokenizer, configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// `model.safetensors`, or `NAME.safetensors`.
    pub weights: PathBuf,
    /// `tokenizer.json`, or `NAME.tokenizer.json` beside the weights.
    pub tokenizer: PathBuf,
    /// `config.json`, or `NAME.config.json` beside the weights.
    pub config: PathBuf,
}

/// True when `path` names an embedding model rather than a GGUF language model: a
/// `.safetensors` file or a folder (Hugging Face's layout).
pub fn is_embedding_model(path: &Path) -> bool {
    path.is_dir() || path.extension().is_some_and(|e| e == "safetensors")
}

/// Where the files of the model at `path` are: in a folder, `model.safetensors`,
/// `tokenizer.json` and `config.json`; beside `NAME.safetensors`, `NAME.tokenizer.json` and
/// `NAME.config.json` (how `luminous models fetch` installs them).
pub fn files(path: &Path) -> Files {
    if path.is_dir() {
        return Files {
            weights: path.join("model.safetensors"),
            tokenizer: path.join("tokenizer.json"),
            config: path.join("config.json"),
        };
    }
    let beside = |suffix: &str| path.with_extension(suffix);
    Files {
        weights: path.to_path_buf(),
        tokenizer: beside("tokenizer.json"),
        config: beside("config.json"),
    }
}

/// The loaded model and its tokenizer.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
}

impl Embedder {
    /// Load the model at `path` (see [`files`]).
    pub fn load(path: &Path) -> anyhow::Result<Embedder> {
        let f = files(path);
        for p in [&f.weights, &f.tokenizer, &f.config] {
            if !p.is_file() {
                bail!(
                    "the embedding model needs {}, which is missing",
                    p.display()
                );
            }
        }
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(&f.config)
                .with_context(|| format!("reading {}", f.config.display()))?,
        )
        .with_context(|| format!("{} is not a BERT configuration", f.config.display()))?;
        let mut tokenizer = Tokenizer::from_file(&f.tokenizer)
            .map_err(|e| anyhow::anyhow!("{} is not a tokenizer: {e}", f.tokenizer.display()))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| anyhow::anyhow!("setting the tokenizer's length: {e}"))?;
        let tensors = candle_core::safetensors::load(&f.weights, &Device::Cpu)
            .with_context(|| format!("{} is not a safetensors file", f.weights.display()))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let model = BertModel::load(vb, &config)
            .with_context(|| format!("{} is not a BERT model", f.weights.display()))?;
        Ok(Embedder { model, tokenizer })
    }

    /// One unit vector per text, in order; stops between batches once `deadline` passed.
    pub fn embed(&self, texts: &[String], deadline: Instant) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            if Instant::now() > deadline {
                bail!("deadline");
            }
            out.extend(self.batch(chunk)?);
        }
        Ok(out)
    }

    fn batch(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow::anyhow!("tokenizing: {e}"))?;
        let rows = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> anyhow::Result<Tensor> {
            let t: Vec<Tensor> = enc
                .iter()
                .map(|e| Tensor::new(f(e), &Device::Cpu))
                .collect::<Result<_, _>>()?;
            Ok(Tensor::stack(&t, 0)?)
        };
        let ids = rows(&|e| e.get_ids())?;
        let mask = rows(&|e| e.get_attention_mask())?;
        let types = ids.zeros_like()?;
        let states = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean over the real tokens (padding masked out), then unit length.
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let mean = states
            .broadcast_mul(&m)?
            .sum(1)?
            .broadcast_div(&m.sum(1)?)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        Ok(mean.broadcast_div(&norm)?.to_vec2()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companion_files_are_found_beside_the_weights_or_in_a_folder() {
        let f = files(Path::new("/m/all-MiniLM-L6-v2.safetensors"));
        assert_eq!(
            f.tokenizer,
            PathBuf::from("/m/all-MiniLM-L6-v2.tokenizer.json")
        );
        assert_eq!(f.config, PathBuf::from("/m/all-MiniLM-L6-v2.config.json"));
        assert!(is_embedding_model(Path::new("/m/x.safetensors")));
        assert!(!is_embedding_model(Path::new("/m/x.gguf")));
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert!(is_embedding_model(dir.path()));
        assert_eq!(
            files(dir.path()).weights,
            dir.path().join("model.safetensors")
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let err = Embedder::load(dir.path()).err().expect("nothing to load");
        assert!(format!("{err:#}").contains("model.safetensors"), "{err:#}");
    }
}
