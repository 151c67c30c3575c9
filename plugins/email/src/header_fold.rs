//! Folding of header lines (RFC 5322, section 2.2.3).
//!
//! lettre folds display names and encoded words, but writes the addresses of
//! a list one after the other on a single line: 30 ordinary recipients make
//! a `To:` line of over 1,200 characters, which SMTP servers refuse
//! (`500 Line too long`; the limit is 998). Folding the finished header
//! block, rather than re-implementing lettre's address encoding, keeps every
//! byte lettre chose and only inserts CRLF before whitespace where a line is
//! too long, which is exactly what unfolding removes again.
//!
//! Each field is unfolded and folded again by one set of rules, lettre's own
//! folds included: after the commas of an address list, inside an address
//! too long for a line, anywhere in a subject (free text, where a `"` is
//! just a character). Only a word without whitespace stays whole; the
//! request refuses those that could pass 998 (`crate::input`).

/// The length a folded line aims for (RFC 5322 "should").
pub(crate) const FOLD_AT: usize = 78;

/// The length no line may exceed (RFC 5322 "must"; SMTP servers answer
/// `500 Line too long` past it).
pub(crate) const MAX_LINE: usize = 998;

/// Header fields whose values are address lists: folded after the commas
/// between addresses, so each continuation line starts with an address.
const ADDRESS_FIELDS: [&str; 6] = ["from", "sender", "reply-to", "to", "cc", "bcc"];

/// Header fields of free text (RFC 5322 "unstructured"): a quote or `<` in
/// them is only a character, so every space is a fold point. Tracking quotes
/// there would let one stray `"` in a subject forbid every fold after it.
const UNSTRUCTURED_FIELDS: [&str; 2] = ["subject", "comments"];

/// A place where a fold may go: before the whitespace at `at`.
#[derive(Debug, Clone, Copy)]
struct FoldPoint {
    at: usize,
    kind: FoldKind,
}

/// The kinds of fold point, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FoldKind {
    /// After the comma between two addresses of a list.
    AfterComma,
    /// Any other whitespace outside quoted strings and angle brackets.
    Whitespace,
    /// Whitespace inside a quoted string: legal (RFC 5322 allows FWS there
    /// and unfolding gives the same name back) but the last choice, so a
    /// quoted name stays on one line whenever it fits on one.
    InQuotes,
}

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
    let name = name.trim();
    let syntax = if ADDRESS_FIELDS.contains(&name) {
        FieldSyntax::AddressList
    } else if UNSTRUCTURED_FIELDS.contains(&name) {
        FieldSyntax::Unstructured
    } else {
        FieldSyntax::Structured
    };
    let points = fold_points(&unfolded, name_end + 1, syntax);
    let chosen = choose_folds(unfolded.len(), &points);
    let mut from = 0;
    for at in chosen {
        out.extend_from_slice(&unfolded[from..at]);
        out.extend_from_slice(b"\r\n");
        from = at;
    }
    out.extend_from_slice(&unfolded[from..]);
    out.extend_from_slice(b"\r\n");
}

/// How a field's value is read, which decides where it may be folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldSyntax {
    /// A list of addresses: folded after commas first.
    AddressList,
    /// Free text: any whitespace will do.
    Unstructured,
    /// Anything else lettre writes (dates, MIME parameters): whitespace
    /// outside quoted strings and angle brackets.
    Structured,
}

/// The whitespace where a fold may go (the CRLF is inserted before it),
/// after the field name and the value's first word, in order.
fn fold_points(field: &[u8], value_start: usize, syntax: FieldSyntax) -> Vec<FoldPoint> {
    let mut points = Vec::new();
    let mut quoted = false;
    let mut angle = false;
    let mut escaped = false;
    let mut seen_word = false;
    let structured = syntax != FieldSyntax::Unstructured;
    for (i, &b) in field.iter().enumerate().skip(value_start) {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if structured && quoted => escaped = true,
            b'"' if structured => quoted = !quoted,
            b'<' if structured && !quoted => angle = true,
            b'>' if structured && !quoted => angle = false,
            b' ' | b'\t' if seen_word && !angle => {
                let kind = if quoted {
                    FoldKind::InQuotes
                } else if syntax == FieldSyntax::AddressList && field[..i].last() == Some(&b',') {
                    FoldKind::AfterComma
                } else {
                    FoldKind::Whitespace
                };
                points.push(FoldPoint { at: i, kind });
            }
            b' ' | b'\t' => {}
            _ => seen_word = true,
        }
    }
    points
}

/// Where to fold a field of `len` bytes, given its fold `points` in order.
///
/// Greedy, line by line: the last point that keeps the line within
/// [`FOLD_AT`], of the best kind there is (after a comma, so addresses stay
/// whole; then other whitespace; then inside quotes); failing that, the
/// first point of any kind, which makes the shortest possible longer line.
/// A line passes [`FOLD_AT`] only where it has no whitespace to fold at, and
/// [`MAX_LINE`] only for a word that long, which the request refuses
/// (`crate::input::MAX_UNBROKEN_RUN`).
fn choose_folds(len: usize, points: &[FoldPoint]) -> Vec<usize> {
    let mut chosen = Vec::new();
    let mut line_start = 0;
    let mut next = 0;
    while len - line_start > FOLD_AT {
        while points.get(next).is_some_and(|point| point.at <= line_start) {
            next += 1;
        }
        let ahead = &points[next..];
        let within = |limit: usize| {
            ahead
                .iter()
                .take_while(move |point| point.at - line_start <= limit)
        };
        let last_within = |limit: usize, worst: FoldKind| {
            within(limit).filter(|point| point.kind <= worst).last()
        };
        let pick = last_within(FOLD_AT, FoldKind::AfterComma)
            .or_else(|| last_within(FOLD_AT, FoldKind::Whitespace))
            .or_else(|| last_within(FOLD_AT, FoldKind::InQuotes))
            .or_else(|| ahead.first());
        let Some(pick) = pick else { break };
        chosen.push(pick.at);
        line_start = pick.at;
    }
    chosen
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

    fn header_lines(message: &str) -> Vec<&str> {
        message
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .collect()
    }

    #[test]
    fn a_stray_quote_or_angle_in_the_subject_does_not_stop_the_folding() {
        // Found while checking lettre's own folding: lettre folds a subject,
        // but once our pass refolded it, one `"` used to make the rest of
        // the subject a single line of over 1,700 characters.
        for opening in ["Re: \"Informe", "a < b", "Ver >> anexo"] {
            let words = "palabra ".repeat(200);
            let message = format!("Subject: {opening} {} {words}\r\n\r\nbody", "x".repeat(100));
            let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
            for line in header_lines(&folded) {
                let breakable = line.trim_start().contains(' ');
                assert!(line.len() <= FOLD_AT || !breakable, "{opening}: {line}");
            }
            assert_eq!(unfold(&folded), message);
        }
    }

    #[test]
    fn an_address_longer_than_a_line_folds_inside_its_display_name() {
        let long_name = format!("{}<ana@example.com>", "Ana María ".repeat(30));
        let message = format!("To: ana@example.com, {long_name}, pepe@example.com\r\n\r\nx");
        let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
        for line in header_lines(&folded) {
            assert!(line.len() <= FOLD_AT, "{} chars: {line}", line.len());
        }
        assert!(folded.starts_with("To: ana@example.com,\r\n"), "{folded}");
        assert_eq!(unfold(&folded), message);
    }

    #[test]
    fn a_quoted_name_longer_than_a_line_is_folded_inside_its_quotes() {
        let name = "Quispe, Ana".repeat(150);
        let name = name.replace(",A", ", A");
        let message = format!("To: \"{name}\" <ana@example.com>, b@example.com\r\n\r\nx");
        let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
        for line in header_lines(&folded) {
            assert!(line.len() <= FOLD_AT, "{} chars: {line}", line.len());
        }
        assert_eq!(unfold(&folded), message);

        let short = "To: \"Quispe, Ana María Fernanda de los Ríos\" <ana.maria.fernanda@example.com>\r\n\r\nx";
        let folded = String::from_utf8(fold_headers(short.as_bytes())).unwrap();
        assert_eq!(
            header_lines(&folded),
            [
                "To: \"Quispe, Ana María Fernanda de los Ríos\"",
                " <ana.maria.fernanda@example.com>"
            ]
        );
    }

    #[test]
    fn a_word_with_no_whitespace_is_left_whole() {
        let message = format!("Subject: {}\r\n\r\nx", "x".repeat(1_200));
        assert_eq!(fold_headers(message.as_bytes()), message.into_bytes());
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

        #[test]
        fn every_header_line_is_within_78_when_no_piece_is_longer(
            entries in prop::collection::vec(
                (
                    prop::option::of("[A-Za-zñá]{1,12}( [A-Za-zñá,.]{1,12}){0,6}"),
                    "[a-z.]{1,30}@[a-z]{1,20}\\.example",
                ),
                1..120,
            ),
            subject in "[A-Za-z\"<>,.!?ñ ]{0,400}",
        ) {
            // Every run without whitespace is shorter than a line, so a fold
            // that keeps each line within 78 always exists.
            let list: Vec<String> = entries
                .iter()
                .map(|(name, address)| match name {
                    Some(name) if name.contains(',') => format!("\"{name}\" <{address}>"),
                    Some(name) => format!("{name} <{address}>"),
                    None => address.clone(),
                })
                .collect();
            let subject = subject
                .split(' ')
                .map(|word| &word[..word.char_indices().nth(60).map_or(word.len(), |(at, _)| at)])
                .collect::<Vec<_>>()
                .join(" ");
            let message = format!(
                "To: {}\r\nCc: {}\r\nSubject: {subject}\r\n\r\nbody\r\n",
                list.join(", "),
                list.join(", ")
            );
            let folded = String::from_utf8(fold_headers(message.as_bytes())).unwrap();
            prop_assert_eq!(unfold(&folded), message.clone());
            for line in header_lines(&folded) {
                prop_assert!(line.chars().count() <= FOLD_AT || !line.trim_start().contains(' '), "{} chars: {}", line.len(), line);
                prop_assert!(line.len() <= MAX_LINE);
            }
        }
    }
}
