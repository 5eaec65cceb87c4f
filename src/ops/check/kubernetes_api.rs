//! kubernetes-api: the cluster answers, and its version is one the installed Istio supports.

use crate::ops::checks::{BoxFuture, Category, Check, Finding};
use crate::version::{IstioVersion, k8s_support, parse_k8s_minor};

use super::Ctx;

pub const API_REACHABLE: &str = "api-reachable";

pub fn category() -> Category<Ctx> {
    Category {
        id: "kubernetes-api",
        title: "Kubernetes API",
        checks: vec![
            Check::new(API_REACHABLE, "can reach the Kubernetes API", reachable),
            Check::new(
                "api-version",
                "Kubernetes version is supported by the installed Istio",
                version,
            )
            .needs(&[API_REACHABLE]),
        ],
    }
}

fn reachable<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (finding, server) = crate::ops::preflight::server_answers(&c.cluster).await;
        c.server = server;
        finding
    })
}

fn version<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let Some(server) = c.server.clone() else {
            return Finding::error("the server version is unknown");
        };
        let installed = match c.istio_version().await {
            Ok(v) => v,
            Err(e) => return Finding::error(e),
        };
        let Some(installed) = installed else {
            return Finding::ok(format!(
                "Kubernetes {}; no Istio installed to compare with",
                server.git_version
            ));
        };
        let Ok(istio) = installed.parse::<IstioVersion>() else {
            return Finding::warning(format!(
                "istiod's version {installed:?} is not a release version; support unknown"
            ));
        };
        let Some(k8s_minor) = parse_k8s_minor(&server.minor) else {
            return Finding::warning(format!(
                "the server's minor version {:?} is not a number; support unknown",
                server.minor
            ));
        };
        match k8s_support(&istio, k8s_minor) {
            None => Finding::ok(format!(
                "Istio {istio} supports Kubernetes {}",
                server.git_version
            )),
            Some(note) => Finding::warning(note)
                .hint("upgrade Istio to a release that supports this Kubernetes version: kyma-mesh upgrade"),
        }
    })
}
