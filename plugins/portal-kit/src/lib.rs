//! The portal kit: what Garita's portal connectors (ecuapass, anam, ctpat,
//! and the email connector's texts) share, so that a new portal connector
//! writes only its rules and its texts.
//!
//! It owns the structured [`Guide`] every guide action returns and its
//! Markdown, the verdict of identifier validators ([`Validation`] with its
//! [`Issue`]s) and the JSON Schema fragments of those outputs ([`schemas`]), the folding of free-typed labels ([`fold_label`])
//! the choice between Spanish and English text ([`pick`], [`pick_for`])
//! and the reader of action inputs that reports every problem with its path
//! ([`FieldReader`]). It depends on garita-sdk alone and must never name a
//! portal: anything specific to one belongs in that portal's connector.

mod field_reader;
mod guide;
mod label_fold;
mod locale;
pub mod schemas;
mod validation;

pub use field_reader::FieldReader;
pub use guide::{Guide, Part, Step, StepList};
pub use label_fold::fold_label;
pub use locale::{pick, pick_for};
pub use validation::{Issue, KindName, Validation};
