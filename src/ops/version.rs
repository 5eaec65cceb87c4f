//! What `version` reports of a reachable cluster: the control plane's version, the recorded
//! profile, and the data plane as counts per sidecar version (as `istioctl version` does).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::cluster::{self, ClusterError, inventory, record};
use crate::istioctl::{self, IstioVersion, IstioctlError, Located};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::Events;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterVersions {
    pub server: String,
    /// The active control plane's version (the `default` tag's revision); `None`: no istiod.
    pub control_plane: Option<String>,
    /// Every control-plane revision (two during a canary upgrade) and the `default` tag's.
    pub revisions: cluster::revisions::Revisions,
    /// The profile and injection mode the last install recorded.
    pub profile: Option<String>,
    pub sidecar_injection: Option<String>,
    /// Pods with a sidecar, by the sidecar's version (flavour suffix stripped).
    pub data_plane: BTreeMap<String, usize>,
}

/// A cluster that does not answer within this is reported as not reached: `version` is a
/// quick look, not a wait.
const QUICK: Duration = Duration::from_secs(5);

/// Why the cluster's versions could not be read (`version` then says so and exits 0: the
/// tool's own version is its main answer).
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("no answer within {}", crate::util::fmt_duration(*.0))]
    NoAnswer(Duration),
    #[error("cannot reach the cluster: {0}")]
    Unreachable(ClusterError),
}

impl VersionError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            VersionError::Cluster(c) => cluster_kind(c),
            VersionError::NoAnswer(_) | VersionError::Unreachable(_) => ErrorKind::Failed,
        }
    }
}

pub async fn cluster_versions(
    target: &Target,
    events: &dyn Events,
) -> Result<ClusterVersions, VersionError> {
    let look = async {
        let cluster = crate::ops::connect(target, events).await?;
        cluster.server_version().await?;
        let revs = cluster::revisions::Revisions::read(&cluster).await?;
        let control_plane = revs.active_version();
        let rec = record::read(&cluster).await?;
        let mut data_plane = BTreeMap::new();
        inventory::scan_pods(&cluster, None, |pod| {
            if let Some(c) = pod.proxy() {
                let v = cluster::image_tag(&c.image)
                    .map(|t| cluster::strip_flavour(&t).to_string())
                    .unwrap_or_else(|| "unknown".into());
                *data_plane.entry(v).or_insert(0) += 1;
            }
        })
        .await?;
        Ok::<_, ClusterError>(ClusterVersions {
            server: cluster.server.clone(),
            control_plane,
            revisions: revs,
            profile: rec.as_ref().map(|r| r.profile.clone()),
            sidecar_injection: rec.map(|r| r.sidecar_injection),
            data_plane,
        })
    };
    match tokio::time::timeout(QUICK, look).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(VersionError::NoAnswer(QUICK)),
    }
}

/// Everything `version` reports: the tool, the istioctl it would use, and the cluster.
/// Absences (no istioctl, no cluster) are information here, not failures.
pub struct VersionReport {
    pub own: &'static str,
    pub istioctl: Result<Located, IstioctlError>,
    /// `None` when istioctl was not found.
    pub istioctl_version: Option<Result<IstioVersion, IstioctlError>>,
    pub cluster: Result<ClusterVersions, VersionError>,
}

pub async fn report(
    istioctl_flag: Option<&std::path::Path>,
    target: &Target,
    events: &dyn Events,
) -> VersionReport {
    let located = istioctl::locate(istioctl_flag);
    let istioctl_version = match &located {
        Ok(loc) => Some(istioctl::client_version(&loc.path).await),
        Err(_) => None,
    };
    VersionReport {
        own: env!("CARGO_PKG_VERSION"),
        istioctl: located,
        istioctl_version,
        cluster: cluster_versions(target, events).await,
    }
}

/// The active control plane's version (`None`: no Istio): a fleet's look before and after
/// its command. A kubeconfig that cannot be used is the user's input; a cluster that does not
/// answer is unreachable.
pub async fn active_version(
    target: &Target,
    events: &dyn Events,
) -> Result<Option<String>, VersionError> {
    let cluster = crate::ops::connect(target, events).await?;
    cluster::installed_istio_version(&cluster)
        .await
        .map_err(VersionError::Unreachable)
}
