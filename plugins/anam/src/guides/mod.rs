//! Step-by-step guidance: each guide of this portal, built with the portal
//! kit's [`Guide`] (its structure and Markdown are shared by every portal).

pub mod password_recovery;
pub mod registration;

pub use garita_portal_kit::{Guide, Part, Step, StepList};
