//! Prints the tree-sitter tree of a Nix file: a development aid for writing diagnostics.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut p = tree_sitter::Parser::new();
    let _ = p.set_language(&tree_sitter_nix::LANGUAGE.into());
    if let Some(t) = p.parse(&text, None) {
        print_node(t.root_node(), &text, 0);
    }
}
fn print_node(n: tree_sitter::Node, src: &str, depth: usize) {
    let s = n.start_position();
    let e = n.end_position();
    let txt: String = src[n.byte_range()]
        .chars()
        .take(30)
        .collect::<String>()
        .replace('\n', "\\n");
    println!(
        "{}{}{} {}:{}-{}:{} {:?}{}",
        "  ".repeat(depth),
        if n.is_named() { "" } else { "'" },
        n.kind(),
        s.row + 1,
        s.column + 1,
        e.row + 1,
        e.column + 1,
        txt,
        if n.is_missing() { " MISSING" } else { "" }
    );
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        print_node(ch, src, depth + 1);
    }
}
