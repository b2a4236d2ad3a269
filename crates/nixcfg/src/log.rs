//! Explanations of a saved `nixos-rebuild` log: evaluation errors, failed units, collisions.

use crate::Diagnostic;

/// Everything worth saying about a build log, in the order it happened.
pub fn explain_log(file: &str, log: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    // "builder for X failed" says only that something failed: kept only if nothing says why.
    let mut generic: Vec<Diagnostic> = Vec::new();
    let lines: Vec<&str> = log.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = strip_ansi(lines[i]);
        let line = line.trim();
        let here = |message: String, suggestion: String| Diagnostic {
            file: file.to_owned(),
            line: i + 1,
            column: 1,
            message,
            suggestion,
        };
        if let Some(rest) = line.strip_prefix("error:").filter(|r| !r.trim().is_empty()) {
            let msg = rest.trim();
            if let Some(name) = failed_build(msg) {
                // What the build itself said last ("> make: *** [all] Error 2").
                let said: Option<String> = lines[i + 1..]
                    .iter()
                    .take(40)
                    .map(|l| strip_ansi(l))
                    .take_while(|l| !l.trim_start().starts_with("error:"))
                    .filter_map(|l| l.trim().strip_prefix('>').map(|x| x.trim().to_owned()))
                    .filter(|l| !l.is_empty())
                    .last();
                let message = match said {
                    Some(last) => {
                        let last: String = last.chars().take(160).collect();
                        format!("The build of {name} failed. Its log ends with: {last}")
                    }
                    None => format!("The build of {name} failed."),
                };
                generic.push(here(
                    message,
                    "An update often fixes a package that fails to build; until then, leave it out of your configuration.".into(),
                ));
                i += 1;
                continue;
            }
            // "1 dependencies of derivation '...-nixos-system-...' failed to build" only
            // follows from the failures above it.
            if msg.contains("dependencies of derivation") && msg.contains("failed to build") {
                if generic.is_empty() {
                    generic.push(here(
                        "A package your system needs failed to build.".into(),
                        "Read the lines above the failure in the log, or run luminous explain on it.".into(),
                    ));
                }
                i += 1;
                continue;
            }
            let at = lines[i + 1..].iter().take(6).find_map(|l| location(l));
            let (message, suggestion) = explain_error_message(msg);
            let mut d = here(message, suggestion);
            if let Some((f, l, c)) = at {
                d.message = format!("{} (in {f}, line {l})", d.message);
                d.line = i + 1;
                d.column = c;
            }
            if !out.iter().any(|o| o.message == d.message) {
                out.push(d);
            }
        } else if let Some(units) = failed_units(line) {
            for unit in units {
                out.push(here(
                    format!("The service {unit} failed to start after the switch."),
                    format!("See why with: journalctl -b -u {unit}. The new configuration is active; say roll back to undo it."),
                ));
            }
        } else if let Some((a, b)) = collision(line) {
            out.push(here(
                format!("Two packages provide the same file: {a} and {b}."),
                "Remove one of the two packages, or give one a lower priority with lib.lowPrio."
                    .to_owned(),
            ));
        }
        i += 1;
    }
    if out.is_empty() {
        out = generic;
    }
    out
}

/// The package a failed-build message names: "builder for '/nix/store/<hash>-firefox-1.0.drv'
/// failed with exit code 1", "Cannot build '/nix/store/…-firefox.drv'", quoted or not.
fn failed_build(msg: &str) -> Option<String> {
    if !(msg.starts_with("builder for") || msg.starts_with("Cannot build")) {
        return None;
    }
    let start = msg.find("/nix/store/")?;
    let path: String = msg[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '`' | '‘' | '’' | '"' | ';'))
        .collect();
    let file = path.rsplit('/').next()?.trim_end_matches('.');
    let file = file.strip_suffix(".drv").unwrap_or(file);
    // The store hash (32 characters), or Nix's abbreviation of it ("…" or "..."), then a dash.
    let name = match file.split_once('-') {
        Some((hash, rest))
            if hash.len() == 32 || hash == "…" || hash == "..." || hash.is_empty() =>
        {
            rest
        }
        _ => file,
    };
    (!name.is_empty()).then(|| name.to_owned())
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `at /etc/nixos/configuration.nix:12:5:` gives (file, line, column).
fn location(line: &str) -> Option<(String, usize, usize)> {
    let l = strip_ansi(line);
    let rest = l.trim().strip_prefix("at ")?.trim_end_matches(':');
    let mut parts = rest.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line_no = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_owned(), line_no, col))
}

fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find(['\'', '`', '‘'])?;
    let open = msg[start..].chars().next()?;
    let body = &msg[start + open.len_utf8()..];
    let end = body.find(['\'', '’'])?;
    Some(&body[..end])
}

fn explain_error_message(msg: &str) -> (String, String) {
    if msg.starts_with("undefined variable") {
        let name = quoted(msg).unwrap_or("?");
        return (
            format!(
                "The name {name} is not defined. If it is meant as a package, there is no package called {name}."
            ),
            format!("Check the spelling of {name}, or search for the package you meant."),
        );
    }
    if msg.starts_with("The option") && msg.contains("does not exist") {
        let name = quoted(msg).unwrap_or("?");
        return (
            format!("There is no NixOS option called {name}."),
            "Check its spelling in the NixOS options search.".into(),
        );
    }
    if msg.starts_with("attribute") && msg.contains("missing") {
        let name = quoted(msg).unwrap_or("?");
        return (
            format!("Nothing called {name} exists where it is used."),
            "Check the spelling of that name.".into(),
        );
    }
    if msg.contains("already defined") {
        let name = quoted(msg).unwrap_or("?");
        return (
            format!("{name} is defined twice."),
            "Keep one definition and delete the other.".into(),
        );
    }
    if let Some(rest) = msg.strip_prefix("syntax error, ") {
        return (
            format!("Nix cannot read this: {}.", plain_tokens(rest)),
            "Check that line and the one before it.".into(),
        );
    }
    if msg.contains("collision between") {
        return (
            "Two packages provide the same file.".into(),
            "Remove one of them.".into(),
        );
    }
    if msg.contains("is marked as broken")
        || msg.contains("has an unfree license")
        || msg.contains("is marked as insecure")
    {
        let name = quoted(msg).unwrap_or("a package");
        let why = if msg.contains("unfree") {
            "its licence is unfree; set nixpkgs.config.allowUnfree = true; to allow it"
        } else if msg.contains("insecure") {
            "it is marked insecure; choose another version"
        } else {
            "it is marked broken in this nixpkgs; choose another package or wait for a fix"
        };
        return (
            format!("{name} cannot be built: {why}."),
            "Change the configuration as said, then rebuild.".into(),
        );
    }
    let short: String = msg.chars().take(160).collect();
    (
        format!("Nix says: {short}."),
        "Check the place it names.".into(),
    )
}

/// Bison's token names in Nix's syntax errors, in words.
fn plain_tokens(msg: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("EQ", "=="),
        ("NEQ", "!="),
        ("CONCAT", "++"),
        ("UPDATE", "//"),
        ("ELSE", "else"),
        ("THEN", "then"),
        ("IN", "in"),
        ("ID", "a name"),
        ("OR_KW", "or"),
        ("IMPL", "->"),
        ("AND", "&&"),
        ("OR", "||"),
        ("end of file", "the end of the file"),
    ];
    msg.split(' ')
        .map(|w| {
            let (core, tail) = w.split_at(w.trim_end_matches([',', '.']).len());
            TOKENS
                .iter()
                .find(|(t, _)| *t == core)
                .map_or_else(|| w.to_owned(), |(_, p)| format!("{p}{tail}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `the following units failed: a.service, b.service`, or `Failed to start X.`
fn failed_units(line: &str) -> Option<Vec<String>> {
    if let Some(rest) = line.split("the following units failed:").nth(1) {
        let units: Vec<String> = rest
            .split([',', ' '])
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        return (!units.is_empty()).then_some(units);
    }
    None
}

/// `collision between `/nix/store/...-a/bin/x' and `/nix/store/...-b/bin/x'`
fn collision(line: &str) -> Option<(String, String)> {
    let rest = line.split("collision between").nth(1)?;
    let paths: Vec<&str> = rest
        .split(['`', '\'', '‘', '’', '"'])
        .map(str::trim)
        .filter(|p| p.starts_with("/nix/store/"))
        .collect();
    let name = |p: &str| -> String {
        let after = p.trim_start_matches("/nix/store/");
        let pkg = after.split('/').next().unwrap_or(after);
        // Drop the 32-character hash and its dash.
        let pkg = pkg.get(33..).unwrap_or(pkg);
        let file = after.split_once('/').map_or("", |x| x.1);
        format!("{pkg} ({file})")
    };
    Some((name(paths.first()?), name(paths.get(1)?)))
}
