//! WAV files: any rate from 8 to 48 kHz, mono or stereo, 8/16/24/32-bit integer or 32-bit
//! float, read as 16 kHz mono in chunks (a ten-minute file never sits in memory whole), and
//! 16-bit mono written.

use std::path::Path;

use rubato::{FftFixedIn, Resampler};

/// Why a WAV could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// Not a WAV file, or a damaged one.
    #[error("{path} is not a readable WAV file ({why})")]
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A kind of WAV we do not read.
    #[error("{path}: {why}")]
    Unsupported {
        /// The file.
        path: String,
        /// What is not supported.
        why: String,
    },
    /// Writing failed.
    #[error("cannot write {path}: {why}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
}

/// What a WAV file held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WavInfo {
    /// Its sample rate.
    pub sample_rate: u32,
    /// Its channels.
    pub channels: u16,
    /// Its length in seconds.
    pub seconds: f32,
    /// True when only the first `max_seconds` were read.
    pub truncated: bool,
}

/// Converts a stream of samples at any rate to 16 kHz, chunk by chunk. The output is aligned
/// with the input (the resampler's delay is removed) and, once finished, exactly as long as
/// the input at 16 kHz.
pub struct To16k {
    resampler: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    rate: u32,
    /// Output samples still to drop (the resampler's delay).
    skip: usize,
    input_frames: u64,
    emitted: u64,
}

impl std::fmt::Debug for To16k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("To16k")
            .field("rate", &self.rate)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl To16k {
    /// A converter from `rate`.
    pub fn new(rate: u32) -> Result<To16k, String> {
        let resampler = if rate == crate::RATE {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(rate as usize, crate::RATE as usize, 1024, 2, 1)
                    .map_err(|e| e.to_string())?,
            )
        };
        let skip = resampler.as_ref().map_or(0, Resampler::output_delay);
        Ok(To16k {
            resampler,
            pending: Vec::new(),
            rate,
            skip,
            input_frames: 0,
            emitted: 0,
        })
    }

    fn emit(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let drop = self.skip.min(samples.len());
        self.skip -= drop;
        out.extend_from_slice(&samples[drop..]);
        self.emitted += (samples.len() - drop) as u64;
    }

    /// Feed mono samples; converted ones are appended to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.input_frames += input.len() as u64;
        if self.resampler.is_none() {
            out.extend_from_slice(input);
            self.emitted += input.len() as u64;
            return;
        }
        self.pending.extend_from_slice(input);
        loop {
            let Some(r) = self.resampler.as_mut() else {
                return;
            };
            let need = r.input_frames_next();
            if self.pending.len() < need {
                break;
            }
            let chunk: Vec<f32> = self.pending.drain(..need).collect();
            if let Ok(res) = r.process(&[chunk], None) {
                self.emit(&res[0], out);
            }
        }
    }

    /// Flush what is left, and cut to the exact length.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let start = out.len() as u64 - self.emitted.min(out.len() as u64);
        let expected = self.input_frames * u64::from(crate::RATE) / u64::from(self.rate);
        let Some(r) = self.resampler.as_mut() else {
            return;
        };
        let rest = std::mem::take(&mut self.pending);
        let tail = r.process_partial(Some(&[rest]), None).ok();
        let flush = r.process_partial::<Vec<f32>>(None, None).ok();
        for part in [tail, flush].into_iter().flatten() {
            self.emit(&part[0], out);
        }
        out.truncate((start + expected) as usize);
    }
}

/// Read a WAV file as 16 kHz mono, at most `max_seconds` of it.
pub fn read_16k_mono(path: &Path, max_seconds: f32) -> Result<(Vec<f32>, WavInfo), WavError> {
    let shown = path.display().to_string();
    let unreadable = |why: String| WavError::Unreadable {
        path: shown.clone(),
        why,
    };
    let mut reader = hound::WavReader::open(path).map_err(|e| unreadable(e.to_string()))?;
    let spec = reader.spec();
    let unsupported = |why: String| WavError::Unsupported {
        path: shown.clone(),
        why,
    };
    if !(8_000..=48_000).contains(&spec.sample_rate) {
        return Err(unsupported(format!(
            "a sample rate of {} Hz is not supported (8,000 to 48,000 Hz are)",
            spec.sample_rate
        )));
    }
    if !(1..=2).contains(&spec.channels) {
        return Err(unsupported(format!(
            "{} channels are not supported (mono or stereo are)",
            spec.channels
        )));
    }
    let channels = usize::from(spec.channels);
    let total_frames = reader.duration() as usize;
    let max_frames = (max_seconds * spec.sample_rate as f32) as usize;
    let frames = total_frames.min(max_frames);
    let mut conv = To16k::new(spec.sample_rate).map_err(unsupported)?;
    let mut out =
        Vec::with_capacity(frames * crate::RATE as usize / spec.sample_rate as usize + 1024);
    let mut frame = Vec::with_capacity(4096);
    let mut acc = 0.0f32;
    let mut n_in_frame = 0usize;
    let mut taken = 0usize;
    let mut push = |v: f32, frame: &mut Vec<f32>, out: &mut Vec<f32>, conv: &mut To16k| {
        acc += v;
        n_in_frame += 1;
        if n_in_frame == channels {
            frame.push(acc / channels as f32);
            acc = 0.0;
            n_in_frame = 0;
            taken += 1;
            if frame.len() == 4096 {
                conv.push(frame, out);
                frame.clear();
            }
        }
    };
    let limit = frames * channels;
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => {
            for s in reader.samples::<f32>().take(limit) {
                push(
                    s.map_err(|e| unreadable(e.to_string()))?,
                    &mut frame,
                    &mut out,
                    &mut conv,
                );
            }
        }
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = (1u64 << (bits - 1)) as f32;
            for s in reader.samples::<i32>().take(limit) {
                push(
                    s.map_err(|e| unreadable(e.to_string()))? as f32 / scale,
                    &mut frame,
                    &mut out,
                    &mut conv,
                );
            }
        }
        (fmt, bits) => {
            return Err(unsupported(format!(
                "{bits}-bit {fmt:?} samples are not supported"
            )));
        }
    }
    conv.push(&frame, &mut out);
    conv.finish(&mut out);
    let info = WavInfo {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        seconds: total_frames as f32 / spec.sample_rate as f32,
        truncated: total_frames > frames,
    };
    let _ = taken;
    Ok((out, info))
}

/// Write 16-bit mono.
pub fn write_mono(path: &Path, samples: &[f32], rate: u32) -> Result<(), WavError> {
    let err = |e: hound::Error| WavError::Write {
        path: path.display().to_string(),
        why: e.to_string(),
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .map_err(err)?;
    }
    w.finalize().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f32, freq: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.5 * (i as f32 * freq * std::f32::consts::TAU / rate as f32).sin())
            .collect()
    }

    fn write(path: &Path, spec: hound::WavSpec, samples: &[f32]) {
        let mut w = hound::WavWriter::create(path, spec).expect("create");
        for s in samples {
            for _ in 0..spec.channels {
                match (spec.sample_format, spec.bits_per_sample) {
                    (hound::SampleFormat::Float, _) => w.write_sample(*s).expect("w"),
                    (_, 16) => w.write_sample((*s * 32767.0) as i16).expect("w"),
                    (_, 24) => w.write_sample((*s * 8_388_607.0) as i32).expect("w"),
                    (_, 8) => w.write_sample((*s * 127.0) as i8).expect("w"),
                    _ => w.write_sample((*s * 2_147_483_647.0) as i32).expect("w"),
                }
            }
        }
        w.finalize().expect("finalize");
    }

    #[test]
    fn every_common_format_reads_as_16k_mono() {
        let dir = tempfile::tempdir().expect("tmp");
        for (rate, channels, bits, float) in [
            (8_000, 1, 16, false),
            (22_050, 2, 16, false),
            (44_100, 2, 24, false),
            (48_000, 1, 32, true),
            (16_000, 1, 8, false),
            (32_000, 2, 32, false),
        ] {
            let spec = hound::WavSpec {
                channels,
                sample_rate: rate,
                bits_per_sample: bits,
                sample_format: if float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let p = dir.path().join(format!("t{rate}-{channels}-{bits}.wav"));
            write(&p, spec, &tone(rate, 1.0, 440.0));
            let (s, info) = read_16k_mono(&p, 60.0).expect("reads");
            assert!(
                (s.len() as i64 - 16_000).abs() < 400,
                "{}: {} samples",
                p.display(),
                s.len()
            );
            let rms = (s[2000..14000].iter().map(|v| v * v).sum::<f32>() / 12000.0).sqrt();
            assert!((rms - 0.354).abs() < 0.03, "{}: rms {rms}", p.display());
            assert_eq!(info.sample_rate, rate);
        }
    }

    #[test]
    fn long_files_are_read_only_up_to_the_limit() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("long.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        write(&p, spec, &tone(16_000, 5.0, 200.0));
        let (s, info) = read_16k_mono(&p, 2.0).expect("reads");
        assert_eq!(s.len(), 32_000);
        assert!(info.truncated);
    }

    #[test]
    fn bad_files_are_explained() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("bad.wav");
        std::fs::write(&p, b"RIFF\x10\x00\x00\x00WAVEjunkjunk").expect("w");
        assert!(
            read_16k_mono(&p, 10.0)
                .expect_err("bad")
                .to_string()
                .contains("is not a readable WAV file")
        );
        let p = dir.path().join("fast.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 96_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        write(&p, spec, &tone(96_000, 0.1, 440.0));
        assert!(
            read_16k_mono(&p, 10.0)
                .expect_err("rate")
                .to_string()
                .contains("96000 Hz is not supported")
        );
        assert!(read_16k_mono(&dir.path().join("missing.wav"), 1.0).is_err());
    }
}
