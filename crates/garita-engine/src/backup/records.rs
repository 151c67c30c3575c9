//! What a backup holds: every record of a store, by kind.

use serde::{Deserialize, Serialize};

use crate::audit::AuditHead;

/// The kinds of record a backup holds, in file order (see the table in
/// the module docs for each one's key and value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Run summaries.
    Runs,
    /// Run events.
    Events,
    /// Workflow sources, by digest.
    Sources,
    /// Human tasks.
    Tasks,
    /// Outbox messages.
    Outbox,
    /// The account inventory.
    Accounts,
    /// Each account's history.
    AccountHistory,
    /// Rule transitions applied once each.
    AccountTransitions,
    /// Events queued for the daemon.
    EmittedEvents,
    /// Schedule triggers' states.
    Schedules,
    /// Console users (files written before users existed have none).
    Users,
    /// Holders' links, their secret and the calendar feeds' tokens
    /// (files written before links existed have none).
    Links,
    /// The hash-chained audit log.
    Audit,
}

impl RecordKind {
    /// Every kind, in file order.
    pub const ALL: [Self; 13] = [
        Self::Runs,
        Self::Events,
        Self::Sources,
        Self::Tasks,
        Self::Outbox,
        Self::Accounts,
        Self::AccountHistory,
        Self::AccountTransitions,
        Self::EmittedEvents,
        Self::Schedules,
        Self::Users,
        Self::Links,
        Self::Audit,
    ];

    /// The kind's name in a backup file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Runs => "runs",
            Self::Events => "events",
            Self::Sources => "sources",
            Self::Tasks => "tasks",
            Self::Outbox => "outbox",
            Self::Accounts => "accounts",
            Self::AccountHistory => "account_history",
            Self::AccountTransitions => "account_transitions",
            Self::EmittedEvents => "emitted_events",
            Self::Schedules => "schedules",
            Self::Users => "users",
            Self::Links => "links",
            Self::Audit => "audit",
        }
    }

    /// Whether a format-2 file written before this kind existed may lack
    /// its section (read as empty): only kinds added after the format.
    pub fn may_be_absent(self) -> bool {
        matches!(self, Self::Users | Self::Links)
    }

    /// The kind named `name`, if this build knows it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One record: its key and its value, as the module docs lay them out.
pub type Record = (Vec<u8>, Vec<u8>);

/// The records of one kind, in key byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Their kind.
    pub kind: RecordKind,
    /// Key and value of each, as the table in the module docs lays them out.
    pub records: Vec<Record>,
}

/// Every record of a store at one moment: one section per kind, in
/// [`RecordKind::ALL`] order, and the audit chain's head then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    /// One per kind, in [`RecordKind::ALL`] order (empty ones included).
    pub sections: Vec<Section>,
    /// The audit chain's head: its last entry's seq and hash.
    pub audit_head: AuditHead,
}

impl RecordSet {
    /// A set with every section empty and the head `audit_head`; fill it
    /// with [`RecordSet::section_mut`].
    pub fn empty(audit_head: AuditHead) -> Self {
        Self {
            sections: RecordKind::ALL
                .into_iter()
                .map(|kind| Section {
                    kind,
                    records: Vec::new(),
                })
                .collect(),
            audit_head,
        }
    }

    /// The records of `kind` (empty when there are none).
    pub fn section(&self, kind: RecordKind) -> &[Record] {
        self.sections
            .iter()
            .find(|s| s.kind == kind)
            .map_or(&[], |s| s.records.as_slice())
    }

    /// The records of `kind`, to fill.
    pub fn section_mut(&mut self, kind: RecordKind) -> &mut Vec<Record> {
        let at = match self.sections.iter().position(|s| s.kind == kind) {
            Some(at) => at,
            None => {
                self.sections.push(Section {
                    kind,
                    records: Vec::new(),
                });
                self.sections.sort_by_key(|s| s.kind);
                self.sections
                    .iter()
                    .position(|s| s.kind == kind)
                    .unwrap_or_default()
            }
        };
        &mut self.sections[at].records
    }

    /// How many records it holds in all.
    pub fn len(&self) -> u64 {
        self.sections.iter().map(|s| s.records.len() as u64).sum()
    }

    /// Whether it holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
