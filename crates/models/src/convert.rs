//! CTranslate2 Whisper (`model.bin`, `vocabulary.txt`) to whisper.cpp's ggml format.
//!
//! CTranslate2 stores a model as named tensors; whisper.cpp wants its own names, some
//! tensors split (fused query-key-value projections), biases of the key projections dropped
//! (CTranslate2 keeps zeros there), 1-D tensors in f32, a mel filterbank and the byte-level
//! vocabulary. The result loads in whisper.cpp and transcribes as CTranslate2 does.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use half::f16;

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The input is not what a CTranslate2 Whisper model looks like.
    #[error("not a CTranslate2 Whisper model: {0}")]
    Format(String),
}

fn format(msg: impl Into<String>) -> ConvertError {
    ConvertError::Format(msg.into())
}

/// One CTranslate2 variable.
#[derive(Debug, Clone)]
struct Var {
    dims: Vec<usize>,
    /// 0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16.
    dtype: u8,
    data: Vec<u8>,
}

impl Var {
    fn floats(&self) -> Result<Vec<f32>, ConvertError> {
        match self.dtype {
            0 => Ok(self
                .data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()),
            4 => Ok(self
                .data
                .chunks_exact(2)
                .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect()),
            5 => Ok(self
                .data
                .chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect()),
            d => Err(format(format!("unsupported weight type {d}"))),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ConvertError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format("the file ends too early"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ConvertError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ConvertError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, ConvertError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A uint16 length that counts the trailing NUL, the bytes, the NUL.
    fn string(&mut self) -> Result<String, ConvertError> {
        let n = usize::from(self.u16()?);
        let b = self.take(n)?;
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        String::from_utf8(b.to_vec()).map_err(|_| format("a name is not UTF-8"))
    }
}

/// Parse CTranslate2's `model.bin` (binary version 6).
fn read_ct2(bytes: &[u8]) -> Result<HashMap<String, Var>, ConvertError> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u32()?;
    if version != 6 {
        return Err(format(format!("binary version {version}, expected 6")));
    }
    let spec = r.string()?;
    if spec != "WhisperSpec" {
        return Err(format(format!("the model is a {spec}, not a WhisperSpec")));
    }
    let _revision = r.u32()?;
    let count = r.u32()?;
    let mut vars = HashMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let rank = r.u8()?;
        let dims = (0..rank)
            .map(|_| r.u32().map(|d| d as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let dtype = r.u8()?;
        let nbytes = r.u32()? as usize;
        let data = r.take(nbytes)?.to_vec();
        vars.insert(name, Var { dims, dtype, data });
    }
    let aliases = r.u32()?;
    for _ in 0..aliases {
        let (alias, target) = (r.string()?, r.string()?);
        if let Some(v) = vars.get(&target).cloned() {
            vars.insert(alias, v);
        }
    }
    Ok(vars)
}

/// GPT-2's byte-to-character table, reversed: the characters of a byte-level token back to bytes.
fn unicode_to_bytes() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from(b'!')..=u32::from(b'~'))
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut chars = printable.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !printable.contains(&b) {
            printable.push(b);
            chars.push(256 + n);
            n += 1;
        }
    }
    printable
        .into_iter()
        .zip(chars)
        .filter_map(|(b, c)| Some((char::from_u32(c)?, u8::try_from(b).ok()?)))
        .collect()
}

/// The Slaney-style mel filterbank, computed as librosa's `filters.mel(sr, n_fft, n_mels)` does
/// (float64 arithmetic, float32 result).
pub fn mel_filters(sample_rate: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    let hz_to_mel = |f: f64| {
        if f >= min_log_hz {
            min_log_mel + (f / min_log_hz).ln() / logstep
        } else {
            f / f_sp
        }
    };
    let mel_to_hz = |m: f64| {
        if m >= min_log_mel {
            min_log_hz * (logstep * (m - min_log_mel)).exp()
        } else {
            f_sp * m
        }
    };
    let n_freqs = 1 + n_fft / 2;
    let fftfreqs: Vec<f64> = (0..n_freqs)
        .map(|i| i as f64 * (sample_rate / 2.0) / (n_freqs - 1) as f64)
        .collect();
    let (min_mel, max_mel) = (hz_to_mel(0.0), hz_to_mel(sample_rate / 2.0));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(min_mel + (max_mel - min_mel) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut weights = vec![0f32; n_mels * n_freqs];
    for i in 0..n_mels {
        let (lo, mid, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
        let enorm = 2.0 / (hi - lo);
        for (j, &f) in fftfreqs.iter().enumerate() {
            let lower = (f - lo) / (mid - lo);
            let upper = (hi - f) / (hi - mid);
            let w = lower.min(upper).max(0.0) as f32;
            weights[i * n_freqs + j] = (f64::from(w) * enorm) as f32;
        }
    }
    weights
}

struct Out<'p> {
    buf: Vec<u8>,
    tensors: usize,
    total: usize,
    progress: &'p mut dyn FnMut(usize, usize),
}

impl Out<'_> {
    fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// One tensor: dims as in PyTorch (outermost first); written reversed as ggml wants.
    fn tensor(
        &mut self,
        name: &str,
        dims: &[usize],
        data: &[f32],
        as_f16: bool,
    ) -> Result<(), ConvertError> {
        if dims.iter().product::<usize>() != data.len() {
            return Err(format(format!(
                "{name}: {} values for shape {dims:?}",
                data.len()
            )));
        }
        self.i32(dims.len() as i32);
        self.i32(name.len() as i32);
        self.i32(i32::from(as_f16));
        for d in dims.iter().rev() {
            self.i32(*d as i32);
        }
        self.buf.extend_from_slice(name.as_bytes());
        for v in data {
            if as_f16 {
                self.buf.extend_from_slice(&f16::from_f32(*v).to_le_bytes());
            } else {
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        self.tensors += 1;
        (self.progress)(self.tensors, self.total);
        Ok(())
    }
}

struct Model(HashMap<String, Var>);

impl Model {
    fn get(&self, name: &str) -> Result<&Var, ConvertError> {
        self.0
            .get(name)
            .ok_or_else(|| format(format!("missing tensor {name}")))
    }
    fn floats(&self, name: &str) -> Result<Vec<f32>, ConvertError> {
        self.get(name)?.floats()
    }
}

/// A linear layer: f16 weight, f32 bias.
fn linear(o: &mut Out<'_>, m: &Model, ct2: &str, cpp: &str) -> Result<(), ConvertError> {
    let w = m.get(&format!("{ct2}/weight"))?;
    o.tensor(&format!("{cpp}.weight"), &w.dims, &w.floats()?, true)?;
    let b = m.floats(&format!("{ct2}/bias"))?;
    o.tensor(&format!("{cpp}.bias"), &[b.len()], &b, false)
}

/// A layer norm: gamma and beta become weight and bias, f32.
fn norm(o: &mut Out<'_>, m: &Model, ct2: &str, cpp: &str) -> Result<(), ConvertError> {
    let g = m.floats(&format!("{ct2}/gamma"))?;
    o.tensor(&format!("{cpp}.weight"), &[g.len()], &g, false)?;
    let b = m.floats(&format!("{ct2}/beta"))?;
    o.tensor(&format!("{cpp}.bias"), &[b.len()], &b, false)
}

/// Split a fused projection into its parts (by rows), keeping biases except for keys, which
/// whisper has none of (CTranslate2 stores zeros there: checked, then dropped).
fn split(
    o: &mut Out<'_>,
    m: &Model,
    ct2: &str,
    parts: &[(String, bool)],
) -> Result<(), ConvertError> {
    let w = m.get(&format!("{ct2}/weight"))?;
    let (rows, cols) = (w.dims[0] / parts.len(), w.dims[1]);
    let wf = w.floats()?;
    let bf = m.floats(&format!("{ct2}/bias"))?;
    for (i, (name, has_bias)) in parts.iter().enumerate() {
        o.tensor(
            &format!("{name}.weight"),
            &[rows, cols],
            &wf[i * rows * cols..(i + 1) * rows * cols],
            true,
        )?;
        let bias = &bf[i * rows..(i + 1) * rows];
        if *has_bias {
            o.tensor(&format!("{name}.bias"), &[rows], bias, false)?;
        } else if bias.iter().any(|v| *v != 0.0) {
            return Err(format(format!(
                "{name} has a bias, which whisper.cpp has no place for"
            )));
        }
    }
    Ok(())
}

/// Convert the CTranslate2 model in `dir` (with `model.bin` and `vocabulary.txt`) to a
/// whisper.cpp ggml file at `out`. `progress` is told (done, total) tensors.
pub fn ct2_to_ggml(
    dir: &Path,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize, ConvertError> {
    let read = |name: &str| -> Result<Vec<u8>, ConvertError> {
        let p = dir.join(name);
        let mut v = Vec::new();
        std::fs::File::open(&p)
            .and_then(|mut f| f.read_to_end(&mut v))
            .map_err(|source| ConvertError::Io {
                path: p.display().to_string(),
                source,
            })?;
        Ok(v)
    };
    let m = Model(read_ct2(&read("model.bin")?)?);
    let vocab_text = String::from_utf8(read("vocabulary.txt")?)
        .map_err(|_| format("vocabulary.txt is not UTF-8"))?;
    let vocab: Vec<&str> = vocab_text.lines().collect();

    let layers = |prefix: &str| {
        (0..)
            .take_while(|i| {
                m.0.contains_key(&format!("{prefix}/layer_{i}/ffn/linear_0/weight"))
            })
            .count()
    };
    let (n_audio_layer, n_text_layer) = (layers("encoder"), layers("decoder"));
    let emb = m.get("decoder/embeddings/weight")?;
    let (n_vocab, n_text_state) = (emb.dims[0], emb.dims[1]);
    let audio_pos = m.get("encoder/position_encodings/encodings")?;
    let (n_audio_ctx, n_audio_state) = (audio_pos.dims[0], audio_pos.dims[1]);
    let n_text_ctx = m.get("decoder/position_encodings/encodings")?.dims[0];
    let n_mels = m.get("encoder/conv1/weight")?.dims[1];
    let heads = |name: &str| -> Result<i32, ConvertError> {
        let v = m.get(name)?;
        match (v.dtype, v.data.as_slice()) {
            (2, [a, b]) => Ok(i32::from(i16::from_le_bytes([*a, *b]))),
            (3, [a, b, c, d]) => Ok(i32::from_le_bytes([*a, *b, *c, *d])),
            (1, [a]) => Ok(i32::from(*a as i8)),
            _ => Err(format(format!("{name} is not a small integer"))),
        }
    };
    let (n_audio_head, n_text_head) = (heads("encoder/num_heads")?, heads("decoder/num_heads")?);

    let total = 13 + n_audio_layer * 15 + n_text_layer * 24;
    let mut o = Out {
        buf: Vec::with_capacity(80 << 20),
        tensors: 0,
        total,
        progress,
    };
    o.i32(0x6767_6d6c);
    for v in [n_vocab, n_audio_ctx, n_audio_state] {
        o.i32(v as i32);
    }
    o.i32(n_audio_head);
    o.i32(n_audio_layer as i32);
    for v in [n_text_ctx, n_text_state] {
        o.i32(v as i32);
    }
    o.i32(n_text_head);
    o.i32(n_text_layer as i32);
    o.i32(n_mels as i32);
    o.i32(1); // ftype: mostly f16
    let n_fft = 400;
    o.i32(n_mels as i32);
    o.i32((1 + n_fft / 2) as i32);
    for f in mel_filters(16_000.0, n_fft, n_mels) {
        o.buf.extend_from_slice(&f.to_le_bytes());
    }
    // The byte-level vocabulary up to and including <|endoftext|>; whisper.cpp adds the rest.
    let eot = vocab
        .iter()
        .position(|t| *t == "<|endoftext|>")
        .ok_or_else(|| format("no <|endoftext|> in vocabulary.txt"))?;
    let table = unicode_to_bytes();
    o.i32((eot + 1) as i32);
    for tok in &vocab[..=eot] {
        let bytes: Vec<u8> = if tok.starts_with("<|") {
            tok.as_bytes().to_vec()
        } else {
            tok.chars()
                .map(|c| {
                    table
                        .get(&c)
                        .copied()
                        .ok_or_else(|| format(format!("token {tok:?} is not byte-level")))
                })
                .collect::<Result<_, _>>()?
        };
        o.i32(bytes.len() as i32);
        o.buf.extend_from_slice(&bytes);
    }

    // The encoder stem and the tensors shared by all layers.
    for conv in ["conv1", "conv2"] {
        let w = m.get(&format!("encoder/{conv}/weight"))?;
        o.tensor(
            &format!("encoder.{conv}.weight"),
            &w.dims,
            &w.floats()?,
            true,
        )?;
        let b = m.floats(&format!("encoder/{conv}/bias"))?;
        // whisper.cpp reads conv biases as 2-D with ne = [1, n].
        o.tensor(&format!("encoder.{conv}.bias"), &[b.len(), 1], &b, false)?;
    }
    o.tensor(
        "encoder.positional_embedding",
        &audio_pos.dims,
        &audio_pos.floats()?,
        false,
    )?;
    o.tensor(
        "decoder.positional_embedding",
        &[n_text_ctx, n_text_state],
        &m.floats("decoder/position_encodings/encodings")?,
        false,
    )?;
    o.tensor(
        "decoder.token_embedding.weight",
        &emb.dims,
        &emb.floats()?,
        true,
    )?;
    norm(&mut o, &m, "encoder/layer_norm", "encoder.ln_post")?;
    norm(&mut o, &m, "decoder/layer_norm", "decoder.ln")?;

    for (prefix, n) in [("encoder", n_audio_layer), ("decoder", n_text_layer)] {
        for i in 0..n {
            let (c, p) = (
                format!("{prefix}/layer_{i}"),
                format!("{prefix}.blocks.{i}"),
            );
            let qkv = [
                (format!("{p}.attn.query"), true),
                (format!("{p}.attn.key"), false),
                (format!("{p}.attn.value"), true),
            ];
            split(&mut o, &m, &format!("{c}/self_attention/linear_0"), &qkv)?;
            linear(
                &mut o,
                &m,
                &format!("{c}/self_attention/linear_1"),
                &format!("{p}.attn.out"),
            )?;
            norm(
                &mut o,
                &m,
                &format!("{c}/self_attention/layer_norm"),
                &format!("{p}.attn_ln"),
            )?;
            if prefix == "decoder" {
                linear(
                    &mut o,
                    &m,
                    &format!("{c}/attention/linear_0"),
                    &format!("{p}.cross_attn.query"),
                )?;
                let kv = [
                    (format!("{p}.cross_attn.key"), false),
                    (format!("{p}.cross_attn.value"), true),
                ];
                split(&mut o, &m, &format!("{c}/attention/linear_1"), &kv)?;
                linear(
                    &mut o,
                    &m,
                    &format!("{c}/attention/linear_2"),
                    &format!("{p}.cross_attn.out"),
                )?;
                norm(
                    &mut o,
                    &m,
                    &format!("{c}/attention/layer_norm"),
                    &format!("{p}.cross_attn_ln"),
                )?;
            }
            linear(
                &mut o,
                &m,
                &format!("{c}/ffn/linear_0"),
                &format!("{p}.mlp.0"),
            )?;
            linear(
                &mut o,
                &m,
                &format!("{c}/ffn/linear_1"),
                &format!("{p}.mlp.2"),
            )?;
            norm(
                &mut o,
                &m,
                &format!("{c}/ffn/layer_norm"),
                &format!("{p}.mlp_ln"),
            )?;
        }
    }
    let tensors = o.tensors;
    let tmp = out.with_extension("partial");
    std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(&o.buf)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, out))
        .map_err(|source| ConvertError::Io {
            path: out.display().to_string(),
            source,
        })?;
    Ok(tensors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_table_covers_all_bytes() {
        let t = unicode_to_bytes();
        assert_eq!(t.len(), 256);
        assert_eq!(t.get(&'Ġ'), Some(&b' '));
        assert_eq!(t.get(&'!'), Some(&b'!'));
    }

    #[test]
    fn mel_filters_match_librosa() {
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80): the whole bank was compared
        // bit for bit in development; these entries keep that honest.
        let f = mel_filters(16_000.0, 400, 80);
        assert_eq!(f.len(), 80 * 201);
        let at = |m: usize, k: usize| f[m * 201 + k];
        assert_eq!(at(0, 1), 0.024_862_595_f32);
        assert_eq!(at(79, 190), 0.002_232_055);
        assert_eq!(at(5, 7), 0.0);
        assert!(f.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn garbage_is_a_format_error() {
        assert!(matches!(read_ct2(b"nope"), Err(ConvertError::Format(_))));
        let mut v = 6u32.to_le_bytes().to_vec();
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(b"Foo\0");
        assert!(
            read_ct2(&v)
                .unwrap_err()
                .to_string()
                .contains("not a WhisperSpec")
        );
    }
}
