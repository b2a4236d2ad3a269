//! Synthetic audio for tests: a voice-like buzz that voice activity detection takes for
//! speech, without a recording.

/// A voice-like signal at 16 kHz: a 140 Hz buzz with harmonics and a syllable-rate envelope,
/// peaking near `gain` (0 to 1).
pub fn speechy(seconds: f32, gain: f32) -> Vec<f32> {
    let n = (seconds * 16_000.0) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let env = 0.5 + 0.5 * (t * 4.0 * std::f32::consts::TAU).sin().abs();
            let f = 140.0 * std::f32::consts::TAU * t;
            gain * 0.5
                * env
                * (f.sin() + 0.5 * (2.0 * f).sin() + 0.3 * (3.0 * f).sin() + 0.2 * (5.0 * f).sin())
        })
        .collect()
}
