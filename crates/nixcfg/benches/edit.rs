//! Speed of an edit plus its validation (target: under 50 ms, excluding nix).

use criterion::{Criterion, criterion_group, criterion_main};
use luminous_nixcfg::edit::{Config, SourceFile, add_packages, set_option};

const CONFIG: &str = include_str!("../../../tests/data/configuration.nix");

fn bench(c: &mut Criterion) {
    let files = [SourceFile {
        name: "configuration.nix".into(),
        text: CONFIG.into(),
    }];
    c.bench_function("add a package (parse, edit, re-validate)", |b| {
        b.iter(|| add_packages(Config { files: &files }, &["firefox"]))
    });
    c.bench_function("set an option (parse, edit, re-validate)", |b| {
        b.iter(|| set_option(Config { files: &files }, "services.openssh.enable", true))
    });
    let big: String = CONFIG.replace(
        "    wget\n",
        &(0..2000)
            .map(|i| format!("    pkg{i}\n"))
            .collect::<String>(),
    );
    let files = [SourceFile {
        name: "configuration.nix".into(),
        text: big,
    }];
    c.bench_function("add a package to a 2,000-line list", |b| {
        b.iter(|| add_packages(Config { files: &files }, &["firefox"]))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
