//! Test hooks for data-plane scenarios (kept apart from the store's core):
//! continue tokens that expire after a number of pages, and a controller that strips the
//! `kubectl.kubernetes.io/restartedAt` template annotation again (as Kyma 1.x's own controllers did).

use std::sync::Arc;

use super::{EventType, Obj, Store, res_index};

#[derive(Debug, Default)]
pub(crate) struct Hooks {
    /// Expire every continue token when this many continued list requests have been served.
    pub expire_after_pages: Option<usize>,
    continued: usize,
    /// Deployments (namespace, name) whose controller removes `restartedAt`.
    pub reverting: Vec<(String, String)>,
}

impl Store {
    /// Called for every list request that carries a continue token.
    pub(crate) fn hook_continue(&mut self) {
        if let Some(n) = self.hooks.expire_after_pages {
            self.hooks.continued += 1;
            if self.hooks.continued >= n {
                self.snapshots.clear();
                self.snapshot_order.clear();
                self.hooks.expire_after_pages = None;
                self.hooks.continued = 0;
            }
        }
    }

    /// Called after a write: a reverting controller undoes a rollout restart.
    pub(crate) fn hook_revert(&mut self, res: usize, obj: &Arc<Obj>) {
        if res != res_index("deployments")
            || !self
                .hooks
                .reverting
                .iter()
                .any(|(ns, n)| ns == obj.namespace() && n == obj.name())
        {
            return;
        }
        let mut v = obj.value().clone();
        let removed = v["spec"]["template"]["metadata"]["annotations"]
            .as_object_mut()
            .and_then(|a| a.remove("kubectl.kubernetes.io/restartedAt"))
            .is_some();
        if removed {
            let g = v["metadata"]["generation"].as_i64().unwrap_or(1);
            v["metadata"]["generation"] = serde_json::json!(g + 1);
            self.commit(res, v, EventType::Modified);
            self.work
                .push((res, obj.namespace().to_string(), obj.name().to_string()));
        }
    }
}
