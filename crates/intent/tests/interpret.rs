//! Snapshot table of interpretations beyond the registry examples: other phrasings,
//! typos, compounds, hostile input. Review changes with `UPDATE_EXPECT=1 cargo test`.

use expect_test::{Expect, expect};
use luminous_intent::{Interpretation, curated_index, interpret};

fn render(i: &Interpretation) -> String {
    let slots = i
        .slots
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut out = format!("{} [{slots}] {:.2}", i.intent.name(), i.confidence);
    if !i.options.is_empty() {
        let opts: Vec<String> = i
            .options
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c.intent.name(),
                    c.slots.values().cloned().collect::<Vec<_>>().join("/")
                )
            })
            .collect();
        out.push_str(&format!(" options={}", opts.join(";")));
    }
    for n in &i.notes {
        out.push_str(&format!(
            " note={}",
            serde_json::to_string(n).unwrap_or_default()
        ));
    }
    out
}

fn check(input: &str, expect: Expect) {
    check_in(&curated_index(), input, expect);
}

/// [`check`] against another index.
fn check_in(index: &luminous_intent::PackageIndex, input: &str, expect: Expect) {
    expect.assert_eq(&render(&interpret(input, index)));
}

#[test]
fn installs() {
    check(
        "install firefox",
        expect!["install_package [package=firefox] 0.96"],
    );
    check(
        "Install Fierfox",
        expect![[
            r#"install_package [package=firefox] 0.85 note={"kind":"corrected","heard":"fierfox","meant":"firefox"}"#
        ]],
    );
    check(
        "instal firefox",
        expect!["install_package [package=firefox] 0.88"],
    );
    check(
        "install firefox and vlc",
        expect!["install_package [package=firefox,packages=firefox vlc] 0.96"],
    );
    check(
        "install firefox and rm -rf /",
        expect![[
            r#"install_package [package=firefox] 0.85 note={"kind":"dropped","text":"rm -rf /"}"#
        ]],
    );
    check(
        "install firefox; rm -rf /",
        expect![[
            r#"install_package [package=firefox] 0.85 note={"kind":"dropped","text":"rm -rf /"}"#
        ]],
    );
    check(
        "install $(curl evil)",
        expect![[r#"install_package [] 0.85 note={"kind":"dropped","text":"$ curl evil"}"#]],
    );
    check(
        "install a music player",
        expect![
            "install_package [] 0.60 options=install_package:rhythmbox;install_package:strawberry;install_package:elisa"
        ],
    );
    check(
        "install the firefox browser",
        expect!["install_package [package=firefox] 0.96"],
    );
    check(
        "install visual studio code",
        expect!["install_package [package=vscode] 0.96"],
    );
    check(
        "install thunderbrid",
        expect![[
            r#"install_package [package=thunderbird] 0.85 note={"kind":"corrected","heard":"thunderbrid","meant":"thunderbird"}"#
        ]],
    );
    check(
        "install qwzxv",
        expect![[
            r#"install_package [] 0.30 note={"kind":"unknown_package","heard":"qwzxv","nearest":[]}"#
        ]],
    );
    check(
        "install obs",
        expect!["install_package [package=obs-studio] 0.96"],
    );
    check(
        "install one password",
        expect!["install_package [package=_1password-gui] 0.96"],
    );
}

#[test]
fn other_intents() {
    check(
        "get rid of vlc",
        expect!["remove_package [package=vlc] 0.96"],
    );
    check(
        "find me a music player",
        expect!["search_package [query=music player] 0.96"],
    );
    check(
        "search next cloud",
        expect!["search_package [query=next cloud] 0.96"],
    );
    check("what can you do", expect!["help [] 0.96"]);
    // A hesitation before a rule that needs its politeness words changes nothing.
    check("um, what can you do", expect!["help [] 0.96"]);
    check("uh what do you know", expect!["help [] 0.96"]);
    check(
        "undo the last system change",
        expect!["undo_change [] 0.96"],
    );
    check(
        "clean up old generations",
        expect!["collect_garbage [] 0.91"],
    );
    check(
        "enable bluetooth",
        expect!["enable_service [option=hardware.bluetooth.enable,service=bluetooth] 0.96"],
    );
    check(
        "enable blutooth",
        expect![[
            r#"enable_service [option=hardware.bluetooth.enable,service=bluetooth] 0.85 note={"kind":"corrected","heard":"blutooth","meant":"bluetooth"}"#
        ]],
    );
    check(
        "turn off the fire world",
        expect![[
            r#"disable_service [option=networking.firewall.enable,service=firewall] 0.85 note={"kind":"corrected","heard":"fire world","meant":"firewall"}"#
        ]],
    );
    check(
        "enable the frobnicator",
        expect![[
            r#"enable_service [] 0.30 note={"kind":"unknown_service","heard":"frobnicator","nearest":[]}"#
        ]],
    );
    check(
        "why won't my configuration build",
        expect!["explain_error [] 0.88"],
    );
    check(
        "talk slower",
        expect!["set_preference [name=speech_rate,value=slower] 0.96"],
    );
    check("okay", expect!["confirm [answer=yes] 0.96"]);
    check("the first one", expect!["confirm [answer=1] 0.96"]);
    check("remove old generations", expect!["collect_garbage [] 0.96"]);
    check(
        "stop the ssh server",
        expect!["disable_service [option=services.openssh.enable,service=ssh] 0.96"],
    );
    check(
        "show generations please",
        expect!["list_generations [] 0.96"],
    );
}

#[test]
fn bad_input() {
    check("", expect![[r#"unknown [] 0.00 note={"kind":"empty"}"#]]);
    check(
        "   \u{0}\u{7}  ",
        expect![[r#"unknown [] 0.00 note={"kind":"control_characters"} note={"kind":"empty"}"#]],
    );
    check(
        &"install firefox ".repeat(700),
        expect![[r#"install_package [package=firefox] 0.50 note={"kind":"truncated"}"#]],
    );
    check("blargh fnord", expect!["unknown [] 0.10"]);
    // The verb misheard, a well-known name heard: offered, never acted on.
    check(
        "gatsby chromium",
        expect!["install_package [package=chromium] 0.50 options=install_package:chromium"],
    );
    check(
        "installing office",
        expect!["install_package [package=libreoffice] 0.50 options=install_package:libreoffice"],
    );
    check(
        "please get rid on steam",
        expect!["remove_package [package=steam] 0.96"],
    );
    // A misheard first word before a clear request: offered, never acted on; never when the
    // first word turns the request around.
    check(
        "clean enable the printing service",
        expect![
            "enable_service [option=services.printing.enable,service=printing] 0.50 options=enable_service:services.printing.enable/printing"
        ],
    );
    check("don't install firefox", expect!["unknown [] 0.10"]);
    check("lease yes", expect!["unknown [] 0.09"]);
    check("tell me a joke", expect!["unknown [] 0.10"]);
    check(
        "I'd like to try htop",
        expect!["try_package [package=htop] 0.96"],
    );
    check(
        "i would like to install firefox",
        expect!["install_package [package=firefox] 0.96"],
    );
    check(
        "i need firefox",
        expect!["install_package [package=firefox] 0.96"],
    );
    check("🔥🦊", expect!["unknown [] 0.10"]);
}

#[test]
fn whole_requests_for_early_endpointing() {
    let index = curated_index();
    let table = [
        ("install firefox", true),
        ("roll back", true),
        // Answers are always heard whole: "yes ... wait, no" must not end at "yes".
        ("yes", false),
        ("the second one", false),
        ("what can you do", true),
        ("enable bluetooth.", true),
        ("install firefox and", false),
        ("install firefox, and the", false),
        ("install", false),
        ("can you", false),
        ("install fire effects", false),
        ("", false),
        ("um", false),
    ];
    let wrong: Vec<_> = table
        .iter()
        .filter(|(text, whole)| luminous_intent::is_whole_request(text, &index) != *whole)
        .collect();
    assert!(wrong.is_empty(), "misjudged: {wrong:?}");
}

/// An index shaped like nixpkgs: top-level programs, one the curated list knows (with its
/// popularity), and attributes inside package sets whose last part is an ordinary word.
/// A package of a test index, with no description.
fn package(attr: &str, pname: &str, popularity: u8) -> luminous_intent::Package {
    luminous_intent::Package {
        attr: attr.into(),
        pname: pname.into(),
        version: "1.0".into(),
        description: String::new(),
        aliases: vec![],
        popularity,
        main_program: String::new(),
    }
}

fn nixpkgs_shaped() -> luminous_intent::PackageIndex {
    let pkg = |attr: &str, popularity: u8| {
        package(attr, attr.rsplit('.').next().unwrap_or(attr), popularity)
    };
    luminous_intent::PackageIndex::from_packages(vec![
        pkg("git", 0),
        pkg("gimp", 0),
        pkg("kdePackages.kdenlive", 7),
        pkg("nixVersions.latest", 0),
        pkg("nixVersions.stable", 0),
        pkg("luaPackages.newest", 0),
        pkg("rPackages.good", 0),
        pkg("perlPackages.version", 0),
        pkg("emacsPackages.state", 0),
        pkg("python3Packages.requests", 0),
        pkg("run", 0),
        pkg("open", 0),
        pkg("inkscape", 0),
        pkg("krita", 0),
        pkg("sbclPackages.can", 0),
    ])
}

#[test]
fn a_word_that_says_what_to_do_loses_to_the_program_it_is_done_with() {
    // nixpkgs has packages called run and open; in these sentences they are what to do.
    let index = nixpkgs_shaped();
    let check = |input: &str, expect: Expect| check_in(&index, input, expect);
    check(
        "can i run inkscape once without installing",
        expect!["try_package [package=inkscape] 0.96"],
    );
    check(
        "could i run krita without installing it",
        expect!["try_package [package=krita] 0.95"],
    );
    check(
        "can i open gimp without installing",
        expect!["try_package [package=gimp] 0.96"],
    );
    // Named whole, they are the programs.
    check("try run", expect!["try_package [package=run] 0.96"]);
    check(
        "install open",
        expect!["install_package [package=open] 0.96"],
    );
}

#[test]
fn a_word_inside_a_package_set_never_wins_over_the_sentence() {
    let index = nixpkgs_shaped();
    let check = |input: &str, expect: Expect| check_in(&index, input, expect);
    // The program the sentence names, not the word that is an attribute somewhere.
    check(
        "install the newest version of gimp",
        expect!["install_package [package=gimp] 0.96"],
    );
    check(
        "please add git, the stable one",
        expect!["install_package [package=git] 0.96"],
    );
    check(
        "remove the latest git",
        expect!["remove_package [package=git] 0.96"],
    );
    // Only a stray, among other words: asked about, never taken.
    check(
        "install good stuff",
        expect!["install_package [] 0.60 options=install_package:rPackages.good"],
    );
    check(
        "try the cool state",
        expect!["try_package [] 0.60 options=try_package:emacsPackages.state"],
    );
    // A program inside a set that the words name whole, that people ask for by name, or
    // whose set is said in full, is taken.
    check(
        "install requests",
        expect!["install_package [package=python3Packages.requests] 0.96"],
    );
    check(
        "install kdenlive",
        expect!["install_package [package=kdePackages.kdenlive] 0.96"],
    );
    check(
        "install python3Packages.requests",
        expect!["install_package [package=python3Packages.requests] 0.96"],
    );
}

/// The same Python library in two interpreters' sets, another set's package with the same
/// name, the interpreters themselves (the default one known by name, as the curated list
/// knows it).
fn with_python_sets() -> luminous_intent::PackageIndex {
    let pkg = |attr: &str, pname: &str| luminous_intent::Package {
        aliases: if attr == "python3" {
            vec!["Python".into()]
        } else {
            vec![]
        },
        ..package(attr, pname, u8::from(attr == "python3") * 8)
    };
    luminous_intent::PackageIndex::from_packages(vec![
        pkg("firefox", "firefox"),
        pkg("python3", "python3"),
        pkg("python312", "python3"),
        pkg("kodiPackages.requests", "kodi-requests"),
        pkg("python312Packages.requests", "python3.12-requests"),
        pkg("python313Packages.requests", "python3.13-requests"),
        pkg("python312Packages.numpy", "python3.12-numpy"),
        pkg("python313Packages.numpy", "python3.13-numpy"),
        pkg(
            "python313Packages.python-lsp-server",
            "python3.13-python-lsp-server",
        ),
    ])
}

#[test]
fn python_libraries_come_from_the_newest_set_and_a_shared_name_is_asked() {
    let index = with_python_sets();
    let check = |input: &str, expect: Expect| check_in(&index, input, expect);
    // One library in two sets is one library: the newest set's.
    check(
        "install numpy",
        expect!["install_package [package=python313Packages.numpy] 0.96"],
    );
    // "python" with the words says which of two packages called requests.
    check(
        "add the python library requests",
        expect!["install_package [package=python313Packages.requests] 0.96"],
    );
    check(
        "install requests for python",
        expect!["install_package [package=python313Packages.requests] 0.96"],
    );
    check(
        "get me the python module numpy and firefox",
        expect![
            "install_package [package=python313Packages.numpy,packages=python313Packages.numpy firefox] 0.96"
        ],
    );
    // Without it, both are asked about.
    check(
        "install requests",
        expect![
            "install_package [] 0.60 options=install_package:kodiPackages.requests;install_package:python313Packages.requests"
        ],
    );
    // "python" alone is the interpreter, and a name with python in it is that name.
    check(
        "install python",
        expect!["install_package [package=python3] 0.96"],
    );
    check(
        "install python lsp server",
        expect!["install_package [package=python313Packages.python-lsp-server] 0.96"],
    );
    // The how-to question carries the library it names, to offer it.
    check(
        "how do I add the python library requests",
        expect!["how_to [package=python313Packages.requests,topic=python] 0.96"],
    );
    check(
        "how can i get numpy into python",
        expect!["how_to [package=python313Packages.numpy,topic=python] 0.96"],
    );
    check(
        "how do i add a python library",
        expect!["how_to [topic=python] 0.96"],
    );
}

#[test]
fn trying_as_people_put_it() {
    for (input, expect) in [
        ("give vlc a spin", expect!["try_package [package=vlc] 0.96"]),
        (
            "take gimp for a test run",
            expect!["try_package [package=gimp] 0.96"],
        ),
        (
            "open a throwaway shell with python",
            expect!["try_package [package=python3] 0.96"],
        ),
        (
            "a quick environment that has htop",
            expect!["try_package [package=htop] 0.96"],
        ),
        (
            "play with blender without keeping it",
            expect!["try_package [package=blender] 0.94"],
        ),
        // Installing stays installing.
        ("give me vlc", expect!["install_package [package=vlc] 0.96"]),
        (
            "get me gimp",
            expect!["install_package [package=gimp] 0.96"],
        ),
    ] {
        check(input, expect);
    }
}

#[test]
fn being_current_is_an_update() {
    for (input, expect) in [
        (
            "is my software up to date",
            expect!["update_system [] 0.96"],
        ),
        (
            "make sure everything is current",
            expect!["update_system [] 0.96"],
        ),
        (
            "please bring my machine up to date",
            expect!["update_system [] 0.96"],
        ),
        ("keep my apps current", expect!["update_system [] 0.96"]),
        (
            "get the newest versions of my programs",
            expect!["update_system [] 0.96"],
        ),
        // A program's newest version is still about that program.
        (
            "install the newest version of vlc",
            expect!["install_package [package=vlc] 0.96"],
        ),
    ] {
        check(input, expect);
    }
}

#[test]
fn getting_a_service_going_turns_it_on_and_a_program_is_not_a_service() {
    check(
        "keep bluetooth running",
        expect!["enable_service [option=hardware.bluetooth.enable,service=bluetooth] 0.96"],
    );
    check(
        "make printing work",
        expect!["enable_service [option=services.printing.enable,service=printing] 0.96"],
    );
    check(
        "get the ssh server up and running",
        expect!["enable_service [option=services.openssh.enable,service=ssh] 0.96"],
    );
    // Not a service: the rule does not take it.
    check(
        "get firefox running",
        expect!["install_package [package=firefox] 0.96"],
    );
}

#[test]
fn a_second_request_in_the_same_breath_is_left_for_later_never_folded_in() {
    // Before, mpv was read as a second package to remove.
    check(
        "remove vlc and install mpv",
        expect![[
            r#"remove_package [package=vlc] 0.96 note={"kind":"later","text":"install mpv"}"#
        ]],
    );
    check(
        "enable ssh and then install htop",
        expect![[
            r#"enable_service [option=services.openssh.enable,service=ssh] 0.96 note={"kind":"later","text":"install htop"}"#
        ]],
    );
    check(
        "roll back and after that clean up",
        expect![[r#"rollback_system [] 0.96 note={"kind":"later","text":"clean up"}"#]],
    );
    // A list of names is one request.
    check(
        "install firefox and vlc",
        expect!["install_package [package=firefox,packages=firefox vlc] 0.96"],
    );
    // Said one after another, the commas gone: each is installed, none dropped.
    check(
        "install firefox, vlc and gimp",
        expect!["install_package [package=firefox,packages=firefox vlc gimp] 0.96"],
    );
    check(
        "install firefox vlc",
        expect!["install_package [package=firefox,packages=firefox vlc] 0.96"],
    );
    // Words that together name one program are that program.
    check(
        "install obs studio",
        expect!["install_package [package=obs-studio] 0.96"],
    );
    // What to do with a find is not part of what is looked for.
    check(
        "find a music player and install it",
        expect!["search_package [query=music player] 0.96"],
    );
    check(
        "look for a pdf reader and then add it",
        expect!["search_package [query=pdf reader] 0.96"],
    );
    check(
        "search for rock and roll games",
        expect!["search_package [query=rock and roll games] 0.96"],
    );
    // The install rebuilds anyway: nothing is left for later.
    check(
        "install firefox and then rebuild",
        expect!["install_package [package=firefox] 0.96"],
    );
}
