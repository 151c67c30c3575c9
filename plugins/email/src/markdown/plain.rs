//! The plain-text part: what a reader sees in a client that shows no HTML.
//!
//! No Markdown syntax is left: emphasis loses its asterisks, a heading is
//! its text on a line of its own, list items keep a `-` or their number
//! (the way people write lists in plain mail), and a link is its text with
//! the bare URL after it in parentheses (only the URL when they are the
//! same). Quotes keep the `> ` mail clients use for quoting.

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Tag, TagEnd};

use super::{parse, shown_destination};

/// Renders `source` (Markdown) as plain text ending in one line break.
pub(crate) fn to_plain_text(source: &str) -> String {
    let mut writer = PlainWriter::default();
    for event in parse(source) {
        writer.event(event);
    }
    writer.finish()
}

/// What lines inside a block start with.
enum Container {
    /// `> ` on every line.
    Quote,
    /// Spaces as wide as the item's marker; the marker on its first line.
    Item { width: usize },
    /// A code block's indentation.
    Code,
}

/// A link being written: where its text starts in the output, and where it
/// points.
struct OpenLink {
    start: usize,
    dest: String,
    shows_dest: bool,
    is_email: bool,
}

#[derive(Default)]
struct PlainWriter {
    out: String,
    containers: Vec<Container>,
    /// Next number of each open list (`None`: a bulleted list).
    lists: Vec<Option<u64>>,
    /// The marker of an item whose first line is not written yet.
    marker: Option<String>,
    links: Vec<OpenLink>,
    line_open: bool,
    /// A blank line goes before the next block.
    gap: bool,
}

impl PlainWriter {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Code(text) | Event::InlineMath(text) => self.text(&text),
            Event::DisplayMath(text) | Event::Html(text) | Event::InlineHtml(text) => {
                self.text(&text)
            }
            Event::FootnoteReference(label) => self.text(&format!("[{label}]")),
            Event::SoftBreak | Event::HardBreak => self.newline(),
            Event::Rule => {
                self.open_block();
                self.text("----------");
                self.close_block();
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::HtmlBlock => self.open_block(),
            Tag::BlockQuote(_) => {
                self.open_block();
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.open_block();
                if matches!(kind, CodeBlockKind::Indented | CodeBlockKind::Fenced(_)) {
                    self.containers.push(Container::Code);
                }
            }
            Tag::List(first) => {
                // A list right under an item's text starts on the next line,
                // without a blank one.
                if self.marker.is_none() && !self.in_item_text() {
                    self.open_block();
                } else {
                    self.newline();
                }
                self.lists.push(first);
            }
            Tag::Item => {
                self.newline();
                if self.gap {
                    self.blank_line();
                    self.gap = false;
                }
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => "- ".to_owned(),
                };
                self.containers.push(Container::Item {
                    width: marker.chars().count(),
                });
                self.marker = Some(marker);
            }
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
                let shows_dest = matches!(link_type, LinkType::Autolink | LinkType::Email);
                // `Name <user@example.com>` is how plain mail writes an
                // address: the brackets stay.
                if link_type == LinkType::Email {
                    self.text("<");
                }
                self.links.push(OpenLink {
                    start: self.out.len(),
                    dest: dest_url.into_string(),
                    shows_dest,
                    is_email: link_type == LinkType::Email,
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::HtmlBlock => self.close_block(),
            TagEnd::BlockQuote(_) => {
                self.close_block();
                self.containers.pop();
            }
            TagEnd::CodeBlock => {
                // The code's last line break is already written.
                if matches!(self.containers.last(), Some(Container::Code)) {
                    self.containers.pop();
                }
                self.close_block();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                // A nested list ends with its item: no blank line before
                // the next item of the list around it.
                if self.lists.is_empty() {
                    self.close_block();
                } else {
                    self.newline();
                }
            }
            TagEnd::Item => {
                self.newline();
                self.marker = None;
                self.containers.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                if let Some(link) = self.links.pop() {
                    let shown = self.out[link.start..].trim().to_owned();
                    let dest = shown_destination(&link.dest);
                    if link.is_email {
                        self.text(">");
                    }
                    if !link.shows_dest && !dest.is_empty() && shown != dest {
                        let suffix = if shown.is_empty() {
                            dest.to_owned()
                        } else {
                            format!(" ({dest})")
                        };
                        self.text(&suffix);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether the output is inside an item whose text is already written.
    fn in_item_text(&self) -> bool {
        matches!(self.containers.last(), Some(Container::Item { .. }))
    }

    fn open_block(&mut self) {
        self.newline();
        if self.gap {
            self.blank_line();
        }
        self.gap = false;
    }

    fn close_block(&mut self) {
        self.newline();
        self.gap = true;
    }

    fn text(&mut self, text: &str) {
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            if !line.is_empty() {
                if !self.line_open {
                    self.write_prefix();
                }
                self.out.push_str(line);
                self.line_open = true;
            }
            if lines.peek().is_some() {
                if !self.line_open {
                    // An empty line inside the text (a code block's).
                    self.blank_line();
                }
                self.newline();
            }
        }
    }

    fn newline(&mut self) {
        if self.line_open {
            self.out.push('\n');
            self.line_open = false;
        }
    }

    fn blank_line(&mut self) {
        if self.out.is_empty() {
            return;
        }
        self.write_prefix();
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
        self.out.push('\n');
    }

    fn write_prefix(&mut self) {
        let innermost_item = self
            .containers
            .iter()
            .rposition(|c| matches!(c, Container::Item { .. }));
        for (index, container) in self.containers.iter().enumerate() {
            match container {
                Container::Quote => self.out.push_str("> "),
                Container::Code => self.out.push_str("    "),
                Container::Item { width } => match self.marker.take() {
                    Some(marker) if Some(index) == innermost_item => self.out.push_str(&marker),
                    other => {
                        self.marker = other;
                        self.out.push_str(&" ".repeat(*width));
                    }
                },
            }
        }
    }

    fn finish(mut self) -> String {
        self.newline();
        let kept = self.out.trim_end().len();
        self.out.truncate(kept);
        self.out.push('\n');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_are_indented_under_their_item() {
        let plain = to_plain_text("- uno\n  - a\n  - b\n- dos\n\nFin.");
        assert_eq!(plain, "- uno\n  - a\n  - b\n- dos\n\nFin.\n");
    }

    #[test]
    fn a_loose_list_keeps_its_blank_lines_and_continuations() {
        let plain = to_plain_text("1. Entre al portal.\n\n   Revise el correo.\n\n2. Responda.\n");
        assert_eq!(
            plain,
            "1. Entre al portal.\n\n   Revise el correo.\n\n2. Responda.\n"
        );
    }

    #[test]
    fn quotes_code_and_raw_html_are_text() {
        let plain = to_plain_text("> citado\n\n```\ngarita tasks list\n```\n\n<b>no</b> & <ana>");
        assert_eq!(
            plain,
            "> citado\n\n    garita tasks list\n\n<b>no</b> & <ana>\n"
        );
    }

    #[test]
    fn a_link_whose_text_is_its_url_shows_it_once() {
        assert_eq!(
            to_plain_text("[https://e.x/a](https://e.x/a) y <https://e.x/b>"),
            "https://e.x/a y https://e.x/b\n"
        );
        assert_eq!(
            to_plain_text("Tom Okafor <tom_okafor@e.x>"),
            "Tom Okafor <tom_okafor@e.x>\n"
        );
        assert_eq!(
            to_plain_text("[escríbanos](mailto:a@e.x)"),
            "escríbanos (a@e.x)\n"
        );
    }

    #[test]
    fn line_breaks_written_in_the_source_stay() {
        assert_eq!(
            to_plain_text("Para: cbp@example.com\nAsunto: hola\n\n\n\nFin"),
            "Para: cbp@example.com\nAsunto: hola\n\nFin\n"
        );
    }
}
