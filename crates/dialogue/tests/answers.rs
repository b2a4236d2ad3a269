//! The confirmation rule as a table: answers to a pending "Install Firefox?" (and to a
//! high-risk "Remove VLC?"), and what each must lead to. Only an answer that is wholly an
//! affirmation runs the plan; a clear no cancels; a question is answered and asked again; a
//! new request drops the question; anything else asks again once, then cancels.
//!
//! The answers are in tests/data/answers.tsv (shared with the spoken test), which says how
//! they were made.

use luminous_dialogue::{Action, Context, Dialogue, Preferences, Settings, Spoken, Turn};
use luminous_intent::curated_index;
use luminous_nixcfg::edit::SourceFile;

const CONFIG: &str = "{ config, pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [\n    vim\n    vlc\n  ];\n}\n";

/// What an answer must lead to.
#[derive(Debug, Clone, PartialEq)]
enum Leads {
    /// The plan runs.
    Runs,
    /// Cancelled, nothing changed.
    Cancels,
    /// The question is asked again (short form), still pending.
    AsksAgain,
    /// A question about the plan: answered, still pending.
    Explains,
    /// The question is dropped and this new request handled.
    New(String),
    /// Anything else (a failure, described).
    Unexpected(String),
}

/// The answers of one section of tests/data/answers.tsv.
fn answers(section: &str) -> Vec<(String, Leads)> {
    let text = include_str!("../../../tests/data/answers.tsv");
    let mut current = String::new();
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_owned();
            continue;
        }
        if current != section {
            continue;
        }
        let (said, leads) = line.split_once('\t').expect("answer<TAB>leads");
        let leads = match leads.split_once(' ') {
            Some(("new", intent)) => Leads::New(intent.to_owned()),
            _ => match leads {
                "runs" => Leads::Runs,
                "cancels" => Leads::Cancels,
                "asks_again" => Leads::AsksAgain,
                "explains" => Leads::Explains,
                other => panic!("unknown outcome {other}"),
            },
        };
        out.push((said.to_owned(), leads));
    }
    out
}

fn files() -> Vec<SourceFile> {
    vec![SourceFile {
        name: "/etc/nixos/configuration.nix".into(),
        text: CONFIG.into(),
    }]
}

/// Ask `request`, then answer `answer` (typed, or spoken with this certainty).
fn answer(request: &str, answer: &str, spoken: Option<Spoken>) -> (Dialogue, Turn) {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let first = d.turn(request, &ctx);
    assert!(
        matches!(first.action, Action::Confirm { .. }),
        "{request}: {:?}",
        first.reply
    );
    let t = match spoken {
        Some(s) => d.turn_spoken(answer, &s, &ctx),
        None => d.turn(answer, &ctx),
    };
    (d, t)
}

/// True when the turn runs the pending Firefox plan.
fn runs_firefox(t: &Turn) -> bool {
    matches!(&t.action, Action::Execute { plan } if plan.summary.starts_with("Install Firefox"))
}

fn leads(d: &Dialogue, t: &Turn) -> Leads {
    let text = &t.reply.text;
    if text.starts_with("I dropped the earlier question") {
        return Leads::New(t.interpretation.intent.name().to_owned());
    }
    match &t.action {
        _ if runs_firefox(t) => Leads::Runs,
        Action::Confirm { plan } if plan.summary.starts_with("Install Firefox") => {
            if text == "Install Firefox for the whole system? Please say yes or no." {
                Leads::AsksAgain
            } else if text.ends_with("Say yes or no.") && text.len() > 80 {
                Leads::Explains
            } else {
                Leads::Unexpected(text.clone())
            }
        }
        Action::None if !d.awaiting_answer() && text.contains("did not change") => Leads::Cancels,
        other => Leads::Unexpected(format!("{other:?}: {text}")),
    }
}

/// Every answer of a section leads where it must, and none but a yes runs the plan.
fn check_section(section: &str) {
    let table = answers(section);
    let mut wrong = Vec::new();
    for (said, want) in &table {
        let (d, t) = answer("install firefox", said, None);
        let got = leads(&d, &t);
        if got != *want {
            wrong.push(format!("{said:?}: want {want:?}, got {got:?}"));
        }
        if *want != Leads::Runs {
            assert!(!runs_firefox(&t), "{said:?} ran the plan");
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        table.len(),
        wrong.join("\n")
    );
}

#[test]
fn only_a_clear_yes_runs_the_plan() {
    assert!(answers("first").len() >= 60);
    check_section("first");
}

#[test]
fn a_second_set_written_apart() {
    check_section("second");
}

#[test]
fn a_second_unclear_answer_cancels() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    d.turn("install firefox", &ctx);
    let t = d.turn("hmm, hold on", &ctx);
    assert_eq!(
        t.reply.text,
        "Install Firefox for the whole system? Please say yes or no."
    );
    let t = d.turn("maybe later", &ctx);
    assert_eq!(
        t.reply.text,
        "I did not get a clear yes, so I did not change anything."
    );
    assert!(!d.awaiting_answer());
    assert_eq!(t.action, Action::None);
    // Saying the request again asks its question again, from the start.
    d.turn("install firefox", &ctx);
    d.turn("hold on", &ctx);
    let t = d.turn("install firefox", &ctx);
    assert!(
        t.reply.text == "Install Firefox and rebuild? Yes or no?",
        "{:?}",
        t.reply
    );
    let t = d.turn("maybe", &ctx);
    assert_eq!(
        t.reply.text,
        "Install Firefox for the whole system? Please say yes or no."
    );
    d.turn("no", &ctx);
    // A question does not count as an unclear answer.
    d.turn("install firefox", &ctx);
    d.turn("what will it do?", &ctx);
    let t = d.turn("um", &ctx);
    assert!(matches!(t.action, Action::Confirm { .. }), "{:?}", t.reply);
    assert!(matches!(d.turn("yes", &ctx).action, Action::Execute { .. }));
}

#[test]
fn high_risk_questions_name_the_action_and_an_uncertain_spoken_yes_is_asked_again() {
    // Whisper's word probabilities: the yes itself counts, not its fillers.
    let heard = |p: f32| Spoken {
        confidence: 0.2,
        overlapped: false,
        words: vec![("Yes".into(), p), ("please".into(), 0.2)],
    };
    let (_, t) = answer("remove vlc", "yes please", Some(heard(0.95)));
    assert!(matches!(t.action, Action::Execute { .. }), "{:?}", t.reply);
    let (mut d, t) = answer("remove vlc", "yes please", Some(heard(0.45)));
    assert_eq!(
        t.reply.text,
        "I want to be sure I heard you. Remove VLC from the system? Please say yes or no."
    );
    assert!(matches!(t.action, Action::Confirm { .. }));
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    assert!(matches!(
        d.turn_spoken("yes", &heard(0.9), &ctx).action,
        Action::Execute { .. }
    ));
    // A second unsure yes is a second unclear answer: cancelled.
    let (mut d, _) = answer("remove vlc", "yes", Some(heard(0.45)));
    let t = d.turn_spoken("yes", &heard(0.4), &ctx);
    assert_eq!(
        t.reply.text,
        "I did not get a clear yes, so I did not change anything."
    );
    // A low-risk plan takes a yes heard with less certainty, but not one barely heard
    // ("nah" heard as "Yeah").
    let (_, t) = answer("install firefox", "yes please", Some(heard(0.45)));
    assert!(matches!(t.action, Action::Execute { .. }), "{:?}", t.reply);
    let (_, t) = answer("install firefox", "yeah", Some(heard(0.27)));
    assert!(matches!(t.action, Action::Confirm { .. }), "{:?}", t.reply);
    // "Yeah" is also what "nah" becomes: it must be heard as surely as a high-risk yes.
    let yeah = |p: f32| Spoken {
        confidence: p,
        overlapped: false,
        words: vec![("Yeah.".into(), p)],
    };
    let (_, t) = answer("install firefox", "yeah", Some(yeah(0.5)));
    assert!(matches!(t.action, Action::Confirm { .. }), "{:?}", t.reply);
    let (_, t) = answer("install firefox", "yeah", Some(yeah(0.9)));
    assert!(matches!(t.action, Action::Execute { .. }), "{:?}", t.reply);
    // Typed text is as certain as it gets.
    let (_, t) = answer("remove vlc", "yes", None);
    assert!(matches!(t.action, Action::Execute { .. }));
    // Every high-risk question says what will happen, in words.
    for (request, named) in [
        ("remove vlc", "Remove VLC"),
        ("roll back", "Go back to the previous system generation"),
        ("clean up old generations", "Delete generations older than"),
        ("turn off the firewall", "Turn off the firewall"),
        ("disable ssh", "Turn off the SSH server"),
        ("update the system", "Update the system"),
    ] {
        let index = curated_index();
        let files = vec![SourceFile {
            name: "/etc/nixos/configuration.nix".into(),
            text: "{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.vlc ];\n  services.openssh.enable = true;\n}\n".into(),
        }];
        let ctx = Context::new(&index, Ok(&files), &settings);
        let mut d = Dialogue::new(Preferences::default());
        let t = d.turn(request, &ctx);
        let Action::Confirm { plan } = &t.action else {
            panic!("{request}: {:?}", t.reply);
        };
        assert_eq!(plan.risk, luminous_dialogue::Risk::High, "{request}");
        assert!(
            t.reply.text.starts_with(named),
            "{request}: {}",
            t.reply.text
        );
        let again = d.turn("uh", &ctx);
        assert!(
            again.reply.text.starts_with(named),
            "{request} asked again: {}",
            again.reply.text
        );
    }
}

#[test]
fn speech_over_the_assistant_is_never_an_answer() {
    let over = Spoken {
        confidence: 0.99,
        overlapped: true,
        words: vec![("yes".into(), 0.99)],
    };
    let (d, t) = answer("install firefox", "yes", Some(over.clone()));
    assert_eq!(
        t.reply.text,
        "I was still speaking, so I did not take that as an answer. Install Firefox for the whole system? Please say yes or no."
    );
    assert!(d.awaiting_answer());
    // Stopping is always allowed, over speech or not.
    let (d, t) = answer("install firefox", "stop", Some(over));
    assert!(!d.awaiting_answer(), "{:?}", t.reply);
    assert!(!matches!(t.action, Action::Execute { .. }));
}

#[test]
fn a_one_option_question_takes_the_same_rule() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    for (answer, confirms) in [
        ("yes", true),
        ("yes please", true),
        ("yes wait", false),
        ("sure, actually no", false),
        ("ok but what is it", false),
    ] {
        let mut d = Dialogue::new(Preferences::default());
        let t = d.turn("gatsby chromium", &ctx);
        assert!(matches!(t.action, Action::Choose { .. }), "{:?}", t.reply);
        let t = d.turn(answer, &ctx);
        // A picked install option is then confirmed as any install is.
        assert_eq!(
            matches!(t.action, Action::Confirm { .. }),
            confirms,
            "{answer}: {:?}",
            t.reply
        );
    }
}

#[test]
fn asking_what_it_can_do_while_asked_answers_that_and_asks_again() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    for (request, question) in [
        ("install firefox", "Install Firefox and rebuild? Yes or no?"),
        ("find a music player", ""),
    ] {
        for about in [
            "what can you do",
            "What can I say?",
            "what do you know?",
            "um, what do you know",
        ] {
            let mut d = Dialogue::new(Preferences::default());
            let first = d.turn(request, &ctx);
            let asked = first.reply.text.clone();
            assert!(
                matches!(first.action, Action::Confirm { .. } | Action::Choose { .. }),
                "{request}: {asked}"
            );
            if !question.is_empty() {
                assert_eq!(asked, question);
            }
            let t = d.turn(about, &ctx);
            assert!(
                t.reply.text.starts_with("You can say:"),
                "{about}: {}",
                t.reply.text
            );
            // The question stays, unchanged, and is asked again at the end.
            assert_eq!(
                std::mem::discriminant(&t.action),
                std::mem::discriminant(&first.action),
                "{about}: {:?}",
                t.action
            );
            let lower = t.reply.text.to_lowercase();
            let again = lower.ends_with("yes or no.") || lower.ends_with("or cancel.");
            assert!(again, "{about}: {}", t.reply.text);
            if !question.is_empty() {
                assert!(
                    t.reply.text.contains("Install Firefox"),
                    "{about}: {}",
                    t.reply.text
                );
                assert!(matches!(d.turn("yes", &ctx).action, Action::Execute { .. }));
            }
        }
    }
    // A bare "help" while asked is about the question: its details.
    let mut d = Dialogue::new(Preferences::default());
    d.turn("install firefox", &ctx);
    let t = d.turn("help", &ctx);
    assert!(
        t.reply.text.contains("configuration.nix"),
        "{}",
        t.reply.text
    );
    assert!(matches!(t.action, Action::Confirm { .. }));
}

#[test]
fn a_confirmation_is_brief_and_tell_me_more_gives_the_details() {
    let index = curated_index();
    let files = files();
    let settings = Settings::default();
    let ctx = Context::new(&index, Ok(&files), &settings);
    let mut d = Dialogue::new(Preferences::default());
    let t = d.turn("install firefox", &ctx);
    assert_eq!(t.reply.text, "Install Firefox and rebuild? Yes or no?");
    for more in ["tell me more", "what will that do?"] {
        let t = d.turn(more, &ctx);
        assert!(matches!(t.action, Action::Confirm { .. }), "{more}");
        assert_eq!(
            t.reply.text,
            "Install Firefox for the whole system? I will change configuration.nix and rebuild, \
             which can take a few minutes. Command: nixos-rebuild switch, as administrator. Say yes or no.",
            "{more}"
        );
    }
    assert!(matches!(d.turn("yes", &ctx).action, Action::Execute { .. }));
    // Detailed by choice, then back to normal.
    let t = d.turn("give me more detail", &ctx);
    assert_eq!(t.reply.text, "All right, I will give more detail.");
    let t = d.turn("install firefox", &ctx);
    assert!(
        t.reply.text.contains("configuration.nix"),
        "{}",
        t.reply.text
    );
    d.turn("no", &ctx);
    let t = d.turn("back to normal detail please", &ctx);
    assert_eq!(
        t.reply.text,
        "All right, back to the usual amount of detail."
    );
    let t = d.turn("install firefox", &ctx);
    assert_eq!(t.reply.text, "Install Firefox and rebuild? Yes or no?");
}
