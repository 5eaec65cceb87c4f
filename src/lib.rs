//! kyma-mesh: Istio with Kyma's Service Mesh configuration, installed and kept healthy.
//!
//! Flow is one-directional: `cli` -> `commands/*` -> (`config`, `istioctl`, `cluster`, `ui`).

pub mod config;
pub mod istioctl;
