//! What an embedding model's similarities say: the registry's own examples are the
//! sentences a request is compared with, each label scored by its most alike example, and
//! readings of one kind by the examples that carry their slots. Pure.

use luminous_intent::{Candidate, IntentKind};

use crate::advice::LABELS;

/// Every registry example of a kind in [`LABELS`]: its label's index, its kind, its
/// sentence and its slots (`"name=value,..."`), in registry order.
fn registry_examples() -> Vec<(usize, IntentKind, &'static str, &'static str)> {
    let mut out = Vec::new();
    for spec in luminous_intent::registry::REGISTRY {
        let Some(label) = LABELS.iter().position(|(k, _)| *k == spec.kind) else {
            continue;
        };
        out.extend(
            spec.examples
                .iter()
                .map(|(sentence, slots)| (label, spec.kind, *sentence, *slots)),
        );
    }
    out
}

/// The sentences an embedding model compares a request with: the registry's own examples
/// (the rules' documented sentences, never a test's), each with the index of its label in
/// [`LABELS`].
pub fn examples() -> Vec<(usize, &'static str)> {
    registry_examples()
        .into_iter()
        .map(|(label, _, sentence, _)| (label, sentence))
        .collect()
}

/// A lead of this much cosine similarity counts as [`crate::advice::PICK_MARGIN`] (clearly ahead).
pub const SIMILARITY_SCALE: f32 = 0.05;
/// A request less alike than this to every example is not given a kind at all.
pub const MIN_SIMILARITY: f32 = 0.45;

/// Label scores from the cosine similarity of a request to each of [`examples`], in that
/// order: per label its best example, scaled so that [`crate::advice::PICK_MARGIN`] apart means a lead of
/// [`SIMILARITY_SCALE`]. None when nothing is at least [`MIN_SIMILARITY`] alike, or the
/// similarities do not fit the examples.
pub fn similarity_scores(similarities: &[f32]) -> Option<Vec<f32>> {
    let examples = examples();
    if similarities.len() != examples.len() || similarities.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let mut best = vec![-1.0f32; LABELS.len()];
    for ((label, _), &s) in examples.iter().zip(similarities) {
        best[*label] = best[*label].max(s);
    }
    if best.iter().all(|&b| b < MIN_SIMILARITY) {
        return None;
    }
    Some(best.into_iter().map(|b| b / SIMILARITY_SCALE).collect())
}

/// Slots that name a thing (a program, a service): the words supply them, not the examples.
const NAMES: &[&str] = &["package", "service", "option", "query"];

/// An example's slots (`"name=value,..."`) without the names.
fn plain_slots(spec: &str) -> Vec<(&str, &str)> {
    spec.split(',')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| !NAMES.contains(k))
        .collect()
}

/// One score per reading (all of one kind), in the units of [`similarity_scores`]: the
/// reading's most alike example among those of its kind whose slots, names aside, are
/// exactly its own. A reading no example carries scores as least alike.
pub fn reading_scores(cands: &[Candidate], similarities: &[f32]) -> Vec<f32> {
    let examples = registry_examples();
    if examples.len() != similarities.len() {
        return vec![0.0; cands.len()];
    }
    cands
        .iter()
        .map(|c| {
            let mine: Vec<(&str, &str)> = {
                let mut v: Vec<(&str, &str)> = c
                    .slots
                    .iter()
                    .filter(|(k, _)| !NAMES.contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                v.sort();
                v
            };
            let best = examples
                .iter()
                .zip(similarities)
                .filter(|((_, kind, _, slots), _)| {
                    let mut theirs = plain_slots(slots);
                    theirs.sort();
                    *kind == c.intent && theirs == mine
                })
                .map(|(_, &s)| s)
                .fold(-1.0f32, f32::max);
            best / SIMILARITY_SCALE
        })
        .collect()
}
