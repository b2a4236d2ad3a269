//! The Linux desktop as Luminous meets it. The only crate that knows D-Bus types
//! (docs/ARCHITECTURE.md): the assistant's own API ([`api`]), and, to come, the desktop's
//! idle, lock and sleep signals, notifications and the screen reader. What crosses into the
//! rest of Luminous is plain data.

pub mod api;

pub use api::{Announcement, Call, Client, Command, NAME, PATH, Server, State, Status};
