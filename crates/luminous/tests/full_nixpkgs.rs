//! The user's own nixpkgs at full size (issue 7): a generated, nixpkgs-shaped set of more
//! than 130,000 packages with nested sets, listed by the real `nix-env` in a private store;
//! a nixpkgs that cannot be read; the nixpkgs locked in a flake; and trying a package from
//! it, in a terminal and without one.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Env;
use luminous_test_support::{NixEnv, nixpkgs};

/// A test home whose settings name `nixpkgs`, run with a private Nix.
struct Machine {
    env: Env,
    nix: NixEnv,
}

impl Machine {
    fn new(settings: &str) -> Machine {
        let env = Env::new();
        std::fs::create_dir_all(env.path("cfg/luminous")).expect("cfg");
        std::fs::write(env.path("cfg/luminous/config.toml"), settings).expect("settings");
        Machine {
            env,
            nix: NixEnv::new(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = self.env.cmd();
        for (k, v) in self.nix.vars() {
            if k != "HOME" {
                c.env(k, v);
            }
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("runs")
    }

    /// `ask --json` on the test's configuration: the JSON and standard error.
    fn ask(&self, text: &str) -> (serde_json::Value, String) {
        let cfg = self.env.path("configuration.nix");
        let out = self.run(&[
            "ask",
            "--json",
            "--config",
            cfg.to_str().expect("utf8"),
            text,
        ]);
        (
            common::last_json(&out),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn status(&self) -> serde_json::Value {
        let out = self.run(&["index", "status", "--json"]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("index status ({e}): {}", common::text(&out));
        })
    }
}

fn settings_for(dir: &Path) -> String {
    format!("nixpkgs = \"{}\"\n", dir.display())
}

fn slot(v: &serde_json::Value) -> &str {
    v["slots"]["package"].as_str().unwrap_or_default()
}

#[test]
fn requires_nix_the_users_nixpkgs_at_full_size() {
    let m = Machine::new("");
    let set = nixpkgs::write(&m.nix.root().join("nixpkgs"));
    // The generator is deterministic: 130,900 packages, as Luminous says it.
    assert_eq!(set.packages, 130_900);
    std::fs::write(
        m.env.path("cfg/luminous/config.toml"),
        settings_for(&set.dir),
    )
    .expect("w");

    // The first request reads the whole listing (nix-env prints about 38 MB), with a plain
    // progress line, and is answered from it.
    let (v, err) = m.ask("install htop");
    assert_eq!(slot(&v), "htop", "{v}\n{err}");
    assert!(
        err.contains(
            "Reading the package list from your nixpkgs. This happens once per nixpkgs version."
        ),
        "{err}"
    );
    assert!(err.contains("Read 130,900 packages in"), "{err}");
    common::plain(&err);
    let status = m.status();
    assert_eq!(
        status["packages"].as_u64(),
        Some(set.packages as u64),
        "{status}"
    );
    assert_eq!(
        (status["complete"].as_bool(), status["cached"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(status["source"]["kind"], "nixpkgs");

    // Cached: nothing is read again, and the answer is the same.
    let (again, err) = m.ask("install htop");
    assert!(err.is_empty(), "the cache answers: {err}");
    assert_eq!(again["reply"], v["reply"]);

    // A typo among 130,000 names, a nested attribute by its whole path and by its name,
    // and the package's own program for trying it.
    let (v, _) = m.ask("install thunderbrid");
    assert_eq!(slot(&v), "thunderbird", "{v}");
    let (v, _) = m.ask("please install fierfox");
    assert_eq!(slot(&v), "firefox", "{v}");
    let (v, _) = m.ask("install python313Packages.numpy");
    assert_eq!(slot(&v), "python313Packages.numpy", "{v}");
    assert_eq!(v["needs_confirmation"], true);
    let (v, _) = m.ask("install numpy");
    assert_eq!(slot(&v), "python313Packages.numpy", "{v}");
    // What nix-env does not list is not a package: a set without recurseForDerivations,
    // and the non-derivation attributes.
    let (v, _) = m.ask("install pkgsCross.aarch64-multiplatform.hello");
    assert_ne!(slot(&v), "pkgsCross.aarch64-multiplatform.hello", "{v}");
    let out = m.run(&["search", "--json", "lib"]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        found["results"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["attr"] != "lib"),
        "{found}"
    );
    // Search ranks among all of them.
    for (query, want) in [
        ("thunderbrid", "thunderbird"),
        ("fierfox", "firefox"),
        ("htop", "htop"),
        ("neo vim", "neovim"),
        ("rip grep", "ripgrep"),
        ("picture viewer", "frobview"),
        ("python requests", "python313Packages.requests"),
    ] {
        let out = m.run(&["search", "--json", "--limit", "5", query]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let attrs: Vec<&str> = v["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["attr"].as_str())
            .collect();
        assert!(
            attrs.iter().take(3).any(|a| *a == want),
            "{query}: {attrs:?}"
        );
    }
    let (v, _) = m.ask("try neovim");
    let steps = &v["plan"]["steps"];
    assert_eq!(
        steps[1]["argv"],
        serde_json::json!([
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "shell",
            "-f",
            set.dir.display().to_string(),
            "neovim",
            "--command",
            "nvim"
        ]),
        "{v}"
    );
    assert_eq!(steps[1]["terminal"], true);

    try_in_a_terminal_and_without_one(&m, &set.dir);
}

/// `luminous ask --yes try ...`: attached to a real terminal (a pseudo-terminal from
/// `script`), and without one, a windowed program on its own, a terminal program in the
/// terminal emulator, or a reply that says how to run it.
fn try_in_a_terminal_and_without_one(m: &Machine, pkgs: &Path) {
    let exe = env!("CARGO_BIN_EXE_luminous");
    let mut script = Command::new("script");
    script.args(["-qec", &format!("{exe} ask --yes try ripgrep"), "/dev/null"]);
    for (k, v) in m.cmd().get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let out = script.output().expect("script runs (util-linux)");
    let t = common::text(&out);
    assert!(
        t.contains("hello from ripgrep"),
        "the program ran on the terminal: {t}"
    );
    assert!(
        t.contains("ripgrep ran in a temporary shell. Nothing was installed."),
        "{t}"
    );

    let mark = m.env.path("tried");
    let emulator = m.env.path("terminal-emulator");
    std::fs::write(
        &emulator,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nshift\nexec \"$@\"\n",
            m.env.path("emulator-argv").display()
        ),
    )
    .expect("emulator");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&emulator, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let detached = |what: &str, terminal: Option<&Path>| {
        let mut c = m.cmd();
        c.env("TRY_MARK", &mark).env("PATH", "/usr/bin:/bin");
        match terminal {
            Some(t) => c.env("TERMINAL", t),
            None => c.env_remove("TERMINAL"),
        };
        let out = c
            .args(["ask", "--yes", &format!("try {what}")])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("runs");
        common::text(&out)
    };
    let wait_for_mark = |name: &str| {
        for _ in 0..100 {
            if std::fs::read_to_string(&mark).is_ok_and(|t| t.lines().any(|l| l == name)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{name} did not run");
    };
    let t = detached("frobview", None);
    assert!(
        t.contains("frobview is starting in its own window. Nothing was installed"),
        "{t}"
    );
    wait_for_mark("frobview");
    let t = detached("neovim", Some(&emulator));
    assert!(
        t.contains("Neovim is starting in a new terminal window."),
        "{t}"
    );
    wait_for_mark("neovim");
    let argv = std::fs::read_to_string(m.env.path("emulator-argv")).expect("emulator argv");
    assert_eq!(
        argv,
        format!(
            "-e\nnix\n--extra-experimental-features\nnix-command\nshell\n-f\n{}\nneovim\n--command\nnvim\n",
            pkgs.display()
        )
    );
    let t = detached("cowsay", None);
    assert!(
        t.contains(&format!(
            "cowsay runs in a terminal, and I found none to open it in. To try it, run this in a terminal: nix --extra-experimental-features nix-command shell -f {} cowsay --command cowsay",
            pkgs.display()
        )),
        "{t}"
    );
}

/// A stand-in nix-env that counts its runs, then fails or prints a broken listing.
fn failing_nix_env(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let script = bin.join("nix-env");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\n{body}\n",
            dir.join("runs").display()
        ),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

#[test]
fn requires_nix_a_nixpkgs_that_cannot_be_read_never_fails_a_request() {
    let m = Machine::new("");
    let pkgs = m.nix.root().join("broken-nixpkgs");
    std::fs::create_dir_all(&pkgs).expect("dir");
    std::fs::write(m.env.path("cfg/luminous/config.toml"), settings_for(&pkgs)).expect("w");
    for (n, (body, why)) in [
        (
            "echo 'error: attribute \"lib\" missing' >&2\nexit 1",
            "attribute \"lib\" missing",
        ),
        (
            "printf '{\"firefox\": {\"name\": \"firefox-1\"'\nexit 0",
            "unreadable output",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        // Each case is a new revision of that nixpkgs.
        std::fs::write(
            pkgs.join("default.nix"),
            format!("# version {n}\n{{ ... }}: {{ }}\n"),
        )
        .expect("w");
        let bin = failing_nix_env(m.env.dir.path(), body);
        let _ = std::fs::remove_file(m.env.path("runs"));
        let path = format!("{}:/usr/bin:/bin", bin.display());
        let ask = || {
            let cfg = m.env.path("configuration.nix");
            let out = m
                .cmd()
                .env("PATH", &path)
                .args([
                    "ask",
                    "--json",
                    "--config",
                    cfg.to_str().expect("utf8"),
                    "install firefox",
                ])
                .output()
                .expect("runs");
            (
                common::last_json(&out),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (v, err) = ask();
        // Answered from the curated list, with one plain notice.
        assert_eq!(slot(&v), "firefox", "{v}");
        let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("Note:")).collect();
        assert_eq!(notes.len(), 1, "{err}");
        assert!(
            notes[0].contains("I could not read the packages of the nixpkgs at")
                && notes[0].contains(why)
                && notes[0].contains("I am using my own short list of common programs"),
            "{err}"
        );
        // Not retried on every request for the same revision.
        let (v, _) = ask();
        assert_eq!(slot(&v), "firefox");
        assert_eq!(
            std::fs::read_to_string(m.env.path("runs")).expect("runs"),
            "run\n"
        );
        // index status says why, and rebuild tries again.
        let out = m
            .cmd()
            .env("PATH", &path)
            .args(["index", "status"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1));
        assert!(common::text(&out).contains("To try again: luminous index rebuild."));
        m.cmd()
            .env("PATH", &path)
            .args(["index", "rebuild"])
            .output()
            .expect("runs");
        assert_eq!(
            std::fs::read_to_string(m.env.path("runs")).expect("runs"),
            "run\nrun\n"
        );
    }
}

#[test]
fn requires_nix_a_flake_system_indexes_the_nixpkgs_its_lock_names() {
    let m = Machine::new("");
    let set = nixpkgs::write(&m.nix.root().join("nixpkgs"));
    let flake = m.env.path("etc-nixos");
    std::fs::create_dir_all(&flake).expect("dir");
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            "{{\n  inputs.nixpkgs.url = \"path:{}\";\n  outputs = {{ self, nixpkgs }}: {{ }};\n}}\n",
            set.dir.display()
        ),
    )
    .expect("flake");
    std::fs::write(flake.join("configuration.nix"), common::CONFIG).expect("cfg");
    let lock = m
        .nix
        .command("nix")
        .args(["flake", "lock"])
        .current_dir(&flake)
        .output()
        .expect("nix flake lock");
    assert!(lock.status.success(), "{}", common::text(&lock));
    // Nothing in the settings says nixpkgs: the flake beside the configuration does.
    std::fs::write(
        m.env.path("cfg/luminous/config.toml"),
        format!(
            "config = \"{}\"\n",
            flake.join("configuration.nix").display()
        ),
    )
    .expect("settings");
    let out = m.run(&["ask", "--json", "install htop"]);
    let t = common::text(&out);
    assert!(
        t.contains("Reading the package list from the nixpkgs of your flake"),
        "{t}"
    );
    let v = common::last_json(&out);
    assert_eq!(slot(&v), "htop", "{v}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(
        v["plan"]["steps"][1]["argv"],
        serde_json::json!([
            "nixos-rebuild",
            "switch",
            "--flake",
            format!("{}#{}", flake.display(), host.trim())
        ])
    );
    let status = m.status();
    assert_eq!(status["source"]["kind"], "flake", "{status}");
    assert_eq!(status["packages"].as_u64(), Some(set.packages as u64));
    let locked = status["source"]["locked"].as_str().unwrap_or_default();
    assert!(
        locked.starts_with(&format!("path:{} sha256-", set.dir.display())),
        "{locked}"
    );
    let out = m.run(&["index", "status"]);
    assert!(
        common::text(&out).starts_with(&format!(
            "Packages: 130,900, from the nixpkgs locked in your flake {}",
            flake.display()
        )),
        "{}",
        common::text(&out)
    );
}
