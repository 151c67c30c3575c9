//! What each kind of deadline's event says: a title that reads alone in a
//! month view, and a description with what to do, in Spanish (Garita's
//! default) or English. Descriptions name people and the portal's steps,
//! never command syntax: the reader is a person with a calendar.

use chrono::{DateTime, NaiveDate, Utc};
use garita_app::ops::calendar::{Deadline, DeadlineAccount, DeadlineKind, DeadlineWhen};
use garita_engine::account::Locale;

/// An event's words.
pub struct EventText {
    /// SUMMARY.
    pub summary: String,
    /// DESCRIPTION.
    pub description: String,
}

/// The calendar's name (X-WR-CALNAME), shown by the client that imports it.
pub fn calendar_name(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "Garita: plazos",
        Locale::En => "Garita: deadlines",
    }
}

/// The words of `deadline`'s event.
pub fn describe(deadline: &Deadline, locale: Locale) -> EventText {
    let who = deadline.account.as_ref();
    match (&deadline.kind, locale) {
        (
            DeadlineKind::CtpatDeactivation {
                last_sign_in,
                deactivates_on,
            },
            Locale::Es,
        ) => EventText {
            summary: format!(
                "CTPAT: último día para iniciar sesión ({})",
                subject(who)
            ),
            description: format!(
                "{holder} debe iniciar sesión en el portal CTPAT de CBP a más tardar el {last}. \
                 La última sesión registrada es del {since}; sin otra antes, CBP desactiva el usuario \
                 desde el {off} y habrá que pedir su reactivación al especialista de CBP de la empresa.\n\n\
                 Cuando haya iniciado sesión, registre la fecha en Garita: este plazo se moverá solo.",
                holder = holder(who),
                last = long_date_es(last_day(deadline.when)),
                since = long_date_es(*last_sign_in),
                off = long_date_es(*deactivates_on),
            ),
        },
        (
            DeadlineKind::CtpatDeactivation {
                last_sign_in,
                deactivates_on,
            },
            Locale::En,
        ) => EventText {
            summary: format!("CTPAT: last day to sign in ({})", subject(who)),
            description: format!(
                "{holder} must sign in to CBP's CTPAT portal by {last}. The last sign-in recorded \
                 is from {since}; without another one before, CBP deactivates the user from {off} \
                 and the company's CBP specialist must be asked to reactivate it.\n\n\
                 Once signed in, record the date in Garita: this deadline moves by itself.",
                holder = holder(who),
                last = long_date_en(last_day(deadline.when)),
                since = long_date_en(*last_sign_in),
                off = long_date_en(*deactivates_on),
            ),
        },
        (DeadlineKind::CtpatRelogin { reactivated_on }, Locale::Es) => EventText {
            summary: format!(
                "CTPAT: iniciar sesión hoy, tras la reactivación ({})",
                subject(who)
            ),
            description: format!(
                "CBP reactivó este usuario el {on}. {holder} debe iniciar sesión en el portal CTPAT \
                 ese mismo día, antes de la medianoche (la hora de este evento: la primera medianoche \
                 posible, porque CBP no dice en qué huso horario cuenta el día). Si no lo hace, CBP \
                 vuelve a desactivar el usuario y hay que pedir otra reactivación.\n\n\
                 Cuando haya iniciado sesión, regístrelo en Garita.",
                on = long_date_es(*reactivated_on),
                holder = holder(who),
            ),
        },
        (DeadlineKind::CtpatRelogin { reactivated_on }, Locale::En) => EventText {
            summary: format!(
                "CTPAT: sign in today, after the reactivation ({})",
                subject(who)
            ),
            description: format!(
                "CBP reactivated this user on {on}. {holder} must sign in to the CTPAT portal that \
                 same day, before midnight (this event's time: the earliest plausible midnight, as \
                 CBP does not say which time zone it counts the day in). Otherwise CBP deactivates \
                 the user again and another reactivation must be requested.\n\n\
                 Once signed in, record it in Garita.",
                on = long_date_en(*reactivated_on),
                holder = holder(who),
            ),
        },
        (DeadlineKind::EcuapassAnnualUpdate { year }, Locale::Es) => EventText {
            summary: format!(
                "Ecuapass: actualización anual de datos {year} ({})",
                subject(who)
            ),
            description: format!(
                "Entre el 1 y el 31 de enero de {year} hay que actualizar los datos de registro de \
                 este usuario en Ecuapass (Resolución SENAE-DGN-2016-0364-RE); si no se hace, el \
                 SENAE inhabilita el ID de usuario desde el 1 de febrero. Responsable: {holder}.\n\n\
                 Conviene revisar antes que el TOKEN, la clave y el correo registrado funcionen. \
                 Al terminar, guarde la captura del mensaje de éxito y registre en Garita la fecha \
                 de la actualización.",
                holder = holder(who),
            ),
        },
        (DeadlineKind::EcuapassAnnualUpdate { year }, Locale::En) => EventText {
            summary: format!("Ecuapass: {year} annual data update ({})", subject(who)),
            description: format!(
                "Between 1 and 31 January {year} this user's registration data must be updated in \
                 Ecuapass (Resolución SENAE-DGN-2016-0364-RE); otherwise SENAE disables the user ID \
                 from 1 February. Responsible: {holder}.\n\n\
                 Check beforehand that the TOKEN, the password and the registered email work. \
                 When done, keep a screenshot of the success message and record the update's date \
                 in Garita.",
                holder = holder(who),
            ),
        },
        (DeadlineKind::CertificateExpiry { expires_on }, Locale::Es) => EventText {
            summary: format!(
                "Certificado de firma: renovar antes de que venza ({})",
                subject(who)
            ),
            description: format!(
                "El certificado con el que firma {holder} (la e.firma en México, el TOKEN en                  Ecuador) vence el {on}; desde ese día ya no sirve para firmar en el portal.                  Renuévelo antes con la entidad que lo emitió (en México, el SAT) y registre en                  Garita la nueva fecha de vencimiento: este evento se moverá solo.",
                holder = holder(who),
                on = long_date_es(*expires_on),
            ),
        },
        (DeadlineKind::CertificateExpiry { expires_on }, Locale::En) => EventText {
            summary: format!(
                "Signing certificate: renew before it expires ({})",
                subject(who)
            ),
            description: format!(
                "The certificate {holder} signs with expires on {on}; from that day it no longer                  signs in the portal. Renew it before then with the entity that issued it, and                  record the new expiry date in Garita: this event moves by itself.",
                holder = holder(who),
                on = long_date_en(*expires_on),
            ),
        },
        (DeadlineKind::PasswordChange { changed_on }, Locale::Es) => EventText {
            summary: format!("Cambio periódico de contraseña ({})", subject(who)),
            description: format!(
                "La contraseña de este usuario se cambió por última vez el {since}; la política de                  la empresa (perfil OEA: cuentas individuales con cambio periódico) pide cambiarla                  a más tardar el {due}. {holder} debe cambiarla en el portal; luego registre en                  Garita la fecha del cambio (nunca la contraseña).",
                since = long_date_es(*changed_on),
                due = long_date_es(last_day(deadline.when)),
                holder = holder(who),
            ),
        },
        (DeadlineKind::PasswordChange { changed_on }, Locale::En) => EventText {
            summary: format!("Periodic password change ({})", subject(who)),
            description: format!(
                "This user's password was last changed on {since}; the company's policy (OEA:                  individual accounts with periodic password changes) asks for a change by {due}.                  {holder} must change it in the portal; then record the day of the change in                  Garita (never the password).",
                since = long_date_en(*changed_on),
                due = long_date_en(last_day(deadline.when)),
                holder = holder(who),
            ),
        },
        (DeadlineKind::TaskDue, locale) => task_text(deadline, locale),
    }
}

fn task_text(deadline: &Deadline, locale: Locale) -> EventText {
    let (title, workflow, assignee) = deadline.task.as_ref().map_or_else(
        || (String::new(), String::new(), None),
        |t| (t.title.clone(), t.workflow.clone(), t.assignee.clone()),
    );
    let due = match deadline.when {
        DeadlineWhen::Instant { at } => utc_time(at),
        other => last_day(other).to_string(),
    };
    match locale {
        Locale::Es => EventText {
            summary: format!("Tarea: {title}"),
            description: format!(
                "La tarea «{title}» del flujo {workflow} vence el {due}{to}. Respóndala en Garita \
                 antes: al vencer, el flujo sigue por su camino de vencimiento (un recordatorio, \
                 un escalamiento), nunca la da por aprobada.",
                to = assignee.map_or_else(String::new, |a| format!("; está asignada a {a}")),
            ),
        },
        Locale::En => EventText {
            summary: format!("Task: {title}"),
            description: format!(
                "The task \"{title}\" of workflow {workflow} is due {due}{to}. Answer it in Garita \
                 before then: once due, the workflow takes its timeout path (a reminder, an \
                 escalation), never an approval.",
                to = assignee.map_or_else(String::new, |a| format!("; it is assigned to {a}")),
            ),
        },
    }
}

/// `identifier, company` for a title.
fn subject(account: Option<&DeadlineAccount>) -> String {
    account.map_or_else(String::new, |a| {
        if a.company.is_empty() {
            a.identifier.clone()
        } else {
            format!("{}, {}", a.identifier, a.company)
        }
    })
}

/// `Name <email>` of the holder, for a description.
fn holder(account: Option<&DeadlineAccount>) -> String {
    account.map_or_else(String::new, |a| {
        format!("{} <{}>", a.holder_name.trim(), a.holder_email.trim())
    })
}

/// The last day a deadline counts (an instant's UTC date).
fn last_day(when: DeadlineWhen) -> NaiveDate {
    match when {
        DeadlineWhen::Day { last_day } | DeadlineWhen::Window { last_day, .. } => last_day,
        DeadlineWhen::Instant { at } => at.date_naive(),
    }
}

fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `4 de enero de 2027`.
fn long_date_es(date: NaiveDate) -> String {
    garita_engine::expr::date_in_words(date, garita_engine::account::Locale::Es)
}

/// `January 4, 2027`.
fn long_date_en(date: NaiveDate) -> String {
    garita_engine::expr::date_in_words(date, garita_engine::account::Locale::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_each_language() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        assert_eq!(long_date_es(date), "4 de enero de 2027");
        assert_eq!(long_date_en(date), "January 4, 2027");
        let date = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(long_date_es(date), "31 de diciembre de 2026");
    }
}
