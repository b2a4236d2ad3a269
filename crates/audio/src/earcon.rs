//! Earcons: short generated tones that tell a listener the assistant's state without words.
//! Listening started rises, listening stopped falls, an error is low and double.

/// Which cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earcon {
    /// Ready for a request.
    ListeningStarted,
    /// The request was heard.
    ListeningStopped,
    /// Something went wrong.
    Error,
}

fn tone(rate: u32, freq: f32, ms: u32, gain: f32) -> Vec<f32> {
    let n = (rate * ms / 1000) as usize;
    let fade = (rate / 200) as usize; // 5 ms ramps: no clicks
    (0..n)
        .map(|i| {
            let env = (i.min(n - 1 - i).min(fade) as f32) / fade as f32;
            gain * env * (i as f32 * freq * std::f32::consts::TAU / rate as f32).sin()
        })
        .collect()
}

/// The samples of an earcon at `rate`.
pub fn render(e: Earcon, rate: u32) -> Vec<f32> {
    let gap = vec![0.0; (rate / 50) as usize];
    let parts: Vec<Vec<f32>> = match e {
        Earcon::ListeningStarted => vec![
            tone(rate, 660.0, 70, 0.25),
            gap,
            tone(rate, 880.0, 90, 0.25),
        ],
        Earcon::ListeningStopped => {
            vec![tone(rate, 880.0, 70, 0.2), gap, tone(rate, 660.0, 90, 0.2)]
        }
        Earcon::Error => vec![
            tone(rate, 220.0, 120, 0.3),
            gap.clone(),
            gap,
            tone(rate, 220.0, 120, 0.3),
        ],
    };
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earcons_are_short_and_distinct() {
        let a = render(Earcon::ListeningStarted, 16_000);
        let b = render(Earcon::ListeningStopped, 16_000);
        let c = render(Earcon::Error, 16_000);
        for e in [&a, &b, &c] {
            assert!(e.len() < 16_000 / 2, "under half a second");
            assert!(e.iter().all(|s| s.abs() <= 0.3));
            assert_eq!(e.first().copied(), Some(0.0), "starts silent: no click");
        }
        assert_ne!(a, b);
    }
}
