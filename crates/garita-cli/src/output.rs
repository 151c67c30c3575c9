//! Printing results: a table or text for people, JSON with `--json`.
//!
//! Everything a command prints goes through here (`say!`, `say_stderr!`,
//! [`json`], [`Table`], [`write_raw`]), so a closed pipe ends the process
//! quietly and no cell is wider than a screen.

use std::io::Write;

use serde::Serialize;

/// `println!` that ends the process quietly when stdout is closed (`garita … | head`).
macro_rules! say {
    () => { $crate::output::write_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::write_line(format_args!($($arg)*)) };
}
pub(crate) use say;

/// `eprintln!` for commands: one line on stderr.
macro_rules! say_stderr {
    ($($arg:tt)*) => { $crate::output::write_stderr_line(format_args!($($arg)*)) };
}
pub(crate) use say_stderr;

/// Writes one line to stdout; a closed pipe ends the process with success,
/// as `head` expects, instead of a panic.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    let mut line = args.to_string();
    line.push('\n');
    write_raw(line.as_bytes());
}

/// Writes bytes to stdout as they are (a CSV export), with the same
/// closed-pipe handling as [`write_line`].
pub fn write_raw(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(bytes).and_then(|()| out.flush());
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Writes one line to stderr.
pub fn write_stderr_line(args: std::fmt::Arguments<'_>) {
    let mut line = args.to_string();
    line.push('\n');
    // Nothing sensible is left to do when stderr itself is gone.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// How an error that ends a command reads on stderr (`error: …` with its causes).
pub fn error_text(err: &anyhow::Error) -> String {
    format!("error: {err:#}\n")
}

/// Widest cell of a text table. Wider would not fit a screen, and `format!`
/// padding panics past 65,535 (an email to 10,000 recipients did that).
pub const MAX_CELL_CHARS: usize = 120;

/// `cell` cut to [`MAX_CELL_CHARS`] characters, ending in "…" when cut.
fn cut_cell(cell: String) -> String {
    if cell.chars().count() <= MAX_CELL_CHARS {
        return cell;
    }
    let mut cut: String = cell.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A plain text table with left-aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; a cell longer than [`MAX_CELL_CHARS`] is cut with "…" (the
    /// full value is in `--json`).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(cut_cell).collect());
    }

    pub fn print(&self) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    out.push_str(&format!("{cell:<w$}  "));
                }
            }
            say!("{}", out.trim_end());
        };
        line(&self.header);
        for row in &self.rows {
            line(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_past_the_limit_is_cut_with_an_ellipsis() {
        let long = "a".repeat(70_000);
        let cut = cut_cell(long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(cut_cell("short".into()), "short");
    }
}
