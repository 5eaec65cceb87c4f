//! Declarative patches and their idempotent application. Which patches Kyma wants is data in
//! `crate::kyma`; this module only knows how to apply one.
//!
//! Each patch is a declarative object (or, for injector webhooks, an edit computed from the live
//! object). Applying is idempotent: the live object is read first and a patch whose fields
//! already hold is not sent at all, so a second install writes nothing.

use serde_json::{Value, json};

use super::kinds::MUTATING_WEBHOOK;
use super::{Cluster, ClusterError, Gvk, webhooks};

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
    /// A timeout and a namespaceSelector expression on every webhook of `config` whose name
    /// ends with `suffix` (found by name, never by index).
    WebhookTuning(webhooks::Tuning),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// What the patch does, in the words of Kyma's Service Mesh documentation.
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
            PatchKind::WebhookTuning(t) => MUTATING_WEBHOOK.describe(None, &t.config),
        }
    }

    /// The patch as YAML-ready data, for `--dry-run`.
    pub fn plan(&self) -> Value {
        match &self.kind {
            PatchKind::Apply { object, .. } => object.clone(),
            PatchKind::WebhookTuning(t) => json!({
                "apiVersion": MUTATING_WEBHOOK.api_version(),
                "kind": MUTATING_WEBHOOK.kind,
                "metadata": {"name": t.config},
                "webhooks": [{
                    "name": format!("*{}", t.suffix),
                    "timeoutSeconds": t.timeout_seconds,
                    "namespaceSelector": {"matchExpressions": [t.expression, "...the existing expressions, kept"]},
                }],
                "x-kyma-mesh": if t.optional { "applied where the configuration exists" } else { "required" },
            }),
        }
    }
}

/// What applying a patch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Unchanged,
    Skipped(String),
}

impl Outcome {
    /// As the progress lines say it.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Applied => "applied".into(),
            Outcome::Unchanged => "unchanged".into(),
            Outcome::Skipped(why) => format!("skipped, {why}"),
        }
    }
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
        PatchKind::WebhookTuning(t) => {
            let config = &t.config;
            let Some(live) = cluster.get_opt(&MUTATING_WEBHOOK, None, config).await? else {
                return if t.optional {
                    Ok(Outcome::Skipped(format!("{config} does not exist")))
                } else {
                    Err(ClusterError::NotFound {
                        what: format!(
                            "MutatingWebhookConfiguration {config} (the sidecar injector, which istioctl install creates)"
                        ),
                    })
                };
            };
            let live = serde_json::to_value(&live).unwrap_or(Value::Null);
            match t.edit(&live) {
                webhooks::Edit::NoMatchingWebhooks => Ok(Outcome::Skipped(format!(
                    "{config} has no webhook named *{}",
                    t.suffix
                ))),
                webhooks::Edit::Done => Ok(Outcome::Unchanged),
                webhooks::Edit::Apply(object) => {
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
    use serde_json::json;

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
