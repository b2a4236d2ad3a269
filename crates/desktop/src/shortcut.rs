//! Push-to-talk from anywhere, through the desktop's `org.freedesktop.portal.GlobalShortcuts`
//! portal (ashpd): register the app, bind the shortcut once per session, and pass its
//! presses (`Activated`) and releases (`Deactivated`) on. Where the portal has no
//! GlobalShortcuts (sway, COSMIC, older desktops) this fails with the reason, and the user
//! binds `luminous ptt` in the compositor instead. Keys are never read any other way (not
//! through the screen reader's keyboard monitor).

use futures_util::StreamExt;
use tokio::sync::mpsc;

use ashpd::desktop::global_shortcuts::{GlobalShortcuts, NewShortcut};

/// The shortcut's id in the portal.
pub const PUSH_TO_TALK: &str = "push-to-talk";

/// The app id the portal knows Luminous by (its .desktop file is named after it).
pub const APP_ID: &str = "org.luminous.Assistant";

/// The shortcut as bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// How the desktop says it is triggered ("Ctrl+Alt+Space"), or empty before the user
    /// has chosen a key.
    pub trigger: String,
}

/// The portal offers no global shortcuts here.
#[derive(Debug, thiserror::Error)]
#[error("the desktop portal has no global shortcuts here ({0})")]
pub struct NoPortal(pub String);

/// Bind push-to-talk (suggesting `preferred`, in the shortcuts specification's form, such
/// as "CTRL+ALT+space") and send `true` for each press and `false` for each release, for
/// as long as the session bus lasts.
pub async fn push_to_talk(
    preferred: &str,
    tx: mpsc::UnboundedSender<bool>,
) -> Result<Bound, NoPortal> {
    let conn = zbus::Connection::session()
        .await
        .map_err(|e| NoPortal(e.to_string()))?;
    push_to_talk_on(conn, preferred, tx).await
}

/// [`push_to_talk`] on the bus `conn`.
pub async fn push_to_talk_on(
    conn: zbus::Connection,
    preferred: &str,
    tx: mpsc::UnboundedSender<bool>,
) -> Result<Bound, NoPortal> {
    let no = |e: ashpd::Error| NoPortal(e.to_string());
    // Needed outside a sandbox on newer portals; older ones have no registry (fine).
    if let Ok(id) = ashpd::AppID::try_from(APP_ID) {
        let _ = ashpd::register_host_app_with_connection(conn.clone(), id).await;
    }
    let portal = GlobalShortcuts::with_connection(conn).await.map_err(no)?;
    let session = portal
        .create_session(Default::default())
        .await
        .map_err(no)?;
    let shortcut = NewShortcut::new(PUSH_TO_TALK, "Talk to Luminous (hold, or press twice)")
        .preferred_trigger(preferred);
    let bound = portal
        .bind_shortcuts(&session, &[shortcut], None, Default::default())
        .await
        .map_err(no)?
        .response()
        .map_err(no)?;
    let trigger = bound
        .shortcuts()
        .iter()
        .find(|s| s.id() == PUSH_TO_TALK)
        .map(|s| s.trigger_description().to_owned())
        .ok_or_else(|| NoPortal("the shortcut was not bound".into()))?;
    let mut pressed = portal.receive_activated().await.map_err(no)?;
    let mut released = portal.receive_deactivated().await.map_err(no)?;
    tokio::spawn(async move {
        // The session lives as long as this task: dropping it would close it.
        let _session = session;
        loop {
            let down = tokio::select! {
                Some(a) = pressed.next() => (a.shortcut_id() == PUSH_TO_TALK).then_some(true),
                Some(d) = released.next() => (d.shortcut_id() == PUSH_TO_TALK).then_some(false),
                else => break,
            };
            if let Some(down) = down
                && tx.send(down).is_err()
            {
                break;
            }
        }
    });
    Ok(Bound { trigger })
}
