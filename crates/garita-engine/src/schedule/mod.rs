//! The scheduler core: when `schedule` triggers fire in their time zones,
//! what to do about fires missed while Garita was down, which `event`
//! triggers emitted events start, and which waiting runs are due.
//!
//! Everything here reads time from the engine's [`crate::Clock`], so the
//! daemon, `garita daemon --once --now ...` and `garita simulate` (a
//! [`crate::ManualClock`] moved from one due instant to the next) share one
//! logic.
//!
//! - [`CronTrigger`]: next fire after an instant, fires in a range (croner
//!   over chrono-tz, daylight-saving changes settled as classic cron does);
//!   kept to business days when the trigger says `business_days:` (a fire
//!   on a weekend or holiday moves to the next business day, same local
//!   time; [`crate::calendar`]);
//! - [`plan_catch_up`]: the on-time fire and the missed ones per `catch_up`;
//! - [`TimerWheel`]: the next fire of every trigger, earliest first;
//! - [`ScheduleStore`]: each trigger's last fire and pause, durably;
//! - [`Scheduler`]: ties them to the engine, the store and the queue of
//!   emitted events ([`crate::account::AccountStore::pending_events`]).

mod business_day_fires;
mod catch_up;
/// What every [`ScheduleStore`] must do: the suite each backend runs from its
/// own tests with one line (`schedule_checks`).
pub mod conformance;
mod cron_trigger;
mod error;
mod fire_run_id;
mod pause;
mod scheduler;
mod state;
mod timer_wheel;
mod trigger_inputs;
mod view;
mod workflow_set;

#[cfg(test)]
mod tests;

pub use catch_up::{plan_catch_up, CatchUpPlan, PlannedFire, MAX_CATCH_UP_RUNS};
pub use cron_trigger::CronTrigger;
pub use error::ScheduleError;
pub use pause::set_paused;
pub use scheduler::{
    DrivenRun, DueWork, LoadReport, Scheduler, SchedulerSettings, StartCause, StartedRun,
};
pub use state::{MemoryScheduleStore, ScheduleStore, TriggerKey, TriggerState};
pub use timer_wheel::TimerWheel;
pub use trigger_inputs::{
    event_inputs, instant_text, schedule_inputs, unfillable_by_schedule, ScheduleFire,
    SCHEDULE_INPUTS,
};
pub use view::{schedule_views, ScheduleView};
pub use workflow_set::{
    check_workflows, problems_by_workflow, schedule_triggers, LoadedWorkflow, ScheduleTrigger,
};
