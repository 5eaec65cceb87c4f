//! The canary's saved state, as a phase of install's pipeline: before istioctl installs a
//! canary revision, what `upgrade --rollback` needs is saved (the old revision, the gateways
//! as they are, the record). `install` runs this phase in canary mode; `canary` reads the
//! state back. It imports neither.

use serde_json::json;

use crate::cluster::kinds::DEPLOYMENT;
use crate::cluster::record::{self, Canary, CanaryPhase, Record};
use crate::cluster::revisions::Revisions;
use crate::cluster::{Cluster, ClusterError, inventory};
use crate::names::{self, ISTIO_NAMESPACE};
use crate::ops::events::{Events, Mark};
use crate::util::plural;

/// The gateways istioctl upgrades in place: what `--rollback` restores.
pub const GATEWAY_SELECTOR: &str =
    "operator.istio.io/component in (IngressGateways,EgressGateways)";

#[derive(Debug, thiserror::Error)]
pub enum CanaryStateError {
    #[error(
        "a canary upgrade to Istio {version} (revision {revision}) is in progress: complete it with `kyma-mesh upgrade --finish`, or go back with `kyma-mesh upgrade --rollback`, before starting another. Nothing was changed."
    )]
    OtherInProgress { revision: String, version: String },
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Before istioctl installs the canary: refuses a second canary, and saves what `--rollback`
/// needs (the old revision, the gateways as they are, the record). A re-run of the same
/// canary keeps what the first run saved.
pub async fn prepare(
    cluster: &Cluster,
    revs: &Revisions,
    (revision, target): (&str, &str),
    recorded: Option<&Record>,
    events: &dyn Events,
) -> Result<(), CanaryStateError> {
    if let Some(state) = record::read_canary(cluster).await? {
        if state.to_revision == revision {
            events.note(
                Mark::Ok,
                &format!(
                    "continuing the canary upgrade {} -> {} started at {}",
                    state.from_version, state.to_version, state.started_at
                ),
            );
            return Ok(());
        }
        return Err(CanaryStateError::OtherInProgress {
            revision: state.to_revision,
            version: state.to_version,
        });
    }
    let Some(from) = revs.active() else {
        return Ok(()); // the version gate refuses a cluster without Istio before this
    };
    if from.revision == revision {
        return Ok(()); // the control plane already is this revision: a reconcile
    }
    let step = events.step("canary state (what --rollback puts back)");
    let gateways = inventory::list_selected(
        cluster,
        &DEPLOYMENT,
        None,
        &format!("{GATEWAY_SELECTOR},{}={}", names::REV_LABEL, from.revision),
    )
    .await?
    .iter()
    .map(|d| {
        json!({
            "namespace": d["metadata"]["namespace"],
            "name": d["metadata"]["name"],
            "labels": d["metadata"]["labels"],
            "template": d["spec"]["template"],
        })
    })
    .collect::<Vec<_>>();
    let state = Canary {
        from_revision: from.revision.clone(),
        from_version: from.version.clone().unwrap_or_default(),
        to_revision: revision.to_string(),
        to_version: target.to_string(),
        started_at: record::now_rfc3339(),
        phase: CanaryPhase::Installing,
        from_auto_inject: recorded.is_none_or(|r| r.sidecar_injection != "opt-in"),
        previous_record: recorded.map(Record::to_configmap),
        gateways,
    };
    record::write_canary(cluster, &state).await?;
    step.ok(&format!(
        "{ISTIO_NAMESPACE}/{}: revision {} (Istio {}), {}",
        record::CANARY_NAME,
        state.from_revision,
        state.from_version,
        plural(state.gateways.len(), "gateway", "gateways")
    ));
    Ok(())
}
