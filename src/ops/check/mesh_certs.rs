//! certificates: the mesh's trust, read early enough to act. The root every sidecar trusts
//! (`istio-ca-root-cert`, which istiod publishes into each meshed namespace), the CA istiod signs
//! with (its self-signed `istio-ca-secret`, or a plugged-in `cacerts` with its intermediate
//! chain) and the `caBundle` the API server uses to call the injector and validator webhooks.
//! Each certificate is parsed and its expiry shown: a warning within `--cert-warn-days`, an
//! error within [`ERROR_DAYS`] or once expired (an expired root or intermediate stops every
//! new mTLS connection; an expired `caBundle` stops every pod creation in injected namespaces).

use serde_json::{Value, json};

use crate::cluster::kinds::{CONFIG_MAP, MUTATING_WEBHOOK, VALIDATING_WEBHOOK};
use crate::cluster::secrets;
use crate::names::ISTIO_NAMESPACE;
use crate::ops::checks::{BoxFuture, Category, Check, Finding, Status};

use super::certs::{self, CertInfo};
use super::{Ctx, ISTIO_NS, namespace_injected, plural};

/// Within this many days of its end a certificate is an error, whatever `--cert-warn-days` says.
pub const ERROR_DAYS: i64 = 7;

/// `--cert-warn-days`'s default.
pub const DEFAULT_WARN_DAYS: i64 = 30;

const DAY: i64 = 86_400;

/// How many meshed namespaces are tried for the published root before istio-system.
const ROOT_PROBES: usize = 3;

const ROTATE_SELF_SIGNED: &str = "rotate Istio's self-signed root before it expires \
     (https://istio.io/latest/docs/ops/configuration/security/root-transition/), then restart \
     istiod (kubectl -n istio-system rollout restart deployment istiod) and every meshed workload \
     (kyma-mesh proxy-reset)";
const RENEW_PLUGGED_IN: &str = "renew the chain in istio-system/cacerts (kubectl -n istio-system \
     create secret generic cacerts --from-file=ca-cert.pem --from-file=ca-key.pem \
     --from-file=root-cert.pem --from-file=cert-chain.pem --dry-run=client -o yaml | kubectl apply -f -), \
     then restart istiod (kubectl -n istio-system rollout restart deployment istiod) and every \
     meshed workload (kyma-mesh proxy-reset)";
const REFRESH_BUNDLE: &str = "istiod writes its root into the webhooks' caBundle when it starts: \
     kubectl -n istio-system rollout restart deployment istiod; if the root itself expires, rotate it first";

pub fn category() -> Category<Ctx> {
    Category {
        id: "certificates",
        title: "Mesh certificates",
        checks: vec![
            Check::new("root-cert", "Istio root certificate is valid", root_cert)
                .needs(&[ISTIO_NS]),
            Check::new(
                "ca-certs",
                "Istio CA certificates are valid (istio-ca-secret or cacerts)",
                ca_certs,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "webhook-ca-bundles",
                "injector and validator webhooks trust a valid CA",
                webhook_bundles,
            )
            .needs(&[ISTIO_NS]),
        ],
    }
}

/// One certificate as `check` judges it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// Where it was read: `istio-system/cacerts cert-chain.pem #2`.
    pub source: String,
    pub info: CertInfo,
    pub status: Status,
    /// Whole days until it expires, 0 once expired.
    pub days_left: i64,
    /// "expires 2027-01-01, in 390 days" / "expired 2026-11-30, 7 days ago".
    pub said: String,
}

/// A certificate's expiry at `now` against the thresholds.
pub fn judge(source: String, info: CertInfo, now: i64, warn_days: i64) -> Judged {
    let until = certs::date(info.not_after);
    let (status, said) = if now < info.not_before {
        (
            Status::Error,
            format!("not valid before {}", certs::date(info.not_before)),
        )
    } else if now >= info.not_after {
        let ago = (now - info.not_after) / DAY;
        (
            Status::Error,
            format!(
                "expired {until}, {} ago",
                plural(ago as usize, "day", "days")
            ),
        )
    } else {
        let left = (info.not_after - now) / DAY;
        let status = if left < ERROR_DAYS {
            Status::Error
        } else if left < warn_days {
            Status::Warning
        } else {
            Status::Ok
        };
        (
            status,
            format!(
                "expires {until}, in {}",
                plural(left as usize, "day", "days")
            ),
        )
    };
    let days_left = (info.not_after - now).max(0) / DAY;
    Judged {
        source,
        info,
        status,
        days_left,
        said,
    }
}

/// The finding for a set of certificates: the worst one decides, every one is a detail line
/// and an entry of `data.certificates`.
fn finding(what: &str, judged: &[Judged], hint: &str) -> Finding {
    let worst = judged.iter().max_by_key(|j| (j.status, -j.info.not_after));
    let Some(worst) = worst else {
        return Finding::skipped(format!("no {what} found"));
    };
    let detail = judged
        .iter()
        .map(|j| format!("{} ({}): {}", j.source, j.info.subject, j.said))
        .collect::<Vec<_>>();
    let data = json!({"certificates": judged.iter().map(|j| json!({
        "source": j.source,
        "subject": j.info.subject,
        "issuer": j.info.issuer,
        "not_before": rfc3339(j.info.not_before),
        "not_after": rfc3339(j.info.not_after),
        "days_left": j.days_left,
        "result": j.status,
    })).collect::<Vec<_>>()});
    let message = match worst.status {
        Status::Ok if judged.len() == 1 => format!("{what} {}", worst.said),
        Status::Ok => format!(
            "{}; the first to expire {}",
            plural(judged.len(), what, &format!("{what}s")),
            worst.said
        ),
        _ => format!("{what} {}: {}", worst.source, worst.said),
    };
    let f = match worst.status {
        Status::Ok | Status::Skipped => return Finding::ok(message).detail(detail).data(data),
        Status::Warning => Finding::warning(message),
        Status::Error => Finding::error(message),
    };
    f.detail(detail).data(data).hint(hint)
}

fn rfc3339(secs: i64) -> Value {
    jiff::Timestamp::from_second(secs)
        .map(|t| Value::String(t.to_string()))
        .unwrap_or(Value::Null)
}

/// Parse every certificate of `pem` and judge it; a PEM that does not parse is said as the
/// problem (the check's error).
fn judge_pem(c: &Ctx, pem: &[u8], source: &str) -> Result<Vec<Judged>, String> {
    let infos = certs::inspect_bundle(pem, source).map_err(|p| p.to_string())?;
    let many = infos.len() > 1;
    Ok(infos
        .into_iter()
        .enumerate()
        .map(|(i, info)| {
            let source = if many {
                let role = if info.is_root() {
                    "root"
                } else {
                    "intermediate"
                };
                format!("{source} #{} ({role})", i + 1)
            } else {
                source.to_string()
            };
            judge(source, info, c.now, c.cert_warn_days)
        })
        .collect())
}

/// The root as the sidecars see it: `istio-ca-root-cert` in a meshed namespace (istio-system's
/// when none is meshed or none has it yet).
fn root_cert<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let by_default = c.injection_by_default().await;
        let mut candidates: Vec<String> = match c.namespaces().await {
            Ok(nss) => nss
                .iter()
                .filter(|ns| ns.name != ISTIO_NAMESPACE && namespace_injected(ns, by_default).0)
                .map(|ns| ns.name.clone())
                .take(ROOT_PROBES)
                .collect(),
            Err(e) => return Finding::error(e),
        };
        candidates.push(ISTIO_NAMESPACE.to_string());
        for ns in &candidates {
            let cm = match c.get(&CONFIG_MAP, Some(ns), "istio-ca-root-cert").await {
                Ok(cm) => cm,
                Err(e) => return Finding::error(e),
            };
            if let Some(pem) = cm
                .as_ref()
                .and_then(|cm| cm["data"]["root-cert.pem"].as_str())
            {
                let source = format!("ConfigMap {ns}/istio-ca-root-cert");
                return match judge_pem(c, pem.as_bytes(), &source) {
                    Ok(judged) => finding("root certificate", &judged, ROTATE_SELF_SIGNED),
                    Err(p) => Finding::error(p).hint(ROTATE_SELF_SIGNED),
                };
            }
        }
        Finding::warning(
            "not published yet (istiod writes ConfigMap istio-ca-root-cert once it runs)",
        )
        .detail([format!("looked in {}", candidates.join(", "))])
    })
}

/// The CA istiod signs with: plugged-in `cacerts` (its CA certificate, the chain up to the root
/// and the root) when present, as istiod prefers it; else the self-signed `istio-ca-secret`.
fn ca_certs<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        for (name, keys, hint) in [
            (
                "cacerts",
                &["ca-cert.pem", "cert-chain.pem", "root-cert.pem"][..],
                RENEW_PLUGGED_IN,
            ),
            ("istio-ca-secret", &["ca-cert.pem"][..], ROTATE_SELF_SIGNED),
        ] {
            let data = match secrets::read(&c.cluster, ISTIO_NAMESPACE, name).await {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => return Finding::error(e.to_string()),
            };
            let mut judged: Vec<Judged> = Vec::new();
            for key in keys {
                let Some(pem) = data.get(key) else {
                    if *key == "ca-cert.pem" {
                        return Finding::error(format!(
                            "Secret {ISTIO_NAMESPACE}/{name} has no {key}"
                        ))
                        .hint(hint);
                    }
                    continue;
                };
                let source = format!("{ISTIO_NAMESPACE}/{name} {key}");
                match judge_pem(c, pem, &source) {
                    Ok(new) => {
                        // The same certificate in two keys (the root in the chain and in
                        // root-cert.pem) is said once.
                        for j in new {
                            if !judged.iter().any(|seen| seen.info == j.info) {
                                judged.push(j);
                            }
                        }
                    }
                    Err(p) => return Finding::error(p).hint(hint),
                }
            }
            return finding("CA certificate", &judged, hint);
        }
        Finding::skipped(format!(
            "neither {ISTIO_NAMESPACE}/cacerts nor {ISTIO_NAMESPACE}/istio-ca-secret exists: istiod's CA is external (its certificates are not in the cluster)"
        ))
    })
}

/// The `caBundle` of every Istio injector and validator webhook.
fn webhook_bundles<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let mut judged = Vec::new();
        for (gvk, kind) in [
            (&MUTATING_WEBHOOK, "MutatingWebhookConfiguration"),
            (&VALIDATING_WEBHOOK, "ValidatingWebhookConfiguration"),
        ] {
            let configs = match c.list(gvk).await {
                Ok(l) => l,
                Err(e) => return Finding::error(e),
            };
            for config in configs.iter().filter(|o| is_istios(o)) {
                let name = config["metadata"]["name"].as_str().unwrap_or_default();
                for hook in config["webhooks"].as_array().into_iter().flatten() {
                    let source = format!("{kind} {name}");
                    let Some(bundle) = ca_bundle(hook) else {
                        // istiod fills it in once it runs; until then the API server cannot
                        // call the hook.
                        let hook_name = hook["name"].as_str().unwrap_or_default();
                        judged_missing(&mut judged, &format!("{source} webhook {hook_name}"));
                        continue;
                    };
                    match judge_pem(c, &bundle, &source) {
                        Ok(j) => judged.extend(j),
                        Err(p) => return Finding::error(p).hint(REFRESH_BUNDLE),
                    }
                }
            }
        }
        if judged.is_empty() {
            return Finding::skipped("no Istio webhook configuration found");
        }
        let missing: Vec<&Judged> = judged.iter().filter(|j| j.info.not_after == 0).collect();
        if !missing.is_empty() {
            return Finding::error(format!(
                "{} without a caBundle",
                plural(missing.len(), "webhook", "webhooks")
            ))
            .detail(missing.iter().map(|j| j.source.clone()))
            .hint(REFRESH_BUNDLE);
        }
        // The same root in every hook: say each distinct certificate once, with its
        // configurations.
        let mut distinct: Vec<Judged> = Vec::new();
        for j in judged {
            match distinct.iter_mut().find(|d| d.info == j.info) {
                Some(d) if d.source.split(", ").any(|s| s == j.source) => {}
                Some(d) => d.source = format!("{}, {}", d.source, j.source),
                None => distinct.push(j),
            }
        }
        finding("caBundle", &distinct, REFRESH_BUNDLE)
    })
}

fn judged_missing(judged: &mut Vec<Judged>, source: &str) {
    judged.push(Judged {
        source: source.to_string(),
        info: CertInfo {
            subject: String::new(),
            issuer: String::new(),
            not_after: 0,
            not_before: 0,
        },
        status: Status::Error,
        days_left: 0,
        said: "no caBundle".into(),
    });
}

/// Istio's own webhook configurations: the injectors (`istio-sidecar-injector*`, the revision
/// tags) and the validators (`istio-validator*`, `istiod-default-validator`).
fn is_istios(config: &Value) -> bool {
    let name = config["metadata"]["name"].as_str().unwrap_or_default();
    name.starts_with("istio-sidecar-injector")
        || name.starts_with("istio-revision-tag-")
        || name.starts_with("istio-validator")
        || name == "istiod-default-validator"
}

/// A webhook's `caBundle`, decoded (the API holds it as base64).
fn ca_bundle(hook: &Value) -> Option<Vec<u8>> {
    let b64 = hook["clientConfig"]["caBundle"].clone();
    if b64.as_str().is_none_or(str::is_empty) {
        return None;
    }
    serde_json::from_value::<k8s_openapi::ByteString>(b64)
        .ok()
        .map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::super::certs::testing::{ca_chain, self_signed};
    use super::*;

    fn now() -> i64 {
        jiff::Timestamp::now().as_second()
    }

    fn judged(pem: &str) -> Vec<Judged> {
        certs::inspect_bundle(pem.as_bytes(), "x")
            .unwrap()
            .into_iter()
            .map(|i| judge("x".into(), i, now(), DEFAULT_WARN_DAYS))
            .collect()
    }

    #[test]
    fn valid_expiring_and_expired() {
        let status = |from, until| judged(&self_signed("c", from, until).0)[0].status;
        assert_eq!(status(-1, 365), Status::Ok);
        assert_eq!(status(-1, 20), Status::Warning, "within 30 days");
        assert_eq!(status(-1, 3), Status::Error, "within 7 days");
        assert_eq!(status(-100, -2), Status::Error, "expired");
        assert_eq!(status(2, 100), Status::Error, "not yet valid");
        let j = &judged(&self_signed("c", -100, -2).0)[0];
        assert!(
            j.said.starts_with("expired ") && j.said.ends_with("days ago"),
            "{}",
            j.said
        );
        // --cert-warn-days 90 turns a 60-day certificate into a warning.
        let info = certs::inspect_cert(self_signed("c", -1, 60).0.as_bytes(), "x").unwrap();
        assert_eq!(judge("x".into(), info, now(), 90).status, Status::Warning);
    }

    #[test]
    fn a_chain_with_an_expired_intermediate_is_an_error_naming_it() {
        let (root, inter) = ca_chain((-400, 3650), (-400, -3));
        let chain = format!("{inter}{root}");
        let j = judged(&chain);
        assert_eq!(j.len(), 2);
        assert!(!j[0].info.is_root() && j[1].info.is_root());
        assert_eq!((j[0].status, j[1].status), (Status::Error, Status::Ok));
        let f = finding("CA certificate", &j, "renew");
        assert_eq!(f.status, Status::Error);
        assert!(f.message.contains("expired"), "{}", f.message);
        assert!(
            f.detail.iter().any(|d| d.contains("Intermediate CA")),
            "{:?}",
            f.detail
        );
        let data = f.data.unwrap();
        assert_eq!(data["certificates"][0]["result"], "error");
        assert_eq!(data["certificates"][1]["result"], "ok");
        assert!(data["certificates"][1]["days_left"].as_i64().unwrap() > 3000);
    }
}
