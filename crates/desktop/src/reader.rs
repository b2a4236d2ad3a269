//! The screen reader: whether one runs (`org.a11y.Status.ScreenReaderEnabled` on the
//! accessibility bus launcher, or Orca's own service on the session bus), and Orca's
//! `PresentMessage`, which says a line in the user's own Orca voice (and on braille).

use futures_util::StreamExt;
use tokio::sync::mpsc;

#[zbus::proxy(
    interface = "org.a11y.Status",
    default_service = "org.a11y.Bus",
    default_path = "/org/a11y/bus"
)]
trait A11yStatus {
    #[zbus(property)]
    fn screen_reader_enabled(&self) -> zbus::Result<bool>;
}

/// Orca's remote controller, under its two names (Orca 49: `org.gnome.Orca.Service`).
const ORCA: [(&str, &str); 2] = [
    ("org.gnome.Orca1.Service", "/org/gnome/Orca1/Service"),
    ("org.gnome.Orca.Service", "/org/gnome/Orca/Service"),
];

/// The screen reader as found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenReader {
    /// The desktop says a screen reader is on.
    pub enabled: bool,
    /// Orca's service is on the bus (it can present our messages).
    pub orca: bool,
}

impl ScreenReader {
    /// One runs.
    pub fn running(self) -> bool {
        self.enabled || self.orca
    }
}

/// The session bus, as the screen reader is met on it.
#[derive(Debug, Clone)]
pub struct Desktop {
    conn: zbus::blocking::Connection,
}

impl Desktop {
    /// The session bus; `None` without one.
    pub fn connect() -> Option<Desktop> {
        let conn = zbus::blocking::connection::Builder::session()
            .ok()?
            .method_timeout(std::time::Duration::from_secs(2))
            .build()
            .ok()?;
        Some(Desktop { conn })
    }

    /// Whether a screen reader runs.
    pub fn screen_reader(&self) -> ScreenReader {
        detect(&self.conn)
    }

    /// Say `text` through Orca; false when Orca is not there or refused it.
    pub fn orca_present(&self, text: &str) -> bool {
        let Some((name, path)) = orca_name(&self.conn) else {
            return false;
        };
        self.conn
            .call_method(Some(name), path, Some(name), "PresentMessage", &(text,))
            .ok()
            .and_then(|m| m.body().deserialize::<bool>().ok())
            .unwrap_or(false)
    }
}

/// Look on `conn` (the session bus) for a screen reader.
fn detect(conn: &zbus::blocking::Connection) -> ScreenReader {
    let enabled = A11yStatusProxyBlocking::new(conn)
        .and_then(|p| p.screen_reader_enabled())
        .unwrap_or(false);
    ScreenReader {
        enabled,
        orca: orca_name(conn).is_some(),
    }
}

fn orca_name(conn: &zbus::blocking::Connection) -> Option<(&'static str, &'static str)> {
    let dbus = zbus::blocking::fdo::DBusProxy::new(conn).ok()?;
    ORCA.into_iter().find(|(name, _)| {
        zbus::names::BusName::try_from(*name)
            .ok()
            .and_then(|n| dbus.name_has_owner(n).ok())
            .unwrap_or(false)
    })
}

/// Send whether a screen reader runs, now and whenever `ScreenReaderEnabled` or Orca's
/// presence on the bus changes.
pub async fn watch_screen_reader(tx: mpsc::UnboundedSender<bool>) -> zbus::Result<()> {
    let conn = zbus::Connection::session().await?;
    let status = A11yStatusProxy::new(&conn).await?;
    let dbus = zbus::fdo::DBusProxy::new(&conn).await?;
    let mut enabled = status.receive_screen_reader_enabled_changed().await;
    let mut owners = dbus.receive_name_owner_changed().await?;
    let now = |conn: zbus::Connection| async move {
        let b = zbus::blocking::Connection::from(conn);
        tokio::task::spawn_blocking(move || detect(&b).running())
            .await
            .unwrap_or(false)
    };
    let _ = tx.send(now(conn.clone()).await);
    loop {
        tokio::select! {
            Some(_) = enabled.next() => {}
            Some(change) = owners.next() => {
                let orca = change
                    .args()
                    .is_ok_and(|a| ORCA.iter().any(|(n, _)| a.name().as_str() == *n));
                if !orca {
                    continue;
                }
            }
            else => return Ok(()),
        }
        if tx.send(now(conn.clone()).await).is_err() {
            return Ok(());
        }
    }
}
