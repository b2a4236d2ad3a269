//! The NixOS module evaluated with nixpkgs' own module system (tests/nix/eval-module.nix),
//! and what it writes read back by Luminous: the settings file is one `luminous` accepts,
//! the user unit is the one the repo's plain unit describes, the polkit rule names the
//! plans' root programs, and a wrong value is refused by the module's types.
//!
//! These need nixpkgs' lib, which is not on a Debian machine: point LUMINOUS_NIXPKGS_LIB at
//! it (the `lib` folder of a nixpkgs or nixpkgs.lib checkout) and run with `--ignored`.

mod common;

fn lib() -> String {
    std::env::var("LUMINOUS_NIXPKGS_LIB").expect(
        "set LUMINOUS_NIXPKGS_LIB to nixpkgs' lib folder (a checkout of nixpkgs or nixpkgs.lib)",
    )
}

fn eval(args: &[&str]) -> Result<serde_json::Value, String> {
    let nix = luminous_test_support::NixEnv::new();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/nix/eval-module.nix"
    );
    let out = nix
        .command("nix-instantiate")
        .args(["--eval", "--strict", "--json", file, "--arg", "lib"])
        .arg(format!("import {}", lib()))
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

#[test]
#[ignore = "needs nixpkgs' lib: LUMINOUS_NIXPKGS_LIB=/path/to/nixpkgs/lib cargo test --test nixos_module -- --ignored"]
fn requires_nixpkgs_lib_the_module_evaluates_to_a_unit_settings_and_a_polkit_rule() {
    let v = eval(&[]).expect("evaluates");
    let unit = &v["unit"];
    assert_eq!(
        unit["wantedBy"],
        serde_json::json!(["graphical-session.target"])
    );
    let service = &unit["serviceConfig"];
    assert_eq!(service["Type"], "notify");
    assert!(
        service["ExecStart"]
            .as_str()
            .is_some_and(|s| s.ends_with("-luminous-0.1.0/bin/luminous daemon")),
        "{unit}"
    );
    // The plain unit in the repo says the same.
    let plain = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/systemd/luminous.service"
    ))
    .expect("unit");
    for key in [
        "Type",
        "NotifyAccess",
        "Restart",
        "WatchdogSec",
        "TimeoutStopSec",
        "UMask",
    ] {
        let value = service[key].to_string().trim_matches('"').to_owned();
        assert!(plain.contains(&format!("{key}={value}")), "{key}={value}");
    }
    assert!(v["polkitEnabled"].as_bool().unwrap_or(false));
    let rule = v["polkit"].as_str().unwrap_or_default();
    for program in [
        "bin/nixos-rebuild",
        "bin/nix-channel",
        "bin/nix-collect-garbage",
    ] {
        assert!(rule.contains(program), "{rule}");
    }
    assert!(rule.contains("subject.active") && rule.contains("isInGroup(\"wheel\")"));

    // The settings it writes are ones Luminous reads.
    let settings = &v["settings"];
    assert_eq!(settings["speech"], "auto");
    assert!(
        settings["whisper_model"]
            .as_str()
            .is_some_and(|p| p.ends_with("/models/ggml-tiny.en.bin"))
    );
    let e = common::Env::new();
    std::fs::create_dir_all(e.path("xdg/luminous")).expect("dir");
    let as_toml = toml::to_string(settings).expect("toml");
    std::fs::write(e.path("xdg/luminous/config.toml"), as_toml).expect("write");
    let out = e
        .cmd()
        .env("XDG_CONFIG_DIRS", e.path("xdg"))
        .args(["models", "list"])
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains("has a mistake"), "{said}");
    // The module's store paths are the ones it uses.
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("-luminous-models/models/ggml-tiny.en.bin"),
        "{listed}"
    );
}

#[test]
#[ignore = "needs nixpkgs' lib: LUMINOUS_NIXPKGS_LIB=/path/to/nixpkgs/lib cargo test --test nixos_module -- --ignored"]
fn requires_nixpkgs_lib_off_means_nothing_and_wrong_values_are_refused() {
    let v = eval(&["--arg", "enable", "false"]).expect("evaluates");
    assert!(v["unit"].is_null() && v["settings"].is_null(), "{v}");
    let err = eval(&["--arg", "extra", "{ speech = \"espeak\"; }"]).expect_err("refused");
    assert!(err.contains("services.luminous.speech"), "{err}");
    let err =
        eval(&["--arg", "extra", "{ pushToTalk.mode = \"sometimes\"; }"]).expect_err("refused");
    assert!(err.contains("services.luminous.pushToTalk.mode"), "{err}");
}
