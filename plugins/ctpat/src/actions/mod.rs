//! One module per action; each owns its manifest entry (`spec`) and its
//! entry point (`run`).

pub mod email_list_review;
pub mod inactivity_status;
pub mod reactivation_deadline;
pub mod reactivation_request;
