//! `version`'s report as text and as a document.

use serde_json::{Value, json};

use crate::istioctl;
use crate::ops::version::VersionReport;
use crate::util::plural;

pub fn document(r: &VersionReport) -> Value {
    let ist = match &r.istioctl {
        Err(e) => json!({"error": e.to_string()}),
        Ok(loc) => {
            let mut m = json!({"path": loc.path, "source": loc.source.to_string()});
            match &r.istioctl_version {
                Some(Ok(v)) => {
                    m["version"] = json!(v.to_string());
                    m["supported"] = json!(istioctl::check_supported(v).is_ok());
                }
                Some(Err(e)) => m["error"] = json!(e.to_string()),
                None => {}
            }
            m
        }
    };
    let cl = match &r.cluster {
        Ok(c) => json!(c),
        Err(why) => json!({"reached": false, "error": why.to_string()}),
    };
    json!({"kymaMesh": {"version": r.own}, "istioctl": ist, "cluster": cl})
}

pub fn text(r: &VersionReport) -> String {
    let mut out = format!("kyma-mesh: {}\n", r.own);
    match (&r.istioctl, &r.istioctl_version) {
        (Ok(loc), Some(Ok(v))) => {
            let note = match istioctl::check_supported(v) {
                Ok(()) => String::new(),
                Err(e) => format!(" (unsupported: {e})"),
            };
            out.push_str(&format!("istioctl: {v} at {loc}{note}\n"));
        }
        (Ok(loc), Some(Err(e))) => {
            out.push_str(&format!("istioctl: {loc}, version unknown: {e}\n"))
        }
        (Err(e), _) => {
            let text = e.to_string();
            out.push_str(&format!(
                "istioctl: {}\n",
                text.strip_prefix("istioctl ").unwrap_or(&text)
            ));
        }
        (Ok(loc), None) => out.push_str(&format!("istioctl: {loc}\n")),
    }
    let c = match &r.cluster {
        Ok(c) => c,
        Err(why) => {
            out.push_str(&format!("cluster: not reached ({why})\n"));
            return out;
        }
    };
    out.push_str(&format!(
        "control plane: {} at {}\n",
        c.control_plane
            .as_deref()
            .map(|v| format!("Istio {v}"))
            .unwrap_or_else(|| "no Istio installed".into()),
        c.server
    ));
    if c.revisions.control_planes.len() > 1 {
        out.push_str(&format!(
            "revisions: {} (a canary upgrade: `kyma-mesh upgrade --finish` or `kyma-mesh upgrade --rollback` ends it)\n",
            c.revisions.describe_all(", ")
        ));
    }
    if let Some(p) = &c.profile {
        out.push_str(&format!(
            "recorded: profile {p}, {} injection\n",
            c.sidecar_injection.as_deref().unwrap_or("default")
        ));
    }
    let total: usize = c.data_plane.values().sum();
    let by: Vec<String> = c
        .data_plane
        .iter()
        .map(|(v, n)| format!("{v} ({n})"))
        .collect();
    out.push_str(&format!(
        "data plane: {}{}{}\n",
        plural(total, "pod with a sidecar", "pods with a sidecar"),
        if by.is_empty() { "" } else { ": " },
        by.join(", ")
    ));
    out
}
