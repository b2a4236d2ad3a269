//! Playing to the speaker, stoppable at any moment for barge-in. rodio mixes what is queued;
//! the device stream is ours, so that it can rest while there is nothing to say (a stream
//! playing silence costs the process and the sound server CPU all day), and so that a stop
//! discards what the device has buffered instead of letting it play out.

use std::num::NonZero;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};

/// The speaker could not be used.
#[derive(Debug, thiserror::Error)]
#[error("no speaker is available ({0}); use --to FILE.wav to write the speech to a file")]
pub struct NoSpeaker(pub String);

/// Nothing queued for this long: the stream rests. Longer than any device buffer, so the
/// end of the last sound has been heard.
const REST_AFTER: Duration = Duration::from_millis(500);

/// Longer than the device buffer (two 50 ms periods) and the sound server's own latency.
const DRAIN: Duration = Duration::from_millis(200);

/// How the device is opened, kept to open it again after a stop.
struct Output {
    device: cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    broken: Arc<AtomicBool>,
    /// Where what is played goes for echo cancellation.
    reference: Option<Arc<crate::echo::Reference>>,
}

/// One device stream and the player feeding it.
struct Live {
    player: rodio::Player,
    stream: cpal::Stream,
    running: Running,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Running {
    /// Playing, or playing silence since the queue was first seen empty.
    Playing { empty_since: Option<Instant> },
    /// Built but not started, or paused.
    Resting,
    /// The device cannot pause: it plays silence until it is replaced.
    Always,
}

/// The default output device, open.
pub struct Speaker {
    output: Output,
    live: Mutex<Live>,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker")
            .field("idle", &self.idle())
            .finish_non_exhaustive()
    }
}

/// Marks the speaker broken, saying why once: a dying device reports every period, which
/// would flood standard error (and a screen reader); one line and a flag the caller can act on
/// are enough.
fn report(broken: &AtomicBool, e: impl std::fmt::Display) {
    if !broken.swap(true, Ordering::SeqCst) {
        eprintln!("speaker: {e}");
    }
}

fn build<T>(out: &Output, mut source: rodio::mixer::MixerSource) -> Result<cpal::Stream, String>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let broken = Arc::clone(&out.broken);
    let reference = out.reference.clone();
    let (rate, channels) = (out.config.sample_rate, usize::from(out.config.channels));
    // What was played, for the echo canceller (the first channel; no allocation here).
    let mut mono = [0f32; 512];
    out.device
        .build_output_stream::<T, _, _>(
            out.config,
            move |data: &mut [T], _| {
                let now = Instant::now();
                for block in data.chunks_mut(mono.len() * channels.max(1)) {
                    let mut n = 0;
                    for (i, d) in block.iter_mut().enumerate() {
                        let v = source.next().unwrap_or(0.0);
                        if i % channels.max(1) == 0 {
                            mono[n] = v;
                            n += 1;
                        }
                        *d = T::from_sample(v);
                    }
                    if let Some(r) = &reference {
                        r.played(rate, &mono[..n], now);
                    }
                }
            },
            move |e| report(&broken, e),
            None,
        )
        .map_err(|e| e.to_string())
}

impl Output {
    /// A new stream and player; `play` starts the stream, otherwise it rests until needed.
    fn start(&self, play: bool) -> Result<Live, String> {
        let (Some(channels), Some(rate)) = (
            NonZero::new(self.config.channels),
            NonZero::new(self.config.sample_rate),
        ) else {
            return Err("the device reports no channels or rate".into());
        };
        let (mixer, source) = rodio::mixer::mixer(channels, rate);
        let stream = crate::by_sample_format!(self.format, build(self, source))?;
        let running = if play {
            stream.play().map_err(|e| e.to_string())?;
            Running::Playing { empty_since: None }
        } else {
            Running::Resting
        };
        Ok(Live {
            player: rodio::Player::connect_new(&mixer),
            stream,
            running,
        })
    }
}

impl Speaker {
    /// Open the default speaker.
    pub fn open() -> Result<Speaker, NoSpeaker> {
        Speaker::open_with(None)
    }

    /// Open the default speaker, telling `reference` what it plays (for echo cancellation).
    pub fn open_with(reference: Option<Arc<crate::echo::Reference>>) -> Result<Speaker, NoSpeaker> {
        let device = cpal::default_host()
            .default_output_device()
            .ok_or_else(|| NoSpeaker("the system reports none".into()))?;
        let supported = device
            .default_output_config()
            .map_err(|e| NoSpeaker(e.to_string()))?;
        let format = supported.sample_format();
        let mut config: cpal::StreamConfig = supported.into();
        // 50 ms, rodio's choice: ALSA's PulseAudio plugin fails with less.
        config.buffer_size = cpal::BufferSize::Fixed(config.sample_rate / 20);
        let output = Output {
            device,
            config,
            format,
            broken: Arc::new(AtomicBool::new(false)),
            reference,
        };
        let live = output.start(true).map_err(NoSpeaker)?;
        Ok(Speaker {
            output,
            live: Mutex::new(live),
        })
    }

    /// True once the device has reported an error: open it again to go on speaking.
    pub fn broken(&self) -> bool {
        self.output.broken.load(Ordering::SeqCst)
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        // Plain values: a panic elsewhere cannot leave them half-written.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue mono samples at `rate` to play after what is already queued.
    pub fn play(&self, samples: Vec<f32>, rate: u32) {
        let (Some(ch), Some(sr)) = (NonZero::new(1u16), NonZero::new(rate)) else {
            return;
        };
        let mut live = self.live();
        match live.running {
            Running::Resting => match live.stream.play() {
                Ok(()) => live.running = Running::Playing { empty_since: None },
                Err(e) => report(&self.output.broken, e),
            },
            Running::Playing { .. } => live.running = Running::Playing { empty_since: None },
            Running::Always => {}
        }
        live.player
            .append(rodio::buffer::SamplesBuffer::new(ch, sr, samples));
    }

    /// Let the device stream rest once nothing has been queued for a while; the next
    /// [`Speaker::play`] wakes it. Call it now and then (the voice loop does, each turn).
    pub fn rest(&self) {
        let mut live = self.live();
        let Running::Playing { empty_since } = live.running else {
            return;
        };
        if !live.player.empty() {
            live.running = Running::Playing { empty_since: None };
            return;
        }
        let since = empty_since.unwrap_or_else(Instant::now);
        live.running = if since.elapsed() < REST_AFTER {
            Running::Playing {
                empty_since: Some(since),
            }
        } else if live.stream.pause().is_ok() {
            Running::Resting
        } else {
            Running::Always
        };
    }

    /// Stop at once (barge-in): what is queued is dropped, and so is the device stream with
    /// the audio it holds, which would otherwise play on for as long as its buffer lasts.
    /// A new stream, resting, takes its place.
    pub fn stop(&self) {
        let mut live = self.live();
        live.player.stop();
        match self.output.start(false) {
            // Assigning drops the old stream: the sound system discards what it held.
            Ok(fresh) => *live = fresh,
            Err(e) => report(&self.output.broken, e),
        }
    }

    /// True when nothing is playing or queued.
    pub fn idle(&self) -> bool {
        self.live().player.empty()
    }

    /// Block until everything queued has played, including what the device still holds
    /// (cpal cannot drain a stream: dropping it early cuts the last words off).
    pub fn wait(&self) {
        self.live().player.sleep_until_end();
        std::thread::sleep(DRAIN);
    }
}
