//! One driver per run at a time in this process: a second driver of the
//! same run (a signal arriving while the daemon drives it) waits its turn.

use super::Engine;
use crate::run::RunId;

impl Engine {
    pub(super) async fn acquire(&self, run: &str) -> ActiveGuard<'_> {
        loop {
            {
                let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
                if active.insert(run.to_owned()) {
                    return ActiveGuard {
                        engine: self,
                        run: run.to_owned(),
                    };
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
}

pub(super) struct ActiveGuard<'a> {
    engine: &'a Engine,
    run: RunId,
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.engine
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.run);
    }
}
