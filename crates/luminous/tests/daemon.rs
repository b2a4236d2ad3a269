//! `luminous daemon` as a real process on a private session bus: one conversation across
//! chat, the command line and D-Bus; a long operation that keeps the daemon answering and
//! stops, with its process group, when told; systemd's READY and WATCHDOG; the unit file.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{CONFIG, Env};
use luminous_desktop::{Announcement, Client, State};
use luminous_test_support::dbus::Bus;

/// A daemon on its own bus, stopped by PID.
struct Daemon {
    env: Env,
    bus: Bus,
    child: Child,
    path: String,
}

impl Daemon {
    /// Start it with a stand-in nixos-rebuild that takes `rebuild_seconds`.
    fn start(rebuild_seconds: u32) -> Daemon {
        let env = Env::new();
        env.settings("");
        // A rebuild that starts a child of its own (as nixos-rebuild starts nix), both
        // leaving their PIDs behind.
        let path = env.stand_in_rebuild(0, "building the system configuration...\n");
        std::fs::write(
            env.path("bin/nixos-rebuild"),
            format!(
                "#!/bin/sh\necho \"$*\" >> '{argv}'\necho building the system configuration...\n\
                 echo $$ > '{pid}'\nsleep {rebuild_seconds} &\necho $! > '{child}'\nwait\n\
                 echo activating the configuration...\n",
                argv = env.path("rebuild-argv").display(),
                pid = env.path("rebuild.pid").display(),
                child = env.path("rebuild-child.pid").display(),
            ),
        )
        .expect("stand-in");
        let bus = Bus::session();
        let child = env
            .cmd()
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("PATH", &path)
            .arg("daemon")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("daemon starts");
        let d = Daemon {
            env,
            bus,
            child,
            path,
        };
        common::bus::started_client(&d.bus.address);
        d
    }

    fn client(&self) -> Option<Client> {
        Client::at_address(&self.bus.address)
    }

    /// The command line, pointed at this daemon's bus.
    fn cli(&self) -> Command {
        let mut c = self.env.cmd();
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("PATH", &self.path);
        c
    }

    fn wait_for_state(&self, c: &Client, want: State) {
        let t = Instant::now();
        while c.status().map(|(s, _)| s.state).ok() != Some(want) {
            assert!(t.elapsed() < Duration::from_secs(30), "never {want:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn outcome(follow: &std::sync::mpsc::Receiver<Announcement>) -> (String, serde_json::Value) {
    loop {
        match follow.recv_timeout(Duration::from_secs(30)) {
            Ok(Announcement::Replied(text, json)) => {
                let j: serde_json::Value = serde_json::from_str(&json).expect("json");
                if j["event"] == "outcome" {
                    return (text, j);
                }
            }
            Ok(_) => {}
            Err(e) => panic!("no outcome: {e}"),
        }
    }
}

#[test]
fn one_conversation_across_chat_the_command_line_and_dbus() {
    let d = Daemon::start(1);
    let c = d.client().expect("client");
    let follow = c.follow().expect("follow");

    // Asked in chat...
    let mut chat = d
        .cli()
        .arg("chat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("chat");
    let mut stdin = chat.stdin.take().expect("stdin");
    stdin.write_all(b"install firefox\n").expect("type");
    let t = Instant::now();
    while c
        .status()
        .map(|(s, _)| s.question.is_empty())
        .unwrap_or(true)
    {
        assert!(t.elapsed() < Duration::from_secs(30), "no question pending");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _) = c.status().expect("status");
    assert!(
        status.question.starts_with("Install Firefox and rebuild?"),
        "{status:?}"
    );
    drop(stdin);
    let out = chat.wait_with_output().expect("chat ends");
    let typed = String::from_utf8_lossy(&out.stdout);
    assert!(typed.contains("the running assistant"), "{typed}");
    common::plain(&typed);

    // ...answered from the command line...
    let out = d.cli().args(["ask", "yes"]).output().expect("ask");
    let said = common::text(&out);
    assert!(
        said.contains("Install Firefox for the whole system: starting."),
        "{said}"
    );
    // ...and the outcome announced on D-Bus, once the rebuild (on its own thread) ends.
    let (text, j) = outcome(&follow);
    assert_eq!(
        text,
        "Done. Firefox is installed. Programs that are already open see new packages only after a restart."
    );
    assert_eq!(j["done"], true);
    assert!(
        std::fs::read_to_string(d.env.path("configuration.nix"))
            .expect("cfg")
            .contains("firefox")
    );
    d.wait_for_state(&c, State::Idle);

    // D-Bus Ask is the same object as ask --json; Cancel drops the pending question.
    let (reply, json) = c.ask("remove vim").expect("ask");
    assert_eq!(reply, "Remove Vim and rebuild? Yes or no?");
    let j: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        (j["intent"].as_str(), j["needs_confirmation"].as_bool()),
        (Some("remove_package"), Some(true))
    );
    c.cancel().expect("cancel");
    let t = Instant::now();
    while c
        .status()
        .map(|(s, _)| !s.question.is_empty())
        .unwrap_or(true)
    {
        assert!(t.elapsed() < Duration::from_secs(10), "the question stays");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Status, quiet mode and repeat.
    let out = d.cli().args(["status", "--json"]).output().expect("status");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (s["running"].as_bool(), s["state"].as_str()),
        (Some(true), Some("idle")),
        "{s}"
    );
    // No voice models in this home: it serves text, and says why.
    for what in ["microphone", "speech"] {
        let said = s["details"][what].as_str().unwrap_or_default();
        assert!(said.contains("luminous models fetch"), "{what}: {said}");
    }
    // The default model is not installed in this home either: off, and how to get it.
    let model = s["details"]["language_model"].as_str().unwrap_or_default();
    assert!(
        model.starts_with("off (the rules work alone")
            && model.contains("luminous models fetch embed-minilm-l6-v2"),
        "{s}"
    );
    let text = String::from_utf8_lossy(&d.cli().arg("status").output().expect("status").stdout)
        .into_owned();
    assert!(
        text.contains(
            "Language model: off (the rules work alone; luminous models fetch embed-minilm-l6-v2"
        ),
        "{text}"
    );
    d.cli().args(["quiet", "on"]).output().expect("quiet");
    assert!(c.status().expect("status").0.quiet);
    c.repeat().expect("repeat");
    // A second daemon on the same bus is refused, plainly.
    let out = d.cli().arg("daemon").output().expect("second daemon");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out).contains("another Luminous is already running on this session bus"),
        "{}",
        common::text(&out)
    );
}

/// Whether a process runs (a zombie, ended but not yet reaped by PID 1, does not).
fn alive(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).unwrap_or_default();
    let pid = pid.trim();
    // /proc/PID/stat: "PID (name) STATE ...".
    !pid.is_empty()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z")
        })
}

#[test]
fn a_long_operation_keeps_the_daemon_answering_and_stops_when_told() {
    let d = Daemon::start(60);
    let c = d.client().expect("client");
    let follow = c.follow().expect("follow");
    let out = d.cli().args(["ask", "install gimp"]).output().expect("ask");
    assert!(
        common::text(&out).contains("Install GIMP"),
        "{}",
        common::text(&out)
    );
    let (reply, _) = c.ask("yes").expect("yes");
    assert!(reply.ends_with("starting."), "{reply}");
    d.wait_for_state(&c, State::Working);
    // Still answering while it works.
    let (reply, _) = c.ask("what is installed").expect("ask while working");
    assert!(reply.starts_with("Your configuration lists"), "{reply}");
    let (reply, _) = c.ask("install htop").expect("ask");
    assert!(reply.starts_with("Install htop"), "{reply}");
    let (reply, _) = c.ask("yes").expect("a second change");
    assert!(
        reply.starts_with("I am still busy: install GIMP for the whole system."),
        "{reply}"
    );
    let t = Instant::now();
    while !alive(&d.env.path("rebuild-child.pid")) {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the rebuild did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Told to stop: the rebuild and what it started end, and the edit is put back.
    let out = d.cli().args(["ask", "stop"]).output().expect("stop");
    assert!(
        common::text(&out).contains("Stopping: install GIMP for the whole system."),
        "{}",
        common::text(&out)
    );
    let (text, j) = outcome(&follow);
    assert_eq!(
        text,
        "Stopped, as you asked. I put configuration.nix back as it was, so your configuration is unchanged."
    );
    assert_eq!(j["outcome"]["cancelled"], true);
    assert_eq!(
        std::fs::read_to_string(d.env.path("configuration.nix")).expect("cfg"),
        CONFIG
    );
    assert!(
        !alive(&d.env.path("rebuild.pid")),
        "the rebuild was stopped"
    );
    assert!(!alive(&d.env.path("rebuild-child.pid")), "its child too");
}

#[test]
fn systemd_hears_ready_and_the_watchdog_and_the_unit_verifies() {
    use std::os::unix::net::UnixDatagram;
    let env = Env::new();
    let bus = Bus::session();
    let socket_path = env.path("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut child = env
        .cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .arg("daemon")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("daemon");
    let mut said = Vec::new();
    let mut buf = [0u8; 512];
    while !(said.iter().any(|m: &String| m.contains("READY=1"))
        && said.iter().filter(|m| m.contains("WATCHDOG=1")).count() >= 2)
    {
        let n = socket.recv(&mut buf).expect("a notification");
        said.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(
        said[0].contains("READY=1"),
        "READY first, once the API is up: {said:?}"
    );
    assert!(
        Client::at_address(&bus.address).is_some(),
        "up when READY was sent"
    );
    // SIGTERM: the service stops cleanly and says so to systemd.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().expect("ends");
    assert!(status.success(), "{status:?}");
    let mut rest = Vec::new();
    while let Ok(n) = socket.recv(&mut buf) {
        rest.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        if rest.iter().any(|m| m.contains("STOPPING=1")) {
            break;
        }
    }
    assert!(rest.iter().any(|m| m.contains("STOPPING=1")), "{rest:?}");

    // The unit as installed, with the binary where the unit expects it.
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/luminous.service"),
    )
    .expect("unit");
    let units = env.path("units");
    std::fs::create_dir_all(&units).expect("dir");
    let installed = units.join("luminous.service");
    std::fs::write(
        &installed,
        unit.replace("%h/.local/bin/luminous", env!("CARGO_BIN_EXE_luminous")),
    )
    .expect("w");
    let runtime = env.path("runtime");
    std::fs::create_dir_all(&runtime).expect("dir");
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&installed)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("HOME", env.dir.path())
        .output()
        .expect("systemd-analyze runs");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        common::text(&out)
    );
}

/// A reply from `follow` for which `pick` gives a value.
fn replied<T>(
    follow: &std::sync::mpsc::Receiver<Announcement>,
    mut pick: impl FnMut(&str, &serde_json::Value) -> Option<T>,
) -> T {
    loop {
        match follow.recv_timeout(Duration::from_secs(30)) {
            Ok(Announcement::Replied(text, json)) => {
                let j: serde_json::Value = serde_json::from_str(&json).expect("json");
                if let Some(v) = pick(&text, &j) {
                    return v;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not replied: {e}"),
        }
    }
}

#[test]
fn a_result_that_comes_while_the_screen_is_locked_is_kept_and_told_on_return() {
    use luminous_test_support::dbus::call;
    let system = Bus::system();
    let session = Bus::session();
    let _logind = luminous_test_support::dbus::logind(&system, &session);
    let env = Env::new();
    env.settings("");
    let path = env.stand_in_rebuild(0, "building the system configuration...\n");
    std::fs::write(
        env.path("bin/nixos-rebuild"),
        "#!/bin/sh\necho building the system configuration...\nsleep 2\n",
    )
    .expect("slow rebuild");
    let mut child = env
        .cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
        .env("DBUS_SYSTEM_BUS_ADDRESS", &system.address)
        .env("PATH", &path)
        .arg("daemon")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("daemon");
    let c = common::bus::started_client(&session.address);
    let follow = c.follow().expect("follow");
    let (_, details) = c.status().expect("status");
    let details: serde_json::Value = serde_json::from_str(&details).expect("json");
    assert_eq!(
        details["watching"],
        serde_json::json!(["logind session", "logind sleep"]),
        "{details}"
    );
    c.ask("install firefox").expect("ask");
    c.ask("yes").expect("yes");
    // The user locks the screen while the rebuild runs.
    call(
        &system.address,
        "org.freedesktop.login1",
        "/org/freedesktop/login1/session/auto",
        "org.freedesktop.login1.Session.SetLockedHint",
        &["true"],
    )
    .expect("lock");
    let (text, how) = replied(&follow, |t, j| {
        (j["event"] == "outcome").then(|| (t.to_owned(), j["delivery"].clone()))
    });
    assert!(text.starts_with("Done. Firefox is installed."), "{text}");
    assert_eq!(how, "kept", "nothing is spoken while the screen is locked");
    assert_eq!(c.status().expect("status").0.state, State::Paused);
    // Repeat while still away: the kept result, still kept.
    c.repeat().expect("repeat");
    let how = replied(&follow, |_, j| {
        (j["event"] == "repeat").then(|| j["delivery"].clone())
    });
    assert_eq!(how, "kept");
    // Back: it is said.
    call(
        &system.address,
        "org.freedesktop.login1",
        "/org/freedesktop/login1/session/auto",
        "org.freedesktop.login1.Session.SetLockedHint",
        &["false"],
    )
    .expect("unlock");
    let (text, how) = replied(&follow, |t, j| {
        (j["event"] == "kept").then(|| (t.to_owned(), j["delivery"].clone()))
    });
    assert_eq!(
        text,
        "While you were away: Done. Firefox is installed. Programs that are already open see new packages only after a restart."
    );
    // No speaker here: told in text (tests/daemon_voice.rs hears it spoken).
    assert_eq!(how, "text");
    assert_eq!(c.status().expect("status").0.state, State::Idle);
    let _ = child.kill();
    let _ = child.wait();
}

/// A long operation says a few milestones, never a flood: nothing in its first seconds, the
/// next step named once the start is half a minute ago. (The policy's timing is
/// table-tested in crates/presence; this is the daemon passing the executor's steps to it.)
#[test]
fn a_long_update_names_its_next_step_after_half_a_minute() {
    use std::os::unix::fs::PermissionsExt;
    let d = Daemon::start(0);
    // Updating the channels takes 32 s.
    let channel = d.env.path("bin/nix-channel");
    std::fs::write(&channel, "#!/bin/sh\nsleep 32\necho updated\n").expect("stand-in");
    std::fs::set_permissions(&channel, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let c = d.client().expect("client");
    let follow = c.follow().expect("follow");
    let (question, _) = c.ask("update the system").expect("ask");
    assert!(question.contains("Update the system"), "{question}");
    c.ask("yes").expect("yes");
    let started = Instant::now();
    let mut milestones = Vec::new();
    let outcome = loop {
        match follow.recv_timeout(Duration::from_secs(60)) {
            Ok(Announcement::Replied(text, json)) => {
                let j: serde_json::Value = serde_json::from_str(&json).expect("json");
                match j["event"].as_str() {
                    Some("milestone") => milestones.push((started.elapsed(), text)),
                    Some("outcome") => break text,
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(e) => panic!("no outcome: {e}"),
        }
    };
    assert!(outcome.starts_with("Done."), "{outcome}");
    assert_eq!(milestones.len(), 1, "{milestones:?}");
    let (at, text) = &milestones[0];
    assert_eq!(text, "Now rebuilding the system, step 2 of 2.");
    assert!(*at >= Duration::from_secs(30), "said after {at:?}");
}
