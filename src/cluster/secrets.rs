//! Reading Secrets for inspection. The bytes never leave this type in printable form: its
//! `Debug` names the keys only, so neither a message nor `-v` output can carry secret data.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use super::{Cluster, ClusterError, ObjectRef};

pub struct SecretData {
    data: BTreeMap<String, Vec<u8>>,
}

impl SecretData {
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.data.get(key).map(Vec::as_slice)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.data.keys().map(String::as_str)
    }
}

impl fmt::Debug for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretData")
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The data of a Secret (`stringData` is write-only, so `data` is all there is); `None` when
/// it does not exist.
pub async fn read(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<SecretData>, ClusterError> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
    let secret = api.get_opt(name).await.map_err(|error| ClusterError::Get {
        object: ObjectRef {
            kind: "Secret",
            namespace: Some(namespace.to_string()),
            name: name.to_string(),
        },
        error: Box::new(error),
    })?;
    Ok(secret.map(|s| SecretData {
        data: s
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_keys_not_bytes() {
        let s = SecretData {
            data: [("tls.key".to_string(), b"PRIVATE".to_vec())].into(),
        };
        let shown = format!("{s:?}");
        assert!(
            shown.contains("tls.key") && !shown.contains("PRIVATE"),
            "{shown}"
        );
    }
}
