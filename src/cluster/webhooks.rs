//! Injector webhooks: a generic tuning edit (which values is Kyma's data, in `crate::kyma`) and
//! the stale configurations an earlier failed install can leave behind.
//!
//! Webhooks are always found by name, never by index: Istio has four in one configuration
//! (`rev.namespace.`, `rev.object.`, `namespace.`, `object.sidecar-injector.istio.io`) and their
//! order is not an API.

use serde_json::{Value, json};

use super::kinds::{MUTATING_WEBHOOK, SERVICE};
use super::{Cluster, ClusterError, Listing};

/// A timeout and a namespaceSelector expression for every webhook of one configuration whose
/// name ends with `suffix`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    pub config: String,
    /// A missing configuration is skipped, not an error.
    pub optional: bool,
    pub suffix: String,
    pub timeout_seconds: i64,
    pub expression: Value,
}

/// What the tuning of one live configuration needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Every matching webhook is tuned already.
    Done,
    /// The configuration has no webhook named `*<suffix>`.
    NoMatchingWebhooks,
    /// Apply this object (all matching webhooks, complete expression lists).
    Apply(Value),
}

impl Tuning {
    /// Computes the apply object for a live MutatingWebhookConfiguration.
    ///
    /// All matching webhooks go into the apply, changed or not: with server-side apply, a
    /// webhook left out would lose the fields kyma-mesh set on it before. `matchExpressions` is
    /// an atomic list, so the apply carries the existing expressions plus ours (added once).
    pub fn edit(&self, live: &Value) -> Edit {
        let name = live["metadata"]["name"].as_str().unwrap_or_default();
        let hooks = live["webhooks"].as_array().cloned().unwrap_or_default();
        let mut changed = false;
        let mut out = Vec::new();
        for hook in hooks.iter().filter(|h| self.matches(h)) {
            let mut exprs = hook["namespaceSelector"]["matchExpressions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !exprs.contains(&self.expression) {
                exprs.push(self.expression.clone());
                changed = true;
            }
            if hook["timeoutSeconds"].as_i64() != Some(self.timeout_seconds) {
                changed = true;
            }
            let mut selector = hook["namespaceSelector"].clone();
            if !selector.is_object() {
                selector = json!({});
            }
            selector["matchExpressions"] = Value::Array(exprs);
            out.push(json!({
                "name": hook["name"],
                "timeoutSeconds": self.timeout_seconds,
                "namespaceSelector": selector,
            }));
        }
        if out.is_empty() {
            return Edit::NoMatchingWebhooks;
        }
        if !changed {
            return Edit::Done;
        }
        Edit::Apply(json!({
            "apiVersion": MUTATING_WEBHOOK.api_version(),
            "kind": MUTATING_WEBHOOK.kind,
            "metadata": {"name": name},
            "webhooks": out,
        }))
    }

    pub fn matches(&self, hook: &Value) -> bool {
        hook["name"]
            .as_str()
            .is_some_and(|n| n.ends_with(self.suffix.as_str()))
    }
}

/// An injector configuration whose webhooks call a Service that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub config: String,
    pub service: String,
}

/// Finds injector webhook configurations left by an earlier failed install or a partial
/// uninstall: their webhooks point at a Service that is gone. With `failurePolicy: Fail` they
/// make every pod creation fail, which in turn makes `istioctl install` wait for istiod pods
/// that can never be created: the known trap.
pub async fn find_stale(cluster: &Cluster) -> Result<Vec<Stale>, ClusterError> {
    let api = cluster.dynamic(&MUTATING_WEBHOOK, None);
    let list = api
        .list(&Default::default())
        .await
        .map_err(|error| ClusterError::List {
            listing: Listing::of(&MUTATING_WEBHOOK, None),
            error: Box::new(error),
        })?;
    let mut out = Vec::new();
    for cfg in list.items {
        let name = cfg.metadata.name.clone().unwrap_or_default();
        if !(name.starts_with("istio-sidecar-injector") || name.starts_with("istio-revision-tag-"))
        {
            continue;
        }
        let v = serde_json::to_value(&cfg).unwrap_or(Value::Null);
        let mut services: Vec<(String, String)> = v["webhooks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| {
                let svc = &h["clientConfig"]["service"];
                Some((
                    svc["namespace"].as_str()?.to_string(),
                    svc["name"].as_str()?.to_string(),
                ))
            })
            .collect();
        services.sort();
        services.dedup();
        for (ns, svc) in services {
            if cluster.get_opt(&SERVICE, Some(&ns), &svc).await?.is_none() {
                out.push(Stale {
                    config: name.clone(),
                    service: format!("{ns}/{svc}"),
                });
            }
        }
    }
    Ok(out)
}

/// Deletes a stale configuration (`install --fix`).
pub async fn delete(cluster: &Cluster, config: &str) -> Result<(), ClusterError> {
    cluster
        .dynamic(&MUTATING_WEBHOOK, None)
        .delete(config, &Default::default())
        .await
        .map(|_| ())
        // A retried delete may find its own earlier attempt done.
        .or_else(|e| match e {
            kube::Error::Api(s) if s.code == 404 => Ok(()),
            e => Err(e),
        })
        .map_err(|error| ClusterError::Delete {
            object: MUTATING_WEBHOOK.object(None, config),
            error: Box::new(error),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kyma() -> Tuning {
        Tuning {
            config: "istio-sidecar-injector".into(),
            optional: false,
            suffix: "sidecar-injector.istio.io".into(),
            timeout_seconds: 10,
            expression: gardener_expression(),
        }
    }

    fn gardener_expression() -> Value {
        json!({"key": "gardener.cloud/purpose", "operator": "NotIn", "values": ["kube-system"]})
    }

    fn config(hooks: Value) -> Value {
        json!({"metadata": {"name": "istio-sidecar-injector"}, "webhooks": hooks})
    }

    fn istio_hooks() -> Value {
        let ns_sel =
            json!({"matchExpressions": [{"key": "istio-injection", "operator": "DoesNotExist"}]});
        json!([
            {"name": "rev.namespace.sidecar-injector.istio.io", "namespaceSelector": ns_sel},
            {"name": "rev.object.sidecar-injector.istio.io", "namespaceSelector": ns_sel},
            {"name": "namespace.sidecar-injector.istio.io", "namespaceSelector": ns_sel},
            {"name": "object.sidecar-injector.istio.io", "namespaceSelector": ns_sel},
            {"name": "validation.istio.io"},
        ])
    }

    #[test]
    fn tunes_every_injector_webhook_by_name() {
        let Edit::Apply(obj) = kyma().edit(&config(istio_hooks())) else {
            panic!("expected changes")
        };
        let hooks = obj["webhooks"].as_array().unwrap();
        assert_eq!(hooks.len(), 4, "the non-injector webhook is left alone");
        for h in hooks {
            assert_eq!(h["timeoutSeconds"], 10);
            let exprs = h["namespaceSelector"]["matchExpressions"]
                .as_array()
                .unwrap();
            assert_eq!(exprs.len(), 2, "existing expression kept, Gardener's added");
            assert_eq!(exprs[1], gardener_expression());
        }
    }

    #[test]
    fn tuned_configuration_is_done_and_expression_added_once() {
        let Edit::Apply(obj) = kyma().edit(&config(istio_hooks())) else {
            panic!()
        };
        // Merge the apply back as the API server would, then tune again.
        let mut live = config(istio_hooks());
        for (i, h) in obj["webhooks"].as_array().unwrap().iter().enumerate() {
            live["webhooks"][i]["timeoutSeconds"] = h["timeoutSeconds"].clone();
            live["webhooks"][i]["namespaceSelector"] = h["namespaceSelector"].clone();
        }
        assert_eq!(kyma().edit(&live), Edit::Done);
    }

    #[test]
    fn order_does_not_matter() {
        let mut hooks = istio_hooks();
        hooks.as_array_mut().unwrap().reverse();
        let Edit::Apply(obj) = kyma().edit(&config(hooks)) else {
            panic!()
        };
        assert_eq!(
            obj["webhooks"][0]["name"],
            "object.sidecar-injector.istio.io"
        );
    }

    #[test]
    fn no_injector_webhooks() {
        assert_eq!(
            kyma().edit(&config(json!([{"name": "x.istio.io"}]))),
            Edit::NoMatchingWebhooks
        );
        assert_eq!(kyma().edit(&json!({})), Edit::NoMatchingWebhooks);
    }
}
