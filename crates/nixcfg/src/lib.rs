//! Reading, editing and diagnosis of NixOS configuration files. Pure: text in, text out.
//!
//! - [`syntax`]: parsing and syntax diagnostics in plain words, on the right line.
//! - [`check`]: checks of a file that parses (duplicate attributes, unknown options and packages).
//! - [`edit`]: minimal text edits of package lists and boolean options.
//! - [`imports`]: the files a configuration imports.
//! - [`python`]: Python libraries, which belong inside the system's Python.
//! - [`log`]: explanations of a saved `nixos-rebuild` log.

pub mod check;
pub mod edit;
pub mod imports;
pub mod log;
pub mod python;
pub mod syntax;
mod tree;

use serde::Serialize;

/// One thing wrong, located in a file, with a plain-words explanation and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file, as the caller named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong, in one or two short sentences.
    pub message: String,
    /// How to fix it, in one short sentence.
    pub suggestion: String,
}

/// Parse Nix source with tree-sitter-nix. Never fails: a tree with error nodes comes back for
/// broken input.
pub fn parse(text: &str) -> Option<tree_sitter::Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_nix::LANGUAGE.into())
        .ok()?;
    parser.parse(text, None)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let byte = byte.min(text.len());
    let before = &text[..text.floor_char_boundary(byte)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// 1-based line and column of a node, from the tree's own position (no rescan of the text,
/// so listing many nodes stays linear).
pub(crate) fn node_line_col(text: &str, node: tree_sitter::Node<'_>) -> (usize, usize) {
    let p = node.start_position();
    let line_start = node.start_byte() - p.column;
    let column = text
        .get(line_start..node.start_byte())
        .map_or(p.column, |s| s.chars().count());
    (p.row + 1, column + 1)
}

/// Names a caller can check package attributes against (the package index, in practice).
pub trait PackageNames {
    /// True when `attr` is a real package attribute.
    fn exists(&self, attr: &str) -> bool;
    /// The nearest real attributes, best first.
    fn nearest(&self, attr: &str, limit: usize) -> Vec<String>;
    /// True when one of the Python package sets has the library `name` (`python3Packages`,
    /// what a configuration writes, is an alias of a versioned set the index lists).
    fn python_library_exists(&self, name: &str) -> bool;
}

impl PackageNames for luminous_intent::PackageIndex {
    fn exists(&self, attr: &str) -> bool {
        self.get(attr).is_some()
    }
    fn nearest(&self, attr: &str, limit: usize) -> Vec<String> {
        luminous_intent::PackageIndex::nearest(self, attr, limit)
            .iter()
            .filter_map(|m| self.package(m.package))
            .map(|p| p.attr.to_owned())
            .collect()
    }
    fn python_library_exists(&self, name: &str) -> bool {
        self.iter()
            .any(|p| python::library(p.attr).is_some_and(|l| l.name == name))
    }
}

/// Everything wrong with a configuration: per file, its first syntax error, or else its
/// semantic problems; then, when every file parses and `names` is given (a complete package
/// index), packages that do not exist. Sorted by file order, then line.
pub fn explain(cfg: edit::Config<'_>, names: Option<&dyn PackageNames>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut all_parse = true;
    for f in cfg.files {
        match syntax::first_error(&f.name, &f.text) {
            Some(d) => {
                all_parse = false;
                out.push(d);
            }
            None => out.extend(check::check_file(&f.name, &f.text)),
        }
    }
    if all_parse && let Some(names) = names {
        out.extend(check::unknown_packages(cfg, names));
    }
    let order = |name: &str| {
        cfg.files
            .iter()
            .position(|f| f.name == name)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| {
        order(&a.file)
            .cmp(&order(&b.file))
            .then(a.line.cmp(&b.line))
    });
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn node_and_byte_positions_agree() {
        let text = "{\n  x = \"é\"; y = [ a b ];\n}\n";
        let tree = super::parse(text).expect("parses");
        let mut stack = vec![tree.root_node()];
        while let Some(n) = stack.pop() {
            assert_eq!(
                super::node_line_col(text, n),
                super::line_col(text, n.start_byte()),
                "{}",
                n.kind()
            );
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
    }
}
