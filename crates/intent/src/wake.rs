//! The wake phrase ("hey nix"), matched tolerantly on a transcript: speech recognition hears
//! it as "hey nicks", "hey next", "a nix". Pure.

use crate::normalize::normalize;

/// If `transcript` starts with the wake phrase, what follows it (possibly empty).
pub fn strip_wake(transcript: &str, phrase: &str) -> Option<String> {
    let heard = normalize(transcript).raw;
    let want = normalize(phrase).raw;
    if want.is_empty() || heard.len() < want.len() {
        return None;
    }
    let greeting = ["hey", "hi", "hay", "a", "ok", "okay", "hello", "heh"];
    let matches = heard.iter().zip(&want).all(|(h, w)| {
        h == w
            || (greeting.contains(&w.as_str()) && greeting.contains(&h.as_str()))
            || strsim::jaro_winkler(&sound(h), &sound(w)) >= 0.75
    });
    matches.then(|| heard[want.len()..].join(" "))
}

/// Spelling to sound, roughly: "nicks", "nics" and "nix" all become "niks".
fn sound(w: &str) -> String {
    w.replace("ck", "k").replace('x', "ks").replace('c', "k")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_wake_phrase() {
        for (t, rest) in [
            ("Hey Nix, install Firefox.", Some("install firefox")),
            ("hey nicks install firefox", Some("install firefox")),
            ("Hey, next. What can you do?", Some("what can you do")),
            ("A nix. Roll back.", Some("roll back")),
            ("Hey Nix.", Some("")),
            ("install firefox", None),
            ("hey there install firefox", None),
        ] {
            assert_eq!(strip_wake(t, "hey nix").as_deref(), rest, "{t}");
        }
    }
}
