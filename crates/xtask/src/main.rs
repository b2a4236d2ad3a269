//! Project chores. `cargo run -p xtask -- docs` renders docs/intents.md from the intent
//! registry; `-- docs --check` fails when the committed file is stale (CI runs it).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo run` names this crate's folder at run time; the one compiled in can be another
    // clone's when a target folder is shared (CI reuses one) and nothing here changed.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = manifest_dir.join("../..");
    let path = root.join("docs/intents.md");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["docs"] => match std::fs::write(&path, luminous_intent::registry::render_markdown()) {
            Ok(()) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
        ["docs", "--check"] => {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current == luminous_intent::registry::render_markdown() {
                println!("docs/intents.md is up to date");
                ExitCode::SUCCESS
            } else {
                eprintln!("docs/intents.md is stale: run cargo run -p xtask -- docs");
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- docs [--check]");
            ExitCode::FAILURE
        }
    }
}
