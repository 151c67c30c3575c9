//! Step-by-step guidance: each guide of this portal, built with the portal
//! kit's [`Guide`] (its structure and Markdown are shared by every portal).

pub mod annual_update;
pub mod annual_update_role;
pub mod password_reset;

pub use garita_portal_kit::{Guide, Part, Step, StepList};
