//! The HTML part: simple markup with inline styles, which mail clients
//! show (they drop `<style>` sheets and scripts; many block images).
//!
//! Every piece of text is escaped. Raw HTML in the source is escaped as
//! well, so a name or an input cannot add markup; a link keeps its target
//! only for `http`, `https` and `mailto` (anything else, `javascript:` say,
//! is shown as text).

use std::fmt::Write as _;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, LinkType, Tag, TagEnd};

use super::{parse, shown_destination};

const BODY_STYLE: &str =
    "font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1f2933;";
const BLOCK_STYLE: &str = "margin: 0 0 1em 0;";
const LIST_STYLE: &str = "margin: 0 0 1em 0; padding-left: 1.5em;";
const ITEM_STYLE: &str = "margin: 0 0 0.3em 0;";
const LINK_STYLE: &str = "color: #1a5fb4;";
const CODE_STYLE: &str =
    "font-family: Consolas, Menlo, monospace; background-color: #f1f3f5; padding: 0 3px;";
const PRE_STYLE: &str = "font-family: Consolas, Menlo, monospace; background-color: #f1f3f5; padding: 8px; margin: 0 0 1em 0; white-space: pre-wrap;";
const QUOTE_STYLE: &str =
    "margin: 0 0 1em 0; padding-left: 12px; border-left: 3px solid #c8ced3; color: #52606d;";
const RULE_STYLE: &str = "border: 0; border-top: 1px solid #c8ced3; margin: 1em 0;";

/// Renders `source` (Markdown) as a complete HTML document.
pub(crate) fn to_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2 + 256);
    out.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n");
    let _ = writeln!(out, "<body><div style=\"{BODY_STYLE}\">");
    // Whether each open link became an `<a>` (a refused target did not).
    let mut links: Vec<bool> = Vec::new();
    for event in parse(source) {
        match event {
            Event::Start(tag) => start(&mut out, tag, &mut links),
            Event::End(tag) => end(&mut out, tag, &mut links),
            Event::Text(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                escape_into(&mut out, &text)
            }
            Event::Html(text) | Event::InlineHtml(text) => escape_lines_into(&mut out, &text),
            Event::Code(text) => {
                let _ = write!(out, "<code style=\"{CODE_STYLE}\">");
                escape_into(&mut out, &text);
                out.push_str("</code>");
            }
            Event::FootnoteReference(label) => {
                out.push('[');
                escape_into(&mut out, &label);
                out.push(']');
            }
            // A line break in the source is meant as one (see the module
            // above).
            Event::SoftBreak | Event::HardBreak => out.push_str("<br>\n"),
            Event::Rule => {
                let _ = writeln!(out, "<hr style=\"{RULE_STYLE}\">");
            }
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
        }
    }
    out.push_str("</div></body></html>\n");
    out
}

fn start(out: &mut String, tag: Tag<'_>, links: &mut Vec<bool>) {
    match tag {
        Tag::Paragraph | Tag::HtmlBlock => {
            let _ = write!(out, "<p style=\"{BLOCK_STYLE}\">");
        }
        Tag::Heading { level, .. } => {
            let _ = write!(
                out,
                "<{} style=\"{BLOCK_STYLE} font-size: {};\">",
                heading(level),
                heading_size(level)
            );
        }
        Tag::BlockQuote(_) => {
            let _ = writeln!(out, "<blockquote style=\"{QUOTE_STYLE}\">");
        }
        Tag::CodeBlock(kind) => {
            let _ = match kind {
                CodeBlockKind::Indented | CodeBlockKind::Fenced(_) => {
                    write!(out, "<pre style=\"{PRE_STYLE}\"><code>")
                }
            };
        }
        Tag::List(None) => {
            let _ = writeln!(out, "<ul style=\"{LIST_STYLE}\">");
        }
        Tag::List(Some(first)) => {
            let _ = writeln!(out, "<ol start=\"{first}\" style=\"{LIST_STYLE}\">");
        }
        Tag::Item => {
            let _ = write!(out, "<li style=\"{ITEM_STYLE}\">");
        }
        Tag::Emphasis => out.push_str("<em>"),
        Tag::Strong => out.push_str("<strong>"),
        Tag::Strikethrough => out.push_str("<s>"),
        Tag::Superscript => out.push_str("<sup>"),
        Tag::Subscript => out.push_str("<sub>"),
        Tag::Link {
            link_type,
            dest_url,
            ..
        }
        | Tag::Image {
            link_type,
            dest_url,
            ..
        } => {
            let href = if link_type == LinkType::Email {
                Some(format!("mailto:{dest_url}"))
            } else {
                allowed_href(&dest_url).then(|| dest_url.to_string())
            };
            if let Some(href) = &href {
                out.push_str("<a href=\"");
                escape_into(out, href);
                let _ = write!(out, "\" style=\"{LINK_STYLE}\">");
            }
            links.push(href.is_some());
        }
        _ => {}
    }
}

fn end(out: &mut String, tag: TagEnd, links: &mut Vec<bool>) {
    match tag {
        TagEnd::Paragraph | TagEnd::HtmlBlock => out.push_str("</p>\n"),
        TagEnd::Heading(level) => {
            let _ = writeln!(out, "</{}>", heading(level));
        }
        TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
        TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
        TagEnd::List(false) => out.push_str("</ul>\n"),
        TagEnd::List(true) => out.push_str("</ol>\n"),
        TagEnd::Item => out.push_str("</li>\n"),
        TagEnd::Emphasis => out.push_str("</em>"),
        TagEnd::Strong => out.push_str("</strong>"),
        TagEnd::Strikethrough => out.push_str("</s>"),
        TagEnd::Superscript => out.push_str("</sup>"),
        TagEnd::Subscript => out.push_str("</sub>"),
        // Only a link that became an `<a>` closes one.
        TagEnd::Link | TagEnd::Image if links.pop() == Some(true) => out.push_str("</a>"),
        _ => {}
    }
}

/// Whether a link may point at `dest`: web pages and mail addresses only.
fn allowed_href(dest: &str) -> bool {
    let lower = dest.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        && !shown_destination(dest).is_empty()
}

fn heading(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

fn heading_size(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "20px",
        HeadingLevel::H2 => "18px",
        _ => "16px",
    }
}

/// Raw HTML shown as text, its line breaks kept.
fn escape_lines_into(out: &mut String, text: &str) {
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        escape_into(out, line);
        if lines.peek().is_some_and(|next| !next.is_empty()) {
            out.push_str("<br>\n");
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_text_are_escaped() {
        let html = to_html(
            "Hola <script>alert(1)</script> & \"Ana\"\n\n<div onclick=\"x\">bloque</div>\n",
        );
        assert!(
            !html.contains("<script>") && !html.contains("<div onclick"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Ana&quot;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;div onclick=&quot;x&quot;&gt;bloque&lt;/div&gt;"),
            "{html}"
        );
    }

    #[test]
    fn only_web_and_mail_links_are_links() {
        let html =
            to_html("[a](javascript:alert(1)) [b](https://e.x/?a=1&b=\"2\") [c](mailto:c@e.x)");
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains("<a href=\"https://e.x/?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        assert!(html.contains("<a href=\"mailto:c@e.x\""), "{html}");
    }

    #[test]
    fn the_document_is_complete_and_styled_inline() {
        let html = to_html("Hola\n\n`garita tasks list`");
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.ends_with("</html>\n"), "{html}");
        assert!(!html.contains("<style"), "{html}");
        assert!(html.contains("<code style="), "{html}");
    }
}
