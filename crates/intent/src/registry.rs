//! The intent registry: every intent with its description, sentence templates and example
//! utterances. It is the single source of truth: the interpreter matches its templates,
//! the tests run its examples, and docs/intents.md is rendered from it.

use crate::IntentKind;

/// One sentence template, with slot values it fixes when it matches.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// See [`crate::template`] for the syntax.
    pub template: &'static str,
    /// Slots this template sets, e.g. `[("answer", "yes")]`.
    pub fixed: &'static [(&'static str, &'static str)],
}

const fn r(template: &'static str) -> Rule {
    Rule {
        template,
        fixed: &[],
    }
}

const fn f(template: &'static str, fixed: &'static [(&'static str, &'static str)]) -> Rule {
    Rule { template, fixed }
}

/// One intent's entry.
#[derive(Debug, Clone, Copy)]
pub struct IntentSpec {
    /// The intent.
    pub kind: IntentKind,
    /// One line for people.
    pub description: &'static str,
    /// Slot names this intent fills.
    pub slots: &'static [&'static str],
    /// True when carrying it out changes the system (always confirmed first).
    pub changes_system: bool,
    /// Sentence templates, tried against the normalised utterance.
    pub rules: &'static [Rule],
    /// Example utterances and the slots they must give (`"name=value,..."`, empty for none).
    pub examples: &'static [(&'static str, &'static str)],
}

const YES: &[(&str, &str)] = &[("answer", "yes")];
const SWITCH: &[(&str, &str)] = &[("mode", "switch")];
const BOOT: &[(&str, &str)] = &[("mode", "boot")];
const TEST: &[(&str, &str)] = &[("mode", "test")];
const DRY: &[(&str, &str)] = &[("mode", "dry-build")];
const NO: &[(&str, &str)] = &[("answer", "no")];
const ASK: &[(&str, &str)] = &[("action", "ask")];
const GENERATION: &[(&str, &str)] = &[("topic", "generation")];
const NEW_PACKAGE: &[(&str, &str)] = &[("topic", "new_package")];
const FLAKES: &[(&str, &str)] = &[("topic", "flakes")];
const PYTHON: &[(&str, &str)] = &[("topic", "python")];
const STORE: &[(&str, &str)] = &[("topic", "store")];
const UNDO_OR_ROLLBACK: &[(&str, &str)] = &[("topic", "undo_or_rollback")];
const CONFIGURATION: &[(&str, &str)] = &[("topic", "configuration")];
const FORGET: &[(&str, &str)] = &[("action", "forget")];
const TEACH: &[(&str, &str)] = &[("action", "teach")];
const FORGET_ALL: &[(&str, &str)] = &[("action", "forget_all")];

/// The registry, in a fixed order (ties between equally specific templates go to the earlier).
pub const REGISTRY: &[IntentSpec] = &[
    IntentSpec {
        kind: IntentKind::InstallPackage,
        description: "Install a package for the whole system (added to configuration.nix, then rebuilt).",
        slots: &["package"],
        changes_system: true,
        rules: &[
            r("(install|add|get|download|grab|fetch|reinstall) {package}"),
            r("(put|set up|setup) {package} (on|up|in)?"),
            r("(i|we) (need|want|would like) {package}"),
            r("(give|get) (me|us) {package}"),
            r("(can|could|may) (i|we) (have|get|install) {package}"),
            r("install {package} (package|program|app|application|too|as well|now)"),
        ],
        examples: &[
            ("install firefox", "package=firefox"),
            ("can you put htop on my computer", "package=htop"),
            ("please install Visual Studio Code", "package=vscode"),
            ("install fire fox", "package=firefox"),
            ("install fierfox", "package=firefox"),
            ("I need gimp", "package=gimp"),
            ("add obs studio", "package=obs-studio"),
            ("get me thunderbird", "package=thunderbird"),
            ("install v l c", "package=vlc"),
        ],
    },
    IntentSpec {
        kind: IntentKind::RemovePackage,
        description: "Remove a package from the system configuration.",
        slots: &["package"],
        changes_system: true,
        rules: &[
            r("(remove|uninstall|delete|purge|drop|ditch|trash|scrap|bin|dump) {package}"),
            // "of" is short and often misheard ("get rid on steam"): never an install.
            r("get rid (of|on|off|a)? {package}"),
            r("take {package} (off|away|out)"),
            r("take (off|away|out) {package}"),
            r("(i|we) (do not|no longer) (need|want|use) {package} (anymore|any more)?"),
        ],
        examples: &[
            ("get rid of vlc", "package=vlc"),
            ("uninstall the gimp", "package=gimp"),
            ("remove firefox please", "package=firefox"),
            ("I don't need htop anymore", "package=htop"),
            ("ditch the gimp package", "package=gimp"),
        ],
    },
    IntentSpec {
        kind: IntentKind::SearchPackage,
        description: "Search the package index by name or description.",
        slots: &["query"],
        changes_system: false,
        rules: &[
            r("(find|search|look|locate) {query}"),
            r("(search|look|looking) (for|up) {query}"),
            r("(is|are) there (a|an|any)? {query}"),
            r("do you (have|know) (a|an|any)? {query}"),
            r("(what|which) {query} (can|could|should) (i|we)? (install|use|get)"),
            r("(recommend|suggest) (a|an|some)? {query}"),
            r("where (can|could|do|would|might|should) (i|we|one) (find|get) {query}"),
            r("(show|list) (me)? {query} (packages|programs|apps)"),
        ],
        examples: &[
            ("find me a music player", "query=music player"),
            ("search for video editor", "query=video editor"),
            ("is there a screen reader", "query=screen reader"),
            ("look for thunderbrid", "query=thunderbrid"),
            ("which pdf viewer should I install", "query=pdf viewer"),
            ("search for a pdf reader", "query=pdf reader"),
            ("where can I get a pdf reader", "query=pdf reader"),
        ],
    },
    IntentSpec {
        kind: IntentKind::TryPackage,
        description: "Run a program in a temporary shell without installing it.",
        slots: &["package"],
        changes_system: false,
        rules: &[
            r("(try|test|try out|test drive|trial) {package}"),
            r("(try|test) {package} (out|first)"),
            r("(run|open|use|start) {package} (without installing|temporarily|once|just once) *"),
            r("(temporarily|briefly) (run|use|try|open) {package}"),
            r("{package} without installing *"),
            // Trying as people put it: a spin, a test drive, a throwaway shell, not keeping it.
            r("(take|give) {package} (for)? (a|an)? (test drive|spin|trial run|test run|try) *"),
            r(
                "(give me|open|start|make|get me)? (a|an)? (temporary|throwaway|disposable|quick) (shell|environment) (with|for|that has) {package}",
            ),
            r(
                "(check out|try out|try|test|play with|look at|run|use) {package} without (keeping|installing|adding) *",
            ),
        ],
        examples: &[
            ("try cowsay", "package=cowsay"),
            ("let me try out blender", "package=blender"),
            ("run htop without installing it", "package=htop"),
        ],
    },
    IntentSpec {
        kind: IntentKind::ListInstalled,
        description: "List the packages in the system configuration.",
        slots: &[],
        changes_system: false,
        rules: &[
            r(
                "(what|which) (packages|programs|apps|software|applications)? (is|are|do i have|have i got|have i)? installed *",
            ),
            r(
                "(list|show|tell) (me)? (my|the|all|all the|all my)? (installed)? (packages|programs|apps|software|applications) *",
            ),
            r("what (do i have|have i got|have i) installed *"),
            r("what (did i|have i|did we|have we) (install|installed|add|added) *"),
            r("(what|which) (packages|programs|apps|software|applications) (do i have|have i got)"),
        ],
        examples: &[
            ("what is installed", ""),
            ("list my packages", ""),
            ("show me all installed programs", ""),
            ("which apps do I have", ""),
            ("what did I install", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::UpdateSystem,
        description: "Update the package sources (channels or flake inputs), then rebuild.",
        slots: &[],
        changes_system: true,
        rules: &[
            r("(update|upgrade) *"),
            r(
                "(check for|get|install|download|apply) (the|any|all)? (latest)? (updates|upgrades|update)",
            ),
            r("(are there|any) (updates|upgrades) *"),
            // Being current, as people put it: up to date, current, the newest versions.
            r(
                "(make sure|check that|see that|see if|check if)? (my|the|all my|all the|all)? (packages|programs|apps|software|system|computer|machine|everything) (is|are) (up to date|current|the newest|the latest|fresh) *",
            ),
            r(
                "(bring|get|make|keep) (my|the|all my|all the|all)? (packages|programs|apps|software|system|computer|machine|everything) (up to date|current|the newest|the latest) *",
            ),
            r(
                "(get|fetch|install) (the)? (newest|latest|new) (versions|version) (of)? (my|the|all my|all the|all|everything)? (packages|programs|apps|software)?",
            ),
            r(
                "(is|are) (my|the|all my|all the|all)? (packages|programs|apps|software|system|computer|machine|everything) (up to date|current|the newest|the latest) *",
            ),
        ],
        examples: &[
            ("update my system", ""),
            ("upgrade everything", ""),
            ("install the latest updates", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::RebuildSystem,
        description: "Rebuild the system from its configuration: switch to it (the default), make it the boot default (mode boot), try it until reboot (mode test), or only check that it builds (mode dry-build, changes nothing).",
        slots: &["mode"],
        changes_system: true,
        rules: &[
            f("(rebuild|re build|nixos rebuild) *", SWITCH),
            f(
                "(redo|repeat|rerun|re run) (the|my|a)? (system)? (build|rebuild|switch) *",
                SWITCH,
            ),
            f(
                "(apply|activate) (the|my|these|those)? (changes|configuration|config|settings) *",
                SWITCH,
            ),
            f(
                "switch (to)? (the|my)? (new)? (configuration|config|generation) *",
                SWITCH,
            ),
            f(
                "(rebuild|build|apply) * (for|at|on|from) (the)? next (boot|reboot|restart|startup|start) *",
                BOOT,
            ),
            f("nixos rebuild boot *", BOOT),
            f(
                "(test|try) (the|my)? (new)? (configuration|config|changes|rebuild) *",
                TEST,
            ),
            f("nixos rebuild test *", TEST),
            f("(dry build|dry run|dry rebuild) *", DRY),
            f(
                "(check|see|test) (if|whether) (the|my)? (configuration|config|system) (builds|will build|would build|can build|compiles|will compile|would compile|can compile|evaluates) *",
                DRY,
            ),
            f(
                "(would|will|does|can) (the|my)? (configuration|config|system) build *",
                DRY,
            ),
            f("nixos rebuild dry build *", DRY),
        ],
        examples: &[
            ("rebuild the system", "mode=switch"),
            ("apply my configuration", "mode=switch"),
            ("nixos rebuild switch", "mode=switch"),
            ("redo the rebuild", "mode=switch"),
            ("rebuild for the next boot", "mode=boot"),
            ("try the new configuration", "mode=test"),
            ("check if my configuration builds", "mode=dry-build"),
            ("would my config build", "mode=dry-build"),
        ],
    },
    IntentSpec {
        kind: IntentKind::RollbackSystem,
        description: "Go back to the previous system generation.",
        slots: &[],
        changes_system: true,
        rules: &[
            r("(roll back|rollback|roll it back) *"),
            r("(go back|revert|return) (to)? (the|a)? (previous|last|old|older|earlier|prior) *"),
            r(
                "(go|step|move|switch) (back)? (1|a) (generation|version) (back|earlier|older|before)? *",
            ),
            // Everything as it was: the system, not a program ("put firefox back" installs).
            r(
                "(put|set|turn|bring|change) (things|everything|it all|all|the system|my system|the computer|my computer|the machine|my machine) back *",
            ),
            // An update that broke something: the generation before it is what the user had.
            r(
                "(the|my|that|this)? (last|latest|recent|new)? (update|upgrade) (broke|ruined|wrecked|killed|messed up) (my|the|our) *",
            ),
            r(
                "(restore|boot) (the|a)? (previous|last|old|older|earlier|prior) (generation|version|configuration|system|state) *",
            ),
        ],
        examples: &[
            ("roll back", ""),
            ("go back to the previous generation", ""),
            ("revert to the last generation", ""),
            ("go back one generation", ""),
            ("the latest upgrade broke my sound", ""),
            ("set everything back to how it was", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::UndoChange,
        description: "Undo the last change Luminous made: put the files it edited back and rebuild.",
        slots: &[],
        changes_system: true,
        rules: &[
            r("(undo|revert|reverse) (that|it|this|everything)?"),
            r(
                "(undo|revert|reverse) (the|my|your|that)? (last|latest|previous|recent)? (system)? (change|changes|edit|edits|thing|step|install|installation|one) *",
            ),
            r("take (that|it) back"),
            r(
                "(cancel|forget|drop|scrap|throw away) (the|my|your|that)? (last|latest|previous|recent)? (change|changes|edit|edits) (you made|you did|you just made)? *",
            ),
        ],
        examples: &[
            ("undo", ""),
            ("undo that", ""),
            ("undo the last change", ""),
            ("undo the last system change", ""),
            ("revert that", ""),
            ("forget the last edit you made", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::ListGenerations,
        description: "List the system generations.",
        slots: &[],
        changes_system: false,
        rules: &[
            r(
                "(list|show|display|tell) (me)? (my|the|all|all the|all my)? (system)? generations *",
            ),
            r("(what|which) (system)? generations *"),
            r("how many (system)? generations *"),
            r("generations"),
        ],
        examples: &[
            ("list generations", ""),
            ("show me my system generations", ""),
            ("how many generations do I have", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::CollectGarbage,
        description: "Delete old generations and unused store paths to free disk space.",
        slots: &[],
        changes_system: true,
        rules: &[
            r("(clean|clear|tidy) (up|away|out) *"),
            r(
                "(clean|clear|delete|remove|throw out|throw away|get rid of) (the|all|all the|my|some)? (old)? (junk|clutter|cruft|leftovers|rubbish) *",
            ),
            r("(clean|clear|tidy) (the|my)? (nix)? (store|system|disk|cache) *"),
            r("(collect|run) (the)? garbage *"),
            r("garbage (collect|collection|collector) *"),
            r(
                "(delete|remove|purge|drop) (the|all|all the|my)? (old|older|previous|unused|stale) (generations|versions|packages|stuff|files|builds) *",
            ),
            r("free (up)? (some)? (disk|storage)? space *"),
            r("make (some)? (more)? (disk)? space *"),
        ],
        examples: &[
            ("clean up old generations", ""),
            ("collect garbage", ""),
            ("free up some disk space", ""),
            ("delete old generations", ""),
            ("throw out the old junk", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::EnableService,
        description: "Turn on a service or feature by setting its NixOS option to true.",
        slots: &["service", "option"],
        changes_system: true,
        rules: &[
            r("(enable|activate|turn on|switch on|start|start up) {service}"),
            r("(turn|switch) {service} on"),
            r("(set up|setup|configure) {service} (service|server|support)"),
            // A service is something that runs: getting it going is turning it on.
            r("(get|have|keep) {service} (going|running|up and running|started|working)"),
            r("make {service} (work|run)"),
        ],
        examples: &[
            (
                "enable bluetooth",
                "option=hardware.bluetooth.enable,service=bluetooth",
            ),
            (
                "turn on the ssh server",
                "option=services.openssh.enable,service=ssh",
            ),
            (
                "switch printing on",
                "option=services.printing.enable,service=printing",
            ),
            ("set up ssh", "option=services.openssh.enable,service=ssh"),
            (
                "enable docker",
                "option=virtualisation.docker.enable,service=docker",
            ),
            (
                "get the printing service running",
                "option=services.printing.enable,service=printing",
            ),
        ],
    },
    IntentSpec {
        kind: IntentKind::DisableService,
        description: "Turn off a service or feature by setting its NixOS option to false.",
        slots: &["service", "option"],
        changes_system: true,
        rules: &[
            r("(disable|deactivate|turn off|switch off|shut off|stop|kill) {service}"),
            r("(turn|switch) {service} off"),
        ],
        examples: &[
            (
                "disable the firewall",
                "option=networking.firewall.enable,service=firewall",
            ),
            (
                "turn off bluetooth",
                "option=hardware.bluetooth.enable,service=bluetooth",
            ),
        ],
    },
    IntentSpec {
        kind: IntentKind::ExplainError,
        description: "Explain what is wrong with the configuration or the last failed rebuild.",
        slots: &[],
        changes_system: false,
        rules: &[
            r("why *"),
            r(
                "(explain|tell me|say)? what (is|went|is going|has gone|goes) (wrong|sideways|bad|awry) *",
            ),
            r(
                "(explain|show|read|check|diagnose|debug) (the|my|this|that)? (error|errors|problem|problems|failure|config|configuration|build) *",
            ),
            r(
                "(is|are) (my|the)? (config|configuration|build) (ok|okay|valid|correct|broken|fine) *",
            ),
            r(
                "(my|the) (config|configuration|rebuild|build|update) (failed|fails|is broken|will not build|does not build|broke) *",
            ),
            r("(fix|check) (my|the) (config|configuration) *"),
        ],
        examples: &[
            ("why did my rebuild fail", ""),
            ("why won't my configuration build", ""),
            ("what's wrong with my config", ""),
            ("explain the error", ""),
            ("what has gone wrong", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::DiskUsage,
        description: "Say how much disk space is used and free, and how big the Nix store is.",
        slots: &[],
        changes_system: false,
        rules: &[
            r("how (much|full|big) * (disk|space|storage|store) *"),
            r("how (full|big) is (my|the)? (disk|drive|store|nix store|hard drive) *"),
            r("(disk|storage) (space|usage|use) *"),
            r("how much (free)? room *"),
            r(
                "(is there|do i have|have i got|do we have) (enough|any|much|some)? (free)? (disk)? (space|room|storage) (left|free|available|remaining)? *",
            ),
            r("* (free|left|remaining|available) (disk)? (space|storage) *"),
            r("(show|check) (the|my)? (disk|storage|space) *"),
        ],
        examples: &[
            ("how much disk space do I have", ""),
            ("how full is my disk", ""),
            ("disk usage", ""),
            ("is there enough room on my disk", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::SystemInfo,
        description: "Say which NixOS version, kernel and generation this is.",
        slots: &[],
        changes_system: false,
        rules: &[
            r("(what|which) (version|release) *"),
            r("(system|computer|machine) (info|information|details|status) *"),
            r("(tell me|talk) about (my|this|the)? (system|computer|machine) *"),
            r("(what|which) (system|os|nixos|kernel|operating system) *"),
            r("(nixos|kernel) version"),
            r("what (does|is) (my|this|the) (system|computer|machine|laptop|pc) (run|running) *"),
        ],
        examples: &[
            ("what version of nixos am I running", ""),
            ("system info", ""),
            ("tell me about my computer", ""),
            ("what is this computer running", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::Help,
        description: "Say briefly what the assistant can do.",
        slots: &[],
        changes_system: false,
        rules: &[
            r("help *"),
            r("what (can|do) you (do|know) *"),
            r("what (are|is) (your|the) (commands|options|abilities|features)"),
            r("how (does|do) (this|you|it) work"),
            r("(i need|need|get) help *"),
            r("what can i (say|ask|do) *"),
            r("what (are you|are you actually) (able to do|capable of)"),
            r("(how|what) (can|could) you help (me)? (with)?"),
        ],
        examples: &[
            ("what can you do", ""),
            ("help", ""),
            ("what can I say", ""),
            ("what are you capable of", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::Repeat,
        description: "Say the last reply again.",
        slots: &[],
        changes_system: false,
        rules: &[
            r("(repeat|again|pardon|sorry|what|huh|come again)"),
            r("(repeat|say|read) (that|it|this)? (again|once more)? *"),
            r("what did you (say|just say)"),
            r("(sorry|pardon) what *"),
            r("(can|could) you repeat *"),
        ],
        examples: &[
            ("repeat", ""),
            ("say that again", ""),
            ("what did you say", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::Cancel,
        description: "Stop the current question or dialogue.",
        slots: &[],
        changes_system: false,
        rules: &[
            r(
                "(cancel|stop|abort|quit|exit|never mind|nevermind|forget it|forget about it|skip it|skip)",
            ),
            r("(cancel|stop|abort) (that|it|this|everything|all)"),
            r("no (cancel|stop|abort)"),
        ],
        examples: &[
            ("cancel", ""),
            ("never mind", ""),
            ("stop", ""),
            ("forget about it", ""),
        ],
    },
    IntentSpec {
        kind: IntentKind::Confirm,
        description: "Answer a question: yes, no, or the number of an option.",
        slots: &["answer"],
        changes_system: false,
        rules: &[
            // Only whole affirmations; the dialogue reads answers to a pending question with
            // `answer::classify`, which also refuses "yes wait no".
            f(
                "(yes|yeah|yea|yep|yup|sure|ok|okay|affirmative|correct|right|absolutely|certainly|confirm|confirmed|proceed) (please|go ahead|do it|sure)?",
                YES,
            ),
            f(
                "(go ahead|do it|do|go for it|sounds good|of course|that is right|that is correct|yes please)",
                YES,
            ),
            f(
                "(no|nope|nah|negative|wrong|not now|no thanks|no thank you|do not|don't)",
                NO,
            ),
            f("no (do not|don't|not that|not now|wait) *", NO),
            // Speech recognition adds words to a short "no" ("No council"): the first word decides.
            f("(no|nope|nah) *", NO),
            r("(the)? (number|option)? {answer} (1|one|option)?"),
            r("(number|option) {answer}"),
        ],
        examples: &[
            ("yes", "answer=yes"),
            ("yeah go ahead", "answer=yes"),
            ("nope", "answer=no"),
            ("no council", "answer=no"),
            ("the second one", "answer=2"),
            ("number two", "answer=2"),
            ("option 3", "answer=3"),
        ],
    },
    IntentSpec {
        kind: IntentKind::SetPreference,
        description: "Change how the assistant talks: speech rate, verbosity, quiet mode.",
        slots: &["name", "value"],
        changes_system: false,
        rules: &[
            f(
                "* (talk|speak|read|go|say it|say things) (slower|more slowly|slowly|slow) *",
                &[("name", "speech_rate"), ("value", "slower")],
            ),
            f(
                "slow (down|it down)",
                &[("name", "speech_rate"), ("value", "slower")],
            ),
            f(
                "* (talk|speak|read|go|say it|say things) (faster|more quickly|quicker|fast) *",
                &[("name", "speech_rate"), ("value", "faster")],
            ),
            f(
                "(hurry|hurry up) (when|while)? (you)? (talk|speak|read|are talking|are speaking|are reading)",
                &[("name", "speech_rate"), ("value", "faster")],
            ),
            f(
                "speed (up|it up)",
                &[("name", "speech_rate"), ("value", "faster")],
            ),
            f(
                "(normal|default|regular) (speed|speech rate|rate|pace)",
                &[("name", "speech_rate"), ("value", "normal")],
            ),
            f(
                "(be|talk|speak) (more)? (brief|briefer|short|shorter|concise|terse) *",
                &[("name", "verbosity"), ("value", "brief")],
            ),
            f(
                "(less|fewer) (detail|details|words|talking|chatter) *",
                &[("name", "verbosity"), ("value", "brief")],
            ),
            f(
                "(give me|i want|i would like|i'd like|with)? (more) (detail|details|verbose|information) *",
                &[("name", "verbosity"), ("value", "detailed")],
            ),
            f(
                "(be|talk|speak) (more)? (verbose|detailed|chatty) *",
                &[("name", "verbosity"), ("value", "detailed")],
            ),
            f(
                "* (normal|usual|default|regular) (detail|details|verbosity|amount of detail|length) *",
                &[("name", "verbosity"), ("value", "normal")],
            ),
            f(
                "(be quiet|quiet mode|silent mode|text only|text mode|stop talking|mute|shut up|do not speak|no voice|no speech)",
                &[("name", "quiet"), ("value", "on")],
            ),
            f(
                "(speak|talk) (again|out loud|aloud) *",
                &[("name", "quiet"), ("value", "off")],
            ),
            f(
                "(unmute|voice on|speech on)",
                &[("name", "quiet"), ("value", "off")],
            ),
        ],
        examples: &[
            ("talk slower", "name=speech_rate,value=slower"),
            ("please speak faster", "name=speech_rate,value=faster"),
            ("make it talk faster", "name=speech_rate,value=faster"),
            ("hurry up when you speak", "name=speech_rate,value=faster"),
            ("be more brief", "name=verbosity,value=brief"),
            ("back to normal detail", "name=verbosity,value=normal"),
            ("quiet mode", "name=quiet,value=on"),
        ],
    },
    IntentSpec {
        kind: IntentKind::HowTo,
        description: "Answer what a new NixOS user asks (generations, channels or flakes, the store, undo or roll back, a new program not found, Python libraries, where the configuration is), offering the action where there is one.",
        slots: &["topic"],
        changes_system: false,
        rules: &[
            f(
                "what (is|are) (a|an|the)? (generation|generations|system generation|system generations)",
                GENERATION,
            ),
            f(
                "(explain|what do you mean by|what does it mean) (a|the)? (generation|generations)",
                GENERATION,
            ),
            f(
                "why * (not|no|never) (see|find|show|have|know) * (new|installed|just installed) (package|packages|program|programs|app|apps|software) *",
                NEW_PACKAGE,
            ),
            f(
                "(new|installed) (package|program|app|software) (is)? (not|never) (found|showing|there|showing up|appearing) *",
                NEW_PACKAGE,
            ),
            f(
                "(channels|channel) (or|vs|versus|and) (flakes|flake) *",
                FLAKES,
            ),
            f(
                "(flakes|flake) (or|vs|versus|and) (channels|channel) *",
                FLAKES,
            ),
            f(
                "(should|do|must) (i|we) (use|need|switch to) (flakes|a flake|channels) *",
                FLAKES,
            ),
            f(
                "what (is|are) (a|the)? (flake|flakes|channel|channels|nix channels|nix flakes)",
                FLAKES,
            ),
            f(
                "how (do|can|should|would) (i|we) (add|install|get|use) (a|the|some)? python (library|libraries|package|packages|module|modules) *",
                PYTHON,
            ),
            f(
                "how (do|can|should|would) (i|we) (add|install|get|use) (the)? python (library|package|module) {package}",
                PYTHON,
            ),
            f(
                "how (do|can|should|would) (i|we) (add|install|get|use) {package} (to|for|in|with|into) python (3)?",
                PYTHON,
            ),
            f("what (is|are) (the)? (nix store|store)", STORE),
            f(
                "why is (the|my)? (nix store|store) (so)? (big|large|huge|full) *",
                STORE,
            ),
            f(
                "(what is the)? difference between (undo|undoing) and (roll back|rolling back|rollback|a rollback)",
                UNDO_OR_ROLLBACK,
            ),
            f(
                "(what is the)? difference between (roll back|rolling back|rollback|a rollback) and (undo|undoing)",
                UNDO_OR_ROLLBACK,
            ),
            f(
                "where (is|are) (my|the) (configuration|config|configuration file|config file|nixos configuration|settings file)",
                CONFIGURATION,
            ),
        ],
        examples: &[
            ("what are generations", "topic=generation"),
            (
                "why does my terminal not find the new program",
                "topic=new_package",
            ),
            ("should i use flakes", "topic=flakes"),
            ("how can i install a python module", "topic=python"),
            ("what is the nix store", "topic=store"),
            (
                "what is the difference between undo and roll back",
                "topic=undo_or_rollback",
            ),
            ("where is my configuration", "topic=configuration"),
        ],
    },
    IntentSpec {
        kind: IntentKind::Vocabulary,
        description: "The user's own words (\"my browser\" for Firefox), learned from clarifications or taught (\"when I say my browser I mean chromium\"): say what a phrase means, teach one, forget one, or forget them all.",
        slots: &["action", "phrase", "package"],
        changes_system: false,
        rules: &[
            f(
                "what (do|did) you (call|take|understand) (as)? {phrase}",
                ASK,
            ),
            f("what (does|do) (my|our) {phrase} mean (to you)?", ASK),
            f("what (is|are) (my|our) {phrase} (to you|for you)", ASK),
            f(
                "(forget|unlearn) (what|everything|all|all that|anything) (you|you have|you've) (learned|learnt|know|remember|picked up) *",
                FORGET_ALL,
            ),
            f(
                "(forget|unlearn) (all|every one of) (the|my)? (words|names|phrases) *",
                FORGET_ALL,
            ),
            f(
                "(forget|unlearn) (the|my) (words|names|phrases) (you learned|you learnt|of mine|you know)",
                FORGET_ALL,
            ),
            f("when i say (my|our) {phrase} i mean {package}", TEACH),
            f("(call|name) {package} (my|our) {phrase}", TEACH),
            f(
                "(forget|unlearn) (what)? (my|our) {phrase} (means|is)?",
                FORGET,
            ),
            f(
                "(forget|unlearn) (the)? (word|phrase|name|words|phrases) {phrase}",
                FORGET,
            ),
        ],
        examples: &[
            (
                "what do you call my browser",
                "action=ask,phrase=my browser",
            ),
            ("what does my editor mean", "action=ask,phrase=my editor"),
            ("forget my browser", "action=forget,phrase=my browser"),
            ("forget what you learned", "action=forget_all"),
            (
                "when i say my browser i mean chromium",
                "action=teach,package=chromium,phrase=my browser",
            ),
        ],
    },
    IntentSpec {
        kind: IntentKind::Unknown,
        description: "Anything not understood; the reply says briefly what the assistant can do.",
        slots: &[],
        changes_system: false,
        rules: &[],
        examples: &[("flibber the wotsit", "")],
    },
];

/// The registry entry of an intent.
pub fn spec(kind: IntentKind) -> &'static IntentSpec {
    REGISTRY
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or(&REGISTRY[REGISTRY.len() - 1])
}

/// Whether `slots` hold everything the intent needs to be carried out (a service resolved by
/// name stands for its option).
pub fn has_required_slots(kind: IntentKind, slots: &crate::Slots) -> bool {
    spec(kind)
        .slots
        .iter()
        .all(|s| slots.contains_key(*s) || (*s == "option" && slots.contains_key("service")))
}

/// docs/intents.md, rendered from the registry.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# Intents\n\nGenerated from `crates/intent/src/registry.rs` by `cargo run -p xtask -- docs`. Do not edit by hand.\n\n\
         Every example below is also a test case.\n\n| intent | slots | changes the system | what it does |\n| --- | --- | --- | --- |\n",
    );
    for s in REGISTRY {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            s.kind.name(),
            if s.slots.is_empty() {
                "none".to_owned()
            } else {
                s.slots
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            if s.changes_system {
                "yes, after confirmation"
            } else {
                "no"
            },
            s.description
        ));
    }
    for s in REGISTRY {
        out.push_str(&format!(
            "\n## `{}`\n\n{}\n\nExamples:\n",
            s.kind.name(),
            s.description
        ));
        for (utterance, slots) in s.examples {
            if slots.is_empty() {
                out.push_str(&format!("- \"{utterance}\"\n"));
            } else {
                out.push_str(&format!("- \"{utterance}\" gives {slots}\n"));
            }
        }
        if !s.rules.is_empty() {
            out.push_str("\nTemplates:\n");
            for rule in s.rules {
                out.push_str(&format!("- `{}`\n", rule.template));
            }
        }
    }
    out
}
