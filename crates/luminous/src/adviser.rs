//! The dialogue's second opinion from a local model: the `luminous-llm` worker, kept by
//! `luminous_llm::keeper`, asked within a time budget which kind of request the words are
//! (a language model picks a label; an embedding model's vectors are compared with the
//! registry's examples).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, TryLockError};
use std::time::{Duration, Instant};

use luminous_dialogue::advice::{Adviser, LABELS, Opinion};
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

/// How the model is asked.
#[derive(Debug)]
enum Mode {
    /// A language model picks a label, told this instruction.
    Pick(Arc<str>),
    /// An embedding model: the registry examples' vectors, once worked out.
    Embed(Arc<Vectors>),
}

/// The registry examples' vectors: worked out once by the model (which is deterministic, so
/// they outlive a restart of the worker), and kept in a cache file, so that the next process
/// (a one-shot `luminous ask`) need not work them out again.
#[derive(Debug)]
struct Vectors {
    cell: OnceLock<Vec<Vec<f32>>>,
    /// The cache file, named after the model file and the examples; None: no cache.
    file: Option<PathBuf>,
}

impl Vectors {
    /// The vectors of `model`, to be kept under `cache_dir`. Nothing is read yet: a session
    /// whose requests the rules all handle never reads the file.
    fn new(model: &Path, cache_dir: Option<&Path>) -> Vectors {
        Vectors {
            cell: OnceLock::new(),
            file: cache_dir.map(|d| d.join(format!("examples-{:016x}.json", cache_key(model)))),
        }
    }

    /// The vectors: worked out already in this process, else from the cache file if it is
    /// there and fits.
    fn get(&self) -> Option<&Vec<Vec<f32>>> {
        if let Some(v) = self.cell.get() {
            return Some(v);
        }
        let read = self
            .file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|b| serde_json::from_slice::<Vec<Vec<f32>>>(&b).ok())
            .filter(|v| fits(v))?;
        let _ = self.cell.set(read);
        self.cell.get()
    }

    /// Keep `v` (the first time), and write it to the cache file (a failure to write only
    /// costs the next process the time to work them out again).
    fn keep(&self, v: Vec<Vec<f32>>) {
        if !fits(&v) || self.cell.set(v).is_err() {
            return;
        }
        if let (Some(file), Some(v)) = (&self.file, self.cell.get())
            && let Some(dir) = file.parent()
            && std::fs::create_dir_all(dir).is_ok()
            && let Ok(json) = serde_json::to_vec(v)
        {
            let tmp = file.with_extension("tmp");
            if std::fs::write(&tmp, json).is_ok() {
                let _ = std::fs::rename(&tmp, file);
            }
        }
    }
}

/// One vector per example, all of one non-zero length.
fn fits(v: &[Vec<f32>]) -> bool {
    v.len() == examples_texts().len()
        && v.first().is_some_and(|f| !f.is_empty())
        && v.iter()
            .all(|e| e.len() == v[0].len() && e.iter().all(|x| x.is_finite()))
}

/// What names a cache of vectors: the model file (path, size, modification time) and the
/// examples' words.
fn cache_key(model: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    model.hash(&mut h);
    if let Ok(m) = std::fs::metadata(model) {
        m.len().hash(&mut h);
        m.modified().ok().hash(&mut h);
    }
    examples_texts().hash(&mut h);
    h.finish()
}

/// The model behind the dialogue's [`Adviser`] trait.
#[derive(Debug)]
pub struct ModelAdviser {
    keeper: Arc<Mutex<Keeper>>,
    budget: Duration,
    mode: Mode,
    model_name: String,
    log: Mutex<Vec<Consulted>>,
    notices: Mutex<Vec<String>>,
}

impl ModelAdviser {
    /// The model at `model`, run by `worker`, answering within `budget`: a sentence-embedding
    /// model when `model` is a `.safetensors` file or a folder (its examples' vectors kept
    /// under `cache_dir`), else a GGUF language model.
    pub fn new(
        worker: PathBuf,
        model: PathBuf,
        budget: Duration,
        cache_dir: Option<&Path>,
    ) -> ModelAdviser {
        let embeds = model.is_dir() || model.extension().is_some_and(|e| e == "safetensors");
        ModelAdviser {
            mode: if embeds {
                Mode::Embed(Arc::new(Vectors::new(&model, cache_dir)))
            } else {
                Mode::Pick(luminous_dialogue::advice::pick_system().into())
            },
            model_name: model
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            keeper: Arc::new(Mutex::new(Keeper::new(Config::new(worker, model)))),
            budget,
            log: Mutex::new(Vec::new()),
            notices: Mutex::new(Vec::new()),
        }
    }

    /// Load the model and do once ahead what every request needs (read the instruction
    /// into the worker's cache, or work out the examples' vectors). Waits for it.
    pub fn prime(&self) -> bool {
        match &self.mode {
            Mode::Pick(system) => self
                .ask(pick_task(system, "hello"), Duration::from_secs(60), true)
                .is_some_and(|o| matches!(o, Outcome::Scores(_))),
            Mode::Embed(cache) => {
                if cache.get().is_some() {
                    return true;
                }
                let task = embed_task(examples_texts());
                if let Some(Outcome::Vectors(v)) = self.ask(task, Duration::from_secs(60), true) {
                    cache.keep(v);
                }
                cache.get().is_some()
            }
        }
    }

    /// [`ModelAdviser::prime`] in the background (when a session starts, and when speech
    /// starts, so that loading overlaps transcription). A request meanwhile waits for it
    /// only within its budget; past that the rules' reply stands.
    pub fn warm(&self) {
        let keeper = Arc::clone(&self.keeper);
        let (task, cache) = match &self.mode {
            Mode::Pick(system) => (pick_task(system, "hello"), None),
            // Vectors known already (this process, or the cache file): only load the model.
            Mode::Embed(cache) if cache.get().is_some() => (Task::Ping, None),
            Mode::Embed(cache) => (embed_task(examples_texts()), Some(Arc::clone(cache))),
        };
        let _ = std::thread::Builder::new()
            .name("llm-warm".into())
            .spawn(move || {
                if let Ok(mut k) = keeper.lock() {
                    let answer = k.ask(task, Duration::from_secs(60));
                    if let (Some(cache), Ok(Outcome::Vectors(v))) = (cache, answer) {
                        cache.keep(v);
                    }
                }
            });
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
    /// Ask `task` within `budget`; `wait`: for the worker to be free however long that
    /// takes, else only within the budget (a worker still loading in the background, or
    /// answering another request, is then no answer).
    fn ask(&self, task: Task, budget: Duration, wait: bool) -> Option<Outcome> {
        let start = Instant::now();
        let mut keeper = loop {
            match self.keeper.try_lock() {
                Ok(k) => break k,
                Err(TryLockError::WouldBlock) if wait => break self.keeper.lock().ok()?,
                Err(TryLockError::WouldBlock) if start.elapsed() < budget => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return None,
            }
        };
        let left = budget.saturating_sub(start.elapsed());
        if left.is_zero() {
            return None;
        }
        let answer = keeper.ask(task, left);
        if let Some(n) = keeper.take_notice()
            && let Ok(mut notices) = self.notices.lock()
        {
            notices.push(n);
        }
        answer.ok()
    }

    /// The cosine similarity of `text` to each registry example, from the embedding model:
    /// the examples' vectors (worked out now, with the request's, when warming has not done
    /// it yet), then dot products (the vectors are of unit length).
    fn by_similarity(&self, cache: &Vectors, text: &str) -> Option<Vec<f32>> {
        let (examples, request) = match cache.get() {
            Some(e) => match self.ask(embed_task(vec![text.to_owned()]), self.budget, false)? {
                Outcome::Vectors(mut v) if v.len() == 1 => (e, v.pop()?),
                _ => return None,
            },
            None => {
                let mut texts = examples_texts();
                texts.push(text.to_owned());
                match self.ask(embed_task(texts), self.budget, false)? {
                    // One more than the examples: the request's is the last.
                    Outcome::Vectors(mut v) if v.len() == examples_texts().len() + 1 => {
                        let request = v.pop()?;
                        cache.keep(v);
                        (cache.get()?, request)
                    }
                    _ => return None,
                }
            }
        };
        Some(
            examples
                .iter()
                .map(|e| e.iter().zip(&request).map(|(a, b)| a * b).sum())
                .collect(),
        )
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
    fn pick(&self, text: &str) -> Option<Opinion> {
        let start = Instant::now();
        let opinion = match &self.mode {
            Mode::Pick(system) => match self.ask(pick_task(system, text), self.budget, false) {
                Some(Outcome::Scores(s)) if s.len() == LABELS.len() => Some(Opinion::Labels(s)),
                _ => None,
            },
            Mode::Embed(cache) => self.by_similarity(cache, text).map(Opinion::Examples),
        };
        self.logged(start, opinion.is_some());
        opinion
    }
}

/// A language model's pick among the labels for `text`, told `system`.
fn pick_task(system: &str, text: &str) -> Task {
    Task::Pick {
        chat: Chat {
            system: system.to_owned(),
            user: luminous_dialogue::advice::pick_request(text),
        },
        labels: LABELS.iter().map(|(_, l)| (*l).to_owned()).collect(),
    }
}

/// The registry's examples, the sentences an embedding model compares requests with.
fn examples_texts() -> Vec<String> {
    luminous_dialogue::advice::examples()
        .into_iter()
        .map(|(_, e)| e.to_owned())
        .collect()
}

fn embed_task(texts: Vec<String>) -> Task {
    Task::Embed { texts }
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
        LanguageModel::Auto => match crate::voice::default_file(data, DEFAULT_MODEL) {
            Ok(p) if p.is_file() => p,
            _ => return Ok(None),
        },
        LanguageModel::File(p) => p.clone(),
        LanguageModel::Component(id) => crate::voice::default_file(data, id)
            .map_err(|e| format!("The language model {id} is unknown: {e:#}."))?,
    };
    if !model.is_file() && !model.is_dir() {
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
        Some(&data.join("cache")),
    )))
}

/// What `status` says when no model is asked: turned off, or the default not installed.
pub fn off_line(files: &VoiceFiles) -> String {
    match files.language_model {
        LanguageModel::Auto => format!(
            "off (the rules work alone; luminous models fetch {DEFAULT_MODEL} adds the model \
             for requests they do not understand)"
        ),
        _ => "off (the rules work alone)".to_owned(),
    }
}

/// The component `language_model = "on"` (and "auto", when installed) uses: the sentence
/// embedding model, chosen by the held-out set (docs/performance.md): more requests right
/// than the 0.5B language model, no more wrong actions, in a twentieth of the time.
pub const DEFAULT_MODEL: &str = "embed-minilm-l6-v2";
