//! PodDisruptionBudgets (`policy/v1`), read as small as a paced restart needs: the selector and
//! the disruption controller's status. One paged list per run; a GET of one budget when a
//! restart it guards is about to start again.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kinds::PDB;
use super::pods::Meta;
use super::{Cluster, ClusterError};

/// One PodDisruptionBudget: what it selects and what its status allows now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub namespace: String,
    pub name: String,
    /// `spec.selector` as the API holds it; `null` selects no pod, `{}` every pod of the
    /// namespace (policy/v1).
    #[serde(skip)]
    pub selector: Value,
    pub disruptions_allowed: i64,
    pub current_healthy: i64,
    pub desired_healthy: i64,
    pub expected_pods: i64,
    /// The disruption controller has not seen the latest spec yet.
    #[serde(skip)]
    pub stale: bool,
}

impl Budget {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Why a restart of pods it guards must wait now, or `None` when it allows one.
    pub fn blocks(&self) -> Option<String> {
        let id = self.id();
        if self.stale {
            Some(format!(
                "PodDisruptionBudget {id}'s status is not up to date yet (its controller has not seen its latest spec)"
            ))
        } else if self.disruptions_allowed <= 0 {
            Some(format!(
                "PodDisruptionBudget {id} allows no disruption now ({} of {} pods healthy, {} required)",
                self.current_healthy, self.expected_pods, self.desired_healthy
            ))
        } else if self.current_healthy < self.expected_pods {
            Some(format!(
                "PodDisruptionBudget {id}'s pods are not all ready ({} of {} healthy)",
                self.current_healthy, self.expected_pods
            ))
        } else {
            None
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    selector: Value,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    observed_generation: i64,
    disruptions_allowed: i64,
    current_healthy: i64,
    desired_healthy: i64,
    expected_pods: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item {
    metadata: Meta,
    spec: Spec,
    status: Status,
}

impl From<Item> for Budget {
    fn from(i: Item) -> Budget {
        Budget {
            stale: i.status.observed_generation < i.metadata.generation,
            namespace: i.metadata.namespace,
            name: i.metadata.name,
            selector: i.spec.selector,
            disruptions_allowed: i.status.disruptions_allowed,
            current_healthy: i.status.current_healthy,
            desired_healthy: i.status.desired_healthy,
            expected_pods: i.status.expected_pods,
        }
    }
}

/// Every PodDisruptionBudget of the cluster (`namespace` `None`) or of one namespace, paged.
pub async fn list(cluster: &Cluster, namespace: Option<&str>) -> Result<Vec<Budget>, ClusterError> {
    let mut out = Vec::new();
    cluster
        .list_each(&PDB, namespace, |i: Item| out.push(Budget::from(i)))
        .await?;
    Ok(out)
}

/// One budget's current status; `None` when it was deleted.
pub async fn get(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<Budget>, ClusterError> {
    let item: Option<Item> = cluster.get_as(&PDB, Some(namespace), name).await?;
    Ok(item.map(Budget::from))
}
