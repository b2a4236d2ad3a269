//! Speed of understanding and search. Targets (docs/performance.md): interpreting an utterance
//! under 1 ms; fuzzy package search under 20 ms over 100,000 names.
//!
//! The full-scale index is the nixpkgs list in `LUMINOUS_FULL_INDEX` (default
//! `../shared/data/nixpkgs-packages.jsonl.gz`, 131,348 packages); without it, 120,000
//! generated names stand in, so the benchmark always runs.

use std::io::Read;

use criterion::{Criterion, criterion_group, criterion_main};
use luminous_intent::{Package, PackageIndex, curated_index, curated_packages, interpret};

fn full_index() -> (PackageIndex, &'static str) {
    let path = std::env::var("LUMINOUS_FULL_INDEX").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/nixpkgs-packages.jsonl.gz"
        )
        .into()
    });
    if let Ok(bytes) = std::fs::read(&path) {
        let mut text = String::new();
        if flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .is_ok()
        {
            let (idx, _) = PackageIndex::parse_jsonl(&text);
            return (
                idx.merge_curated(&curated_packages(), false),
                "nixpkgs list",
            );
        }
    }
    // Deterministic pseudo-words: syllables from a fixed linear congruential sequence.
    let syl = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "xi", "ze", "pa", "qu", "so", "di", "fe", "go",
        "hu",
    ];
    let mut x: u64 = 42;
    let mut pkgs = curated_packages();
    for _ in 0..120_000 {
        let mut name = String::new();
        for _ in 0..3 + (x % 3) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            name.push_str(syl[(x >> 60) as usize]);
        }
        pkgs.push(Package {
            attr: name.clone(),
            pname: name,
            version: "1.0".into(),
            description: String::new(),
            ..Package::default()
        });
    }
    (PackageIndex::from_packages(pkgs), "generated names")
}

fn bench(c: &mut Criterion) {
    let curated = curated_index();
    c.bench_function("interpret 'install firefox' (curated index)", |b| {
        b.iter(|| interpret("install firefox", &curated))
    });
    c.bench_function(
        "interpret 'can you put htop on my computer' (curated)",
        |b| b.iter(|| interpret("can you put htop on my computer", &curated)),
    );
    let (full, what) = full_index();
    eprintln!("full-scale index: {} packages ({what})", full.len());
    c.bench_function("interpret 'install firefox' (full index)", |b| {
        b.iter(|| interpret("install firefox", &full))
    });
    c.bench_function("interpret 'install fierfox' (full index)", |b| {
        b.iter(|| interpret("install fierfox", &full))
    });
    for q in ["thunderbrid", "next cloud", "video player", "firefox"] {
        c.bench_function(&format!("search '{q}' (full index)"), |b| {
            b.iter(|| full.search(q, 10))
        });
    }
    let cache = full.to_cache();
    c.bench_function("load full index from cache text", |b| {
        b.iter(|| PackageIndex::from_cache(&cache))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
