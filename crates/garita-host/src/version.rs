//! Which garita-sdk versions a plugin may be built with to load in this host.

/// Whether a plugin built with garita-sdk `plugin` may run in a host built with
/// `host`: same major version, and for `0.x` also the same minor version (the
/// usual Cargo rule for breaking changes). Pre-release and build suffixes are
/// ignored; text that is not `MAJOR.MINOR[.PATCH]` is never compatible.
pub fn sdk_compatible(plugin: &str, host: &str) -> bool {
    match (major_minor(plugin), major_minor(host)) {
        (Some((0, plugin_minor)), Some((0, host_minor))) => plugin_minor == host_minor,
        (Some((plugin_major, _)), Some((host_major, _))) => plugin_major == host_major,
        _ => false,
    }
}

fn major_minor(version: &str) -> Option<(u64, u64)> {
    let core = version.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    match parts.next() {
        None => {}
        Some(patch) => {
            patch.parse::<u64>().ok()?;
        }
    }
    parts.next().is_none().then_some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_x_needs_the_same_minor() {
        assert!(sdk_compatible("0.1.0", "0.1.7"));
        assert!(!sdk_compatible("0.2.0", "0.1.0"));
    }

    #[test]
    fn one_x_needs_the_same_major() {
        assert!(sdk_compatible("1.4.0", "1.0.2"));
        assert!(!sdk_compatible("2.0.0", "1.9.0"));
        assert!(sdk_compatible("1.2.0-beta.1", "1.0.0"));
    }

    #[test]
    fn garbage_is_incompatible() {
        assert!(!sdk_compatible("", "0.1.0"));
        assert!(!sdk_compatible("one.two", "0.1.0"));
        assert!(!sdk_compatible("0.1.0.4", "0.1.0"));
    }
}
