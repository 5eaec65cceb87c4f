//! The record of what kyma-mesh applied: ConfigMap `istio-system/kyma-mesh-config`.
//! `upgrade` reuses its overrides; `check` compares the cluster against it.

use serde_json::{Value, json};

use super::kinds::CONFIG_MAP;
use super::{Cluster, ClusterError};
use crate::names::{ISTIO_NAMESPACE, MANAGED_BY_LABEL};

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
    /// `spec.compatibilityVersion` of the merged IstioOperator (`1.N`), empty for none;
    /// `upgrade` and `--canary` carry it unless told otherwise.
    pub compatibility_version: String,
}

impl Record {
    pub fn to_configmap(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": NAME,
                "namespace": ISTIO_NAMESPACE,
                "labels": {MANAGED_BY_LABEL: "kyma-mesh"},
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
                "compatibility-version": self.compatibility_version,
                "kyma-mesh-version": env!("CARGO_PKG_VERSION"),
            },
        })
    }
}

impl Record {
    /// The record from its ConfigMap's data; `None` when a key is missing (a record from a
    /// future or broken kyma-mesh is treated as no record, and said so by the caller).
    pub fn from_configmap(cm: &Value) -> Option<Record> {
        let d = &cm["data"];
        let s = |k: &str| d[k].as_str().map(str::to_string);
        Some(Record {
            profile: s("profile")?,
            sidecar_injection: s("sidecar-injection")?,
            overrides_yaml: s("overrides.yaml").unwrap_or_default(),
            sets: serde_json::from_str(&s("sets.json").unwrap_or_else(|| "[]".into()))
                .unwrap_or_default(),
            sources: s("sources")
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect(),
            merged_yaml: s("istio-operator.yaml")?,
            istio_version: s("istio-version").unwrap_or_default(),
            installed_at: s("installed-at").unwrap_or_default(),
            // Absent in records of kyma-mesh before compatibility versions: none.
            compatibility_version: s("compatibility-version").unwrap_or_default(),
        })
    }
}

/// The record of the last install, if there is one.
pub async fn read(cluster: &Cluster) -> Result<Option<Record>, ClusterError> {
    let cm = cluster
        .get_opt(&CONFIG_MAP, Some(ISTIO_NAMESPACE), NAME)
        .await?;
    Ok(cm.and_then(|cm| Record::from_configmap(&serde_json::to_value(&cm).unwrap_or_default())))
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

/// The state of an unfinished canary upgrade, beside the record: what `--rollback` puts back
/// and what `--finish` removes. Absent when no canary is under way.
pub const CANARY_NAME: &str = "kyma-mesh-canary";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CanaryPhase {
    /// The new revision is being installed; the `default` tag has not moved.
    Installing,
    /// The `default` tag names the new revision; workloads are moving.
    Tagged,
    /// Every wave was restarted and verified.
    Moved,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    pub from_revision: String,
    pub from_version: String,
    pub to_revision: String,
    pub to_version: String,
    pub started_at: String,
    pub phase: CanaryPhase,
    /// The old revision injects namespaces without a label (its tag needs
    /// `--auto-inject-namespaces` when it comes back).
    pub from_auto_inject: bool,
    /// The record as it was before (its ConfigMap), restored by `--rollback`.
    pub previous_record: Option<Value>,
    /// The gateway Deployments as they were: `{namespace, name, labels, template}`. istioctl
    /// upgrades gateways in place, so `--rollback` must put them back itself.
    pub gateways: Vec<Value>,
}

pub async fn read_canary(cluster: &Cluster) -> Result<Option<Canary>, ClusterError> {
    let Some(cm) = cluster
        .get_opt(&CONFIG_MAP, Some(ISTIO_NAMESPACE), CANARY_NAME)
        .await?
    else {
        return Ok(None);
    };
    let v = serde_json::to_value(&cm).unwrap_or_default();
    let text = v["data"]["state.json"].as_str().unwrap_or_default();
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| ClusterError::Malformed {
            what: format!("ConfigMap {ISTIO_NAMESPACE}/{CANARY_NAME} key state.json"),
            problem: e.to_string(),
        })
}

pub async fn write_canary(cluster: &Cluster, state: &Canary) -> Result<(), ClusterError> {
    let text = serde_json::to_string_pretty(state).unwrap_or_default();
    cluster
        .apply(
            &CONFIG_MAP,
            Some(ISTIO_NAMESPACE),
            CANARY_NAME,
            &json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": CANARY_NAME,
                    "namespace": ISTIO_NAMESPACE,
                    "labels": {MANAGED_BY_LABEL: "kyma-mesh"},
                },
                "data": {"state.json": text},
            }),
        )
        .await
}

pub async fn delete_canary(cluster: &Cluster) -> Result<(), ClusterError> {
    cluster
        .delete_opt(&CONFIG_MAP, Some(ISTIO_NAMESPACE), CANARY_NAME)
        .await
        .map(|_| ())
}

/// A `kubectl.kubernetes.io/restartedAt` value: RFC 3339 with nanoseconds. kubectl writes whole
/// seconds, so two restarts within one second (an `injection --restart` right before a
/// `proxy-reset`) would write the same template and restart nothing; a finer value never
/// collides.
pub fn restart_stamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.9fZ")
        .to_string()
}

/// The current time in RFC 3339 (UTC), to the second, for the record.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_stamps_parse_as_rfc3339_and_never_repeat_within_a_second() {
        let a = restart_stamp();
        let b = restart_stamp();
        assert!(a.parse::<jiff::Timestamp>().is_ok(), "{a}");
        assert_ne!(a, b, "two restarts in a row write different templates");
    }

    #[test]
    fn round_trips_through_its_configmap() {
        let rec = Record {
            profile: "local".into(),
            sidecar_injection: "opt-in".into(),
            overrides_yaml: "---\nspec: {}\n".into(),
            sets: vec!["a.b=1".into()],
            sources: vec!["profile local".into(), "o.yaml (IstioOperator)".into()],
            merged_yaml: "kind: IstioOperator\n".into(),
            istio_version: "1.28.0".into(),
            installed_at: "2026-12-02T06:00:00Z".into(),
            compatibility_version: "1.27".into(),
        };
        assert_eq!(Record::from_configmap(&rec.to_configmap()), Some(rec));
        assert_eq!(Record::from_configmap(&json!({"data": {}})), None);
    }
}
