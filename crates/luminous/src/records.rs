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

/// `luminous vocab list`: the learned phrases, one a line ("my browser: firefox").
pub(crate) fn vocab_list(json: bool) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let words = Store::open(&dirs.store())?.vocabulary()?;
    if json {
        println!("{}", serde_json::to_string(&words)?);
    } else if words.is_empty() {
        println!("No words of yours are learned yet.");
    } else {
        for w in &words {
            println!("{}: {} ({})", w.phrase, w.value, w.slot);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `luminous vocab forget PHRASE | --all`.
pub(crate) fn vocab_forget(all: bool, phrase: &str) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    let phrase = luminous_intent::normalize::normalize(phrase).text();
    match (all, phrase.is_empty()) {
        (true, true) => {
            let n = store.forget_words(None)?;
            println!("Forgot {n} learned words.");
            Ok(ExitCode::SUCCESS)
        }
        (false, false) => match store.forget_words(Some(&phrase))? {
            0 => {
                println!("No learned word is \"{phrase}\". luminous vocab list shows them.");
                Ok(ExitCode::from(1))
            }
            _ => {
                println!("Forgot \"{phrase}\".");
                Ok(ExitCode::SUCCESS)
            }
        },
        (true, false) => {
            println!("Give a phrase or --all, not both.");
            Ok(ExitCode::from(2))
        }
        (false, true) => {
            println!("Say which phrase to forget (luminous vocab list shows them), or --all.");
            Ok(ExitCode::from(2))
        }
    }
}

/// `luminous export`: the whole record, as JSON.
pub(crate) fn export() -> anyhow::Result<ExitCode> {
    let dirs = Dirs::discover()?;
    let store = Store::open(&dirs.store())?;
    println!("{}", serde_json::to_string_pretty(&store.export()?)?);
    Ok(ExitCode::SUCCESS)
}
