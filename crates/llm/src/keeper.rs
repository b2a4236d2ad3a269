//! The worker's keeper: starts `luminous-llm` on demand, sends it requests with a deadline,
//! notices when it went away (idle exit, or a crash), restarts it with backoff, and turns
//! the model off with one plain notice after repeated crashes.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::protocol::{Hello, Outcome, Request, Response, Task};

/// How the worker is run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `luminous-llm` executable.
    pub program: PathBuf,
    /// The GGUF model file.
    pub model: PathBuf,
    /// Threads for the model (the worker caps them at the machine's cores).
    pub threads: Option<u32>,
    /// The worker exits after this long without a request.
    pub idle: Duration,
    /// Crashes in a row after which the model is turned off.
    pub max_crashes: u32,
    /// The wait after the first crash, doubled after each further one.
    pub backoff: Duration,
}

impl Config {
    /// Defaults for `model` run by `program`: idle exit after three minutes, off after three
    /// crashes in a row, a second's wait after the first.
    pub fn new(program: PathBuf, model: PathBuf) -> Config {
        Config {
            program,
            model,
            threads: None,
            idle: Duration::from_secs(180),
            max_crashes: 3,
            backoff: Duration::from_secs(1),
        }
    }
}

/// Why a request got no answer. Every one of them means: fall back to the rules' question.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// Turned off after repeated crashes.
    #[error("the language model is turned off after it stopped working {0} times")]
    Disabled(u32),
    /// Waiting before the next restart.
    #[error("the language model is restarting")]
    Backoff,
    /// No answer within the time budget (still loading, or still working).
    #[error("the language model did not answer in time")]
    Late,
    /// The worker went away in the middle of the request.
    #[error("the language model stopped: {0}")]
    Crashed(String),
    /// The worker could not be started, or could not load the model.
    #[error("the language model could not start: {0}")]
    Start(String),
    /// The worker answered with an error.
    #[error("the language model failed: {0}")]
    Failed(String),
}

/// What a started worker reported about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The model's file name.
    pub model: String,
    /// How long loading took, in milliseconds.
    pub load_ms: u64,
    /// Threads it runs on.
    pub threads: u32,
}

#[derive(Debug)]
struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    loaded: Option<Loaded>,
}

/// Keeps one worker: started when first needed, answers matched to requests by id.
#[derive(Debug)]
pub struct Keeper {
    config: Config,
    running: Option<Running>,
    next_id: u64,
    crashes: u32,
    retry_at: Option<Instant>,
    notice: Option<String>,
    starts: u32,
}

impl Keeper {
    /// A keeper for `config`; nothing is started yet.
    pub fn new(config: Config) -> Keeper {
        Keeper {
            config,
            running: None,
            next_id: 1,
            crashes: 0,
            retry_at: None,
            notice: None,
            starts: 0,
        }
    }

    /// The worker's process id while it runs.
    pub fn pid(&mut self) -> Option<u32> {
        self.reap();
        self.running.as_ref().map(|r| r.child.id())
    }

    /// True when repeated crashes (or a model that cannot load) turned the model off.
    pub fn disabled(&self) -> bool {
        self.crashes >= self.config.max_crashes
    }

    /// How many times a worker was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// What the running worker said when it was ready, once it has.
    pub fn loaded(&self) -> Option<&Loaded> {
        self.running.as_ref().and_then(|r| r.loaded.as_ref())
    }

    /// The one plain notice to give when the model was turned off (then None again).
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    /// Run `task`, answering within `budget`.
    pub fn ask(&mut self, task: Task, budget: Duration) -> Result<Outcome, Error> {
        let deadline = Instant::now() + budget;
        self.reap();
        if self.running.is_none() {
            self.spawn()?;
        }
        self.wait_ready(deadline)?;
        let id = self.next_id;
        self.next_id += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let request = Request {
            id,
            budget_ms: left.as_millis() as u64,
            task,
        };
        let mut line = serde_json::to_string(&request).map_err(|e| Error::Failed(e.to_string()))?;
        line.push('\n');
        let sent = self.running.as_mut().map(|r| {
            r.stdin
                .write_all(line.as_bytes())
                .and_then(|()| r.stdin.flush())
        });
        if let Some(Err(e)) = sent {
            return Err(self.went_away(&e.to_string()));
        }
        loop {
            let Some(run) = self.running.as_mut() else {
                return Err(Error::Crashed("it is not running".into()));
            };
            let left = deadline.saturating_duration_since(Instant::now());
            match run.lines.recv_timeout(left) {
                Ok(line) => match serde_json::from_str::<Response>(&line) {
                    Ok(r) if r.id == id => {
                        self.crashes = 0;
                        return match r.result {
                            Outcome::Error(e) if e == "deadline" => Err(Error::Late),
                            Outcome::Error(e) => Err(Error::Failed(e)),
                            other => Ok(other),
                        };
                    }
                    // An answer to an earlier request that came too late.
                    Ok(_) => continue,
                    Err(e) => return Err(Error::Failed(format!("unreadable answer: {e}"))),
                },
                Err(RecvTimeoutError::Timeout) => return Err(Error::Late),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.went_away("it closed its output"));
                }
            }
        }
    }

    /// Stop the worker now (its memory goes back to the system).
    pub fn stop(&mut self) {
        if let Some(mut run) = self.running.take() {
            let _ = run.child.kill();
            let _ = run.child.wait();
        }
    }

    fn spawn(&mut self) -> Result<(), Error> {
        if self.crashes >= self.config.max_crashes {
            return Err(Error::Disabled(self.crashes));
        }
        if self.retry_at.is_some_and(|t| Instant::now() < t) {
            return Err(Error::Backoff);
        }
        if !self.config.model.is_file() {
            return Err(Error::Start(format!(
                "there is no model at {} (luminous models fetch --with llm fetches one)",
                self.config.model.display()
            )));
        }
        let mut cmd = Command::new(&self.config.program);
        cmd.arg(&self.config.model)
            .arg("--idle-secs")
            .arg(format!("{}", self.config.idle.as_secs_f64()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(n) = self.config.threads {
            cmd.arg("--threads").arg(n.to_string());
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::Start(format!("{}: {e}", self.config.program.display())))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Start("its pipes could not be opened".into()));
        };
        let (tx, lines) = mpsc::channel();
        std::thread::Builder::new()
            .name("llm-worker-output".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::Start(e.to_string()))?;
        self.starts += 1;
        self.running = Some(Running {
            child,
            stdin,
            lines,
            loaded: None,
        });
        Ok(())
    }

    fn wait_ready(&mut self, deadline: Instant) -> Result<(), Error> {
        let Some(run) = self.running.as_mut() else {
            return Err(Error::Crashed("it is not running".into()));
        };
        if run.loaded.is_some() {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match run.lines.recv_timeout(left) {
            Ok(line) => match serde_json::from_str::<Hello>(&line) {
                Ok(Hello::Ready {
                    model,
                    load_ms,
                    threads,
                }) => {
                    run.loaded = Some(Loaded {
                        model,
                        load_ms,
                        threads,
                    });
                    Ok(())
                }
                Ok(Hello::Failed(why)) => {
                    self.stop();
                    // A model that cannot load will not load next time either.
                    self.crashes = self.config.max_crashes;
                    self.notice = Some(format!(
                        "The language model could not be loaded, so I will manage without it: {why}."
                    ));
                    Err(Error::Start(why))
                }
                Err(e) => Err(self.went_away(&format!("it said something unexpected: {e}"))),
            },
            Err(RecvTimeoutError::Timeout) => Err(Error::Late),
            Err(RecvTimeoutError::Disconnected) => Err(self.went_away("it exited while loading")),
        }
    }

    /// Forget a worker that has exited: an idle exit (status 0) is no crash.
    fn reap(&mut self) {
        let exited = match self.running.as_mut() {
            Some(run) => matches!(run.child.try_wait(), Ok(Some(_))),
            None => false,
        };
        if exited && let Some(mut run) = self.running.take() {
            match run.child.wait() {
                Ok(status) if status.success() => {}
                Ok(status) => self.count_crash(&status.to_string()),
                Err(e) => self.count_crash(&e.to_string()),
            }
        }
    }

    /// The worker is gone in the middle of a request: a crash, whatever its status.
    fn went_away(&mut self, why: &str) -> Error {
        let status = self.running.take().map(|mut run| {
            let _ = run.child.kill();
            run.child.wait()
        });
        let why = match status {
            Some(Ok(s)) if !s.success() => format!("{why} ({s})"),
            _ => why.to_owned(),
        };
        self.count_crash(&why);
        Error::Crashed(why)
    }

    fn count_crash(&mut self, why: &str) {
        self.crashes += 1;
        let wait = self.config.backoff * 2u32.saturating_pow(self.crashes.saturating_sub(1));
        self.retry_at = Some(Instant::now() + wait);
        if self.crashes >= self.config.max_crashes {
            self.notice = Some(format!(
                "The language model stopped working {} times, so I have turned it off until \
                 Luminous restarts. The last time: {why}.",
                self.crashes
            ));
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.stop();
    }
}
