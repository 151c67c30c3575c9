//! Waiting for a worker pipe to have something to read: a short spin, then
//! `poll`. Both ends use it, the host for an answer and the worker for the
//! next call.
//!
//! A call to a worker is two hand-overs (the call, then the answer). When
//! the side waiting sleeps in `poll`, each hand-over costs a wake-up of a
//! sleeping thread, and on an idle virtual machine a wake-up takes tens of
//! microseconds: most of a worker call's added time. An answer to a quick
//! action (a validator, a template) arrives within a few microseconds, and a
//! workflow's next call often follows within a few more, so the waiting side
//! first looks again and again for a short while, on a core it already has.
//! What that costs is bounded: at most [`spin_for`] of one core per hand-over,
//! nothing once the wait goes on longer (a portal action of seconds).

use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

/// How long a waiting side keeps looking before it sleeps. It must outlast
/// what the other side does between two hand-overs (for a `core.set`: the
/// worker's decoding, call and encoding; the host's path from one call to
/// the next), tens of microseconds: on an idle 2-core VM, `cargo bench -p
/// garita-host --bench plugin_call` added 118 to 155 µs per worker call
/// without the spin, 122 and 131 with 20 µs, 26 to 47 with 50 µs and 7 to
/// 19 with 100 µs.
const SPIN: Duration = Duration::from_micros(100);

/// The longest spin `GARITA_WORKER_SPIN_US` may set: past a few
/// milliseconds a wait is better spent asleep.
const MAX_SPIN: Duration = Duration::from_millis(10);

/// The spin of this process: [`SPIN`], or `GARITA_WORKER_SPIN_US`
/// microseconds when set (0 turns it off: for a machine whose cores are
/// too scarce to lend, and for comparing).
pub(super) fn spin_for() -> Duration {
    static SPIN_FOR: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *SPIN_FOR.get_or_init(|| match std::env::var("GARITA_WORKER_SPIN_US") {
        Ok(text) => spin_from(&text),
        Err(_) => SPIN,
    })
}

/// The spin `GARITA_WORKER_SPIN_US=text` asks for; what is not a number is
/// reported and ignored, and a spin past [`MAX_SPIN`] is cut to it.
fn spin_from(text: &str) -> Duration {
    match text.trim().parse::<u64>() {
        Ok(us) if Duration::from_micros(us) <= MAX_SPIN => Duration::from_micros(us),
        Ok(us) => {
            tracing::warn!(
                "GARITA_WORKER_SPIN_US={us} is more than {} µs; spinning {} µs",
                MAX_SPIN.as_micros(),
                MAX_SPIN.as_micros()
            );
            MAX_SPIN
        }
        Err(_) => {
            tracing::warn!(
                "GARITA_WORKER_SPIN_US={text:?} is not a whole number of microseconds; spinning the default {} µs",
                SPIN.as_micros()
            );
            SPIN
        }
    }
}

/// Returns when `pipe` has something to read or has closed, or when `left`
/// has passed (`None`: no limit). The caller then reads without blocking.
pub(super) fn wait_readable(pipe: &impl AsFd, left: Option<Duration>) -> io::Result<()> {
    let started = Instant::now();
    let spin = left.map_or(spin_for(), |left| left.min(spin_for()));
    let mut fds = [PollFd::new(pipe, PollFlags::IN)];
    let now_only = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    while started.elapsed() < spin {
        if poll(&mut fds, Some(&now_only))? > 0 {
            return Ok(());
        }
        // Lends the core to whatever else is ready to run on it, the other
        // side among them when cores are scarce.
        std::thread::yield_now();
    }
    let timeout = left.map(|left| {
        let left = left.saturating_sub(started.elapsed());
        Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        })
    });
    poll(&mut fds, timeout.as_ref()).map(|_| ())
}

/// `poll`, again when a signal interrupted it; how many descriptors are ready.
fn poll(fds: &mut [PollFd<'_>], timeout: Option<&Timespec>) -> io::Result<usize> {
    loop {
        match rustix::event::poll(fds, timeout) {
            Ok(ready) => return Ok(ready),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    #[test]
    fn returns_at_once_when_bytes_are_there_and_after_the_limit_when_not() {
        let (ours, mut theirs) = UnixStream::pair().expect("socket pair");
        let started = Instant::now();
        wait_readable(&ours, Some(Duration::from_millis(30))).expect("wait");
        let silent = started.elapsed();
        assert!(
            silent >= Duration::from_millis(30),
            "returned after {silent:?} with nothing to read"
        );

        theirs.write_all(b"x").expect("write");
        let started = Instant::now();
        wait_readable(&ours, Some(Duration::from_secs(10))).expect("wait");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "bytes waiting were not seen"
        );
    }

    #[test]
    fn wakes_for_bytes_that_come_after_the_spin() {
        let (ours, mut theirs) = UnixStream::pair().expect("socket pair");
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            theirs.write_all(b"late").expect("write");
            theirs
        });
        let started = Instant::now();
        wait_readable(&ours, None).expect("wait");
        assert!(
            started.elapsed() >= Duration::from_millis(15),
            "woke before anything was written"
        );
        drop(writer.join());
    }

    #[test]
    fn the_spin_setting_is_read_clamped_or_refused() {
        assert_eq!(spin_from("0"), Duration::ZERO);
        assert_eq!(spin_from(" 250 "), Duration::from_micros(250));
        assert_eq!(spin_from("10000"), MAX_SPIN);
        assert_eq!(spin_from("9999999999"), MAX_SPIN);
        assert_eq!(spin_from("fast"), SPIN);
        assert_eq!(spin_from("-5"), SPIN);
        assert_eq!(spin_from(""), SPIN);
    }

    #[test]
    fn a_closed_pipe_ends_the_wait() {
        let (ours, theirs) = UnixStream::pair().expect("socket pair");
        drop(theirs);
        wait_readable(&ours, None).expect("wait");
    }
}
