//! The desktop's signals from emulated peers on private buses: python-dbusmock's logind
//! (session lock, idle, active; PrepareForSleep with our delay inhibitor) and GNOME
//! screensaver templates, and a small mock of Mutter's idle monitor.

use std::time::Duration;

use luminous_desktop::watch::{Signal, Watched, watch};
use luminous_presence::Change;
use luminous_test_support::dbus::{Bus, Mock, call};

const LOGIN: &str = "org.freedesktop.login1";

fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Signal>,
    rt: &tokio::runtime::Runtime,
) -> Signal {
    rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), rx.recv()).await })
        .expect("a change within 10 s")
        .expect("the watcher is alive")
}

/// logind's list of inhibitors, as gdbus prints it.
fn list_inhibitors(system: &Bus) -> String {
    call(
        &system.address,
        LOGIN,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager.ListInhibitors",
        &[],
    )
    .expect("list")
}

#[test]
fn logind_screensaver_and_idle_monitor_feed_the_policy() {
    let system = Bus::system();
    let session = Bus::session();
    let _logind = luminous_test_support::dbus::logind(&system, &session);
    let _saver = Mock::start(
        &system,
        &session,
        &session.address,
        "org.gnome.ScreenSaver",
        &["--template", "gnome_screensaver"],
    );
    let _idle = Mock::start(
        &system,
        &session,
        &session.address,
        "org.gnome.Mutter.IdleMonitor",
        &[
            "--session",
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor",
        ],
    );
    let idle_path = "/org/gnome/Mutter/IdleMonitor/Core";
    call(
        &session.address,
        "org.gnome.Mutter.IdleMonitor",
        idle_path,
        "org.freedesktop.DBus.Mock.AddMethods",
        &[
            "org.gnome.Mutter.IdleMonitor",
            "[('AddIdleWatch', 't', 'u', 'ret = 1'), ('AddUserActiveWatch', '', 'u', 'ret = 2')]",
        ],
    )
    .expect("idle monitor methods");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watched = rt.block_on(async {
        let sys = zbus::connection::Builder::address(system.address.as_str())
            .expect("address")
            .build()
            .await
            .expect("system");
        let ses = zbus::connection::Builder::address(session.address.as_str())
            .expect("address")
            .build()
            .await
            .expect("session");
        watch(Some(sys), Some(ses), tx, Duration::from_secs(300)).await
    });
    assert_eq!(
        watched,
        Watched {
            sources: vec![
                "logind session",
                "logind sleep",
                "GNOME screensaver",
                "GNOME idle monitor"
            ]
        }
    );
    // The current state first: logind's three hints, then the screensaver's.
    let mut first = Vec::new();
    for _ in 0..4 {
        first.push(next(&mut rx, &rt).change);
    }
    for want in [
        Change::Locked(false),
        Change::Idle(false),
        Change::Active(true),
    ] {
        assert!(first.contains(&want), "{first:?}");
    }
    // Our delay inhibitor is held while awake.
    let inhibitors = list_inhibitors(&system);
    assert!(
        inhibitors.contains("Luminous") && inhibitors.contains("delay"),
        "{inhibitors}"
    );

    let session_path = "/org/freedesktop/login1/session/auto";
    call(
        &system.address,
        LOGIN,
        session_path,
        "org.freedesktop.login1.Session.SetLockedHint",
        &["true"],
    )
    .expect("lock");
    assert_eq!(next(&mut rx, &rt).change, Change::Locked(true));
    call(
        &system.address,
        LOGIN,
        session_path,
        "org.freedesktop.DBus.Mock.UpdateProperties",
        &["org.freedesktop.login1.Session", "{'IdleHint': <true>}"],
    )
    .expect("idle");
    assert_eq!(next(&mut rx, &rt).change, Change::Idle(true));
    call(
        &session.address,
        "org.gnome.ScreenSaver",
        "/org/gnome/ScreenSaver",
        "org.gnome.ScreenSaver.SetActive",
        &["true"],
    )
    .expect("saver");
    assert_eq!(next(&mut rx, &rt).change, Change::Locked(true));

    // Before sleep: reported with a handle; the inhibitor goes once it is dropped.
    call(
        &system.address,
        LOGIN,
        "/org/freedesktop/login1",
        "org.freedesktop.DBus.Mock.EmitSignal",
        &[
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            "b",
            "[<true>]",
        ],
    )
    .expect("sleep");
    let sleep = next(&mut rx, &rt);
    assert_eq!(sleep.change, Change::Sleep(true));
    drop(sleep.done);
    std::thread::sleep(Duration::from_millis(500));
    let inhibitors = list_inhibitors(&system);
    assert!(
        !inhibitors.contains("Luminous"),
        "released before sleep: {inhibitors}"
    );
    call(
        &system.address,
        LOGIN,
        "/org/freedesktop/login1",
        "org.freedesktop.DBus.Mock.EmitSignal",
        &[
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            "b",
            "[<false>]",
        ],
    )
    .expect("resume");
    assert_eq!(next(&mut rx, &rt).change, Change::Sleep(false));

    // Mutter: the idle watch fires, then the user-active watch.
    for (id, want) in [("1", Change::Idle(true)), ("2", Change::Idle(false))] {
        call(
            &session.address,
            "org.gnome.Mutter.IdleMonitor",
            idle_path,
            "org.freedesktop.DBus.Mock.EmitSignal",
            &[
                "org.gnome.Mutter.IdleMonitor",
                "WatchFired",
                "u",
                &format!("[<uint32 {id}>]"),
            ],
        )
        .expect("fire");
        assert_eq!(next(&mut rx, &rt).change, want);
    }

    // Nothing there: nothing watched, and no error.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let empty = Bus::session();
    let none = rt.block_on(async {
        let ses = zbus::connection::Builder::address(empty.address.as_str())
            .expect("address")
            .build()
            .await
            .expect("session");
        watch(None, Some(ses), tx, Duration::from_secs(300)).await
    });
    assert!(none.sources.is_empty());
}
