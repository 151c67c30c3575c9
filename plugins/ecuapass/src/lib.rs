//! The `ecuapass` connector: Ecuador's customs portal (SENAE's Ecuapass).
//!
//! It validates the identifiers an Ecuapass account is tied to and guides people
//! through the portal's account procedures. Nothing here talks to the portal:
//! every action is pure (no side effects) and deterministic given the input and
//! the context's locale and clock.
//!
//! # Actions
//!
//! | action | input | what it returns |
//! |---|---|---|
//! | `ecuapass.validate_cedula` | `{cedula}` | a validation result (below) |
//! | `ecuapass.validate_ruc` | `{ruc}` | a validation result; `kind` is `natural_person`, `public_entity` or `private_company` |
//! | `ecuapass.annual_update_guide` | `{user_type, year?}` | the January data-update checklist, its window and deadline (`YYYY-01-31T23:59:59-05:00`) and the legal basis; `user_type` may also be a reset classification that corresponds to a user type |
//! | `ecuapass.annual_update_user_type` | `{role?}` | `{role, user_type, classification, problem}`: the user type an inventory role stands for, or (never an error) the problem with what to do |
//! | `ecuapass.password_reset_guide` | `{classification, identification, ruc?, personal_email?}` | the two-part reset checklist, or `InvalidInput` naming each wrong field |
//!
//! # Validation results
//!
//! The validators are plain functions too ([`validate_cedula`], [`validate_ruc`]),
//! for batch use without the connector. Both return a [`Validation`]; the actions
//! return it as JSON:
//!
//! ```json
//! {
//!   "valid": false,
//!   "normalized": "1710034066001",
//!   "kind": "natural_person",
//!   "warnings": [],
//!   "errors": [
//!     {"code": "ruc_check_digit_mismatch",
//!      "message": "<in the caller's locale>",
//!      "message_es": "...", "message_en": "..."}
//!   ]
//! }
//! ```
//!
//! - `normalized` is the input without whitespace, dashes and dots.
//! - `valid` is true exactly when `errors` is empty; warnings never invalidate.
//! - `kind` is set as soon as the shape tells it, even if a later rule fails;
//!   it is `null` when the input is not even the right length or kind.
//! - Each issue has a stable snake_case `code` (match on it), `message` in the
//!   context's locale (`es` unless the context asks for English), and both
//!   translations.
//!
//! Codes: `cedula_empty`, `cedula_not_digits`, `cedula_bad_length`,
//! `cedula_bad_province`, `cedula_bad_third_digit`, `cedula_check_digit_mismatch`;
//! `ruc_empty`, `ruc_not_digits`, `ruc_bad_length`, `ruc_bad_province`,
//! `ruc_bad_third_digit`, `ruc_check_digit_mismatch` (an error for natural
//! persons, a warning for public entities and private companies, whose check
//! digit the SRI does not guarantee), `ruc_bad_establishment`.
//!
//! # Guides
//!
//! Guide actions return the guide structured (`title`, `summary`,
//! `preparations`, `parts`, `steps: [{n, part?, title, detail}]`, `notes`),
//! rendered (`markdown`) and the `locale` used, plus their own fields. Text is
//! Spanish unless the context's locale is English.

mod actions;
mod cedula;
mod connector;
mod email_shape;
pub mod guides;
mod province;
mod ruc;
mod validation;

pub use cedula::{cedula_check_digit, validate_cedula};
pub use connector::EcuapassConnector;
pub use province::is_valid_province_code;
pub use ruc::{
    modulus11_check_digit, private_company_check_digit, public_entity_check_digit, validate_ruc,
};
pub use validation::{IdentifierKind, Issue, Validation};

// Makes the cdylib loadable by the Garita host (the C ABI entry point).
#[cfg(feature = "cdylib")]
garita_sdk::export_connector!(EcuapassConnector);
