//! The residual-echo gate: what is left of the assistant's own voice after AEC3 must not
//! reach voice activity detection, or the assistant takes itself for the user and stops
//! (barge-in) or wakes. AEC3 takes most of the echo out once it has converged, but at a strong
//! echo (a laptop's speakers at -6 dB into its microphone), at the start of a reply and on a
//! loaded machine it lets whole syllables through. The gate passes a frame only when it is
//! louder than the echo could be: the loudest recent reference times what the microphone has
//! been hearing of it lately (the residual coupling, learned while playing). The user talking
//! over the assistant (double talk) is louder than that and passes; the echo alone does not.
//! For the first moments of playing, before the coupling is known, nothing passes.
//!
//! The user's words start and end quieter than their middle, and Silero needs the whole word
//! to be sure of it: once a frame is found louder than the echo, the frames just before it
//! (held in a short delay line while playing) and a few after it pass too.

use std::collections::VecDeque;

/// Frames (10 ms) in which the echo of a sound can still arrive: the sound
/// system's latency and the room's reverberation.
const WINDOW: usize = 50;

/// A reference frame's energy (sum of squares over 10 ms at 16 kHz) from which it is sound
/// that may be heard back: about -58 dBFS.
const SOUND: f32 = 1.6e-4;

/// Sounding reference frames before the coupling is trusted: 300 ms, more than the sound
/// system's delay, so the echo has arrived and been measured.
const WARM: usize = 30;

/// Recent couplings kept, one per frame heard while the reference sounds: one second.
const LEARN: usize = 100;

/// The quantile of recent couplings taken as the echo's: high, but not the highest, so that
/// the user's own first words over the reply (a few frames of a second) do not raise it.
const QUANTILE: f32 = 0.9;

/// How much louder than the echo's coupling a frame must be to be the user: 4 dB.
const MARGIN: f32 = 2.5;

/// Frames kept after one that passed: the quiet ends of the user's syllables.
const HANG: usize = 10;

/// Of the latest 6 frames (60 ms), how many louder than the echo are the user talking over
/// it: 40 ms of a voice, where a click or a crack is one or two frames.
const RECENT_MASK: u8 = 0b11_1111;
const RECENT_LOUD: u32 = 4;

/// Frames kept before one that passed, the delay line's length: the quiet start of a word.
/// The gate's output lags its input by this much while something is being played.
pub const LOOK_BACK: usize = 12;

/// Frames in a row louder than the echo after which they count as echo too: half a second,
/// three times what barge-in needs to stop the reply.
const PERSIST: usize = 50;

/// Gates the microphone's frames (after echo cancellation) against what was played.
#[derive(Debug, Default)]
pub struct Gate {
    /// The loudest reference frame played in each of the latest heard frames' time.
    played: VecDeque<f32>,
    /// The loudest reference frame played since the last heard frame.
    latest: f32,
    /// Sounding reference frames since the gate opened for this stretch of playing.
    sounding: usize,
    /// The echo's coupling into the microphone, and what is left of it after cancellation.
    raw: Couplings,
    clean: Couplings,
    hang: usize,
    /// Frames in a row louder than the echo.
    loud_run: usize,
    /// The latest judgements, newest in the lowest bit: louder than the echo or not.
    recent: u8,
    /// The latest frames, and whether each passes, not yet given out.
    line: VecDeque<(Vec<f32>, bool)>,
}

impl Gate {
    /// A gate that knows nothing of the echo yet.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// A 10 ms reference frame was played (given to AEC3), with this energy.
    pub fn played(&mut self, energy: f32) {
        self.latest = self.latest.max(energy);
        if energy > SOUND {
            self.sounding += 1;
        }
    }

    /// Playing stopped for long enough that the echo has died away: the next reply starts
    /// afresh, but what was learned of the room's coupling is kept.
    pub fn rest(&mut self) {
        self.played.clear();
        self.latest = 0.0;
        self.sounding = 0;
        self.hang = 0;
        self.loud_run = 0;
        self.recent = 0;
    }

    /// A 10 ms frame heard: `raw` as the microphone gave it, `cleaned` after cancellation.
    /// What comes out ([`LOOK_BACK`] frames later) is appended to `out`: silence where it
    /// can be the echo alone.
    pub fn heard(&mut self, raw: &[f32], cleaned: &[f32], out: &mut Vec<f32>) {
        // The window moves on with what is heard, played or not: once the speaker has
        // been silent for its length, no echo can come and everything passes.
        self.played.push_back(std::mem::take(&mut self.latest));
        if self.played.len() > WINDOW {
            self.played.pop_front();
        }
        let loudest = self.played.iter().copied().fold(0.0f32, f32::max);
        let pass = if loudest <= SOUND {
            // Nothing that could come back was played lately.
            self.hang = 0;
            self.recent = 0;
            true
        } else {
            self.judge(raw, cleaned, loudest)
        };
        self.line.push_back((cleaned.to_vec(), pass));
        while self.line.len() > LOOK_BACK {
            self.give(out);
        }
    }

    /// The user is talking over what is played: most of the latest frames were louder
    /// than the echo could be. Known as the frames are heard, before the delay line gives
    /// them out, so that barge-in need not wait for it.
    pub fn user_talking(&self) -> bool {
        (self.recent & RECENT_MASK).count_ones() >= RECENT_LOUD
    }

    /// Everything in the delay line, given out now (playing has stopped).
    pub fn flush(&mut self, out: &mut Vec<f32>) {
        while !self.line.is_empty() {
            self.give(out);
        }
    }

    fn give(&mut self, out: &mut Vec<f32>) {
        let Some((frame, pass)) = self.line.pop_front() else {
            return;
        };
        if pass {
            out.extend_from_slice(&frame);
        } else {
            out.extend(std::iter::repeat_n(0.0, frame.len()));
        }
    }

    /// Whether the frame passes; frames before a loud one pass with it.
    fn judge(&mut self, raw: &[f32], cleaned: &[f32], loudest: f32) -> bool {
        let energy = |f: &[f32]| f.iter().map(|v| v * v).sum::<f32>() / loudest;
        let (raw_c, clean_c) = (energy(raw), energy(cleaned));
        // The user, not the echo, when both are louder than the echo has lately been: the
        // microphone's own sound (whatever the canceller makes of it, when its model of the
        // echo path breaks, say the delay jumps) and what the canceller left.
        let loud = self.sounding >= WARM && self.raw.above(raw_c) && self.clean.above(clean_c);
        // Learned from what was held back, and from what passes only when it goes on
        // passing while the reply plays: the user's words would have stopped the reply, so
        // that is the echo grown louder.
        self.loud_run = if loud { self.loud_run + 1 } else { 0 };
        self.recent = (self.recent << 1) | u8::from(loud);
        if !loud || self.loud_run > PERSIST {
            self.raw.learn(raw_c);
            self.clean.learn(clean_c);
        }
        if loud {
            self.hang = HANG;
            for (_, pass) in self.line.iter_mut() {
                *pass = true;
            }
            return true;
        }
        let hung = self.hang > 0;
        self.hang = self.hang.saturating_sub(1);
        hung
    }
}

/// Recent ratios of a heard frame's energy to the loudest recent reference.
#[derive(Debug, Default)]
struct Couplings(VecDeque<f32>);

impl Couplings {
    fn learn(&mut self, c: f32) {
        self.0.push_back(c);
        if self.0.len() > LEARN {
            self.0.pop_front();
        }
    }

    /// Louder than the echo: above a high quantile of recent couplings, by the margin.
    fn above(&self, c: f32) -> bool {
        self.quantile(QUANTILE)
            .is_some_and(|echo| c > echo * MARGIN)
    }

    fn quantile(&self, q: f32) -> Option<f32> {
        let mut all: Vec<f32> = self.0.iter().copied().collect();
        let k = ((all.len().checked_sub(1)?) as f32 * q).round() as usize;
        let (_, v, _) = all.select_nth_unstable_by(k, f32::total_cmp);
        Some(*v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(level: f32) -> Vec<f32> {
        (0..160)
            .map(|i| level * (i as f32 * 0.3).sin() * std::f32::consts::SQRT_2)
            .collect()
    }

    fn energy(f: &[f32]) -> f32 {
        f.iter().map(|v| v * v).sum()
    }

    /// Feeds frames (reference level, heard raw, heard after cancelling); whether each
    /// came out with sound, in the order heard.
    fn feed(g: &mut Gate, frames: &[(f32, f32, f32)]) -> Vec<bool> {
        let mut out = Vec::new();
        for &(played, raw, cleaned) in frames {
            g.played(energy(&frame(played)));
            g.heard(&frame(raw), &frame(cleaned), &mut out);
        }
        g.flush(&mut out);
        out.chunks(160).map(|f| energy(f) > 0.0).collect()
    }

    /// The echo at a fixed coupling under a varying reference, 40 ms late; the user, at
    /// `user`, from frame 200 to 230.
    fn run(coupling: f32, user: f32) -> Vec<(bool, bool)> {
        let mut g = Gate::new();
        let frames: Vec<(f32, f32, f32)> = (0..300)
            .map(|i| {
                let level = |i: f32| 0.1 + 0.08 * (i * 0.37).sin();
                let talking = (200..230).contains(&i);
                let heard =
                    coupling.sqrt() * level(i as f32 - 4.0) + if talking { user } else { 0.0 };
                (level(i as f32), heard, heard)
            })
            .collect();
        let out = feed(&mut g, &frames);
        (0..300)
            .map(|i| ((200..230).contains(&i), out[i]))
            .collect()
    }

    #[test]
    fn the_echo_alone_is_held_back_from_the_first_frame() {
        for coupling in [0.05f32, 0.25, 1.0, 4.0] {
            let out = run(coupling, 0.0);
            let leaked = out.iter().filter(|(_, passed)| *passed).count();
            assert_eq!(
                leaked, 0,
                "coupling {coupling}: {leaked} frames of echo passed"
            );
        }
    }

    #[test]
    fn the_user_is_known_to_talk_within_a_few_frames_and_the_echo_never_is() {
        let mut g = Gate::new();
        let mut out = Vec::new();
        let mut talking = Vec::new();
        for i in 0..300 {
            let level = |i: f32| 0.1 + 0.08 * (i * 0.37).sin();
            g.played(energy(&frame(level(i as f32))));
            let user = if (200..230).contains(&i) { 0.2 } else { 0.0 };
            let heard = frame(0.5 * level(i as f32 - 4.0) + user);
            g.heard(&heard, &heard, &mut out);
            talking.push(g.user_talking());
        }
        assert!(talking[..200].iter().all(|t| !*t));
        assert!(talking[200 + RECENT_LOUD as usize - 1], "{talking:?}");
        assert!(talking[236..].iter().all(|t| !*t));
    }

    #[test]
    fn the_user_over_the_echo_passes_whole() {
        // At -6 dB of echo, a user at the microphone 6 dB louder than the echo's peaks.
        let out = run(0.25, 0.2);
        assert!(out[200..230].iter().all(|(_, p)| *p), "{out:?}");
        // With the frames just before and after, and then the echo is held back again.
        assert!(out[200 - LOOK_BACK..200].iter().all(|(_, p)| *p));
        assert!(out[230..230 + HANG].iter().all(|(_, p)| *p));
        assert!(out[230 + HANG + 1..].iter().all(|(_, p)| !*p));
        assert!(out[..200 - LOOK_BACK].iter().all(|(_, p)| !*p));
    }

    #[test]
    fn once_the_speaker_is_silent_for_the_window_everything_passes() {
        let mut g = Gate::new();
        let mut frames = vec![(0.1, 0.05, 0.05); 100];
        // The reply has ended; the user answers at the echo's level.
        frames.extend(vec![(0.0, 0.05, 0.05); WINDOW + 5]);
        let out = feed(&mut g, &frames);
        assert!(!out[100], "the echo's tail is still held");
        assert!(out[100 + WINDOW..].iter().all(|p| *p), "{out:?}");
    }

    #[test]
    fn with_nothing_played_the_gate_is_open() {
        let mut g = Gate::new();
        let out = feed(&mut g, &[(0.0, 0.01, 0.01); 10]);
        assert!(out.iter().all(|p| *p));
    }

    #[test]
    fn a_new_reply_waits_until_the_echo_has_been_measured() {
        let mut g = Gate::new();
        feed(&mut g, &[(0.1, 0.05, 0.05); 100]);
        g.rest();
        let mut frames = vec![(0.1, 0.5, 0.5)];
        frames.extend(vec![(0.1, 0.05, 0.05); WARM]);
        frames.push((0.1, 0.5, 0.5));
        let out = feed(&mut g, &frames);
        assert!(!out[0], "not trusted before the echo has been measured");
        assert!(out[WARM + 1]);
    }

    /// The canceller's model of the echo path breaks (the delay jumped): what it leaves
    /// grows to the echo's full level, but the microphone hears no more than before.
    #[test]
    fn a_canceller_that_loses_the_echo_does_not_let_it_through() {
        let mut g = Gate::new();
        let mut frames: Vec<(f32, f32, f32)> = (0..200)
            .map(|i| (0.1, 0.05, if i < 100 { 0.005 } else { 0.05 }))
            .collect();
        // Then the user, louder than the echo.
        frames.push((0.1, 0.2, 0.2));
        let out = feed(&mut g, &frames);
        let leaked: Vec<usize> = (0..200 - LOOK_BACK).filter(|i| out[*i]).collect();
        assert!(leaked.is_empty(), "{leaked:?}");
        assert!(out[200]);
    }
}
