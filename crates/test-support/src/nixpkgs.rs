//! A nixpkgs-shaped package set at full size, generated (no copy of nixpkgs is needed):
//! 130,000 and more trivial derivations, a top level of about 22,000 and nested package
//! sets marked `recurseForDerivations` as nixpkgs has (`python313Packages`,
//! `haskellPackages`, `rPackages`, ...), a set without the mark that `nix-env -qa` must not
//! list, non-derivation attributes (`lib`, functions), a `flake.nix`, and the real names
//! tests ask for. Every package builds in a moment with /bin/sh into `$out/bin/<program>`,
//! which prints "hello from <name>" (and appends its name to the file `$TRY_MARK` names, so
//! a test can see a program it cannot watch ran); a package marked as having a window also
//! gets a desktop entry.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A package the tests name.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The attribute path (`python313Packages.numpy`).
    pub attr: &'static str,
    /// Its description.
    pub description: &'static str,
    /// `meta.mainProgram`, when it differs from the name.
    pub main_program: Option<&'static str>,
    /// True for a program with a window (it gets a desktop entry).
    pub window: bool,
}

const fn k(attr: &'static str, description: &'static str) -> Known {
    Known {
        attr,
        description,
        main_program: None,
        window: false,
    }
}

/// The real names the full-size tests use, placed among the generated ones.
pub const KNOWN: &[Known] = &[
    k("firefox", "A web browser built from Firefox source tree"),
    k("htop", "Interactive process viewer"),
    k(
        "cowsay",
        "A program which generates ASCII pictures of a cow with a message",
    ),
    k("vlc", "Cross-platform media player and streaming server"),
    k("thunderbird", "A full-featured e-mail client"),
    k("gimp", "The GNU Image Manipulation Program"),
    k("git", "Distributed version control system"),
    Known {
        main_program: Some("nvim"),
        ..k(
            "neovim",
            "Vim text editor fork focused on extensibility and agility",
        )
    },
    Known {
        main_program: Some("rg"),
        ..k(
            "ripgrep",
            "A utility that combines the usability of The Silver Searcher with the raw speed of grep",
        )
    },
    Known {
        window: true,
        ..k("frobview", "A picture viewer with a window")
    },
    k("python313Packages.numpy", "Scientific tools for Python"),
    k("python313Packages.requests", "HTTP library for Python"),
    k(
        "haskellPackages.pandoc",
        "Conversion between markup formats",
    ),
];

/// Package sets nested in the top level, with how many packages each holds.
const SETS: &[(&str, usize)] = &[
    ("python313Packages", 10_500),
    ("python312Packages", 9_800),
    ("haskellPackages", 18_000),
    ("rPackages", 24_000),
    ("perlPackages", 4_000),
    ("nodePackages", 3_000),
    ("emacsPackages", 6_500),
    ("vimPlugins", 3_200),
    ("texlivePackages", 15_500),
    ("ocamlPackages", 2_100),
    ("luaPackages", 1_300),
    ("rubyPackages", 900),
    ("coqPackages", 700),
    ("lispPackages", 9_000),
];

/// Top-level packages besides the sets.
const TOP_LEVEL: usize = 22_400;

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The folder (`default.nix`, `flake.nix`).
    pub dir: PathBuf,
    /// How many packages `nix-env -qa` lists.
    pub packages: usize,
}

/// Write the package set into `dir` (created).
pub fn write(dir: &Path) -> Written {
    std::fs::create_dir_all(dir).expect("package set folder");
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    const SYLLABLES: &[&str] = &[
        "ba", "ko", "ri", "tex", "lum", "sor", "pal", "vin", "dra", "qu", "zel", "mon", "fi",
        "gra", "tor", "wen", "shi", "ul", "pex", "nor", "ca", "les", "mi", "dux", "ya", "pho",
        "ter", "gan", "olo", "sib",
    ];
    let name = |next: &mut dyn FnMut() -> u64| {
        let parts = 2 + (next() % 3) as usize;
        let mut n: String = (0..parts)
            .map(|_| SYLLABLES[(next() % SYLLABLES.len() as u64) as usize])
            .collect();
        if next().is_multiple_of(4) {
            let _ = write!(
                n,
                "-{}",
                ["utils", "cli", "gtk", "qt", "lib", "tools"][(next() % 6) as usize]
            );
        }
        n
    };
    let mut s = String::with_capacity(8 << 20);
    s.push_str(
        "# A nixpkgs-shaped package set, generated for Luminous's tests.\n\
         { ... }:\n\
         let\n\
         \x20 mk = { pname, version, description, program ? pname, window ? false }:\n\
         \x20   derivation {\n\
         \x20     name = \"${pname}-${version}\";\n\
         \x20     inherit pname version;\n\
         \x20     system = builtins.currentSystem;\n\
         \x20     builder = \"/bin/sh\";\n\
         \x20     PATH = \"/bin:/usr/bin\";\n\
         \x20     args = [ \"-c\" (''\n\
         \x20       mkdir -p $out/bin\n\
         \x20       printf '#!/bin/sh\\necho hello from ${pname}\\nif [ -n \"$TRY_MARK\" ]; then echo ${pname} >> \"$TRY_MARK\"; fi\\n' > $out/bin/${program}\n\
         \x20       chmod +x $out/bin/${program}\n\
         \x20     '' + (if window then ''\n\
         \x20       mkdir -p $out/share/applications\n\
         \x20       printf '[Desktop Entry]\\nType=Application\\nExec=${program}\\n' > $out/share/applications/${pname}.desktop\n\
         \x20     '' else \"\")) ];\n\
         \x20   } // { meta = { inherit description; mainProgram = program; }; };\n\
         \x20 p = pname: version: description: mk { inherit pname version description; };\n\
         in\n\
         {\n\
         \x20 lib = { version = \"25.11\"; trivial = { id = x: x; }; };\n\
         \x20 callPackage = f: args: f args;\n\
         \x20 config = { allowUnfree = false; };\n\
         \x20 # A set nix-env does not descend into: no recurseForDerivations.\n\
         \x20 pkgsCross = { aarch64-multiplatform = { hello = p \"hello\" \"2.12\" \"cross\"; }; };\n",
    );
    fn known(set: Option<&str>) -> impl Iterator<Item = &'static Known> + '_ {
        KNOWN
            .iter()
            .filter(move |kn| match (set, kn.attr.split_once('.')) {
                (None, None) => true,
                (Some(s), Some((head, _))) => head == s,
                _ => false,
            })
    }
    let entry = |s: &mut String,
                 indent: &str,
                 attr: &str,
                 kn: Option<&Known>,
                 version: &str,
                 desc: &str| {
        let pname = attr.rsplit('.').next().unwrap_or(attr);
        match kn {
            Some(kn) if kn.main_program.is_some() || kn.window => {
                let _ = writeln!(
                    s,
                    "{indent}{pname} = mk {{ pname = \"{pname}\"; version = \"{version}\"; description = \"{desc}\";{}{} }};",
                    kn.main_program
                        .map(|m| format!(" program = \"{m}\";"))
                        .unwrap_or_default(),
                    if kn.window { " window = true;" } else { "" }
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "{indent}\"{pname}\" = p \"{pname}\" \"{version}\" \"{desc}\";"
                );
            }
        }
    };
    let mut total = 0;
    let mut taken = std::collections::HashSet::new();
    for kn in known(None) {
        entry(&mut s, "  ", kn.attr, Some(kn), "1.0", kn.description);
        taken.insert(kn.attr.to_owned());
        total += 1;
    }
    while total < TOP_LEVEL {
        let n = name(&mut next);
        if !taken.insert(n.clone()) {
            continue;
        }
        let version = format!("{}.{}", next() % 9, next() % 20);
        let desc = format!(
            "A {} for {n}",
            ["tool", "library", "viewer", "daemon", "game"][(next() % 5) as usize]
        );
        entry(&mut s, "  ", &n, None, &version, &desc);
        total += 1;
    }
    for (set, count) in SETS {
        let _ = writeln!(s, "  {set} = {{\n    recurseForDerivations = true;");
        let mut in_set = std::collections::HashSet::new();
        for kn in known(Some(set)) {
            entry(&mut s, "    ", kn.attr, Some(kn), "2.1", kn.description);
            in_set.insert(kn.attr.rsplit('.').next().unwrap_or(kn.attr).to_owned());
        }
        while in_set.len() < *count {
            let n = name(&mut next);
            if in_set.insert(n.clone()) {
                entry(&mut s, "    ", &n, None, "2.0", "");
            }
        }
        total += in_set.len();
        s.push_str("  };\n");
    }
    s.push_str("}\n");
    std::fs::write(dir.join("default.nix"), s).expect("default.nix");
    std::fs::write(
        dir.join("flake.nix"),
        "{\n  description = \"A nixpkgs-shaped package set, generated for Luminous's tests\";\n  outputs = { self }: { legacyPackages.x86_64-linux = import ./. { }; };\n}\n",
    )
    .expect("flake.nix");
    Written {
        dir: dir.to_path_buf(),
        packages: total,
    }
}
