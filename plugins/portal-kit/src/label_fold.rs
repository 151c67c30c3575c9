//! Folding of free-typed labels ("Agente Aduanal", "AGENTE ADUANAL",
//! "Representante de la Entidad")
//! so that case, accents and spacing do not matter when matching them.

/// Lowercases, removes Spanish accents and diaeresis, turns `_`/`-` into spaces
/// and collapses runs of whitespace, so `"  Apoderado de ALMACÉN_general "` becomes
/// `"apoderado de almacen general"`.
pub fn fold_label(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            pending_space = !folded.is_empty();
            continue;
        }
        if pending_space {
            folded.push(' ');
            pending_space = false;
        }
        for lower in c.to_lowercase() {
            folded.push(match lower {
                'á' | 'à' | 'ä' | 'â' => 'a',
                'é' | 'è' | 'ë' | 'ê' => 'e',
                'í' | 'ì' | 'ï' | 'î' => 'i',
                'ó' | 'ò' | 'ö' | 'ô' => 'o',
                'ú' | 'ù' | 'ü' | 'û' => 'u',
                'ñ' => 'n',
                other => other,
            });
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spacing() {
        assert_eq!(
            fold_label("  Apoderado de ALMACÉN_general "),
            "apoderado de almacen general"
        );
        assert_eq!(fold_label("Apoyo   y\tServicio"), "apoyo y servicio");
        assert_eq!(fold_label("  Funcionario_PÚBLICO "), "funcionario publico");
        assert_eq!(fold_label(""), "");
    }
}
