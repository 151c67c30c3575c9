//! Deciding what to run for the fires of a trigger that are due: the one on
//! time, and the missed ones according to the trigger's `catch_up` policy.
//!
//! A fire is *on time* when the scheduler sees it within the on-time window
//! of its instant (a daemon that sleeps until the fire sees it within
//! milliseconds); older fires were *missed* (the daemon was stopped, the
//! machine slept) and follow the policy: `all` runs each (up to
//! [`MAX_CATCH_UP_RUNS`], the most recent ones), `last` runs the most recent
//! one, `none` runs none. Either way every due fire ends up covered, so it is
//! never considered again.

use chrono::{DateTime, TimeDelta, Utc};

use super::cron_trigger::CronTrigger;
use crate::model::CatchUp;

/// Most runs one catch-up starts for one trigger under `catch_up: all`; the
/// older missed fires beyond it are skipped (and logged). A schedule that
/// fires every minute and was down for a week would otherwise start 10,080
/// runs at once.
pub const MAX_CATCH_UP_RUNS: usize = 1000;

/// Most missed fires counted for one trigger; past it the log says "more
/// than". Counting is cheap, but not free for a per-minute schedule left
/// stopped for years.
const MAX_COUNTED_FIRES: usize = 200_000;

/// One fire the plan says to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedFire {
    /// The instant the expression named.
    pub scheduled_for: DateTime<Utc>,
    /// True for a missed fire run late; false for the on-time one.
    pub catch_up: bool,
}

/// What to do with the due fires of one trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUpPlan {
    /// The fires to run, oldest first.
    pub run: Vec<PlannedFire>,
    /// Missed fires found (not counting the on-time one).
    pub missed: usize,
    /// True when there were more missed fires than could be counted.
    pub missed_more: bool,
    /// Due fires that will not run (by policy, pause or cap).
    pub skipped: usize,
    /// True when `all` hit [`MAX_CATCH_UP_RUNS`].
    pub capped: bool,
    /// The trigger's new `covered_until`: every fire up to it is dealt with.
    pub covered_until: DateTime<Utc>,
}

impl CatchUpPlan {
    /// True when nothing was due.
    pub fn is_empty(&self) -> bool {
        self.run.is_empty() && self.missed == 0 && self.skipped == 0
    }
}

/// Plans the fires of `trigger` in `(covered_until, now]`.
///
/// `on_time_window` is how late a fire may be seen and still count as on
/// time; `paused` skips every due fire.
pub fn plan_catch_up(
    trigger: &CronTrigger,
    policy: CatchUp,
    covered_until: DateTime<Utc>,
    now: DateTime<Utc>,
    on_time_window: TimeDelta,
    paused: bool,
) -> CatchUpPlan {
    let mut due = trigger.fires_between(covered_until, now, MAX_COUNTED_FIRES);
    let missed_more = due.len() == MAX_COUNTED_FIRES;
    let covered_until = covered_until.max(now);
    if paused {
        let count = due.len();
        return CatchUpPlan {
            run: Vec::new(),
            missed: 0,
            missed_more: false,
            skipped: count,
            capped: false,
            covered_until,
        };
    }
    let on_time = match due.last() {
        Some(last) if now - *last <= on_time_window => due.pop(),
        _ => None,
    };
    let missed = due.len();
    let chosen: &[DateTime<Utc>] = match policy {
        CatchUp::All => &due[missed.saturating_sub(MAX_CATCH_UP_RUNS)..],
        CatchUp::Last => &due[missed.saturating_sub(1)..],
        CatchUp::None => &[],
    };
    let mut run: Vec<PlannedFire> = chosen
        .iter()
        .map(|&scheduled_for| PlannedFire {
            scheduled_for,
            catch_up: true,
        })
        .collect();
    let capped = policy == CatchUp::All && missed > MAX_CATCH_UP_RUNS;
    let skipped = missed - run.len();
    run.extend(on_time.map(|scheduled_for| PlannedFire {
        scheduled_for,
        catch_up: false,
    }));
    CatchUpPlan {
        run,
        missed,
        missed_more,
        skipped,
        capped,
        covered_until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn daily() -> CronTrigger {
        CronTrigger::parse("0 8 * * *", "UTC").unwrap()
    }

    fn window() -> TimeDelta {
        TimeDelta::minutes(10)
    }

    /// Three days down: the daemon last covered 12:00 on day 1, and comes back
    /// at 12:00 on day 4, after the 08:00 fires of days 2, 3 and 4.
    fn three_days(policy: CatchUp) -> CatchUpPlan {
        plan_catch_up(
            &daily(),
            policy,
            utc("2026-01-01T12:00:00Z"),
            utc("2026-01-04T12:00:00Z"),
            window(),
            false,
        )
    }

    #[test]
    fn all_runs_every_missed_fire_oldest_first() {
        let plan = three_days(CatchUp::All);
        let at: Vec<_> = plan.run.iter().map(|f| f.scheduled_for).collect();
        assert_eq!(
            at,
            [
                utc("2026-01-02T08:00:00Z"),
                utc("2026-01-03T08:00:00Z"),
                utc("2026-01-04T08:00:00Z")
            ]
        );
        assert!(plan.run.iter().all(|f| f.catch_up));
        assert_eq!((plan.missed, plan.skipped, plan.capped), (3, 0, false));
        assert_eq!(plan.covered_until, utc("2026-01-04T12:00:00Z"));
    }

    #[test]
    fn last_runs_the_most_recent_missed_fire() {
        let plan = three_days(CatchUp::Last);
        assert_eq!(
            plan.run,
            [PlannedFire {
                scheduled_for: utc("2026-01-04T08:00:00Z"),
                catch_up: true
            }]
        );
        assert_eq!((plan.missed, plan.skipped), (3, 2));
    }

    #[test]
    fn none_runs_nothing_but_covers_everything() {
        let plan = three_days(CatchUp::None);
        assert!(plan.run.is_empty());
        assert_eq!((plan.missed, plan.skipped), (3, 3));
        assert_eq!(plan.covered_until, utc("2026-01-04T12:00:00Z"));
    }

    #[test]
    fn a_fire_seen_in_time_is_on_time_whatever_the_policy() {
        for policy in [CatchUp::All, CatchUp::Last, CatchUp::None] {
            let plan = plan_catch_up(
                &daily(),
                policy,
                utc("2026-01-01T12:00:00Z"),
                utc("2026-01-02T08:00:00.003Z"),
                window(),
                false,
            );
            assert_eq!(
                plan.run,
                [PlannedFire {
                    scheduled_for: utc("2026-01-02T08:00:00Z"),
                    catch_up: false
                }],
                "{policy:?}"
            );
            assert_eq!(plan.missed, 0);
        }
    }

    #[test]
    fn missed_fires_come_before_the_on_time_one() {
        let plan = plan_catch_up(
            &daily(),
            CatchUp::Last,
            utc("2026-01-01T12:00:00Z"),
            utc("2026-01-04T08:01:00Z"),
            window(),
            false,
        );
        let at: Vec<_> = plan
            .run
            .iter()
            .map(|f| (f.scheduled_for, f.catch_up))
            .collect();
        assert_eq!(
            at,
            [
                (utc("2026-01-03T08:00:00Z"), true),
                (utc("2026-01-04T08:00:00Z"), false)
            ]
        );
    }

    #[test]
    fn all_is_capped_to_the_most_recent_fires() {
        let every_minute = CronTrigger::parse("* * * * *", "UTC").unwrap();
        let plan = plan_catch_up(
            &every_minute,
            CatchUp::All,
            utc("2026-01-01T00:00:00Z"),
            utc("2026-01-02T00:00:00Z"),
            TimeDelta::zero(),
            false,
        );
        // 1440 fires in the day; the last one (00:00 of day 2) is exactly on time.
        assert_eq!(plan.missed, 1439);
        assert!(plan.capped);
        assert_eq!(plan.run.len(), MAX_CATCH_UP_RUNS + 1);
        assert_eq!(plan.skipped, 1439 - MAX_CATCH_UP_RUNS);
        assert_eq!(
            plan.run.first().map(|f| f.scheduled_for),
            Some(utc("2026-01-01T07:20:00Z"))
        );
    }

    #[test]
    fn paused_skips_everything() {
        let plan = plan_catch_up(
            &daily(),
            CatchUp::All,
            utc("2026-01-01T12:00:00Z"),
            utc("2026-01-04T08:00:00Z"),
            window(),
            true,
        );
        assert!(plan.run.is_empty());
        assert_eq!(plan.skipped, 3);
        assert_eq!(plan.covered_until, utc("2026-01-04T08:00:00Z"));
    }

    #[test]
    fn nothing_due_is_empty_and_never_moves_coverage_back() {
        let plan = plan_catch_up(
            &daily(),
            CatchUp::Last,
            utc("2026-01-01T12:00:00Z"),
            utc("2026-01-01T11:00:00Z"),
            window(),
            false,
        );
        assert!(plan.is_empty());
        assert_eq!(plan.covered_until, utc("2026-01-01T12:00:00Z"));
    }
}
