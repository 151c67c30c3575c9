//! GARITA PATCH: a byte budget for what one render or evaluation builds.
//!
//! Fuel counts instructions, but one instruction can double a string: thirty
//! `{% set a = a ~ a %}` grow eight bytes into gigabytes. With a budget set
//! (see [`with_byte_budget`]), every string and sequence value created on
//! this thread is charged its size; once the budget is spent, the VM stops
//! at its next instruction with an error. Operations whose result size is
//! known before they allocate (repetition with `*`) check first, so they
//! never allocate past the budget; any other single operation allocates at
//! most the size of its operands, which were charged already, so memory
//! stays within a small multiple of the budget.
//!
//! Not part of upstream minijinja; see vendor/minijinja/GARITA-PATCH.md.

use std::cell::Cell;

use crate::error::{Error, ErrorKind};

thread_local! {
    /// `Some((limit, spent))` while a budget is set on this thread.
    static BUDGET: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// Runs `f` with a budget of `limit` bytes for the values it builds on this
/// thread; the previous budget (if any) is restored afterwards.
pub fn with_byte_budget<R>(limit: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<(usize, usize)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.with(|cell| cell.replace(Some((limit, 0)))));
    f()
}

/// Bytes spent so far under the current budget (0 without one).
pub fn bytes_spent() -> usize {
    BUDGET.with(|cell| cell.get().map_or(0, |(_, spent)| spent))
}

/// Records `bytes` built. Never fails: the VM reports the overrun at its
/// next instruction ([`check`]).
#[inline]
pub(crate) fn charge(bytes: usize) {
    BUDGET.with(|cell| {
        if let Some((limit, spent)) = cell.get() {
            cell.set(Some((limit, spent.saturating_add(bytes))));
        }
    });
}

/// An error if building `bytes` more would overrun the budget (for results
/// whose size is known before they are built).
#[inline]
pub(crate) fn check_room(bytes: usize) -> Result<(), Error> {
    BUDGET.with(|cell| match cell.get() {
        Some((limit, spent)) if spent.saturating_add(bytes) > limit => Err(overrun(limit)),
        _ => Ok(()),
    })
}

/// An error once the budget is spent.
#[inline]
pub(crate) fn check() -> Result<(), Error> {
    BUDGET.with(|cell| match cell.get() {
        Some((limit, spent)) if spent > limit => Err(overrun(limit)),
        _ => Ok(()),
    })
}

fn overrun(limit: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("the template would build more than {limit} bytes of values, its limit"),
    )
}
