//! The user's own words in whole conversations: a clarification resolved and its change
//! carried out teaches the phrase (said once), the phrase then stands for its program, and it
//! can be asked about and forgotten. A change refused, or a language-model guess, teaches
//! nothing.

mod common;

use common::files;
use luminous_dialogue::vocab::Word;
use luminous_dialogue::{Action, Context, Dialogue, Outcome, Preferences, Settings};
use luminous_intent::{IntentKind, curated_index};

fn ok() -> Outcome {
    Outcome {
        ok: true,
        steps: vec![],
        restored: vec![],
        not_restored: vec![],
        cancelled: false,
    }
}

/// `request` asks which one was meant; the first is chosen, confirmed and carried out.
/// The options offered, and the reply after the change went through.
fn the_first_one(
    d: &mut Dialogue,
    request: &str,
    ctx: &Context<'_>,
) -> (Vec<luminous_intent::Candidate>, String) {
    let asked = d.turn(request, ctx);
    let Action::Choose { options } = asked.action else {
        panic!("a choice first: {asked:?}");
    };
    let chosen = d.turn("the first one", ctx);
    assert!(
        matches!(chosen.action, Action::Confirm { .. }),
        "{chosen:?}"
    );
    let yes = d.turn("yes", ctx);
    let Action::Execute { plan } = &yes.action else {
        panic!("runs after the yes: {yes:?}");
    };
    assert_eq!(d.take_learned(), None, "not before it went through");
    (options, d.outcome(plan, &ok(), ctx).text)
}

#[test]
fn a_resolved_clarification_is_learned_once_its_change_went_through() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let (options, said) = the_first_one(&mut d, "install my browser", &ctx);
    let value = options[0].slots["package"].clone();
    let name = index
        .get(&value)
        .map(|p| p.display_name().to_owned())
        .unwrap_or_default();
    assert!(
        said.ends_with(&format!("I will remember that your browser means {name}.")),
        "{said}"
    );
    let learned = d.take_learned().expect("learned");
    assert_eq!(
        learned,
        Word {
            phrase: "my browser".into(),
            slot: "package".into(),
            value: value.clone()
        }
    );
    assert_eq!(d.take_learned(), None, "kept once");

    // Next time the phrase is the program, with no question.
    let words = [learned];
    let mut ctx = Context::new(&index, Ok(&files), &settings);
    ctx.vocabulary = &words;
    let mut d = Dialogue::new(Preferences::default());
    let direct = d.turn("please install my browser", &ctx);
    assert!(
        matches!(&direct.action, Action::Confirm { plan } if plan.subjects == [value.clone()]),
        "{direct:?}"
    );
    let _ = d.turn("no", &ctx);
    let what = d.turn("what do you call my browser", &ctx);
    assert_eq!(what.reply.text, format!("Your browser means {name}."));
    assert_eq!(what.interpretation.intent, IntentKind::Vocabulary);
    let forget = d.turn("forget my browser", &ctx);
    assert_eq!(
        forget.reply.text,
        format!("I have forgotten that your browser means {name}.")
    );
    assert_eq!(
        forget.action,
        Action::Forget {
            phrase: Some("my browser".into())
        }
    );
    let all = d.turn("forget what you learned", &ctx);
    assert_eq!(all.action, Action::Forget { phrase: None });
    assert_eq!(
        all.reply.text,
        "I have forgotten the one word of yours I learned."
    );
}

#[test]
fn a_refused_change_teaches_nothing() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let _ = d.turn("install my browser", &ctx);
    let _ = d.turn("1", &ctx);
    let no = d.turn("no", &ctx);
    assert_eq!(no.action, Action::None);
    // Carried out, but nothing to learn: a later change of the program named outright, or
    // any one of a kind ("a web browser" is not a name), stays a question for next time.
    for turns in [
        &["install firefox", "yes"][..],
        &["install a web browser", "1", "yes"],
    ] {
        let mut last = None;
        for t in turns {
            last = Some(d.turn(t, &ctx));
        }
        let Some(Action::Execute { plan }) = last.map(|t| t.action) else {
            panic!("{turns:?} runs");
        };
        let said = d.outcome(&plan, &ok(), &ctx);
        assert!(!said.text.contains("remember"), "{turns:?}: {}", said.text);
        assert_eq!(d.take_learned(), None, "{turns:?}");
    }
    // Unknown words are said to be unknown.
    let what = d.turn("what does my editor mean", &ctx);
    assert!(
        what.reply
            .text
            .starts_with("I have not learned what your editor means."),
        "{}",
        what.reply.text
    );
}

#[test]
fn a_taught_word_is_kept_and_a_new_meaning_is_asked_about_first() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let mut ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let word = |value: &str| Word {
        phrase: "my browser".into(),
        slot: "package".into(),
        value: value.into(),
    };
    let t = d.turn("call chromium my browser", &ctx);
    assert_eq!(
        t.reply.text,
        "I will remember that your browser means Chromium."
    );
    assert_eq!(
        t.action,
        Action::Learn {
            word: word("chromium")
        }
    );
    // Explicit beats learned, but a phrase that means something already is asked about.
    let known = [word("firefox")];
    ctx.vocabulary = &known;
    let q = d.turn("when i say my browser i mean chromium", &ctx);
    assert_eq!(
        q.reply.text,
        "Your browser means Firefox now. Shall it mean Chromium instead? Say yes or no."
    );
    assert!(q.reply.question);
    let yes = d.turn("yes", &ctx);
    assert_eq!(
        yes.action,
        Action::Learn {
            word: word("chromium")
        }
    );
    let _ = d.turn("call chromium my browser", &ctx);
    let no = d.turn("no", &ctx);
    assert_eq!(no.action, Action::None, "{no:?}");
    let same = d.turn("when I say my browser I mean Firefox", &ctx);
    assert_eq!(same.reply.text, "Your browser means Firefox already.");
    assert_eq!(same.action, Action::None);
    // Only a real package is a meaning.
    let not = d.turn("when i say my wifi i mean broken", &ctx);
    assert_ne!(not.interpretation.intent, IntentKind::Vocabulary);
    assert!(!matches!(not.action, Action::Learn { .. }), "{not:?}");
}

#[test]
fn a_service_resolved_by_a_clarification_is_learned_too() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    // A name near several services: which one is asked.
    let (options, said) = the_first_one(&mut d, "turn on the net thing", &ctx);
    assert!(
        options
            .iter()
            .all(|o| o.intent == IntentKind::EnableService),
        "{options:?}"
    );
    let service = options[0].slots["service"].clone();
    assert!(
        said.contains("I will remember that the net thing means "),
        "{said}"
    );
    let learned = d.take_learned().expect("learned");
    assert_eq!(learned.slot, "service");
    assert_eq!(learned.value, service);
    assert_eq!(learned.phrase, "net thing");

    // Next time the phrase is the service: turned off with no question about which.
    let words = [learned];
    let mut ctx = Context::new(&index, Ok(&files), &settings);
    ctx.vocabulary = &words;
    let mut d = Dialogue::new(Preferences::default());
    let direct = d.turn("turn the net thing off", &ctx);
    assert!(
        matches!(&direct.action, Action::Confirm { plan } if plan.intent == IntentKind::DisableService),
        "{direct:?}"
    );
    let what = Dialogue::new(Preferences::default()).turn("what do you call the net thing", &ctx);
    assert!(
        what.reply
            .text
            .starts_with("The net thing means NetworkManager"),
        "{}",
        what.reply.text
    );
}

/// A reading the engine corrected ("the printer thing" is printing) and the user confirmed
/// with a yes is a clarification resolved: its phrase is learned once the change went
/// through. A name only misspelt ("fierfox") is not a phrase of the user's, and teaches
/// nothing.
#[test]
fn a_corrected_reading_confirmed_by_yes_is_learned() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let asked = d.turn("turn on the printer thing", &ctx);
    assert!(
        asked.reply.text.starts_with("I understood printing."),
        "{}",
        asked.reply.text
    );
    let yes = d.turn("yes", &ctx);
    let Action::Execute { plan } = &yes.action else {
        panic!("runs after the yes: {yes:?}");
    };
    assert_eq!(d.take_learned(), None, "not before it went through");
    let said = d.outcome(plan, &ok(), &ctx).text;
    assert!(
        said.contains("I will remember that the printer thing means printing."),
        "{said}"
    );
    let learned = d.take_learned().expect("learned");
    assert_eq!(
        (
            learned.slot.as_str(),
            learned.value.as_str(),
            learned.phrase.as_str()
        ),
        ("service", "printing", "printer thing")
    );
    let words = [learned];
    let mut ctx = Context::new(&index, Ok(&files), &settings);
    ctx.vocabulary = &words;
    let direct = Dialogue::new(Preferences::default()).turn("turn off the printer thing", &ctx);
    assert!(
        matches!(&direct.action, Action::Confirm { plan } if plan.intent == IntentKind::DisableService && plan.subjects.iter().any(|s| s.contains("print"))),
        "{direct:?}"
    );
    assert!(
        !direct.reply.text.starts_with("I understood"),
        "the learned phrase needs no correction: {}",
        direct.reply.text
    );

    for (request, heard) in [
        ("install fierfox", "Firefox"),
        ("install thunderbrid", "Thunderbird"),
        ("enable blutooth", "bluetooth"),
    ] {
        let ctx = Context::new(&index, Ok(&files), &settings);
        let mut d = Dialogue::new(Preferences::default());
        let asked = d.turn(request, &ctx);
        assert!(
            asked
                .reply
                .text
                .starts_with(&format!("I understood {heard}.")),
            "{request}: corrected first: {}",
            asked.reply.text
        );
        let yes = d.turn("yes", &ctx);
        let Action::Execute { plan } = &yes.action else {
            panic!("{request}: runs after the yes: {asked:?} {yes:?}");
        };
        let said = d.outcome(plan, &ok(), &ctx).text;
        assert!(!said.contains("remember"), "{request}: {said}");
        assert_eq!(d.take_learned(), None, "{request}");
    }
}
