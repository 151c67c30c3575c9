//! Percent-encoding (RFC 3986) of what the client puts in a request line
//! or a header: path segments, query values, and the `garita-user` and
//! `garita-now` headers (a user name may be "José").

/// `text` with every byte but the unreserved ones written `%XX`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The text [`encode`] wrote; `None` when it is not percent-encoded UTF-8.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `?name=value&...` for the values given (empty when none is).
pub fn query(pairs: &[(&str, Option<String>)]) -> String {
    let given: Vec<String> = pairs
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={}", encode(v))))
        .collect();
    if given.is_empty() {
        String::new()
    } else {
        format!("?{}", given.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reserved_and_non_ascii_bytes_are_escaped() {
        assert_eq!(encode("José a/b?"), "Jos%C3%A9%20a%2Fb%3F");
        assert_eq!(query(&[("a", Some("x y".into())), ("b", None)]), "?a=x%20y");
        assert_eq!(query(&[("b", None)]), "");
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%C3"), None);
    }

    proptest! {
        #[test]
        fn decoding_undoes_encoding(text in ".*") {
            prop_assert_eq!(decode(&encode(&text)), Some(text));
        }
    }
}
