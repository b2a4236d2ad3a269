//! The Linux desktop as Luminous meets it. The only crate that knows D-Bus types
//! (docs/ARCHITECTURE.md): the assistant's own API ([`api`]), the desktop's idle, lock and
//! sleep signals ([`watch`]), and, to come, notifications and the screen reader. What
//! crosses into the rest of Luminous is plain data.

pub mod api;
pub mod watch;

pub use api::{Announcement, Call, Client, Command, NAME, PATH, Server, State, Status};
