//! Whole conversations as transcripts: what the user says, what Luminous answers, and what it
//! asks the host to do. Review changes with `UPDATE_EXPECT=1 cargo test`.

use expect_test::{Expect, expect};
use luminous_dialogue::{Action, Context, Dialogue, InstallMode, Preferences, Settings, Step};
use luminous_intent::{PackageIndex, curated_index};
use luminous_nixcfg::edit::SourceFile;

const CONFIG: &str = "{ config, pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [\n    vim\n    vlc\n  ];\n  services.openssh.enable = true;\n}\n";

fn transcript(config: Result<&str, &str>, settings: Settings, turns: &[&str]) -> String {
    let index = curated_index();
    let files: Vec<SourceFile> = config
        .iter()
        .map(|t| SourceFile {
            name: "/etc/nixos/configuration.nix".into(),
            text: (*t).to_owned(),
        })
        .collect();
    let mut d = Dialogue::new(Preferences::default());
    let mut out = String::new();
    for t in turns {
        let ctx = Context {
            index: &index,
            index_complete: false,
            config: config.map(|_| files.as_slice()),
            config_problems: &[],
            settings: &settings,
            last_failure: None,
            last_change: None,
            adviser: None,
            vocabulary: &[],
        };
        let turn = d.turn(t, &ctx);
        out.push_str(&format!("> {t}\n{}\n", turn.reply.text));
        match &turn.action {
            Action::None => {}
            Action::Execute { plan } | Action::Confirm { plan } => {
                let kind = if matches!(turn.action, Action::Execute { .. }) {
                    "execute"
                } else {
                    "confirm"
                };
                out.push_str(&format!("  [{kind}: {} ({:?})]\n", plan.summary, plan.risk));
                for s in &plan.steps {
                    match s {
                        Step::Edit { file, diff, .. } => {
                            let changed: Vec<&str> = diff
                                .lines()
                                .filter(|l| {
                                    l.starts_with(['+', '-'])
                                        && !l.starts_with("+++")
                                        && !l.starts_with("---")
                                })
                                .collect();
                            out.push_str(&format!("  [edit {file}: {}]\n", changed.join(" | ")));
                        }
                        Step::Run {
                            argv,
                            root,
                            terminal,
                            ..
                        } => out.push_str(&format!(
                            "  [run{}{}: {}]\n",
                            if *root { " as root" } else { "" },
                            if *terminal { " for the user" } else { "" },
                            argv.join(" ")
                        )),
                    }
                }
            }
            Action::Choose { options } => {
                out.push_str(&format!("  [choose among {}]\n", options.len()))
            }
            Action::SetPreference { name, value } => {
                out.push_str(&format!("  [preference {name} = {value}]\n"))
            }
            Action::Learn { word } => {
                out.push_str(&format!("  [learn {} = {}]\n", word.phrase, word.value))
            }
            Action::Forget { phrase } => out.push_str(&format!(
                "  [forget {}]\n",
                phrase.as_deref().unwrap_or("every learned word")
            )),
        }
    }
    out
}

fn config_files() -> [SourceFile; 1] {
    [SourceFile {
        name: "c.nix".into(),
        text: CONFIG.into(),
    }]
}

fn context<'a>(
    index: &'a PackageIndex,
    files: &'a [SourceFile],
    settings: &'a Settings,
    complete: bool,
) -> Context<'a> {
    Context {
        index,
        index_complete: complete,
        config: Ok(files),
        config_problems: &[],
        settings,
        last_failure: None,
        last_change: None,
        adviser: None,
        vocabulary: &[],
    }
}

fn check(turns: &[&str], expect: Expect) {
    expect.assert_eq(&transcript(Ok(CONFIG), Settings::default(), turns));
}

#[test]
fn install_confirm_yes() {
    check(
        &["install firefox", "yes"],
        expect![[r#"
            > install firefox
            Install Firefox and rebuild? Yes or no?
              [confirm: Install Firefox for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    firefox]
              [run as root: nixos-rebuild switch]
            > yes
            Install Firefox for the whole system: starting.
              [execute: Install Firefox for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    firefox]
              [run as root: nixos-rebuild switch]
        "#]],
    );
}

#[test]
fn install_typo_says_what_it_understood() {
    check(
        &["install fierfox", "no"],
        expect![[r#"
            > install fierfox
            I understood Firefox. Install Firefox and rebuild? Yes or no?
              [confirm: Install Firefox for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    firefox]
              [run as root: nixos-rebuild switch]
            > no
            All right, I did not change anything.
        "#]],
    );
}

#[test]
fn install_already_present() {
    check(
        &["please install vim"],
        expect![[r#"
        > please install vim
        Vim is already in your configuration. Nothing to do.
    "#]],
    );
}

#[test]
fn remove_and_injection() {
    check(
        &["get rid of vlc", "nope", "install firefox and rm -rf /"],
        expect![[r#"
            > get rid of vlc
            Remove VLC and rebuild? Yes or no?
              [confirm: Remove VLC from the system (High)]
              [edit /etc/nixos/configuration.nix: -    vlc]
              [run as root: nixos-rebuild switch]
            > nope
            All right, I did not change anything.
            > install firefox and rm -rf /
            I left out "rm -rf /": it is not a package name. Install Firefox and rebuild? Yes or no?
              [confirm: Install Firefox for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    firefox]
              [run as root: nixos-rebuild switch]
        "#]],
    );
}

#[test]
fn clarification_by_number_and_by_name() {
    // Only the package name came through: asked, then planned and confirmed as usual.
    check(
        &["gatsby chromium", "yes"],
        expect![[r#"
            > gatsby chromium
            Did you want to install Chromium? Say yes or no.
              [choose among 1]
            > yes
            Install Chromium and rebuild? Yes or no?
              [confirm: Install Chromium for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    chromium]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    // One near match is a yes/no question, not a list of one.
    check(
        &["list the generatons", "maybe", "yes"],
        expect![[r#"
            > list the generatons
            Did you want to list generations? Say yes or no.
              [choose among 1]
            > maybe
            Did you want to list generations? Please say yes or no.
              [choose among 1]
            > yes

              [execute: List generations (None)]
              [run: nix-env --list-generations --profile /nix/var/nix/profiles/system]
        "#]],
    );
    check(
        &["install a music player", "the second one", "yes"],
        expect![[r#"
            > install a music player
            Did you mean 1, Rhythmbox, 2, Strawberry, or 3, Elisa? Say the number.
              [choose among 3]
            > the second one
            Install Strawberry and rebuild? Yes or no?
              [confirm: Install Strawberry for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    strawberry]
              [run as root: nixos-rebuild switch]
            > yes
            Install Strawberry for the whole system: starting.
              [execute: Install Strawberry for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    strawberry]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    check(
        &["find me a video player", "vlc"],
        expect![[r#"
        > find me a video player
        I found 3 packages for video player. 1, VLC: Media player for video and audio files, discs and streams. 2, mpv: Lightweight video and media player. 3, Celluloid: Simple GTK video player using mpv. Say a number to install one.
          [choose among 3]
        > vlc
        VLC is already in your configuration. Nothing to do.
    "#]],
    );
}

#[test]
fn unknown_package_counterfactual() {
    check(
        &["install qqqfirefoxx", "yes"],
        expect![[r#"
            > install qqqfirefoxx
            There is no package called qqqfirefoxx. It would work with Firefox: shall I install Firefox?
              [choose among 1]
            > yes
            Install Firefox and rebuild? Yes or no?
              [confirm: Install Firefox for the whole system (Medium)]
              [edit /etc/nixos/configuration.nix: +    firefox]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    check(
        &["remove vlcc", "yes"],
        expect![[r#"
            > remove vlcc
            I understood VLC. Remove VLC and rebuild? Yes or no?
              [confirm: Remove VLC from the system (High)]
              [edit /etc/nixos/configuration.nix: -    vlc]
              [run as root: nixos-rebuild switch]
            > yes
            Remove VLC from the system: starting.
              [execute: Remove VLC from the system (High)]
              [edit /etc/nixos/configuration.nix: -    vlc]
              [run as root: nixos-rebuild switch]
        "#]],
    );
}

#[test]
fn services_and_risk() {
    check(
        &["enable bluetooth", "yes"],
        expect![[r#"
            > enable bluetooth
            Turn on Bluetooth and rebuild? Yes or no?
              [confirm: Turn on Bluetooth (Medium)]
              [edit /etc/nixos/configuration.nix: +  hardware.bluetooth.enable = true;]
              [run as root: nixos-rebuild switch]
            > yes
            Turn on Bluetooth: starting.
              [execute: Turn on Bluetooth (Medium)]
              [edit /etc/nixos/configuration.nix: +  hardware.bluetooth.enable = true;]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    check(
        &["turn off the firewall"],
        expect![[r#"
            > turn off the firewall
            Turn off the firewall and rebuild? Careful: this can cut off network or remote access. Yes or no?
              [confirm: Turn off the firewall (High)]
              [edit /etc/nixos/configuration.nix: +  networking.firewall.enable = false;]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    check(
        &["disable ssh", "cancel", "repeat"],
        expect![[r#"
            > disable ssh
            Turn off the SSH server and rebuild? Careful: this can cut off network or remote access. Yes or no?
              [confirm: Turn off the SSH server (High)]
              [edit /etc/nixos/configuration.nix: -  services.openssh.enable = true; | +  services.openssh.enable = false;]
              [run as root: nixos-rebuild switch]
            > cancel
            All right, I did not change anything.
            > repeat
            All right, I did not change anything.
        "#]],
    );
}

#[test]
fn system_operations() {
    check(
        &["undo the last system change", "yes"],
        expect![[r#"
            > undo the last system change
            I have not made a change that I could undo. To go back to the previous system generation, say roll back.
            > yes
            There is nothing to confirm right now.
        "#]],
    );
    check(
        &["clean up old generations"],
        expect![[r#"
            > clean up old generations
            Delete generations older than 14 days and unused packages? You will not be able to roll back to the deleted generations. Yes or no?
              [confirm: Delete generations older than 14 days and unused packages (High)]
              [run as root: nix-collect-garbage --delete-older-than 14d]
        "#]],
    );
    check(
        &["update the system", "yes"],
        expect![[r#"
            > update the system
            Update the system? Yes or no?
              [confirm: Update the system (High)]
              [run as root: nix-channel --update]
              [run as root: nixos-rebuild switch]
            > yes
            Update the system: starting.
              [execute: Update the system (High)]
              [run as root: nix-channel --update]
              [run as root: nixos-rebuild switch]
        "#]],
    );
    check(
        &[
            "list generations",
            "what is installed",
            "how much disk space do I have",
        ],
        expect![[r#"
        > list generations

          [execute: List generations (None)]
          [run: nix-env --list-generations --profile /nix/var/nix/profiles/system]
        > what is installed
        Your configuration lists 2 packages: Vim and VLC.
        > how much disk space do I have

          [execute: Check disk space (None)]
          [run: df -B1 --output=target,size,used,avail / /nix/store]
    "#]],
    );
}

#[test]
fn help_preferences_and_nonsense() {
    check(
        &[
            "what can you do",
            "talk slower",
            "be brief",
            "flibber the wotsit",
            "",
            "yes",
        ],
        expect![[r#"
            > what can you do
            You can say: install firefox, remove vlc, find a music player, try cowsay, what is installed, update the system, undo, roll back, list generations, clean up, enable bluetooth, why did my rebuild fail, how much disk space, and talk slower. I ask before I change anything.
            > talk slower
            All right, I will talk slower.
              [preference speech_rate = 0.80]
            > be brief
            All right, I will keep it short.
              [preference verbosity = brief]
            > flibber the wotsit
            I did not understand that. I can install, remove and find programs, turn services on and off, update, roll back, clean up, and explain errors. Say help for more.
            > 
            I did not hear a request. Say help to hear what I can do.
            > yes
            There is nothing to confirm right now.
        "#]],
    );
}

#[test]
fn explain_a_broken_configuration() {
    let broken =
        "{ pkgs, ... }:\n{\n  networking.hostName = \"box\"\n  time.timeZone = \"UTC\";\n}\n";
    expect![[r#"
        > why won't my configuration build
        In configuration.nix, line 3: Line 3 is missing a semicolon at its end: networking.hostName = "box" Add ; at the end of line 3.
        > install firefox
        I will not change your configuration while it has an error. In configuration.nix, line 3: Line 3 is missing a semicolon at its end: networking.hostName = "box" Add ; at the end of line 3.
    "#]].assert_eq(&transcript(Ok(broken), Settings::default(), &["why won't my configuration build", "install firefox"]));
}

#[test]
fn no_configuration_and_profile_mode() {
    expect![[r#"
        > install firefox
        I could not read your configuration: /etc/nixos/configuration.nix does not exist
    "#]]
    .assert_eq(&transcript(
        Err("/etc/nixos/configuration.nix does not exist"),
        Settings::default(),
        &["install firefox"],
    ));
    let profile = Settings {
        install_mode: InstallMode::Profile,
        nixpkgs: Some("/tmp/pkgs.nix".into()),
        ..Settings::default()
    };
    expect![[r#"
        > install htop
        Install htop? Yes or no?
          [confirm: Install htop for you (Medium)]
          [run: nix-env -f /tmp/pkgs.nix -iA htop]
        > yes
        Install htop for you: starting.
          [execute: Install htop for you (Medium)]
          [run: nix-env -f /tmp/pkgs.nix -iA htop]
        > roll back
        Go back to your previous profile generation? Yes or no?
          [confirm: Go back to your previous profile generation (High)]
          [run: nix-env --rollback]
        > yes
        Go back to your previous profile generation: starting.
          [execute: Go back to your previous profile generation (High)]
          [run: nix-env --rollback]
        > enable ssh
        Turning services on and off needs a NixOS configuration, and this setup installs into a user profile.
    "#]].assert_eq(&transcript(Err("none"), profile, &["install htop", "yes", "roll back", "yes", "enable ssh"]));
}

#[test]
fn no_rebuild_and_flakes() {
    let s = Settings {
        no_rebuild: true,
        ..Settings::default()
    };
    expect![[r#"
        > install htop
        Install htop? It takes effect at the next rebuild. Yes or no?
          [confirm: Install htop for the whole system (Medium)]
          [edit /etc/nixos/configuration.nix: +    htop]
    "#]]
    .assert_eq(&transcript(Ok(CONFIG), s, &["install htop"]));
    let s = Settings {
        flake: Some("/etc/nixos".into()),
        ..Settings::default()
    };
    expect![[r#"
        > update everything
        Update the system? Yes or no?
          [confirm: Update the system (High)]
          [run: nix --extra-experimental-features nix-command flakes flake update --flake /etc/nixos]
          [run as root: nixos-rebuild switch --flake /etc/nixos]
        > try cowsay
        I dropped the earlier question; nothing was changed.
          [execute: Start cowsay in a temporary shell, without installing it (None)]
          [run: nix --extra-experimental-features nix-command flakes build --inputs-from /etc/nixos nixpkgs#cowsay --no-link --json]
          [run for the user: nix --extra-experimental-features nix-command flakes shell --inputs-from /etc/nixos nixpkgs#cowsay --command cowsay]
    "#]]
    .assert_eq(&transcript(
        Ok(CONFIG),
        s,
        &["update everything", "try cowsay"],
    ));
}

#[test]
fn options_never_sound_the_same() {
    use luminous_intent::Package;
    let pkg = |attr: &str, pname: &str| Package {
        attr: attr.into(),
        pname: pname.into(),
        version: String::new(),
        description: String::new(),
        ..Package::default()
    };
    let index = PackageIndex::from_packages(vec![
        pkg("firefox-bin", "firefox"),
        pkg("firefox-unwrapped", "firefox"),
    ]);
    let (settings, files) = (Settings::default(), config_files());
    let ctx = context(&index, &files, &settings, true);
    let reply = Dialogue::new(Preferences::default())
        .turn("install fierfox", &ctx)
        .reply
        .text;
    assert_eq!(
        reply,
        "Did you mean 1, firefox-bin, or 2, firefox-unwrapped? Say the number."
    );
}

/// What read-only plans say about real command output.
#[test]
fn outcomes_of_read_only_plans() {
    use luminous_dialogue::{Outcome, StepOutcome};
    let index = curated_index();
    let (settings, files) = (Settings::default(), config_files());
    let ctx = context(&index, &files, &settings, false);
    let run = |text: &str, outputs: &[(i32, &str)]| -> String {
        let mut d = Dialogue::new(Preferences::default());
        let Action::Execute { plan } = d.turn(text, &ctx).action else {
            return "no plan".into();
        };
        let steps: Vec<StepOutcome> = outputs
            .iter()
            .map(|(code, out)| StepOutcome {
                exit_code: Some(*code),
                stdout: (*out).into(),
                ..StepOutcome::default()
            })
            .collect();
        let ok = steps.iter().all(|s| s.exit_code == Some(0));
        d.outcome(
            &plan,
            &Outcome {
                ok,
                steps,
                ..Outcome::default()
            },
            &ctx,
        )
        .text
    };
    expect!["Your main disk has 70 gigabytes free of 250 gigabytes; it is 72 percent full."].assert_eq(&run(
        "how full is my disk",
        &[(0, "Mounted on 1B-blocks Used Avail\n/ 250000000000 180000000000 70000000000\n/nix/store 250000000000 180000000000 70000000000\n")],
    ));
    expect!["You have 2 generations. The current one is number 42, from 2026-11-20."].assert_eq(
        &run(
            "list generations",
            &[(
                0,
                "  41   2026-10-01 09:12:44   \n  42   2026-11-20 18:03:10   (current)\n",
            )],
        ),
    );
    expect!["This is NixOS 25.05.20250101.abcdef (Warbler), with kernel Linux 6.12.8."].assert_eq(
        &run(
            "system info",
            &[
                (0, "Linux 6.12.8\n"),
                (0, "25.05.20250101.abcdef (Warbler)\n"),
            ],
        ),
    );
    expect!["The kernel is Linux 6.1.0. This does not look like NixOS: nixos-version is missing."]
        .assert_eq(&run(
            "what version of nixos is this",
            &[(0, "Linux 6.1.0\n"), (127, "")],
        ));
}

#[test]
fn rebuild_modes() {
    check(
        &[
            "rebuild for the next boot",
            "try the new configuration",
            "would my configuration build",
        ],
        expect![[r#"
            > rebuild for the next boot
            Build the configuration and make it the default from the next boot? Yes or no?
              [confirm: Build the configuration and make it the default from the next boot (Medium)]
              [run as root: nixos-rebuild boot]
            > try the new configuration
            I dropped the earlier question; nothing was changed. Switch to the configuration now, without making it the boot default? Yes or no?
              [confirm: Switch to the configuration now, without making it the boot default (Medium)]
              [run as root: nixos-rebuild test]
            > would my configuration build
            I dropped the earlier question; nothing was changed.
              [execute: Check that the configuration builds, without changing anything (None)]
              [run: nixos-rebuild dry-build]
        "#]],
    );
}

/// Undo takes the last change from the execution log (handed in by the host), and after a
/// rollback the reply offers to take that change out of the files too.
#[test]
fn undo_and_the_rollback_offer() {
    use luminous_dialogue::{Change, ChangedFile, Outcome, StepOutcome};
    let index = curated_index();
    let settings = Settings::default();
    let with_firefox = CONFIG.replace("    vlc\n", "    vlc\n    firefox\n");
    let files = [SourceFile {
        name: "/etc/nixos/configuration.nix".into(),
        text: with_firefox.clone(),
    }];
    let change = Change {
        id: 7,
        intent: luminous_intent::IntentKind::InstallPackage,
        summary: "Install Firefox for the whole system".into(),
        edits: vec![ChangedFile {
            file: "/etc/nixos/configuration.nix".into(),
            before: CONFIG.into(),
            after: with_firefox.clone(),
        }],
        rebuilt: true,
    };
    let mut ctx = context(&index, &files, &settings, false);
    ctx.last_change = Some(&change);
    let mut d = Dialogue::new(Preferences::default());
    let t = d.turn("undo that", &ctx);
    expect!["Undo your last change: install Firefox for the whole system and rebuild? Yes or no?"]
        .assert_eq(&t.reply.text);
    let t = d.turn("yes", &ctx);
    let Action::Execute { plan } = t.action else {
        panic!("{:?}", t.reply)
    };
    assert_eq!(plan.undoes, Some(7));
    assert!(
        matches!(&plan.steps[0], Step::Edit { before, after, .. } if *before == with_firefox && after == CONFIG)
    );
    assert!(plan.rebuilds());
    let done = d.outcome(
        &plan,
        &Outcome {
            ok: true,
            steps: vec![
                StepOutcome::default(),
                StepOutcome {
                    exit_code: Some(0),
                    ..StepOutcome::default()
                },
            ],
            ..Outcome::default()
        },
        &ctx,
    );
    expect!["Done. I undid your last change: install Firefox for the whole system."]
        .assert_eq(&done.text);

    // The file changed since: no automatic undo.
    let edited = [SourceFile {
        name: "/etc/nixos/configuration.nix".into(),
        text: with_firefox.replace("vim", "neovim"),
    }];
    let mut ctx2 = context(&index, &edited, &settings, false);
    ctx2.last_change = Some(&change);
    expect!["configuration.nix has changed since then, so I will not undo it automatically. Its earlier version is among my backups: say history to hear where."].assert_eq(&Dialogue::new(Preferences::default()).turn("undo", &ctx2).reply.text);

    // A rollback leaves the change in the files: the reply offers to take it out.
    let mut d = Dialogue::new(Preferences::default());
    d.turn("go back to the previous generation", &ctx);
    let Action::Execute { plan } = d.turn("yes", &ctx).action else {
        panic!("no rollback")
    };
    let ok = Outcome {
        ok: true,
        steps: vec![StepOutcome {
            exit_code: Some(0),
            ..StepOutcome::default()
        }],
        ..Outcome::default()
    };
    let reply = d.outcome(&plan, &ok, &ctx);
    expect!["Done. The system is back on the previous generation. Configuration.nix still has your last change, install Firefox for the whole system, so the next rebuild would bring it back. Shall I take it out of the file too? Say yes or no."].assert_eq(&reply.text);
    assert!(reply.question && d.awaiting_answer());
    let Action::Execute { plan } = d.turn("yes please", &ctx).action else {
        panic!("no files-only undo")
    };
    assert!(
        !plan.rebuilds(),
        "the system already runs the previous generation"
    );
    assert_eq!((plan.steps.len(), plan.undoes), (1, Some(7)));
    expect!["Done. Your configuration files match the running system again."].assert_eq(
        &d.outcome(
            &plan,
            &Outcome {
                ok: true,
                steps: vec![StepOutcome::default()],
                ..Outcome::default()
            },
            &ctx,
        )
        .text,
    );

    // What cannot be undone says so.
    let gc = Change {
        id: 8,
        intent: luminous_intent::IntentKind::CollectGarbage,
        summary: "Delete generations older than 14 days and unused packages".into(),
        edits: vec![],
        rebuilt: false,
    };
    ctx.last_change = Some(&gc);
    expect!["Your last change deleted old generations, and those cannot be brought back."]
        .assert_eq(
            &Dialogue::new(Preferences::default())
                .turn("undo the last change", &ctx)
                .reply
                .text,
        );
}

/// What is rebuilt is what was edited: a configuration outside /etc/nixos, a flake with this
/// host's name; a flake the user cannot write is updated through the helper.
#[test]
fn rebuilds_name_the_configuration_and_the_host() {
    let elsewhere = Settings {
        config_path: "/home/ana/nixos/configuration.nix".into(),
        ..Settings::default()
    };
    let flake = Settings {
        flake: Some("/etc/nixos".into()),
        hostname: Some("laptop".into()),
        flake_needs_root: true,
        ..Settings::default()
    };
    expect![[r#"
        > install htop
        Install htop and rebuild? Yes or no?
          [confirm: Install htop for the whole system (Medium)]
          [edit /etc/nixos/configuration.nix: +    htop]
          [run as root: nixos-rebuild switch -I nixos-config=/home/ana/nixos/configuration.nix]
        > would my configuration build
        I dropped the earlier question; nothing was changed.
          [execute: Check that the configuration builds, without changing anything (None)]
          [run: nixos-rebuild dry-build -I nixos-config=/home/ana/nixos/configuration.nix]
    "#]]
    .assert_eq(&transcript(
        Ok(CONFIG),
        elsewhere,
        &["install htop", "would my configuration build"],
    ));
    expect![[r#"
        > update the system
        Update the system? Yes or no?
          [confirm: Update the system (High)]
          [run as root: nix --extra-experimental-features nix-command flakes flake update --flake /etc/nixos]
          [run as root: nixos-rebuild switch --flake /etc/nixos#laptop]
        > no
        All right, I did not change anything.
        > try neovim

          [execute: Start Neovim in a temporary shell, without installing it (None)]
          [run: nix --extra-experimental-features nix-command flakes build --inputs-from /etc/nixos nixpkgs#neovim --no-link --json]
          [run for the user: nix --extra-experimental-features nix-command flakes shell --inputs-from /etc/nixos nixpkgs#neovim --command nvim]
    "#]]
    .assert_eq(&transcript(Ok(CONFIG), flake, &["update the system", "no", "try neovim"]));
    let channel = Settings {
        package_source: Some("/nix/var/nix/profiles/per-user/root/channels/nixos".into()),
        ..Settings::default()
    };
    expect![[r#"
        > try ripgrep

          [execute: Start ripgrep in a temporary shell, without installing it (None)]
          [run: nix --extra-experimental-features nix-command build -f /nix/var/nix/profiles/per-user/root/channels/nixos ripgrep --no-link --json]
          [run for the user: nix --extra-experimental-features nix-command shell -f /nix/var/nix/profiles/per-user/root/channels/nixos ripgrep --command rg]
    "#]]
    .assert_eq(&transcript(Ok(CONFIG), channel, &["try ripgrep"]));
}

#[test]
fn two_requests_at_once_do_the_first_and_say_how_to_ask_the_second() {
    check(
        &["remove vlc and install mpv", "yes"],
        expect![[r#"
            > remove vlc and install mpv
            One thing at a time: ask me to install mpv after this. Remove VLC and rebuild? Yes or no?
              [confirm: Remove VLC from the system (High)]
              [edit /etc/nixos/configuration.nix: -    vlc]
              [run as root: nixos-rebuild switch]
            > yes
            Remove VLC from the system: starting.
              [execute: Remove VLC from the system (High)]
              [edit /etc/nixos/configuration.nix: -    vlc]
              [run as root: nixos-rebuild switch]
        "#]],
    );
}
