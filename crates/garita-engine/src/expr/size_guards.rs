//! Bounds on what one template operation may build.
//!
//! minijinja's fuel counts instructions, not bytes: a single `replace`,
//! `indent`, `format` or `join` can turn a short string into gigabytes. The
//! filters here replace those built-ins under the same names, work out the
//! size of the result before building it, and refuse one larger than
//! [`MAX_BUILT`], so the allocation never happens. The originals stay
//! registered under names a template cannot spell (`garita:…`), and the
//! guards hand the actual work to them, so behaviour below the limit is
//! minijinja's own.
//!
//! Templates can also no longer carry a value across loop iterations
//! (`namespace()` is removed) or recurse (`{% macro %}` is refused by
//! [`forbidden_statement`]): both let a handful of instructions double a
//! string again and again.

use minijinja::value::{Rest, Value};
use minijinja::{Environment, Error, ErrorKind, State};

/// Largest string one guarded operation may build (1 MiB, as a rendered template).
pub const MAX_BUILT: usize = 1 << 20;

/// Widest `tojson` indent accepted.
const MAX_JSON_INDENT: usize = 16;

/// Installs the guards in `env`.
pub fn install(env: &mut Environment<'static>) {
    env.remove_global("namespace");
    env.add_filter("garita:replace", minijinja::filters::replace);
    env.add_filter("garita:indent", minijinja::filters::indent);
    env.add_filter("garita:format", minijinja::filters::format);
    env.add_filter("garita:join", minijinja::filters::join);
    env.add_filter("garita:tojson", minijinja::filters::tojson);
    env.add_filter("replace", replace);
    env.add_filter("indent", indent);
    env.add_filter("format", format);
    env.add_filter("join", join);
    env.add_filter("tojson", tojson);
}

/// A `{% macro %}` or `{% call %}` block in `template`, if there is one:
/// macros can recurse, and a recursion that doubles its argument explodes
/// within the recursion limit.
pub fn forbidden_statement(template: &str) -> Option<&'static str> {
    let mut rest = template;
    while let Some(at) = rest.find("{%") {
        rest = &rest[at + 2..];
        let word = rest
            .trim_start_matches(['-', '+'])
            .trim_start()
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next()
            .unwrap_or_default();
        match word {
            "macro" => return Some("macro"),
            "call" => return Some("call"),
            _ => {}
        }
    }
    None
}

fn too_large(what: &str, size: usize) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "{what} would build a string of {size} bytes; one operation may build at most {MAX_BUILT}"
        ),
    )
}

fn check(what: &str, size: usize) -> Result<(), Error> {
    if size > MAX_BUILT {
        Err(too_large(what, size))
    } else {
        Ok(())
    }
}

/// The text a filter sees for `value`: the string itself, or its display form.
fn text_of(value: &Value) -> std::borrow::Cow<'_, str> {
    match value.as_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(value.to_string()),
    }
}

/// Every argument after the value, with keyword arguments last (as minijinja passes them).
fn forward(value: Value, rest: Rest<Value>) -> Vec<Value> {
    let mut args = Vec::with_capacity(rest.0.len() + 1);
    args.push(value);
    args.extend(rest.0);
    args
}

/// The largest whole number among `args` and their keyword values: an upper
/// bound on any width or count they pass.
fn largest_number(args: &[Value]) -> usize {
    let mut largest = 0usize;
    for arg in args {
        if let Ok(n) = usize::try_from(arg.clone()) {
            largest = largest.max(n);
        } else if let Ok(keys) = arg.try_iter() {
            for key in keys {
                if let Ok(n) = arg.get_item(&key).and_then(usize::try_from) {
                    largest = largest.max(n);
                }
            }
        }
    }
    largest
}

fn replace(state: &State, value: Value, from: Value, to: Value) -> Result<Value, Error> {
    {
        let (text, from, to) = (text_of(&value), text_of(&from), text_of(&to));
        let hits = if from.is_empty() {
            text.chars().count() + 1
        } else {
            text.matches(from.as_ref()).count()
        };
        let size = (text.len() - hits * from.len()).saturating_add(hits.saturating_mul(to.len()));
        check("replace", size)?;
    }
    state.apply_filter("garita:replace", &[value, from, to])
}

fn indent(state: &State, value: Value, rest: Rest<Value>) -> Result<Value, Error> {
    let width = largest_number(&rest.0).max(4);
    {
        let text = text_of(&value);
        let lines = text.matches('\n').count() + 1;
        check(
            "indent",
            text.len().saturating_add(lines.saturating_mul(width)),
        )?;
    }
    state.apply_filter("garita:indent", &forward(value, rest))
}

fn format(state: &State, value: Value, rest: Rest<Value>) -> Result<Value, Error> {
    {
        let spec = text_of(&value);
        let widths = format_widths(&spec);
        let args: usize = rest.0.iter().map(|a| text_of(a).len()).sum();
        check(
            "format",
            spec.len().saturating_add(widths).saturating_add(args),
        )?;
    }
    state.apply_filter("garita:format", &forward(value, rest))
}

/// The sum of the widths and precisions a printf-style `spec` asks for.
fn format_widths(spec: &str) -> usize {
    let mut total = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        while chars.peek().is_some_and(|c| "-+ #0".contains(*c)) {
            chars.next();
        }
        // Width, then `.precision`; either may be missing.
        for part in 0..2 {
            if part == 1 {
                if chars.peek() != Some(&'.') {
                    break;
                }
                chars.next();
            }
            let mut number = 0usize;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                number = number.saturating_mul(10).saturating_add(d as usize);
                chars.next();
            }
            total = total.saturating_add(number);
        }
    }
    total
}

fn join(state: &State, value: Value, rest: Rest<Value>) -> Result<Value, Error> {
    {
        let joiner = rest.0.first().map(text_of).unwrap_or_default();
        let mut size = 0usize;
        if let Ok(items) = value.try_iter() {
            for (i, item) in items.enumerate() {
                if i > 0 {
                    size = size.saturating_add(joiner.len());
                }
                size = size.saturating_add(text_of(&item).len());
                // Stop counting (and formatting items) once past the limit.
                check("join", size)?;
            }
        }
    }
    state.apply_filter("garita:join", &forward(value, rest))
}

fn tojson(state: &State, value: Value, rest: Rest<Value>) -> Result<Value, Error> {
    let indent = largest_number(&rest.0);
    if indent > MAX_JSON_INDENT {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("tojson indent {indent} is too wide; at most {MAX_JSON_INDENT}"),
        ));
    }
    state.apply_filter("garita:tojson", &forward(value, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment<'static> {
        let mut env = Environment::new();
        install(&mut env);
        env
    }

    fn render(template: &str) -> Result<String, Error> {
        env().render_str(template, ())
    }

    #[test]
    fn guarded_filters_behave_as_the_builtins_below_the_limit() {
        assert_eq!(render("{{ 'a-b-c'|replace('-', '+') }}").unwrap(), "a+b+c");
        assert_eq!(render("{{ 'a\nb'|indent(2) }}").unwrap(), "a\n  b");
        assert_eq!(
            render("{{ 'a\nb'|indent(width=3, first=true) }}").unwrap(),
            "   a\n   b"
        );
        assert_eq!(render("{{ '%s=%5d'|format('n', 42) }}").unwrap(), "n=   42");
        assert_eq!(render("{{ [1, 2, 3]|join(', ') }}").unwrap(), "1, 2, 3");
        assert_eq!(render("{{ {'a': 1}|tojson }}").unwrap(), r#"{"a":1}"#);
        assert_eq!(
            render("{{ {'a': 1}|tojson(indent=2) }}").unwrap(),
            "{\n  \"a\": 1\n}"
        );
    }

    #[test]
    fn one_operation_cannot_build_more_than_the_limit() {
        for template in [
            // Quadratic: every gap between characters becomes the whole text.
            "{% set a = 'x' * 100000 %}{{ a|replace('', a)|length }}",
            "{{ 'x\nx\nx'|indent(100000000) }}",
            "{{ '%999999999s'|format('x') }}",
            "{{ '%.999999999f'|format(1.5) }}",
            "{{ (['x' * 100000] * 100)|join }}",
            "{{ 'x' * 1000 }}{{ (['x' * 100000] * 20)|join('-') }}",
        ] {
            let err = render(template).unwrap_err();
            assert!(
                err.to_string().contains("one operation may build at most"),
                "{template}: {err}"
            );
        }
        let err = render("{{ {'a': 1}|tojson(indent=1000000000) }}").unwrap_err();
        assert!(err.to_string().contains("too wide"), "{err}");
    }

    #[test]
    fn loop_carried_state_and_recursion_are_not_available() {
        let err = render(
            "{% set ns = namespace(a='x') %}{% for i in range(40) %}{% set ns.a = ns.a ~ ns.a %}{% endfor %}",
        )
        .unwrap_err();
        assert!(err.to_string().contains("namespace"), "{err}");
        assert_eq!(
            forbidden_statement("x {%- macro f(s) %}{{ f(s ~ s) }}{% endmacro %}"),
            Some("macro")
        );
        assert_eq!(
            forbidden_statement("{% call f() %}{% endcall %}"),
            Some("call")
        );
        assert_eq!(
            forbidden_statement("{% for m in macros %}{% endfor %}"),
            None
        );
        assert_eq!(forbidden_statement("{% if x %}macro{% endif %}"), None);
    }

    #[test]
    fn widths_in_format_specs_are_summed() {
        assert_eq!(format_widths("%s %5d %-10.3f %%"), 18);
        assert_eq!(format_widths("%.7f and %3.f"), 10);
        assert_eq!(format_widths("no specs"), 0);
    }
}
