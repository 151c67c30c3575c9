//! Compiling a bare expression without tripping a minijinja panic.
//!
//! minijinja 2.24 panics ("empty lexer stack") when a bare expression closes
//! the variable block it is lexed as and text follows, as in `a }} b`: the
//! lexer pops its last state at `}}` and then finds input left. The
//! `workflow_parse` fuzzer found it through an `if:` condition. Such an
//! expression is refused here, before minijinja sees it, with a message
//! that says what is wrong; a panic from anything this scan misses is caught
//! and reported as an invalid expression rather than taking the process down.

use std::panic::{catch_unwind, AssertUnwindSafe};

use minijinja::{Environment, Error, ErrorKind, Expression};

/// Compiles `expr` in `env`, refusing a `}}` that would end it early.
pub fn compile_expression<'env, 'source>(
    env: &'env Environment<'static>,
    expr: &'source str,
) -> Result<Expression<'env, 'source>, Error> {
    if let Some(at) = early_close(expr) {
        return Err(Error::new(
            ErrorKind::SyntaxError,
            format!(
                "`}}}}` at byte {at} ends the expression before its end; remove it (an expression is written without `${{{{ }}}}` inside)"
            ),
        ));
    }
    match catch_unwind(AssertUnwindSafe(|| env.compile_expression(expr))) {
        Ok(compiled) => compiled,
        Err(_) => Err(Error::new(
            ErrorKind::SyntaxError,
            "the template engine could not read this expression",
        )),
    }
}

/// The byte offset of the first `}}` outside string literals and brackets, if any.
fn early_close(expr: &str) -> Option<usize> {
    let bytes = expr.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                b'}' if depth > 0 => depth -= 1,
                b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::syntax::SyntaxConfig;
    use proptest::prelude::*;

    fn env() -> Environment<'static> {
        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .variable_delimiters("${{", "}}")
                .build()
                .unwrap(),
        );
        env
    }

    #[test]
    fn fuzz_regression_an_expression_closed_early_is_refused_not_panicked_on() {
        let env = env();
        for expr in [
            "a }} b",
            "a }}}}",
            "iord.outputs.x | replace('\\t', ' ') }}\\t${{ steps.r.outputs.by }}\"",
        ] {
            let err = compile_expression(&env, expr).unwrap_err();
            assert!(
                err.to_string().contains("ends the expression"),
                "{expr}: {err}"
            );
        }
    }

    #[test]
    fn braces_inside_strings_and_literals_are_not_an_early_close() {
        let env = env();
        for expr in [
            "'}}' == a",
            "a == \"x\\\"}} y\"",
            "{'a': {'b': 1}}['a']",
            "[{'k': 1}]|length",
        ] {
            assert_eq!(early_close(expr), None, "{expr}");
            assert!(compile_expression(&env, expr).is_ok(), "{expr}");
        }
        assert_eq!(early_close("a }} b"), Some(2));
    }

    proptest! {
        #[test]
        fn no_expression_panics(expr in "[a-z '\"{}()\\[\\]|~%#=.,\\\\-]{0,24}") {
            let env = env();
            // Ok or Err, never a panic (the catch would turn one into Err,
            // so check that the scan, not the catch, stopped it).
            if let Err(err) = compile_expression(&env, &expr) {
                prop_assert!(!err.to_string().contains("could not read"), "{expr:?}: {err}");
            }
        }
    }
}
