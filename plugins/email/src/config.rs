//! The `[connectors.email]` section of `garita.toml`, with its defaults.
//!
//! The SMTP password never appears here: `password_env` holds the *name* of
//! the environment variable that holds it, read only when a message is sent.

use std::net::IpAddr;
use std::path::PathBuf;

use garita_sdk::serde_json::{Map, Value};
use garita_sdk::{ActionError, InvokeContext};
use lettre::message::Mailbox;

use crate::address::parse_mailbox;
use crate::message_id::{is_valid_domain, DEFAULT_MESSAGE_ID_DOMAIN};
use garita_portal_kit::pick_for;

/// Where the file transport writes messages by default.
pub const DEFAULT_OUTBOX_DIR: &str = ".garita/outbox";
/// The largest attachment accepted by default: 10 MiB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// Seconds allowed by default to connect and read the server's greeting.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
/// Seconds allowed by default for each later SMTP exchange.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (usually port 587); the upgrade is required.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Implicit,
    /// No encryption: only allowed towards a loopback address, for tests.
    None,
}

/// The settings of the SMTP transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Server name or address.
    pub host: String,
    /// Server port (default by `tls`: 587, 465 or 25).
    pub port: u16,
    /// Connection protection.
    pub tls: SmtpTls,
    /// User to authenticate as, if any.
    pub username: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// Seconds to connect, read the greeting and say EHLO.
    pub connect_timeout_secs: u64,
    /// Seconds for every later exchange.
    pub timeout_secs: u64,
}

/// Where `email.send` delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Writes `<hash>.eml` files into a directory (the default).
    File {
        /// The outbox directory.
        outbox_dir: PathBuf,
    },
    /// Hands the message to an SMTP server.
    Smtp(SmtpSettings),
}

/// The connector's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// Where `email.send` delivers.
    pub transport: Transport,
    /// Sender used when the input has no `from`.
    pub from: Option<Mailbox>,
    /// Where replies go when the input has no `reply_to`: the compliance
    /// officer, so that "reply to this email" reaches a person rather than
    /// the robot's unread `from` mailbox. Empty: no Reply-To header.
    pub reply_to: Vec<Mailbox>,
    /// Domain of generated Message-IDs.
    pub message_id_domain: String,
    /// Largest accepted attachment, in bytes.
    pub max_attachment_bytes: u64,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            transport: Transport::File {
                outbox_dir: PathBuf::from(DEFAULT_OUTBOX_DIR),
            },
            from: None,
            reply_to: Vec::new(),
            message_id_domain: DEFAULT_MESSAGE_ID_DOMAIN.to_owned(),
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
        }
    }
}

impl EmailConfig {
    /// Reads the section handed in `ctx.config` (`null` means all defaults).
    /// A wrong setting is an [`ActionError::Permanent`] naming the setting.
    pub fn from_context(ctx: &InvokeContext) -> Result<Self, ActionError> {
        let section = match &ctx.config {
            Value::Null => return Ok(Self::default()),
            Value::Object(section) => Settings { ctx, section },
            _ => {
                return Err(bad_setting(
                    ctx,
                    "",
                    "debe ser una tabla",
                    "must be a table",
                ))
            }
        };
        let mut config = Self::default();
        if let Some(from) = section.text("from")? {
            config.from = Some(parse_mailbox(&from).map_err(|_| {
                bad_setting(
                    ctx,
                    "from",
                    "no es una dirección válida",
                    "is not a valid address",
                )
            })?);
        }
        config.reply_to = section.mailboxes("reply_to")?;
        if let Some(domain) = section.text("message_id_domain")? {
            if !is_valid_domain(&domain) {
                return Err(bad_setting(
                    ctx,
                    "message_id_domain",
                    "no es un dominio válido",
                    "is not a valid domain",
                ));
            }
            config.message_id_domain = domain;
        }
        if let Some(limit) = section.number("max_attachment_bytes", 1, u64::MAX)? {
            config.max_attachment_bytes = limit;
        }
        config.transport = match section.text("transport")?.as_deref() {
            None | Some("file") => {
                let outbox_dir = section
                    .text("outbox_dir")?
                    .unwrap_or_else(|| DEFAULT_OUTBOX_DIR.to_owned());
                Transport::File {
                    outbox_dir: PathBuf::from(outbox_dir),
                }
            }
            Some("smtp") => Transport::Smtp(section.smtp()?),
            Some(_) => {
                return Err(bad_setting(
                    ctx,
                    "transport",
                    "debe ser \"file\" o \"smtp\"",
                    "must be \"file\" or \"smtp\"",
                ))
            }
        };
        Ok(config)
    }
}

/// Typed access to the section's keys, each failure naming its key.
struct Settings<'a> {
    ctx: &'a InvokeContext,
    section: &'a Map<String, Value>,
}

impl Settings<'_> {
    fn text(&self, key: &str) -> Result<Option<String>, ActionError> {
        match self.section.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text))
                if !text.trim().is_empty() && !text.chars().any(char::is_control) =>
            {
                Ok(Some(text.trim().to_owned()))
            }
            Some(_) => Err(bad_setting(
                self.ctx,
                key,
                "debe ser un texto de una línea, no vacío",
                "must be a non-empty one-line string",
            )),
        }
    }

    /// One address or a list of them.
    fn mailboxes(&self, key: &str) -> Result<Vec<Mailbox>, ActionError> {
        let texts: Vec<&Value> = match self.section.get(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
        };
        texts
            .into_iter()
            .map(|value| {
                value
                    .as_str()
                    .and_then(|text| parse_mailbox(text).ok())
                    .ok_or_else(|| {
                        bad_setting(
                            self.ctx,
                            key,
                            "debe ser una dirección o una lista de direcciones válidas (Nombre <usuario@dominio>)",
                            "must be a valid address or a list of them (Name <user@domain>)",
                        )
                    })
            })
            .collect()
    }

    fn number(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, ActionError> {
        match self.section.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    bad_setting(
                        self.ctx,
                        key,
                        format!("debe ser un número entero entre {min} y {max}"),
                        format!("must be a whole number between {min} and {max}"),
                    )
                }),
        }
    }

    fn smtp(&self) -> Result<SmtpSettings, ActionError> {
        let ctx = self.ctx;
        let host = self.text("host")?.ok_or_else(|| {
            bad_setting(
                ctx,
                "host",
                "es obligatorio con transport = \"smtp\"",
                "is required with transport = \"smtp\"",
            )
        })?;
        let tls = match self.text("tls")?.as_deref() {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("implicit") => SmtpTls::Implicit,
            Some("none") => SmtpTls::None,
            Some(_) => {
                return Err(bad_setting(
                    ctx,
                    "tls",
                    "debe ser \"starttls\", \"implicit\" o \"none\"",
                    "must be \"starttls\", \"implicit\" or \"none\"",
                ))
            }
        };
        if tls == SmtpTls::None && !is_loopback(&host) {
            return Err(bad_setting(
                ctx,
                "tls",
                "= \"none\" solo se permite hacia localhost o 127.0.0.1 (pruebas): la conexión iría sin cifrar",
                "= \"none\" is only allowed towards localhost or 127.0.0.1 (testing): the connection would be unencrypted",
            ));
        }
        let default_port = match tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
        };
        let port = self
            .number("port", 1, u64::from(u16::MAX))?
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or(default_port);
        let username = self.text("username")?;
        let password_env = self.text("password_env")?;
        if username.is_some() != password_env.is_some() {
            return Err(bad_setting(
                ctx,
                "username / password_env",
                "van juntos: indique los dos o ninguno",
                "go together: give both or neither",
            ));
        }
        Ok(SmtpSettings {
            host,
            port,
            tls,
            username,
            password_env,
            connect_timeout_secs: self
                .number("connect_timeout_secs", 1, 3600)?
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
            timeout_secs: self
                .number("timeout_secs", 1, 3600)?
                .unwrap_or(DEFAULT_TIMEOUT_SECS),
        })
    }
}

/// Whether `host` names this machine's loopback interface.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn bad_setting(
    ctx: &InvokeContext,
    key: &str,
    spanish: impl Into<String>,
    english: impl Into<String>,
) -> ActionError {
    let setting = if key.is_empty() {
        "[connectors.email]".to_owned()
    } else {
        format!("[connectors.email] {key}")
    };
    let problem = pick_for(ctx, spanish, english);
    ActionError::permanent(pick_for(
        ctx,
        format!("configuración inválida: {setting} {problem}"),
        format!("invalid configuration: {setting} {problem}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    fn read(config: Value) -> Result<EmailConfig, ActionError> {
        EmailConfig::from_context(&InvokeContext {
            config,
            ..InvokeContext::for_test()
        })
    }

    #[test]
    fn defaults_to_the_file_outbox() {
        let config = read(Value::Null).unwrap();
        assert_eq!(
            config.transport,
            Transport::File {
                outbox_dir: PathBuf::from(".garita/outbox")
            }
        );
        assert_eq!(config.message_id_domain, "garita.local");
        assert_eq!(config.max_attachment_bytes, 10 * 1024 * 1024);
        assert!(config.reply_to.is_empty());
    }

    #[test]
    fn reads_reply_to_as_one_address_or_a_list() {
        let one = read(json!({"reply_to": "Cumplimiento <cumplimiento@example.com>"})).unwrap();
        assert_eq!(one.reply_to.len(), 1);
        assert_eq!(
            one.reply_to[0].email.to_string(),
            "cumplimiento@example.com"
        );
        let two = read(json!({"reply_to": ["a@example.com", "b@example.com"]})).unwrap();
        assert_eq!(two.reply_to.len(), 2);
    }

    #[test]
    fn reads_smtp_settings_with_port_defaults() {
        let config = read(json!({
            "transport": "smtp", "host": "smtp.example.com", "username": "robot", "password_env": "SMTP_PASSWORD",
            "from": "Garita <robot@example.com>", "message_id_domain": "example.com",
        }))
        .unwrap();
        let Transport::Smtp(smtp) = config.transport else {
            panic!("expected smtp")
        };
        assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
        assert_eq!(smtp.password_env.as_deref(), Some("SMTP_PASSWORD"));
        assert_eq!(
            config.from.map(|f| f.email.to_string()).as_deref(),
            Some("robot@example.com")
        );
        let implicit =
            read(json!({"transport": "smtp", "host": "smtp.example.com", "tls": "implicit"}))
                .unwrap();
        assert!(matches!(
            implicit.transport,
            Transport::Smtp(SmtpSettings { port: 465, .. })
        ));
    }

    #[test]
    fn plain_smtp_only_towards_loopback() {
        assert!(read(
            json!({"transport": "smtp", "host": "127.0.0.1", "tls": "none", "port": 2525})
        )
        .is_ok());
        assert!(read(json!({"transport": "smtp", "host": "localhost", "tls": "none"})).is_ok());
        let err = read(json!({"transport": "smtp", "host": "smtp.example.com", "tls": "none"}))
            .unwrap_err();
        assert!(err.message().contains("tls"), "{err}");
    }

    #[test]
    fn refuses_bad_settings_naming_them() {
        for (config, key) in [
            (json!({"transport": "pigeon"}), "transport"),
            (json!({"transport": "smtp"}), "host"),
            (json!({"message_id_domain": "a b"}), "message_id_domain"),
            (json!({"from": "nobody"}), "from"),
            (
                json!({"reply_to": ["ok@example.com", "nobody"]}),
                "reply_to",
            ),
            (json!({"reply_to": 7}), "reply_to"),
            (
                json!({"transport": "smtp", "host": "h.example", "port": 70000}),
                "port",
            ),
            (
                json!({"transport": "smtp", "host": "h.example", "username": "u"}),
                "password_env",
            ),
        ] {
            let err = read(config).unwrap_err();
            assert!(err.message().contains(key), "{key}: {err}");
        }
    }
}
