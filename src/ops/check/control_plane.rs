//! control-plane: istio-system, istiod, kyma-mesh's record against the cluster (drift in what
//! kyma-mesh applied, named by field), the injector webhooks and their tuning, conflicting and
//! stale injector configurations.

use serde_json::Value;

use crate::cluster::kinds::{DEPLOYMENT, ISTIO_CR, MUTATING_WEBHOOK, NAMESPACE};
use crate::cluster::patches::PatchKind;
use crate::cluster::{record, revisions, webhooks};
use crate::kyma;
use crate::names::{self, ISTIO_NAMESPACE};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};

use super::{API_REACHABLE, Ctx, capped, plural};

const NS: &str = super::ISTIO_NS;
const ISTIOD: &str = "istiod";
const RECORD: &str = "record";
/// Re-applies the recorded configuration and Kyma's patches at the installed version.
const REAPPLY: &str = "kyma-mesh upgrade";

pub fn category() -> Category<Ctx> {
    Category {
        id: "control-plane",
        title: "Istio control plane",
        checks: vec![
            Check::new(NS, "istio-system namespace exists", namespace).needs(&[API_REACHABLE]),
            Check::new(ISTIOD, "istiod is available", istiod).needs(&[NS]),
            Check::new(
                "revisions",
                "one control-plane revision, or a canary upgrade under way",
                revisions_in_use,
            )
            .needs(&[ISTIOD]),
            Check::new(
                RECORD,
                "kyma-mesh's record matches the control plane",
                record_matches,
            )
            .needs(&[ISTIOD]),
            Check::new(
                "config-drift",
                "Kyma's configuration is as kyma-mesh applied it",
                drift,
            )
            .needs(&[RECORD]),
            Check::new(
                "injector-webhooks",
                "sidecar-injector webhooks exist and are tuned",
                injector_webhooks,
            )
            .needs(&[NS]),
            Check::new(
                "injector-conflicts",
                "no second sidecar injector",
                injector_conflicts,
            )
            .needs(&[API_REACHABLE]),
            Check::new(
                "stale-webhooks",
                "no stale sidecar-injector webhooks",
                stale_webhooks,
            )
            .needs(&[API_REACHABLE]),
            Check::new(
                "end-of-life",
                "the installed Istio still gets security fixes",
                end_of_life,
            )
            .needs(&[ISTIOD]),
            Check::new(
                "one-manager",
                "Istio has one manager, kyma-mesh",
                one_manager,
            )
            .needs(&[API_REACHABLE]),
        ],
    }
}

/// The Kyma Istio module's operator, as the module deploys it.
const MODULE_OPERATOR: (&str, &str) = (names::KYMA_SYSTEM, "istio-controller-manager");

fn end_of_life<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let installed = match c.istio_version().await {
            Ok(Some(v)) => v,
            Ok(None) => return Finding::ok("no Istio installed"),
            Err(e) => return Finding::error(e),
        };
        let Ok(version) = installed.parse::<crate::version::IstioVersion>() else {
            return Finding::warning(format!("cannot read the Istio version {installed:?}"));
        };
        let today = jiff::Zoned::now().date();
        match crate::version::end_of_life(&version, today) {
            Some(warning) => match warning.split_once("; ") {
                Some((what, todo)) => Finding::warning(what).hint(todo),
                None => Finding::warning(warning),
            },
            None => match crate::version::end_of_life_date(version.minor_line()) {
                Some(eol) => Finding::ok(format!("Istio {installed}: supported until {eol}")),
                None => Finding::ok(format!("Istio {installed}")),
            },
        }
    })
}

/// Two managers undo each other's changes: the Kyma Istio module reconciles Istio to its own
/// configuration every few minutes, and kyma-mesh's install and upgrade put theirs back.
fn one_manager<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (ns, name) = MODULE_OPERATOR;
        let operator = match c.get(&DEPLOYMENT, Some(ns), name).await {
            Ok(d) => d.is_some(),
            Err(e) => return Finding::error(e),
        };
        // The kind not served (404) means the module was never installed; any other failure
        // to read is said, not taken for "none".
        let istios = crate::cluster::inventory::list(&c.cluster, &ISTIO_CR, None).await;
        let resources = match istios {
            Ok(r) => r,
            Err(e) if e.status_code() == Some(404) => Vec::new(),
            Err(e) => return Finding::error(e.to_string()),
        };
        if !operator && resources.is_empty() {
            return Finding::ok("the Kyma Istio module is not installed");
        }
        let recorded = matches!(c.record().await, Ok(Some(_)));
        let mut found = Vec::new();
        if operator {
            found.push(format!("the module's operator (Deployment {ns}/{name})"));
        }
        for r in &resources {
            found.push(format!(
                "Istio {}/{}",
                r["metadata"]["namespace"].as_str().unwrap_or_default(),
                r["metadata"]["name"].as_str().unwrap_or_default()
            ));
        }
        if !recorded {
            return Finding::ok(format!(
                "the Kyma Istio module manages Istio here ({}); kyma-mesh has not installed it",
                found.join(", ")
            ));
        }
        Finding::warning(format!(
            "the Kyma Istio module also manages this cluster: {}",
            found.join(", ")
        ))
        .hint(
            "two managers undo each other's changes. Keep one: to keep kyma-mesh, remove the Kyma Istio module (its Istio resource and operator); to keep the module, bring kyma-mesh's overrides over with `kyma-mesh render --output istio-cr` and stop running kyma-mesh install/upgrade on this cluster",
        )
    })
}

fn namespace<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        match c.get(&NAMESPACE, None, ISTIO_NAMESPACE).await {
            Ok(Some(_)) => Finding::ok(""),
            Ok(None) => Finding::error("istio-system does not exist: Istio is not installed")
                .hint("kyma-mesh install"),
            Err(e) => Finding::error(e),
        }
    })
}

fn istiod<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        // The active control plane's Deployment: `istiod`, or `istiod-<revision>`.
        let name = match c.revisions().await {
            Ok(r) => r
                .active()
                .map(|a| a.deployment.clone())
                .unwrap_or_else(|| "istiod".into()),
            Err(e) => return Finding::error(e),
        };
        let d = match c.get(&DEPLOYMENT, Some(ISTIO_NAMESPACE), &name).await {
            Ok(Some(d)) => d,
            Ok(None) => {
                return Finding::error(format!("Deployment istio-system/{name} does not exist"))
                    .hint("kyma-mesh install");
            }
            Err(e) => return Finding::error(e),
        };
        let version = c
            .istio_version()
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| "?".into());
        let want = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let available = d["status"]["availableReplicas"].as_i64().unwrap_or(0);
        if available == 0 {
            Finding::error(format!(
                "istiod {version}: 0/{want} replicas available; no new pod gets a sidecar while istiod is down"
            ))
            .detail([format!(
                "see why: kubectl -n istio-system describe deployment {name}"
            )])
            .hint("kyma-mesh install (it waits for istiod and says what is missing)")
        } else {
            Finding::ok(format!("istiod {version}, {available}/{want} available"))
        }
    })
}

/// Which revision each namespace and pod uses; two control planes are a canary upgrade
/// left unfinished (a warning naming the command that finishes it).
fn revisions_in_use<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let revs = match c.revisions().await {
            Ok(r) => r,
            Err(e) => return Finding::error(e),
        };
        let state = match record::read_canary(&c.cluster).await {
            Ok(s) => s,
            Err(e) => return Finding::error(e.to_string()),
        };
        let pods = match c.pods().await {
            Ok(p) => p,
            Err(e) => return Finding::error(e),
        };
        let by_rev = &pods.by_revision;
        let count = |rev: &str| by_rev.get(rev).map_or(0, |m| m.values().sum::<usize>());
        let planes: Vec<String> = revs
            .control_planes
            .iter()
            .map(|cp| {
                format!(
                    "{}: {}",
                    revs.describe(cp),
                    plural(count(&cp.revision), "pod", "pods")
                )
            })
            .collect();
        let pinned = match c.namespaces().await {
            Ok(nss) => pinned_namespaces(&nss),
            Err(e) => return Finding::error(e),
        };
        let detail = by_rev
            .iter()
            .map(|(rev, nss)| {
                let list: Vec<String> = nss.iter().map(|(ns, n)| format!("{ns} {n}")).collect();
                format!("revision {rev}: {}", list.join(", "))
            })
            .chain(pinned);
        if revs.control_planes.len() <= 1 && state.is_none() {
            return Finding::ok(planes.join("; ")).detail(capped(detail, 20));
        }
        let detail = capped(detail, 20);
        let Some(state) = state else {
            return Finding::warning(format!(
                "{} control planes, not from a kyma-mesh canary: {}",
                revs.control_planes.len(),
                planes.join("; ")
            ))
            .detail(detail)
            .hint("remove the revision no pod uses with `istioctl uninstall --revision <REVISION> -y`");
        };
        let message = format!(
            "canary upgrade {} -> {} unfinished (started {}): {}",
            state.from_version,
            state.to_version,
            state.started_at,
            planes.join("; ")
        );
        let hint = canary_hint(&revs, &state, count(&state.from_revision));
        Finding::warning(message).detail(detail).hint(hint)
    })
}

/// Namespaces pinned to a revision by label stay there whatever the default tag says.
fn pinned_namespaces(nss: &[crate::cluster::inventory::Namespace]) -> Vec<String> {
    nss.iter()
        .filter_map(|n| {
            let rev = n.labels.get(names::REV_LABEL)?;
            (rev != revisions::DEFAULT).then(|| {
                format!(
                    "namespace {} is pinned to revision {rev} (label {}={rev})",
                    n.name,
                    names::REV_LABEL
                )
            })
        })
        .collect()
}

/// What to do next in an unfinished canary, by how far it got.
fn canary_hint(revs: &revisions::Revisions, state: &record::Canary, on_old: usize) -> String {
    if revs.default_tag.as_deref() != Some(state.to_revision.as_str()) {
        "the default tag has not moved yet: `kyma-mesh upgrade --canary` continues, `kyma-mesh upgrade --rollback` goes back".to_string()
    } else if on_old > 0 {
        format!(
            "restart what still uses revision {} with `kyma-mesh proxy-reset --wait`, then `kyma-mesh upgrade --finish` removes it; `kyma-mesh upgrade --rollback` goes back",
            state.from_revision
        )
    } else {
        format!(
            "no pod uses revision {} any more: `kyma-mesh upgrade --finish` removes it; `kyma-mesh upgrade --rollback` goes back",
            state.from_revision
        )
    }
}

fn record_matches<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let rec = match c.record().await {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Finding::warning(format!(
                    "no record {ISTIO_NAMESPACE}/{}: this Istio was not installed by kyma-mesh, so drift cannot be told",
                    record::NAME
                ))
                .hint("kyma-mesh install (adopts the installation and records it)");
            }
            Err(e) => return Finding::error(e),
        };
        let recorded = rec.istio_version.clone();
        let live = c.istio_version().await.ok().flatten().unwrap_or_default();
        let profile = &rec.profile;
        if recorded == live {
            Finding::ok(format!(
                "Istio {live}, profile {profile}, installed {}",
                rec.installed_at
            ))
        } else {
            Finding::warning(format!(
                "the record says Istio {recorded}, istiod runs {live}: Istio was changed outside kyma-mesh"
            ))
            .hint(REAPPLY)
        }
    })
}

/// The fields of `desired` whose value differs in `live`, as `path: want X, found Y`.
fn diff(live: &Value, desired: &Value, path: &str, out: &mut Vec<String>) {
    match desired {
        Value::Object(map) => {
            for (k, dv) in map {
                if path.is_empty() && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff(&live[k.as_str()], dv, &p, out);
            }
        }
        d if live != d => {
            let found = if live.is_null() {
                "nothing".into()
            } else {
                live.to_string()
            };
            out.push(format!("{path}: Kyma sets {d}, found {found}"));
        }
        _ => {}
    }
}

fn drift<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let rec = match c.record().await {
            Ok(Some(r)) => r,
            Ok(None) => return Finding::skipped("skipped: no record to compare with"),
            Err(e) => return Finding::error(e),
        };
        let profile = crate::ops::preflight::parse_profile(&rec.profile).unwrap_or_default();
        let injection =
            crate::ops::preflight::parse_injection(&rec.sidecar_injection).unwrap_or_default();
        let mut problems = Vec::new();
        let mut compared = 0;
        for patch in kyma::post_install(profile, injection, revisions::DEFAULT) {
            let PatchKind::Apply {
                gvk,
                namespace,
                name,
                object,
                ..
            } = &patch.kind
            else {
                continue; // webhooks: injector-webhooks; namespace labels: sidecar-injection
            };
            if gvk == &NAMESPACE {
                continue;
            }
            compared += 1;
            let what = gvk.describe(namespace.as_deref(), name);
            match c.get(gvk, namespace.as_deref(), name).await {
                Ok(Some(live)) => {
                    let mut fields = Vec::new();
                    diff(&live, object, "", &mut fields);
                    problems.extend(fields.into_iter().map(|f| format!("{what}: {f}")));
                }
                Ok(None) => problems.push(format!("{what}: deleted")),
                Err(e) => return Finding::error(e),
            }
        }
        if problems.is_empty() {
            Finding::ok(format!("{compared} objects as applied (profile {profile})"))
        } else {
            Finding::warning(format!(
                "{} changed by hand since kyma-mesh applied {}",
                plural(problems.len(), "field was", "fields were"),
                if problems.len() == 1 { "it" } else { "them" }
            ))
            .detail(problems)
            .hint(format!("{REAPPLY} (puts Kyma's values back)"))
        }
    })
}

fn injector_webhooks<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let mut problems = Vec::new();
        let mut tuned = 0;
        let revs = match c.revisions().await {
            Ok(r) => r,
            Err(e) => return Finding::error(e),
        };
        for (config, required) in kyma::injector_configs(revs.active_revision()) {
            let config = config.as_str();
            let live = match c.get(&MUTATING_WEBHOOK, None, config).await {
                Ok(Some(v)) => v,
                Ok(None) if required => {
                    return Finding::error(format!(
                        "MutatingWebhookConfiguration {config} does not exist: no pod gets a sidecar"
                    ))
                    .hint("kyma-mesh install");
                }
                Ok(None) => continue,
                Err(e) => return Finding::error(e),
            };
            let tuning = kyma::webhook_tuning(config, !required);
            let hooks: Vec<&Value> = live["webhooks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| tuning.matches(h))
                .collect();
            if hooks.is_empty() && required {
                return Finding::error(format!(
                    "{config} has no webhook named *{}",
                    kyma::INJECTOR_SUFFIX
                ))
                .hint("kyma-mesh install");
            }
            for h in hooks {
                let name = h["name"].as_str().unwrap_or("?");
                let timeout = &h["timeoutSeconds"];
                if timeout.as_i64() != Some(tuning.timeout_seconds) {
                    let found = if timeout.is_null() {
                        "unset (30s)".into()
                    } else {
                        timeout.to_string()
                    };
                    problems.push(format!(
                        "{config} {name}: timeoutSeconds is {found}, Kyma sets {}",
                        tuning.timeout_seconds
                    ));
                }
                let has_expr = h["namespaceSelector"]["matchExpressions"]
                    .as_array()
                    .is_some_and(|e| e.contains(&tuning.expression));
                if !has_expr {
                    problems.push(format!(
                        "{config} {name}: namespaceSelector lacks Gardener's expression {}",
                        tuning.expression
                    ));
                }
                tuned += 1;
            }
        }
        if problems.is_empty() {
            Finding::ok(format!(
                "{} with timeoutSeconds {} and Gardener's kube-system excluded",
                plural(tuned, "webhook", "webhooks"),
                kyma::WEBHOOK_TIMEOUT_SECONDS
            ))
        } else {
            Finding::warning(format!(
                "{} not as Kyma tunes them",
                plural(problems.len(), "field", "fields")
            ))
            .detail(problems)
            .hint(format!("{REAPPLY} (tunes the webhooks again)"))
        }
    })
}

/// The webhooks that decide injection for pods without a revision (`namespace.`, `object.`,
/// `auto.`): two configurations carrying them both inject, and pods get two sidecars or fail.
fn is_default_injector(name: &str) -> bool {
    name.ends_with(kyma::INJECTOR_SUFFIX) && !name.starts_with("rev.")
}

fn injector_conflicts<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let all = match c.list(&MUTATING_WEBHOOK).await {
            Ok(l) => l,
            Err(e) => return Finding::error(e),
        };
        let mut default_injectors = Vec::new();
        let mut foreign = Vec::new();
        for cfg in &all {
            let name = cfg["metadata"]["name"].as_str().unwrap_or("?").to_string();
            let hooks: Vec<&Value> = cfg["webhooks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| {
                    h["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(kyma::INJECTOR_SUFFIX))
                })
                .collect();
            if hooks.is_empty() {
                continue;
            }
            // Revision tags (`istio-revision-tag-default`) are meant to sit beside the injector.
            if !name.starts_with("istio-revision-tag-")
                && hooks
                    .iter()
                    .any(|h| h["name"].as_str().is_some_and(is_default_injector))
            {
                default_injectors.push(name.clone());
            }
            for h in &hooks {
                let ns = h["clientConfig"]["service"]["namespace"]
                    .as_str()
                    .unwrap_or(ISTIO_NAMESPACE);
                if ns != ISTIO_NAMESPACE {
                    foreign.push(format!(
                        "MutatingWebhookConfiguration {name} calls an injector in namespace {ns}: a second Istio control plane"
                    ));
                    break;
                }
            }
        }
        let mut detail = foreign;
        if default_injectors.len() > 1 {
            detail.insert(
                0,
                format!(
                    "{} inject pods without a revision: {}",
                    default_injectors.len(),
                    default_injectors.join(", ")
                ),
            );
        }
        if detail.is_empty() {
            return Finding::ok("");
        }
        let fixes: Vec<String> = default_injectors
            .iter()
            .skip(1)
            .map(|n| format!("kubectl delete mutatingwebhookconfiguration {n}"))
            .collect();
        let hint = if fixes.is_empty() {
            "remove the other control plane (istioctl uninstall --revision REV on its side)"
                .to_string()
        } else {
            format!(
                "keep one injector; if the others are leftovers:\n{}",
                fixes.join("\n")
            )
        };
        Finding::error("more than one sidecar injector: pods get the wrong sidecar or none")
            .detail(capped(detail, 10))
            .hint(hint)
    })
}

fn stale_webhooks<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let stale = match webhooks::find_stale(&c.cluster).await {
            Ok(s) => s,
            Err(e) => return Finding::error(e.to_string()),
        };
        if stale.is_empty() {
            return Finding::ok("");
        }
        let detail = stale.iter().map(|s| {
            format!(
                "MutatingWebhookConfiguration {} calls Service {}, which does not exist (IST0139)",
                s.config, s.service
            )
        });
        let fixes: Vec<String> = stale
            .iter()
            .map(|s| format!("kubectl delete mutatingwebhookconfiguration {}", s.config))
            .collect();
        Finding::error(format!(
            "{}: every new pod is rejected while {}",
            plural(
                stale.len(),
                "stale injector configuration",
                "stale injector configurations"
            ),
            if stale.len() == 1 {
                "it exists"
            } else {
                "they exist"
            }
        ))
        .detail(detail.collect::<Vec<_>>())
        .hint(format!(
            "kyma-mesh install --fix, or:\n{}",
            fixes.join("\n")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_the_field() {
        let mut out = Vec::new();
        diff(
            &json!({"metadata": {"name": "default"}, "spec": {"mtls": {"mode": "PERMISSIVE"}}}),
            &json!({"apiVersion": "v1", "metadata": {"name": "x"}, "spec": {"mtls": {"mode": "STRICT"}, "extra": 1}}),
            "",
            &mut out,
        );
        assert_eq!(
            out,
            [
                "spec.mtls.mode: Kyma sets \"STRICT\", found \"PERMISSIVE\"",
                "spec.extra: Kyma sets 1, found nothing"
            ]
        );
    }

    #[test]
    fn default_injectors() {
        assert!(is_default_injector("namespace.sidecar-injector.istio.io"));
        assert!(is_default_injector("auto.sidecar-injector.istio.io"));
        assert!(!is_default_injector("rev.object.sidecar-injector.istio.io"));
        assert!(!is_default_injector("validation.istio.io"));
    }
}
