//! The user's own words: a phrase that a clarification resolved ("my browser" to Firefox),
//! learned once the change it led to went through, and used for that phrase from then on.
//! Pure: the host keeps the words (the store) and hands them in with the context.

use luminous_intent::normalize::normalize;
use luminous_intent::{IntentKind, Interpretation};
use serde::{Deserialize, Serialize};

use crate::{Action, Context, words};

/// A phrase and what it means for a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Word {
    /// The phrase, normalised ("my browser").
    pub phrase: String,
    /// The slot it fills (`package`).
    pub slot: String,
    /// Its value there (`firefox`).
    pub value: String,
}

/// Words that start a request rather than name what it is about.
const LEAD: &[&str] = &[
    "i", "we", "want", "would", "like", "need", "to", "can", "could", "you", "me", "us", "please",
    "the", "a", "an", "some", "get", "go", "ahead", "and", "just", "for",
];

/// Words that end a request rather than name what it is about.
const TAIL: &[&str] = &["please", "now", "for", "me", "us", "too", "again", "thanks"];

/// Words that make what follows any one of a kind, not a name: "a web browser" is any.
const ANY: &[&str] = &["a", "an", "some", "any", "another"];

/// The words a package was asked for by, in a request that needed a clarification:
/// the request without its verb and the words around it. None when nothing is left, when
/// it is too long to be a name, or when the words ask for any one of a kind ("a browser").
pub fn phrase_of(heard: &str, verbs: &[&str]) -> Option<String> {
    let words: Vec<&str> = heard.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| !LEAD.contains(w) && !verbs.contains(w))?;
    if start > 0 && ANY.contains(&words[start - 1]) {
        return None;
    }
    // "turn the garden lights on": a verb's particle ends the phrase too.
    let end = words
        .iter()
        .rposition(|w| !TAIL.contains(w) && !verbs.contains(w))
        .map_or(words.len(), |i| i + 1);
    let phrase = words.get(start..end)?;
    (!phrase.is_empty() && phrase.len() <= 4).then(|| phrase.join(" "))
}

/// The phrase a request the engine corrected ("turn on the printer thing", understood as
/// printing) teaches once its change goes through, when the user confirms the corrected
/// reading: its words for the program or service, when they are not just a spelling of
/// its name ("fierfox", "blue tooth") and the reading is the rules', not a model's guess.
pub(crate) fn corrected(interp: &Interpretation) -> Option<Word> {
    let corrected = interp
        .notes
        .iter()
        .any(|n| matches!(n, luminous_intent::Note::Corrected { .. }));
    if !corrected || !teaches(interp.intent) || crate::advice::is_guess(interp) {
        return None;
    }
    let (slot, value) = taught_slot(&interp.slots)?;
    let phrase = phrase_of(&interp.heard, words::verbs(interp.intent))?;
    let letters = |t: &str| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
    let spelling = strsim::normalized_damerau_levenshtein(&letters(&phrase), &letters(value));
    (spelling < SPELLING).then(|| Word {
        phrase,
        slot: slot.into(),
        value: value.clone(),
    })
}

/// Words at least this alike (letters only) to the name they were corrected to are a
/// spelling of it, not a phrase of the user's: "fierfox" is 0.86 alike to "firefox", "the
/// printer thing" 0.67 to "printing".
const SPELLING: f64 = 0.75;

/// The request with the first learned phrase it holds (the longest first, whole words
/// only) put as its value: "remove my browser" becomes "remove firefox". None when it holds
/// none.
pub fn apply<'w>(text: &str, words: &'w [Word]) -> Option<(String, &'w Word)> {
    let tokens = normalize(text).tokens;
    let mut by_length: Vec<&Word> = words
        .iter()
        .filter(|w| w.slot == "package" || w.slot == "service")
        .collect();
    by_length.sort_by_key(|w| std::cmp::Reverse(w.phrase.split_whitespace().count()));
    for w in by_length {
        let phrase: Vec<&str> = w.phrase.split_whitespace().collect();
        if phrase.is_empty() || phrase.len() > tokens.len() {
            continue;
        }
        if let Some(at) = (0..=tokens.len() - phrase.len()).find(|&i| {
            tokens[i..i + phrase.len()]
                .iter()
                .zip(&phrase)
                .all(|(a, b)| a == b)
        }) {
            let mut out: Vec<&str> = tokens[..at].iter().map(String::as_str).collect();
            out.push(&w.value);
            out.extend(tokens[at + phrase.len()..].iter().map(String::as_str));
            return Some((out.join(" "), w));
        }
    }
    None
}

/// The phrase as said back to the user: "my browser" is "your browser", "net thing" is
/// "the net thing".
pub fn said_back(phrase: &str) -> String {
    let words: Vec<&str> = phrase
        .split_whitespace()
        .map(|w| match w {
            "my" | "our" => "your",
            "mine" | "ours" => "yours",
            "i" | "me" | "we" | "us" => "you",
            other => other,
        })
        .collect();
    let owned = ["your", "his", "her", "their", "the", "this", "that"];
    match words.first() {
        Some(first) if !owned.contains(first) => format!("the {}", words.join(" ")),
        _ => words.join(" "),
    }
}

/// True for the kinds of request whose program or service a clarification may teach a
/// phrase for.
pub fn teaches(intent: IntentKind) -> bool {
    matches!(
        intent,
        IntentKind::InstallPackage
            | IntentKind::RemovePackage
            | IntentKind::TryPackage
            | IntentKind::EnableService
            | IntentKind::DisableService
    )
}

/// The slot a chosen reading teaches a phrase for, and its value: its program, else its
/// service.
pub fn taught_slot(slots: &luminous_intent::Slots) -> Option<(&'static str, &String)> {
    slots
        .get("package")
        .map(|v| ("package", v))
        .or_else(|| slots.get("service").map(|v| ("service", v)))
}

/// What a learned word stands for, as said to the user: a program's name, or a service's.
pub(crate) fn meaning(w: &Word, index: &luminous_intent::PackageIndex) -> String {
    match w.slot.as_str() {
        "service" => luminous_intent::services::find(&w.value)
            .map_or_else(|| w.value.clone(), |s| s.spoken.to_owned()),
        _ => words::name_of(&w.value, index),
    }
}

/// The reply to a question about the user's own words, or to forgetting them, and what the
/// host must do (forget them in the store).
pub(crate) fn reply(interp: &Interpretation, ctx: &Context<'_>) -> (String, Action) {
    if interp.slots.get("action").map(String::as_str) == Some("teach") {
        return teach(interp, ctx);
    }
    let slot = |k: &str| interp.slots.get(k).map(String::as_str);
    let phrase = slot("phrase").unwrap_or_default();
    let bare = |p: &str| p.strip_prefix("the ").unwrap_or(p).to_owned();
    let known = ctx
        .vocabulary
        .iter()
        .find(|w| bare(&w.phrase) == bare(phrase));
    let back = said_back(phrase);
    match (slot("action"), known) {
        (Some("forget_all"), _) => {
            let text = match ctx.vocabulary.len() {
                0 => "I have not learned any words of yours.".to_owned(),
                1 => "I have forgotten the one word of yours I learned.".to_owned(),
                n => format!("I have forgotten the {n} words of yours I learned."),
            };
            (text, Action::Forget { phrase: None })
        }
        (Some("forget"), Some(w)) => (
            format!(
                "I have forgotten that {back} means {}.",
                meaning(w, ctx.index)
            ),
            Action::Forget {
                phrase: Some(w.phrase.clone()),
            },
        ),
        (Some("forget"), None) => (
            format!("I had not learned what {back} means."),
            Action::None,
        ),
        (_, Some(w)) => (
            format!(
                "{} means {}.",
                words::capitalised(&back),
                meaning(w, ctx.index)
            ),
            Action::None,
        ),
        (_, None) => (
            format!(
                "I have not learned what {back} means. When you tell me which program or service you mean, I remember it."
            ),
            Action::None,
        ),
    }
}

/// "when I say my browser I mean chromium": learned at once, unless the phrase means something else
/// already; then asked first (a one-option question whose yes is [`taught`]).
fn teach(interp: &Interpretation, ctx: &Context<'_>) -> (String, Action) {
    let slot = |k: &str| interp.slots.get(k).cloned().unwrap_or_default();
    let word = Word {
        phrase: slot("phrase"),
        slot: "package".into(),
        value: slot("package"),
    };
    let back = said_back(&word.phrase);
    let name = words::name_of(&word.value, ctx.index);
    match ctx
        .vocabulary
        .iter()
        .find(|w| w.phrase == word.phrase && w.slot == word.slot)
    {
        Some(w) if w.value == word.value => (
            format!("{} means {name} already.", words::capitalised(&back)),
            Action::None,
        ),
        Some(w) => (
            format!(
                "{} means {} now. Shall it mean {name} instead? Say yes or no.",
                words::capitalised(&back),
                words::name_of(&w.value, ctx.index)
            ),
            Action::Choose {
                options: vec![luminous_intent::Candidate {
                    intent: IntentKind::Vocabulary,
                    slots: interp.slots.clone(),
                }],
            },
        ),
        None => taught(&interp.slots, ctx),
    }
}

/// The phrase in `slots` learned as what the user said it means.
pub(crate) fn taught(slots: &luminous_intent::Slots, ctx: &Context<'_>) -> (String, Action) {
    let slot = |k: &str| slots.get(k).cloned().unwrap_or_default();
    let word = Word {
        phrase: slot("phrase"),
        slot: "package".into(),
        value: slot("package"),
    };
    (
        format!(
            "I will remember that {} means {}.",
            said_back(&word.phrase),
            words::name_of(&word.value, ctx.index)
        ),
        Action::Learn { word },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(phrase: &str, value: &str) -> Word {
        Word {
            phrase: phrase.into(),
            slot: "package".into(),
            value: value.into(),
        }
    }

    #[test]
    fn the_phrase_is_what_the_request_named() {
        let verbs = ["install", "add", "get", "put"];
        for (heard, phrase) in [
            ("install my browser", Some("my browser")),
            (
                "could you install the zoom thing please",
                Some("zoom thing"),
            ),
            ("i want to get my usual editor now", Some("my usual editor")),
            ("install a web browser", None),
            ("install", None),
            ("install a b c d e f", None),
        ] {
            assert_eq!(phrase_of(heard, &verbs).as_deref(), phrase, "{heard}");
        }
    }

    #[test]
    fn a_learned_phrase_stands_for_its_value_as_whole_words() {
        let words = [w("browser", "chromium"), w("my browser", "firefox")];
        assert_eq!(
            apply("Remove my browser, please", &words).map(|(t, w)| (t, w.value.clone())),
            Some(("remove firefox".into(), "firefox".into()))
        );
        assert_eq!(
            apply("remove my browsers", &[w("my browser", "firefox")]),
            None
        );
        assert_eq!(apply("install vlc", &words), None);
        assert_eq!(said_back("my browser"), "your browser");
        assert_eq!(said_back("our family browser"), "your family browser");
        assert_eq!(said_back("net thing"), "the net thing");
    }
}
