//! Which cluster a command works on and how it connects: shared by every command, owned by
//! none of them.

use std::path::PathBuf;

use crate::cluster::{Cluster, ClusterError};
use crate::ops::events::Events;

/// Which cluster, as the global flags say.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// Connects as the global flags say. No request is made yet. The client's retries show at
/// `-v`, every request at `-vv`.
pub async fn connect(target: &Target, events: &dyn Events) -> Result<Cluster, ClusterError> {
    let out = events.shared();
    let log = crate::cluster::retry::Log::new(events.verbosity(), move |line| out.info(line));
    Cluster::connect(target.kubeconfig.as_deref(), target.context.as_deref(), log).await
}
