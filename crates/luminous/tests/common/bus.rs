//! Following a running daemon's announcements in tests.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use luminous_desktop::{Announcement, Client};

/// The announcements until `pick` finds what it wants (or 40 s pass); on failure, what was
/// seen and the daemon's log at `log`.
pub fn next<T>(
    follow: &Receiver<Announcement>,
    what: &str,
    log: Option<&Path>,
    mut pick: impl FnMut(&Announcement) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(a) = follow.recv_timeout(Duration::from_millis(200)) {
            if let Some(t) = pick(&a) {
                return t;
            }
            seen.push(a);
        }
    }
    panic!(
        "waited 40 s for {what}; saw {seen:?}; the service said:\n{}",
        log.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    );
}

/// A reply whose JSON has `event`: its text and JSON.
pub fn replied(
    follow: &Receiver<Announcement>,
    event: &str,
    log: Option<&Path>,
) -> (String, serde_json::Value) {
    next(follow, event, log, |a| match a {
        Announcement::Replied(text, json) => {
            let j: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            (j["event"] == event).then(|| (text.clone(), j))
        }
        _ => None,
    })
}

/// The daemon on the bus at `address`, once it is past its start: it claims its name
/// before its loop runs, and until then `status` says only that it is starting.
pub fn started_client(address: &str) -> Client {
    let t = Instant::now();
    loop {
        if let Some(c) = Client::at_address(address)
            && c.status()
                .is_ok_and(|(_, details)| !details.contains("\"starting\""))
        {
            return c;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the daemon did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
