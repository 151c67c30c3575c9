//! The workflow a run follows, parsed from the source stored with it once
//! per source (by hash), so resuming thousands of runs of one file parses it
//! once.

use super::{Engine, EngineError};
use crate::diagnostic::Diagnostics;
use crate::model::{StepKind, Workflow};
use crate::run::RunRecord;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

impl Engine {
    /// The workflow a run follows (its stored source, parsed).
    pub async fn workflow_of(&self, record: &RunRecord) -> Result<Arc<Workflow>, EngineError> {
        let top = self.parse_cached(&record.id, &record.source, &record.source_path)?;
        let Some(parent) = &record.parent else {
            return Ok(top);
        };
        // A child follows the nested steps of its ancestors' for_each steps.
        let mut chain = vec![parent.clone()];
        let mut cursor = self.store.run(&parent.run_id).await?;
        while let Some(rec) = cursor {
            match &rec.parent {
                Some(p) => {
                    chain.push(p.clone());
                    cursor = self.store.run(&p.run_id).await?;
                }
                None => break,
            }
        }
        let mut workflow = (*top).clone();
        for link in chain.iter().rev() {
            let nested = workflow
                .steps
                .iter()
                .find(|s| s.id == link.step_id)
                .and_then(|s| match &s.kind {
                    StepKind::ForEach(spec) => Some(spec.steps.clone()),
                    _ => None,
                });
            let Some(steps) = nested else {
                return Err(EngineError::Workflow {
                    run: record.id.clone(),
                    diagnostics: Diagnostics(vec![crate::Diagnostic::new(
                        &record.source_path,
                        crate::Span { line: 1, col: 1 },
                        format!(
                            "the for_each step `{}` of the parent run no longer exists",
                            link.step_id
                        ),
                    )]),
                });
            };
            workflow.steps = steps;
            workflow.outputs = BTreeMap::new();
        }
        Ok(Arc::new(workflow))
    }

    pub(super) fn parse_cached(
        &self,
        run: &str,
        source: &str,
        path: &str,
    ) -> Result<Arc<Workflow>, EngineError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.hash(&mut hasher);
        path.hash(&mut hasher);
        let key = hasher.finish();
        if let Some(found) = self
            .parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(found.clone());
        }
        let workflow =
            (self.loader)(path, source).map_err(|diagnostics| EngineError::Workflow {
                run: run.to_owned(),
                diagnostics,
            })?;
        let workflow = Arc::new(workflow);
        self.parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, workflow.clone());
        Ok(workflow)
    }
}
