//! Writes the generated nixpkgs-shaped package set into a folder, for the benchmarks
//! (tests/bench-index.sh): `cargo run -p luminous-test-support --example gen_nixpkgs DIR`.
fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: gen_nixpkgs DIR");
        std::process::exit(2);
    };
    let w = luminous_test_support::nixpkgs::write(std::path::Path::new(&dir));
    println!("{} packages in {}", w.packages, w.dir.display());
}
