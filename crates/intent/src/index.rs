//! The package index: packages as data, and fuzzy lookup over them.
//!
//! Built for 100,000+ names: every lookup is a linear scan over compact keys with a
//! 64-bit bigram signature as a cheap filter before any edit distance is computed.
//! No I/O here: callers hand in the text of a JSON Lines file or a cache blob.

use serde::{Deserialize, Serialize};

/// One package, as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The nixpkgs attribute path, e.g. `firefox` or `python313Packages.requests`.
    pub attr: String,
    /// The package name, e.g. `firefox`.
    #[serde(default)]
    pub pname: String,
    /// The version, empty when unknown (the offline index does not claim versions).
    #[serde(default)]
    pub version: String,
    /// A one-line description, possibly empty.
    #[serde(default)]
    pub description: String,
    /// Names people say for it ("visual studio code" for `vscode`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// How commonly wanted it is, 0 to 9; a ranking prior among equally good matches.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub popularity: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl Package {
    /// The name to say aloud: the first alias when it is a proper name, else the pname.
    pub fn display_name(&self) -> &str {
        self.aliases
            .first()
            .filter(|a| a.chars().next().is_some_and(char::is_uppercase))
            .map(String::as_str)
            .unwrap_or(if self.pname.is_empty() {
                &self.attr
            } else {
                &self.pname
            })
    }

    fn is_top_level(&self) -> bool {
        !self.attr.contains('.')
    }
}

/// How a package matched a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MatchKind {
    /// The query is the attribute, pname or an alias (spaces and punctuation aside).
    Exact,
    /// The query starts a name.
    Prefix,
    /// A name contains the query.
    Substring,
    /// A name is within a few edits of the query.
    Typo {
        /// Edits (insertions, deletions, substitutions, transpositions).
        distance: u8,
    },
    /// The query's words appear in the description or the name.
    Words,
}

/// One ranked result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Match {
    /// Position in the index; see [`PackageIndex::package`].
    pub package: usize,
    /// 0 to 1, higher is better.
    pub score: f32,
    /// How it matched.
    pub how: MatchKind,
}

/// A problem with one line of a package list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone)]
struct Key {
    text: Box<str>,
    package: u32,
    sig: u64,
    /// A pname that differs from the attribute: several attributes share one
    /// (`firefox-esr` has pname `firefox`), so it counts a little less than the attribute.
    shared_pname: bool,
}

/// The searchable package index.
#[derive(Debug, Clone, Default)]
pub struct PackageIndex {
    packages: Vec<Package>,
    keys: Vec<Key>,
    /// Lowercased descriptions, aligned with `packages`.
    descriptions: Vec<Box<str>>,
}

/// Lowercase ASCII letters and digits only: "Obs-Studio" and "obs studio" both become "obsstudio".
pub fn key_of(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn signature(key: &str) -> u64 {
    let b = key.as_bytes();
    let mut sig = 0u64;
    for w in b.windows(2) {
        let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1]).wrapping_mul(131)) % 64;
        sig |= 1 << h;
    }
    sig
}

/// Words that say what kind of thing is wanted, not which thing.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "some",
    "any",
    "for",
    "to",
    "of",
    "and",
    "with",
    "me",
    "my",
    "good",
    "nice",
    "new",
    "app",
    "application",
    "program",
    "software",
    "package",
    "tool",
    "something",
    "that",
    "which",
    "can",
    "i",
    "is",
    "on",
    "in",
];

impl PackageIndex {
    /// Build an index from packages. Later duplicates of an attribute are dropped.
    pub fn from_packages(packages: Vec<Package>) -> PackageIndex {
        let mut seen = std::collections::HashSet::with_capacity(packages.len());
        let packages: Vec<Package> = packages
            .into_iter()
            .filter(|p| !p.attr.is_empty() && seen.insert(p.attr.clone()))
            .collect();
        let mut keys = Vec::with_capacity(packages.len() * 2);
        for (i, p) in packages.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let last = p.attr.rsplit('.').next().unwrap_or(&p.attr);
            let mut push = |text: String, shared_pname: bool| {
                if !text.is_empty()
                    && !keys
                        .iter()
                        .rev()
                        .take(4)
                        .any(|k: &Key| k.package == id && *k.text == *text)
                {
                    let sig = signature(&text);
                    keys.push(Key {
                        text: text.into_boxed_str(),
                        package: id,
                        sig,
                        shared_pname,
                    });
                }
            };
            push(key_of(last), false);
            push(key_of(&p.pname), true);
            for a in &p.aliases {
                push(key_of(a), false);
            }
        }
        let descriptions = packages
            .iter()
            .map(|p| p.description.to_lowercase().into_boxed_str())
            .collect();
        PackageIndex {
            packages,
            keys,
            descriptions,
        }
    }

    /// Parse a JSON Lines package list (`{"attr", "pname", "version", "description"}` a line).
    /// Good lines are kept; each bad line is reported, never silently dropped.
    pub fn parse_jsonl(text: &str) -> (PackageIndex, Vec<LineError>) {
        let mut packages = Vec::new();
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match serde_json::from_str::<Package>(line) {
                Ok(p) if p.attr.is_empty() => errors.push(LineError {
                    line: n + 1,
                    message: "the attr field is empty".into(),
                }),
                Ok(p) => packages.push(p),
                Err(e) => errors.push(LineError {
                    line: n + 1,
                    message: e.to_string(),
                }),
            }
        }
        (PackageIndex::from_packages(packages), errors)
    }

    /// Add the aliases, descriptions and popularity of `curated` packages to the same
    /// attributes here, and add curated packages this index lacks only if `add_missing`.
    pub fn merge_curated(self, curated: &[Package], add_missing: bool) -> PackageIndex {
        let mut packages = self.packages;
        let pos: std::collections::HashMap<String, usize> = packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.attr.clone(), i))
            .collect();
        for c in curated {
            match pos.get(&c.attr) {
                Some(&i) => {
                    let p = &mut packages[i];
                    p.aliases.extend(c.aliases.iter().cloned());
                    p.popularity = p.popularity.max(c.popularity);
                    if p.description.is_empty() {
                        p.description.clone_from(&c.description);
                    }
                }
                None if add_missing => packages.push(c.clone()),
                None => {}
            }
        }
        PackageIndex::from_packages(packages)
    }

    /// Number of packages.
    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// True when there are no packages.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The package at `i` (from a [`Match`]).
    pub fn package(&self, i: usize) -> Option<&Package> {
        self.packages.get(i)
    }

    /// All packages, in index order.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// The package with exactly this attribute.
    pub fn get(&self, attr: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.attr == attr)
    }

    /// Match a name someone said against package names only (exact, prefix, typo).
    /// Best first, one entry a package, at most `limit`.
    pub fn lookup_name(&self, name: &str, limit: usize) -> Vec<Match> {
        let q = key_of(name);
        if q.is_empty() {
            return Vec::new();
        }
        let mut best: std::collections::HashMap<u32, Match> = std::collections::HashMap::new();
        let qsig = signature(&q);
        let qbits = qsig.count_ones();
        let max_typo: usize = match q.len() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        for k in &self.keys {
            let text: &str = &k.text;
            let found = if text == q {
                Some((1.0, MatchKind::Exact))
            } else if text.len() > q.len() && q.len() >= 3 && text.starts_with(q.as_str()) {
                let extra = (text.len() - q.len()) as f32;
                Some(((0.8 - 0.03 * extra).max(0.55), MatchKind::Prefix))
            } else if text.len() > q.len() + 1 && q.len() >= 4 && text.contains(q.as_str()) {
                let extra = (text.len() - q.len()) as f32;
                Some(((0.65 - 0.03 * extra).max(0.4), MatchKind::Substring))
            } else if max_typo > 0
                && text.len().abs_diff(q.len()) <= max_typo
                && (qbits - (qsig & k.sig).count_ones()) as usize <= 3 * max_typo
            {
                let d = strsim::osa_distance(text, &q);
                (d <= max_typo).then(|| {
                    let len = q.len().max(text.len()) as f32;
                    let score = 0.92 - 0.12 * d as f32 - 0.6 * (d as f32 / len);
                    (
                        score,
                        MatchKind::Typo {
                            distance: u8::try_from(d).unwrap_or(u8::MAX),
                        },
                    )
                })
            } else {
                None
            };
            if let Some((score, how)) = found {
                let score = score + self.prior(k.package as usize)
                    - if k.shared_pname { 0.05 } else { 0.0 };
                let entry = best.entry(k.package).or_insert(Match {
                    package: k.package as usize,
                    score,
                    how,
                });
                if score > entry.score {
                    *entry = Match {
                        package: k.package as usize,
                        score,
                        how,
                    };
                }
            }
        }
        self.ranked(best.into_values().collect(), limit)
    }

    /// Names close to `name` even when too far for [`PackageIndex::lookup_name`]: for "did you
    /// mean" suggestions, never for acting.
    pub fn nearest(&self, name: &str, limit: usize) -> Vec<Match> {
        let found = self.lookup_name(name, limit);
        if !found.is_empty() {
            return found;
        }
        let q = key_of(name);
        if q.len() < 3 {
            return Vec::new();
        }
        let mut best: std::collections::HashMap<u32, Match> = std::collections::HashMap::new();
        for k in &self.keys {
            let text: &str = &k.text;
            let contained = text.len() >= 4 && q.contains(text);
            if !contained && text.len().abs_diff(q.len()) > 4 {
                continue;
            }
            let score = if contained {
                0.5 + 0.4 * (text.len() as f32 / q.len() as f32)
            } else {
                strsim::jaro_winkler(text, &q) as f32
            };
            if score >= 0.8 || contained {
                let score = score * 0.6 + self.prior(k.package as usize);
                let e = best.entry(k.package).or_insert(Match {
                    package: k.package as usize,
                    score,
                    how: MatchKind::Words,
                });
                if score > e.score {
                    e.score = score;
                }
            }
        }
        self.ranked(best.into_values().collect(), limit)
    }

    /// Full search for `luminous search`: names first, then words in descriptions.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Match> {
        let mut best: std::collections::HashMap<usize, Match> = self
            .lookup_name(query, limit.max(20) * 4)
            .into_iter()
            .map(|m| (m.package, m))
            .collect();
        for m in self.search_words(query, limit.max(20) * 4) {
            let entry = best.entry(m.package).or_insert(m);
            if m.score > entry.score {
                *entry = m;
            }
        }
        self.ranked(best.into_values().collect(), limit)
    }

    /// Packages whose description or name holds the query's content words ("video player").
    pub fn search_words(&self, query: &str, limit: usize) -> Vec<Match> {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
            .map(|w| stem(&w).to_owned())
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for (i, desc) in self.descriptions.iter().enumerate() {
            let p = &self.packages[i];
            let mut hits = 0usize;
            for w in &words {
                if contains_word(desc, w)
                    || contains_word(&p.pname.to_ascii_lowercase(), w)
                    || p.aliases
                        .iter()
                        .any(|a| contains_word(&a.to_lowercase(), w))
                {
                    hits += 1;
                }
            }
            let needed = if words.len() <= 2 {
                words.len()
            } else {
                words.len() * 2 / 3
            };
            if hits >= needed && hits > 0 {
                let frac = hits as f32 / words.len() as f32;
                let score = 0.35 + 0.25 * frac + self.prior(i);
                found.push(Match {
                    package: i,
                    score,
                    how: MatchKind::Words,
                });
            }
        }
        self.ranked(found, limit)
    }

    /// A small ranking prior: commonly wanted, top-level packages first.
    fn prior(&self, i: usize) -> f32 {
        let p = &self.packages[i];
        let mut prior = f32::from(p.popularity.min(9)) * 0.012;
        if !p.is_top_level() {
            prior -= 0.15;
        }
        prior
    }

    fn ranked(&self, mut v: Vec<Match>, limit: usize) -> Vec<Match> {
        v.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    self.packages[a.package]
                        .attr
                        .len()
                        .cmp(&self.packages[b.package].attr.len())
                })
                .then_with(|| {
                    self.packages[a.package]
                        .attr
                        .cmp(&self.packages[b.package].attr)
                })
        });
        v.truncate(limit);
        v
    }

    /// A compact, fast-to-load text form for caching (one package a line, tab-separated).
    pub fn to_cache(&self) -> String {
        let mut out = String::with_capacity(self.packages.len() * 64);
        out.push_str(CACHE_HEADER);
        out.push('\n');
        for p in &self.packages {
            for (i, field) in [&p.attr, &p.pname, &p.version, &p.description]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    out.push('\t');
                }
                out.extend(field.chars().map(|c| {
                    if c == '\t' || c == '\n' || c == '\r' {
                        ' '
                    } else {
                        c
                    }
                }));
            }
            out.push('\t');
            out.push_str(&p.aliases.join("|").replace(['\t', '\n', '\r'], " "));
            out.push('\t');
            out.push_str(&p.popularity.to_string());
            out.push('\n');
        }
        out
    }

    /// Read the form written by [`PackageIndex::to_cache`]; `None` when it is not one.
    pub fn from_cache(text: &str) -> Option<PackageIndex> {
        let mut lines = text.split('\n');
        if lines.next()? != CACHE_HEADER {
            return None;
        }
        let mut packages = Vec::with_capacity(text.len() / 48);
        for line in lines.filter(|l| !l.is_empty()) {
            let mut f = line.split('\t');
            let (attr, pname, version, description, aliases, pop) = (
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
                f.next()?,
            );
            packages.push(Package {
                attr: attr.to_owned(),
                pname: pname.to_owned(),
                version: version.to_owned(),
                description: description.to_owned(),
                aliases: if aliases.is_empty() {
                    Vec::new()
                } else {
                    aliases.split('|').map(str::to_owned).collect()
                },
                popularity: pop.parse().ok()?,
            });
        }
        Some(PackageIndex::from_packages(packages))
    }
}

const CACHE_HEADER: &str = "luminous-package-index v1";

fn stem(w: &str) -> &str {
    if w.len() > 4 {
        if let Some(s) = w.strip_suffix("ers") {
            return &w[..s.len() + 2];
        }
        if let Some(s) = w.strip_suffix('s') {
            return s;
        }
    }
    w
}

/// True when `hay` has a word starting with `word` (so "player" finds "players").
fn contains_word(hay: &str, word: &str) -> bool {
    let mut start = 0;
    while let Some(pos) = hay[start..].find(word) {
        let at = start + pos;
        let before_ok = at == 0 || !hay.as_bytes()[at - 1].is_ascii_alphanumeric();
        if before_ok {
            return true;
        }
        start = at + word.len();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(attr: &str, desc: &str, aliases: &[&str], popularity: u8) -> Package {
        Package {
            attr: attr.into(),
            pname: attr.rsplit('.').next().unwrap_or(attr).into(),
            version: String::new(),
            description: desc.into(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            popularity,
        }
    }

    fn index() -> PackageIndex {
        PackageIndex::from_packages(vec![
            pkg(
                "firefox",
                "Web browser built from Firefox source tree",
                &["Firefox", "fire fox"],
                9,
            ),
            pkg(
                "firefox-esr",
                "Web browser, extended support release",
                &["Firefox ESR"],
                5,
            ),
            pkg("thunderbird", "Email client", &["Thunderbird"], 8),
            pkg(
                "vlc",
                "Cross-platform media player and streaming server",
                &["VLC"],
                9,
            ),
            pkg(
                "mpv",
                "General-purpose media player, fork of MPlayer",
                &[],
                7,
            ),
            pkg(
                "vscode",
                "Code editor",
                &["Visual Studio Code", "VS Code"],
                9,
            ),
            pkg(
                "nextcloud-client",
                "Desktop sync client for Nextcloud",
                &[],
                4,
            ),
            pkg("python313Packages.firefox-helper", "", &[], 0),
        ])
    }

    fn check(query: &str, expect: &str) {
        let idx = index();
        let got: Vec<String> = idx
            .search(query, 3)
            .iter()
            .map(|m| {
                format!(
                    "{}:{:?}",
                    idx.package(m.package).map_or("?", |p| &p.attr),
                    m.how
                )
            })
            .collect();
        assert_eq!(got.join(" "), expect, "query {query:?}");
    }

    #[test]
    fn search_table() {
        check(
            "firefox",
            "firefox:Exact firefox-esr:Prefix python313Packages.firefox-helper:Prefix",
        );
        check("thunderbrid", "thunderbird:Typo { distance: 1 }");
        check("fierfox", "firefox:Typo { distance: 1 }");
        check("visual studio code", "vscode:Exact");
        check("next cloud", "nextcloud-client:Prefix");
        check("media player", "vlc:Words mpv:Words");
        check("", "");
    }

    #[test]
    fn cache_round_trip() {
        let idx = index();
        let back = PackageIndex::from_cache(&idx.to_cache()).expect("cache parses");
        assert_eq!(back.packages(), idx.packages());
        assert!(PackageIndex::from_cache("garbage").is_none());
    }

    #[test]
    fn bad_jsonl_lines_are_reported() {
        let (idx, errors) = PackageIndex::parse_jsonl(
            "{\"attr\":\"vlc\",\"pname\":\"vlc\",\"version\":\"3\",\"description\":\"\"}\nnot json\n{\"attr\":\"\"}\n",
        );
        assert_eq!(idx.len(), 1);
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }
}
