//! `luminous bench service` and `luminous bench ears`: the service measured as it runs. The
//! first drives the running daemon over D-Bus (Ask round trips, whole conversations,
//! push-to-talk press to capture open, CPU idle and listening) and follows its memory,
//! file descriptors and threads; the second feeds the real ears and whisper many minutes of
//! room noise, hum and speech-like sound faster than real time and follows this process's.
//! Both print what they measured and assert nothing: tests/bench-service.sh runs them.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use luminous_desktop::{Announcement, Client, State};

/// Resident memory, open file descriptors and threads of a process.
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Footprint {
    rss_kb: u64,
    fds: usize,
    threads: u64,
}

fn footprint(pid: u32) -> Footprint {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Footprint {
        rss_kb: field("VmRSS:"),
        fds: std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count),
        threads: field("Threads:"),
    }
}

/// CPU time (user and system) a process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let at = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    at(11) + at(12)
}

/// The share of one core `pid` uses over `seconds`.
fn cpu_share(pid: u32, seconds: u64) -> f64 {
    let hz = rustix::param::clock_ticks_per_second() as f64;
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(seconds));
    let used = cpu_ticks(pid).saturating_sub(before) as f64;
    (100.0 * used / hz / seconds as f64 * 100.0).round() / 100.0
}

/// Percentiles of durations, in ms with a tenth.
fn spread(v: &mut [Duration]) -> serde_json::Value {
    v.sort_unstable();
    let at = |q: f64| {
        v.get(((v.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| (d.as_secs_f64() * 10_000.0).round() / 10.0)
    };
    serde_json::json!({"n": v.len(), "p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": at(1.0)})
}

/// Wait for `state` in what the daemon announces, at most `limit`.
fn wait_state(
    follow: &std::sync::mpsc::Receiver<Announcement>,
    state: State,
    limit: Duration,
) -> bool {
    let until = Instant::now() + limit;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match follow.recv_timeout(left) {
            Ok(Announcement::State(s)) if s == state => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// `luminous bench service`.
pub(crate) fn service(requests: usize, seconds: u64, json: bool) -> anyhow::Result<ExitCode> {
    let Some(c) = Client::connect() else {
        anyhow::bail!("the assistant is not running (start it with: luminous daemon)");
    };
    let pid = c.pid()?;
    let mut curve = vec![(0usize, footprint(pid))];
    let mut asks = Vec::new();
    let mut conversations = Vec::new();
    // Rule-matched requests; every fourth a whole conversation (a question and its answer).
    let singles = ["what can you do", "search firefox", "install firefox", "no"];
    let started = Instant::now();
    let mut n = 0;
    while n < requests {
        if n % 4 == 3 {
            let t = Instant::now();
            c.ask("install firefox")?;
            c.ask("no")?;
            conversations.push(t.elapsed());
            n += 2;
        } else {
            let t = Instant::now();
            c.ask(singles[n % singles.len()])?;
            asks.push(t.elapsed());
            n += 1;
        }
        if n % 200 < 2 && curve.last().is_none_or(|(m, _)| *m + 100 < n) {
            curve.push((n, footprint(pid)));
        }
    }
    let busy_s = started.elapsed().as_secs_f64();
    curve.push((n, footprint(pid)));
    let (_, details) = c.status()?;
    let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
    let hears = details["microphone"]
        .as_str()
        .is_some_and(|m| m == "listening" || m.starts_with("ready"));
    // Push-to-talk, hands-free off: from the press to the state "listening" (capture open).
    let mut presses = Vec::new();
    if hears {
        c.set_listening(false)?;
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..20 {
            let follow = c.follow()?;
            let t = Instant::now();
            c.push_to_talk(true)?;
            if wait_state(&follow, State::Listening, Duration::from_secs(2)) {
                presses.push(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(300));
            c.push_to_talk(false)?;
            let _ = wait_state(&follow, State::Idle, Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    c.set_listening(false).ok();
    std::thread::sleep(Duration::from_secs(2));
    let idle = cpu_share(pid, seconds);
    let listening = if hears {
        c.set_listening(true)?;
        std::thread::sleep(Duration::from_secs(2));
        Some(cpu_share(pid, seconds))
    } else {
        None
    };
    let end = footprint(pid);
    let out = serde_json::json!({
        "requests": n,
        "seconds": (busy_s * 10.0).round() / 10.0,
        "ask": spread(&mut asks),
        "conversation": spread(&mut conversations),
        "push_to_talk_to_capture": spread(&mut presses),
        "cpu_idle_percent": idle,
        "cpu_listening_percent": listening,
        "footprint": curve.iter().map(|(n, f)| serde_json::json!({"requests": n, "rss_kb": f.rss_kb, "fds": f.fds, "threads": f.threads})).collect::<Vec<_>>(),
        "footprint_end": end,
    });
    if json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `luminous bench ears`: `minutes` of room sound through the real ears and whisper.
pub(crate) fn ears(
    stt: luminous_stt::Transcriber,
    m: &crate::voice::ModelFiles,
    wake: &str,
    minutes: u32,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use crate::ears::Heard;
    use crate::wake_bench::{ears, feed};
    use luminous_audio::synth::{hum, pink_noise, speechy};
    let mut stt = stt;
    let start = Instant::now();
    let mut ears = ears(wake, m, start)?;
    let pid = std::process::id();
    let mut curve = vec![(0u32, footprint(pid))];
    let (mut utterances, mut requests) = (0usize, 0usize);
    let mut clock = start;
    for minute in 0..minutes {
        // A minute of a room: quiet noise, a fan that comes and goes, and a burst of
        // speech-like sound every 15 seconds (other people, the radio).
        let mut sound = pink_noise(60.0, 0.003, u64::from(minute) + 1);
        if minute % 2 == 1 {
            for (s, h) in sound.iter_mut().zip(hum(60.0, 0.02)) {
                *s += h;
            }
        }
        for burst in 0..4 {
            let at = (burst * 15 + 5) * 16_000;
            for (s, v) in sound[at..].iter_mut().zip(speechy(1.5, 0.3)) {
                *s += v;
            }
        }
        let (heard, now) = feed(&mut ears, &sound, clock, &mut stt);
        clock = now;
        for h in heard {
            match h {
                Heard::Ignored(_) => utterances += 1,
                Heard::Request(_) => {
                    utterances += 1;
                    requests += 1;
                }
                _ => {}
            }
        }
        curve.push((minute + 1, footprint(pid)));
    }
    let wall = start.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "minutes": minutes,
        "seconds": (wall * 10.0).round() / 10.0,
        "faster_than_real_time": ((f64::from(minutes) * 60.0 / wall) * 10.0).round() / 10.0,
        "utterances": utterances,
        "taken_as_requests": requests,
        "footprint": curve.iter().map(|(m, f)| serde_json::json!({"minute": m, "rss_kb": f.rss_kb, "fds": f.fds, "threads": f.threads})).collect::<Vec<_>>(),
    });
    if json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(ExitCode::SUCCESS)
}
