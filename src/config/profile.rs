//! The embedded profiles (`profiles/*.yaml`) and the sidecar-injection mode.

use std::fmt;
use std::sync::Arc;

use serde_json::json;

use super::ConfigError;
use super::tree::{Node, Origin, SourceKind, parse_documents};

/// Kyma's installation profiles (README "render", the per-profile table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Minikube or k3d: small requests, one replica, NodePort gateway on ports 80/443.
    Local,
    /// Any real cluster: LoadBalancer gateway, HPA 1-5.
    #[default]
    Cluster,
    /// The cluster profile with increased resources and HPA for all components.
    Production,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Local => "local",
            Profile::Cluster => "cluster",
            Profile::Production => "production",
        }
    }

    /// The profile file as shipped.
    pub fn text(self) -> &'static str {
        match self {
            Profile::Local => include_str!("../../profiles/local.yaml"),
            Profile::Cluster => include_str!("../../profiles/cluster.yaml"),
            Profile::Production => include_str!("../../profiles/production.yaml"),
        }
    }

    pub fn load(self) -> Result<Node, ConfigError> {
        let source = Arc::new(SourceKind::Profile(self.name().into()));
        let mut docs = parse_documents(self.text(), &source, 0, 0)?;
        match docs.len() {
            1 => Ok(docs.remove(0)),
            n => Err(ConfigError::NotAnOverride {
                at: source.to_string(),
                message: format!("a profile must hold one document, this one holds {n}"),
            }),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who gets a sidecar (Kyma's Service Mesh documentation: everyone by default; Kyma's "Istio
/// sidecars in Kyma and why you want them": opt-in, kyma-system only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InjectionMode {
    /// Every namespace but istio-system and kube-system gets sidecars.
    #[default]
    Default,
    /// Only namespaces labelled istio-injection=enabled (kyma-mesh labels kyma-system).
    OptIn,
}

impl InjectionMode {
    /// The layer this mode merges onto the profile, if any.
    pub fn layer(self) -> Option<Node> {
        match self {
            InjectionMode::Default => None,
            InjectionMode::OptIn => {
                let origin = Origin::new(
                    Arc::new(SourceKind::Flag("--sidecar-injection opt-in".into())),
                    0,
                    0,
                );
                let v = json!({"spec": {"values": {"sidecarInjectorWebhook": {"enableNamespacesByDefault": false}}}});
                Some(Node::from_json(&v, &origin))
            }
        }
    }
}

impl fmt::Display for InjectionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InjectionMode::Default => "default",
            InjectionMode::OptIn => "opt-in",
        })
    }
}
