//! A worker's answers, read on the thread that made the call.
//!
//! The answers used to come through a reader thread and a channel: each
//! call then took three wake-ups (the worker's, the reader thread's and the
//! caller's), each tens of microseconds on an idle machine, and the added
//! time of a worker call was 80 to 160 µs against a target of 100. Here the
//! caller waits on the pipe itself (`poll` with the call's time limit) and
//! reads what is there without blocking, so one wake-up is gone; and both
//! sides spin briefly before they sleep (`pipe_wait`), which saves the other
//! two when the worker answers quickly. The frame format is
//! `worker_frame`'s: a 4-byte big-endian length, then the body.

use std::io::{self, Read};
use std::os::fd::AsFd;
use std::process::ChildStdout;
use std::time::{Duration, Instant};

use super::pipe_wait::wait_readable;

/// What waiting for one message from a worker found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Received {
    Frame(Vec<u8>),
    /// The worker closed its output (it ended, or is ending), or its pipe
    /// failed.
    Ended,
    TimedOut,
    /// A message announced this many bytes, more than the limit; not read.
    TooLarge(u64),
}

/// A worker's stdout, non-blocking, with what has arrived of the next
/// message.
pub(super) struct WorkerReplies<R> {
    pipe: R,
    pending: Vec<u8>,
    limit: u64,
}

impl WorkerReplies<ChildStdout> {
    /// Reads `stdout` from now on without blocking; messages over `limit`
    /// bytes are refused unread.
    pub(super) fn new(stdout: ChildStdout, limit: u64) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(&stdout, true)?;
        Ok(Self::over(stdout, limit))
    }
}

impl<R: Read + AsFd> WorkerReplies<R> {
    fn over(pipe: R, limit: u64) -> Self {
        Self {
            pipe,
            pending: Vec::new(),
            limit,
        }
    }

    /// Waits for the next message, at most `limit` (none: for ever).
    pub(super) fn receive(&mut self, limit: Option<Duration>) -> Received {
        let deadline = limit.map(|limit| Instant::now() + limit);
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(received) = self.next_in_pending() {
                return received;
            }
            match self.pipe.read(&mut chunk) {
                Ok(0) => return Received::Ended,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = match deadline {
                        None => None,
                        Some(deadline) => {
                            let left = deadline.saturating_duration_since(Instant::now());
                            if left.is_zero() {
                                return Received::TimedOut;
                            }
                            Some(left)
                        }
                    };
                    if wait_readable(&self.pipe, left).is_err() {
                        return Received::Ended;
                    }
                }
                Err(_) => return Received::Ended,
            }
        }
    }

    /// The first whole message among what has arrived, if there is one.
    fn next_in_pending(&mut self) -> Option<Received> {
        let header: [u8; 4] = self.pending.get(..4)?.try_into().ok()?;
        let len = u64::from(u32::from_be_bytes(header));
        if len > self.limit {
            return Some(Received::TooLarge(len));
        }
        // Within the limit, which is a usize's worth on every platform
        // Garita runs on.
        let end = 4 + usize::try_from(len).ok()?;
        if self.pending.len() < end {
            return None;
        }
        // The message's buffer goes to the caller and only what follows it
        // stays: a worker kept idle does not keep the room of the largest
        // answer it ever sent (up to plugins.max_output_bytes).
        let rest = self.pending.split_off(end);
        let mut body = std::mem::replace(&mut self.pending, rest);
        body.drain(..4);
        Some(Received::Frame(body))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    /// A reader over one end of a socket pair, and the other end to write.
    fn pair(limit: u64) -> (WorkerReplies<UnixStream>, UnixStream) {
        let (ours, theirs) = UnixStream::pair().expect("socket pair");
        ours.set_nonblocking(true).expect("non-blocking");
        (WorkerReplies::over(ours, limit), theirs)
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut bytes = (body.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn messages_come_whole_and_in_order_however_they_are_cut() {
        let (mut replies, mut worker) = pair(1024);
        let mut bytes = frame(b"first");
        bytes.extend(frame(b""));
        bytes.extend(frame(&[7u8; 300]));
        let writer = std::thread::spawn(move || {
            for piece in bytes.chunks(3) {
                worker.write_all(piece).expect("write");
                std::thread::sleep(Duration::from_millis(1));
            }
            worker
        });
        let limit = Some(Duration::from_secs(10));
        assert_eq!(replies.receive(limit), Received::Frame(b"first".to_vec()));
        assert_eq!(replies.receive(limit), Received::Frame(Vec::new()));
        assert_eq!(replies.receive(limit), Received::Frame(vec![7u8; 300]));
        drop(writer.join().expect("writer"));
        assert_eq!(replies.receive(limit), Received::Ended);
    }

    #[test]
    fn a_large_answer_is_not_kept_once_handed_over() {
        let (mut replies, mut worker) = pair(1 << 20);
        let writer = std::thread::spawn(move || {
            worker.write_all(&frame(&[3u8; 300_000])).expect("write");
            worker
        });
        let limit = Some(Duration::from_secs(10));
        assert_eq!(replies.receive(limit), Received::Frame(vec![3u8; 300_000]));
        drop(writer.join().expect("writer"));
        assert!(
            replies.pending.capacity() < 64 * 1024,
            "an idle reader still holds {} bytes",
            replies.pending.capacity()
        );
    }

    #[test]
    fn silence_past_the_limit_times_out_and_a_late_message_still_reads() {
        let (mut replies, mut worker) = pair(1024);
        let started = Instant::now();
        assert_eq!(
            replies.receive(Some(Duration::from_millis(50))),
            Received::TimedOut
        );
        assert!(started.elapsed() >= Duration::from_millis(50));
        worker.write_all(&frame(b"late")).expect("write");
        assert_eq!(replies.receive(None), Received::Frame(b"late".to_vec()));
    }

    #[test]
    fn an_oversized_message_is_refused_unread_and_a_cut_one_is_an_end() {
        let (mut replies, mut worker) = pair(10);
        worker.write_all(&frame(&[1u8; 11])).expect("write");
        assert_eq!(replies.receive(None), Received::TooLarge(11));

        let (mut replies, mut worker) = pair(1024);
        worker.write_all(&frame(b"cut short")[..6]).expect("write");
        drop(worker);
        assert_eq!(replies.receive(None), Received::Ended);
    }
}
