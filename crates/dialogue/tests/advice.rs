//! The language model's second opinion in whole conversations, with a fake adviser that
//! scores as told: consulted only when the rules are unsure, its pick only ever a question,
//! close calls and silence leave the rules' reply, and a yes carries out what was offered.

use std::cell::RefCell;

mod common;

use luminous_dialogue::Action;
use luminous_dialogue::advice::{Adviser, LABELS};
use luminous_intent::IntentKind;

/// Scores `ahead` for `kind` and 0 for every other label (None: no answer in time).
#[derive(Debug)]
struct Fake {
    kind: IntentKind,
    ahead: Option<f32>,
    asked: RefCell<Vec<String>>,
}

impl Adviser for Fake {
    fn pick(&self, request: &str) -> Option<Vec<f32>> {
        self.asked.borrow_mut().push(request.to_owned());
        let ahead = self.ahead?;
        Some(
            LABELS
                .iter()
                .map(|(k, _)| if *k == self.kind { ahead } else { -5.0 })
                .collect(),
        )
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
        ["Request: will more stuff still fit on here"]
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
    assert!(said[0].0.contains("speak more slowly"), "{}", said[0].0);
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
fn a_request_the_rules_are_sure_of_never_reaches_the_model() {
    let a = fake(IntentKind::RemovePackage, Some(0.0));
    let said = talk(
        &a,
        &["install firefox", "no", "how much disk space do I have"],
    );
    assert!(said[0].0.starts_with("Install Firefox"), "{}", said[0].0);
    assert!(a.asked.borrow().is_empty(), "{:?}", a.asked.borrow());
}
