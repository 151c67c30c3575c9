//! Value encoding: the engine's record encoding, which every backend shares
//! (the audit digests are taken over these bytes).

pub(crate) use garita_engine::record_codec::{decode, encode};
