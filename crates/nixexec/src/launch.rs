//! Starting a program for the user to try: attached to their terminal when there is one;
//! otherwise a program with a window on its own, and a terminal program in their terminal
//! emulator (`xdg-terminal-exec`, else `$TERMINAL`). Argv only, never a shell.

use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use luminous_dialogue::{Launched, StepOutcome};

/// Whether this process has a terminal to lend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// Standard input and output are a terminal: programs run attached to it.
    Terminal,
    /// No terminal (voice, a service, a pipe): programs are started on their own.
    Detached,
}

impl Console {
    /// This process's own.
    pub fn of_this_process() -> Console {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            Console::Terminal
        } else {
            Console::Detached
        }
    }
}

static ATTACHED: AtomicUsize = AtomicUsize::new(0);

/// True while a program runs attached to this process's terminal (Ctrl-C is then the
/// program's, not ours).
pub fn attached_child() -> bool {
    ATTACHED.load(Ordering::SeqCst) > 0
}

/// Run `argv` on this process's terminal and wait for it.
pub fn attached(argv: &[String], env: &[(String, String)]) -> StepOutcome {
    let Some((program, mut cmd)) = crate::runner::command(argv, env) else {
        return failed("there was nothing to run".into());
    };
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    ATTACHED.fetch_add(1, Ordering::SeqCst);
    let status = cmd.status();
    ATTACHED.fetch_sub(1, Ordering::SeqCst);
    match status {
        Ok(st) => StepOutcome {
            exit_code: st.code(),
            launched: Some(Launched::Here),
            ..StepOutcome::default()
        },
        Err(e) => failed(not_started(program, &e)),
    }
}

/// Start `argv` for a user without a terminal here. `built` is what the build step printed
/// (the package's store paths): a package with a desktop entry that is not a terminal one
/// has a window.
pub fn detached(argv: &[String], built: &str, env: &[(String, String)]) -> StepOutcome {
    let windowed = out_paths(built)
        .iter()
        .any(|out| has_window(Path::new(out)));
    let (full, launched) = if windowed {
        (argv.to_vec(), Launched::Window)
    } else {
        match terminal_emulator(env) {
            Some(mut term) => {
                let emulator = term.first().cloned().unwrap_or_default();
                term.extend(argv.iter().cloned());
                (term, Launched::Terminal { emulator })
            }
            None => {
                return StepOutcome {
                    exit_code: Some(0),
                    launched: Some(Launched::NoTerminal),
                    ..StepOutcome::default()
                };
            }
        }
    };
    let Some((program, mut cmd)) = crate::runner::command(&full, env) else {
        return failed("there was nothing to run".into());
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: it outlives us and our Ctrl-C.
        .process_group(0);
    match cmd.spawn() {
        Ok(mut child) => {
            // Reaped when it ends, whenever that is.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            StepOutcome {
                exit_code: Some(0),
                launched: Some(launched),
                ..StepOutcome::default()
            }
        }
        Err(e) => failed(not_started(program, &e)),
    }
}

/// The store paths in `nix build --json` output (`[{"outputs": {"out": PATH}}]`), or in
/// plain lines of paths.
fn out_paths(built: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(built.trim()) {
        Ok(v) => v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["outputs"].as_object())
            .flat_map(|o| o.values().filter_map(|p| p.as_str().map(str::to_owned)))
            .collect(),
        Err(_) => built
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('/'))
            .map(str::to_owned)
            .collect(),
    }
}

/// True when `out` holds a desktop entry for a program with a window
/// (`share/applications/*.desktop` without `Terminal=true`).
fn has_window(out: &Path) -> bool {
    std::fs::read_dir(out.join("share/applications"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "desktop"))
                .any(|p| {
                    std::fs::read_to_string(&p).is_ok_and(|t| {
                        !t.lines()
                            .any(|l| l.trim().eq_ignore_ascii_case("terminal=true"))
                    })
                })
        })
        .unwrap_or(false)
}

/// The user's terminal emulator, as an argv prefix: `xdg-terminal-exec` (the freedesktop
/// way), else `$TERMINAL -e`.
fn terminal_emulator(env: &[(String, String)]) -> Option<Vec<String>> {
    let var = |k: &str| {
        env.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(k).ok())
    };
    let path = var("PATH").unwrap_or_default();
    let on_path = |program: &str| -> Option<PathBuf> {
        path.split(':')
            .map(|d| Path::new(d).join(program))
            .find(|p| p.is_file())
    };
    if on_path("xdg-terminal-exec").is_some() {
        return Some(vec!["xdg-terminal-exec".into()]);
    }
    var("TERMINAL")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(|t| vec![t, "-e".into()])
}

fn failed(why: String) -> StepOutcome {
    StepOutcome {
        error: Some(why),
        ..StepOutcome::default()
    }
}

fn not_started(program: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        format!("{program} is not installed on this machine.")
    } else {
        format!("{program} could not start: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_window_program_starts_on_its_own_and_a_terminal_one_in_the_emulator() {
        let dir = tempfile::tempdir().expect("tmp");
        let gui = dir.path().join("gui");
        std::fs::create_dir_all(gui.join("share/applications")).expect("dir");
        std::fs::write(
            gui.join("share/applications/app.desktop"),
            "[Desktop Entry]\nType=Application\nExec=app\n",
        )
        .expect("w");
        let tui = dir.path().join("tui");
        std::fs::create_dir_all(tui.join("share/applications")).expect("dir");
        std::fs::write(
            tui.join("share/applications/top.desktop"),
            "[Desktop Entry]\nTerminal=true\n",
        )
        .expect("w");
        assert!(has_window(&gui));
        assert!(!has_window(&tui));
        assert!(!has_window(&dir.path().join("nothing")));

        let marker = dir.path().join("ran");
        let touch = argv(&["touch", marker.to_str().expect("utf8")]);
        let built = format!(
            r#"[{{"drvPath":"/x.drv","outputs":{{"out":"{}"}}}}]"#,
            gui.display()
        );
        assert_eq!(out_paths(&built), vec![gui.display().to_string()]);
        let out = detached(&touch, &built, &[]);
        assert_eq!(out.launched, Some(Launched::Window), "{out:?}");
        for _ in 0..50 {
            if marker.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(marker.exists());

        // No emulator anywhere: not started, and said so.
        let env = vec![
            ("PATH".to_owned(), "/nonexistent".to_owned()),
            ("TERMINAL".to_owned(), String::new()),
        ];
        let out = detached(&touch, tui.to_str().expect("utf8"), &env);
        assert_eq!(out.launched, Some(Launched::NoTerminal));
        // $TERMINAL, with -e and the argv after it.
        let env = vec![
            ("PATH".to_owned(), "/nonexistent".to_owned()),
            ("TERMINAL".to_owned(), "/bin/echo".to_owned()),
        ];
        let out = detached(&touch, tui.to_str().expect("utf8"), &env);
        assert_eq!(
            out.launched,
            Some(Launched::Terminal {
                emulator: "/bin/echo".into()
            })
        );
    }
}
