//! `index.html` of an evidence pack: the report's figures as a page an
//! auditor reads or prints, per company and portal, each section naming the
//! OEA profile sections and CTPAT criteria it supports; charts as inline
//! SVG drawn here, so the page needs no script, no network and no font
//! beyond the system's.
//!
//! The page is a pure function of the report: `garita evidence verify`
//! draws it again from the report it recomputes from the entries and names
//! the first line that differs, so a number edited in the HTML is caught
//! like one edited in `report.json`.
//!
//! OEA references are to the security profile of annex 1 (8.2 staff
//! leaving: removal from IT systems and accesses; 9.1 regular review of
//! access to information; 9.2 individual accounts, periodic password
//! change, detection of inappropriate access). CTPAT is named by the area
//! of its minimum security criteria, not by criterion number.

use std::fmt::Write;

use garita_engine::account::Locale;

use super::audit_description::portal_name;
use super::evidence_report::{EvidenceReport, GroupReport, MonthFigures};

/// The page of `report`.
pub fn render(report: &EvidenceReport) -> String {
    let t = T(report.lang);
    let mut h = String::new();
    let lang = report.lang.as_str();
    let title = t.s(
        "Evidencia de accesos a portales aduaneros",
        "Customs-portal access evidence",
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    let _ = writeln!(
        h,
        "<p class=\"period\">{} <b>{}</b> {} <b>{}</b> · {} <b data-figure=\"entries\">{}</b> {} {}</p>",
        t.s("Periodo del", "Period from"),
        esc(&shown(&report.from, false)),
        t.s("al", "to"),
        esc(&shown(&report.to, true)),
        t.s("calculado de", "computed from"),
        report.entries,
        t.s("entradas del registro de auditoría, desde la", "audit-log entries, from entry"),
        report.first_seq
    );
    let _ = writeln!(h, "<p class=\"note\">{}</p>\n</header>", t.s(
        "Cada cifra de esta página se calcula de las entradas de <code>entries.jsonl</code>, cuyas pruebas criptográficas están en el paquete. <code>garita evidence verify</code> vuelve a calcularlas y señala cualquier cifra cambiada; <code>tools/verify_evidence.py</code> comprueba las entradas sin Garita.",
        "Every figure on this page is computed from the entries in <code>entries.jsonl</code>, whose cryptographic proofs are in the pack. <code>garita evidence verify</code> recomputes them and names any figure changed; <code>tools/verify_evidence.py</code> checks the entries without Garita.",
    ));
    summary_table(&mut h, report, t);
    for (i, group) in report.groups.iter().enumerate() {
        group_section(&mut h, i, group, t);
    }
    reviews_section(&mut h, report, t);
    controls_section(&mut h, t);
    h.push_str("</body>\n</html>\n");
    h
}

#[derive(Clone, Copy)]
struct T(Locale);

impl T {
    fn s(self, es: &'static str, en: &'static str) -> &'static str {
        match self.0 {
            Locale::Es => es,
            Locale::En => en,
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,'Segoe UI',Helvetica,Arial,sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1f4e79;padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
.period{margin:.2rem 0}.note{color:#444;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8ced6;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.d{white-space:nowrap}
.refs{color:#3d4b5c;font-size:.8rem}.ok{color:#1d6b35}.warn{color:#9a3412;font-weight:600}
svg{max-width:100%;height:auto}svg text{font-family:inherit;font-size:11px;fill:#1b1f24}
.legend span{display:inline-block;margin-right:1rem;font-size:.8rem}.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
@media print{@page{size:A4;margin:14mm 12mm}body{max-width:none;margin:0;font-size:9.5pt}
h2,h3{break-after:avoid}section.group h2{break-before:page}.refs{font-size:7.5pt}td,th{padding:.2rem .4rem}
table,figure,svg{break-inside:avoid}th{background:#eef2f6 !important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
svg rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}.note{font-size:8.5pt}}
";

/// A bound of the period as people read it: a whole UTC day as its date
/// (the end, which is excluded, as the last day included); any other
/// instant as given.
fn shown(bound: &str, end: bool) -> String {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(bound) else {
        return bound.to_owned();
    };
    let at = at.with_timezone(&chrono::Utc);
    if at.time() != chrono::NaiveTime::MIN {
        return bound.to_owned();
    }
    let day = at.date_naive();
    let day = if end {
        day.pred_opt().unwrap_or(day)
    } else {
        day
    };
    day.to_string()
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn company_name(group: &GroupReport, t: T) -> String {
    if group.company.is_empty() {
        t.s(
            "(empresa no nombrada en las entradas del periodo)",
            "(company not named by the period's entries)",
        )
        .to_owned()
    } else {
        esc(&group.company)
    }
}

fn summary_table(h: &mut String, report: &EvidenceReport, t: T) {
    let _ = writeln!(
        h,
        "<section class=\"summary\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t.s("Resumen por empresa y portal", "Summary by company and portal"),
        t.s("Empresa", "Company"),
        t.s("Portal", "Portal"),
        t.s("Cuentas", "Accounts"),
        t.s("Inicios de sesión a tiempo", "Sign-ins on time"),
        t.s("Cambios de contraseña", "Password changes"),
        t.s("Bajas retiradas", "Leavers removed"),
        t.s("Pendientes", "Open findings"),
    );
    if report.groups.is_empty() {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"7\">{}</td></tr>",
            t.s(
                "Ninguna entrada de cuentas en el periodo.",
                "No account entries in the period."
            )
        );
    }
    for (i, g) in report.groups.iter().enumerate() {
        let removed = g.removals.iter().filter(|r| r.removed_on.is_some()).count();
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#g{i}\">{}</a></td><td>{}</td><td class=\"n\" data-figure=\"groups.{i}.accounts\">{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td></tr>",
            company_name(g, t),
            esc(&portal_name(&g.portal)),
            g.accounts,
            g.sign_ins_on_time,
            g.sign_ins,
            g.password_changes,
            removed,
            g.leavers,
            g.open_findings.len()
        );
    }
    h.push_str("</table>\n</section>\n");
}

/// Where each figure's control is, as the refs cell shows it.
fn refs(what: &str, t: T) -> &'static str {
    match what {
        "accounts" => t.s(
            "OEA 9.2 (cuentas individuales) · CTPAT, criterios mínimos: ciberseguridad, control de acceso",
            "OEA 9.2 (individual accounts) · CTPAT minimum security criteria: cybersecurity, access control",
        ),
        "sign_ins_other" => t.s(
            "OEA 9.2 (cuentas individuales en uso)",
            "OEA 9.2 (individual accounts in use)",
        ),
        "sign_ins" => t.s(
            "OEA 9.2 · Portal CTPAT: sin ingreso en 45 días la cuenta queda sin poder actuar",
            "OEA 9.2 · CTPAT portal: after 45 days without a sign-in the account cannot act",
        ),
        "passwords" => t.s(
            "OEA 9.2 (cambio periódico de la contraseña) · CTPAT, criterios mínimos: ciberseguridad, contraseñas",
            "OEA 9.2 (periodic password change) · CTPAT minimum security criteria: cybersecurity, passwords",
        ),
        "certificates" => t.s(
            "OEA 9.2 · CTPAT, criterios mínimos: ciberseguridad",
            "OEA 9.2 · CTPAT minimum security criteria: cybersecurity",
        ),
        "leavers" => t.s(
            "OEA 8.2 (baja en sistemas informáticos y de accesos) y 9.2 · CTPAT, criterios mínimos: seguridad del personal, control de acceso",
            "OEA 8.2 (removal from IT systems and accesses) and 9.2 · CTPAT minimum security criteria: personnel security, access control",
        ),
        "reviews" => t.s(
            "OEA 9.1 (revisión regular de los accesos a la información) y 9.2 · CTPAT, criterios mínimos: ciberseguridad, control de acceso",
            "OEA 9.1 (regular review of access to information) and 9.2 · CTPAT minimum security criteria: cybersecurity, access control",
        ),
        _ => t.s(
            "OEA 9.2 (detectar el acceso inapropiado)",
            "OEA 9.2 (detecting inappropriate access)",
        ),
    }
}

fn group_section(h: &mut String, i: usize, g: &GroupReport, t: T) {
    let _ = writeln!(
        h,
        "<section class=\"group\" id=\"g{i}\">\n<h2>{} — {}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        company_name(g, t),
        esc(&portal_name(&g.portal)),
        t.s("Control", "Control"),
        t.s("Cifra", "Figure"),
        t.s("Apoya", "Supports"),
    );
    let removed = g.removals.iter().filter(|r| r.removed_on.is_some()).count();
    let rows: [(&str, String, &str, &str); 10] = [
        (
            t.s(
                "Cuentas en el inventario en el periodo",
                "Accounts in the inventory in the period",
            ),
            g.accounts.to_string(),
            "accounts",
            "accounts",
        ),
        (
            t.s("Titulares distintos", "Distinct holders"),
            g.holders.to_string(),
            "holders",
            "accounts",
        ),
        (
            t.s("Cuentas dadas de alta", "Accounts added"),
            g.added.to_string(),
            "added",
            "accounts",
        ),
        (
            t.s(
                "Inicios de sesión a tiempo / registrados",
                "Sign-ins on time / recorded",
            ),
            format!("{} / {}", g.sign_ins_on_time, g.sign_ins),
            "sign_ins_on_time",
            "sign_ins",
        ),
        (
            t.s(
                "Desactivaciones / reactivaciones",
                "Deactivations / reactivations",
            ),
            format!("{} / {}", g.deactivations, g.reactivations),
            "deactivations",
            "sign_ins",
        ),
        (
            t.s("Cambios de contraseña", "Password changes"),
            g.password_changes.to_string(),
            "password_changes",
            "passwords",
        ),
        (
            t.s(
                "Certificados de firma renovados",
                "Signing certificates renewed",
            ),
            g.certificate_renewals.to_string(),
            "certificate_renewals",
            "certificates",
        ),
        (
            t.s(
                "Bajas: accesos retirados / personas que salieron",
                "Leavers: accesses removed / accounts offboarded",
            ),
            format!("{removed} / {}", g.leavers),
            "leavers",
            "leavers",
        ),
        (
            t.s(
                "Días hasta retirar el acceso (máximo)",
                "Days to remove the access (longest)",
            ),
            g.removals
                .iter()
                .filter_map(|r| r.days)
                .max()
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            "removal_days",
            "leavers",
        ),
        (
            t.s(
                "Pendientes al cierre del periodo",
                "Open at the end of the period",
            ),
            g.open_findings.len().to_string(),
            "open_findings",
            "findings",
        ),
    ];
    for (label, value, figure, area) in rows {
        // The 45 days are CTPAT's portal rule; other portals have their own.
        let area = if area == "sign_ins" && g.portal != "ctpat" {
            "sign_ins_other"
        } else {
            area
        };
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td class=\"n\" data-figure=\"groups.{i}.{figure}\">{value}</td><td class=\"refs\">{}</td></tr>",
            refs(area, t)
        );
    }
    h.push_str("</table>\n");
    if !g.months.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{}</h3>",
            t.s("Actividad por mes", "Activity per month")
        );
        month_chart(h, &g.months, t);
    }
    if !g.removals.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            t.s(
                "Bajas y días hasta retirar el acceso",
                "Leavers and days until the access was removed"
            ),
            t.s("Cuenta", "Account"),
            t.s("Baja", "Offboarded"),
            t.s("Acceso retirado", "Access removed"),
            t.s("Días", "Days"),
        );
        for r in &g.removals {
            let (removed, days) = match (r.removed_on, r.days) {
                (Some(on), Some(d)) => (on.to_string(), d.to_string()),
                _ => (
                    format!(
                        "<span class=\"warn\">{}</span>",
                        t.s("sin evidencia", "no evidence")
                    ),
                    "—".into(),
                ),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"d\">{}</td><td class=\"d\">{removed}</td><td class=\"n\">{days}</td></tr>",
                esc(&r.account),
                r.offboarded_on
            );
        }
        h.push_str("</table>\n");
        removal_chart(h, g, t);
    }
    if !g.open_findings.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            t.s("Pendientes", "Open findings"),
            t.s("Cuenta", "Account"),
            t.s("Qué", "What"),
            t.s("Desde", "Since"),
        );
        for f in &g.open_findings {
            let what = match f.kind.as_str() {
                "removal_unconfirmed" => t.s(
                    "la persona salió y no hay evidencia de que se retiró el acceso",
                    "the holder left and no evidence shows the access removed",
                ),
                "deactivated" => t.s("desactivada por el portal", "deactivated by the portal"),
                "disabled" => t.s("inhabilitada por la autoridad", "disabled by the authority"),
                _ => "",
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"warn\">{what}</td><td class=\"d\">{}</td></tr>",
                esc(&f.account),
                f.since
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
}

const INK: [&str; 3] = ["#1f4e79", "#7fb2e5", "#c2410c"];

/// Grouped bars: sign-ins, password changes and deactivations per month.
fn month_chart(h: &mut String, months: &[MonthFigures], t: T) {
    let (width, height, left, bottom, top) = (720.0_f64, 170.0_f64, 36.0, 30.0, 10.0);
    let max = months
        .iter()
        .map(|m| m.sign_ins.max(m.password_changes).max(m.deactivations))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot = height - bottom - top;
    let slot = (width - left) / months.len() as f64;
    let bar = (slot / 4.0).min(14.0);
    let _ = writeln!(
        h,
        "<figure><svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        t.s("Actividad por mes", "Activity per month")
    );
    let _ = writeln!(
        h,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{width}\" y2=\"{}\" stroke=\"#888\"/>",
        height - bottom,
        height - bottom
    );
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        left - 4.0,
        top + 8.0,
        left - 4.0,
        height - bottom
    );
    for (i, m) in months.iter().enumerate() {
        let x0 = left + slot * i as f64 + (slot - bar * 3.0) / 2.0;
        for (k, value) in [m.sign_ins, m.password_changes, m.deactivations]
            .into_iter()
            .enumerate()
        {
            let hgt = plot * value as f64 / max as f64;
            let _ = writeln!(
                h,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{hgt:.1}\" fill=\"{}\"><title>{} {value}</title></rect>",
                x0 + bar * k as f64,
                height - bottom - hgt,
                INK[k],
                m.month
            );
        }
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            left + slot * i as f64 + slot / 2.0,
            height - bottom + 14.0,
            &m.month
        );
    }
    h.push_str("</svg>\n<figcaption class=\"legend\">");
    let names = [
        t.s("Inicios de sesión", "Sign-ins"),
        t.s("Cambios de contraseña", "Password changes"),
        t.s("Desactivaciones", "Deactivations"),
    ];
    for (k, name) in names.iter().enumerate() {
        let _ = write!(
            h,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{name}</span>",
            INK[k]
        );
    }
    h.push_str("</figcaption></figure>\n");
}

/// Leavers before a chart of their days says more than the table.
const REMOVALS_FOR_A_CHART: usize = 3;

/// One horizontal bar per leaver: days until the access was removed.
fn removal_chart(h: &mut String, g: &GroupReport, t: T) {
    let done: Vec<(&str, i64)> = g
        .removals
        .iter()
        .filter_map(|r| Some((r.account.as_str(), r.days?)))
        .collect();
    if done.len() < REMOVALS_FOR_A_CHART {
        return;
    }
    let max = done.iter().map(|(_, d)| *d).max().unwrap_or(0).max(1);
    let (width, row, left) = (720.0_f64, 18.0_f64, 260.0_f64);
    let height = row * done.len() as f64 + 24.0;
    let _ = writeln!(
        h,
        "<figure><svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        t.s("Días hasta retirar el acceso", "Days to remove the access")
    );
    for (i, (account, days)) in done.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = (width - left - 40.0) * (*days).max(0) as f64 / max as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{days}</text>",
            left - 6.0,
            y + 12.0,
            esc(account),
            row - 5.0,
            INK[0],
            left + w + 4.0,
            y + 12.0
        );
    }
    let _ = writeln!(
        h,
        "<text x=\"{left}\" y=\"{:.1}\">{}</text>\n</svg></figure>",
        height - 4.0,
        t.s("días desde la baja", "days since offboarding")
    );
}

fn reviews_section(h: &mut String, report: &EvidenceReport, t: T) {
    let r = &report.access_reviews;
    let _ = writeln!(
        h,
        "<section id=\"reviews\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        t.s("Revisiones de acceso y tareas", "Access reviews and tasks"),
        t.s("Control", "Control"),
        t.s("Cifra", "Figure"),
        t.s("Apoya", "Supports"),
    );
    let days = if r.completed_on.is_empty() {
        "—".to_owned()
    } else {
        r.completed_on
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td class=\"n\" data-figure=\"access_reviews\">{} / {}</td><td class=\"refs\">{}</td></tr>\n<tr><td>{}</td><td>{days}</td><td class=\"refs\">{}</td></tr>\n<tr><td>{}</td><td class=\"n\" data-figure=\"open_tasks\">{}</td><td class=\"refs\">{}</td></tr>\n</table>",
        t.s("Revisiones de correos habilitados CTPAT terminadas / iniciadas", "CTPAT enabled-email reviews completed / started"),
        r.completed,
        r.started,
        refs("reviews", t),
        t.s("Días en que terminaron", "Days they ended"),
        refs("reviews", t),
        t.s("Tareas abiertas sin respuesta al cierre", "Tasks still open at the end"),
        report.open_tasks.len(),
        refs("findings", t),
    );
    if !report.open_tasks.is_empty() {
        let _ = writeln!(
            h,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            t.s("Tarea", "Task"),
            t.s("Título", "Title"),
            t.s("Abierta", "Opened"),
        );
        for task in &report.open_tasks {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"d\">{}</td></tr>",
                esc(&task.task),
                esc(&task.title),
                task.opened_on
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
}

fn controls_section(h: &mut String, t: T) {
    let _ = writeln!(
        h,
        "<section id=\"controls\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th></tr>",
        t.s(
            "Controles que apoya cada cifra",
            "The controls each figure supports"
        ),
        t.s("Cifras", "Figures"),
        t.s(
            "Perfil OEA (anexo 1) y CTPAT",
            "OEA profile (annex 1) and CTPAT"
        ),
    );
    let rows = [
        (
            t.s("Cuentas y titulares", "Accounts and holders"),
            "accounts",
        ),
        (
            t.s(
                "Inicios de sesión, desactivaciones y reactivaciones",
                "Sign-ins, deactivations and reactivations",
            ),
            "sign_ins",
        ),
        (
            t.s("Cambios de contraseña", "Password changes"),
            "passwords",
        ),
        (
            t.s("Certificados de firma", "Signing certificates"),
            "certificates",
        ),
        (
            t.s(
                "Bajas y días hasta retirar el acceso",
                "Leavers and days to removal",
            ),
            "leavers",
        ),
        (t.s("Revisiones de acceso", "Access reviews"), "reviews"),
        (
            t.s("Pendientes y tareas abiertas", "Open findings and tasks"),
            "findings",
        ),
    ];
    for (label, area) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td class=\"refs\">{}</td></tr>",
            refs(area, t)
        );
    }
    h.push_str("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::ops::evidence_report::{AccessReviews, GroupReport, Removal, REPORT_FORMAT};

    fn report(removals: usize) -> EvidenceReport {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        EvidenceReport {
            format: REPORT_FORMAT.into(),
            lang: Locale::En,
            from: "2026-01-01T00:00:00+00:00".into(),
            to: "2027-01-01T00:00:00+00:00".into(),
            entries: 9,
            first_seq: 1,
            groups: vec![GroupReport {
                company: "<Norte> & Hijos".into(),
                portal: "ctpat".into(),
                accounts: 3,
                holders: 3,
                added: 0,
                sign_ins: 4,
                sign_ins_on_time: 3,
                deactivations: 0,
                reactivations: 0,
                password_changes: 0,
                certificate_renewals: 0,
                leavers: removals as u64,
                removals: (0..removals)
                    .map(|i| Removal {
                        account: format!("ctpat:p{i}@norte.example"),
                        offboarded_on: day,
                        removed_on: Some(day),
                        days: Some(i as i64),
                    })
                    .collect(),
                open_findings: Vec::new(),
                months: Vec::new(),
            }],
            access_reviews: AccessReviews {
                started: 0,
                completed: 0,
                completed_on: Vec::new(),
            },
            open_tasks: Vec::new(),
        }
    }

    #[test]
    fn names_are_escaped_figures_named_and_the_period_read_as_days() {
        let page = render(&report(1));
        assert!(page.contains("&lt;Norte&gt; &amp; Hijos — CTPAT"), "{page}");
        assert!(!page.contains("<Norte>"));
        assert!(
            page.contains("<b>2026-01-01</b> to <b>2026-12-31</b>"),
            "{page}"
        );
        assert!(page.contains("data-figure=\"groups.0.sign_ins_on_time\">3 / 4<"));
        // One leaver: the table says it; no chart of one bar.
        assert!(!page.contains("days since offboarding"));
        let page = render(&report(3));
        assert!(page.contains("days since offboarding"));
    }
}
