//! The files a configuration imports, followed from the entry file (conditional imports too).
//!
//! Pure: the caller passes a reader that does the file I/O, so this module only decides
//! which paths to ask for, in which order, and stops at cycles and at a depth limit.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use crate::edit::SourceFile;
use crate::tree;

/// One path an `imports` list names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPath {
    /// As written (`./hardware-configuration.nix`).
    pub path: String,
    /// True when it is imported only under a condition (`if`, `lib.optional`,
    /// `lib.optionals`, a `builtins.pathExists` guard): a missing file is then how the
    /// configuration switches that part off, not an error.
    pub conditional: bool,
    /// 1-based line and column of the path in its file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// What `imports = [ ... ]` of one file names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Imports {
    /// Path literals.
    pub paths: Vec<ImportPath>,
    /// Anything else (`<home-manager/nixos>`, `inputs.foo.nixosModules.default`,
    /// `(modulesPath + "/installer/scan/not-detected.nix")`), as written.
    pub external: Vec<String>,
}

/// The imports of one file's text. A file that does not parse imports nothing.
pub fn imports_of(text: &str) -> Imports {
    let mut out = Imports::default();
    let Some(t) = crate::parse(text) else {
        return out;
    };
    let Some(m) = tree::module(t.root_node()) else {
        return out;
    };
    if let tree::Lookup::Found { value } = tree::lookup(m.attrset, &["imports"], text) {
        collect(value, text, &mut out, 0, false);
    }
    out
}

fn collect(e: Node<'_>, text: &str, out: &mut Imports, depth: usize, conditional: bool) {
    if depth > 16 {
        return;
    }
    let mut c = e.walk();
    match e.kind() {
        "path_expression" => {
            let (line, column) = crate::node_line_col(text, e);
            out.paths.push(ImportPath {
                path: text[e.byte_range()].to_owned(),
                conditional,
                line,
                column,
            });
        }
        "if_expression" => {
            for field in ["consequence", "alternative"] {
                if let Some(branch) = e.child_by_field_name(field) {
                    collect(branch, text, out, depth + 1, true);
                }
            }
        }
        // `a ++ b` joins lists of imports; `modulesPath + "/x.nix"` is one computed path.
        "binary_expression" if operator(e, text) == Some("++") => {
            for child in e.named_children(&mut c) {
                collect(child, text, out, depth + 1, conditional);
            }
        }
        "list_expression" | "parenthesized_expression" => {
            for child in e.named_children(&mut c) {
                collect(child, text, out, depth + 1, conditional);
            }
        }
        // lib.optional cond ./x.nix, lib.optionals cond [ ... ], lib.mkIf ...: the last
        // argument, imported only when the condition holds.
        "apply_expression" => {
            if let Some(arg) = e.child_by_field_name("argument") {
                collect(arg, text, out, depth + 1, true);
            }
        }
        _ => out.external.push(text[e.byte_range()].to_owned()),
    }
}

fn operator<'a>(e: Node<'_>, text: &'a str) -> Option<&'a str> {
    let mut c = e.walk();
    e.children(&mut c)
        .find(|n| !n.is_named())
        .map(|n| &text[n.byte_range()])
}

/// Where an import is written: the importing file, line and column (1-based).
pub type ImportSite = (String, usize, usize);

/// A file of the configuration that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The path that was asked for.
    pub path: PathBuf,
    /// Why it could not be read.
    pub reason: String,
    /// The file that imports it, with the line and column of the import (none for the entry
    /// file).
    pub imported_by: Option<ImportSite>,
}

/// The most files one configuration may pull in; beyond this we stop following imports.
pub const MAX_FILES: usize = 64;

/// What the loader found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loaded {
    /// The files read: the entry file first, then its imports, depth first.
    pub files: Vec<SourceFile>,
    /// Files imported without a condition that could not be read: the next rebuild fails
    /// on them.
    pub missing: Vec<Unreadable>,
    /// Files imported under a condition that are absent: switched off, as intended.
    pub skipped: Vec<PathBuf>,
}

/// Load the entry file and everything it imports, depth first, each file once.
/// `read` turns a path into (the path actually read, its text): it is where directories
/// become `default.nix` and where I/O errors come from. `exists` says whether a path is
/// there at all, so that an absent conditional import is skipped without reading it.
pub fn load(
    entry: &Path,
    mut read: impl FnMut(&Path) -> Result<(PathBuf, String), String>,
    exists: impl Fn(&Path) -> bool,
) -> Loaded {
    let mut out = Loaded::default();
    // (path, conditional, imported by)
    let mut queue: Vec<(PathBuf, bool, Option<ImportSite>)> =
        vec![(entry.to_path_buf(), false, None)];
    while let Some((path, conditional, imported_by)) = queue.pop() {
        if out.files.len() >= MAX_FILES {
            break;
        }
        if conditional && !exists(&path) {
            if !out.skipped.contains(&path) {
                out.skipped.push(path);
            }
            continue;
        }
        match read(&path) {
            Ok((actual, text)) => {
                let name = actual.to_string_lossy().into_owned();
                if out.files.iter().any(|f| f.name == name) {
                    continue;
                }
                let base = actual.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut next: Vec<_> = imports_of(&text)
                    .paths
                    .into_iter()
                    .map(|p| {
                        let full = if p.path.starts_with('/') {
                            PathBuf::from(&p.path)
                        } else {
                            base.join(&p.path)
                        };
                        (
                            normalize(&full),
                            p.conditional,
                            Some((name.clone(), p.line, p.column)),
                        )
                    })
                    .collect();
                next.reverse();
                queue.extend(next);
                out.files.push(SourceFile { name, text });
            }
            Err(reason) => out.missing.push(Unreadable {
                path,
                reason,
                imported_by,
            }),
        }
    }
    out
}

/// A missing or unreadable import, as a problem located at the import: the next rebuild
/// stops on it. The message reads on its own and after the importing file's name
/// ("configuration.nix imports ...").
pub fn problem(u: &Unreadable) -> crate::Diagnostic {
    let shown = u.path.display().to_string();
    let name = u
        .path
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    // The reader's reasons start with the path ("/etc/nixos/x.nix does not exist").
    let why = u
        .reason
        .strip_prefix(&shown)
        .map_or_else(|| u.reason.clone(), |rest| format!("{name}{rest}"));
    let (file, line, column) = u.imported_by.clone().unwrap_or((shown, 1, 1));
    crate::Diagnostic {
        file,
        line,
        column,
        message: format!("It imports {name}, but {why}, so the next rebuild will stop there."),
        suggestion: format!(
            "Create {name}, remove the import, or import it only when it exists: lib.optional (builtins.pathExists ./{name}) ./{name}."
        ),
    }
}

/// `a/./b/../c` becomes `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_in_all_shapes() {
        let i = imports_of(
            "{ lib, modulesPath, ... }: { imports = [ ./a.nix ../b <home-manager/nixos> (modulesPath + \"/x.nix\") ] ++ lib.optional true ./c.nix ++ (if x then [ ./d.nix ] else [ ]) ++ lib.optionals (builtins.pathExists ./e.nix) [ ./e.nix ]; }",
        );
        let paths: Vec<(&str, bool)> = i
            .paths
            .iter()
            .map(|p| (p.path.as_str(), p.conditional))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("./a.nix", false),
                ("../b", false),
                ("./c.nix", true),
                ("./d.nix", true),
                ("./e.nix", true)
            ]
        );
        assert_eq!(
            i.external,
            vec!["<home-manager/nixos>", "modulesPath + \"/x.nix\""]
        );
        assert_eq!((i.paths[0].line, i.paths[0].column), (1, 42));
    }

    #[test]
    fn load_follows_imports_once_skips_what_is_switched_off_and_reports_the_rest() {
        let files = std::collections::HashMap::from([
            (
                "/etc/nixos/configuration.nix",
                "{ lib, ... }:\n{ imports = [ ./a.nix ./missing.nix ] ++ lib.optional false ./off.nix; }",
            ),
            ("/etc/nixos/a.nix", "{ imports = [ ./configuration.nix ]; }"),
        ]);
        let loaded = load(
            Path::new("/etc/nixos/configuration.nix"),
            |p| {
                let key = p.to_string_lossy().into_owned();
                files
                    .get(key.as_str())
                    .map(|t| (p.to_path_buf(), (*t).to_owned()))
                    .ok_or_else(|| "not found".to_owned())
            },
            |p| files.contains_key(p.to_string_lossy().as_ref()),
        );
        let names: Vec<&str> = loaded.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["/etc/nixos/configuration.nix", "/etc/nixos/a.nix"]
        );
        assert_eq!(loaded.missing.len(), 1);
        assert_eq!(
            loaded.missing[0].path,
            PathBuf::from("/etc/nixos/missing.nix")
        );
        assert_eq!(
            loaded.missing[0].imported_by,
            Some(("/etc/nixos/configuration.nix".to_owned(), 2, 23))
        );
        assert_eq!(loaded.skipped, vec![PathBuf::from("/etc/nixos/off.nix")]);
    }
}
