//! Picks the language of text meant for people.

use garita_sdk::InvokeContext;

/// Returns `english` when the caller asked for English, `spanish` otherwise
/// (Spanish is the product's default language).
pub(crate) fn pick(
    ctx: &InvokeContext,
    spanish: impl Into<String>,
    english: impl Into<String>,
) -> String {
    if ctx.is_english() {
        english.into()
    } else {
        spanish.into()
    }
}
