//! Playing to the speaker (rodio on cpal), stoppable at any moment for barge-in.

use std::num::NonZero;

/// The speaker could not be used.
#[derive(Debug, thiserror::Error)]
#[error("no speaker is available ({0}); use --to FILE.wav to write the speech to a file")]
pub struct NoSpeaker(pub String);

/// The default output device, open.
pub struct Speaker {
    // The device must outlive the player connected to its mixer: declared last, dropped last.
    player: rodio::Player,
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
        use cpal::traits::{DeviceTrait, HostTrait};
        let output = cpal::default_host()
            .default_output_device()
            .ok_or_else(|| NoSpeaker("the system reports none".into()))?;
        let rate = output
            .default_output_config()
            .map_err(|e| NoSpeaker(e.to_string()))?
            .sample_rate();
        // About 20 ms of buffering (rodio's default is 50 ms): what is queued in the device
        // still plays after a stop, so this bounds how late barge-in silences the answer.
        let mut device = rodio::DeviceSinkBuilder::from_device(output)
            .map_err(|e| NoSpeaker(e.to_string()))?
            .with_buffer_size(cpal::BufferSize::Fixed((rate / 50).max(256)))
            .open_stream()
            .map_err(|e| NoSpeaker(e.to_string()))?;
        device.log_on_drop(false);
        let player = rodio::Player::connect_new(device.mixer());
        Ok(Speaker {
            player,
            _device: device,
        })
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
