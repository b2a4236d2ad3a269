//! Echo cancellation inside Luminous, for speakers without headphones: what the speaker
//! plays is the reference ([`Reference`], filled from the output callback), and the
//! microphone's sound has it taken out ([`Canceller`]: WebRTC's AEC3, in pure Rust through
//! sonora) before voice activity detection. The delay between playing and hearing is
//! estimated and tracked by AEC3 itself; what it leaves of the echo is then held back by the
//! residual-echo gate (`residual`) unless louder than the echo could be. While nothing has
//! been played for a while the microphone's sound passes untouched, so listening to silence
//! costs nothing more.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sonora::config::EchoCanceller;
use sonora::{AudioProcessing, Config, StreamConfig};

use crate::residual::Gate;
use crate::wav::To16k;

/// 10 ms at 16 kHz: AEC3's frame.
const FRAME: usize = 160;

/// The reference keeps at most this much of what was played (at the device's rate).
const KEEP: Duration = Duration::from_secs(2);

/// Cancelling goes on this long after the last sound played: the room's reverberation
/// and the sound system's latencies.
const TAIL: Duration = Duration::from_millis(1500);

/// Louder than this, a played sample counts as sound.
const SOUND: f32 = 1e-4;

/// What the speaker has played lately.
#[derive(Debug, Default)]
struct Played {
    rate: u32,
    samples: VecDeque<f32>,
    last_sound: Option<Instant>,
}

/// What the speaker plays, shared between the speaker's output callback and the canceller.
#[derive(Debug, Default)]
pub struct Reference {
    played: Mutex<Played>,
}

impl Reference {
    /// An empty reference.
    pub fn new() -> Arc<Reference> {
        Arc::new(Reference::default())
    }

    /// From the output callback: mono `samples` at `rate` were handed to the device at
    /// `now`. Never blocks: when the canceller holds the lock this once, the samples are
    /// skipped.
    pub fn played(&self, rate: u32, samples: &[f32], now: Instant) {
        let Ok(mut p) = self.played.try_lock() else {
            return;
        };
        if p.rate != rate {
            p.rate = rate;
            p.samples.clear();
        }
        p.samples.extend(samples);
        let loud = samples.iter().any(|s| s.abs() > SOUND);
        let most = (rate as f32 * KEEP.as_secs_f32()) as usize;
        let excess = p.samples.len().saturating_sub(most);
        p.samples.drain(..excess);
        if loud {
            p.last_sound = Some(now);
        }
    }

    /// Everything played since the last call, its rate, and when it last had sound.
    fn take(&self) -> (u32, Vec<f32>, Option<Instant>) {
        let mut p = self.played.lock().unwrap_or_else(|e| e.into_inner());
        let samples = p.samples.drain(..).collect();
        (p.rate, samples, p.last_sound)
    }
}

/// Takes the speaker's sound out of the microphone's.
pub struct Canceller {
    apm: AudioProcessing,
    reference: Arc<Reference>,
    /// The reference's resampler, for its rate.
    conv: Option<(u32, To16k)>,
    /// Reference at 16 kHz, not yet given to AEC3.
    render: Vec<f32>,
    /// Microphone samples at 16 kHz short of a whole frame.
    capture: Vec<f32>,
    /// Cancelling (something was played lately).
    active: bool,
    /// Whether the microphone hears the speaker: AEC3's delay estimator has found the
    /// speaker's sound in it (true), or the microphone stays far quieter than what is
    /// played (false: headphones; the microphone's sound is then used as it is, so that
    /// AEC3's suppression, which assumes echo until it learns otherwise, cannot swallow the
    /// user's first words). Unknown until then, and cancelled meanwhile.
    hears_speaker: Option<bool>,
    /// Recent (played energy, heard energy, frames played) per call, while playing.
    levels: VecDeque<(f32, f32, usize)>,
    /// What AEC3 leaves of the echo is held back from voice activity detection.
    gate: Gate,
}

impl std::fmt::Debug for Canceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canceller")
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl Canceller {
    /// A canceller taking what `reference` says was played out of the microphone.
    pub fn new(reference: Arc<Reference>) -> Canceller {
        let stream = StreamConfig::new(crate::RATE, 1);
        let apm = AudioProcessing::builder()
            .config(Config {
                echo_canceller: Some(EchoCanceller::default()),
                ..Default::default()
            })
            .capture_config(stream)
            .render_config(stream)
            .build();
        Canceller {
            apm,
            reference,
            conv: None,
            render: Vec::new(),
            capture: Vec::new(),
            active: false,
            hears_speaker: None,
            levels: VecDeque::new(),
            gate: Gate::new(),
        }
    }

    /// Cancelling now.
    pub fn active(&self) -> bool {
        self.active
    }

    /// The user is talking over what the speaker plays (louder than its echo could be), as
    /// of the latest audio: for barge-in, which must not wait for voice activity detection
    /// to be sure of a word the canceller may have thinned.
    pub fn user_over_echo(&self) -> bool {
        self.active && self.hears_speaker != Some(false) && self.gate.user_talking()
    }

    /// Whether the microphone was found to hear the speaker (None: not known yet).
    pub fn hears_speaker(&self) -> Option<bool> {
        self.hears_speaker
    }

    /// `input` (16 kHz mono, as just captured) without the speaker's sound, appended to
    /// `out`. While cancelling, output trails input by less than 10 ms and the residual-echo
    /// gate's look-back ([`crate::residual::LOOK_BACK`] frames of 10 ms).
    pub fn process(&mut self, input: &[f32], now: Instant, out: &mut Vec<f32>) {
        let (rate, played, last_sound) = self.reference.take();
        let recent = last_sound.is_some_and(|t| now.saturating_duration_since(t) < TAIL);
        if !recent {
            if self.active {
                // Back to passing through: what waits for a whole frame goes first.
                self.gate.flush(out);
                out.append(&mut self.capture);
                self.render.clear();
                self.gate.rest();
                self.active = false;
            }
            return out.extend_from_slice(input);
        }
        self.active = true;
        if !played.is_empty() {
            if self.conv.as_ref().is_none_or(|(r, _)| *r != rate)
                && let Ok(c) = To16k::new(rate)
            {
                self.conv = Some((rate, c));
            }
            if let Some((_, conv)) = self.conv.as_mut() {
                conv.push(&played, &mut self.render);
            }
        }
        // What was played comes first: AEC3 looks for it in what is captured after.
        let mut chunks = self.render.chunks_exact(FRAME);
        let mut scratch = [0f32; FRAME];
        let (mut played_energy, mut played_frames) = (0f32, 0usize);
        for frame in chunks.by_ref() {
            let e = frame.iter().map(|v| v * v).sum::<f32>();
            self.gate.played(e);
            if e > FRAME as f32 * SOUND * SOUND * 100.0 {
                played_energy += e;
                played_frames += 1;
            }
            let _ = self.apm.process_render_f32(&[frame], &mut [&mut scratch]);
        }
        let rest = chunks.remainder().len();
        self.render.drain(..self.render.len() - rest);
        self.capture.extend_from_slice(input);
        let whole = self.capture.len() / FRAME * FRAME;
        let mut cleaned = [0f32; FRAME];
        let frames: Vec<f32> = self.capture.drain(..whole).collect();
        self.compare(played_energy, played_frames, &frames);
        for frame in frames.chunks_exact(FRAME) {
            let _ = self.apm.set_stream_delay_ms(0);
            let done = self.apm.process_capture_f32(&[frame], &mut [&mut cleaned]);
            self.learn();
            match (done, self.hears_speaker) {
                (Ok(()), Some(true) | None) => self.gate.heard(frame, &cleaned, out),
                _ => {
                    self.gate.flush(out);
                    out.extend_from_slice(frame);
                }
            }
        }
    }
}

impl Canceller {
    /// After a captured frame: has AEC3 found the speaker in the microphone?
    fn learn(&mut self) {
        // A real echo path is never instantaneous: a delay of 0 is "none found".
        if self.apm.statistics().delay_ms.is_some_and(|d| d > 0) {
            self.hears_speaker = Some(true);
        }
    }

    /// While playing: a microphone far quieter than the speaker does not hear it.
    fn compare(&mut self, played_energy: f32, played_frames: usize, heard: &[f32]) {
        // Decided either way: the microphone getting louder now is the user talking; the
        // headphones coming off is found by AEC3 (`learn`).
        if played_frames == 0 || self.hears_speaker.is_some() {
            return;
        }
        let heard_energy = heard.iter().map(|v| v * v).sum::<f32>();
        self.levels
            .push_back((played_energy, heard_energy, played_frames));
        while self.levels.len() > 1
            && self.levels.iter().map(|l| l.2).sum::<usize>() > QUIET_FRAMES * 2
        {
            self.levels.pop_front();
        }
        if self.levels.iter().map(|l| l.2).sum::<usize>() < QUIET_FRAMES {
            return;
        }
        let played: f32 = self.levels.iter().map(|l| l.0).sum();
        let heard: f32 = self.levels.iter().map(|l| l.1).sum();
        if heard < played * QUIET_RATIO {
            self.hears_speaker = Some(false);
        }
    }
}

/// How much played sound the comparison needs: 300 ms.
const QUIET_FRAMES: usize = 30;

/// 35 dB quieter than what is played: the microphone does not hear the speaker.
const QUIET_RATIO: f32 = 3.16e-4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
    }

    /// Speech-like far-end sound: pink noise in syllables (a spectrum as rich as speech).
    fn far_end(seconds: f32) -> Vec<f32> {
        synth::pink_noise(seconds, 0.3, 5)
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v * (i as f32 / 16_000.0 * 4.0 * std::f32::consts::TAU)
                    .sin()
                    .abs()
            })
            .collect()
    }

    /// `far` played in 20 ms chunks, as a device delivers them, each followed by what the
    /// microphone heard meanwhile (`mic(i)` for the i-th sample); the canceller, its output
    /// and everything the microphone heard.
    fn simulate(far: &[f32], mic: impl Fn(usize) -> f32) -> (Canceller, Vec<f32>, Vec<f32>) {
        let reference = Reference::new();
        let mut c = Canceller::new(Arc::clone(&reference));
        let start = Instant::now();
        let (mut out, mut heard) = (Vec::new(), Vec::new());
        for (k, played) in far.chunks(320).enumerate() {
            let now = start + Duration::from_millis(20 * k as u64);
            reference.played(16_000, played, now);
            let captured: Vec<f32> = (k * 320..(k + 1) * 320).map(&mic).collect();
            heard.extend_from_slice(&captured);
            c.process(&captured, now, &mut out);
        }
        (c, out, heard)
    }

    /// `x[i - lag]`, or silence before it starts and after it ends.
    fn at(x: &[f32], i: usize, lag: usize) -> f32 {
        i.checked_sub(lag)
            .and_then(|i| x.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// The speaker plays; the microphone hears it 80 ms later at half the level, with a
    /// reflection, and from 6 s on the user talks too.
    #[test]
    fn the_speakers_sound_is_taken_out_and_the_users_kept() {
        let far = far_end(8.0);
        let near = synth::speechy(2.0, 0.6);
        let (c, out, captured_all) = simulate(&far, |i| {
            0.5 * at(&far, i, 1280) + 0.15 * at(&far, i, 1280 + 480) + at(&near, i, 96_000)
        });
        assert!(c.active());
        assert_eq!(c.hears_speaker(), Some(true));
        assert!(out.len() + FRAME * (crate::residual::LOOK_BACK + 1) > captured_all.len());
        // Echo alone, after the filter has converged (2 to 5 s).
        let (a, b) = (32_000, 80_000);
        let before = rms(&captured_all[a..b]);
        let after = rms(&out[a..b]);
        let erle = 20.0 * (before / after.max(1e-9)).log10();
        assert!(erle > 15.0, "echo reduced by only {erle:.1} dB");
        // Nothing of the echo alone, from its first moment (before AEC3 has converged), is
        // left loud enough for voice activity detection to judge (the segmenter's floor,
        // about -48 dBFS, in 30 ms frames).
        let loudest = out[..96_000].chunks(480).map(rms).fold(0.0f32, f32::max);
        assert!(loudest < 0.004, "echo left at {loudest}");
        // The user over the echo (6 to 8 s): most of their voice is still there.
        let talk = rms(&out[96_000..126_000]);
        let alone = rms(&near[..30_000]);
        assert!(
            talk > 0.4 * alone,
            "the user's voice went too: {talk} against {alone}"
        );
    }

    /// Headphones: the speaker plays, the microphone hears only the user. After a second
    /// the canceller knows, and the user's voice comes through whole (AEC3 alone suppresses
    /// it while it still assumes echo).
    #[test]
    fn a_microphone_that_does_not_hear_the_speaker_passes_the_user_whole() {
        let far = far_end(4.0);
        let near = synth::speechy(2.0, 0.6);
        let (c, out, _) = simulate(&far, |i| at(&near, i, 32_000));
        assert_eq!(c.hears_speaker(), Some(false));
        let talk = rms(&out[32_000..62_000]);
        let alone = rms(&near[..30_000]);
        assert!(talk > 0.9 * alone, "{talk} against {alone}");
    }

    /// What AEC3 cannot model: a small speaker driven hard (its distortion), and the sound
    /// system's delay jumping by 40 ms half way, as it does when a loaded machine misses a
    /// period. The echo alone still never reaches voice activity detection, and the user
    /// talking over it does.
    #[test]
    fn a_distorting_speaker_and_a_jumping_delay_are_held_back() {
        let far = far_end(8.0);
        let near = synth::speechy(1.0, 0.8);
        let (_, out, _) = simulate(&far, |i| {
            let delay = if i < 48_000 { 1280 } else { 1920 };
            (2.0 * at(&far, i, delay)).tanh() * 0.25 + at(&near, i, 112_000)
        });
        let loudest = out[..112_000].chunks(480).map(rms).fold(0.0f32, f32::max);
        assert!(loudest < 0.004, "echo left at {loudest}");
        let talk = rms(&out[112_000..126_000]);
        let alone = rms(&near[..14_000]);
        assert!(talk > 0.4 * alone, "{talk} against {alone}");
    }

    #[test]
    fn with_nothing_played_the_microphone_passes_untouched() {
        let mut c = Canceller::new(Reference::new());
        let sound = synth::speechy(1.0, 0.5);
        let mut out = Vec::new();
        c.process(&sound, Instant::now(), &mut out);
        assert_eq!(out, sound);
        assert!(!c.active());
    }
}
