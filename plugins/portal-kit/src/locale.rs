//! The language of text meant for people: Spanish by default (the product's
//! language), English on request.

use garita_sdk::InvokeContext;

/// The Spanish or the English text.
pub fn pick<'a>(english: bool, spanish: &'a str, english_text: &'a str) -> &'a str {
    if english {
        english_text
    } else {
        spanish
    }
}

/// The English text when the call asked for English, the Spanish otherwise.
pub fn pick_for(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_unless_english_is_asked_for() {
        assert_eq!(pick(false, "hola", "hello"), "hola");
        assert_eq!(pick(true, "hola", "hello"), "hello");
        let english = InvokeContext::builder().locale("en-US").build();
        assert_eq!(pick_for(&english, "hola", "hello"), "hello");
        assert_eq!(
            pick_for(&InvokeContext::for_test(), "hola", "hello"),
            "hola"
        );
    }
}
