//! Running programs: argv only, output streamed into a few plain progress lines, root only
//! through a configured helper (pkexec or sudo -n), and clear words when that fails.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use luminous_dialogue::StepOutcome;

/// Where progress goes: a few plain lines, never a flood or a redraw.
pub trait Progress {
    /// Step `n` of `total` begins.
    fn phase(&mut self, n: usize, total: usize, what: &str);
    /// A line worth telling (already filtered and throttled).
    fn line(&mut self, text: &str);
}

/// Progress that goes nowhere.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn phase(&mut self, _: usize, _: usize, _: &str) {}
    fn line(&mut self, _: &str) {}
}

/// Runs one step.
pub trait Runner {
    /// Run `argv`; as root (through the helper) when `root`.
    fn run(&self, argv: &[String], root: bool, progress: &mut dyn Progress) -> StepOutcome;

    /// Start `argv` for the user to use (a program to try): see [`crate::launch`]. `built`
    /// is what the step before printed. By default, like [`Runner::run`].
    fn run_for_user(
        &self,
        argv: &[String],
        built: &str,
        progress: &mut dyn Progress,
    ) -> StepOutcome {
        let _ = built;
        self.run(argv, false, progress)
    }

    /// True when the plan was stopped on request: no further step starts.
    fn cancelled(&self) -> bool {
        false
    }
}

/// How root is obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Helper {
    /// This process is root already.
    AlreadyRoot,
    /// `pkexec` (a graphical or text password prompt from polkit).
    Pkexec,
    /// `sudo -n` (works only without a password prompt).
    Sudo,
    /// Any other prefix, e.g. `doas`.
    Command(Vec<String>),
}

impl Helper {
    /// From a config value: `pkexec`, `sudo`, `none` (already root), or a command.
    pub fn from_name(name: &str) -> Helper {
        match name.trim() {
            "pkexec" => Helper::Pkexec,
            "sudo" => Helper::Sudo,
            "none" | "root" => Helper::AlreadyRoot,
            other => Helper::Command(other.split_whitespace().map(str::to_owned).collect()),
        }
    }

    /// The argv prefix.
    pub fn prefix(&self) -> Vec<String> {
        match self {
            Helper::AlreadyRoot => vec![],
            Helper::Pkexec => vec!["pkexec".into()],
            Helper::Sudo => vec!["sudo".into(), "-n".into()],
            Helper::Command(v) => v.clone(),
        }
    }
}

/// Runs programs on this machine.
#[derive(Debug, Clone)]
pub struct SystemRunner {
    /// How root is obtained for root steps.
    pub helper: Helper,
    /// Extra environment for every program.
    pub env: Vec<(String, String)>,
    /// How much of each output stream is kept (the end of it).
    pub keep_bytes: usize,
    /// Whether programs for the user run on this process's terminal.
    pub console: crate::launch::Console,
    /// When set, each program leads its own process group, which this stops.
    pub cancel: Option<crate::Cancel>,
}

impl SystemRunner {
    /// A runner with this helper, lending this process's terminal when it has one.
    pub fn new(helper: Helper) -> SystemRunner {
        SystemRunner {
            helper,
            env: Vec::new(),
            keep_bytes: 64 * 1024,
            console: crate::launch::Console::of_this_process(),
            cancel: None,
        }
    }
}

enum Msg {
    Out(String),
    Err(String),
}

impl Runner for SystemRunner {
    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(crate::Cancel::is_cancelled)
    }

    fn run_for_user(&self, argv: &[String], built: &str, _: &mut dyn Progress) -> StepOutcome {
        match self.console {
            crate::launch::Console::Terminal => crate::launch::attached(argv, &self.env),
            crate::launch::Console::Detached => crate::launch::detached(argv, built, &self.env),
        }
    }

    fn run(&self, argv: &[String], root: bool, progress: &mut dyn Progress) -> StepOutcome {
        let mut full: Vec<String> = if root {
            self.helper.prefix()
        } else {
            Vec::new()
        };
        full.extend(argv.iter().cloned());
        let Some((program, mut cmd)) = command(&full, &self.env) else {
            return StepOutcome {
                error: Some("there was nothing to run".into()),
                ..StepOutcome::default()
            };
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.cancel.is_some() {
            // Its own group: stopping it stops what it started too.
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let what = if root && !self.helper.prefix().is_empty() && program != &argv[0] {
                    format!(
                        "this needs administrator rights through {program}, but {program} is not installed. \
                         Set privilege_helper in ~/.config/luminous/config.toml, or run luminous as root."
                    )
                } else {
                    format!("{program} is not installed on this machine.")
                };
                return StepOutcome {
                    error: Some(what),
                    ..StepOutcome::default()
                };
            }
            Err(e) => {
                return StepOutcome {
                    error: Some(format!("{program} could not start: {e}")),
                    ..StepOutcome::default()
                };
            }
        };
        if let Some(c) = &self.cancel {
            c.started(child.id());
        }
        let (tx, rx) = mpsc::channel();
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>)
                .map(|s| (s, true)),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>)
                .map(|s| (s, false)),
        ]
        .into_iter()
        .flatten()
        .map(|(stream, is_out)| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(stream);
                let mut buf = Vec::new();
                while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_owned();
                    let _ = tx.send(if is_out {
                        Msg::Out(line)
                    } else {
                        Msg::Err(line)
                    });
                    buf.clear();
                }
            })
        })
        .collect();
        drop(tx);
        let mut stdout = Tail::new(self.keep_bytes);
        let mut stderr = Tail::new(self.keep_bytes);
        let mut filter = Filter::default();
        for msg in rx {
            let line = match msg {
                Msg::Out(l) => {
                    stdout.push(&l);
                    l
                }
                Msg::Err(l) => {
                    stderr.push(&l);
                    l
                }
            };
            if let Some(say) = filter.feed(&line) {
                progress.line(&say);
            }
        }
        for r in readers {
            let _ = r.join();
        }
        let status = child.wait();
        if let Some(c) = &self.cancel {
            c.ended();
        }
        let exit_code = status
            .as_ref()
            .ok()
            .and_then(std::process::ExitStatus::code);
        let stderr = stderr.into_string();
        let error = if root && program != &argv[0] {
            helper_failure(program, exit_code, &stderr)
        } else {
            None
        };
        // No exit code: ended by a signal (stopped on request, or killed), never a success.
        let error = error.or_else(|| match (&status, exit_code) {
            (Err(e), _) => Some(format!("{program} could not be waited for: {e}")),
            (Ok(_), None) if self.cancelled() => Some("it was stopped, as you asked".into()),
            (Ok(_), None) => Some(format!(
                "{program} was ended by a signal before it finished"
            )),
            _ => None,
        });
        StepOutcome {
            exit_code,
            stdout: stdout.into_string(),
            stderr,
            error,
            ..StepOutcome::default()
        }
    }
}

impl SystemRunner {
    /// Run `argv` (never as root) and hand its standard output, as it arrives, to `read`;
    /// standard error is drained alongside and its end kept. When `read` gives up early the
    /// program is stopped. `Err` is a plain reason: the program's own last words when it
    /// failed, else what `read` said.
    pub fn stream<T>(
        &self,
        argv: &[String],
        read: impl FnOnce(&mut dyn BufRead) -> Result<T, String>,
    ) -> Result<T, String> {
        let Some((program, mut cmd)) = command(argv, &self.env) else {
            return Err("there was nothing to run".into());
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("{program} is not installed on this machine")
            } else {
                format!("{program} could not start: {e}")
            }
        })?;
        let keep = self.keep_bytes;
        let errors = child.stderr.take().map(|stream| {
            std::thread::spawn(move || {
                let mut tail = Tail::new(keep);
                let mut r = BufReader::new(stream);
                let mut buf = Vec::new();
                while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    tail.push(String::from_utf8_lossy(&buf).trim_end());
                    buf.clear();
                }
                tail.into_string()
            })
        });
        let result = match child.stdout.take() {
            Some(out) => read(&mut BufReader::with_capacity(1 << 16, out)),
            None => Err("its output could not be read".into()),
        };
        if result.is_err() {
            let _ = child.kill();
        }
        let status = child.wait();
        let stderr = errors.and_then(|t| t.join().ok()).unwrap_or_default();
        let code = status.ok().and_then(|s| s.code());
        let last_words = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().trim_start_matches("error:").trim().to_owned());
        match (result, code) {
            (Ok(v), Some(0)) => Ok(v),
            // The program failed on its own: its last words say why.
            (_, Some(c)) if c != 0 => {
                Err(last_words.unwrap_or_else(|| format!("{program} ended with exit code {c}")))
            }
            (Err(why), _) => Err(why),
            (Ok(_), _) => Err(format!("{program} was stopped before it finished")),
        }
    }
}

/// The program of `argv` (its name, and a command with its arguments and `env`), or `None`
/// for an empty argv. Never a shell.
pub(crate) fn command<'a>(
    argv: &'a [String],
    env: &[(String, String)],
) -> Option<(&'a String, Command)> {
    let (program, args) = argv.split_first()?;
    let mut cmd = Command::new(program);
    cmd.args(args);
    // The service manager's sockets are Luminous's own, not the programs' it runs.
    for own in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        cmd.env_remove(own);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    Some((program, cmd))
}

/// Plain words for a helper that refused.
fn helper_failure(helper: &str, code: Option<i32>, stderr: &str) -> Option<String> {
    match (helper, code) {
        ("pkexec", Some(126)) => Some("the request for administrator rights was dismissed or refused, so nothing was changed.".into()),
        ("pkexec", Some(127)) => Some("administrator rights were not granted (the password was not accepted), so nothing was changed.".into()),
        ("sudo", Some(1)) if stderr.contains("password is required") || stderr.contains("a terminal is required") => Some(
            "sudo needs a password, and I cannot type one. Run the command in a terminal, or set privilege_helper to pkexec.".into(),
        ),
        ("sudo", Some(1)) if stderr.contains("not in the sudoers") || stderr.contains("not allowed") => {
            Some("your account may not use sudo, so nothing was changed.".into())
        }
        _ => None,
    }
}

/// Keeps the last `cap` bytes of a stream, on line boundaries.
struct Tail {
    lines: std::collections::VecDeque<String>,
    bytes: usize,
    cap: usize,
}

impl Tail {
    fn new(cap: usize) -> Tail {
        Tail {
            lines: Default::default(),
            bytes: 0,
            cap,
        }
    }
    fn push(&mut self, line: &str) {
        self.bytes += line.len() + 1;
        self.lines.push_back(line.to_owned());
        while self.bytes > self.cap {
            match self.lines.pop_front() {
                Some(l) => self.bytes -= l.len() + 1,
                None => break,
            }
        }
    }
    fn into_string(self) -> String {
        self.lines.into_iter().map(|l| l + "\n").collect()
    }
}

/// Turns Nix's output into a few plain lines: counts for building and downloading, at most
/// one every two seconds; activation and failures as they come.
#[derive(Default)]
struct Filter {
    build_total: usize,
    built: usize,
    fetch_total: usize,
    fetched: usize,
    last: Option<Instant>,
    last_said: String,
}

impl Filter {
    fn feed(&mut self, raw: &str) -> Option<String> {
        let line = raw.trim();
        let count = |l: &str| {
            l.split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        };
        let say = if line.starts_with("these ") && line.contains("derivation") {
            self.build_total = count(line);
            Some(format!("{} packages to build.", self.build_total))
        } else if line.starts_with("these ") && line.contains("will be fetched") {
            self.fetch_total = count(line);
            Some(format!("{} packages to download.", self.fetch_total))
        } else if line.starts_with("building '") {
            self.built += 1;
            self.throttled(format!(
                "Building {} of {}.",
                self.built,
                self.build_total.max(self.built)
            ))
        } else if line.starts_with("copying path") {
            self.fetched += 1;
            self.throttled(format!(
                "Downloaded {} of {}.",
                self.fetched,
                self.fetch_total.max(self.fetched)
            ))
        } else if line.starts_with("activating the configuration") {
            Some("Activating the new configuration.".into())
        } else if line.starts_with("building the system configuration") {
            Some("Building the system configuration.".into())
        } else if line.starts_with("error:") || line.contains("units failed") {
            Some(line.chars().take(200).collect())
        } else {
            None
        }?;
        if say == self.last_said {
            return None;
        }
        self.last_said.clone_from(&say);
        Some(say)
    }

    fn throttled(&mut self, say: String) -> Option<String> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(2))
        {
            return None;
        }
        self.last = Some(now);
        Some(say)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Lines(Vec<String>);
    impl Progress for Lines {
        fn phase(&mut self, _: usize, _: usize, _: &str) {}
        fn line(&mut self, t: &str) {
            self.0.push(t.to_owned());
        }
    }

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn runs_without_a_shell_and_keeps_output() {
        let r = SystemRunner::new(Helper::AlreadyRoot);
        let out = r.run(&argv(&["echo", "a; rm -rf /"]), false, &mut Silent);
        assert_eq!(out.exit_code, Some(0));
        assert_eq!(out.stdout, "a; rm -rf /\n");
    }

    #[test]
    fn missing_program_and_missing_helper_are_explained() {
        let r = SystemRunner::new(Helper::Command(vec!["no-such-helper-xyz".into()]));
        let out = r.run(&argv(&["no-such-program-xyz"]), false, &mut Silent);
        assert_eq!(
            out.error.as_deref(),
            Some("no-such-program-xyz is not installed on this machine.")
        );
        let out = r.run(&argv(&["true"]), true, &mut Silent);
        assert!(
            out.error
                .as_deref()
                .is_some_and(|e| e.contains("administrator rights through no-such-helper-xyz")),
            "{out:?}"
        );
    }

    #[test]
    fn progress_is_a_few_plain_lines() {
        let mut f = Filter::default();
        let mut said = Vec::new();
        for l in [
            "these 3 derivations will be built:",
            "building '/nix/store/a.drv'...",
            "building '/nix/store/b.drv'...",
            "building '/nix/store/c.drv'...",
            "activating the configuration...",
            "warning: the following units failed: x.service",
        ] {
            said.extend(f.feed(l));
        }
        assert_eq!(
            said,
            vec![
                "3 packages to build.",
                "Building 1 of 3.",
                "Activating the new configuration.",
                "warning: the following units failed: x.service"
            ]
        );
    }

    #[test]
    fn tail_keeps_the_end() {
        let mut t = Tail::new(10);
        for l in ["aaaa", "bbbb", "cccc"] {
            t.push(l);
        }
        assert_eq!(t.into_string(), "bbbb\ncccc\n");
    }

    #[test]
    fn a_cancel_stops_the_whole_process_group() {
        let cancel = crate::Cancel::new();
        let mut r = SystemRunner::new(Helper::AlreadyRoot);
        r.cancel = Some(cancel.clone());
        let dir = tempfile::tempdir().expect("tmp");
        let marker = dir.path().join("grandchild-lived");
        // A child that starts a grandchild, as nixos-rebuild starts nix: both must end.
        let script = format!("(sleep 2; touch {}) & echo started; wait", marker.display());
        let stopper = {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(300));
                cancel.cancel()
            })
        };
        let t = std::time::Instant::now();
        let out = r.run(&argv(&["sh", "-c", &script]), false, &mut Silent);
        assert_eq!(stopper.join().expect("stopper"), Ok(()));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "stopped at once"
        );
        assert_ne!(out.exit_code, Some(0), "{out:?}");
        std::thread::sleep(std::time::Duration::from_millis(2300));
        assert!(
            !marker.exists(),
            "the grandchild was stopped with its group"
        );
        assert!(r.cancelled());
        // Once cancelled, a program that starts is stopped at once.
        let out = r.run(&argv(&["sleep", "5"]), false, &mut Silent);
        assert_ne!(out.exit_code, Some(0));
    }

    #[test]
    fn streams_lines_to_progress() {
        let r = SystemRunner::new(Helper::AlreadyRoot);
        let mut p = Lines::default();
        let out = r.run(
            &argv(&["sh", "-c", "echo 'error: boom' >&2; exit 3"]),
            false,
            &mut p,
        );
        assert_eq!(out.exit_code, Some(3));
        assert_eq!(p.0, vec!["error: boom"]);
    }
}
