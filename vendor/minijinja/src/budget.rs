//! GARITA PATCH: a byte budget for what one render or evaluation builds.
//!
//! Fuel counts instructions, but one instruction can double a string: thirty
//! `{% set a = a ~ a %}` grow eight bytes into gigabytes. With a budget set
//! (see [`with_byte_budget`]), every string and sequence value created on
//! this thread is charged its size; once the budget is spent, the VM stops
//! at its next instruction with an error. Operations whose result size is
//! known before they allocate (repetition with `*`, `slice(n)`) check first,
//! so they never allocate past the budget. Iterating a value charges each
//! item it yields as one value and ends the iteration once the budget is
//! spent: a filter that collects items (`list`, `batch`, `map`, `sort`, ...)
//! stops there instead of turning a 16 MB string into sixteen million
//! values in one instruction. A collection cut short this way is never seen:
//! the VM fails at its next instruction, and whoever set the budget checks
//! [`check`] once more after the last one (see [`with_byte_budget`]).
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
///
/// The caller should call [`check`] at the end of `f`: the result of the
/// last instruction, or anything `f` does outside the VM, may come from an
/// iteration the budget ended early.
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
pub fn check() -> Result<(), Error> {
    BUDGET.with(|cell| match cell.get() {
        Some((limit, spent)) if spent > limit => Err(overrun(limit)),
        _ => Ok(()),
    })
}

/// Charges one item an iteration is about to yield (it takes a value's
/// room in whatever collects it); false once the budget is spent, which
/// ends the iteration (an iterator cannot fail; see [`check`]).
#[inline]
pub(crate) fn charge_item() -> bool {
    if check().is_err() {
        return false;
    }
    charge(std::mem::size_of::<crate::value::Value>());
    true
}

fn overrun(limit: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("the template would build more than {limit} bytes of values, its limit"),
    )
}
