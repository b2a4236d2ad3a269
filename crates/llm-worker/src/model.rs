//! The loaded model and its one context: scoring options and grammar-constrained replies,
//! with the prompt's tokens kept in the cache between requests (the system instruction is
//! the same every time, so only the user's words are new).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use luminous_llm::protocol::Chat;

/// Tokens of context: the prompt and every option of one batch.
const CONTEXT: u32 = 4096;
/// Options scored in one batch, each in its own sequence (sequence 0 is the prompt's).
const LANES: usize = 48;
/// Every sequence: prompt tokens belong to all of them, so each option sees the prompt.
const ALL: [i32; LANES + 1] = {
    let mut a = [0i32; LANES + 1];
    let mut i = 0;
    while i <= LANES {
        a[i] = i as i32;
        i += 1;
    }
    a
};

/// The model, loaded once.
pub struct Loaded {
    backend: LlamaBackend,
    model: LlamaModel,
    threads: u32,
}

impl Loaded {
    /// Load the GGUF file at `path`, to run on `threads` threads.
    pub fn load(path: &Path, threads: u32) -> anyhow::Result<Loaded> {
        if !path.is_file() {
            bail!("there is no model file at {}", path.display());
        }
        let mut backend = LlamaBackend::init().context("starting llama.cpp")?;
        backend.void_logs();
        let model = LlamaModel::load_from_file(&backend, path, &LlamaModelParams::default())
            .with_context(|| format!("{} is not a model llama.cpp can load", path.display()))?;
        Ok(Loaded {
            backend,
            model,
            threads,
        })
    }

    /// A context to run requests in.
    pub fn engine(&self) -> anyhow::Result<Engine<'_>> {
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(CONTEXT))
            .with_n_batch(CONTEXT)
            .with_n_seq_max(LANES as u32 + 1)
            .with_kv_unified(true)
            .with_n_threads(self.threads as i32)
            .with_n_threads_batch(self.threads as i32);
        let ctx = self
            .model
            .new_context(&self.backend, params)
            .context("making a context for the model")?;
        Ok(Engine {
            model: &self.model,
            ctx,
            cached: Vec::new(),
            baseline: HashMap::new(),
        })
    }
}

/// One context, with what its cache holds.
pub struct Engine<'a> {
    model: &'a LlamaModel,
    ctx: LlamaContext<'a>,
    /// The tokens at positions 0.. of sequence 0 in the cache.
    cached: Vec<LlamaToken>,
    /// Each (system instruction, option)'s score after an empty request.
    baseline: HashMap<(String, String), f32>,
}

impl Engine<'_> {
    /// The conversation as the model's own chat template writes it, ending where the
    /// assistant's reply begins; a model without a template gets a plain one.
    fn prompt(&self, chat: &Chat) -> anyhow::Result<Vec<LlamaToken>> {
        let text = match self.model.chat_template(None) {
            Ok(template) => {
                let messages = [
                    LlamaChatMessage::new("system".into(), chat.system.clone())?,
                    LlamaChatMessage::new("user".into(), chat.user.clone())?,
                ];
                self.model
                    .apply_chat_template(&template, &messages, true)
                    .context("applying the model's chat template")?
            }
            Err(_) => format!("{}\n\nUser: {}\nAssistant:", chat.system, chat.user),
        };
        let vocab = self.model.vocab();
        let add_bos = vocab.should_add_bos() && !text.starts_with("<|") && !text.starts_with("<s>");
        Ok(vocab.tokenize(text.as_bytes(), add_bos, true))
    }

    /// Bring the cache to all of `prompt` but its last token, reusing what it shares with
    /// the last request. The last token is decoded with whatever follows it, so that its
    /// logits (the first token's odds) come with them.
    fn prefill(&mut self, prompt: &[LlamaToken]) -> anyhow::Result<usize> {
        let keep = prompt.len().saturating_sub(1);
        let shared = self
            .cached
            .iter()
            .zip(&prompt[..keep])
            .take_while(|(a, b)| a == b)
            .count();
        self.rewind(shared)?;
        self.cached.truncate(shared);
        if shared < keep {
            let mut batch = LlamaBatch::new(keep - shared, ALL.len() as i32);
            for (i, t) in prompt[shared..keep].iter().enumerate() {
                batch.add(*t, (shared + i) as i32, &ALL, false)?;
            }
            self.ctx.decode(&mut batch).context("reading the prompt")?;
            self.cached.extend_from_slice(&prompt[shared..keep]);
        }
        Ok(keep)
    }

    /// Forget everything the cache holds from position `keep` on, in every sequence.
    fn rewind(&mut self, keep: usize) -> anyhow::Result<()> {
        self.ctx
            .kv_cache_seq_rm(-1, Some(keep as u32), None)
            .context("trimming the cache")?;
        Ok(())
    }

    /// Each option's mean log-probability per token as the reply to `chat`; `calibrated`:
    /// less its own after an empty request.
    pub fn rank(
        &mut self,
        chat: &Chat,
        options: &[String],
        calibrated: bool,
        deadline: Instant,
    ) -> anyhow::Result<Vec<f32>> {
        let mut scores = self.score(chat, options, deadline)?;
        if calibrated {
            let key = |o: &String| (chat.system.clone(), o.clone());
            let missing: Vec<String> = options
                .iter()
                .filter(|o| !self.baseline.contains_key(&key(o)))
                .cloned()
                .collect();
            if !missing.is_empty() {
                let empty = Chat {
                    system: chat.system.clone(),
                    user: String::new(),
                };
                let base = self.score(&empty, &missing, deadline)?;
                for (o, b) in missing.into_iter().zip(base) {
                    self.baseline.insert(key(&o), b);
                }
            }
            for (s, o) in scores.iter_mut().zip(options) {
                *s -= self.baseline.get(&key(o)).copied().unwrap_or(0.0);
            }
        }
        Ok(scores)
    }

    /// Each option's mean log-probability per token as the reply to `chat`.
    fn score(
        &mut self,
        chat: &Chat,
        options: &[String],
        deadline: Instant,
    ) -> anyhow::Result<Vec<f32>> {
        let prompt = self.prompt(chat)?;
        let Some(&last) = prompt.last() else {
            bail!("the prompt is empty");
        };
        let keep = self.prefill(&prompt)?;
        let vocab = self.model.vocab();
        let end = if vocab.eot().0 >= 0 {
            vocab.eot()
        } else {
            vocab.eos()
        };
        let mut scores = Vec::with_capacity(options.len());
        for group in options.chunks(LANES) {
            if Instant::now() > deadline {
                bail!("deadline");
            }
            // Each option in its own sequence after the prompt, all in one batch: the prompt's
            // last token again, then the option's tokens, then the end of the turn (which
            // belongs to the option: "install vlc" is not "install vlc player").
            let tokens: Vec<Vec<LlamaToken>> = group
                .iter()
                .map(|o| {
                    let mut t = vocab.tokenize(o.as_bytes(), false, false);
                    t.push(end);
                    t
                })
                .collect();
            let total: usize = tokens.iter().map(|t| t.len() + 1).sum();
            if keep + total > CONTEXT as usize {
                bail!("the request is too long for the model's context");
            }
            let mut batch = LlamaBatch::new(total, 1);
            let mut at = Vec::with_capacity(group.len());
            for (lane, t) in tokens.iter().enumerate() {
                let seq = [lane as i32 + 1];
                at.push(batch.n_tokens());
                batch.add(last, keep as i32, &seq, true)?;
                for (i, tok) in t.iter().enumerate() {
                    batch.add(*tok, (keep + 1 + i) as i32, &seq, i + 1 < t.len())?;
                }
            }
            let decoded = self.ctx.decode(&mut batch).context("scoring the options");
            if let Err(e) = decoded {
                self.rewind(keep)?;
                return Err(e);
            }
            for (t, first) in tokens.iter().zip(at) {
                let sum: f64 = t
                    .iter()
                    .enumerate()
                    .map(|(i, tok)| {
                        log_softmax_at(self.ctx.get_logits_ith(first + i as i32), tok.0 as usize)
                    })
                    .sum();
                scores.push((sum / t.len() as f64) as f32);
            }
            self.rewind(keep)?;
        }
        Ok(scores)
    }

    /// Each label's log-probability as the reply's first token.
    pub fn pick(&mut self, chat: &Chat, labels: &[String]) -> anyhow::Result<Vec<f32>> {
        let prompt = self.prompt(chat)?;
        let Some(&last) = prompt.last() else {
            bail!("the prompt is empty");
        };
        let keep = self.prefill(&prompt)?;
        let mut batch = LlamaBatch::new(1, 1);
        batch.add(last, keep as i32, &[0], true)?;
        let decoded = self.ctx.decode(&mut batch).context("reading the request");
        let vocab = self.model.vocab();
        let scores = decoded.map(|()| {
            let logits = self.ctx.get_logits_ith(0);
            labels
                .iter()
                .map(|l| {
                    vocab
                        .tokenize(l.as_bytes(), false, false)
                        .first()
                        .map_or(f32::NEG_INFINITY, |t| {
                            log_softmax_at(logits, t.0 as usize) as f32
                        })
                })
                .collect()
        });
        self.rewind(keep)?;
        scores
    }

    /// The reply to `chat` that `grammar` allows, decoded greedily.
    pub fn choose(
        &mut self,
        chat: &Chat,
        grammar: &str,
        max_tokens: u32,
        deadline: Instant,
    ) -> anyhow::Result<String> {
        let prompt = self.prompt(chat)?;
        let Some(&last) = prompt.last() else {
            bail!("the prompt is empty");
        };
        let mut sampler = LlamaSampler::chain_simple([
            LlamaSampler::grammar(self.model, grammar, "root").context("reading the grammar")?,
            LlamaSampler::greedy(),
        ]);
        let keep = self.prefill(&prompt)?;
        let vocab = self.model.vocab();
        let mut out = Vec::new();
        let mut next = last;
        let mut pos = keep;
        let result = loop {
            if Instant::now() > deadline {
                break Err(anyhow::anyhow!("deadline"));
            }
            if pos + 1 >= CONTEXT as usize || out.len() as u32 >= max_tokens {
                break Ok(());
            }
            let mut batch = LlamaBatch::new(1, 1);
            batch.add(next, pos as i32, &[0], true)?;
            self.ctx.decode(&mut batch).context("generating")?;
            pos += 1;
            let token = sampler.sample(&self.ctx, 0);
            if vocab.is_eog(token) {
                break Ok(());
            }
            out.extend(vocab.token_to_piece(token, false, None));
            next = token;
        };
        self.rewind(keep)?;
        result?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// `ln softmax(logits)[index]`, computed stably.
fn log_softmax_at(logits: &[f32], index: usize) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
    logits
        .get(index)
        .map_or(f64::NEG_INFINITY, |&l| l as f64 - max - sum.ln())
}
