//! The package index: packages as data, and fuzzy lookup over them.
//!
//! Built for 100,000+ names and for fast start-up. All package text lives in one string (the
//! cache format itself, so loading a cached index is one scan for tabs and newlines); keys
//! live in a second one. Every lookup is a linear scan over compact keys with a 64-bit
//! bigram signature as a cheap filter before any string comparison or edit distance.
//! No I/O here: callers hand in the text of a JSON Lines file or a cache.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::python;

/// One package, as the index is built from it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
    /// The program it runs (`meta.mainProgram`: `nvim` for neovim), empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub main_program: String,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// A package in the index, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageRef<'a> {
    /// The nixpkgs attribute path.
    pub attr: &'a str,
    /// The package name.
    pub pname: &'a str,
    /// The version, possibly empty.
    pub version: &'a str,
    /// The description, possibly empty.
    pub description: &'a str,
    aliases: &'a str,
    /// The program it runs (`meta.mainProgram`), possibly empty.
    pub main_program: &'a str,
    /// 0 to 9.
    pub popularity: u8,
}

impl<'a> PackageRef<'a> {
    /// Names people say for it.
    pub fn aliases(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.aliases.split('|').filter(|a| !a.is_empty())
    }

    /// The name to say aloud: the first alias when it is a proper name, else the pname.
    pub fn display_name(&self) -> &'a str {
        match self.aliases().next() {
            Some(a) if a.chars().next().is_some_and(char::is_uppercase) => a,
            _ if self.pname.is_empty() => self.attr,
            _ => self.pname,
        }
    }

    /// An owned copy.
    pub fn to_package(&self) -> Package {
        Package {
            attr: self.attr.to_owned(),
            pname: self.pname.to_owned(),
            version: self.version.to_owned(),
            description: self.description.to_owned(),
            aliases: self.aliases().map(str::to_owned).collect(),
            popularity: self.popularity,
            main_program: self.main_program.to_owned(),
        }
    }

    /// The program to run to try it: `meta.mainProgram`, else its pname, else the last part
    /// of its attribute (as nixpkgs' `lib.getExe` does).
    pub fn program(&self) -> &'a str {
        if !self.main_program.is_empty() {
            self.main_program
        } else if !self.pname.is_empty() {
            self.pname
        } else {
            self.attr.rsplit('.').next().unwrap_or(self.attr)
        }
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

/// Field ends of one package in `text`: attr, pname, version, description, aliases, main
/// program.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    ends: [u32; FIELDS],
    popularity: u8,
}

#[derive(Debug, Clone, Copy)]
struct Key {
    start: u32,
    len: u16,
    /// A pname that differs from the attribute: several attributes share one
    /// (`firefox-esr` has pname `firefox`), so it counts a little less than the attribute.
    shared_pname: bool,
    package: u32,
    sig: u64,
}

/// The searchable package index.
#[derive(Debug, Default)]
pub struct PackageIndex {
    /// One line a package: attr, pname, version, description, aliases joined by `|`, main
    /// program, popularity; tab-separated. The same as the cache format after its header.
    text: String,
    entries: Vec<Entry>,
    key_text: String,
    keys: Vec<Key>,
    by_attr: OnceLock<HashMap<u64, u32>>,
    /// Lookups by attribute so far: a one-off lookup scans; many build the map.
    gets: std::sync::atomic::AtomicUsize,
}

impl Clone for PackageIndex {
    fn clone(&self) -> Self {
        PackageIndex {
            text: self.text.clone(),
            entries: self.entries.clone(),
            key_text: self.key_text.clone(),
            keys: self.keys.clone(),
            by_attr: OnceLock::new(),
            gets: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

/// Lowercase ASCII letters and digits only: "Obs-Studio" and "obs studio" both become "obsstudio".
pub fn key_of(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn signature(key: &[u8]) -> u64 {
    let mut sig = 0u64;
    for w in key.windows(2) {
        let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1]).wrapping_mul(131)) % 64;
        sig |= 1 << h;
    }
    sig
}

fn hash(s: &str) -> u64 {
    // FNV-1a: deterministic and fast for short strings.
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
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

const CACHE_HEADER: &str = "luminous-package-index v3";

/// Text fields of a package line before its popularity.
const FIELDS: usize = 6;

fn clean(field: &str, out: &mut String, extra: char) {
    out.extend(field.chars().map(|c| {
        if c == '\t' || c == '\n' || c == '\r' || c == extra {
            ' '
        } else {
            c
        }
    }));
}

/// Builds an index one package at a time, so that a caller streaming a listing of all of
/// nixpkgs never holds more than the index text itself. Curated packages given to
/// [`IndexBuilder::with_curated`] lend their aliases, description, popularity and main
/// program to the same attribute as it goes by.
#[derive(Debug, Default)]
pub struct IndexBuilder<'c> {
    text: String,
    seen: std::collections::HashSet<String>,
    curated: HashMap<&'c str, &'c Package>,
}

impl<'c> IndexBuilder<'c> {
    /// An empty builder.
    pub fn new() -> IndexBuilder<'c> {
        IndexBuilder::default()
    }

    /// A builder that merges these curated packages into the same attributes.
    pub fn with_curated(curated: &'c [Package]) -> IndexBuilder<'c> {
        IndexBuilder {
            curated: curated.iter().map(|p| (p.attr.as_str(), p)).collect(),
            ..IndexBuilder::default()
        }
    }

    /// Packages so far.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True before the first package.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Add one package; a later package with an attribute already added is dropped.
    pub fn push(&mut self, mut p: Package) {
        if p.attr.is_empty() || self.seen.contains(&p.attr) {
            return;
        }
        if let Some(c) = self.curated.get(p.attr.as_str()) {
            p.aliases.extend(c.aliases.iter().cloned());
            p.popularity = p.popularity.max(c.popularity);
            if p.main_program.is_empty() {
                p.main_program.clone_from(&c.main_program);
            }
            if p.description.is_empty() {
                p.description.clone_from(&c.description);
            }
        }
        let text = &mut self.text;
        clean(&p.attr, text, '\0');
        for f in [&p.pname, &p.version, &p.description] {
            text.push('\t');
            clean(f, text, '\0');
        }
        text.push('\t');
        for (i, a) in p.aliases.iter().enumerate() {
            if i > 0 {
                text.push('|');
            }
            clean(a, text, '|');
        }
        text.push('\t');
        clean(&p.main_program, text, '\0');
        text.push('\t');
        text.push_str(&p.popularity.to_string());
        text.push('\n');
        self.seen.insert(p.attr);
    }

    /// The index.
    pub fn finish(self) -> PackageIndex {
        PackageIndex::from_text(self.text).unwrap_or_default()
    }
}

impl PackageIndex {
    /// Build an index from packages. Later duplicates of an attribute are dropped.
    pub fn from_packages(packages: Vec<Package>) -> PackageIndex {
        let mut b = IndexBuilder::new();
        for p in packages {
            b.push(p);
        }
        b.finish()
    }

    /// Index the package lines of `text` (see the `text` field). `None` when malformed.
    fn from_text(text: String) -> Option<PackageIndex> {
        let mut entries = Vec::with_capacity(text.len() / 40);
        let bytes = text.as_bytes();
        let mut start = 0usize;
        let mut ends = [0u32; FIELDS];
        let mut field = 0usize;
        // One SIMD pass over all separators: tabs end fields, newlines end packages.
        for pos in memchr::memchr2_iter(b'\t', b'\n', bytes) {
            if bytes[pos] == b'\t' {
                if field >= FIELDS {
                    return None;
                }
                ends[field] = u32::try_from(pos).ok()?;
                field += 1;
                continue;
            }
            if field != FIELDS {
                return None;
            }
            let pop = std::str::from_utf8(&bytes[ends[FIELDS - 1] as usize + 1..pos])
                .ok()?
                .parse()
                .ok()?;
            entries.push(Entry {
                start: u32::try_from(start).ok()?,
                ends,
                popularity: pop,
            });
            start = pos + 1;
            field = 0;
        }
        if start != bytes.len() {
            return None;
        }
        let mut idx = PackageIndex {
            text,
            entries,
            ..PackageIndex::default()
        };
        idx.build_keys();
        Some(idx)
    }

    fn build_keys(&mut self) {
        // Keys are ASCII letters and digits only, so bytes suffice (no UTF-8 decoding).
        let mut key_text: Vec<u8> = Vec::with_capacity(self.entries.len() * 20);
        let mut keys = Vec::with_capacity(self.entries.len() * 2);
        for i in 0..self.entries.len() {
            let p = self.at(i);
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let first = keys.len();
            let last = p.attr.rsplit('.').next().unwrap_or(p.attr);
            let names = std::iter::once((last, false))
                .chain(std::iter::once((p.pname, true)))
                .chain(p.aliases().map(|a| (a, false)));
            for (name, shared_pname) in names {
                let start = key_text.len();
                key_text.extend(
                    name.bytes()
                        .filter(u8::is_ascii_alphanumeric)
                        .map(|b| b.to_ascii_lowercase()),
                );
                let len = key_text.len() - start;
                let new = &key_text[start..];
                let dup = keys[first..].iter().any(|k: &Key| {
                    &key_text[k.start as usize..k.start as usize + k.len as usize] == new
                });
                if len == 0 || len > usize::from(u16::MAX) || dup {
                    key_text.truncate(start);
                    continue;
                }
                let sig = signature(new);
                keys.push(Key {
                    start: u32::try_from(start).unwrap_or(u32::MAX),
                    len: len as u16,
                    shared_pname,
                    package: id,
                    sig,
                });
            }
        }
        // Only ASCII bytes were pushed, so this cannot fail; an empty key set is the fallback.
        self.key_text = String::from_utf8(key_text).unwrap_or_default();
        self.keys = keys;
    }

    fn at(&self, i: usize) -> PackageRef<'_> {
        let e = &self.entries[i];
        let f = |n: usize| {
            let s = if n == 0 {
                e.start as usize
            } else {
                e.ends[n - 1] as usize + 1
            };
            &self.text[s..e.ends[n] as usize]
        };
        PackageRef {
            attr: f(0),
            pname: f(1),
            version: f(2),
            description: f(3),
            aliases: f(4),
            main_program: f(5),
            popularity: e.popularity,
        }
    }

    fn key(&self, k: &Key) -> &str {
        &self.key_text[k.start as usize..k.start as usize + k.len as usize]
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
        let mut b = IndexBuilder::with_curated(curated);
        for p in self.iter() {
            b.push(p.to_package());
        }
        if add_missing {
            for c in curated {
                b.push(c.clone());
            }
        }
        b.finish()
    }

    /// Number of packages.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no packages.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The package at `i` (from a [`Match`]).
    pub fn package(&self, i: usize) -> Option<PackageRef<'_>> {
        (i < self.entries.len()).then(|| self.at(i))
    }

    /// All packages, in index order.
    pub fn iter(&self) -> impl Iterator<Item = PackageRef<'_>> {
        (0..self.entries.len()).map(|i| self.at(i))
    }

    /// Owned copies of all packages.
    pub fn to_packages(&self) -> Vec<Package> {
        self.iter().map(|p| p.to_package()).collect()
    }

    /// The package with exactly this attribute.
    pub fn get(&self, attr: &str) -> Option<PackageRef<'_>> {
        // A map of 100,000 attributes costs more than a few scans: a process answering one
        // request looks up a handful of names.
        const SCANS: usize = 16;
        if self.by_attr.get().is_none()
            && self.gets.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < SCANS
        {
            return self.iter().find(|p| p.attr == attr);
        }
        let map = self.by_attr.get_or_init(|| {
            let mut m = HashMap::with_capacity(self.entries.len());
            for i in 0..self.entries.len() {
                m.entry(hash(self.at(i).attr))
                    .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
            }
            m
        });
        match map.get(&hash(attr)).map(|&i| self.at(i as usize)) {
            Some(p) if p.attr == attr => Some(p),
            // A hash collision (or nothing): look the slow way.
            _ => self.iter().find(|p| p.attr == attr),
        }
    }

    /// Match a name someone said against package names only (exact, prefix, typo).
    /// Best first, one entry a package, at most `limit`.
    pub fn lookup_name(&self, name: &str, limit: usize) -> Vec<Match> {
        let q = key_of(name);
        if q.is_empty() {
            return Vec::new();
        }
        let mut best: HashMap<u32, Match> = HashMap::new();
        let qsig = signature(q.as_bytes());
        let qbits = qsig.count_ones();
        let max_typo: usize = match q.len() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        for k in &self.keys {
            let klen = usize::from(k.len);
            // Every bigram of the query is in an exact, prefix or substring match.
            let has_all = k.sig & qsig == qsig;
            let typo_possible = max_typo > 0
                && klen.abs_diff(q.len()) <= max_typo
                && (qbits - (qsig & k.sig).count_ones()) as usize <= 3 * max_typo;
            if !has_all && !typo_possible {
                continue;
            }
            let text = self.key(k);
            let found = if has_all && text == q {
                Some((1.0, MatchKind::Exact))
            } else if has_all && klen > q.len() && q.len() >= 3 && text.starts_with(q.as_str()) {
                let extra = (klen - q.len()) as f32;
                Some(((0.8 - 0.03 * extra).max(0.55), MatchKind::Prefix))
            } else if has_all && klen > q.len() + 1 && q.len() >= 4 && text.contains(q.as_str()) {
                let extra = (klen - q.len()) as f32;
                Some(((0.65 - 0.03 * extra).max(0.4), MatchKind::Substring))
            } else if typo_possible {
                let d = strsim::osa_distance(text, &q);
                (d <= max_typo).then(|| {
                    let len = q.len().max(klen) as f32;
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
                let m = Match {
                    package: k.package as usize,
                    score,
                    how,
                };
                let entry = best.entry(k.package).or_insert(m);
                if score > entry.score {
                    *entry = m;
                }
            }
        }
        self.ranked(best.into_values().collect(), limit)
    }

    /// Packages with a name that is exactly `name` (spaces, punctuation and case aside), best
    /// first. Much cheaper than [`PackageIndex::lookup_name`]: one length and signature
    /// comparison per key.
    pub fn lookup_exact(&self, name: &str, limit: usize) -> Vec<Match> {
        // A whole attribute path ("python313Packages.numpy", however it was capitalised) is
        // that package: one pass over the attributes, only for names with a dot.
        if name.contains('.')
            && let Some(i) =
                (0..self.entries.len()).find(|&i| self.at(i).attr.eq_ignore_ascii_case(name))
        {
            return vec![Match {
                package: i,
                score: 1.0 + self.prior(i),
                how: MatchKind::Exact,
            }];
        }
        let q = key_of(name);
        let qsig = signature(q.as_bytes());
        let mut found: Vec<Match> = Vec::new();
        for k in &self.keys {
            if usize::from(k.len) == q.len() && k.sig == qsig && self.key(k) == q {
                let score =
                    1.0 + self.prior(k.package as usize) - if k.shared_pname { 0.05 } else { 0.0 };
                match found.iter_mut().find(|m| m.package == k.package as usize) {
                    Some(m) => m.score = m.score.max(score),
                    None => found.push(Match {
                        package: k.package as usize,
                        score,
                        how: MatchKind::Exact,
                    }),
                }
            }
        }
        self.ranked(found, limit)
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
        let mut best: HashMap<u32, Match> = HashMap::new();
        for k in &self.keys {
            let text = self.key(k);
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
        let mut best: HashMap<usize, Match> = self
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
        let needed = if words.len() <= 2 {
            words.len()
        } else {
            words.len() * 2 / 3
        };
        let mut found = Vec::new();
        for i in 0..self.entries.len() {
            let p = self.at(i);
            let mut hits = 0usize;
            // A word found only through a synonym counts for the match but weighs half.
            let mut weight = 0.0f32;
            for (n, w) in words.iter().enumerate() {
                // Give up on a package as soon as it can no longer reach `needed`.
                if hits + (words.len() - n) < needed {
                    break;
                }
                let found_as = |f: &str| {
                    contains_word(p.description, f)
                        || contains_word(p.pname, f)
                        || contains_word(p.aliases, f)
                };
                if found_as(w) {
                    hits += 1;
                    weight += 1.0;
                } else if synonyms(w).iter().any(|f| found_as(f)) {
                    hits += 1;
                    weight += 0.5;
                }
            }
            if hits >= needed {
                let frac = weight / words.len() as f32;
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
        let p = self.at(i);
        let mut prior = f32::from(p.popularity.min(9)) * 0.012;
        if !p.is_top_level() {
            prior -= 0.15;
        }
        prior
    }

    fn ranked(&self, mut v: Vec<Match>, limit: usize) -> Vec<Match> {
        v.sort_by(|a, b| {
            let (pa, pb) = (self.at(a.package), self.at(b.package));
            b.score
                .total_cmp(&a.score)
                .then_with(|| pa.attr.len().cmp(&pb.attr.len()))
                .then_with(|| pa.attr.cmp(pb.attr))
        });
        // The same Python library in several interpreters' sets is one library: the newest
        // set's stands for it.
        let mut newest: HashMap<&str, u32> = HashMap::new();
        for m in &v {
            if let Some(l) = python::library(self.at(m.package).attr) {
                let e = newest.entry(l.name).or_insert(0);
                *e = (*e).max(python::version(l.interpreter));
            }
        }
        if !newest.is_empty() {
            v.retain(|m| {
                python::library(self.at(m.package).attr)
                    .is_none_or(|l| newest.get(l.name) == Some(&python::version(l.interpreter)))
            });
        }
        v.truncate(limit);
        v
    }

    /// A compact, fast-to-load text form for caching.
    pub fn to_cache(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + CACHE_HEADER.len() + 1);
        out.push_str(CACHE_HEADER);
        out.push('\n');
        out.push_str(&self.text);
        out
    }

    /// Read the form written by [`PackageIndex::to_cache`]; `None` when it is not one.
    pub fn from_cache(text: &str) -> Option<PackageIndex> {
        Self::from_cache_owned(text.to_owned())
    }

    /// [`PackageIndex::from_cache`] without copying the text (it becomes the index's own).
    pub fn from_cache_owned(mut text: String) -> Option<PackageIndex> {
        if !text.starts_with(CACHE_HEADER)
            || text.as_bytes().get(CACHE_HEADER.len()) != Some(&b'\n')
        {
            return None;
        }
        text.drain(..=CACHE_HEADER.len());
        Self::from_text(text)
    }
}

/// Words people use for the same kind of program ("pdf reader" finds a "PDF viewer").
fn synonyms(word: &str) -> &'static [&'static str] {
    match word {
        "reader" => &["viewer"],
        "viewer" => &["reader"],
        "music" | "song" => &["audio"],
        "movie" | "film" => &["video"],
        "mail" => &["email"],
        "email" => &["mail"],
        "photo" => &["image", "picture"],
        "picture" => &["image", "photo"],
        "image" => &["photo", "picture"],
        "chat" => &["messenger", "messaging"],
        "messenger" => &["chat"],
        "note" => &["notes", "notebook"],
        "internet" => &["web"],
        "drawing" | "paint" => &["painting", "drawing"],
        _ => &[],
    }
}

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

/// True when `hay` has a word starting with `word` (lowercase ASCII), ignoring ASCII case,
/// so "player" finds "Players".
fn contains_word(hay: &str, word: &str) -> bool {
    let (h, w) = (hay.as_bytes(), word.as_bytes());
    let Some(&first) = w.first() else {
        return false;
    };
    if h.len() < w.len() {
        return false;
    }
    // Candidates are found by SIMD search for the first letter in either case.
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &h[..=h.len() - w.len()],
    )
    .any(|i| {
        (i == 0 || !h[i - 1].is_ascii_alphanumeric()) && h[i..i + w.len()].eq_ignore_ascii_case(w)
    })
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
            main_program: String::new(),
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
                    idx.package(m.package).map_or("?", |p| p.attr),
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
        assert_eq!(back.to_packages(), idx.to_packages());
        assert_eq!(
            back.get("vscode").map(|p| p.display_name()),
            Some("Visual Studio Code")
        );
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
