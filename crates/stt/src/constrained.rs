//! Hearing within a vocabulary: the audio last transcribed decoded again, greedily, with every
//! token that would make a word outside a given vocabulary made far less likely. A soft
//! constraint: whisper can still write another word when the sound insists. It turns a name
//! whisper heard as everyday words back into the name, when the sound allows it.

use std::collections::HashSet;

use whisper_rs::WhisperTokenId;

use crate::{SttError, Transcriber};

/// The words decoding is kept within: lower case, letters, digits and apostrophes.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
    prefixes: HashSet<String>,
}

impl Vocabulary {
    /// A vocabulary of `words` (any case; each split where it has other characters).
    pub fn new<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Vocabulary {
        let mut v = Vocabulary::default();
        for w in words {
            for part in w.as_ref().split(|c: char| !is_word_char(c)) {
                if part.is_empty() {
                    continue;
                }
                let part = part.to_lowercase();
                for (i, _) in part.char_indices().skip(1) {
                    v.prefixes.insert(part[..i].to_owned());
                }
                v.prefixes.insert(part.clone());
                v.words.insert(part);
            }
        }
        v
    }

    /// How many words it has.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `piece` may follow text whose unfinished last word is `open` (lower case):
    /// each word it finishes is a word of the vocabulary and the word it leaves open begins
    /// one. Punctuation and spaces end words; any other character is outside.
    fn allows(&self, open: &str, piece: &str, scratch: &mut String) -> bool {
        scratch.clear();
        scratch.push_str(open);
        for c in piece.chars() {
            if is_word_char(c) {
                scratch.extend(c.to_lowercase());
            } else if c.is_whitespace() || ".,?!;:".contains(c) {
                if !scratch.is_empty() && !self.words.contains(scratch.as_str()) {
                    return false;
                }
                scratch.clear();
            } else {
                return false;
            }
        }
        scratch.is_empty() || self.prefixes.contains(scratch.as_str())
    }

    /// Whether text whose unfinished last word is `open` may end here.
    fn may_end(&self, open: &str) -> bool {
        open.is_empty() || self.words.contains(open)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// The unfinished last word of `text`, lower case ("" after a space or punctuation).
fn open_word(text: &str) -> String {
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    text[start..].to_lowercase()
}

impl Transcriber {
    /// The audio last given to [`Transcriber::transcribe`], decoded again greedily with each
    /// token that would make a word outside `vocabulary` made `penalty` (natural log) less
    /// likely, within the token budget that transcription had. The text, trimmed; empty when
    /// whisper ends at once.
    pub fn transcribe_within(
        &mut self,
        vocabulary: &Vocabulary,
        penalty: f32,
    ) -> Result<String, SttError> {
        let fail = |e: whisper_rs::WhisperError| SttError::Transcribe(e.to_string());
        let threads = self.options.threads.max(1);
        let eot = self._ctx.token_eot();
        let pieces = self.pieces();
        let start = self.start_tokens()?;
        self.decode_start(&start)?;
        let mut text = String::new();
        let mut scratch = String::new();
        for step in 0..self.budget.min(MAX_TOKENS) {
            let logits = self.state.get_logits().map_err(fail)?;
            let open = open_word(&text);
            let mut best: Option<(WhisperTokenId, f32)> = None;
            // Past the end-of-text marker are whisper's own markers, never written here.
            let text_and_end = usize::try_from(eot).map_or(0, |e| e + 1);
            for (id, l) in logits.iter().enumerate().take(text_and_end) {
                let Ok(token) = WhisperTokenId::try_from(id) else {
                    break;
                };
                let score = if token == eot {
                    if vocabulary.may_end(&open) {
                        *l
                    } else {
                        l - penalty
                    }
                } else {
                    let piece = pieces.get(id).map_or("", String::as_str);
                    if piece.is_empty() {
                        continue;
                    }
                    // The first word starts after whisper's leading space.
                    let piece = if text.is_empty() {
                        piece.trim_start()
                    } else {
                        piece
                    };
                    if vocabulary.allows(&open, piece, &mut scratch) {
                        *l
                    } else {
                        l - penalty
                    }
                };
                if best.is_none_or(|(_, b)| score > b) {
                    best = Some((token, score));
                }
            }
            let Some((token, _)) = best else { break };
            if token == eot {
                break;
            }
            text.push_str(pieces.get(token as usize).map_or("", String::as_str));
            self.state
                .decode(&[token], start.len() + step, threads)
                .map_err(fail)?;
        }
        Ok(crate::collapse_repeats(text.trim()))
    }

    /// Each token's text, by id, up to the end-of-text marker (empty where it is not text).
    fn pieces(&mut self) -> std::sync::Arc<Vec<String>> {
        if let Some(p) = &self.pieces {
            return p.clone();
        }
        let eot = self._ctx.token_eot();
        let pieces: Vec<String> = (0..eot)
            .map(|id| {
                self._ctx
                    .token_to_bytes(id)
                    .map(|b| String::from_utf8(b.to_vec()).unwrap_or_default())
                    .unwrap_or_default()
            })
            .collect();
        let pieces = std::sync::Arc::new(pieces);
        self.pieces = Some(pieces.clone());
        pieces
    }
}

/// A request is a sentence or two: decoding stops after this many tokens.
const MAX_TOKENS: usize = 48;

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::new(["install", "neovim", "can you", "add", "the", "don't"])
    }

    #[test]
    fn a_piece_fits_when_it_finishes_and_begins_words_of_the_vocabulary() {
        let v = vocab();
        let mut s = String::new();
        for (open, piece, fits) in [
            ("", " Install", true),
            ("", " Inst", true),
            ("inst", "all", true),
            ("inst", "ead", false),
            ("", " the oven", false),
            ("", " ne", true),
            ("ne", "ov", true),
            ("neov", "im.", true),
            ("neov", "en", false),
            ("add", ",", true),
            ("ad", ".", false),
            ("", " Don't", true),
            ("", " $", false),
            ("", ",", true),
        ] {
            assert_eq!(v.allows(open, piece, &mut s), fits, "{open:?} + {piece:?}");
        }
        assert!(v.may_end(""));
        assert!(v.may_end("neovim"));
        assert!(!v.may_end("neo"));
        assert_eq!(v.len(), 7);
    }

    #[test]
    fn the_open_word_is_what_follows_the_last_space_or_mark() {
        assert_eq!(open_word(" Can you add the Ne"), "ne");
        assert_eq!(open_word(" Can you add,"), "");
        assert_eq!(open_word(""), "");
        assert_eq!(open_word("Don'"), "don'");
    }
}
