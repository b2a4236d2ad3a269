//! The interpreter: rules, then repair, then resolution of package and service names.

use std::sync::OnceLock;

use crate::index::{MatchKind, PackageIndex};
use crate::normalize::{normalize, without_hesitations};
use crate::registry::{IntentSpec, REGISTRY, Rule};
use crate::template::{ANY, Captures, Template};
use crate::{Candidate, IntentKind, Interpretation, Note, Slots, services};

struct Compiled {
    spec: &'static IntentSpec,
    rule: &'static Rule,
    template: Template,
}

fn compiled() -> &'static [Compiled] {
    static RULES: OnceLock<Vec<Compiled>> = OnceLock::new();
    RULES.get_or_init(|| {
        REGISTRY
            .iter()
            .flat_map(|spec| spec.rules.iter().map(move |rule| (spec, rule)))
            // A malformed template is caught by the registry tests; here it simply never matches.
            .filter_map(|(spec, rule)| {
                Template::parse(rule.template).map(|template| Compiled {
                    spec,
                    rule,
                    template,
                })
            })
            .collect()
    })
}

/// Every literal word of every template, sorted: the words requests say what to do with
/// ("run", "open", "install", "once"). Repair corrects mistyped command words towards those
/// of four letters or more, and a word of them that is also a package's name is seldom the
/// program meant.
pub(crate) fn template_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<String> = compiled()
            .iter()
            .flat_map(|c| c.template.words())
            .map(str::to_owned)
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    })
}

/// The shortest template word repair and the sound matching correct towards: shorter ones
/// ("on", "up", "a") are too near too many words.
const COMMAND_WORD_MIN: usize = 4;

/// The template words of [`COMMAND_WORD_MIN`] letters or more: those a misheard or
/// mistyped command word is corrected towards.
pub(crate) fn command_words() -> impl Iterator<Item = &'static String> {
    template_words()
        .iter()
        .filter(|w| w.len() >= COMMAND_WORD_MIN)
}

fn is_template_word(word: &str) -> bool {
    template_words()
        .binary_search_by(|w| w.as_str().cmp(word))
        .is_ok()
}

/// Parse a spoken choice: "2", "2nd", "second", "two" (already digits after normalisation).
pub fn parse_choice(word: &str) -> Option<usize> {
    let w = word.trim();
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=20).contains(n))
}

struct RuleMatch {
    compiled: &'static Compiled,
    caps: Captures,
}

fn match_rules(tokens: &[String]) -> Option<RuleMatch> {
    best_rule(tokens).map(|(_, m)| m)
}

/// The best rule over the filler-free tokens or, when that is more specific, the raw ones
/// without hesitations ("what can you do" loses its meaning once "can you" is dropped as
/// politeness; "um, what can you do" means the same).
fn match_either(tokens: &[String], raw: &[String]) -> Option<RuleMatch> {
    match (best_rule(tokens), best_rule(&without_hesitations(raw))) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b.1 } else { a.1 }),
        (a, b) => a.or(b).map(|(_, m)| m),
    }
}

fn best_rule(tokens: &[String]) -> Option<(usize, RuleMatch)> {
    let mut best: Option<(usize, RuleMatch)> = None;
    for c in compiled() {
        let Some(caps) = c.template.matches(tokens) else {
            continue;
        };
        if c.spec.kind == IntentKind::Confirm
            && caps
                .get("answer")
                .is_some_and(|a| a.len() != 1 || (parse_choice(&a[0]).is_none() && a[0] != "last"))
        {
            continue;
        }
        // "I would like to try htop": "to ..." is a verb phrase, not a package name.
        if caps
            .get("package")
            .and_then(|p| p.first())
            .is_some_and(|w| w == "to")
        {
            continue;
        }
        let mut spec_score =
            c.template.specificity() * 100 + 99 - caps.get(ANY).map_or(0, Vec::len).min(99);
        // Words in a service's place that name no service, nor one near them ("get firefox
        // running"), lose to any other rule that matches: the reply about an unknown
        // service is for when nothing else fits.
        if caps.get("service").is_some_and(|w| !names_a_service(w)) {
            spec_score = 0;
        }
        if best.as_ref().is_none_or(|(s, _)| spec_score > *s) {
            best = Some((spec_score, RuleMatch { compiled: c, caps }));
        }
    }
    best
}

/// The words in a service's place, without articles and "service"-like tails, and the
/// service they name (as cleaned, else as said whole).
fn service_named(words: &[String]) -> (String, Option<&'static services::Service>) {
    let said = clean_phrase(words, ARTICLES, SERVICE_TAIL).join(" ");
    let found = services::find(&said).or_else(|| services::find(&words.join(" ")));
    (said, found)
}

/// True when the words in a service's place name a service, or are near one's name.
fn names_a_service(words: &[String]) -> bool {
    match service_named(words) {
        (_, Some(_)) => true,
        (said, None) => !services::nearest(&said, 3).is_empty(),
    }
}

/// Interpret one utterance against the package index.
pub fn interpret(text: &str, index: &PackageIndex) -> Interpretation {
    let n = normalize(text);
    let mut notes = Vec::new();
    if n.truncated {
        notes.push(Note::Truncated);
    }
    if n.had_control_chars {
        notes.push(Note::ControlCharacters);
    }
    let tokens = if n.tokens.is_empty() {
        n.raw.clone()
    } else {
        n.tokens.clone()
    };
    let heard = tokens.join(" ");
    if tokens.is_empty() {
        notes.push(Note::Empty);
        return Interpretation {
            intent: IntentKind::Unknown,
            slots: Slots::new(),
            confidence: 0.0,
            options: vec![],
            notes,
            heard,
        };
    }

    // Two requests in one breath ("remove vlc and install mpv"): the first is read and the
    // second left for the user to ask after it, never folded into the first (mpv removed).
    if let Some((first, rest)) = second_request(&tokens, index) {
        let mut interp = interpret(&first.join(" "), index);
        let included = rest.intent == IntentKind::RebuildSystem
            && rest.slots.get("mode").is_some_and(|m| m == "switch")
            && interp.intent.changes_system();
        if !included {
            interp.notes.push(Note::Later {
                text: rest_words(&tokens, first.len()).join(" "),
            });
        }
        interp.notes.splice(0..0, notes);
        return interp;
    }

    let (rule_match, repaired) = match match_either(&tokens, &n.raw) {
        Some(m) => (Some(m), false),
        None => match repair(&tokens) {
            Some(fixed) => (match_rules(&fixed), true),
            None => (None, false),
        },
    };

    let mut interp = match rule_match {
        Some(m) => from_rule(m, tokens.len(), index, &mut notes),
        None => fallback(&tokens),
    };
    // Speech loses a word more often than a typist does. When nothing matched, two guesses,
    // each only ever offered as a yes/no question (never acted on), and neither when a word
    // turns the request around: the rest of the utterance after a misheard first word
    // ("Clean enable the printing service" for "please ..."), then a well-known package
    // named without a verb heard ("Gatsby Chromium").
    if interp.intent == IntentKind::Unknown
        && !reversed(&tokens)
        && let Some(guess) = without_first_word(&tokens, index).or_else(|| {
            heard_popular_package(&tokens, index).map(|attr| Candidate {
                intent: IntentKind::InstallPackage,
                slots: Slots::from([("package".to_owned(), attr)]),
            })
        })
    {
        interp = Interpretation {
            intent: guess.intent,
            slots: guess.slots.clone(),
            confidence: 0.5,
            options: vec![guess],
            notes: vec![],
            heard: String::new(),
        };
    }
    if repaired {
        interp.confidence *= 0.92;
    }
    if n.truncated {
        interp.confidence = interp.confidence.min(0.5);
    }
    interp.notes.splice(0..0, notes);
    interp.heard = heard;
    interp
}

/// Words that turn a request around ("do not install firefox"): an utterance holding one is
/// never guessed at from the words around it.
const REVERSING: &[&str] = &["not", "dont", "never", "no", "stop", "without"];

fn reversed(tokens: &[String]) -> bool {
    tokens.iter().any(|t| REVERSING.contains(&t.as_str()))
}

/// Whether `text` holds a word that turns a request around ("do not install firefox").
pub fn is_reversed(text: &str) -> bool {
    reversed(&normalize(text).raw)
}

/// What the utterance asks for without its first word, when that is a clear request with all
/// it needs (at least two words remain, and the request is not an answer to a question).
fn without_first_word(tokens: &[String], index: &PackageIndex) -> Option<Candidate> {
    let (_, rest) = tokens.split_first()?;
    if rest.len() < 2 {
        return None;
    }
    clear_request(rest, index)
}

/// What may be done with what a search finds, said after it ("and install it").
const FIND_THEN: &[&str] = &["install", "add", "get", "try", "run", "use", "open", "put"];

/// Words that join a second request to the first ("and", "then").
const JOINS: &[&str] = &["and", "then"];
/// Words that may lead the second request after the join ("and then", "and after that").
const LATER_LEAD: &[&str] = &["then", "also", "after", "that", "afterwards", "next"];

/// The words after the join at `first_len`, without the words that only lead them.
fn rest_words<S: AsRef<str>>(tokens: &[S], first_len: usize) -> &[S] {
    let mut rest = tokens.get(first_len + 1..).unwrap_or_default();
    while rest
        .first()
        .is_some_and(|w| LATER_LEAD.contains(&w.as_ref()))
    {
        rest = &rest[1..];
    }
    rest
}

/// A second request joined to a first ("enable ssh and install htop"): the words of the
/// first, which a rule must match, and what the second asks, a clear request on its own. A
/// list of names ("install firefox and vlc") has no second request: "vlc" asks nothing.
fn second_request<'a>(
    tokens: &'a [String],
    index: &PackageIndex,
) -> Option<(&'a [String], Candidate)> {
    tokens.iter().enumerate().skip(1).find_map(|(i, t)| {
        if !JOINS.contains(&t.as_str()) {
            return None;
        }
        let first = &tokens[..i];
        if is_answer(match_rules(first)?.compiled.spec.kind) {
            return None;
        }
        // A clear request is never an answer.
        Some((first, clear_request(rest_words(tokens, i), index)?))
    })
}

/// Whether requests of `kind` answer a question (yes, no, cancel, say it again) rather than
/// ask for something.
fn is_answer(kind: IntentKind) -> bool {
    matches!(
        kind,
        IntentKind::Confirm | IntentKind::Cancel | IntentKind::Repeat
    )
}

/// What `words` ask for when that is a clear request with all it needs (a rule sure of it,
/// not an answer to a question).
fn clear_request(words: &[String], index: &PackageIndex) -> Option<Candidate> {
    if words.is_empty() {
        return None;
    }
    let m = match_rules(words)?;
    let interp = from_rule(m, words.len(), index, &mut Vec::new());
    let request = interp.intent != IntentKind::Unknown && !is_answer(interp.intent);
    let required = crate::registry::has_required_slots(interp.intent, &interp.slots);
    (request && required && interp.confidence >= 0.85).then_some(Candidate {
        intent: interp.intent,
        slots: interp.slots,
    })
}

/// The attribute of a commonly wanted package (one of the curated ones) named exactly by one to
/// three words of an utterance that matched no rule; the longest name wins.
fn heard_popular_package(tokens: &[String], index: &PackageIndex) -> Option<String> {
    (1..=3usize.min(tokens.len())).rev().find_map(|n| {
        tokens.windows(n).find_map(|w| {
            let name = w.join(" ");
            if name.len() < 4 {
                return None;
            }
            index
                .lookup_exact(&name, 1)
                .first()
                .and_then(|m| index.package(m.package))
                .filter(|p| p.popularity > 0)
                .map(|p| p.attr.to_owned())
        })
    })
}

/// Correct a mistyped or misheard command word ("instal", "unistall") towards the templates' words.
fn repair(tokens: &[String]) -> Option<Vec<String>> {
    let mut fixed = tokens.to_vec();
    let mut changed = false;
    for t in fixed.iter_mut().take(2) {
        if t.len() < COMMAND_WORD_MIN || is_template_word(t) {
            continue;
        }
        let best = command_words()
            .map(|v| (v, strsim::jaro_winkler(v, t)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((v, score)) = best
            && score >= 0.9
        {
            *t = v.clone();
            changed = true;
        }
    }
    changed.then_some(fixed)
}

fn from_rule(
    m: RuleMatch,
    n_tokens: usize,
    index: &PackageIndex,
    notes: &mut Vec<Note>,
) -> Interpretation {
    let kind = m.compiled.spec.kind;
    let mut slots: Slots = m
        .compiled
        .rule
        .fixed
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let absorbed = m.caps.get(ANY).map_or(0, Vec::len) as f32;
    // A wildcard is part of a template by design; only a small penalty for what it absorbs.
    let mut confidence = 0.96 - 0.1 * (absorbed / n_tokens.max(1) as f32);
    let mut options = Vec::new();
    let mut intent = kind;

    match kind {
        // "set up ssh": setting up something that is a service means turning it on.
        IntentKind::InstallPackage
            if m.compiled.rule.template.starts_with("(put|set up|setup)")
                && let Some(service) = m.caps.get("package").and_then(|p| {
                    services::find(&clean_phrase(p, ARTICLES, SERVICE_TAIL).join(" "))
                }) =>
        {
            intent = IntentKind::EnableService;
            slots.insert("service".into(), service.id.into());
            slots.insert("option".into(), service.option.into());
        }
        IntentKind::InstallPackage | IntentKind::RemovePackage | IntentKind::TryPackage => {
            let phrase = m.caps.get("package").cloned().unwrap_or_default();
            let r = resolve_packages(&phrase, index, notes);
            if r.category_query.is_some() && r.attrs.is_empty() && r.options.is_empty() {
                // "install a music player" with nothing found: a search says more than a refusal.
                intent = IntentKind::SearchPackage;
                slots.insert("query".into(), r.category_query.unwrap_or_default());
                confidence = 0.7;
            } else {
                if let Some(first) = r.attrs.first() {
                    slots.insert("package".into(), first.clone());
                }
                if r.attrs.len() > 1 {
                    slots.insert("packages".into(), r.attrs.join(" "));
                }
                options = r
                    .options
                    .iter()
                    .map(|attr| Candidate {
                        intent: kind,
                        slots: Slots::from([("package".to_owned(), attr.clone())]),
                    })
                    .collect();
                confidence = confidence.min(r.confidence);
            }
        }
        // "how do I add the python library requests": the library, when there is one, is
        // what the answer offers to add.
        IntentKind::HowTo => {
            if let Some(phrase) = m.caps.get("package") {
                let mut words: Vec<&str> = vec!["python"];
                words.extend(phrase.iter().map(String::as_str));
                if let Some(One::Found { attr, .. }) = python_library(&words, index) {
                    slots.insert("package".into(), attr);
                }
            }
        }
        IntentKind::SearchPackage => {
            let mut query = clean_phrase(
                m.caps.get("query").map_or(&[][..], Vec::as_slice),
                SEARCH_LEAD,
                &[],
            );
            // "find a music player and install it": what to do with a find is not what is
            // looked for (the answer offers to install what it finds).
            if let Some(at) = (0..query.len()).find(|&i| {
                JOINS.contains(&query[i])
                    && rest_words(&query, i)
                        .first()
                        .is_some_and(|w| FIND_THEN.contains(w))
            }) {
                query.truncate(at);
            }
            if query.is_empty() {
                confidence = 0.5;
            } else {
                slots.insert("query".into(), query.join(" "));
            }
        }
        IntentKind::EnableService | IntentKind::DisableService => {
            let (said, found) = service_named(m.caps.get("service").map_or(&[][..], Vec::as_slice));
            match found {
                Some(s) => {
                    slots.insert("service".into(), s.id.into());
                    slots.insert("option".into(), s.option.into());
                }
                None => {
                    let near = services::nearest(&said, 3);
                    match near.as_slice() {
                        // A near name with a clear lead is taken (and said, and confirmed):
                        // speech recognition hears "fire world" for "firewall".
                        [(s, score), rest @ ..]
                            if rest.first().map_or(*score >= 0.85, |r| {
                                (*score >= 0.9 && score - r.1 >= 0.05)
                                    || (*score >= 0.85 && score - r.1 >= 0.07)
                            }) =>
                        {
                            slots.insert("service".into(), s.id.into());
                            slots.insert("option".into(), s.option.into());
                            notes.push(Note::Corrected {
                                heard: said.clone(),
                                meant: s.id.into(),
                            });
                            confidence = confidence.min(0.85);
                        }
                        [] => {
                            notes.push(Note::UnknownService {
                                heard: said.clone(),
                                nearest: vec![],
                            });
                            confidence = 0.3;
                        }
                        several => {
                            options = several
                                .iter()
                                .map(|(s, _)| Candidate {
                                    intent: kind,
                                    slots: Slots::from([
                                        ("service".into(), s.id.into()),
                                        ("option".into(), s.option.into()),
                                    ]),
                                })
                                .collect();
                            notes.push(Note::UnknownService {
                                heard: said.clone(),
                                nearest: several.iter().map(|(s, _)| s.id.to_owned()).collect(),
                            });
                            confidence = 0.6;
                        }
                    }
                }
            }
        }
        IntentKind::Vocabulary => {
            if let Some(phrase) = m.caps.get("phrase") {
                let mut phrase = clean_phrase(phrase, &["about"], &[]).join(" ");
                // The user's own words are theirs: "my browser", as learned.
                if m.compiled.rule.template.contains("(my|our) {phrase}") && !phrase.is_empty() {
                    phrase = format!("my {phrase}");
                }
                // "forget it", "forget about that": never mind, not a word of the user's.
                if matches!(phrase.as_str(), "it" | "that" | "this" | "") {
                    intent = IntentKind::Cancel;
                    slots.clear();
                } else {
                    slots.insert("phrase".into(), phrase);
                }
            }
            // Taught: "call chromium my browser". Only a real package name is taken as what
            // the phrase means.
            if let Some(name) = m.caps.get("package") {
                let said = name.join(" ");
                match index
                    .lookup_exact(&said, 1)
                    .first()
                    .filter(|f| !is_stray(index, f.package, &said))
                    .and_then(|f| index.package(f.package))
                {
                    Some(p) => {
                        slots.insert("package".into(), p.attr.to_owned());
                    }
                    None => {
                        intent = IntentKind::Unknown;
                        slots.clear();
                        confidence = 0.1;
                    }
                }
            }
        }
        IntentKind::Confirm => {
            if let Some(answer) = m.caps.get("answer").and_then(|a| a.first()) {
                let value = parse_choice(answer).map_or_else(|| answer.clone(), |n| n.to_string());
                slots.insert("answer".into(), value);
            }
        }
        _ => {}
    }
    Interpretation {
        intent,
        slots,
        confidence: confidence.clamp(0.0, 1.0),
        options,
        notes: vec![],
        heard: String::new(),
    }
}

/// Nothing matched: find the closest example utterances and offer their intents.
fn fallback(tokens: &[String]) -> Interpretation {
    let mut scored: Vec<(IntentKind, f32)> = Vec::new();
    for spec in REGISTRY
        .iter()
        .filter(|s| s.slots.is_empty() && s.kind != IntentKind::Unknown)
    {
        let best = spec
            .examples
            .iter()
            .map(|(ex, _)| similarity(tokens, &normalize(ex).tokens))
            .fold(0.0f32, f32::max);
        scored.push((spec.kind, best));
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<(IntentKind, f32)> = scored
        .into_iter()
        .filter(|(_, s)| *s >= 0.5)
        .take(3)
        .collect();
    match top.as_slice() {
        [] => Interpretation {
            intent: IntentKind::Unknown,
            slots: Slots::new(),
            confidence: 0.1,
            options: vec![],
            notes: vec![],
            heard: String::new(),
        },
        [(kind, score), ..] => Interpretation {
            intent: *kind,
            slots: Slots::new(),
            confidence: (score * 0.75).min(0.75),
            options: top
                .iter()
                .map(|(k, _)| Candidate {
                    intent: *k,
                    slots: Slots::new(),
                })
                .collect(),
            notes: vec![],
            heard: String::new(),
        },
    }
}

/// Share of words in common, each word matched fuzzily.
fn similarity(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let hits = a
        .iter()
        .filter(|x| {
            b.iter()
                .any(|y| x == &y || (x.len() >= 4 && strsim::jaro_winkler(x, y) >= 0.9))
        })
        .count();
    hits as f32 / a.len().max(b.len()) as f32
}

const ARTICLES: &[&str] = &["the", "a", "an", "some", "my", "that", "this", "any"];
const SEARCH_LEAD: &[&str] = &[
    "me", "for", "the", "a", "an", "some", "any", "up", "package", "packages", "called", "named",
    "program", "programs", "app", "apps",
];
const SERVICE_TAIL: &[&str] = &["service", "services", "support", "daemon", "please", "now"];
const PACKAGE_TAIL: &[&str] = &[
    "package",
    "program",
    "app",
    "application",
    "please",
    "now",
    "too",
    "again",
    "for",
    "me",
    "then",
];
/// Words that name a kind of program: dropped only when the rest then names a package.
const GENERIC: &[&str] = &[
    "browser",
    "editor",
    "player",
    "client",
    "app",
    "application",
    "program",
    "software",
    "tool",
    "package",
];

fn clean_phrase<'a>(tokens: &'a [String], lead: &[&str], tail: &[&str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = tokens.iter().map(String::as_str).collect();
    while v.first().is_some_and(|t| lead.contains(t)) {
        v.remove(0);
    }
    while v.last().is_some_and(|t| tail.contains(t)) {
        v.pop();
    }
    v
}

/// A word that can be part of a package name. Anything else (shell syntax, paths) is never a
/// package and never reaches Nix.
fn is_name_token(t: &str) -> bool {
    let mut chars = t.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

#[derive(Debug, Default)]
struct Resolved {
    attrs: Vec<String>,
    options: Vec<String>,
    confidence: f32,
    category_query: Option<String>,
}

fn resolve_packages(phrase: &[String], index: &PackageIndex, notes: &mut Vec<Note>) -> Resolved {
    let mut out = Resolved {
        confidence: 0.96,
        ..Resolved::default()
    };
    let parts =
        phrase.split(|t| matches!(t.as_str(), "and" | "plus" | "also" | "&" | "then" | "+"));
    for part in parts {
        let cleaned = clean_phrase(part, ARTICLES, PACKAGE_TAIL);
        if cleaned.is_empty() {
            continue;
        }
        let said = cleaned.join(" ");
        // Package names are a word or three; a long run of words is not one, and is not
        // worth reading back as "no package called ...".
        if cleaned.len() > 4 && !cleaned.iter().any(|t| exact_attr(index, t).is_some()) {
            let short: String = said.chars().take(40).collect();
            notes.push(Note::Dropped {
                text: if short.len() < said.len() {
                    format!("{short}...")
                } else {
                    short
                },
            });
            out.confidence = out.confidence.min(0.5);
            continue;
        }
        if !cleaned.iter().all(|t| is_name_token(t)) {
            // Shell syntax or a path: nothing after it is trusted. Only a plain package name
            // that leads the phrase ("firefox; rm -rf /") is kept; everything else is dropped.
            let lead: Vec<&str> = cleaned
                .iter()
                .copied()
                .take_while(|t| is_name_token(t))
                .collect();
            let kept = [
                lead.join(" "),
                lead.first().map(|t| (*t).to_owned()).unwrap_or_default(),
            ]
            .into_iter()
            .filter(|name| !name.is_empty())
            .find_map(|name| exact_attr(index, &name).map(|attr| (name, attr)));
            let dropped = match &kept {
                Some((name, attr)) => {
                    out.attrs.push(attr.clone());
                    cleaned
                        .iter()
                        .copied()
                        .skip(name.split(' ').count())
                        .collect::<Vec<_>>()
                        .join(" ")
                }
                None => said,
            };
            notes.push(Note::Dropped { text: dropped });
            out.confidence = out.confidence.min(0.85);
            continue;
        }
        let category = matches!(
            part.first().map(String::as_str),
            Some("a" | "an" | "some" | "any")
        );
        if category {
            out.category_query = Some(said.clone());
        }
        // Names said one after another ("firefox, vlc and gimp": the commas are gone): each
        // word a program's own name, and the words together no program's.
        if let Some(names) = list_of_names(&cleaned, index) {
            out.attrs.extend(names);
            continue;
        }
        match resolve_one(&cleaned, index, category) {
            One::Found { attr, how } => {
                if how != MatchKind::Exact
                    && crate::index::key_of(&attr) != crate::index::key_of(&said)
                {
                    notes.push(Note::Corrected {
                        heard: said,
                        meant: attr.clone(),
                    });
                    out.confidence = out.confidence.min(0.85);
                }
                out.attrs.push(attr);
            }
            One::Choose(options) => {
                out.options.extend(options);
                out.confidence = out.confidence.min(0.6);
            }
            One::Unknown(nearest) => {
                notes.push(Note::UnknownPackage {
                    heard: said,
                    nearest: nearest.clone(),
                });
                out.confidence = out.confidence.min(0.3);
                if out.attrs.is_empty() {
                    // A counterfactual suggestion: the user can say yes to the nearest real name.
                    out.options.extend(nearest.into_iter().take(1));
                }
            }
        }
    }
    out.attrs.dedup();
    out
}

/// The packages of `words` when each word names a top-level package whole and the words
/// together name none: a list said without "and".
fn list_of_names(words: &[&str], index: &PackageIndex) -> Option<Vec<String>> {
    if words.len() < 2 || !index.lookup_exact(&words.join(" "), 1).is_empty() {
        return None;
    }
    words
        .iter()
        .map(|w| {
            let m = index.lookup_exact(w, 1).into_iter().next()?;
            (!is_stray(index, m.package, w) && !is_template_word(w))
                .then(|| index.package(m.package).map(|p| p.attr.to_owned()))
                .flatten()
        })
        .collect()
}

fn exact_attr(index: &PackageIndex, name: &str) -> Option<String> {
    index
        .lookup_exact(name, 1)
        .first()
        .and_then(|m| index.package(m.package))
        .map(|p| p.attr.to_owned())
}

enum One {
    Found { attr: String, how: MatchKind },
    Choose(Vec<String>),
    Unknown(Vec<String>),
}

/// Whether package `i`, found for one of several words (`said`), is a stray: an attribute
/// inside a package set ("nixVersions.latest", "emacsPackages.state") that the words do not
/// name as such (no set given) and that is not among the programs people ask for by name (no
/// popularity). It is a word of the sentence that happens to be an attribute somewhere in
/// nixpkgs, not what the sentence means: a program another word names wins over it, and
/// alone it is only asked about. Named whole ("install numpy"), it is no stray.
/// True when package `i`, found for the words `said`, is a stray: an attribute inside a
/// package set that the words do not name as such and that nobody asks for by name.
pub fn is_stray(index: &PackageIndex, i: usize, said: &str) -> bool {
    index
        .package(i)
        .is_some_and(|p| p.attr.contains('.') && !said.contains('.') && p.popularity == 0)
}

fn resolve_one(words: &[&str], index: &PackageIndex, category: bool) -> One {
    let attr_of = |i: usize| {
        index
            .package(i)
            .map(|p| p.attr.to_owned())
            .unwrap_or_default()
    };
    if let Some(found) = python_library(words, index) {
        return found;
    }
    let said = words.join(" ");
    let mut tries = vec![said.clone()];
    let specific: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !GENERIC.contains(w))
        .collect();
    if !specific.is_empty() && specific.len() < words.len() {
        tries.push(specific.join(" "));
    }
    // The first stray found (see `is_stray`), asked about when nothing better is.
    let mut stray: Option<String> = None;
    if !category {
        for attempt in &tries {
            // The words name it whole ("numpy" for python3Packages.numpy): taken, unless it
            // is a member of a package set and something else has that name too ("requests":
            // the Python library or the Kodi add-on), which is asked.
            let exact = index.lookup_exact(attempt, 3);
            if let Some(best) = exact.first() {
                if exact.len() > 1 && is_stray(index, best.package, attempt) {
                    return One::Choose(exact.iter().map(|m| attr_of(m.package)).collect());
                }
                return One::Found {
                    attr: attr_of(best.package),
                    how: MatchKind::Exact,
                };
            }
            let found = index.lookup_name(attempt, 4);
            let Some(best) = found.first() else { continue };
            // Several words found to be like a stray are one of them, not the program.
            if words.len() > 1 && is_stray(index, best.package, attempt) {
                stray.get_or_insert_with(|| attr_of(best.package));
                continue;
            }
            if best.how == MatchKind::Exact {
                return One::Found {
                    attr: attr_of(best.package),
                    how: best.how,
                };
            }
            let margin = found.get(1).map_or(1.0, |s| best.score - s.score);
            if best.score >= 0.6 && margin >= 0.08 {
                return One::Found {
                    attr: attr_of(best.package),
                    how: best.how,
                };
            }
            if best.score >= 0.45 {
                let close: Vec<String> = found
                    .iter()
                    .filter(|m| best.score - m.score <= 0.15)
                    .take(3)
                    .map(|m| attr_of(m.package))
                    .collect();
                return One::Choose(close);
            }
        }
        // Several words, one of which plainly names a package: "firefox rm", "the latest
        // git" (git, not the stray nixVersions.latest). When several do, a program people
        // ask for by name wins, then a word the rules do not use to say what to do: "can i
        // run inkscape once" means Inkscape, though nixpkgs has a package called run.
        if words.len() > 1 {
            let mut named: Option<(u8, usize)> = None;
            for w in words {
                let Some(m) = index.lookup_exact(w, 1).into_iter().next() else {
                    continue;
                };
                if is_stray(index, m.package, w) {
                    stray.get_or_insert_with(|| attr_of(m.package));
                    continue;
                }
                let asked_for = index.package(m.package).is_some_and(|p| p.popularity > 0);
                let rank = 2 * u8::from(asked_for) + u8::from(!is_template_word(w));
                if named.is_none_or(|(best, _)| rank > best) {
                    named = Some((rank, m.package));
                }
            }
            if let Some((_, package)) = named {
                return One::Found {
                    attr: attr_of(package),
                    how: MatchKind::Exact,
                };
            }
        }
        if let Some(attr) = stray {
            return One::Choose(vec![attr]);
        }
    }
    let by_words = index.search_words(&said, 3);
    if !by_words.is_empty() {
        return One::Choose(by_words.iter().map(|m| attr_of(m.package)).collect());
    }
    let nearest: Vec<String> = index
        .nearest(&said, 3)
        .iter()
        .map(|m| attr_of(m.package))
        .collect();
    One::Unknown(nearest)
}

/// Words that say a Python library is meant: "the python library requests", "numpy for
/// python", "python module flask".
const PYTHON_WORDS: &[&str] = &[
    "python",
    "python3",
    "library",
    "libraries",
    "module",
    "modules",
    "package",
    "packages",
    "for",
    "in",
    "the",
    "a",
];

/// The Python library the words name beside "python" ("python library requests"), in the
/// newest set that has it; `None` when "python" is not said or no library has that name.
fn python_library(words: &[&str], index: &PackageIndex) -> Option<One> {
    if !words.iter().any(|w| matches!(*w, "python" | "python3")) {
        return None;
    }
    let rest: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !PYTHON_WORDS.contains(w))
        .collect();
    if rest.is_empty() {
        return None;
    }
    let name = rest.join(" ");
    index
        .lookup_exact(&name, 8)
        .into_iter()
        .filter_map(|m| index.package(m.package))
        .find(|p| crate::python::library(p.attr).is_some())
        .map(|p| One::Found {
            attr: p.attr.to_owned(),
            how: MatchKind::Exact,
        })
}

/// Words after which a request goes on: "install firefox and ...".
const JOINING_WORDS: &[&str] = &[
    "and", "or", "but", "then", "also", "plus", "with", "without", "the", "a", "an", "to", "for",
    "of", "from", "on", "in", "my", "please", "um", "uh", "er",
];

/// Whether `text` already is a whole request the engine would act on (a known intent, with
/// confidence to act, not ending in a joining word), so that a voice front end may stop
/// listening before the usual end-of-speech pause has passed (semantic endpointing).
pub fn is_whole_request(text: &str, index: &PackageIndex) -> bool {
    let last = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .rfind(|w| !w.is_empty())
        .map(str::to_lowercase);
    if last.as_deref().is_none_or(|w| JOINING_WORDS.contains(&w)) {
        return false;
    }
    let i = interpret(text, index);
    // An answer never ends early: "yes ... wait, no" must be heard whole.
    !matches!(i.intent, IntentKind::Unknown | IntentKind::Confirm)
        && i.confidence >= crate::ACT_THRESHOLD
}
