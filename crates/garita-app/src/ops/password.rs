//! Console passwords: argon2id hashes in the PHC string format, with the
//! `argon2` crate's default cost (19 MiB, 2 passes, 1 lane: OWASP's
//! minimum for argon2id). Hashing and verifying take tens of milliseconds
//! of CPU on purpose, so they run on tokio's blocking pool.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::AppError;

/// Fewest characters a console password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Most bytes a password may have (argon2 takes any length; this bounds
/// the work a sign-in form can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Refuses a password that is empty, too short or too long, saying why.
pub fn check_new_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        return Err(AppError::Usage(
            "the password is empty; type it on standard input, one line".into(),
        ));
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::Usage(format!(
            "the password has {chars} characters; use at least {MIN_PASSWORD_CHARS} (a few words make a long one that is easy to remember)"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::Usage(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes; use a shorter one"
        )));
    }
    Ok(())
}

/// The argon2id hash of `password` with a fresh random salt.
pub async fn hash(password: String) -> Result<String, AppError> {
    blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Refused(format!("the password could not be hashed: {e}")))
    })
    .await
}

/// Whether `password` matches `hash`; `None` as the hash spends the same
/// time on a made-up one, so that an unknown email answers as slowly as a
/// wrong password. A hash that does not parse never matches.
pub async fn verify(hash: Option<String>, password: String) -> Result<bool, AppError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(false);
    }
    blocking(move || {
        let known = hash.is_some();
        let text = hash.unwrap_or_else(|| UNKNOWN_USER_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&text) else {
            return Ok(false);
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

/// `len` random bytes from the operating system, as lower-case hex.
pub fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    garita_engine::audit::hex(&bytes)
}

/// A hash of a password nobody has, verified against for unknown emails.
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bm8tc3VjaC11c2Vy$1jPsbX0mVnCsmqfYl5Cvgj2fmX0vJ3SWPz0xTtGmuHQ";

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Refused(format!("password work was interrupted: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hashed = hash("correct horse battery".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$"), "{hashed}");
        assert!(verify(Some(hashed.clone()), "correct horse battery".into())
            .await
            .unwrap());
        assert!(
            !verify(Some(hashed.clone()), "correct horse batterY".into())
                .await
                .unwrap()
        );
        assert!(!verify(None, "correct horse battery".into()).await.unwrap());
        assert!(!verify(Some("not a hash".into()), "x".into()).await.unwrap());
        // Two hashes of one password differ (their salts do).
        assert_ne!(hash("correct horse battery".into()).await.unwrap(), hashed);
    }

    #[test]
    fn the_unknown_user_hash_parses() {
        assert!(PasswordHash::new(UNKNOWN_USER_HASH).is_ok());
    }

    #[test]
    fn short_and_empty_passwords_are_refused_with_the_reason() {
        let short = check_new_password("corto").unwrap_err().to_string();
        assert!(
            short.contains("5 characters") && short.contains("at least 12"),
            "{short}"
        );
        assert!(check_new_password("   ")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(check_new_password(&"x".repeat(2000)).is_err());
        assert!(check_new_password("una frase larga").is_ok());
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
