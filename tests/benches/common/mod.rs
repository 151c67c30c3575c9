//! Measurements shared by the benches of this package: each bench prints its
//! own detailed table, and `report` runs them all for the one-table summary
//! (docs/performance.md). Each bench uses a part, hence `dead_code`.

#![allow(dead_code)]

pub mod call_batch;
pub mod console_load;
pub mod durable;
pub mod echo;
pub mod evidence;
pub mod five_years;
pub mod history;
pub mod inventory;
pub mod process;
pub mod release;
pub mod stats;
