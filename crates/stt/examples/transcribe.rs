//! Transcribe 16 kHz mono 16-bit WAV files: `transcribe MODEL FILE...` (a development aid).
fn main() {
    let mut args = std::env::args().skip(1);
    let model = args.next().unwrap_or_default();
    let mut t =
        match luminous_stt::Transcriber::load(model.as_ref(), luminous_stt::Options::default()) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
    for f in args {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        // A canonical 44-byte WAV header, 16-bit mono 16 kHz (espeak-ng + sox output).
        let samples: Vec<f32> = bytes[44..]
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
            .collect();
        let start = std::time::Instant::now();
        match t.transcribe(&samples) {
            Ok(tr) => println!(
                "{f}: {:?} ({:?}, no_speech {:.2})",
                tr.text,
                start.elapsed(),
                tr.no_speech
            ),
            Err(e) => println!("{f}: {e}"),
        }
    }
}
