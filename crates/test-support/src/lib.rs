//! Dev-only test harnesses: an isolated Nix (its own store, state and config in a temp dir),
//! private D-Bus buses ([`dbus`]),
//! a nixpkgs-shaped package set at full size ([`nixpkgs`]), and a private PulseAudio with a
//! virtual microphone and speaker ([`pulse`]), the real desktop portal with a test
//! GlobalShortcuts backend ([`portal`]), and a recording speech-dispatcher ([`ssip`]).
//!
//! Tests that need Nix say so in their name (`requires_nix_...`) and run in CI, which installs
//! Debian's `nix-bin`. Nothing here touches `/nix` or the network.

pub mod dbus;
pub mod nixpkgs;
pub mod portal;
pub mod pulse;
pub mod ssip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A private Nix: store, state, logs, config and HOME inside one temp dir.
#[derive(Debug)]
pub struct NixEnv {
    dir: tempfile::TempDir,
}

impl NixEnv {
    /// Create the environment. Panics (it is a test helper) when nix is not installed, with
    /// the install command in the message.
    pub fn new() -> NixEnv {
        assert!(
            which("nix-instantiate").is_some(),
            "nix is not installed: these tests need it (apt-get install nix-bin); tests/run-all.sh installs it"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("etc");
        std::fs::create_dir_all(&conf).expect("nix conf dir");
        std::fs::write(
            conf.join("nix.conf"),
            "build-users-group =\nsandbox = false\nsubstituters =\nflake-registry =\nexperimental-features = nix-command flakes\n",
        )
        .expect("nix.conf");
        for d in ["store", "var", "log", "home"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("nix dirs");
        }
        NixEnv { dir }
    }

    /// The temp dir holding everything.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The environment variables that point Nix at this private setup.
    pub fn vars(&self) -> Vec<(String, PathBuf)> {
        let r = self.dir.path();
        vec![
            ("NIX_CONF_DIR".into(), r.join("etc")),
            ("NIX_STORE_DIR".into(), r.join("store")),
            ("NIX_STATE_DIR".into(), r.join("var")),
            ("NIX_LOG_DIR".into(), r.join("log")),
            ("HOME".into(), r.join("home")),
            ("XDG_CACHE_HOME".into(), r.join("home/.cache")),
            ("NIX_PATH".into(), PathBuf::new()),
        ]
    }

    /// A command for `program` with this environment.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        for (k, v) in self.vars() {
            c.env(k, v);
        }
        c
    }

    /// `nix-instantiate --parse FILE`: the error text when it does not parse.
    pub fn parse_file(&self, file: &Path) -> Result<(), String> {
        let out = self
            .command("nix-instantiate")
            .arg("--parse")
            .arg(file)
            .output()
            .map_err(|e| e.to_string())?;
        ok_or_stderr(out)
    }

    /// Evaluate an expression strictly to JSON.
    pub fn eval_json(&self, expr: &str) -> Result<String, String> {
        let out = self
            .command("nix-instantiate")
            .args(["--eval", "--strict", "--json", "--expr", expr])
            .output()
            .map_err(|e| e.to_string())?;
        // A failed evaluation can leave partial JSON on stdout: trust stdout only on success.
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Write a small package set of trivial derivations to `pkgs.nix` and return its path.
    /// Each package builds in about 0.1 s with /bin/sh and has a description.
    pub fn write_package_set(&self, packages: &[(&str, &str)]) -> PathBuf {
        let mut s = String::from("{\n");
        for (name, desc) in packages {
            s.push_str(&format!(
                "  {name} = derivation {{ name = \"{name}-1.0\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo {name} > $out\" ]; }} // {{ meta.description = \"{desc}\"; pname = \"{name}\"; version = \"1.0\"; }};\n"
            ));
        }
        s.push_str("}\n");
        let path = self.dir.path().join("pkgs.nix");
        std::fs::write(&path, s).expect("write pkgs.nix");
        path
    }
}

impl Default for NixEnv {
    fn default() -> Self {
        NixEnv::new()
    }
}

fn ok_or_stderr(out: Output) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The full path of a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}
