//! Hearing through the rules: when what whisper heard is not a request the rules are sure of,
//! the sentences that sound like it and that they are sure of
//! (`luminous_intent::sounds_like`) are scored by whisper against the same audio, and the one
//! that fits the sound best is taken when it fits about as well as whisper's own guess.
//! Never for an answer to a question: a yes is only ever what was heard.

use std::sync::Arc;

use luminous_intent::PackageIndex;
use luminous_stt::{Transcriber, Transcript};

use crate::ears::Transcribe;

/// How much less likely (natural log) than whisper's own guess an alternative may be and
/// still be taken. Chosen on the development sets (never the held-out one); see
/// docs/performance.md.
pub const MARGIN: f32 = 7.0;

/// At most this many alternatives are scored (each costs a few milliseconds a token).
const SCORED: usize = 8;

/// For `request`, the part after any wake phrase of `heard` (the text whisper just gave for
/// the audio it was last given), a request like it that the rules are sure of and whisper
/// finds about as likely; `None` to keep what was heard.
pub fn better_request(
    stt: &mut Transcriber,
    heard: &str,
    request: &str,
    index: &PackageIndex,
) -> Option<String> {
    use luminous_intent::sounds_like;
    if sounds_like::is_sure(&luminous_intent::interpret(request, index)) {
        return None;
    }
    let mut alts = sounds_like::alternatives_to(request, SCORED);
    let words: Vec<&str> = heard.split_whitespace().collect();
    let kept = words
        .len()
        .saturating_sub(request.split_whitespace().count());
    let prefix = words[..kept].join(" ");
    let whole = |t: &str| {
        if prefix.is_empty() {
            t.to_owned()
        } else {
            format!("{prefix} {t}")
        }
    };
    if let Some(again) = heard_again(stt, kept) {
        let alike = sounds_like::likeness(
            &sounds_like::sound_of(request),
            &sounds_like::sound_of(&again),
        );
        alts.extend(sounds_like::taken(again, alike, &alts));
    }
    if alts.is_empty() {
        return None;
    }
    // Every spelling of every alternative, with the alternative it spells.
    let mut texts = vec![heard.to_owned()];
    let mut of: Vec<(usize, &str)> = vec![(0, heard)];
    for (n, a) in alts.iter().enumerate() {
        for t in std::iter::once(&a.text).chain(&a.spellings) {
            texts.push(whole(t));
            of.push((n, t));
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (best, gain) = best_against_first(&stt.score(&refs).ok()?)?;
    let (n, spelt) = of[best];
    let alt = &alts[n];
    if debug() {
        eprintln!(
            "Reconsidered {heard:?}: best {:?} ({} {:?}), {gain:.2} against it",
            spelt,
            alt.interpretation.intent.name(),
            alt.interpretation.slots
        );
    }
    (gain >= -MARGIN).then(|| spelt.to_owned())
}

/// The request whisper hears in the audio last transcribed when kept within the words
/// requests are made of (`sounds_like::spoken_vocabulary`), its first `kept` words (a wake
/// phrase) left out; `None` when the settings do not hear requests again or whisper fails.
fn heard_again(stt: &mut Transcriber, kept: usize) -> Option<String> {
    use std::sync::OnceLock;
    let penalty = stt.options().hear_again_penalty;
    if penalty <= 0.0 {
        return None;
    }
    static VOCABULARY: OnceLock<luminous_stt::Vocabulary> = OnceLock::new();
    let vocabulary = VOCABULARY.get_or_init(|| {
        luminous_stt::Vocabulary::new(luminous_intent::sounds_like::spoken_vocabulary())
    });
    let again = stt.transcribe_within(vocabulary, penalty).ok()?;
    if debug() {
        eprintln!("Heard again within the vocabulary: {again:?}");
    }
    let words: Vec<&str> = again.split_whitespace().skip(kept).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// How much less likely (natural log) than whisper's own words the wake phrase in their place
/// may be and still wake the assistant: far less room than a request gets, as waking on
/// ordinary talk is the worse mistake. Chosen on the development wake sets
/// (`tests/data/wake-dev.tsv`, `tests/data/not-wake-dev.tsv`; never the benchmark's): the
/// misspelt wake phrases scored from +0.6 to -2.0 against whisper's words, ordinary speech
/// -6.9 and below; see docs/performance.md.
const WAKE_MARGIN: f32 = 3.0;

/// Whether the wake phrase was said where whisper wrote `heard` ("Phoenix, roll back." for
/// "hey nix, roll back"): the request after it when whisper, scoring the phrase in place of
/// the words that sound like it, finds it about as likely as its own words.
pub fn called(stt: &mut Transcriber, heard: &str, phrase: &str) -> Option<String> {
    let candidates = luminous_intent::wake::called_like(heard, phrase);
    if candidates.is_empty() {
        return None;
    }
    let mut texts = vec![heard];
    texts.extend(candidates.iter().map(|(t, _)| t.as_str()));
    let (best, gain) = best_against_first(&stt.score(&texts).ok()?)?;
    if debug() {
        eprintln!(
            "Called? {heard:?}: best {:?}, {gain:.2} against it",
            candidates[best - 1].0
        );
    }
    (gain >= -WAKE_MARGIN).then(|| candidates[best - 1].1.clone())
}

/// LUMINOUS_DEBUG=1: say what was scored against what was heard.
fn debug() -> bool {
    std::env::var_os("LUMINOUS_DEBUG").is_some_and(|x| x == "1")
}

/// Of scores for whisper's own words (first) and alternatives, the best alternative's place
/// and how much more likely it is than whisper's words (negative: less).
fn best_against_first(scores: &[f32]) -> Option<(usize, f32)> {
    let (best, score) = scores
        .iter()
        .enumerate()
        .skip(1)
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    Some((best, score - scores.first()?))
}

/// The words of a request taken instead of what was heard, each as sure as `confidence`
/// (that of what was heard), so a name taken this way is never more certain than the sound.
pub fn words_as_sure_as(request: &str, confidence: f32) -> Vec<(String, f32)> {
    request
        .split_whitespace()
        .map(|w| {
            (
                w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned(),
                confidence,
            )
        })
        .filter(|(w, _)| !w.is_empty())
        .collect()
}

/// `heard` with its text replaced by `request` (no wake phrase to keep), its words as sure as
/// what was heard ([`words_as_sure_as`]).
pub fn replaced(heard: Transcript, request: String) -> Transcript {
    Transcript {
        words: words_as_sure_as(&request, heard.confidence),
        text: request,
        ..heard
    }
}

/// Whisper with the package index, for the ears: transcribes, and reconsiders requests.
pub struct Hearing {
    /// Whisper.
    pub stt: Transcriber,
    /// The packages names are taken from.
    pub index: Arc<PackageIndex>,
}

impl std::fmt::Debug for Hearing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hearing").finish_non_exhaustive()
    }
}

impl Transcribe for Hearing {
    fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, String> {
        self.stt.transcribe(samples).map_err(|e| e.to_string())
    }

    fn reconsider(&mut self, heard: &str, request: &str) -> Option<String> {
        better_request(&mut self.stt, heard, request, &self.index)
    }

    fn called(&mut self, heard: &str, phrase: &str) -> Option<String> {
        called(&mut self.stt, heard, phrase)
    }
}
