//! Checking the chain: every entry decodes, sits under its own seq, follows
//! its predecessor without a gap, links to its hash, and hashes to what it
//! says; the last one is the recorded head. The backend reads its slots and
//! feeds them to [`ChainCheck`]; what is checked and how problems are worded
//! is the same for every backend.
//!
//! Along the way it notes the entries written under a pinned business
//! clock, and every place where `recorded_at` goes backwards by more than
//! [`CLOCK_STEP_TOLERANCE`]. A backwards step is a warning, not a broken
//! chain: the hashes prove the order and the content, and the system clock
//! is set back for innocent reasons (an NTP step after a long outage, a VM
//! restored from a snapshot, a machine that booted with a wrong clock). It
//! is also what writing evidence under a system clock set back on purpose
//! looks like, so it is reported with the seqs for a person to look into.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::chain::{AuditHead, ChainHead};
use super::entry::{hex, AuditEntry, GENESIS_PREV_HASH};

/// At most this many problems (and clock warnings) are described; the rest
/// are only counted.
const MAX_DESCRIBED: usize = 100;

/// How far `recorded_at` may go backwards from one entry to the next
/// without a warning: NTP slews and small steps stay within it.
pub const CLOCK_STEP_TOLERANCE: Duration = Duration::seconds(2);

/// A place where `recorded_at` goes backwards along the chain by more than
/// [`CLOCK_STEP_TOLERANCE`]: the system clock was set back between the two
/// writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClockWarning {
    /// The entry recorded earlier than the one before it.
    pub seq: u64,
    /// Its `recorded_at`.
    pub recorded_at: DateTime<Utc>,
    /// The latest entry before it that has a `recorded_at`.
    pub previous_seq: u64,
    /// That entry's `recorded_at`.
    pub previous_recorded_at: DateTime<Utc>,
    /// How far back, in milliseconds.
    pub back_by_ms: i64,
}

impl std::fmt::Display for ClockWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "entry {} was recorded at {}, {} before entry {} ({}): the system clock was set back between them",
            self.seq,
            self.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            shown_duration(self.back_by_ms),
            self.previous_seq,
            self.previous_recorded_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )
    }
}

/// `ms` milliseconds in words a person reads at a glance.
fn shown_duration(ms: i64) -> String {
    let seconds = ms / 1000;
    match seconds {
        s if s < 120 => format!("{}.{:03} s", s, ms % 1000),
        s if s < 2 * 3600 => format!("{} min {} s", s / 60, s % 60),
        s if s < 2 * 86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} days {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// One broken place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditProblem {
    /// The seq where it was found (the key's seq when the entry is unreadable).
    pub seq: u64,
    /// The entry's kind, when it could be read.
    pub kind: Option<String>,
    /// The entry's subject, when it could be read.
    pub subject: Option<String>,
    /// What does not match, in words.
    pub problem: String,
    /// True for unreadable data at the end of the log, as an interrupted
    /// write (a full disk, a crash) leaves it: damage, not tampering. A
    /// record that reads but whose hashes do not match is never this.
    #[serde(default)]
    pub damaged: bool,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}", self.seq)?;
        if let Some(kind) = &self.kind {
            write!(f, " ({kind}")?;
            if let Some(subject) = &self.subject {
                write!(f, " {subject}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// What [`super::AuditLog::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// The head recorded in the store.
    pub head: AuditHead,
    /// The first problems, in chain order (empty: the chain is intact).
    pub problems: Vec<AuditProblem>,
    /// Problems found beyond the described ones.
    pub more_problems: u64,
    /// Run events, account history entries, tasks and outbox messages
    /// compared with the digest their entries recorded.
    pub records_checked: u64,
    /// Seqs of the entries written while the business clock was pinned
    /// (`--now`/`GARITA_NOW`), in chain order.
    pub pinned: Vec<u64>,
    /// Entries without `recorded_at`: written before Garita recorded the
    /// system time (or by an older garita since).
    pub without_recorded_at: u64,
    /// The first places where `recorded_at` goes backwards by more than
    /// [`CLOCK_STEP_TOLERANCE`]; warnings, not problems (see the module docs).
    pub clock_warnings: Vec<ClockWarning>,
    /// Clock warnings found beyond the described ones.
    pub more_clock_warnings: u64,
}

impl AuditReport {
    /// True when no entry was modified, removed, added or reordered, and
    /// every record still matches its entries. Clock warnings do not count.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// `N problem(s), the first: …`: the problems in one line, for an error
    /// that refuses a store or a backup whose chain does not verify.
    pub fn problems_in_brief(&self) -> String {
        format!(
            "{} problem(s), the first: {}",
            self.problems.len() as u64 + self.more_problems,
            self.problems
                .first()
                .map_or_else(String::new, |p| p.to_string())
        )
    }

    /// True when every problem is damage at the end of the log (see
    /// [`AuditProblem::damaged`]), none a sign of tampering.
    pub fn is_only_damaged(&self) -> bool {
        !self.problems.is_empty()
            && self.more_problems == 0
            && self.problems.iter().all(|p| p.damaged)
    }

    /// Adds a problem found beyond the chain (a record that no longer
    /// matches its entry), described while there is room.
    pub fn add(&mut self, seq: u64, kind: String, subject: String, problem: String) {
        if self.problems.len() >= MAX_DESCRIBED {
            self.more_problems += 1;
        } else {
            self.problems.push(AuditProblem {
                seq,
                kind: Some(kind),
                subject: Some(subject),
                problem,
                damaged: false,
            });
        }
    }
}

/// Collects problems, describing the first [`MAX_DESCRIBED`].
#[derive(Debug)]
struct Findings {
    problems: Vec<AuditProblem>,
    more: u64,
}

impl Findings {
    fn add(&mut self, seq: u64, entry: Option<&AuditEntry>, problem: String) {
        if self.problems.len() >= MAX_DESCRIBED {
            self.more += 1;
            return;
        }
        self.problems.push(AuditProblem {
            seq,
            kind: entry.map(|e| e.kind.clone()),
            subject: entry.map(|e| e.subject.clone()),
            problem,
            damaged: false,
        });
    }

    /// Marks the unreadable entries from `seq` on (the end of the log) as
    /// damage rather than tampering.
    fn mark_damaged_tail(&mut self, seq: u64, unreadable: &[u64]) {
        for problem in &mut self.problems {
            if problem.seq >= seq && unreadable.contains(&problem.seq) {
                problem.damaged = true;
                problem.problem = problem.problem.replace(
                    ": it was modified",
                    ": damaged data at the end of the log, as an interrupted write (a full disk, a crash) leaves it",
                );
            }
        }
    }
}

/// The chain check, fed one stored slot at a time in key order by the
/// backend that holds the log (so a log of millions of entries is never in
/// memory at once):
///
/// ```ignore
/// let mut check = ChainCheck::new(head, recorded);
/// for (key, value) in backend_entries_up_to(check.up_to()) {
///     check.slot(key, value);
/// }
/// let report = check.finish();
/// ```
///
/// `head` is the head the backend appends after (in memory), read together
/// with the recorded one so that no append falls between them; entries
/// appended afterwards are checked next time.
#[derive(Debug)]
pub struct ChainCheck {
    found: Findings,
    recorded: AuditHead,
    /// Expected seq and prev_hash of the next entry; `None` after an
    /// unreadable entry, whose hash is unknown.
    expected_seq: u64,
    expected_prev: Option<String>,
    last: Option<(u64, String)>,
    entries: u64,
    times: WriteTimes,
    /// The first of the unreadable entries that end the log, if any: there
    /// they are damage from an interrupted write; between readable entries
    /// they are modifications.
    unreadable_tail: Option<u64>,
    unreadable: Vec<u64>,
}

impl ChainCheck {
    /// Starts a check of a chain whose head in memory is `head` and whose
    /// recorded head reads as `recorded` (`Ok(None)`: none recorded;
    /// `Err`: unreadable, with why).
    pub fn new(head: ChainHead, recorded: Result<Option<AuditHead>, String>) -> Self {
        let mut found = Findings {
            problems: Vec::new(),
            more: 0,
        };
        let recorded = match recorded {
            Ok(Some(recorded)) => recorded,
            Ok(None) => {
                if head.seq > 0 {
                    found.add(
                        head.seq,
                        None,
                        "the chain's recorded head is missing".into(),
                    );
                }
                AuditHead::from(head)
            }
            Err(e) => {
                found.add(
                    head.seq,
                    None,
                    format!("the chain's recorded head is unreadable: {e}"),
                );
                AuditHead::from(head)
            }
        };
        if recorded != AuditHead::from(head) {
            found.add(
                recorded.seq,
                None,
                format!(
                    "the recorded head (entry {}, {}) differs from the head this process appended to (entry {}, {}): it was changed while the store was open",
                    recorded.seq, recorded.hash, head.seq, hex(&head.hash)
                ),
            );
        }
        Self {
            found,
            recorded,
            expected_seq: 1,
            expected_prev: Some(hex(&GENESIS_PREV_HASH)),
            last: None,
            entries: 0,
            times: WriteTimes::default(),
            unreadable_tail: None,
            unreadable: Vec::new(),
        }
    }

    /// The last seq to feed: every stored slot whose key is at most this
    /// (the recorded head), in key order.
    pub fn up_to(&self) -> u64 {
        self.recorded.seq
    }

    /// A stored key that is not an entry's seq at all (`what` describes
    /// it, e.g. "a key of 3 bytes"): something was added to the log.
    pub fn foreign_key(&mut self, what: &str) {
        self.entries += 1;
        self.found.add(
            self.expected_seq,
            None,
            format!("{what} that is not an entry's seq was added"),
        );
    }

    /// The slot stored under seq `key_seq`: its entry, or why it cannot be
    /// read.
    pub fn slot(&mut self, key_seq: u64, entry: Result<AuditEntry, String>) {
        self.entries += 1;
        let found = &mut self.found;
        if key_seq > self.expected_seq {
            let missing = if key_seq - self.expected_seq == 1 {
                format!("entry {} is missing (removed)", self.expected_seq)
            } else {
                format!(
                    "entries {} to {} are missing (removed)",
                    self.expected_seq,
                    key_seq - 1
                )
            };
            found.add(self.expected_seq, None, missing);
            // The link check below then names the entry after the hole.
            self.expected_prev = None;
        }
        self.expected_seq = key_seq + 1;
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.add(
                    key_seq,
                    None,
                    format!("cannot be read ({e}): it was modified"),
                );
                self.unreadable.push(key_seq);
                self.unreadable_tail.get_or_insert(key_seq);
                self.expected_prev = None;
                self.last = Some((key_seq, String::new()));
                return;
            }
        };
        self.unreadable_tail = None;
        check_entry(&entry, key_seq, self.expected_prev.as_deref(), found);
        self.times.note(&entry);
        self.expected_prev = Some(entry.hash.clone());
        self.last = Some((key_seq, entry.hash));
    }

    /// The report of what was fed.
    pub fn finish(mut self) -> AuditReport {
        if let Some(first) = self.unreadable_tail {
            self.found.mark_damaged_tail(first, &self.unreadable);
        }
        check_tail(&self.recorded, self.last, &mut self.found);
        AuditReport {
            entries: self.entries,
            head: self.recorded,
            problems: self.found.problems,
            more_problems: self.found.more,
            records_checked: 0,
            pinned: self.times.pinned,
            without_recorded_at: self.times.without_recorded_at,
            clock_warnings: self.times.warnings,
            more_clock_warnings: self.times.more_warnings,
        }
    }
}

/// What the entries' write times show, gathered in chain order.
#[derive(Debug, Default)]
struct WriteTimes {
    pinned: Vec<u64>,
    without_recorded_at: u64,
    /// The latest entry so far with a `recorded_at`: its seq and that time.
    previous: Option<(u64, DateTime<Utc>)>,
    warnings: Vec<ClockWarning>,
    more_warnings: u64,
}

impl WriteTimes {
    fn note(&mut self, entry: &AuditEntry) {
        if entry.is_pinned() {
            self.pinned.push(entry.seq);
        }
        let Some(recorded_at) = entry.recorded_at else {
            self.without_recorded_at += 1;
            return;
        };
        if let Some((previous_seq, previous_recorded_at)) = self.previous {
            let back = previous_recorded_at - recorded_at;
            if back > CLOCK_STEP_TOLERANCE {
                if self.warnings.len() >= MAX_DESCRIBED {
                    self.more_warnings += 1;
                } else {
                    self.warnings.push(ClockWarning {
                        seq: entry.seq,
                        recorded_at,
                        previous_seq,
                        previous_recorded_at,
                        back_by_ms: back.num_milliseconds(),
                    });
                }
            }
        }
        // A step back moves the reference too: later entries are compared
        // with the clock as it now runs, so one step gives one warning.
        self.previous = Some((entry.seq, recorded_at));
    }
}

/// The checks of one readable entry found under key `key_seq`.
fn check_entry(
    entry: &AuditEntry,
    key_seq: u64,
    expected_prev: Option<&str>,
    found: &mut Findings,
) {
    if entry.seq != key_seq {
        found.add(
            key_seq,
            Some(entry),
            format!(
                "holds entry {} instead (entries were moved or reordered)",
                entry.seq
            ),
        );
    }
    match expected_prev {
        Some(prev) if prev != entry.prev_hash => {
            found.add(
                key_seq,
                Some(entry),
                format!(
                    "prev_hash {} is not the hash of entry {} ({prev}): an entry before it was modified, removed or reordered",
                    entry.prev_hash,
                    key_seq.saturating_sub(1)
                ),
            );
            // The entry before is named too: a store that keeps no hash of
            // its own per entry (sled's compact entries, whose hash is
            // computed from their content) shows an entry edited in place
            // only as this broken link, so it is where to look first.
            found.add(
                key_seq.saturating_sub(1),
                None,
                format!(
                    "its content hashes to {prev}, but entry {key_seq} names {} as the entry before it: this entry (or that link) was modified",
                    entry.prev_hash
                ),
            );
        }
        None if key_seq > 1 => found.add(
            key_seq,
            Some(entry),
            format!("follows a missing or unreadable entry {}", key_seq - 1),
        ),
        _ => {}
    }
    match entry.computed_hash() {
        Some(hash) if hash == entry.hash => {}
        Some(hash) => found.add(
            key_seq,
            Some(entry),
            format!(
                "its content hashes to {hash}, not to the recorded {}: it was modified",
                entry.hash
            ),
        ),
        None => found.add(
            key_seq,
            Some(entry),
            format!(
                "prev_hash {:?} is not 64 hex digits: it was modified",
                entry.prev_hash
            ),
        ),
    }
}

/// The last entry must be the recorded head: otherwise the newest entries
/// were removed (or the head was altered).
fn check_tail(recorded: &AuditHead, last: Option<(u64, String)>, found: &mut Findings) {
    let (last_seq, last_hash) = last.unwrap_or((0, hex(&GENESIS_PREV_HASH)));
    if last_seq < recorded.seq {
        let missing = if recorded.seq - last_seq == 1 {
            format!(
                "entry {} is missing (removed); the recorded head is entry {}",
                recorded.seq, recorded.seq
            )
        } else {
            format!(
                "entries {} to {} are missing (removed); the recorded head is entry {}",
                last_seq + 1,
                recorded.seq,
                recorded.seq
            )
        };
        found.add(last_seq + 1, None, missing);
    } else if last_hash != recorded.hash && !last_hash.is_empty() {
        found.add(
            last_seq,
            None,
            format!(
                "the last entry's hash {last_hash} is not the recorded head {}: it was replaced",
                recorded.hash
            ),
        );
    }
}
