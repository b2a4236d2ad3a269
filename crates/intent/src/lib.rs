//! Luminous's intent engine: turns a request's text into an [`Interpretation`]. Pure: no I/O.
//!
//! Rules first ([`registry`] templates over [`normalize`]d tokens), then fuzzy repair of
//! mistyped or misheard words, then package and service resolution against the
//! [`index::PackageIndex`], giving a confidence and, when unsure, numbered options.

pub mod answer;
pub mod index;
mod interpret;
pub mod normalize;
pub mod python;
pub mod registry;
pub mod services;
pub mod sounds_like;
pub mod template;
pub mod wake;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use index::{IndexBuilder, Package, PackageIndex, PackageRef};
pub use interpret::{interpret, is_reversed, is_stray, is_whole_request, parse_choice};

/// What the user wants. The names are a contract (JSON output, tests, other faces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum IntentKind {
    InstallPackage,
    RemovePackage,
    SearchPackage,
    TryPackage,
    ListInstalled,
    UpdateSystem,
    RebuildSystem,
    RollbackSystem,
    UndoChange,
    ListGenerations,
    CollectGarbage,
    EnableService,
    DisableService,
    ExplainError,
    DiskUsage,
    SystemInfo,
    Help,
    Repeat,
    Cancel,
    Confirm,
    SetPreference,
    Vocabulary,
    HowTo,
    Unknown,
}

impl IntentKind {
    /// The snake_case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            IntentKind::InstallPackage => "install_package",
            IntentKind::RemovePackage => "remove_package",
            IntentKind::SearchPackage => "search_package",
            IntentKind::TryPackage => "try_package",
            IntentKind::ListInstalled => "list_installed",
            IntentKind::UpdateSystem => "update_system",
            IntentKind::RebuildSystem => "rebuild_system",
            IntentKind::RollbackSystem => "rollback_system",
            IntentKind::UndoChange => "undo_change",
            IntentKind::ListGenerations => "list_generations",
            IntentKind::CollectGarbage => "collect_garbage",
            IntentKind::EnableService => "enable_service",
            IntentKind::DisableService => "disable_service",
            IntentKind::ExplainError => "explain_error",
            IntentKind::DiskUsage => "disk_usage",
            IntentKind::SystemInfo => "system_info",
            IntentKind::Help => "help",
            IntentKind::Repeat => "repeat",
            IntentKind::Cancel => "cancel",
            IntentKind::Confirm => "confirm",
            IntentKind::SetPreference => "set_preference",
            IntentKind::Vocabulary => "vocabulary",
            IntentKind::HowTo => "how_to",
            IntentKind::Unknown => "unknown",
        }
    }

    /// True when carrying it out changes the system.
    pub fn changes_system(self) -> bool {
        registry::spec(self).changes_system
    }
}

/// Slot values by slot name.
pub type Slots = BTreeMap<String, String>;

/// An alternative offered to the user when the engine is unsure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The intent this option would carry out.
    pub intent: IntentKind,
    /// Its slots.
    pub slots: Slots,
}

/// Something the engine noticed that the reply should mention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// A name was corrected to the nearest real one ("fierfox" to `firefox`).
    Corrected {
        /// What was said.
        heard: String,
        /// What it was taken to mean.
        meant: String,
    },
    /// Part of the request was left out because it is not a package name.
    Dropped {
        /// The words left out.
        text: String,
    },
    /// No package has this name; `nearest` are the closest real attributes.
    UnknownPackage {
        /// What was said.
        heard: String,
        /// Nearest real package attributes, best first.
        nearest: Vec<String>,
    },
    /// No service has this name; `nearest` are the closest known service ids.
    UnknownService {
        /// What was said.
        heard: String,
        /// Nearest known service ids, best first.
        nearest: Vec<String>,
    },
    /// The request was longer than the engine reads; only its start was used.
    Truncated,
    /// The request held control characters, which were ignored.
    ControlCharacters,
    /// The request was empty.
    Empty,
    /// No rule was sure; the reading (and the options) are the local language model's
    /// guess, only ever offered as a question.
    Guessed,
    /// A second request in the same utterance ("remove vlc and install mpv"): only the
    /// first was read; this one is for the user to ask after it.
    Later {
        /// The second request's words.
        text: String,
    },
}

/// The engine's reading of one utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interpretation {
    /// The intent.
    pub intent: IntentKind,
    /// Its slots; package slots hold validated nixpkgs attributes only.
    pub slots: Slots,
    /// 0 to 1.
    pub confidence: f32,
    /// Alternatives to offer when unsure, best first.
    pub options: Vec<Candidate>,
    /// Things the reply should mention.
    pub notes: Vec<Note>,
    /// The normalised text the engine worked on.
    pub heard: String,
}

/// Confidence at or above which the engine acts (confirming first when the system changes).
pub const ACT_THRESHOLD: f32 = 0.8;
/// Confidence at or above which the engine asks with options rather than explaining.
pub const ASK_THRESHOLD: f32 = 0.4;

/// The curated offline index shipped with Luminous: common desktop and developer packages
/// with short descriptions and the names people say for them. Used alone where no nixpkgs is
/// available, and merged into a full index for its aliases.
pub const CURATED_JSONL: &str = include_str!("../data/packages.jsonl");

/// The curated packages.
pub fn curated_packages() -> Vec<Package> {
    PackageIndex::parse_jsonl(CURATED_JSONL).0.to_packages()
}

/// An index of the curated packages alone.
pub fn curated_index() -> PackageIndex {
    PackageIndex::parse_jsonl(CURATED_JSONL).0
}
