//! Overrides kept in the cluster, as Kyma's installer kept them: ConfigMaps in `kyma-installer`
//! labelled `installer=overrides, component=istio`, key `kyma_istio_operator`.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};

use super::kinds::CONFIG_MAP;
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
