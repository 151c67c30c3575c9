//! A CSV text to its checked header and its records, and one record to its
//! cells. The text is read whole: an inventory is small, and reporting every
//! bad row at once needs all of them anyway.

use crate::columns::{self, Cells, Column};
use crate::csv_cells::unescape_formula;
use crate::row::Problem;

/// Largest file accepted: far above any real inventory (10,000 rows are ~2 MB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// A file that is not UTF-8: where the first bad byte is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: not valid UTF-8 (byte {byte})")]
pub struct NotUtf8 {
    /// 1-based line of the first bad byte.
    pub line: usize,
    /// 0-based offset of the first bad byte.
    pub byte: usize,
}

/// Why a CSV text cannot be read as an inventory.
#[derive(Debug, thiserror::Error)]
pub enum CsvFileError {
    /// The first row cannot be read as CSV.
    #[error("cannot read the header row: {0}")]
    Header(csv::Error),
    /// The header row was read but its columns are wrong: one message each.
    #[error("the header has {} problem(s)", .0.len())]
    Columns(Vec<String>),
    /// A later row cannot be read as CSV (an unpaired quote, usually).
    #[error("line {line}: {source}")]
    Record {
        /// 1-based line where the reader stopped.
        line: u64,
        /// What the CSV reader said.
        source: csv::Error,
    },
}

/// The header, understood, and every record after it.
#[derive(Debug)]
pub struct InventoryCsv {
    /// One entry per header cell, in file order.
    pub header: Vec<Column>,
    /// The data rows, each knowing its line.
    pub records: Vec<csv::StringRecord>,
}

/// The bytes of a file as text, or where they stop being UTF-8.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let byte = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..byte].iter().filter(|b| **b == b'\n').count() + 1;
        NotUtf8 { line, byte }
    })
}

/// `;` when the header line has semicolons and no commas (spreadsheets in
/// Spanish-speaking locales save CSV that way), else `,`.
pub fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    }
}

/// Reads the header (checked with [`columns::check_header`]) and the records.
pub fn read_csv(text: &str) -> Result<InventoryCsv, CsvFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(CsvFileError::Header)?
        .iter()
        .map(str::to_owned)
        .collect();
    let header = columns::check_header(&headers).map_err(CsvFileError::Columns)?;
    let mut lines = LineCounter::new(text);
    let mut records: Vec<csv::StringRecord> =
        reader
            .records()
            .collect::<Result<_, _>>()
            .map_err(|source| CsvFileError::Record {
                line: source
                    .position()
                    .map_or(0, |p| LineCounter::new(text).line_at(p.byte())),
                source,
            })?;
    // The reader counts a CR LF line end (what Excel writes) as two lines,
    // so a row's number is taken from its byte offset instead.
    for record in &mut records {
        if let Some(mut position) = record.position().cloned() {
            position.set_line(lines.line_at(position.byte()));
            record.set_position(Some(position));
        }
    }
    Ok(InventoryCsv { header, records })
}

/// 1-based line numbers of byte offsets asked in increasing order.
struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `byte` that is not a line
    /// end: a record's offset is where the reader began it, before the
    /// blank lines it skipped.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut end = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self
            .bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'\n' | b'\r'))
        {
            end += 1;
        }
        if end > self.counted_to {
            self.line += self.bytes[self.counted_to..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.counted_to = end;
        }
        self.line
    }
}

/// The record's cells by column, undoing the exporter's formula escape.
pub fn cells_of(record: &csv::StringRecord, header: &[Column]) -> Result<Cells, Problem> {
    let extra_filled = record
        .iter()
        .skip(header.len())
        .any(|c| !c.trim().is_empty());
    if record.len() < header.len() || extra_filled {
        return Err(Problem {
            column: "-".into(),
            message: format!(
                "the row has {} cells but the header has {} columns",
                record.len(),
                header.len()
            ),
        });
    }
    let mut cells = Cells::default();
    for (column, raw) in header.iter().zip(record.iter()) {
        let value = crate::columns::cell_value(unescape_formula(raw));
        match column {
            Column::Fixed(name) => {
                cells.fixed.insert(name, value);
            }
            Column::Attribute(name) => {
                cells.attributes.insert(name.clone(), value);
            }
        }
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_know_their_line_whatever_the_line_ends() {
        let header = "portal,account,holder_name,holder_email,company,tax_id";
        for end in ["\n", "\r\n"] {
            let text = [
                header,
                "ctpat,a@x.example,Ana,a@x.example,X,1",
                "",
                "ctpat,b@x.example,\"Luis\nPérez\",b@x.example,X,1",
                "ctpat,c@x.example,Eva,c@x.example,X,1",
            ]
            .join(end);
            let csv = read_csv(&text).expect("reads");
            let lines: Vec<u64> = csv
                .records
                .iter()
                .map(|r| r.position().map_or(0, |p| p.line()))
                .collect();
            assert_eq!(lines, [2, 4, 6], "line end {end:?}");
        }
    }

    #[test]
    fn semicolon_files_are_recognised_by_their_header() {
        assert_eq!(delimiter("portal;account;holder_name\n"), b';');
        assert_eq!(delimiter("portal,account,note\nx;y,z\n"), b',');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn rows_with_missing_cells_are_a_problem_but_trailing_empty_cells_are_not() {
        let header = vec![Column::Fixed("portal"), Column::Fixed("account")];
        let short = csv::StringRecord::from(vec!["ctpat"]);
        assert!(cells_of(&short, &header)
            .unwrap_err()
            .message
            .contains("1 cells"));
        let trailing = csv::StringRecord::from(vec!["ctpat", "a@x.com", " ", ""]);
        let cells = cells_of(&trailing, &header).unwrap();
        assert_eq!(cells.get("account"), Some("a@x.com"));
        let escaped = csv::StringRecord::from(vec!["ctpat", "'=a@x.com"]);
        assert_eq!(
            cells_of(&escaped, &header).unwrap().get("account"),
            Some("=a@x.com")
        );
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_byte() {
        let err = decode_utf8(b"portal\nctpat,\xff\n".to_vec()).unwrap_err();
        assert_eq!(err, NotUtf8 { line: 2, byte: 13 });
        assert_eq!(decode_utf8(b"ok".to_vec()).as_deref(), Ok("ok"));
    }

    #[test]
    fn an_unpaired_quote_is_reported_with_its_line() {
        let text = "portal,account,holder_name,holder_email,company,tax_id\nctpat,\"a@x.com,b\n";
        match read_csv(text) {
            Err(CsvFileError::Record { line, .. }) => assert_eq!(line, 2),
            // The csv crate reads an unclosed quote to the end of the input.
            Ok(csv) => assert_eq!(csv.records.len(), 1),
            Err(other) => panic!("{other}"),
        }
        assert!(matches!(
            read_csv("portal,colour\n"),
            Err(CsvFileError::Columns(p)) if p.iter().any(|m| m.contains("colour"))
        ));
    }
}
