//! Running sled writes off the async executor: a sled transaction takes
//! sled's process-wide write lock, which waits while a flush writes to disk,
//! and a durable flush itself blocks for milliseconds; on a tokio worker that
//! would stall every other task of the worker.

use std::panic::AssertUnwindSafe;
use std::path::Path;

use garita_engine::StoreError;

use crate::open::panic_message;

/// Runs `work` on tokio's blocking pool (inline when there is no runtime),
/// turning a sled panic into [`StoreError::Corrupt`]. `if_interrupted` is
/// what to tell someone whose work the runtime's shutdown cut short.
pub(crate) async fn run_blocking<T, F>(
    path: &Path,
    doing: &'static str,
    if_interrupted: &'static str,
    work: F,
) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    let outcome = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => match runtime.spawn_blocking(work).await {
            Ok(result) => Ok(result),
            Err(e) if e.is_panic() => Err(panic_message(&*e.into_panic())),
            Err(_) => {
                return Err(StoreError::Io {
                    path: path.display().to_string(),
                    detail: format!("{doing}: the runtime is shutting down; {if_interrupted}"),
                })
            }
        },
        Err(_) => std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|p| panic_message(&*p)),
    };
    outcome.unwrap_or_else(|message| {
        Err(StoreError::Corrupt {
            what: format!("sled data in {}", path.display()),
            detail: format!("{doing}: sled panicked ({message})"),
        })
    })
}
