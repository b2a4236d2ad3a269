//! The `luminous` binary end to end, as a user runs it: private XDG folders, real files.

use std::path::Path;
use std::process::Command;

mod common;

use common::{CONFIG, Env, plain, text};

#[test]
fn ask_json_contract_for_an_install() {
    let e = Env::new();
    let v = e.ask_json(&[], "install firefox");
    assert_eq!(v["intent"], "install_package");
    assert_eq!(v["slots"]["package"], "firefox");
    assert_eq!(v["needs_confirmation"], true);
    assert!(v["confidence"].as_f64().is_some_and(|c| c >= 0.8));
    assert_eq!(v["options"], serde_json::json!([]));
    assert!(
        v["reply"]
            .as_str()
            .is_some_and(|r| r == "Install Firefox and rebuild? Yes or no?")
    );
    // The configuration edited is the one built: it is not /etc/nixos's.
    assert_eq!(
        v["plan"]["steps"][1]["argv"],
        serde_json::json!([
            "nixos-rebuild",
            "switch",
            "-I",
            format!("nixos-config={}", e.path("configuration.nix").display())
        ])
    );
    assert_eq!(v["plan"]["steps"][1]["root"], true);
    assert_eq!(
        std::fs::read_to_string(e.path("configuration.nix")).expect("cfg"),
        CONFIG,
        "nothing changes without yes"
    );
}

#[test]
fn ask_json_options_when_unsure() {
    let e = Env::new();
    let v = e.ask_json(&[], "install a music player");
    assert_eq!(v["options"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["options"][0]["intent"], "install_package");
    assert!(
        v["reply"]
            .as_str()
            .is_some_and(|r| r.starts_with("Did you mean 1,"))
    );
    let v = e.ask_json(&[], "what can you do");
    assert_eq!(
        (v["intent"].as_str(), v["needs_confirmation"].as_bool()),
        (Some("help"), Some(false))
    );
}

#[test]
fn yes_edits_atomically_with_backup_and_logs_before_and_after() {
    let e = Env::new();
    let v = e.ask_json(&["--yes", "--no-rebuild"], "install fierfox");
    assert_eq!(v["done"], true, "{v}");
    let after = std::fs::read_to_string(e.path("configuration.nix")).expect("cfg");
    assert_eq!(after, CONFIG.replace("    vim\n", "    vim\n    firefox\n"));
    // The backup is kept under Luminous's own folder, never beside the user's file.
    let beside: Vec<String> = std::fs::read_dir(e.dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("configuration.nix"))
        .collect();
    assert_eq!(beside, vec!["configuration.nix"]);
    let backups = common::files_under(&e.path("data/luminous/backups"));
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read_to_string(&backups[0]).expect("backup"),
        CONFIG
    );

    let export: serde_json::Value =
        serde_json::from_slice(&e.run(&["export"]).stdout).expect("export json");
    let ex = &export["executions"][0];
    assert_eq!(
        (
            ex["intent"].as_str(),
            ex["ok"].as_bool(),
            ex["confirmed_by"].as_str()
        ),
        (Some("install_package"), Some(true), Some("--yes"))
    );
    assert!(ex["finished_at"].is_string());
    assert_eq!(export["interactions"][0]["input"], "install fierfox");

    let hist = text(&e.run(&["history"]));
    assert!(hist.contains("you asked: install fierfox"), "{hist}");
    plain(&hist);
    let out = e.run(&["forget", "--yes"]);
    assert!(text(&out).starts_with("Erased "), "{}", text(&out));
    assert!(text(&e.run(&["history"])).contains("Your history is empty."));
}

#[test]
fn a_failing_rebuild_is_explained_and_logged() {
    let e = Env::new();
    // No nixos-rebuild on this PATH: the failure must be plain, and the file edit stays.
    let cfg = e.path("configuration.nix");
    let out = e
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args([
            "ask",
            "--yes",
            "--config",
            cfg.to_str().expect("utf8"),
            "install htop",
        ])
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("That did not work: nixos-rebuild is not installed on this machine."),
        "{t}"
    );
    let export: serde_json::Value =
        serde_json::from_slice(&e.run(&["export"]).stdout).expect("json");
    assert_eq!(export["executions"][0]["ok"], false);
}

#[test]
fn bad_input_gets_a_clear_reason_and_changes_nothing() {
    let e = Env::new();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "I did not hear a request"),
        ("x".repeat(10_000), "I did not understand"),
        ("install\u{1b}[31m firefox\u{7}".into(), "Install Firefox"),
        (
            "install `rm -rf ~` $(reboot) | sh".into(),
            "not a package name",
        ),
        ("install ; && ||".into(), "not a package name"),
    ];
    for (input, want) in cases {
        let v = e.ask_json(&[], &input);
        let reply = v["reply"].as_str().unwrap_or_default();
        assert!(reply.contains(want), "{input:?}: {reply}");
        plain(reply);
        if let Some(steps) = v["plan"]["steps"].as_array() {
            for s in steps.iter().filter(|s| s["kind"] == "run") {
                for a in s["argv"].as_array().into_iter().flatten() {
                    let a = a.as_str().unwrap_or("");
                    assert!(
                        a.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.+/=".contains(c)),
                        "{input:?} reached argv: {a}"
                    );
                }
            }
        }
    }
    assert_eq!(
        std::fs::read_to_string(e.path("configuration.nix")).expect("cfg"),
        CONFIG
    );
}

#[test]
fn bad_configuration_files_get_a_clear_reason() {
    let e = Env::new();
    std::fs::write(
        e.path("latin1.nix"),
        b"{ networking.hostName = \"caf\xe9\"; }\n",
    )
    .expect("w");
    std::fs::create_dir_all(e.path("folder")).expect("dir");
    std::fs::write(e.path("notadir"), "x").expect("w");
    let cases = [
        ("latin1.nix", "is not UTF-8 text"),
        ("folder", "is a folder, not a file"),
        ("missing.nix", "does not exist"),
        ("notadir/configuration.nix", "cannot be read"),
    ];
    for (file, want) in cases {
        let p = e.path(file);
        let out = e.run(&[
            "ask",
            "--yes",
            "--config",
            p.to_str().expect("utf8"),
            "install firefox",
        ]);
        let t = text(&out);
        assert!(
            t.contains("I could not read your configuration") && t.contains(want),
            "{file}: {t}"
        );
    }
    assert_eq!(
        std::fs::read(e.path("latin1.nix")).expect("r"),
        b"{ networking.hostName = \"caf\xe9\"; }\n"
    );
    // A broken configuration is explained, not edited.
    std::fs::write(e.path("broken.nix"), "{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.vim ]\n  networking.hostName = \"x\";\n}\n").expect("w");
    let p = e.path("broken.nix");
    let t = text(&e.run(&[
        "ask",
        "--yes",
        "--config",
        p.to_str().expect("utf8"),
        "install firefox",
    ]));
    assert!(
        t.contains("I will not change your configuration while it has an error")
            && t.contains("line 3"),
        "{t}"
    );
}

#[test]
fn explain_json_and_text() {
    let e = Env::new();
    std::fs::write(
        e.path("c.nix"),
        "{ config, ... }:\n{\n  imports = [ ./extra.nix ];\n}\n",
    )
    .expect("w");
    std::fs::write(
        e.path("extra.nix"),
        "{ ... }:\n{\n  service.openssh.enable = true;\n}\n",
    )
    .expect("w");
    let p = e.path("c.nix");
    let out = e.run(&["explain", "--json", p.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &v["diagnostics"][0];
    assert!(d["file"].as_str().is_some_and(|f| f.ends_with("extra.nix")));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(d["suggestion"], "Did you mean services?");
    std::fs::write(
        e.path("build.log"),
        "error: undefined variable 'fierfox'\n       at /etc/nixos/configuration.nix:5:5:\n",
    )
    .expect("w");
    let p = e.path("build.log");
    let t = text(&e.run(&["explain", p.to_str().expect("utf8")]));
    assert!(t.contains("there is no package called fierfox"), "{t}");
    plain(&t);
}

/// `luminous chat` on the test configuration, given `input`: what it printed.
fn chat(e: &Env, input: &[u8]) -> String {
    let typed = String::from_utf8_lossy(input);
    let lines: Vec<&str> = typed.lines().collect();
    e.chat(&["--no-rebuild"], &lines)
}

#[test]
fn chat_is_plain_lines_and_confirms() {
    let e = Env::new();
    let t = chat(
        &e,
        b"install a music player\nthe second one\nrepeat\nyes\nwhat is installed\nquit\n",
    );
    plain(&t);
    let lines: Vec<&str> = t.lines().collect();
    assert!(
        lines[1].starts_with("Did you mean 1, Rhythmbox, 2, Strawberry"),
        "{t}"
    );
    assert!(
        lines[2] == "Install Strawberry? It takes effect at the next rebuild. Yes or no?",
        "{t}"
    );
    assert_eq!(lines[2], lines[3], "repeat says the same again");
    assert!(
        t.contains("Done. Strawberry is in your configuration."),
        "{t}"
    );
    assert!(
        t.contains("Your configuration lists 2 packages: Vim and Strawberry."),
        "{t}"
    );
    assert!(t.trim_end().ends_with("Goodbye."));
}

#[test]
fn search_json_and_gzipped_index() {
    let e = Env::new();
    let out = e.run(&["search", "--json", "thunderbrid"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["results"][0]["attr"], "thunderbird");
    for key in ["attr", "pname", "version", "description"] {
        assert!(v["results"][0].get(key).is_some(), "{key}");
    }
    // A user's own list, gzipped, with one bad line reported, not fatal.
    let gz = e.path("list.jsonl.gz");
    let list = "{\"attr\":\"frobnicate\",\"pname\":\"frobnicate\",\"version\":\"2.0\",\"description\":\"Frobs things\"}\nnot json\n";
    let mut enc = flate2_encoder();
    std::io::Write::write_all(&mut enc, list.as_bytes()).expect("gz");
    std::fs::write(&gz, enc.finish().expect("gz")).expect("w");
    let out = e.run(&["search", "--index", gz.to_str().expect("utf8"), "frobnicat"]);
    let t = text(&out);
    assert!(t.contains("1. frobnicate 2.0: Frobs things"), "{t}");
    assert!(t.contains("1 lines of") && t.contains("line 2"), "{t}");
    // The second run comes from the cache and says the same.
    assert_eq!(
        String::from_utf8_lossy(
            &e.run(&["search", "--index", gz.to_str().expect("utf8"), "frobnicat"])
                .stdout
        ),
        String::from_utf8_lossy(&out.stdout)
    );
}

fn flate2_encoder() -> flate2::write::GzEncoder<Vec<u8>> {
    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())
}

#[test]
fn settings_file_is_read_and_mistakes_are_plain() {
    let e = Env::new();
    std::fs::create_dir_all(e.path("cfg/luminous")).expect("dir");
    let cfg = e.path("configuration.nix");
    std::fs::write(
        e.path("cfg/luminous/config.toml"),
        format!("config = \"{}\"\ngc_keep_days = 30\n", cfg.display()),
    )
    .expect("w");
    let out = e.run(&["ask", "--json", "clean up"]);
    let v: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or(""),
    )
    .expect("json");
    assert_eq!(
        v["plan"]["steps"][0]["argv"],
        serde_json::json!(["nix-collect-garbage", "--delete-older-than", "30d"])
    );
    std::fs::write(e.path("cfg/luminous/config.toml"), "gc_keep_dayz = 3\n").expect("w");
    let out = e.run(&["ask", "help"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("has a mistake") && text(&out).contains("gc_keep_dayz"),
        "{}",
        text(&out)
    );
    // A value out of range is a mistake too, said with what it must be.
    let out_of_range = [
        ("whisper_beam", "0", "1 (greedy"),
        ("whisper_beam", "9", "1 (greedy"),
        ("whisper_beam", "-1", "1 (greedy"),
        ("whisper_audio_context", "0", "64 to 1500"),
        ("whisper_audio_context", "63", "64 to 1500"),
        ("whisper_audio_context", "1501", "64 to 1500"),
    ];
    for (name, value, must) in out_of_range {
        std::fs::write(
            e.path("cfg/luminous/config.toml"),
            format!("{name} = {value}\n"),
        )
        .expect("w");
        let out = e.run(&["ask", "help"]);
        assert_eq!(out.status.code(), Some(2), "{name} = {value}");
        assert!(
            text(&out).contains(&format!("{name} is {value}: it must be {must}")),
            "{}",
            text(&out)
        );
    }
    std::fs::write(e.path("cfg/luminous/config.toml"), "whisper_beam = 4\n").expect("w");
    assert_eq!(e.run(&["ask", "help"]).status.code(), Some(0));
    std::fs::write(
        e.path("cfg/luminous/config.toml"),
        "whisper_audio_context = 256\nwhisper_prompt = \"\"\n",
    )
    .expect("w");
    assert_eq!(e.run(&["ask", "help"]).status.code(), Some(0));
}

#[test]
fn requires_nix_every_nix_file_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // test_data holds broken configurations on purpose (the explainer's corpus).
            if p.is_dir() && !name.starts_with('.') && name != "target" && name != "test_data" {
                dirs.push(p);
            } else if name.ends_with(".nix") {
                files.push(p);
            }
        }
    }
    for must in [
        "flake.nix",
        "nixos-module/default.nix",
        "nixos-module/package.nix",
        "nixos-module/models.nix",
        "nixos-module/vm-test.nix",
    ] {
        assert!(files.contains(&root.join(must)), "{must} is missing");
    }
    for f in &files {
        let out = Command::new("nix-instantiate")
            .arg("--parse")
            .arg(f)
            .env("NIX_STATE_DIR", std::env::temp_dir())
            .output()
            .expect("nix-instantiate runs (apt-get install nix-bin)");
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn requires_nix_second_opinion_where_nix_is_stricter() {
    let e = Env::new();
    std::fs::write(
        e.path("strict.nix"),
        "{ pkgs, ... }:\n{\n  networking.hostName = if 1 == 2 == 3 then \"a\" else \"b\";\n}\n",
    )
    .expect("w");
    let p = e.path("strict.nix");
    let out = e.run(&["explain", "--json", p.to_str().expect("utf8")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &v["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(35)),
        "{v}"
    );
    assert_eq!(d["message"], "Nix cannot read this: unexpected ==.");
}

/// The index from the user's own nixpkgs: built once with nix-env, cached by revision,
/// rebuilt when nixpkgs changes.
#[test]
fn requires_nix_index_from_local_nixpkgs_is_cached_by_revision() {
    let nix = luminous_test_support::NixEnv::new();
    let e = Env::new();
    let pkgs = nix.write_package_set(&[("frobtool", "Frobs widgets"), ("htop", "Process viewer")]);
    std::fs::create_dir_all(e.path("cfg/luminous")).expect("dir");
    std::fs::write(
        e.path("cfg/luminous/config.toml"),
        format!("nixpkgs = \"{}\"\n", pkgs.display()),
    )
    .expect("w");
    let search = |q: &str| {
        let mut c = e.cmd();
        for (k, v) in nix.vars() {
            if k != "HOME" {
                c.env(k, v);
            }
        }
        let out = c.args(["search", q]).output().expect("runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = search("frobtol");
    assert_eq!(out, "1. frobtool 1.0: Frobs widgets\n", "{err}");
    assert!(
        err.contains("Reading the package list from your nixpkgs"),
        "{err}"
    );
    let (out, err) = search("frobtool");
    assert_eq!(out, "1. frobtool 1.0: Frobs widgets\n");
    assert!(err.is_empty(), "the second run reads the cache: {err}");
    // A new nixpkgs revision: the index is rebuilt.
    nix.write_package_set(&[
        ("frobtool", "Frobs widgets, version two"),
        ("htop", "Process viewer"),
    ]);
    let (out, err) = search("frobtool");
    assert_eq!(out, "1. frobtool 1.0: Frobs widgets, version two\n");
    assert!(err.contains("Reading the package list"), "{err}");
}

/// `request` in a chat that asks which one was meant; the first is chosen and confirmed.
fn the_first_one(e: &Env, request: &str) -> String {
    let t = chat(e, format!("{request}\n1\nyes\nquit\n").as_bytes());
    plain(&t);
    assert!(
        t.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("Did you mean 1, ")),
        "{t}"
    );
    t
}

#[test]
fn learned_words_round_trip() {
    let e = Env::new();
    let chat = |input: &[u8]| chat(&e, input);
    // Clarified, chosen, confirmed, done: learned, and said once.
    let t = the_first_one(&e, "install my browser");
    assert_eq!(
        t.matches("I will remember that your browser means ")
            .count(),
        1,
        "{t}"
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&e.run(&["vocab", "list", "--json"]).stdout).expect("json");
    let value = listed[0]["value"]
        .as_str()
        .expect("a learned word")
        .to_owned();
    assert_eq!(listed[0]["phrase"], "my browser", "{listed}");
    assert!(text(&e.run(&["vocab", "list"])).contains(&format!("my browser: {value} (package)")));
    // Used directly next time: no question about which browser.
    let v = e.ask_json(&["--dry-run", "--no-rebuild"], "remove my browser");
    assert_eq!(v["intent"], "remove_package", "{v}");
    assert_eq!(v["slots"]["package"], value.as_str(), "{v}");
    assert_eq!(v["options"], serde_json::json!([]), "{v}");
    // Asked about, then forgotten: gone from the store.
    let t = chat(b"what do you call my browser\nquit\n");
    assert!(t.contains("Your browser means "), "{t}");
    let out = e.run(&["vocab", "forget", "my", "browser"]);
    assert_eq!(text(&out).trim(), "Forgot \"my browser\".");
    let export: serde_json::Value =
        serde_json::from_slice(&e.run(&["export"]).stdout).expect("export json");
    assert_eq!(export["vocabulary"], serde_json::json!([]), "{export}");
    let again = e.run(&["vocab", "forget", "my", "browser"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("No learned word is \"my browser\""),
        "{}",
        text(&again)
    );
    assert!(text(&e.run(&["vocab", "list"])).contains("No words of yours are learned yet."));
}

#[test]
fn learned_service_words_round_trip() {
    let e = Env::new();
    // A name near several services: which one is asked, chosen, confirmed, learned.
    the_first_one(&e, "turn on the net thing");
    let listed: serde_json::Value =
        serde_json::from_slice(&e.run(&["vocab", "list", "--json"]).stdout).expect("json");
    assert_eq!(listed[0]["phrase"], "net thing", "{listed}");
    assert_eq!(listed[0]["slot"], "service", "{listed}");
    let service = listed[0]["value"].as_str().expect("a service").to_owned();
    // Used directly next time: turned off with no question about which.
    let v = e.ask_json(&["--dry-run", "--no-rebuild"], "turn the net thing off");
    assert_eq!(v["intent"], "disable_service", "{v}");
    assert_eq!(v["slots"]["service"], service.as_str(), "{v}");
    assert_eq!(v["options"], serde_json::json!([]), "{v}");
    // Forgotten: gone from the store, and asked about again.
    let out = text(&e.run(&["vocab", "forget", "net", "thing"]));
    assert!(out.contains("net thing"), "{out}");
    let export: serde_json::Value =
        serde_json::from_slice(&e.run(&["export"]).stdout).expect("export json");
    assert_eq!(export["vocabulary"], serde_json::json!([]), "{export}");
    let v = e.ask_json(&["--dry-run", "--no-rebuild"], "turn the net thing off");
    assert!(v["options"].as_array().is_some_and(|o| o.len() > 1), "{v}");
}
