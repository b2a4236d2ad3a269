//! Python libraries among nixpkgs' attributes: `python313Packages.requests` is the library
//! `requests` of the interpreter `python313`. The same library is in every Python's set; a
//! user means it once, in the newest set.

/// A library of one of nixpkgs' Python package sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Library<'a> {
    /// The interpreter whose set it is in: `python313` for `python313Packages.requests`.
    pub interpreter: &'a str,
    /// The library's attribute in that set: `requests`.
    pub name: &'a str,
}

/// The Python library an attribute names (`python3Packages.requests`,
/// `python313Packages.requests`, `python312.pkgs.numpy`), or `None` for anything else.
pub fn library(attr: &str) -> Option<Library<'_>> {
    let (set, name) = attr.split_once('.')?;
    let interpreter = match set.strip_suffix("Packages") {
        Some(i) => i,
        None => {
            let (i, name) = (set, name.strip_prefix("pkgs.")?);
            return is_interpreter(i).then_some(Library {
                interpreter: i,
                name,
            });
        }
    };
    (is_interpreter(interpreter) && !name.is_empty() && !name.contains('.'))
        .then_some(Library { interpreter, name })
}

/// `python3`, `python313`, `python`: an interpreter of nixpkgs whose set has libraries.
pub fn is_interpreter(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()))
}

/// The version an interpreter's name carries, to find the newest: `python313` is 313,
/// `python3` (an alias nixpkgs moves) 3, `python` 0.
pub fn version(interpreter: &str) -> u32 {
    interpreter
        .strip_prefix("python")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_attributes() {
        let lib = |a| library(a).map(|l| (l.interpreter, l.name));
        assert_eq!(
            lib("python3Packages.requests"),
            Some(("python3", "requests"))
        );
        assert_eq!(lib("python313Packages.numpy"), Some(("python313", "numpy")));
        assert_eq!(lib("python312.pkgs.flask"), Some(("python312", "flask")));
        assert_eq!(lib("pythonPackages.six"), Some(("python", "six")));
        assert_eq!(lib("python3"), None);
        assert_eq!(lib("perlPackages.JSON"), None);
        assert_eq!(lib("haskellPackages.pandoc"), None);
        assert_eq!(lib("python3Packages.a.b"), None);
        assert_eq!(lib("python3Packages."), None);
    }

    #[test]
    fn newest_interpreter_has_the_largest_version() {
        assert!(version("python313") > version("python312"));
        assert!(version("python312") > version("python3"));
        assert_eq!(version("python"), 0);
    }
}
