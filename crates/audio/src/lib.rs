//! Audio for Luminous: reading any WAV a user might have as 16 kHz mono, writing WAV, the
//! voice-activity segmenter that cuts a stream into utterances, and earcons.
//!
//! The segmenter works on sample slices (no devices), so it is tested on real recordings.

pub mod earcon;
pub mod mic;
pub mod play;
pub mod segment;
pub mod wav;

/// The rate speech recognition wants.
pub const RATE: u32 = 16_000;
