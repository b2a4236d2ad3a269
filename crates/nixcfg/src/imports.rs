//! The files a configuration imports, followed from the entry file (conditional imports too).
//!
//! Pure: the caller passes a reader that does the file I/O, so this module only decides
//! which paths to ask for, in which order, and stops at cycles and at a depth limit.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use crate::edit::SourceFile;
use crate::tree;

/// What `imports = [ ... ]` of one file names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Imports {
    /// Relative or absolute path literals, as written (`./hardware-configuration.nix`).
    pub paths: Vec<String>,
    /// Anything else (`<home-manager/nixos>`, `inputs.foo.nixosModules.default`), as written.
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
        collect(value, text, &mut out, 0);
    }
    out
}

fn collect(e: Node<'_>, text: &str, out: &mut Imports, depth: usize) {
    if depth > 16 {
        return;
    }
    let mut c = e.walk();
    match e.kind() {
        "path_expression" => out.paths.push(text[e.byte_range()].to_owned()),
        "if_expression" => {
            for field in ["consequence", "alternative"] {
                if let Some(branch) = e.child_by_field_name(field) {
                    collect(branch, text, out, depth + 1);
                }
            }
        }
        "list_expression" | "binary_expression" | "parenthesized_expression" => {
            for child in e.named_children(&mut c) {
                collect(child, text, out, depth + 1);
            }
        }
        // lib.optional cond ./x.nix, lib.optionals cond [ ... ], lib.mkIf ...: the last argument.
        "apply_expression" => {
            if let Some(arg) = e.child_by_field_name("argument") {
                collect(arg, text, out, depth + 1);
            }
        }
        _ => out.external.push(text[e.byte_range()].to_owned()),
    }
}

/// A file of the configuration that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The path that was asked for.
    pub path: PathBuf,
    /// Why it could not be read.
    pub reason: String,
}

/// The most files one configuration may pull in; beyond this we stop following imports.
pub const MAX_FILES: usize = 64;

/// Load the entry file and everything it imports, depth first, each file once.
/// `read` turns a path into (the path actually read, its text): it is where directories
/// become `default.nix` and where I/O errors come from.
pub fn load(
    entry: &Path,
    mut read: impl FnMut(&Path) -> Result<(PathBuf, String), String>,
) -> (Vec<SourceFile>, Vec<Unreadable>) {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut problems = Vec::new();
    let mut queue: Vec<PathBuf> = vec![entry.to_path_buf()];
    while let Some(path) = queue.pop() {
        if files.len() >= MAX_FILES {
            break;
        }
        match read(&path) {
            Ok((actual, text)) => {
                let name = actual.to_string_lossy().into_owned();
                if files.iter().any(|f| f.name == name) {
                    continue;
                }
                let base = actual.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut next: Vec<PathBuf> = imports_of(&text)
                    .paths
                    .iter()
                    .map(|p| {
                        if p.starts_with('/') {
                            PathBuf::from(p)
                        } else {
                            base.join(p)
                        }
                    })
                    .map(|p| normalize(&p))
                    .collect();
                next.reverse();
                queue.extend(next);
                files.push(SourceFile { name, text });
            }
            Err(reason) => problems.push(Unreadable { path, reason }),
        }
    }
    (files, problems)
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
            "{ lib, ... }: { imports = [ ./a.nix ../b <home-manager/nixos> ] ++ lib.optional true ./c.nix ++ (if x then [ ./d.nix ] else [ ]); }",
        );
        assert_eq!(i.paths, vec!["./a.nix", "../b", "./c.nix", "./d.nix"]);
        assert_eq!(i.external, vec!["<home-manager/nixos>"]);
    }

    #[test]
    fn load_follows_imports_once_and_reports_unreadable() {
        let files = std::collections::HashMap::from([
            (
                "/etc/nixos/configuration.nix",
                "{ imports = [ ./a.nix ./missing.nix ]; }",
            ),
            ("/etc/nixos/a.nix", "{ imports = [ ./configuration.nix ]; }"),
        ]);
        let (loaded, problems) = load(Path::new("/etc/nixos/configuration.nix"), |p| {
            let key = p.to_string_lossy().into_owned();
            files
                .get(key.as_str())
                .map(|t| (p.to_path_buf(), (*t).to_owned()))
                .ok_or_else(|| "not found".to_owned())
        });
        let names: Vec<&str> = loaded.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["/etc/nixos/configuration.nix", "/etc/nixos/a.nix"]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, PathBuf::from("/etc/nixos/missing.nix"));
    }
}
