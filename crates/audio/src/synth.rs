//! Synthetic sound for tests and benchmarks: a voice-like buzz that voice activity detection
//! takes for speech, pink noise, and a fan's hum. Deterministic (a fixed-seed generator), so
//! a run can be repeated exactly.

use std::f32::consts::TAU;

/// A voice-like signal at 16 kHz: a 140 Hz buzz with harmonics and a syllable-rate envelope,
/// peaking near `gain` (0 to 1).
pub fn speechy(seconds: f32, gain: f32) -> Vec<f32> {
    let n = (seconds * 16_000.0) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let env = 0.5 + 0.5 * (t * 4.0 * TAU).sin().abs();
            let f = 140.0 * TAU * t;
            gain * 0.5
                * env
                * (f.sin() + 0.5 * (2.0 * f).sin() + 0.3 * (3.0 * f).sin() + 0.2 * (5.0 * f).sin())
        })
        .collect()
}

/// Pink noise (equal energy per octave, as rooms and fans are) at 16 kHz with RMS near
/// `level`, from `seed`.
pub fn pink_noise(seconds: f32, level: f32, seed: u64) -> Vec<f32> {
    let n = (seconds * 16_000.0) as usize;
    let mut state = seed | 1;
    let mut white = move || {
        // xorshift64*: plenty for noise.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    // Paul Kellett's economy filter.
    let (mut b0, mut b1, mut b2) = (0.0f32, 0.0f32, 0.0f32);
    (0..n)
        .map(|_| {
            let w = white();
            b0 = 0.99765 * b0 + w * 0.099_046;
            b1 = 0.96300 * b1 + w * 0.296_516_4;
            b2 = 0.57000 * b2 + w * 1.052_691_3;
            (b0 + b1 + b2 + w * 0.1848) * level * 0.25
        })
        .collect()
}

/// A fan's or a fridge's hum: 50 Hz and its harmonics, at amplitude `level`.
pub fn hum(seconds: f32, level: f32) -> Vec<f32> {
    let n = (seconds * 16_000.0) as usize;
    (0..n)
        .map(|i| {
            let f = 50.0 * TAU * i as f32 / 16_000.0;
            level * (f.sin() + 0.5 * (2.0 * f).sin() + 0.25 * (3.0 * f).sin()) / 1.75
        })
        .collect()
}

#[cfg(test)]
mod tests {
    fn rms(s: &[f32]) -> f32 {
        (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
    }

    #[test]
    fn levels_are_as_asked() {
        let p = super::pink_noise(2.0, 0.1, 7);
        assert!((0.03..0.3).contains(&rms(&p)), "{}", rms(&p));
        assert_eq!(
            p,
            super::pink_noise(2.0, 0.1, 7),
            "the same seed, the same noise"
        );
        let h = super::hum(1.0, 0.2);
        assert!(h.iter().all(|x| x.abs() <= 0.2 + 1e-6));
        let s = super::speechy(1.0, 0.5);
        assert!(s.iter().fold(0.0f32, |m, x| m.max(x.abs())) <= 0.5 * 1.01);
    }
}
