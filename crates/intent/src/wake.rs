//! The wake phrase ("hey nix"), matched tolerantly on a transcript: speech recognition hears
//! it as "hey nicks", "hey next", "a nix". Pure.

use crate::normalize::normalize;

/// If `transcript` starts with the wake phrase, what follows it (possibly empty).
pub fn strip_wake(transcript: &str, phrase: &str) -> Option<String> {
    let heard = normalize(transcript).raw;
    let want = normalize(phrase).raw;
    if want.is_empty() || heard.is_empty() {
        return None;
    }
    let greeting = ["hey", "hi", "hay", "a", "ok", "okay", "hello", "heh"];
    let matches = heard.len() >= want.len()
        && heard.iter().zip(&want).all(|(h, w)| {
            h == w
                || (greeting.contains(&w.as_str()) && greeting.contains(&h.as_str()))
                || sounds_like(h, w)
        });
    if matches {
        return Some(heard[want.len()..].join(" "));
    }
    // A greeting run into the name ("kaynix", "canix" for "hey nix"): one word, the name
    // at its end after no more than three letters.
    if let [greet, name] = want.as_slice()
        && greeting.contains(&greet.as_str())
        && let Some(first) = heard.first()
        && let Some(at) = first
            .len()
            .checked_sub(name.len())
            .filter(|&n| (1..=3).contains(&n))
        && first.is_char_boundary(at)
        && sounds_like(&first[at..], name)
    {
        return Some(heard[1..].join(" "));
    }
    None
}

/// Sounds at least this alike (Double Metaphone, as in `sounds_like`) may be the wake
/// phrase misspelt: "Phoenix" and "hey nix" (FNKS, HNKS), "Hey Max" (HMKS). Whether it was
/// said is then for speech recognition to judge on the sound itself.
const CALLED_ALIKE: f32 = 0.7;

/// Where whisper's words may be the wake phrase misspelt: for each run of one to three
/// leading words of `transcript` that sounds like `phrase`, the transcript with the phrase in
/// their place, and the request after it (as [`strip_wake`] gives it). Empty when
/// [`strip_wake`] already finds the phrase. For speech recognition to score against the
/// sound: the text is written as whisper writes ("Hey Nix, roll back.").
pub fn called_like(transcript: &str, phrase: &str) -> Vec<(String, String)> {
    if strip_wake(transcript, phrase).is_some() {
        return Vec::new();
    }
    let want = crate::sounds_like::sound_of(phrase);
    if want.len() < 2 {
        return Vec::new();
    }
    let written = as_written(phrase);
    let words: Vec<&str> = transcript.split_whitespace().collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for k in 1..=words.len().min(3) {
        let sound = crate::sounds_like::sound_of(&words[..k].join(" "));
        if crate::sounds_like::likeness(&sound, &want) < CALLED_ALIKE {
            continue;
        }
        let rest = words[k..].join(" ");
        let text = if rest.is_empty() {
            format!("{written}.")
        } else {
            format!("{written}, {rest}")
        };
        if let Some(request) = strip_wake(&text, phrase)
            && !out.iter().any(|(t, _)| *t == text)
        {
            out.push((text, request));
        }
    }
    out
}

/// The wake phrase as whisper writes a greeting and a name, "Hey Nix": how whisper's prompt
/// spells it, and how it is scored in [`called_like`]'s texts.
pub fn as_written(phrase: &str) -> String {
    phrase
        .split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `heard` may be speech recognition's spelling of the wake word `want`. A short
/// word changes meaning with one sound ("nix" against "mix", "nice", "six", "I"), so it must
/// keep its consonants in order (a final "t" may be added: "next") and the kind of its first
/// vowel ("necks", never "knocks"); a long word only has to be about as long and close in
/// sound.
fn sounds_like(heard: &str, want: &str) -> bool {
    let (hn, wn) = (heard.chars().count(), want.chars().count());
    if wn >= 5 {
        // Not much shorter or longer ("come" is not "computer"), and close in sound.
        return hn.min(wn) * 10 >= hn.max(wn) * 7
            && strsim::jaro_winkler(&sound(heard), &sound(want)) >= 0.85;
    }
    let (h, w) = (key(heard), key(want));
    (h.0 == w.0 || h.0 == format!("{}t", w.0)) && (h.1 == w.1 || h.1.is_none() || w.1.is_none())
}

/// Spelling to sound, roughly: "nicks", "nics" and "nix" all become "niks".
fn sound(w: &str) -> String {
    w.replace("ck", "k").replace('x', "ks").replace('c', "k")
}

/// A word's consonants as sounds, in order and without repeats ("nicks", "knicks" and "nix"
/// are "nks", "nice" is "ns"), and the kind of its first vowel: front (i, e, y), open (a) or
/// back (o, u).
fn key(word: &str) -> (String, Option<char>) {
    let w: String = word
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let w = w
        .strip_prefix("kn")
        .map_or_else(|| w.clone(), |rest| format!("n{rest}"));
    let chars: Vec<char> = w.chars().collect();
    let mut consonants = String::new();
    let mut vowel = None;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let sounds = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' => {
                vowel = vowel.or(Some(match c {
                    'a' => 'a',
                    'o' | 'u' => 'o',
                    _ => 'i',
                }));
                String::new()
            }
            'c' if next == Some('k') => String::new(),
            'c' if matches!(next, Some('e' | 'i' | 'y')) => "s".into(),
            'c' | 'q' => "k".into(),
            'x' => "ks".into(),
            'z' => "s".into(),
            'h' if i > 0 => String::new(),
            other => other.to_string(),
        };
        for s in sounds.chars() {
            if !consonants.ends_with(s) {
                consonants.push(s);
            }
        }
    }
    (consonants, vowel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sounds_are_keyed_by_consonants_and_first_vowel() {
        assert_eq!(key("nix"), ("nks".into(), Some('i')));
        assert_eq!(key("Knicks"), ("nks".into(), Some('i')));
        assert_eq!(key("nice"), ("ns".into(), Some('i')));
        assert_eq!(key("knocks"), ("nks".into(), Some('o')));
        assert_eq!(key("next"), ("nkst".into(), Some('i')));
    }

    #[test]
    fn a_long_wake_word_needs_only_to_sound_close() {
        assert_eq!(
            strip_wake("Okay, computers. Roll back.", "okay computer").as_deref(),
            Some("roll back")
        );
        assert_eq!(strip_wake("Okay, come here.", "okay computer"), None);
    }

    #[test]
    fn the_phrase_is_written_as_a_greeting_and_a_name() {
        assert_eq!(as_written("hey nix"), "Hey Nix");
        assert_eq!(as_written("  okay   computer "), "Okay Computer");
    }

    #[test]
    fn misspellings_that_sound_alike_are_offered_for_scoring() {
        for (t, want) in [
            (
                "Phoenix, roll back.",
                vec![("Hey Nix, roll back.", "roll back")],
            ),
            ("Hey Max.", vec![("Hey Nix.", "")]),
            (
                "Here, Nix. What can you do?",
                vec![("Hey Nix, What can you do?", "what can you do")],
            ),
            // Already the phrase: nothing to score.
            ("Hey Nix, roll back.", vec![]),
            // Nothing like it.
            ("Install Firefox.", vec![]),
            ("Good morning, everyone.", vec![]),
        ] {
            let got = called_like(t, "hey nix");
            let got: Vec<(&str, &str)> =
                got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            assert_eq!(got, want, "{t}");
        }
    }

    #[test]
    fn tolerant_wake_phrase() {
        for (t, rest) in [
            ("Hey Nix, install Firefox.", Some("install firefox")),
            ("hey nicks install firefox", Some("install firefox")),
            ("Hey, next. What can you do?", Some("what can you do")),
            ("A nix. Roll back.", Some("roll back")),
            ("Hey Nix.", Some("")),
            ("Hey, necks. Roll back.", Some("roll back")),
            ("Kaynix, roll back.", Some("roll back")),
            ("Canix.", Some("")),
            ("Phoenix, roll back.", None),
            ("Linux, roll back.", None),
            ("install firefox", None),
            ("hey there install firefox", None),
            // Ordinary speech that starts like it does not wake.
            ("Hey, I'm home.", None),
            ("Hey, nice to see you.", None),
            ("Hey, mix the flour in.", None),
            ("Hey, six o'clock is fine.", None),
            ("Hey Nick, lunch?", None),
            ("Hey, knocks at the door.", None),
        ] {
            assert_eq!(strip_wake(t, "hey nix").as_deref(), rest, "{t}");
        }
    }
}
