//! The worker's side: `garita plugins worker LIB …` loads one plugin library
//! and answers calls read from stdin until stdin closes. Whatever the library
//! does (exit, abort, crash, hang, allocate without end) happens in this
//! process; the host sees a closed pipe or a missed deadline and fails only
//! the call in flight.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::pipe_wait::wait_readable;
use super::worker_frame::{
    read_frame, write_frame, FrameRead, WorkerCall, WorkerHello, WorkerReply,
};
use crate::discovery::check_permissions;
use crate::library::PluginLibrary;

/// The arguments that make the `garita` binary a plugin worker; then the
/// library's absolute path, `--max-output BYTES` and `--memory MIB`.
pub const WORKER_ARGS: [&str; 2] = ["plugins", "worker"];

/// Largest call the worker reads (inputs are built by templates, which are
/// bounded far below this).
const MAX_CALL: u64 = 64 << 20;

/// How often a worker checks that the process that started it is alive.
const PARENT_CHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// What the worker was started with.
#[derive(Debug, Clone)]
pub struct WorkerArgs {
    /// The library, by absolute path.
    pub library: PathBuf,
    /// `plugins.max_output_bytes`.
    pub max_output: usize,
    /// `plugins.worker_memory_mib`.
    pub memory_mib: u64,
}

/// Serves calls for one library; returns the process's exit code (0 when
/// the host closed stdin, 1 when the library was refused, 3 on a broken pipe).
pub fn serve_worker(args: &WorkerArgs) -> u8 {
    // The protocol gets its own copy of stdout, and fd 1 becomes stderr, so a
    // plugin that prints cannot corrupt the answers.
    let protocol = match rustix::io::dup(std::io::stdout()) {
        Ok(fd) => File::from(fd),
        Err(e) => {
            eprintln!("plugin worker: cannot set up its output: {e}");
            return 3;
        }
    };
    if let Err(e) = rustix::stdio::dup2_stdout(std::io::stderr()) {
        eprintln!("plugin worker: cannot move stdout aside: {e}");
        return 3;
    }
    die_with_parent();
    limit_memory(args.memory_mib);
    let mut out = BufWriter::new(protocol);
    let library = match load(&args.library, args.max_output) {
        Ok(library) => library,
        Err(problem) => {
            let _ = write_frame(&mut out, &WorkerHello::Refused(problem));
            return 1;
        }
    };
    let hello = WorkerHello::Ready {
        sdk_version: library.sdk_version().to_owned(),
        manifest: library.cached_manifest().clone(),
    };
    if write_frame(&mut out, &hello).is_err() {
        return 3;
    }
    let name = library.cached_manifest().name.clone();
    let mut input = match CallPipe::from_stdin() {
        Ok(pipe) => BufReader::new(pipe),
        Err(e) => {
            eprintln!("plugin worker: cannot set up its input: {e}");
            return 3;
        }
    };
    loop {
        let body = match read_frame(&mut input, MAX_CALL) {
            Ok(FrameRead::Frame(body)) => body,
            Ok(FrameRead::End) => return 0,
            Ok(FrameRead::TooLarge(len)) => {
                // On stderr, which the host keeps as the worker's last words.
                eprintln!("plugin worker: a call of {len} bytes is over the limit of {MAX_CALL}");
                return 3;
            }
            Err(_) => return 3,
        };
        let reply = match serde_json::from_slice::<WorkerCall>(&body) {
            Ok(call) => {
                drop(body);
                match crate::invoke::call_guarded(
                    &library,
                    &name,
                    &call.action,
                    &call.ctx,
                    call.input,
                ) {
                    Ok(output) => WorkerReply::Ok(output),
                    Err(error) => WorkerReply::Error(error),
                }
            }
            Err(e) => WorkerReply::Error(garita_sdk::ActionError::permanent(format!(
                "the plugin worker could not read the call ({e}); this is a bug in garita"
            ))),
        };
        if write_frame(&mut out, &reply)
            .and_then(|()| out.flush())
            .is_err()
        {
            return 3;
        }
    }
}

/// The calls' pipe (the worker's stdin), read without blocking and waited
/// on through `pipe_wait`: a call that follows the last answer closely is
/// picked up without the worker going to sleep.
struct CallPipe(File);

impl CallPipe {
    fn from_stdin() -> std::io::Result<Self> {
        Self::over(File::from(rustix::io::dup(std::io::stdin())?))
    }

    fn over(pipe: File) -> std::io::Result<Self> {
        // The flag belongs to the pipe's open file, which only this process
        // has (the host keeps the writing end). Anything else (a terminal,
        // when someone starts a worker by hand) is shared, so it stays
        // blocking: reads then simply wait.
        let kind = rustix::fs::FileType::from_raw_mode(rustix::fs::fstat(&pipe)?.st_mode);
        if matches!(
            kind,
            rustix::fs::FileType::Fifo | rustix::fs::FileType::Socket
        ) {
            rustix::io::ioctl_fionbio(&pipe, true)?;
        }
        Ok(Self(pipe))
    }
}

impl Read for CallPipe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    wait_readable(&self.0, None)?;
                }
                other => return other,
            }
        }
    }
}

fn load(path: &Path, max_output: usize) -> Result<PluginLibrary, String> {
    check_permissions(path).map_err(|e| e.to_string())?;
    PluginLibrary::load(path)
        .map(|library| library.with_output_limit(max_output))
        .map_err(|e| e.to_string())
}

/// A worker never outlives the process that started it: if the daemon is
/// killed, the worker ends too, even one stuck in plugin code. (The kernel's
/// parent-death signal would follow the *thread* that started the worker,
/// and garita starts workers from short-lived threads, so a watchdog thread
/// looks at the parent instead.)
#[cfg(unix)]
fn die_with_parent() {
    let parent = rustix::process::getppid();
    let watch = move || loop {
        std::thread::sleep(PARENT_CHECK);
        if rustix::process::getppid() != parent {
            // Re-parented: whoever started us is gone. SIGKILL to ourselves
            // ends the process at once, whatever the plugin is doing.
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::KILL,
            );
            std::process::exit(3);
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(watch)
    {
        eprintln!("plugin worker: cannot watch its parent: {e}");
    }
    // The parent may have died before the watch began.
    if rustix::process::getppid() != parent {
        std::process::exit(3);
    }
}

#[cfg(not(unix))]
fn die_with_parent() {}

/// Caps the worker's address space, so a plugin that allocates without end
/// fails its own allocation instead of taking the server's memory.
#[cfg(target_os = "linux")]
fn limit_memory(mib: u64) {
    let bytes = mib.saturating_mul(1 << 20);
    if let Err(e) = rustix::process::setrlimit(
        rustix::process::Resource::As,
        rustix::process::Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        },
    ) {
        eprintln!("plugin worker: cannot limit its memory to {mib} MiB: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn limit_memory(_mib: u64) {}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_call_written_late_and_in_pieces_reads_whole_then_the_end() {
        let (ours, mut theirs) = UnixStream::pair().expect("socket pair");
        let pipe = CallPipe::over(File::from(OwnedFd::from(ours))).expect("call pipe");
        let flags = rustix::fs::fcntl_getfl(&pipe.0).expect("flags");
        assert!(
            flags.contains(rustix::fs::OFlags::NONBLOCK),
            "the pipe was left blocking"
        );
        let body = br#"{"action":"set"}"#;
        let mut message = u32::try_from(body.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        message.extend_from_slice(body);
        let writer = std::thread::spawn(move || {
            // Later than the spin, so the read sleeps in poll in between.
            for piece in message.chunks(5) {
                std::thread::sleep(Duration::from_millis(5));
                theirs.write_all(piece).expect("write");
            }
        });
        let mut input = BufReader::new(pipe);
        match read_frame(&mut input, 1024) {
            Ok(FrameRead::Frame(read)) => assert_eq!(read, body),
            other => panic!("expected the call, got {other:?}"),
        }
        writer.join().expect("writer");
        assert!(matches!(read_frame(&mut input, 1024), Ok(FrameRead::End)));
    }
}
