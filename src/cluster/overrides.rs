//! Overrides kept in the cluster, as Kyma's installer kept them: ConfigMaps in `kyma-installer`
//! labelled `installer=overrides, component=istio`, key `kyma_istio_operator`.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};

use super::kinds::{CONFIG_MAP, ISTIO_CR};
use super::{Cluster, ClusterError, Listing};
use crate::config::OverrideInput;
use crate::config::overrides::OPERATOR_KEY;
use crate::config::tree::SourceKind;
use crate::names::KYMA_INSTALLER;

pub const INSTALLER_SELECTOR: &str = "installer=overrides,component=istio";

/// `--from-configmap NS/NAME`: that ConfigMap's `kyma_istio_operator`.
pub async fn from_configmap(
    cluster: &Cluster,
    ns: &str,
    name: &str,
) -> Result<OverrideInput, ClusterError> {
    let api: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), ns);
    let cm = api
        .get_opt(name)
        .await
        .map_err(|error| ClusterError::Get {
            object: CONFIG_MAP.object(Some(ns), name),
            error: Box::new(error),
        })?
        .ok_or_else(|| ClusterError::NotFound {
            what: format!("ConfigMap {ns}/{name}"),
        })?;
    to_input(&cm, ns, name).ok_or_else(|| ClusterError::MissingKey {
        configmap: format!("{ns}/{name}"),
        key: OPERATOR_KEY.into(),
    })
}

/// The labelled ConfigMaps of `kyma-installer`, by name (a missing namespace means none).
pub async fn labelled(cluster: &Cluster) -> Result<Vec<(String, OverrideInput)>, ClusterError> {
    let api: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), KYMA_INSTALLER);
    let list = match api
        .list(&ListParams::default().labels(INSTALLER_SELECTOR))
        .await
    {
        Ok(l) => l.items,
        Err(kube::Error::Api(s)) if s.code == 404 => Vec::new(),
        Err(error) => {
            return Err(ClusterError::List {
                listing: Listing::of(&CONFIG_MAP, Some(KYMA_INSTALLER))
                    .selected(INSTALLER_SELECTOR),
                error: Box::new(error),
            });
        }
    };
    let mut out: Vec<(String, OverrideInput)> = list
        .iter()
        .filter_map(|cm| {
            let name = cm.metadata.name.clone()?;
            to_input(cm, KYMA_INSTALLER, &name).map(|i| (name, i))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn to_input(cm: &ConfigMap, ns: &str, name: &str) -> Option<OverrideInput> {
    let text = cm.data.as_ref()?.get(OPERATOR_KEY)?.clone();
    Some(OverrideInput::Text {
        source: SourceKind::ConfigMap(format!("{ns}/{name} [{OPERATOR_KEY}]")),
        text,
    })
}

/// Where the Kyma Istio module keeps its `Istio` resource.
pub const KYMA_SYSTEM: &str = "kyma-system";

/// `--from-istio-cr [NS/NAME]`: that `Istio` resource, or the one in `kyma-system`. With
/// several there, the oldest, as the module reconciles only the oldest.
pub async fn from_istio_cr(
    cluster: &Cluster,
    which: Option<&(String, String)>,
) -> Result<OverrideInput, ClusterError> {
    let obj = match which {
        Some((ns, name)) => cluster
            .get_opt(&ISTIO_CR, Some(ns), name)
            .await?
            .ok_or_else(|| ClusterError::NotFound {
                what: format!("Istio {ns}/{name}"),
            })?,
        None => {
            let mut all = match cluster.list_all(&ISTIO_CR, Some(KYMA_SYSTEM)).await {
                Ok(all) => all,
                // No CRD: the module was never installed here.
                Err(e) if e.status_code() == Some(404) => Vec::new(),
                Err(e) => return Err(e),
            };
            all.sort_by(|a, b| {
                let key = |o: &kube::api::DynamicObject| {
                    (
                        o.metadata.creation_timestamp.clone().map(|t| t.0),
                        o.metadata.name.clone(),
                    )
                };
                key(a).cmp(&key(b))
            });
            if all.is_empty() {
                return Err(ClusterError::NotFound {
                    what: format!(
                        "an Istio resource ({}) in {KYMA_SYSTEM}",
                        ISTIO_CR.api_version()
                    ),
                });
            }
            all.remove(0)
        }
    };
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let name = obj.metadata.name.clone().unwrap_or_default();
    Ok(OverrideInput::Text {
        source: SourceKind::Resource(format!("Istio {ns}/{name}")),
        text: istio_cr_text(&obj),
    })
}

/// The resource as YAML for the override parser: what the user wrote (spec, name), without
/// what the API server and the module add (status, managed fields).
fn istio_cr_text(obj: &kube::api::DynamicObject) -> String {
    let mut v = serde_json::to_value(obj).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels"));
    }
    serde_saphyr::to_string(&v).unwrap_or_default()
}
