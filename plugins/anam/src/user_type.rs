//! The user types of ANAM's "Acceso Único" registration form.

use serde::Serialize;

use garita_portal_kit::fold_label;

/// "Tipo de usuario" in the Acceso Único registration form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AnamUserType {
    /// Agente Aduanal.
    AgenteAduanal,
    /// Apoderado Aduanal.
    ApoderadoAduanal,
    /// Representante Legal Acreditado.
    RepresentanteLegalAcreditado,
    /// Mandatario.
    Mandatario,
    /// Dependiente.
    Dependiente,
    /// Auxiliar de Representante Legal Acreditado.
    AuxiliarDeRepresentanteLegalAcreditado,
    /// Apoderado de Almacén General de Depósito.
    ApoderadoDeAlmacenGeneralDeDeposito,
    /// Apoyo y servicio.
    ApoyoYServicio,
    /// Apoyo y Servicio en Almacenes y Carga.
    ApoyoYServicioEnAlmacenesYCarga,
    /// Prestadores de servicios.
    PrestadoresDeServicios,
    /// Transportista.
    Transportista,
}

impl AnamUserType {
    /// Every user type, in the form's order.
    pub const ALL: [Self; 11] = [
        Self::AgenteAduanal,
        Self::ApoderadoAduanal,
        Self::RepresentanteLegalAcreditado,
        Self::Mandatario,
        Self::Dependiente,
        Self::AuxiliarDeRepresentanteLegalAcreditado,
        Self::ApoderadoDeAlmacenGeneralDeDeposito,
        Self::ApoyoYServicio,
        Self::ApoyoYServicioEnAlmacenesYCarga,
        Self::PrestadoresDeServicios,
        Self::Transportista,
    ];

    /// The name exactly as the form lists it.
    pub fn label(self) -> &'static str {
        match self {
            Self::AgenteAduanal => "Agente Aduanal",
            Self::ApoderadoAduanal => "Apoderado Aduanal",
            Self::RepresentanteLegalAcreditado => "Representante Legal Acreditado",
            Self::Mandatario => "Mandatario",
            Self::Dependiente => "Dependiente",
            Self::AuxiliarDeRepresentanteLegalAcreditado => {
                "Auxiliar de Representante Legal Acreditado"
            }
            Self::ApoderadoDeAlmacenGeneralDeDeposito => "Apoderado de Almacén General de Depósito",
            Self::ApoyoYServicio => "Apoyo y servicio",
            Self::ApoyoYServicioEnAlmacenesYCarga => "Apoyo y Servicio en Almacenes y Carga",
            Self::PrestadoresDeServicios => "Prestadores de servicios",
            Self::Transportista => "Transportista",
        }
    }

    /// Reads a user type regardless of case, accents and spacing.
    pub fn parse(input: &str) -> Option<Self> {
        let folded = fold_label(input);
        Self::ALL
            .into_iter()
            .find(|t| fold_label(t.label()) == folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loosely() {
        assert_eq!(
            AnamUserType::parse("agente aduanal"),
            Some(AnamUserType::AgenteAduanal)
        );
        assert_eq!(
            AnamUserType::parse("APODERADO DE ALMACEN GENERAL DE DEPOSITO"),
            Some(AnamUserType::ApoderadoDeAlmacenGeneralDeDeposito)
        );
        assert_eq!(
            AnamUserType::parse("Apoyo y Servicio"),
            Some(AnamUserType::ApoyoYServicio)
        );
        assert_eq!(AnamUserType::parse("aduanero"), None);
        for t in AnamUserType::ALL {
            assert_eq!(AnamUserType::parse(t.label()), Some(t));
        }
    }
}
