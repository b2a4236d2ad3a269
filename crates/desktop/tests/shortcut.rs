//! Push-to-talk through the real xdg-desktop-portal, with a test GlobalShortcuts backend
//! standing in for the compositor: the shortcut is bound with its trigger, presses and
//! releases arrive in order; without the portal the reason is given.

use std::time::Duration;

use luminous_desktop::shortcut::{PUSH_TO_TALK, push_to_talk_on};
use luminous_test_support::dbus::Bus;
use luminous_test_support::portal::Portal;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn connect(bus: &Bus) -> zbus::Connection {
    zbus::connection::Builder::address(bus.address.as_str())
        .expect("address")
        .build()
        .await
        .expect("bus")
}

#[test]
fn presses_and_releases_come_through_the_portal() {
    let system = Bus::system();
    let session = Bus::session();
    let portal = Portal::start(&system, &session);
    let rt = runtime();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let bound = rt
        .block_on(async {
            let conn = connect(&session).await;
            tokio::time::timeout(
                Duration::from_secs(20),
                push_to_talk_on(conn, "CTRL+ALT+space", tx),
            )
            .await
        })
        .expect("bound within 20 s")
        .expect("bound");
    assert_eq!(bound.trigger, "Ctrl+Alt+Space");
    let mut next = || {
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), rx.recv()).await })
            .expect("within 10 s")
            .expect("alive")
    };
    portal.press(PUSH_TO_TALK).expect("press");
    assert!(next(), "a press");
    portal.release(PUSH_TO_TALK).expect("release");
    assert!(!next(), "a release");
    // Another app's shortcut is not ours.
    portal.press("something-else").expect("press");
    portal.press(PUSH_TO_TALK).expect("press");
    assert!(next());
}

#[test]
fn without_the_portal_the_reason_is_given() {
    let session = Bus::session();
    let rt = runtime();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err = rt
        .block_on(async {
            let conn = connect(&session).await;
            tokio::time::timeout(
                Duration::from_secs(30),
                push_to_talk_on(conn, "CTRL+ALT+space", tx),
            )
            .await
        })
        .expect("an answer within 30 s")
        .expect_err("no portal");
    assert!(err.to_string().contains("no global shortcuts"), "{err}");
}
