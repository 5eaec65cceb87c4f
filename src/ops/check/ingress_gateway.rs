//! ingress-gateway: "Can't access Console UI or other endpoints" (503) of Kyma's Service Mesh
//! troubleshooting guide as checks: the gateway's pods, its Service, the distroless image, the
//! VirtualServices and their Gateways, the certificate Secrets, and the Istio root certificate.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cluster::inventory;
use crate::cluster::kinds::{DEPLOYMENT, GATEWAY, SERVICE, VIRTUAL_SERVICE};
use crate::cluster::{image_tag, secrets};
use crate::kyma::GATEWAY as GATEWAY_NAME;
use crate::names::{APP_LABEL, ISTIO_NAMESPACE};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};

use super::certs::{self, CertInfo, CertProblem, Expiry};
use super::{Ctx, ISTIO_NS, capped, plural};

const PODS: &str = "gateway-pods";
const RESTART: &str = "kyma-mesh gateway restart";

pub fn category() -> Category<Ctx> {
    Category {
        id: "ingress-gateway",
        title: "Istio ingress gateway",
        checks: vec![
            Check::new(PODS, "ingress gateway pods are ready", pods).needs(&[ISTIO_NS]),
            Check::new(
                "gateway-service",
                "ingress gateway Service exposes 80 and 443",
                service,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "gateway-image",
                "ingress gateway runs the distroless image",
                image,
            )
            .needs(&[PODS]),
            Check::new(
                "virtual-services",
                "VirtualServices point at existing Gateways",
                virtual_services,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "kyma-gateway-certs",
                "Secret kyma-gateway-certs holds a valid certificate",
                kyma_gateway_certs,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "app-connector-certs",
                "Secret app-connector-certs holds a valid certificate",
                app_connector_certs,
            )
            .needs(&[ISTIO_NS]),
        ],
    }
}

fn pods<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        match c
            .get(&DEPLOYMENT, Some(ISTIO_NAMESPACE), GATEWAY_NAME)
            .await
        {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Finding::error(format!(
                    "Deployment {ISTIO_NAMESPACE}/{GATEWAY_NAME} does not exist: nothing serves ports 80 and 443"
                ))
                .hint("kyma-mesh install");
            }
            Err(e) => return Finding::error(e),
        }
        let pods = match inventory::pods_selected(
            &c.cluster,
            ISTIO_NAMESPACE,
            &format!("{APP_LABEL}={GATEWAY_NAME}"),
        )
        .await
        {
            Ok(p) => p,
            Err(e) => return Finding::error(e.to_string()),
        };
        let pods: Vec<_> = pods.into_iter().filter(|p| !p.deleting).collect();
        let ready = pods.iter().filter(|p| p.ready).count();
        let not_ready: Vec<String> = pods
            .iter()
            .filter(|p| !p.ready)
            .map(|p| format!("{} is not ready", p.name))
            .collect();
        if ready == 0 {
            Finding::error(format!(
                "0/{} ready: requests to the cluster's endpoints fail (503)",
                pods.len()
            ))
            .detail(capped(not_ready, 10))
            .hint(format!("{RESTART} (see why first: kubectl -n istio-system describe pods -l app=istio-ingressgateway)"))
        } else if !not_ready.is_empty() {
            Finding::warning(format!("{ready}/{} ready", pods.len()))
                .detail(capped(not_ready, 10))
                .hint(RESTART)
        } else {
            Finding::ok(format!("{ready}/{ready} ready"))
        }
    })
}

fn service<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let svc = match c.get(&SERVICE, Some(ISTIO_NAMESPACE), GATEWAY_NAME).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Finding::error(format!(
                    "Service {ISTIO_NAMESPACE}/{GATEWAY_NAME} does not exist"
                ))
                .hint("kyma-mesh install");
            }
            Err(e) => return Finding::error(e),
        };
        let ports: Vec<&Value> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let missing: Vec<String> = [80, 443]
            .iter()
            .filter(|p| !ports.iter().any(|sp| sp["port"].as_i64() == Some(**p)))
            .map(|p| format!("port {p} is not exposed"))
            .collect();
        if !missing.is_empty() {
            return Finding::error(format!(
                "{} missing: endpoints on it cannot be reached",
                plural(missing.len(), "port", "ports")
            ))
            .detail(missing)
            .hint("kyma-mesh upgrade (puts the gateway's ports back as the configuration says)");
        }
        let ty = svc["spec"]["type"].as_str().unwrap_or("ClusterIP");
        let shown = |p: i64| {
            let sp = ports.iter().find(|sp| sp["port"].as_i64() == Some(p));
            match sp.and_then(|sp| sp["nodePort"].as_i64()) {
                Some(np) => format!("{p}:{np}"),
                None => p.to_string(),
            }
        };
        let port_text = format!("ports {}, {}", shown(80), shown(443));
        match ty {
            "LoadBalancer" => {
                let ingress: Vec<String> = svc["status"]["loadBalancer"]["ingress"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| {
                        i["ip"]
                            .as_str()
                            .or(i["hostname"].as_str())
                            .map(str::to_string)
                    })
                    .collect();
                if ingress.is_empty() {
                    Finding::warning(format!("LoadBalancer without an external address yet ({port_text})"))
                        .detail(["the cloud's load balancer has not answered; see: kubectl -n istio-system describe service istio-ingressgateway".to_string()])
                } else {
                    Finding::ok(format!(
                        "LoadBalancer at {} ({port_text})",
                        ingress.join(", ")
                    ))
                }
            }
            other => Finding::ok(format!(
                "{other} {} ({port_text})",
                svc["spec"]["clusterIP"].as_str().unwrap_or("")
            )),
        }
    })
}

fn is_distroless(image: &str) -> bool {
    image_tag(image).is_some_and(|t| t.ends_with("-distroless"))
}

/// The variant the recorded configuration asked for (`values.global.variant`), if any.
fn recorded_variant(merged_yaml: &str) -> Option<String> {
    let v: Value = serde_saphyr::from_str(merged_yaml).ok()?;
    v["spec"]["values"]["global"]["variant"]
        .as_str()
        .map(str::to_string)
}

fn image<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let d = match c
            .get(&DEPLOYMENT, Some(ISTIO_NAMESPACE), GATEWAY_NAME)
            .await
        {
            Ok(Some(d)) => d,
            Ok(None) => return Finding::error("the gateway Deployment is gone"),
            Err(e) => return Finding::error(e),
        };
        let image = d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == "istio-proxy")
            .and_then(|c| c["image"].as_str())
            .unwrap_or_default()
            .to_string();
        let variant = match c.record().await {
            Ok(Some(r)) => recorded_variant(&r.merged_yaml),
            _ => None,
        };
        if is_distroless(&image) {
            return Finding::ok(image);
        }
        if variant.as_deref().is_some_and(|v| v != "distroless") {
            return Finding::ok(format!(
                "{image} (variant {} as configured)",
                variant.unwrap_or_default()
            ));
        }
        Finding::warning(format!(
            "{image} is not distroless: a debug image left behind after an investigation"
        ))
        .hint("kyma-mesh gateway debug disable")
    })
}

/// `kyma-system/kyma-gateway`, `kyma-gateway` (the VirtualService's namespace) or the old
/// `kyma-gateway.kyma-system.svc.cluster.local`, as (namespace, name).
fn gateway_ref(reference: &str, vs_namespace: &str) -> (String, String) {
    if let Some((ns, name)) = reference.split_once('/') {
        return (ns.to_string(), name.to_string());
    }
    let mut parts = reference.split('.');
    match (parts.next(), parts.next()) {
        (Some(name), Some(ns)) => (ns.to_string(), name.to_string()),
        _ => (vs_namespace.to_string(), reference.to_string()),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn virtual_services<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (vss, gws) = match (c.list(&VIRTUAL_SERVICE).await, c.list(&GATEWAY).await) {
            (Ok(v), Ok(g)) => (v, g),
            (Err(e), _) | (_, Err(e)) => return Finding::error(e),
        };
        let gateways: BTreeSet<(String, String)> = gws
            .iter()
            .map(|g| {
                (
                    g["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    g["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        let mut listing = Vec::new();
        let mut broken = Vec::new();
        for vs in &vss {
            let ns = vs["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = vs["metadata"]["name"].as_str().unwrap_or_default();
            let hosts = strings(&vs["spec"]["hosts"]);
            let refs = strings(&vs["spec"]["gateways"]);
            let via = if refs.is_empty() {
                "mesh".to_string()
            } else {
                refs.join(", ")
            };
            listing.push(format!("{ns}/{name}: {} via {via}", hosts.join(", ")));
            for r in refs.iter().filter(|r| r.as_str() != "mesh") {
                let (gns, gname) = gateway_ref(r, ns);
                if !gateways.contains(&(gns.clone(), gname.clone())) {
                    broken.push(format!(
                        "VirtualService {ns}/{name} ({}) names Gateway {gns}/{gname}, which does not exist",
                        hosts.join(", ")
                    ));
                }
            }
        }
        if !broken.is_empty() {
            let n = broken.len();
            return Finding::warning(format!(
                "{}: their hosts are not exposed (503)",
                plural(n, "reference to a missing Gateway", "references to missing Gateways")
            ))
            .detail(capped(broken, 20))
            .hint("create the Gateway or correct spec.gateways: kubectl edit virtualservice -n NAMESPACE NAME");
        }
        let summary = format!(
            "{} over {}",
            plural(vss.len(), "VirtualService", "VirtualServices"),
            plural(gateways.len(), "Gateway", "Gateways")
        );
        Finding::ok(summary).detail(capped(listing, 20))
    })
}

/// The Gateways whose servers use this Secret as their TLS credential.
fn users_of(gateways: &[Value], secret: &str) -> Vec<String> {
    gateways
        .iter()
        .filter(|g| {
            g["spec"]["servers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["tls"]["credentialName"] == secret)
        })
        .map(|g| {
            format!(
                "{}/{}",
                g["metadata"]["namespace"].as_str().unwrap_or_default(),
                g["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn cert_hint(secret: &str) -> String {
    format!(
        "renew the certificate, replace the Secret and let the gateway load it:\n\
         kubectl create secret tls {secret} -n istio-system --cert=CERT.pem --key=KEY.pem --dry-run=client -o yaml | kubectl apply -f -\n\
         {RESTART}"
    )
}

fn expiry_finding(info: &CertInfo, now: i64, what: &str, hint: String) -> Finding {
    let until = certs::date(info.not_after);
    match certs::expiry(info, now) {
        Expiry::Valid { days_left } => {
            Finding::ok(format!("{what} valid until {until} ({days_left} days)"))
        }
        Expiry::ExpiresSoon { days_left } => Finding::warning(format!(
            "{what} expires on {until}, in {}",
            plural(days_left as usize, "day", "days")
        ))
        .detail([format!("subject: {}", info.subject)])
        .hint(hint),
        Expiry::Expired { days_ago } => Finding::error(format!(
            "{what} expired on {until} ({} ago): TLS handshakes with the gateway fail",
            plural(days_ago as usize, "day", "days")
        ))
        .detail([format!("subject: {}", info.subject)])
        .hint(hint),
        Expiry::NotYetValid => Finding::error(format!(
            "{what} is not valid before {}",
            certs::date(info.not_before)
        ))
        .hint(hint),
    }
}

async fn gateway_secret(c: &mut Ctx, name: &'static str) -> Finding {
    let gateways = c.list(&GATEWAY).await.unwrap_or_default();
    let users = users_of(&gateways, name);
    let data = match secrets::read(&c.cluster, ISTIO_NAMESPACE, name).await {
        Ok(Some(d)) => d,
        Ok(None) if users.is_empty() => {
            return Finding::warning(format!(
                "{ISTIO_NAMESPACE}/{name} does not exist (not needed on clusters without Kyma's gateway)"
            ));
        }
        Ok(None) => {
            return Finding::error(format!(
                "{ISTIO_NAMESPACE}/{name} does not exist, but Gateway {} serves TLS with it",
                users.join(", ")
            ))
            .hint(cert_hint(name));
        }
        Err(e) => return Finding::error(e.to_string()),
    };
    // kubernetes.io/tls Secrets; Kyma 1.x also wrote `cert`/`key`.
    let pair = [("tls.crt", "tls.key"), ("cert", "key")]
        .into_iter()
        .find(|(c, _)| data.get(c).is_some());
    let checked = match pair {
        Some((ck, kk)) => match data.get(kk) {
            Some(key) => certs::inspect_pair(data.get(ck).unwrap_or_default(), ck, key, kk),
            None => Err(CertProblem::NoKey(kk.into())),
        },
        None => match data.get("cacert") {
            Some(ca) => certs::inspect_cert(ca, "cacert"),
            None => {
                let keys: Vec<&str> = data.keys().collect();
                return Finding::error(format!(
                    "{name} has no tls.crt and tls.key (keys: {})",
                    if keys.is_empty() {
                        "none".into()
                    } else {
                        keys.join(", ")
                    }
                ))
                .hint(cert_hint(name));
            }
        },
    };
    match checked {
        Ok(info) => expiry_finding(&info, c.now, "certificate", cert_hint(name)),
        Err(problem) => Finding::error(problem.to_string()).hint(cert_hint(name)),
    }
}

fn kyma_gateway_certs<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(gateway_secret(c, "kyma-gateway-certs"))
}

fn app_connector_certs<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(gateway_secret(c, "app-connector-certs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_references() {
        let r = |s| gateway_ref(s, "shop");
        assert_eq!(
            r("kyma-system/kyma-gateway"),
            ("kyma-system".into(), "kyma-gateway".into())
        );
        assert_eq!(r("my-gw"), ("shop".into(), "my-gw".into()));
        assert_eq!(
            r("kyma-gateway.kyma-system.svc.cluster.local"),
            ("kyma-system".into(), "kyma-gateway".into())
        );
    }

    #[test]
    fn variant_from_the_record() {
        let y = "spec:\n  values:\n    global:\n      variant: debug\n";
        assert_eq!(recorded_variant(y).as_deref(), Some("debug"));
        assert_eq!(recorded_variant("spec: {}\n"), None);
        assert!(is_distroless("docker.io/istio/proxyv2:1.28.0-distroless"));
        assert!(!is_distroless("docker.io/istio/proxyv2:1.28.0"));
    }
}
