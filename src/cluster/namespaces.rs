//! Namespaces and their labels (the `istio-injection` switch).

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use serde_json::json;

use super::kinds::NAMESPACE;
use super::{Cluster, ClusterError, Listing};

/// Every namespace, sorted by name.
pub async fn list(cluster: &Cluster) -> Result<Vec<Namespace>, ClusterError> {
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    let mut items = api
        .list(&ListParams::default())
        .await
        .map_err(|error| ClusterError::List {
            listing: Listing::of(&NAMESPACE, None),
            error: Box::new(error),
        })?
        .items;
    items.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(items)
}

pub async fn get(cluster: &Cluster, name: &str) -> Result<Option<Namespace>, ClusterError> {
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    api.get_opt(name).await.map_err(|error| ClusterError::Get {
        object: NAMESPACE.object(None, name),
        error: Box::new(error),
    })
}

/// A label's value, if set.
pub fn label<'a>(ns: &'a Namespace, key: &str) -> Option<&'a str> {
    ns.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

/// Sets (`Some`) or removes (`None`) one label, as `kubectl label` does.
pub async fn set_label(
    cluster: &Cluster,
    name: &str,
    key: &str,
    value: Option<&str>,
) -> Result<(), ClusterError> {
    cluster
        .merge_patch(
            &NAMESPACE,
            None,
            name,
            &json!({"metadata": {"labels": {key: value}}}),
        )
        .await
}
