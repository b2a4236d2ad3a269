//! The desktop's signals about the user, turned into [`Change`]s for the speech policy:
//! logind's session (`LockedHint`, `IdleHint`, `Active` at `session/auto`) and its
//! `PrepareForSleep` (with a delay inhibitor, so speech and the microphone stop in time),
//! GNOME's and the freedesktop screensaver's `ActiveChanged`, and Mutter's idle monitor. A
//! service that is not there is not an error: what is there is watched, and [`Watched`]
//! says which.

use std::time::Duration;

use futures_util::StreamExt;
use luminous_presence::Change;
use tokio::sync::{mpsc, oneshot};
use zbus::zvariant::OwnedFd;

/// One change, and, before sleep, a handle to drop once speech and the microphone have
/// stopped (the sleep inhibitor is released then).
#[derive(Debug)]
pub struct Signal {
    /// What changed.
    pub change: Change,
    /// Drop (or send on) it when the change has been acted on.
    pub done: Option<oneshot::Sender<()>>,
}

/// What is watched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    /// Plain names of the sources found ("logind session", "GNOME screensaver", ...).
    pub sources: Vec<&'static str>,
}

#[zbus::proxy(
    interface = "org.freedesktop.login1.Session",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1/session/auto"
)]
trait Session {
    #[zbus(property)]
    fn locked_hint(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn idle_hint(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn active(&self) -> zbus::Result<bool>;
}

#[zbus::proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
trait Manager {
    fn inhibit(&self, what: &str, who: &str, why: &str, mode: &str) -> zbus::Result<OwnedFd>;
    #[zbus(signal)]
    fn prepare_for_sleep(&self, start: bool) -> zbus::Result<()>;
}

/// GNOME's `org.gnome.ScreenSaver` and KDE's (and others') `org.freedesktop.ScreenSaver`
/// have the same shape; one proxy serves both.
#[zbus::proxy(
    interface = "org.freedesktop.ScreenSaver",
    default_service = "org.freedesktop.ScreenSaver",
    default_path = "/org/freedesktop/ScreenSaver"
)]
trait ScreenSaver {
    fn get_active(&self) -> zbus::Result<bool>;
    #[zbus(signal)]
    fn active_changed(&self, active: bool) -> zbus::Result<()>;
}

#[zbus::proxy(
    interface = "org.gnome.Mutter.IdleMonitor",
    default_service = "org.gnome.Mutter.IdleMonitor",
    default_path = "/org/gnome/Mutter/IdleMonitor/Core"
)]
trait IdleMonitor {
    fn add_idle_watch(&self, interval: u64) -> zbus::Result<u32>;
    fn add_user_active_watch(&self) -> zbus::Result<u32>;
    #[zbus(signal)]
    fn watch_fired(&self, id: u32) -> zbus::Result<()>;
}

async fn has_owner(conn: &zbus::Connection, name: &str) -> bool {
    let Ok(dbus) = zbus::fdo::DBusProxy::new(conn).await else {
        return false;
    };
    let Ok(name) = zbus::names::BusName::try_from(name) else {
        return false;
    };
    dbus.name_has_owner(name).await.unwrap_or(false)
}

fn send(tx: &mpsc::UnboundedSender<Signal>, change: Change) -> bool {
    tx.send(Signal { change, done: None }).is_ok()
}

/// [`watch`] on this machine's own buses (`DBUS_SYSTEM_BUS_ADDRESS`, the session bus); a
/// bus that cannot be reached is simply not watched.
pub async fn watch_desktop(tx: mpsc::UnboundedSender<Signal>, idle_after: Duration) -> Watched {
    let system = zbus::Connection::system().await.ok();
    let session = zbus::Connection::session().await.ok();
    watch(system, session, tx, idle_after).await
}

/// Start watching what is there on the `system` and `session` buses; changes go to `tx`
/// (the current state first). `idle_after` is when Mutter's idle monitor calls the user
/// idle. Returns what is watched.
pub async fn watch(
    system: Option<zbus::Connection>,
    session: Option<zbus::Connection>,
    tx: mpsc::UnboundedSender<Signal>,
    idle_after: Duration,
) -> Watched {
    let mut watched = Watched::default();
    if let Some(sys) = system
        && has_owner(&sys, "org.freedesktop.login1").await
    {
        if let Ok(s) = SessionProxy::new(&sys).await
            && s.locked_hint().await.is_ok()
        {
            watched.sources.push("logind session");
            tokio::spawn(logind_session(s, tx.clone()));
        }
        if let Ok(m) = ManagerProxy::new(&sys).await {
            watched.sources.push("logind sleep");
            tokio::spawn(logind_sleep(m, tx.clone()));
        }
    }
    if let Some(ses) = session {
        for (name, path, what) in [
            (
                "org.gnome.ScreenSaver",
                "/org/gnome/ScreenSaver",
                "GNOME screensaver",
            ),
            (
                "org.freedesktop.ScreenSaver",
                "/org/freedesktop/ScreenSaver",
                "freedesktop screensaver",
            ),
        ] {
            if !has_owner(&ses, name).await {
                continue;
            }
            let proxy = async {
                ScreenSaverProxy::builder(&ses)
                    .destination(name)?
                    .path(path)?
                    .interface(name)?
                    .build()
                    .await
            };
            if let Ok(p) = proxy.await {
                watched.sources.push(what);
                tokio::spawn(screensaver(p, tx.clone()));
            }
        }
        if has_owner(&ses, "org.gnome.Mutter.IdleMonitor").await
            && let Ok(p) = IdleMonitorProxy::new(&ses).await
        {
            watched.sources.push("GNOME idle monitor");
            tokio::spawn(idle_monitor(p, tx.clone(), idle_after));
        }
    }
    watched
}

async fn logind_session(s: SessionProxy<'static>, tx: mpsc::UnboundedSender<Signal>) {
    let (mut locked, mut idle, mut active) = (
        s.receive_locked_hint_changed().await,
        s.receive_idle_hint_changed().await,
        s.receive_active_changed().await,
    );
    // The streams begin with the current value: only what differs from the last report
    // is a change.
    let mut last: [Option<Change>; 3] = [None; 3];
    let mut report = |slot: usize, c: Change| {
        if last[slot] == Some(c) {
            return true;
        }
        last[slot] = Some(c);
        send(&tx, c)
    };
    for (slot, c) in [
        (0, s.locked_hint().await.ok().map(Change::Locked)),
        (1, s.idle_hint().await.ok().map(Change::Idle)),
        (2, s.active().await.ok().map(Change::Active)),
    ] {
        if let Some(c) = c
            && !report(slot, c)
        {
            return;
        }
    }
    loop {
        let (slot, change) = tokio::select! {
            Some(v) = locked.next() => (0, v.get().await.ok().map(Change::Locked)),
            Some(v) = idle.next() => (1, v.get().await.ok().map(Change::Idle)),
            Some(v) = active.next() => (2, v.get().await.ok().map(Change::Active)),
            else => return,
        };
        if let Some(c) = change
            && !report(slot, c)
        {
            return;
        }
    }
}

/// Take a delay inhibitor, and on `PrepareForSleep(true)` report the sleep and release it
/// once the daemon has stopped speech and the microphone (or after a few seconds); take a
/// new one on resume.
async fn logind_sleep(m: ManagerProxy<'static>, tx: mpsc::UnboundedSender<Signal>) {
    let inhibit = || async {
        m.inhibit(
            "sleep",
            "Luminous",
            "stop speaking and listening before the machine sleeps",
            "delay",
        )
        .await
        .ok()
    };
    let mut inhibitor = inhibit().await;
    let Ok(mut sleeps) = m.receive_prepare_for_sleep().await else {
        return;
    };
    while let Some(signal) = sleeps.next().await {
        let Ok(args) = signal.args() else { continue };
        if *args.start() {
            let (done, acted) = oneshot::channel();
            if tx
                .send(Signal {
                    change: Change::Sleep(true),
                    done: Some(done),
                })
                .is_err()
            {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_secs(3), acted).await;
            drop(inhibitor.take());
        } else {
            if !send(&tx, Change::Sleep(false)) {
                return;
            }
            inhibitor = inhibit().await;
        }
    }
}

async fn screensaver(p: ScreenSaverProxy<'static>, tx: mpsc::UnboundedSender<Signal>) {
    let Ok(mut changes) = p.receive_active_changed().await else {
        return;
    };
    if let Ok(a) = p.get_active().await
        && !send(&tx, Change::Locked(a))
    {
        return;
    }
    while let Some(signal) = changes.next().await {
        if let Ok(args) = signal.args()
            && !send(&tx, Change::Locked(*args.active()))
        {
            return;
        }
    }
}

/// Mutter fires an idle watch once the user has been idle that long, and a user-active
/// watch once (on the next input): after each, the other is armed.
async fn idle_monitor(
    p: IdleMonitorProxy<'static>,
    tx: mpsc::UnboundedSender<Signal>,
    idle_after: Duration,
) {
    let Ok(mut fired) = p.receive_watch_fired().await else {
        return;
    };
    let ms = u64::try_from(idle_after.as_millis()).unwrap_or(u64::MAX);
    let Ok(idle_watch) = p.add_idle_watch(ms).await else {
        return;
    };
    let mut active_watch: Option<u32> = None;
    while let Some(signal) = fired.next().await {
        let Ok(args) = signal.args() else { continue };
        let id = *args.id();
        if id == idle_watch {
            if !send(&tx, Change::Idle(true)) {
                return;
            }
            active_watch = p.add_user_active_watch().await.ok();
        } else if Some(id) == active_watch {
            active_watch = None;
            if !send(&tx, Change::Idle(false)) {
                return;
            }
        }
    }
}
