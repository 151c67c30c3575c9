//! The January update of a foreign-trade operator's registration data in Ecuapass
//! (resolution SENAE-DGN-2016-0364-RE).

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use garita_portal_kit::pick;

use super::{Guide, StepList};
use garita_portal_kit::fold_label;

/// The resolution that makes the update mandatory every January.
pub const LEGAL_BASIS_RESOLUTION: &str = "SENAE-DGN-2016-0364-RE";

/// Ecuador's mainland offset. It has had no daylight-saving time since 1993,
/// so a fixed offset gives the same instants as `America/Guayaquil`.
const GUAYAQUIL_OFFSET_SECONDS: i32 = -5 * 3600;

/// The user types offered under "Modificar información de registro de usuario".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AnnualUpdateUserType {
    /// "Representante": the operator's legal representative.
    Representante,
    /// "Empleado": an employee acting for the operator.
    Empleado,
    /// "General": an individual user.
    General,
    /// "Representante de la Entidad": the representative of a public entity.
    RepresentanteDeLaEntidad,
    /// "Entidad u Organismo Internacional".
    EntidadUOrganismoInternacional,
}

impl AnnualUpdateUserType {
    /// Every user type, in the portal's order.
    pub const ALL: [Self; 5] = [
        Self::Representante,
        Self::Empleado,
        Self::General,
        Self::RepresentanteDeLaEntidad,
        Self::EntidadUOrganismoInternacional,
    ];

    /// The name exactly as the portal shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Representante => "Representante",
            Self::Empleado => "Empleado",
            Self::General => "General",
            Self::RepresentanteDeLaEntidad => "Representante de la Entidad",
            Self::EntidadUOrganismoInternacional => "Entidad u Organismo Internacional",
        }
    }

    /// Reads a user type regardless of case, accents and spacing
    /// (`"representante de la entidad"`, `"GENERAL"`).
    pub fn parse(input: &str) -> Option<Self> {
        let folded = fold_label(input);
        Self::ALL
            .into_iter()
            .find(|t| fold_label(t.label()) == folded)
    }
}

/// Where an instant falls relative to the January window of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// Before 1 January, 00:00 in Ecuador.
    NotYetOpen,
    /// During January in Ecuador.
    Open,
    /// After the deadline: a user ID not updated by then may already be disabled.
    Closed,
}

/// The annual-update guide for one user type and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnualUpdateGuide {
    /// The canonical user type.
    pub user_type: AnnualUpdateUserType,
    /// The year whose January window the guide is for.
    pub year: i32,
    /// First instant of the window, RFC 3339 in Ecuador's offset.
    pub window_opens: String,
    /// Last second of the window (31 January, 23:59:59, Ecuador), RFC 3339.
    pub deadline: String,
    /// Where the caller's "now" falls relative to the window.
    pub window_status: WindowStatus,
    /// The resolution and what it requires.
    pub legal_basis: String,
    /// The steps and their Markdown rendering.
    pub guide: Guide,
}

/// The first instant of January of `year` and the last second of its 31st, in
/// Ecuador's time, or `None` for a year chrono cannot represent.
pub fn january_window(year: i32) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let offset = FixedOffset::east_opt(GUAYAQUIL_OFFSET_SECONDS)?;
    let opens = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
    let closes = NaiveDate::from_ymd_opt(year, 1, 31)?.and_hms_opt(23, 59, 59)?;
    Some((
        opens.and_local_timezone(offset).single()?,
        closes.and_local_timezone(offset).single()?,
    ))
}

/// The year it is in Ecuador at `now`; a guide with no year asked for uses it.
pub fn current_year_in_ecuador(now: DateTime<Utc>) -> i32 {
    match FixedOffset::east_opt(GUAYAQUIL_OFFSET_SECONDS) {
        Some(offset) => chrono::Datelike::year(&now.with_timezone(&offset)),
        None => chrono::Datelike::year(&now),
    }
}

/// Builds the guide for `user_type` and `year`, in English when `english`.
///
/// Returns `None` only for a year outside chrono's range; callers restrict the
/// year well before that.
pub fn annual_update_guide(
    user_type: AnnualUpdateUserType,
    year: i32,
    now: DateTime<Utc>,
    english: bool,
) -> Option<AnnualUpdateGuide> {
    let (opens, closes) = january_window(year)?;
    let window_status = if now < opens {
        WindowStatus::NotYetOpen
    } else if now <= closes {
        WindowStatus::Open
    } else {
        WindowStatus::Closed
    };
    let legal_basis = if english {
        format!("Resolution {LEGAL_BASIS_RESOLUTION}: every January each foreign-trade operator (OCE) has to bring its Ecuapass registration data up to date; SENAE disables the user ID of an operator that does not.")
    } else {
        format!("Resolución {LEGAL_BASIS_RESOLUTION}: cada enero todo operador de comercio exterior (OCE) debe poner al día los datos de su registro en Ecuapass; si no lo hace, el SENAE inhabilita su ID de usuario.")
    };
    let guide = Guide {
        title: if english {
            format!(
                "Ecuapass annual data update {year} — user type \"{}\"",
                user_type.label()
            )
        } else {
            format!(
                "Actualización anual de datos en Ecuapass {year} — tipo de usuario «{}»",
                user_type.label()
            )
        },
        summary: match (window_status, english) {
            (WindowStatus::Closed, true) => format!("The January {year} window closed on 31 January at 23:59:59 Ecuador time. {legal_basis} {}", after_deadline_advice(true)),
            (WindowStatus::Closed, false) => format!("El plazo de enero de {year} venció el 31 de enero a las 23:59:59, hora de Ecuador. {legal_basis} {}", after_deadline_advice(false)),
            (_, true) => format!("Complete it between 1 and 31 January {year}; the deadline is 31 January at 23:59:59 Ecuador time ({}). {legal_basis}", closes.to_rfc3339_opts(SecondsFormat::Secs, false)),
            (_, false) => format!("Hágala entre el 1 y el 31 de enero de {year}; el plazo vence el 31 de enero a las 23:59:59, hora de Ecuador ({}). {legal_basis}", closes.to_rfc3339_opts(SecondsFormat::Secs, false)),
        },
        preparations: preparations(english),
        parts: Vec::new(),
        steps: steps(user_type, english),
        notes: notes(english),
    };
    Some(AnnualUpdateGuide {
        user_type,
        year,
        window_opens: opens.to_rfc3339_opts(SecondsFormat::Secs, false),
        deadline: closes.to_rfc3339_opts(SecondsFormat::Secs, false),
        window_status,
        legal_basis,
        guide,
    })
}

/// What to do once January has passed. The resolution says what happens to
/// an operator that does not update (its user ID is disabled); how to get
/// going again is Garita's advice, and says so.
fn after_deadline_advice(english: bool) -> &'static str {
    pick(
        english,
        "Consejo de Garita (no es texto de la resolución): primero intente ingresar a Ecuapass para saber si el ID de usuario sigue habilitado. Si entra, haga la actualización ya con los pasos de abajo. Si el ID fue inhabilitado, pida al SENAE que lo vuelva a habilitar por el canal de atención que la empresa usa para sus trámites, indicando el RUC y el ID de usuario; guarde el acuse como evidencia y, una vez habilitado, complete la actualización.",
        "Garita's advice (not the resolution's text): first try to sign in to Ecuapass to learn whether the user ID is still enabled. If you can, make the update now with the steps below. If the ID was disabled, ask SENAE to enable it again through the service channel the company uses for its Ecuapass procedures, giving the RUC and the user ID; keep the acknowledgement as evidence and, once enabled, complete the update.",
    )
}

fn preparations(english: bool) -> Vec<String> {
    [
        (
            "Limpie en el navegador el historial, las cookies y los archivos temporales antes de entrar al portal.",
            "Clear the browser's history, cookies and temporary files before opening the portal.",
        ),
        (
            "Tenga a mano el RUC, el ID de usuario y la contraseña de Ecuapass.",
            "Have the RUC, the Ecuapass user ID and the password at hand.",
        ),
        (
            "Tenga conectado el TOKEN de firma electrónica: hará falta para firmar el convenio al final.",
            "Have the electronic-signature TOKEN plugged in: it is needed to sign the agreement at the end.",
        ),
        (
            "Compruebe que puede abrir el correo electrónico registrado en Ecuapass: allí llega el código de seguridad.",
            "Make sure you can open the email account registered in Ecuapass: the security code is sent there.",
        ),
    ]
    .into_iter()
    .map(|(es, en)| pick(english, es, en).to_owned())
    .collect()
}

fn steps(user_type: AnnualUpdateUserType, english: bool) -> Vec<super::Step> {
    let mut steps = StepList::default();
    steps.push(
        pick(english, "Ingresar a Ecuapass", "Sign in to Ecuapass"),
        pick(
            english,
            "Abra https://ecuapass.aduana.gob.ec e identifíquese con el RUC, el ID de usuario y la contraseña.",
            "Open https://ecuapass.aduana.gob.ec and sign in with the RUC, the user ID and the password.",
        ),
    );
    steps.push(
        pick(english, "Abrir «Soporte al cliente»", "Open \"Soporte al cliente\""),
        pick(
            english,
            "En el menú principal entre a «Soporte al cliente», donde se agrupan los trámites sobre la propia cuenta.",
            "From the main menu go to \"Soporte al cliente\" (customer support), where the procedures about your own account are grouped.",
        ),
    );
    steps.push(
        pick(
            english,
            "Elegir 3.2 «Solicitud de registro de usuario»",
            "Choose 3.2 \"Solicitud de registro de usuario\"",
        ),
        pick(
            english,
            "Entre las opciones de soporte, abra la 3.2, dedicada al registro de usuarios.",
            "Among the support options, open 3.2, the one about user registration.",
        ),
    );
    steps.push(
        pick(
            english,
            "Abrir 3.2.3 «Modificar información de registro de usuario»",
            "Open 3.2.3 \"Modificar información de registro de usuario\"",
        ),
        pick(
            english,
            "Dentro de la 3.2, la opción 3.2.3 es la que permite cambiar los datos ya registrados.",
            "Inside 3.2, option 3.2.3 is the one that lets you change the data already on record.",
        ),
    );
    steps.push(
        if english {
            format!("Choose the user type \"{}\"", user_type.label())
        } else {
            format!("Elegir el tipo de usuario «{}»", user_type.label())
        },
        if english {
            format!("Pick \"{}\" among the user types (Representante, Empleado, General, Representante de la Entidad, Entidad u Organismo Internacional); it must be the type the account was registered with.", user_type.label())
        } else {
            format!("Marque «{}» entre los tipos de usuario (Representante, Empleado, General, Representante de la Entidad, Entidad u Organismo Internacional); debe ser el tipo con el que se registró la cuenta.", user_type.label())
        },
    );
    steps.push(
        pick(english, "Actualizar los datos", "Update the data"),
        update_detail(user_type, english),
    );
    steps.push(
        pick(english, "Pedir e ingresar el código de seguridad", "Request and enter the security code"),
        pick(
            english,
            "Solicite el código de seguridad: se envía al correo registrado. Si no aparece en la bandeja de entrada, búsquelo en correo no deseado (spam). Péguelo en su campo y haga clic en «Modificar».",
            "Request the security code: it is sent to the registered email. If it is not in the inbox, look in the junk (spam) folder. Paste it into its field and click \"Modificar\".",
        ),
    );
    steps.push(
        pick(english, "Firmar el convenio con el TOKEN", "Sign the agreement with the TOKEN"),
        pick(
            english,
            "Al guardar los cambios aparece el convenio para el uso de canales electrónicos o tecnológicos del SENAE; fírmelo con el TOKEN.",
            "Once the changes are saved, SENAE's agreement for the use of electronic or technological channels appears; sign it with the TOKEN.",
        ),
    );
    steps.push(
        pick(english, "Confirmar el mensaje de éxito", "Check the success message"),
        pick(
            english,
            "El trámite termina solo cuando el portal avisa que la actualización de datos se realizó con éxito. Guarde una captura de ese mensaje como evidencia.",
            "The procedure is finished only when the portal reports that the data update succeeded. Keep a screenshot of that message as evidence.",
        ),
    );
    steps.into_steps()
}

/// The "update the data" step, which depends on who is updating.
fn update_detail(user_type: AnnualUpdateUserType, english: bool) -> String {
    let common = pick(
        english,
        "Revise cada campo y corrija lo que haya cambiado; los campos nuevos aparecen enmarcados en rojo. Indique si conserva el mismo correo electrónico.",
        "Go through every field and correct what has changed; new fields are framed in red. Say whether you keep the same email address.",
    );
    let specific = match user_type {
        AnnualUpdateUserType::Representante => pick(
            english,
            "Como representante verá además los datos de la empresa y del representante legal que constan en el SRI: compruebe que estén al día.",
            "As a representative you will also see the company's and the legal representative's data held by the SRI (tax authority): check that they are current.",
        ),
        AnnualUpdateUserType::Empleado => pick(
            english,
            "Como empleado, confirme sus datos personales y de contacto, y que sigue vinculado a la empresa con cuyo RUC ingresó.",
            "As an employee, confirm your personal and contact data, and that you still work for the company whose RUC you signed in with.",
        ),
        AnnualUpdateUserType::General => pick(
            english,
            "Como usuario general, lo esencial son sus datos personales y de contacto.",
            "As a general user, what matters are your personal and contact data.",
        ),
        AnnualUpdateUserType::RepresentanteDeLaEntidad => pick(
            english,
            "Como representante de una entidad, confirme los datos de la entidad y los de su nombramiento.",
            "As an entity's representative, confirm the entity's data and those of your appointment.",
        ),
        AnnualUpdateUserType::EntidadUOrganismoInternacional => pick(
            english,
            "Para una entidad u organismo internacional, confirme los datos del organismo y de la persona de contacto.",
            "For an international entity or organisation, confirm the organisation's data and its contact person's.",
        ),
    };
    format!("{common} {specific}")
}

fn notes(english: bool) -> Vec<String> {
    [
        (
            "Si el ID de usuario queda inhabilitado por no actualizar a tiempo, no podrá hacer trámites en Ecuapass hasta resolverlo con el SENAE.",
            "If the user ID is disabled for missing the update, no Ecuapass procedure can be done until it is sorted out with SENAE.",
        ),
        (
            "Garita no guarda contraseñas de los portales: registre solo quién hizo la actualización y la evidencia.",
            "Garita keeps no portal passwords: record only who did the update and the evidence.",
        ),
    ]
    .into_iter()
    .map(|(es, en)| pick(english, es, en).to_owned())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|d| d.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn parses_user_types_loosely_and_returns_canonical_labels() {
        assert_eq!(
            AnnualUpdateUserType::parse("representante de la ENTIDAD"),
            Some(AnnualUpdateUserType::RepresentanteDeLaEntidad)
        );
        assert_eq!(
            AnnualUpdateUserType::parse("  general "),
            Some(AnnualUpdateUserType::General)
        );
        assert_eq!(
            AnnualUpdateUserType::parse("Entidad u organismo internacional"),
            Some(AnnualUpdateUserType::EntidadUOrganismoInternacional)
        );
        assert_eq!(
            AnnualUpdateUserType::parse("EMPLEADO"),
            Some(AnnualUpdateUserType::Empleado)
        );
        assert_eq!(AnnualUpdateUserType::parse("gerente"), None);
        for t in AnnualUpdateUserType::ALL {
            assert_eq!(AnnualUpdateUserType::parse(t.label()), Some(t));
        }
    }

    #[test]
    fn deadline_is_end_of_january_in_ecuador() {
        let guide = annual_update_guide(
            AnnualUpdateUserType::General,
            2026,
            at("2026-01-10T12:00:00Z"),
            false,
        )
        .unwrap();
        assert_eq!(guide.deadline, "2026-01-31T23:59:59-05:00");
        assert_eq!(guide.window_opens, "2026-01-01T00:00:00-05:00");
        assert_eq!(guide.window_status, WindowStatus::Open);
    }

    #[test]
    fn window_status_follows_ecuador_time() {
        let status = |now| {
            annual_update_guide(AnnualUpdateUserType::General, 2026, at(now), false)
                .unwrap()
                .window_status
        };
        // 1 January 03:00 UTC is still 31 December in Ecuador.
        assert_eq!(status("2026-01-01T03:00:00Z"), WindowStatus::NotYetOpen);
        assert_eq!(status("2026-01-01T05:00:00Z"), WindowStatus::Open);
        // 1 February 04:59:59 UTC is the deadline itself.
        assert_eq!(status("2026-02-01T04:59:59Z"), WindowStatus::Open);
        assert_eq!(status("2026-02-01T05:00:00Z"), WindowStatus::Closed);
    }

    #[test]
    fn current_year_uses_ecuador_offset() {
        assert_eq!(current_year_in_ecuador(at("2027-01-01T04:00:00Z")), 2026);
        assert_eq!(current_year_in_ecuador(at("2027-01-01T05:00:00Z")), 2027);
    }

    #[test]
    fn steps_follow_the_portal_path_in_order() {
        let guide = annual_update_guide(
            AnnualUpdateUserType::Representante,
            2026,
            at("2026-01-10T12:00:00Z"),
            false,
        )
        .unwrap()
        .guide;
        let titles: Vec<&str> = guide.steps.iter().map(|s| s.title.as_str()).collect();
        let order = [
            "Ingresar",
            "Soporte al cliente",
            "3.2 ",
            "3.2.3",
            "tipo de usuario",
            "Actualizar",
            "código de seguridad",
            "TOKEN",
            "éxito",
        ];
        assert_eq!(titles.len(), order.len());
        for (title, expected) in titles.iter().zip(order) {
            assert!(title.contains(expected), "{title} lacks {expected}");
        }
        assert!(guide
            .steps
            .iter()
            .enumerate()
            .all(|(i, s)| s.n as usize == i + 1));
        assert!(guide.steps[5].detail.contains("SRI"));
        assert!(guide.preparations.iter().any(|p| p.contains("cookies")));
    }

    #[test]
    fn steps_are_tailored_per_user_type() {
        let now = at("2026-01-10T12:00:00Z");
        let details: Vec<String> = AnnualUpdateUserType::ALL
            .into_iter()
            .map(|t| {
                annual_update_guide(t, 2026, now, true).unwrap().guide.steps[5]
                    .detail
                    .clone()
            })
            .collect();
        for (i, a) in details.iter().enumerate() {
            for b in &details[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn english_guide_is_in_english() {
        let guide = annual_update_guide(
            AnnualUpdateUserType::Empleado,
            2026,
            at("2026-01-10T12:00:00Z"),
            true,
        )
        .unwrap();
        assert!(guide.guide.steps[0].title.starts_with("Sign in"));
        assert!(guide.legal_basis.contains("SENAE-DGN-2016-0364-RE"));
        assert!(guide
            .guide
            .to_markdown(true)
            .contains("## Before you start"));
    }

    #[test]
    fn after_january_the_guide_advises_instead_of_quoting_the_window() {
        let february = annual_update_guide(
            AnnualUpdateUserType::General,
            2026,
            at("2026-02-01T12:00:00Z"),
            false,
        )
        .unwrap();
        assert_eq!(february.window_status, WindowStatus::Closed);
        let summary = &february.guide.summary;
        assert!(
            !summary.contains("Hágala entre el 1 y el 31 de enero"),
            "{summary}"
        );
        assert!(summary.contains("venció el 31 de enero"), "{summary}");
        assert!(
            summary.contains("Consejo de Garita (no es texto de la resolución)"),
            "{summary}"
        );
        assert!(summary.contains("vuelva a habilitar"), "{summary}");
        let english = annual_update_guide(
            AnnualUpdateUserType::General,
            2026,
            at("2026-02-01T12:00:00Z"),
            true,
        )
        .unwrap();
        assert!(english
            .guide
            .summary
            .contains("Garita's advice (not the resolution's text)"));
        // In January the window is still quoted.
        let january = annual_update_guide(
            AnnualUpdateUserType::General,
            2026,
            at("2026-01-31T12:00:00Z"),
            false,
        )
        .unwrap();
        assert!(january
            .guide
            .summary
            .starts_with("Hágala entre el 1 y el 31 de enero de 2026"));
    }
}
