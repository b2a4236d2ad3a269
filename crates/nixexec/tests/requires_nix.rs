//! The executor against real Nix (Debian's nix-bin) in a private store: plans made by the real
//! planner for profile mode, run for real; the package index built from a real nix-env query;
//! and nixos-rebuild (absent here) as a recording stand-in to check the runner's plumbing.

use std::os::unix::fs::PermissionsExt;

use luminous_dialogue::{
    Action, Context, Dialogue, InstallMode, Outcome, Preferences, Settings, Step,
};
use luminous_intent::PackageIndex;
use luminous_nixexec::runner::Silent;
use luminous_nixexec::{DirectWriter, Helper, Progress, Runner, SystemRunner, execute, index};
use luminous_test_support::NixEnv;

const PACKAGES: &[(&str, &str)] = &[
    ("firefox", "Web browser"),
    ("htop", "Interactive process viewer"),
    ("cowsay", "Talking cow"),
    ("vlc", "Media player"),
];

struct Setup {
    _nix: NixEnv,
    runner: SystemRunner,
    settings: Settings,
    index: PackageIndex,
}

fn setup() -> Setup {
    let nix = NixEnv::new();
    let pkgs = nix.write_package_set(PACKAGES);
    let mut runner = SystemRunner::new(Helper::AlreadyRoot);
    runner.env = nix
        .vars()
        .into_iter()
        .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
        .collect();
    let profile = nix.root().join("profiles/user");
    std::fs::create_dir_all(nix.root().join("profiles")).expect("profiles dir");
    let settings = Settings {
        install_mode: InstallMode::Profile,
        nixpkgs: Some(pkgs.to_string_lossy().into_owned()),
        profile: Some(profile.to_string_lossy().into_owned()),
        ..Settings::default()
    };
    // The index comes from the package set through a real nix-env query, streamed.
    let index = runner
        .stream(&index::nix_env_query_argv(&pkgs.to_string_lossy()), |out| {
            index::read_nix_env_listing(out, &[], &mut |_| {})
        })
        .expect("nix-env lists the packages");
    Setup {
        _nix: nix,
        runner,
        settings,
        index,
    }
}

/// Say `text`, confirm if asked, run the plan; returns the final reply and the outcome.
fn say(s: &Setup, d: &mut Dialogue, text: &str) -> (String, Option<Outcome>) {
    let ctx = Context {
        index: &s.index,
        index_complete: true,
        config: Err("profile mode"),
        config_problems: &[],
        settings: &s.settings,
        last_failure: None,
        last_change: None,
        adviser: None,
        vocabulary: &[],
    };
    let mut turn = d.turn(text, &ctx);
    if matches!(turn.action, Action::Confirm { .. }) {
        turn = d.turn("yes", &ctx);
    }
    match turn.action {
        Action::Execute { plan } => {
            let outcome = execute(&plan, &s.runner, &mut DirectWriter::default(), &mut Silent);
            let reply = d.outcome(&plan, &outcome, &ctx);
            (reply.text, Some(outcome))
        }
        _ => (turn.reply.text, None),
    }
}

fn installed(s: &Setup) -> String {
    let p = s.settings.profile.clone().expect("profile");
    let out = s.runner.run(
        &["nix-env".into(), "--profile".into(), p, "-q".into()],
        false,
        &mut Silent,
    );
    out.stdout.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn requires_nix_index_from_nix_env() {
    let s = setup();
    assert_eq!(s.index.len(), PACKAGES.len());
    assert_eq!(
        s.index.get("htop").map(|p| p.description),
        Some("Interactive process viewer")
    );
    let pkgs = std::path::Path::new(s.settings.nixpkgs.as_deref().expect("pkgs"));
    let rev = index::revision_of(pkgs);
    assert!(
        rev.starts_with(&format!("{}@", pkgs.display())) && rev.len() > pkgs.as_os_str().len() + 4,
        "{rev}"
    );
}

#[test]
fn requires_nix_install_remove_generations_rollback_gc() {
    let s = setup();
    let mut d = Dialogue::new(Preferences::default());

    let (reply, out) = say(&s, &mut d, "install firefox");
    assert!(out.is_some_and(|o| o.ok), "{reply}");
    assert_eq!(
        reply,
        "Done. firefox is installed. Programs that are already open see new packages only after a restart."
    );
    assert_eq!(installed(&s), "firefox-1.0");

    let (reply, _) = say(&s, &mut d, "can you put htop on my computer");
    assert!(reply.starts_with("Done."), "{reply}");
    assert_eq!(installed(&s), "firefox-1.0 htop-1.0");

    let (reply, _) = say(&s, &mut d, "get rid of firefox");
    assert_eq!(reply, "Done. firefox is removed.");
    assert_eq!(installed(&s), "htop-1.0");

    let (reply, _) = say(&s, &mut d, "list generations");
    assert!(
        reply.starts_with("You have 3 generations. The current one is number 3, from "),
        "{reply}"
    );

    let (reply, _) = say(&s, &mut d, "go back to the previous generation");
    assert_eq!(
        reply,
        "Done. The system is back on the previous generation."
    );
    assert_eq!(installed(&s), "firefox-1.0 htop-1.0");

    let (reply, _) = say(&s, &mut d, "what is installed");
    assert_eq!(
        reply,
        "Your profile has 2 packages: firefox-1.0 and htop-1.0."
    );

    // Garbage collection, as a dry run: the real command, nothing deleted.
    let gc = s.runner.run(
        &[
            "nix-collect-garbage".into(),
            "-d".into(),
            "--dry-run".into(),
        ],
        false,
        &mut Silent,
    );
    assert_eq!(gc.exit_code, Some(0), "{}", gc.stderr);
    assert_eq!(installed(&s), "firefox-1.0 htop-1.0");
}

#[test]
fn requires_nix_unknown_package_changes_nothing() {
    let s = setup();
    let mut d = Dialogue::new(Preferences::default());
    let (reply, out) = say(&s, &mut d, "install fierfox");
    assert!(out.is_some_and(|o| o.ok));
    assert!(reply.starts_with("Done. firefox is installed."), "{reply}");
    let (reply, out) = say(&s, &mut d, "install zzqqxx");
    assert!(out.is_none(), "{reply}");
    assert_eq!(installed(&s), "firefox-1.0");
}

/// A stand-in for nixos-rebuild on PATH: records its argv, streams output, exits as told.
fn stand_in(dir: &std::path::Path, exit: i32, output: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let script = bin.join("nixos-rebuild");
    let record = dir.join("argv");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\ncat <<'OUT'\n{output}\nOUT\nexit {exit}\n",
            record.display()
        ),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[derive(Default)]
struct Lines(Vec<String>);
impl Progress for Lines {
    fn phase(&mut self, n: usize, total: usize, what: &str) {
        self.0.push(format!("step {n} of {total}: {what}"));
    }
    fn line(&mut self, t: &str) {
        self.0.push(t.to_owned());
    }
}

#[test]
fn nixos_rebuild_plumbing_with_a_recording_stand_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("configuration.nix");
    let text = "{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ vim ];\n}\n";
    std::fs::write(&cfg, text).expect("cfg");
    let index = luminous_intent::curated_index();
    let settings = Settings {
        config_path: cfg.to_string_lossy().into_owned(),
        ..Settings::default()
    };
    let files = [luminous_nixcfg_file(&cfg, text)];

    for (exit, output, want) in [
        (
            0,
            "building the system configuration...\nthese 2 derivations will be built:\nbuilding '/nix/store/x.drv'...\nactivating the configuration...",
            "Done. Firefox is installed.",
        ),
        (
            4,
            "building the system configuration...\nactivating the configuration...\nwarning: the following units failed: nginx.service",
            "That failed while rebuilding the system. The service nginx.service failed to start after the switch.",
        ),
    ] {
        std::fs::write(&cfg, text).expect("reset cfg");
        let path = stand_in(dir.path(), exit, output);
        let mut runner = SystemRunner::new(Helper::AlreadyRoot);
        runner.env = vec![("PATH".into(), path)];
        let ctx = Context {
            index: &index,
            index_complete: false,
            config: Ok(&files),
            config_problems: &[],
            settings: &settings,
            last_failure: None,
            last_change: None,
            adviser: None,
            vocabulary: &[],
        };
        let mut d = Dialogue::new(Preferences::default());
        d.turn("install firefox", &ctx);
        let Action::Execute { plan } = d.turn("yes", &ctx).action else {
            panic!("no plan")
        };
        let config_arg = format!("nixos-config={}", cfg.display());
        assert!(
            matches!(&plan.steps[1], Step::Run { argv, root: true, .. } if argv == &["nixos-rebuild", "switch", "-I", config_arg.as_str()])
        );
        let mut progress = Lines::default();
        let outcome = execute(&plan, &runner, &mut DirectWriter::default(), &mut progress);
        let reply = d.outcome(&plan, &outcome, &ctx).text;
        assert!(reply.starts_with(want), "{reply}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("argv")).expect("argv"),
            format!("switch\n-I\n{config_arg}\n"),
            "one argument a line: argv, not a shell string"
        );
        // All or nothing: a failed rebuild leaves the file exactly as it was.
        let now = std::fs::read_to_string(&cfg).expect("cfg");
        if exit == 0 {
            assert!(now.contains("[ vim firefox ]"), "{now}");
        } else {
            assert_eq!(now, text);
            assert!(
                reply.ends_with(
                    "I put configuration.nix back as it was, so your configuration is unchanged."
                ),
                "{reply}"
            );
        }
        assert!(
            progress
                .0
                .contains(&"Activating the new configuration.".to_owned()),
            "{:?}",
            progress.0
        );
        assert!(
            progress.0.len() <= 6,
            "progress must stay a few lines: {:?}",
            progress.0
        );
    }
}

fn luminous_nixcfg_file(path: &std::path::Path, text: &str) -> luminous_nixcfg::edit::SourceFile {
    luminous_nixcfg::edit::SourceFile {
        name: path.to_string_lossy().into_owned(),
        text: text.to_owned(),
    }
}
