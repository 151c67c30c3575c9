//! Step-by-step guidance: the structured form every guide action returns
//! and its Markdown rendering.

use serde::Serialize;

/// One step of a guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// 1-based position in the whole guide.
    pub n: u32,
    /// The part (1-based) the step belongs to, for guides split in parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// What to do, in a few words.
    pub title: String,
    /// How to do it.
    pub detail: String,
}

/// A titled part of a guide (for example "find the user ID", then "request the password").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// 1-based part number, as referenced by [`Step::part`].
    pub n: u32,
    /// The part's heading.
    pub title: String,
}

/// A guide in one language: what to prepare, the ordered steps and closing notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guide {
    /// The guide's heading.
    pub title: String,
    /// One or two sentences on what the guide achieves.
    pub summary: String,
    /// What to have ready before the first step.
    pub preparations: Vec<String>,
    /// Headings of the parts; empty for a guide in one piece.
    pub parts: Vec<Part>,
    /// The ordered checklist.
    pub steps: Vec<Step>,
    /// Remarks that apply to the whole procedure.
    pub notes: Vec<String>,
}

impl Guide {
    /// Renders the guide as Markdown, with section headings in the requested language.
    pub fn to_markdown(&self, english: bool) -> String {
        let mut out = format!("# {}\n\n{}\n", self.title, self.summary);
        if !self.preparations.is_empty() {
            out.push_str(if english {
                "\n## Before you start\n\n"
            } else {
                "\n## Antes de empezar\n\n"
            });
            for item in &self.preparations {
                out.push_str(&format!("- {item}\n"));
            }
        }
        if self.parts.is_empty() {
            out.push_str(if english {
                "\n## Steps\n\n"
            } else {
                "\n## Pasos\n\n"
            });
        }
        let mut current_part = None;
        for step in &self.steps {
            if step.part.is_some() && step.part != current_part {
                current_part = step.part;
                if let Some(part) = self.parts.iter().find(|p| Some(p.n) == step.part) {
                    let label = if english { "Part" } else { "Parte" };
                    out.push_str(&format!("\n## {label} {}: {}\n\n", part.n, part.title));
                }
            }
            out.push_str(&format!(
                "{}. **{}** — {}\n",
                step.n, step.title, step.detail
            ));
        }
        if !self.notes.is_empty() {
            out.push_str(if english {
                "\n## Notes\n\n"
            } else {
                "\n## Notas\n\n"
            });
            for note in &self.notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
        out
    }
}

/// Collects steps with consecutive numbers.
#[derive(Debug, Default)]
pub struct StepList {
    steps: Vec<Step>,
    part: Option<u32>,
}

impl StepList {
    /// Following steps belong to part `n`.
    pub fn start_part(&mut self, n: u32) {
        self.part = Some(n);
    }

    /// Appends a step numbered after the previous one.
    pub fn push(&mut self, title: impl Into<String>, detail: impl Into<String>) {
        // A guide has a handful of steps, far below u32::MAX.
        let n = u32::try_from(self.steps.len() + 1).unwrap_or(u32::MAX);
        self.steps.push(Step {
            n,
            part: self.part,
            title: title.into(),
            detail: detail.into(),
        });
    }

    pub fn into_steps(self) -> Vec<Step> {
        self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(parts: bool) -> Guide {
        let mut steps = StepList::default();
        if parts {
            steps.start_part(1);
        }
        steps.push("Uno", "primero");
        if parts {
            steps.start_part(2);
        }
        steps.push("Dos", "segundo");
        Guide {
            title: "Título".into(),
            summary: "Resumen.".into(),
            preparations: vec!["Prepare algo".into()],
            parts: if parts {
                vec![
                    Part {
                        n: 1,
                        title: "A".into(),
                    },
                    Part {
                        n: 2,
                        title: "B".into(),
                    },
                ]
            } else {
                vec![]
            },
            steps: steps.into_steps(),
            notes: vec!["Nota".into()],
        }
    }

    #[test]
    fn markdown_has_numbered_steps_and_sections() {
        let md = sample(false).to_markdown(false);
        assert!(md.starts_with("# Título\n\nResumen.\n"));
        assert!(md.contains("## Antes de empezar\n\n- Prepare algo\n"));
        assert!(md.contains("## Pasos\n\n1. **Uno** — primero\n2. **Dos** — segundo\n"));
        assert!(md.contains("## Notas\n\n- Nota\n"));
    }

    #[test]
    fn markdown_heads_each_part() {
        let md = sample(true).to_markdown(true);
        assert!(md.contains("## Part 1: A\n\n1. **Uno**"));
        assert!(md.contains("## Part 2: B\n\n2. **Dos**"));
        assert!(!md.contains("## Steps"));
    }
}
