//! The ears' rules, table-tested: synthetic speech (a voice-like buzz webrtc-vad takes for
//! speech) goes in, each utterance at its own loudness, and a fake whisper knows which
//! words each loudness stands for.

use std::time::{Duration, Instant};

use luminous_audio::synth::speechy;
use luminous_stt::Transcript;

use super::{Ears, Heard, Options, Transcribe};

/// A fake whisper: the loudest sample of each stretch of sound says which words it was.
struct Words {
    /// (peak, words), quietest first.
    known: Vec<(f32, &'static str)>,
    /// How many times it was asked.
    calls: usize,
    /// Fail every transcription.
    broken: bool,
}

impl Transcribe for Words {
    fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, String> {
        self.calls += 1;
        if self.broken {
            return Err("whisper could not run".into());
        }
        // Each stretch of sound between pauses of 0.1 s or more is one utterance.
        let mut parts: Vec<f32> = Vec::new();
        let (mut peak, mut still) = (0.0f32, 0usize);
        for s in samples {
            if s.abs() < 1e-6 {
                still += 1;
                if still == 1_600 && peak > 0.0 {
                    parts.push(peak);
                    peak = 0.0;
                }
            } else {
                still = 0;
                peak = peak.max(s.abs());
            }
        }
        if peak > 0.0 {
            parts.push(peak);
        }
        let words: Vec<&str> = parts
            .iter()
            .filter_map(|peak| {
                self.known
                    .iter()
                    .min_by(|a, b| (a.0 - peak).abs().total_cmp(&(b.0 - peak).abs()))
                    .map(|k| k.1)
            })
            .collect();
        Ok(Transcript {
            text: words.join(" "),
            no_speech: 0.01,
            confidence: 0.9,
            words: vec![],
        })
    }

    /// "and vlc" sounds like "remove vlc", which the rules understand.
    fn reconsider(&mut self, _heard: &str, request: &str) -> Option<String> {
        (request == "and vlc").then(|| "remove vlc".to_owned())
    }

    /// "phoenix" is "hey nix" on the sound.
    fn called(&mut self, heard: &str, phrase: &str) -> Option<String> {
        let rest = heard.strip_prefix("phoenix ")?;
        (phrase == "hey nix").then(|| rest.to_owned())
    }
}

/// One step of a case.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Say these words (one of the script's), for so many seconds, then 0.6 s of silence.
    Say(&'static str, f32),
    /// Start saying these words, for so many seconds, and be cut off.
    Begin(&'static str, f32),
    /// Silence for so many seconds.
    Quiet(f32),
    /// Time passes with no audio (the microphone is paused).
    Wait(f32),
    Press,
    Release,
    Toggle,
    /// The host gave the reply to the speaker; whether an answer is awaited.
    Replied(bool),
    /// The assistant starts (true) or stops speaking.
    Talking(bool),
    Listening(bool),
    Lost,
}

const SCRIPT: [&str; 7] = [
    "install firefox",
    "hey nix install firefox",
    "yes",
    "list generations",
    "and vlc",
    "hey nix",
    "phoenix roll back",
];

/// The loudness that stands for `words`.
fn gain(words: &str) -> f32 {
    let at = SCRIPT.iter().position(|w| *w == words).unwrap_or(0);
    0.2 + 0.12 * at as f32
}

struct Rig {
    ears: Ears,
    stt: Words,
    now: Instant,
    talking: bool,
    /// When each request came, in seconds from the start.
    times: Vec<f32>,
    start: Instant,
}

impl Rig {
    fn new(opts: Options, listening: bool, whole: fn(&str) -> bool) -> Rig {
        // The fake whisper's table: each script entry at the peak its loudness makes.
        let base = speechy(1.0, 1.0).iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let known = SCRIPT.iter().map(|w| (gain(w) * base, *w)).collect();
        let now = Instant::now();
        Rig {
            ears: Ears::new(
                opts,
                listening,
                Box::new(whole),
                Box::new(luminous_audio::segment::WebRtc::default()),
                now,
            ),
            stt: Words {
                known,
                calls: 0,
                broken: false,
            },
            now,
            talking: false,
            times: vec![],
            start: now,
        }
    }

    /// Feed `samples` in 64 ms chunks, as the microphone delivers them.
    fn feed(&mut self, samples: &[f32], out: &mut Vec<Heard>) {
        for chunk in samples.chunks(1024) {
            self.now += Duration::from_secs_f32(chunk.len() as f32 / 16_000.0);
            let heard = self
                .ears
                .audio(chunk, self.now, self.talking, &mut self.stt);
            self.note(heard, out);
        }
    }

    fn note(&mut self, heard: Vec<Heard>, out: &mut Vec<Heard>) {
        for h in heard {
            if matches!(h, Heard::Request(_)) {
                self.times
                    .push(self.now.duration_since(self.start).as_secs_f32());
            }
            out.push(h);
        }
    }

    fn run(&mut self, steps: &[Step]) -> Vec<Heard> {
        let mut out = Vec::new();
        for step in steps {
            match *step {
                Step::Say(words, secs) => {
                    let mut audio = speechy(secs, gain(words));
                    audio.extend(vec![0.0; 9_600]);
                    self.feed(&audio, &mut out);
                }
                Step::Begin(words, secs) => self.feed(&speechy(secs, gain(words)), &mut out),
                Step::Quiet(secs) => self.feed(&vec![0.0; (secs * 16_000.0) as usize], &mut out),
                Step::Wait(secs) => {
                    self.now += Duration::from_secs_f32(secs);
                    let h = self.ears.tick(self.now, self.talking, &mut self.stt);
                    self.note(h, &mut out);
                }
                Step::Press => {
                    let h = self.ears.press(self.now, self.talking);
                    self.note(h, &mut out);
                }
                Step::Release => {
                    let h = self.ears.release(self.now, &mut self.stt);
                    self.note(h, &mut out);
                }
                Step::Toggle => {
                    let h = self.ears.toggle(self.now, self.talking, &mut self.stt);
                    self.note(h, &mut out);
                }
                Step::Replied(awaiting) => self.ears.replied(awaiting),
                Step::Talking(on) => self.talking = on,
                Step::Listening(on) => {
                    let h = self.ears.set_listening(on);
                    self.note(h, &mut out);
                }
                Step::Lost => {
                    let h = self.ears.lost();
                    self.note(h, &mut out);
                }
            }
        }
        out
    }
}

/// The events, in short words; speech start and end (the state `hearing`) left out.
fn summary(heard: &[Heard]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in heard {
        let s = match h {
            Heard::StopSpeech => "stop speech".to_owned(),
            Heard::Capture(true) => "capture open".to_owned(),
            Heard::Capture(false) => "capture closed".to_owned(),
            Heard::Speech(_) => continue,
            Heard::Ignored(t) => format!("ignored {t:?}"),
            Heard::Request(r) => format!(
                "request {:?}{}",
                r.request,
                if r.spoken.overlapped {
                    " (overlapped)"
                } else {
                    ""
                }
            ),
            Heard::Failed(e) => format!("failed: {e}"),
            Heard::Nothing => "nothing".to_owned(),
        };
        // Barge-in is said once per stretch of speech: repeats say nothing new.
        if out.last() != Some(&s) {
            out.push(s);
        }
    }
    out
}

fn wake() -> Options {
    Options {
        wake: Some("hey nix".into()),
        follow_up: Duration::from_secs(5),
    }
}

fn never(_: &str) -> bool {
    false
}

use Step::*;

/// A name, the options, whether listening is on, the steps, and what must come of them.
type Case = (&'static str, Options, bool, Vec<Step>, Vec<&'static str>);

#[test]
fn the_rules_of_hearing() {
    let no_wake = Options {
        wake: None,
        ..wake()
    };
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("talk among people is ignored", wake(), true,
            vec![Quiet(0.5), Say("install firefox", 1.0)], vec![r#"ignored "install firefox""#]),
        ("the wake phrase starts a request", wake(), true,
            vec![Quiet(0.5), Say("hey nix install firefox", 1.5)],
            vec![r#"request "install firefox""#]),
        ("a misspelt wake phrase that fits the sound as well wakes it", wake(), true,
            vec![Quiet(0.5), Say("phoenix roll back", 1.2)], vec![r#"request "roll back""#]),
        ("the wake phrase alone is an empty request (the host asks what)", wake(), true,
            vec![Say("hey nix", 0.6)], vec![r#"request """#]),
        ("without a wake phrase everything is a request", no_wake.clone(), true,
            vec![Say("install firefox", 1.0)], vec![r#"request "install firefox""#]),
        ("an awaited answer needs no wake phrase", wake(), true,
            vec![Say("hey nix install firefox", 1.5), Replied(true), Quiet(1.0), Say("yes", 0.5)],
            vec![r#"request "install firefox""#, r#"request "yes""#]),
        ("a follow-up within the window needs no wake phrase", wake(), true,
            vec![Say("hey nix install firefox", 1.5), Replied(false), Quiet(2.0),
                 Say("list generations", 1.0)],
            vec![r#"request "install firefox""#, r#"request "list generations""#]),
        ("after the window it does again", wake(), true,
            vec![Say("hey nix install firefox", 1.5), Replied(false), Quiet(6.0),
                 Say("list generations", 1.0)],
            vec![r#"request "install firefox""#, r#"ignored "list generations""#]),
        ("the window opens only when the reply has been said", wake(), true,
            vec![Say("hey nix install firefox", 1.5), Replied(false), Talking(true), Quiet(7.0),
                 Talking(false), Quiet(1.0), Say("list generations", 1.0)],
            vec![r#"request "install firefox""#, r#"request "list generations""#]),
        ("speech over the assistant stops it and is marked", no_wake.clone(), true,
            vec![Talking(true), Say("yes", 0.6)],
            vec!["stop speech", r#"request "yes" (overlapped)"#]),
        ("held: speech before the press is ignored, the rest is one request", wake(), false,
            vec![Say("install firefox", 1.0), Press, Say("list generations", 1.0), Release],
            vec!["capture open", "capture closed", r#"request "list generations""#]),
        ("held: a pause does not end it, the release does", no_wake.clone(), false,
            vec![Press, Say("install firefox", 1.0), Quiet(1.0), Say("and vlc", 0.8), Release],
            vec!["capture open", "capture closed", r#"request "install firefox and vlc""#]),
        ("held: a press stops the assistant's speech", wake(), false,
            vec![Talking(true), Press, Talking(false), Say("yes", 0.6), Release],
            vec!["stop speech", "capture open", "capture closed", r#"request "yes""#]),
        ("held: the key takes over from hands-free listening", wake(), true,
            vec![Begin("install firefox", 0.6), Press, Say("install firefox", 1.0), Release],
            vec!["capture open", "capture closed", r#"request "install firefox""#]),
        ("held with nothing said", wake(), false,
            vec![Press, Quiet(1.0), Release], vec!["capture open", "capture closed", "nothing"]),
        ("toggled: ends at the end of speech", wake(), false,
            vec![Toggle, Say("list generations", 1.0), Quiet(0.5)],
            vec!["capture open", "capture closed", r#"request "list generations""#]),
        ("toggled: a second toggle ends it", wake(), false,
            vec![Toggle, Begin("yes", 0.5), Toggle],
            vec!["capture open", "capture closed", r#"request "yes""#]),
        ("toggled with nobody speaking ends on its own", wake(), false,
            vec![Toggle, Wait(9.0)], vec!["capture open", "capture closed", "nothing"]),
        ("a release without a press does nothing", wake(), false,
            vec![Release, Say("yes", 0.5)], vec![]),
        ("the microphone lost mid-request: half a request is dropped", no_wake.clone(), true,
            vec![Begin("install firefox", 0.8), Lost, Quiet(0.5)], vec![]),
        ("the microphone lost during a capture closes it", wake(), false,
            vec![Press, Lost], vec!["capture open", "capture closed"]),
        ("listening turned off mid-utterance drops it", no_wake.clone(), true,
            vec![Begin("install firefox", 0.8), Listening(false), Listening(true), Quiet(1.0)],
            vec![]),
        ("a request may be heard as one that sounds the same and is understood", wake(), true,
            vec![Say("hey nix", 0.6), Replied(false), Quiet(1.0), Say("and vlc", 0.8)],
            vec![r#"request """#, r#"request "remove vlc""#]),
        ("an answer is taken as it was heard", wake(), true,
            vec![Say("hey nix", 0.6), Replied(true), Quiet(1.0), Say("and vlc", 0.8)],
            vec![r#"request """#, r#"request "and vlc""#]),
        ("listening off: speech is not heard", no_wake.clone(), true,
            vec![Listening(false), Say("install firefox", 1.0)], vec![]),
    ];
    for (name, opts, listening, steps, want) in cases {
        let mut rig = Rig::new(opts, listening, never);
        let heard = rig.run(&steps);
        assert_eq!(summary(&heard), want, "{name}: {heard:?}");
    }
}

#[test]
fn a_whisper_failure_is_reported_not_acted_on() {
    let mut rig = Rig::new(wake(), true, never);
    rig.stt.broken = true;
    let heard = rig.run(&[Say("install firefox", 1.0)]);
    assert_eq!(summary(&heard), vec!["failed: whisper could not run"]);
}

#[test]
fn a_whole_request_ends_before_the_pause_has_passed() {
    // The same words twice: once when the words so far are known to be a whole request, once
    // when they are not. The whole one comes out sooner, and whisper ran once for it.
    let timing = |whole: fn(&str) -> bool| {
        let mut rig = Rig::new(wake(), true, whole);
        let heard = rig.run(&[Say("hey nix install firefox", 1.5), Quiet(1.0)]);
        assert_eq!(
            summary(&heard),
            vec![r#"request "install firefox""#],
            "{heard:?}"
        );
        (rig.times[0], rig.stt.calls)
    };
    let (early, calls) = timing(|t| t == "install firefox");
    let (late, _) = timing(never);
    assert!(early + 0.1 < late, "early {early} s, late {late} s");
    assert_eq!(calls, 1, "the early transcript is the one used");
}

#[test]
fn a_pause_shorter_than_the_end_of_a_turn_never_cuts_a_whole_request() {
    // Whisper runs early in the pause, and "install firefox" is whole; but the user goes on
    // before the pause is long enough to end the turn, so the request is all of it.
    let mut rig = Rig::new(wake(), true, |t| t == "install firefox");
    let heard = rig.run(&[
        Begin("hey nix install firefox", 1.5),
        Quiet(0.14),
        Say("and vlc", 0.6),
        Quiet(1.0),
    ]);
    assert_eq!(
        summary(&heard),
        vec![r#"request "install firefox and vlc""#],
        "{heard:?}"
    );
    assert!(rig.stt.calls >= 2, "whisper ran early, in the short pause");
}

#[test]
fn audio_is_wanted_only_while_listening_or_capturing() {
    let mut rig = Rig::new(wake(), false, never);
    assert!(!rig.ears.wants_audio());
    rig.run(&[Press]);
    assert!(rig.ears.wants_audio());
    rig.run(&[Release]);
    assert!(!rig.ears.wants_audio());
    rig.run(&[Listening(true)]);
    assert!(rig.ears.wants_audio());
}
