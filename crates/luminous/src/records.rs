//! The user's own record: `history`, `export` and `forget`.

use std::process::ExitCode;

use luminous_store::Store;

use crate::settings::Dirs;

pub(crate) fn history(json: bool, limit: usize) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    let entries = store.history(limit)?;
    if json {
        println!("{}", serde_json::json!({ "history": entries }));
    } else if entries.is_empty() {
        println!("Your history is empty.");
    } else {
        for e in &entries {
            println!(
                "{} UTC, you asked: {}. I answered: {}",
                e.at, e.interaction.input, e.interaction.reply
            );
            for b in &e.backups {
                println!("  The file before that change is kept in {b}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn forget(yes: bool) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    if !yes {
        println!("Erase your whole history, execution log and preferences? Type yes to erase.");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "yes" | "y") {
            println!("Nothing was erased.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let n = store.forget()?;
    println!("Erased {n} records. Nothing is left of your history.");
    Ok(ExitCode::SUCCESS)
}

/// `luminous export`: the whole record, as JSON.
pub(crate) fn export() -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    println!("{}", serde_json::to_string_pretty(&store.export()?)?);
    Ok(ExitCode::SUCCESS)
}
