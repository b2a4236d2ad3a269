//! Syntax diagnostics: where a file stops being valid Nix, and why, in plain words.
//!
//! A lexical scan (strings, comments, brackets with their indentation) finds unterminated
//! strings, unclosed brackets and stray semicolons exactly; the tree-sitter tree finds the rest
//! (missing semicolons and other unexpected tokens). The first error is the one explained:
//! later ones are often echoes of it.

use crate::{Diagnostic, line_col, parse};

#[derive(Debug, Clone, Copy)]
struct Open {
    ch: u8,
    byte: usize,
    indent: usize,
}

/// The first syntax error of `text`, if any, explained.
pub fn first_error(file: &str, text: &str) -> Option<Diagnostic> {
    let diag = |byte: usize, message: String, suggestion: String| {
        let (line, column) = line_col(text, byte);
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message,
            suggestion,
        }
    };
    if let Some(found) = scan(text) {
        return Some(match found {
            Lexical::Unterminated { start, quote } => {
                let (line, _) = line_col(text, start);
                diag(
                    start,
                    format!("The string that starts on line {line} is never closed."),
                    format!("Add the closing {quote} at the end of that string on line {line}."),
                )
            }
            Lexical::Unclosed { open, before } => {
                let (line, _) = line_col(text, open.byte);
                let what = bracket_name(open.ch);
                let closer = closing(open.ch);
                let suggestion = match before {
                    Some(b) => format!("Add {closer} before line {}.", line_col(text, b).0),
                    None => format!("Add {closer} at the end of the file."),
                };
                diag(
                    open.byte,
                    format!(
                        "The {what} {} on line {line} is never closed.",
                        open.ch as char
                    ),
                    suggestion,
                )
            }
            Lexical::Unexpected { byte, ch } => diag(
                byte,
                format!(
                    "There is a {} on line {} that closes nothing.",
                    ch as char,
                    line_col(text, byte).0
                ),
                format!(
                    "Remove that {}, or add the opening {} it belongs to.",
                    ch as char,
                    opening(ch)
                ),
            ),
            Lexical::Mismatch { open, byte, ch } => {
                let (oline, _) = line_col(text, open.byte);
                diag(
                    byte,
                    format!(
                        "The {} on line {} closes the {} opened on line {oline}, which needs {}.",
                        ch as char,
                        line_col(text, byte).0,
                        bracket_name(open.ch),
                        closing(open.ch)
                    ),
                    format!(
                        "Close the {} from line {oline} with {} first.",
                        bracket_name(open.ch),
                        closing(open.ch)
                    ),
                )
            }
            Lexical::StraySemicolon { semi, op } => {
                let (line, _) = line_col(text, semi);
                let (opline, _) = line_col(text, op);
                let continues = if opline == line {
                    "the same line".to_owned()
                } else {
                    format!("line {opline}")
                };
                diag(
                    semi,
                    format!(
                        "The semicolon on line {line} ends the value, but {continues} continues it with ++."
                    ),
                    format!(
                        "Remove the semicolon at the end of line {line}, and end the value after the last list instead."
                    ),
                )
            }
        });
    }
    tree_error(file, text)
}

fn bracket_name(ch: u8) -> &'static str {
    match ch {
        b'{' => "brace",
        b'[' => "bracket",
        _ => "parenthesis",
    }
}

fn closing(ch: u8) -> &'static str {
    match ch {
        b'{' => "}",
        b'[' => "]",
        _ => ")",
    }
}

fn opening(ch: u8) -> &'static str {
    match ch {
        b'}' => "{",
        b']' => "[",
        _ => "(",
    }
}

enum Lexical {
    Unterminated { start: usize, quote: &'static str },
    Unclosed { open: Open, before: Option<usize> },
    Unexpected { byte: usize, ch: u8 },
    Mismatch { open: Open, byte: usize, ch: u8 },
    StraySemicolon { semi: usize, op: usize },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ctx {
    Code,
    /// `${` inside a string: code until the matching `}`; then back to that string kind.
    Interp {
        indented: bool,
    },
    Str {
        start: usize,
    },
    IStr {
        start: usize,
    },
}

fn indent_at(bytes: &[u8], pos: usize) -> usize {
    let line_start = bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    bytes[line_start..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// True when `pos` is the first non-blank byte of its line.
fn first_on_line(bytes: &[u8], pos: usize) -> bool {
    let line_start = bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    bytes[line_start..pos]
        .iter()
        .all(|&b| b == b' ' || b == b'\t')
}

/// Skip blanks and comments from `i`; returns the next code byte position.
fn skip_trivia(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'#') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes.get(i) == Some(&b'/') && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
        } else {
            return i;
        }
    }
}

fn scan(text: &str) -> Option<Lexical> {
    let b = text.as_bytes();
    let mut ctx: Vec<Ctx> = vec![Ctx::Code];
    // Brackets per code context; interpolations keep their own brace depth on the same stack.
    let mut stack: Vec<Open> = Vec::new();
    let mut interp_depths: Vec<usize> = Vec::new();
    // The first double-quoted string that runs past the end of its line: the usual culprit when
    // a quote is missing, since configuration strings rarely span lines.
    let mut first_multiline_str: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let top = *ctx.last().unwrap_or(&Ctx::Code);
        match top {
            Ctx::Str { start } => {
                match b[i] {
                    b'\\' => i += 1,
                    b'"' => {
                        ctx.pop();
                    }
                    b'$' if b.get(i + 1) == Some(&b'{') => {
                        ctx.push(Ctx::Interp { indented: false });
                        interp_depths.push(stack.len());
                        i += 1;
                    }
                    b'\n' => {
                        first_multiline_str.get_or_insert(start);
                    }
                    _ => {}
                }
                i += 1;
            }
            Ctx::IStr { .. } => {
                if b[i] == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    match b.get(i + 2) {
                        Some(b'\'') | Some(b'$') | Some(b'\\') => i += 3,
                        _ => {
                            ctx.pop();
                            i += 2;
                        }
                    }
                    continue;
                }
                if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
                    ctx.push(Ctx::Interp { indented: true });
                    interp_depths.push(stack.len());
                    i += 2;
                    continue;
                }
                i += 1;
            }
            Ctx::Code | Ctx::Interp { .. } => {
                let c = b[i];
                match c {
                    b'#' | b'/' if c == b'#' || b.get(i + 1) == Some(&b'*') => {
                        i = skip_trivia(b, i);
                        continue;
                    }
                    b'"' => ctx.push(Ctx::Str { start: i }),
                    b'\'' if b.get(i + 1) == Some(&b'\'') => {
                        ctx.push(Ctx::IStr { start: i });
                        i += 2;
                        continue;
                    }
                    b'{' | b'[' | b'(' => stack.push(Open {
                        ch: c,
                        byte: i,
                        indent: indent_at(b, i),
                    }),
                    b'}' if matches!(top, Ctx::Interp { .. })
                        && interp_depths.last() == Some(&stack.len()) =>
                    {
                        interp_depths.pop();
                        ctx.pop();
                    }
                    b'}' | b']' | b')' => {
                        let want = match c {
                            b'}' => b'{',
                            b']' => b'[',
                            _ => b'(',
                        };
                        let floor = interp_depths.last().copied().unwrap_or(0);
                        let Some(open) = stack.last().copied().filter(|_| stack.len() > floor)
                        else {
                            return Some(Lexical::Unexpected { byte: i, ch: c });
                        };
                        if open.ch != want {
                            return Some(Lexical::Mismatch {
                                open,
                                byte: i,
                                ch: c,
                            });
                        }
                        // Indentation tells which opener was left open: a closer that starts its
                        // line lines up with its own opener's line.
                        if first_on_line(b, i) && c == b'}' {
                            let indent = indent_at(b, i);
                            if open.indent != indent
                                && let Some(pos) = stack[floor..stack.len() - 1]
                                    .iter()
                                    .rposition(|o| o.ch == want && o.indent == indent)
                            {
                                let unclosed = stack[floor + pos + 1];
                                return Some(Lexical::Unclosed {
                                    open: unclosed,
                                    before: next_dedent(b, unclosed),
                                });
                            }
                        }
                        stack.pop();
                    }
                    b';' => {
                        let next = skip_trivia(b, i + 1);
                        if b.get(next) == Some(&b'+') && b.get(next + 1) == Some(&b'+') {
                            return Some(Lexical::StraySemicolon { semi: i, op: next });
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
    }
    match ctx.last() {
        Some(Ctx::Str { start }) => {
            return Some(Lexical::Unterminated {
                start: first_multiline_str.unwrap_or(*start),
                quote: "\"",
            });
        }
        Some(Ctx::IStr { start }) => {
            return Some(Lexical::Unterminated {
                start: *start,
                quote: "''",
            });
        }
        _ => {}
    }
    if let Some(open) = stack.last().copied() {
        return Some(Lexical::Unclosed {
            open,
            before: next_dedent(b, open),
        });
    }
    None
}

/// The first line after `open`'s line that is indented no deeper than it: where the closer belongs.
fn next_dedent(b: &[u8], open: Open) -> Option<usize> {
    let mut pos = b[open.byte..].iter().position(|&c| c == b'\n')? + open.byte + 1;
    while pos < b.len() {
        let end = b[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| pos + p);
        let line = &b[pos..end];
        let indent = line
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if !blank && indent <= open.indent && !line[indent..].starts_with(b"#") {
            return Some(pos + indent);
        }
        pos = end + 1;
    }
    None
}

/// Errors the lexical scan cannot see, located with the tree.
fn tree_error(file: &str, text: &str) -> Option<Diagnostic> {
    let tree = parse(text)?;
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let node = first_problem(root)?;
    let diag = |byte: usize, message: String, suggestion: String| {
        let (line, column) = line_col(text, byte);
        Some(Diagnostic {
            file: file.to_owned(),
            line,
            column,
            message,
            suggestion,
        })
    };
    // Missing semicolon: the parser either inserts a MISSING ';', or trips over the next
    // binding's '='. Either way the semicolon belongs after the last token before that binding.
    let missing_semi = node.is_missing() && node.kind() == ";";
    let eq_error = node.is_error() && error_starts_with(node, text, "=");
    if missing_semi || eq_error {
        let anchor = if eq_error {
            binding_start_before(text, node.start_byte())
        } else {
            node.start_byte()
        };
        let end = last_code_byte_before(text, anchor);
        let (line, _) = line_col(text, end);
        let line_text = text.lines().nth(line - 1).unwrap_or("").trim();
        return diag(
            end + 1,
            format!("Line {line} is missing a semicolon at its end: {line_text}"),
            format!("Add ; at the end of line {line}."),
        );
    }
    if node.is_missing() {
        let (line, _) = line_col(text, node.start_byte());
        return diag(
            node.start_byte(),
            format!(
                "Something is missing on line {line}: Nix expected {} there.",
                node.kind()
            ),
            format!("Add {} on line {line}.", node.kind()),
        );
    }
    let snippet: String = text[node.byte_range()].trim().chars().take(30).collect();
    let (line, _) = line_col(text, node.start_byte());
    diag(
        node.start_byte(),
        format!("Nix cannot read line {line} from here: {snippet}"),
        format!("Check line {line} and the line before it for a missing or extra character."),
    )
}

fn error_starts_with(node: tree_sitter::Node, text: &str, prefix: &str) -> bool {
    text[node.byte_range()].trim_start().starts_with(prefix)
        && !text[node.byte_range()].trim_start().starts_with("==")
}

fn first_problem(node: tree_sitter::Node) -> Option<tree_sitter::Node> {
    if node.is_error() || node.is_missing() {
        // Prefer a more precise problem inside an error node.
        let mut cursor = node.walk();
        let inner = node.children(&mut cursor).find(|c| c.is_missing());
        return Some(inner.unwrap_or(node));
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error() || child.is_missing() {
            return first_problem(child);
        }
    }
    None
}

/// From an `=` at `eq`, go back over the attribute path before it (`a.b."c"`) and blanks.
fn binding_start_before(text: &str, eq: usize) -> usize {
    let b = text.as_bytes();
    let mut i = eq;
    while i > 0 && b[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    while i > 0
        && (b[i - 1].is_ascii_alphanumeric()
            || matches!(b[i - 1], b'.' | b'_' | b'-' | b'\'' | b'"'))
    {
        i -= 1;
    }
    i
}

/// The last byte of code before `pos`, skipping blanks and line comments.
fn last_code_byte_before(text: &str, pos: usize) -> usize {
    let mut lines_end = pos;
    loop {
        let chunk = &text[..lines_end];
        let line_start = chunk.rfind('\n').map_or(0, |p| p + 1);
        let line = &chunk[line_start..];
        let code = strip_comment(line).trim_end();
        if !code.is_empty() {
            return line_start + code.len() - 1;
        }
        if line_start == 0 {
            return 0;
        }
        lines_end = line_start - 1;
    }
}

/// A line without its trailing `#` comment (ignoring `#` inside strings).
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}
