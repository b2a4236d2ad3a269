//! Convert a CTranslate2 Whisper model folder to ggml: `convert DIR OUT`.
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: convert CT2_DIR OUT.bin");
        std::process::exit(2);
    };
    let t = std::time::Instant::now();
    match luminous_models::convert::ct2_to_ggml(dir.as_ref(), out.as_ref(), &mut |_, _| {}) {
        Ok(n) => println!("{n} tensors in {:?}", t.elapsed()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
