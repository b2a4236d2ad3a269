//! `luminous-llm MODEL`: the model worker. Loads a GGUF language model (llama.cpp) or a
//! sentence-embedding model (`.safetensors` or a folder; candle), says `ready` on standard output, then answers one JSON request per line (see `luminous_llm::protocol`)
//! until standard input closes or nothing has come for `--idle-secs`, when it exits so that
//! its memory goes back to the system.

mod embed;
mod model;

use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use luminous_llm::protocol::{Hello, Outcome, Request, Response, Task};

struct Args {
    model: std::path::PathBuf,
    threads: u32,
    idle: Duration,
}

fn args() -> anyhow::Result<Args> {
    let mut model = None;
    let mut threads = None;
    let mut idle = Duration::from_secs(180);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => {
                let n = it.next().context("--threads needs a number")?;
                threads = Some(n.parse().context("--threads needs a number")?);
            }
            "--idle-secs" => {
                let n = it.next().context("--idle-secs needs a number")?;
                idle = Duration::from_secs_f64(n.parse().context("--idle-secs needs a number")?);
            }
            "--help" | "-h" => {
                println!(
                    "usage: luminous-llm MODEL [--threads N] [--idle-secs S]\n\
                     MODEL: a GGUF language model, or a sentence-embedding model\n\
                     (NAME.safetensors with NAME.tokenizer.json and NAME.config.json\n\
                     beside it, or a folder with model.safetensors, tokenizer.json\n\
                     and config.json).\n\
                     Answers JSON requests on standard input, one per line."
                );
                std::process::exit(0);
            }
            _ if model.is_none() => model = Some(a.into()),
            _ => anyhow::bail!("unexpected argument {a}"),
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    Ok(Args {
        model: model.context("usage: luminous-llm MODEL [--threads N] [--idle-secs S]")?,
        threads: threads.unwrap_or(cores).clamp(1, cores),
        idle,
    })
}

fn say(line: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, line)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn only_embeds() -> Outcome {
    Outcome::Error("this model is an embedding model: it only embeds".into())
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let start = Instant::now();
    let model_name = args
        .model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Exactly one of the two is loaded.
    let mut embedder = None;
    let mut loaded = None;
    let outcome = if embed::is_embedding_model(&args.model) {
        // candle's matrix products run on rayon's pool: as many threads as asked.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads as usize)
            .build_global();
        embed::Embedder::load(&args.model).map(|e| embedder = Some(e))
    } else {
        model::Loaded::load(&args.model, args.threads).map(|l| loaded = Some(l))
    };
    if let Err(e) = outcome {
        say(&Hello::Failed(format!("{e:#}")))?;
        std::process::exit(2);
    }
    let mut engine = match loaded.as_ref().map(model::Loaded::engine).transpose() {
        Ok(e) => e,
        Err(e) => {
            say(&Hello::Failed(format!("{e:#}")))?;
            std::process::exit(2);
        }
    };
    let load_ms = start.elapsed().as_millis() as u64;
    say(&Hello::Ready {
        model: model_name.clone(),
        load_ms,
        threads: args.threads,
    })?;
    // Lines come from a reader thread so that waiting for one can time out (idle exit).
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = match rx.recv_timeout(args.idle) {
            Ok(Ok(line)) => line,
            // Idle, or the keeper went away: exiting returns the model's memory.
            Err(_) | Ok(Err(_)) => return Ok(()),
        };
        if line.trim().is_empty() {
            continue;
        }
        let got = Instant::now();
        let req: Request = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                say(&Response {
                    id: 0,
                    took_ms: 0,
                    result: Outcome::Error(format!("not a request: {e}")),
                })?;
                continue;
            }
        };
        let deadline = got + Duration::from_millis(req.budget_ms);
        let result = match req.task {
            Task::Ping => Outcome::Pong {
                model: model_name.clone(),
                load_ms,
                threads: args.threads,
            },
            Task::Crash => std::process::exit(3),
            Task::Rank {
                chat,
                options,
                calibrated,
            } => match engine
                .as_mut()
                .map(|e| e.rank(&chat, &options, calibrated, deadline))
            {
                Some(Ok(scores)) => Outcome::Scores(scores),
                Some(Err(e)) => Outcome::Error(e.to_string()),
                None => only_embeds(),
            },
            Task::Pick { chat, labels } => match engine.as_mut().map(|e| e.pick(&chat, &labels)) {
                Some(Ok(scores)) => Outcome::Scores(scores),
                Some(Err(e)) => Outcome::Error(e.to_string()),
                None => only_embeds(),
            },
            Task::Embed { texts } => match embedder.as_ref().map(|e| e.embed(&texts, deadline)) {
                Some(Ok(v)) => Outcome::Vectors(v),
                Some(Err(e)) => Outcome::Error(e.to_string()),
                None => Outcome::Error("this model is a language model: it does not embed".into()),
            },
            Task::Choose {
                chat,
                grammar,
                max_tokens,
            } => match engine
                .as_mut()
                .map(|e| e.choose(&chat, &grammar, max_tokens, deadline))
            {
                Some(Ok(text)) => Outcome::Text(text),
                Some(Err(e)) => Outcome::Error(e.to_string()),
                None => only_embeds(),
            },
        };
        say(&Response {
            id: req.id,
            took_ms: got.elapsed().as_millis() as u64,
            result,
        })?;
    }
}
