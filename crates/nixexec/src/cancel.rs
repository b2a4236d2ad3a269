//! Stopping a plan under way: no further step starts, and the program running now is
//! stopped with its whole process group (SIGTERM, then SIGKILL after a grace period), so
//! that what nix or nixos-rebuild started ends too. The executor then puts the edited
//! files back (all or nothing).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a stopped program may take to end before it is killed.
pub const GRACE: Duration = Duration::from_secs(3);

/// A handle that stops a plan; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    /// The process group of the program running now.
    running: Mutex<Option<i32>>,
}

impl Cancel {
    /// A fresh handle.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// True once [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Stop: no further step starts, and the program running now is stopped. `Err` is a
    /// plain reason when it could not be signalled (it runs as another user).
    pub fn cancel(&self) -> Result<(), String> {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let group = self.inner.running.lock().ok().and_then(|g| *g);
        match group {
            Some(g) => stop_group(g),
            None => Ok(()),
        }
    }

    /// A program started, leading its own process group `pid`; stopped at once when the
    /// plan was cancelled meanwhile.
    pub(crate) fn started(&self, pid: u32) {
        let Ok(pid) = i32::try_from(pid) else { return };
        if let Ok(mut g) = self.inner.running.lock() {
            *g = Some(pid);
        }
        if self.is_cancelled() {
            let _ = stop_group(pid);
        }
    }

    /// The program ended.
    pub(crate) fn ended(&self) {
        if let Ok(mut g) = self.inner.running.lock() {
            *g = None;
        }
    }
}

fn stop_group(group: i32) -> Result<(), String> {
    use rustix::process::{Pid, Signal, kill_process_group};
    let Some(pid) = Pid::from_raw(group) else {
        return Ok(());
    };
    match kill_process_group(pid, Signal::TERM) {
        Ok(()) => {
            std::thread::spawn(move || {
                std::thread::sleep(GRACE);
                // Gone by then, usually: ESRCH is fine.
                let _ = kill_process_group(pid, Signal::KILL);
            });
            Ok(())
        }
        Err(rustix::io::Errno::PERM) => Err(
            "it runs with administrator rights, and I cannot stop it from here; it will finish on its own".into(),
        ),
        Err(_) => Ok(()),
    }
}
