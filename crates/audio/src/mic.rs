//! The default microphone, as a stream of mono chunks at the device's rate: 16 kHz mono when
//! the device offers it, otherwise its own format, downmixed. Chunks go through a bounded
//! channel, so a stalled reader never makes memory grow (audio is dropped instead); or to a
//! sink of the caller's ([`Microphone::open_into`]), which can then wait on one channel for
//! audio and everything else. Capture can be paused, so that a microphone nobody listens to
//! costs nothing and resumes at once.

use std::sync::mpsc::{Receiver, TrySendError, sync_channel};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, Sample, SizedSample};

/// What the capture thread sends.
#[derive(Debug)]
pub enum Captured {
    /// Mono samples at [`Microphone::rate`].
    Audio(Vec<f32>),
    /// The device failed (unplugged, for example).
    Lost(String),
}

/// No microphone could be opened.
#[derive(Debug, thiserror::Error)]
#[error("no microphone is available ({0})")]
pub struct NoMicrophone(pub String);

/// An open microphone; dropping it stops capture.
pub struct Microphone {
    stream: cpal::Stream,
    rx: Option<Receiver<Captured>>,
    rate: u32,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

/// Where captured audio goes; it must not block (it runs on the audio thread).
pub type Sink = std::sync::Arc<dyn Fn(Captured) + Send + Sync>;

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    sink: Sink,
) -> Result<cpal::Stream, String>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let on_error = std::sync::Arc::clone(&sink);
    device
        .build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _| {
                let mono: Vec<f32> = data
                    .chunks(channels)
                    .map(|frame| {
                        frame.iter().map(|s| f32::from_sample(*s)).sum::<f32>() / channels as f32
                    })
                    .collect();
                sink(Captured::Audio(mono));
            },
            move |e| on_error(Captured::Lost(e.to_string())),
            None,
        )
        .map_err(|e| e.to_string())
}

/// The device's format for speech: 16 kHz mono when it offers it (what whisper wants, so the
/// sound server converts, and through ALSA's PulseAudio plugin capture then wakes 16 times a
/// second instead of about 94 with spurious wake-ups in between: 4% of a core instead of 6%),
/// otherwise its default format, which the caller downmixes and resamples.
fn preferred_config(device: &cpal::Device) -> Result<cpal::SupportedStreamConfig, NoMicrophone> {
    let default = device
        .default_input_config()
        .map_err(|e| NoMicrophone(e.to_string()))?;
    Ok(match device.supported_input_configs() {
        Ok(offered) => choose(offered, default),
        Err(_) => default,
    })
}

/// The choice of [`preferred_config`] among what a device offers.
fn choose(
    offered: impl Iterator<Item = cpal::SupportedStreamConfigRange>,
    default: cpal::SupportedStreamConfig,
) -> cpal::SupportedStreamConfig {
    let speech: Vec<_> = offered
        .filter(|c| {
            c.channels() == 1
                && c.min_sample_rate() <= crate::RATE
                && c.max_sample_rate() >= crate::RATE
        })
        .collect();
    // Float first: what whisper takes, and through ALSA's PulseAudio plugin (4096-byte periods)
    // it makes 64 ms periods: 4% of a core and barge-in within about 110 ms, where 16-bit's
    // 128 ms periods cost 2% but let barge-in take up to 170 ms. 16-bit next.
    let by = |f: cpal::SampleFormat| speech.iter().find(move |c| c.sample_format() == f);
    by(cpal::SampleFormat::F32)
        .or_else(|| by(cpal::SampleFormat::I16))
        .or_else(|| speech.first())
        .map_or(default, |c| c.with_sample_rate(crate::RATE))
}

/// An input device and the format it is read in, found by [`Microphone::choose`].
pub struct Chosen {
    device: cpal::Device,
    config: cpal::SupportedStreamConfig,
}

impl std::fmt::Debug for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chosen")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Microphone {
    /// Open the default input device, in the format [`preferred_config`] chooses; read it
    /// with [`Microphone::next`].
    pub fn open() -> Result<Microphone, NoMicrophone> {
        // At least 10 s (of 20 ms chunks; chunks are often longer), a few MB at most.
        let (tx, rx) = sync_channel(512);
        // A full channel means the reader is behind: drop this chunk, keep memory bounded.
        let sink: Sink = std::sync::Arc::new(move |c| {
            if let Err(TrySendError::Disconnected(_) | TrySendError::Full(_)) = tx.try_send(c) {}
        });
        let mut m = Microphone::open_into(sink)?;
        m.rx = Some(rx);
        Ok(m)
    }

    /// Open the default input device, sending what it captures to `sink`.
    pub fn open_into(sink: Sink) -> Result<Microphone, NoMicrophone> {
        Microphone::open_chosen(&Microphone::choose()?, sink)
    }

    /// Find the default input device and the format to read it in (the slow half of
    /// opening: keep it, and open it again at once with [`Microphone::open_chosen`]).
    pub fn choose() -> Result<Chosen, NoMicrophone> {
        let host = cpal::default_host();
        let device = host
            .default_input_device()
            .ok_or_else(|| NoMicrophone("the system reports none".into()))?;
        let config = preferred_config(&device)?;
        Ok(Chosen { device, config })
    }

    /// Open a device chosen before, sending what it captures to `sink`.
    pub fn open_chosen(chosen: &Chosen, sink: Sink) -> Result<Microphone, NoMicrophone> {
        let format = chosen.config.sample_format();
        let config: cpal::StreamConfig = chosen.config.into();
        let rate = config.sample_rate;
        let stream = crate::by_sample_format!(format, build(&chosen.device, config, sink))
            .map_err(NoMicrophone)?;
        stream.play().map_err(|e| NoMicrophone(e.to_string()))?;
        Ok(Microphone {
            stream,
            rx: None,
            rate,
        })
    }

    /// Stop capturing for now, keeping the device open; errors when the device cannot pause
    /// (then drop it instead).
    pub fn pause(&self) -> Result<(), String> {
        self.stream.pause().map_err(|e| e.to_string())
    }

    /// Capture again after [`Microphone::pause`].
    pub fn resume(&self) -> Result<(), String> {
        self.stream.play().map_err(|e| e.to_string())
    }

    /// The device's sample rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The next captured chunk, waiting at most `timeout`.
    pub fn next(&self, timeout: std::time::Duration) -> Option<Captured> {
        let Some(rx) = &self.rx else {
            return Some(Captured::Lost(
                "this microphone sends its audio elsewhere".into(),
            ));
        };
        match rx.recv_timeout(timeout) {
            Ok(c) => Some(c),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Some(Captured::Lost("the capture stream ended".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cpal::{
        SampleFormat as F, SupportedBufferSize, SupportedStreamConfig, SupportedStreamConfigRange,
    };

    fn range(channels: u16, min: u32, max: u32, format: F) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(channels, min, max, SupportedBufferSize::Unknown, format)
    }

    fn pick(offered: Vec<SupportedStreamConfigRange>) -> (u16, u32, F) {
        let default = SupportedStreamConfig::new(2, 48_000, SupportedBufferSize::Unknown, F::F32);
        let c = super::choose(offered.into_iter(), default);
        (c.channels(), c.sample_rate(), c.sample_format())
    }

    #[test]
    fn speech_format_when_offered_else_the_default() {
        // ALSA's PulseAudio plugin: anything from 1 to 32 channels, 1 Hz to 384 kHz.
        let plugin = vec![
            range(2, 1, 384_000, F::F32),
            range(1, 1, 384_000, F::F32),
            range(1, 1, 384_000, F::I16),
        ];
        assert_eq!(pick(plugin), (1, 16_000, F::F32));
        assert_eq!(
            pick(vec![
                range(1, 8_000, 48_000, F::I16),
                range(1, 8_000, 48_000, F::U8)
            ]),
            (1, 16_000, F::I16)
        );
        assert_eq!(
            pick(vec![range(1, 8_000, 48_000, F::F32)]),
            (1, 16_000, F::F32)
        );
        // A sound card that only records 44.1 or 48 kHz, or only in stereo: its default.
        assert_eq!(
            pick(vec![range(1, 44_100, 48_000, F::I16)]),
            (2, 48_000, F::F32)
        );
        assert_eq!(
            pick(vec![range(2, 8_000, 48_000, F::I16)]),
            (2, 48_000, F::F32)
        );
        assert_eq!(pick(vec![]), (2, 48_000, F::F32));
    }
}
