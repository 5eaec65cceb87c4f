//! What a merged IstioOperator turns on, for the steps that wait for it.

use serde_json::Value;

// The namespace Istio installs into unless a component says otherwise.
use crate::names::ISTIO_NAMESPACE;

/// `(namespace, name)` of every enabled ingress gateway, in IstioOperator order.
pub fn enabled_ingress_gateways(operator: &Value) -> Vec<(String, String)> {
    operator["spec"]["components"]["ingressGateways"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|gw| gw["enabled"].as_bool() == Some(true))
        .filter_map(|gw| {
            let name = gw["name"].as_str()?;
            let ns = gw["namespace"].as_str().unwrap_or(ISTIO_NAMESPACE);
            Some((ns.to_string(), name.to_string()))
        })
        .collect()
}

/// Whether namespaces without an injection label get sidecars
/// (`values.sidecarInjectorWebhook.enableNamespacesByDefault`, Kyma's default mode).
pub fn injects_by_default(operator: &Value) -> bool {
    operator["spec"]["values"]["sidecarInjectorWebhook"]["enableNamespacesByDefault"]
        .as_bool()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn injection_by_default_only_when_set() {
        let on = json!({"spec": {"values": {"sidecarInjectorWebhook": {"enableNamespacesByDefault": true}}}});
        assert!(injects_by_default(&on));
        assert!(!injects_by_default(&json!({"spec": {}})));
    }

    #[test]
    fn only_enabled_gateways_with_their_namespace() {
        let op = json!({"spec": {"components": {"ingressGateways": [
            {"name": "istio-ingressgateway", "enabled": true},
            {"name": "off", "enabled": false},
            {"name": "other", "enabled": true, "namespace": "gw"},
        ]}}});
        assert_eq!(
            enabled_ingress_gateways(&op),
            [
                (
                    "istio-system".to_string(),
                    "istio-ingressgateway".to_string()
                ),
                ("gw".to_string(), "other".to_string())
            ]
        );
        assert!(enabled_ingress_gateways(&json!({})).is_empty());
    }
}
