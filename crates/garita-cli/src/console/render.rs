//! The templates and the stylesheet, embedded in the binary, and turning
//! a page's context into HTML. minijinja escapes every value in `.html`
//! templates, so nothing a record holds is ever read as markup.

use std::sync::OnceLock;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

/// The stylesheet, served at `/static/console.css`.
pub const CSS: &str = include_str!("static/console.css");

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("inicio.html", include_str!("templates/inicio.html")),
    ("error.html", include_str!("templates/error.html")),
    ("tareas.html", include_str!("templates/tareas.html")),
    ("tarea.html", include_str!("templates/tarea.html")),
    ("cuentas.html", include_str!("templates/cuentas.html")),
    ("cuenta.html", include_str!("templates/cuenta.html")),
    ("importar.html", include_str!("templates/importar.html")),
    (
        "ejecuciones.html",
        include_str!("templates/ejecuciones.html"),
    ),
    ("ejecucion.html", include_str!("templates/ejecucion.html")),
    ("correo.html", include_str!("templates/correo.html")),
    ("mensaje.html", include_str!("templates/mensaje.html")),
    ("auditoria.html", include_str!("templates/auditoria.html")),
    ("link.html", include_str!("templates/link.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not parse is a bug the unit test below catches.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a console template does not parse");
            }
        }
        env
    })
}

/// `template` rendered with `context`, as an HTML answer with `status`.
pub fn page<S: Serialize>(status: StatusCode, template: &str, context: S) -> Response {
    let rendered = environment()
        .get_template(template)
        .and_then(|t| t.render(context));
    match rendered {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "a console page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "the page could not be rendered; the daemon's log says why",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap();
        }
    }
}
