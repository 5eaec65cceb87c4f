//! Kyma's post-install patches (DESIGN.md "Post-install patches"), as data.
//!
//! Each patch is a declarative object (or, for the injector webhooks, an edit computed from the
//! live object). Applying is idempotent: the live object is read first and a patch whose fields
//! already hold is not sent at all, so a second install writes nothing.

use serde_json::{Value, json};

use super::kinds::{DESTINATION_RULE, MUTATING_WEBHOOK, NAMESPACE, PEER_AUTHENTICATION};
use super::{Cluster, ClusterError, Gvk, ISTIO_NAMESPACE, webhooks};
use crate::config::{InjectionMode, Profile};

/// Namespaces kept out of the mesh (seed 000: "excluding the istio-system and kube-system").
pub const EXCLUDED_NAMESPACES: [&str; 2] = ["istio-system", "kube-system"];
/// The namespace seed 004's opt-in mode still injects.
pub const OPT_IN_NAMESPACE: &str = "kyma-system";

#[derive(Debug, Clone, PartialEq)]
pub enum PatchKind {
    /// Server-side apply of this object, unless its fields already hold.
    Apply {
        gvk: Gvk,
        namespace: Option<String>,
        name: String,
        object: Value,
        /// Skip (rather than create) when the object does not exist: namespace labels.
        only_if_exists: bool,
    },
    /// The injector webhooks' timeout and Gardener namespaceSelector expression, found by name.
    WebhookTuning { config: String, optional: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// What the patch does, in the seed's words.
    pub title: String,
    pub kind: PatchKind,
}

impl Patch {
    /// `PeerAuthentication istio-system/default`.
    pub fn target(&self) -> String {
        match &self.kind {
            PatchKind::Apply {
                gvk,
                namespace,
                name,
                ..
            } => gvk.describe(namespace.as_deref(), name),
            PatchKind::WebhookTuning { config, .. } => MUTATING_WEBHOOK.describe(None, config),
        }
    }

    /// The patch as YAML-ready data, for `--dry-run`.
    pub fn plan(&self) -> Value {
        match &self.kind {
            PatchKind::Apply { object, .. } => object.clone(),
            PatchKind::WebhookTuning { config, optional } => json!({
                "apiVersion": MUTATING_WEBHOOK.api_version(),
                "kind": MUTATING_WEBHOOK.kind,
                "metadata": {"name": config},
                "webhooks": [{
                    "name": format!("*{}", webhooks::INJECTOR_SUFFIX),
                    "timeoutSeconds": webhooks::TIMEOUT_SECONDS,
                    "namespaceSelector": {"matchExpressions": [webhooks::gardener_expression(), "...the existing expressions, kept"]},
                }],
                "x-kyma-mesh": if *optional { "applied where the configuration exists" } else { "required" },
            }),
        }
    }
}

fn apply(gvk: Gvk, namespace: Option<&str>, name: &str, object: Value, title: &str) -> Patch {
    Patch {
        title: title.into(),
        kind: PatchKind::Apply {
            gvk,
            namespace: namespace.map(str::to_string),
            name: name.into(),
            object,
            only_if_exists: false,
        },
    }
}

fn namespace_label(ns: &str, value: &str, title: &str) -> Patch {
    Patch {
        title: title.into(),
        kind: PatchKind::Apply {
            gvk: NAMESPACE,
            namespace: None,
            name: ns.into(),
            object: json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"istio-injection": value}},
            }),
            only_if_exists: true,
        },
    }
}

fn disable_mtls(name: &str, host: &str, title: &str) -> Patch {
    apply(
        DESTINATION_RULE,
        Some(ISTIO_NAMESPACE),
        name,
        json!({
            "apiVersion": DESTINATION_RULE.api_version(),
            "kind": DESTINATION_RULE.kind,
            "metadata": {"name": name, "namespace": ISTIO_NAMESPACE},
            "spec": {"host": host, "trafficPolicy": {"tls": {"mode": "DISABLE"}}},
        }),
        title,
    )
}

/// Every patch for this profile and injection mode, in the order they are applied.
pub fn post_install(profile: Profile, injection: InjectionMode) -> Vec<Patch> {
    let mut out = vec![
        apply(
            PEER_AUTHENTICATION,
            Some(ISTIO_NAMESPACE),
            "default",
            json!({
                "apiVersion": PEER_AUTHENTICATION.api_version(),
                "kind": PEER_AUTHENTICATION.kind,
                "metadata": {"name": "default", "namespace": ISTIO_NAMESPACE},
                "spec": {"mtls": {"mode": "STRICT"}},
            }),
            "mTLS in STRICT mode, mesh-wide",
        ),
        disable_mtls(
            "api-server",
            "kubernetes.default.svc.cluster.local",
            "no mTLS towards the Kubernetes API server",
        ),
    ];
    if profile == Profile::Local {
        out.push(disable_mtls(
            "istio-ingressgateway",
            "istio-ingressgateway.istio-system.svc.cluster.local",
            "no mTLS towards the ingress gateway (local)",
        ));
    }
    out.push(Patch {
        title: "injector webhooks: 10s timeout, Gardener's kube-system excluded".into(),
        kind: PatchKind::WebhookTuning {
            config: "istio-sidecar-injector".into(),
            optional: false,
        },
    });
    out.push(Patch {
        title: "revision-tag webhooks: 10s timeout, Gardener's kube-system excluded".into(),
        kind: PatchKind::WebhookTuning {
            config: "istio-revision-tag-default".into(),
            optional: true,
        },
    });
    for ns in EXCLUDED_NAMESPACES {
        out.push(namespace_label(
            ns,
            "disabled",
            "no sidecars in this namespace",
        ));
    }
    if injection == InjectionMode::OptIn {
        out.push(namespace_label(
            OPT_IN_NAMESPACE,
            "enabled",
            "sidecars for Kyma's own components (opt-in mode)",
        ));
    }
    out
}

/// What applying a patch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Unchanged,
    Skipped(String),
}

/// Applies one patch, unless its fields already hold.
pub async fn apply_patch(cluster: &Cluster, patch: &Patch) -> Result<Outcome, ClusterError> {
    match &patch.kind {
        PatchKind::Apply {
            gvk,
            namespace,
            name,
            object,
            only_if_exists,
        } => {
            let ns = namespace.as_deref();
            let live = cluster.get_opt(gvk, ns, name).await?;
            match live {
                None if *only_if_exists => {
                    return Ok(Outcome::Skipped(format!(
                        "{} does not exist",
                        gvk.describe(ns, name)
                    )));
                }
                Some(live)
                    if holds(&serde_json::to_value(&live).unwrap_or(Value::Null), object) =>
                {
                    return Ok(Outcome::Unchanged);
                }
                _ => {}
            }
            cluster.apply(gvk, ns, name, object).await?;
            Ok(Outcome::Applied)
        }
        PatchKind::WebhookTuning { config, optional } => {
            let Some(live) = cluster.get_opt(&MUTATING_WEBHOOK, None, config).await? else {
                return if *optional {
                    Ok(Outcome::Skipped(format!("{config} does not exist")))
                } else {
                    Err(ClusterError::Other(format!(
                        "MutatingWebhookConfiguration {config} does not exist after istioctl install: the sidecar injector was not installed"
                    )))
                };
            };
            let live = serde_json::to_value(&live).unwrap_or(Value::Null);
            match webhooks::tuning(&live) {
                webhooks::Tuning::NoInjectorWebhooks => Ok(Outcome::Skipped(format!(
                    "{config} has no webhook named *{}",
                    webhooks::INJECTOR_SUFFIX
                ))),
                webhooks::Tuning::Done => Ok(Outcome::Unchanged),
                webhooks::Tuning::Apply(object) => {
                    cluster
                        .apply(&MUTATING_WEBHOOK, None, config, &object)
                        .await?;
                    Ok(Outcome::Applied)
                }
            }
        }
    }
}

/// Whether every field of `desired` (but apiVersion/kind) already has that value in `live`.
/// Maps compare key by key; lists and scalars must be equal.
pub fn holds(live: &Value, desired: &Value) -> bool {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => d.iter().all(|(k, dv)| {
            matches!(k.as_str(), "apiVersion" | "kind") || l.get(k).is_some_and(|lv| holds(lv, dv))
        }),
        (l, d) => l == d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_adds_the_gateway_rule_and_opt_in_labels_kyma_system() {
        let cluster = post_install(Profile::Cluster, InjectionMode::Default);
        let local = post_install(Profile::Local, InjectionMode::Default);
        let opt_in = post_install(Profile::Production, InjectionMode::OptIn);
        let targets = |p: &[Patch]| p.iter().map(Patch::target).collect::<Vec<_>>();
        assert_eq!(
            targets(&cluster),
            [
                "PeerAuthentication istio-system/default",
                "DestinationRule istio-system/api-server",
                "MutatingWebhookConfiguration istio-sidecar-injector",
                "MutatingWebhookConfiguration istio-revision-tag-default",
                "Namespace istio-system",
                "Namespace kube-system",
            ]
        );
        assert!(
            targets(&local)
                .contains(&"DestinationRule istio-system/istio-ingressgateway".to_string())
        );
        assert_eq!(targets(&opt_in).last().unwrap(), "Namespace kyma-system");
        let PatchKind::Apply { object, .. } = &opt_in.last().unwrap().kind else {
            panic!("namespace label is an apply")
        };
        assert_eq!(object["metadata"]["labels"]["istio-injection"], "enabled");
    }

    #[test]
    fn peer_authentication_is_strict_and_rules_disable_tls() {
        let p = post_install(Profile::Local, InjectionMode::Default);
        assert_eq!(p[0].plan()["spec"]["mtls"]["mode"], "STRICT");
        assert_eq!(
            p[1].plan()["spec"]["host"],
            "kubernetes.default.svc.cluster.local"
        );
        assert_eq!(
            p[1].plan()["spec"]["trafficPolicy"]["tls"]["mode"],
            "DISABLE"
        );
        assert_eq!(
            p[2].plan()["spec"]["host"],
            "istio-ingressgateway.istio-system.svc.cluster.local"
        );
    }

    #[test]
    fn holds_compares_only_desired_fields() {
        let live = json!({"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}, "uid": "u"}, "spec": {"l": [1, 2]}});
        assert!(holds(
            &live,
            &json!({"apiVersion": "v9", "metadata": {"labels": {"a": "1"}}})
        ));
        assert!(!holds(&live, &json!({"metadata": {"labels": {"a": "2"}}})));
        assert!(!holds(&live, &json!({"metadata": {"labels": {"c": "1"}}})));
        assert!(!holds(&live, &json!({"spec": {"l": [1]}})));
    }
}
