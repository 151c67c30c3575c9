//! Message bodies written in Markdown, rendered twice: a plain-text part
//! written for reading ([`to_plain_text`]) and an HTML part
//! ([`to_html`]), from the same source.
//!
//! Workflow authors write bodies in YAML block scalars, where a line break
//! is meant as one: a single line break stays a line break in both parts
//! (CommonMark would join the lines into one paragraph). Raw HTML in the
//! source is never passed through: it is shown as the text it is, escaped
//! in the HTML part, since bodies embed names and addresses from the
//! inventory and a run's inputs.

mod html;
mod plain;

pub(crate) use html::to_html;
pub(crate) use plain::to_plain_text;

use pulldown_cmark::{Options, Parser};

/// The parser both renderings read: CommonMark with strikethrough, nothing
/// that needs a mail client to understand more than HTML 4 and inline styles.
fn parse(source: &str) -> Parser<'_> {
    Parser::new_ext(source, Options::ENABLE_STRIKETHROUGH)
}

/// What a link shows in plain text: its destination, without `mailto:`.
fn shown_destination(dest: &str) -> &str {
    dest.strip_prefix("mailto:").unwrap_or(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "# Cuenta CTPAT\n\nHola, **Ana**:\nsu usuario sigue *activo*.\n\n- uno\n- dos con [la guía](https://example.com/guia)\n\n1. primero\n2. segundo\n\nEscriba a <cumplimiento@example.com>.\n";

    #[test]
    fn the_plain_part_has_no_markdown_left() {
        let plain = to_plain_text(SOURCE);
        for marker in ["**", "# ", "](", "*activo*"] {
            assert!(!plain.contains(marker), "{marker:?} in {plain}");
        }
        assert_eq!(
            plain,
            "Cuenta CTPAT\n\nHola, Ana:\nsu usuario sigue activo.\n\n- uno\n- dos con la guía (https://example.com/guia)\n\n1. primero\n2. segundo\n\nEscriba a <cumplimiento@example.com>.\n"
        );
    }

    #[test]
    fn the_html_part_is_rendered_from_the_same_source() {
        let html = to_html(SOURCE);
        assert!(html.contains("<strong>Ana</strong>:<br>"), "{html}");
        assert!(html.contains("<em>activo</em>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com/guia\""),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"mailto:cumplimiento@example.com\""),
            "{html}"
        );
        assert!(html.contains("<li"), "{html}");
        assert!(html.contains("<h1"), "{html}");
        assert!(!html.contains("**"), "{html}");
    }
}
