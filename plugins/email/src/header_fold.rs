//! Folding of header lines (RFC 5322, section 2.2.3).
//!
//! lettre folds display names and encoded words, but writes the addresses of
//! a list one after the other on a single line: 30 ordinary recipients make
//! a `To:` line of over 1,200 characters, which SMTP servers refuse
//! (`500 Line too long`; the limit is 998). Folding the finished header
//! block, rather than re-implementing lettre's address encoding, keeps every
//! byte lettre chose and only inserts CRLF before whitespace where a line is
//! too long, which is exactly what unfolding removes again.

/// The length a folded line aims for (RFC 5322 "should").
pub(crate) const FOLD_AT: usize = 78;

/// Header fields whose values are address lists: folded after the commas
/// between addresses, so each continuation line starts with an address.
const ADDRESS_FIELDS: [&str; 6] = ["from", "sender", "reply-to", "to", "cc", "bcc"];

/// `message` with every header field folded to lines of at most [`FOLD_AT`]
/// characters where a fold point exists; the body is left as it is.
pub(crate) fn fold_headers(message: &[u8]) -> Vec<u8> {
    let Some(end) = find(message, b"\r\n\r\n") else {
        return message.to_vec();
    };
    let (header, body) = message.split_at(end + 2);
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    for field in fields(header) {
        fold_field(field, &mut out);
    }
    out.extend_from_slice(body);
    out
}

/// The header block split into fields: each a line plus its continuations,
/// with their CRLFs.
fn fields(header: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(offset) = find(&header[at..], b"\r\n") {
        let line_end = at + offset + 2;
        let continues = header
            .get(line_end)
            .is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continues {
            fields.push(&header[start..line_end]);
            start = line_end;
        }
        at = line_end;
    }
    if start < header.len() {
        fields.push(&header[start..]);
    }
    fields
}

fn fold_field(field: &[u8], out: &mut Vec<u8>) {
    let fits = field
        .split(|b| *b == b'\n')
        .all(|line| line.strip_suffix(b"\r").unwrap_or(line).len() <= FOLD_AT);
    if fits {
        out.extend_from_slice(field);
        return;
    }
    // Unfold (remove each CRLF that precedes whitespace), then fold again.
    let body = field.strip_suffix(b"\r\n").unwrap_or(field);
    let mut unfolded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(b"\r\n") && matches!(body.get(i + 2), Some(b' ' | b'\t')) {
            i += 2;
            continue;
        }
        unfolded.push(body[i]);
        i += 1;
    }
    let name_end = unfolded.iter().position(|b| *b == b':').unwrap_or(0);
    let name = String::from_utf8_lossy(&unfolded[..name_end]).to_ascii_lowercase();
    let after_commas = ADDRESS_FIELDS.contains(&name.trim());
    let breaks = fold_points(&unfolded, name_end + 1, after_commas);
    let breaks = if breaks.is_empty() && after_commas {
        // An address list with a single, very long address: any space will do.
        fold_points(&unfolded, name_end + 1, false)
    } else {
        breaks
    };
    let mut line_start = 0;
    let mut last_fit: Option<usize> = None;
    let mut chosen = Vec::new();
    for point in breaks {
        if point - line_start > FOLD_AT {
            // Break at the last point that kept the line short, or here if
            // the piece before it is longer than a line on its own.
            let at = last_fit.filter(|p| *p > line_start).unwrap_or(point);
            chosen.push(at);
            line_start = at;
            last_fit = (point > at).then_some(point);
        } else {
            last_fit = Some(point);
        }
    }
    if unfolded.len() - line_start > FOLD_AT {
        if let Some(at) = last_fit.filter(|p| *p > line_start) {
            chosen.push(at);
        }
    }
    let mut from = 0;
    for at in chosen {
        out.extend_from_slice(&unfolded[from..at]);
        out.extend_from_slice(b"\r\n");
        from = at;
    }
    out.extend_from_slice(&unfolded[from..]);
    out.extend_from_slice(b"\r\n");
}

/// Positions of whitespace where a fold may go (the CRLF is inserted before
/// it): outside quoted strings and angle brackets, after the field name and
/// its first word; with `after_commas`, only whitespace that follows a comma.
fn fold_points(field: &[u8], value_start: usize, after_commas: bool) -> Vec<usize> {
    let mut points = Vec::new();
    let mut quoted = false;
    let mut angle = false;
    let mut escaped = false;
    let mut seen_word = false;
    for (i, &b) in field.iter().enumerate().skip(value_start) {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle = true,
            b'>' if !quoted => angle = false,
            b' ' | b'\t' if !quoted && !angle => {
                let after_comma = field[..i].last() == Some(&b',');
                if seen_word && (!after_commas || after_comma) {
                    points.push(i);
                }
            }
            _ => seen_word = true,
        }
    }
    points
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The length no line may exceed (RFC 5322 "must"); an address longer
    /// than that cannot exist (RFC 5321 caps a path at 256).
    const MAX_LINE: usize = 998;

    fn lines(message: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(message)
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", " ").replace("\r\n\t", "\t")
    }

    fn message_to(recipients: usize) -> Vec<u8> {
        let list: Vec<String> = (0..recipients)
            .map(|i| format!("persona.numero{i}@empresa-importadora.example"))
            .collect();
        format!(
            "From: Garita <robot@example.com>\r\nTo: {}\r\nSubject: Recordatorio\r\n\r\nCuerpo\r\n",
            list.join(", ")
        )
        .into_bytes()
    }

    #[test]
    fn thirty_recipients_fold_after_commas_into_short_lines() {
        let original = message_to(30);
        let folded = fold_headers(&original);
        for line in lines(&folded) {
            assert!(line.len() <= FOLD_AT, "{} chars: {line}", line.len());
        }
        let text = String::from_utf8(folded).unwrap();
        assert_eq!(unfold(&text), String::from_utf8(original).unwrap());
        for continuation in text.split("\r\n").filter(|l| l.starts_with(' ')) {
            assert!(continuation.starts_with(" persona."), "{continuation}");
        }
        let to_line = text.lines().find(|l| l.starts_with("To:")).unwrap();
        assert!(to_line.trim_end().ends_with(','), "{to_line}");
    }

    #[test]
    fn short_headers_and_the_body_are_left_alone() {
        let message = b"To: ana@example.com\r\nSubject: hola\r\n\r\nA body line that is much longer than seventy-eight characters, which is not a header at all.\r\n";
        assert_eq!(fold_headers(message), message.to_vec());
    }

    #[test]
    fn quoted_names_are_not_split_inside_their_quotes() {
        let names: Vec<String> = (0..8)
            .map(|i| format!("\"Quispe, María Fernanda {i}\" <mf{i}@example.com>"))
            .collect();
        let message = format!("To: {}\r\n\r\nx", names.join(", "));
        let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
        for line in folded.split("\r\n").take_while(|l| !l.is_empty()) {
            assert_eq!(line.matches('"').count() % 2, 0, "a quote split: {line}");
        }
        assert_eq!(unfold(&folded), message);
    }

    proptest! {
        #[test]
        fn folding_never_loses_a_byte_and_never_leaves_a_line_over_998(
            addresses in prop::collection::vec("[a-z]{1,30}@[a-z]{1,20}\\.example", 1..200),
            subject in "[A-Za-z ]{0,300}",
        ) {
            let message = format!(
                "To: {}\r\nSubject: {subject}\r\n\r\nbody\r\n",
                addresses.join(", ")
            );
            let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
            prop_assert_eq!(unfold(&folded), message.clone());
            for line in folded.split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE);
            }
            let to: Vec<&str> = folded.split("\r\n").take_while(|l| !l.starts_with("Subject")).collect();
            for line in to {
                prop_assert!(line.len() <= FOLD_AT || !line.contains(", "), "{}", line);
            }
        }
    }
}
