//! Where a workflow's message asks for a holder's link: the text the
//! `signed_in_link` and `answer_link` template filters leave in a rendered
//! message, which the application replaces with the link itself (or, when
//! there is no public address, with whom to ask) when the message is
//! queued. Rendering stays pure: it reads and writes no store.
//!
//! The marker is `⟦garita-link PURPOSE SUBJECT⟧`, the subject in base64url
//! so no text of it can end the marker early: an account's
//! `PORTAL:IDENTIFIER`, or the id of the `task:` step whose task the link
//! answers (the run is the message's own).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::LinkPurpose;

const OPEN: &str = "⟦garita-link ";
const CLOSE: char = '⟧';

/// The marker for a link of `purpose` about `subject`.
pub fn marker(purpose: LinkPurpose, subject: &str) -> String {
    format!(
        "{OPEN}{} {}{CLOSE}",
        purpose.as_str(),
        URL_SAFE_NO_PAD.encode(subject.as_bytes())
    )
}

/// `text` with each well-formed marker replaced by what `replace` says for
/// its purpose and subject; anything else is left as it is.
pub fn expand(text: &str, mut replace: impl FnMut(LinkPurpose, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let parsed = after.find(CLOSE).and_then(|end| {
            let (purpose, subject) = after[..end].split_once(' ')?;
            let purpose = match purpose {
                "signed_in" => LinkPurpose::SignedIn,
                "answer_task" => LinkPurpose::AnswerTask,
                _ => return None,
            };
            let subject = String::from_utf8(URL_SAFE_NO_PAD.decode(subject).ok()?).ok()?;
            Some((purpose, subject, end))
        });
        match parsed {
            Some((purpose, subject, end)) => {
                out.push_str(&replace(purpose, &subject));
                rest = &after[end + CLOSE.len_utf8()..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `text` holds a marker.
pub fn has_marker(text: &str) -> bool {
    text.contains(OPEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_replaced_with_their_purpose_and_subject() {
        let text = format!(
            "Hola.\n{}\nY {} fin ⟦garita-link nope x⟧",
            marker(LinkPurpose::SignedIn, "ctpat:ana⟧@x.com"),
            marker(LinkPurpose::AnswerTask, "email_arrived")
        );
        let out = expand(&text, |p, s| format!("<{}|{s}>", p.as_str()));
        assert_eq!(
            out,
            "Hola.\n<signed_in|ctpat:ana⟧@x.com>\nY <answer_task|email_arrived> fin ⟦garita-link nope x⟧"
        );
        assert!(has_marker(&text));
        assert!(!has_marker("Hola"));
        assert_eq!(
            expand("⟦garita-link ", |_, _| String::new()),
            "⟦garita-link "
        );
    }
}
