//! Cutting a 16 kHz stream into utterances with a voice activity detector (Silero VAD, or
//! webrtc-vad when Silero is not loaded).
//!
//! Speech starts when most of a short window of frames is voiced (so a click or a cough is
//! not an utterance), and the utterance keeps a pre-roll of the audio before that point (so
//! the first syllable is not lost). It ends after a hangover of silence tuned for commands,
//! or at a maximum length. A frame is voiced when the detector's speech probability passes
//! a threshold, a lower one inside an utterance (hysteresis), and it is loud enough; frames
//! in long quiet stretches are not given to the detector at all, so silence costs nothing.

use webrtc_vad::{SampleRate, Vad, VadMode};

/// Tells speech from other sound, one 30 ms frame at a time.
pub trait Detector {
    /// The probability (0 to 1) that `frame`, the next [`FRAME`] samples of the stream, is
    /// speech.
    fn speech(&mut self, frame: &[f32]) -> f32;
    /// Forget the stream so far (a new stream, or one after a long quiet gap).
    fn reset(&mut self);
}

/// WebRTC's VAD in its aggressive mode: an answer of 0 or 1, cheap, weak in noise.
pub struct WebRtc(Vad);

impl std::fmt::Debug for WebRtc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebRtc")
    }
}

impl Default for WebRtc {
    fn default() -> Self {
        WebRtc(Vad::new_with_rate_and_mode(
            SampleRate::Rate16kHz,
            VadMode::Aggressive,
        ))
    }
}

impl Detector for WebRtc {
    fn speech(&mut self, frame: &[f32]) -> f32 {
        let pcm: Vec<i16> = frame
            .iter()
            .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .collect();
        if self.0.is_voice_segment(&pcm).unwrap_or(false) {
            1.0
        } else {
            0.0
        }
    }

    fn reset(&mut self) {
        *self = WebRtc::default();
    }
}

/// Quiet frames in a row after which the detector is no longer run (and is reset).
const QUIET_GAP: usize = 10;

/// 30 ms at 16 kHz.
pub const FRAME: usize = 480;

/// Tuning, in frames of 30 ms unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Frames of audio kept from before speech started.
    pub pre_roll: usize,
    /// Frames before the pre-roll kept too while they have sound (loud enough), when the
    /// detector started afresh within them: Silero, from a fresh state, takes up to 200 ms to
    /// be sure of speech that starts at once.
    pub onset_reach: usize,
    /// The window in which `start_voiced` frames must be voiced to start speech.
    pub start_window: usize,
    /// See `start_window`.
    pub start_voiced: usize,
    /// Unvoiced frames in a row that end an utterance.
    pub hangover: usize,
    /// Voiced frames an utterance needs; shorter ones are noise.
    pub min_voiced: usize,
    /// The longest utterance, in frames.
    pub max_frames: usize,
    /// Frames quieter than this RMS (0 to 1) count as unvoiced whatever the VAD says.
    pub min_rms: f32,
    /// The speech probability at which a frame outside an utterance is voiced.
    pub threshold: f32,
    /// The speech probability at which a frame inside an utterance is still voiced.
    pub release: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            pre_roll: 10,    // 300 ms
            onset_reach: 6,  // 180 ms more
            start_window: 6, // 180 ms
            start_voiced: 4, // 120 ms of it voiced
            hangover: 13,    // 390 ms of silence ends a command
            min_voiced: 7,   // 210 ms of speech at least
            max_frames: 500, // 15 s
            min_rms: 0.004,  // about -48 dBFS
            threshold: 0.5,  // Silero's own defaults
            release: 0.35,
        }
    }
}

/// One utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// 16 kHz mono samples, pre-roll included.
    pub samples: Vec<f32>,
    /// Where speech started in the stream, in ms.
    pub start_ms: u64,
    /// Where the last voiced frame ended, in ms (end of speech).
    pub end_ms: u64,
    /// True when it was cut at the maximum length.
    pub cut: bool,
}

/// The segmenter's state.
pub struct Segmenter {
    detector: Box<dyn Detector>,
    config: Config,
    quiet_run: usize,
    /// Frames the detector has judged since it was last reset.
    judged: usize,
    pending: Vec<f32>,
    history: std::collections::VecDeque<(Vec<f32>, bool)>,
    current: Option<Current>,
    frames_seen: u64,
    voiced_run: usize,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("config", &self.config)
            .field("quiet_run", &self.quiet_run)
            .field("in_speech", &self.current.is_some())
            .finish_non_exhaustive()
    }
}

struct Current {
    samples: Vec<f32>,
    start_frame: u64,
    last_voiced_frame: u64,
    voiced: usize,
    silent_run: usize,
    frames: usize,
}

fn rms(frame: &[f32]) -> f32 {
    (frame.iter().map(|s| s * s).sum::<f32>() / frame.len().max(1) as f32).sqrt()
}

impl Segmenter {
    /// A segmenter with `config` and WebRTC's VAD.
    pub fn new(config: Config) -> Segmenter {
        Segmenter::with_detector(config, Box::new(WebRtc::default()))
    }

    /// A segmenter with `config` and `detector`.
    pub fn with_detector(config: Config, detector: Box<dyn Detector>) -> Segmenter {
        Segmenter {
            detector,
            config,
            quiet_run: 0,
            judged: 0,
            pending: Vec::new(),
            history: Default::default(),
            current: None,
            frames_seen: 0,
            voiced_run: 0,
        }
    }

    /// True while inside an utterance.
    pub fn in_speech(&self) -> bool {
        self.current.is_some()
    }

    /// Cut a whole recording into utterances, from a fresh start (see [`Segmenter::reset`]).
    pub fn recording(&mut self, samples: &[f32]) -> Vec<Utterance> {
        self.reset();
        let mut out = self.push(samples);
        out.extend(self.finish());
        out
    }

    /// Start again on a new stream: what was being said is dropped, the detector is reset.
    pub fn reset(&mut self) {
        self.detector.reset();
        self.pending.clear();
        self.history.clear();
        self.current = None;
        self.voiced_run = 0;
        self.quiet_run = 0;
        self.judged = 0;
    }

    fn voiced(&mut self, frame: &[f32]) -> bool {
        if rms(frame) < self.config.min_rms {
            // A short quiet stretch (a pause between words) still goes to the detector, so
            // its view of the stream stays whole; a long one does not, and it starts afresh.
            self.quiet_run += 1;
            if self.quiet_run <= QUIET_GAP {
                self.detector.speech(frame);
                self.judged += 1;
            } else if self.quiet_run == QUIET_GAP + 1 {
                self.detector.reset();
                self.judged = 0;
            }
            return false;
        }
        self.quiet_run = 0;
        self.judged += 1;
        let p = self.detector.speech(frame);
        let bar = if self.current.is_some() {
            self.config.release
        } else {
            self.config.threshold
        };
        p >= bar
    }

    /// Feed samples; returns utterances that ended within them.
    pub fn push(&mut self, samples: &[f32]) -> Vec<Utterance> {
        self.pending.extend_from_slice(samples);
        let mut done = Vec::new();
        while self.pending.len() >= FRAME {
            let frame: Vec<f32> = self.pending.drain(..FRAME).collect();
            if let Some(u) = self.frame(frame) {
                done.push(u);
            }
        }
        done
    }

    /// How many frames in a row, up to the latest, were voiced: a quicker sign of speech than
    /// [`Segmenter::in_speech`], for stopping playback when the user talks over it.
    pub fn voiced_run(&self) -> usize {
        self.voiced_run
    }

    /// Inside an utterance: how many unvoiced frames have followed its last voiced one.
    pub fn trailing_silence(&self) -> Option<usize> {
        self.current.as_ref().map(|c| c.silent_run)
    }

    /// Inside an utterance: a copy of it so far, to transcribe before it has ended (speculative
    /// recognition). Its `start_ms` and `end_ms` are those it will have if no more speech comes.
    pub fn so_far(&self) -> Option<Utterance> {
        let c = self.current.as_ref()?;
        (c.voiced >= self.config.min_voiced).then(|| Self::utterance(c.samples.clone(), c, false))
    }

    /// End of stream, or an early end decided by the caller (the words so far are a whole
    /// request): an utterance in progress is returned if it had enough speech.
    pub fn finish(&mut self) -> Option<Utterance> {
        let c = self.current.take()?;
        self.close(c, false)
    }

    fn frame(&mut self, frame: Vec<f32>) -> Option<Utterance> {
        let voiced = self.voiced(&frame);
        self.voiced_run = if voiced { self.voiced_run + 1 } else { 0 };
        let n = self.frames_seen;
        self.frames_seen += 1;
        let cfg = self.config;
        if let Some(c) = self.current.as_mut() {
            c.samples.extend_from_slice(&frame);
            c.frames += 1;
            if voiced {
                c.voiced += 1;
                c.silent_run = 0;
                c.last_voiced_frame = n;
            } else {
                c.silent_run += 1;
            }
            if c.silent_run >= cfg.hangover || c.frames >= cfg.max_frames {
                let cut = c.frames >= cfg.max_frames;
                let c = self.current.take()?;
                return self.close(c, cut);
            }
            return None;
        }
        self.history.push_back((frame, voiced));
        while self.history.len() > cfg.pre_roll.max(cfg.start_window) + cfg.onset_reach {
            self.history.pop_front();
        }
        let recent = self
            .history
            .iter()
            .rev()
            .take(cfg.start_window)
            .filter(|(_, v)| *v)
            .count();
        if recent >= cfg.start_voiced {
            // The pre-roll, and before it the frames with sound that lead into it when the
            // detector was fresh then (else they are the noise it was already judging).
            let mut first = self.history.len().saturating_sub(cfg.pre_roll);
            let fresh = self.judged <= self.history.len();
            while fresh && first > 0 && rms(&self.history[first - 1].0) >= cfg.min_rms {
                first -= 1;
            }
            self.history.drain(..first);
            let start_frame = n + 1 - self.history.len() as u64;
            let samples: Vec<f32> = self
                .history
                .iter()
                .flat_map(|(f, _)| f.iter().copied())
                .collect();
            self.current = Some(Current {
                frames: self.history.len(),
                samples,
                start_frame,
                last_voiced_frame: n,
                voiced: recent,
                silent_run: 0,
            });
            self.history.clear();
        }
        None
    }

    fn close(&mut self, mut c: Current, cut: bool) -> Option<Utterance> {
        if c.voiced < self.config.min_voiced {
            return None;
        }
        let samples = std::mem::take(&mut c.samples);
        Some(Self::utterance(samples, &c, cut))
    }

    fn utterance(samples: Vec<f32>, c: &Current, cut: bool) -> Utterance {
        let ms = |frame: u64| frame * 30;
        Utterance {
            samples,
            start_ms: ms(c.start_frame),
            end_ms: ms(c.last_voiced_frame + 1),
            cut,
        }
    }
}

/// Cut a whole recording into utterances, with WebRTC's VAD.
pub fn utterances(samples: &[f32], config: Config) -> Vec<Utterance> {
    Segmenter::new(config).recording(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speechy(seconds: f32) -> Vec<f32> {
        crate::synth::speechy(seconds, 0.6)
    }

    #[test]
    fn silence_is_not_speech() {
        assert!(utterances(&vec![0.0; 16_000 * 3], Config::default()).is_empty());
        // Quiet hiss below the energy floor.
        let hiss: Vec<f32> = (0..48_000)
            .map(|i| 0.001 * (((i * 7919) % 200) as f32 / 100.0 - 1.0))
            .collect();
        assert!(utterances(&hiss, Config::default()).is_empty());
    }

    #[test]
    fn a_short_click_is_not_an_utterance() {
        let mut s = vec![0.0; 16_000];
        s.extend(speechy(0.09));
        s.extend(vec![0.0; 16_000]);
        assert!(utterances(&s, Config::default()).is_empty());
    }

    #[test]
    fn max_length_cuts() {
        let cfg = Config {
            max_frames: 100,
            ..Config::default()
        };
        let u = utterances(&speechy(5.0), cfg);
        assert!(
            u.first().is_some_and(|u| u.cut),
            "{:?}",
            u.iter()
                .map(|u| (u.start_ms, u.end_ms, u.cut))
                .collect::<Vec<_>>()
        );
    }

    /// What a scripted detector says, frame by frame; its calls and its resets.
    type Script = std::rc::Rc<std::cell::RefCell<(Vec<f32>, usize, usize)>>;

    /// A detector that says what it is told and counts its calls.
    struct Scripted {
        says: Script,
    }

    impl Detector for Scripted {
        fn speech(&mut self, _frame: &[f32]) -> f32 {
            let mut s = self.says.borrow_mut();
            let n = s.1;
            s.1 += 1;
            s.0.get(n).copied().unwrap_or(0.0)
        }
        fn reset(&mut self) {
            self.says.borrow_mut().2 += 1;
        }
    }

    fn scripted(p: Vec<f32>) -> (Segmenter, Script) {
        let says = std::rc::Rc::new(std::cell::RefCell::new((p, 0, 0)));
        let seg = Segmenter::with_detector(
            Config::default(),
            Box::new(Scripted {
                says: std::rc::Rc::clone(&says),
            }),
        );
        (seg, says)
    }

    #[test]
    fn inside_an_utterance_a_lower_probability_keeps_it_open() {
        // 0.4 is below the threshold that starts speech but above the one that keeps it:
        // after a confident start, a stretch at 0.4 is still speech; from the start, it is
        // not.
        let loud = speechy(3.0);
        let mut p = vec![0.9; 8];
        p.extend(vec![0.4; 40]);
        p.extend(vec![0.1; 30]);
        let (mut seg, _) = scripted(p);
        let u = seg.recording(&loud);
        assert_eq!(u.len(), 1, "one utterance");
        assert!(
            u[0].end_ms >= 47 * 30,
            "held through the 0.4 stretch: {}",
            u[0].end_ms
        );

        let (mut seg, _) = scripted(vec![0.4; 100]);
        let u = seg.recording(&loud);
        assert!(u.is_empty(), "0.4 alone never starts speech");
    }

    #[test]
    fn speech_from_the_first_sample_keeps_its_first_sound() {
        // A detector slow to be sure (as Silero is from a fresh state): the sound before the
        // pre-roll that leads into the speech is kept, so the first word is whole.
        let mut p = vec![0.2; 9];
        p.extend(vec![0.9; 60]);
        let (mut seg, _) = scripted(p);
        let u = seg.recording(&speechy(1.5));
        assert_eq!(u.first().map(|u| u.start_ms), Some(0), "{}", u.len());
        // Silence before the speech is not taken in beyond the pre-roll (only its first
        // frames reach the detector).
        let mut p = vec![0.0; QUIET_GAP];
        p.extend(vec![0.9; 60]);
        let (mut seg, _) = scripted(p);
        let mut audio = vec![0.0; FRAME * 20];
        audio.extend(speechy(1.5));
        let u = seg.recording(&audio);
        let start = u.first().map_or(0, |u| u.start_ms);
        assert!((250..=600).contains(&start), "{start}");
    }

    #[test]
    fn long_silence_is_not_given_to_the_detector_and_resets_it() {
        let (mut seg, says) = scripted(vec![]);
        seg.push(&vec![0.0; FRAME * 100]);
        let (_, calls, resets) = *says.borrow();
        assert_eq!(
            calls, QUIET_GAP,
            "only the first quiet frames reach the detector"
        );
        assert_eq!(resets, 1, "and then it starts afresh");
        // Sound again: the detector is asked about every frame.
        seg.push(&speechy(0.3)[..FRAME * 5]);
        assert_eq!(says.borrow().1, QUIET_GAP + 5);
    }

    #[test]
    fn an_utterance_can_be_seen_and_ended_before_its_hangover() {
        let mut s = Segmenter::new(Config::default());
        let mut audio = vec![0.0; 8_000];
        audio.extend(speechy(1.0));
        audio.extend(vec![0.0; 3_200]); // 200 ms: less than the hangover
        assert!(s.push(&audio).is_empty(), "the hangover has not passed");
        let silence = s.trailing_silence().unwrap_or(0);
        assert!((5..=7).contains(&silence), "{silence} frames of silence");
        let seen = s.so_far().expect("an utterance in progress");
        let ended = s.finish().expect("ended early");
        assert_eq!((seen.start_ms, seen.end_ms), (ended.start_ms, ended.end_ms));
        assert_eq!(seen.samples, ended.samples);
        assert!(ended.end_ms.abs_diff(1_500) <= 60, "{}", ended.end_ms);
        assert!(s.trailing_silence().is_none() && s.so_far().is_none());
    }
}
