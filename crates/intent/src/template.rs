//! Sentence templates: the small pattern language of the intent registry.
//!
//! A template is a space-separated sequence of items, matched against the whole
//! normalised utterance:
//! - `word`: that token;
//! - `(a b|c)`: one of the alternatives, each a sequence of tokens; `(a|b)?` may also be absent;
//! - `*`: any tokens, possibly none;
//! - `{name}`: one or more tokens captured into the slot `name`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Word(String),
    Alt {
        options: Vec<Vec<String>>,
        optional: bool,
    },
    Any,
    Capture(String),
}

/// A compiled sentence template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    items: Vec<Item>,
    source: &'static str,
}

/// The capture name under which `*` records the tokens it absorbed.
pub const ANY: &str = "*";

/// Captured slots of a successful match.
pub type Captures = BTreeMap<String, Vec<String>>;

impl Template {
    /// Compile a template. Templates are written by us, in the registry; a malformed one is a
    /// programming error that the registry's tests catch, so this returns `None` rather than
    /// an error type.
    pub fn parse(source: &'static str) -> Option<Template> {
        let mut items = Vec::new();
        let mut rest = source.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('(') {
                let close = after.find(')')?;
                let inner = &after[..close];
                let mut tail = &after[close + 1..];
                let optional = tail.starts_with('?');
                if optional {
                    tail = &tail[1..];
                }
                let options = inner
                    .split('|')
                    .map(|alt| {
                        alt.split_whitespace()
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>();
                if options.iter().any(Vec::is_empty) {
                    return None;
                }
                items.push(Item::Alt { options, optional });
                rest = tail.trim_start();
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            rest = rest[end..].trim_start();
            let item = if word == "*" {
                Item::Any
            } else if let Some(name) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                Item::Capture(name.to_owned())
            } else if word.contains(['(', ')', '{', '}', '|']) {
                return None;
            } else {
                Item::Word(word.to_owned())
            };
            items.push(item);
        }
        Some(Template { items, source })
    }

    /// Its literal words, those of every alternative included (slots and `*` left out).
    pub fn words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        for item in &self.items {
            match item {
                Item::Word(w) => words.push(w.as_str()),
                Item::Alt { options, .. } => {
                    words.extend(options.iter().flatten().map(String::as_str));
                }
                Item::Any | Item::Capture(_) => {}
            }
        }
        words
    }

    /// The template as written.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Match the whole token sequence; returns the captures of the first match found.
    pub fn matches(&self, tokens: &[String]) -> Option<Captures> {
        let mut caps = Captures::new();
        if match_items(&self.items, tokens, &mut caps) {
            Some(caps)
        } else {
            None
        }
    }

    /// Number of literal tokens: more specific templates win ties.
    pub fn specificity(&self) -> usize {
        self.items
            .iter()
            .map(|i| match i {
                Item::Word(_) => 2,
                Item::Alt {
                    optional: false, ..
                } => 2,
                Item::Alt { optional: true, .. } => 1,
                Item::Any | Item::Capture(_) => 0,
            })
            .sum()
    }
}

/// A spoken word against a template word: equal, or the same word in the other number
/// ("generation" for "generations"): speech recognition often drops or adds a final s.
fn same_word(spoken: &str, word: &str) -> bool {
    spoken == word
        || (word.len() >= 5
            && (spoken.strip_suffix('s') == Some(word) || word.strip_suffix('s') == Some(spoken)))
}

fn match_items(items: &[Item], tokens: &[String], caps: &mut Captures) -> bool {
    let Some((first, rest)) = items.split_first() else {
        return tokens.is_empty();
    };
    match first {
        Item::Word(w) => {
            tokens.first().is_some_and(|t| same_word(t, w)) && match_items(rest, &tokens[1..], caps)
        }
        Item::Alt { options, optional } => {
            for opt in options {
                if tokens.len() >= opt.len()
                    && tokens.iter().zip(opt).all(|(a, b)| same_word(a, b))
                    && match_items(rest, &tokens[opt.len()..], caps)
                {
                    return true;
                }
            }
            *optional && match_items(rest, tokens, caps)
        }
        Item::Any => {
            for skip in 0..=tokens.len() {
                if match_items(rest, &tokens[skip..], caps) {
                    // Remember what the wildcard absorbed: it lowers confidence.
                    caps.entry(ANY.to_owned())
                        .or_default()
                        .extend_from_slice(&tokens[..skip]);
                    return true;
                }
            }
            false
        }
        Item::Capture(name) => {
            // Shortest capture first, so literal words after a capture bind as early as possible.
            for take in 1..=tokens.len() {
                if match_items(rest, &tokens[take..], caps) {
                    caps.insert(name.clone(), tokens[..take].to_vec());
                    return true;
                }
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(template: &'static str, input: &str, expect: Option<&str>) {
        let t = Template::parse(template).expect("template parses");
        let tokens: Vec<String> = input.split_whitespace().map(str::to_owned).collect();
        let got = t.matches(&tokens).map(|caps| {
            caps.iter()
                .filter(|(k, _)| k.as_str() != ANY)
                .map(|(k, v)| format!("{k}={}", v.join(" ")))
                .collect::<Vec<_>>()
                .join(",")
        });
        assert_eq!(got.as_deref(), expect, "{template} on {input:?}");
    }

    #[test]
    fn table() {
        check(
            "install {package}",
            "install firefox",
            Some("package=firefox"),
        );
        check("install {package}", "install", None);
        check(
            "(get rid of|remove|uninstall) {package}",
            "get rid of vlc",
            Some("package=vlc"),
        );
        check("(the)? weather", "weather", Some(""));
        check("(the)? weather", "the weather", Some(""));
        check("* generations", "show me all generations", Some(""));
        check("put {package} on", "put htop on", Some("package=htop"));
        check(
            "find {query}",
            "find me a music player",
            Some("query=me a music player"),
        );
        check("(roll back|undo) *", "undo the last change", Some(""));
        check("turn {what}", "turn", None);
        // Singular for plural and back, as speech recognition hears them; short words exact.
        check("list generations", "list generation", Some(""));
        check("(show|list) (update)", "show updates", Some(""));
        check("list apps", "list app", None);
    }

    #[test]
    fn malformed_templates_are_rejected() {
        assert!(Template::parse("install (firefox").is_none());
        assert!(Template::parse("install (|a)").is_none());
        assert!(Template::parse("in{stall").is_none());
    }
}
