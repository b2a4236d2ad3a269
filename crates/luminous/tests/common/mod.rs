//! What the binary's end-to-end tests share: a private home with a configuration, and
//! checks that output is plain.
#![allow(dead_code)]

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
        let cfg = self.path("configuration.nix");
        let mut args = vec!["ask", "--json"];
        // The test's own configuration unless the caller names another.
        if !extra.contains(&"--config") {
            args.extend(["--config", cfg.to_str().expect("utf8")]);
        }
        args.extend(extra);
        args.push("--");
        args.push(text);
        let out = self.run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!(
                "last line is not JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
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
        use std::io::Write;
        let mut child = self
            .cmd()
            .arg("chat")
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
        let out = child.wait_with_output().expect("chat ends");
        text(&out)
    }
}
