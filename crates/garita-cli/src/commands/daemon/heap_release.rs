//! Gives the allocator's free pages back to the system once a burst of
//! work is over.
//!
//! The daemon's memory after a burst (10,000 runs, a console under load) is
//! partly pages sled has let go of but not yet freed, the zstd contexts it
//! keeps for the next page, and pages the allocator keeps with nothing live
//! on them (docs/performance.md). A task looks at the process's CPU time
//! once a second; when the last second was quiet and enough work was done
//! since the last release, it frees the first two and gives back the third
//! ([`garita_app::memory::release_after_burst`]).
//! Work itself is never slowed: nothing is released while the daemon is
//! busy, and a quiet daemon is released at most once.

use std::time::Duration;

/// How often the task looks.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// CPU time (clock ticks, 10 ms each on Linux) a second may take and still
/// count as quiet: the daemon's own timers and an occasional request.
const QUIET_TICKS: u64 = 2;

/// CPU time since the last release that is worth a release: a few hundred
/// runs or console pages. Less than that leaves little to give back.
const WORK_TICKS: u64 = 25;

/// When to release, from the process's CPU time (user + system, in ticks)
/// as it is read once per look.
#[derive(Debug, Default)]
struct ReleasePolicy {
    /// CPU time at the previous look.
    previous: Option<u64>,
    /// CPU time when memory was last released (or the task started).
    at_release: Option<u64>,
}

impl ReleasePolicy {
    /// Takes the CPU time now; true when memory should be released now.
    fn observe(&mut self, cpu_ticks: u64) -> bool {
        let at_release = *self.at_release.get_or_insert(cpu_ticks);
        let previous = self.previous.replace(cpu_ticks);
        let Some(previous) = previous else {
            return false;
        };
        let last_look = cpu_ticks.saturating_sub(previous);
        let since_release = cpu_ticks.saturating_sub(at_release);
        if last_look <= QUIET_TICKS && since_release >= WORK_TICKS {
            self.at_release = Some(cpu_ticks);
            return true;
        }
        false
    }
}

/// User + system CPU time of the process from `/proc/self/stat`, in clock
/// ticks; `None` where there is no such file or it cannot be read.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    cpu_ticks_of(&stat)
}

/// Fields 14 and 15 (utime, stime) of a `/proc/PID/stat` line. The command
/// name (field 2) is in parentheses and may hold spaces or parentheses, so
/// the fields are counted from the last `)`.
fn cpu_ticks_of(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Starts the task; it runs until the daemon's runtime stops. Where the
/// process's CPU time cannot be read, it does nothing.
pub(super) fn spawn() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        if cpu_ticks().is_none() {
            return;
        }
        let mut policy = ReleasePolicy::default();
        let mut look = tokio::time::interval(LOOK_EVERY);
        look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            look.tick().await;
            let Some(now) = cpu_ticks() else { return };
            if policy.observe(now) {
                // It walks every arena: off the runtime's worker threads.
                let released = tokio::task::spawn_blocking(garita_app::memory::release_after_burst)
                    .await
                    .unwrap_or(false);
                tracing::debug!(
                    released,
                    "quiet after work: freed what sled held for later and gave the allocator's free pages back"
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_time_after_a_name_with_spaces_and_parentheses() {
        let line = "4242 (garita (d) x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 157 43 0 0 20 0 17 0 8812 100 50";
        assert_eq!(cpu_ticks_of(line), Some(200));
        assert_eq!(cpu_ticks_of("4242 (garita) S 1 2"), None);
        assert_eq!(cpu_ticks_of("no parentheses at all"), None);
        assert!(cpu_ticks().is_some_and(|t| t < u64::MAX / 2));
    }

    #[test]
    fn releases_once_when_quiet_after_work() {
        let mut policy = ReleasePolicy::default();
        assert!(!policy.observe(100), "the first look only starts the count");
        assert!(!policy.observe(101), "quiet, but no work done since");
        assert!(!policy.observe(160), "busy: 59 ticks in the last second");
        assert!(!policy.observe(200), "still busy");
        assert!(policy.observe(201), "quiet after 100 ticks of work");
        assert!(!policy.observe(202), "released already; nothing since");
        assert!(!policy.observe(203));
    }

    #[test]
    fn a_trickle_of_work_adds_up_and_a_busy_daemon_is_left_alone() {
        let mut policy = ReleasePolicy::default();
        let mut ticks = 0;
        let mut released = 0;
        // Two ticks every second: quiet each time, 26 ticks of work (past
        // the 25 a release wants) at the 14th look.
        for _ in 0..14 {
            ticks += 2;
            released += usize::from(policy.observe(ticks));
        }
        assert_eq!(released, 1);
        let mut busy = ReleasePolicy::default();
        let released = (0..100).filter(|i| busy.observe(i * 50)).count();
        assert_eq!(released, 0, "never while every second takes 500 ms of CPU");
    }
}
