//! People who sign in to the officers' console, their roles, their
//! sign-in sessions and the count of failed sign-ins that rate-limits them
//! ([`UserStore`], with its conformance suite [`conformance::user_checks`]).
//!
//! A user is keyed by their email, normalised (trimmed, lower case) by
//! [`normalize_email`] before it reaches a store. The password is kept only
//! as an argon2id hash in the PHC string format; hashing and verifying are
//! the application's (garita-app), the engine never sees a password.
//!
//! A console session is stored under the SHA-256 of its random id, never
//! the id itself, so whoever reads the store (or a backup) cannot sign in
//! as anybody. Sessions and sign-in failure counts are short-lived and are
//! not backed up: a restore signs everybody out, which is what a restore
//! should do anyway.

pub mod conformance;
mod model;
mod store;

pub use model::{
    normalize_email, ConsoleSession, Language, LoginFailures, Role, User, UserChange,
    UserChangeKind, UserError,
};
pub use store::UserStore;
