//! Private D-Bus buses for tests: a session bus, and a "system" bus (a config of type
//! system with an allow-all policy) for emulated logind and the like. Each runs as a child
//! process, stopped by PID when dropped; nothing touches the machine's own buses.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running private bus.
#[derive(Debug)]
pub struct Bus {
    child: Child,
    /// Its address, for `DBUS_SESSION_BUS_ADDRESS` or `DBUS_SYSTEM_BUS_ADDRESS`.
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    /// A session bus.
    pub fn session() -> Bus {
        Self::start("session")
    }

    /// A bus configured as a system bus (any client may own any name).
    pub fn system() -> Bus {
        Self::start("system")
    }

    fn start(kind: &str) -> Bus {
        let dir = tempfile::tempdir().expect("bus dir");
        let socket = dir.path().join("bus");
        let conf: PathBuf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>{kind}</type><listen>unix:path={}</listen>\
                 <auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                socket.display()
            ),
        )
        .expect("bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (apt-get install dbus); tests/run-all.sh installs it");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        let address = line.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        Bus {
            child,
            address,
            _dir: dir,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A D-Bus service emulated by python-dbusmock (Debian's python3-dbusmock), on the given
/// buses; stopped by PID when dropped.
#[derive(Debug)]
pub struct Mock {
    child: Child,
}

/// The Python that has Debian's python3-dbusmock (not a user's own on PATH).
const PYTHON: &str = "/usr/bin/python3";

impl Mock {
    /// `python3 -m dbusmock ARGS` with these buses, running once `name` is on the bus at
    /// `address`.
    pub fn start(system: &Bus, session: &Bus, address: &str, name: &str, args: &[&str]) -> Mock {
        let child = Command::new(PYTHON)
            .args(["-m", "dbusmock"])
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &system.address)
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-dbusmock runs (apt-get install python3-dbusmock); tests/run-all.sh installs it");
        let mock = Mock { child };
        let t = std::time::Instant::now();
        while !has_owner(address, name) {
            assert!(
                t.elapsed() < std::time::Duration::from_secs(20),
                "{name} did not appear on the bus"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        mock
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// python-dbusmock's logind on `system`, with the session `auto` (seat0, uid 1000, active):
/// `session/auto` serves `LockedHint`, `IdleHint` and `Active`.
pub fn logind(system: &Bus, session: &Bus) -> Mock {
    let mock = Mock::start(
        system,
        session,
        &system.address,
        "org.freedesktop.login1",
        &["--template", "logind"],
    );
    call(
        &system.address,
        "org.freedesktop.login1",
        "/org/freedesktop/login1",
        "org.freedesktop.DBus.Mock.AddSession",
        &["auto", "seat0", "1000", "ana", "true"],
    )
    .expect("logind session added");
    mock
}

/// Whether `name` has an owner on the bus at `address`.
pub fn has_owner(address: &str, name: &str) -> bool {
    call(
        address,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        &[name],
    )
    .is_ok_and(|out| out.contains("true"))
}

/// `gdbus call` on the bus at `address`: the printed result, or what gdbus said.
pub fn call(
    address: &str,
    dest: &str,
    path: &str,
    method: &str,
    args: &[&str],
) -> Result<String, String> {
    let out = Command::new("gdbus")
        .args([
            "call",
            "--address",
            address,
            "--dest",
            dest,
            "--object-path",
            path,
            "--method",
            method,
        ])
        .args(args)
        .output()
        .map_err(|e| format!("gdbus: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
