//! The golden corpus of explanations: every broken file in `test_data/explain` (and every
//! saved build log) with its expected explanation beside it (`.out`, refresh with
//! `UPDATE_EXPECT=1`). The broken files are checked to be really broken by real Nix.

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use luminous_nixcfg::edit::{Config, SourceFile};
use luminous_nixcfg::{Diagnostic, explain, log};
use luminous_test_support::NixEnv;

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/explain");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("test_data/explain")
        .map(|e| e.expect("entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("nix" | "log")))
        .collect();
    v.sort();
    v
}

fn render(ds: &[Diagnostic]) -> String {
    if ds.is_empty() {
        return "no problems found\n".into();
    }
    ds.iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}\n  fix: {}\n",
                d.file, d.line, d.column, d.message, d.suggestion
            )
        })
        .collect()
}

fn explain_path(p: &Path) -> Vec<Diagnostic> {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_owned();
    let text = std::fs::read_to_string(p).expect("read");
    if name.ends_with(".log") {
        return log::explain_log(&name, &text);
    }
    let files = [SourceFile { name, text }];
    let names = luminous_intent::curated_index();
    explain(Config { files: &files }, Some(&names))
}

#[test]
fn golden_explanations_match_expected() {
    let all = inputs();
    assert!(
        all.iter()
            .filter(|p| p.extension().is_some_and(|e| e == "nix"))
            .count()
            >= 10
    );
    for p in all {
        let got = render(&explain_path(&p));
        assert_ne!(
            got,
            "no problems found\n",
            "{} is meant to be broken",
            p.display()
        );
        expect_file![p.with_extension(format!(
            "{}.out",
            p.extension().and_then(|e| e.to_str()).unwrap_or("")
        ))]
        .assert_eq(&got);
    }
}

#[test]
fn requires_nix_broken_files_are_really_broken() {
    let nix = NixEnv::new();
    for p in inputs()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
    {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // Unknown names and options are evaluation errors, not syntax errors: those files parse.
        let semantic = ["09-", "10-", "11-"].iter().any(|s| name.starts_with(s));
        let parsed = nix.parse_file(&p);
        if semantic {
            assert!(parsed.is_ok(), "{name} should parse: {parsed:?}");
        } else if name.starts_with("08-") || name.starts_with("15-") {
            let err = parsed.expect_err(name);
            assert!(err.contains("already defined"), "{name}: {err}");
        } else {
            assert!(parsed.is_err(), "{name} should not parse");
        }
    }
}
