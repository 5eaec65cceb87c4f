//! The embedded profiles (`profiles/*.yaml`) and the sidecar-injection mode.

use std::fmt;
use std::sync::Arc;

use serde_json::json;

use super::ConfigError;
use super::lexed::Stored;
use super::tree::{Node, Origin, SourceKind, build_documents};

/// `LOCAL`, `CLUSTER`, ...: each profile's events, written by build.rs from `profiles/*.yaml`.
mod embedded {
    use super::super::lexed::{Packed, PackedKind, Stored};

    include!(concat!(env!("OUT_DIR"), "/profile_events.rs"));
}

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
    /// The Kyma Istio module's default IstioOperator, Production variant (injection opt-in,
    /// tracing over OTLP, CNI, HPA 3-15).
    Module,
    /// The Kyma Istio module's default IstioOperator, Evaluation variant (small clusters).
    ModuleEvaluation,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Local => "local",
            Profile::Cluster => "cluster",
            Profile::Production => "production",
            Profile::Module => "module",
            Profile::ModuleEvaluation => "module-evaluation",
        }
    }

    /// Every profile, Kyma 1.x's first.
    pub const ALL: [Profile; 5] = [
        Profile::Local,
        Profile::Cluster,
        Profile::Production,
        Profile::Module,
        Profile::ModuleEvaluation,
    ];

    /// The Kyma Istio module's defaults rather than Kyma 1.x's.
    pub fn is_module(self) -> bool {
        matches!(self, Profile::Module | Profile::ModuleEvaluation)
    }

    /// The injection mode the profile is written for: the module's is opt-in.
    pub fn default_injection(self) -> InjectionMode {
        if self.is_module() {
            InjectionMode::OptIn
        } else {
            InjectionMode::Default
        }
    }

    /// The profile file as shipped.
    pub fn text(self) -> &'static str {
        match self {
            Profile::Local => include_str!("../../profiles/local.yaml"),
            Profile::Cluster => include_str!("../../profiles/cluster.yaml"),
            Profile::Production => include_str!("../../profiles/production.yaml"),
            Profile::Module => include_str!("../../profiles/module.yaml"),
            Profile::ModuleEvaluation => include_str!("../../profiles/module-evaluation.yaml"),
        }
    }

    /// The profile's YAML events, lexed by build.rs (`lexed.rs` says why).
    fn events(self) -> &'static Stored {
        match self {
            Profile::Local => &embedded::LOCAL,
            Profile::Cluster => &embedded::CLUSTER,
            Profile::Production => &embedded::PRODUCTION,
            Profile::Module => &embedded::MODULE,
            Profile::ModuleEvaluation => &embedded::MODULE_EVALUATION,
        }
    }

    pub fn load(self) -> Result<Node, ConfigError> {
        let source = Arc::new(SourceKind::Profile(self.name().into()));
        let mut docs = build_documents(self.events().lexed(), self.text(), &source)?;
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

/// Kyma's OTLP trace receiver, the extension provider the Kyma Istio module defines (Kyma's sidecar guide:
/// "forwards the data to a tracing backend using the OTLP protocol").
pub const KYMA_TRACES: &str = "kyma-traces";
pub const KYMA_TRACES_SERVICE: &str = "telemetry-otlp-traces.kyma-system.svc.cluster.local";

impl InjectionMode {
    /// The layer this mode merges onto `profile`, if the profile is not already written for
    /// it.
    pub fn layer(self, profile: Profile) -> Option<Node> {
        let v = match (self, profile.is_module()) {
            (InjectionMode::Default, false) | (InjectionMode::OptIn, true) => return None,
            // The later Kyma (the module, Kyma's sidecar guide): injection opt-in and tracing over OTLP
            // to kyma-traces instead of Kyma 1.x's Zipkin.
            (InjectionMode::OptIn, false) => json!({"spec": {
                "meshConfig": {
                    "extensionProviders": [
                        {"name": "kyma-zipkin", "$patch": "delete"},
                        {"name": KYMA_TRACES, "opentelemetry": {"service": KYMA_TRACES_SERVICE, "port": 4317}}
                    ],
                    "defaultProviders": {"tracing": [KYMA_TRACES]}
                },
                "values": {"sidecarInjectorWebhook": {"enableNamespacesByDefault": false}}
            }}),
            (InjectionMode::Default, true) => json!({"spec": {
                "values": {"sidecarInjectorWebhook": {"enableNamespacesByDefault": true}}
            }}),
        };
        let origin = Origin::new(
            Arc::new(SourceKind::Flag(format!("--sidecar-injection {self}"))),
            0,
            0,
        );
        Some(Node::from_json(&v, &origin))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::lexed::Ev;
    use crate::config::tree::parse_documents;

    /// The events build.rs stored build the very tree the profile's text parses into
    /// (values, types, positions), and leave nothing to serde-saphyr.
    #[test]
    fn stored_events_build_the_tree_the_text_parses_into() {
        for p in Profile::ALL {
            let source = Arc::new(SourceKind::Profile(p.name().into()));
            let parsed = parse_documents(p.text(), &source, 0, 0).expect("profiles parse");
            assert_eq!(parsed.len(), 1, "{p}");
            assert_eq!(p.load().expect("profiles load"), parsed[0], "{p}");
            assert!(p.events().events.len() > 100, "{p}");
            assert!(!p.events().lexed().any(|l| l.ev == Ev::Other), "{p}");
        }
    }
}
