//! The backup's keys for the records the audit entries point into: run
//! events and account history (the layouts are in the module docs).

use crate::account::AccountKey;

const SEPARATOR: u8 = 0x00;

/// `run_id 0x00 seq(u64 BE)`: the key of event `seq` of run `run`.
pub fn event_key(run: &str, seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(run.len() + 9);
    key.extend_from_slice(run.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The run id and seq of an event key, or `None` when it is not one.
pub fn parse_event_key(key: &[u8]) -> Option<(&str, u64)> {
    let (run, seq) = split_seq(key)?;
    Some((std::str::from_utf8(run).ok()?, seq))
}

/// `portal 0x00 identifier`: the key of an account.
pub fn account_key(account: &AccountKey) -> Vec<u8> {
    let mut key = Vec::with_capacity(account.portal().len() + account.identifier().len() + 1);
    key.extend_from_slice(account.portal().as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(account.identifier().as_bytes());
    key
}

/// `portal 0x00 identifier 0x00 seq(u64 BE)`: history entry `seq` of `account`.
pub fn history_key(account: &AccountKey, seq: u64) -> Vec<u8> {
    let mut key = account_key(account);
    key.push(SEPARATOR);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The portal, identifier and seq of a history key, or `None`.
pub fn parse_history_key(key: &[u8]) -> Option<(&str, &str, u64)> {
    let (account, seq) = split_seq(key)?;
    let at = account.iter().position(|b| *b == SEPARATOR)?;
    let portal = std::str::from_utf8(&account[..at]).ok()?;
    let identifier = std::str::from_utf8(&account[at + 1..]).ok()?;
    Some((portal, identifier, seq))
}

/// `prefix 0x00 seq(u64 BE)` split into the prefix and the seq.
fn split_seq(key: &[u8]) -> Option<(&[u8], u64)> {
    let at = key.len().checked_sub(9)?;
    let (prefix, rest) = key.split_at(at);
    let (separator, seq) = rest.split_first()?;
    if *separator != SEPARATOR || prefix.is_empty() {
        return None;
    }
    Some((prefix, u64::from_be_bytes(seq.try_into().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_even_when_the_seq_holds_zero_bytes() {
        for seq in [0, 1, 256, u64::MAX] {
            assert_eq!(parse_event_key(&event_key("R-1", seq)), Some(("R-1", seq)));
            let account = AccountKey::new("ctpat", "ana@example.com");
            assert_eq!(
                parse_history_key(&history_key(&account, seq)),
                Some(("ctpat", "ana@example.com", seq))
            );
        }
        assert_eq!(parse_event_key(b"short"), None);
        assert_eq!(parse_event_key(&[b'R', 1, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(parse_history_key(&event_key("no-separator", 3)), None);
    }
}
