//! sidecar-injection: "Issues with Istio sidecar injection" of Kyma's Service Mesh
//! troubleshooting guide. Namespaces and Deployments that turned injection off, and pods that
//! should carry a sidecar but do not.

use crate::cluster::workloads::{self, WorkloadKind};
use crate::kyma::{EXCLUDED_NAMESPACES, OPT_IN_NAMESPACE};
use crate::names::{INJECT, INJECTION_LABEL};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};

use super::{Ctx, ISTIO_NS, capped, namespace_injected, plural};

pub fn category() -> Category<Ctx> {
    Category {
        id: "sidecar-injection",
        title: "sidecar injection",
        checks: vec![
            Check::new(
                "injection-namespaces",
                "namespaces are injected as configured",
                namespaces,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "injection-deployments",
                "no Deployments opted out of injection",
                deployments,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "missing-sidecars",
                "pods that should have a sidecar have one",
                missing_sidecars,
            )
            .needs(&[ISTIO_NS]),
        ],
    }
}

fn namespaces<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let by_default = c.injection_by_default().await;
        let (namespaces, pods) = match (c.namespaces().await, c.pods().await) {
            (Ok(n), Ok(p)) => (n, p),
            (Err(e), _) | (_, Err(e)) => return Finding::error(e),
        };
        let mut kyma_drift = Vec::new();
        for ns in namespaces
            .iter()
            .filter(|n| EXCLUDED_NAMESPACES.contains(&n.name.as_str()))
        {
            if ns.labels.get(INJECTION_LABEL).map(String::as_str) != Some("disabled") {
                kyma_drift.push(format!(
                    "{} lacks istio-injection=disabled, which Kyma sets to keep it out of the mesh",
                    ns.name
                ));
            }
        }
        if !by_default
            && let Some(ns) = namespaces.iter().find(|n| n.name == OPT_IN_NAMESPACE)
            && ns.labels.get(INJECTION_LABEL).map(String::as_str) != Some("enabled")
        {
            kyma_drift.push(format!(
                "{OPT_IN_NAMESPACE} lacks istio-injection=enabled, which the opt-in mode sets"
            ));
        }
        if !kyma_drift.is_empty() {
            return Finding::warning("Kyma's namespace labels were changed")
                .detail(kyma_drift)
                .hint("kyma-mesh upgrade (re-applies Kyma's configuration)");
        }
        let disabled: Vec<(&str, usize)> = namespaces
            .iter()
            .filter(|n| !EXCLUDED_NAMESPACES.contains(&n.name.as_str()))
            .filter(|n| n.labels.get(INJECTION_LABEL).map(String::as_str) == Some("disabled"))
            .map(|n| {
                let count = pods.without_sidecar.get(&n.name).copied().unwrap_or(0);
                (n.name.as_str(), count)
            })
            .collect();
        let injected = namespaces
            .iter()
            .filter(|n| namespace_injected(n, by_default).0)
            .count();
        let mode = if by_default { "by default" } else { "opt-in" };
        let Some((first, _)) = disabled.first() else {
            return Finding::ok(format!(
                "{} injected ({mode})",
                plural(injected, "namespace", "namespaces")
            ));
        };
        Finding::warning(format!(
            "{} injection disabled by label",
            plural(disabled.len(), "namespace has", "namespaces have")
        ))
        .detail(capped(
            disabled.iter().map(|(n, c)| {
                format!(
                    "{n}: istio-injection=disabled, {} without a sidecar",
                    plural(*c, "pod", "pods")
                )
            }),
            10,
        ))
        .hint(format!(
            "if that is not on purpose: kyma-mesh injection enable --namespace {first}\n\
             (every pod of the namespace gets a sidecar at its next restart)"
        ))
    })
}

fn deployments<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let all = match workloads::templates_setting_injection(
            &c.cluster,
            WorkloadKind::Deployment,
            None,
        )
        .await
        {
            Ok(d) => d,
            Err(e) => return Finding::error(e.to_string()),
        };
        let off: Vec<String> = all
            .iter()
            .filter(|d| {
                !EXCLUDED_NAMESPACES.contains(&d.namespace.as_str())
                    && d.template
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(INJECT))
                        .is_some_and(|v| v == "false")
            })
            .map(|d| format!("{}/{}", d.namespace, d.name))
            .collect();
        let Some(first) = off.first() else {
            return Finding::ok("");
        };
        Finding::warning(format!(
            "{} sidecar.istio.io/inject: \"false\" in the pod template",
            plural(off.len(), "Deployment sets", "Deployments set")
        ))
        .detail(capped(off.iter().map(|d| format!("Deployment {d}")), 10))
        .hint(format!(
            "if that is not on purpose: kyma-mesh injection enable --deployment {first}"
        ))
    })
}

fn missing_sidecars<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let missing = match c.pods().await {
            Ok(p) => p.missing.clone(),
            Err(e) => return Finding::error(e),
        };
        if missing.is_empty() {
            return Finding::ok("");
        }
        Finding::error(format!(
            "{} no sidecar though {} namespace is injected: they were created before injection was on, or while istiod was down",
            plural(missing.count, "pod has", "pods have"),
            if missing.count == 1 { "its" } else { "their" }
        ))
        .detail(missing.lines())
        .hint("kyma-mesh proxy-reset --missing-sidecars")
    })
}
