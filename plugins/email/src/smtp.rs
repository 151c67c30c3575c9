//! The SMTP transport, on lettre's blocking client.
//!
//! The connection is driven step by step (connect, STARTTLS, AUTH, delivery)
//! rather than through `SmtpTransport`, for two reasons: connecting and the
//! later exchanges get their own time limits, and an error can say which step
//! failed ("authentication" reads better than a bare 535).

use std::time::Duration;

use garita_sdk::{ActionError, InvokeContext};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::Error as SmtpError;
use lettre::Message;

use crate::config::{SmtpSettings, SmtpTls};
use garita_portal_kit::pick_for;

/// Sends `message` and returns the server's reply to the message data
/// (for example `250 OK queued as 1234`).
///
/// Errors: 4xx replies, refused connections, network failures and timeouts
/// are [`ActionError::Retryable`]; 5xx replies (a refused recipient, failed
/// authentication), TLS and protocol problems are [`ActionError::Permanent`].
/// Messages include the server's reply text, never the password.
pub(crate) fn send(
    ctx: &InvokeContext,
    settings: &SmtpSettings,
    message: &Message,
) -> Result<String, ActionError> {
    let password = read_password(ctx, settings)?;
    let failure = Failure {
        ctx,
        settings,
        password: password.as_deref(),
    };
    let tls = match settings.tls {
        SmtpTls::None => None,
        SmtpTls::StartTls | SmtpTls::Implicit => Some(
            TlsParameters::new(settings.host.clone()).map_err(|err| failure.of(Step::Tls, &err))?,
        ),
    };
    let hello = ClientId::default();
    let implicit = tls.as_ref().filter(|_| settings.tls == SmtpTls::Implicit);
    let address = (settings.host.as_str(), settings.port);
    let connect_timeout = Some(Duration::from_secs(settings.connect_timeout_secs));
    let mut connection = SmtpConnection::connect(address, connect_timeout, &hello, implicit, None)
        .map_err(|err| failure.of(Step::Connect, &err))?;
    let result = deliver(&mut connection, &failure, tls.as_ref(), &hello, message);
    if result.is_ok() {
        // The message is accepted; a failed goodbye changes nothing.
        let _ = connection.quit();
    } else {
        connection.abort();
    }
    result
}

fn deliver(
    connection: &mut SmtpConnection,
    failure: &Failure<'_>,
    tls: Option<&TlsParameters>,
    hello: &ClientId,
    message: &Message,
) -> Result<String, ActionError> {
    let settings = failure.settings;
    connection
        .set_timeout(Some(Duration::from_secs(settings.timeout_secs)))
        .map_err(|err| {
            ActionError::retryable(pick_for(
                failure.ctx,
                format!("error de red: {err}"),
                format!("network error: {err}"),
            ))
        })?;
    if let (SmtpTls::StartTls, Some(tls)) = (settings.tls, tls) {
        connection
            .starttls(tls, hello)
            .map_err(|err| failure.of(Step::Tls, &err))?;
    }
    if let (Some(username), Some(password)) = (&settings.username, failure.password) {
        let credentials = Credentials::new(username.clone(), password.to_owned());
        connection
            .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            .map_err(|err| failure.of(Step::Auth, &err))?;
    }
    let response = connection
        .send(message.envelope(), &crate::compose::wire_bytes(message))
        .map_err(|err| failure.of(Step::Delivery, &err))?;
    let text: Vec<&str> = response.message().collect();
    Ok(format!("{} {}", response.code(), text.join(" "))
        .trim_end()
        .to_owned())
}

/// Reads the password from the variable `password_env` names.
fn read_password(
    ctx: &InvokeContext,
    settings: &SmtpSettings,
) -> Result<Option<String>, ActionError> {
    let Some(name) = &settings.password_env else {
        return Ok(None);
    };
    match std::env::var(name) {
        Ok(password) if !password.is_empty() => Ok(Some(password)),
        _ => Err(ActionError::permanent(pick_for(
            ctx,
            format!("la variable de entorno `{name}` (password_env de [connectors.email]) no está definida o está vacía: defina en ella la contraseña SMTP"),
            format!("the environment variable `{name}` ([connectors.email] password_env) is unset or empty: put the SMTP password in it"),
        ))),
    }
}

/// The step of the conversation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Connect,
    Tls,
    Auth,
    Delivery,
}

/// Turns lettre errors into the SDK's, with the context people need.
struct Failure<'a> {
    ctx: &'a InvokeContext,
    settings: &'a SmtpSettings,
    password: Option<&'a str>,
}

impl Failure<'_> {
    fn of(&self, step: Step, err: &SmtpError) -> ActionError {
        let server = format!("{}:{}", self.settings.host, self.settings.port);
        let user = self.settings.username.as_deref().unwrap_or_default();
        let (spanish, english) = match step {
            Step::Connect => (
                format!("no se pudo conectar con el servidor SMTP {server}: {err}"),
                format!("could not connect to the SMTP server {server}: {err}"),
            ),
            Step::Tls => (
                format!("falló la conexión cifrada (TLS) con el servidor SMTP {server}: {err}"),
                format!("the encrypted (TLS) connection to the SMTP server {server} failed: {err}"),
            ),
            Step::Auth => (
                format!("el servidor SMTP {server} rechazó la autenticación del usuario `{user}`: {err}; revise username y la contraseña en la variable password_env"),
                format!("the SMTP server {server} refused authentication for user `{user}`: {err}; check username and the password in the password_env variable"),
            ),
            Step::Delivery => (
                format!("el servidor SMTP {server} no aceptó el mensaje: {err}"),
                format!("the SMTP server {server} did not accept the message: {err}"),
            ),
        };
        let message = scrub(&pick_for(self.ctx, spanish, english), self.password);
        if is_transient(err) {
            ActionError::retryable(message)
        } else {
            ActionError::permanent(message)
        }
    }
}

/// Whether trying again later may succeed: 4xx replies and trouble reaching
/// the server. Everything else (5xx, TLS, protocol) needs a person.
fn is_transient(err: &SmtpError) -> bool {
    if err.is_transient() || err.is_timeout() {
        return true;
    }
    !(err.is_permanent() || err.is_client() || err.is_tls() || err.is_response())
}

/// Removes the password from `text`, in case a server echoes it back.
fn scrub(text: &str, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() => text.replace(password, "[oculto]"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_the_password() {
        assert_eq!(
            scrub("535 bad s3cr3t!", Some("s3cr3t!")),
            "535 bad [oculto]"
        );
        assert_eq!(scrub("535 bad", None), "535 bad");
    }

    #[test]
    fn a_missing_password_variable_is_permanent_and_named() {
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: 1,
            tls: SmtpTls::None,
            username: Some("robot".into()),
            password_env: Some("GARITA_TEST_SURELY_UNSET_PASSWORD_VAR".into()),
            connect_timeout_secs: 1,
            timeout_secs: 1,
        };
        let err = read_password(&InvokeContext::for_test(), &settings).unwrap_err();
        assert!(!err.is_retryable());
        assert!(
            err.message()
                .contains("GARITA_TEST_SURELY_UNSET_PASSWORD_VAR"),
            "{err}"
        );
    }
}
