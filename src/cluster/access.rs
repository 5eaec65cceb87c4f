//! Preflight permissions: may the caller do what install will do? Asked of the API server with
//! SelfSubjectAccessReviews, so the answer covers RBAC, webhooks authorizers and all.

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use super::{Cluster, ClusterError};
use crate::names::ISTIO_NAMESPACE;

/// One permission: a verb on a resource (in a namespace, or cluster-wide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub namespace: Option<&'static str>,
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let res = if self.group.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        match self.namespace {
            Some(ns) => write!(f, "{} {res} in {ns}", self.verb),
            None => write!(f, "{} {res}", self.verb),
        }
    }
}

const fn need(
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    namespace: Option<&'static str>,
) -> Need {
    Need {
        verb,
        group,
        resource,
        namespace,
    }
}

const IS: Option<&str> = Some(ISTIO_NAMESPACE);

/// What `install` (istioctl's part and kyma-mesh's patches) needs.
pub fn install_needs() -> Vec<Need> {
    let mut v = Vec::new();
    for verb in ["create", "get", "patch"] {
        v.push(need(verb, "", "namespaces", None));
        v.push(need(
            verb,
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
        ));
        v.push(need(
            verb,
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            None,
        ));
        v.push(need(
            verb,
            "admissionregistration.k8s.io",
            "validatingwebhookconfigurations",
            None,
        ));
        v.push(need(
            verb,
            "rbac.authorization.k8s.io",
            "clusterroles",
            None,
        ));
        v.push(need(
            verb,
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            None,
        ));
        v.push(need(verb, "apps", "deployments", IS));
        v.push(need(verb, "", "services", IS));
        v.push(need(verb, "", "configmaps", IS));
        v.push(need(verb, "", "serviceaccounts", IS));
        v.push(need(verb, "security.istio.io", "peerauthentications", IS));
        v.push(need(verb, "networking.istio.io", "destinationrules", IS));
    }
    v.push(need(
        "list",
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        None,
    ));
    // istioctl lists them cluster-wide to prune what a profile no longer has.
    v.push(need("list", "policy", "poddisruptionbudgets", None));
    v.push(need("watch", "apps", "deployments", IS));
    v.push(need("list", "", "pods", IS));
    v
}

/// What restarting outdated workloads needs, cluster-wide (proxy-reset's phase of `upgrade`):
/// the pod scan, the owners' lists, the PodDisruptionBudgets, a rollout restart's patch and
/// the deletion of a pod whose workload does not replace it on its own.
pub fn restart_needs() -> Vec<Need> {
    // The PodDisruptionBudgets' list is install's already (istioctl prunes them).
    let mut v = vec![
        need("list", "", "pods", None),
        need("delete", "", "pods", None),
        need("list", "apps", "replicasets", None),
    ];
    for resource in ["deployments", "statefulsets", "daemonsets"] {
        v.push(need("list", "apps", resource, None));
        v.push(need("patch", "apps", resource, None));
    }
    v
}

/// The needs the API server does not grant. Reviews run concurrently: they are ~40 requests.
pub async fn missing(cluster: &Cluster, needs: &[Need]) -> Result<Vec<Need>, ClusterError> {
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    let reviews = needs.iter().map(|n| {
        let api = api.clone();
        async move {
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        verb: Some(n.verb.into()),
                        group: Some(n.group.into()),
                        resource: Some(n.resource.into()),
                        namespace: n.namespace.map(str::to_string),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            let answer = api
                .create(&PostParams::default(), &review)
                .await
                .map_err(|error| ClusterError::Review {
                    action: n.to_string(),
                    error: Box::new(error),
                })?;
            Ok::<_, ClusterError>(answer.status.map(|s| s.allowed).unwrap_or(false))
        }
    });
    let answers = join_all(reviews).await;
    let mut out = Vec::new();
    for (n, allowed) in needs.iter().zip(answers) {
        if !allowed? {
            out.push(n.clone());
        }
    }
    Ok(out)
}
