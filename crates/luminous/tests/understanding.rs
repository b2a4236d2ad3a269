//! The model for requests the rules do not understand, for real: the fetched sentence
//! embedding model (shared test data folder) run by the real `luminous-llm` worker, asked by
//! `ask` and `chat`. A request no rule matched becomes one yes/no question of the right
//! kind, marked as a guess, and a yes carries it out; a request the rules handle is answered
//! as without the model; the examples' vectors are kept in a cache file; `auto` uses the
//! model once it is installed, and nothing without it.

mod common;

use common::{Env, plain};

/// Words no rule matches, and that are not any registry example.
const PARAPHRASE: &str = "what sort of jobs are you able to handle for me";

fn with(setting: &str) -> Env {
    let e = Env::new();
    e.settings(setting);
    e
}

/// A generous budget: these tests are about what the model says, not how soon (a loaded CI
/// machine can take longer than the default 800 ms to start the worker).
const BUDGET: &str = "language_model_budget_ms = 30000\n";

fn with_model() -> Env {
    with(&format!(
        "language_model = \"{}\"\n{BUDGET}",
        common::speech::embedding_model().display()
    ))
}

fn guessed(v: &serde_json::Value) -> bool {
    v["notes"]
        .as_array()
        .is_some_and(|n| n.iter().any(|n| n["kind"] == "guessed"))
}

#[test]
fn requires_models_a_request_no_rule_matched_is_asked_about_then_done() {
    let off = with("language_model = \"off\"\n");
    let v = off.ask_json(&["--dry-run", "--no-rebuild"], PARAPHRASE);
    assert_eq!(v["intent"], "unknown", "the rules alone: {v}");

    let e = with_model();
    let v = e.ask_json(&["--dry-run", "--no-rebuild"], PARAPHRASE);
    assert_eq!(v["intent"], "help", "{v}");
    assert!(guessed(&v), "{v}");
    assert_eq!(v["options"].as_array().map(Vec::len), Some(1), "{v}");
    let reply = v["reply"].as_str().unwrap_or_default();
    assert!(
        reply.starts_with("I am not sure I understood. Did you want to ")
            && reply.ends_with("Say yes or no."),
        "{reply}"
    );
    assert!(v["plan"].is_null(), "nothing is done before the yes: {v}");

    // The examples' vectors are kept for the next process; a damaged file is worked out
    // again and rewritten.
    let cached: Vec<std::path::PathBuf> = common::files_under(&e.path("data/luminous/cache"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let kept: Vec<Vec<f32>> =
        serde_json::from_slice(&std::fs::read(&cached[0]).expect("read")).expect("vectors");
    assert!(kept.len() > 50 && kept.iter().all(|v| v.len() == 384));
    std::fs::write(&cached[0], "not vectors").expect("damage it");
    let again = e.ask_json(&["--dry-run", "--no-rebuild"], PARAPHRASE);
    assert_eq!(again["intent"], "help", "{again}");
    let rewritten: Vec<Vec<f32>> =
        serde_json::from_slice(&std::fs::read(&cached[0]).expect("read")).expect("rewritten");
    assert_eq!(rewritten.len(), kept.len());

    // In a conversation: the question, a yes, then what was asked for.
    let t = e.chat(&["--no-rebuild"], &[PARAPHRASE, "yes", "quit"]);
    plain(&t);
    let lines: Vec<&str> = t.lines().collect();
    assert!(
        lines.get(1).is_some_and(|l| l.contains("Did you want to")),
        "{t}"
    );
    assert!(
        lines.get(2).is_some_and(|l| l.starts_with("You can say:")),
        "{t}"
    );
}

#[test]
fn requires_models_a_request_the_rules_handle_is_answered_as_without_the_model() {
    let e = with_model();
    let off = with("language_model = \"off\"\n");
    for request in [
        "install firefox",
        "roll back",
        "how much disk space is left",
    ] {
        let with_it = e.ask_json(&["--dry-run", "--no-rebuild"], request);
        let without = off.ask_json(&["--dry-run", "--no-rebuild"], request);
        assert!(!guessed(&with_it), "{with_it}");
        for field in ["intent", "slots", "options", "reply", "confidence"] {
            assert_eq!(with_it[field], without[field], "{request}: {field}");
        }
    }
}

#[test]
fn requires_models_auto_uses_the_default_model_once_it_is_installed() {
    // No model in this home: the rules alone, and no note about it on every request.
    let e = with(BUDGET);
    let out = e
        .cmd()
        .args(["ask", "--json", "--dry-run", "--no-rebuild", PARAPHRASE])
        .output()
        .expect("runs");
    let v = common::last_json(&out);
    assert_eq!(v["intent"], "unknown", "{v}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("language model"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Installed where `luminous models fetch` puts it: used.
    let weights = common::speech::embedding_model();
    let models = e.path("data/luminous/models");
    std::fs::create_dir_all(&models).expect("models folder");
    for suffix in ["safetensors", "tokenizer.json", "config.json"] {
        let name = format!("all-MiniLM-L6-v2.{suffix}");
        let from = weights.with_file_name(&name);
        std::os::unix::fs::symlink(&from, models.join(&name)).expect("link");
    }
    let v = e.ask_json(&["--dry-run", "--no-rebuild"], PARAPHRASE);
    assert_eq!(v["intent"], "help", "{v}");
    assert!(guessed(&v), "{v}");
}
