//! Interruption: SIGINT (Ctrl-C) and SIGTERM (CI runners, systemd) both stop the work, and the
//! exit code says which arrived (128 + signal number, as shells report it). One type and one
//! handler for the whole tool; they live at the process boundary, which reports which signal
//! stopped istioctl (`IstioctlError::Cancelled { signal }`).

pub use crate::istioctl::{Signal, interrupted};
