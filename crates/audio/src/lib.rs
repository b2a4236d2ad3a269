//! Audio for Luminous: reading any WAV a user might have as 16 kHz mono, writing WAV, the
//! voice-activity segmenter that cuts a stream into utterances, earcons, and the devices.
//!
//! The segmenter works on sample slices (no devices), so it is tested on real recordings.

pub mod earcon;
pub mod echo;
pub mod mic;
pub mod onnx;
pub mod play;
pub mod residual;
pub mod segment;
pub mod silero;
pub mod synth;
pub mod wav;

/// The rate speech recognition wants.
pub const RATE: u32 = 16_000;

/// Calls `$build::<T>(args)` with the sample type `T` of a device's `cpal::SampleFormat`
/// (one place for the formats the microphone and the speaker accept); an error string for
/// the others.
macro_rules! by_sample_format {
    ($format:expr, $build:ident ( $($arg:expr),* $(,)? )) => {
        match $format {
            cpal::SampleFormat::F32 => $build::<f32>($($arg),*),
            cpal::SampleFormat::I16 => $build::<i16>($($arg),*),
            cpal::SampleFormat::I32 => $build::<i32>($($arg),*),
            cpal::SampleFormat::U16 => $build::<u16>($($arg),*),
            cpal::SampleFormat::U8 => $build::<u8>($($arg),*),
            other => Err(format!("the device's sample format {other:?} is not supported")),
        }
    };
}
pub(crate) use by_sample_format;
