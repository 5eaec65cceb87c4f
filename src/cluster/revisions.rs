//! Istio's control-plane revisions as the cluster shows them: every istiod Deployment (label
//! `app=istiod`, revision from `istio.io/rev`) and the `default` revision tag, which decides
//! the control plane that injects new pods.
//!
//! Names follow istioctl: revision `default` is `istiod` with the injector
//! `istio-sidecar-injector`; revision `R` is `istiod-R` with `istio-sidecar-injector-R`.

use serde::Serialize;
use serde_json::Value;

use super::kinds::{DEPLOYMENT, MUTATING_WEBHOOK};
use super::{Cluster, ClusterError, image_tag, inventory, strip_flavour};
use crate::names::{APP_LABEL, ISTIO_NAMESPACE, REV_LABEL};

/// The revision of an install without `--revision`.
pub const DEFAULT: &str = "default";
/// The webhook configuration of the `default` revision tag.
pub const DEFAULT_TAG_WEBHOOK: &str = "istio-revision-tag-default";

/// One control plane: its revision, its istiod Deployment and the version it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlPlane {
    pub revision: String,
    pub deployment: String,
    /// The `discovery` image.
    pub image: Option<String>,
    /// The image's tag without a flavour suffix (`1.28.0`).
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Revisions {
    /// Sorted by revision name.
    pub control_planes: Vec<ControlPlane>,
    /// The revision the `default` tag points at, if the tag exists.
    pub default_tag: Option<String>,
}

impl Revisions {
    pub async fn read(cluster: &Cluster) -> Result<Revisions, ClusterError> {
        // Both at once: one round trip, not two.
        let (deployments, tag) = futures::future::join(
            inventory::list(cluster, &DEPLOYMENT, Some(ISTIO_NAMESPACE)),
            cluster.get_opt(&MUTATING_WEBHOOK, None, DEFAULT_TAG_WEBHOOK),
        )
        .await;
        let deployments = deployments?;
        let tag = tag?.map(|o| serde_json::to_value(o).unwrap_or_default());
        Ok(Revisions::from_objects(&deployments, tag.as_ref()))
    }

    pub fn from_objects(deployments: &[Value], default_tag: Option<&Value>) -> Revisions {
        let mut control_planes: Vec<ControlPlane> = deployments
            .iter()
            .filter(|d| d["metadata"]["labels"][APP_LABEL] == "istiod")
            .map(|d| {
                let image = discovery_image(d);
                ControlPlane {
                    revision: d["metadata"]["labels"][REV_LABEL]
                        .as_str()
                        .filter(|r| !r.is_empty())
                        .unwrap_or(DEFAULT)
                        .to_string(),
                    deployment: d["metadata"]["name"].as_str().unwrap_or_default().into(),
                    version: image
                        .as_deref()
                        .and_then(image_tag)
                        .map(|t| strip_flavour(&t).to_string()),
                    image,
                }
            })
            .collect();
        control_planes.sort_by(|a, b| a.revision.cmp(&b.revision));
        Revisions {
            control_planes,
            default_tag: default_tag.and_then(|t| {
                t["metadata"]["labels"][REV_LABEL]
                    .as_str()
                    .map(str::to_string)
            }),
        }
    }

    /// `revision 1-28-0 (Istio 1.28.0, default tag)`, as every message names a control plane.
    pub fn describe(&self, cp: &ControlPlane) -> String {
        let tag = if self.default_tag.as_deref() == Some(cp.revision.as_str()) {
            ", default tag"
        } else {
            ""
        };
        format!(
            "revision {} (Istio {}{tag})",
            cp.revision,
            cp.version.as_deref().unwrap_or("?")
        )
    }

    /// Every control plane described, joined with `sep`.
    pub fn describe_all(&self, sep: &str) -> String {
        self.control_planes
            .iter()
            .map(|cp| self.describe(cp))
            .collect::<Vec<_>>()
            .join(sep)
    }

    pub fn get(&self, revision: &str) -> Option<&ControlPlane> {
        self.control_planes.iter().find(|c| c.revision == revision)
    }

    /// The control plane that injects new pods: the one the `default` tag names, else the
    /// `default` revision, else the only one there is.
    pub fn active(&self) -> Option<&ControlPlane> {
        self.default_tag
            .as_deref()
            .and_then(|r| self.get(r))
            .or_else(|| self.get(DEFAULT))
            .or(match self.control_planes.as_slice() {
                [only] => Some(only),
                _ => None,
            })
    }

    /// The active control plane's version (`None`: no istiod).
    pub fn active_version(&self) -> Option<String> {
        self.active().and_then(|c| c.version.clone())
    }

    /// The active control plane's revision, `default` when none is installed.
    pub fn active_revision(&self) -> &str {
        self.active().map_or(DEFAULT, |c| c.revision.as_str())
    }
}

/// istiod's Deployment (and Service) of a revision.
pub fn istiod_name(revision: &str) -> String {
    if revision == DEFAULT {
        "istiod".into()
    } else {
        format!("istiod-{revision}")
    }
}

/// The injector webhook configuration of a revision.
pub fn injector_name(revision: &str) -> String {
    if revision == DEFAULT {
        "istio-sidecar-injector".into()
    } else {
        format!("istio-sidecar-injector-{revision}")
    }
}

fn discovery_image(d: &Value) -> Option<String> {
    let containers = d["spec"]["template"]["spec"]["containers"].as_array()?;
    containers
        .iter()
        .find(|c| c["name"] == "discovery")
        .or(containers.first())
        .and_then(|c| c["image"].as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn istiod(name: &str, rev: Option<&str>, version: &str) -> Value {
        let mut labels = json!({"app": "istiod"});
        if let Some(r) = rev {
            labels[REV_LABEL] = json!(r);
        }
        json!({"metadata": {"name": name, "labels": labels},
               "spec": {"template": {"spec": {"containers": [
                   {"name": "discovery", "image": format!("docker.io/istio/pilot:{version}-distroless")}]}}}})
    }

    #[test]
    fn the_default_tag_decides_which_control_plane_is_active() {
        let gateway = json!({"metadata": {"name": "istio-ingressgateway", "labels": {"app": "istio-ingressgateway"}}});
        let deployments = [
            istiod("istiod", Some("default"), "1.27.3"),
            istiod("istiod-1-28-0", Some("1-28-0"), "1.28.0"),
            gateway,
        ];
        let none = Revisions::from_objects(&deployments, None);
        assert_eq!(none.control_planes.len(), 2);
        assert_eq!(none.active().unwrap().deployment, "istiod");
        assert_eq!(none.active().unwrap().version.as_deref(), Some("1.27.3"));
        let tag =
            json!({"metadata": {"labels": {"istio.io/rev": "1-28-0", "istio.io/tag": "default"}}});
        let tagged = Revisions::from_objects(&deployments, Some(&tag));
        assert_eq!(tagged.active().unwrap().revision, "1-28-0");
        assert_eq!(
            tagged.describe_all("; "),
            "revision 1-28-0 (Istio 1.28.0, default tag); revision default (Istio 1.27.3)"
        );
        // after the old revision is gone, the only control plane is the active one
        let only =
            Revisions::from_objects(&[istiod("istiod-1-28-0", Some("1-28-0"), "1.28.0")], None);
        assert_eq!(only.active().unwrap().revision, "1-28-0");
        // an install without the label is the default revision
        let plain = Revisions::from_objects(&[istiod("istiod", None, "1.26.1")], None);
        assert_eq!(plain.active().unwrap().revision, "default");
        assert!(Revisions::default().active().is_none());
    }

    #[test]
    fn names_follow_istioctl() {
        assert_eq!(istiod_name("default"), "istiod");
        assert_eq!(istiod_name("1-28-0"), "istiod-1-28-0");
        assert_eq!(injector_name("default"), "istio-sidecar-injector");
        assert_eq!(injector_name("1-28-0"), "istio-sidecar-injector-1-28-0");
    }
}
