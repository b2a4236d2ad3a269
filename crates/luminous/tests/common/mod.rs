//! What the binary's end-to-end tests share: a private home with a configuration, and
//! checks that output is plain.
#![allow(dead_code)]

pub mod bus;
pub mod speech;

use std::path::PathBuf;
use std::process::{Command, Output};

pub const CONFIG: &str = "{ config, pkgs, ... }:\n{\n  # my packages\n  environment.systemPackages = with pkgs; [\n    vim\n  ];\n}\n";

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("configuration.nix"), CONFIG).expect("config");
        Env { dir }
    }
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    /// Write the settings file: this env's configuration, then `extra` lines.
    pub fn settings(&self, extra: &str) {
        std::fs::create_dir_all(self.path("cfg/luminous")).expect("cfg");
        std::fs::write(
            self.path("cfg/luminous/config.toml"),
            format!(
                "{extra}config = \"{}\"\n",
                self.path("configuration.nix").display()
            ),
        )
        .expect("settings");
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_luminous"));
        c.env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("cfg"))
            .env("HOME", self.dir.path())
            .env("NIX_PATH", "")
            .env_remove("NO_COLOR");
        c
    }
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("runs")
    }
    pub fn ask_json(&self, extra: &[&str], text: &str) -> serde_json::Value {
        let path = std::env::var("PATH").unwrap_or_default();
        self.ask_json_with_path(&path, extra, text)
    }
}

/// The JSON object on the last line of standard output (`ask --json` prints progress before
/// it on standard error, answers before it on standard output).
pub fn last_json(o: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| {
        panic!(
            "last line is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn plain(s: &str) {
    assert!(
        !s.contains('\u{1b}'),
        "no escape sequences (colour, redraws): {s:?}"
    );
    assert!(!s.contains('\r'), "no carriage-return redraws: {s:?}");
}

impl Env {
    /// `luminous chat ARGS` with these lines typed, one after another; all it printed.
    pub fn chat(&self, args: &[&str], lines: &[&str]) -> String {
        self.chat_with_path(&std::env::var("PATH").unwrap_or_default(), args, lines)
    }
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

impl Env {
    /// A stand-in `nixos-rebuild` in this env's own `bin`: it appends its arguments (one run a
    /// line) to `rebuild-argv`, prints `output` and exits with `exit`. Returns a PATH with it
    /// first.
    pub fn stand_in_rebuild(&self, exit: i32, output: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.path("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        let out = self.path("rebuild-output");
        std::fs::write(&out, output).expect("output");
        let script = bin.join("nixos-rebuild");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\ncat '{}'\nexit {exit}\n",
                self.path("rebuild-argv").display(),
                out.display()
            ),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        format!("{}:/usr/bin:/bin", bin.display())
    }

    /// `ask --json` with this PATH.
    pub fn ask_json_with_path(&self, path: &str, extra: &[&str], text: &str) -> serde_json::Value {
        let cfg = self.path("configuration.nix");
        let mut args = vec!["ask", "--json"];
        if !extra.contains(&"--config") {
            args.extend(["--config", cfg.to_str().expect("utf8")]);
        }
        args.extend(extra);
        args.push("--");
        args.push(text);
        let out = self
            .cmd()
            .env("PATH", path)
            .args(&args)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| {
            panic!(
                "last line is not JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
}

impl Env {
    /// [`Env::chat`] with this PATH (on the test's configuration unless ARGS name another).
    pub fn chat_with_path(&self, path: &str, args: &[&str], lines: &[&str]) -> String {
        use std::io::Write;
        let cfg = self.path("configuration.nix");
        let mut cmd = self.cmd();
        cmd.env("PATH", path).arg("chat");
        if !args.contains(&"--config") {
            cmd.args(["--config", cfg.to_str().expect("utf8")]);
        }
        let mut child = cmd
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("chat starts");
        let mut input = lines.join("\n");
        input.push('\n');
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("type");
        text(&child.wait_with_output().expect("chat ends"))
    }
}
