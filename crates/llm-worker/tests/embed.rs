//! The worker with the fetched sentence-embedding model (all-MiniLM-L6-v2), for real: unit
//! vectors, a paraphrase nearer than an unrelated request, a missed deadline, an idle exit,
//! and a language model's task refused with a reason. Fetched once into the shared test data
//! folder (LUMINOUS_TEST_DATA, default /var/tmp/luminous-test-data).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use luminous_llm::keeper::{Config, Error, Keeper};
use luminous_llm::protocol::{Chat, Outcome, Task};

fn model() -> PathBuf {
    common::fetched("embed-minilm-l6-v2")
}

fn embed(k: &mut Keeper, texts: &[&str], budget: Duration) -> Result<Vec<Vec<f32>>, Error> {
    let task = Task::Embed {
        texts: texts.iter().map(|t| (*t).to_owned()).collect(),
    };
    match k.ask(task, budget)? {
        Outcome::Vectors(v) => Ok(v),
        other => panic!("not vectors: {other:?}"),
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn requires_models_requests_become_unit_vectors_and_paraphrases_are_near() {
    let mut k = Keeper::new(Config::new(
        PathBuf::from(env!("CARGO_BIN_EXE_luminous-llm")),
        model(),
    ));
    let v = embed(
        &mut k,
        &[
            "how much free space does my disk have",
            "is my hard drive getting full",
            "play some jazz music",
            "",
        ],
        Duration::from_secs(30),
    )
    .expect("answered");
    assert_eq!(v.len(), 4);
    for e in &v {
        assert_eq!(e.len(), 384);
        let norm = dot(e, e).sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "not unit length: {norm}");
    }
    let near = dot(&v[0], &v[1]);
    let far = dot(&v[0], &v[2]);
    assert!(near > far + 0.2, "paraphrase {near}, unrelated {far}");
    // The same text twice gives the same vector (the adviser keeps the examples' vectors).
    let again = embed(
        &mut k,
        &["is my hard drive getting full"],
        Duration::from_secs(5),
    )
    .expect("answered");
    assert!(dot(&again[0], &v[1]) > 0.9999);
    // A language model's task is refused with a reason, and the worker goes on.
    let pick = Task::Pick {
        chat: Chat {
            system: "s".into(),
            user: "u".into(),
        },
        labels: vec!["a".into()],
    };
    match k.ask(pick, Duration::from_secs(5)) {
        Err(Error::Failed(why)) => assert!(why.contains("only embeds"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(embed(&mut k, &["still there"], Duration::from_secs(5)).is_ok());
    assert!(k.loaded().is_some_and(|l| l.load_ms < 30_000));
}

#[test]
fn requires_models_too_much_for_the_budget_is_late_and_the_worker_goes_on() {
    let mut k = Keeper::new(Config::new(
        PathBuf::from(env!("CARGO_BIN_EXE_luminous-llm")),
        model(),
    ));
    embed(&mut k, &["warm up"], Duration::from_secs(30)).expect("answered");
    let many: Vec<String> = (0..2000)
        .map(|i| format!("sentence number {i}, long enough to be some work for the model to read"))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let start = Instant::now();
    let late = embed(&mut k, &refs, Duration::from_millis(20));
    assert!(
        matches!(late, Err(Error::Late) | Err(Error::Failed(_))),
        "{:?}",
        late.map(|v| v.len())
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let v = embed(
        &mut k,
        &["answered after a late one"],
        Duration::from_secs(30),
    )
    .expect("the next request is answered");
    assert_eq!(v.len(), 1);
}

#[test]
fn requires_models_an_idle_embedding_worker_exits_then_starts_again() {
    let mut cfg = Config::new(PathBuf::from(env!("CARGO_BIN_EXE_luminous-llm")), model());
    cfg.idle = Duration::from_millis(700);
    let mut k = Keeper::new(cfg);
    embed(&mut k, &["hello"], Duration::from_secs(30)).expect("answered");
    let pid = k.pid().expect("running");
    let start = Instant::now();
    while k.pid().is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the idle worker never exited"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    embed(&mut k, &["hello again"], Duration::from_secs(30)).expect("started again");
    assert_ne!(k.pid(), Some(pid));
}
