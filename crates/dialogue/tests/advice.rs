//! The language model's second opinion in whole conversations, with a fake adviser that
//! scores as told: consulted only when the rules are unsure, its pick only ever a question,
//! close calls and silence leave the rules' reply, and a yes carries out what was offered.

use std::cell::RefCell;

mod common;

use luminous_dialogue::Action;
use luminous_dialogue::advice::{Adviser, LABELS, Opinion};
use luminous_intent::IntentKind;

/// Scores `ahead` for `kind` and 0 for every other label (None: no answer in time).
#[derive(Debug)]
struct Fake {
    kind: IntentKind,
    ahead: Option<f32>,
    asked: RefCell<Vec<String>>,
}

impl Adviser for Fake {
    fn pick(&self, text: &str) -> Option<Opinion> {
        self.asked.borrow_mut().push(text.to_owned());
        let ahead = self.ahead?;
        Some(Opinion::Labels(
            LABELS
                .iter()
                .map(|(k, _)| if *k == self.kind { ahead } else { -5.0 })
                .collect(),
        ))
    }
}

fn fake(kind: IntentKind, ahead: Option<f32>) -> Fake {
    Fake {
        kind,
        ahead,
        asked: RefCell::new(Vec::new()),
    }
}

fn talk(adviser: &Fake, turns: &[&str]) -> Vec<(String, Action)> {
    common::talk_with(Some(adviser), turns)
}

#[test]
fn a_clear_pick_is_offered_as_one_question_and_a_yes_carries_it_out() {
    let a = fake(IntentKind::DiskUsage, Some(0.0));
    let said = talk(&a, &["will more stuff still fit on here", "yes"]);
    assert_eq!(
        said[0].0,
        "I am not sure I understood. Did you want to check disk space? Say yes or no."
    );
    assert!(matches!(said[0].1, Action::Choose { ref options } if options.len() == 1));
    assert!(
        matches!(&said[1].1, Action::Execute { plan } if plan.intent == IntentKind::DiskUsage),
        "{:?}",
        said[1]
    );
    assert_eq!(
        a.asked.borrow().as_slice(),
        ["will more stuff still fit on here"]
    );
}

#[test]
fn a_pick_that_changes_the_system_is_still_confirmed_after_the_offer() {
    let a = fake(IntentKind::CollectGarbage, Some(0.0));
    let said = talk(&a, &["my drive is bursting, sort it out", "yes", "yes"]);
    assert!(
        said[0]
            .0
            .starts_with("I am not sure I understood. Did you want to clean up"),
        "{}",
        said[0].0
    );
    assert!(
        matches!(&said[1].1, Action::Confirm { .. }),
        "{:?}",
        said[1]
    );
    assert!(
        matches!(&said[2].1, Action::Execute { .. }),
        "{:?}",
        said[2]
    );
}

#[test]
fn a_guess_about_how_to_talk_is_asked_not_done() {
    let a = fake(IntentKind::SetPreference, Some(0.0));
    let said = talk(&a, &["you are going at a gallop"]);
    assert!(
        matches!(&said[0].1, Action::Choose { options } if options.len() > 1),
        "{:?}",
        said[0]
    );
    assert!(
        said[0].0.contains("have me speak more slowly"),
        "{}",
        said[0].0
    );
}

#[test]
fn close_calls_silence_and_missing_names_leave_the_rules_reply() {
    let refusal = talk(
        &fake(IntentKind::DiskUsage, None),
        &["will more stuff still fit on here"],
    );
    assert!(
        refusal[0].0.starts_with("I did not understand that."),
        "{}",
        refusal[0].0
    );
    // Ahead by less than the margin.
    let close = talk(
        &fake(IntentKind::DiskUsage, Some(-4.5)),
        &["will more stuff still fit on here"],
    );
    assert_eq!(close[0].0, refusal[0].0);
    // An install picked, but no word names a program: nothing to offer.
    let nameless = talk(
        &fake(IntentKind::InstallPackage, Some(0.0)),
        &["will more stuff still fit on here"],
    );
    assert_eq!(nameless[0].0, refusal[0].0);
}

#[test]
fn a_search_picked_looks_for_what_the_words_name_and_not_for_the_asking() {
    let a = fake(IntentKind::SearchPackage, Some(0.0));
    let said = talk(&a, &["got anything that plays music", "yes"]);
    assert_eq!(
        said[0].0,
        "I am not sure I understood. Did you want to search for plays music? Say yes or no."
    );
    // The yes searches: what was found is offered, nothing installed yet.
    assert!(
        said[1].0.starts_with("I found") && said[1].0.contains("plays music"),
        "{}",
        said[1].0
    );
    assert!(
        matches!(&said[1].1, Action::Choose { options } if !options.is_empty()),
        "{:?}",
        said[1]
    );
    // Nothing left to look for once the asking words are gone: the rules' reply stands.
    let empty = talk(&a, &["got anything good"]);
    assert!(
        empty[0].0.starts_with("I did not understand that."),
        "{}",
        empty[0].0
    );
}

#[test]
fn a_request_the_rules_are_sure_of_never_reaches_the_model() {
    let a = fake(IntentKind::RemovePackage, Some(0.0));
    let said = talk(
        &a,
        &["install firefox", "no", "how much disk space do I have"],
    );
    assert!(said[0].0.starts_with("Install Firefox"), "{}", said[0].0);
    assert!(a.asked.borrow().is_empty(), "{:?}", a.asked.borrow());
}

#[test]
fn similarities_become_label_scores_by_each_labels_best_example() {
    use luminous_dialogue::advice::{
        MIN_SIMILARITY, PICK_MARGIN, SIMILARITY_SCALE, examples, similarity_scores,
    };
    let ex = examples();
    assert!(ex.len() > LABELS.len(), "every label has examples");
    for (label, _) in &ex {
        assert!(*label < LABELS.len());
    }
    let disk = LABELS
        .iter()
        .position(|(k, _)| *k == IntentKind::DiskUsage)
        .expect("disk usage is a label");
    // One disk example very alike, everything else far: disk is clearly ahead.
    let mut sims = vec![0.1f32; ex.len()];
    let first_disk = ex
        .iter()
        .position(|(l, _)| *l == disk)
        .expect("a disk example");
    sims[first_disk] = 0.8;
    let scores = similarity_scores(&sims).expect("alike enough");
    assert_eq!(scores.len(), LABELS.len());
    let best = scores.iter().cloned().fold(f32::MIN, f32::max);
    assert_eq!(scores[disk], best);
    let second = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != disk)
        .map(|(_, s)| *s)
        .fold(f32::MIN, f32::max);
    assert!(best - second >= PICK_MARGIN);
    // A lead of less than the scale is not clearly ahead.
    let mut close = vec![0.6f32; ex.len()];
    close[first_disk] = 0.6 + SIMILARITY_SCALE / 2.0;
    let s = similarity_scores(&close).expect("alike enough");
    let second = s
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != disk)
        .map(|(_, s)| *s)
        .fold(f32::MIN, f32::max);
    assert!(s[disk] - second < PICK_MARGIN);
    // Nothing alike enough, or the wrong number: no scores.
    assert_eq!(
        similarity_scores(&vec![MIN_SIMILARITY - 0.01; ex.len()]),
        None
    );
    assert_eq!(similarity_scores(&sims[1..]), None);
    let mut nan = sims.clone();
    nan[0] = f32::NAN;
    assert_eq!(similarity_scores(&nan), None);
}

/// An embedding model's opinion: `alike` of similarity to the registry examples for which
/// `pick` is true, 0.2 to every other.
#[derive(Debug)]
struct Similar {
    pick: fn(&str) -> bool,
    alike: f32,
}

impl Adviser for Similar {
    fn pick(&self, _text: &str) -> Option<Opinion> {
        Some(Opinion::Examples(
            luminous_dialogue::advice::examples()
                .iter()
                .map(|(_, e)| if (self.pick)(e) { self.alike } else { 0.2 })
                .collect(),
        ))
    }
}

#[test]
fn an_embedding_models_examples_pick_the_reading_not_only_the_kind() {
    // Most alike the examples that ask for faster speech: one question, about exactly that.
    let a = Similar {
        pick: |e| e.contains("faster"),
        alike: 0.8,
    };
    let said = common::talk_with(Some(&a), &["you are going at a snails pace", "yes"]);
    assert!(
        matches!(&said[0].1, Action::Choose { options } if options.len() == 1),
        "{:?}",
        said[0]
    );
    assert!(said[0].0.contains("have me speak faster"), "{}", said[0].0);
    // A rebuild's mode from its examples: for the next boot.
    let b = Similar {
        pick: |e| e.contains("next boot"),
        alike: 0.8,
    };
    let said = common::talk_with(Some(&b), &["the new setup should wait until a restart"]);
    match &said[0].1 {
        Action::Choose { options } => {
            assert_eq!(options.len(), 1, "{:?}", said[0]);
            assert_eq!(
                options[0].slots.get("mode").map(String::as_str),
                Some("boot"),
                "{:?}",
                said[0]
            );
        }
        other => panic!("{other:?}: {}", said[0].0),
    }
    // Nothing alike enough: the rules' reply stands.
    let c = Similar {
        pick: |_| true,
        alike: 0.3,
    };
    let said = common::talk_with(Some(&c), &["you are going at a snails pace"]);
    assert!(
        said[0].0.starts_with("I did not understand that."),
        "{}",
        said[0].0
    );
}
