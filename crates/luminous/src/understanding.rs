//! `luminous bench understanding FILE`: every request of a table (`what is said|intent|slot`
//! lines, `#` comments) as the first turn of its own conversation, with the models loaded
//! once: what was understood, what was offered, how long it took and whether the language
//! model was asked.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use crate::turn::{TurnArgs, offered, session};

pub(crate) fn bench(args: &TurnArgs, json: bool, table: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(table).with_context(|| format!("reading {}", table.display()))?;
    let (mut s, _dirs) = session(args, "text")?;
    // Load the model first, so that the requests measure it loaded.
    let load = Instant::now();
    let warm = s.adviser.as_ref().map(|a| a.prime());
    let load_ms = load.elapsed().as_millis() as u64;
    if warm == Some(false) {
        eprintln!("Note: the language model did not answer its first request.");
    }
    let mut rows = Vec::new();
    let mut times = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let said = line.split('|').next().unwrap_or(line);
        let before = s.adviser.as_ref().map_or(0, |a| a.consulted().len());
        // (The first consultation is the priming above, left out of the round trips.)
        s.dialogue = luminous_dialogue::Dialogue::new(s.dialogue.prefs);
        let t = Instant::now();
        let turn = s.turn(said);
        let us = t.elapsed().as_micros() as u64;
        times.push(us);
        let asked = s
            .adviser
            .as_ref()
            .map(|a| a.consulted().into_iter().skip(before).collect::<Vec<_>>())
            .unwrap_or_default();
        rows.push(serde_json::json!({
            "transcript": said,
            "intent": turn.interpretation.intent,
            "slots": turn.interpretation.slots,
            "options": offered(&turn.action),
            "reply": turn.reply.text,
            "ms": us as f64 / 1000.0,
            "model_asked": !asked.is_empty(),
            "model_answered": asked.iter().any(|c| c.answered),
        }));
    }
    times.sort_unstable();
    let pct = |p: f64| -> f64 {
        if times.is_empty() {
            return 0.0;
        }
        let i = ((times.len() - 1) as f64 * p).round() as usize;
        times[i] as f64 / 1000.0
    };
    let model = s.adviser.as_ref().map(|a| {
        let mut asked: Vec<u64> = a.consulted().iter().skip(1).map(|c| c.ms).collect();
        asked.sort_unstable();
        let at = |p: f64| {
            asked
                .get(((asked.len().max(1) - 1) as f64 * p).round() as usize)
                .copied()
        };
        serde_json::json!({
            "load_and_prime_ms": load_ms,
            "load_ms": a.load_ms(),
            "worker_rss_kb": a.worker_rss_kb(),
            "asked": asked.len(),
            "round_trip_p50_ms": at(0.5),
            "round_trip_p95_ms": at(0.95),
        })
    });
    let summary = serde_json::json!({
        "requests": rows.len(),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "model": model,
    });
    if json {
        println!(
            "{}",
            serde_json::json!({"results": rows, "summary": summary})
        );
    } else {
        for r in &rows {
            println!(
                "{}: {}",
                r["transcript"].as_str().unwrap_or(""),
                r["reply"].as_str().unwrap_or("")
            );
        }
        println!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
