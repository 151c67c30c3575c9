//! A light shape check for email addresses typed into guidance requests.
//!
//! Ecuapass only needs to catch obvious slips (a missing `@`, a space, no
//! domain) before putting the address into a checklist; the full syntax
//! validator lives in the `anam` connector, and connectors are built as
//! independent libraries, so this one keeps its own small check.

/// Whether `address` has the shape `local@domain.tld` with no whitespace,
/// one `@`, a local part of at most 64 characters and a domain made of
/// non-empty dot-separated labels.
pub(crate) fn looks_like_email(address: &str) -> bool {
    if address.len() > 254 || address.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    domain.contains('.') && domain.split('.').all(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses() {
        assert!(looks_like_email("ana.perez@empresa.com.ec"));
        assert!(looks_like_email("a+b@x.io"));
    }

    #[test]
    fn rejects_obvious_slips() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@empresa",
            "ana @x.com",
            "a@b@c.com",
            "ana@x..com",
            "ana@.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
