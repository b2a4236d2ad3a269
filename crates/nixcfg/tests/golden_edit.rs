//! The golden corpus of configuration edits: `test_data/edit/<case>/input/*.nix` with an `op`,
//! and the expected result in `expected.out` beside them (refresh with `UPDATE_EXPECT=1`).
//! Every edited file is then checked for real: `nix-instantiate --parse`, and an evaluation of
//! the edited list or option against stub packages must give exactly what the editor reports.

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use luminous_nixcfg::edit::{self, Config, SourceFile};
use luminous_nixcfg::imports;
use luminous_test_support::NixEnv;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/edit");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("test_data/edit")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

/// The case's configuration, and a report of the imports that were switched off (absent
/// under a condition) or missing (absent without one).
fn load(case: &Path) -> (Vec<SourceFile>, String) {
    let input = case.join("input");
    let loaded = imports::load(
        &input.join("configuration.nix"),
        |p| {
            let p = if p.is_dir() {
                p.join("default.nix")
            } else {
                p.to_path_buf()
            };
            std::fs::read_to_string(&p)
                .map(|t| (p.clone(), t))
                .map_err(|e| e.to_string())
        },
        |p| p.exists(),
    );
    let inside = |p: &Path| {
        p.strip_prefix(&input)
            .expect("inside input")
            .to_string_lossy()
            .into_owned()
    };
    let mut report = String::new();
    for p in &loaded.skipped {
        report.push_str(&format!("skipped (conditional, absent): {}\n", inside(p)));
    }
    for m in &loaded.missing {
        assert!(!m.path.exists(), "{m:?}");
        report.push_str(&format!(
            "missing (the rebuild would fail): {}\n",
            inside(&m.path)
        ));
    }
    let mut files = loaded.files;
    for f in &mut files {
        f.name = inside(Path::new(&f.name));
    }
    (files, report)
}

struct Outcome {
    report: String,
    files: Vec<SourceFile>,
    /// The file and attribute to evaluate, and the JSON it must give.
    evals: Vec<(String, String, String)>,
}

fn run(case: &Path) -> Outcome {
    let op = std::fs::read_to_string(case.join("op")).expect("op");
    let words: Vec<&str> = op.split_whitespace().collect();
    let (mut files, imported) = load(case);
    let cfg = Config { files: &files };
    let mut report = format!("op: {}\n{imported}", op.trim());
    let mut evals = Vec::new();
    let edits = match words.as_slice() {
        ["add", attrs @ ..] | ["remove", attrs @ ..] => {
            let r = if words[0] == "add" {
                edit::add_packages(cfg, attrs)
            } else {
                edit::remove_packages(cfg, attrs)
            };
            match r {
                Ok(c) => {
                    report.push_str(&format!(
                        "changed: {}\nunchanged: {}\n",
                        c.changed.join(" "),
                        c.unchanged.join(" ")
                    ));
                    c.edits
                }
                Err(e) => {
                    report.push_str(&format!("error: {e}\n"));
                    vec![]
                }
            }
        }
        ["set", path, value] => match edit::set_option(cfg, path, *value == "true") {
            Ok(c) => {
                report.push_str(&format!("file: {}\n", c.file));
                evals.push((c.file.clone(), (*path).to_owned(), (*value).to_owned()));
                c.edit.into_iter().collect()
            }
            Err(e) => {
                report.push_str(&format!("error: {e}\n"));
                vec![]
            }
        },
        _ => panic!("bad op in {}: {op}", case.display()),
    };
    for e in &edits {
        report.push_str(&format!("--- {}\n{}", e.name, e.after));
        if let Some(f) = files.iter_mut().find(|f| f.name == e.name) {
            assert_eq!(f.text, e.before);
            f.text.clone_from(&e.after);
        }
    }
    if matches!(words[0], "add" | "remove") {
        let listed = edit::installed(Config { files: &files }).expect("edited config reads");
        let mut by_file: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for l in listed {
            by_file.entry(l.file).or_default().push(l.attr);
        }
        for (file, mut attrs) in by_file {
            attrs.sort();
            let json = format!(
                "[{}]",
                attrs
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            evals.push((file, "environment.systemPackages".into(), json));
        }
    }
    Outcome {
        report,
        files,
        evals,
    }
}

/// Stub packages: every attribute used, evaluating to its own name. A Python with libraries
/// is `python3.withPackages`, giving its own name and its libraries' (those listed) as a list
/// the evaluation flattens.
fn stub_pkgs(files: &[SourceFile]) -> String {
    let mut tree: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for l in edit::installed(Config { files }).expect("reads") {
        let (head, rest) = l.attr.split_once('.').unwrap_or((l.attr.as_str(), ""));
        tree.entry(head.to_owned())
            .or_default()
            .push(rest.to_owned());
    }
    let with_packages = files.iter().any(|f| f.text.contains(".withPackages"));
    let mut s = String::from("rec { ");
    for (head, rests) in &tree {
        if with_packages && luminous_nixcfg::python::is_interpreter(head) {
            // Libraries the editor does not read (a function it does not edit) are not listed.
            let libs = if tree.contains_key(&format!("{head}Packages")) {
                format!("f {head}Packages")
            } else {
                "[ ]".into()
            };
            s.push_str(&format!(
                "\"{head}\" = {{ withPackages = f: [ \"{head}\" ] ++ {libs}; }}; "
            ));
        } else if rests.iter().all(String::is_empty) {
            s.push_str(&format!("\"{head}\" = \"{head}\"; "));
        } else {
            let inner: String = rests
                .iter()
                .map(|r| format!("\"{r}\" = \"{head}.{r}\"; "))
                .collect();
            s.push_str(&format!("\"{head}\" = {{ {inner}}}; "));
        }
    }
    s.push('}');
    s
}

#[test]
fn golden_edits_match_expected() {
    for case in cases() {
        let out = run(&case);
        expect_file![case.join("expected.out")].assert_eq(&out.report);
    }
}

#[test]
fn requires_nix_edited_files_parse_and_evaluate_to_the_reported_packages() {
    let nix = NixEnv::new();
    let lib = "{ optional = c: x: if c then [ x ] else [ ]; optionals = c: l: if c then l else [ ]; \
               mkIf = c: x: x; mkDefault = x: x; mkForce = x: x; }";
    let config = "{ services.xserver.enable = true; }";
    let mut checked = 0;
    for case in cases() {
        let out = run(&case);
        let dir = nix.root().join(case.file_name().expect("name"));
        std::fs::create_dir_all(&dir).expect("case dir");
        for f in &out.files {
            let p = dir.join(&f.name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("case subfolder");
            }
            std::fs::write(&p, &f.text).expect("write");
            nix.parse_file(&p)
                .unwrap_or_else(|e| panic!("{}: {} does not parse:\n{e}", case.display(), f.name));
        }
        let pkgs = stub_pkgs(&out.files);
        for (file, attr, want) in &out.evals {
            let path = dir.join(file);
            let module = format!(
                "(import {} {{ config = {config}; pkgs = {pkgs}; lib = {lib}; }})",
                path.display()
            );
            let expr = if attr == "environment.systemPackages" {
                format!(
                    "let flat = x: if builtins.isList x then builtins.concatMap flat x else [ x ]; \
                     in builtins.sort builtins.lessThan (flat {module}.{attr})"
                )
            } else {
                format!("{module}.{attr}")
            };
            let got = nix
                .eval_json(&expr)
                .unwrap_or_else(|e| panic!("{}: evaluating {attr}: {e}", case.display()));
            assert_eq!(got.trim(), want, "{}: {attr} in {file}", case.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} evaluations ran");
}
