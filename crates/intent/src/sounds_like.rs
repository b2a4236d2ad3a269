//! What else the user may have said: sentences that sound like what speech recognition heard
//! and that the rules understand, made by putting a name or a command word that sounds alike
//! (Double Metaphone) in place of one to three heard words: "I need good" gives "I need
//! gimp", "revealed the system" gives "rebuild the system". Pure: the caller has speech
//! recognition score each against the audio and takes one only when it fits the sound about
//! as well as what was heard.

use std::sync::OnceLock;

use rphonetic::DoubleMetaphone;

use crate::{ACT_THRESHOLD, IntentKind, Interpretation, PackageIndex};

/// A sentence that may have been said instead, and how the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// The sentence.
    pub text: String,
    /// How alike the replaced words and the new ones sound, 0 to 1 (for a sentence heard
    /// again, the whole of it against what was heard).
    pub likeness: f32,
    /// The rules' reading of it.
    pub interpretation: Interpretation,
    /// Other ways speech recognition may write the same sentence (the name put in as a name
    /// is written, "Docker", "VLC"), to be weighed with it: whisper's likelihood of a text
    /// depends on its capitals and punctuation as much as on its words.
    pub spellings: Vec<String>,
}

/// A word or name to put in, with its sound.
struct Term {
    text: String,
    sound: String,
}

fn encoder() -> &'static DoubleMetaphone {
    static DM: OnceLock<DoubleMetaphone> = OnceLock::new();
    DM.get_or_init(|| DoubleMetaphone::new(Some(24)))
}

/// The sound of some words: each word's Double Metaphone code, run together. Only ASCII
/// letters are given to the encoder (it panics inside other characters): "déjà" sounds as
/// "dj".
pub fn sound_of(words: &str) -> String {
    words
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(|w| encoder().double_metaphone(w).primary())
        .collect()
}

/// The names people say: the curated programs' names and the names people say for them, and
/// the services' names.
fn names() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in crate::curated_packages() {
        names.push(p.pname);
        names.extend(p.aliases);
    }
    for s in crate::services::SERVICES {
        names.extend(s.aliases.iter().map(|a| (*a).to_owned()));
    }
    names
}

/// Everything that can be put in: the rules' own words, the curated programs' names and the
/// names people say for them, and the services' names.
fn terms() -> &'static [Term] {
    static TERMS: OnceLock<Vec<Term>> = OnceLock::new();
    TERMS.get_or_init(|| {
        let mut texts: Vec<String> = crate::interpret::command_words().cloned().collect();
        texts.extend(names());
        for t in &mut texts {
            *t = t.to_lowercase();
        }
        texts.sort_unstable();
        texts.dedup();
        texts
            .into_iter()
            .filter_map(|text| {
                let sound = sound_of(&text);
                (sound.len() >= 2).then_some(Term { text, sound })
            })
            .collect()
    })
}

/// Every word a request to Luminous is made of, lower case: the words of the rules' templates
/// and examples, the politeness and fillers people wrap requests in, the curated programs'
/// names and the names people say for them, and the services' names. Speech recognition may
/// be kept within it (decoding again with words outside it made unlikely) to hear a name it
/// would otherwise turn into everyday words.
pub fn spoken_vocabulary() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut texts: Vec<String> = crate::interpret::template_words().to_vec();
        for spec in crate::registry::REGISTRY {
            texts.extend(spec.examples.iter().map(|(e, _)| (*e).to_owned()));
        }
        texts.extend(crate::normalize::FILLER_PHRASES.iter().map(|p| p.join(" ")));
        texts.extend(
            crate::normalize::FILLER_WORDS
                .iter()
                .chain(crate::normalize::HESITATIONS)
                .map(|w| (*w).to_owned()),
        );
        texts.extend(names());
        texts.extend(crate::services::SERVICES.iter().map(|s| s.id.to_owned()));
        let mut words: Vec<String> = texts
            .iter()
            .flat_map(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '\'')))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    })
}

/// How alike two sounds are: 1 minus their edit distance over the longer one's length.
pub fn likeness(a: &str, b: &str) -> f32 {
    let longest = a.len().max(b.len()).max(1);
    1.0 - strsim::osa_distance(a, b) as f32 / longest as f32
}

/// Whether a reading is one to act on or ask about as it is: a request the rules are sure of,
/// its program (when it has one) a top-level package rather than one found inside a package
/// set ("rPackages.good" for "I need good").
pub fn is_sure(i: &Interpretation) -> bool {
    let nested = i.slots.get("package").is_some_and(|p| p.contains('.'));
    is_answer(i.intent)
        || (i.intent != IntentKind::Unknown && i.confidence >= ACT_THRESHOLD && !nested)
}

/// An answer to a question (or asking for it again), never made out of other words.
fn is_answer(intent: IntentKind) -> bool {
    matches!(
        intent,
        IntentKind::Confirm | IntentKind::Cancel | IntentKind::Repeat
    )
}

/// Sounds at least this alike are tried. At two thirds, a one-letter difference in a
/// three-letter sound, whisper's guesses and the names put in agree too often by chance
/// ("K. Then" and "python", "Cubed" and "bat") for a confused transcript to be worth fixing.
const ALIKE: f32 = 0.7;

/// At most this many sentences are read by the rules, most alike first.
const TRIED: usize = 60;

/// The curated packages, against which alternatives are read: every name put in is one of
/// theirs, and reading against them is fast (the full index is read once, for `heard`).
fn curated() -> &'static PackageIndex {
    static CURATED: OnceLock<PackageIndex> = OnceLock::new();
    CURATED.get_or_init(crate::curated_index)
}

/// Sentences like `heard` that the rules are sure of where they are not sure of `heard` (read
/// against `index`), most alike first, one a reading, at most `limit`. Empty when `heard` is
/// already sure, or is an answer (a yes is never made out of anything else).
pub fn alternatives(heard: &str, index: &PackageIndex, limit: usize) -> Vec<Alternative> {
    if is_sure(&crate::interpret(heard, index)) {
        return Vec::new();
    }
    alternatives_to(heard, limit)
}

/// Sentences like `heard` that the rules are sure of, most alike first, one a reading, at
/// most `limit`, whatever the rules make of `heard` itself.
pub fn alternatives_to(heard: &str, limit: usize) -> Vec<Alternative> {
    let words: Vec<&str> = heard.split_whitespace().collect();
    let mut tries: Vec<(f32, usize, usize, &Term)> = Vec::new();
    for start in 0..words.len() {
        for len in 1..=3.min(words.len() - start) {
            let sound = sound_of(&words[start..start + len].join(" "));
            if sound.len() < 2 {
                continue;
            }
            for t in terms() {
                if t.sound.len().abs_diff(sound.len()) > 3 {
                    continue;
                }
                let l = likeness(&sound, &t.sound);
                if l >= ALIKE {
                    tries.push((l, start, len, t));
                }
            }
        }
    }
    tries.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<Alternative> = Vec::new();
    for (l, start, len, t) in tries.into_iter().take(TRIED) {
        let replaced = &words[start..start + len];
        let mut spellings = spelt(&t.text, replaced).into_iter().map(|term| {
            let mut text: Vec<&str> = words[..start].to_vec();
            text.push(&term);
            text.extend(&words[start + len..]);
            text.join(" ")
        });
        let Some(text) = spellings.next() else {
            continue;
        };
        if let Some(mut a) = taken(text, l, &out) {
            a.spellings = spellings.collect();
            out.push(a);
            if out.len() >= limit {
                break;
            }
        }
    }
    out
}

/// `text` as an alternative (its sound `likeness` alike) beside those in `so_far`: when the
/// rules, reading it against the curated programs, are sure of it, it is not an answer, and
/// none of `so_far` reads the same.
pub fn taken(text: String, likeness: f32, so_far: &[Alternative]) -> Option<Alternative> {
    let i = crate::interpret(&text, curated());
    let same = so_far
        .iter()
        .any(|a| a.interpretation.intent == i.intent && a.interpretation.slots == i.slots);
    (is_sure(&i) && !same && !is_answer(i.intent)).then_some(Alternative {
        text,
        likeness,
        interpretation: i,
        spellings: Vec::new(),
    })
}

/// How `term` may be written in place of the heard words `replaced`, as speech recognition
/// writes names: with the punctuation that followed them, as it is or with every word
/// capitalised ("Obs Studio"), and in capitals ("VLC") when short and they were capitalised.
fn spelt(term: &str, replaced: &[&str]) -> Vec<String> {
    let last = replaced.last().copied().unwrap_or("");
    let mark = &last[last.trim_end_matches(|c: char| !c.is_alphanumeric()).len()..];
    let capital = replaced
        .first()
        .and_then(|w| w.chars().next())
        .is_some_and(char::is_uppercase);
    let titled: String = term
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = vec![format!("{term}{mark}"), format!("{titled}{mark}")];
    if capital && !term.contains(' ') && term.chars().count() <= 4 {
        out.push(format!("{}{mark}", term.to_uppercase()));
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PackageIndex {
        crate::curated_index()
    }

    #[test]
    fn misheard_names_and_words_are_offered_as_they_sound() {
        let idx = index();
        for (heard, wanted) in [
            ("Let me try out LENDER.", "blender"),
            ("Try Cauce.", "cowsay"),
            ("Get me found a bird.", "thunderbird"),
        ] {
            let alts = alternatives(heard, &idx, 8);
            assert!(
                alts.iter()
                    .any(|a| a.interpretation.slots.values().any(|v| v == wanted)),
                "{heard}: {:?}",
                alts.iter().map(|a| &a.text).collect::<Vec<_>>()
            );
        }
        let alts = alternatives("Revealed the system.", &idx, 5);
        assert!(
            alts.iter()
                .any(|a| a.interpretation.intent == IntentKind::RebuildSystem),
            "{:?}",
            alts.iter().map(|a| &a.text).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_spoken_vocabulary_has_the_rules_words_names_services_and_fillers() {
        let v = spoken_vocabulary();
        for w in [
            "install",
            "rid",
            "neovim",
            "studio",
            "bluetooth",
            "please",
            "computer",
        ] {
            assert!(v.iter().any(|x| x == w), "{w} missing");
        }
        assert!(
            v.iter()
                .all(|w| !w.is_empty() && *w == w.to_lowercase() && !w.contains(' ')),
            "{v:?}"
        );
    }

    #[test]
    fn a_name_is_written_as_the_words_it_replaces_were() {
        assert_eq!(spelt("docker", &["Darker."]), ["docker.", "Docker."]);
        assert_eq!(
            spelt("obs studio", &["up", "to", "Studio,"]),
            ["obs studio,", "Obs Studio,"]
        );
        assert_eq!(spelt("neovim", &["oven?"]), ["neovim?", "Neovim?"]);
        assert_eq!(spelt("vlc", &["L.", "C."]), ["vlc.", "Vlc.", "VLC."]);
    }

    #[test]
    fn a_sound_only_two_thirds_alike_is_not_put_in() {
        let idx = index();
        for (heard, not) in [
            ("Install K. Then Live.", "python3"),
            ("Remove, Cubed, Orient.", "bat"),
        ] {
            let alts = alternatives(heard, &idx, 8);
            assert!(
                !alts
                    .iter()
                    .any(|a| a.interpretation.slots.values().any(|v| v == not)),
                "{heard}: {:?}",
                alts.iter().map(|a| &a.text).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn what_is_already_understood_or_an_answer_gets_none() {
        let idx = index();
        for heard in [
            "install firefox",
            "remove vlc",
            "yes",
            "no",
            "cancel",
            "say that again",
        ] {
            assert!(alternatives(heard, &idx, 5).is_empty(), "{heard}");
        }
    }

    #[test]
    fn no_alternative_is_an_answer() {
        let idx = index();
        for heard in ["Yellow.", "Noted.", "Nah, man.", "Cancer."] {
            for a in alternatives(heard, &idx, 10) {
                assert!(
                    !matches!(
                        a.interpretation.intent,
                        IntentKind::Confirm | IntentKind::Cancel | IntentKind::Repeat
                    ),
                    "{heard} -> {}",
                    a.text
                );
            }
        }
    }
}
