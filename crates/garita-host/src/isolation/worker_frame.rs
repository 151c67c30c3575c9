//! The bytes between the host and a plugin worker: each message is one JSON
//! document behind a 4-byte big-endian length. A length is read before the
//! body, so a message over the reader's limit is refused without reading it.

use std::io::{self, Read, Write};

use garita_sdk::{ActionError, InvokeContext, Manifest};
use serde::{Deserialize, Serialize};

/// The first message a worker sends: the library loaded, or why not.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WorkerHello {
    /// Loaded and checked; its manifest and SDK version.
    Ready {
        sdk_version: String,
        manifest: Manifest,
    },
    /// The library was refused (the host's own error, in words).
    Refused(String),
}

/// One call, host to worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WorkerCall {
    pub action: String,
    pub ctx: InvokeContext,
    pub input: serde_json::Value,
}

/// One answer, worker to host.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WorkerReply {
    Ok(serde_json::Value),
    Error(ActionError),
}

/// What reading one message found.
#[derive(Debug)]
pub(crate) enum FrameRead {
    /// A whole message.
    Frame(Vec<u8>),
    /// The other side closed the stream between messages.
    End,
    /// A message announced `len` bytes, more than the limit; not read.
    TooLarge(u64),
}

/// Writes `value` as one message.
pub(crate) fn write_frame(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let body = serde_json::to_vec(value).map_err(io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(|_| {
        io::Error::other(format!(
            "a message of {} bytes does not fit the worker protocol",
            body.len()
        ))
    })?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(&body)?;
    out.flush()
}

/// Reads one message of at most `limit` bytes.
pub(crate) fn read_frame(input: &mut impl Read, limit: u64) -> io::Result<FrameRead> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < len.len() {
        match input.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(FrameRead::End),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u64::from(u32::from_be_bytes(len));
    if len > limit {
        return Ok(FrameRead::TooLarge(len));
    }
    let mut body = Vec::new();
    input.take(len).read_to_end(&mut body)?;
    if (body.len() as u64) < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(FrameRead::Frame(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_and_the_end_is_clean() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &serde_json::json!({"a": 1})).unwrap();
        let mut input = bytes.as_slice();
        match read_frame(&mut input, 1024).unwrap() {
            FrameRead::Frame(body) => assert_eq!(body, br#"{"a":1}"#),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_frame(&mut input, 1024).unwrap(),
            FrameRead::End
        ));
    }

    #[test]
    fn an_oversized_message_is_refused_before_it_is_read() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &"x".repeat(100)).unwrap();
        assert!(matches!(
            read_frame(&mut bytes.as_slice(), 10).unwrap(),
            FrameRead::TooLarge(102)
        ));
    }

    #[test]
    fn a_cut_message_is_an_error_not_a_short_message() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &"x".repeat(100)).unwrap();
        bytes.truncate(50);
        assert!(read_frame(&mut bytes.as_slice(), 1024).is_err());
        assert!(read_frame(&mut &bytes[..2], 1024).is_err());
    }
}
