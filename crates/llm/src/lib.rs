//! The local language model, kept out of the process that links whisper.cpp: the
//! [`protocol`] the `luminous-llm` worker speaks and the [`keeper`] that runs it on demand.

pub mod keeper;
pub mod protocol;
