//! Where `garita run` takes its inputs from: `--input KEY=VALUE` (visible to
//! every user in `ps`, so fine for what is not secret), `--input KEY=-` (the
//! value read from standard input), and `--input-file FILE` (`KEY=VALUE`
//! lines). They are read here, by the caller, also when a daemon runs the
//! workflow: it receives the values, and nothing lands on a command line.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::usage::UsageError;

/// The name standard input travels under among a client's files.
pub const STDIN_NAME: &str = "-";

/// Largest input file or standard-input value.
const MAX_BYTES: u64 = 1 << 20;

/// The inputs of a run, from every source; a name given twice is refused.
pub fn gather(
    pairs: &[String],
    files: &[PathBuf],
) -> Result<BTreeMap<String, Value>, anyhow::Error> {
    let mut out = BTreeMap::new();
    let mut insert = |key: &str, value: String, from: &str| -> Result<(), UsageError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(UsageError(format!(
                "{from} has an input with an empty name"
            )));
        }
        if out.insert(key.to_owned(), Value::String(value)).is_some() {
            return Err(UsageError(format!("input `{key}` is given twice ({from})")));
        }
        Ok(())
    };
    let mut stdin_used = false;
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(UsageError(format!("--input `{pair}` must look like KEY=VALUE (or KEY=- to read the value from standard input)")).into());
        };
        if value == STDIN_NAME {
            if stdin_used {
                return Err(UsageError(format!(
                    "--input {key}=-: standard input can hold only one value; put the others in an --input-file"
                ))
                .into());
            }
            stdin_used = true;
            let text = read_stdin()?;
            insert(key, strip_newline(text), "--input KEY=-")?;
        } else {
            insert(key, value.to_owned(), "--input")?;
        }
    }
    for file in files {
        let text = read_input_file(file)?;
        for (line_no, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                // Its text is not repeated: it may be a secret.
                return Err(UsageError(format!(
                    "{}:{}: not a KEY=VALUE line (one input per line; `#` starts a comment)",
                    file.display(),
                    line_no + 1,
                ))
                .into());
            };
            insert(
                key,
                value.to_owned(),
                &format!("{}:{}", file.display(), line_no + 1),
            )?;
        }
    }
    Ok(out)
}

/// One trailing newline (what `echo` and a terminal add) is not the value's.
fn strip_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// Standard input, whole (at most 1 MiB).
pub fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read standard input for --input KEY=-: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        anyhow::bail!(
            "standard input holds more than {MAX_BYTES} bytes; an input value is far smaller"
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("standard input is not UTF-8 text"))
}

/// An input file, whole (at most 1 MiB, UTF-8). A file others can read is
/// read anyway, with a warning: it may hold a secret.
pub fn read_input_file(path: &Path) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("cannot read --input-file {shown}: {e}"))?;
    if meta.len() > MAX_BYTES {
        anyhow::bail!(
            "--input-file {shown} is {} bytes; the limit is {MAX_BYTES}",
            meta.len()
        );
    }
    if meta.permissions().mode() & 0o044 != 0 {
        crate::output::say_stderr!(
            "warning: --input-file {shown} can be read by other users; if it holds a secret, `chmod 600 {shown}`"
        );
    }
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read --input-file {shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("--input-file {shown} is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_dropped() {
        assert_eq!(strip_newline("abc\n".into()), "abc");
        assert_eq!(strip_newline("abc\r\n".into()), "abc");
        assert_eq!(strip_newline("abc\n\n".into()), "abc\n");
        assert_eq!(strip_newline("abc".into()), "abc");
    }
}
