//! A conversation with memory: "install it", "the second one", "what does that do" refer to
//! what was just mentioned; "why?" says what was understood and how sure; a new user's
//! questions get short answers, offering the action where there is one.

mod common;

use luminous_dialogue::Action;
use luminous_intent::{IntentKind, curated_index};

fn talk(turns: &[&str]) -> Vec<(String, Action)> {
    common::talk_with(None, turns)
}

fn subjects(a: &Action) -> Vec<String> {
    match a {
        Action::Confirm { plan } | Action::Execute { plan } => plan.subjects.clone(),
        _ => vec![],
    }
}

#[test]
fn what_was_found_can_be_pointed_at_after_the_question_is_gone() {
    let said = talk(&[
        "find a music player",
        "never mind",
        "what does the second one do",
        "what does that do",
        "install the second one",
    ]);
    let Action::Choose { options } = &said[0].1 else {
        panic!("{:?}", said[0]);
    };
    let second = options[1].slots["package"].clone();
    let index = curated_index();
    let name = index
        .get(&second)
        .map(|p| p.display_name().to_owned())
        .unwrap_or_default();
    assert!(said[2].0.starts_with(&format!("{name}: ")), "{}", said[2].0);
    // "what does that do" describes all of them.
    assert!(said[3].0.starts_with("1, "), "{}", said[3].0);
    assert!(said[3].0.contains("2, "), "{}", said[3].0);
    assert_eq!(subjects(&said[4].1), vec![second.clone()], "{:?}", said[4]);
    let more = talk(&["install vlc", "no", "what does that do", "try it"]);
    assert!(more[2].0.starts_with("VLC: "), "{}", more[2].0);
    assert!(
        matches!(&more[3].1, Action::Execute { plan } if plan.intent == IntentKind::TryPackage && plan.subjects == ["vlc"]),
        "{:?}",
        more[3]
    );
}

#[test]
fn why_says_what_was_understood_and_how_sure() {
    let said = talk(&["install fierfox", "no", "why?"]);
    assert_eq!(
        said[2].0,
        "You said \"install fierfox\". I understood: install Firefox. I took \"fierfox\" to mean Firefox. I was sure of it (85 in 100)."
    );
    let unsure = talk(&["install a web browser", "cancel", "why"]);
    assert!(unsure[2].0.contains("I was not sure"), "{}", unsure[2].0);
    let lost = talk(&["flibber the wotsit", "why"]);
    assert!(
        lost[1].0.contains("no rule I know matched it"),
        "{}",
        lost[1].0
    );
    // With nothing said before, "why" is about the last failure, as always.
    let first = talk(&["why"]);
    assert!(!first[0].0.starts_with("You said"), "{}", first[0].0);
}

#[test]
fn a_new_users_questions_get_short_answers_and_offers() {
    let said = talk(&["what are generations", "yes"]);
    assert!(
        said[0]
            .0
            .starts_with("A generation is one version of your whole system"),
        "{}",
        said[0].0
    );
    assert!(
        said[0].0.ends_with("Shall I list your generations?"),
        "{}",
        said[0].0
    );
    assert!(
        matches!(&said[1].1, Action::Execute { plan } if plan.intent == IntentKind::ListGenerations),
        "{:?}",
        said[1]
    );
    for (q, start) in [
        ("channels or flakes", "Both work, and I work with both."),
        (
            "why does the terminal not see the newly installed program",
            "A new package is there after the rebuild",
        ),
        (
            "how do i add a python library",
            "On NixOS a Python library comes with its Python",
        ),
        ("where is my configuration", "Your configuration is "),
        (
            "what is the difference between roll back and undo",
            "Undo puts back the files",
        ),
    ] {
        let a = talk(&[q]);
        assert!(a[0].0.starts_with(start), "{q}: {}", a[0].0);
        assert_eq!(a[0].1, Action::None, "{q}");
    }
    // Every answer is plain text a screen reader reads as it is.
    for a in talk(&["what is the nix store", "should we switch to flakes"]) {
        assert!(
            a.0.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
            "{}",
            a.0
        );
    }
}

/// The curated index with a Python library in two interpreters' sets.
fn with_python_libraries() -> luminous_intent::PackageIndex {
    let mut packages = curated_index().to_packages();
    for set in ["python312", "python313"] {
        packages.push(luminous_intent::Package {
            attr: format!("{set}Packages.requests"),
            pname: format!("{set}-requests"),
            version: "2.32.5".into(),
            description: "HTTP library for Python".into(),
            aliases: vec![],
            popularity: 0,
            main_program: String::new(),
        });
    }
    luminous_intent::PackageIndex::from_packages(packages)
}

#[test]
fn the_python_question_offers_the_library_it_names_inside_the_systems_python() {
    let index = with_python_libraries();
    let said = common::talk_in(
        &index,
        None,
        &["how do I add the python library requests", "yes"],
    );
    assert!(
        said[0]
            .0
            .ends_with("Shall I add the Python library requests to your system's Python?"),
        "{}",
        said[0].0
    );
    let Action::Confirm { plan } = &said[1].1 else {
        panic!("{:?}", said[1]);
    };
    assert_eq!(plan.intent, IntentKind::InstallPackage);
    assert_eq!(plan.subjects, vec!["python313Packages.requests".to_owned()]);
    let diff = plan
        .steps
        .iter()
        .find_map(|s| match s {
            luminous_dialogue::Step::Edit { diff, .. } => Some(diff.clone()),
            _ => None,
        })
        .unwrap_or_default();
    assert!(
        diff.contains("+  environment.systemPackages = with pkgs; [ vim (python3.withPackages (ps: with ps; [ requests ])) ];"),
        "{diff}"
    );
    assert!(
        said[1].0.starts_with("Install the Python library requests"),
        "{}",
        said[1].0
    );
    // Asked without a library, the answer says how to name one, and offers nothing.
    let plain = common::talk_in(&index, None, &["how do i add a python library"]);
    assert!(
        plain[0]
            .0
            .contains("say add the Python library and its name"),
        "{}",
        plain[0].0
    );
    assert_eq!(plain[0].1, Action::None);
}
