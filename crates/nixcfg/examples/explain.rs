//! Prints the first syntax error of each file given: a development aid.
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        println!(
            "{path}: {:?}",
            luminous_nixcfg::syntax::first_error(&path, &text)
        );
    }
}
