//! How an answer to a yes/no question is read. Pure.
//!
//! Only an answer that is wholly an affirmation is a yes: politeness, fillers and the pending
//! plan's own words ("yes, install it") aside, every word must affirm. A negation, a cancel
//! or stop word, a hesitation ("wait", "hold on", "maybe", "not sure"), a question, or any
//! other content makes it something else. The answer is cut into phrases of known classes
//! (longest first); a word of no class is "other content".

use serde::{Deserialize, Serialize};

use crate::normalize::normalize;

/// What an answer to a yes/no question says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Wholly an affirmation.
    Yes,
    /// A refusal or a cancel, with nothing affirming in it.
    No,
    /// A question about what was asked ("what will that do?", "tell me more").
    Question,
    /// Mixed, hesitant, or about something else.
    Unclear,
}

impl Answer {
    /// The snake_case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Question => "question",
            Answer::Unclear => "unclear",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// "yes", "sure", "okay": an affirming interjection.
    Affirm,
    /// "go ahead", "do it", "proceed": an affirmation that names doing it, which a negation
    /// before it turns around ("don't go ahead").
    Act,
    Negate,
    Cancel,
    Hesitate,
    Question,
    Filler,
    /// "I", "we": the speaker naming themselves, which says nothing on its own.
    Speaker,
    Echo,
    Other,
}

/// Phrases by class; each is a sequence of normalised tokens (contractions expanded, number
/// words as digits: "second" is "2nd"). Longer phrases win over their parts.
const PHRASES: &[(Class, &[&str])] = &[
    // Hesitations that contain a negation or an affirmation: they must win over their parts.
    (Class::Hesitate, &["not", "sure"]),
    (Class::Hesitate, &["not", "yet"]),
    (Class::Hesitate, &["i", "do", "not", "know"]),
    (Class::Hesitate, &["do", "not", "know"]),
    (Class::Hesitate, &["no", "idea"]),
    (Class::Hesitate, &["i", "think", "so"]),
    (Class::Hesitate, &["i", "guess"]),
    (Class::Hesitate, &["i", "suppose"]),
    (Class::Hesitate, &["i", "mean"]),
    (Class::Hesitate, &["hold", "on"]),
    (Class::Hesitate, &["hang", "on"]),
    (Class::Hesitate, &["let", "me", "think"]),
    (Class::Hesitate, &["kind", "of"]),
    (Class::Hesitate, &["sort", "of"]),
    (Class::Hesitate, &["in", "a", "bit"]),
    (Class::Hesitate, &["in", "a", "minute"]),
    (Class::Hesitate, &["in", "a", "moment"]),
    (Class::Hesitate, &["uh", "huh"]),
    (Class::Hesitate, &["mm", "hmm"]),
    // Refusals and cancels that contain an affirming phrase.
    (Class::Negate, &["do", "not", "do", "it"]),
    (Class::Negate, &["do", "not", "do", "that"]),
    (Class::Negate, &["do", "not", "go", "ahead"]),
    (Class::Negate, &["no", "way"]),
    (Class::Negate, &["rather", "not"]),
    (Class::Negate, &["better", "not"]),
    (Class::Cancel, &["never", "mind"]),
    (Class::Cancel, &["forget", "it"]),
    (Class::Cancel, &["forget", "about", "it"]),
    (Class::Cancel, &["forget", "that"]),
    (Class::Cancel, &["leave", "it"]),
    (Class::Cancel, &["drop", "it"]),
    (Class::Cancel, &["do", "not", "bother"]),
    (Class::Cancel, &["no", "need"]),
    (Class::Cancel, &["changed", "my", "mind"]),
    // Affirmations of more than one word.
    (Class::Act, &["go", "ahead"]),
    (Class::Act, &["go", "on"]),
    (Class::Act, &["go", "for", "it"]),
    (Class::Act, &["do", "it"]),
    (Class::Act, &["do", "that"]),
    (Class::Act, &["do", "so"]),
    (Class::Act, &["please", "do"]),
    (Class::Affirm, &["sounds", "good"]),
    (Class::Affirm, &["sounds", "great"]),
    (Class::Affirm, &["of", "course"]),
    (Class::Affirm, &["all", "right"]),
    (Class::Affirm, &["that", "is", "right"]),
    (Class::Affirm, &["that", "is", "correct"]),
    (Class::Affirm, &["that", "is", "fine"]),
    (Class::Affirm, &["that", "is", "ok"]),
    (Class::Affirm, &["that", "is", "okay"]),
    (Class::Affirm, &["i", "am", "sure"]),
    (Class::Affirm, &["i", "do"]),
    (Class::Affirm, &["i", "agree"]),
    (Class::Affirm, &["i", "confirm"]),
    (Class::Affirm, &["let", "us", "do", "it"]),
    (Class::Affirm, &["let", "us", "go"]),
    (Class::Affirm, &["lets", "do", "it"]),
    (Class::Affirm, &["lets", "go"]),
    (Class::Affirm, &["make", "it", "so"]),
    (Class::Act, &["carry", "on"]),
    (Class::Affirm, &["sure", "thing"]),
    (Class::Affirm, &["you", "bet"]),
    (Class::Affirm, &["by", "all", "means"]),
    (Class::Affirm, &["for", "sure"]),
    // Questions.
    (Class::Question, &["tell", "me"]),
    (Class::Question, &["more", "detail"]),
    (Class::Question, &["more", "details"]),
    (Class::Question, &["more", "information"]),
    (Class::Question, &["more", "info"]),
    (Class::Question, &["say", "more"]),
    (Class::Question, &["what", "happens"]),
    // Fillers and politeness.
    (Class::Filler, &["thank", "you"]),
    (Class::Filler, &["very", "much"]),
    (Class::Filler, &["i", "said"]),
    (Class::Filler, &["right", "away"]),
    (Class::Filler, &["right", "now"]),
];

const AFFIRM: &[&str] = &[
    "yes",
    "yess",
    "yeah",
    "yea",
    "yep",
    "yup",
    "yah",
    "ya",
    "aye",
    "sure",
    "surely",
    "ok",
    "okay",
    "okey",
    "alright",
    "affirmative",
    "correct",
    "right",
    "absolutely",
    "certainly",
    "definitely",
    "indeed",
    "confirmed",
    "agreed",
    "fine",
];

/// Single words that affirm by naming the doing of it.
const ACT: &[&str] = &["go", "proceed", "continue", "confirm"];

const NEGATE: &[&str] = &[
    "no", "nope", "nah", "naw", "not", "never", "negative", "nay", "dont", "cant", "wont", "didnt",
    "shouldnt", "wouldnt", "couldnt", "isnt", "aint",
];

const CANCEL: &[&str] = &[
    "cancel",
    "cancelled",
    "canceled",
    "stop",
    "abort",
    "quit",
    "exit",
    "halt",
    "skip",
    "forget",
    "nevermind",
    "enough",
];

const HESITATE: &[&str] = &[
    "wait", "hold", "hang", "maybe", "perhaps", "possibly", "probably", "unsure", "think",
    "thinking", "guess", "suppose", "moment", "minute", "sec", "2nd", "later", "1st", "first",
    "before", "after", "actually", "but", "though", "however", "although", "hmm", "hm", "mm",
    "mmm", "huh", "if", "unless", "except", "almost", "soon", "tomorrow", "whatever",
];

const QUESTION: &[&str] = &[
    "what", "why", "how", "which", "who", "whom", "whose", "when", "where", "explain", "details",
    "detail", "help",
];

/// Auxiliaries that open a yes/no question when a subject follows ("is it safe", "will that
/// take long"); "do it" is an affirmation, so it is matched as a phrase first.
const AUXILIARIES: &[&str] = &[
    "is", "are", "does", "do", "did", "will", "would", "can", "could", "should", "shall", "was",
    "has", "have",
];
const SUBJECTS: &[&str] = &[
    "it", "that", "this", "i", "you", "we", "they", "there", "the", "my", "he", "she",
];

const FILLER: &[&str] = &[
    "please", "pls", "plz", "thanks", "thank", "um", "umm", "uh", "uhh", "er", "erm", "ah", "oh",
    "well", "so", "now", "then", "just", "and", "hey", "hi", "sir", "madam", "maam", "mate",
    "luminous", "nix", "the", "a", "an", "really", "very", "much", "cheers",
];

/// Words that stand for the thing asked about, in any plan ("yes, do it now").
const PRONOUNS: &[&str] = &["it", "that", "this", "them", "both"];

fn single(word: &str) -> Class {
    let w = word;
    if AFFIRM.contains(&w) {
        Class::Affirm
    } else if ACT.contains(&w) {
        Class::Act
    } else if NEGATE.contains(&w) || w.ends_with("n't") {
        Class::Negate
    } else if CANCEL.contains(&w) {
        Class::Cancel
    } else if HESITATE.contains(&w) {
        Class::Hesitate
    } else if QUESTION.contains(&w) {
        Class::Question
    } else if FILLER.contains(&w) {
        Class::Filler
    } else if PRONOUNS.contains(&w) {
        Class::Echo
    } else if matches!(w, "i" | "we") {
        Class::Speaker
    } else {
        Class::Other
    }
}

/// The answer's phrases, by class, in order.
fn phrases(tokens: &[String], echo: &[String]) -> Vec<Class> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // "do not", "will not", "can not": an auxiliary with its negation is a negation.
        if AUXILIARIES.contains(&tokens[i].as_str())
            && tokens.get(i + 1).is_some_and(|t| t == "not")
            && !tokens
                .get(i + 2)
                .is_some_and(|t| t == "sure" || t == "know")
        {
            out.push(Class::Negate);
            i += 2;
            continue;
        }
        // A phrase followed by "not" is not that phrase: "I do not want it" is no "I do".
        let longest = PHRASES
            .iter()
            .filter(|(_, p)| {
                i + p.len() <= tokens.len()
                    && tokens[i..i + p.len()]
                        .iter()
                        .zip(p.iter())
                        .all(|(a, b)| a == b)
                    && tokens.get(i + p.len()).is_none_or(|t| t != "not")
            })
            .max_by_key(|(_, p)| p.len());
        match longest {
            Some((class, p)) => {
                out.push(*class);
                i += p.len();
            }
            None => {
                let t = tokens[i].as_str();
                let class = match single(t) {
                    // The plan's own words ("install", "firefox") stand for it.
                    Class::Other if echo.iter().any(|e| e == t) => Class::Echo,
                    c => c,
                };
                out.push(class);
                i += 1;
            }
        }
    }
    // A negation turns the doing it governs around ("not install it", "don't go ahead"),
    // but not an interjection after it ("no, yes" corrects itself: mixed).
    for j in 1..out.len() {
        if out[j - 1] == Class::Negate && matches!(out[j], Class::Act | Class::Echo) {
            out[j] = Class::Negate;
        }
    }
    out
}

/// An answer, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// What it says.
    pub answer: Answer,
    /// True when it holds words that are not answer words, fillers or the plan's own words
    /// ("what is installed" has; "why?" has not).
    pub has_content: bool,
}

/// Read `text` as an answer to a yes/no question about a plan whose own words are `echo`
/// (its verbs and the names of what it changes, lowercase: "install", "firefox").
pub fn classify(text: &str, echo: &[&str]) -> Answer {
    read(text, echo).answer
}

/// [`classify`], with whether the answer says something of its own.
pub fn read(text: &str, echo: &[&str]) -> Reading {
    let (answer, has_content) = read_words(text, echo);
    Reading {
        answer,
        has_content,
    }
}

fn read_words(text: &str, echo: &[&str]) -> (Answer, bool) {
    let tokens: Vec<String> = normalize(text)
        .raw
        .into_iter()
        // "dont", "i'm" typed without an apostrophe are still what they say.
        .map(|t| t.replace('\'', ""))
        .collect();
    if tokens.is_empty() {
        return (Answer::Unclear, false);
    }
    let echo: Vec<String> = echo
        .iter()
        .flat_map(|e| e.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let classes = phrases(&tokens, &echo);
    let has = |c: Class| classes.contains(&c);
    let other = has(Class::Other);
    (decide(text, &tokens, &classes), other)
}

fn decide(text: &str, tokens: &[String], classes: &[Class]) -> Answer {
    let has = |c: Class| classes.contains(&c);
    let aux_question = tokens.len() >= 2
        && AUXILIARIES.contains(&tokens[0].as_str())
        && SUBJECTS.contains(&tokens[1].as_str())
        && !matches!(classes.first(), Some(Class::Affirm | Class::Act));
    if text.contains('?') || has(Class::Question) || aux_question {
        return Answer::Question;
    }
    if has(Class::Hesitate) {
        return Answer::Unclear;
    }
    let refuses = has(Class::Negate) || has(Class::Cancel);
    let affirms = has(Class::Affirm) || has(Class::Act);
    // "yes, I ..." is not wholly an affirmation.
    let other = has(Class::Other) || has(Class::Speaker);
    match (affirms, refuses, other) {
        (true, false, false) => Answer::Yes,
        (false, true, false) => Answer::No,
        // "no, I changed my plans", "I don't want that": a refusal first (after the speaker
        // naming themselves), then words of its own.
        (false, true, true)
            if classes
                .iter()
                .find(|c| !matches!(c, Class::Filler | Class::Speaker))
                .is_some_and(|c| matches!(c, Class::Negate | Class::Cancel)) =>
        {
            Answer::No
        }
        _ => Answer::Unclear,
    }
}

/// Whether this one word says yes on its own ("Yeah", "okay", "proceed"), as speech
/// recognition wrote it.
pub fn is_affirming_word(word: &str) -> bool {
    normalize(word)
        .raw
        .iter()
        .any(|t| matches!(single(&t.replace('\'', "")), Class::Affirm | Class::Act))
}

/// `text` without the answer words it starts with ("no, install chromium" gives
/// "install chromium"), for reading what follows as a request of its own.
pub fn after_answer_words(text: &str) -> String {
    let tokens = normalize(text).raw;
    let skip = tokens
        .iter()
        .take_while(|t| {
            matches!(
                single(&t.replace('\'', "")),
                Class::Affirm
                    | Class::Act
                    | Class::Negate
                    | Class::Hesitate
                    | Class::Filler
                    | Class::Cancel
            )
        })
        .count();
    tokens[skip..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_classes() {
        let echo = ["install", "firefox"];
        for (text, want) in [
            ("yes", Answer::Yes),
            ("Yes, install Firefox.", Answer::Yes),
            ("don't install it", Answer::No),
            ("not firefox", Answer::No),
            ("yes, don't", Answer::Unclear),
            ("yes install chromium", Answer::Unclear),
            ("no, I changed my plans", Answer::No),
            ("is that all?", Answer::Question),
            ("will it take long", Answer::Question),
            ("do it", Answer::Yes),
            ("", Answer::Unclear),
            ("I am not sure", Answer::Unclear),
        ] {
            assert_eq!(classify(text, &echo), want, "{text:?}");
        }
        assert_eq!(
            after_answer_words("no, wait, install chromium"),
            "install chromium"
        );
        assert_eq!(after_answer_words("yes"), "");
    }
}
