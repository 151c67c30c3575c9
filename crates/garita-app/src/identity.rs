//! Who makes a change, for the account history, task answers and the audit
//! log when `--by` is not given.
//!
//! The default is `[identity] default_by` from garita.toml when set, else the
//! operating-system user this process runs as: the name of its effective uid
//! (from /etc/passwd), else `$USER` / `$LOGNAME`, else `uid:N`. Never
//! "unknown": a record that cannot say who acted is worthless as evidence.
//!
//! Through the daemon's control API the record names the *client*: over the
//! Unix socket the daemon reads the peer's uid (SO_PEERCRED), which the
//! client cannot forge, and prefers it to the name the client sends; when
//! the two differ both are recorded. Over TCP only the bearer token vouches
//! for the caller, so the record says that ([`TOKEN_CALLER`]), with any name
//! the client sends added as its claim.

use std::path::Path;

use crate::config::Settings;

/// Recorded for a command that came over the TCP control listener without
/// `--by`: all the daemon knows is that the caller held the token (a name
/// the client sends is added as what it says).
pub const TOKEN_CALLER: &str = "control-token";

/// The user database read to name a uid.
const PASSWD: &str = "/etc/passwd";

/// `--by` when given (trimmed, not empty), else the configured or OS default.
pub fn author(by: Option<String>, settings: &Settings) -> String {
    by.map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| default_by(settings))
}

/// `[identity] default_by` when set, else [`os_user`].
pub fn default_by(settings: &Settings) -> String {
    settings
        .identity
        .default_by
        .as_deref()
        .map(str::trim)
        .filter(|by| !by.is_empty())
        .map_or_else(os_user, str::to_owned)
}

/// The operating-system user this process acts as: its effective uid's
/// name, else `$USER` / `$LOGNAME`, else `uid:N`.
pub fn os_user() -> String {
    let uid = rustix::process::geteuid().as_raw();
    name_in_passwd(Path::new(PASSWD), uid)
        .or_else(|| non_empty_env("USER"))
        .or_else(|| non_empty_env("LOGNAME"))
        .unwrap_or_else(|| uid_label(uid))
}

/// The name of `uid` (a peer's, from SO_PEERCRED): from the user database,
/// else `uid:N`. The environment says nothing about another process.
pub fn user_of_uid(uid: u32) -> String {
    name_in_passwd(Path::new(PASSWD), uid).unwrap_or_else(|| uid_label(uid))
}

/// Who a command from a control-API client is recorded as: the peer's user
/// (known over the Unix socket) first, else [`TOKEN_CALLER`] (TCP); the name
/// the client sent is added when it differs, so neither is lost and the
/// unverified one is marked as what the client says.
pub fn client_author(peer_user: Option<&str>, claimed: Option<&str>) -> String {
    let claimed = claimed.map(str::trim).filter(|c| !c.is_empty());
    let verified = peer_user.unwrap_or(TOKEN_CALLER);
    match claimed {
        Some(claimed) if claimed != verified => format!("{verified} (client says {claimed})"),
        _ => verified.to_owned(),
    }
}

fn uid_label(uid: u32) -> String {
    format!("uid:{uid}")
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn name_in_passwd(path: &Path, uid: u32) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    passwd_name(&text, uid)
}

/// The first name with `uid` in passwd(5) text (`name:x:uid:gid:...`).
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?.trim();
        let _password = fields.next()?;
        let line_uid: u32 = fields.next()?.trim().parse().ok()?;
        (line_uid == uid && !name.is_empty() && !name.starts_with('#')).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD_TEXT: &str = "root:x:0:0:root:/root:/bin/bash\n\
        # a comment:x:5:5\n\
        broken line\n\
        ana:x:1000:1000:Ana Peña,,,:/home/ana:/bin/bash\n\
        alias:x:1000:1000::/home/ana:/bin/sh\n";

    #[test]
    fn passwd_names_the_first_user_with_the_uid() {
        assert_eq!(passwd_name(PASSWD_TEXT, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(PASSWD_TEXT, 1000).as_deref(), Some("ana"));
        assert_eq!(passwd_name(PASSWD_TEXT, 5), None, "comments are not users");
        assert_eq!(passwd_name(PASSWD_TEXT, 4242), None);
        assert_eq!(passwd_name("", 0), None);
    }

    #[test]
    fn an_unnamed_uid_is_recorded_by_number() {
        assert_eq!(uid_label(1000), "uid:1000");
        assert_eq!(
            name_in_passwd(Path::new("/nonexistent/passwd"), 0),
            None,
            "a missing user database is no name, not an error"
        );
    }

    #[test]
    fn by_wins_then_the_configured_default_then_the_os_user() {
        let mut settings = Settings::default();
        let os = os_user();
        assert!(!os.is_empty() && os != "unknown", "{os}");
        assert_eq!(author(None, &settings), os);
        assert_eq!(author(Some("  ".into()), &settings), os);
        settings.identity.default_by = Some(" oficina@example.com ".into());
        assert_eq!(author(None, &settings), "oficina@example.com");
        assert_eq!(author(Some(" luis ".into()), &settings), "luis");
        settings.identity.default_by = Some(String::new());
        assert_eq!(
            author(None, &settings),
            os,
            "an empty default is no default"
        );
    }

    #[test]
    fn a_client_is_its_peer_user_with_a_differing_claim_kept() {
        assert_eq!(client_author(Some("ana"), Some("ana")), "ana");
        assert_eq!(client_author(Some("ana"), None), "ana");
        assert_eq!(
            client_author(Some("root"), Some("ana")),
            "root (client says ana)"
        );
        assert_eq!(
            client_author(None, Some(" ana ")),
            "control-token (client says ana)"
        );
        assert_eq!(client_author(None, Some("")), TOKEN_CALLER);
        assert_eq!(client_author(None, None), TOKEN_CALLER);
    }
}
