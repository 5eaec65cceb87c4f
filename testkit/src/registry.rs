//! The resource types kube-sim serves, and the discovery documents built from them.

use serde_json::{Value, json};

/// One served resource type. Adding a line to [`RESOURCES`] serves a new (generic) type.
#[derive(Debug)]
pub struct ResourceType {
    pub group: &'static str,
    /// Served versions, preferred (and storage) version first.
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Has a `/status` subresource (updates of the main resource keep the stored status).
    pub status: bool,
    /// A custom resource: strategic merge patch is refused (415) as the real API server does.
    pub custom: bool,
    /// Only `create` is served (review-style types such as SelfSubjectAccessReview).
    pub create_only: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        api_version(self.group, self.versions[0])
    }

    /// `pods` or `deployments.apps`, as used in Status messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn serves(&self, version: &str) -> bool {
        self.versions.contains(&version)
    }
}

pub fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

macro_rules! rt {
    ($g:expr, $v:expr, $p:expr, $s:expr, $k:expr, $ns:expr, $short:expr, $status:expr) => {
        ResourceType {
            group: $g,
            versions: $v,
            plural: $p,
            singular: $s,
            kind: $k,
            namespaced: $ns,
            short_names: $short,
            status: $status,
            custom: false,
            create_only: false,
        }
    };
}

const ISTIO_NET: &[&str] = &["v1", "v1beta1", "v1alpha3"];
const ISTIO_SEC: &[&str] = &["v1", "v1beta1"];

macro_rules! istio {
    ($g:expr, $v:expr, $p:expr, $s:expr, $k:expr, $short:expr) => {
        ResourceType {
            group: $g,
            versions: $v,
            plural: $p,
            singular: $s,
            kind: $k,
            namespaced: true,
            short_names: $short,
            status: true,
            custom: true,
            create_only: false,
        }
    };
}

pub static RESOURCES: &[ResourceType] = &[
    rt!(
        "",
        &["v1"],
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
        true
    ),
    rt!("", &["v1"], "nodes", "node", "Node", false, &["no"], true),
    rt!("", &["v1"], "pods", "pod", "Pod", true, &["po"], true),
    rt!(
        "",
        &["v1"],
        "services",
        "service",
        "Service",
        true,
        &["svc"],
        true
    ),
    rt!(
        "",
        &["v1"],
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
        false
    ),
    rt!("", &["v1"], "secrets", "secret", "Secret", true, &[], false),
    rt!(
        "",
        &["v1"],
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        false
    ),
    rt!(
        "",
        &["v1"],
        "events",
        "event",
        "Event",
        true,
        &["ev"],
        false
    ),
    rt!(
        "",
        &["v1"],
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        true,
        &["rc"],
        true
    ),
    rt!(
        "apps",
        &["v1"],
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        true
    ),
    rt!(
        "apps",
        &["v1"],
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        true
    ),
    rt!(
        "apps",
        &["v1"],
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        &["sts"],
        true
    ),
    rt!(
        "apps",
        &["v1"],
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
        true
    ),
    rt!("batch", &["v1"], "jobs", "job", "Job", true, &[], true),
    rt!(
        "batch",
        &["v1"],
        "cronjobs",
        "cronjob",
        "CronJob",
        true,
        &["cj"],
        true
    ),
    rt!(
        "autoscaling",
        &["v2"],
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        true
    ),
    rt!(
        "policy",
        &["v1"],
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        true
    ),
    rt!(
        "admissionregistration.k8s.io",
        &["v1"],
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        false,
        &[],
        false
    ),
    rt!(
        "admissionregistration.k8s.io",
        &["v1"],
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        false,
        &[],
        false
    ),
    rt!(
        "apiextensions.k8s.io",
        &["v1"],
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        true
    ),
    ResourceType {
        group: "authorization.k8s.io",
        versions: &["v1"],
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        kind: "SelfSubjectAccessReview",
        namespaced: false,
        short_names: &[],
        status: false,
        custom: false,
        create_only: true,
    },
    istio!(
        "networking.istio.io",
        ISTIO_NET,
        "destinationrules",
        "destinationrule",
        "DestinationRule",
        &["dr"]
    ),
    istio!(
        "networking.istio.io",
        ISTIO_NET,
        "virtualservices",
        "virtualservice",
        "VirtualService",
        &["vs"]
    ),
    istio!(
        "networking.istio.io",
        ISTIO_NET,
        "gateways",
        "gateway",
        "Gateway",
        &["gw"]
    ),
    istio!(
        "networking.istio.io",
        ISTIO_NET,
        "serviceentries",
        "serviceentry",
        "ServiceEntry",
        &["se"]
    ),
    istio!(
        "networking.istio.io",
        ISTIO_NET,
        "sidecars",
        "sidecar",
        "Sidecar",
        &[]
    ),
    istio!(
        "networking.istio.io",
        &["v1alpha3"],
        "envoyfilters",
        "envoyfilter",
        "EnvoyFilter",
        &[]
    ),
    istio!(
        "security.istio.io",
        ISTIO_SEC,
        "peerauthentications",
        "peerauthentication",
        "PeerAuthentication",
        &["pa"]
    ),
    istio!(
        "security.istio.io",
        ISTIO_SEC,
        "authorizationpolicies",
        "authorizationpolicy",
        "AuthorizationPolicy",
        &["ap"]
    ),
    istio!(
        "security.istio.io",
        ISTIO_SEC,
        "requestauthentications",
        "requestauthentication",
        "RequestAuthentication",
        &["ra"]
    ),
    // The Kyma Istio module's resource (github kyma-project/istio), read by --from-istio-cr.
    istio!(
        "operator.kyma-project.io",
        &["v1alpha2"],
        "istios",
        "istio",
        "Istio",
        &[]
    ),
    // Argo Rollouts' and OpenKruise's workloads (custom resources with a status subresource),
    // with controllers of their own in `controllers.rs`. Kruise's `StatefulSet` comes after
    // Kubernetes' own, which `statefulsets` keeps naming (as kubectl's preferred group).
    istio!(
        "argoproj.io",
        &["v1alpha1"],
        "rollouts",
        "rollout",
        "Rollout",
        &["ro"]
    ),
    istio!(
        "apps.kruise.io",
        &["v1alpha1"],
        "clonesets",
        "cloneset",
        "CloneSet",
        &["clone"]
    ),
    istio!(
        "apps.kruise.io",
        &["v1beta1", "v1alpha1"],
        "statefulsets",
        "statefulset",
        "StatefulSet",
        &["asts"]
    ),
];

/// Index of a resource type by group and plural.
pub fn find(group: &str, plural: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.plural == plural)
}

/// Index of a resource type by `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<usize> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.kind == kind && r.serves(version))
}

/// Resolves a name as kubectl does: plural, singular, kind or short name, optionally
/// qualified with `.group` (`deploy`, `deployments.apps`, `Pod`, `dr`, `gateways.networking.istio.io`).
pub fn resolve(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    let matches = |r: &ResourceType, n: &str| {
        r.plural == n
            || r.singular == n
            || r.kind.eq_ignore_ascii_case(n)
            || r.short_names.contains(&n)
    };
    if let Some(i) = RESOURCES.iter().position(|r| matches(r, &lower)) {
        return Some(i);
    }
    let (n, group) = lower.split_once('.')?;
    RESOURCES
        .iter()
        .position(|r| r.group == group && matches(r, n))
}

fn groups() -> Vec<&'static str> {
    let mut gs: Vec<&str> = Vec::new();
    for r in RESOURCES {
        if !r.group.is_empty() && !gs.contains(&r.group) {
            gs.push(r.group);
        }
    }
    gs
}

fn group_versions(group: &str) -> Vec<&'static str> {
    let mut vs: Vec<&str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group) {
        for v in r.versions {
            if !vs.contains(v) {
                vs.push(v);
            }
        }
    }
    vs
}

pub fn api_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}]
    })
}

fn group_doc(group: &str) -> Value {
    let versions: Vec<Value> = group_versions(group)
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = versions[0].clone();
    json!({"name": group, "versions": versions, "preferredVersion": preferred})
}

pub fn api_group_list() -> Value {
    let groups: Vec<Value> = groups().into_iter().map(group_doc).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(group: &str) -> Option<Value> {
    if !groups().contains(&group) {
        return None;
    }
    let mut doc = group_doc(group);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.serves(version))
    {
        let verbs: &[&str] = if r.create_only { &["create"] } else { VERBS };
        let mut doc = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": verbs,
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if r.custom
            || [
                "pods",
                "services",
                "deployments",
                "statefulsets",
                "daemonsets",
                "replicasets",
                "jobs",
                "cronjobs",
                "replicationcontrollers",
                "configmaps",
                "secrets",
            ]
            .contains(&r.plural)
        {
            doc["categories"] = json!(if r.custom {
                vec!["istio-io"]
            } else {
                vec!["all"]
            });
        }
        resources.push(doc);
        if r.status {
            resources.push(json!({
                "name": format!("{}/status", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": api_version(group, version),
        "resources": resources,
    }))
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: the index of group-version documents. Only enough for kubectl to see that
/// the server does field validation (so it skips client-side schema validation).
pub fn openapi_v3_root() -> Value {
    let mut paths = serde_json::Map::new();
    let mut seen = Vec::new();
    for r in RESOURCES {
        for v in r.versions {
            let p = gv_path(r.group, v);
            if !seen.contains(&p) {
                paths.insert(
                    p.clone(),
                    json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash=kube-sim")}),
                );
                seen.push(p);
            }
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/{api/v1|apis/g/v}`: a PATCH operation per kind with the `fieldValidation`
/// query parameter and the group-version-kind extension; no schemas.
pub fn openapi_v3_doc(gv: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    for r in RESOURCES {
        for v in r.versions {
            if gv_path(r.group, v) != gv {
                continue;
            }
            let scope = if r.namespaced {
                "namespaces/{namespace}/"
            } else {
                ""
            };
            let gvk = json!({"group": r.group, "version": v, "kind": r.kind});
            let op = json!({
                "operationId": format!("patch{}", r.kind),
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                    {"name": "force", "in": "query", "schema": {"type": "boolean"}}
                ],
                "responses": {"200": {"description": "OK"}},
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
            });
            paths.insert(
                format!("/{gv}/{scope}{}/{{name}}", r.plural),
                json!({"patch": op}),
            );
        }
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kube-sim)", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": {}}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_kubectl() {
        let name = |s: &str| resolve(s).map(|i| RESOURCES[i].plural);
        assert_eq!(name("deploy"), Some("deployments"));
        assert_eq!(name("Deployment"), Some("deployments"));
        assert_eq!(name("pod"), Some("pods"));
        assert_eq!(name("gateways.networking.istio.io"), Some("gateways"));
        assert_eq!(name("dr"), Some("destinationrules"));
        assert_eq!(name("nonsense"), None);
        assert_eq!(
            by_kind("networking.istio.io/v1beta1", "Gateway").map(|i| RESOURCES[i].plural),
            Some("gateways")
        );
        assert_eq!(by_kind("apps/v1", "Pod"), None);
    }

    #[test]
    fn discovery_documents() {
        let apps = resource_list("apps", "v1").unwrap();
        let names: Vec<&str> = apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"deployments") && names.contains(&"deployments/status"));
        assert!(resource_list("apps", "v2").is_none());
        assert!(
            api_group("networking.istio.io").unwrap()["versions"]
                .as_array()
                .unwrap()
                .len()
                == 3
        );
        assert!(api_group("nope.io").is_none());
    }
}
