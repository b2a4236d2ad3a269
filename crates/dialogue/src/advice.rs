//! A second opinion when the rules are unsure: which readings to put to a language model,
//! in what words, and what its scores may change. Pure; the model sits behind [`Adviser`].
//!
//! The model never acts and never writes free text: it scores one-word labels of intents
//! ([`LABELS`]). That orders the rules' own options when they are of different kinds, or,
//! when no rule matched, picks a kind, whose readings are then built here from the names of
//! the utterance that the index or the service list knows. Its pick is only ever offered as
//! a question, so a yes is still needed before anything happens.

use luminous_intent::{
    ACT_THRESHOLD, ASK_THRESHOLD, Candidate, IntentKind, Interpretation, Note, PackageIndex, Slots,
    services,
};

pub use crate::similar::{MIN_SIMILARITY, SIMILARITY_SCALE, examples, similarity_scores};

/// Says which kind of request the user's words are. `None` when there is no answer in time
/// (no model, late, failed): the rules' own reply stands.
pub trait Adviser: std::fmt::Debug {
    /// Its opinion of the user's words `text`.
    fn pick(&self, text: &str) -> Option<Opinion>;
}

/// What an adviser makes of the user's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Opinion {
    /// One score per label of [`LABELS`], in log-probability units ([`PICK_MARGIN`] apart is
    /// clearly ahead): a language model told [`pick_system`] and [`pick_request`].
    Labels(Vec<f32>),
    /// The cosine similarity of the words to each of [`examples`], in order: an embedding
    /// model's. Besides the kind, it tells readings of one kind apart (talk slower or
    /// faster) by the examples that carry their slots.
    Examples(Vec<f32>),
}

/// The one-word label of each intent the model may pick, in the order of its scores. Each
/// starts with its own token, so one step of the model scores them all.
pub const LABELS: &[(IntentKind, &str)] = &[
    (IntentKind::InstallPackage, "add"),
    (IntentKind::RemovePackage, "remove"),
    (IntentKind::TryPackage, "try"),
    (IntentKind::SearchPackage, "search"),
    (IntentKind::ListInstalled, "list"),
    (IntentKind::UpdateSystem, "update"),
    (IntentKind::RebuildSystem, "rebuild"),
    (IntentKind::RollbackSystem, "rollback"),
    (IntentKind::UndoChange, "undo"),
    (IntentKind::ListGenerations, "generations"),
    (IntentKind::CollectGarbage, "clean"),
    (IntentKind::EnableService, "enable"),
    (IntentKind::DisableService, "disable"),
    (IntentKind::ExplainError, "error"),
    (IntentKind::DiskUsage, "disk"),
    (IntentKind::SystemInfo, "version"),
    (IntentKind::Help, "help"),
    (IntentKind::SetPreference, "voice"),
];

/// What the model is told when it picks: the labels, then the registry's own examples (the
/// rules' documented sentences, never a test's), each with its label. The same every time,
/// so the worker reads it once and keeps it.
pub fn pick_system() -> String {
    let mut s = String::from(
        "You label requests to the voice assistant of a NixOS computer with one word.\nLabels: ",
    );
    let names: Vec<String> = LABELS
        .iter()
        .map(|(k, l)| format!("{l} ({})", k.name().replace('_', " ")))
        .collect();
    s.push_str(&names.join(", "));
    s.push_str("\n\nExamples:");
    for spec in luminous_intent::registry::REGISTRY {
        let Some((_, label)) = LABELS.iter().find(|(k, _)| *k == spec.kind) else {
            continue;
        };
        for (example, _) in spec.examples {
            s.push_str(&format!("\nRequest: {example}\nLabel: {label}"));
        }
    }
    s
}

/// How the user's words are put to the model when it picks.
pub fn pick_request(text: &str) -> String {
    format!("Request: {}", text.trim())
}

/// How far ahead (in log-probability) the picked label must be for its reading to be
/// offered; closer calls stay "I did not understand".
pub const PICK_MARGIN: f32 = 1.0;

/// The plain readings (no names in them) of each kind the model may pick.
const PLAIN: &[(IntentKind, &[(&str, &str)])] = &[
    (IntentKind::ListInstalled, &[]),
    (IntentKind::UpdateSystem, &[]),
    (IntentKind::RebuildSystem, &[("mode", "switch")]),
    (IntentKind::RebuildSystem, &[("mode", "dry-build")]),
    (IntentKind::RebuildSystem, &[("mode", "boot")]),
    (IntentKind::RebuildSystem, &[("mode", "test")]),
    (IntentKind::RollbackSystem, &[]),
    (IntentKind::UndoChange, &[]),
    (IntentKind::ListGenerations, &[]),
    (IntentKind::CollectGarbage, &[]),
    (IntentKind::ExplainError, &[]),
    (IntentKind::DiskUsage, &[]),
    (IntentKind::SystemInfo, &[]),
    (IntentKind::Help, &[]),
    (
        IntentKind::SetPreference,
        &[("name", "speech_rate"), ("value", "slower")],
    ),
    (
        IntentKind::SetPreference,
        &[("name", "speech_rate"), ("value", "faster")],
    ),
    (
        IntentKind::SetPreference,
        &[("name", "verbosity"), ("value", "brief")],
    ),
    (
        IntentKind::SetPreference,
        &[("name", "verbosity"), ("value", "detailed")],
    ),
    (
        IntentKind::SetPreference,
        &[("name", "quiet"), ("value", "on")],
    ),
];

/// Words too common to be a program's name in a request.
const COMMON: &[&str] = &[
    "a",
    "an",
    "the",
    "i",
    "me",
    "my",
    "you",
    "your",
    "we",
    "it",
    "this",
    "that",
    "is",
    "are",
    "be",
    "do",
    "can",
    "could",
    "would",
    "will",
    "want",
    "need",
    "like",
    "have",
    "has",
    "get",
    "got",
    "to",
    "of",
    "on",
    "in",
    "for",
    "with",
    "and",
    "or",
    "not",
    "no",
    "what",
    "which",
    "how",
    "all",
    "so",
    "just",
    "some",
    "one",
    "there",
    "here",
    "up",
    "out",
    "off",
    "back",
    "now",
    "again",
    "from",
    "make",
    "let",
    "go",
    "put",
    "set",
    "run",
    "use",
    "program",
    "app",
    "package",
    "software",
    "system",
    "computer",
    "machine",
    "thing",
    "stuff",
    "please",
    "time",
    "once",
    "more",
    "less",
    "new",
    "old",
    "last",
    "first",
    "before",
    "after",
    "any",
    "something",
    "done",
    "am",
    "was",
    "were",
    "been",
    "if",
    "but",
    "then",
    "them",
    "they",
    "its",
    "our",
    "us",
    "into",
    "about",
    "over",
    "way",
    "going",
    "keep",
    "keeps",
    "work",
    "works",
    "see",
];

/// Words that ask for a search rather than name what is searched for.
const SEARCHING: &[&str] = &[
    "find",
    "search",
    "look",
    "looking",
    "locate",
    "where",
    "anything",
    "programs",
    "apps",
    "packages",
    "tool",
    "tools",
    "good",
    "best",
    "recommend",
    "suggest",
];

/// What a search the model picked looks for: the words of the utterance, in order, less the
/// common ones and those that only ask for a search ("where can i find a video player":
/// "video player"). Empty when nothing is left.
fn search_query(words: &[&str]) -> String {
    words
        .iter()
        .copied()
        .filter(|w| !COMMON.contains(w) && !SEARCHING.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when the reading is the language model's guess (only ever offered as a question).
pub fn is_guess(interp: &Interpretation) -> bool {
    interp.notes.iter().any(|n| matches!(n, Note::Guessed))
}

/// True when the rules are unsure enough that a second opinion may help: nothing matched,
/// or the options are several, or the confidence is in the band where the engine asks.
pub fn wanted(interp: &Interpretation) -> bool {
    match interp.intent {
        IntentKind::Repeat | IntentKind::Cancel | IntentKind::Confirm => false,
        _ if interp.notes.iter().any(|n| matches!(n, Note::Empty)) => false,
        IntentKind::Unknown => true,
        _ => interp.confidence < ACT_THRESHOLD && interp.options.len() > 1,
    }
}

/// The services and (with `index`) the packages the words name, each once, two-word names
/// first: a window of words that names a service is not looked up as a package, and no
/// window made only of common words is either.
fn named(words: &[&str], index: Option<&PackageIndex>) -> (Vec<String>, Vec<&'static str>) {
    let mut packages: Vec<String> = Vec::new();
    let mut found_services: Vec<&'static str> = Vec::new();
    for n in [2usize, 1] {
        for w in words.windows(n) {
            if w.iter().all(|x| COMMON.contains(x)) {
                continue;
            }
            let name = w.join(" ");
            if let Some(s) = services::find(&name) {
                if !found_services.contains(&s.id) {
                    found_services.push(s.id);
                }
                continue;
            }
            let Some(index) = index.filter(|_| !w.iter().any(|x| COMMON.contains(x))) else {
                continue;
            };
            for m in index.lookup_exact(&name, 1) {
                if luminous_intent::is_stray(index, m.package, &name) {
                    continue;
                }
                if let Some(p) = index.package(m.package)
                    && !packages.iter().any(|a| a == p.attr)
                    && packages.len() < 3
                {
                    packages.push(p.attr.to_owned());
                }
            }
        }
    }
    (packages, found_services)
}

fn plain() -> Vec<Candidate> {
    PLAIN
        .iter()
        .map(|(intent, slots)| Candidate {
            intent: *intent,
            slots: slots
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
        .collect()
}

/// The readings of a request no rule matched that are of the kind the model picked: for a
/// package or a service, one for each name the words hold (the index is searched only for
/// those kinds); for a search, one for what the words look for; else the plain readings of
/// that kind (a rebuild is a switch: the model picks the kind only).
pub fn of_kind(kind: IntentKind, interp: &Interpretation, index: &PackageIndex) -> Vec<Candidate> {
    let mut c = of_kind_all(kind, interp, index);
    if kind == IntentKind::RebuildSystem {
        c.truncate(1);
    }
    c
}

/// [`of_kind`] with every mode of a rebuild.
fn of_kind_all(kind: IntentKind, interp: &Interpretation, index: &PackageIndex) -> Vec<Candidate> {
    let words: Vec<&str> = interp.heard.split_whitespace().collect();
    match kind {
        IntentKind::InstallPackage | IntentKind::RemovePackage | IntentKind::TryPackage => {
            named(&words, Some(index))
                .0
                .into_iter()
                .map(|attr| Candidate {
                    intent: kind,
                    slots: Slots::from([("package".to_owned(), attr)]),
                })
                .collect()
        }
        IntentKind::EnableService | IntentKind::DisableService => named(&words, None)
            .1
            .into_iter()
            .map(|id| {
                let mut slots = Slots::from([("service".to_owned(), id.to_owned())]);
                if let Some(s) = services::find(id) {
                    slots.insert("option".to_owned(), s.option.to_owned());
                }
                Candidate {
                    intent: kind,
                    slots,
                }
            })
            .collect(),
        IntentKind::SearchPackage => {
            let query = search_query(&words);
            (!query.is_empty())
                .then(|| Candidate {
                    intent: kind,
                    slots: Slots::from([("query".to_owned(), query)]),
                })
                .into_iter()
                .collect()
        }
        _ => plain().into_iter().filter(|c| c.intent == kind).collect(),
    }
}

/// The score the model gave `kind` (None: not a kind it picks among).
fn score_of(kind: IntentKind, scores: &[f32]) -> Option<f32> {
    LABELS
        .iter()
        .position(|(k, _)| *k == kind)
        .and_then(|i| scores.get(i).copied())
        .filter(|s| s.is_finite())
}

/// What the adviser's opinion makes of the rules' reading: None when it changes nothing.
/// No rule matched: the readings of the kind put clearly ahead, if the words name what it
/// needs (ordered by their own examples when the opinion has them). Options of different
/// kinds: the options in the model's order, the best alone when its kind is clearly ahead.
pub fn advise(
    interp: &Interpretation,
    opinion: &Opinion,
    index: &PackageIndex,
) -> Option<Interpretation> {
    let scores = match opinion {
        Opinion::Labels(s) => s.clone(),
        Opinion::Examples(sims) => similarity_scores(sims)?,
    };
    if scores.len() != LABELS.len() {
        return None;
    }
    if interp.intent == IntentKind::Unknown {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let ahead = scores[order[0]] - scores[order[1]];
        if !ahead.is_finite() || ahead < PICK_MARGIN {
            return None;
        }
        let kind = LABELS[order[0]].0;
        let cands = match opinion {
            // The examples judge a rebuild's mode too.
            Opinion::Examples(_) => of_kind_all(kind, interp, index),
            Opinion::Labels(_) => of_kind(kind, interp, index),
        };
        if cands.is_empty() {
            return None;
        }
        let by_reading = match opinion {
            Opinion::Examples(sims) => crate::similar::reading_scores(&cands, sims),
            // Readings of one kind differ in their names, which the model did not judge.
            Opinion::Labels(_) => vec![0.0; cands.len()],
        };
        return Some(decide(interp, &cands, &by_reading));
    }
    let kinds: Vec<Option<f32>> = interp
        .options
        .iter()
        .map(|o| score_of(o.intent, &scores))
        .collect();
    let distinct = interp
        .options
        .iter()
        .any(|o| o.intent != interp.options[0].intent);
    if !distinct || kinds.iter().any(Option::is_none) {
        return None;
    }
    let s: Vec<f32> = kinds.into_iter().flatten().collect();
    Some(decide(interp, &interp.options, &s))
}

/// How far ahead the best reading must be (in log-probability) to be put as the one
/// yes/no question; closer readings are offered together.
pub const MARGIN: f32 = PICK_MARGIN;
/// At most this many readings are offered together.
pub const MAX_OFFERED: usize = 3;

/// The interpretation after the model's scores: the readings in the model's order, the best
/// alone when it is clearly ahead. Always a question (confidence in the band where the
/// engine asks); the rules' reading stands when the scores do not fit the candidates.
pub fn decide(interp: &Interpretation, cands: &[Candidate], scores: &[f32]) -> Interpretation {
    if cands.is_empty() || cands.len() != scores.len() || scores.iter().any(|s| !s.is_finite()) {
        return interp.clone();
    }
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let best = order[0];
    let ahead = order
        .get(1)
        .map_or(f32::INFINITY, |&s| scores[best] - scores[s]);
    let offered: Vec<Candidate> = if ahead >= MARGIN {
        vec![cands[best].clone()]
    } else {
        order
            .iter()
            .take(MAX_OFFERED)
            .map(|&i| cands[i].clone())
            .collect()
    };
    let mut out = interp.clone();
    out.intent = cands[best].intent;
    out.slots = cands[best].slots.clone();
    out.options = offered;
    out.confidence = ASK_THRESHOLD.max(out.confidence.min(ACT_THRESHOLD - 0.05));
    out.notes
        .retain(|n| !matches!(n, Note::UnknownPackage { .. }));
    out.notes.push(Note::Guessed);
    out
}
