//! Normalisation of a typed or transcribed request into plain lowercase tokens.
//!
//! Order matters: control characters and punctuation go first, then contractions,
//! spoken spellings ("f i r e f o x"), number words, and finally fillers and
//! politeness, which carry no meaning for the intent.

/// Longest input we interpret. Longer text is cut here and flagged, never parsed whole:
/// a request is a sentence, not a document.
pub const MAX_INPUT_CHARS: usize = 500;

/// The result of normalising one utterance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Normalized {
    /// Lowercase tokens with fillers removed.
    pub tokens: Vec<String>,
    /// The same tokens before fillers were removed ("okay" alone is an answer, not a filler).
    pub raw: Vec<String>,
    /// True when the input was longer than [`MAX_INPUT_CHARS`] and was cut.
    pub truncated: bool,
    /// True when the input held control characters that were dropped.
    pub had_control_chars: bool,
}

impl Normalized {
    /// The tokens joined by single spaces.
    pub fn text(&self) -> String {
        self.tokens.join(" ")
    }
}

const CONTRACTIONS: &[(&str, &str)] = &[
    ("won't", "will not"),
    ("can't", "can not"),
    ("cannot", "can not"),
    ("don't", "do not"),
    ("doesn't", "does not"),
    ("didn't", "did not"),
    ("isn't", "is not"),
    ("wasn't", "was not"),
    ("what's", "what is"),
    ("where's", "where is"),
    ("how's", "how is"),
    ("that's", "that is"),
    ("it's", "it is"),
    ("let's", "let us"),
    ("i'd", "i would"),
    ("i'm", "i am"),
    ("i've", "i have"),
    ("i'll", "i will"),
    ("you're", "you are"),
];

const NUMBER_WORDS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("first", "1st"),
    ("second", "2nd"),
    ("third", "3rd"),
    ("fourth", "4th"),
    ("fifth", "5th"),
];

/// Multi-word fillers and politeness, removed wherever they stand. Longest first.
pub(crate) const FILLER_PHRASES: &[&[&str]] = &[
    &["on", "my", "computer"],
    &["on", "my", "system"],
    &["on", "my", "machine"],
    &["on", "my", "laptop"],
    &["on", "this", "computer"],
    &["on", "this", "machine"],
    &["on", "the", "system"],
    &["i", "would", "like", "you", "to"],
    &["i", "would", "like", "to"],
    &["i", "want", "you", "to"],
    &["would", "you", "mind"],
    &["is", "it", "possible", "to"],
    &["go", "ahead", "and"],
    &["could", "you"],
    &["can", "you"],
    &["would", "you"],
    &["will", "you"],
    &["i", "want", "to"],
    &["i", "need", "to"],
    &["let", "us"],
    &["let", "me"],
    &["for", "me"],
    &["thank", "you"],
    &["you", "know"],
];

/// Hesitation sounds: they never carry meaning, not even in an answer or a rule's own words.
pub(crate) const HESITATIONS: &[&str] = &["um", "umm", "uh", "uhh", "er", "erm", "hmm", "hm", "ah"];

/// Single-word fillers besides the hesitations. "like" and "just" are kept out on purpose
/// where they carry meaning.
pub(crate) const FILLER_WORDS: &[&str] = &[
    "please",
    "pls",
    "plz",
    "thanks",
    "kindly",
    "hey",
    "hi",
    "hello",
    "okay",
    "ok",
    "so",
    "well",
    "actually",
    "basically",
    "just",
    "luminous",
    "quickly",
];

/// Normalise one utterance.
pub fn normalize(input: &str) -> Normalized {
    let mut had_control_chars = false;
    let mut truncated = false;
    let mut cleaned = String::with_capacity(input.len().min(MAX_INPUT_CHARS * 4));
    for (count, ch) in input.chars().enumerate() {
        if count >= MAX_INPUT_CHARS {
            truncated = true;
            break;
        }
        let ch = match ch {
            '\u{2018}' | '\u{2019}' | '`' => '\'',
            c if c.is_control() => {
                had_control_chars |= !matches!(c, '\n' | '\t' | '\r');
                ' '
            }
            c => c,
        };
        cleaned.extend(ch.to_lowercase());
    }

    let mut tokens: Vec<String> = Vec::new();
    for raw in cleaned.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';'
                    | '!'
                    | '?'
                    | '"'
                    | '\u{201c}'
                    | '\u{201d}'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
                    | ':'
            )
    }) {
        let word = raw.trim_matches(|c: char| matches!(c, '.' | '\'' | '*'));
        if word.is_empty() {
            continue;
        }
        if let Some((_, expansion)) = CONTRACTIONS.iter().find(|(c, _)| *c == word) {
            tokens.extend(expansion.split(' ').map(str::to_owned));
        } else if let Some(stem) = word.strip_suffix("'s") {
            // "firefox's" -> "firefox": possessives never change a request.
            tokens.push(stem.to_owned());
        } else {
            tokens.push(word.to_owned());
        }
    }

    let tokens = join_spelled_letters(tokens);
    let tokens = join_spoken_symbols(tokens);
    let tokens: Vec<String> = tokens
        .into_iter()
        .map(|t| match NUMBER_WORDS.iter().find(|(w, _)| *w == t) {
            Some((_, digit)) => (*digit).to_owned(),
            None => t,
        })
        .collect();
    let raw = tokens.clone();
    let tokens = drop_fillers(tokens);
    Normalized {
        tokens,
        raw,
        truncated,
        had_control_chars,
    }
}

/// "f i r e f o x" -> "firefox": three or more single letters in a row are a spelling.
fn join_spelled_letters(tokens: Vec<String>) -> Vec<String> {
    let is_letter = |t: &str| t.chars().count() == 1 && t.chars().all(|c| c.is_alphanumeric());
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<String>| {
        // "a" and "i" alone are words; a run of three or more letters is a spelling.
        if run.len() >= 3 {
            out.push(run.concat());
        } else {
            out.append(run);
        }
        run.clear();
    };
    for t in tokens {
        if is_letter(&t) {
            run.push(t);
        } else {
            flush(&mut run, &mut out);
            out.push(t);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// "obs dash studio" -> "obs-studio", "python 3 dot 12" -> "python3.12".
fn join_spoken_symbols(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut glue_next = false;
    for t in tokens {
        let symbol = match t.as_str() {
            "dash" | "hyphen" | "minus" => Some("-"),
            "dot" | "point" => Some("."),
            "underscore" => Some("_"),
            _ => None,
        };
        match (symbol, out.last_mut()) {
            (Some(s), Some(prev)) => {
                prev.push_str(s);
                glue_next = true;
            }
            (Some(s), None) => out.push(s.to_owned()),
            (None, Some(prev)) if glue_next => prev.push_str(&t),
            (None, _) => out.push(t),
        }
        if symbol.is_none() {
            glue_next = false;
        }
    }
    out
}

fn is_filler_word(word: &str) -> bool {
    HESITATIONS.contains(&word) || FILLER_WORDS.contains(&word)
}

/// `tokens` without hesitation sounds ("um what do you know" -> "what do you know").
pub(crate) fn without_hesitations(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !HESITATIONS.contains(&t.as_str()))
        .cloned()
        .collect()
}

fn drop_fillers(tokens: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    'outer: while i < tokens.len() {
        for phrase in FILLER_PHRASES {
            let end = i + phrase.len();
            if end <= tokens.len()
                && tokens[i..end]
                    .iter()
                    .zip(phrase.iter())
                    .all(|(a, b)| a == b)
            {
                i = end;
                continue 'outer;
            }
        }
        if !is_filler_word(&tokens[i]) {
            out.push(tokens[i].clone());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(normalize(input).text(), expect, "input: {input:?}");
    }

    #[test]
    fn table() {
        let cases = [
            ("Install Firefox.", "install firefox"),
            (
                "Um, could you please install firefox for me?",
                "install firefox",
            ),
            ("can you put htop on my computer", "put htop"),
            ("install f i r e f o x", "install firefox"),
            ("install obs dash studio", "install obs-studio"),
            (
                "Why won't my configuration build?",
                "why will not my configuration build",
            ),
            ("the second one", "the 2nd 1"),
            ("install a", "install a"),
            ("what's installed", "what is installed"),
            ("  \u{7}install\tvlc\u{0}  ", "install vlc"),
            ("install “vlc”", "install vlc"),
            ("", ""),
        ];
        for (input, expect) in cases {
            check(input, expect);
        }
    }

    #[test]
    fn long_input_is_cut_and_flagged() {
        let long = "install firefox ".repeat(1000);
        let n = normalize(&long);
        assert!(n.truncated);
        assert!(n.tokens.len() < 100);
    }

    #[test]
    fn control_characters_are_flagged() {
        assert!(normalize("install\u{1b}[31m vlc").had_control_chars);
        assert!(!normalize("install vlc\n").had_control_chars);
    }
}
