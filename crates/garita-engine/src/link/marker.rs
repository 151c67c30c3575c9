//! Where a workflow's message asks for a holder's link: the text the
//! `signed_in_link` and `answer_link` template filters leave in a rendered
//! message, which the application replaces with the link itself (or, when
//! there is no public address, with whom to ask) when the message is
//! queued. Rendering stays pure: it reads and writes no store.
//!
//! The marker is `⟦garita-link PURPOSE SUBJECT⟧`, the subject in base64url
//! so no text of it can end the marker early: an account's
//! `PORTAL:IDENTIFIER`, or the id of the `task:` step whose task the link
//! answers (the run is the message's own). A marker that names the
//! language of its sentence (`signed_in_link('en')`, for a holder whose
//! language is not the workflow's) is `⟦garita-link PURPOSE SUBJECT LANG⟧`.

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

/// The marker for a link of `purpose` about `subject` whose sentence is in
/// `language` (`es` or `en`) rather than the message's.
pub fn marker_in(purpose: LinkPurpose, subject: &str, language: &str) -> String {
    format!(
        "{OPEN}{} {} {language}{CLOSE}",
        purpose.as_str(),
        URL_SAFE_NO_PAD.encode(subject.as_bytes())
    )
}

/// One marker found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// What the link does.
    pub purpose: LinkPurpose,
    /// Its account key or task step.
    pub subject: String,
    /// The language its sentence is written in, when the marker names one.
    pub language: Option<String>,
}

/// `text` with each well-formed marker replaced by what `replace` says for
/// its purpose and subject; anything else is left as it is.
pub fn expand(text: &str, mut replace: impl FnMut(LinkPurpose, &str) -> String) -> String {
    expand_markers(text, |m| replace(m.purpose, &m.subject))
}

/// [`expand`], handing `replace` the whole marker (with its language).
pub fn expand_markers(text: &str, mut replace: impl FnMut(&Marker) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let parsed = after.find(CLOSE).and_then(|end| {
            let (purpose, rest) = after[..end].split_once(' ')?;
            let purpose = match purpose {
                "signed_in" => LinkPurpose::SignedIn,
                "answer_task" => LinkPurpose::AnswerTask,
                _ => return None,
            };
            let (subject, language) = match rest.split_once(' ') {
                Some((subject, language @ ("es" | "en"))) => (subject, Some(language.to_owned())),
                Some(_) => return None,
                None => (rest, None),
            };
            let subject = String::from_utf8(URL_SAFE_NO_PAD.decode(subject).ok()?).ok()?;
            Some((
                Marker {
                    purpose,
                    subject,
                    language,
                },
                end,
            ))
        });
        match parsed {
            Some((marker, end)) => {
                out.push_str(&replace(&marker));
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

    #[test]
    fn a_marker_may_name_its_language() {
        let text = format!(
            "{} / {} / ⟦garita-link signed_in YQ fr⟧",
            marker_in(LinkPurpose::SignedIn, "ctpat:ana@x.com", "en"),
            marker(LinkPurpose::AnswerTask, "confirm")
        );
        let out = expand_markers(&text, |m| {
            format!(
                "{}|{}|{}",
                m.purpose.as_str(),
                m.subject,
                m.language.as_deref().unwrap_or("-")
            )
        });
        assert_eq!(
            out,
            "signed_in|ctpat:ana@x.com|en / answer_task|confirm|- / ⟦garita-link signed_in YQ fr⟧"
        );
    }
}
