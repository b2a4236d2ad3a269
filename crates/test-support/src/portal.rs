//! The real xdg-desktop-portal on a private session bus, with a GlobalShortcuts backend
//! emulated by python-dbusmock (`data/global_shortcuts_backend.py`, standing in for the
//! compositor): a program binds its shortcut through the real front end, and the test
//! presses and releases it. Everything is stopped by PID when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::dbus::{Bus, Mock, call, has_owner};

/// The front end, where Debian installs it (apt-get install xdg-desktop-portal).
const FRONT_END: &str = "/usr/libexec/xdg-desktop-portal";
/// The desktop name the test portal is for (`XDG_CURRENT_DESKTOP`).
pub const DESKTOP: &str = "luminoustest";
const BACKEND: &str = "org.freedesktop.impl.portal.LuminousTest";

/// A running portal with a test backend.
#[derive(Debug)]
pub struct Portal {
    front: Child,
    _backend: Mock,
    address: String,
    _dir: tempfile::TempDir,
}

impl Portal {
    /// Start the backend, then the front end, on `session`.
    pub fn start(system: &Bus, session: &Bus) -> Portal {
        assert!(
            Path::new(FRONT_END).is_file(),
            "xdg-desktop-portal is not installed (apt-get install xdg-desktop-portal); tests/run-all.sh installs it"
        );
        let dir = tempfile::tempdir().expect("portal dir");
        std::fs::write(
            dir.path().join(format!("{DESKTOP}.portal")),
            format!(
                "[portal]\nDBusName={BACKEND}\nInterfaces=org.freedesktop.impl.portal.GlobalShortcuts\nUseIn={DESKTOP}\n"
            ),
        )
        .expect("portal file");
        // The template travels inside the library, not as a path to its source tree (a
        // build reused from another checkout would point at a folder that is gone).
        let template = dir.path().join("global_shortcuts_backend.py");
        std::fs::write(
            &template,
            include_str!("../data/global_shortcuts_backend.py"),
        )
        .expect("backend template");
        let template = template.to_str().expect("utf-8 temporary path");
        let backend = Mock::start(
            system,
            session,
            &session.address,
            BACKEND,
            &["--session", "--template", template],
        );
        let front = Command::new(FRONT_END)
            .arg("-r")
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .env("XDG_CURRENT_DESKTOP", DESKTOP)
            .env("XDG_DESKTOP_PORTAL_DIR", dir.path())
            .env("GIO_USE_VFS", "local")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xdg-desktop-portal runs");
        let t = Instant::now();
        while !has_owner(&session.address, "org.freedesktop.portal.Desktop") {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the portal did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Portal {
            front,
            _backend: backend,
            address: session.address.clone(),
            _dir: dir,
        }
    }

    fn trigger(&self, method: &str, id: &str) -> Result<String, String> {
        call(
            &self.address,
            BACKEND,
            "/org/freedesktop/portal/desktop",
            &format!("org.luminous.Test.{method}"),
            &[id],
        )
    }

    /// The user presses the shortcut `id` (the portal sends `Activated`).
    pub fn press(&self, id: &str) -> Result<String, String> {
        self.trigger("Press", id)
    }

    /// The user lets it go (`Deactivated`).
    pub fn release(&self, id: &str) -> Result<String, String> {
        self.trigger("Release", id)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.front.kill();
        let _ = self.front.wait();
    }
}
