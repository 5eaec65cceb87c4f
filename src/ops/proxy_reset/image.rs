//! The expected sidecar image: `<hub>/proxyv2:<version>` with hub and version from istiod's
//! `discovery` image, whatever the registry; flavour suffixes (`-distroless`, `-debug`) are the
//! same version.

use serde::Serialize;

use crate::cluster::strip_flavour;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// The registry and path before the image name (`europe-docker.pkg.dev/kyma-project/prod/external/istio`).
    pub hub: String,
    /// The Istio version, flavour stripped (`1.28.0`).
    pub version: String,
    /// `<hub>/proxyv2:<version>`; a flavour suffix on a sidecar is also current.
    pub image: String,
}

/// `repo:tag` split at the tag's colon (not a registry port's); `None` without a tag.
fn split(image: &str) -> Option<(&str, &str)> {
    let image = image.split('@').next().unwrap_or(image);
    let slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    let colon = image[slash..].find(':')? + slash;
    Some((&image[..colon], &image[colon + 1..]))
}

impl Expected {
    /// From istiod's image (`<hub>/pilot:<tag>`). `None` when it has no tag.
    pub fn parse(istiod_image: &str) -> Option<Expected> {
        let (repo, tag) = split(istiod_image)?;
        let hub = repo.rsplit_once('/').map(|(h, _)| h).unwrap_or("");
        let version = strip_flavour(tag).to_string();
        if version.is_empty() {
            return None;
        }
        let image = if hub.is_empty() {
            format!("proxyv2:{version}")
        } else {
            format!("{hub}/proxyv2:{version}")
        };
        Some(Expected {
            hub: hub.to_string(),
            version,
            image,
        })
    }

    /// Whether a sidecar image is the expected one (flavour aside). An image pinned by digest
    /// only cannot be told current: it counts as outdated.
    pub fn is_current(&self, image: &str) -> bool {
        let Some((repo, tag)) = split(image) else {
            return false;
        };
        let want = &self.image[..self.image.len() - self.version.len() - 1];
        repo == want && strip_flavour(tag) == self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_registry_and_flavours() {
        let e = Expected::parse("localhost:5000/istio/pilot:1.28.0-distroless").unwrap();
        assert_eq!(e.image, "localhost:5000/istio/proxyv2:1.28.0");
        assert!(e.is_current("localhost:5000/istio/proxyv2:1.28.0-distroless"));
        assert!(e.is_current("localhost:5000/istio/proxyv2:1.28.0-debug"));
        assert!(e.is_current("localhost:5000/istio/proxyv2:1.28.0"));
        assert!(!e.is_current("localhost:5000/istio/proxyv2:1.27.3-distroless"));
        assert!(
            !e.is_current("docker.io/istio/proxyv2:1.28.0"),
            "another hub"
        );
        assert!(!e.is_current("localhost:5000/istio/proxyv2:1.28.01"));
        assert!(!e.is_current("localhost:5000/istio/proxyv2@sha256:abc"));
        let k =
            Expected::parse("europe-docker.pkg.dev/kyma-project/prod/external/istio/pilot:1.27.1")
                .unwrap();
        assert_eq!(
            k.hub,
            "europe-docker.pkg.dev/kyma-project/prod/external/istio"
        );
        assert!(Expected::parse("istio/pilot").is_none());
    }
}
