//! Checks of a file that parses: attributes defined twice, option names that do not exist,
//! and packages that are not in nixpkgs.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::edit::{self, Config};
use crate::{Diagnostic, PackageNames, line_col, parse, python, tree};

/// The option names shipped with Luminous (see `data/options.txt`).
pub const KNOWN_OPTIONS: &str = include_str!("../data/options.txt");

fn known_options() -> Vec<&'static str> {
    KNOWN_OPTIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Every semantic problem of one parsed file.
pub fn check_file(file: &str, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(t) = parse(text) else { return out };
    let Some(m) = tree::module(t.root_node()) else {
        return out;
    };
    duplicates(file, text, m.attrset, &mut out);
    unknown_options(file, text, m.attrset, &mut out);
    out
}

/// Packages in `environment.systemPackages` that `names` does not know.
pub fn unknown_packages(cfg: Config<'_>, names: &dyn PackageNames) -> Vec<Diagnostic> {
    let Ok(listed) = edit::installed(cfg) else {
        return Vec::new();
    };
    listed
        .into_iter()
        .filter(|l| {
            !names.exists(&l.attr)
                && !python::library(&l.attr)
                    .is_some_and(|lib| names.python_library_exists(lib.name))
        })
        .map(|l| {
            let near = names.nearest(&l.attr, 3);
            let suggestion = match near.as_slice() {
                [] => format!(
                    "Remove {} from the list, or search for the package you meant.",
                    l.attr
                ),
                [one] => format!("Use {one} instead."),
                many => format!("Use one of: {}.", many.join(", ")),
            };
            Diagnostic {
                file: l.file,
                line: l.line,
                column: l.column,
                message: match python::library(&l.attr) {
                    Some(lib) => {
                        format!("There is no Python library called {} in nixpkgs.", lib.name)
                    }
                    None => format!("There is no package called {} in nixpkgs.", l.attr),
                },
                suggestion,
            }
        })
        .collect()
}

struct Def {
    path: Vec<String>,
    byte: usize,
    /// True when the value is an attribute set literal that later definitions may extend.
    is_set: bool,
}

fn collect_defs(set: Node<'_>, prefix: &[String], text: &str, out: &mut Vec<Def>) {
    for b in tree::bindings(set) {
        let Some(segs) = tree::attrpath(b, text) else {
            continue;
        };
        let mut path = prefix.to_vec();
        path.extend(segs);
        let v = tree::value(b);
        let is_set = v.is_some_and(|v| v.kind() == "attrset_expression");
        out.push(Def {
            path: path.clone(),
            byte: b.start_byte(),
            is_set,
        });
        if let Some(v) = v.filter(|_| is_set) {
            collect_defs(v, &path, text, out);
        }
    }
    let mut c = set.walk();
    if let Some(bs) = tree::named_child_of_kind(set, "binding_set") {
        for inh in bs
            .named_children(&mut c)
            .filter(|n| matches!(n.kind(), "inherit" | "inherit_from"))
        {
            let Some(attrs) = inh.child_by_field_name("attrs") else {
                continue;
            };
            let mut c2 = attrs.walk();
            for a in attrs.children_by_field_name("attr", &mut c2) {
                if let Some(name) = tree::attr_name(a, text) {
                    let mut path = prefix.to_vec();
                    path.push(name);
                    out.push(Def {
                        path,
                        byte: a.start_byte(),
                        is_set: false,
                    });
                }
            }
        }
    }
}

/// Nix rejects a path defined twice, and a path defined under one that is not a set literal.
fn duplicates(file: &str, text: &str, set: Node<'_>, out: &mut Vec<Diagnostic>) {
    let mut defs = Vec::new();
    collect_defs(set, &[], text, &mut defs);
    let mut seen: HashMap<&[String], &Def> = HashMap::new();
    for d in &defs {
        // The same path twice is an error unless both are set literals (Nix merges those).
        if let Some(first) = seen.get(d.path.as_slice())
            && !(first.is_set && d.is_set)
        {
            let (line, column) = line_col(text, d.byte);
            let (first_line, _) = line_col(text, first.byte);
            out.push(Diagnostic {
                file: file.to_owned(),
                line,
                column,
                message: format!(
                    "{} is defined twice: on line {first_line} and again on line {line}.",
                    d.path.join(".")
                ),
                suggestion: format!(
                    "Keep one of the two definitions and delete the other (line {line})."
                ),
            });
            continue;
        }
        // A longer path under a shorter one that is a plain value (not a set literal).
        for n in 1..d.path.len() {
            if let Some(parent) = seen.get(&d.path[..n])
                && !parent.is_set
            {
                let (line, column) = line_col(text, d.byte);
                let (first_line, _) = line_col(text, parent.byte);
                out.push(Diagnostic {
                    file: file.to_owned(),
                    line,
                    column,
                    message: format!(
                        "{} is already defined on line {first_line}, so {} on line {line} defines part of it twice.",
                        d.path[..n].join("."),
                        d.path.join(".")
                    ),
                    suggestion: format!("Move the setting on line {line} into the definition on line {first_line}."),
                });
                break;
            }
        }
        seen.entry(&d.path).or_insert(d);
    }
}

fn unknown_options(file: &str, text: &str, set: Node<'_>, out: &mut Vec<Diagnostic>) {
    let known = known_options();
    let mut defs = Vec::new();
    collect_defs(set, &[], text, &mut defs);
    // A module with `options`/`config` keeps its settings under `config`.
    let has_config = defs
        .iter()
        .any(|d| d.path.len() == 1 && d.path[0] == "options");
    let mut reported: Vec<String> = Vec::new();
    for d in &defs {
        let path: &[String] = if has_config {
            match d.path.split_first() {
                Some((head, rest)) if head == "config" && !rest.is_empty() => rest,
                _ => continue,
            }
        } else {
            &d.path
        };
        // Check the first name, then the second under the families we know well.
        for depth in 1..=path.len().min(2) {
            let prefix = path[..depth].join(".");
            if reported.contains(&prefix) || known.contains(&prefix.as_str()) {
                continue;
            }
            let parent = path[..depth - 1].join(".");
            let siblings: Vec<&str> = known
                .iter()
                .copied()
                .filter(|k| {
                    if depth == 1 {
                        !k.contains('.')
                    } else {
                        k.starts_with(&format!("{parent}.")) && k.matches('.').count() == 1
                    }
                })
                .collect();
            if depth == 2 && siblings.is_empty() {
                break;
            }
            let mut near: Vec<(&str, f64)> = siblings
                .iter()
                .map(|k| {
                    let last = k.rsplit('.').next().unwrap_or(k).to_lowercase();
                    (
                        *k,
                        strsim::jaro_winkler(&last, &path[depth - 1].to_lowercase()),
                    )
                })
                .filter(|(_, s)| *s >= 0.85)
                .collect();
            near.sort_by(|a, b| b.1.total_cmp(&a.1));
            // Deeper lists are incomplete: only a near miss of a known name is reported there.
            if depth == 2 && near.is_empty() {
                break;
            }
            let (line, column) = line_col(text, d.byte);
            let suggestion = match near.first() {
                Some((best, _)) => format!("Did you mean {best}?"),
                None => "Check the spelling; if it comes from a module you import, that module must be in imports.".to_owned(),
            };
            out.push(Diagnostic {
                file: file.to_owned(),
                line,
                column,
                message: format!("There is no NixOS option called {prefix}."),
                suggestion,
            });
            reported.push(prefix);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<String> {
        check_file("c.nix", text)
            .into_iter()
            .map(|d| format!("{}: {} {}", d.line, d.message, d.suggestion))
            .collect()
    }

    #[test]
    fn duplicates_are_found_and_set_literals_merge() {
        assert_eq!(
            check("{\n  networking.hostName = \"a\";\n  networking.hostName = \"b\";\n}\n"),
            vec![
                "3: networking.hostName is defined twice: on line 2 and again on line 3. Keep one of the two definitions and delete the other (line 3)."
            ]
        );
        assert!(check("{\n  services.openssh = { enable = true; };\n  services.openssh = { ports = [ 22 ]; };\n}\n").is_empty());
        assert_eq!(check("{\n  services.openssh = { enable = true; };\n  services.openssh.enable = false;\n}\n").len(), 1);
    }

    #[test]
    fn unknown_options_get_the_nearest_name() {
        assert_eq!(
            check("{ pkgs, ... }:\n{\n  service.openssh.enable = true;\n}\n"),
            vec!["3: There is no NixOS option called service. Did you mean services?"]
        );
        assert_eq!(
            check("{\n  services.opensshd.enable = true;\n}\n"),
            vec![
                "2: There is no NixOS option called services.opensshd. Did you mean services.openssh?"
            ]
        );
        assert!(check("{\n  services.someRareThing.enable = true;\n}\n").is_empty());
    }

    /// Names of a small index, with its Python libraries in a versioned set.
    struct Names(&'static [&'static str]);

    impl PackageNames for Names {
        fn exists(&self, attr: &str) -> bool {
            self.0.contains(&attr)
        }
        fn nearest(&self, attr: &str, _: usize) -> Vec<String> {
            let name = attr.rsplit('.').next().unwrap_or(attr);
            self.0
                .iter()
                .filter(|a| strsim::jaro_winkler(a.rsplit('.').next().unwrap_or(a), name) > 0.9)
                .map(|a| (*a).to_owned())
                .collect()
        }
        fn python_library_exists(&self, name: &str) -> bool {
            self.0
                .iter()
                .any(|a| python::library(a).is_some_and(|l| l.name == name))
        }
    }

    #[test]
    fn python_libraries_are_checked_in_the_versioned_sets() {
        let text = "{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [\n    \
                    (python3.withPackages (ps: with ps; [ requests requestz ]))\n  ];\n}\n";
        let files = [crate::edit::SourceFile {
            name: "c.nix".into(),
            text: text.into(),
        }];
        let names = Names(&["python3", "python313Packages.requests"]);
        let found: Vec<String> = unknown_packages(Config { files: &files }, &names)
            .into_iter()
            .map(|d| format!("{}:{}: {} {}", d.line, d.column, d.message, d.suggestion))
            .collect();
        assert_eq!(
            found,
            vec![
                "4:52: There is no Python library called requestz in nixpkgs. Use python313Packages.requests instead."
            ]
        );
    }
}
