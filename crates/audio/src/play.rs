//! Playing to the speaker (rodio on cpal), stoppable at any moment for barge-in.

use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The speaker could not be used.
#[derive(Debug, thiserror::Error)]
#[error("no speaker is available ({0}); use --to FILE.wav to write the speech to a file")]
pub struct NoSpeaker(pub String);

/// The default output device, open.
pub struct Speaker {
    // The device must outlive the player connected to its mixer: declared last, dropped last.
    player: rodio::Player,
    broken: Arc<AtomicBool>,
    _device: rodio::MixerDeviceSink,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker")
            .field("idle", &self.player.empty())
            .finish_non_exhaustive()
    }
}

impl Speaker {
    /// Open the default speaker.
    pub fn open() -> Result<Speaker, NoSpeaker> {
        let broken = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&broken);
        // rodio's own callback prints every error, which floods standard error (and a screen
        // reader) when a device dies; one line, and a flag the caller can act on, is enough.
        let mut device = rodio::DeviceSinkBuilder::from_default_device()
            .map_err(|e| NoSpeaker(e.to_string()))?
            .with_error_callback(move |e| {
                if !flag.swap(true, Ordering::SeqCst) {
                    eprintln!("speaker: {e}");
                }
            })
            .open_stream()
            .map_err(|e| NoSpeaker(e.to_string()))?;
        device.log_on_drop(false);
        let player = rodio::Player::connect_new(device.mixer());
        Ok(Speaker {
            player,
            broken,
            _device: device,
        })
    }

    /// True once the device has reported an error: open it again to go on speaking.
    pub fn broken(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    /// Queue mono samples at `rate` to play after what is already queued.
    pub fn play(&self, samples: Vec<f32>, rate: u32) {
        let (Some(ch), Some(sr)) = (NonZero::new(1u16), NonZero::new(rate)) else {
            return;
        };
        self.player
            .append(rodio::buffer::SamplesBuffer::new(ch, sr, samples));
    }

    /// Stop at once and drop what is queued (barge-in).
    pub fn stop(&self) {
        self.player.stop();
    }

    /// True when nothing is playing or queued.
    pub fn idle(&self) -> bool {
        self.player.empty()
    }

    /// Block until everything queued has played.
    pub fn wait(&self) {
        self.player.sleep_until_end();
    }
}
