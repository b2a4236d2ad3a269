//! Shared tree walking: the module's top attribute set, its bindings, and attribute paths.

use tree_sitter::Node;

/// The attribute set a module evaluates to (through `{...}:`, `let ... in`, `with ...;`),
/// together with the let bindings in scope.
pub(crate) struct Module<'t> {
    pub attrset: Node<'t>,
    pub lets: Vec<Node<'t>>,
    pub function: Option<Node<'t>>,
}

pub(crate) fn module(root: Node<'_>) -> Option<Module<'_>> {
    let mut node = root
        .child_by_field_name("expression")
        .or_else(|| root.named_child(0))?;
    let mut lets = Vec::new();
    let mut function = None;
    loop {
        match node.kind() {
            "function_expression" => {
                function = Some(node);
                node = node.child_by_field_name("body")?;
            }
            "let_expression" => {
                if let Some(set) = named_child_of_kind(node, "binding_set") {
                    lets.extend(bindings_of_set(set));
                }
                node = node.child_by_field_name("body")?;
            }
            "with_expression" => node = node.child_by_field_name("body")?,
            "parenthesized_expression" => node = node.child_by_field_name("expression")?,
            "attrset_expression" | "rec_attrset_expression" => {
                return Some(Module {
                    attrset: node,
                    lets,
                    function,
                });
            }
            _ => return None,
        }
    }
}

pub(crate) fn named_child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut c = node.walk();
    node.named_children(&mut c).find(|n| n.kind() == kind)
}

fn bindings_of_set(set: Node<'_>) -> Vec<Node<'_>> {
    let mut c = set.walk();
    set.named_children(&mut c)
        .filter(|n| n.kind() == "binding")
        .collect()
}

/// The `binding` nodes directly inside an attribute set expression.
pub(crate) fn bindings(attrset: Node<'_>) -> Vec<Node<'_>> {
    named_child_of_kind(attrset, "binding_set")
        .map(bindings_of_set)
        .unwrap_or_default()
}

/// The static segments of a binding's attribute path; `None` when one is computed (`${x}`).
pub(crate) fn attrpath(binding: Node<'_>, text: &str) -> Option<Vec<String>> {
    let path = binding.child_by_field_name("attrpath")?;
    let mut c = path.walk();
    path.children_by_field_name("attr", &mut c)
        .map(|a| attr_name(a, text))
        .collect()
}

pub(crate) fn attr_name(attr: Node<'_>, text: &str) -> Option<String> {
    match attr.kind() {
        "identifier" => Some(text[attr.byte_range()].to_owned()),
        "string_expression" => {
            let inner = &text[attr.byte_range()];
            let inner = inner.strip_prefix('"')?.strip_suffix('"')?;
            (!inner.contains("${")).then(|| inner.to_owned())
        }
        _ => None,
    }
}

/// A binding's value expression.
pub(crate) fn value(binding: Node<'_>) -> Option<Node<'_>> {
    binding.child_by_field_name("expression")
}

/// Where a dotted option path is defined in an attribute set, following nested literals
/// (`services.openssh = { enable = ...; }` and `services.openssh.enable = ...` alike).
pub(crate) enum Lookup<'t> {
    /// The binding that sets exactly this path, and its value.
    Found { value: Node<'t> },
    /// The deepest attribute set literal on the way, and how many segments it covers.
    Partial { attrset: Node<'t>, depth: usize },
    /// Nothing of the path is here.
    Absent,
}

pub(crate) fn lookup<'t>(attrset: Node<'t>, path: &[&str], text: &str) -> Lookup<'t> {
    lookup_at(attrset, path, 0, text)
}

fn lookup_at<'t>(attrset: Node<'t>, path: &[&str], depth: usize, text: &str) -> Lookup<'t> {
    let mut best = if depth > 0 {
        Lookup::Partial { attrset, depth }
    } else {
        Lookup::Absent
    };
    for b in bindings(attrset) {
        let Some(segs) = attrpath(b, text) else {
            continue;
        };
        let rest = &path[depth..];
        if segs.len() > rest.len() || segs.iter().zip(rest).any(|(a, b)| a != b) {
            continue;
        }
        let Some(v) = value(b) else { continue };
        if segs.len() == rest.len() {
            return Lookup::Found { value: v };
        }
        if v.kind() == "attrset_expression" {
            match lookup_at(v, path, depth + segs.len(), text) {
                found @ Lookup::Found { .. } => return found,
                partial @ Lookup::Partial { .. } => best = partial,
                Lookup::Absent => {}
            }
        }
    }
    best
}

/// Leading whitespace of the line holding `byte`.
pub(crate) fn line_indent(text: &str, byte: usize) -> &str {
    let start = text[..byte].rfind('\n').map_or(0, |p| p + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// True when only blanks stand between the start of the line and `byte`.
pub(crate) fn starts_line(text: &str, byte: usize) -> bool {
    let start = text[..byte].rfind('\n').map_or(0, |p| p + 1);
    text[start..byte].chars().all(|c| c == ' ' || c == '\t')
}

/// Byte offset of the end of the line holding `byte` (the `\n`, or the end of the text).
pub(crate) fn line_end(text: &str, byte: usize) -> usize {
    text[byte..].find('\n').map_or(text.len(), |p| byte + p)
}
