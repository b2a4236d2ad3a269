//! `luminous daemon` with the desktop around it, each peer emulated on private buses: in
//! quiet mode a result goes to a desktop notification (python-dbusmock's notification
//! daemon); with a screen reader on (`org.a11y.Status`), results are said through
//! speech-dispatcher (a recording SSIP peer) at priority "text", or through Orca's
//! `PresentMessage` when Orca is on the bus, and never through Piper (this machine has no
//! speech models installed here: without a screen reader the daemon could not speak at all).

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::Env;
use luminous_desktop::Client;
use luminous_test_support::dbus::{Bus, Mock, call};
use luminous_test_support::ssip::Recorder;

/// A daemon on `session`, stopped by PID; its stderr in the env's `daemon.err`.
struct Daemon {
    child: Child,
    client: Client,
    env: Env,
}

impl Daemon {
    fn start(session: &Bus, system: &Bus, extra: &[(&str, &str)]) -> Daemon {
        let env = Env::new();
        env.settings("");
        let path = env.stand_in_rebuild(0, "building the system configuration...\n");
        let err = std::fs::File::create(env.path("daemon.err")).expect("log");
        let mut cmd = env.cmd();
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &system.address)
            .env("PATH", &path)
            .env_remove("SPEECHD_ADDRESS")
            .env("XDG_RUNTIME_DIR", env.path("run"))
            .arg("daemon")
            .stdout(Stdio::null())
            .stderr(err);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("daemon");
        let client = common::bus::started_client(&session.address);
        Daemon { child, client, env }
    }

    /// Install Firefox, say yes: the outcome's text and JSON.
    fn install(&self) -> (String, serde_json::Value) {
        let follow = self.client.follow().expect("follow");
        self.client.ask("install firefox").expect("ask");
        self.client.ask("yes").expect("yes");
        let log = self.env.path("daemon.err");
        common::bus::replied(&follow, "outcome", Some(&log))
    }

    fn details(&self) -> serde_json::Value {
        let (_, details) = self.client.status().expect("status");
        serde_json::from_str(&details).expect("json")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A recording speech-dispatcher, and a daemon pointed at it.
fn with_speechd(session: &Bus, system: &Bus) -> (Recorder, Daemon) {
    let speechd = Recorder::start();
    let address = format!("unix_socket:{}", speechd.socket().display());
    let d = Daemon::start(session, system, &[("SPEECHD_ADDRESS", &address)]);
    (speechd, d)
}

/// What the mock at `dest`/`path` was called with (python-dbusmock's `GetCalls`).
fn calls(bus: &Bus, dest: &str, path: &str) -> String {
    call(
        &bus.address,
        dest,
        path,
        "org.freedesktop.DBus.Mock.GetCalls",
        &[],
    )
    .expect("GetCalls")
}

/// A screen reader that the desktop says is on: `org.a11y.Status.ScreenReaderEnabled`.
fn screen_reader_on(system: &Bus, session: &Bus) -> Mock {
    let mock = Mock::start(
        system,
        session,
        &session.address,
        "org.a11y.Bus",
        &[
            "--session",
            "org.a11y.Bus",
            "/org/a11y/bus",
            "org.a11y.Status",
        ],
    );
    call(
        &session.address,
        "org.a11y.Bus",
        "/org/a11y/bus",
        "org.freedesktop.DBus.Mock.AddProperty",
        &["org.a11y.Status", "ScreenReaderEnabled", "<true>"],
    )
    .expect("property");
    mock
}

#[test]
fn quiet_mode_shows_results_as_desktop_notifications() {
    let system = Bus::system();
    let session = Bus::session();
    let _notifications = Mock::start(
        &system,
        &session,
        &session.address,
        "org.freedesktop.Notifications",
        &["--session", "--template", "notification_daemon"],
    );
    let d = Daemon::start(&session, &system, &[]);
    assert_eq!(d.details()["notifications"], true);
    d.client.set_quiet(true).expect("quiet");
    let (text, j) = d.install();
    assert!(text.starts_with("Done. Firefox is installed."), "{text}");
    assert_eq!(j["delivery"], "text");
    let seen = calls(
        &session,
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
    );
    assert!(seen.contains("'Notify'"), "{seen}");
    assert!(seen.contains("Done. Firefox is installed."), "{seen}");
    assert!(seen.contains("'Luminous'"), "{seen}");
    // Typed answers are read where they were typed: no notification for those.
    assert!(!seen.contains("Install firefox?"), "{seen}");
}

#[test]
fn with_a_screen_reader_results_go_through_speech_dispatcher_at_text_priority() {
    let system = Bus::system();
    let session = Bus::session();
    let _reader = screen_reader_on(&system, &session);
    let (speechd, d) = with_speechd(&session, &system);
    let details = d.details();
    assert!(
        details["speech"]
            .as_str()
            .is_some_and(|s| s.contains("screen reader")),
        "{details}"
    );
    let (text, j) = d.install();
    assert_eq!(j["delivery"], "spoken", "{j}");
    let t = Instant::now();
    while speechd.said().is_empty() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = speechd.said();
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].text, text);
    assert_eq!(said[0].priority, "text");
    assert!(said[0].client.contains("luminous"), "{said:?}");
}

#[test]
fn with_orca_on_the_bus_results_go_to_its_present_message() {
    let system = Bus::system();
    let session = Bus::session();
    let _reader = screen_reader_on(&system, &session);
    let _orca = Mock::start(
        &system,
        &session,
        &session.address,
        "org.gnome.Orca.Service",
        &[
            "--session",
            "org.gnome.Orca.Service",
            "/org/gnome/Orca/Service",
            "org.gnome.Orca.Service",
        ],
    );
    call(
        &session.address,
        "org.gnome.Orca.Service",
        "/org/gnome/Orca/Service",
        "org.freedesktop.DBus.Mock.AddMethod",
        &["", "PresentMessage", "s", "b", "ret = True"],
    )
    .expect("method");
    let (speechd, d) = with_speechd(&session, &system);
    let (text, j) = d.install();
    assert_eq!(j["delivery"], "spoken", "{j}");
    let t = Instant::now();
    let mut seen = String::new();
    while !seen.contains("PresentMessage") && t.elapsed() < Duration::from_secs(10) {
        seen = calls(
            &session,
            "org.gnome.Orca.Service",
            "/org/gnome/Orca/Service",
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let first = text.split('.').next().unwrap_or_default();
    assert!(seen.contains(first), "{seen}");
    assert!(
        speechd.said().is_empty(),
        "Orca speaks, not speech-dispatcher"
    );
}

#[test]
fn without_a_screen_reader_or_models_results_are_text_and_say_why() {
    let system = Bus::system();
    let session = Bus::session();
    let (speechd, d) = with_speechd(&session, &system);
    let details = d.details();
    assert!(
        details["speech"]
            .as_str()
            .is_some_and(|s| s.contains("luminous models fetch")),
        "{details}"
    );
    let (_, j) = d.install();
    assert_eq!(j["delivery"], "text", "nothing can say it: {j}");
    assert!(speechd.said().is_empty());
}
