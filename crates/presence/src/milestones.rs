//! Spoken milestones of a long operation: a few, never a flood. Nothing in the first
//! seconds (a quick operation just ends, and its result is said); after that a new step is
//! named ("Now upgrading packages.") when the last milestone is a while ago, and a long
//! silence gets a "still" line with the time so far. A handful per operation at most.
//! Time comes in as an argument: pure, and table-tested.

use std::time::{Duration, Instant};

/// Nothing is said this soon after the operation started.
pub const QUIET_START: Duration = Duration::from_secs(10);
/// Two milestones are at least this far apart.
pub const GAP: Duration = Duration::from_secs(30);
/// With no milestone for this long, say that it is still going.
pub const STILL: Duration = Duration::from_secs(120);
/// At most this many per operation.
pub const MOST: usize = 5;

/// The milestones of one operation.
#[derive(Debug, Clone)]
pub struct Milestones {
    started: Instant,
    last: Instant,
    said: usize,
    /// The step under way, as the executor names it ("rebuilding the system").
    step: Option<String>,
    steps: usize,
}

impl Milestones {
    /// An operation that started at `now`.
    pub fn new(now: Instant) -> Milestones {
        Milestones {
            started: now,
            last: now,
            said: 0,
            step: None,
            steps: 0,
        }
    }

    fn may(&self, now: Instant, gap: Duration) -> bool {
        self.said < MOST
            && now.duration_since(self.started) >= QUIET_START
            && now.duration_since(self.last) >= gap
    }

    fn said(&mut self, now: Instant, text: String) -> Option<String> {
        self.said += 1;
        self.last = now;
        Some(text)
    }

    /// Step `n` of `total`, `what`, begins: a line to say, when one is due.
    pub fn step(&mut self, now: Instant, n: usize, total: usize, what: &str) -> Option<String> {
        let first = self.steps == 0;
        self.steps += 1;
        self.step = Some(what.to_owned());
        // The first step is what the start of the operation already said.
        if first || total < 2 || !self.may(now, GAP) {
            return None;
        }
        self.said(now, format!("Now {what}, step {n} of {total}."))
    }

    /// Time passes: a "still" line, when one is due.
    pub fn tick(&mut self, now: Instant) -> Option<String> {
        if !self.may(now, STILL) {
            return None;
        }
        let minutes = now.duration_since(self.started).as_secs() / 60;
        let so_far = match minutes {
            0 | 1 => "about a minute so far".to_owned(),
            m => format!("{m} minutes so far"),
        };
        let text = match &self.step {
            Some(what) => format!("Still {what}; {so_far}."),
            None => format!("Still working; {so_far}."),
        };
        self.said(now, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Step `n` of `total`, named.
    type StepOf<'a> = (usize, usize, &'a str);

    /// What is said over a run of events: (seconds, Some(step) or None for a tick).
    fn run(events: &[(u64, Option<StepOf<'_>>)]) -> Vec<(u64, String)> {
        let t0 = Instant::now();
        let mut m = Milestones::new(t0);
        let mut out = Vec::new();
        for &(s, e) in events {
            let now = t0 + Duration::from_secs(s);
            let line = match e {
                Some((n, total, what)) => m.step(now, n, total, what),
                None => m.tick(now),
            };
            if let Some(l) = line {
                out.push((s, l));
            }
        }
        out
    }

    #[test]
    fn a_quick_operation_says_nothing() {
        let events: Vec<_> = (0..10).map(|s| (s, None)).collect();
        assert!(run(&events).is_empty());
        assert!(
            run(&[
                (0, Some((1, 2, "updating channels"))),
                (5, Some((2, 2, "upgrading packages")))
            ])
            .is_empty()
        );
    }

    #[test]
    fn a_new_step_is_named_once_the_start_is_a_while_ago() {
        assert_eq!(
            run(&[
                (0, Some((1, 2, "updating channels"))),
                (40, Some((2, 2, "upgrading packages"))),
            ]),
            vec![(40, "Now upgrading packages, step 2 of 2.".to_owned())]
        );
    }

    #[test]
    fn a_long_single_step_gets_a_still_line_every_two_minutes_at_most() {
        let mut events = vec![(0, Some((1, 1, "rebuilding the system")))];
        events.extend((1..=400).map(|s| (s, None)));
        assert_eq!(
            run(&events),
            vec![
                (
                    120,
                    "Still rebuilding the system; 2 minutes so far.".to_owned()
                ),
                (
                    240,
                    "Still rebuilding the system; 4 minutes so far.".to_owned()
                ),
                (
                    360,
                    "Still rebuilding the system; 6 minutes so far.".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn never_a_flood() {
        // A step every second for an hour, ticks between: five lines in all, 30 s apart or more.
        let mut events = vec![];
        for s in 0..3600u64 {
            events.push((s, Some((1 + (s as usize % 9), 10, "building"))));
            events.push((s, None));
        }
        let said = run(&events);
        assert_eq!(said.len(), MOST);
        for w in said.windows(2) {
            assert!(w[1].0 - w[0].0 >= GAP.as_secs(), "{said:?}");
        }
    }
}
