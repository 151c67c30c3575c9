//! Holders' signed links and personal calendar feeds.
//!
//! People who hold portal accounts have no console login. The mail Garita
//! sends them carries links under `[web] public_url` that do one thing each
//! ([`LinkPurpose`]): "I signed in to the portal today", or "answer this
//! task". A link's token ([`token`]) is the link's opaque id and expiry,
//! signed with HMAC-SHA256 under a secret kept in the store
//! ([`LinkSecret`], made on first use and part of backups); the store
//! keeps what the link is for ([`HolderLink`]) and records its one use
//! ([`LinkStore::claim_link`]). Opening a link changes nothing; only the
//! confirmation page's form acts (garita-app's `ops::links`).
//!
//! A calendar feed is a user's deadlines at a URL with a secret token;
//! the store keeps the token's SHA-256 only ([`FeedToken`]), so revoking
//! is removing it.
//!
//! # Backup records (kind `links`)
//!
//! | key | value |
//! |---|---|
//! | `secret` | [`LinkSecret`] |
//! | `link`, `0x00`, id | [`HolderLink`] |
//! | `feed`, `0x00`, hex SHA-256 of the token | [`FeedToken`] |

pub mod conformance;
pub mod marker;
mod model;
mod store;
pub mod token;

pub use model::{FeedToken, HolderLink, LinkClaim, LinkPurpose, LinkSecret, LinkUse};
pub use store::LinkStore;

use crate::record_codec::decode;

/// The backup key of the link secret.
pub const SECRET_KEY: &[u8] = b"secret";
const LINK_PREFIX: &[u8] = b"link\0";
const FEED_PREFIX: &[u8] = b"feed\0";

/// The backup key of link `id`.
pub fn link_key(id: &str) -> Vec<u8> {
    [LINK_PREFIX, id.as_bytes()].concat()
}

/// The backup key of the feed token hashed to `token_hash`.
pub fn feed_key(token_hash: &str) -> Vec<u8> {
    [FEED_PREFIX, token_hash.as_bytes()].concat()
}

/// Whether a `links` record decodes as what its key says it is; `Err` says
/// why not.
pub fn check_record(key: &[u8], value: &[u8]) -> Result<(), String> {
    let what = || {
        format!(
            "record {} of section `links`",
            String::from_utf8_lossy(key).replace('\0', "/")
        )
    };
    let result = if key == SECRET_KEY {
        decode::<LinkSecret>(value, what).map(drop)
    } else if key.starts_with(LINK_PREFIX) {
        decode::<HolderLink>(value, what).map(drop)
    } else if key.starts_with(FEED_PREFIX) {
        decode::<FeedToken>(value, what).map(drop)
    } else {
        return Err(format!("{} has a key of no known kind", what()));
    };
    result.map_err(|e| e.to_string())
}
