//! What the conversation remembers between turns: the programs the last replies mentioned
//! ("install it", "remove that one", "the second one", "what does that do") and how the
//! last request was understood ("why?"). Pure.

use luminous_intent::normalize::normalize;
use luminous_intent::{IntentKind, Interpretation, Note, PackageIndex};

use crate::words;

/// A turn that refers back to an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Back {
    /// "why?": how the last request was understood.
    Why,
    /// "what does that do": the description of what was just mentioned (all of it, or the
    /// one at this position: "what does the second one do").
    Describe(Option<usize>),
    /// "install it", "remove the second one": the request with the program put in.
    Request(String),
}

/// Words that stand for a program just mentioned (as normalised: "the second one" is "the
/// 2nd 1"), with the position among those mentioned.
const POINTERS: &[(&[&str], usize)] = &[
    (&["it"], 0),
    (&["that"], 0),
    (&["this"], 0),
    (&["that", "1"], 0),
    (&["this", "1"], 0),
    (&["the", "same"], 0),
    (&["the", "1st", "1"], 0),
    (&["the", "1st"], 0),
    (&["the", "2nd", "1"], 1),
    (&["the", "2nd"], 1),
    (&["the", "3rd", "1"], 2),
    (&["the", "3rd"], 2),
    (&["the", "last", "1"], usize::MAX),
    (&["the", "last"], usize::MAX),
];

/// Verbs that a pointer may follow.
const VERBS: &[&str] = &[
    "install",
    "add",
    "remove",
    "uninstall",
    "delete",
    "try",
    "get",
];

/// What `text` refers back to, given the programs `mentioned` last (best first).
pub fn refers_back(text: &str, mentioned: &[String]) -> Option<Back> {
    let tokens = normalize(text).tokens;
    let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match t.as_slice() {
        ["why"]
        | ["why", "that"]
        | ["why", "is", "that"]
        | ["how", "come"]
        | ["why", "did", "you", "say", "that"]
        | ["why", "did", "you", "do", "that"] => {
            return Some(Back::Why);
        }
        ["what", "does", "that" | "it" | "this", "do"]
        | ["what", "is", "that" | "it" | "this"]
        | ["what", "is", "that", "1"]
        | ["tell", "me", "about", "it" | "that" | "this" | "them"]
        | ["what", "do", "they", "do"]
        | ["what", "are", "they"] => {
            return (!mentioned.is_empty()).then_some(Back::Describe(None));
        }
        _ => {}
    }
    // "what does the second one do", "what is the first one".
    let pointed = match t.as_slice() {
        ["what", "does", rest @ .., "do"] | ["what", "is", rest @ ..] => {
            POINTERS.iter().find(|(w, _)| *w == rest)
        }
        _ => None,
    };
    if let Some((_, at)) = pointed {
        let at = if *at == usize::MAX {
            mentioned.len().checked_sub(1)?
        } else {
            *at
        };
        return (at < mentioned.len()).then_some(Back::Describe(Some(at)));
    }
    let (verb, rest) = t.split_first()?;
    if !VERBS.contains(verb) || mentioned.is_empty() {
        return None;
    }
    let (_, at) = POINTERS.iter().find(|(words, _)| *words == rest)?;
    let attr = if *at == usize::MAX {
        mentioned.last()
    } else {
        mentioned.get(*at)
    }?;
    Some(Back::Request(format!("{verb} {attr}")))
}

/// "What does that do": each program mentioned (or the one at `at`), with its description.
pub fn describe(mentioned: &[String], at: Option<usize>, index: &PackageIndex) -> String {
    let mentioned = match at.and_then(|i| mentioned.get(i..=i)) {
        Some(one) => one,
        None => mentioned,
    };
    let one = |attr: &str| {
        let name = words::name_of(attr, index);
        match index.get(attr).map(|p| p.description.trim()) {
            Some(d) if !d.is_empty() => format!("{name}: {}.", d.trim_end_matches('.')),
            _ => format!("{name}: I have no description of it."),
        }
    };
    match mentioned {
        [only] => one(only),
        many => many
            .iter()
            .take(5)
            .enumerate()
            .map(|(n, a)| format!("{}, {}", n + 1, one(a)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// "Why?": what the last request was understood as, and how sure that was.
pub fn why(said: &str, last: &Interpretation, index: &PackageIndex) -> String {
    let said = said.trim();
    if last.intent == IntentKind::Unknown {
        return format!("You said \"{said}\", and no rule I know matched it, so I did not act.");
    }
    let what = match last.slots.get("package") {
        Some(p) => format!("{} {}", words::verb(last.intent), words::name_of(p, index)),
        None => words::intent_phrase(last.intent).to_owned(),
    };
    let how = if last.notes.iter().any(|n| matches!(n, Note::Guessed)) {
        "No rule matched, so that was the local model's guess, and I asked before doing anything."
            .to_owned()
    } else if last.confidence >= luminous_intent::ACT_THRESHOLD {
        format!("I was sure of it ({:.0} in 100).", last.confidence * 100.0)
    } else {
        format!(
            "I was not sure ({:.0} in 100), so I asked.",
            last.confidence * 100.0
        )
    };
    let corrected = last
        .notes
        .iter()
        .find_map(|n| match n {
            Note::Corrected { heard, meant } => Some(format!(
                " I took \"{heard}\" to mean {}.",
                words::name_of(meant, index)
            )),
            _ => None,
        })
        .unwrap_or_default();
    format!("You said \"{said}\". I understood: {what}.{corrected} {how}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_and_questions_refer_back_only_when_there_is_something() {
        let m = vec!["rhythmbox".to_owned(), "strawberry".to_owned()];
        for (said, back) in [
            (
                "install it",
                Some(Back::Request("install rhythmbox".into())),
            ),
            (
                "remove the second one",
                Some(Back::Request("remove strawberry".into())),
            ),
            (
                "try the last one",
                Some(Back::Request("try strawberry".into())),
            ),
            ("Why?", Some(Back::Why)),
            ("what does that do", Some(Back::Describe(None))),
            ("what does the second one do", Some(Back::Describe(Some(1)))),
            ("what is the first one", Some(Back::Describe(Some(0)))),
            ("install the third one", None),
            ("install firefox", None),
            ("why did my rebuild fail", None),
        ] {
            assert_eq!(refers_back(said, &m), back, "{said}");
        }
        assert_eq!(refers_back("install it", &[]), None);
        assert_eq!(refers_back("what does that do", &[]), None);
        assert_eq!(refers_back("why", &[]), Some(Back::Why));
    }
}
