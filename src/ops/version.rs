//! What `version` reports of a reachable cluster: the control plane's version, the recorded
//! profile, and the data plane as counts per sidecar version (as `istioctl version` does).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::cluster::{self, ClusterError, inventory, record};
use crate::ops::install::Target;
use crate::ui::Ui;

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

pub async fn cluster_versions(target: &Target, ui: &Ui) -> Result<ClusterVersions, String> {
    let look = async {
        let cluster = crate::ops::connect(target, ui).await?;
        cluster.server_version().await?;
        let revs = cluster::revisions::Revisions::read(&cluster).await?;
        let control_plane = revs.active_version();
        let rec = record::read(&cluster).await?;
        let mut data_plane = BTreeMap::new();
        for pod in inventory::pods(&cluster).await? {
            if let Some(image) = &pod.proxy_image {
                let v = cluster::image_tag(image)
                    .map(|t| cluster::strip_flavour(&t).to_string())
                    .unwrap_or_else(|| "unknown".into());
                *data_plane.entry(v).or_insert(0) += 1;
            }
        }
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
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no answer within {}",
            crate::util::fmt_duration(QUICK)
        )),
    }
}
