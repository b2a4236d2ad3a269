//! Desktop notifications (`org.freedesktop.Notifications`), for quiet mode: a reply shown
//! where the user looks, read by a screen reader that reads notifications. One notification
//! is kept and replaced, so replies do not pile up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use zbus::zvariant::Value;

#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;
}

/// The notification server of the session.
pub struct Notifier {
    proxy: NotificationsProxyBlocking<'static>,
    last: AtomicU32,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

impl Notifier {
    /// The session's notification server; `None` when the session has none.
    pub fn connect() -> Option<Notifier> {
        // A server that hangs must not hold up the assistant for long.
        let conn = zbus::blocking::connection::Builder::session()
            .ok()?
            .method_timeout(Duration::from_secs(2))
            .build()
            .ok()?;
        let dbus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
        let name = zbus::names::BusName::try_from("org.freedesktop.Notifications").ok()?;
        // Activatable servers count too: the call starts them.
        let there = dbus.name_has_owner(name.clone()).unwrap_or(false)
            || dbus
                .list_activatable_names()
                .is_ok_and(|names| names.iter().any(|n| n.as_str() == name.as_str()));
        if !there {
            return None;
        }
        let proxy = NotificationsProxyBlocking::new(&conn).ok()?;
        Some(Notifier {
            proxy,
            last: AtomicU32::new(0),
        })
    }

    /// Show `body` under the title `summary`, in place of the last one shown.
    pub fn show(&self, summary: &str, body: &str) -> zbus::Result<u32> {
        let mut hints = HashMap::new();
        hints.insert("desktop-entry", Value::from("luminous"));
        hints.insert("category", Value::from("im.received"));
        let id = self.proxy.notify(
            "Luminous",
            self.last.load(Ordering::SeqCst),
            "",
            summary,
            &escape(body),
            &[],
            hints,
            -1,
        )?;
        self.last.store(id, Ordering::SeqCst);
        Ok(id)
    }
}

/// Bodies may be read as markup: keep `<`, `>` and `&` plain.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_kept_plain() {
        assert_eq!(super::escape("a <b> & c"), "a &lt;b&gt; &amp; c".to_owned());
    }
}
