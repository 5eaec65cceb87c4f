//! Kyma's decisions, as data: the post-install patches Kyma's Service Mesh documentation lists
//! ("Kyma-specific configuration") and the namespaces they concern. Nothing here talks to a cluster; the
//! generic machinery that applies a patch is `cluster::patches`.

use serde_json::{Value, json};

use crate::cluster::kinds::{DESTINATION_RULE, NAMESPACE, PEER_AUTHENTICATION};
use crate::cluster::patches::{Patch, PatchKind};
use crate::cluster::webhooks::Tuning;
use crate::cluster::{Gvk, revisions};
use crate::config::{InjectionMode, Profile};
use crate::names::{INJECTION_LABEL, ISTIO_NAMESPACE, KUBE_SYSTEM, KYMA_SYSTEM, MANAGED_BY_LABEL};

/// Namespaces kept out of the mesh (Kyma's Service Mesh documentation, "Kyma-specific
/// configuration": "excluding the istio-system and kube-system").
pub const EXCLUDED_NAMESPACES: [&str; 2] = [ISTIO_NAMESPACE, KUBE_SYSTEM];
/// The namespace the opt-in mode still injects (Kyma's "Istio sidecars in Kyma and why you want
/// them").
pub const OPT_IN_NAMESPACE: &str = KYMA_SYSTEM;
/// Istio's injector webhooks all end so (`rev.namespace.`, `object.`, ...).
pub const INJECTOR_SUFFIX: &str = "sidecar-injector.istio.io";
/// Kyma's injector webhook timeout (Istio's default is 30s, longer than most clients wait).
pub const WEBHOOK_TIMEOUT_SECONDS: i64 = 10;
/// The injector configurations Kyma tunes for the control plane of `revision`: (name,
/// required). A revision's own injector is required; the `default` revision's (still there
/// during a canary upgrade) and the `default` tag's are tuned where they exist.
pub fn injector_configs(revision: &str) -> Vec<(String, bool)> {
    let mut out = vec![(revisions::injector_name(revision), true)];
    if revision != revisions::DEFAULT {
        out.push((revisions::injector_name(revisions::DEFAULT), false));
    }
    out.push((revisions::DEFAULT_TAG_WEBHOOK.to_string(), false));
    out
}

/// The ingress gateway Kyma's Service Mesh troubleshooting guide is about, and its proxy
/// container.
pub const GATEWAY: &str = "istio-ingressgateway";
pub const GATEWAY_CONTAINER: &str = "istio-proxy";
/// The Secrets Kyma's gateway serves its certificates from (Kyma's troubleshooting guide,
/// "Can't access Console UI or other endpoints").
pub const GATEWAY_SECRETS: [&str; 2] = ["kyma-gateway-certs", "app-connector-certs"];

/// Kyma's Service Mesh documentation, "Kyma-specific configuration": "patched to exclude
/// Gardener resources in the kube-system namespace".
pub fn gardener_expression() -> Value {
    json!({"key": "gardener.cloud/purpose", "operator": "NotIn", "values": [KUBE_SYSTEM]})
}

/// Kyma's tuning of one injector webhook configuration.
pub fn webhook_tuning(config: &str, optional: bool) -> Tuning {
    Tuning {
        config: config.into(),
        optional,
        suffix: INJECTOR_SUFFIX.into(),
        timeout_seconds: WEBHOOK_TIMEOUT_SECONDS,
        expression: gardener_expression(),
    }
}

/// Kyma's tuning of one injector configuration as a patch; `required`: it must exist.
pub fn webhook_patch(config: &str, required: bool) -> Patch {
    let what = if config == revisions::DEFAULT_TAG_WEBHOOK {
        "revision-tag"
    } else if required {
        "injector"
    } else {
        "default revision's injector"
    };
    Patch {
        title: format!("{what} webhooks: 10s timeout, Gardener's kube-system excluded"),
        kind: PatchKind::WebhookTuning(webhook_tuning(config, !required)),
    }
}

/// kyma-mesh's label on the objects it creates: it keeps a field of kyma-mesh's in each, so
/// the object stays recognisably kyma-mesh's (for `uninstall`) after someone else changed
/// every other field kyma-mesh set.
pub const MANAGED_BY: &str = "kyma-mesh";

fn apply(gvk: Gvk, namespace: Option<&str>, name: &str, mut object: Value, title: &str) -> Patch {
    object["metadata"]["labels"][MANAGED_BY_LABEL] = MANAGED_BY.into();
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
                "metadata": {"name": ns, "labels": {INJECTION_LABEL: value}},
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

/// Every patch for this profile, injection mode and control-plane revision, in the order
/// they are applied.
pub fn post_install(profile: Profile, injection: InjectionMode, revision: &str) -> Vec<Patch> {
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
    out.extend(
        injector_configs(revision)
            .iter()
            .map(|(config, required)| webhook_patch(config, *required)),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_adds_the_gateway_rule_and_opt_in_labels_kyma_system() {
        let cluster = post_install(Profile::Cluster, InjectionMode::Default, revisions::DEFAULT);
        let local = post_install(Profile::Local, InjectionMode::Default, revisions::DEFAULT);
        let opt_in = post_install(
            Profile::Production,
            InjectionMode::OptIn,
            revisions::DEFAULT,
        );
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
        // a canary revision: its own injector is required, the default revision's is tuned
        // while it is there
        let canary = post_install(Profile::Cluster, InjectionMode::Default, "1-28-0");
        let hooks: Vec<_> = canary
            .iter()
            .filter_map(|p| match &p.kind {
                PatchKind::WebhookTuning(t) => Some((t.config.as_str(), t.optional)),
                _ => None,
            })
            .collect();
        assert_eq!(
            hooks,
            [
                ("istio-sidecar-injector-1-28-0", false),
                ("istio-sidecar-injector", true),
                ("istio-revision-tag-default", true)
            ]
        );
        let PatchKind::Apply { object, .. } = &opt_in.last().unwrap().kind else {
            panic!("namespace label is an apply")
        };
        assert_eq!(object["metadata"]["labels"]["istio-injection"], "enabled");
    }

    #[test]
    fn peer_authentication_is_strict_and_rules_disable_tls() {
        let p = post_install(Profile::Local, InjectionMode::Default, revisions::DEFAULT);
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
}
