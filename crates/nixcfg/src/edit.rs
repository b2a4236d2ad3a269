//! Minimal, formatting-preserving edits of package lists and boolean options.
//!
//! Every edit is a small text replacement on the original file: comments, blank lines and
//! layout stay as they were. A result is only returned when it parses; a file that already
//! has a syntax error is refused with the explanation of that error.

use tree_sitter::Node;

use crate::tree::{self, Lookup, Module};
use crate::{Diagnostic, parse, python, syntax};

/// One configuration file: its name (as the caller knows it) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path or name of the file.
    pub name: String,
    /// Its full text.
    pub text: String,
}

/// A configuration: the entry file first, then the files it imports (depth first).
#[derive(Debug, Clone, Copy)]
pub struct Config<'a> {
    /// All files; `files[0]` is the entry point.
    pub files: &'a [SourceFile],
}

/// A whole-file change: the text before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Which file.
    pub name: String,
    /// Its text now (so a writer can check nobody changed it meanwhile).
    pub before: String,
    /// Its new text.
    pub after: String,
}

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The file has a syntax error already; it is explained, not edited.
    #[error("{}, line {}: {} {}", .0.file, .0.line, .0.message, .0.suggestion)]
    Syntax(Diagnostic),
    /// The configuration is shaped in a way we do not edit automatically.
    #[error("{0}")]
    Unsupported(String),
    /// There are no files.
    #[error("there is no configuration file to edit")]
    Empty,
    /// The edit would not parse: a bug in the editor, caught before anything is written.
    #[error("the edit of {0} would break the file, so it was not made")]
    WouldBreak(String),
}

/// The result of adding or removing packages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageChange {
    /// The files to write (empty when nothing changes).
    pub edits: Vec<FileEdit>,
    /// Packages that were asked for but need no change (already there, or already absent).
    pub unchanged: Vec<String>,
    /// Packages the change adds or removes.
    pub changed: Vec<String>,
}

/// The result of setting an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionChange {
    /// The file to write, or `None` when the option already has that value.
    pub edit: Option<FileEdit>,
    /// The file where the option is (or will be) defined.
    pub file: String,
}

/// A package listed in `environment.systemPackages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The nixpkgs attribute, e.g. `firefox` or `kdePackages.kate`.
    pub attr: String,
}

/// One list that makes up `environment.systemPackages`.
pub(crate) struct Site<'t> {
    pub list: Node<'t>,
    /// `pkgs` is in scope (`with pkgs;`), so bare names are packages.
    pub with_pkgs: bool,
    /// The list is only there under a condition (`lib.optionals`, `mkIf`, `if`).
    pub conditional: bool,
}

fn check_syntax(file: &SourceFile) -> Result<(), EditError> {
    match syntax::first_error(&file.name, &file.text) {
        Some(d) => Err(EditError::Syntax(d)),
        None => Ok(()),
    }
}

/// Every package in `environment.systemPackages`, across the configuration's files. A Python
/// with libraries is listed as its interpreter (`python3`) and each library
/// (`python3Packages.requests`).
pub fn installed(cfg: Config<'_>) -> Result<Vec<Listed>, EditError> {
    let mut out = Vec::new();
    for f in cfg.files {
        check_syntax(f)?;
        let Some(t) = parse(&f.text) else { continue };
        let Some(m) = tree::module(t.root_node()) else {
            continue;
        };
        let listed = |el: Node<'_>, attr: String| {
            let (line, column) = crate::node_line_col(&f.text, el);
            Listed {
                file: f.name.clone(),
                line,
                column,
                attr,
            }
        };
        for site in package_sites(&m, &f.text) {
            for el in elements(site.list) {
                if let Some(attr) = element_attr(el, site.with_pkgs, &f.text) {
                    out.push(listed(el, attr));
                } else if let Some(wp) = python::with_packages(el, site.with_pkgs, &f.text) {
                    out.push(listed(el, wp.interpreter.clone()));
                    for (lib, name) in wp.libraries(&f.text) {
                        out.push(listed(lib, format!("{}Packages.{name}", wp.interpreter)));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Add packages to `environment.systemPackages`, in the file that defines it (or the entry
/// file, creating the attribute). Packages already listed are reported, not added twice.
/// Python libraries (`python313Packages.requests`) go into the system's Python (see
/// [`python`]): a library already there under any Python is already listed.
pub fn add_packages(cfg: Config<'_>, attrs: &[&str]) -> Result<PackageChange, EditError> {
    let entry = cfg.files.first().ok_or(EditError::Empty)?;
    let present: Vec<String> = installed(cfg)?.into_iter().map(|l| l.attr).collect();
    let present_lib = |name: &str| {
        present
            .iter()
            .any(|p| python::library(p).is_some_and(|l| l.name == name))
    };
    let mut change = PackageChange::default();
    let mut wanted: Vec<&str> = Vec::new();
    let mut libs: Vec<(&str, &str)> = Vec::new();
    for a in attrs {
        match python::library(a).map(|l| l.name) {
            Some(name) if present_lib(name) || libs.iter().any(|(_, n)| *n == name) => {
                change.unchanged.push((*a).to_owned());
            }
            Some(name) => libs.push((a, name)),
            None if present.iter().any(|p| p == a) || wanted.contains(a) => {
                change.unchanged.push((*a).to_owned());
            }
            None => wanted.push(a),
        }
    }
    let mut files = cfg.files.to_vec();
    if !wanted.is_empty() {
        let edit = add_plain(&files, entry, &wanted)?;
        apply(&mut files, &mut change.edits, edit);
        change.changed = wanted.iter().map(|s| (*s).to_owned()).collect();
    }
    if !libs.is_empty() {
        let names: Vec<&str> = libs.iter().map(|(_, n)| *n).collect();
        let edit = match python::add(&files, &names)? {
            Some(edit) => edit,
            None => {
                let element = python::new_element("python3", &names);
                finish(entry, create_package_list(entry, &[element])?)?
            }
        };
        apply(&mut files, &mut change.edits, edit);
        change
            .changed
            .extend(libs.iter().map(|(a, _)| (*a).to_owned()));
    }
    Ok(change)
}

/// Record an edit made on top of `files`: it replaces the file's text, and an earlier edit of
/// the same file keeps its `before` (the text on disk).
fn apply(files: &mut [SourceFile], edits: &mut Vec<FileEdit>, edit: FileEdit) {
    if let Some(f) = files.iter_mut().find(|f| f.name == edit.name) {
        f.text.clone_from(&edit.after);
    }
    match edits.iter_mut().find(|e| e.name == edit.name) {
        Some(earlier) => earlier.after = edit.after,
        None => edits.push(edit),
    }
}

/// Add packages that are not Python libraries: into the first unconditional package list, or
/// a new one in the entry file.
fn add_plain(
    files: &[SourceFile],
    entry: &SourceFile,
    wanted: &[&str],
) -> Result<FileEdit, EditError> {
    for f in files {
        let Some(t) = parse(&f.text) else { continue };
        let Some(m) = tree::module(t.root_node()) else {
            continue;
        };
        let sites = package_sites(&m, &f.text);
        if let Some(site) = sites.iter().find(|s| !s.conditional) {
            let names: Vec<String> = wanted
                .iter()
                .map(|a| element_text(a, site, &f.text))
                .collect();
            return finish(f, insert_into_list(&f.text, site.list, &names));
        }
    }
    let names: Vec<String> = wanted
        .iter()
        .map(|a| {
            if a.split('.').all(is_identifier) {
                (*a).to_owned()
            } else {
                format!("pkgs.\"{a}\"")
            }
        })
        .collect();
    finish(entry, create_package_list(entry, &names)?)
}

/// Remove packages from every package list that holds them. A Python library is taken out of
/// the Python that has it; the interpreter itself (`python3`) goes with its libraries.
pub fn remove_packages(cfg: Config<'_>, attrs: &[&str]) -> Result<PackageChange, EditError> {
    let mut change = PackageChange::default();
    for f in cfg.files {
        check_syntax(f)?;
    }
    let lib_names: Vec<&str> = attrs
        .iter()
        .filter_map(|a| python::library(a).map(|l| l.name))
        .collect();
    let mut found: Vec<String> = Vec::new();
    for f in cfg.files {
        let Some(t) = parse(&f.text) else { continue };
        let Some(m) = tree::module(t.root_node()) else {
            continue;
        };
        let sites = package_sites(&m, &f.text);
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for site in &sites {
            for el in elements(site.list) {
                let attr = element_attr(el, site.with_pkgs, &f.text).or_else(|| {
                    python::with_packages(el, site.with_pkgs, &f.text).map(|wp| wp.interpreter)
                });
                if let Some(attr) = attr
                    && attrs.contains(&attr.as_str())
                {
                    ranges.push(removal_range(&f.text, el));
                    found.push(attr);
                }
            }
        }
        for (r, name) in python::removals(&sites, &lib_names, &f.text) {
            // A library of a Python that goes too is already in that range.
            if !ranges.iter().any(|(s, e)| *s <= r.0 && r.1 <= *e) {
                ranges.push(r);
            }
            found.extend(
                attrs
                    .iter()
                    .filter(|a| python::library(a).is_some_and(|l| l.name == name))
                    .map(|a| (*a).to_owned()),
            );
        }
        if !ranges.is_empty() {
            ranges.sort_unstable();
            let mut after = f.text.clone();
            for (start, end) in ranges.into_iter().rev() {
                after.replace_range(start..end, "");
            }
            change.edits.push(finish(f, after)?);
        }
    }
    for a in attrs {
        if found.iter().any(|f| f == a) {
            if !change.changed.iter().any(|c| c == a) {
                change.changed.push((*a).to_owned());
            }
        } else {
            change.unchanged.push((*a).to_owned());
        }
    }
    Ok(change)
}

/// Set a boolean option (`services.openssh.enable`) to `value`: flip it in place where it is
/// defined, or add a definition next to its relatives, or at the top of the entry file.
pub fn set_option(cfg: Config<'_>, path: &str, value: bool) -> Result<OptionChange, EditError> {
    let entry = cfg.files.first().ok_or(EditError::Empty)?;
    for f in cfg.files {
        check_syntax(f)?;
    }
    let segs: Vec<&str> = path.split('.').collect();
    let want = if value { "true" } else { "false" };
    let mut best_partial: Option<(usize, &SourceFile)> = None;
    for f in cfg.files {
        let Some(t) = parse(&f.text) else { continue };
        let Some(m) = tree::module(t.root_node()) else {
            continue;
        };
        match tree::lookup(m.attrset, &segs, &f.text) {
            Lookup::Found { value: v } => {
                let target = bool_literal(v, &f.text).ok_or_else(|| {
                    let (line, _) = crate::line_col(&f.text, v.start_byte());
                    EditError::Unsupported(format!(
                        "{path} is set to an expression on line {line} of {}, so I will not change it myself.",
                        f.name
                    ))
                })?;
                if &f.text[target.byte_range()] == want {
                    return Ok(OptionChange {
                        edit: None,
                        file: f.name.clone(),
                    });
                }
                let mut after = f.text.clone();
                after.replace_range(target.byte_range(), want);
                return Ok(OptionChange {
                    edit: Some(finish(f, after)?),
                    file: f.name.clone(),
                });
            }
            Lookup::Partial { depth, .. } if best_partial.is_none_or(|(d, _)| depth > d) => {
                best_partial = Some((depth, f));
            }
            _ => {}
        }
    }
    let file = best_partial.map_or(entry, |(_, f)| f);
    let t = parse(&file.text)
        .ok_or_else(|| EditError::Unsupported(format!("{} could not be read as Nix", file.name)))?;
    let m = module_of(&t, file)?;
    let (set, rest) = match tree::lookup(m.attrset, &segs, &file.text) {
        Lookup::Partial { attrset, depth } => (attrset, segs[depth..].join(".")),
        _ => (m.attrset, path.to_owned()),
    };
    let after = insert_binding(&file.text, set, &format!("{rest} = {want};"));
    Ok(OptionChange {
        edit: Some(finish(file, after)?),
        file: file.name.clone(),
    })
}

fn module_of<'t>(t: &'t tree_sitter::Tree, f: &SourceFile) -> Result<Module<'t>, EditError> {
    tree::module(t.root_node()).ok_or_else(|| {
        EditError::Unsupported(format!(
            "{} is not a NixOS module (an attribute set, or a function returning one)",
            f.name
        ))
    })
}

/// A `true`/`false` value, also inside `lib.mkDefault true` or `mkForce false`.
fn bool_literal<'t>(v: Node<'t>, text: &str) -> Option<Node<'t>> {
    match v.kind() {
        "variable_expression" if matches!(&text[v.byte_range()], "true" | "false") => Some(v),
        "apply_expression" => {
            let f = v.child_by_field_name("function")?;
            let fname = &text[f.byte_range()];
            let known = [
                "mkDefault",
                "mkForce",
                "lib.mkDefault",
                "lib.mkForce",
                "mkOverride",
                "lib.mkOverride",
            ];
            known
                .iter()
                .any(|k| fname == *k || fname.starts_with(&format!("{k} ")))
                .then_some(())?;
            bool_literal(v.child_by_field_name("argument")?, text)
        }
        "parenthesized_expression" => bool_literal(v.child_by_field_name("expression")?, text),
        _ => None,
    }
}

pub(crate) fn finish(f: &SourceFile, after: String) -> Result<FileEdit, EditError> {
    if syntax::first_error(&f.name, &after).is_some() {
        return Err(EditError::WouldBreak(f.name.clone()));
    }
    Ok(FileEdit {
        name: f.name.clone(),
        before: f.text.clone(),
        after,
    })
}

/// The lists that make up `environment.systemPackages` in this module.
pub(crate) fn package_sites<'t>(m: &Module<'t>, text: &str) -> Vec<Site<'t>> {
    let mut sites = Vec::new();
    if let Lookup::Found { value } =
        tree::lookup(m.attrset, &["environment", "systemPackages"], text)
    {
        collect_lists(value, false, false, m, text, &mut sites, 0);
    }
    sites
}

fn collect_lists<'t>(
    e: Node<'t>,
    with_pkgs: bool,
    conditional: bool,
    m: &Module<'t>,
    text: &str,
    out: &mut Vec<Site<'t>>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let recur = |n: Option<Node<'t>>, w: bool, c: bool, out: &mut Vec<Site<'t>>| {
        if let Some(n) = n {
            collect_lists(n, w, c, m, text, out, depth + 1);
        }
    };
    match e.kind() {
        "list_expression" => out.push(Site {
            list: e,
            with_pkgs,
            conditional,
        }),
        "with_expression" => {
            let env = e
                .child_by_field_name("environment")
                .map(|n| &text[n.byte_range()]);
            recur(
                e.child_by_field_name("body"),
                with_pkgs || env == Some("pkgs"),
                conditional,
                out,
            );
        }
        "binary_expression" => {
            let op = e
                .child_by_field_name("operator")
                .map(|n| &text[n.byte_range()]);
            if op == Some("++") {
                recur(e.child_by_field_name("left"), with_pkgs, conditional, out);
                recur(e.child_by_field_name("right"), with_pkgs, conditional, out);
            }
        }
        "parenthesized_expression" => recur(
            e.child_by_field_name("expression"),
            with_pkgs,
            conditional,
            out,
        ),
        "variable_expression" => {
            let name = &text[e.byte_range()];
            for b in &m.lets {
                if tree::attrpath(*b, text).is_some_and(|p| p.len() == 1 && p[0] == name) {
                    recur(tree::value(*b), with_pkgs, conditional, out);
                }
            }
        }
        "apply_expression" => {
            // lib.optionals cond [ ... ], lib.mkAfter [ ... ]: the list is the last argument.
            let f = e
                .child_by_field_name("function")
                .map(|n| &text[n.byte_range()])
                .unwrap_or("");
            let cond = conditional || f.contains("optional") || f.contains("mkIf");
            recur(e.child_by_field_name("argument"), with_pkgs, cond, out);
        }
        "if_expression" => {
            recur(e.child_by_field_name("consequence"), with_pkgs, true, out);
            recur(e.child_by_field_name("alternative"), with_pkgs, true, out);
        }
        _ => {}
    }
}

pub(crate) fn elements(list: Node<'_>) -> Vec<Node<'_>> {
    let mut c = list.walk();
    list.children_by_field_name("element", &mut c).collect()
}

/// The nixpkgs attribute an element names, if it is a plain package reference.
fn element_attr(el: Node<'_>, with_pkgs: bool, text: &str) -> Option<String> {
    match el.kind() {
        "variable_expression" if with_pkgs => Some(text[el.byte_range()].to_owned()),
        "select_expression" => {
            let base = el.child_by_field_name("expression")?;
            let path = el.child_by_field_name("attrpath")?;
            let mut c = path.walk();
            let segs: Option<Vec<String>> = path
                .children_by_field_name("attr", &mut c)
                .map(|a| tree::attr_name(a, text))
                .collect();
            let segs = segs?;
            let base_name = &text[base.byte_range()];
            if base.kind() != "variable_expression" || el.child_by_field_name("default").is_some() {
                return None;
            }
            if base_name == "pkgs" {
                Some(segs.join("."))
            } else if with_pkgs {
                Some(format!("{base_name}.{}", segs.join(".")))
            } else {
                None
            }
        }
        _ => None,
    }
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !matches!(
            s,
            "if" | "then" | "else" | "let" | "in" | "with" | "rec" | "inherit" | "assert" | "or"
        )
}

/// One segment of an attribute path as Nix reads it: bare when it is an identifier, else
/// quoted (`"3to2"`).
pub(crate) fn segment(s: &str) -> String {
    if is_identifier(s) {
        s.to_owned()
    } else {
        format!("\"{s}\"")
    }
}

/// How to write `attr` in a list: bare under `with pkgs;` when the list already uses bare
/// names, else `pkgs.attr`; segments that are not identifiers are quoted.
fn element_text(attr: &str, site: &Site<'_>, text: &str) -> String {
    let els = elements(site.list);
    let lists_use_prefix = !els.is_empty()
        && els
            .iter()
            .all(|e| text[e.byte_range()].starts_with("pkgs."));
    let segs: Vec<String> = attr.split('.').map(segment).collect();
    let bare_ok = is_identifier(attr.split('.').next().unwrap_or(""));
    if site.with_pkgs && !lists_use_prefix && bare_ok {
        segs.join(".")
    } else {
        format!("pkgs.{}", segs.join("."))
    }
}

/// Insert elements (as written) at the end of a list, in its layout.
pub(crate) fn insert_into_list(text: &str, list: Node<'_>, names: &[String]) -> String {
    let els = elements(list);
    let (lstart, lend) = (list.start_byte(), list.end_byte());
    let multiline = text[lstart..lend].contains('\n');
    let close = lend - 1; // the `]`
    let mut out = text.to_owned();
    match els.last() {
        Some(last) if multiline && tree::starts_line(text, last.start_byte()) => {
            let indent = tree::line_indent(text, last.start_byte()).to_owned();
            let eol = tree::line_end(text, last.end_byte());
            let at = if close < eol { last.end_byte() } else { eol };
            let sep = if close < eol {
                " ".to_owned()
            } else {
                format!("\n{indent}")
            };
            let ins: String = names.iter().map(|n| format!("{sep}{n}")).collect();
            out.insert_str(at, &ins);
        }
        Some(last) => {
            let ins: String = names.iter().map(|n| format!(" {n}")).collect();
            out.insert_str(last.end_byte(), &ins);
        }
        None if multiline => {
            let indent = format!("{}  ", tree::line_indent(text, lstart));
            let ins: String = names.iter().map(|n| format!("\n{indent}{n}")).collect();
            out.insert_str(lstart + 1, &ins);
        }
        None => out.replace_range(lstart..lend, &format!("[ {} ]", names.join(" "))),
    }
    out
}

/// The bytes to delete to remove an element: its whole line when it stands alone there
/// (with any comment on that line), else the element and one space beside it.
pub(crate) fn removal_range(text: &str, el: Node<'_>) -> (usize, usize) {
    let (s, e) = (el.start_byte(), el.end_byte());
    let eol = tree::line_end(text, e);
    let rest = text[e..eol].trim_start();
    if tree::starts_line(text, s) && (rest.is_empty() || rest.starts_with('#')) {
        let line_start = text[..s].rfind('\n').map_or(0, |p| p + 1);
        return (line_start, (eol + 1).min(text.len()));
    }
    if text[e..].starts_with(' ') {
        (s, e + 1)
    } else if s > 0 && text[..s].ends_with(' ') {
        (s - 1, e)
    } else {
        (s, e)
    }
}

/// Insert a binding (`name = value;`) as the last binding of an attribute set, in its layout.
fn insert_binding(text: &str, set: Node<'_>, binding: &str) -> String {
    let mut out = text.to_owned();
    let bs = tree::bindings(set);
    let multiline = text[set.byte_range()].contains('\n');
    match bs.last() {
        Some(last) if multiline => {
            let indent = tree::line_indent(text, last.start_byte()).to_owned();
            let eol = tree::line_end(text, last.end_byte());
            let close = set.end_byte() - 1;
            if close < eol {
                out.insert_str(last.end_byte(), &format!(" {binding}"));
            } else {
                out.insert_str(eol, &format!("\n{indent}{binding}"));
            }
        }
        Some(last) => out.insert_str(last.end_byte(), &format!(" {binding}")),
        None if multiline => {
            let indent = format!("{}  ", tree::line_indent(text, set.start_byte()));
            out.insert_str(set.start_byte() + 1, &format!("\n{indent}{binding}"));
        }
        None => {
            let (s, e) = (set.start_byte(), set.end_byte());
            out.replace_range(s..e, &format!("{{ {binding} }}"));
        }
    }
    out
}

/// Create `environment.systemPackages` in the entry file, with `pkgs` in scope, holding
/// `names` (elements as written).
fn create_package_list(f: &SourceFile, names: &[String]) -> Result<String, EditError> {
    check_syntax(f)?;
    let t = parse(&f.text)
        .ok_or_else(|| EditError::Unsupported(format!("{} could not be read as Nix", f.name)))?;
    let m = module_of(&t, f)?;
    let (set, binding) = match tree::lookup(m.attrset, &["environment", "systemPackages"], &f.text)
    {
        Lookup::Partial { attrset, .. } => (attrset, "systemPackages"),
        _ => (m.attrset, "environment.systemPackages"),
    };
    let multiline = f.text[set.byte_range()].contains('\n');
    let value = if multiline {
        let indent = tree::bindings(set)
            .last()
            .map(|b| tree::line_indent(&f.text, b.start_byte()).to_owned())
            .unwrap_or_else(|| format!("{}  ", tree::line_indent(&f.text, set.start_byte())));
        let items: String = names.iter().map(|n| format!("\n{indent}  {n}")).collect();
        format!("{binding} = with pkgs; [{items}\n{indent}];")
    } else {
        format!("{binding} = with pkgs; [ {} ];", names.join(" "))
    };
    let with_binding = insert_binding(&f.text, set, &value);
    ensure_pkgs_formal(&with_binding, f)
}

/// Make sure the module function takes `pkgs` (`{ config, ... }:` becomes `{ config, pkgs, ... }:`).
fn ensure_pkgs_formal(text: &str, f: &SourceFile) -> Result<String, EditError> {
    let t = parse(text)
        .ok_or_else(|| EditError::Unsupported(format!("{} could not be read as Nix", f.name)))?;
    let m = module_of(&t, f)?;
    let Some(func) = m.function else {
        return Err(EditError::Unsupported(format!(
            "{} is not a function of pkgs, so a package list cannot be added to it automatically",
            f.name
        )));
    };
    let Some(formals) = func.child_by_field_name("formals") else {
        return Err(EditError::Unsupported(format!(
            "{} takes its arguments as one name; add pkgs yourself",
            f.name
        )));
    };
    let mut c = formals.walk();
    let fs: Vec<Node<'_>> = formals.children_by_field_name("formal", &mut c).collect();
    if fs.iter().any(|n| {
        n.child_by_field_name("name")
            .is_some_and(|n| &text[n.byte_range()] == "pkgs")
    }) {
        return Ok(text.to_owned());
    }
    let mut out = text.to_owned();
    match fs.last() {
        Some(last) => out.insert_str(last.end_byte(), ", pkgs"),
        None => {
            let mut c = formals.walk();
            let ellipses = formals.children_by_field_name("ellipses", &mut c).next();
            match ellipses {
                Some(e) => out.insert_str(e.start_byte(), "pkgs, "),
                None => out.insert_str(formals.start_byte() + 1, " pkgs "),
            }
        }
    }
    Ok(out)
}
