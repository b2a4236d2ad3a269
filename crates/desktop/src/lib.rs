//! The Linux desktop as Luminous meets it. The only crate that knows D-Bus types
//! (docs/ARCHITECTURE.md): the assistant's own API ([`api`]), the desktop's idle, lock and
//! sleep signals ([`watch`]), push-to-talk through the portal ([`shortcut`]), notifications ([`notify`]), the screen reader ([`reader`]) and
//! speech-dispatcher ([`speechd`], SSIP rather than D-Bus, but the screen reader's). What
//! crosses into the rest of Luminous is plain data.

pub mod api;
pub mod notify;
pub mod reader;
pub mod shortcut;
pub mod speechd;
pub mod watch;

pub use api::{Announcement, Call, Client, Command, NAME, PATH, Server, State, Status};
