//! Python libraries in a configuration. A library (`python313Packages.requests`) listed on
//! its own in `environment.systemPackages` is not seen by the system's Python; it belongs in
//! the list of a `python3.withPackages (ps: with ps; [ requests ])` element, which is what
//! these edits read and write.

use tree_sitter::Node;

use crate::edit::{self, EditError, FileEdit, Site};
use crate::{parse, tree};

pub use luminous_intent::python::{Library, is_interpreter, library};

/// One `INTERPRETER.withPackages (PARAM: ...)` element of a package list.
pub(crate) struct WithPackages<'t> {
    /// The interpreter, without `pkgs.`: `python3`.
    pub interpreter: String,
    /// The list of libraries, when it is written as one we edit (`ps: with ps; [ .. ]` or
    /// `ps: [ ps.a ps.b ]`); `None` for any other function.
    pub list: Option<Node<'t>>,
    /// The function's parameter: `ps`.
    pub param: String,
    /// True when the list is under `with PARAM;`, so libraries are bare names.
    pub with_param: bool,
}

fn unparenthesized(mut n: Node<'_>) -> Node<'_> {
    while n.kind() == "parenthesized_expression" {
        match n.child_by_field_name("expression") {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}

/// The interpreter an element names when it is the plain interpreter (`python3`,
/// `pkgs.python312`).
pub(crate) fn bare_interpreter(el: Node<'_>, with_pkgs: bool, text: &str) -> Option<String> {
    let t = &text[el.byte_range()];
    let name = match t.strip_prefix("pkgs.") {
        Some(rest) if el.kind() == "select_expression" => rest,
        _ if el.kind() == "variable_expression" && with_pkgs => t,
        _ => return None,
    };
    is_interpreter(name).then(|| name.to_owned())
}

/// The element as a `withPackages` call, if it is one.
pub(crate) fn with_packages<'t>(
    el: Node<'t>,
    with_pkgs: bool,
    text: &str,
) -> Option<WithPackages<'t>> {
    let call = unparenthesized(el);
    if call.kind() != "apply_expression" {
        return None;
    }
    let func = call.child_by_field_name("function")?;
    let func_text = &text[func.byte_range()];
    let interp = func_text.strip_suffix(".withPackages")?;
    let interp = match interp.strip_prefix("pkgs.") {
        Some(i) => i,
        None if with_pkgs => interp,
        None => return None,
    };
    let interp = interp.strip_suffix(".pkgs").unwrap_or(interp);
    if !is_interpreter(interp) {
        return None;
    }
    let mut out = WithPackages {
        interpreter: interp.to_owned(),
        list: None,
        param: String::new(),
        with_param: false,
    };
    let arg = unparenthesized(call.child_by_field_name("argument")?);
    if arg.kind() != "function_expression" {
        return Some(out);
    }
    let Some(param) = arg.child_by_field_name("universal") else {
        return Some(out);
    };
    out.param = text[param.byte_range()].to_owned();
    let Some(mut body) = arg.child_by_field_name("body").map(unparenthesized) else {
        return Some(out);
    };
    if body.kind() == "with_expression" {
        let env = body
            .child_by_field_name("environment")
            .map(|e| &text[e.byte_range()]);
        if env != Some(out.param.as_str()) {
            return Some(out);
        }
        out.with_param = true;
        match body.child_by_field_name("body") {
            Some(b) => body = unparenthesized(b),
            None => return Some(out),
        }
    }
    if body.kind() == "list_expression" {
        out.list = Some(body);
    }
    Some(out)
}

impl WithPackages<'_> {
    /// The libraries of the list, each with its element: `requests` for `requests` (under
    /// `with ps;`) or `ps.requests`.
    pub(crate) fn libraries(&self, text: &str) -> Vec<(Node<'_>, String)> {
        let Some(list) = self.list else {
            return Vec::new();
        };
        edit::elements(list)
            .into_iter()
            .filter_map(|el| {
                let t = &text[el.byte_range()];
                let name = match t.strip_prefix(&format!("{}.", self.param)) {
                    Some(n) if el.kind() == "select_expression" => n,
                    _ if el.kind() == "variable_expression" && self.with_param => t,
                    _ => return None,
                };
                Some((el, name.trim_matches('"').to_owned()))
            })
            .collect()
    }

    /// How a library is written in this list.
    fn element_text(&self, name: &str) -> String {
        library_text(name, &self.param, self.with_param)
    }
}

/// A library as an element of a `PARAM: ...` list: bare under `with PARAM;` when it is an
/// identifier, else `PARAM.name` (a quoted bare name would be a string, not the library).
fn library_text(name: &str, param: &str, with_param: bool) -> String {
    if with_param && edit::is_identifier(name) {
        name.to_owned()
    } else {
        format!("{param}.{}", edit::segment(name))
    }
}

/// A new Python element for a list: `(python3.withPackages (ps: with ps; [ requests ]))`,
/// with `pkgs.` when the list does not have `pkgs` in scope.
pub(crate) fn new_element(interpreter_text: &str, names: &[&str]) -> String {
    let libs: Vec<String> = names.iter().map(|n| library_text(n, "ps", true)).collect();
    format!(
        "({interpreter_text}.withPackages (ps: with ps; [ {} ]))",
        libs.join(" ")
    )
}

/// Add libraries to the system's Python: into the list of the first `withPackages` element
/// (in a list that is there whatever the conditions), else in place of the plain interpreter
/// (`python3` becomes `(python3.withPackages (ps: with ps; [ requests ]))`), else as a new
/// element of the first unconditional package list. `None` when the configuration has no
/// package list at all (the caller creates one).
pub(crate) fn add(
    files: &[edit::SourceFile],
    names: &[&str],
) -> Result<Option<FileEdit>, EditError> {
    // First choice: a withPackages element; second: the plain interpreter; third: any list.
    for pass in 0..3 {
        for f in files {
            let Some(t) = parse(&f.text) else { continue };
            let Some(m) = tree::module(t.root_node()) else {
                continue;
            };
            for site in edit::package_sites(&m, &f.text)
                .iter()
                .filter(|s| !s.conditional)
            {
                if let Some(done) = add_in_site(f, site, names, pass)? {
                    return Ok(Some(done));
                }
            }
        }
    }
    Ok(None)
}

fn add_in_site(
    f: &edit::SourceFile,
    site: &Site<'_>,
    names: &[&str],
    pass: u8,
) -> Result<Option<FileEdit>, EditError> {
    let text = &f.text;
    for el in edit::elements(site.list) {
        match pass {
            0 => {
                let Some(wp) = with_packages(el, site.with_pkgs, text) else {
                    continue;
                };
                let Some(list) = wp.list else {
                    let (line, _) = crate::line_col(text, el.start_byte());
                    return Err(EditError::Unsupported(format!(
                        "Your Python on line {line} of {} gets its libraries from an expression I \
                         do not edit myself; add {} to it there.",
                        f.name,
                        names.join(", ")
                    )));
                };
                let items: Vec<String> = names.iter().map(|n| wp.element_text(n)).collect();
                let after = edit::insert_into_list(text, list, &items);
                return Ok(Some(edit::finish(f, after)?));
            }
            1 => {
                if bare_interpreter(el, site.with_pkgs, text).is_none() {
                    continue;
                }
                let mut after = text.clone();
                after.replace_range(el.byte_range(), &new_element(&text[el.byte_range()], names));
                return Ok(Some(edit::finish(f, after)?));
            }
            _ => {}
        }
    }
    if pass == 2 {
        let interp = if site.with_pkgs {
            "python3"
        } else {
            "pkgs.python3"
        };
        let after = edit::insert_into_list(text, site.list, &[new_element(interp, names)]);
        return Ok(Some(edit::finish(f, after)?));
    }
    Ok(None)
}

/// The byte range that removes each of `names` from the `withPackages` lists of one file's
/// sites, with the name found there.
pub(crate) fn removals(
    sites: &[Site<'_>],
    names: &[&str],
    text: &str,
) -> Vec<((usize, usize), String)> {
    let mut out = Vec::new();
    for site in sites {
        for el in edit::elements(site.list) {
            let Some(wp) = with_packages(el, site.with_pkgs, text) else {
                continue;
            };
            for (lib, name) in wp.libraries(text) {
                if names.contains(&name.as_str()) {
                    out.push((edit::removal_range(text, lib), name));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_is_not_an_identifier_is_selected_from_the_set() {
        assert_eq!(library_text("requests", "ps", true), "requests");
        assert_eq!(library_text("requests", "p", false), "p.requests");
        assert_eq!(library_text("3to2", "ps", true), "ps.\"3to2\"");
        assert_eq!(
            new_element("python3", &["numpy", "3to2"]),
            "(python3.withPackages (ps: with ps; [ numpy ps.\"3to2\" ]))"
        );
    }
}
