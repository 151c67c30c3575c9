//! The `anam` connector: Mexico's customs agency (ANAM) and its "Acceso Único"
//! portal accounts.
//!
//! It validates the identifiers an Acceso Único registration asks for, checks a
//! whole registration form at once, and guides people through registration and
//! password recovery. Nothing here talks to the portal: every action is pure
//! (no side effects) and deterministic given the input and the locale.
//!
//! # Actions
//!
//! | action | input | what it returns |
//! |---|---|---|
//! | `anam.validate_rfc` | `{rfc}` | a validation result; `kind`: `person`, `company`, `generic_public`, `generic_foreign` |
//! | `anam.validate_curp` | `{curp}` | a validation result; `kind`: `person` |
//! | `anam.validate_postal_code` | `{postal_code}` | a validation result; `kind`: `postal_code` |
//! | `anam.validate_email` | `{email}` | a validation result; `kind`: `email` |
//! | `anam.registration_check` | the registration form (see [`RegistrationForm`]) | `{ok, problems, warnings, user_type, foreigner, normalized, documents, steps, markdown, ...}` |
//! | `anam.password_recovery_guide` | `{username?}` | the recovery steps |
//!
//! # Validation results
//!
//! The validators are plain functions too ([`validate_rfc`], [`validate_curp`],
//! [`validate_postal_code`], [`validate_email`]), for batch use without the
//! connector. Each returns a [`Validation`]; the actions return it as JSON:
//!
//! ```json
//! {
//!   "valid": true,
//!   "normalized": "GODE561231GR9",
//!   "kind": "person",
//!   "warnings": [
//!     {"code": "rfc_check_digit_mismatch",
//!      "message": "<in the caller's locale>",
//!      "message_es": "...", "message_en": "..."}
//!   ],
//!   "errors": []
//! }
//! ```
//!
//! - `normalized`: RFC and CURP without whitespace, dashes and dots, uppercased;
//!   postal codes without separators; email trimmed with a lowercase domain.
//! - `valid` is true exactly when `errors` is empty; warnings never invalidate.
//! - `kind` is set as soon as the shape tells it, even if a later rule fails.
//! - Each issue has a stable snake_case `code` (match on it), `message` in the
//!   context's locale (`es` unless the context asks for English), and both
//!   translations.
//!
//! Codes: `rfc_empty`, `rfc_bad_length`, `rfc_bad_letters`, `rfc_bad_date`,
//! `rfc_bad_homoclave`, `rfc_no_homoclave`, `rfc_inconvenient_word`, `rfc_check_digit_mismatch`
//! (a warning: some real RFCs fail it); `curp_empty`, `curp_bad_length`,
//! `curp_bad_letters`, `curp_bad_date`, `curp_bad_sex`, `curp_bad_state`,
//! `curp_bad_consonants`, `curp_bad_differentiator`, `curp_inconvenient_word`,
//! `curp_check_digit_mismatch` (an error); `postal_code_empty`,
//! `postal_code_not_digits`, `postal_code_bad_length`, `postal_code_out_of_range`;
//! `email_empty`, `email_missing_at`, `email_whitespace`, `email_non_ascii`,
//! `email_too_long`, `email_bad_local_part`, `email_bad_domain`.
//!
//! # Registration check
//!
//! `registration_check` never fails on the form's content: it returns
//! `ok: false` with every problem as `{path, code, message, message_es,
//! message_en}` so a workflow can branch on it. Besides the validator codes
//! above, problems use `required`, `unknown_user_type`,
//! `foreigner_tax_id_required`, `foreigner_passport_required`, `agente_aduanal_foreigner`,
//! `tax_id_bad_format` and `passport_bad_format`; warnings use
//! `rfc_curp_mismatch`, `rfc_not_personal` and `field_not_used`. `foreigner`
//! defaults to false, like the form's unticked box. Input that breaks the
//! schema itself (a number where text goes, an unknown field) is refused with
//! `InvalidInput`, as in every other action.
//!
//! # Guides
//!
//! Guide-bearing outputs carry the guide structured (`title`, `summary`,
//! `preparations`, `parts`, `steps: [{n, title, detail}]`, `notes`), rendered
//! (`markdown`) and the `locale` used.

mod actions;
mod calendar;
mod connector;
mod curp;
mod email;
pub mod guides;
mod inconvenient_words;
mod postal_code;
mod problem;
mod registration_check;
mod rfc;
mod user_type;
mod validation;

pub use connector::AnamConnector;
pub use curp::{curp_check_digit, validate_curp, CURP_STATE_CODES};
pub use email::validate_email;
pub use inconvenient_words::{
    is_inconvenient_for_curp, is_inconvenient_for_rfc, CURP_INCONVENIENT_WORDS,
    RFC_INCONVENIENT_WORDS,
};
pub use postal_code::validate_postal_code;
pub use problem::Problem;
pub use registration_check::{check_registration, RegistrationCheck, RegistrationForm};
pub use rfc::{rfc_check_digit, validate_rfc, GENERIC_FOREIGN_RFC, GENERIC_PUBLIC_RFC};
pub use user_type::AnamUserType;
pub use validation::{IdentifierKind, Issue, Validation};

// Makes the cdylib loadable by the Garita host (the C ABI entry point). Gated
// because the garita binary links this crate statically next to other
// connectors, and each export defines the same symbol.
#[cfg(feature = "cdylib")]
garita_sdk::export_connector!(AnamConnector);
