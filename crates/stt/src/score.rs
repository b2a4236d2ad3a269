//! Scoring what might have been said against what was heard: after a transcription, whisper
//! gives the log-probability of any other text for the same audio (teacher forcing: the text's
//! tokens fed one at a time after the same prompt the transcription had). A candidate a rule
//! understands ("install htop") can then be weighed against whisper's own guess ("install
//! each top") by how well each fits the sound.

use whisper_rs::WhisperTokenId;

use crate::{SttError, Transcriber};

impl Transcriber {
    /// The log-probability (natural log, the sum over the text's tokens and the end of text)
    /// of each of `texts` as the transcript of the audio last given to
    /// [`Transcriber::transcribe`]. Each costs one decoder step a token.
    pub fn score(&mut self, texts: &[&str]) -> Result<Vec<f32>, SttError> {
        let fail = |e: whisper_rs::WhisperError| SttError::Transcribe(e.to_string());
        let threads = self.options.threads.max(1);
        let start = self.start_tokens()?;
        let ctx = &self._ctx;
        let eot = ctx.token_eot();
        let mut all: Vec<Vec<WhisperTokenId>> = Vec::with_capacity(texts.len());
        for text in texts {
            let mut tokens = ctx
                .tokenize(&format!(" {}", text.trim()), 128)
                .map_err(fail)?;
            tokens.push(eot);
            all.push(tokens);
        }
        // In token order, so that each text decodes only past what it shares with the one
        // before it (the decoder's cache drops everything after the position decoded).
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by(|&a, &b| all[a].cmp(&all[b]));
        self.decode_start(&start)?;
        // rows[i]: the logits after the start and the current text's first i tokens;
        // sums[i]: the log-probability of those i tokens.
        let mut rows: Vec<Vec<f32>> = vec![self.state.get_logits().map_err(fail)?.to_vec()];
        let mut sums: Vec<f32> = vec![0.0];
        let mut prev: &[WhisperTokenId] = &[];
        let mut out = vec![0f32; all.len()];
        for &n in &order {
            let tokens = &all[n];
            let shared = tokens
                .iter()
                .zip(prev)
                .take_while(|(a, b)| a == b)
                .count()
                .min(rows.len() - 1);
            rows.truncate(shared + 1);
            sums.truncate(shared + 1);
            for i in shared..tokens.len() {
                let p = log_softmax_at(&rows[i], tokens[i]);
                sums.push(sums[i] + p);
                if i + 1 < tokens.len() {
                    self.state
                        .decode(&tokens[i..=i], start.len() + i, threads)
                        .map_err(fail)?;
                    rows.push(self.state.get_logits().map_err(fail)?.to_vec());
                }
            }
            out[n] = sums[tokens.len()];
            prev = tokens;
        }
        Ok(out)
    }

    /// The decoder's start, as whisper.cpp builds it for a transcription: the previous text
    /// marker and the prompt, then start of transcript (language and task on a multilingual
    /// model) and no timestamps.
    pub(crate) fn start_tokens(&self) -> Result<Vec<WhisperTokenId>, SttError> {
        let fail = |e: whisper_rs::WhisperError| SttError::Transcribe(e.to_string());
        let ctx = &self._ctx;
        let mut start: Vec<WhisperTokenId> = Vec::new();
        // Without a prompt whisper.cpp starts at the start-of-transcript marker.
        if !self.options.prompt.is_empty() {
            start.push(ctx.token_prev());
            let prompt = ctx.tokenize(&self.options.prompt, 224).map_err(fail)?;
            let room = (ctx.n_text_ctx() as usize / 2).saturating_sub(1);
            start.extend(&prompt[prompt.len().saturating_sub(room)..]);
        }
        start.push(ctx.token_sot());
        if ctx.is_multilingual() {
            start.push(ctx.token_lang(whisper_rs::get_lang_id("en").unwrap_or(0)));
            start.push(ctx.token_transcribe());
        }
        start.push(ctx.token_not());
        Ok(start)
    }

    /// Feed the decoder `start` against the audio last transcribed, so that its logits are
    /// those for the first token of the text. whisper.cpp keeps token i's logits at row i and
    /// whisper-rs reads row 0: the start's last token goes alone, so that its logits are the
    /// ones read.
    pub(crate) fn decode_start(&mut self, start: &[WhisperTokenId]) -> Result<(), SttError> {
        let fail = |e: whisper_rs::WhisperError| SttError::Transcribe(e.to_string());
        let threads = self.options.threads.max(1);
        let last = start.len().saturating_sub(1);
        self.state
            .decode(&start[..last], 0, threads)
            .map_err(fail)?;
        self.state
            .decode(&start[last..], last, threads)
            .map_err(fail)?;
        Ok(())
    }
}

/// log(softmax(logits)[at]).
fn log_softmax_at(logits: &[f32], at: WhisperTokenId) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
    let x = usize::try_from(at)
        .ok()
        .and_then(|i| logits.get(i))
        .copied()
        .unwrap_or(f32::NEG_INFINITY);
    x - max - sum.ln()
}
