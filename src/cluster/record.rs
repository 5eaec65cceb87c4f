//! The record of what kyma-mesh applied: ConfigMap `istio-system/kyma-mesh-config`.
//! `upgrade` reuses its overrides; `check` compares the cluster against it.

use serde_json::{Value, json};

use super::kinds::CONFIG_MAP;
use super::{Cluster, ClusterError, ISTIO_NAMESPACE};

pub const NAME: &str = "kyma-mesh-config";

/// What one install applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub profile: String,
    pub sidecar_injection: String,
    /// The override IstioOperators, in merge order, as YAML documents.
    pub overrides_yaml: String,
    /// The `--set` arguments, in order.
    pub sets: Vec<String>,
    /// Where the configuration came from, one line per source.
    pub sources: Vec<String>,
    pub merged_yaml: String,
    pub istio_version: String,
    pub installed_at: String,
}

impl Record {
    pub fn to_configmap(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": NAME,
                "namespace": ISTIO_NAMESPACE,
                "labels": {"app.kubernetes.io/managed-by": "kyma-mesh"},
            },
            "data": {
                "profile": self.profile,
                "sidecar-injection": self.sidecar_injection,
                "overrides.yaml": self.overrides_yaml,
                "sets.json": serde_json::to_string(&self.sets).unwrap_or_else(|_| "[]".into()),
                "sources": self.sources.join("\n"),
                "istio-operator.yaml": self.merged_yaml,
                "istio-version": self.istio_version,
                "installed-at": self.installed_at,
                "kyma-mesh-version": env!("CARGO_PKG_VERSION"),
            },
        })
    }
}

pub async fn write(cluster: &Cluster, record: &Record) -> Result<(), ClusterError> {
    cluster
        .apply(
            &CONFIG_MAP,
            Some(ISTIO_NAMESPACE),
            NAME,
            &record.to_configmap(),
        )
        .await
}

/// The current time in RFC 3339 (UTC), as the record and kubectl's restartedAt use.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
